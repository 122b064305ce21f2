"""The persistent domain model of Window Clerk (SQLAlchemy 2, typed ``Mapped`` columns).

One rule: these classes never leave a unit of work. Services turn them into the plain
dataclasses of ``clerk.dto`` before returning, so the UI never holds a live ORM object.

Names follow ``shared/DOMAIN.md``. Enumerations are stored as short ASCII strings so the same
schema works on SQLite and PostgreSQL without native enum types (Alembic batch mode friendly).
"""
from __future__ import annotations

import datetime as dt
import enum
import uuid as uuidlib
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false as sa_false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from . import clock

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


# Stored times are local and naive, all from the one clock (clerk/clock.py); a UTC default here
# once made list_cases("today") compare UTC creation times with local midnight.
local_now = clock.now


def new_uuid() -> str:
    return str(uuidlib.uuid4())


class StrEnum(str, enum.Enum):  # noqa: UP042 (enum.StrEnum would change format() of members)
    def __str__(self) -> str:  # so f-strings and JSON give the stored value
        return self.value


class Role(StrEnum):
    CLERK = "clerk"      # 窗口人员
    AGENT = "agent"      # 代办员
    MANAGER = "manager"  # 中心管理员 (reports)
    ADMIN = "admin"      # 系统管理员
    KIOSK = "kiosk"      # 取号机 service account: takes tickets only
    DISPLAY = "display"  # 大厅显示屏 service account: reads the board only


class MatterKind(StrEnum):
    IMMEDIATE = "immediate"  # 即办件
    COMMITTED = "committed"  # 承诺件


class MaterialForm(StrEnum):
    ORIGINAL = "original"            # 原件
    COPY = "copy"                    # 复印件
    ORIGINAL_AND_COPY = "both"       # 原件及复印件
    ELECTRONIC = "electronic"        # 电子件


class CheckStatus(StrEnum):
    PRESENTED = "presented"  # 已提交
    SHARED = "shared"        # 共享获取
    DEFERRED = "deferred"    # 容缺
    MISSING = "missing"      # 缺少
    PENDING = "pending"      # 未核验


class CaseState(StrEnum):
    DRAFT = "draft"                  # 录入中
    NOTIFIED = "notified"            # 已一次性告知 (not accepted, nothing missing forgotten)
    REFUSED = "refused"              # 不予受理
    ACCEPTED = "accepted"            # 已受理
    SUPPLEMENT = "supplement"        # 补正中
    IN_REVIEW = "in_review"          # 审批中
    APPROVED = "approved"            # 准予
    REJECTED = "rejected"            # 不予许可
    RESULT_READY = "result_ready"    # 待出件
    DELIVERED = "delivered"          # 已出件 (window pickup or posted)
    WITHDRAWN = "withdrawn"          # 撤回


class ApplicantKind(StrEnum):
    PERSON = "person"
    ENTERPRISE = "enterprise"


class TicketState(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


# --------------------------------------------------------------------------- organisation

class Hall(Base):
    """行政服务中心 / 便民服务中心 / 村代办点."""

    __tablename__ = "hall"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)  # e.g. 33022501
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(16), default="county")  # county / town / village
    address: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    zones: Mapped[list[Zone]] = relationship(back_populates="hall", order_by="Zone.position")
    windows: Mapped[list[Window]] = relationship(back_populates="hall", order_by="Window.number")


class Zone(Base):
    """分区: 商事登记, 不动产登记, … ``prefix`` is the ticket letter."""

    __tablename__ = "zone"
    __table_args__ = (UniqueConstraint("hall_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id"))
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(40))
    prefix: Mapped[str] = mapped_column(String(2))
    position: Mapped[int] = mapped_column(default=0)
    hall: Mapped[Hall] = relationship(back_populates="zones")


class WindowZone(Base):
    __tablename__ = "window_zone"
    window_id: Mapped[int] = mapped_column(ForeignKey("window.id", ondelete="CASCADE"), primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zone.id", ondelete="CASCADE"), primary_key=True)
    priority: Mapped[int] = mapped_column(default=0)  # lower is served first


class Window(Base):
    """窗口: a counter with a number; serves the zones listed in ``window_zone``."""

    __tablename__ = "window"
    __table_args__ = (UniqueConstraint("hall_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id"))
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(40), default="")
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    hall: Mapped[Hall] = relationship(back_populates="windows")
    zones: Mapped[list[Zone]] = relationship(secondary="window_zone", order_by="WindowZone.priority")


class User(Base):
    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(16), default=Role.CLERK.value)
    password_hash: Mapped[str] = mapped_column(String(200))
    hall_id: Mapped[int | None] = mapped_column(ForeignKey("hall.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    phone: Mapped[str] = mapped_column(String(40), default="")
    # Accounts (0006): a default or reset password must be changed at the next sign-in (outside
    # demo mode); repeated failures lock the account for a growing time.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Setting(Base):
    """Workstation and hall settings (key/value): workstation code, printer URLs, …"""

    __tablename__ = "setting"
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")


# --------------------------------------------------------------------------- catalog

class Matter(Base):
    """事项: one catalogued service item with its guide (办事指南, GB/T 36114 elements)."""

    __tablename__ = "matter"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(60), default="")
    department: Mapped[str] = mapped_column(String(100), default="", index=True)
    zone_code: Mapped[str] = mapped_column(String(16), default="ZH")
    kind: Mapped[str] = mapped_column(String(16), default=MatterKind.COMMITTED.value)
    statutory_days: Mapped[int] = mapped_column(default=0)
    promised_days: Mapped[int] = mapped_column(default=0)
    fee: Mapped[str] = mapped_column(String(200), default="不收费")
    visits_required: Mapped[int] = mapped_column(default=1)
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    delivery_options: Mapped[list[Any]] = mapped_column(JSON, default=list)  # ["window", "post"]
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    conditions: Mapped[str] = mapped_column(Text, default="")
    window_script: Mapped[str] = mapped_column(Text, default="")  # 一口清
    target: Mapped[str] = mapped_column(String(16), default="person")  # person / enterprise / both
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    use_count: Mapped[int] = mapped_column(default=0)  # frequent matters rank first
    search_text: Mapped[str] = mapped_column(Text, default="")  # name|pinyin|initials, see catalog
    catalog_version: Mapped[str] = mapped_column(String(40), default="")
    # 申请表 fields, records as described in clerk.forms (one JSON list: read whole, never queried)
    form_fields: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default="[]")
    # What published lists (政务服务事项目录/实施清单) carry besides the guide proper:
    power_type: Mapped[str] = mapped_column(String(40), default="", server_default="")  # 事项类型: 行政许可 …
    parent_name: Mapped[str] = mapped_column(String(200), default="", server_default="")  # 主项名称 of a 子项
    division: Mapped[str] = mapped_column(String(40), default="", server_default="")  # 行政区划代码 (实施区划)
    place: Mapped[str] = mapped_column(Text, default="", server_default="")  # 办理地点
    phone: Mapped[str] = mapped_column(String(200), default="", server_default="")  # 咨询电话 (public)
    # other columns of the published list, kept as guide facts: [[label, text], …]
    extra: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default="[]")
    questions: Mapped[list[SituationQuestion]] = relationship(
        back_populates="matter", cascade="all, delete-orphan", order_by="SituationQuestion.position")
    materials: Mapped[list[MaterialRequirement]] = relationship(
        back_populates="matter", cascade="all, delete-orphan", order_by="MaterialRequirement.position")


class SituationQuestion(Base):
    """A question whose answer picks a situation (情形), e.g. 是否委托代理人办理?"""

    __tablename__ = "situation_question"
    __table_args__ = (UniqueConstraint("matter_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matter.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(String(200))
    multiple: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(default=0)
    matter: Mapped[Matter] = relationship(back_populates="questions")
    options: Mapped[list[SituationOption]] = relationship(
        back_populates="question", cascade="all, delete-orphan", order_by="SituationOption.position")


class SituationOption(Base):
    __tablename__ = "situation_option"
    __table_args__ = (UniqueConstraint("question_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("situation_question.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)
    question: Mapped[SituationQuestion] = relationship(back_populates="options")
    materials: Mapped[list[MaterialRequirement]] = relationship(secondary="option_material")


class OptionMaterial(Base):
    """A material linked to options applies only when one of them is chosen; a material with
    no link applies to every situation."""

    __tablename__ = "option_material"
    option_id: Mapped[int] = mapped_column(ForeignKey("situation_option.id", ondelete="CASCADE"), primary_key=True)
    material_id: Mapped[int] = mapped_column(
        ForeignKey("material_requirement.id", ondelete="CASCADE"), primary_key=True)


class MaterialRequirement(Base):
    """申请材料 of a matter. ``key`` identifies the same document across matters (a bundle
    asks for it once): e.g. ``id_card``, ``household_register``."""

    __tablename__ = "material_requirement"
    __table_args__ = (UniqueConstraint("matter_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matter.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    form: Mapped[str] = mapped_column(String(16), default=MaterialForm.ORIGINAL.value)
    count: Mapped[int] = mapped_column(default=1)
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    core: Mapped[bool] = mapped_column(Boolean, default=True)  # 核心材料 may never be deferred
    deferrable: Mapped[bool] = mapped_column(Boolean, default=False)  # 可容缺
    shareable: Mapped[bool] = mapped_column(Boolean, default=False)   # 可共享获取
    share_source: Mapped[str] = mapped_column(String(100), default="")
    sample: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    matter: Mapped[Matter] = relationship(back_populates="materials")
    options: Mapped[list[SituationOption]] = relationship(secondary="option_material", viewonly=True)


class Bundle(Base):
    """一件事: ordered matters of several departments, handled as one for the applicant."""

    __tablename__ = "bundle"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    zone_code: Mapped[str] = mapped_column(String(16), default="ZH")
    promised_days: Mapped[int] = mapped_column(default=0)
    search_text: Mapped[str] = mapped_column(Text, default="")
    use_count: Mapped[int] = mapped_column(default=0)
    items: Mapped[list[BundleItem]] = relationship(
        back_populates="bundle", cascade="all, delete-orphan", order_by="BundleItem.position")


class BundleItem(Base):
    __tablename__ = "bundle_item"
    __table_args__ = (UniqueConstraint("bundle_id", "matter_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    bundle_id: Mapped[int] = mapped_column(ForeignKey("bundle.id", ondelete="CASCADE"))
    matter_id: Mapped[int] = mapped_column(ForeignKey("matter.id"))
    position: Mapped[int] = mapped_column(default=0)
    bundle: Mapped[Bundle] = relationship(back_populates="items")
    matter: Mapped[Matter] = relationship()


# --------------------------------------------------------------------------- people

class Applicant(Base):
    """申请人: a person (by ID number) or an enterprise (by USCC)."""

    __tablename__ = "applicant"
    __table_args__ = (
        UniqueConstraint("kind", "id_number"),
        # the case-list search: a name by its beginning, a full ID number (migration 0005)
        Index("ix_applicant_name", "name", postgresql_ops={"name": "text_pattern_ops"}),
        Index("ix_applicant_id_number", "id_number"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default=ApplicantKind.PERSON.value)
    name: Mapped[str] = mapped_column(String(200))
    id_type: Mapped[str] = mapped_column(String(24), default="resident")  # resident / gat / foreigner / uscc
    id_number: Mapped[str] = mapped_column(String(32))  # ID number, or USCC for an enterprise
    sex: Mapped[str] = mapped_column(String(4), default="")
    nation: Mapped[str] = mapped_column(String(20), default="")
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    address: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    legal_representative: Mapped[str] = mapped_column(String(60), default="")
    # where the name came from: "card" (read from the ID card) or "typed"; a typed name that
    # differs from a card-read one is a warning the clerk confirms (clerk.cases)
    name_source: Mapped[str] = mapped_column(String(8), default="typed", server_default="typed")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=local_now)


class Proxy(Base):
    """代理人: acts for the applicant with an authorisation (委托书)."""

    __tablename__ = "proxy"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    id_number: Mapped[str] = mapped_column(String(32))
    phone: Mapped[str] = mapped_column(String(40), default="")
    relation: Mapped[str] = mapped_column(String(40), default="")
    authorisation: Mapped[str] = mapped_column(String(200), default="")  # 委托书 reference


# --------------------------------------------------------------------------- cases

class Case(Base):
    """办件. A bundle makes one bundle case (``bundle_id`` set, ``matter_id`` empty) and one
    child case per matter (``parent_id`` → bundle case)."""

    __tablename__ = "case_file"
    __table_args__ = (
        # The case list at volume (migration 0005): a bundle's matter cases, the day's and the
        # month's cases, and a case number by its beginning (LIKE 'x%' on PostgreSQL whatever the
        # database collation; SQLite uses the unique index with a range).
        Index("ix_case_file_parent_id", "parent_id"),
        Index("ix_case_file_created_at", "created_at"),
        Index("ix_case_file_accepted_at", "accepted_at"),
        Index("ix_case_file_number_prefix", "number", postgresql_ops={"number": "text_pattern_ops"}),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    number: Mapped[str | None] = mapped_column(String(40), unique=True)  # given on acceptance/notice
    matter_id: Mapped[int | None] = mapped_column(ForeignKey("matter.id"))
    bundle_id: Mapped[int | None] = mapped_column(ForeignKey("bundle.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id"))
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("applicant.id"), index=True)
    proxy_id: Mapped[int | None] = mapped_column(ForeignKey("proxy.id"))
    hall_id: Mapped[int | None] = mapped_column(ForeignKey("hall.id"))
    window_id: Mapped[int | None] = mapped_column(ForeignKey("window.id"))
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    workstation: Mapped[str] = mapped_column(String(16), default="")
    state: Mapped[str] = mapped_column(String(20), default=CaseState.DRAFT.value, index=True)
    situation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # question key → option keys
    # 申请表 values, field key → normalised text (clerk.forms); a bundle case holds its matters' values
    form_data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    # facts without a column of their own: "follows" (the notified case continued), "supplements"
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    # the applicant and proxy as they were when the case was decided (accepted, notified,
    # refused): what the receipt printed, whatever later happens to the applicant record
    parties: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    department: Mapped[str] = mapped_column(String(100), default="")
    catalog_version: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=local_now)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    promised_date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    statutory_date: Mapped[dt.date | None] = mapped_column(Date)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    delivery: Mapped[str] = mapped_column(String(16), default="window")  # window / post
    post_address: Mapped[str] = mapped_column(String(200), default="")
    tracking_number: Mapped[str] = mapped_column(String(60), default="")
    visits: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str] = mapped_column(Text, default="")  # refusal / rejection / withdrawal reason
    note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)  # bumped on every change (sync, optimistic lock)
    # the back office's version of this case last applied from its changes feed (clerk.sync.pull)
    remote_version: Mapped[int] = mapped_column(default=0, server_default="0")
    matter: Mapped[Matter | None] = relationship()
    bundle: Mapped[Bundle | None] = relationship()
    applicant: Mapped[Applicant | None] = relationship()
    proxy: Mapped[Proxy | None] = relationship()
    children: Mapped[list[Case]] = relationship(back_populates="parent")
    parent: Mapped[Case | None] = relationship(back_populates="children", remote_side="Case.id")
    checks: Mapped[list[MaterialCheck]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="MaterialCheck.position")


class MaterialCheck(Base):
    """The check of one material for one case: presented / shared / deferred / missing."""

    __tablename__ = "material_check"
    __table_args__ = (UniqueConstraint("case_id", "material_key"),
                      Index("ix_material_check_status", "status", "supplied_at"))  # 容缺 outstanding
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    material_id: Mapped[int | None] = mapped_column(ForeignKey("material_requirement.id"))
    material_key: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default=CheckStatus.PENDING.value)
    form: Mapped[str] = mapped_column(String(16), default=MaterialForm.ORIGINAL.value)
    count: Mapped[int] = mapped_column(default=0)
    share_source: Mapped[str] = mapped_column(String(100), default="")
    share_reference: Mapped[str] = mapped_column(String(100), default="")
    due_date: Mapped[dt.date | None] = mapped_column(Date)  # for deferred materials
    supplied_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    case: Mapped[Case] = relationship(back_populates="checks")


class Attachment(Base):
    """A scanned or uploaded file, stored by sha256 in the data folder."""

    __tablename__ = "attachment"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    check_id: Mapped[int | None] = mapped_column(ForeignKey("material_check.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(200))
    mime: Mapped[str] = mapped_column(String(80), default="application/pdf")
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(default=0)
    pages: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=local_now)


class Evaluation(Base):
    """好差评: level 5 非常满意 … 1 非常不满意; 1–2 need a reason."""

    __tablename__ = "evaluation"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    stage: Mapped[str] = mapped_column(String(16), default="accept")  # accept / handover
    level: Mapped[int] = mapped_column(Integer)
    reason_tags: Mapped[list[Any]] = mapped_column(JSON, default=list)
    text: Mapped[str] = mapped_column(Text, default="")
    window_id: Mapped[int | None] = mapped_column(ForeignKey("window.id"))
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=local_now)


# --------------------------------------------------------------------------- queue

class Ticket(Base):
    """取号: a queue ticket. ``display`` is zone prefix + daily sequence, e.g. A023."""

    __tablename__ = "ticket"
    __table_args__ = (
        # The printed number is what must never repeat: a transferred ticket keeps it in its new zone.
        UniqueConstraint("hall_id", "service_date", "display"),
        Index("ix_ticket_waiting", "hall_id", "service_date", "state"),
        Index("ix_ticket_holder", "holder"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id"))
    service_date: Mapped[dt.date] = mapped_column(Date)
    zone_code: Mapped[str] = mapped_column(String(16))
    seq: Mapped[int] = mapped_column(Integer)  # daily sequence in the zone it was issued for
    display: Mapped[str] = mapped_column(String(8))
    lane: Mapped[str] = mapped_column(String(16), default="normal")  # normal/elderly/disabled/military/booked
    priority: Mapped[int] = mapped_column(default=0)  # higher is called first
    state: Mapped[str] = mapped_column(String(16), default=TicketState.WAITING.value)
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("applicant.id"))
    window_id: Mapped[int | None] = mapped_column(ForeignKey("window.id"))
    holder: Mapped[str] = mapped_column(String(60), default="")  # workstation session holding it
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime, default=local_now)
    called_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    no_show_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    call_count: Mapped[int] = mapped_column(default=0)
    transfer_note: Mapped[str] = mapped_column(String(200), default="")
    target_window: Mapped[int | None] = mapped_column(Integer)  # transfer to a given window number


class QueueVersion(Base):
    """A hall's queue change counter (SQLite): database triggers (migration 0005) add one on every
    ticket issued, called, moved or finished and on every window paused or resumed, so a window
    or the hall screen polls one tiny row and reads the board only when it moved. PostgreSQL
    pushes the same events with NOTIFY ``clerk_queue`` instead (no shared row to lock)."""

    __tablename__ = "queue_version"
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(default=0)


class DailyCounter(Base):
    """Daily sequences: tickets per (hall, date, zone) and case numbers per (workstation, date).
    A row is incremented inside the caller's transaction, so a number is never given twice."""

    __tablename__ = "daily_counter"
    scope: Mapped[str] = mapped_column(String(60), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


# --------------------------------------------------------------------------- calendar, audit, sync

class CalendarDay(Base):
    """A working-day override: a holiday (is_workday False) or an adjusted working day (True)."""

    __tablename__ = "calendar_day"
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(40), default="")
    source: Mapped[str] = mapped_column(String(40), default="import")


class CalendarYear(Base):
    """Marks a year whose holidays are fully known from an import or the back office."""

    __tablename__ = "calendar_year"
    year: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(40), default="import")


class AuditEntry(Base):
    """Who did or looked at what. ``detail`` never holds an unmasked ID number or phone."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_entity_id", "entity_id"),)  # a case's history, its visits
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=local_now, index=True)
    username: Mapped[str] = mapped_column(String(40), default="")
    workstation: Mapped[str] = mapped_column(String(16), default="")
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40), default="")
    entity_id: Mapped[str] = mapped_column(String(60), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class OutboxEntry(Base):
    """An operation waiting to be pushed to the back office. Written in the same transaction as
    the change it carries; ``idempotency_key`` is reused on every retry.

    States (``clerk.sync``): ``pending`` (not tried or to be retried at ``next_attempt_at``),
    ``sent`` (a well-formed success reply, kept in ``reply``), ``dead`` (refused for good or
    failed too often; ``last_error`` holds the server's reason; resent only by the clerk),
    ``covered`` (nothing to send: content already in the intake snapshot, or a status that came
    from the back office). ``request`` is the HTTP request frozen on first build, so a retry sends
    the very same body; ``root_uuid`` is the case whose operations are pushed in order."""

    __tablename__ = "outbox_entry"
    __table_args__ = (Index("ix_outbox_entry_state_id", "state", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    kind: Mapped[str] = mapped_column(String(40))  # case.accept, case.notice, evaluation, attachment …
    entity_uuid: Mapped[str] = mapped_column(String(36), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending / sent / failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=local_now)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    root_uuid: Mapped[str | None] = mapped_column(String(36), index=True)
    request: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    payload_hash: Mapped[str] = mapped_column(String(64), default="", server_default="")
    reply_status: Mapped[int | None] = mapped_column(Integer)
    reply: Mapped[str] = mapped_column(Text, default="", server_default="")


class SyncState(Base):
    """The desk's side of the link to the back office (one row, id 1): where it is, the changes
    cursor, when it last worked and what went wrong. The bearer token is kept in ``setting``
    (``sync.token``). ``lock_holder``/``lock_until`` keep two sync runs off the same outbox."""

    __tablename__ = "sync_state"
    id: Mapped[int] = mapped_column(primary_key=True)
    server_url: Mapped[str] = mapped_column(String(200), default="")
    workstation_id: Mapped[str] = mapped_column(String(64), default="")
    hall_code: Mapped[str] = mapped_column(String(16), default="")
    hall_name: Mapped[str] = mapped_column(String(100), default="")
    cursor: Mapped[str] = mapped_column(Text, default="")
    catalog_version: Mapped[str] = mapped_column(String(40), default="")
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    last_sync_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    lock_holder: Mapped[str] = mapped_column(String(120), default="")
    lock_until: Mapped[dt.datetime | None] = mapped_column(DateTime)


# --------------------------------------------------------------------------- village agents

class HandoverList(Base):
    """交接单: the cases a village agent (代办员) took since the last list, with the papers carried
    to the centre. ``number`` is printed as text and Code128; the centre scans it and receives all
    the list's cases at once (``received_*``: who, where, when — set once)."""

    __tablename__ = "handover_list"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    hall_id: Mapped[int | None] = mapped_column(ForeignKey("hall.id"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    agent_name: Mapped[str] = mapped_column(String(40), default="")
    workstation: Mapped[str] = mapped_column(String(16), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=local_now)
    received_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    received_by: Mapped[str] = mapped_column(String(40), default="")       # username
    received_name: Mapped[str] = mapped_column(String(40), default="")     # display name
    received_workstation: Mapped[str] = mapped_column(String(16), default="")
    items: Mapped[list[HandoverItem]] = relationship(
        back_populates="handover", cascade="all, delete-orphan", order_by="HandoverItem.position")


class HandoverItem(Base):
    """One case on a 交接单 with the papers carried for it. A case is on one list only (unique)."""

    __tablename__ = "handover_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("handover_list.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), unique=True)
    originals: Mapped[int] = mapped_column(default=0)  # 原件 pieces
    copies: Mapped[int] = mapped_column(default=0)     # 复印件 pieces
    position: Mapped[int] = mapped_column(default=0)
    handover: Mapped[HandoverList] = relationship(back_populates="items")
