"""Producing a case's documents: render (printing/), keep a copy in the data folder, then
print to the configured A4 printer or show the preview. Rendering runs off the GUI thread; the
receipt slip goes to the ESC/POS printer through the one device thread
(``ctx.tasks.device_worker``), like every other device I/O."""
from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from clerk.dto import CaseInfo
from clerk.bootstrap import hall_summary

from .context import AppContext
from .screens import fit_window
from clerk.device_settings import load_device_settings, paper_width

@dataclass(frozen=True)
class Produced:
    """What became of one document: ``printed`` says whether paper came out (or was sent to a
    printer), so the preview opens only when it did not — decided on this flag, not on the text."""
    kind: str
    path: str
    what: str          # the Chinese line for the status bar
    printed: bool


TITLES = {"receipt": "受理回执", "notice": "一次性告知书", "deferral": "容缺受理承诺书", "refusal": "不予受理通知书",
          "supplement": "补正材料通知书"}


class DocumentService(QObject):
    produced = Signal(str, str, str)  # kind, pdf path, what happened (printed to … / saved)
    failed = Signal(str)

    def __init__(self, ctx: AppContext, preview: bool = True, *, worker: Any = None) -> None:
        """``worker``: the device thread to print slips on; by default the context's one
        (``ctx.tasks.device_worker``)."""
        super().__init__()
        self.ctx = ctx
        self.preview = preview
        self.worker = worker

    def device_worker(self) -> Any:
        return self.worker if self.worker is not None else self.ctx.tasks.device_worker

    def close(self) -> None:
        """Nothing to stop: the device thread belongs to the context."""

    def warm(self) -> int | None:
        """After sign-in: load what the first receipt needs (reportlab, the Chinese font, the
        barcode; the slip renderer when a receipt printer is set) on a worker, so the clerk's
        first receipt costs what every later one does. The work holds no widget: only the
        database and the workstation name. Returns the job id."""
        db, workstation = self.ctx.db, self.ctx.workstation

        def work() -> float:
            from printing.warm import warm

            thermal = bool(load_device_settings(db, workstation).get("receipt_printer", ""))
            return warm(slip=thermal)

        return self.ctx.tasks.run(work, lambda _ms: None, lambda _m: None, owner=self)

    def folder(self) -> Path:
        return self.ctx.cfg.data_dir / "documents"

    def _hall_and_printer(self):
        from printing.data import HallInfo

        devices = load_device_settings(self.ctx.db, self.ctx.workstation)
        hall = hall_summary(self.ctx.db, self.ctx.cfg.hall_code)
        info = HallInfo(name=hall.name, address=hall.address, phone=hall.phone)
        return (info, devices.get("a4_printer", ""), devices.get("receipt_printer", ""),
                paper_width(devices, "receipt_printer"))

    def produce(self, case: CaseInfo, kind: str) -> None:
        def work() -> Produced:
            from printing.casedocs import render_case_document
            from printing.system_print import print_pdf, save_pdf

            hall, printer, thermal, width = self._hall_and_printer()
            legal = ""
            if kind == "refusal" and case.matter_code:
                from clerk.catalog import get_guide

                legal = get_guide(self.ctx.db, case.matter_code).legal_basis
            pdf = render_case_document(case, kind, hall, legal_basis=legal)
            path = self.folder() / f"{case.number}-{kind}.pdf"
            save_pdf(pdf, path)
            if thermal and kind == "receipt":
                printed, what = self._thermal_receipt(case, hall, thermal, width)
                return Produced(kind, str(path), what, printed)
            if printer:
                job = print_pdf(pdf, printer)
                return Produced(kind, str(path), f"已发送到打印机 {printer}（{job}）", True)
            return Produced(kind, str(path), f"已保存 {path.name}", False)  # the preview offers 打印…

        self.ctx.tasks.run(work, self._done, self.failed.emit, owner=self)

    def _thermal_receipt(self, case: CaseInfo, hall, url: str, width_mm: int = 80) -> tuple[bool, str]:
        """The receipt slip on the counter's ESC/POS printer; the A4 PDF is kept either way.
        Called on a task thread: the slip is rendered here and sent on the device thread."""
        from clerk.errors import ClerkError
        from devices.escpos_printer import PrintSpool, print_job
        from printing.casedocs import receipt_data
        from printing.slip import render_receipt_slip

        data = render_receipt_slip(receipt_data(case, hall), width_mm)
        spool = PrintSpool(self.ctx.cfg.data_dir / "spool")
        fut: Future[Any] = self.device_worker().submit(print_job, url, data, spool, title=f"回执 {case.number}")
        try:
            fut.result()
        except ClerkError as exc:
            return False, f"回执小票未打印：{exc.message}（A4 回执已保存，可重打）"
        return True, f"回执小票已打印（{url}）"

    def _done(self, result: Produced) -> None:
        self.produced.emit(result.kind, result.path, result.what)
        # A fast counter with a printer set is not stopped by a dialog; without one the preview
        # is where the clerk prints (and it can always be reopened from the case list).
        if self.preview and not result.printed:
            self.show_preview(result.path, result.kind)

    def show_preview(self, path: str, kind: str) -> None:
        PdfPreview(path, TITLES.get(kind, kind)).exec()


class PdfPreview(QDialog):
    """Print preview: the real PDF as it will print (QtPdf), with 打印… through the system's print
    dialog (CUPS on Linux, the Windows spooler on Windows) — pages drawn at the printer's
    resolution — and 关闭."""

    def __init__(self, path: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"打印预览 — {title}")
        fit_window(self, 820, 1000)  # 打印/关闭 stay on screen at 1366×768
        self.path = path
        self.doc: Any = None
        lay = QVBoxLayout(self)
        try:
            from PySide6.QtPdf import QPdfDocument
            from PySide6.QtPdfWidgets import QPdfView

            self.doc = QPdfDocument(self)
            self.doc.load(path)
            view = QPdfView(self)
            view.setPageMode(QPdfView.PageMode.MultiPage)
            view.setDocument(self.doc)
            lay.addWidget(view)
        except ImportError:
            lay.addWidget(QLabel(f"预览组件不可用，文件已保存：{path}"))
        self.message = QLabel("")
        self.message.setObjectName("preview_message")
        lay.addWidget(self.message)
        row = QHBoxLayout()
        row.addStretch(1)
        self.print_button = QPushButton("打印… Ctrl+P")
        self.print_button.setObjectName("preview_print")
        self.print_button.setShortcut("Ctrl+P")
        self.print_button.setEnabled(self.doc is not None and self.doc.pageCount() > 0)
        self.print_button.clicked.connect(self.print_with_dialog)
        close = QPushButton("关闭 Esc")
        close.clicked.connect(self.reject)
        row.addWidget(self.print_button)
        row.addWidget(close)
        lay.addLayout(row)

    def print_with_dialog(self) -> None:
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        if QPrintDialog(printer, self).exec() != QDialog.DialogCode.Accepted:
            return
        pages = self.print_to(printer)
        self.message.setText(f"已发送 {pages} 页到打印机 {printer.printerName() or printer.outputFileName()}")

    def print_to(self, printer: Any) -> int:
        """Draw every page on ``printer`` (a QPrinter), scaled to its printable area."""
        from PySide6.QtCore import QSize
        from PySide6.QtGui import QPainter

        painter = QPainter()
        if not painter.begin(printer):
            self.message.setText("无法开始打印：打印机不可用，文件已保存，可稍后重打")
            return 0
        try:
            area = printer.pageLayout().paintRectPixels(printer.resolution())
            for i in range(self.doc.pageCount()):
                if i:
                    printer.newPage()
                pts = self.doc.pagePointSize(i)
                scale = min(area.width() / pts.width(), area.height() / pts.height())
                size = QSize(int(pts.width() * scale), int(pts.height() * scale))
                painter.drawImage(0, 0, self.doc.render(i, size))
            return self.doc.pageCount()
        finally:
            painter.end()
