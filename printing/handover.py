"""交接单 — what a village agent (代办员) carries to the centre: each case taken since the last
list (number, applicant masked, matter), the papers for it (原件/复印件 counted), totals, lines for
the agent and the receiver to sign and date, and the list's number as Code128 for the centre's
barcode gun.

One rule: the list prints ``HandoverData`` as it is — the service (``clerk.handover``) decided
which cases and how many papers; nothing is added, dropped or recounted here.
"""
from __future__ import annotations

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from clerk.dto import HandoverListInfo

from .data import HallInfo, HandoverData, HandoverRow, cn_datetime
from .pdfdoc import (CONTENT_W, DocHeader, build_pdf, grid_table, p, shown_id, signature_block, styles)

TITLE = "办件交接单"


def handover_data(info: HandoverListInfo, hall: HallInfo) -> HandoverData:
    rows = tuple(HandoverRow(case_number=x.case_number,
                             applicant="\n".join(v for v in (x.applicant, x.id_number_masked) if v),
                             matter_name=x.matter_name, originals=x.originals, copies=x.copies, papers=x.papers)
                 for x in info.lines)
    return HandoverData(number=info.number, hall=hall, agent_name=info.agent_name, workstation=info.workstation,
                        made_at=info.created_at, rows=rows)


def render_handover(data: HandoverData) -> bytes:
    head = DocHeader(title=TITLE, number=data.number, hall=data.hall, date=data.made_at.date(),
                     barcode_text=data.number, number_label="交接单编号")
    return build_pdf(head, _story(data))


def _story(data: HandoverData) -> list[Flowable]:
    st = styles()
    originals = sum(r.originals for r in data.rows)
    copies = sum(r.copies for r in data.rows)
    # the last rows and the totals stay with the signatures, so a page break never leaves the
    # signatures alone on a last page (they sign for cases they can see)
    carry = min(2, len(data.rows))
    head, tail = data.rows[:len(data.rows) - carry], data.rows[len(data.rows) - carry:]
    story: list[Flowable] = [
        p(f"代办员：{data.agent_name} · 代办点工作站：{data.workstation} · 制单时间：{cn_datetime(data.made_at)}",
          st.body),
        p(f"自上一张交接单以来受理的办件共 {len(data.rows)} 件，随附纸质材料原件 {originals} 份、复印件 {copies} 份，"
          "明细如下：", st.indent),
        Spacer(1, 2 * mm),
    ]
    if head:
        story.append(_table(head, first=1))
    closing = [_table(tail, first=len(head) + 1, header=not head, totals=(len(data.rows), originals, copies)),
               Spacer(1, 3 * mm),
               p("以上办件及纸质材料已由交接双方当面清点，数量相符。接收方扫描本单条码即接收全部办件。", st.indent)]
    story.append(signature_block([("代办员（交出人）签字：", "日期："), ("中心接收人签字：", "日期：")], lead=closing))
    return story


def _table(rows: tuple[HandoverRow, ...], *, first: int, header: bool = True,
           totals: tuple[int, int, int] | None = None) -> Flowable:
    st = styles()
    # the case number (23 characters) and a masked ID number (18) each on one line at 8 pt
    small = ParagraphStyle("clerk-handover-small", parent=st.cell, fontSize=8, leading=10.5)
    data: list[list[object]] = []
    if header:
        data.append([p(h, st.head) for h in ("序号", "办件编号", "申请人", "办理事项", "随附材料", "原件", "复印件")])
    for i, r in enumerate(rows, start=first):
        data.append([p(str(i), st.cell_center), p(r.case_number, small), p(shown_id(r.applicant), small),
                     p(r.matter_name, st.cell), p("\n".join(r.papers) or "—", small),
                     p(str(r.originals), st.cell_center), p(str(r.copies), st.cell_center)])
    spans = []
    if totals is not None:
        count, originals, copies = totals
        data.append([p("合计", st.label), p(f"{count} 件", st.cell), "", "", "",
                     p(str(originals), st.label), p(str(copies), st.label)])
        spans.append((len(data) - 1, 1, 4))
    widths = [11 * mm, 39 * mm, 31 * mm, 27 * mm, 0.0, 11 * mm, 14 * mm]
    widths[4] = CONTENT_W - sum(widths)
    return grid_table(data, widths, header_rows=1 if header else 0, spans=spans)
