"""导入事项目录 in the app (系统管理员 and 中心管理员): choose a published list (.xlsx/.csv) or a
catalog file (.json), watch a progress bar while it is read, checked and written on a worker
thread (``TaskManager``), then read what was imported — or every bad row, with nothing changed.

The worker holds no widget: it reports through ``CatalogImporter.progress``, a signal of a plain
QObject that lives on the GUI thread as long as the main window, so its emits are queued there."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog, QWidget

from .context import AppContext

IMPORT_ROLES = ("admin", "manager")  # 系统管理员, 中心管理员 (clerk.models.Role)
# the share of the bar each stage takes: reading and writing dominate
_SPAN = {"read": (0, 45), "check": (45, 55), "index": (55, 70), "write": (70, 99), "done": (100, 100)}


def can_import(ctx: AppContext) -> bool:
    return ctx.user is not None and ctx.user.role in IMPORT_ROLES


def summary(report: Any) -> str:
    """The report in the words the CLI uses."""
    lines = [f"已导入 {report.matters} 个事项（新增 {report.matters_created}，更新 {report.matters_updated}），"
             f"{report.bundles} 个一件事；目录版本 {report.version}。"]
    if report.matters_deactivated or report.matters_removed or report.bundles_removed:
        lines.append(f"停用 {report.matters_deactivated} 个、删除 {report.matters_removed} 个事项，"
                     f"删除 {report.bundles_removed} 个一件事。")
    if report.materials_pending:
        lines.append(f"{report.materials_pending} 个事项未列申请材料，指南和受理时标注“材料清单待补充”。")
    if report.unknown_columns:
        lines.append("未识别的列已作为指南“其他信息”保存：" + "、".join(report.unknown_columns))
    return "\n".join(lines)


class CatalogImporter(QObject):
    progress = Signal(str, int, int)   # stage, done, total (from the worker thread, queued here)
    finished = Signal(object)          # ImportReport
    failed = Signal(str, list)         # Chinese message, every bad row's message

    def __init__(self, ctx: AppContext, parent: QWidget) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.window = parent
        self.dialog: QProgressDialog | None = None
        self.running = False
        self.progress.connect(self._progress)

    def choose_and_start(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "导入事项目录", "",
                                              "事项目录 (*.xlsx *.csv *.json);;所有文件 (*)")
        if path:
            self.start(Path(path))

    def start(self, path: Path, *, replace: bool = False, quiet: bool = False) -> bool:
        """Import ``path`` in the background; ``quiet`` shows no message box at the end (tests)."""
        from clerk.catalog import CatalogImportError, import_catalog

        if self.running:
            return False
        self.running, self.quiet = True, quiet
        dlg = QProgressDialog(f"正在导入“{path.name}”…", "", 0, 100, self.window)
        dlg.setObjectName("catalog_import_progress")
        dlg.setWindowTitle("导入事项目录")
        dlg.setCancelButton(None)  # all or nothing: there is no half-way to stop at
        dlg.setWindowModality(Qt.WindowModality.WindowModal)
        dlg.setMinimumDuration(0)
        dlg.setAutoClose(False)
        dlg.setAutoReset(False)
        dlg.setValue(0)
        self.dialog = dlg
        db, emit = self.ctx.db, self.progress.emit  # no widget goes to the worker
        user, ws = self.ctx.user, self.ctx.workstation

        def work() -> tuple[str, Any]:
            try:
                return "ok", import_catalog(db, path, replace=replace, user=user, workstation=ws, progress=emit)
            except CatalogImportError as err:
                return "bad", (err.message, [m for _row, m in err.report.errors])

        self.ctx.tasks.run(work, self._done, lambda msg: self._failed(msg, []))
        return True

    def _progress(self, stage: str, done: int, total: int) -> None:
        from clerk.catalog import STAGE_LABELS

        dlg = self.dialog
        if dlg is None:
            return
        lo, hi = _SPAN.get(stage, (0, 99))
        count = f" {done}/{total}" if total else ""
        dlg.setLabelText(f"{STAGE_LABELS.get(stage, stage)}{count}")
        # last: a modal dialog's setValue processes events, and the import may finish in there
        dlg.setValue(lo + ((hi - lo) * done // total if total else 0))

    def _close_dialog(self) -> None:
        self.running = False
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None

    def _done(self, result: tuple[str, Any]) -> None:
        kind, value = result
        if kind == "bad":
            self._failed(*value)
            return
        if self.dialog is not None:
            self.dialog.setValue(100)
        self._close_dialog()
        self.finished.emit(value)
        if not self.quiet:
            QMessageBox.information(self.window, "导入完成", summary(value))

    def _failed(self, message: str, rows: list[str]) -> None:
        self._close_dialog()
        self.failed.emit(message, rows)
        if not self.quiet:
            box = QMessageBox(QMessageBox.Icon.Warning, "未导入", message, parent=self.window)
            if rows:
                box.setDetailedText("\n".join(rows))
            box.exec()
