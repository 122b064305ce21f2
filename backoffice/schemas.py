"""The contract's bodies as pydantic models: they validate requests and write the OpenAPI document.

Unknown fields are allowed (a newer desk may send more); the idempotency digest is taken over the
body as sent, not over these models.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

UUID_PATTERN = r"^[0-9a-fA-F-]{32,36}$"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorDetail(_Open):
    code: str = Field(examples=["conflict"])
    message: str = Field(description="中文, for the screen")
    english: str


class ErrorBody(BaseModel):
    error: ErrorDetail


class Registration(_Open):
    hall_code: str = Field(examples=["33022501"])
    workstation: str = Field(examples=["W01"])
    name: str = ""
    enrolment_code: str


class RegistrationReply(BaseModel):
    workstation_id: str
    token: str
    hall_code: str
    hall_name: str


class Applicant(_Open):
    kind: Literal["person", "enterprise"] = "person"
    name: str
    id_type: str = "id_card"
    id_number: str = ""
    phone: str = ""
    address: str = ""


class Proxy(_Open):
    name: str
    id_number: str = ""
    phone: str = ""


class Attachment(_Open):
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0)
    filename: str = ""
    mime: str = "application/octet-stream"


class Material(_Open):
    key: str
    name: str
    status: Literal["presented", "shared", "deferred", "missing", "pending"]
    form: str = "original"
    count: int = 1
    due_date: str | None = None
    attachments: list[Attachment] = []


class Child(_Open):
    uuid: str = Field(pattern=UUID_PATTERN)
    number: str = Field(min_length=1, max_length=40)
    matter_code: str | None = None
    matter_name: str = ""
    department: str = ""
    promised_date: str | None = None


class CaseSnapshot(_Open):
    """The intake snapshot a desk sends once, on acceptance (or on a notice or a refusal)."""
    schema_: int = Field(1, alias="schema")
    uuid: str = Field(pattern=UUID_PATTERN)
    number: str = Field(min_length=1, max_length=40)
    hall_code: str
    workstation: str = ""
    kind: Literal["matter", "bundle"]
    state: Literal["accepted", "notified", "refused"]
    matter_code: str | None = None
    matter_name: str = ""
    bundle_code: str | None = None
    bundle_name: str = ""
    department: str = ""
    catalog_version: str = ""
    accepted_at: str = ""
    promised_date: str | None = None
    clerk: str = ""
    delivery: str = "window"
    post_address: str = ""
    applicant: Applicant
    proxy: Proxy | None = None
    situation: dict[str, Any] = {}
    form: dict[str, Any] = {}
    materials: list[Material] = []
    children: list[Child] = []
    reason: str = ""


class CaseReply(BaseModel):
    uuid: str
    number: str
    state: str
    version: int
    received_at: str


class EventBody(_Open):
    type: Literal["deferred_supplied", "supplement_supplied", "handed_over", "posted", "withdrawn", "evaluation"]
    case_uuid: str | None = Field(None, description="the bundle or matter case it concerns; may be a child's uuid")
    at: str = ""
    data: dict[str, Any] = {}


class EventReply(BaseModel):
    event_id: str
    case_uuid: str
    state: str
    version: int


class CaseAttachment(BaseModel):
    sha256: str
    size: int


class CaseListItem(BaseModel):
    uuid: str
    number: str
    state: str
    version: int
    updated_at: str | None
    parent_uuid: str | None
    attachments: list[CaseAttachment]


class CaseList(BaseModel):
    cases: list[CaseListItem]
    total: int


class ChangeItem(_Open):
    seq: int
    kind: Literal["case.status", "case.handover_received", "catalog.version", "calendar.day"]
    case_uuid: str | None = None
    parent_uuid: str | None = None
    number: str | None = None
    state: str | None = None
    version: int | None = None
    at: str | None = None
    data: dict[str, Any] = {}


class ChangesPage(BaseModel):
    changes: list[ChangeItem]
    cursor: str
    more: bool


class HandoverCase(_Open):
    uuid: str = Field(description="a top-level case of the hall, sent (PUT) before the list")
    number: str = ""
    originals: int = 0
    copies: int = 0
    papers: list[str] = Field([], description="each material carried: \"出生医学证明 原件1份\"")


class HandoverListBody(_Open):
    """交接单 as the agent's desk made it; idempotent on the number (same canonical body → stored reply)."""
    schema_: int = Field(1, alias="schema")
    number: str = Field(examples=["JJ33022501V0120261202001"])
    agent: str = ""
    workstation: str = ""
    made_at: str
    cases: list[HandoverCase] = Field(min_length=1)


class HandoverListReply(BaseModel):
    number: str
    cases: int
    received_at: str | None
    stored_at: str


class HandoverReceiveBody(_Open):
    username: str = Field(min_length=1)
    name: str = ""
    workstation: str = ""


class HandoverLineView(_Open):
    uuid: str
    number: str
    applicant: str = Field(description="masked")
    id_number_masked: str
    matter_name: str
    accepted_at: str | None
    originals: int
    copies: int
    papers: list[str]
    state: str


class HandoverListView(_Open):
    number: str
    agent: str
    workstation: str
    made_at: str | None
    cases: list[HandoverLineView]
    received_at: str | None
    received_by: str
    received_name: str
    received_workstation: str
    already: bool | None = Field(None, description="receive only: true when received before (nothing changed)")
