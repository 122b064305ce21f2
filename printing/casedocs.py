"""From a case (``clerk.dto.CaseInfo``) to the printing data of its documents, and to PDF.

The only place that knows which case fields go on which document; it decides nothing about
the case itself.
"""
from __future__ import annotations

import datetime as dt

from clerk.dto import CaseInfo
from clerk.privacy import mask_id, mask_phone

from .data import (ApplicantInfo, DeferralData, DeferredMaterial, HallInfo, MaterialLine, MissingMaterial,
                   NoticeData, ReceiptData, RefusalData, SupplementNoticeData)
from clerk.dto import FORM_LABELS

STATUS_LABELS = {"presented": "已提交", "shared": "共享获取", "deferred": "容缺", "missing": "缺少", "pending": "未核验"}
KINDS = ("receipt", "notice", "deferral", "refusal", "supplement")


def _applicant(case: CaseInfo) -> ApplicantInfo:
    a = case.applicant
    if a is None:
        return ApplicantInfo(name="")
    return ApplicantInfo(name=a.name, id_number_masked=a.id_number_masked, phone_masked=a.phone_masked, kind=a.kind)


def _window(case: CaseInfo) -> str:
    return f"{case.window_number}号窗口" if case.window_number else ""


def form_lines(case: CaseInfo) -> tuple[tuple[str, str], ...]:
    """The filled-in 申请表 fields, masked like the applicant's own ID number and phone."""
    masks = {"id_number": mask_id, "phone": mask_phone}
    return tuple((f.label, masks.get(f.type, str)(f.value)) for f in case.form if f.value)


def receipt_data(case: CaseInfo, hall: HallInfo) -> ReceiptData:
    lines = []
    for c in case.checks:
        note = c.share_reference and f"{c.share_source} {c.share_reference}" or c.note
        if len(c.matters) > 1:
            note = (note + "；" if note else "") + "共用"
        lines.append(MaterialLine(name=c.name, form_label=FORM_LABELS.get(c.form, c.form),
                                  count=c.count, status_label=STATUS_LABELS.get(c.status, c.status),
                                  note=note, due_date=c.due_date))
    names = tuple(k.matter_name for k in case.children) or (case.matter_name,)
    notes = [f"{k.matter_name}：办件编号 {k.number}" for k in case.children]
    notes += list(case.warnings)
    return ReceiptData(
        case_number=case.number or "", matter_names=names, applicant=_applicant(case),
        accepted_at=case.accepted_at or dt.datetime.now(), promised_date=case.promised_date or dt.date.today(),
        statutory_days=case.statutory_days, promised_days=case.promised_days, hall=hall,
        clerk_name=case.clerk_name, window_name=_window(case), materials=tuple(lines),
        bundle_name=case.matter_name if case.bundle_code else None, proxy_name=case.proxy_name or None,
        delivery=case.delivery, post_address=case.post_address, notes=tuple(notes), form_lines=form_lines(case))


def notice_data(case: CaseInfo, hall: HallInfo, advice: str = "") -> NoticeData:
    missing = tuple(MissingMaterial(name=c.name, requirement=c.requirement)
                    for c in case.checks if c.status == "missing")
    return NoticeData(number=case.number or "", matter_name=case.matter_name, applicant=_applicant(case),
                      missing=missing, hall=hall, clerk_name=case.clerk_name, issued_on=dt.date.today(),
                      advice=advice, window_name=_window(case))


def deferral_data(case: CaseInfo, hall: HallInfo) -> DeferralData:
    deferred = tuple(DeferredMaterial(name=c.name, due_date=c.due_date, note=c.note)
                     for c in case.checks if c.status == "deferred" and c.due_date)
    return DeferralData(number=f"RQ{case.number}", case_number=case.number or "", matter_name=case.matter_name,
                        applicant=_applicant(case), deferred=deferred, hall=hall, clerk_name=case.clerk_name,
                        signed_on=(case.accepted_at or dt.datetime.now()).date(), proxy_name=case.proxy_name or None)


def refusal_data(case: CaseInfo, hall: HallInfo, legal_basis: str = "") -> RefusalData:
    return RefusalData(number=case.number or "", matter_name=case.matter_name, applicant=_applicant(case),
                       applied_on=case.created_at.date(), reason=case.reason, legal_basis=legal_basis,
                       hall=hall, clerk_name=case.clerk_name, issued_on=dt.date.today())


def supplement_data(case: CaseInfo, hall: HallInfo, issued_on: dt.date | None = None) -> SupplementNoticeData:
    """The latest 补正 request of ``case`` (``CaseInfo.supplements``), as asked."""
    if not case.supplements:
        from . import PrintingError

        raise PrintingError(f"办件 {case.number} 没有补正要求，不能出具补正材料通知书",
                            f"case {case.number} has no supplement request")
    sup = case.supplements[-1]
    items = tuple(MissingMaterial(name=name, requirement=req)
                  for name, req in zip(sup.items, sup.requirements + ("",) * len(sup.items)))
    return SupplementNoticeData(
        case_number=case.number or "", matter_name=case.matter_name, applicant=_applicant(case), items=items,
        hall=hall, clerk_name=sup.requested_by or case.clerk_name,
        issued_on=issued_on or sup.requested_at.date(), accepted_on=case.accepted_at.date() if case.accepted_at else None,
        explanation=sup.text, deadline=sup.due_date, window_name=_window(case))


def render_case_document(case: CaseInfo, kind: str, hall: HallInfo, *, legal_basis: str = "") -> bytes:
    """PDF bytes of ``kind`` (receipt / notice / deferral / refusal / supplement) for ``case``."""
    if kind == "receipt":
        from .receipt import render_receipt

        return render_receipt(receipt_data(case, hall))
    if kind == "notice":
        from .notice import render_notice

        return render_notice(notice_data(case, hall))
    if kind == "deferral":
        from .deferral import render_deferral

        return render_deferral(deferral_data(case, hall))
    if kind == "refusal":
        from .refusal import render_refusal

        return render_refusal(refusal_data(case, hall, legal_basis))
    if kind == "supplement":
        from .supplement import render_supplement

        return render_supplement(supplement_data(case, hall))
    raise ValueError(f"unknown document kind {kind}")
