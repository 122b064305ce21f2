"""Thermal slips other than the queue ticket: the short receipt slip (受理回执小票) and the
printer test page.

One rule: the slip is a short companion of the A4 receipt, not a replacement — it carries the case
number (as Code128 too), what was applied for, when it will be done and a short material list,
with the applicant masked.
"""
from __future__ import annotations

from clerk.privacy import mask_id, mask_name
from printing.data import DELIVERY_LABELS, ReceiptData, cn_date, cn_datetime
from printing.escpos import EscPosDoc

MAX_MATERIAL_LINES = 8
TEST_QR = "https://zwfw.example.gov.cn/test?打印测试=1"
TEST_BARCODE = "33022501W01202611230007"


def render_receipt_slip(data: ReceiptData, width_mm: int = 80) -> bytes:
    """ESC/POS bytes of the receipt slip for ``data`` (the same data as the A4 receipt)."""
    doc = EscPosDoc(width_mm)
    doc.align("center").bold().size(2, 2).line("受理回执").size(1, 1).bold(False)
    doc.line(data.hall.name).rule()
    doc.align("left").line(f"案件编号：{data.case_number}")
    doc.align("center").code128(data.case_number, height=60, module=2).line()
    doc.align("left")
    if data.bundle_name:
        doc.line(f"一件事：{data.bundle_name}")
    for i, name in enumerate(data.matter_names):
        doc.line(("办理事项：" if i == 0 else "　　　　　") + name)
    who = mask_name(data.applicant.name)
    if data.applicant.id_number_masked:
        # mask_id is idempotent on a masked number and masks a full one a caller slipped in.
        who += f"（{mask_id(data.applicant.id_number_masked)}）"
    doc.line(f"申请人：{who}")
    doc.line(f"受理时间：{cn_datetime(data.accepted_at)}")
    doc.bold().line(f"承诺办结：{cn_date(data.promised_date)}（{data.promised_days} 个工作日）").bold(False)
    doc.line(f"取件方式：{DELIVERY_LABELS.get(data.delivery, data.delivery)}")
    if data.window_name or data.clerk_name:
        doc.line(f"受理窗口：{data.window_name}　经办人：{data.clerk_name}".replace("受理窗口：　", ""))
    if data.materials:
        doc.rule().line(f"已收材料（{len(data.materials)} 项）：")
        shown = data.materials[:MAX_MATERIAL_LINES]
        for i, m in enumerate(shown, 1):
            extra = "".join(f" {x}" for x in (m.form_label, f"×{m.count}" if m.count > 1 else "", m.status_label) if x)
            doc.line(f"{i}. {m.name}{extra}")
        if len(data.materials) > len(shown):
            doc.line(f"……另有 {len(data.materials) - len(shown)} 项，详见 A4 受理回执")
    doc.rule().align("center").qr(data.qr_text, size=5).line().line("扫码查询办理进度")
    if data.hall.phone:
        doc.line(f"咨询电话：{data.hall.phone}")
    doc.cut()
    return doc.to_bytes()


def render_test_page(width_mm: int = 80) -> bytes:
    """A page that proves Chinese text, full-width characters, sizes, QR, Code128 and the cutter."""
    doc = EscPosDoc(width_mm)
    doc.align("center").bold().size(2, 2).line("中文测试").size(1, 1).bold(False)
    doc.line("窗口综合受理").line(f"打印测试页 {width_mm}mm")
    doc.align("left").rule("=")
    # A full line of Hanzi and one of full-width forms: any column mistake shows as a broken edge.
    doc.line("国" * (doc.cols // 2))
    doc.line("ＡＢＣ１２３，。！" + "全" * (doc.cols // 2 - 9))
    doc.line("1234567890" * (doc.cols // 10) + "1234567890"[: doc.cols % 10])
    doc.line("常用字：受理回执编号、承诺办结、容缺受理、最多跑一次。")
    doc.bold().line("粗体：行政服务中心").bold(False)
    doc.size(2, 1).line("倍宽 A023").size(1, 2).line("倍高 A023").size(1, 1)
    doc.rule("=").align("center").line("二维码（中文内容）：").qr(TEST_QR, size=6).line()
    doc.line("Code128 条码：").code128(TEST_BARCODE, height=60, module=2).line()
    doc.line("如能看到以上全部内容，打印机工作正常。")
    doc.cut()
    return doc.to_bytes()
