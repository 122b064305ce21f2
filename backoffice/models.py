"""The back office's own tables (prefix ``bo_``, so it can share a PostgreSQL database with a desk).

One rule: the contract is enforced by the schema, not only by code — a case uuid is a primary key,
a case number is unique per hall, an idempotency key is unique per hall, a blob is keyed by its
sha256 and a chunk by (sha256, offset), a token by its hash. Two identical requests racing each
other meet at one of these constraints and the loser reads the winner's stored reply.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


class Hall(Base):
    __tablename__ = "bo_hall"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    enrolment_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the hall's enrolment code
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class Workstation(Base):
    __tablename__ = "bo_workstation"
    __table_args__ = (UniqueConstraint("hall_code", "code", name="uq_bo_workstation_hall_code"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hall_code: Mapped[str] = mapped_column(ForeignKey("bo_hall.code"))
    code: Mapped[str] = mapped_column(String(16))  # W01
    name: Mapped[str] = mapped_column(String(100), default="")
    registered_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class Token(Base):
    """A bearer token, stored as its sha256 (a leaked database does not leak working tokens)."""
    __tablename__ = "bo_token"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    workstation_id: Mapped[str] = mapped_column(ForeignKey("bo_workstation.id"), index=True)
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class Department(Base):
    """A county department (审批部门); it sees the matter cases of every hall routed to it."""
    __tablename__ = "bo_department"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)


class DeptUser(Base):
    __tablename__ = "bo_user"
    username: Mapped[str] = mapped_column(String(40), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(40))
    department_id: Mapped[int] = mapped_column(ForeignKey("bo_department.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(200))  # pbkdf2_sha256$iterations$salt$hash
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class WebSession(Base):
    """A signed-in department user: the cookie holds a random token, the row its hash and the
    CSRF token of the session's forms. In the database, so any worker or host serves any page."""
    __tablename__ = "bo_web_session"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(ForeignKey("bo_user.username"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Case(Base):
    """A case received from a desk (its PUT snapshot), or a matter case of a bundle made from it."""
    __tablename__ = "bo_case"
    __table_args__ = (
        UniqueConstraint("hall_code", "number", name="uq_bo_case_hall_number"),
        Index("ix_bo_case_hall_updated", "hall_code", "updated_at"),
        Index("ix_bo_case_department_state", "department", "state"),
    )
    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    hall_code: Mapped[str] = mapped_column(ForeignKey("bo_hall.code"))
    number: Mapped[str] = mapped_column(String(40))
    parent_uuid: Mapped[str | None] = mapped_column(ForeignKey("bo_case.uuid"), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(10))  # matter | bundle
    state: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer, default=1)
    workstation: Mapped[str] = mapped_column(String(16), default="")
    matter_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    matter_name: Mapped[str] = mapped_column(String(200), default="")
    department: Mapped[str] = mapped_column(String(100), default="")
    applicant_name: Mapped[str] = mapped_column(String(200), default="")
    promised_date: Mapped[str | None] = mapped_column(String(10), nullable=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)  # the snapshot as sent (a child: its entry)
    body_sha256: Mapped[str] = mapped_column(String(64))
    materials: Mapped[list[Any]] = mapped_column(JSON, default=list)  # statuses as they evolve
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # decisions, supplements
    reply: Mapped[dict[str, Any]] = mapped_column(JSON)  # the 201 body, replayed on a retry
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class CaseBlob(Base):
    """An attachment a case names (a material's scan), by content."""
    __tablename__ = "bo_case_blob"
    __table_args__ = (UniqueConstraint("case_uuid", "material_key", "sha256", name="uq_bo_case_blob"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_uuid: Mapped[str] = mapped_column(ForeignKey("bo_case.uuid"), index=True)
    material_key: Mapped[str] = mapped_column(String(80))
    sha256: Mapped[str] = mapped_column(ForeignKey("bo_blob.sha256"), index=True)
    filename: Mapped[str] = mapped_column(String(200), default="")
    mime: Mapped[str] = mapped_column(String(100), default="application/octet-stream")


class Event(Base):
    """A later desk fact (POST …/events). The idempotency key is unique per hall, forever."""
    __tablename__ = "bo_event"
    __table_args__ = (UniqueConstraint("hall_code", "idempotency_key", name="uq_bo_event_key"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hall_code: Mapped[str] = mapped_column(ForeignKey("bo_hall.code"))
    idempotency_key: Mapped[str] = mapped_column(String(100))
    workstation_id: Mapped[str] = mapped_column(ForeignKey("bo_workstation.id"))
    case_uuid: Mapped[str] = mapped_column(ForeignKey("bo_case.uuid"), index=True)  # the URL's case
    target_uuid: Mapped[str] = mapped_column(String(36))  # the case it concerns (may be a child)
    type: Mapped[str] = mapped_column(String(30))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    body_sha256: Mapped[str] = mapped_column(String(64))
    reply: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class Blob(Base):
    """An attachment by content: what it is, not its bytes (those are files in the blob folder,
    backoffice/blobs.py). Complete once its file is verified, fsynced and renamed in place."""
    __tablename__ = "bo_blob"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    length: Mapped[int] = mapped_column(Integer)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    completed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class Change(Base):
    """The status feed. ``seq`` orders it; a NULL hall is for every hall (catalog, calendar).
    Rows are appended last in their transaction under a lock (see ``service._append_change``), so
    they become visible in ``seq`` order and a cursor never skips one."""
    __tablename__ = "bo_change"
    __table_args__ = (Index("ix_bo_change_hall_seq", "hall_code", "seq"),)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hall_code: Mapped[str | None] = mapped_column(String(16), nullable=True)
    kind: Mapped[str] = mapped_column(String(30))
    case_uuid: Mapped[str | None] = mapped_column(String(36), nullable=True)
    parent_uuid: Mapped[str | None] = mapped_column(String(36), nullable=True)
    number: Mapped[str | None] = mapped_column(String(40), nullable=True)
    state: Mapped[str | None] = mapped_column(String(20), nullable=True)
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Setting(Base):
    __tablename__ = "bo_setting"
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")


class HandoverList(Base):
    """A village agent's 交接单 as the agent's desk sent it (PUT, idempotent on the number per hall),
    and its receipt at the centre (``received_*``: set once). ``body`` names the cases (all of the
    hall, received before the list: the desk pushes a case before any list that carries it)."""
    __tablename__ = "bo_handover_list"
    __table_args__ = (UniqueConstraint("hall_code", "number", name="uq_bo_handover_hall_number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hall_code: Mapped[str] = mapped_column(ForeignKey("bo_hall.code"))
    number: Mapped[str] = mapped_column(String(40))
    agent: Mapped[str] = mapped_column(String(40), default="")
    workstation: Mapped[str] = mapped_column(String(16), default="")
    made_at: Mapped[dt.datetime] = mapped_column(DateTime)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    body_sha256: Mapped[str] = mapped_column(String(64))
    reply: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    received_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    received_by: Mapped[str] = mapped_column(String(40), default="")
    received_name: Mapped[str] = mapped_column(String(40), default="")
    received_workstation: Mapped[str] = mapped_column(String(16), default="")
