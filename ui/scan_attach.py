"""Scanning or picking files for the material selected in the intake checklist, and attaching
them to the case (``clerk.attachments``). ``ScanAttachBar`` is the row of buttons under the
checklist: 扫描 (F11) and 从文件附加….

The one rule: nothing scanned is lost. The scanner runs on the device thread and its PDF is
written under ``data_dir/scans/`` before the database is touched; that file is removed only
after the attachment row exists, and every failure names where the PDF is kept.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QWidget

from clerk.attachments import AttachmentInfo, attach, list_attachments
from clerk.db import Database
from clerk.dto import CaseInfo, UserInfo
from clerk.errors import ValidationError

from .context import AppContext

SCAN_DPI = 200          # legible copies of ID cards and forms at a size the 50 MB cap never meets
SCAN_COLOR = "gray"
FILE_FILTER = "PDF 或图片 (*.pdf *.jpg *.jpeg *.png);;所有文件 (*)"


def scans_dir(ctx: AppContext) -> Path:
    return Path(ctx.cfg.data_dir) / "scans"


def scan_to_pdf(url: str, source: str, keep: Path, dpi: int = SCAN_DPI) -> tuple[Path, int]:
    """Device thread: one job on the scanner at ``url``, written as one PDF at ``keep``."""
    from devices.scan_base import ScanSettings, open_scanner, page_count
    from devices.scan_pdf import pages_to_pdf, write_atomic

    pages = open_scanner(url).scan(ScanSettings(source=source, dpi=dpi, color=SCAN_COLOR))  # type: ignore[arg-type]
    write_atomic(keep, pages_to_pdf(pages, color=SCAN_COLOR, dpi=dpi))
    return keep, page_count(pages)


def attach_kept(db: Database, user: UserInfo, files_dir: Path, case_id: int, key: str, filename: str,
                kept: Path, pages: int) -> AttachmentInfo:
    """Task thread: attach the kept scan, then (only then) remove it from ``scans/``."""
    info = attach(db, user, files_dir, case_id, key, filename, kept.read_bytes(), pages)
    kept.unlink(missing_ok=True)
    return info


def attach_path(db: Database, user: UserInfo, files_dir: Path, case_id: int, key: str,
                path: Path) -> AttachmentInfo:
    """Task thread: a PDF/JPEG/PNG the clerk picked; the page count comes from the PDF itself."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"无法读取文件：{path.name}（{exc.strerror or exc}）",
                              f"cannot read {path}: {exc}") from exc
    pages = 1
    if data.startswith(b"%PDF-"):
        from devices.scan_pdf import pdf_page_count

        pages = pdf_page_count(data, path.name)
    return attach(db, user, files_dir, case_id, key, path.name, data, pages)


def attachment_counts(db: Database, case_id: int) -> dict[str, int]:
    return dict(Counter(a.material_key for a in list_attachments(db, case_id)))


class ScanAttachBar(QWidget):
    """Buttons under the checklist. ``intake`` is the IntakeView: its ``case``, ``checklist`` and
    ``say``; ``hub`` (the DeviceHub, set by the main window) gives the scanner URL and thread."""

    attached = Signal(object)   # AttachmentInfo

    def __init__(self, ctx: AppContext, intake: Any) -> None:
        super().__init__()
        self.ctx = ctx
        self.intake = intake
        self.hub: Any = None
        self.case_id: int | None = None
        self.scan_button = QPushButton("扫描选中材料 (F11)")
        self.scan_button.setObjectName("btn_scan")
        self.file_button = QPushButton("从文件附加…")
        self.file_button.setObjectName("btn_attach_file")
        self.scan_button.clicked.connect(self.scan)
        self.file_button.clicked.connect(self.attach_file)
        self.hint = hint = QLabel("先在上表选中一项材料")
        hint.setProperty("role", "hint")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.scan_button)
        lay.addWidget(self.file_button)
        lay.addWidget(hint, 1)
        QShortcut(QKeySequence("F11"), intake, activated=self.scan)

    def selection_changed(self, name: str) -> None:
        """The hint says what F11 will scan onto, or what to do first."""
        self.hint.setText(f"F11 扫描到：{name}" if name else "先在上表选中一项材料")

    # ----------------------------------------------------------------- target
    def target(self) -> tuple[int, str, str] | None:
        """(case id, material key, material name) of the selected row, or None after saying why."""
        case: CaseInfo | None = self.intake.case
        if case is None:
            self.intake.say("请先选择事项，再扫描材料", error=True)
            return None
        row = self.intake.checklist.currentRow()
        item = self.intake.checklist.item(row, 0) if row >= 0 else None
        if item is None:
            self.intake.say("请先在材料列表中选中要附加的材料", error=True)
            return None
        key = item.data(Qt.ItemDataRole.UserRole)
        name = next((c.name for c in case.checks if c.key == key), key)
        return case.id, key, name

    # ----------------------------------------------------------------- scan
    def scan(self) -> None:
        if not self.scan_button.isEnabled():
            return   # a job is running; a second F11 must not start another on the same scanner
        target = self.target()
        if target is None:
            return
        settings = self.hub.settings if self.hub is not None else {}
        url = settings.get("scanner", "")
        if not url:
            self.intake.say("未配置扫描仪，请在“设置 → 设备”中填写扫描仪地址，或用“从文件附加…”", error=True)
            return
        case_id, key, name = target
        source = settings.get("scan_source") or "flatbed"
        keep = scans_dir(self.ctx) / f"{case_id}-{key}-{dt.datetime.now():%Y%m%d-%H%M%S-%f}.pdf"
        self.scan_button.setEnabled(False)
        self.intake.say(f"正在扫描“{name}”（{'进纸器' if source == 'feeder' else '平板'}）…")
        self.hub.call(lambda: scan_to_pdf(url, source, keep),
                      lambda result: self._scanned(target, *result), self._scan_failed)

    def _scan_failed(self, msg: str) -> None:
        if shiboken6.isValid(self):
            self.scan_button.setEnabled(True)
            self.intake.say(f"扫描失败：{msg}", error=True)

    def _scanned(self, target: tuple[int, str, str], kept: Path, pages: int) -> None:
        case_id, key, name = target
        user, db, files = self.ctx.user, self.ctx.db, self.ctx.cfg.files_dir
        self.ctx.tasks.run(lambda: attach_kept(db, user, files, case_id, key, f"{name}.pdf", kept, pages),
                           self._attached,
                           lambda msg: self._attach_failed(f"{msg}（扫描件已保存在 {kept}，可用“从文件附加…”重新附加）"))

    # ----------------------------------------------------------------- file
    def attach_file(self) -> None:
        target = self.target()
        if target is None:
            return
        chosen, _filter = QFileDialog.getOpenFileName(self, f"选择要附加到“{target[2]}”的文件", "", FILE_FILTER)
        if not chosen:
            return
        case_id, key, _name = target
        user, db, files = self.ctx.user, self.ctx.db, self.ctx.cfg.files_dir
        self.file_button.setEnabled(False)
        self.ctx.tasks.run(lambda: attach_path(db, user, files, case_id, key, Path(chosen)),
                           self._attached, self._attach_failed)

    # ----------------------------------------------------------------- results
    def _attach_failed(self, msg: str) -> None:
        if shiboken6.isValid(self):
            self.scan_button.setEnabled(True)
            self.file_button.setEnabled(True)
            self.intake.say(f"附加失败：{msg}", error=True)

    def _attached(self, info: AttachmentInfo) -> None:
        if not shiboken6.isValid(self):
            return
        self.scan_button.setEnabled(True)
        self.file_button.setEnabled(True)
        self.intake.say(f"已附加“{info.filename}”，共 {info.pages} 页")
        self.attached.emit(info)
        self._reload_counts()

    def case_changed(self, case: CaseInfo | None) -> None:
        """The intake shows another case (or a new version of it): counts follow the case."""
        case_id = case.id if case is not None else None
        if case_id == self.case_id:
            return
        self.case_id = case_id
        self.intake.checklist.attachment_counts = {}
        if case_id is not None:
            self._reload_counts()

    def _reload_counts(self) -> None:
        case_id = self.case_id
        if case_id is None:
            return

        def shown(counts: dict[str, int]) -> None:
            if shiboken6.isValid(self) and case_id == self.case_id:
                table = self.intake.checklist
                row = table.currentRow()
                table.attachment_counts = counts
                self.intake._refresh()
                if row >= 0:   # redrawing the rows must not lose the clerk's place
                    table.setCurrentCell(row, 0)

        self.ctx.tasks.run(lambda: attachment_counts(self.ctx.db, case_id), shown,
                           lambda msg: self.intake.say(msg, error=True))
