"""交接单 through the back office: a village agent's desk sends its list (PUT, after the cases it
carries), the centre's desk receives it by number (POST …/receive) even though the cases live in
the agent's laptop database and not in the centre's.

One rule: a list is stored once per hall and number (same canonical body again → the stored reply;
another body → 409), and received once: a second receipt changes nothing and says who received it,
when. A receipt writes one feed row per case (kind ``case.handover_received``), so the agent's desk
learns its list arrived.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clerk.privacy import mask_id, mask_name

from .core import ApiError, Reply, Store, Who, _caller, _lock, _need_token, canonical_sha256, iso, now
from .models import Case, Change, HandoverList
from .service import _append_changes, _Pending

NUMBER = re.compile(r"^JJ[0-9]{8}[A-Z0-9]{3}[0-9]{8}[0-9]{3,}$")


def _check_number(number: str) -> str:
    code = (number or "").strip().upper()
    if not NUMBER.match(code):
        raise ApiError(404, "not_found", f"“{number}”不是交接单编号（交接单编号以 JJ 开头）",
                       f"{number!r} is not a handover list number")
    return code


def _not_found(number: str) -> ApiError:
    return ApiError(404, "not_found", f"后台没有交接单 {number}：代办员的电脑可能尚未同步，请稍后再扫或联系代办员",
                    f"no handover list {number} at the back office")


def _made_at(body: dict[str, Any]) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(str(body.get("made_at")))
    except ValueError:
        raise ApiError(422, "invalid_body", "交接单的制单时间格式有误", "made_at must be an ISO time") from None


def put_list(store: Store, who: Who, number: str, body: dict[str, Any]) -> Reply:
    """The agent's list as made at its desk. Every case it names must be a top-level case of the
    hall the server holds (the desk sends cases first): else 422 ``unknown_case`` naming them."""
    _need_token(who)
    code = _check_number(number)
    digest = canonical_sha256(body)
    if body.get("number") != code:
        raise ApiError(422, "invalid_body", "请求体中的交接单编号与地址不一致", "body number differs from the URL")
    items = body.get("cases")
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) and i.get("uuid") for i in items):
        raise ApiError(422, "invalid_body", "交接单须列出至少一件办件（含 uuid）", "a list needs its cases (uuid)")
    made_at = _made_at(body)

    def existing(s: Session, hall: str) -> Reply | None:
        row = s.scalar(select(HandoverList).where(HandoverList.hall_code == hall, HandoverList.number == code))
        if row is None:
            return None
        if row.body_sha256 != digest:
            raise ApiError(409, "conflict", f"交接单 {code} 已上报，内容与本次不同；交接单上报后不能修改",
                           f"handover list {code} was already received with another body")
        return Reply(201, dict(row.reply), replayed=True)

    def fn(s: Session) -> Reply:
        caller = _caller(s, who)
        found = existing(s, caller.hall_code)
        if found is not None:
            return found
        uuids = [str(i["uuid"]) for i in items]
        held = {u for u, in s.execute(select(Case.uuid).where(Case.uuid.in_(uuids), Case.hall_code == caller.hall_code,
                                                               Case.parent_uuid.is_(None)))}
        unknown = [i for i in items if str(i["uuid"]) not in held]
        if unknown:
            names = "、".join(str(i.get("number") or i["uuid"]) for i in unknown[:5])
            raise ApiError(422, "unknown_case", f"交接单 {code} 中的办件后台尚未收到：{names}（请先同步这些办件）",
                           "cases not held: " + ", ".join(str(i["uuid"]) for i in unknown),
                           unknown=[str(i["uuid"]) for i in unknown])
        reply = {"number": code, "cases": len(items), "received_at": None, "stored_at": iso(now())}
        s.add(HandoverList(hall_code=caller.hall_code, number=code, agent=str(body.get("agent") or "")[:40],
                           workstation=str(body.get("workstation") or caller.workstation)[:16], made_at=made_at,
                           body=body, body_sha256=digest, reply=reply, received_by="", received_name="",
                           received_workstation=""))
        try:
            s.flush()
        except IntegrityError:
            s.rollback()
            found = existing(s, caller.hall_code)
            if found is not None:
                return found
            raise
        return Reply(201, reply)

    return store.run(fn)


def _view(s: Session, row: HandoverList, *, already: bool | None = None) -> dict[str, Any]:
    """The list as the centre's desk shows it: applicants masked here, papers as the agent listed them."""
    items = list(row.body.get("cases") or [])
    cases = {c.uuid: c for c in s.scalars(select(Case).where(Case.uuid.in_([str(i["uuid"]) for i in items])))}
    lines = []
    for i in items:
        c = cases.get(str(i["uuid"]))
        applicant = ((c.body or {}).get("applicant") or {}) if c is not None else {}
        lines.append({"uuid": str(i["uuid"]), "number": c.number if c else str(i.get("number") or ""),
                      "applicant": mask_name(applicant.get("name") or (c.applicant_name if c else "")),
                      "id_number_masked": mask_id(applicant.get("id_number") or ""),
                      "matter_name": c.matter_name if c else "",
                      "accepted_at": ((c.body or {}).get("accepted_at") if c else None),
                      "originals": int(i.get("originals") or 0), "copies": int(i.get("copies") or 0),
                      "papers": [str(p) for p in i.get("papers") or []], "state": c.state if c else ""})
    out: dict[str, Any] = {"number": row.number, "agent": row.agent, "workstation": row.workstation,
                           "made_at": iso(row.made_at), "cases": lines, "received_at": iso(row.received_at),
                           "received_by": row.received_by, "received_name": row.received_name,
                           "received_workstation": row.received_workstation}
    if already is not None:
        out["already"] = already
    return out


def _row(s: Session, store: Store, hall: str, code: str, *, lock: bool = False) -> HandoverList:
    stmt = select(HandoverList).where(HandoverList.hall_code == hall, HandoverList.number == code)
    row = s.scalar(_lock(s, stmt, store.is_pg) if lock else stmt)
    if row is None:
        raise _not_found(code)
    return row


def get_list(store: Store, who: Who, number: str) -> dict[str, Any]:
    _need_token(who)
    code = _check_number(number)
    with store.read() as s:
        caller = _caller(s, who)
        return _view(s, _row(s, store, caller.hall_code, code))


def receive(store: Store, who: Who, number: str, body: dict[str, Any]) -> dict[str, Any]:
    """The centre receives every case of the list at once; a second receipt returns who/when with
    ``already: true`` and changes nothing."""
    _need_token(who)
    code = _check_number(number)
    username = str(body.get("username") or "").strip()[:40]
    if not username:
        raise ApiError(422, "invalid_body", "接收交接单须写明接收人", "username required")

    def fn(s: Session) -> dict[str, Any]:
        caller = _caller(s, who)
        row = _row(s, store, caller.hall_code, code, lock=True)
        if row.received_at is not None:
            return _view(s, row, already=True)
        at = now()
        row.received_at, row.received_by = at, username
        row.received_name = str(body.get("name") or username).strip()[:40]
        row.received_workstation = str(body.get("workstation") or caller.workstation).strip()[:16]
        pending = _Pending()
        data = {"handover": code, "by": username, "name": row.received_name, "window": row.received_workstation,
                "agent": row.agent, "at": iso(at)}
        uuids = [str(i["uuid"]) for i in row.body.get("cases") or []]
        for case in s.scalars(select(Case).where(Case.uuid.in_(uuids))):
            history = list((case.detail or {}).get("history", []))
            history.append({"event": "received_at_centre", **data})
            case.detail = {**(case.detail or {}), "history": history, "handover": data}
            pending.rows.append(Change(hall_code=caller.hall_code, kind="case.handover_received", case_uuid=case.uuid,
                                       parent_uuid=None, number=case.number, at=at, data=data))
        s.flush()
        _append_changes(s, store, pending)
        return _view(s, row, already=False)

    return store.run(fn)
