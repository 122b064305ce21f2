"""Which materials a situation (情形) asks for: the one place that reads answers.

A material linked to options applies when one of them is chosen; a material with no link
applies always. ``answers`` maps question key → chosen option keys.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .errors import ValidationError
from .models import Matter, MaterialRequirement

Answers = Mapping[str, Sequence[str]]


def normalise_answers(matter: Matter, answers: Answers | None) -> dict[str, list[str]]:
    """Check answers against the matter's questions; unknown keys are refused in Chinese."""
    out: dict[str, list[str]] = {}
    questions = {q.key: q for q in matter.questions}
    for qkey, chosen in (answers or {}).items():
        q = questions.get(qkey)
        if q is None:
            raise ValidationError(f"事项“{matter.name}”没有情形问题“{qkey}”", f"unknown question {qkey}")
        keys = [chosen] if isinstance(chosen, str) else list(chosen)
        valid = {o.key for o in q.options}
        bad = [k for k in keys if k not in valid]
        if bad:
            raise ValidationError(f"“{q.text}”没有选项“{bad[0]}”", f"unknown option {bad[0]} for {qkey}")
        if len(keys) > 1 and not q.multiple:
            raise ValidationError(f"“{q.text}”只能选一项", f"question {qkey} takes one option")
        if keys:
            out[qkey] = keys
    return out


def open_questions(matter: Matter, answers: Answers | None) -> list[str]:
    answered = set((answers or {}).keys())
    return [q.key for q in matter.questions if q.key not in answered]


def unanswered_deciding(matter: Matter, answers: Answers | None) -> list[str]:
    """The texts of the questions still unanswered whose answer decides a material (one of its
    options is linked to a material): until they are answered the checklist may be wrong."""
    answered = {k for k, v in (answers or {}).items() if v}
    return [q.text for q in matter.questions
            if q.key not in answered and any(o.materials for o in q.options)]


def applicable_materials(matter: Matter, answers: Answers | None) -> list[MaterialRequirement]:
    chosen = {(q, o) for q, opts in (answers or {}).items() for o in ([opts] if isinstance(opts, str) else opts)}
    result = []
    for m in matter.materials:
        links = {(o.question.key, o.key) for o in m.options}
        if not links or links & chosen:
            result.append(m)
    return result


@dataclass
class MergedMaterial:
    """One document asked once across several matters (a bundle): the strictest rules win —
    required or core if any matter says so, deferrable or shareable only if all allow it,
    original-and-copy when forms differ, the largest count."""

    first: MaterialRequirement
    required: bool
    core: bool
    deferrable: bool
    shareable: bool
    form: str
    count: int
    matter_codes: list[str] = field(default_factory=list)
    matter_names: list[str] = field(default_factory=list)


def merge_materials(per_matter: Sequence[tuple[Matter, Answers | None]]) -> dict[str, MergedMaterial]:
    merged: dict[str, MergedMaterial] = {}
    for matter, answers in per_matter:
        for m in applicable_materials(matter, answers):
            cur = merged.get(m.key)
            if cur is None:
                merged[m.key] = MergedMaterial(m, m.required, m.core, m.deferrable, m.shareable, m.form, m.count,
                                               [matter.code], [matter.name])
                continue
            if cur.form != m.form:
                cur.form = "both" if {cur.form, m.form} <= {"original", "copy", "both"} else "original"
            cur.count = max(cur.count, m.count)
            cur.required |= m.required
            cur.core |= m.core
            cur.deferrable &= m.deferrable
            cur.shareable &= m.shareable
            cur.matter_codes.append(matter.code)
            cur.matter_names.append(matter.name)
    for cur in merged.values():
        cur.deferrable = cur.deferrable and not cur.core
    return merged
