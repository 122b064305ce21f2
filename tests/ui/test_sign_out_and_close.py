"""注销/切换用户 and closing the window: with a draft open the clerk is asked first; closing takes
the applicant screen with it (nothing keeps the app running without a clerk window)."""
from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from tests.ui.test_intake_flow import _choose, _zhang_card


def _answer(monkeypatch, *answers):
    asked, queue = [], list(answers)

    def question(_parent, title, text, *a):
        asked.append((title, text))
        return queue.pop(0)

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return asked


def test_closing_with_a_draft_asks_and_no_keeps_the_window(qtbot, window, monkeypatch):
    window.card_read(_zhang_card())
    _choose(qtbot, window, "城乡居民医保")
    window.screen2.show()
    asked = _answer(monkeypatch, QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes)
    closed = []
    window.closed.connect(closed.append)
    window.close()
    assert window.isVisible() and not closed and "尚未受理" in asked[0][1]
    window.close()
    assert closed == [False] and not window.isVisible() and not window.screen2.isVisible()


def test_sign_out_closes_the_window_for_the_sign_in_dialog(qtbot, window, monkeypatch):
    asked = _answer(monkeypatch)
    with qtbot.waitSignal(window.closed, timeout=5000) as signal:
        window.findChild(type(window.menuBar().actions()[0]), "act_sign_out").trigger()
    assert signal.args == [True] and not asked  # nothing open: nothing to ask
