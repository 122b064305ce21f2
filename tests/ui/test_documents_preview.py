"""A4 documents at the counter: with a printer set they print without a dialog in the clerk's
way; without one the preview opens, and its 打印… draws the real pages on a printer (here Qt's
PDF printer, read back: the QR code on the printed page is the case number)."""
from __future__ import annotations

import os
import stat
import sys
import textwrap
from pathlib import Path

import pytest

from tests.pdftools import decode_codes, pdf_to_pngs
from tests.ui.test_documents_receipt import _accepted, ctx  # noqa: F401 - fixture
from clerk.device_settings import save_device_settings
from ui.documents import DocumentService, PdfPreview


def _fake_lp(folder: Path) -> Path:
    folder.mkdir()
    lp = folder / "lp"
    lp.write_text(textwrap.dedent(f"""\
        #!{sys.executable}
        import sys
        open({str(folder / 'job.pdf')!r}, 'wb').write(sys.stdin.buffer.read())
        print("request id is HP-A4-7 (1 file(s))")
        """), encoding="utf-8")
    lp.chmod(lp.stat().st_mode | stat.S_IEXEC)
    return folder


def _produce(qtbot, docs, case, kind="receipt"):
    said = []
    docs.produced.connect(lambda k, path, what: said.append((path, what)))
    docs.failed.connect(lambda m: said.append(("", m)))
    docs.produce(case, kind)
    qtbot.waitUntil(lambda: bool(said), timeout=20_000)
    return said[0]


@pytest.mark.skipif(sys.platform == "win32", reason="fake lp is a POSIX script")
def test_with_an_a4_printer_the_document_prints_and_no_preview_stops_the_clerk(qtbot, ctx, tmp_path, monkeypatch):  # noqa: F811
    bin_dir = _fake_lp(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    save_device_settings(ctx.db, {"a4_printer": "HP-A4"}, ctx.workstation)
    docs = DocumentService(ctx, preview=True)
    previews = []
    monkeypatch.setattr(docs, "show_preview", lambda path, kind: previews.append(kind))
    path, what = _produce(qtbot, docs, _accepted(ctx))
    assert what.startswith("已发送到打印机 HP-A4") and previews == []
    assert (bin_dir / "job.pdf").read_bytes() == Path(path).read_bytes()


def test_without_a_printer_the_preview_opens(qtbot, ctx, monkeypatch):  # noqa: F811
    docs = DocumentService(ctx, preview=True)
    previews = []
    monkeypatch.setattr(docs, "show_preview", lambda path, kind: previews.append((Path(path).name, kind)))
    case = _accepted(ctx)
    path, what = _produce(qtbot, docs, case)
    assert what == f"已保存 {case.number}-receipt.pdf"
    assert previews == [(f"{case.number}-receipt.pdf", "receipt")]


def test_preview_prints_the_real_pages(qtbot, ctx, tmp_path, monkeypatch):  # noqa: F811
    from PySide6.QtPrintSupport import QPrinter

    docs = DocumentService(ctx, preview=False)
    case = _accepted(ctx)
    path, _what = _produce(qtbot, docs, case)
    preview = PdfPreview(path, "受理回执")
    qtbot.addWidget(preview)
    assert preview.print_button.isEnabled()
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert preview.print_to(printer) == preview.doc.pageCount() >= 1
    pages = pdf_to_pngs((tmp_path / "printed.pdf").read_bytes(), tmp_path / "png", dpi=100)
    assert len(pages) == preview.doc.pageCount()
    assert ("QRCODE", case.number) in decode_codes(pages[0])
