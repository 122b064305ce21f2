"""Plain dataclasses that services return. The UI and printing only ever see these."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# How a material is handed in (``MaterialRequirement.form``), as the screens and documents say it. The one copy.
FORM_LABELS = {"original": "原件", "copy": "复印件", "both": "原件及复印件", "electronic": "电子件"}


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    display_name: str
    role: str
    hall_id: int | None = None
    must_change_password: bool = False  # a default or reset password: change it before working


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
    from_card: bool = False       # filled in by the ID-card reader, not typed
    confirm_change: bool = False  # the clerk confirmed a name that differs from the stored one


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
class FormFieldInfo:
    """One field of the case's 申请表 with its value (normalised text, "" when empty). In a bundle
    ``matters`` names the matters that ask for it."""
    key: str
    label: str
    type: str  # text | date | number | choice | phone | id_number (clerk.forms)
    required: bool
    value: str = ""
    options: tuple[str, ...] = ()
    hint: str = ""
    max_length: int = 0
    matters: tuple[str, ...] = ()
    pattern: str = ""


@dataclass(frozen=True)
class SupplementInfo:
    """One 补正 round: what the back office or the window asked for, and what came back."""
    requested_at: dt.datetime
    items: tuple[str, ...]           # the materials asked for, one line each
    text: str = ""                   # free explanation (what is wrong, how to correct it)
    requirements: tuple[str, ...] = ()  # per item: the guide's requirement when it is a listed material
    requested_by: str = ""
    due_date: dt.date | None = None
    supplied_at: dt.datetime | None = None
    supplied_items: tuple[str, ...] = ()
    supplied_note: str = ""
    supplied_by: str = ""


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
    children: tuple[CaseInfo, ...] = ()
    parent_number: str | None = None
    warnings: tuple[str, ...] = ()
    allowed_actions: tuple[str, ...] = field(default_factory=tuple)
    follows_number: str | None = None  # the 一次性告知 case this one continues (same applicant and matter)
    supplements: tuple[SupplementInfo, ...] = ()  # 补正 rounds, oldest first
    form: tuple[FormFieldInfo, ...] = ()  # 申请表: the fields of the matter(s) with their values
    # department decisions the state would allow but that arrive from the back office (clerk.sync)
    backoffice_actions: tuple[str, ...] = ()
    agent_name: str = ""  # taken by a village agent (代办员) on behalf of the applicant, not at a window

    @property
    def form_values(self) -> dict[str, str]:
        return {f.key: f.value for f in self.form if f.value}

    @property
    def open_supplement(self) -> SupplementInfo | None:
        """The 补正 request still waiting for the applicant, if any."""
        last = self.supplements[-1] if self.supplements else None
        return last if last is not None and last.supplied_at is None else None


@dataclass(frozen=True)
class HallSummary:
    """A hall as screens and documents name it."""
    code: str
    name: str
    address: str = ""
    phone: str = ""


@dataclass(frozen=True)
class HandoverLine:
    """One case on a 交接单 (clerk.handover): the applicant masked, the papers carried."""
    case_number: str
    applicant: str            # masked name (王*明)
    id_number_masked: str
    matter_name: str
    accepted_at: dt.datetime | None
    originals: int            # 原件 pieces carried
    copies: int               # 复印件 pieces carried
    papers: tuple[str, ...] = ()  # each presented material: "出生医学证明 原件1份"


@dataclass(frozen=True)
class HandoverListInfo:
    """交接单: who made it where and when, its cases, and whether the centre has received it."""
    number: str
    agent_name: str
    workstation: str
    created_at: dt.datetime
    lines: tuple[HandoverLine, ...]
    received_at: dt.datetime | None = None
    received_by: str = ""          # username
    received_name: str = ""        # display name
    received_workstation: str = ""

    @property
    def originals(self) -> int:
        return sum(x.originals for x in self.lines)

    @property
    def copies(self) -> int:
        return sum(x.copies for x in self.lines)


@dataclass(frozen=True)
class HandoverReceived:
    """The outcome of a scan at the centre: ``first`` is False when the list had been received
    before (``handover.received_*`` say by whom and when); nothing changed then."""
    handover: HandoverListInfo
    first: bool
