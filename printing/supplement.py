"""补正材料通知书 — during review the department asks for more or corrected material; the
applicant gets in writing exactly what, by when, and where to bring it.

One rule: the notice lists exactly ``SupplementNoticeData.items`` (and the request's own words);
the service decides what is asked for, this module never adds or drops an item.
"""
from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from . import PrintingError
from .data import SupplementNoticeData, cn_date
from .pdfdoc import DocHeader, build_pdf, p, requirements_table, signature_block, styles


def render_supplement(data: SupplementNoticeData) -> bytes:
    if not data.items and not data.explanation.strip():
        raise PrintingError("补正材料通知书须写明需补正的材料或补正说明", "nothing to supplement")
    head = DocHeader(title="补正材料通知书", number=data.case_number, hall=data.hall,
                     date=data.issued_on, qr_text=data.qr_text, number_label="受理编号")
    return build_pdf(head, _story(data))


def _story(data: SupplementNoticeData) -> list[Flowable]:
    st = styles()
    where = data.hall.name + (f"（{data.window_name}）" if data.window_name else "")
    applied = f"于{cn_date(data.accepted_on)}" if data.accepted_on else ""
    story: list[Flowable] = [
        p(f"{data.applicant.name}：", st.body),
        p(f"您（单位）{applied}申请办理的“{data.matter_name}”事项（受理编号：{data.case_number}）已受理。"
          "经审查，需要您补正以下材料" + (f"（共 {len(data.items)} 项）：" if data.items else "："), st.indent),
    ]
    if data.items:
        story += [Spacer(1, 2 * mm), requirements_table(data.items), Spacer(1, 3 * mm)]
    if data.explanation.strip():
        text = data.explanation.strip()
        story.append(p(f"补正说明：{text}" + ("" if text[-1] in "。！？；.!?;" else "。"), st.indent))
    when = f"请您于{cn_date(data.deadline)}前" if data.deadline else "请您尽快"
    story += [
        p(f"{when}将上述材料提交到{where}，或按窗口告知的方式在线提交。补正材料所需时间不计入承诺办理时限。", st.indent),
        p("本通知书一式两份，申请人与受理窗口各执一份。", st.indent),
        signature_block([("申请人签收：", "日期："),
                         (f"经办人：{data.clerk_name}", f"通知日期：{cn_date(data.issued_on)}")]),
    ]
    return story
