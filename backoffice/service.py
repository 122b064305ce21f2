"""Cases and what happens to them: the intake snapshot (PUT), desk events, department decisions,
and the changes feed that carries every move back to the hall's desks.

One rule: a move changes a matter case's state and version and appends its feed row last in the
same transaction (``_append_changes``); a bundle case follows its matter cases.
"""
from __future__ import annotations

import base64
import datetime as dt
import uuid as uuidlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clerk.bundles import bundle_state
from clerk.models import CaseState

from .core import (ApiError, Caller, Reply, Store, Who, _caller, _lock, _need_token, canonical_sha256, iso,
                   not_found, now)
from .models import Blob, Case, CaseBlob, Change, Event, Setting

S = CaseState
FEED_LOCK = 870_001  # PostgreSQL advisory lock serialising appends to the feed

STATE_LABELS = {
    S.ACCEPTED: "已收件", S.IN_REVIEW: "审查中", S.SUPPLEMENT: "待补正", S.APPROVED: "准予许可",
    S.REJECTED: "不予许可", S.RESULT_READY: "办结待出件", S.DELIVERED: "已出件", S.WITHDRAWN: "已撤回",
    S.NOTIFIED: "一次性告知", S.REFUSED: "不予受理", S.DRAFT: "录入中",
}

# Department decisions: name → (the desk's clerk.cases ACTIONS name the change is applied with,
# states it may start from, state it leads to, label). tests/backoffice check these agree with
# the desk's state machine, so every change in the feed is a move the desk can make.
DECISIONS: dict[str, tuple[str, frozenset[str], str, str]] = {
    "review": ("start_review", frozenset({S.ACCEPTED}), S.IN_REVIEW, "受理审查"),
    "supplement": ("request_supplement", frozenset({S.ACCEPTED, S.IN_REVIEW}), S.SUPPLEMENT, "要求补正"),
    "approve": ("approve", frozenset({S.ACCEPTED, S.IN_REVIEW}), S.APPROVED, "准予许可"),
    "reject": ("reject", frozenset({S.ACCEPTED, S.IN_REVIEW}), S.REJECTED, "不予许可"),
    "ready": ("result_ready", frozenset({S.APPROVED, S.REJECTED}), S.RESULT_READY, "办结待出件"),
}
# Desk events that move a matter case: type → [(desk action, from-states, to)].
EVENT_MOVES: dict[str, list[tuple[str, frozenset[str], str]]] = {
    "supplement_supplied": [("supply_supplement", frozenset({S.SUPPLEMENT}), S.IN_REVIEW)],
    "handed_over": [("hand_over", frozenset({S.RESULT_READY}), S.DELIVERED),
                    # 即办: an accepted case is handed over only when data.on_the_spot is true
                    ("finish_on_the_spot", frozenset({S.ACCEPTED}), S.DELIVERED)],
    "posted": [("hand_over", frozenset({S.RESULT_READY}), S.DELIVERED)],
    "withdrawn": [("withdraw", frozenset({S.ACCEPTED, S.IN_REVIEW, S.SUPPLEMENT}), S.WITHDRAWN)],
}
EVENT_TYPES = ("deferred_supplied", "supplement_supplied", "handed_over", "posted", "withdrawn", "evaluation")


# --------------------------------------------------------------------------- cases

def _attachments(body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(m.get("key", ""), a) for m in body.get("materials") or [] for a in m.get("attachments") or []]


def put_case(store: Store, who: Who, case_uuid: str, body: dict[str, Any]) -> Reply:
    digest = canonical_sha256(body)
    _need_token(who)

    def existing(s: Session, caller: Caller) -> Reply | None:
        case = s.get(Case, case_uuid)
        if case is None:
            return None
        if case.hall_code != caller.hall_code:
            raise not_found()
        if case.parent_uuid is not None or case.body_sha256 != digest:
            raise ApiError(409, "conflict", f"办件 {case.number} 已上报，内容与本次不同；受理内容上报后不能修改",
                           f"case {case_uuid} was already received with another body")
        return Reply(201, dict(case.reply), replayed=True)

    def fn(s: Session) -> Reply:
        caller = _caller(s, who)
        if body.get("uuid") != case_uuid:
            raise ApiError(422, "invalid_body", "请求体中的办件编号与地址不一致", "body uuid differs from the URL uuid")
        if body.get("hall_code") != caller.hall_code:
            raise ApiError(403, "forbidden", "只能上报本大厅的办件", "a hall may only send its own cases")
        found = existing(s, caller)
        if found is not None:
            return found
        wanted = {a["sha256"]: a.get("size") for _k, a in _attachments(body)}
        if wanted:
            have = {sha: length for sha, length in s.execute(
                select(Blob.sha256, Blob.length).where(Blob.sha256.in_(list(wanted)), Blob.complete.is_(True)))}
            missing = sorted(set(wanted) - set(have))
            if missing:
                raise ApiError(422, "missing_blob", f"附件尚未上传完整：{', '.join(m[:12] for m in missing)}",
                               "attachments not held complete: " + ", ".join(missing), missing=missing)
            wrong = sorted(sha for sha, size in wanted.items() if size is not None and size != have[sha])
            if wrong:
                raise ApiError(422, "invalid_body", f"附件大小与服务器保存的不符：{', '.join(w[:12] for w in wrong)}",
                               "attachment size differs from the blob held: " + ", ".join(wrong))
        at = now()
        state = body["state"]
        reply = {"uuid": case_uuid, "number": body["number"], "state": state, "version": 1,
                 "received_at": iso(at)}
        applicant = body.get("applicant") or {}
        materials = [{k: v for k, v in m.items() if k != "attachments"} | {"attachments": list(m.get("attachments") or [])}
                     for m in body.get("materials") or []]

        def insert() -> None:
            s.add(Case(uuid=case_uuid, hall_code=caller.hall_code, number=body["number"], kind=body["kind"],
                       state=state, version=1, workstation=body.get("workstation") or caller.workstation,
                       matter_code=body.get("matter_code") or body.get("bundle_code"),
                       matter_name=body.get("matter_name") or body.get("bundle_name") or "",
                       department=body.get("department") or "", applicant_name=applicant.get("name", ""),
                       promised_date=body.get("promised_date"), body=body, body_sha256=digest,
                       materials=materials, detail={}, reply=reply, received_at=at, updated_at=at))
            s.flush()
            for child in body.get("children") or []:
                s.add(Case(uuid=child["uuid"], hall_code=caller.hall_code, number=child["number"], parent_uuid=case_uuid,
                           kind="matter", state=state, version=1, workstation=body.get("workstation") or caller.workstation,
                           matter_code=child.get("matter_code"), matter_name=child.get("matter_name") or "",
                           department=child.get("department") or "", applicant_name=applicant.get("name", ""),
                           promised_date=child.get("promised_date"), body=child, body_sha256=canonical_sha256(child),
                           materials=[], detail={}, reply={}, received_at=at, updated_at=at))
            seen: set[tuple[str, str]] = set()
            for key, att in _attachments(body):
                if (key, att["sha256"]) in seen:
                    continue
                seen.add((key, att["sha256"]))
                s.add(CaseBlob(case_uuid=case_uuid, material_key=key, sha256=att["sha256"],
                               filename=att.get("filename") or "", mime=att.get("mime") or "application/octet-stream"))
            s.flush()

        try:
            insert()
        except IntegrityError:
            s.rollback()
            found = existing(s, caller)
            if found is not None:
                return found
            raise ApiError(409, "conflict", f"办件编号 {body['number']} 已被另一件办件使用",
                           f"case number {body['number']} is taken by another case") from None
        return Reply(201, reply)

    return store.run(fn)


def list_cases(store: Store, who: Who, since: str | None, limit: int, offset: int,
               hall: str | None = None) -> dict[str, Any]:
    with store.read() as s:
        caller = _caller(s, who)
        if hall and hall != caller.hall_code:
            raise ApiError(403, "forbidden", "只能查看本大厅的办件", "a hall sees only its own cases")
        q = select(Case).where(Case.hall_code == caller.hall_code)
        if since:
            try:
                q = q.where(Case.updated_at >= dt.datetime.fromisoformat(since))
            except ValueError:
                raise ApiError(400, "bad_request", "since 应为 ISO 时间", "since must be an ISO time") from None
        total = s.scalar(select(func.count()).select_from(q.subquery())) or 0
        rows = s.scalars(q.order_by(Case.updated_at, Case.uuid).limit(limit).offset(offset)).all()
        blobs: dict[str, list[dict[str, Any]]] = {}
        if rows:
            for cb_uuid, sha, size in s.execute(
                    select(CaseBlob.case_uuid, CaseBlob.sha256, Blob.length).join(Blob, Blob.sha256 == CaseBlob.sha256)
                    .where(CaseBlob.case_uuid.in_([c.uuid for c in rows])).order_by(CaseBlob.id)):
                entry = {"sha256": sha, "size": size}
                if entry not in blobs.setdefault(cb_uuid, []):
                    blobs[cb_uuid].append(entry)
        return {"cases": [{"uuid": c.uuid, "number": c.number, "state": c.state, "version": c.version,
                           "updated_at": iso(c.updated_at), "parent_uuid": c.parent_uuid,
                           "attachments": blobs.get(c.uuid, [])} for c in rows],
                "total": total}


# --------------------------------------------------------------------------- moves and the feed

@dataclass
class _Pending:
    """Feed rows of one transaction, appended last (see ``_append_changes``)."""
    rows: list[Change] = field(default_factory=list)


def _move(s: Session, case: Case, target: str, pending: _Pending, hall_code: str, data: dict[str, Any],
          at: dt.datetime) -> None:
    case.state = str(target)
    case.version += 1
    case.updated_at = at
    history = list((case.detail or {}).get("history", []))
    history.append({"state": str(target), "at": iso(at), **data})
    case.detail = {**(case.detail or {}), "history": history}
    pending.rows.append(Change(hall_code=hall_code, kind="case.status", case_uuid=case.uuid,
                               parent_uuid=case.parent_uuid, number=case.number, state=str(target),
                               version=case.version, at=at, data=data))


def _follow_bundle(s: Session, parent: Case, at: dt.datetime) -> None:
    """A bundle case follows its matter cases by the desk's rule (clerk.cases._sync_bundle); the
    feed carries the matter cases only, and each desk's bundle follows them the same way."""
    if parent.state in (S.WITHDRAWN, S.NOTIFIED, S.REFUSED):
        return
    new = bundle_state(c.state for c in s.scalars(select(Case).where(Case.parent_uuid == parent.uuid)))
    if new != parent.state:
        parent.state, parent.version, parent.updated_at = str(new), parent.version + 1, at


def _append_changes(s: Session, store: Store, pending: _Pending) -> None:
    """Feed rows go in last, under a lock held to commit: the sequence number is drawn after the
    lock, so rows become visible in ``seq`` order and a reader's cursor never passes a row that
    an earlier transaction has yet to commit. (SQLite transactions are serialised already.)"""
    if not pending.rows:
        return
    if store.is_pg:
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": FEED_LOCK})
    for row in pending.rows:
        s.add(row)
    s.flush()


def _case_for(s: Session, store: Store, case_uuid: str, hall_code: str) -> Case:
    case = s.scalar(_lock(s, select(Case).where(Case.uuid == case_uuid), store.is_pg))
    if case is None or case.hall_code != hall_code:
        raise not_found()
    return case


def _event_body_check(body: dict[str, Any]) -> None:
    kind, data = body.get("type"), body.get("data") or {}
    if kind not in EVENT_TYPES:
        raise ApiError(422, "invalid_body", f"未知的事件类型：{kind}", f"unknown event type {kind!r}")
    if kind == "deferred_supplied" and not data.get("key"):
        raise ApiError(422, "invalid_body", "容缺补交须写明材料", "deferred_supplied needs data.key")
    if kind == "evaluation":
        level = data.get("level")
        if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= 5:
            raise ApiError(422, "invalid_body", "评价等级应为1到5", "evaluation level must be 1-5")


def post_event(store: Store, who: Who, case_uuid: str, key: str | None, body: dict[str, Any]) -> Reply:
    _need_token(who)
    if not key:
        raise ApiError(400, "idempotency_key_required", "缺少 Idempotency-Key 请求头", "Idempotency-Key header required")
    if len(key) > 100:
        raise ApiError(400, "bad_request", "Idempotency-Key 过长", "Idempotency-Key longer than 100 characters")
    _event_body_check(body)
    digest = canonical_sha256({"url_case": case_uuid, "body": body})

    def fn(s: Session) -> Reply:
        caller = _caller(s, who)
        case = _case_for(s, store, case_uuid, caller.hall_code)  # locked: events of a case queue here
        done = s.scalar(select(Event).where(Event.hall_code == caller.hall_code, Event.idempotency_key == key))
        if done is not None:
            if done.body_sha256 != digest:
                raise ApiError(422, "idempotency_mismatch", "同一个 Idempotency-Key 已用于另一条内容不同的请求",
                               "this Idempotency-Key was used with another body")
            return Reply(201, dict(done.reply), replayed=True)
        target_uuid = body.get("case_uuid") or case_uuid
        if target_uuid == case_uuid:
            target = case
        else:
            target = s.scalar(_lock(s, select(Case).where(Case.uuid == target_uuid), store.is_pg))
            if target is None or target.parent_uuid != case_uuid:
                raise not_found()
        at = now()
        pending = _Pending()
        _apply_event(s, case, target, body, caller, pending, at)
        if case.kind == "bundle":
            _follow_bundle(s, case, at)
        event_id = str(uuidlib.uuid4())
        reply = {"event_id": event_id, "case_uuid": target.uuid, "state": target.state, "version": target.version}
        s.add(Event(id=event_id, hall_code=caller.hall_code, idempotency_key=key, workstation_id=caller.workstation_id,
                    case_uuid=case_uuid, target_uuid=target.uuid, type=body["type"], body=body, body_sha256=digest,
                    reply=reply, created_at=at))
        s.flush()
        _append_changes(s, store, pending)
        return Reply(201, reply)

    return store.run(fn)


def _apply_event(s: Session, case: Case, target: Case, body: dict[str, Any], caller: Caller, pending: _Pending,
                 at: dt.datetime) -> None:
    kind, data = body["type"], dict(body.get("data") or {})
    holder = case  # the case that holds the materials: the bundle or the matter case of the URL
    if kind == "deferred_supplied":
        materials = [dict(m) for m in holder.materials or []]
        hit = [m for m in materials if m.get("key") == data["key"]]
        if not hit:
            raise ApiError(422, "unknown_material", f"办件没有材料“{data['key']}”", f"no material {data['key']!r}")
        for m in hit:
            m.update(status="presented", supplied_at=body.get("at") or iso(at))
        holder.materials = materials
        holder.updated_at = at
        return
    if kind == "evaluation":
        evaluations = [*(target.detail or {}).get("evaluations", []), {**data, "at": body.get("at")}]
        target.detail = {**(target.detail or {}), "evaluations": evaluations}
        return
    moves = EVENT_MOVES[kind]
    matters = [target] if target.kind == "matter" else list(
        s.scalars(select(Case).where(Case.parent_uuid == target.uuid).order_by(Case.number)))
    feed_data = {k: v for k, v in data.items() if k in ("reason", "note", "items", "window", "to", "carrier",
                                                       "tracking_number", "on_the_spot")}
    feed_data.setdefault("window", caller.workstation)
    moved = 0
    for matter in matters:
        for action, sources, to in moves:
            if action == "finish_on_the_spot" and data.get("on_the_spot") is not True:
                continue  # an accepted case is handed over only when the desk finished it on the spot
            if matter.state in sources:
                _move(s, matter, to, pending, case.hall_code, feed_data, at)
                moved += 1
                break
    if not moved:
        label = STATE_LABELS.get(target.state, target.state)
        raise ApiError(409, "illegal_transition", f"办件 {target.number} 当前为“{label}”，不能{_EVENT_LABELS[kind]}",
                       f"case {target.number} in state {target.state} cannot take {kind}")
    if target.kind == "matter" and target.parent_uuid and target is not case:
        _follow_bundle(s, case, at)


_EVENT_LABELS = {"supplement_supplied": "补正", "handed_over": "出件", "posted": "邮寄出件", "withdrawn": "撤回"}


def decide(store: Store, ref: str, action: str, by: str, *, reason: str = "", items: Sequence[str] = (),
           requirements: dict[str, str] | None = None, text_: str = "", due_date: str | None = None,
           department: str | None = None) -> dict[str, Any]:
    """A department's decision on a matter case (by uuid or number): moves it and writes the
    feed row the desks pull. Returns the case's uuid, number, state and version."""
    if action not in DECISIONS:
        raise ApiError(422, "invalid_decision", f"未知的决定：{action}", f"unknown decision {action!r}")
    _desk_action, sources, target, label = DECISIONS[action]
    reason, text_ = (reason or "").strip(), (text_ or "").strip()
    if action == "reject" and not reason:
        raise ApiError(422, "reason_required", "不予许可必须写明理由", "a rejection needs a reason")
    if action == "supplement" and not items:
        raise ApiError(422, "items_required", "要求补正必须选择需补正的材料", "a supplement request needs its items")

    def fn(s: Session) -> dict[str, Any]:
        q = select(Case).where(or_(Case.uuid == ref, Case.number == ref), Case.kind == "matter")
        case = s.scalar(_lock(s, q, store.is_pg))
        if case is None or (department is not None and case.department != department):
            raise not_found()
        if case.state not in sources:
            now_label = STATE_LABELS.get(case.state, case.state)
            raise ApiError(409, "illegal_transition", f"办件 {case.number} 当前为“{now_label}”，不能{label}",
                           f"case {case.number} in state {case.state} cannot {action}")
        at = now()
        data: dict[str, Any] = {"by": by}
        if reason:
            data["reason"] = reason
        if text_:
            data["text"] = text_
        if action == "supplement":
            holder = s.get(Case, case.parent_uuid) if case.parent_uuid else case
            names = {m.get("key"): m.get("name") for m in (holder.materials if holder else []) or []}
            reqs = requirements or {}
            data["items"] = [{"name": names.get(i, i), "requirement": (reqs.get(i) or reason or text_).strip()}
                             for i in items]
            data["due_date"] = due_date
            data.setdefault("reason", reason)
        pending = _Pending()
        _move(s, case, target, pending, case.hall_code, data, at)
        if case.parent_uuid:
            parent = s.scalar(_lock(s, select(Case).where(Case.uuid == case.parent_uuid), store.is_pg))
            if parent is not None:
                _follow_bundle(s, parent, at)
        _append_changes(s, store, pending)
        return {"uuid": case.uuid, "number": case.number, "state": case.state, "version": case.version}

    return store.run(fn)


def publish(store: Store, kind: str, data: dict[str, Any], hall_code: str | None = None) -> int:
    """A catalog version or a calendar day for every hall (or one): a feed row; its seq."""
    with store.tx() as s:
        pending = _Pending([Change(hall_code=hall_code, kind=kind, at=now(), data=data)])
        _append_changes(s, store, pending)
        return pending.rows[0].seq


# --------------------------------------------------------------------------- the changes feed

def _server_id(s: Session) -> str:
    row = s.get(Setting, "server_id")
    return row.value if row else ""


def encode_cursor(server_id: str, seq: int) -> str:
    return base64.urlsafe_b64encode(f"c1:{server_id}:{seq}".encode()).decode().rstrip("=")


def _decode_cursor(server_id: str, cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        tag, sid, seq = raw.split(":")
        if tag != "c1" or sid != server_id:
            raise ValueError(raw)
        return int(seq)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(410, "cursor_expired", "同步游标已失效，将从头重新同步", "cursor is not valid here: resync") from None


def changes(store: Store, who: Who, cursor: str | None, limit: int) -> dict[str, Any]:
    with store.read() as s:
        caller = _caller(s, who)
        server_id = _server_id(s)
        after = _decode_cursor(server_id, cursor) if cursor else 0
        if after > (s.scalar(select(func.max(Change.seq))) or 0):
            raise ApiError(410, "cursor_expired", "同步游标超出服务器记录（服务器数据已重置？），将从头重新同步",
                           "cursor beyond the server's feed: resync")
        rows = s.scalars(select(Change).where(or_(Change.hall_code == caller.hall_code, Change.hall_code.is_(None)),
                                              Change.seq > after).order_by(Change.seq).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    out = []
    for r in rows:
        item: dict[str, Any] = {"seq": r.seq, "kind": r.kind}
        if r.kind == "case.status":
            item |= {"case_uuid": r.case_uuid, "parent_uuid": r.parent_uuid, "number": r.number, "state": r.state,
                     "version": r.version, "at": iso(r.at)}
        elif r.kind == "case.handover_received":
            item |= {"case_uuid": r.case_uuid, "number": r.number, "at": iso(r.at)}
        item["data"] = r.data or {}
        out.append(item)
    last = rows[-1].seq if rows else after
    return {"changes": out, "cursor": encode_cursor(server_id, last), "more": more}

