"""一次性告知书 — every missing or defective material told at once, in writing, so the applicant
comes back only once.

One rule: the notice lists exactly ``NoticeData.missing`` — the service decides what is missing;
this module never adds or drops an item.
"""
from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from .data import NoticeData, cn_date
from .pdfdoc import DocHeader, build_pdf, p, requirements_table, signature_block, styles

LEGAL_BASIS = "《中华人民共和国行政许可法》第三十二条第一款第（四）项"


def render_notice(data: NoticeData) -> bytes:
    head = DocHeader(title="一次性告知书", number=data.number, hall=data.hall,
                     date=data.issued_on, qr_text=data.qr_text)
    return build_pdf(head, _story(data))


def _story(data: NoticeData) -> list[Flowable]:
    st = styles()
    where = data.hall.name + (f"（{data.window_name}）" if data.window_name else "")
    deadline = (f"请您于{cn_date(data.deadline)}前按上述要求补齐材料后，到{where}办理。"
                if data.deadline else f"请您按上述要求补齐材料后，到{where}办理。")
    story: list[Flowable] = [
        p(f"{data.applicant.name}：", st.body),
        p(f"您（单位）于{cn_date(data.issued_on)}申请办理的“{data.matter_name}”事项，经审查，申请材料"
          f"不齐全或者不符合法定形式。根据{LEGAL_BASIS}的规定，现一次性告知您需要补正的全部内容"
          f"（共 {len(data.missing)} 项）如下：", st.indent),
        Spacer(1, 2 * mm),
        requirements_table(data.missing),
        Spacer(1, 3 * mm),
        p(deadline + "材料补齐后即予受理，不再要求补正本告知书以外的材料。", st.indent),
    ]
    if data.advice:
        story.append(p(data.advice, st.indent))
    story.append(p("本告知书一式两份，申请人与受理窗口各执一份。", st.indent))
    story.append(signature_block([("申请人签收：", "日期："),
                                  (f"告知人：{data.clerk_name}", f"告知日期：{cn_date(data.issued_on)}")]))
    return story
