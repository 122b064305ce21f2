"""The intake screen: identify → choose a matter or 一件事 → answer situations → check every
material → accept / one-time notice / refuse. Keyboard first:

F2 读卡 · F3 搜索事项 · F4 全部材料已提交 · F5 受理 · F6 一次性告知 · F7 不予受理 · F8 叫下一位 ·
F9 新办件 · F11 扫描选中材料 · Ctrl+T 填写申请表

Views here only lay out and forward; services come from ``clerk.cases`` and run on the task
manager, documents from ``ui.documents``.
"""
from __future__ import annotations

from .applicant import ApplicantPanel
from .matter import MatterPicker
from .situation import SituationPanel
from .form import FormPanel
from .checklist import (
    STATUS_ORDER, DeferDialog, AmountDialog, ChecklistTable,
)
from .view import IntakeView

__all__ = [
    "ApplicantPanel", "MatterPicker", "SituationPanel", "FormPanel", "STATUS_ORDER", "DeferDialog", "AmountDialog",
    "ChecklistTable", "IntakeView",
]
