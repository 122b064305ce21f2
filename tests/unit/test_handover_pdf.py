"""The printed 交接单 (C16): text read back with PDFium says what the centre counts (each case's
number, masked applicant, matter, originals/copies, totals, signature lines) and the Code128
decodes to the list's number; a long list flows onto a second page with the header repeated."""
from __future__ import annotations

import datetime as dt
import re

import pypdfium2 as pdfium

from clerk.dto import HandoverLine, HandoverListInfo
from printing.data import HallInfo
from printing.handover import handover_data, render_handover
from tests.pdftools import decode_codes, pdf_fonts, pdf_to_pngs

NUMBER = "JJ33022501V0120261130001"
MATTERS = ["出生一件事", "城乡居民医保参保登记", "社会保障卡申领"]


def _info(n: int) -> HandoverListInfo:
    lines = tuple(HandoverLine(case_number=f"33022501V0120261130{i + 1:04d}", applicant="张*明",
                               id_number_masked="330225********1234", matter_name=MATTERS[i % 3],
                               accepted_at=dt.datetime(2026, 11, 30, 9, i % 60), originals=1 + i % 3, copies=i % 2,
                               papers=("居民身份证 原件1份", "户口簿 原件及复印件1份"))
                  for i in range(n))
    return HandoverListInfo(NUMBER, "陈阿姨", "V01", dt.datetime(2026, 11, 30, 12, 30), lines)


def _pages_text(pdf: bytes) -> list[str]:
    doc = pdfium.PdfDocument(pdf)
    try:
        return [re.sub(r"\s+", "", doc[i].get_textpage().get_text_range()) for i in range(len(doc))]
    finally:
        doc.close()


def test_the_list_reads_back_with_cases_papers_totals_and_signatures(tmp_path):
    info = _info(3)
    pdf = render_handover(handover_data(info, HallInfo("象山县行政服务中心", "丹东街道象山港路1号")))
    (text,) = _pages_text(pdf)
    assert "办件交接单" in text.replace(" ", "") or "办件交接单" in text
    assert f"交接单编号：{NUMBER}" in text and "代办员：陈阿姨" in text
    for line in info.lines:
        assert line.case_number in text and line.matter_name in text
    assert "张*明330225********1234" in text and "张三" not in text
    assert "共3件，随附纸质材料原件6份、复印件1份" in text
    assert "合计3件61" in text  # the totals row: cases, originals, copies
    assert "代办员（交出人）签字：" in text and "中心接收人签字：" in text and text.count("日期：") >= 3
    assert all(f.embedded for f in pdf_fonts(pdf))  # the shipped CJK font, not a viewer's fallback
    png = pdf_to_pngs(pdf, tmp_path)[0]
    assert ("CODE128", NUMBER) in decode_codes(png)


def test_a_long_list_goes_on_with_its_header_and_totals_on_the_last_page(tmp_path):
    info = _info(16)
    pages = _pages_text(render_handover(handover_data(info, HallInfo("象山县行政服务中心"))))
    assert len(pages) == 2
    assert "办件交接单（续）" in pages[1]
    assert "33022501V01202611300015" in pages[1] and "33022501V01202611300016" in pages[1]  # rows carried over
    assert "合计16件" in pages[1] and "中心接收人签字：" in pages[1] and "第2页共2页" in pages[1]
    found = [n for page in pages for n in re.findall(r"(?<!J)33022501V0120261130\d{4}", page)]
    assert found == [line.case_number for line in info.lines]  # every case once, in order
