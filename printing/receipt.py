"""受理回执 — the applicant's proof of acceptance: case number (text, QR, Code128), promised date,
materials received and how the result will be delivered.

One rule: the receipt shows only what ``ReceiptData`` holds, already masked; the case number is
the key a window scans to find the case again, so it is printed as text, QR and barcode.
"""
from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from .data import DELIVERY_LABELS, MaterialLine, ReceiptData, cn_date, cn_datetime
from .pdfdoc import (CONTENT_W, DocHeader, build_pdf_pages, days_label, grid_table, p, shown_id,
                     shown_phone, signature_block, styles)

DEFAULT_NOTES = (
    "请妥善保管本回执，可凭本回执（或扫描二维码）查询办理进度、领取办理结果。",
    "如委托他人领取，请提供委托书及受托人身份证件。",
)


def render_receipt(data: ReceiptData) -> bytes:
    """The receipt; when its closing block (温馨提示 and the signatures) would stand alone on a
    last page — a bundle with many materials and a long form — it is laid out again with
    tighter rows so the applicant signs under what was received."""
    head = DocHeader(title="受理回执", number=data.case_number, hall=data.hall,
                     date=data.accepted_at.date(), qr_text=data.qr_text,
                     barcode_text=data.case_number, number_label="受理编号")
    pdf, pages = build_pdf_pages(head, _story(data))
    if pages > 1 and build_pdf_pages(head, _story(data, closing=False))[1] < pages:
        pdf, pages = build_pdf_pages(head, _story(data, compact=True))
        if pages > 1 and build_pdf_pages(head, _story(data, compact=True, closing=False))[1] < pages \
                and len(data.materials) > 3:
            # still alone: the last materials go over with it, so the page signs for something
            pdf = build_pdf_pages(head, _story(data, compact=True, carry=2))[0]
    return pdf


def _story(data: ReceiptData, *, compact: bool = False, closing: bool = True, carry: int = 0) -> list[Flowable]:
    """``carry``: that many last rows of the materials table are kept with the closing block."""
    st = styles()
    pad = 1.6 if compact else None
    story: list[Flowable] = [
        p(f"{data.applicant.name}：", st.body),
        p("您提交的申请已受理，具体信息如下。", st.indent),
        Spacer(1, (1 if compact else 2) * mm),
        _info_table(data, padding=2.2 if compact else 3.5),
    ]
    if data.form_lines:
        story += [p("申请信息", st.section), _form_table(data, padding=pad or 2.5)]
    carried: list[Flowable] = []
    if data.materials:
        rows = list(enumerate(data.materials, start=1))
        story += [p("已收申请材料", st.section), _materials_table(rows[:len(rows) - carry], padding=pad or 2.5)]
        if carry:
            carried = [_materials_table(rows[len(rows) - carry:], padding=pad or 2.5)]
    if not closing:
        return story
    notes = DEFAULT_NOTES + data.notes
    lines = [p(f"{i}. {note}", st.small) for i, note in enumerate(notes, 1)]
    # compact: the heading becomes a bold lead-in instead of a section title
    tips = [Spacer(1, 2 * mm), p("<b>温馨提示</b>", st.small), *lines] if compact else [p("温馨提示", st.section), *lines]
    who = "申请人（代理人）签字：" if data.proxy_name else "申请人签字："
    story.append(signature_block([(who, "日期："),
                                  (f"受理人：{data.clerk_name}",
                                   f"受理日期：{cn_date(data.accepted_at)}")], lead=[*carried, *tips],
                                 before=(3 if compact else 10) * mm, row_padding=4 if compact else 7))
    return story


def _info_table(data: ReceiptData, padding: float = 3.5) -> Flowable:
    st = styles()
    a = data.applicant
    L = lambda text: p(text, st.label)  # noqa: N806 (L(abel) and V(alue) cells of the table)
    V = lambda text: p(text, st.cell)  # noqa: N806
    delivery = DELIVERY_LABELS.get(data.delivery, data.delivery)
    if data.delivery == "post" and data.post_address:
        delivery += f"（{data.post_address}）"
    rows = [
        [L("申请人"), V(a.name), L("申请人类型"), V(a.kind_label)],
        [L("证件号码"), V(shown_id(a.id_number_masked) or "—"),
         L("联系电话"), V(shown_phone(a.phone_masked) or "—")],
        [L("代理人"), V(data.proxy_name or "无"), L("受理窗口"), V(data.window_name or "—")],
        [L("办理事项"), V("；".join(data.matter_names)), "", ""],
    ]
    spans = [(3, 1, 3)]
    if data.bundle_name:
        rows.append([L("一件事"), V(data.bundle_name), "", ""])
        spans.append((len(rows) - 1, 1, 3))
    rows += [
        [L("受理时间"), V(cn_datetime(data.accepted_at)), L("受理人"), V(data.clerk_name)],
        [L("法定办结时限"), V(days_label(data.statutory_days)),
         L("承诺办结时限"), V(days_label(data.promised_days))],
        [L("承诺办结日期"), p(cn_date(data.promised_date), st.emphasis), "", ""],
        [L("取件方式"), V(delivery), "", ""],
    ]
    spans += [(len(rows) - 2, 1, 3), (len(rows) - 1, 1, 3)]
    label_w = 27 * mm
    value_w = (CONTENT_W - 2 * label_w) / 2
    return grid_table(rows, [label_w, value_w, label_w, value_w], label_cols=(0, 2), spans=spans, padding=padding)


def _form_table(data: ReceiptData, padding: float = 2.5) -> Flowable:
    """申请表 values two to a row, as on the info grid; a long one (出生地点, 经营范围) takes a row of
    its own, and so does a short one left without a partner."""
    st = styles()
    rows: list[list[object]] = []
    spans: list[tuple[int, int, int]] = []
    pending: list[tuple[str, str]] = []

    def full(label: str, value: str) -> None:
        rows.append([p(label, st.label), p(value, st.cell), "", ""])
        spans.append((len(rows) - 1, 1, 3))

    for label, value in data.form_lines:
        value = shown_phone(shown_id(value))  # defence in depth, as for the applicant's own
        if len(value) > 18 or len(label) > 8:
            full(label, value)
            continue
        pending.append((label, value))
        if len(pending) == 2:
            (l1, v1), (l2, v2) = pending
            rows.append([p(l1, st.label), p(v1, st.cell), p(l2, st.label), p(v2, st.cell)])
            pending.clear()
    if pending:
        full(*pending[0])
    label_w = 27 * mm
    value_w = (CONTENT_W - 2 * label_w) / 2
    return grid_table(rows, [label_w, value_w, label_w, value_w], label_cols=(0, 2), spans=spans, padding=padding)


def _materials_table(numbered: list[tuple[int, MaterialLine]], padding: float = 2.5) -> Flowable:
    st = styles()
    rows: list[list[object]] = [[p(h, st.head) for h in ("序号", "材料名称", "形式", "份数",
                                                         "状态", "备注")]]
    for i, m in numbered:
        note = m.note
        if m.due_date:
            due = f"{cn_date(m.due_date)}前补交"
            note = f"{note}；{due}" if note else due
        rows.append([p(str(i), st.cell_center), p(m.name, st.cell), p(m.form_label, st.cell_center),
                     p(str(m.count), st.cell_center), p(m.status_label, st.cell_center),
                     p(note, st.cell)])
    widths = [10 * mm, 56 * mm, 24 * mm, 10 * mm, 18 * mm]
    widths.append(CONTENT_W - sum(widths))
    # Tighter rows than the info grid: a long list should stay on as few pages as possible.
    return grid_table(rows, widths, header_rows=1, padding=padding)
