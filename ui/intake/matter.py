"""The matter picker: search the catalog for a matter or 一件事 (F3) and choose one."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGroupBox, QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout


from ..context import AppContext


class MatterPicker(QGroupBox):
    """Search-as-you-type over matters and 一件事; Enter takes the first hit.

    A keystroke is answered in the same frame: the hits come from the search index in memory on
    this thread (no SQL, about a millisecond at 10,000 matters; ``catalog.search_in_memory``),
    with no debounce. Only when the index is not built yet, or was not checked against the
    catalog stamp lately, does ``catalog.search`` run on a worker (``run_latest``: the newest
    query wins) — its answer replaces the hits if its query is still the newest. Every query has
    a number; hits of an older query are never shown over a newer one's. Enter before the
    newest query's hits are in takes the first of them when they come."""

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
        self.query.textChanged.connect(lambda _t: self._search())
        self.query.returnPressed.connect(self._take_first)
        self.results.itemActivated.connect(self._take)
        lay = QVBoxLayout(self)
        lay.addWidget(self.query)
        lay.addWidget(self.results, 1)
        lay.addWidget(self.selected)
        self._generation = 0  # the newest query's number
        self._shown = 0  # the number of the query whose hits are listed
        self._shown_hits: list[tuple[str, str]] = []
        self._take_when_shown = False  # Enter came before the newest query's hits

    def _search(self) -> None:
        from clerk.catalog import search, search_in_memory

        text = self.query.text().strip()
        self._generation += 1
        self._take_when_shown = False
        gen = self._generation
        if not text:
            self._show(gen, [])
            return
        db = self.ctx.db
        hits, fresh = search_in_memory(db, text, limit=30)
        if hits is not None:
            self._show(gen, hits)
        if hits is None or not fresh:
            self.ctx.tasks.run_latest("matter_search", lambda: search(db, text, limit=30),
                                      lambda found: self._show(gen, found), lambda m: self._failed(gen, m))

    def search_now(self) -> None:
        self._search()

    def _show(self, gen: int, hits: list[Any]) -> None:
        if gen != self._generation:
            return  # an older query answered late
        same = [(h.kind, h.code) for h in hits]
        if gen != self._shown or same != self._shown_hits:  # the worker's re-check found the same: keep the list
            self.results.clear()
            for h in hits:
                tag = "【一件事】" if h.kind == "bundle" else ""
                parent = f"〔{h.parent}〕" if getattr(h, "parent", "") else ""  # the 主项 of a 子项
                # two lines, the code first on its own: never the part that wraps away (B10)
                item = QListWidgetItem(f"{tag}{h.name}{parent}\n{h.code}  {h.department or ''}".rstrip())
                item.setData(Qt.ItemDataRole.UserRole, (h.kind, h.code, h.name))
                self.results.addItem(item)
            if hits:
                self.results.setCurrentRow(0)
        self._shown, self._shown_hits = gen, same
        if self._take_when_shown:
            self._take_when_shown = False
            self._take_first()

    def _failed(self, gen: int, message: str) -> None:
        if gen == self._generation:
            self._take_when_shown = False
            self.selected.setText(message)

    def _take_first(self) -> None:
        if self._shown != self._generation:
            self._take_when_shown = True  # the clerk typed and pressed Enter before the hits came
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
