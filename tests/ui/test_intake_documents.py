"""Decisions taken on the intake screen, read back from the PDFs the app saved: a bundle gives
one receipt for its matter cases; every document's QR code carries the case number."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog

from clerk import cases
from tests.pdftools import decode_codes, pdf_text, pdf_to_pngs
from tests.ui.test_intake_flow import _choose, _zhang_card, idle


def _produced(window):
    out: list[tuple[str, str]] = []
    window.documents.produced.connect(lambda kind, path, _w: out.append((kind, path)))
    return out


def _qr_payloads(path: str, tmp_path: Path) -> list[str]:
    pngs = pdf_to_pngs(Path(path).read_bytes(), tmp_path)
    return [data for png in pngs for kind, data in decode_codes(png) if kind == "QRCODE"]


def test_bundle_accepted_at_the_window_gives_one_receipt_and_a_case_per_matter(qtbot, window, intake_ctx, tmp_path,
                                                                              answer_questions):
    window.card_read(_zhang_card())
    _choose(qtbot, window, "出生一件事")
    qtbot.waitUntil(lambda: bool(window.intake.situation.unanswered()), timeout=5000)
    answer_questions(window.intake)
    idle(qtbot, intake_ctx)
    produced = _produced(window)
    qtbot.keyClick(window.intake, Qt.Key.Key_F4)
    qtbot.waitUntil(lambda: all(c.status == "presented" for c in window.intake.case.checks), timeout=5000)
    idle(qtbot, intake_ctx)
    qtbot.keyClick(window.intake, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: bool(produced), timeout=10_000)
    idle(qtbot, intake_ctx)
    bundle = cases.get_case(intake_ctx.db, window.intake.case.id)
    assert bundle.state == "accepted" and bundle.bundle_code == "B-BIRTH"
    assert sorted(ch.matter_name for ch in bundle.children) == ["出生登记", "城乡居民医保参保登记"]
    assert all(ch.state == "accepted" and ch.parent_number == bundle.number for ch in bundle.children)
    assert {ch.department for ch in bundle.children} == {"象山县公安局", "象山县医疗保障局"}
    assert [k for k, _ in produced] == ["receipt"]  # one receipt for the applicant
    text = pdf_text(Path(produced[0][1]).read_bytes())
    assert bundle.number in text and "出生一件事" in text and "出生登记" in text and "城乡居民医保参保登记" in text
    assert _qr_payloads(produced[0][1], tmp_path) == [bundle.number]


def test_notice_and_refusal_pdfs_carry_the_case_number_in_their_qr(qtbot, window, intake_ctx, tmp_path, monkeypatch):
    window.card_read(_zhang_card())
    _choose(qtbot, window, "城乡居民医保")
    produced = _produced(window)
    qtbot.keyClick(window.intake, Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: bool(produced), timeout=10_000)
    notice_number = window.intake.case.number
    assert _qr_payloads(produced[0][1], tmp_path / "n") == [notice_number]

    window.intake.new_case(ask=False)
    window.card_read(_zhang_card())
    _choose(qtbot, window, "M-YIBAO")
    monkeypatch.setattr(QInputDialog, "getMultiLineText", staticmethod(lambda *a, **k: ("不属于本县受理范围", True)))
    qtbot.keyClick(window.intake, Qt.Key.Key_F7)
    qtbot.waitUntil(lambda: len(produced) == 2, timeout=10_000)
    refused = window.intake.case.number
    assert produced[1][0] == "refusal" and refused != notice_number
    assert _qr_payloads(produced[1][1], tmp_path / "r") == [refused]
