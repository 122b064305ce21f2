"""Run in a child process under an offscreen platform with a 1366×728 screen (a 1366×768 counter PC
with its taskbar): open the main window as a clerk or an agent, with the app's style and font, and
print as JSON every table cell whose text the view would elide — the cell's own delegate asked
for the size its text needs within the cell's rectangle.

Usage: python -m tests.ui.elision_probe DATA_DIR ROLE"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

# matter names from the demo catalog's longest to a short one, and a bundle
LONG_NAMES = ("国有建设用地使用权及房屋所有权转移登记（存量房买卖）", "户口登记项目变更更正（姓名、出生日期、民族）",
              "80周岁以上老年人高龄津贴申领", "社会保障卡申领")


def cut(view: Any, index: Any, rect: Any) -> dict[str, Any] | None:
    """How Qt's item views decide to draw "…" (``QCommonStyle``'s item text drawing): the text is
    laid out in the cell less the style's text margins, word-wrapped when the view wraps; a line
    wider than that, or more lines than the cell's height holds, is elided. None when it is whole."""
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QTextLayout, QTextOption
    from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    option.rect = rect
    view.model().data(index)   # the text and the font the delegate would use
    option.text = str(index.data())
    font = index.data(0x6) or option.font   # Qt.FontRole
    margin = view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, option, view) + 1
    width = rect.width() - 2 * margin
    wrap = bool(option.features & QStyleOptionViewItem.ViewItemFeature.WrapText)
    text = option.text.replace("\n", "\u2028")
    layout = QTextLayout(text, font)
    text_option = QTextOption()
    text_option.setWrapMode(QTextOption.WrapMode.WordWrap if wrap else QTextOption.WrapMode.ManualWrap)
    layout.setTextOption(text_option)
    layout.beginLayout()
    height, widest = 0.0, 0.0
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        line.setPosition(QPointF(0, height))
        height += line.height()
        widest = max(widest, line.naturalTextWidth())
    layout.endLayout()
    if widest > width or height > rect.height() + 0.5:
        return {"text": option.text, "need": [round(widest + 2 * margin, 1), round(height, 1)],
                "has": [rect.width(), rect.height()]}
    return None


def elided_cells(table: Any) -> list[dict[str, Any]]:
    """Cells of ``table`` (a QTableView/QTableWidget) whose text Qt would draw cut."""
    model, out = table.model(), []
    for row in range(model.rowCount()):
        for col in range(model.columnCount()):
            index = model.index(row, col)
            if table.isColumnHidden(col) or not index.data():
                continue
            found = cut(table, index, table.visualRect(index))
            if found:
                out.append({"row": row, "col": col, **found})
    return out


def elided_items(view: Any) -> list[dict[str, Any]]:
    """Rows of a list view (``QListWidget``) whose text is cut ("…") or runs past the right edge
    of the viewport (a list scrolls sideways rather than eliding: the end of the line, where the
    code was, is not seen)."""
    model, out = view.model(), []
    right = view.viewport().width()
    for row in range(model.rowCount()):
        index = model.index(row, 0)
        rect = view.visualRect(index)
        rect.setRight(min(rect.right(), right - 1))   # what the viewport shows of the row
        found = cut(view, index, rect)
        if found:
            out.append({"row": row, **found})
    return out


def main(data_dir: str, role: str) -> None:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from ui.style import apply_style

    apply_style(app)   # the app's font and style sheet, as ui/app.py sets them
    from clerk import cases
    from clerk.config import Config
    from clerk.db import Database
    from clerk.migrate import upgrade
    from clerk.models import MaterialRequirement, Matter
    from tests.casefixtures import clerk_user, make_catalog, zhang
    from ui.context import AppContext
    from ui.documents import DocumentService
    from ui.main_window import MainWindow
    from ui.taskman import TaskManager

    url = f"sqlite:///{Path(data_dir) / 'clerk.sqlite3'}"
    upgrade(url)
    db = Database(url)
    make_catalog(db)
    with db.uow() as s:
        for i, name in enumerate(LONG_NAMES):
            m = Matter(code=f"330225-LONG-{i:02d}", name=name, department="象山县自然资源和规划局",
                       kind="committed", promised_days=3, statutory_days=20)
            m.materials.append(MaterialRequirement(key="id_card", name="居民身份证", form="original", core=True))
            s.add(m)
    user = clerk_user(db, role)
    for i in range(len(LONG_NAMES)):
        case = cases.start_case(db, user, zhang(), matter_code=f"330225-LONG-{i:02d}")
        for c in case.checks:
            cases.check_material(db, user, case.id, c.key, "presented")
        cases.accept_case(db, user, case.id)
    ctx = AppContext(cfg=Config(data_dir=Path(data_dir), database_url=url), db=db, tasks=TaskManager(),
                     user=user, window_number=3)
    win = MainWindow(ctx, documents=DocumentService(ctx, preview=False))
    win.show()

    def settle(until: Any, seconds: float = 30.0) -> None:
        end = time.monotonic() + seconds
        while not until() and time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)
        for _ in range(10):
            app.processEvents()

    # 受理: a search whose hits carry long names, departments and codes
    picker = win.intake.picker
    picker.query.setText("登记")
    picker.search_now()
    settle(lambda: picker.results.count() >= 3)
    search_shot = Path(data_dir) / f"search-{role}.png"
    win.grab().save(str(search_shot))
    search = {"rows": picker.results.count(), "elided": elided_items(picker.results),
              "texts": [picker.results.item(r).text() for r in range(picker.results.count())]}

    view = win.cases
    win.tabs.setCurrentWidget(view)
    view.view.setCurrentIndex(view.view.findData("all"))
    settle(lambda: view.model.rowCount() >= len(LONG_NAMES))
    shot = Path(data_dir) / f"caselist-{role}.png"
    win.grab().save(str(shot))
    report = {"screen": list(win.screen().availableGeometry().getRect()), "frame": list(win.frameGeometry().getRect()),
              "caselist": {"rows": view.model.rowCount(), "elided": elided_cells(view.table),
                           "matters": [view.model.index(r, 1).data() for r in range(view.model.rowCount())]},
              "search": search, "screenshots": [str(search_shot), str(shot)]}
    win.sync.close()
    ctx.tasks.shutdown()
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
