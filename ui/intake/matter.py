"""The matter picker: search the catalog for a matter or 一件事 (F3) and choose one."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QGroupBox, QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout


from ..context import AppContext


class MatterPicker(QGroupBox):
    """Search-as-you-type over matters and 一件事; Enter takes the first hit."""

    chosen = Signal(str, str, str)  # kind, code, name

    def __init__(self, ctx: AppContext) -> None:
        super().__init__("事项 / 一件事")
        self.ctx = ctx
        self.query = QLineEdit()
        self.query.setObjectName("matter_search")
        self.query.setPlaceholderText("输入事项名称、拼音首字母或编码，如 sbk、户籍、出生一件事 (F3)")
        self.results = QListWidget()
        self.results.setObjectName("matter_results")
        # a hit is two lines (name; code and department) that wrap in the column rather than run
        # past its right edge, where the code was not seen at 1366×768
        self.results.setWordWrap(True)
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.selected = QLabel("")
        self.selected.setWordWrap(True)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(60)
        self._timer.timeout.connect(self._search)
        self.query.textChanged.connect(lambda _t: self._timer.start())
        self.query.returnPressed.connect(self._take_first)
        self.results.itemActivated.connect(self._take)
        lay = QVBoxLayout(self)
        lay.addWidget(self.query)
        lay.addWidget(self.results, 1)
        lay.addWidget(self.selected)
        self._generation = 0

    def _search(self) -> None:
        from clerk.catalog import search

        text = self.query.text().strip()
        self._generation += 1
        gen = self._generation
        if not text:
            self.results.clear()
            return
        self.ctx.tasks.run(lambda: search(self.ctx.db, text, limit=30), lambda hits: self._show(gen, hits))

    def search_now(self) -> None:
        self._timer.stop()
        self._search()

    def _show(self, gen: int, hits: list[Any]) -> None:
        if gen != self._generation:
            return  # an older query answered late
        self.results.clear()
        for h in hits:
            tag = "【一件事】" if h.kind == "bundle" else ""
            parent = f"〔{h.parent}〕" if getattr(h, "parent", "") else ""  # the 主项 of a 子项
            # the code first on its line: never the part that wraps away
            item = QListWidgetItem(f"{tag}{h.name}{parent}\n{h.code}  {h.department or ''}".rstrip())
            item.setData(Qt.ItemDataRole.UserRole, (h.kind, h.code, h.name))
            self.results.addItem(item)
        if hits:
            self.results.setCurrentRow(0)

    def _take_first(self) -> None:
        if self._timer.isActive() or self.ctx.tasks.pending:
            # the clerk typed and pressed Enter before the results came: take it when they do
            self._timer.stop()
            self._search()
            QTimer.singleShot(150, self, self._take_first)  # context: no call into a closed view
            return
        item = self.results.currentItem() or self.results.item(0)
        if item is not None:
            self._take(item)

    def _take(self, item: QListWidgetItem) -> None:
        kind, code, name = item.data(Qt.ItemDataRole.UserRole)
        self.selected.setText(f"已选：{name}")
        self.chosen.emit(kind, code, name)

    def clear(self) -> None:
        self.query.clear()
        self.results.clear()
        self.selected.clear()
