"""What each outbox entry becomes on the wire (contract v1, ``SYNC_CONTRACT.md``).

One rule: a request is built once and frozen on its outbox row (``OutboxEntry.request``), so a
retry — after a timeout, a kill, a week offline — sends the very same body with the same key,
and the server's idempotency can recognise it.

- ``case.accept|notify|refuse`` of a top-level case → ``PUT /cases/{uuid}`` with the intake
  snapshot (a bundle: one PUT with its matter cases as ``children``);
- the later desk facts → ``POST /cases/{root}/events`` (``Idempotency-Key`` = the entry's key);
- ``attachment`` → the blob by sha256 (uploaded before the case that names it: same root, earlier id);
- ``handover.list`` (交接单) → ``PUT /handover-lists/{number}``, sent only once nothing of its cases
  waits before it in the outbox (``push._schedule``);
- everything else is ``covered``: a child's acceptance (in its bundle's PUT), a draft's form (in the
  snapshot), the department decisions (they come from the back office), evaluations without a case.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased, selectinload

from ..models import Attachment, Case, Hall, MaterialCheck, OutboxEntry, User

SNAPSHOT_KINDS = {"case.accept": "accepted", "case.notify": "notified", "case.refuse": "refused"}
DEPARTMENT_KINDS = {"case.start_review", "case.request_supplement", "case.approve", "case.reject",
                    "case.result_ready"}
STATUS_OUT = {"pending": "missing"}  # an unverified optional material is reported as not presented


def canonical(body: Any) -> str:
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def body_hash(body: Any) -> str:
    return hashlib.sha256(canonical(body).encode("utf-8")).hexdigest()


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0).isoformat()
    return value.isoformat()


def roots_for(s: Session, entries: Sequence[OutboxEntry]) -> dict[int, str | None]:
    """entry id → the uuid of the top-level case its operation belongs to (None: no case)."""
    wanted: set[str] = set()
    numbers: set[str] = set()
    for e in entries:
        if e.kind.startswith("case."):
            wanted.add(e.entity_uuid)
        elif e.kind == "attachment":
            wanted.add(str((e.payload or {}).get("case") or ""))
        elif e.kind == "evaluation" and (e.payload or {}).get("case"):
            numbers.add(str(e.payload["case"]))
    parent = aliased(Case)
    by_uuid: dict[str, str] = {}
    by_number: dict[str, str] = {}
    wanted.discard("")
    chunk = 500
    items = sorted(wanted)
    for i in range(0, len(items), chunk):
        rows = s.execute(select(Case.uuid, parent.uuid).outerjoin(parent, Case.parent_id == parent.id)
                         .where(Case.uuid.in_(items[i:i + chunk])))
        by_uuid.update({u: p or u for u, p in rows})
    nums = sorted(numbers)
    for i in range(0, len(nums), chunk):
        found = s.execute(select(Case.number, Case.uuid, parent.uuid).outerjoin(parent, Case.parent_id == parent.id)
                          .where(Case.number.in_(nums[i:i + chunk])))
        by_number.update({n: (p or u) for n, u, p in found if n})
    out: dict[int, str | None] = {}
    for e in entries:
        if e.kind.startswith("case."):
            out[e.id] = by_uuid.get(e.entity_uuid)
        elif e.kind == "attachment":
            out[e.id] = by_uuid.get(str((e.payload or {}).get("case") or ""))
        elif e.kind == "evaluation":
            out[e.id] = by_number.get(str((e.payload or {}).get("case") or ""))
        else:
            out[e.id] = None
    return out


def _load_cases(s: Session, uuids: Iterable[str]) -> dict[str, Case]:
    items = sorted(set(uuids))
    out: dict[str, Case] = {}
    for i in range(0, len(items), 300):
        stmt = (select(Case).where(Case.uuid.in_(items[i:i + 300]))
                .options(selectinload(Case.checks), selectinload(Case.applicant), selectinload(Case.proxy),
                         selectinload(Case.matter), selectinload(Case.bundle), selectinload(Case.parent),
                         selectinload(Case.children).selectinload(Case.matter)))
        out.update({c.uuid: c for c in s.scalars(stmt)})
    return out


def build(s: Session, entries: Sequence[OutboxEntry], roots: dict[int, str | None]) -> dict[int, dict[str, Any] | str]:
    """entry id → frozen request (``{"op": "put"|"event"|"blob", …}``) or a string: why nothing
    is sent (the entry is ``covered``)."""
    case_uuids = {e.entity_uuid for e in entries if e.kind.startswith("case.")}
    case_uuids |= {r for r in roots.values() if r}
    cases = _load_cases(s, case_uuids)
    ids = [c.id for c in cases.values()]
    atts: dict[int, list[tuple[Attachment, str]]] = {}
    halls = {h.id: h.code for h in s.scalars(select(Hall))}
    clerks: dict[int, str] = {}
    clerk_ids = {c.clerk_id for c in cases.values() if c.clerk_id}
    if clerk_ids:
        clerks = dict(s.execute(select(User.id, User.display_name).where(User.id.in_(clerk_ids))).all())
    for i in range(0, len(ids), 500):
        rows = s.execute(select(Attachment, MaterialCheck.material_key)
                         .outerjoin(MaterialCheck, Attachment.check_id == MaterialCheck.id)
                         .where(Attachment.case_id.in_(ids[i:i + 500])).order_by(Attachment.id))
        for a, key in rows:
            atts.setdefault(a.case_id, []).append((a, key or ""))
    by_number = {c.number: c for c in cases.values() if c.number}
    out: dict[int, dict[str, Any] | str] = {}
    for e in entries:
        out[e.id] = _one(e, roots.get(e.id), cases, by_number, atts, halls, clerks)
    return out


def _one(e: OutboxEntry, root: str | None, cases: dict[str, Case], by_number: dict[str, Case],
         atts: dict[int, list[tuple[Attachment, str]]], halls: dict[int, str], clerks: dict[int, str]
         ) -> dict[str, Any] | str:
    p = e.payload or {}
    at = p.get("at") or _iso(e.created_at)
    if e.kind == "attachment":
        if not p.get("sha256"):
            return "扫描件记录不完整，无需上传"
        return {"op": "blob", "sha256": p["sha256"], "size": int(p.get("size") or 0)}
    if e.kind == "evaluation":
        if root is None:
            return "评价未关联办件，只留在本机"
        case = by_number.get(str(p.get("case")))
        return _event(root, case.uuid if case else root, "evaluation", at, {
            "level": p.get("level"), "reasons": list(p.get("tags") or []), "text": p.get("text") or "",
            "stage": p.get("stage") or "accept"})
    if e.kind == "handover.list":
        return handover_request(p)
    if not e.kind.startswith("case."):
        return f"“{e.kind}”不属于与后台同步的内容"
    case = cases.get(e.entity_uuid)
    if case is None or root is None:
        return "办件已不存在，无需上传"
    if e.kind in SNAPSHOT_KINDS:
        if case.parent is not None:
            return "随一件事整体上传"
        return {"op": "put", "uuid": case.uuid, "body": intake_snapshot(case, SNAPSHOT_KINDS[e.kind], at, atts,
                                                                          halls, clerks)}
    if e.kind == "case.form":
        return "申请表随受理时的办件快照上传"
    if e.kind in DEPARTMENT_KINDS:
        return "部门审批环节由后台办理，不从窗口上传"
    if e.kind == "case.supply_deferred":
        return _event(root, case.uuid, "deferred_supplied", at, {"key": p.get("key")})
    if e.kind == "case.supply_supplement":
        return _event(root, case.uuid, "supplement_supplied", at,
                      {"note": p.get("note") or "", "items": list(p.get("supplied") or [])})
    if e.kind in ("case.hand_over", "case.finish_on_the_spot"):
        if p.get("by") == "post":
            return _event(root, case.uuid, "posted", at, {"carrier": p.get("carrier") or "",
                                                          "tracking_number": p.get("tracking_number") or ""})
        receiver = p.get("receiver") or ""
        to = "代理人" if case.proxy is not None and receiver and receiver == case.proxy.name else "申请人"
        data: dict[str, Any] = {"to": to, "window": case.workstation}
        if e.kind == "case.finish_on_the_spot":
            data["on_the_spot"] = True
        return _event(root, case.uuid, "handed_over", at, data)
    if e.kind == "case.withdraw":
        if case.matter_id is None and case.children:
            return "一件事的撤回随各事项分别上传"
        return _event(root, case.uuid, "withdrawn", at, {"reason": p.get("reason") or ""})
    return f"“{e.kind}”不属于与后台同步的内容"


def handover_request(p: dict[str, Any]) -> dict[str, Any] | str:
    """交接单 → ``PUT /handover-lists/{number}``; ``after``: the cases whose entries go first."""
    items = [dict(i) for i in p.get("cases") or [] if i.get("uuid")]
    if not p.get("number") or not items:
        return "交接单记录不完整，无需上传"
    body = {"schema": 1, "number": p["number"], "agent": p.get("agent") or "", "workstation": p.get("workstation") or "",
            "made_at": p.get("made_at"), "cases": items}
    return {"op": "handover", "number": p["number"], "after": [i["uuid"] for i in items], "body": body}


def _event(root: str, case_uuid: str, kind: str, at: str | None, data: dict[str, Any]) -> dict[str, Any]:
    return {"op": "event", "uuid": root, "body": {"type": kind, "case_uuid": case_uuid, "at": at, "data": data}}


def _parties(case: Case) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Applicant and proxy as the decision printed them (``Case.parties``), else the records."""
    snap = getattr(case, "parties", None) or {}
    a = snap.get("applicant")
    if a is None and case.applicant is not None:
        r = case.applicant
        a = {"kind": r.kind, "name": r.name, "id_type": r.id_type, "id_number": r.id_number, "phone": r.phone,
             "address": r.address}
    p = snap.get("proxy") if "applicant" in snap else None
    if p is None and "applicant" not in snap and case.proxy is not None:
        p = {"name": case.proxy.name, "id_number": case.proxy.id_number, "phone": case.proxy.phone}
    applicant = None
    if a is not None:
        kind = a.get("kind") or "person"
        raw = a.get("id_type") or ""
        id_type = "uscc" if kind == "enterprise" else ("id_card" if raw in ("resident", "") else raw)
        applicant = {"kind": kind, "name": a.get("name", ""), "id_type": id_type, "id_number": a.get("id_number", ""),
                     "phone": a.get("phone", ""), "address": a.get("address", "")}
    proxy = {"name": p.get("name", ""), "id_number": p.get("id_number", ""), "phone": p.get("phone", "")} if p else None
    return applicant, proxy


def intake_snapshot(case: Case, state: str, at: str | None, atts: dict[int, list[tuple[Attachment, str]]],
                    halls: dict[int, str], clerks: dict[int, str]) -> dict[str, Any]:
    """The contract's PUT body for a top-level case as it was decided at the desk."""
    by_key: dict[str, list[dict[str, Any]]] = {}
    for c in (case, *case.children):
        for a, key in atts.get(c.id, ()):
            by_key.setdefault(key, []).append({"sha256": a.sha256, "size": a.size, "filename": a.filename,
                                               "mime": a.mime})
    materials = [{"key": ch.material_key, "name": ch.name, "status": STATUS_OUT.get(ch.status, ch.status),
                  "form": ch.form, "count": ch.count, "due_date": _iso(ch.due_date),
                  "attachments": by_key.get(ch.material_key, [])} for ch in case.checks]
    if case.matter is not None:
        situation = {k: list(v) if isinstance(v, (list, tuple)) else [v] for k, v in (case.situation or {}).items()}
    else:  # a bundle: each matter's answers, the question keyed by its matter
        situation = {f"{c.matter.code}:{k}": list(v) if isinstance(v, (list, tuple)) else [v]
                     for c in case.children if c.matter is not None for k, v in (c.situation or {}).items()}
    applicant, proxy = _parties(case)
    return {
        "schema": 1, "uuid": case.uuid, "number": case.number,
        "hall_code": halls.get(case.hall_id or -1) or (case.number or "")[:8],
        "workstation": case.workstation, "kind": "matter" if case.matter is not None else "bundle",
        "state": state,
        "matter_code": case.matter.code if case.matter else None,
        "matter_name": case.matter.name if case.matter else "",
        "bundle_code": case.bundle.code if case.bundle else None,
        "bundle_name": case.bundle.name if case.bundle else "",
        "department": case.department, "catalog_version": case.catalog_version,
        "accepted_at": _iso(case.accepted_at) or at, "promised_date": _iso(case.promised_date),
        "clerk": clerks.get(case.clerk_id or -1, ""), "delivery": case.delivery, "post_address": case.post_address,
        "applicant": applicant, "proxy": proxy,
        "situation": situation, "form": dict(case.form_data or {}), "materials": materials,
        "children": [{"uuid": c.uuid, "number": c.number, "matter_code": c.matter.code if c.matter else None,
                      "matter_name": c.matter.name if c.matter else "", "department": c.department,
                      "promised_date": _iso(c.promised_date)} for c in case.children],
        "reason": case.reason or "",
    }


def freeze(s: Session, entries: Sequence[OutboxEntry], now: dt.datetime) -> None:
    """Give each entry without one its root case and its frozen request, or mark it covered."""
    todo = [e for e in entries if e.request is None]
    if not todo:
        return
    roots = roots_for(s, todo)
    built = build(s, todo, roots)
    for e in todo:
        e.root_uuid = roots.get(e.id)
        req = built[e.id]
        if isinstance(req, str):
            e.state, e.reply, e.sent_at = "covered", req, now
            e.request = {"op": "none"}
        else:
            e.request = req
            e.payload_hash = body_hash(req.get("body", req))
