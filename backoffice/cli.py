"""``clerk backoffice …``: serve the back office, manage halls and tokens, decide a case from a script,
and (for a desk) register this workstation with a back office.

Registered through the ``clerk.commands`` entry point (``backoffice = "backoffice.cli:register"``);
``python -m backoffice …`` runs the same commands without the desk's CLI.

The back office's folder (``--data-dir``) holds ``backoffice.sqlite3`` unless ``--database-url``
names another database (PostgreSQL for a county); the URL given to ``serve`` is remembered in
``backoffice.json`` there, so later commands with the same ``--data-dir`` use the same database.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from clerk.errors import ClerkError

ENV_DATA_DIR = "CLERK_BACKOFFICE_DATA_DIR"


def _data_dir(args: argparse.Namespace) -> Path:
    chosen = getattr(args, "bo_data_dir", None) or getattr(args, "data_dir", None) or os.environ.get(ENV_DATA_DIR)
    if chosen:
        root = Path(chosen).expanduser()
    else:
        import platformdirs

        root = Path(platformdirs.user_data_dir("WindowClerkBackOffice", appauthor=False))
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    return root


def _remembered(root: Path) -> dict[str, Any]:
    cfg = root / "backoffice.json"
    if not cfg.exists():
        return {}
    try:
        data = json.loads(cfg.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ClerkError(f"后台配置文件无法读取：{cfg}", f"cannot read {cfg}: {exc}") from exc
    return data if isinstance(data, dict) else {}


def _remember(root: Path, **values: str) -> None:
    from clerk.fileio import write_atomic

    data = {**_remembered(root), **values}
    write_atomic(root / "backoffice.json", json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))


def blob_dir(args: argparse.Namespace, *, remember: bool = False) -> Path:
    """The blob folder: ``--blob-dir`` (remembered by ``serve``), else ``<data-dir>/blobs``. Several
    hosts serving one database must share it (a network folder)."""
    from .app import ENV_BLOB_DIR

    root = _data_dir(args)
    chosen = getattr(args, "blob_dir", None) or os.environ.get(ENV_BLOB_DIR)
    if chosen and remember:
        _remember(root, blob_dir=str(Path(chosen).expanduser().resolve()))
    chosen = chosen or _remembered(root).get("blob_dir")
    return Path(chosen).expanduser().resolve() if chosen else (root / "blobs").resolve()


def database_url(args: argparse.Namespace, *, remember: bool = False) -> str:
    from .app import ENV_URL, default_database_url

    root = _data_dir(args)
    url = getattr(args, "database_url", None) or os.environ.get(ENV_URL)
    if url and remember:
        _remember(root, database_url=url)
    if not url:
        url = _remembered(root).get("database_url")
    return url or default_database_url(root)


def open_store(args: argparse.Namespace, *, remember: bool = False, seed: bool = True) -> Any:
    """The back office's database, migrated to head (and on an empty one, the demo hall)."""
    from sqlalchemy.exc import SQLAlchemyError

    from clerk.db import database_error

    from . import core, departments, migrate

    url = database_url(args, remember=remember)
    blobs_at = blob_dir(args, remember=remember)
    try:
        migrate.ensure_current(url, blob_dir=blobs_at)
        store = core.Store(url)
        if seed:
            departments.seed_demo(store)
        else:
            departments.ensure_server_id(store)
    except SQLAlchemyError as exc:
        raise database_error(exc, url) from exc
    return store


def _api(fn: Any) -> Any:
    """Service refusals (ApiError) as the CLI's one-line ClerkError."""
    from .core import ApiError

    def run(args: argparse.Namespace) -> Any:
        try:
            return fn(args)
        except ApiError as exc:
            raise ClerkError(exc.message, exc.english) from exc

    return run


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from . import departments
    from .app import ENV_BLOB_DIR, ENV_FAULTS, ENV_MAX_BLOB, ENV_PART_MAX_AGE, ENV_SQLITE_SYNC, ENV_URL

    store = open_store(args, remember=bool(args.database_url or args.blob_dir), seed=not args.no_demo)
    store.dispose()
    url = database_url(args)
    os.environ[ENV_URL] = url
    os.environ[ENV_BLOB_DIR] = str(blob_dir(args))
    os.environ[ENV_MAX_BLOB] = str(int(args.max_blob_mb * 1024 * 1024))
    if args.faults:
        os.environ[ENV_FAULTS] = str(Path(args.faults).resolve())
    os.environ[ENV_SQLITE_SYNC] = args.sqlite_synchronous
    os.environ[ENV_PART_MAX_AGE] = str(args.part_max_age_days)
    from clerk.db import redact_url

    print(f"后台已启动 back office at http://{args.host}:{args.port}/ (部门页面 /dept/, API /api/v1/, "
          f"database {redact_url(url)}, blobs {blob_dir(args)}, workers {args.workers})", flush=True)
    if not args.no_demo:
        code, _name, enrol = departments.DEMO_HALL
        print(f"演示大厅 {code} 注册码 {enrol}; 部门账号如 scjg / scjg123", flush=True)
    uvicorn.run("backoffice.app:app_from_env", factory=True, host=args.host, port=args.port, workers=args.workers,
                log_level=args.log_level, access_log=args.access_log, timeout_graceful_shutdown=5)
    return 0


@_api
def cmd_hall_add(args: argparse.Namespace) -> int:
    from . import core

    store = open_store(args)
    try:
        code = core.add_hall(store, args.code, args.name, args.enrolment_code)
    finally:
        store.dispose()
    print(f"大厅 {args.code} {args.name} 注册码：{code}")
    return 0


@_api
def cmd_sweep(args: argparse.Namespace) -> int:
    from . import blobs

    store = open_store(args, seed=False)
    try:
        swept = blobs.sweep(store, blobs.BlobFiles(blobs.private_root(blob_dir(args))), args.older_than_days,
                            dry_run=args.dry_run)
    finally:
        store.dispose()
    print(swept.line(args.older_than_days, args.dry_run))
    return 0


@_api
def cmd_revoke(args: argparse.Namespace) -> int:
    from . import core

    store = open_store(args)
    try:
        n = core.revoke(store, args.hall, args.workstation)
    finally:
        store.dispose()
    print(f"已吊销 {args.hall} {args.workstation} 的 {n} 个令牌 (revoked {n} token(s))")
    return 0


@_api
def cmd_decide(args: argparse.Namespace) -> int:
    from . import service

    store = open_store(args)
    try:
        items = [i.strip() for i in (args.items or "").split(",") if i.strip()]
        if items:  # names or keys of materials → keys (the service names them in the feed)
            items = _material_keys(store, args.number, items)
        out = service.decide(store, args.number, args.action, args.by, reason=args.reason or "", items=items,
                             text_=args.text or "", due_date=args.due_date)
    finally:
        store.dispose()
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        print(f"办件 {out['number']}：{service.DECISIONS[args.action][3]} → {service.STATE_LABELS.get(out['state'], out['state'])}"
              f"（版本 {out['version']}）")
    return 0


def _material_keys(store: Any, ref: str, wanted: list[str]) -> list[str]:
    from sqlalchemy import or_, select

    from .models import Case

    with store.tx() as s:
        case = s.scalar(select(Case).where(or_(Case.uuid == ref, Case.number == ref)))
        holder = s.get(Case, case.parent_uuid) if case is not None and case.parent_uuid else case
        materials = (holder.materials if holder else []) or []
    by_name = {m.get("name"): m.get("key") for m in materials}
    keys = {m.get("key") for m in materials}
    out = []
    for w in wanted:
        if w in keys:
            out.append(w)
        elif w in by_name:
            out.append(by_name[w])
        else:
            raise ClerkError(f"办件没有材料“{w}”", f"no material {w!r} in case {ref}")
    return out


def cmd_cases(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from .models import Case
    from .core import iso
    from .service import STATE_LABELS

    store = open_store(args)
    try:
        with store.tx() as s:
            q = select(Case).order_by(Case.received_at, Case.number)
            if args.hall:
                q = q.where(Case.hall_code == args.hall)
            if args.department:
                q = q.where(Case.department == args.department)
            rows = [{"uuid": c.uuid, "number": c.number, "hall_code": c.hall_code, "kind": c.kind,
                     "parent_uuid": c.parent_uuid, "matter_name": c.matter_name, "department": c.department,
                     "state": c.state, "version": c.version, "updated_at": iso(c.updated_at)}
                    for c in s.scalars(q)]
    finally:
        store.dispose()
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        for r in rows:
            print(f"{r['number']}  {STATE_LABELS.get(r['state'], r['state'])}  v{r['version']}  {r['matter_name']}  {r['department']}")
        print(f"共 {len(rows)} 件")
    return 0


@_api
def cmd_publish(args: argparse.Namespace) -> int:
    from . import service

    store = open_store(args)
    try:
        if args.what == "catalog":
            seq = service.publish(store, "catalog.version", {"version": args.version, "url": args.url or ""})
        else:
            seq = service.publish(store, "calendar.day", {"day": args.day, "is_workday": args.workday,
                                                          "name": args.name or ""})
    finally:
        store.dispose()
    print(f"已发布（seq {seq}）")
    return 0


def cmd_openapi(args: argparse.Namespace) -> int:
    text = openapi_yaml()
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def openapi_yaml() -> str:
    import yaml

    from .app import openapi_document

    return yaml.safe_dump(openapi_document(), allow_unicode=True, sort_keys=False, width=100)


def cmd_register(args: argparse.Namespace) -> int:
    """A desk registers its workstation with a back office (the sync engine keeps the token)."""
    try:
        from clerk.sync import enrol
    except ImportError as exc:
        raise ClerkError("本机的同步模块不可用，无法注册", f"clerk.sync is not available: {exc}") from exc
    from clerk.commands import open_db, sign_in

    db = open_db(args)
    try:
        user = sign_in(args, db, "sync.enrol")  # a manager registers the desk (audited)
        extra = {k: v for k, v in (("workstation", args.workstation), ("hall_code", args.hall)) if v}
        result = enrol(db, args.server, args.code, args.name, user=user, **extra)
    finally:
        db.dispose()
    if isinstance(result, dict):
        print(json.dumps({k: v for k, v in result.items() if k != "token"}, ensure_ascii=False))
    print(f"已在后台 {args.server} 注册本窗口 (registered)")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backoffice", help="部门后台 back office (serve, halls, decisions, register)")
    bo = p.add_subparsers(dest="backoffice_command", metavar="SUBCOMMAND", required=True)

    def server_opts(c: argparse.ArgumentParser) -> None:
        # SUPPRESS: the top-level `clerk --data-dir` keeps its value when this one is not given
        c.add_argument("--data-dir", dest="bo_data_dir", default=argparse.SUPPRESS, help="后台数据目录 back office folder")
        c.add_argument("--database-url", default=None, help="数据库地址（县级部署用 PostgreSQL）")
        c.add_argument("--blob-dir", default=None,
                       help="附件目录（默认 数据目录/blobs；多台主机共用一个数据库时须共用此目录）")

    c = bo.add_parser("serve", help="启动后台服务 start the back office server")
    server_opts(c)
    c.add_argument("--host", default="127.0.0.1")
    c.add_argument("--port", type=int, default=8700)
    c.add_argument("--workers", type=int, default=1)
    c.add_argument("--max-blob-mb", type=float, default=64)
    c.add_argument("--part-max-age-days", type=float, default=7.0,
                   help="中断的附件上传保留天数，过期清理（0 = 不清理）abandoned uploads kept this long")
    c.add_argument("--no-demo", action="store_true", help="空数据库不建演示大厅和部门账号")
    c.add_argument("--faults", default=None, help="测试用故障计划文件 (tests only)")
    c.add_argument("--sqlite-synchronous", choices=["full", "normal"], default="full",
                   help="SQLite: normal = 提交不逐次落盘，断电可能丢失最近提交（仅用于基准测试）")
    c.add_argument("--log-level", default="warning")
    c.add_argument("--access-log", action="store_true")
    c.set_defaults(handler=cmd_serve)

    c = bo.add_parser("sweep", help="清理中断的附件上传 delete abandoned blob uploads")
    server_opts(c)
    c.add_argument("--older-than-days", type=float, default=7.0)
    c.add_argument("--dry-run", action="store_true", help="只列出，不删除")
    c.set_defaults(handler=cmd_sweep)

    c = bo.add_parser("hall", help="大厅 halls")
    hs = c.add_subparsers(dest="hall_command", metavar="ACTION", required=True)
    h = hs.add_parser("add", help="新增大厅并输出注册码 add a hall, print its enrolment code")
    server_opts(h)
    h.add_argument("--code", required=True)
    h.add_argument("--name", required=True)
    h.add_argument("--enrolment-code", default=None)
    h.set_defaults(handler=cmd_hall_add)

    c = bo.add_parser("revoke", help="吊销窗口令牌 revoke a workstation's tokens")
    server_opts(c)
    c.add_argument("--workstation", required=True)
    c.add_argument("--hall", required=True)
    c.set_defaults(handler=cmd_revoke)

    c = bo.add_parser("decide", help="部门决定 a department decision on a case")
    server_opts(c)
    c.add_argument("number", help="办件编号或 uuid")
    c.add_argument("action", choices=["review", "supplement", "approve", "reject", "ready"])
    c.add_argument("--reason", default="")
    c.add_argument("--items", default="", help="需补正的材料（名称或编号，逗号分隔）")
    c.add_argument("--text", default="")
    c.add_argument("--due-date", default=None)
    c.add_argument("--by", default="后台 命令行")
    c.add_argument("--json", action="store_true")
    c.set_defaults(handler=cmd_decide)

    c = bo.add_parser("cases", help="后台办件 cases held by the back office")
    server_opts(c)
    c.add_argument("--hall", default=None)
    c.add_argument("--department", default=None)
    c.add_argument("--json", action="store_true")
    c.set_defaults(handler=cmd_cases)

    c = bo.add_parser("publish", help="发布目录版本或日历调整 publish a catalog version or a calendar day")
    ps = c.add_subparsers(dest="what", metavar="WHAT", required=True)
    k = ps.add_parser("catalog")
    server_opts(k)
    k.add_argument("version")
    k.add_argument("--url", default="")
    k.set_defaults(handler=cmd_publish, what="catalog")
    d = ps.add_parser("calendar")
    server_opts(d)
    d.add_argument("day")
    d.add_argument("--workday", action="store_true", help="调休上班（默认：放假）")
    d.add_argument("--name", default="")
    d.set_defaults(handler=cmd_publish, what="calendar")

    c = bo.add_parser("openapi", help="输出接口契约 print the OpenAPI document (YAML)")
    c.add_argument("--output", default=None)
    c.set_defaults(handler=cmd_openapi)

    c = bo.add_parser("register", help="本窗口注册到后台 register this desk with a back office")
    c.add_argument("--server", required=True)
    c.add_argument("--code", required=True, help="大厅注册码 enrolment code")
    c.add_argument("--name", default="", help="窗口名称")
    c.add_argument("--workstation", default=None, help="窗口编号（默认：本机设置）")
    c.add_argument("--hall", default=None, help="大厅编码（默认：本机设置）")
    c.set_defaults(handler=cmd_register)


def main(argv: list[str] | None = None) -> int:
    """``python -m backoffice …``: the same commands without the desk's CLI."""
    from clerk.cli import ClerkArgumentParser

    parser = ClerkArgumentParser(prog="python -m backoffice")
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    register(sub)
    args = parser.parse_args(["backoffice", *(sys.argv[1:] if argv is None else argv)])
    try:
        return int(args.handler(args) or 0)
    except ClerkError as exc:
        print(f"错误：{exc.one_line()}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
