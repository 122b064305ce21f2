"""Plain, frozen data for every printed document — what the services hand to ``printing``.

One rule: labels arrive ready to print (Chinese, already masked); these classes hold no ORM objects
and make no decisions. Helpers here only format (dates, day counts) and never look anything up.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

REMEDY_TEXT = ("如不服本决定，可在收到本通知之日起六十日内依法申请行政复议，"
               "或者六个月内依法提起行政诉讼。")

DEFERRAL_PROMISE = ("本人（单位）郑重承诺：已提交的申请材料真实、合法、有效；上述容缺材料将在约定期限内"
                    "补交，且与已提交材料内容一致。逾期未补交或补交材料不符合要求的，本人（单位）自愿"
                    "承担由此产生的法律责任，同意行政机关依法终止办理或撤销已作出的决定。")


@dataclass(frozen=True)
class HallInfo:
    name: str
    address: str = ""
    phone: str = ""


@dataclass(frozen=True)
class ApplicantInfo:
    name: str
    id_number_masked: str = ""
    phone_masked: str = ""
    kind: str = "person"  # person | enterprise

    @property
    def kind_label(self) -> str:
        return "法人/组织" if self.kind == "enterprise" else "自然人"


@dataclass(frozen=True)
class MaterialLine:
    name: str
    form_label: str = ""        # 原件 / 复印件 / 原件及复印件 / 电子件
    count: int = 1
    status_label: str = ""      # 已提交 / 共享获取 / 容缺 …
    note: str = ""
    due_date: dt.date | None = None  # deferred (容缺) materials only


@dataclass(frozen=True)
class ReceiptData:
    """受理回执."""
    case_number: str
    matter_names: tuple[str, ...]
    applicant: ApplicantInfo
    accepted_at: dt.datetime
    promised_date: dt.date
    statutory_days: int
    promised_days: int
    hall: HallInfo
    clerk_name: str
    window_name: str = ""
    materials: tuple[MaterialLine, ...] = ()
    bundle_name: str | None = None
    proxy_name: str | None = None
    delivery: str = "window"    # window | post
    post_address: str = ""
    qr_payload: str = ""        # empty: the case number
    notes: tuple[str, ...] = ()
    form_lines: tuple[tuple[str, str], ...] = ()  # 申请信息: (label, value), ID numbers and phones masked

    def __post_init__(self) -> None:
        # Callers pass lists; keep the dataclass hashable and immutable all the way down.
        object.__setattr__(self, "form_lines", tuple(tuple(x) for x in self.form_lines))
        for name in ("matter_names", "materials", "notes"):
            object.__setattr__(self, name, tuple(getattr(self, name)))

    @property
    def qr_text(self) -> str:
        return self.qr_payload or self.case_number


@dataclass(frozen=True)
class MissingMaterial:
    name: str
    requirement: str = ""   # what exactly is wrong or needed (补正要求)


@dataclass(frozen=True)
class NoticeData:
    """一次性告知书 — everything missing, told once."""
    number: str
    matter_name: str
    applicant: ApplicantInfo
    missing: tuple[MissingMaterial, ...]
    hall: HallInfo
    clerk_name: str
    issued_on: dt.date
    deadline: dt.date | None = None
    advice: str = ""
    window_name: str = ""
    qr_payload: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "missing", tuple(self.missing))

    @property
    def qr_text(self) -> str:
        return self.qr_payload or self.number


@dataclass(frozen=True)
class SupplementNoticeData:
    """补正材料通知书 — what an accepted case still needs, asked for during review."""
    case_number: str
    matter_name: str
    applicant: ApplicantInfo
    items: tuple[MissingMaterial, ...]
    hall: HallInfo
    clerk_name: str
    issued_on: dt.date
    accepted_on: dt.date | None = None
    explanation: str = ""        # what is wrong, how to correct it (free text of the request)
    deadline: dt.date | None = None
    window_name: str = ""
    qr_payload: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", tuple(self.items))

    @property
    def qr_text(self) -> str:
        return self.qr_payload or self.case_number


@dataclass(frozen=True)
class DeferredMaterial:
    name: str
    due_date: dt.date
    note: str = ""


@dataclass(frozen=True)
class DeferralData:
    """容缺受理承诺书 — accepted without some materials, on a signed promise to bring them."""
    number: str
    case_number: str
    matter_name: str
    applicant: ApplicantInfo
    deferred: tuple[DeferredMaterial, ...]
    hall: HallInfo
    clerk_name: str
    signed_on: dt.date
    promise_text: str = DEFERRAL_PROMISE
    proxy_name: str | None = None
    signature_labels: tuple[str, ...] = ("承诺人（签字/盖章）：", "受理人：")
    qr_payload: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "deferred", tuple(self.deferred))
        object.__setattr__(self, "signature_labels", tuple(self.signature_labels))

    @property
    def qr_text(self) -> str:
        return self.qr_payload or self.case_number


@dataclass(frozen=True)
class RefusalData:
    """不予受理通知书."""
    number: str
    matter_name: str
    applicant: ApplicantInfo
    applied_on: dt.date
    reason: str
    legal_basis: str
    hall: HallInfo
    clerk_name: str
    issued_on: dt.date
    remedy: str = REMEDY_TEXT
    qr_payload: str = ""

    @property
    def qr_text(self) -> str:
        return self.qr_payload or self.number


def cn_date(value: dt.date | dt.datetime) -> str:
    """2026年11月23日 — no zero padding, as on official documents."""
    return f"{value.year}年{value.month}月{value.day}日"


def cn_datetime(value: dt.datetime) -> str:
    return f"{cn_date(value)} {value.hour:02d}:{value.minute:02d}"


DELIVERY_LABELS = {"window": "窗口领取", "post": "邮寄送达"}



@dataclass(frozen=True)
class HandoverRow:
    """One case on a 交接单: applicant already masked, papers counted."""
    case_number: str
    applicant: str
    matter_name: str
    originals: int
    copies: int
    papers: tuple[str, ...] = ()


@dataclass(frozen=True)
class HandoverData:
    """交接单: a village agent's cases carried to the centre, with the papers for each."""
    number: str
    hall: HallInfo
    agent_name: str
    workstation: str
    made_at: dt.datetime
    rows: tuple[HandoverRow, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "rows", tuple(self.rows))
