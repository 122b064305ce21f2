"""The material checklist (收件清单) at the window: checking each material, recording one the catalog
does not list, and what still stands in the way of 受理."""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy.orm import Session

from .. import forms
from ..auth import COUNTER_ROLES, require_role
from ..db import Database
from ..dto import CaseInfo, UserInfo
from ..errors import IllegalTransition, NotFound, ValidationError
from ..models import Case, CheckStatus, MaterialCheck
from ..situations import unanswered_deciding
from ._common import _get_case, _label, S
from .requirements import _form_fields, _per_matter, _required, _requirements, EXTRA_PREFIX
from .deadlines import _promised
from .queries import _info


def _case_name(case: Case) -> str:
    return case.matter.name if case.matter else (case.bundle.name if case.bundle else _label(case))


def check_material(db: Database, user: UserInfo, case_id: int, key: str, status: str, *,
                   count: int | None = None, form: str | None = None, share_source: str = "",
                   share_reference: str = "", due_date: dt.date | None = None, note: str = "",
                   today: dt.date | None = None) -> CaseInfo:
    """Record one material as presented / shared / deferred / missing."""
    require_role(user, COUNTER_ROLES, "核验材料")
    try:
        st = CheckStatus(status)
    except ValueError:
        raise ValidationError(f"未知的材料状态：{status}", f"unknown status {status}") from None
    with db.uow() as s:
        case = _get_case(s, case_id)
        if case.state != S.DRAFT:
            raise IllegalTransition("办件已提交，材料核验不能再修改；请走补正或补交容缺材料", "checks are frozen")
        check = next((c for c in case.checks if c.material_key == key), None)
        if check is None:
            raise NotFound(f"本办件不需要材料“{key}”", f"no material {key} on this case")
        if key.startswith(EXTRA_PREFIX):
            return _check_extra(s, case, check, st, count, form, note)
        req = _requirements(case)[key]
        check.share_source, check.share_reference, check.due_date = "", "", None
        if st == CheckStatus.PRESENTED:
            n = req.count if count is None else count
            if n < 1:
                raise ValidationError(f"“{check.name}”的份数至少为 1", "count must be at least 1")
            check.count, check.form = n, form or req.form
        elif st == CheckStatus.SHARED:
            if not req.shareable:
                raise ValidationError(f"“{check.name}”不能通过数据共享获取，请申请人提交", "not shareable")
            if not share_reference.strip():
                raise ValidationError(f"请填写“{check.name}”的共享凭证号（电子证照编号或查询流水号）",
                                      "share reference required")
            check.share_source = share_source.strip() or req.first.share_source or "数据共享平台"
            check.share_reference = share_reference.strip()
            check.count = 0
        elif st == CheckStatus.DEFERRED:
            if req.core or not req.deferrable:
                raise ValidationError(f"“{check.name}”是核心材料或不允许容缺，不能容缺受理", "not deferrable")
            if due_date is None:
                raise ValidationError(f"请为容缺材料“{check.name}”填写补交期限", "due date required")
            promised, _, _ = _promised(s, case, today or dt.date.today())
            if due_date > promised:
                raise ValidationError(f"补交期限不能晚于承诺办结日期 {promised:%Y年%m月%d日}", "due date after promised date")
            if due_date < (today or dt.date.today()):
                raise ValidationError("补交期限不能早于今天", "due date in the past")
            check.due_date, check.count = due_date, 0
        else:
            check.count = 0
        check.status = st.value
        check.note = note
        return _info(s, case)


def record_extra_material(db: Database, user: UserInfo, case_id: int, name: str, *, count: int = 1,
                          form: str = "original", note: str = "") -> CaseInfo:
    """登记材料: a document the applicant presented that the catalog does not list — above all
    for a matter whose list is still 材料清单待补充. It is a presented check like any other (it
    prints on the receipt) and stays when the situation changes."""
    from ..catalog_io import FORM_LABELS, material_key

    require_role(user, COUNTER_ROLES, "登记材料")
    name = re.sub(r"\s+", " ", name or "").strip()
    if not name or "\x00" in name:
        raise ValidationError("请填写材料名称", "material name required")
    if len(name) > 200:
        raise ValidationError("材料名称不能超过200个字", "material name too long")
    if form not in FORM_LABELS:
        raise ValidationError(f"材料形式“{form}”应为原件/复印件/原件及复印件/电子件", "bad form")
    if count < 1:
        raise ValidationError(f"“{name}”的份数至少为 1", "count must be at least 1")
    with db.uow() as s:
        case = _get_case(s, case_id)
        if case.state != S.DRAFT:
            raise IllegalTransition("办件已提交，材料核验不能再修改；请走补正或补交容缺材料", "checks are frozen")
        if any(c.name == name for c in case.checks):
            raise ValidationError(f"“{name}”已在材料清单中，请直接核验该项", "material already listed")
        keys = {c.material_key for c in case.checks}
        base = (EXTRA_PREFIX + material_key(name))[:56]
        key, n = base, 2
        while key in keys:
            key, n = f"{base}_{n}", n + 1
        case.checks.append(MaterialCheck(material_key=key, name=name, form=form, count=count, note=note,
                                         status=CheckStatus.PRESENTED.value, position=len(case.checks)))
        s.flush()
        return _info(s, case)


def _check_extra(s: Session, case: Case, check: MaterialCheck, st: CheckStatus, count: int | None,
                 form: str | None, note: str) -> CaseInfo:
    """A recorded material is presented (份数/形式 may change) or, marked missing, taken off."""
    if st == CheckStatus.PRESENTED:
        n = check.count or 1 if count is None else count
        if n < 1:
            raise ValidationError(f"“{check.name}”的份数至少为 1", "count must be at least 1")
        check.count, check.form, check.note = n, form or check.form, note or check.note
    elif st == CheckStatus.MISSING:
        case.checks.remove(check)
    else:
        raise ValidationError(f"“{check.name}”是窗口登记的材料，只能登记为已提交或移除", "extra material: presented only")
    s.flush()
    return _info(s, case)


def _problems_for_acceptance(case: Case) -> list[str]:
    reqs = _requirements(case)
    open_questions = [q for matter, answers in _per_matter(case) for q in unanswered_deciding(matter, answers)]
    missing = [c.name for c in case.checks if _required(reqs, c.material_key)
               and c.status in (CheckStatus.MISSING, CheckStatus.PENDING)]
    problems = []
    if open_questions:
        problems.append("以下情形问题尚未回答，材料清单可能不准确：" + "、".join(open_questions) + "。请先回答情形问题")
    if missing:
        problems.append("以下材料缺少或未核验：" + "、".join(missing) + "。请补齐、容缺或出具一次性告知书")
    deferred = [c for c in case.checks if c.status == CheckStatus.DEFERRED]
    core_open = [c.name for c in case.checks if c.material_key in reqs and reqs[c.material_key].core
                 and c.status not in (CheckStatus.PRESENTED, CheckStatus.SHARED)]
    if deferred and core_open:
        problems.append("核心材料不齐全时不能容缺受理：" + "、".join(core_open))
    empty = forms.missing_required(_form_fields(case), case.form_data or {})
    if empty:
        problems.append("申请表未填写：" + "、".join(f.label for f in empty))
    return problems
