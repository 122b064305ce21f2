"""What a case requires: the materials merged from its matters and answers (the checklist rows
built from them) and the 申请表 fields."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy.orm import Session

from .. import forms
from ..models import Applicant, Case, CheckStatus, Matter, MaterialCheck, MaterialRequirement
from ..situations import MergedMaterial, merge_materials
from ..dto import FORM_LABELS
from ._common import _answers


CHECK_LABELS = {CheckStatus.PRESENTED: "已提交", CheckStatus.SHARED: "共享获取", CheckStatus.DEFERRED: "容缺",
                CheckStatus.MISSING: "缺少", CheckStatus.PENDING: "未核验"}


def _requirement_text(m: MaterialRequirement) -> str:
    parts = [FORM_LABELS.get(m.form, m.form), f"{m.count} 份"]
    if m.notes:
        parts.append(m.notes)
    return "，".join(parts)


def _build_checks(s: Session, case: Case, per_matter: Sequence[tuple[Matter, Mapping[str, Sequence[str]]]]) -> None:
    """(Re)build the checklist: one row per material key; keeps the status of keys that remain."""
    old = {c.material_key: c for c in case.checks}
    wanted = merge_materials(per_matter)
    for key, stale in old.items():
        if key not in wanted and not key.startswith(EXTRA_PREFIX):  # what the clerk recorded stays
            case.checks.remove(stale)
    for pos, (key, merged) in enumerate(wanted.items()):
        check = old.get(key)
        if check is None:
            m = merged.first
            check = MaterialCheck(material_key=key, name=m.name, form=merged.form, count=0,
                                  status=CheckStatus.PENDING.value, share_source=m.share_source)
            case.checks.append(check)
        check.material_id = merged.first.id
        check.position = pos
    s.flush()


def _requirements(case: Case) -> dict[str, MergedMaterial]:
    return merge_materials(_per_matter(case))


def _required(reqs: Mapping[str, MergedMaterial], key: str) -> bool:
    return reqs[key].required if key in reqs else True


def _per_matter(case: Case) -> list[tuple[Matter, Mapping[str, Sequence[str]]]]:
    if case.matter is not None:
        return [(case.matter, _answers(case))]
    return [(c.matter, _answers(c)) for c in case.children if c.matter is not None]


def _form_fields(case: Case) -> tuple[forms.FormField, ...]:
    """The 申请表 of the case: its matter's fields, or for a bundle case the union of its matters'
    fields, one per key (like a shared material)."""
    if case.matter is not None:
        return forms.from_records(case.matter.form_fields)
    return forms.merge_fields([(c.matter.name, forms.from_records(c.matter.form_fields))
                               for c in case.children if c.matter is not None])


def _prefill_form(case: Case, applicant: Applicant) -> None:
    """Phone fields still empty take the applicant's phone: the clerk types it once."""
    if not applicant.phone:
        return
    values = dict(case.form_data or {})
    for f in _form_fields(case):
        if f.type == "phone" and not values.get(f.key):
            values[f.key] = applicant.phone
    if values != (case.form_data or {}):
        case.form_data = values


EXTRA_PREFIX = "extra_"  # a material the clerk recorded that the catalog does not list
