"""The shared A4 page frame every hall document uses, and the small builders they share.

What lives here: the first-page header (hall name, spaced title, QR code, Code128 barcode, number,
date), the running header of later pages, the footer (hall contact line, "第 x 页 共 y 页"), the
paragraph styles, bordered tables and signature lines. One rule: document modules only assemble
flowables from data; every drawing position and font choice is made here, so all documents match.
"""
from __future__ import annotations

import datetime as dt
import functools
import io
import re
import threading
from dataclasses import dataclass
from typing import Any
from collections.abc import Callable, Sequence
from xml.sax.saxutils import escape

import qrcode
import qrcode.constants
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (BaseDocTemplate, Flowable, Frame, KeepTogether, PageTemplate,
                                Paragraph, Spacer, Table, TableStyle)

from . import PrintingError
from .data import HallInfo, cn_date
from .fonts import register_fonts

PAGE_W, PAGE_H = A4
MARGIN_X = 20 * mm
TOP = 14 * mm
BOTTOM = 24 * mm             # keeps the footer (contact line + page number) clear of the body
CONTENT_W = PAGE_W - 2 * MARGIN_X
FIRST_HEADER_H = 46 * mm
LATER_HEADER_H = 12 * mm
QR_SIZE = 26 * mm
BAR_WIDTH = 0.34 * mm        # >= 2 px per module at 150 dpi, so a phone or a barcode decoder reads it
BAR_HEIGHT = 8 * mm
GRID = colors.HexColor("#333333")
SHADE = colors.HexColor("#EEEEEE")


@dataclass(frozen=True)
class DocHeader:
    """What the page frame prints around the body."""
    title: str                  # "受理回执"; letters are spaced out when drawn
    number: str
    hall: HallInfo
    date: dt.date
    qr_text: str = ""           # empty: no QR code
    barcode_text: str = ""      # empty: no Code128
    number_label: str = "编号"


@dataclass(frozen=True)
class Styles:
    body: ParagraphStyle
    indent: ParagraphStyle      # first line indented two characters, as in official letters
    section: ParagraphStyle
    cell: ParagraphStyle
    cell_center: ParagraphStyle
    head: ParagraphStyle
    label: ParagraphStyle
    small: ParagraphStyle
    emphasis: ParagraphStyle


@functools.lru_cache(maxsize=1)
def styles() -> Styles:
    fonts = register_fonts()
    base = ParagraphStyle("clerk-body", fontName=fonts.regular, fontSize=11, leading=17,
                          wordWrap="CJK", alignment=TA_LEFT)
    cell = ParagraphStyle("clerk-cell", parent=base, fontSize=10, leading=13.5)
    return Styles(
        body=base,
        indent=ParagraphStyle("clerk-indent", parent=base, firstLineIndent=22),
        section=ParagraphStyle("clerk-section", parent=base, fontName=fonts.bold, fontSize=12,
                               leading=18, spaceBefore=6, spaceAfter=3),
        cell=cell,
        cell_center=ParagraphStyle("clerk-cell-c", parent=cell, alignment=TA_CENTER),
        head=ParagraphStyle("clerk-head", parent=cell, fontName=fonts.bold, alignment=TA_CENTER),
        label=ParagraphStyle("clerk-label", parent=cell, fontName=fonts.bold, alignment=TA_CENTER),
        small=ParagraphStyle("clerk-small", parent=base, fontSize=9.5, leading=14),
        emphasis=ParagraphStyle("clerk-em", parent=cell, fontName=fonts.bold, fontSize=11.5),
    )


def p(text: str, style: ParagraphStyle | None = None) -> Paragraph:
    """A paragraph of *plain* text: data is escaped so a '<' in a name cannot break the markup."""
    return Paragraph(escape(text).replace("\n", "<br/>"), style or styles().body)


def spaced(title: str) -> str:
    """受理回执 → 受 理 回 执 (short titles are letter-spaced on official documents)."""
    return " ".join(title) if len(title) <= 6 else title


_LONG_ID = re.compile(r"[0-9A-Za-z]{10,}")
_PHONE = re.compile(r"(?<!\d)(1\d{2})\d{4}(\d{4})(?!\d)")


def shown_id(text: str) -> str:
    """Defence in depth: an unmasked ID/USCC that slipped through is masked before printing."""
    if "*" in text:
        return text
    return _LONG_ID.sub(lambda m: m.group()[:4] + "*" * (len(m.group()) - 8) + m.group()[-4:], text)


def shown_phone(text: str) -> str:
    return text if "*" in text else _PHONE.sub(r"\1****\2", text)


def days_label(days: int) -> str:
    return "即办" if days <= 0 else f"{days}个工作日"


def grid_table(rows: Sequence[Sequence[Any]], widths: Sequence[float], *, header_rows: int = 0,
               label_cols: Sequence[int] = (), spans: Sequence[tuple[int, int, int]] = (),
               padding: float = 3.5) -> Table:
    """A bordered table; ``spans`` are (row, first col, last col); label columns are shaded."""
    table = Table([list(r) for r in rows], colWidths=list(widths), repeatRows=header_rows,
                  hAlign="CENTER")
    commands: list[tuple[Any, ...]] = [
        # Tables set their cell font even around Paragraphs; the default would be Helvetica.
        ("FONT", (0, 0), (-1, -1), register_fonts().regular, 10),
        ("GRID", (0, 0), (-1, -1), 0.6, GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), padding),
        ("BOTTOMPADDING", (0, 0), (-1, -1), padding),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    if header_rows:
        commands.append(("BACKGROUND", (0, 0), (-1, header_rows - 1), SHADE))
    for col in label_cols:
        commands.append(("BACKGROUND", (col, 0), (col, -1), SHADE))
    for row, first, last in spans:
        # A value spanning over a label column must not inherit that column's shade.
        commands += [("SPAN", (first, row), (last, row)),
                     ("BACKGROUND", (first, row), (last, row), colors.white)]
    table.setStyle(TableStyle(commands))
    return table


def requirements_table(items: Sequence[Any]) -> Table:
    """序号 / 需补正的材料 / 补正要求 — the list of a one-time notice or a 补正 notice
    (``items`` have ``name`` and ``requirement``)."""
    st = styles()
    rows: list[list[Any]] = [[p(h, st.head) for h in ("序号", "需补正的材料", "补正要求")]]
    for i, m in enumerate(items, start=1):
        rows.append([p(str(i), st.cell_center), p(m.name, st.cell), p(m.requirement or "—", st.cell)])
    widths = [12 * mm, 70 * mm]
    widths.append(CONTENT_W - sum(widths))
    return grid_table(rows, widths, header_rows=1)


def signature_block(rows: Sequence[tuple[str, str]], *, before: float = 10 * mm,
                    lead: Sequence[Flowable] = (), row_padding: float = 7) -> Flowable:
    """Lines to sign on: each row is (left label, right label); a label ending in '：' gets a rule.

    Kept together with ``lead`` (the text being signed for), so signatures never sit alone at
    the top of a page.
    """
    st = styles()
    blank = "_" * 14
    data = [[p(_with_rule(left, blank), st.body), p(_with_rule(right, blank), st.body)]
            for left, right in rows]
    table = Table(data, colWidths=[CONTENT_W * 0.58, CONTENT_W * 0.42], hAlign="LEFT")
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), register_fonts().regular, 11),
                               ("TOPPADDING", (0, 0), (-1, -1), row_padding),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return KeepTogether([*lead, Spacer(1, before), table])


def _with_rule(label: str, blank: str) -> str:
    return label + blank if label.endswith("：") else label


# ---- the page frame -------------------------------------------------------------------------

def _draw_first_page(c: Canvas, head: DocHeader) -> None:
    fonts = register_fonts()
    top = PAGE_H - TOP
    c.setFillColor(colors.black)
    c.setFont(fonts.bold, 13)
    c.drawCentredString(PAGE_W / 2, top - 6 * mm, head.hall.name)
    c.setFont(fonts.bold, 22)
    c.drawCentredString(PAGE_W / 2, top - 19 * mm, spaced(head.title))
    if head.qr_text:
        _draw_qr(c, head.qr_text, PAGE_W - MARGIN_X - QR_SIZE, top - QR_SIZE)
    number = f"{head.number_label}：{head.number}"
    c.setFont(fonts.regular, 10.5)
    if head.barcode_text:
        bar = Code128(head.barcode_text, barWidth=BAR_WIDTH, barHeight=BAR_HEIGHT,
                      humanReadable=False, quiet=False)
        bar.drawOn(c, MARGIN_X, top - 37 * mm)
        c.setFont(fonts.regular, 7.5)
        c.drawString(MARGIN_X, top - 40.5 * mm, head.barcode_text)
        c.setFont(fonts.regular, 10.5)
        c.drawRightString(PAGE_W - MARGIN_X, top - 33 * mm, number)
        c.drawRightString(PAGE_W - MARGIN_X, top - 39 * mm, f"日期：{cn_date(head.date)}")
    else:
        c.drawString(MARGIN_X, top - 39 * mm, number)
        c.drawRightString(PAGE_W - MARGIN_X, top - 39 * mm, f"日期：{cn_date(head.date)}")
    c.setLineWidth(1.2)
    c.line(MARGIN_X, top - 43 * mm, PAGE_W - MARGIN_X, top - 43 * mm)


def _draw_qr(c: Canvas, text: str, x: float, y: float) -> None:
    """Draw a QR code as one filled path of module runs.

    reportlab's own QR widget builds a shape object per module and encodes twice (bounds, then
    drawing) — over half of a receipt's render time; the ``qrcode`` matrix plus one path is ~4 ms.
    """
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    cell = QR_SIZE / len(matrix)
    path = c.beginPath()
    for row, modules in enumerate(matrix):
        top = y + QR_SIZE - (row + 1) * cell
        col = 0
        while col < len(modules):
            if not modules[col]:
                col += 1
                continue
            run = col
            while run < len(modules) and modules[run]:
                run += 1
            # a hair of overlap so anti-aliased viewers show no seams between rows
            path.rect(x + col * cell, top - 0.05, (run - col) * cell, cell + 0.1)
            col = run
    c.saveState()
    c.setFillColor(colors.black)
    c.drawPath(path, stroke=0, fill=1)
    c.restoreState()


def _draw_later_page(c: Canvas, head: DocHeader) -> None:
    fonts = register_fonts()
    top = PAGE_H - TOP
    c.setFont(fonts.regular, 9)
    c.drawString(MARGIN_X, top - 5 * mm, f"{head.hall.name} · {head.title}（续）")
    c.drawRightString(PAGE_W - MARGIN_X, top - 5 * mm, f"{head.number_label}：{head.number}")
    c.setLineWidth(0.6)
    c.line(MARGIN_X, top - 7 * mm, PAGE_W - MARGIN_X, top - 7 * mm)


def _draw_footer(c: Canvas, head: DocHeader, page: int, total: int) -> None:
    fonts = register_fonts()
    c.setLineWidth(0.5)
    c.line(MARGIN_X, 19 * mm, PAGE_W - MARGIN_X, 19 * mm)
    contact = "　".join(x for x in (head.hall.name,
                                    f"地址：{head.hall.address}" if head.hall.address else "",
                                    f"咨询电话：{head.hall.phone}" if head.hall.phone else "") if x)
    c.setFont(fonts.regular, 8.5)
    c.drawCentredString(PAGE_W / 2, 15 * mm, contact)
    if total > 1:
        c.setFont(fonts.regular, 9)
        c.drawCentredString(PAGE_W / 2, 10 * mm, f"第 {page} 页 共 {total} 页")


def _footer_canvas(head: DocHeader) -> type[Canvas]:
    """A canvas that holds pages back until the end, so each footer can say "共 N 页"."""

    class FooterCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._held)
            for number, state in enumerate(self._held, start=1):
                self.__dict__.update(state)
                _draw_footer(self, head, number, total)
                Canvas.showPage(self)
            Canvas.save(self)

    return FooterCanvas


# reportlab's TrueType face is shared by every document of the process and is not thread-safe:
# embedding a font subset moves one shared read position (``TTFontFile.seek``), so two documents
# saved at once (the receipt and the 容缺承诺书 of one acceptance, rendered by two background
# workers) can raise IndexError or, worse, embed wrong glyphs without an error. Every reportlab
# build of the process goes through here, one at a time.
_BUILD_LOCK = threading.Lock()


def build_pdf(head: DocHeader, story: list[Flowable]) -> bytes:
    """Lay ``story`` out on A4 inside the shared frame and return the PDF bytes."""
    return build_pdf_pages(head, story)[0]


def build_pdf_pages(head: DocHeader, story: list[Flowable]) -> tuple[bytes, int]:
    """``build_pdf`` and the number of pages it laid out (for documents that tighten their
    layout rather than leave a page holding only their closing lines)."""
    styles()  # registers fonts first, so a missing font fails before any layout work
    buf = io.BytesIO()
    doc = BaseDocTemplate(buf, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X,
                          topMargin=TOP, bottomMargin=BOTTOM, title=f"{head.title} {head.number}",
                          author=head.hall.name, subject=head.title, creator="Window Clerk",
                          # else reportlab names Helvetica on every page: an unembedded font
                          initialFontName=register_fonts().regular)
    first_h = PAGE_H - TOP - FIRST_HEADER_H - BOTTOM
    later_h = PAGE_H - TOP - LATER_HEADER_H - BOTTOM
    on_first: Callable[[Canvas, Any], None] = lambda c, _d: _draw_first_page(c, head)
    on_later: Callable[[Canvas, Any], None] = lambda c, _d: _draw_later_page(c, head)
    doc.addPageTemplates([
        PageTemplate("first", [Frame(MARGIN_X, BOTTOM, CONTENT_W, first_h, id="f1",
                                     leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)],
                     onPage=on_first, autoNextPageTemplate="later"),
        PageTemplate("later", [Frame(MARGIN_X, BOTTOM, CONTENT_W, later_h, id="f2",
                                     leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)],
                     onPage=on_later),
    ])
    try:
        with _BUILD_LOCK:
            doc.build(story, canvasmaker=_footer_canvas(head))
    except Exception as exc:  # reportlab raises LayoutError, ValueError… for unprintable input
        raise PrintingError(f"文书“{head.title}”生成失败：{exc}",
                            f"could not render {head.title}: {exc}") from exc
    return buf.getvalue(), doc.page
