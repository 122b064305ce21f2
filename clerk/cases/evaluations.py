"""好差评: the applicant's evaluation of a case or a visit."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence


from ..db import Database
from ..dto import UserInfo
from ..errors import ValidationError
from ..models import OutboxEntry, local_now
from ._common import _get_case


# --------------------------------------------------------------------------- evaluation

EVALUATION_LEVELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
REASON_TAGS = ("等候时间长", "材料要求不清", "多次跑腿", "服务态度差", "办理时间长", "系统故障", "其他")


def evaluate(db: Database, case_id: int | None, level: int, *, stage: str = "accept",
             reason_tags: Sequence[str] = (), text: str = "", ticket_id: int | None = None,
             user: UserInfo | None = None, now: dt.datetime | None = None) -> int:
    """好差评 from the applicant screen; 不满意/非常不满意 need a reason tag or text."""
    from ..models import Evaluation

    if level not in EVALUATION_LEVELS:
        raise ValidationError("评价等级应为 1–5", "level must be 1..5")
    if stage not in ("accept", "handover"):
        raise ValidationError("评价环节只能是受理或出件", "stage must be accept or handover")
    if level <= 2 and not (list(reason_tags) or text.strip()):
        raise ValidationError("选择“不满意”或“非常不满意”时请选择原因或填写意见", "a reason is required for 1-2")
    unknown = [t for t in reason_tags if t not in REASON_TAGS]
    if unknown:
        raise ValidationError(f"未知的评价原因：{unknown[0]}", "unknown reason tag")
    with db.uow() as s:
        case = _get_case(s, case_id) if case_id is not None else None
        ev = Evaluation(case_id=case.id if case else None, ticket_id=ticket_id, stage=stage, level=level,
                        reason_tags=list(reason_tags), text=text.strip(),
                        window_id=case.window_id if case else None,
                        clerk_id=case.clerk_id if case else (user.id if user else None),
                        created_at=now or local_now())
        s.add(ev)
        s.flush()
        s.add(OutboxEntry(kind="evaluation", entity_uuid=ev.uuid,
                          payload={"case": case.number if case else None, "stage": stage, "level": level,
                                   "tags": list(reason_tags), "text": text.strip()}))
        return ev.id
