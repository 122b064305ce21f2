"""Applicants and proxies: the applicant record (created or brought up to date, name changes
confirmed), the parties a decision prints, revealing a masked ID number."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..auth import COUNTER_ROLES, require_role
from ..db import Database
from ..dto import ApplicantInput, ProxyInput, UserInfo
from ..errors import ApplicantChanged, ValidationError
from ..models import Applicant, ApplicantKind, Case, Proxy
from ..privacy import mask_id, mask_phone
from ..validation import validate_id_number, validate_phone, validate_uscc
from ._common import _get_case, user_workstation


def _upsert_applicant(s: Session, data: ApplicantInput, user: UserInfo | None = None,
                      workstation: str = "") -> Applicant:
    """The applicant record for this ID number, created or brought up to date.

    A name that differs from the stored one is not overwritten silently — earlier cases keep the
    parties they were decided with (``Case.parties``), and the record changes only when the clerk
    confirmed old → new (``ApplicantInput.confirm_change``); otherwise :class:`ApplicantChanged`
    names both (and says when the stored name was read from the card). Every change of the name,
    phone or address is an audit entry with what it was and what it became (masked)."""
    name = data.name.strip()
    if not name:
        raise ValidationError("请填写申请人姓名或企业名称", "applicant name required")
    if data.kind == ApplicantKind.ENTERPRISE:
        number = validate_uscc(data.id_number).code
    elif data.id_type in ("resident", "gat"):
        number = validate_id_number(data.id_number).number
    else:
        number = data.id_number.strip().upper()
        if not number:
            raise ValidationError("请填写证件号码", "document number required")
    phone = validate_phone(data.phone) if data.phone.strip() else ""
    row = s.scalar(select(Applicant).where(Applicant.kind == data.kind, Applicant.id_number == number))
    changes: dict[str, Any] = {}
    if row is None:
        row = Applicant(kind=data.kind, id_number=number, name=name)
        s.add(row)
    elif row.name != name:
        if not data.confirm_change:
            card = row.name_source == "card"
            whose = "证件号码" if data.kind == ApplicantKind.PERSON else "统一社会信用代码"
            raise ApplicantChanged(
                f"该{whose}已登记的申请人为“{row.name}”{'（读卡所得）' if card else ''}，本次为“{name}”。"
                "请核对证件：确认要把申请人姓名由“" + row.name + "”改为“" + name + "”吗？以前的办件仍保留原姓名",
                "the ID number is registered with another name: confirm the change",
                old=row.name, new=name, old_from_card=card)
        changes["name"] = (row.name, name)
    row.name = name
    if data.from_card:
        row.name_source = "card"
    elif "name" in changes:
        row.name_source = "typed"
    row.id_type = data.id_type if data.kind == ApplicantKind.PERSON else "uscc"
    for attr in ("address", "sex", "nation", "legal_representative"):
        value = getattr(data, attr)
        if value:
            if attr == "address" and row.address and row.address != value:
                changes["address"] = (row.address, value)
            setattr(row, attr, value)
    if phone:
        if row.phone and row.phone != phone:
            changes["phone"] = (mask_phone(row.phone), mask_phone(phone))
        row.phone = phone
    if data.birth_date:
        row.birth_date = data.birth_date
    s.flush()
    if changes:
        audit.record(s, "applicant.change", username=user.username if user else "", workstation=workstation,
                     entity="applicant", entity_id=row.id,
                     **{k: {"old": v[0], "new": v[1]} for k, v in changes.items()})
    return row


def _parties_snapshot(case: Case) -> dict[str, Any]:
    """The applicant and proxy as the decision prints them (kept on the case for good)."""
    a, p = case.applicant, case.proxy
    snap: dict[str, Any] = {}
    if a is not None:
        snap["applicant"] = {"id": a.id, "kind": a.kind, "name": a.name, "id_type": a.id_type,
                             "id_number": a.id_number, "phone": a.phone, "address": a.address,
                             "legal_representative": a.legal_representative}
    if p is not None:
        snap["proxy"] = {"name": p.name, "id_number": p.id_number, "phone": p.phone, "relation": p.relation,
                         "authorisation": p.authorisation}
    return snap


def _proxy(s: Session, data: ProxyInput | None) -> Proxy | None:
    if data is None:
        return None
    if not data.name.strip():
        raise ValidationError("请填写代理人姓名", "proxy name required")
    number = validate_id_number(data.id_number).number
    if not data.authorisation.strip():
        raise ValidationError("代理人办理须提供授权委托书，请填写委托书编号或说明", "authorisation required")
    row = Proxy(name=data.name.strip(), id_number=number, relation=data.relation,
                phone=validate_phone(data.phone) if data.phone.strip() else "",
                authorisation=data.authorisation.strip())
    s.add(row)
    s.flush()
    return row


def reveal_applicant_id(db: Database, case_id: int, user: UserInfo) -> str:
    """The full ID number, for a person who needs it; the look is logged."""
    require_role(user, COUNTER_ROLES, "查看完整证件号码")
    with db.uow() as s:
        case = _get_case(s, case_id)
        if case.applicant is None:
            return ""
        audit.record(s, "applicant.reveal_id", username=user.username, entity="applicant",
                     entity_id=case.applicant.id, case=case.number)
        return case.applicant.id_number


def note_id_revealed(db: Database, user: UserInfo, id_number: str, where: str = "intake") -> None:
    """A full ID number shown on a screen before any case holds it (the intake form after a
    card read): the look is an audit entry like ``reveal_applicant_id`` (the number masked)."""
    require_role(user, COUNTER_ROLES, "查看完整证件号码")
    with db.uow() as s:
        audit.record(s, "applicant.reveal_id", username=user.username, workstation=user_workstation(user),
                     entity="applicant", entity_id=mask_id(id_number), where=where, id_number=id_number)
