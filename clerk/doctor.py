"""``clerk doctor``: what a hall's IT person would otherwise discover one error at a time.

Each check returns ``Check`` items: a status (``ok`` · ``warn`` something works worse · ``fail``
something does not work · ``skip`` not applicable here), a Chinese title and finding, and what to
do. The core checks here need no Qt and no hardware code: the data folder (exists, writable,
owner-only), free disk, the database (reachable, migrated). Checks that need ``ui``, ``printing``
or ``devices`` register through the ``clerk.doctor`` entry-point group (pyproject.toml): each is a
callable ``checks(cfg) -> Iterable[Check]``, so this module never imports them.

A check never changes anything: it reads, connects, lists.
"""
from __future__ import annotations

import argparse
import os
import shutil
import stat
import sys
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from importlib.metadata import entry_points
from pathlib import Path

from .config import Config

STATUSES = ("ok", "warn", "fail", "skip")
LABELS = {"ok": "正常", "warn": "注意", "fail": "需处理", "skip": "不适用"}

# Free space in the data folder: attachments, spool and the SQLite file grow there.
DISK_WARN_BYTES = 2 * 1024**3
DISK_FAIL_BYTES = 300 * 1024**2


@dataclass(frozen=True)
class Check:
    key: str            # stable id, e.g. "qt.platform", "db.migrated"
    status: str         # ok | warn | fail | skip
    title: str          # 中文: what was checked
    detail: str         # 中文: what was found
    fix: str = ""       # 中文: what to do ("" when nothing)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"bad status {self.status!r}")

    def line(self) -> str:
        text = f"[{LABELS[self.status]}] {self.title}：{self.detail}"
        return f"{text}\n        处理：{self.fix}" if self.fix else text


CheckFn = Callable[[Config | None], Iterable[Check]]


# ---- system libraries (used by the Qt and device checks) ------------------------------------

# soname → Debian package. UOS (Deepin) and Kylin are Debian/Ubuntu based and use the same names.
SONAME_PACKAGES: dict[str, str] = {
    "libxcb.so.1": "libxcb1", "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4", "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0", "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0", "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-randr.so.0": "libxcb-randr0", "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-sync.so.1": "libxcb-sync1", "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-render.so.0": "libxcb-render0", "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xinput.so.0": "libxcb-xinput0", "libxcb-glx.so.0": "libxcb-glx0",
    "libxcb-util.so.1": "libxcb-util1", "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0", "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1", "libXext.so.6": "libxext6", "libXrender.so.1": "libxrender1",
    "libSM.so.6": "libsm6", "libICE.so.6": "libice6",
    "libEGL.so.1": "libegl1", "libGL.so.1": "libgl1", "libOpenGL.so.0": "libopengl0",
    "libGLX.so.0": "libglx0", "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6", "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0", "libgthread-2.0.so.0": "libglib2.0-0",
    "libgobject-2.0.so.0": "libglib2.0-0", "libgio-2.0.so.0": "libglib2.0-0",
    "libwayland-client.so.0": "libwayland-client0", "libwayland-cursor.so.0": "libwayland-cursor0",
    "libwayland-egl.so.1": "libwayland-egl1", "libpulse.so.0": "libpulse0",
    "libpulse-mainloop-glib.so.0": "libpulse-mainloop-glib0", "libspeechd.so.2": "libspeechd2",
    "libasound.so.2": "libasound2", "libgssapi_krb5.so.2": "libgssapi-krb5-2",
    "libcups.so.2": "libcups2", "libzstd.so.1": "libzstd1", "libz.so.1": "zlib1g",
    "libusb-1.0.so.0": "libusb-1.0-0", "libsane.so.1": "libsane1",
}


def missing_libraries(binary: Path) -> list[str]:
    """The sonames ``ldd`` reports as "not found" for ``binary`` ([] when all resolve or no ldd)."""
    import subprocess

    exe = shutil.which("ldd")
    if exe is None or not binary.is_file():
        return []
    try:
        out = subprocess.run([exe, str(binary)], capture_output=True, text=True, timeout=30,
                             check=False, env={**os.environ, "LC_ALL": "C"}).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    found = [line.split("=>")[0].strip() for line in out.splitlines() if "not found" in line]
    return sorted(set(found))


def install_hint(sonames: Iterable[str]) -> str:
    """``sudo apt install …`` for the packages providing ``sonames`` (the unknown ones named)."""
    names = sorted(set(sonames))
    packages = sorted({SONAME_PACKAGES[n] for n in names if n in SONAME_PACKAGES})
    unknown = [n for n in names if n not in SONAME_PACKAGES]
    parts = []
    if packages:
        parts.append("Debian/UOS/麒麟：sudo apt install " + " ".join(packages))
    if unknown:
        parts.append("另需提供 " + "、".join(unknown) + " 的系统软件包")
    return "；".join(parts)


# ---- the core checks ------------------------------------------------------------------------

def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def check_data_folder(cfg: Config) -> list[Check]:
    """The data folder exists, is writable, and (POSIX) is readable by its owner only."""
    root = cfg.data_dir
    title = "数据目录"
    if not root.is_dir():
        return [Check("data.folder", "fail", title, f"{root} 不存在",
                      "创建该目录，或用 --data-dir / CLERK_DATA_DIR 指向可写目录")]
    probe = root / f".doctor-{os.getpid()}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        return [Check("data.folder", "fail", title, f"{root} 不可写（{exc.strerror or exc}）",
                      f"把该目录交给运行本程序的用户：sudo chown -R $USER {root}")]
    out = [Check("data.folder", "ok", title, f"{root} 可写")]
    if os.name != "posix":
        out.append(Check("data.permissions", "skip", "数据目录权限", "Windows 上由用户目录的访问控制保护"))
        return out
    wide: list[str] = []
    for path in [root, *_sensitive_files(root)]:
        try:
            mode = _mode(path)
        except OSError:
            continue
        if mode & 0o077:
            wide.append(f"{path if path == root else path.name}（{mode:04o}）")
    if wide:
        shown = "、".join(wide[:5]) + ("等" if len(wide) > 5 else "")
        out.append(Check("data.permissions", "warn", "数据目录权限",
                         f"其他用户可读取：{shown}；其中有申请人的身份证号、电话和扫描件",
                         f"只允许本人访问：chmod -R go-rwx {root}"))
    else:
        out.append(Check("data.permissions", "ok", "数据目录权限", f"仅本人可访问（{_mode(root):04o}）"))
    return out


def _sensitive_files(root: Path) -> list[Path]:
    """The folder's own files and first-level folders (not every attachment: that could be slow)."""
    try:
        return sorted(p for p in root.iterdir() if not p.name.startswith(".doctor-"))
    except OSError:
        return []


def check_disk(cfg: Config) -> list[Check]:
    try:
        free = shutil.disk_usage(cfg.data_dir).free
    except OSError as exc:
        return [Check("data.disk", "fail", "磁盘空间", f"无法读取（{exc}）")]
    shown = f"{free / 1024**3:.1f} GB" if free >= 1024**3 else f"{free / 1024**2:.0f} MB"
    if free < DISK_FAIL_BYTES:
        return [Check("data.disk", "fail", "磁盘空间", f"数据目录所在磁盘只剩 {shown}，受理和扫描会失败",
                      "清理磁盘，或把数据目录移到更大的磁盘（--data-dir）")]
    if free < DISK_WARN_BYTES:
        return [Check("data.disk", "warn", "磁盘空间", f"数据目录所在磁盘只剩 {shown}",
                      "尽快清理磁盘：扫描件与待重打小票都存放在这里")]
    return [Check("data.disk", "ok", "磁盘空间", f"可用 {shown}")]


def check_database(cfg: Config) -> list[Check]:
    """Reachable (a real connection) and migrated (its Alembic revision is this version's head)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    from .db import database_error, redact_url
    from .migrate import HEAD_REVISION

    url = cfg.database_url
    shown = redact_url(url)
    if cfg.is_sqlite:
        file = url.split(":///", 1)[-1]
        if file and file != ":memory:" and not Path(file).exists():
            return [Check("db.reachable", "ok", "数据库", f"{shown} 尚未创建：首次启动时自动创建"),
                    Check("db.migrated", "ok", "数据库结构", "首次启动时自动建立")]
    kwargs: dict = {}
    if url.startswith("postgresql"):
        kwargs["connect_args"] = {"connect_timeout": 5}
    try:
        engine = create_engine(url, **kwargs)
    except (ArgumentError, ImportError, ValueError) as exc:
        err = database_error(exc, url) if isinstance(exc, ArgumentError) else None
        detail = err.message if err else f"数据库地址无法使用：{shown}（{exc}）"
        return [Check("db.reachable", "fail", "数据库", detail,
                      "检查 config.json 的 database_url 或环境变量 CLERK_DATABASE_URL")]
    try:
        with engine.connect() as conn:
            try:
                at = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            except SQLAlchemyError:
                at = None
    except SQLAlchemyError as exc:
        return [Check("db.reachable", "fail", "数据库", f"{shown}：{database_error(exc, url).message}",
                      "检查数据库服务器是否运行、网络与防火墙、用户名和密码")]
    finally:
        engine.dispose()
    out = [Check("db.reachable", "ok", "数据库", f"{shown} 可连接")]
    if at == HEAD_REVISION:
        out.append(Check("db.migrated", "ok", "数据库结构", f"已是最新版本 {at}"))
    elif at is None:
        out.append(Check("db.migrated", "warn", "数据库结构", "还没有建表",
                         "运行 clerk db upgrade（程序启动时也会自动执行）"))
    else:
        out.append(Check("db.migrated", "warn", "数据库结构", f"版本 {at}，本程序需要 {HEAD_REVISION}",
                         "运行 clerk db upgrade（程序启动时也会自动执行）；"
                         "若数据库版本比程序新，请升级本程序"))
    return out


CORE_CHECKS: tuple[tuple[str, Callable[[Config], list[Check]]], ...] = (
    ("data", check_data_folder), ("disk", check_disk), ("database", check_database),
)


# ---- running them ---------------------------------------------------------------------------

def plugin_checks() -> list[tuple[str, CheckFn]]:
    """The ``clerk.doctor`` entry points (Qt, fonts, devices, printing), loaded lazily."""
    found: list[tuple[str, CheckFn]] = []
    for ep in sorted(entry_points(group="clerk.doctor"), key=lambda e: e.name):
        def load(cfg: Config | None, ep=ep) -> Iterable[Check]:
            return ep.load()(cfg)
        found.append((ep.name, load))
    return found


def run_checks(cfg: Config | None, extra: Iterable[tuple[str, CheckFn]] | None = None) -> list[Check]:
    """Every check; one that raises becomes a ``fail`` naming the error — doctor never crashes."""
    groups: list[tuple[str, CheckFn]] = []
    if cfg is not None:
        groups += [(name, fn) for name, fn in CORE_CHECKS]  # type: ignore[misc]
    groups += list(plugin_checks() if extra is None else extra)
    results: list[Check] = []
    for name, fn in groups:
        try:
            results.extend(fn(cfg))
        except Exception as exc:  # noqa: BLE001
            results.append(Check(f"{name}.error", "fail", f"检查项 {name}",
                                 f"检查本身出错：{type(exc).__name__}: {exc}",
                                 "请把这一行发给技术支持"))
    return results


def summary(results: list[Check]) -> str:
    counts = {s: sum(1 for r in results if r.status == s) for s in STATUSES}
    return (f"共 {len(results)} 项：正常 {counts['ok']}，注意 {counts['warn']}，"
            f"需处理 {counts['fail']}，不适用 {counts['skip']}")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doctor", help="检查本机能否运行本程序 check this machine")
    p.add_argument("--json", action="store_true", help="以 JSON 输出 print JSON")
    p.set_defaults(handler=_doctor)


def _doctor(args: argparse.Namespace) -> int:
    from .cli import _json_out
    from .commands import open_config
    from .errors import ClerkError

    cfg: Config | None
    head: list[Check] = []
    try:
        cfg = open_config(args)
    except (ClerkError, OSError) as exc:
        cfg = None
        message = exc.message if isinstance(exc, ClerkError) else str(exc)
        head.append(Check("config", "fail", "配置", message, "修正或删除 config.json 后重试"))
    results = head + run_checks(cfg)
    if not any(r.key.startswith("qt.") for r in results):
        results.append(Check("doctor.plugins", "warn", "检查项", "界面、字体与设备的检查项未注册",
                             "重新安装本程序：python -m pip install -e .（在程序目录中）"))
    failed = any(r.status == "fail" for r in results)
    if args.json:
        _json_out({"ok": not failed, "checks": [asdict(r) for r in results]})
    else:
        for r in results:
            print(r.line())
        print(summary(results))
    sys.stdout.flush()
    return 1 if failed else 0
