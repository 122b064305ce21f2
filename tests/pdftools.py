"""Test helpers for real PDFs: text back out (pypdf), pages to PNG (pypdfium2, PDFium's renderer),
barcodes decoded from the PNG (zxing-cpp), the fonts a PDF carries — plus sample documents to render.
All from PyPI wheels: no poppler, no libzbar on the machine.

One rule: helpers read what a person (or a scanner) would get from the paper; they never peek at
reportlab internals.
"""
from __future__ import annotations

import datetime as dt
import io
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader

from printing.data import (ApplicantInfo, DeferralData, DeferredMaterial, HallInfo, MaterialLine,
                           MissingMaterial, NoticeData, ReceiptData, RefusalData)

CASE_NUMBER = "33022501W01202611230007"


def pdf_pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def pdf_text(pdf: bytes) -> str:
    return "\n".join(pdf_pages_text(pdf))


def pdf_to_pngs(pdf: bytes, out_dir: Path | None = None, dpi: int = 150) -> list[Path]:
    """Rasterise every page at ``dpi`` with PDFium; returns the PNGs (``page-N.png``) in page order."""
    import pypdfium2 as pdfium

    folder = Path(out_dir or tempfile.mkdtemp(prefix="clerk-pdf-"))
    folder.mkdir(parents=True, exist_ok=True)
    doc = pdfium.PdfDocument(pdf)
    try:
        pages = []
        for i in range(len(doc)):
            page = doc[i]
            try:
                bitmap = page.render(scale=dpi / 72)
                path = folder / f"page-{i + 1}.png"
                bitmap.to_pil().save(path)
                bitmap.close()
            finally:
                page.close()
            pages.append(path)
        return pages
    finally:
        doc.close()


# zxing-cpp's format names → the symbology names the tests compare (those zbar reports).
_SYMBOLOGY = {"QRCode": "QRCODE", "Code128": "CODE128", "Code39": "CODE39", "EAN13": "EAN13",
              "EAN8": "EAN8", "DataMatrix": "DATAMATRIX", "PDF417": "PDF417"}


def decode_codes(png: Path) -> list[tuple[str, str]]:
    """Every barcode zxing-cpp finds on the image, as (symbology, text), e.g. ("QRCODE", "3302…")."""
    import zxingcpp
    from PIL import Image

    with Image.open(png) as img:
        found = zxingcpp.read_barcodes(img.convert("L"))
    codes = set()
    for code in found:
        name = code.format.name
        codes.add((_SYMBOLOGY.get(name, name.upper()), code.text))
    return sorted(codes)


@dataclass(frozen=True)
class FontInfo:
    name: str
    subtype: str
    embedded: bool


def pdf_fonts(pdf: bytes) -> list[FontInfo]:
    """Fonts referenced from each page's resources (Type0 descendants included)."""
    found: dict[str, FontInfo] = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        fonts = (page.get("/Resources") or {}).get("/Font") or {}
        for ref in fonts.values():
            font = ref.get_object()
            faces = [font] + [d.get_object() for d in font.get("/DescendantFonts", [])]
            desc = next((f["/FontDescriptor"].get_object() for f in faces if "/FontDescriptor" in f),
                        None)
            embedded = bool(desc) and any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            name = str(font.get("/BaseFont", "?"))
            found[name] = FontInfo(name, str(font.get("/Subtype")), embedded)
    return sorted(found.values(), key=lambda f: f.name)


# ---- sample documents ----------------------------------------------------------------------

HALL = HallInfo("宁海县行政服务中心", "宁海县桃源街道兴宁中路1号", "0574-65512345")
ZHANG = ApplicantInfo("张晓明", "330226********2316", "138****5678", "person")


def sample_materials(n: int) -> list[MaterialLine]:
    names = ["申请人居民身份证", "居民户口簿", "结婚证", "出生医学证明", "委托书",
             "营业执照副本", "房屋所有权证", "近期一寸免冠照片"]
    lines = []
    for i in range(n):
        deferred = i % 7 == 3
        lines.append(MaterialLine(
            name=f"{names[i % len(names)]}（第{i + 1}项）", form_label="原件及复印件" if i % 2 else "原件",
            count=1 + i % 3, status_label="容缺" if deferred else ("共享获取" if i % 5 == 4 else "已提交"),
            note="复印件需本人签字" if i % 4 == 1 else "",
            due_date=dt.date(2026, 11, 30) if deferred else None))
    return lines


def sample_receipt(n_materials: int = 5, **changes: object) -> ReceiptData:
    values: dict[str, object] = dict(
        case_number=CASE_NUMBER, matter_names=["出生医学证明办理", "户口登记（出生）", "医保参保登记"],
        bundle_name="出生一件事", applicant=ZHANG, proxy_name="李秀英",
        accepted_at=dt.datetime(2026, 11, 23, 9, 41), promised_date=dt.date(2026, 11, 25),
        statutory_days=20, promised_days=2, materials=sample_materials(n_materials),
        delivery="post", post_address="宁海县跃龙街道人民路 88 号", clerk_name="王丽",
        window_name="综合受理 3 号窗口", hall=HALL, notes=["邮寄费用由政府承担。"])
    values.update(changes)
    return ReceiptData(**values)  # type: ignore[arg-type]


def sample_notice(**changes: object) -> NoticeData:
    values: dict[str, object] = dict(
        number="GZ-33022501-20261123-0003", matter_name="食品经营许可（新办）", applicant=ZHANG,
        missing=[MissingMaterial("食品安全管理制度文本", "需加盖公章，内容应包括进货查验、从业人员健康管理等"),
                 MissingMaterial("经营场所平面布局图", "标明操作流程及功能区，注明面积"),
                 MissingMaterial("法定代表人身份证复印件", "复印件不清晰，请重新提交")],
        hall=HALL, clerk_name="王丽", issued_on=dt.date(2026, 11, 23), deadline=dt.date(2026, 12, 7),
        advice="可通过“浙里办”上传电子材料，审核通过后无需再到窗口。", window_name="商事登记 5 号窗口")
    values.update(changes)
    return NoticeData(**values)  # type: ignore[arg-type]


def sample_deferral(**changes: object) -> DeferralData:
    values: dict[str, object] = dict(
        number="RQ-33022501-20261123-0001", case_number=CASE_NUMBER, matter_name="个体工商户设立登记",
        applicant=ZHANG, deferred=[DeferredMaterial("经营场所使用证明", dt.date(2026, 11, 30), "租赁合同原件"),
                                   DeferredMaterial("从业人员健康证明", dt.date(2026, 12, 7))],
        hall=HALL, clerk_name="王丽", signed_on=dt.date(2026, 11, 23))
    values.update(changes)
    return DeferralData(**values)  # type: ignore[arg-type]


def sample_refusal(**changes: object) -> RefusalData:
    values: dict[str, object] = dict(
        number="BY-33022501-20261123-0001", matter_name="建设工程消防验收", applicant=ZHANG,
        applied_on=dt.date(2026, 11, 23),
        reason="申请事项依法不属于本机关职权范围，请向宁波市住房和城乡建设局提出申请。",
        legal_basis="《中华人民共和国行政许可法》第三十二条第一款第（二）项", hall=HALL,
        clerk_name="王丽", issued_on=dt.date(2026, 11, 23))
    values.update(changes)
    return RefusalData(**values)  # type: ignore[arg-type]
