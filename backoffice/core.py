"""The back office's ground: the error every refusal raises, the store (one transaction per call),
halls, workstations and their bearer tokens.

One rule: every call is one transaction, and a write that loses a race against an identical one
(a unique constraint fires) is run again once (``Store.run``), when it finds the winner's row and
answers with its stored reply. So two identical requests at once leave one row and get the same
answer, on any number of workers or hosts sharing the database.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
import uuid as uuidlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import create_engine, event, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from clerk.db import make_engine

from .models import Hall, Token, Workstation

T = TypeVar("T")

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

