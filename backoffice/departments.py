"""Departments: their users and page sessions, their inbox and case view, and the demo seed.

One rule: a department sees and decides only the matter cases routed to it (``Case.department``);
ID numbers and phones are masked by the pages, never stored masked.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import uuid as uuidlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clerk.models import CaseState

from .core import ApiError, Store, _sha, add_hall, iso, not_found, now
from .models import Case, Department, DeptUser, Hall, Setting, WebSession
from .service import DECISIONS, STATE_LABELS

S = CaseState
DEMO_HALL = ("33022501", "象山县行政服务中心", "demo-enrol-33022501")
SESSION_HOURS = 10
PBKDF2_ROUNDS = 60_000


def hash_password(password: str, salt: str | None = None, rounds: int = PBKDF2_ROUNDS) -> str:
    salt = salt or secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), rounds).hex()
    return f"pbkdf2_sha256${rounds}${salt}${digest}"


def check_password(password: str, stored: str) -> bool:
    try:
        _algo, rounds, salt, _digest = stored.split("$")
    except ValueError:
        return False
    return hmac.compare_digest(hash_password(password, salt, int(rounds)), stored)


# Short sign-in names of the demo catalog's departments; password = name + "123".
DEMO_USERS = {
    "象山县市场监督管理局": "scjg", "象山县自然资源和规划局": "zrzy", "象山县人力资源和社会保障局": "rsj",
    "象山县公安局": "gaj", "象山县民政局": "mzj", "象山县医疗保障局": "ybj", "象山县住房和城乡建设局": "zjj",
    "国家税务总局象山县税务局": "swj", "象山县卫生健康局": "wjj", "象山县公安局交通警察大队": "jjdd",
    "象山县残疾人联合会": "cl", "象山县发展和改革局": "fgj", "宁波市住房公积金管理中心象山分中心": "gjj",
    "象山县退役军人事务局": "tyjr", "象山县烟草专卖局": "yc", "象山县交通运输局": "jtj",
    "宁波市生态环境局象山分局": "sthj", "象山县水利局": "slj", "象山县教育局": "jyj", "象山县司法局": "sfj",
    "象山县自来水有限公司": "zls", "国网浙江象山县供电有限公司": "gdgs", "象山县燃气有限公司": "rqgs",
    "象山县行政服务中心（驻厅银行）": "yh",
}


def demo_departments() -> list[str]:
    from importlib import resources

    catalog = json.loads(resources.files("clerk").joinpath("data/demo_catalog.json").read_text(encoding="utf-8"))
    names: list[str] = []
    for m in catalog.get("matters", []):
        if m.get("department") and m["department"] not in names:
            names.append(m["department"])
    return names


def add_department_user(store: Store, department: str, username: str, password: str, display_name: str = "审批员",
                        rounds: int = PBKDF2_ROUNDS) -> None:
    with store.tx() as s:
        dept = s.scalar(select(Department).where(Department.name == department))
        if dept is None:
            dept = Department(name=department)
            s.add(dept)
            s.flush()
        user = s.get(DeptUser, username)
        if user is None:
            s.add(DeptUser(username=username, display_name=display_name, department_id=dept.id,
                           password_hash=hash_password(password, rounds=rounds)))
        else:
            user.department_id, user.password_hash = dept.id, hash_password(password, rounds=rounds)


def ensure_server_id(store: Store) -> str:
    def fn(s: Session) -> str:
        row = s.get(Setting, "server_id")
        if row is None:
            row = Setting(key="server_id", value=uuidlib.uuid4().hex)
            s.add(row)
        return row.value

    return store.run(fn)


def seed_demo(store: Store) -> bool:
    """On an empty database: the demo hall (enrolment code ``demo-enrol-33022501``) and one user per
    department of the demo catalog. True when it seeded."""
    ensure_server_id(store)
    with store.tx() as s:
        if s.scalar(select(func.count()).select_from(Hall)):
            return False
    code, name, enrol = DEMO_HALL
    add_hall(store, code, name, enrol)
    used: set[str] = set()
    for i, dept in enumerate(demo_departments(), 1):
        user = DEMO_USERS.get(dept) or f"bm{i:02d}"
        if user in used:
            user = f"{user}{i}"
        used.add(user)
        # the demo passwords are printed in the README: fewer rounds, so a fresh demo starts fast
        add_department_user(store, dept, user, f"{user}123", "审批员", rounds=5_000)
    return True


@dataclass(frozen=True)
class DeptSession:
    username: str
    display_name: str
    department: str
    csrf: str


def sign_in(store: Store, username: str, password: str) -> tuple[str, DeptSession]:
    with store.tx() as s:
        user = s.get(DeptUser, (username or "").strip())
        if user is None or not user.active or not check_password(password or "", user.password_hash):
            raise ApiError(401, "sign_in_refused", "用户名或密码不正确", "wrong user name or password")
        dept = s.get(Department, user.department_id)
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        s.query(WebSession).filter(WebSession.expires_at < now()).delete()  # housekeeping
        s.add(WebSession(token_hash=_sha(token), username=user.username, csrf=csrf, created_at=now(),
                         expires_at=now() + dt.timedelta(hours=SESSION_HOURS)))
        return token, DeptSession(user.username, user.display_name, dept.name if dept else "", csrf)


def session_of(store: Store, token: str | None) -> DeptSession | None:
    if not token:
        return None
    with store.read() as s:
        row = s.execute(select(WebSession, DeptUser, Department).join(DeptUser, DeptUser.username == WebSession.username)
                        .join(Department, Department.id == DeptUser.department_id)
                        .where(WebSession.token_hash == _sha(token))).first()
        if row is None or row[0].expires_at < now() or not row[1].active:
            return None
        return DeptSession(row[1].username, row[1].display_name, row[2].name, row[0].csrf)


def sign_out(store: Store, token: str | None) -> None:
    if token:
        with store.tx() as s:
            s.query(WebSession).filter(WebSession.token_hash == _sha(token)).delete()


def inbox(store: Store, department: str, show: str = "open") -> list[dict[str, Any]]:
    open_states = (S.ACCEPTED, S.IN_REVIEW, S.SUPPLEMENT, S.APPROVED, S.REJECTED)
    with store.read() as s:
        q = select(Case).where(Case.department == department, Case.kind == "matter",
                               Case.state.notin_((S.NOTIFIED, S.REFUSED)))
        if show == "open":
            q = q.where(Case.state.in_(open_states))
        rows = s.scalars(q.order_by(Case.received_at.desc(), Case.number.desc()).limit(500)).all()
        return [{"uuid": c.uuid, "number": c.number, "matter_name": c.matter_name, "state": c.state,
                 "state_label": STATE_LABELS.get(c.state, c.state), "applicant": c.applicant_name,
                 "received_at": iso(c.received_at), "promised_date": c.promised_date, "version": c.version}
                for c in rows]


def case_view(store: Store, case_uuid: str, department: str) -> dict[str, Any]:
    """A matter case as its department sees it (the snapshot of its bundle for a bundle's case)."""
    with store.read() as s:
        case = s.get(Case, case_uuid)
        if case is None or case.kind != "matter" or case.department != department:
            raise not_found()
        holder = s.get(Case, case.parent_uuid) if case.parent_uuid else case
        assert holder is not None
        return {"uuid": case.uuid, "number": case.number, "state": case.state, "version": case.version,
                "state_label": STATE_LABELS.get(case.state, case.state), "matter_name": case.matter_name,
                "matter_code": case.matter_code, "department": case.department, "promised_date": case.promised_date,
                "received_at": iso(case.received_at), "snapshot": holder.body, "materials": holder.materials or [],
                "bundle_number": holder.number if holder is not case else None,
                "bundle_name": holder.matter_name if holder is not case else None,
                "history": (case.detail or {}).get("history", []),
                "decisions": [k for k, (_a, src, _t, _l) in DECISIONS.items() if case.state in src]}
