"""不予受理通知书 — a written refusal: the reason, its legal basis and how to appeal.

One rule: a refusal always prints a reason, a legal basis and the remedy (行政复议 / 行政诉讼 time
limits). An empty reason is an error — a refusal without one is not a valid notice; an empty basis
falls back to the general acceptance article of the Administrative Licensing Law.
"""
from __future__ import annotations

from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from . import PrintingError
from .data import RefusalData, cn_date
from .pdfdoc import DocHeader, build_pdf, p, signature_block, styles

DEFAULT_BASIS = "《中华人民共和国行政许可法》第三十二条"


def render_refusal(data: RefusalData) -> bytes:
    if not data.reason.strip():
        raise PrintingError("不予受理通知书必须写明不予受理的理由，请填写后再打印。",
                            "a refusal notice needs a reason")
    head = DocHeader(title="不予受理通知书", number=data.number, hall=data.hall,
                     date=data.issued_on, qr_text=data.qr_text)
    return build_pdf(head, _story(data))


def _story(data: RefusalData) -> list[Flowable]:
    st = styles()
    right = ParagraphStyle("clerk-right", parent=st.body, alignment=TA_RIGHT)
    return [
        p(f"{data.applicant.name}：", st.body),
        p(f"您（单位）于{cn_date(data.applied_on)}提出的“{data.matter_name}”申请，经审查，"
          "本机关决定不予受理。理由如下：", st.indent),
        p(data.reason, st.indent),
        p(f"依据：{data.legal_basis.strip() or DEFAULT_BASIS}", st.indent),
        p(data.remedy, st.indent),
        Spacer(1, 10 * mm),
        p(f"{data.hall.name}（受理专用章）", right),
        p(cn_date(data.issued_on), right),
        signature_block([(f"经办人：{data.clerk_name}", f"日期：{cn_date(data.issued_on)}"),
                         ("申请人签收：", "日期：")]),
    ]
