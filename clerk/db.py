"""Engines, sessions and the unit of work.

SQLite rules (see shared/SYNC.md): WAL, ``synchronous=FULL`` (a committed case survives power
loss), foreign keys on, a busy timeout, and every unit of work that may write begins IMMEDIATE so
a reader that later writes never meets SQLITE_BUSY half way. Read-only work (``Database.read()``:
lists, look-ups, the queue board) begins DEFERRED and so never takes the write lock — in WAL mode
it reads its snapshot while one writer goes on, and a long list never makes a queue heartbeat
wait. PostgreSQL needs none of this.

JSON columns (audit detail, outbox payloads, case snapshots) are written without blanks and with
Chinese as UTF-8 rather than ``\\uXXXX`` escapes (``compact_json``): the same values, read back
alike, in about two thirds of the bytes.
"""
from __future__ import annotations

import contextlib
import functools
import json
import threading
from collections.abc import Iterator
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from .errors import StorageError
from .secure import create_private_file, sqlite_path

BUSY_TIMEOUT_MS = 10_000
# how every JSON column is written: no blanks after , and :, Chinese as itself (UTF-8)
compact_json = functools.partial(json.dumps, ensure_ascii=False, separators=(",", ":"))


def _sqlite_pragmas(dbapi_conn: Any, _record: Any, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
    # Take transaction control from pysqlite so our BEGIN IMMEDIATE is the one that runs.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


READ_ONLY = "clerk_read_only"  # execution option of the engine behind ``Database.read()``


def _sqlite_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; an address naming a database or driver this program cannot use
    (``mysql://``, ``postgresql+psycopg2://`` without psycopg2, a typo) is a ``StorageError``
    that says so in Chinese, not a traceback."""
    busy = int(kwargs.pop("busy_timeout_ms", BUSY_TIMEOUT_MS))  # how long a writer waits for the lock
    kwargs.setdefault("json_serializer", compact_json)
    try:
        if url.startswith("sqlite"):
            path = sqlite_path(url)
            if path is not None:
                create_private_file(path)  # SQLite gives -wal and -shm the mode of this file
            engine = create_engine(url, connect_args={"timeout": busy / 1000}, **kwargs)
            event.listen(engine, "connect", lambda conn, rec: _sqlite_pragmas(conn, rec, busy))
            event.listen(engine, "begin", _sqlite_begin)
            return engine
        kwargs.setdefault("pool_pre_ping", True)
        if url.startswith("postgresql"):
            # A dead workstation's locks are released by the server when its session times out.
            kwargs.setdefault("connect_args", {"connect_timeout": 5, "application_name": "window-clerk",
                                               "keepalives": 1, "keepalives_idle": 30})
        return create_engine(url, **kwargs)
    except ImportError as err:  # the dialect exists but its driver module is not installed
        missing = getattr(err, "name", None) or str(err)
        raise StorageError(
            f"数据库地址 {redact_url(url)} 需要的数据库驱动“{missing}”未安装，本程序只支持 "
            "sqlite:///文件 或 postgresql+psycopg://用户@主机/库；请在 config.json 的 database_url 中改用其中之一",
            f"database driver {missing!r} for {redact_url(url)} is not installed") from err
    except ArgumentError as err:  # no such dialect, or an address that cannot be parsed
        raise database_error(err, url) from err


class UnitOfWork:
    """Wraps one service call: ``with uow: ...`` commits on success, rolls back on error.

    Database failures become :class:`StorageError` with a message the clerk can act on; the
    transaction is rolled back, so nothing is half-written.

    A unit made by ``Database.atomic()`` is *ambient* on its thread: while it is open, every
    ``db.uow()`` of that database on that thread joins it (same session, no commit of its own),
    so several service calls — one screen action — commit or fail as a whole. A joined part
    that fails dooms the whole: it rolls back even if the caller swallowed the error.
    """

    def __init__(self, factory: sessionmaker[Session], user: Any = None, workstation: str = "",
                 ambient: threading.local | None = None, read_only: bool = False) -> None:
        self._factory = factory
        self.read_only = read_only  # rolled back at the end: nothing a reader flushed is kept
        self.session: Session | None = None
        self.user = user  # clerk.dto.UserInfo of the signed-in person, for role checks and audit
        self.workstation = workstation
        self._ambient = ambient
        self.doomed = False

    def __enter__(self) -> Session:
        if self.session is not None:
            raise RuntimeError("unit of work is not re-entrant")
        self.session = self._factory()
        if self._ambient is not None:
            if getattr(self._ambient, "unit", None) is not None:
                raise RuntimeError("an atomic unit of work is already open on this thread")
            self._ambient.unit = self
        return self.session

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        session, self.session = self.session, None
        assert session is not None
        if self._ambient is not None:
            self._ambient.unit = None
        try:
            if self.read_only:
                # close() below ends the transaction (no snapshot to restore: nothing is kept)
                if isinstance(exc, OperationalError):
                    raise storage_error(exc) from exc
                return
            if exc_type is None and self.doomed:
                session.rollback()
                raise RuntimeError("a part of this transaction failed; everything was rolled back")
            if exc_type is None:
                try:
                    session.commit()
                except OperationalError as err:
                    session.rollback()
                    raise storage_error(err) from err
            else:
                session.rollback()
                if isinstance(exc, OperationalError):
                    raise storage_error(exc) from exc
        finally:
            session.close()

    @property
    def s(self) -> Session:
        if self.session is None:
            raise RuntimeError("unit of work used outside 'with'")
        return self.session


class _JoinedUnit:
    """``db.uow()`` inside an open ``db.atomic()`` on the same thread: the outer session; the
    outer unit commits or rolls back."""

    def __init__(self, outer: UnitOfWork) -> None:
        self.outer = outer
        self.user = outer.user
        self.workstation = outer.workstation

    def __enter__(self) -> Session:
        return self.outer.s

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None:
            self.outer.doomed = True

    @property
    def s(self) -> Session:
        return self.outer.s


def storage_error(err: Exception) -> StorageError:
    text = str(err).lower()
    if "disk is full" in text or "no space" in text or "database or disk is full" in text:
        return StorageError("磁盘已满，数据未保存。请清理磁盘后重试，已录入内容仍保留在界面上。",
                            "disk full: nothing was saved")
    if "locked" in text or "busy" in text:
        return StorageError("数据库正忙，请稍后重试。", "database is busy")
    if "could not connect" in text or "connection" in text or "timeout" in text:
        return StorageError("无法连接大厅数据库，请检查网络；当前号可继续办理。", "hall database unreachable")
    if "unable to open database file" in text:
        return StorageError("无法打开数据库文件，请检查数据目录是否存在且可写", "cannot open the database file")
    first = str(err).splitlines()[0]
    return StorageError(f"数据库错误：{first}", f"database error: {first}")


def database_error(err: Exception, url: str = "") -> StorageError:
    """Any SQLAlchemy failure as one Chinese line the clerk (or the admin) can act on."""
    if isinstance(err, ArgumentError):
        where = f"：{redact_url(url)}" if url else ""
        return StorageError(f"数据库地址无法识别{where}（应为 sqlite:///文件 或 postgresql+psycopg://用户@主机/库）",
                            f"bad database URL: {str(err).splitlines()[0]}")
    if isinstance(err, OperationalError):
        return storage_error(err)
    first = str(err).splitlines()[0] if str(err) else type(err).__name__
    return StorageError(f"数据库错误：{first}", f"database error: {first}")


def redact_url(url: str) -> str:
    """A database URL without its password, for messages and logs."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001
        return url.split("@")[-1]


class Database:
    """An engine plus its session factory; ``uow()`` hands out units of work."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.read_sessions = sessionmaker(self.engine.execution_options(**{READ_ONLY: True}),
                                          expire_on_commit=False)
        self._ambient = threading.local()

    def uow(self, user: Any = None, workstation: str = "") -> UnitOfWork:
        """A unit of work of its own — or, inside ``atomic()`` on this thread, a part of that one."""
        outer = getattr(self._ambient, "unit", None)
        if outer is not None:
            return _JoinedUnit(outer)  # type: ignore[return-value]  # same protocol
        return UnitOfWork(self.sessions, user=user, workstation=workstation)

    def read(self) -> UnitOfWork:
        """A unit of work that only reads: on SQLite it begins DEFERRED (no write lock, never
        waits for a writer in WAL mode) and it is rolled back at the end, whatever it touched.
        Inside ``atomic()`` on this thread it is a part of that unit (it sees its writes)."""
        outer = getattr(self._ambient, "unit", None)
        if outer is not None:
            return _JoinedUnit(outer)  # type: ignore[return-value]  # same protocol
        return UnitOfWork(self.read_sessions, read_only=True)

    def atomic(self, user: Any = None, workstation: str = "") -> UnitOfWork:
        """One transaction for several service calls (one screen action)::

            with db.atomic():
                cases.update_parties(db, ...)
                cases.set_form(db, ...)
                cases.accept_case(db, ...)      # all three commit together, or none does
        """
        return UnitOfWork(self.sessions, user=user, workstation=workstation, ambient=self._ambient)

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        with self.uow() as s:
            yield s

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def dispose(self) -> None:
        self.engine.dispose()
