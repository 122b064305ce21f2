"""The four hall documents render as real A4 PDFs a person (and a scanner) can read: Chinese text
comes back out, the QR code and Code128 decode to the case number, the CJK font is embedded, and a
long material list flows onto a second page with page numbers and without running into the footer.
"""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader

from printing import FontMissing, PrintingError, fonts
from printing.data import ApplicantInfo, REMEDY_TEXT, cn_date
from printing.deferral import render_deferral
from printing.notice import render_notice
from printing.pdfdoc import BOTTOM, PAGE_H, TOP, LATER_HEADER_H
from printing.receipt import render_receipt
from printing.refusal import render_refusal
from tests.pdftools import (CASE_NUMBER, HALL, decode_codes, pdf_fonts, pdf_pages_text, pdf_text,
                            pdf_to_pngs, sample_deferral, sample_notice, sample_receipt,
                            sample_refusal)


def squash(text: str) -> str:
    """Text without whitespace: wrapping may split a sentence anywhere."""
    return re.sub(r"\s+", "", text)


def test_receipt_shows_title_number_matters_materials_and_promised_date():
    data = sample_receipt(5)
    text = pdf_text(render_receipt(data))
    flat = squash(text)
    assert "受理回执" in flat
    assert f"受理编号：{CASE_NUMBER}" in flat
    for name in data.matter_names:
        assert name in flat
    assert "出生一件事" in flat
    for m in data.materials:
        assert m.name in flat
    assert "承诺办结日期2026年11月25日" in flat
    assert "2个工作日" in flat and "20个工作日" in flat
    assert "邮寄送达（宁海县跃龙街道人民路88号）" in flat
    assert "330226********2316" in flat and "138****5678" in flat
    assert "申请人（代理人）签字：" in flat and "受理人：王丽" in flat
    assert "咨询电话：0574-65512345" in flat
    assert "第1页" not in flat  # a one-page document carries no page numbers


def test_receipt_qr_and_code128_decode_to_the_case_number(tmp_path):
    png = pdf_to_pngs(render_receipt(sample_receipt(3)), tmp_path)[0]
    assert decode_codes(png) == [("CODE128", CASE_NUMBER), ("QRCODE", CASE_NUMBER)]


def test_receipt_qr_carries_a_custom_payload_while_the_barcode_keeps_the_number(tmp_path):
    url = f"https://zwfw.example.gov.cn/q?c={CASE_NUMBER}"
    png = pdf_to_pngs(render_receipt(sample_receipt(1, qr_payload=url)), tmp_path)[0]
    assert decode_codes(png) == [("CODE128", CASE_NUMBER), ("QRCODE", url)]


@pytest.mark.parametrize("render,data", [
    (render_receipt, sample_receipt(8)), (render_notice, sample_notice()),
    (render_deferral, sample_deferral()), (render_refusal, sample_refusal())])
def test_every_font_is_embedded_truetype_and_no_type3(render, data):
    found = pdf_fonts(render(data))
    assert found, "a document with text must reference a font"
    assert all(f.embedded for f in found), found
    assert all(f.subtype == "/TrueType" for f in found), found  # no Type3 bitmaps, no base-14


def test_forty_materials_flow_onto_two_numbered_pages_clear_of_header_and_footer():
    data = sample_receipt(40)
    pdf = render_receipt(data)
    pages = [squash(t) for t in pdf_pages_text(pdf)]
    assert len(pages) == 2
    assert "第1页共2页" in pages[0] and "第2页共2页" in pages[1]
    assert "受理回执（续）" in pages[1] and "序号材料名称" in pages[1]  # header row repeats
    for m in data.materials:  # each line printed exactly once, none lost at the break
        assert sum(page.count(m.name) for page in pages) == 1, m.name
    assert "申请人（代理人）签字：" in pages[1]
    body_top = PAGE_H - TOP - LATER_HEADER_H
    contact = squash(f"{HALL.name}地址：{HALL.address}咨询电话：{HALL.phone}")
    for number, page in enumerate(PdfReader(io.BytesIO(pdf)).pages, start=1):
        placed = _text_positions(page)
        footer = squash("".join(t for t, y in placed if y < BOTTOM))
        assert footer == f"{contact}第{number}页共2页"  # nothing from the body ran into it
        if number > 1:
            header = squash("".join(t for t, y in placed if y > body_top))
            assert header == f"{HALL.name}·受理回执（续）受理编号：{CASE_NUMBER}"


def _text_positions(page) -> list[tuple[str, float]]:
    found: list[tuple[str, float]] = []

    def visit(text, cm, tm, _font, _size):
        if text.strip():
            found.append((text.strip(), tm[4] * cm[1] + tm[5] * cm[3] + cm[5]))

    page.extract_text(visitor_text=visit)
    return found


def test_notice_lists_every_missing_material_with_its_requirement_and_deadline(tmp_path):
    data = sample_notice()
    pdf = render_notice(data)
    flat = squash(pdf_text(pdf))
    assert "一次性告知书" in flat and f"编号：{data.number}" in flat
    assert "（共3项）" in flat
    for m in data.missing:
        assert m.name in flat and squash(m.requirement) in flat
    assert "请您于2026年12月7日前按上述要求补齐材料后" in flat
    assert "商事登记5号窗口" in flat and "申请人签收：" in flat
    assert decode_codes(pdf_to_pngs(pdf, tmp_path)[0]) == [("QRCODE", data.number)]


def test_deferral_shows_each_deferred_material_with_its_own_due_date_and_the_promise():
    data = sample_deferral()
    flat = squash(pdf_text(render_deferral(data)))
    assert "容缺受理承诺书" in flat and CASE_NUMBER in flat
    assert "经营场所使用证明2026年11月30日租赁合同原件" in flat
    assert "从业人员健康证明2026年12月7日" in flat
    assert squash(data.promise_text) in flat
    assert "承诺人（签字/盖章）：" in flat and "受理人：王丽" in flat


def test_refusal_states_reason_basis_and_the_appeal_remedy():
    data = sample_refusal()
    flat = squash(pdf_text(render_refusal(data)))
    assert "不予受理通知书" in flat
    assert squash(data.reason) in flat and squash(data.legal_basis) in flat
    assert squash(REMEDY_TEXT) in flat
    assert "六十日内依法申请行政复议" in flat and "六个月内依法提起行政诉讼" in flat


def test_refusal_without_a_reason_is_refused_in_chinese_and_a_missing_basis_gets_the_default():
    with pytest.raises(PrintingError) as err:
        render_refusal(sample_refusal(reason="  "))
    assert "理由" in err.value.message
    flat = squash(pdf_text(render_refusal(sample_refusal(legal_basis=""))))
    assert "依据：《中华人民共和国行政许可法》第三十二条" in flat


def test_markup_in_data_is_printed_literally():
    pdf = render_receipt(sample_receipt(1, applicant=ApplicantInfo("A&B <b>公司</b>", "", "",
                                                                    "enterprise")))
    flat = squash(pdf_text(pdf))
    assert "A&B<b>公司</b>" in flat and "法人/组织" in flat


def test_an_unmasked_id_or_phone_that_slipped_through_is_masked_on_paper():
    leaked = ApplicantInfo("张晓明", "330226199001012316", "13812345678")
    flat = squash(pdf_text(render_receipt(sample_receipt(1, applicant=leaked))))
    assert "330226199001012316" not in flat and "13812345678" not in flat
    assert "3302**********2316" in flat and "138****5678" in flat


def test_immediate_matter_reads_as_same_day_and_dates_have_no_zero_padding():
    flat = squash(pdf_text(render_receipt(sample_receipt(1, promised_days=0))))
    assert "承诺办结时限即办" in flat
    assert cn_date(dt.date(2026, 1, 5)) == "2026年1月5日"


def test_font_override_must_be_truetype_and_the_error_names_the_package(tmp_path, monkeypatch):
    fake = tmp_path / "not-a-font.ttf"
    fake.write_bytes(b"OTTO" + b"\0" * 64)  # a CFF header: what Noto CJK would look like
    monkeypatch.setenv("CLERK_CJK_FONT", str(fake))
    fonts._reset_for_tests()
    try:
        with pytest.raises(FontMissing) as err:
            fonts.register_fonts()
        assert "CLERK_CJK_FONT" in err.value.message and "删除该设置" in err.value.message
        monkeypatch.setenv("CLERK_CJK_FONT", str(tmp_path / "missing.ttc"))
        with pytest.raises(FontMissing, match="不存在"):
            fonts.register_fonts()
    finally:
        monkeypatch.delenv("CLERK_CJK_FONT")
        fonts._reset_for_tests()
    assert fonts.cjk_font_path().suffix.lower() in (".ttf", ".ttc")


def test_font_override_picks_the_named_file(monkeypatch):
    chosen = fonts.cjk_font_path()  # whatever this machine found is a valid override
    monkeypatch.setenv("CLERK_CJK_FONT", f"{chosen}#0")
    fonts._reset_for_tests()
    try:
        found = fonts.register_fonts()
        assert found.regular_path == chosen and found.bold_path == chosen
        assert "受理回执" in squash(pdf_text(render_receipt(sample_receipt(1))))
    finally:
        monkeypatch.delenv("CLERK_CJK_FONT")
        fonts._reset_for_tests()


# ---- 补正材料通知书 -----------------------------------------------------------------------------

def sample_supplement(**changes: object):
    from printing.data import MissingMaterial, SupplementNoticeData

    values: dict[str, object] = dict(
        case_number=CASE_NUMBER, matter_name="城乡居民医保参保登记", applicant=ZHANG_APPLICANT,
        items=[MissingMaterial("户口簿", "原件及复印件，1 份"), MissingMaterial("户籍证明")],
        hall=HALL, clerk_name="王丽", issued_on=dt.date(2026, 11, 24), accepted_on=dt.date(2026, 11, 23),
        explanation="户口簿复印件不清晰，请提供原件及清晰复印件", deadline=dt.date(2026, 11, 30),
        window_name="综合受理 3 号窗口")
    values.update(changes)
    return SupplementNoticeData(**values)  # type: ignore[arg-type]


ZHANG_APPLICANT = ApplicantInfo("张晓明", "330226********2316", "138****5678", "person")


def test_supplement_notice_lists_what_is_asked_with_case_number_deadline_and_signatures(tmp_path):
    from printing.supplement import render_supplement

    data = sample_supplement()
    pdf = render_supplement(data)
    flat = squash(pdf_text(pdf))
    assert "补正材料通知书" in flat and f"受理编号：{CASE_NUMBER}" in flat
    assert "张晓明：" in flat and "于2026年11月23日申请办理的“城乡居民医保参保登记”事项" in flat
    assert "（共2项）" in flat and "户口簿原件及复印件，1份" in flat and "户籍证明—" in flat
    assert "补正说明：户口簿复印件不清晰，请提供原件及清晰复印件" in flat
    assert "请您于2026年11月30日前将上述材料提交到宁海县行政服务中心（综合受理3号窗口）" in flat
    assert "申请人签收：" in flat and "经办人：王丽" in flat and "通知日期：2026年11月24日" in flat
    assert "日期：2026年11月24日" in flat and "咨询电话：0574-65512345" in flat
    assert decode_codes(pdf_to_pngs(pdf, tmp_path)[0]) == [("QRCODE", CASE_NUMBER)]
    found = pdf_fonts(pdf)
    assert found and all(f.embedded and f.subtype == "/TrueType" for f in found), found


def test_supplement_notice_with_only_an_explanation_or_nothing():
    from printing.supplement import render_supplement

    flat = squash(pdf_text(render_supplement(sample_supplement(items=[], deadline=None))))
    assert "需要您补正以下材料：补正说明：" in flat and "（共" not in flat
    assert "请您尽快将上述材料提交到" in flat
    with pytest.raises(PrintingError, match="需补正的材料或补正说明"):
        render_supplement(sample_supplement(items=[], explanation=" "))


def test_supplement_notice_from_a_case_prints_its_latest_request():
    from clerk.dto import CaseInfo, SupplementInfo
    from printing.casedocs import render_case_document

    asked = SupplementInfo(requested_at=dt.datetime(2026, 11, 24, 10, 0), items=("户口簿", "户籍证明"),
                           requirements=("原件及复印件，1 份", ""), text="请补充户籍证明", requested_by="李审批",
                           due_date=dt.date(2026, 12, 1))
    case = CaseInfo(id=1, uuid="u", number=CASE_NUMBER, state="supplement", state_label="补正中",
                    matter_code="M", matter_name="城乡居民医保参保登记", bundle_code=None, department="医保局",
                    kind="committed", applicant=None, proxy_name="", situation={}, checks=(),
                    created_at=dt.datetime(2026, 11, 23, 9), accepted_at=dt.datetime(2026, 11, 23, 9, 30),
                    promised_date=dt.date(2026, 11, 25), promised_days=2, statutory_days=10, delivery="window",
                    post_address="", tracking_number="", visits=1, reason="", clerk_name="王晓丽", window_number=3,
                    supplements=(asked,))
    flat = squash(pdf_text(render_case_document(case, "supplement", HALL)))
    assert "户口簿原件及复印件，1份" in flat and "户籍证明" in flat and "补正说明：请补充户籍证明" in flat
    assert "经办人：李审批" in flat and "请您于2026年12月1日前" in flat and "3号窗口" in flat
    with pytest.raises(PrintingError, match="没有补正要求"):
        render_case_document(CaseInfo(**{**case.__dict__, "supplements": ()}), "supplement", HALL)


def test_receipt_lists_the_application_form_under_申请信息_with_ids_and_phones_masked(tmp_path):
    from clerk.dto import CaseInfo, FormFieldInfo
    from printing.casedocs import receipt_data, render_case_document

    father = "330225199001011234"
    form = (FormFieldInfo("baby_name", "新生儿姓名", "text", True, "张小宝"),
            FormFieldInfo("baby_sex", "性别", "choice", True, "男", ("男", "女")),
            FormFieldInfo("birth_date", "出生日期", "date", True, "2026-11-02"),
            FormFieldInfo("father_id", "父亲身份证号", "id_number", False, father),
            FormFieldInfo("contact_phone", "联系电话", "phone", False, "13905741234"),
            FormFieldInfo("birth_place", "出生地点", "text", True, "象山县第一人民医院（丹东街道靖南大街 291 号）"),
            FormFieldInfo("weight", "出生体重（克）", "number", False, ""))  # empty: not printed
    case = CaseInfo(id=1, uuid="u", number=CASE_NUMBER, state="accepted", state_label="已受理",
                    matter_code="M", matter_name="出生登记（新生儿入户）", bundle_code=None, department="公安局",
                    kind="committed", applicant=None, proxy_name="", situation={}, checks=(),
                    created_at=dt.datetime(2026, 11, 23, 9), accepted_at=dt.datetime(2026, 11, 23, 9, 30),
                    promised_date=dt.date(2026, 11, 26), promised_days=3, statutory_days=20, delivery="window",
                    post_address="", tracking_number="", visits=1, reason="", clerk_name="王晓丽", window_number=3,
                    form=form)
    assert [label for label, _ in receipt_data(case, HALL).form_lines] == [
        "新生儿姓名", "性别", "出生日期", "父亲身份证号", "联系电话", "出生地点"]
    pdf = render_case_document(case, "receipt", HALL)
    flat = squash(pdf_text(pdf))
    assert "申请信息" in flat
    for words in ("新生儿姓名张小宝", "性别男", "出生日期2026-11-02", "3302**********1234", "139****1234",
                  "象山县第一人民医院"):
        assert words in flat, words
    assert father not in flat and "13905741234" not in flat and "出生体重" not in flat
    assert flat.index("申请信息") < flat.index("温馨提示")
    pdf_to_pngs(pdf, tmp_path)  # renders (looked at by eye while writing the layout)


def test_a_long_receipt_never_leaves_its_signatures_alone_on_the_last_page():
    """Whatever the number of materials and notes (a bundle lists each matter's case number), the
    page with the signatures also holds received materials: the applicant signs under them."""
    notes = [f"第{i}项事项：办件编号 3302250100{i}" for i in range(6)]
    seen_two_pages = False
    for n in range(4, 26):
        data = sample_receipt(n, notes=notes)
        pages = pdf_pages_text(render_receipt(data))
        assert "签字" in pages[-1]
        if len(pages) > 1:
            seen_two_pages = True
            # the materials table (its header repeats on a new page) continues on the last page
            assert "序号" in pages[-1] and any(s in pages[-1] for s in ("已提交", "容缺", "共享获取")), (n, pages[-1])
    assert seen_two_pages


# ---- the bundled font ------------------------------------------------------------------------

def _isolated_search(monkeypatch, regular: tuple = (), bold: tuple = ()) -> None:
    """Font search limited to ``regular``/``bold`` system paths, no fc-list, no override."""
    monkeypatch.delenv("CLERK_CJK_FONT", raising=False)
    monkeypatch.setattr(fonts, "_REGULAR_CANDIDATES", regular)
    monkeypatch.setattr(fonts, "_BOLD_CANDIDATES", bold)
    monkeypatch.setattr(fonts, "_fc_list_candidates", lambda: [])
    fonts._reset_for_tests()


def test_a_machine_without_any_cjk_font_prints_with_the_bundled_one(monkeypatch):
    _isolated_search(monkeypatch)
    try:
        found = fonts.register_fonts()
        assert found.regular_path == fonts.BUNDLED_FONT and fonts.is_bundled(found.regular_path)
        pdf = render_receipt(sample_receipt(2))
        assert "受理回执" in squash(pdf_text(pdf))
        assert {f.name.split("+")[-1] for f in pdf_fonts(pdf) if f.embedded} == {"WenQuanYiMicroHei-0"}
    finally:
        fonts._reset_for_tests()
    licence = fonts.BUNDLED_FONT.with_name("LICENSE-wqy-microhei.txt").read_text(encoding="utf-8")
    assert "Apache License" in licence and "WenQuanYi" in licence


def test_a_system_song_face_wins_over_the_bundled_font(tmp_path, monkeypatch):
    # A real TrueType file at a "system" path (a copy: this machine has no 宋体 of its own).
    system_song = tmp_path / "simsun.ttc"
    system_song.write_bytes(fonts.BUNDLED_FONT.read_bytes())
    _isolated_search(monkeypatch, regular=((tmp_path / "absent.ttc", 0), (system_song, 0)))
    try:
        found = fonts.register_fonts()
        assert found.regular_path == system_song and not fonts.is_bundled(found.regular_path)
        assert found.bold_path == system_song  # no 黑体: headings use the body face
    finally:
        fonts._reset_for_tests()


def test_without_the_bundled_file_the_error_says_to_reinstall(tmp_path, monkeypatch):
    _isolated_search(monkeypatch)
    monkeypatch.setattr(fonts, "_bundled", lambda: [(tmp_path / "wqy-microhei.ttc", 0)])
    try:
        with pytest.raises(FontMissing, match="重新安装"):
            fonts.register_fonts()
    finally:
        fonts._reset_for_tests()


def test_documents_rendered_at_once_on_several_threads_are_byte_identical_to_one_at_a_time(monkeypatch):
    """An acceptance with a deferral renders its receipt and its 承诺书 on two workers at once.
    reportlab's shared TrueType face is not thread-safe (embedding a subset moves one shared read
    position): without the build lock this raised IndexError or embedded wrong glyphs. Many
    distinct characters make each subset long, so unguarded builds overlap in it."""
    import sys
    import threading

    from reportlab import rl_config

    from printing.pdfdoc import DocHeader, build_pdf, p

    monkeypatch.setattr(rl_config, "invariant", 1)  # no timestamps or random ids: outputs compare
    texts = ["".join(chr(c) for c in range(start, start + 1000)) for start in (0x4E00, 0x5600)]

    def render(k: int) -> bytes:
        head = DocHeader("受理回执", f"{CASE_NUMBER}-{k}", HALL, dt.date(2026, 11, 23), barcode_text=CASE_NUMBER)
        return build_pdf(head, [p(texts[k])])

    reference = [render(0), render(1)]
    got: list[tuple[int, bytes]] = []
    errors: list[BaseException] = []

    def work(k: int) -> None:
        for _ in range(2):
            try:
                got.append((k, render(k)))
            except BaseException as exc:  # noqa: BLE001 - collected and reported below
                errors.append(exc)

    threads = [threading.Thread(target=work, args=(i % 2,)) for i in range(4)]
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # interleave the threads often
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(switch)
    assert errors == []
    assert len(got) == 8
    assert all(pdf == reference[k] for k, pdf in got)
