"""容缺受理承诺书 — the applicant's signed promise to supply deferred (容缺) materials by a date.

One rule: every deferred material carries its own due date on the page; the promise text is the
one in ``DeferralData`` (the hall may have its own wording), printed unchanged.
"""
from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from .data import DeferralData, cn_date
from .pdfdoc import (CONTENT_W, DocHeader, build_pdf, grid_table, p, shown_id, signature_block,
                     styles)


def render_deferral(data: DeferralData) -> bytes:
    head = DocHeader(title="容缺受理承诺书", number=data.number, hall=data.hall,
                     date=data.signed_on, qr_text=data.qr_text)
    return build_pdf(head, _story(data))


def _story(data: DeferralData) -> list[Flowable]:
    st = styles()
    L = lambda text: p(text, st.label)  # noqa: N806 (L(abel) and V(alue) cells of the table)
    V = lambda text: p(text, st.cell)  # noqa: N806
    a = data.applicant
    label_w = 25 * mm
    value_w = (CONTENT_W - 2 * label_w) / 2
    info = grid_table([
        [L("申请人"), V(a.name), L("证件号码"), V(shown_id(a.id_number_masked) or "—")],
        [L("代理人"), V(data.proxy_name or "无"), L("受理编号"), V(data.case_number)],
        [L("办理事项"), V(data.matter_name), "", ""],
    ], [label_w, value_w, label_w, value_w], label_cols=(0, 2), spans=[(2, 1, 3)])
    rows: list[list[object]] = [[p(h, st.head) for h in ("序号", "容缺材料名称", "补交期限", "备注")]]
    for i, m in enumerate(data.deferred, start=1):
        rows.append([p(str(i), st.cell_center), p(m.name, st.cell),
                     p(cn_date(m.due_date), st.cell_center), p(m.note, st.cell)])
    widths = [12 * mm, 78 * mm, 34 * mm]
    widths.append(CONTENT_W - sum(widths))
    signatures = [(label + data.clerk_name if label.startswith("受理人") else label, "日期：")
                  for label in data.signature_labels]
    return [
        info,
        p(f"容缺材料（共 {len(data.deferred)} 项）", st.section),
        grid_table(rows, widths, header_rows=1),
        p("承诺事项", st.section),
        p(data.promise_text, st.indent),
        Spacer(1, 1 * mm),
        p("本承诺书一式两份，承诺人与受理窗口各执一份。", st.indent),
        signature_block(signatures),
    ]
