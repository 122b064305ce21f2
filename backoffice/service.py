"""What the back office does, without HTTP: registration and tokens, cases and events with their
stored replies, blobs, the changes feed, department decisions, demo seeding.

One rule: every call is one transaction, and a write that loses a race against an identical one
(a unique constraint fires) is run again once, when it finds the winner's row and answers with
its stored reply. So two identical requests at once leave one row and get the same answer, on
any number of workers or hosts sharing the database.
"""
from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
import uuid as uuidlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import create_engine, event, func, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, sessionmaker

from clerk.db import make_engine
from clerk.models import CaseState

from .models import (Blob, BlobChunk, Case, CaseBlob, Change, Department, DeptUser, Event, Hall, Setting, Token,
                     WebSession, Workstation)

S = CaseState
T = TypeVar("T")

DEMO_HALL = ("33022501", "象山县行政服务中心", "demo-enrol-33022501")
MAX_BLOB = 64 * 1024 * 1024
MAX_CHUNK = 4 * 1024 * 1024
FEED_LOCK = 870_001  # PostgreSQL advisory lock serialising appends to the feed
SESSION_HOURS = 10
PBKDF2_ROUNDS = 60_000
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")

STATE_LABELS = {
    S.ACCEPTED: "已收件", S.IN_REVIEW: "审查中", S.SUPPLEMENT: "待补正", S.APPROVED: "准予许可",
    S.REJECTED: "不予许可", S.RESULT_READY: "办结待出件", S.DELIVERED: "已出件", S.WITHDRAWN: "已撤回",
    S.NOTIFIED: "一次性告知", S.REFUSED: "不予受理", S.DRAFT: "录入中",
}

# Department decisions: name → (the desk's clerk.cases ACTIONS name the change is applied with,
# states it may start from, state it leads to, label). tests/backoffice check these agree with
# the desk's state machine, so every change in the feed is a move the desk can make.
DECISIONS: dict[str, tuple[str, frozenset[str], str, str]] = {
    "review": ("start_review", frozenset({S.ACCEPTED}), S.IN_REVIEW, "受理审查"),
    "supplement": ("request_supplement", frozenset({S.ACCEPTED, S.IN_REVIEW}), S.SUPPLEMENT, "要求补正"),
    "approve": ("approve", frozenset({S.ACCEPTED, S.IN_REVIEW}), S.APPROVED, "准予许可"),
    "reject": ("reject", frozenset({S.ACCEPTED, S.IN_REVIEW}), S.REJECTED, "不予许可"),
    "ready": ("result_ready", frozenset({S.APPROVED, S.REJECTED}), S.RESULT_READY, "办结待出件"),
}
# Desk events that move a matter case: type → [(desk action, from-states, to)].
EVENT_MOVES: dict[str, list[tuple[str, frozenset[str], str]]] = {
    "supplement_supplied": [("supply_supplement", frozenset({S.SUPPLEMENT}), S.IN_REVIEW)],
    "handed_over": [("hand_over", frozenset({S.RESULT_READY}), S.DELIVERED),
                    # 即办: an accepted case is handed over only when data.on_the_spot is true
                    ("finish_on_the_spot", frozenset({S.ACCEPTED}), S.DELIVERED)],
    "posted": [("hand_over", frozenset({S.RESULT_READY}), S.DELIVERED)],
    "withdrawn": [("withdraw", frozenset({S.ACCEPTED, S.IN_REVIEW, S.SUPPLEMENT}), S.WITHDRAWN)],
}
EVENT_TYPES = ("deferred_supplied", "supplement_supplied", "handed_over", "posted", "withdrawn", "evaluation")


class ApiError(Exception):
    """A refusal with its HTTP status and the contract's error body."""

    def __init__(self, status: int, code: str, message: str, english: str,
                 headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(english)
        self.status, self.code, self.message, self.english = status, code, message, english
        self.headers = headers or {}
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "english": self.english, **self.extra}}


def not_found(what: str = "办件") -> ApiError:
    return ApiError(404, "not_found", f"找不到该{what}", f"{'case' if what == '办件' else what} not found")


@dataclass(frozen=True)
class Caller:
    hall_code: str
    workstation_id: str
    workstation: str


@dataclass
class Reply:
    status: int
    body: dict[str, Any]
    replayed: bool = False
    headers: dict[str, str] = field(default_factory=dict)


def now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def iso(value: dt.datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def canonical_sha256(body: Any) -> str:
    text_ = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text_.encode("utf-8")).hexdigest()


def _sha(text_: str) -> str:
    return hashlib.sha256(text_.encode("utf-8")).hexdigest()


def hash_password(password: str, salt: str | None = None, rounds: int = PBKDF2_ROUNDS) -> str:
    salt = salt or secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), rounds).hex()
    return f"pbkdf2_sha256${rounds}${salt}${digest}"


def check_password(password: str, stored: str) -> bool:
    try:
        _algo, rounds, salt, _digest = stored.split("$")
    except ValueError:
        return False
    return hmac.compare_digest(hash_password(password, salt, int(rounds)), stored)


# --------------------------------------------------------------------------- the store

def _sqlite_reader(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # our BEGIN below, not pysqlite's
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _sqlite_normal_sync(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.execute("PRAGMA synchronous=NORMAL")


class Store:
    """An engine and its sessions; ``tx()`` is one transaction (commit or roll back), ``read()`` one
    that only reads. On SQLite a write transaction begins IMMEDIATE (clerk.db.make_engine: it takes
    the write lock at once, so two writers never deadlock half way), while a read transaction
    begins DEFERRED on its own engine: in WAL mode readers then never wait for a writer's fsync."""

    def __init__(self, url: str, *, sqlite_synchronous: str = "full", **engine_kwargs: Any) -> None:
        self.url = url
        # No ping per checkout (a round trip per request): after a database restart the first
        # request fails with 500, the pool is renewed, and the desk's retry (idempotent) succeeds.
        engine_kwargs.setdefault("pool_pre_ping", False)
        self.engine = make_engine(url, **engine_kwargs)
        if url.startswith("sqlite") and sqlite_synchronous.lower() == "normal":
            # Faster commits (no fsync per commit in WAL mode); a power cut may lose the last
            # acknowledged commits, which desks then believe delivered. Benchmarks only.
            event.listen(self.engine, "connect", _sqlite_normal_sync)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.is_pg = url.startswith("postgresql")
        self.read_engine = self.engine
        if url.startswith("sqlite"):
            self.read_engine = create_engine(url, connect_args={"timeout": 10})
            event.listen(self.read_engine, "connect", _sqlite_reader)
            event.listen(self.read_engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
        self.read_sessions = sessionmaker(self.read_engine, expire_on_commit=False)

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        s = self.read_sessions()
        try:
            yield s
        finally:
            s.close()  # ends the transaction; loaded objects stay readable (detached, not expired)

    @contextlib.contextmanager
    def tx(self) -> Iterator[Session]:
        s = self.sessions()
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()

    def run(self, fn: Callable[[Session], T]) -> T:
        """``fn`` in a transaction; once more if a unique constraint fired (a racing twin won)."""
        try:
            with self.tx() as s:
                return fn(s)
        except IntegrityError:
            with self.tx() as s:
                return fn(s)

    def dispose(self) -> None:
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()


def _lock(s: Session, stmt: Any, store_is_pg: bool) -> Any:
    return stmt.with_for_update() if store_is_pg else stmt


# --------------------------------------------------------------------------- halls and tokens

def add_hall(store: Store, code: str, name: str, enrolment_code: str | None = None) -> str:
    """A hall and its enrolment code (printed once; only its hash is kept)."""
    if not re.fullmatch(r"\d{6,16}", code or ""):
        raise ApiError(422, "invalid_hall", "大厅编码应为6到16位数字", "hall code must be 6-16 digits")
    enrolment_code = enrolment_code or secrets.token_urlsafe(12)

    def fn(s: Session) -> str:
        hall = s.get(Hall, code)
        if hall is None:
            s.add(Hall(code=code, name=name, enrolment_hash=_sha(enrolment_code)))
        else:
            hall.name, hall.enrolment_hash = name or hall.name, _sha(enrolment_code)
        return enrolment_code

    return store.run(fn)


def register_workstation(store: Store, hall_code: str, workstation: str, name: str, enrolment_code: str) -> Reply:
    def fn(s: Session) -> Reply:
        hall = s.get(Hall, hall_code)
        if hall is None or not hmac.compare_digest(hall.enrolment_hash, _sha(enrolment_code or "")):
            raise ApiError(403, "enrolment_refused", "注册码不正确或大厅不存在，请向后台管理员索取注册码",
                           "wrong enrolment code or unknown hall")
        ws = s.scalar(select(Workstation).where(Workstation.hall_code == hall_code, Workstation.code == workstation))
        if ws is None:
            ws = Workstation(id=str(uuidlib.uuid4()), hall_code=hall_code, code=workstation, name=name)
            s.add(ws)
            s.flush()
        else:
            ws.name = name or ws.name
            s.execute(update(Token).where(Token.workstation_id == ws.id, Token.revoked_at.is_(None))
                      .values(revoked_at=now()))
        token = secrets.token_urlsafe(32)
        s.add(Token(token_hash=_sha(token), workstation_id=ws.id))
        return Reply(201, {"workstation_id": ws.id, "token": token, "hall_code": hall.code, "hall_name": hall.name})

    if not re.fullmatch(r"[A-Za-z0-9_-]{1,16}", workstation or ""):
        raise ApiError(422, "invalid_body", "窗口编号应为1到16位字母或数字", "workstation must be 1-16 letters or digits")
    return store.run(fn)


def revoke(store: Store, hall_code: str, workstation: str) -> int:
    """Revoke every live token of a workstation; how many were revoked."""
    with store.tx() as s:
        ws = s.scalar(select(Workstation).where(Workstation.hall_code == hall_code, Workstation.code == workstation))
        if ws is None:
            raise ApiError(404, "not_found", f"大厅 {hall_code} 没有窗口 {workstation}",
                           f"no workstation {workstation} in hall {hall_code}")
        result = s.execute(update(Token).where(Token.workstation_id == ws.id, Token.revoked_at.is_(None))
                           .values(revoked_at=now()))
        return result.rowcount or 0


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer …`` header; 401 without one (no database needed)."""
    token = ""
    if authorization and authorization[:7].lower() == "bearer ":
        token = authorization[7:].strip()
    if not token:
        raise ApiError(401, "unauthorized", "缺少访问令牌，请先注册本窗口", "missing bearer token",
                       {"WWW-Authenticate": "Bearer"})
    return token


Who = Caller | str | None  # a resolved caller, or the request's Authorization header


def _caller(s: Session, who: Who) -> Caller:
    """The workstation behind a token, looked up in the call's own transaction (one round trip)."""
    if isinstance(who, Caller):
        return who
    token = bearer_token(who)
    row = s.execute(select(Token.revoked_at, Workstation.id, Workstation.hall_code, Workstation.code)
                    .join(Workstation, Workstation.id == Token.workstation_id)
                    .where(Token.token_hash == _sha(token))).first()
    if row is None:
        raise ApiError(401, "unauthorized", "访问令牌无效，请重新注册本窗口", "unknown token",
                       {"WWW-Authenticate": "Bearer"})
    if row.revoked_at is not None:
        raise ApiError(401, "token_revoked", "本窗口的访问令牌已被吊销，请重新注册", "token revoked",
                       {"WWW-Authenticate": "Bearer"})
    return Caller(hall_code=row.hall_code, workstation_id=row.id, workstation=row.code)


def _need_token(who: Who) -> None:
    """401 at once for a request without a token, before any database work."""
    if not isinstance(who, Caller):
        bearer_token(who)


def authenticate(store: Store, authorization: str | None) -> Caller:
    bearer_token(authorization)
    with store.read() as s:
        return _caller(s, authorization)


# --------------------------------------------------------------------------- cases

def _attachments(body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(m.get("key", ""), a) for m in body.get("materials") or [] for a in m.get("attachments") or []]


def put_case(store: Store, who: Who, case_uuid: str, body: dict[str, Any]) -> Reply:
    digest = canonical_sha256(body)
    _need_token(who)

    def existing(s: Session, caller: Caller) -> Reply | None:
        case = s.get(Case, case_uuid)
        if case is None:
            return None
        if case.hall_code != caller.hall_code:
            raise not_found()
        if case.parent_uuid is not None or case.body_sha256 != digest:
            raise ApiError(409, "conflict", f"办件 {case.number} 已上报，内容与本次不同；受理内容上报后不能修改",
                           f"case {case_uuid} was already received with another body")
        return Reply(201, dict(case.reply), replayed=True)

    def fn(s: Session) -> Reply:
        caller = _caller(s, who)
        if body.get("uuid") != case_uuid:
            raise ApiError(422, "invalid_body", "请求体中的办件编号与地址不一致", "body uuid differs from the URL uuid")
        if body.get("hall_code") != caller.hall_code:
            raise ApiError(403, "forbidden", "只能上报本大厅的办件", "a hall may only send its own cases")
        found = existing(s, caller)
        if found is not None:
            return found
        wanted = {a["sha256"] for _k, a in _attachments(body)}
        if wanted:
            have = set(s.scalars(select(Blob.sha256).where(Blob.sha256.in_(wanted), Blob.complete.is_(True))))
            missing = sorted(wanted - have)
            if missing:
                raise ApiError(422, "missing_blob", f"附件尚未上传完整：{', '.join(m[:12] for m in missing)}",
                               "attachments not held complete: " + ", ".join(missing), missing=missing)
        at = now()
        state = body["state"]
        reply = {"uuid": case_uuid, "number": body["number"], "state": state, "version": 1,
                 "received_at": iso(at)}
        applicant = body.get("applicant") or {}
        materials = [{k: v for k, v in m.items() if k != "attachments"} | {"attachments": list(m.get("attachments") or [])}
                     for m in body.get("materials") or []]

        def insert() -> None:
            s.add(Case(uuid=case_uuid, hall_code=caller.hall_code, number=body["number"], kind=body["kind"],
                       state=state, version=1, workstation=body.get("workstation") or caller.workstation,
                       matter_code=body.get("matter_code") or body.get("bundle_code"),
                       matter_name=body.get("matter_name") or body.get("bundle_name") or "",
                       department=body.get("department") or "", applicant_name=applicant.get("name", ""),
                       promised_date=body.get("promised_date"), body=body, body_sha256=digest,
                       materials=materials, detail={}, reply=reply, received_at=at, updated_at=at))
            s.flush()
            for child in body.get("children") or []:
                s.add(Case(uuid=child["uuid"], hall_code=caller.hall_code, number=child["number"], parent_uuid=case_uuid,
                           kind="matter", state=state, version=1, workstation=body.get("workstation") or caller.workstation,
                           matter_code=child.get("matter_code"), matter_name=child.get("matter_name") or "",
                           department=child.get("department") or "", applicant_name=applicant.get("name", ""),
                           promised_date=child.get("promised_date"), body=child, body_sha256=canonical_sha256(child),
                           materials=[], detail={}, reply={}, received_at=at, updated_at=at))
            seen: set[tuple[str, str]] = set()
            for key, att in _attachments(body):
                if (key, att["sha256"]) in seen:
                    continue
                seen.add((key, att["sha256"]))
                s.add(CaseBlob(case_uuid=case_uuid, material_key=key, sha256=att["sha256"],
                               filename=att.get("filename") or "", mime=att.get("mime") or "application/octet-stream"))
            s.flush()

        try:
            insert()
        except IntegrityError:
            s.rollback()
            found = existing(s, caller)
            if found is not None:
                return found
            raise ApiError(409, "conflict", f"办件编号 {body['number']} 已被另一件办件使用",
                           f"case number {body['number']} is taken by another case") from None
        return Reply(201, reply)

    return store.run(fn)


def list_cases(store: Store, who: Who, since: str | None, limit: int, offset: int,
               hall: str | None = None) -> dict[str, Any]:
    with store.read() as s:
        caller = _caller(s, who)
        if hall and hall != caller.hall_code:
            raise ApiError(403, "forbidden", "只能查看本大厅的办件", "a hall sees only its own cases")
        q = select(Case).where(Case.hall_code == caller.hall_code)
        if since:
            try:
                q = q.where(Case.updated_at >= dt.datetime.fromisoformat(since))
            except ValueError:
                raise ApiError(400, "bad_request", "since 应为 ISO 时间", "since must be an ISO time") from None
        total = s.scalar(select(func.count()).select_from(q.subquery())) or 0
        rows = s.scalars(q.order_by(Case.updated_at, Case.uuid).limit(limit).offset(offset)).all()
        blobs: dict[str, list[dict[str, Any]]] = {}
        if rows:
            for cb_uuid, sha, size in s.execute(
                    select(CaseBlob.case_uuid, CaseBlob.sha256, Blob.length).join(Blob, Blob.sha256 == CaseBlob.sha256)
                    .where(CaseBlob.case_uuid.in_([c.uuid for c in rows])).order_by(CaseBlob.id)):
                entry = {"sha256": sha, "size": size}
                if entry not in blobs.setdefault(cb_uuid, []):
                    blobs[cb_uuid].append(entry)
        return {"cases": [{"uuid": c.uuid, "number": c.number, "state": c.state, "version": c.version,
                           "updated_at": iso(c.updated_at), "parent_uuid": c.parent_uuid,
                           "attachments": blobs.get(c.uuid, [])} for c in rows],
                "total": total}


# --------------------------------------------------------------------------- moves and the feed

@dataclass
class _Pending:
    """Feed rows of one transaction, appended last (see ``_append_changes``)."""
    rows: list[Change] = field(default_factory=list)


def _move(s: Session, case: Case, target: str, pending: _Pending, hall_code: str, data: dict[str, Any],
          at: dt.datetime) -> None:
    case.state = str(target)
    case.version += 1
    case.updated_at = at
    history = list((case.detail or {}).get("history", []))
    history.append({"state": str(target), "at": iso(at), **data})
    case.detail = {**(case.detail or {}), "history": history}
    pending.rows.append(Change(hall_code=hall_code, kind="case.status", case_uuid=case.uuid,
                               parent_uuid=case.parent_uuid, number=case.number, state=str(target),
                               version=case.version, at=at, data=data))


def _follow_bundle(s: Session, parent: Case, at: dt.datetime) -> None:
    """A bundle case follows its matter cases by the desk's rule (clerk.cases._sync_bundle); the
    feed carries the matter cases only, and each desk's bundle follows them the same way."""
    if parent.state in (S.WITHDRAWN, S.NOTIFIED, S.REFUSED):
        return
    active = {c.state for c in s.scalars(select(Case).where(Case.parent_uuid == parent.uuid))} - {S.WITHDRAWN}
    if not active:
        new = S.WITHDRAWN
    elif active <= {S.DELIVERED}:
        new = S.DELIVERED
    elif active <= {S.RESULT_READY, S.DELIVERED}:
        new = S.RESULT_READY
    elif S.SUPPLEMENT in active:
        new = S.SUPPLEMENT
    elif active <= {S.ACCEPTED}:
        new = S.ACCEPTED
    else:
        new = S.IN_REVIEW
    if new != parent.state:
        parent.state, parent.version, parent.updated_at = str(new), parent.version + 1, at


def _append_changes(s: Session, store: Store, pending: _Pending) -> None:
    """Feed rows go in last, under a lock held to commit: the sequence number is drawn after the
    lock, so rows become visible in ``seq`` order and a reader's cursor never passes a row that
    an earlier transaction has yet to commit. (SQLite transactions are serialised already.)"""
    if not pending.rows:
        return
    if store.is_pg:
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": FEED_LOCK})
    for row in pending.rows:
        s.add(row)
    s.flush()


def _case_for(s: Session, store: Store, case_uuid: str, hall_code: str) -> Case:
    case = s.scalar(_lock(s, select(Case).where(Case.uuid == case_uuid), store.is_pg))
    if case is None or case.hall_code != hall_code:
        raise not_found()
    return case


def _event_body_check(body: dict[str, Any]) -> None:
    kind, data = body.get("type"), body.get("data") or {}
    if kind not in EVENT_TYPES:
        raise ApiError(422, "invalid_body", f"未知的事件类型：{kind}", f"unknown event type {kind!r}")
    if kind == "deferred_supplied" and not data.get("key"):
        raise ApiError(422, "invalid_body", "容缺补交须写明材料", "deferred_supplied needs data.key")
    if kind == "evaluation":
        level = data.get("level")
        if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= 5:
            raise ApiError(422, "invalid_body", "评价等级应为1到5", "evaluation level must be 1-5")


def post_event(store: Store, who: Who, case_uuid: str, key: str | None, body: dict[str, Any]) -> Reply:
    _need_token(who)
    if not key:
        raise ApiError(400, "idempotency_key_required", "缺少 Idempotency-Key 请求头", "Idempotency-Key header required")
    if len(key) > 100:
        raise ApiError(400, "bad_request", "Idempotency-Key 过长", "Idempotency-Key longer than 100 characters")
    _event_body_check(body)
    digest = canonical_sha256({"url_case": case_uuid, "body": body})

    def fn(s: Session) -> Reply:
        caller = _caller(s, who)
        case = _case_for(s, store, case_uuid, caller.hall_code)  # locked: events of a case queue here
        done = s.scalar(select(Event).where(Event.hall_code == caller.hall_code, Event.idempotency_key == key))
        if done is not None:
            if done.body_sha256 != digest:
                raise ApiError(422, "idempotency_mismatch", "同一个 Idempotency-Key 已用于另一条内容不同的请求",
                               "this Idempotency-Key was used with another body")
            return Reply(201, dict(done.reply), replayed=True)
        target_uuid = body.get("case_uuid") or case_uuid
        if target_uuid == case_uuid:
            target = case
        else:
            target = s.scalar(_lock(s, select(Case).where(Case.uuid == target_uuid), store.is_pg))
            if target is None or target.parent_uuid != case_uuid:
                raise not_found()
        at = now()
        pending = _Pending()
        _apply_event(s, case, target, body, caller, pending, at)
        if case.kind == "bundle":
            _follow_bundle(s, case, at)
        event_id = str(uuidlib.uuid4())
        reply = {"event_id": event_id, "case_uuid": target.uuid, "state": target.state, "version": target.version}
        s.add(Event(id=event_id, hall_code=caller.hall_code, idempotency_key=key, workstation_id=caller.workstation_id,
                    case_uuid=case_uuid, target_uuid=target.uuid, type=body["type"], body=body, body_sha256=digest,
                    reply=reply, created_at=at))
        s.flush()
        _append_changes(s, store, pending)
        return Reply(201, reply)

    return store.run(fn)


def _apply_event(s: Session, case: Case, target: Case, body: dict[str, Any], caller: Caller, pending: _Pending,
                 at: dt.datetime) -> None:
    kind, data = body["type"], dict(body.get("data") or {})
    holder = case  # the case that holds the materials: the bundle or the matter case of the URL
    if kind == "deferred_supplied":
        materials = [dict(m) for m in holder.materials or []]
        hit = [m for m in materials if m.get("key") == data["key"]]
        if not hit:
            raise ApiError(422, "unknown_material", f"办件没有材料“{data['key']}”", f"no material {data['key']!r}")
        for m in hit:
            m.update(status="presented", supplied_at=body.get("at") or iso(at))
        holder.materials = materials
        holder.updated_at = at
        return
    if kind == "evaluation":
        evaluations = [*(target.detail or {}).get("evaluations", []), {**data, "at": body.get("at")}]
        target.detail = {**(target.detail or {}), "evaluations": evaluations}
        return
    moves = EVENT_MOVES[kind]
    matters = [target] if target.kind == "matter" else list(
        s.scalars(select(Case).where(Case.parent_uuid == target.uuid).order_by(Case.number)))
    feed_data = {k: v for k, v in data.items() if k in ("reason", "note", "items", "window", "to", "carrier",
                                                       "tracking_number", "on_the_spot")}
    feed_data.setdefault("window", caller.workstation)
    moved = 0
    for matter in matters:
        for action, sources, to in moves:
            if action == "finish_on_the_spot" and data.get("on_the_spot") is not True:
                continue  # an accepted case is handed over only when the desk finished it on the spot
            if matter.state in sources:
                _move(s, matter, to, pending, case.hall_code, feed_data, at)
                moved += 1
                break
    if not moved:
        label = STATE_LABELS.get(target.state, target.state)
        raise ApiError(409, "illegal_transition", f"办件 {target.number} 当前为“{label}”，不能{_EVENT_LABELS[kind]}",
                       f"case {target.number} in state {target.state} cannot take {kind}")
    if target.kind == "matter" and target.parent_uuid and target is not case:
        _follow_bundle(s, case, at)


_EVENT_LABELS = {"supplement_supplied": "补正", "handed_over": "出件", "posted": "邮寄出件", "withdrawn": "撤回"}


def decide(store: Store, ref: str, action: str, by: str, *, reason: str = "", items: Sequence[str] = (),
           requirements: dict[str, str] | None = None, text_: str = "", due_date: str | None = None,
           department: str | None = None) -> dict[str, Any]:
    """A department's decision on a matter case (by uuid or number): moves it and writes the
    feed row the desks pull. Returns the case's uuid, number, state and version."""
    if action not in DECISIONS:
        raise ApiError(422, "invalid_decision", f"未知的决定：{action}", f"unknown decision {action!r}")
    _desk_action, sources, target, label = DECISIONS[action]
    reason, text_ = (reason or "").strip(), (text_ or "").strip()
    if action == "reject" and not reason:
        raise ApiError(422, "reason_required", "不予许可必须写明理由", "a rejection needs a reason")
    if action == "supplement" and not items:
        raise ApiError(422, "items_required", "要求补正必须选择需补正的材料", "a supplement request needs its items")

    def fn(s: Session) -> dict[str, Any]:
        q = select(Case).where(or_(Case.uuid == ref, Case.number == ref), Case.kind == "matter")
        case = s.scalar(_lock(s, q, store.is_pg))
        if case is None or (department is not None and case.department != department):
            raise not_found()
        if case.state not in sources:
            now_label = STATE_LABELS.get(case.state, case.state)
            raise ApiError(409, "illegal_transition", f"办件 {case.number} 当前为“{now_label}”，不能{label}",
                           f"case {case.number} in state {case.state} cannot {action}")
        at = now()
        data: dict[str, Any] = {"by": by}
        if reason:
            data["reason"] = reason
        if text_:
            data["text"] = text_
        if action == "supplement":
            holder = s.get(Case, case.parent_uuid) if case.parent_uuid else case
            names = {m.get("key"): m.get("name") for m in (holder.materials if holder else []) or []}
            reqs = requirements or {}
            data["items"] = [{"name": names.get(i, i), "requirement": (reqs.get(i) or reason or text_).strip()}
                             for i in items]
            data["due_date"] = due_date
            data.setdefault("reason", reason)
        pending = _Pending()
        _move(s, case, target, pending, case.hall_code, data, at)
        if case.parent_uuid:
            parent = s.scalar(_lock(s, select(Case).where(Case.uuid == case.parent_uuid), store.is_pg))
            if parent is not None:
                _follow_bundle(s, parent, at)
        _append_changes(s, store, pending)
        return {"uuid": case.uuid, "number": case.number, "state": case.state, "version": case.version}

    return store.run(fn)


def publish(store: Store, kind: str, data: dict[str, Any], hall_code: str | None = None) -> int:
    """A catalog version or a calendar day for every hall (or one): a feed row; its seq."""
    with store.tx() as s:
        pending = _Pending([Change(hall_code=hall_code, kind=kind, at=now(), data=data)])
        _append_changes(s, store, pending)
        return pending.rows[0].seq


# --------------------------------------------------------------------------- the changes feed

def _server_id(s: Session) -> str:
    row = s.get(Setting, "server_id")
    return row.value if row else ""


def encode_cursor(server_id: str, seq: int) -> str:
    return base64.urlsafe_b64encode(f"c1:{server_id}:{seq}".encode()).decode().rstrip("=")


def _decode_cursor(server_id: str, cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        tag, sid, seq = raw.split(":")
        if tag != "c1" or sid != server_id:
            raise ValueError(raw)
        return int(seq)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(410, "cursor_expired", "同步游标已失效，将从头重新同步", "cursor is not valid here: resync") from None


def changes(store: Store, who: Who, cursor: str | None, limit: int) -> dict[str, Any]:
    with store.read() as s:
        caller = _caller(s, who)
        server_id = _server_id(s)
        after = _decode_cursor(server_id, cursor) if cursor else 0
        if after > (s.scalar(select(func.max(Change.seq))) or 0):
            raise ApiError(410, "cursor_expired", "同步游标超出服务器记录（服务器数据已重置？），将从头重新同步",
                           "cursor beyond the server's feed: resync")
        rows = s.scalars(select(Change).where(or_(Change.hall_code == caller.hall_code, Change.hall_code.is_(None)),
                                              Change.seq > after).order_by(Change.seq).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    out = []
    for r in rows:
        item: dict[str, Any] = {"seq": r.seq, "kind": r.kind}
        if r.kind == "case.status":
            item |= {"case_uuid": r.case_uuid, "parent_uuid": r.parent_uuid, "number": r.number, "state": r.state,
                     "version": r.version, "at": iso(r.at)}
        item["data"] = r.data or {}
        out.append(item)
    last = rows[-1].seq if rows else after
    return {"changes": out, "cursor": encode_cursor(server_id, last), "more": more}


# --------------------------------------------------------------------------- blobs

def _check_sha(sha256: str) -> str:
    if not SHA256_RE.match(sha256 or ""):
        raise ApiError(400, "bad_sha256", "附件摘要应为64位小写十六进制", "sha256 must be 64 lowercase hex digits")
    return sha256


def blob_headers(blob: Blob) -> dict[str, str]:
    return {"Upload-Offset": str(blob.offset), "Upload-Length": str(blob.length),
            "Blob-Complete": "true" if blob.complete else "false"}


def head_blob(store: Store, who: Who, sha256: str) -> dict[str, str]:
    _need_token(who)
    with store.read() as s:
        _caller(s, who)
        _check_sha(sha256)
        blob = s.get(Blob, sha256)
        if blob is None:
            raise not_found("附件")
        return blob_headers(blob)


def create_blob(store: Store, who: Who, sha256: str, length: int | None, max_blob: int = MAX_BLOB) -> Reply:
    _need_token(who)
    _check_sha(sha256)
    if length is None or length < 0:
        raise ApiError(400, "bad_request", "缺少或错误的 Upload-Length 请求头", "Upload-Length header required")
    if length > max_blob:
        raise ApiError(413, "too_large", f"附件过大（{length} 字节，上限 {max_blob} 字节）",
                       f"blob of {length} bytes exceeds the limit of {max_blob}")

    def fn(s: Session) -> Reply:
        _caller(s, who)
        blob = s.scalar(_lock(s, select(Blob).where(Blob.sha256 == sha256), store.is_pg))
        if blob is not None:
            if not blob.complete and blob.length != length:  # a wrong earlier start: begin again
                s.query(BlobChunk).filter(BlobChunk.sha256 == sha256).delete()
                blob.length, blob.offset = length, 0
            return Reply(200, {}, headers=blob_headers(blob))
        blob = Blob(sha256=sha256, length=length, offset=0, complete=False, created_at=now())
        s.add(blob)
        s.flush()
        if length == 0:
            _finish(s, blob)
        return Reply(201, {}, headers=blob_headers(blob))

    try:
        return store.run(fn)
    except _ChecksumMismatch:
        raise ApiError(422, "checksum_mismatch", "空附件的摘要不符", "an empty blob has another sha256") from None


def _finish(s: Session, blob: Blob) -> None:
    digest = hashlib.sha256()
    for (data,) in s.execute(select(BlobChunk.data).where(BlobChunk.sha256 == blob.sha256).order_by(BlobChunk.offset)):
        digest.update(data)
    if digest.hexdigest() != blob.sha256:
        s.query(BlobChunk).filter(BlobChunk.sha256 == blob.sha256).delete()
        blob.offset = 0
        raise _ChecksumMismatch()
    blob.complete, blob.completed_at = True, now()


class _ChecksumMismatch(Exception):
    pass


def patch_blob(store: Store, who: Who, sha256: str, offset: int | None, data: bytes) -> Reply:
    _need_token(who)
    _check_sha(sha256)
    if offset is None or offset < 0:
        raise ApiError(400, "bad_request", "缺少或错误的 Upload-Offset 请求头", "Upload-Offset header required")
    if len(data) > MAX_CHUNK:
        raise ApiError(413, "too_large", f"单次上传不能超过 {MAX_CHUNK // 1024 // 1024} MiB",
                       f"a chunk may not exceed {MAX_CHUNK} bytes")

    def fn(s: Session) -> Reply:
        _caller(s, who)
        blob = s.scalar(_lock(s, select(Blob).where(Blob.sha256 == sha256), store.is_pg))
        if blob is None:
            raise not_found("附件")
        if blob.complete:  # a retried last chunk whose reply was lost: the bytes are here, verified
            return Reply(204, {}, headers=blob_headers(blob))
        if offset != blob.offset:
            raise ApiError(409, "offset_mismatch", f"上传位置不一致：服务器已有 {blob.offset} 字节",
                           f"offset {offset} differs from the {blob.offset} bytes held", blob_headers(blob))
        if offset + len(data) > blob.length:
            raise ApiError(422, "length_exceeded", "上传内容超过声明的长度", "chunk goes past Upload-Length")
        if data:
            s.add(BlobChunk(sha256=sha256, offset=offset, data=data))
            s.flush()
            moved = s.execute(update(Blob).where(Blob.sha256 == sha256, Blob.offset == offset)
                              .values(offset=offset + len(data)).execution_options(synchronize_session=False))
            if moved.rowcount != 1:
                raise IntegrityError("offset moved", None, Exception("offset moved"))
            s.refresh(blob)
        if blob.offset == blob.length:
            _finish(s, blob)
        return Reply(204, {}, headers=blob_headers(blob))

    try:
        return store.run(fn)
    except _ChecksumMismatch:
        # discard the partial data in its own transaction: the client starts again from 0
        def reset(s: Session) -> None:
            s.query(BlobChunk).filter(BlobChunk.sha256 == sha256).delete()
            s.execute(update(Blob).where(Blob.sha256 == sha256, Blob.complete.is_(False)).values(offset=0))

        store.run(reset)
        raise ApiError(422, "checksum_mismatch", "附件校验失败（内容与摘要不符），已丢弃，请重新上传",
                       "sha256 of the uploaded bytes differs: discarded, upload again",
                       {"Upload-Offset": "0"}) from None


def blob_visible(store: Store, sha256: str, hall_code: str | None = None, department: str | None = None) -> bool:
    """A hall reads the blobs its cases name; a department those of its matter cases."""
    with store.read() as s:
        q = select(func.count()).select_from(CaseBlob).join(Case, Case.uuid == CaseBlob.case_uuid) \
            .where(CaseBlob.sha256 == sha256)
        if hall_code is not None:
            q = q.where(Case.hall_code == hall_code)
        if department is not None:
            kid = aliased(Case)
            child = select(kid.uuid).where(kid.parent_uuid == CaseBlob.case_uuid, kid.department == department)
            q = q.where(or_(Case.department == department, child.exists()))
        return bool(s.scalar(q))


def read_blob(store: Store, sha256: str) -> Iterator[bytes]:
    """The bytes of a complete blob, chunk by chunk (one short transaction per chunk)."""
    _check_sha(sha256)
    with store.read() as s:
        blob = s.get(Blob, sha256)
        if blob is None or not blob.complete:
            raise not_found("附件")
        offsets = list(s.scalars(select(BlobChunk.offset).where(BlobChunk.sha256 == sha256).order_by(BlobChunk.offset)))

    def gen() -> Iterator[bytes]:
        for off in offsets:
            with store.read() as s:
                yield s.scalar(select(BlobChunk.data).where(BlobChunk.sha256 == sha256, BlobChunk.offset == off))

    return gen()


# --------------------------------------------------------------------------- departments and seeding

# Short sign-in names of the demo catalog's departments; password = name + "123".
DEMO_USERS = {
    "象山县市场监督管理局": "scjg", "象山县自然资源和规划局": "zrzy", "象山县人力资源和社会保障局": "rsj",
    "象山县公安局": "gaj", "象山县民政局": "mzj", "象山县医疗保障局": "ybj", "象山县住房和城乡建设局": "zjj",
    "国家税务总局象山县税务局": "swj", "象山县卫生健康局": "wjj", "象山县公安局交通警察大队": "jjdd",
    "象山县残疾人联合会": "cl", "象山县发展和改革局": "fgj", "宁波市住房公积金管理中心象山分中心": "gjj",
    "象山县退役军人事务局": "tyjr", "象山县烟草专卖局": "yc", "象山县交通运输局": "jtj",
    "宁波市生态环境局象山分局": "sthj", "象山县水利局": "slj", "象山县教育局": "jyj", "象山县司法局": "sfj",
    "象山县自来水有限公司": "zls", "国网浙江象山县供电有限公司": "gdgs", "象山县燃气有限公司": "rqgs",
    "象山县行政服务中心（驻厅银行）": "yh",
}


def demo_departments() -> list[str]:
    from importlib import resources

    catalog = json.loads(resources.files("clerk").joinpath("data/demo_catalog.json").read_text(encoding="utf-8"))
    names: list[str] = []
    for m in catalog.get("matters", []):
        if m.get("department") and m["department"] not in names:
            names.append(m["department"])
    return names


def add_department_user(store: Store, department: str, username: str, password: str, display_name: str = "审批员",
                        rounds: int = PBKDF2_ROUNDS) -> None:
    with store.tx() as s:
        dept = s.scalar(select(Department).where(Department.name == department))
        if dept is None:
            dept = Department(name=department)
            s.add(dept)
            s.flush()
        user = s.get(DeptUser, username)
        if user is None:
            s.add(DeptUser(username=username, display_name=display_name, department_id=dept.id,
                           password_hash=hash_password(password, rounds=rounds)))
        else:
            user.department_id, user.password_hash = dept.id, hash_password(password, rounds=rounds)


def ensure_server_id(store: Store) -> str:
    def fn(s: Session) -> str:
        row = s.get(Setting, "server_id")
        if row is None:
            row = Setting(key="server_id", value=uuidlib.uuid4().hex)
            s.add(row)
        return row.value

    return store.run(fn)


def seed_demo(store: Store) -> bool:
    """On an empty database: the demo hall (enrolment code ``demo-enrol-33022501``) and one user per
    department of the demo catalog. True when it seeded."""
    ensure_server_id(store)
    with store.tx() as s:
        if s.scalar(select(func.count()).select_from(Hall)):
            return False
    code, name, enrol = DEMO_HALL
    add_hall(store, code, name, enrol)
    used: set[str] = set()
    for i, dept in enumerate(demo_departments(), 1):
        user = DEMO_USERS.get(dept) or f"bm{i:02d}"
        if user in used:
            user = f"{user}{i}"
        used.add(user)
        # the demo passwords are printed in the README: fewer rounds, so a fresh demo starts fast
        add_department_user(store, dept, user, f"{user}123", "审批员", rounds=5_000)
    return True


@dataclass(frozen=True)
class DeptSession:
    username: str
    display_name: str
    department: str
    csrf: str


def sign_in(store: Store, username: str, password: str) -> tuple[str, DeptSession]:
    with store.tx() as s:
        user = s.get(DeptUser, (username or "").strip())
        if user is None or not user.active or not check_password(password or "", user.password_hash):
            raise ApiError(401, "sign_in_refused", "用户名或密码不正确", "wrong user name or password")
        dept = s.get(Department, user.department_id)
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        s.add(WebSession(token_hash=_sha(token), username=user.username, csrf=csrf, created_at=now(),
                         expires_at=now() + dt.timedelta(hours=SESSION_HOURS)))
        return token, DeptSession(user.username, user.display_name, dept.name if dept else "", csrf)


def session_of(store: Store, token: str | None) -> DeptSession | None:
    if not token:
        return None
    with store.read() as s:
        row = s.execute(select(WebSession, DeptUser, Department).join(DeptUser, DeptUser.username == WebSession.username)
                        .join(Department, Department.id == DeptUser.department_id)
                        .where(WebSession.token_hash == _sha(token))).first()
        if row is None or row[0].expires_at < now() or not row[1].active:
            return None
        return DeptSession(row[1].username, row[1].display_name, row[2].name, row[0].csrf)


def sign_out(store: Store, token: str | None) -> None:
    if token:
        with store.tx() as s:
            s.query(WebSession).filter(WebSession.token_hash == _sha(token)).delete()


def inbox(store: Store, department: str, show: str = "open") -> list[dict[str, Any]]:
    open_states = (S.ACCEPTED, S.IN_REVIEW, S.SUPPLEMENT, S.APPROVED, S.REJECTED)
    with store.read() as s:
        q = select(Case).where(Case.department == department, Case.kind == "matter",
                               Case.state.notin_((S.NOTIFIED, S.REFUSED)))
        if show == "open":
            q = q.where(Case.state.in_(open_states))
        rows = s.scalars(q.order_by(Case.received_at.desc(), Case.number.desc()).limit(500)).all()
        return [{"uuid": c.uuid, "number": c.number, "matter_name": c.matter_name, "state": c.state,
                 "state_label": STATE_LABELS.get(c.state, c.state), "applicant": c.applicant_name,
                 "received_at": iso(c.received_at), "promised_date": c.promised_date, "version": c.version}
                for c in rows]


def case_view(store: Store, case_uuid: str, department: str) -> dict[str, Any]:
    """A matter case as its department sees it (the snapshot of its bundle for a bundle's case)."""
    with store.read() as s:
        case = s.get(Case, case_uuid)
        if case is None or case.kind != "matter" or case.department != department:
            raise not_found()
        holder = s.get(Case, case.parent_uuid) if case.parent_uuid else case
        assert holder is not None
        return {"uuid": case.uuid, "number": case.number, "state": case.state, "version": case.version,
                "state_label": STATE_LABELS.get(case.state, case.state), "matter_name": case.matter_name,
                "matter_code": case.matter_code, "department": case.department, "promised_date": case.promised_date,
                "received_at": iso(case.received_at), "snapshot": holder.body, "materials": holder.materials or [],
                "bundle_number": holder.number if holder is not case else None,
                "bundle_name": holder.matter_name if holder is not case else None,
                "history": (case.detail or {}).get("history", []),
                "decisions": [k for k, (_a, src, _t, _l) in DECISIONS.items() if case.state in src]}
