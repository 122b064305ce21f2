"""After a card read the intake form shows the ID number masked; 显示 reveals it, and the look
is an audit entry (number masked in it) written before the number appears."""
from __future__ import annotations

from sqlalchemy import select

from clerk.models import AuditEntry
from tests.casefixtures import ZHANG
from tests.ui.test_intake_flow import _choose, _zhang_card, idle


def test_card_number_masked_until_revealed_and_the_reveal_is_audited(qtbot, window, intake_ctx):
    panel = window.intake.applicant
    window.card_read(_zhang_card())
    assert panel.id_number.text() != ZHANG and "*" in panel.id_number.text()
    assert panel.id_number.isReadOnly() and panel.reveal.isVisible()
    _choose(qtbot, window, "城乡居民医保")  # the case is started with the full number all the same
    assert window.intake.case.applicant.id_number_masked == panel.id_number.text()
    panel.reveal.click()
    qtbot.waitUntil(lambda: panel.id_number.text() == ZHANG, timeout=5000)
    idle(qtbot, intake_ctx)
    with intake_ctx.db.uow() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "applicant.reveal_id"))
        assert entry is not None and entry.username == intake_ctx.user.username
        assert entry.detail["where"] == "intake" and ZHANG not in str(entry.detail) and ZHANG not in entry.entity_id
    assert not panel.id_number.isReadOnly() and not panel.reveal.isVisible()
