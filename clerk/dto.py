"""Plain dataclasses that services return. The UI and printing only ever see these."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    display_name: str
    role: str
    hall_id: int | None = None


@dataclass(frozen=True)
class ApplicantInput:
    """What the clerk typed or the card reader filled in."""
    name: str
    id_number: str
    kind: str = "person"  # person / enterprise (id_number is then the USCC)
    phone: str = ""
    address: str = ""
    sex: str = ""
    nation: str = ""
    birth_date: dt.date | None = None
    legal_representative: str = ""
    id_type: str = "resident"


@dataclass(frozen=True)
class ProxyInput:
    name: str
    id_number: str
    phone: str = ""
    relation: str = ""
    authorisation: str = ""


@dataclass(frozen=True)
class ApplicantInfo:
    id: int
    kind: str
    name: str
    id_number_masked: str
    phone_masked: str
    address: str
    previous_cases: int = 0


@dataclass(frozen=True)
class CheckInfo:
    key: str
    name: str
    status: str
    form: str
    count: int
    required: bool
    core: bool
    deferrable: bool
    shareable: bool
    share_source: str = ""
    share_reference: str = ""
    due_date: dt.date | None = None
    supplied: bool = False
    note: str = ""
    requirement: str = ""  # the guide's wording: form, count, notes
    matters: tuple[str, ...] = ()  # bundle: which matters need it
    attachments: int = 0


@dataclass(frozen=True)
class CaseInfo:
    id: int
    uuid: str
    number: str | None
    state: str
    state_label: str
    matter_code: str | None
    matter_name: str
    bundle_code: str | None
    department: str
    kind: str
    applicant: ApplicantInfo | None
    proxy_name: str
    situation: dict[str, list[str]]
    checks: tuple[CheckInfo, ...]
    created_at: dt.datetime
    accepted_at: dt.datetime | None
    promised_date: dt.date | None
    promised_days: int
    statutory_days: int
    delivery: str
    post_address: str
    tracking_number: str
    visits: int
    reason: str
    clerk_name: str
    window_number: int | None
    children: tuple["CaseInfo", ...] = ()
    parent_number: str | None = None
    warnings: tuple[str, ...] = ()
    allowed_actions: tuple[str, ...] = field(default_factory=tuple)
