"""ESC/POS rendering: tickets, slips and the test page decoded back to what the paper would show;
the command bytes match python-escpos 3.1; wrapping respects the paper; the decoder and the
status parser fail only with ``ProtocolError`` on arbitrary bytes."""
from __future__ import annotations

import datetime as dt

import pytest
from escpos.printer import Dummy
from hypothesis import given
from hypothesis import strategies as st

from devices.errors import ProtocolError
from devices.escpos_decode import decode
from devices.escpos_status import MSG_PAPER_OUT, parse_reply, parse_status
from printing import PrintingError
from printing.data import ApplicantInfo, HallInfo, MaterialLine, ReceiptData
from printing.escpos import EscPosDoc, code128_payload, text_width, wrap
from printing.slip import TEST_BARCODE, TEST_QR, render_receipt_slip, render_test_page
from printing.ticket import TicketSlip, render_ticket

SLIP = TicketSlip(hall_name="象山县行政服务中心", number="A023", zone_name="综合受理区",
                  issued_at=dt.datetime(2026, 11, 23, 9, 15), people_ahead=3, lane_label="普通",
                  qr_payload="https://zwfw.example.gov.cn/q/A023", note="过号请到服务台重新取号")


def _receipt(**over: object) -> ReceiptData:
    base = dict(case_number="33022501W01202611230007", matter_names=("居民身份证换领",),
                applicant=ApplicantInfo("王晓丽", "330225199001011234", "13812345678"),
                accepted_at=dt.datetime(2026, 11, 23, 9, 30), promised_date=dt.date(2026, 11, 30),
                statutory_days=20, promised_days=5, hall=HallInfo("象山县行政服务中心"), clerk_name="张三",
                window_name="3号窗口",
                materials=tuple(MaterialLine(f"第{i}份材料", "原件", 1, "已提交") for i in range(1, 12)))
    base.update(over)
    return ReceiptData(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize("width", [80, 58])
def test_ticket_decodes_to_hall_number_people_ahead_and_qr(width):
    d = decode(render_ticket(SLIP, width))
    assert "象山县行政服务中心" in d.text
    assert "A023" in d.text
    assert "您前面还有 3 人等候" in d.text
    assert "2026-11-23 09:15" in d.text
    assert d.qr_payloads == ["https://zwfw.example.gov.cn/q/A023"]
    assert d.cuts == 1 and d.warnings == []
    number = next(line for line in d.lines if line.text == "A023")
    assert number.width >= 3 and number.height >= 3 and number.align == 1


def test_chinese_mode_is_switched_on_before_any_chinese_text():
    ops = decode(render_ticket(SLIP, 80)).ops
    first_cjk = next(i for i, op in enumerate(ops) if op.name == "text" and any(ord(c) > 127 for c in op.args[0]))
    assert [op.name for op in ops[:2]] == ["init", "chinese_on"]
    assert "chinese_on" in [op.name for op in ops[:first_cjk]]


def test_text_is_gb18030_bytes_as_python_escpos_writes_them():
    out = EscPosDoc(80).text("请A001号到3号窗口\n").to_bytes()
    assert out == b"\x1b@\x1c&" + bytes.fromhex("c7eb41303031bac5b5bd33bac5b4b0bfda0a")


def test_code128_bytes_match_documented_and_python_escpos_output():
    ours = EscPosDoc(80).code128("A001").to_bytes()[4:]  # after ESC @ FS &
    documented = bytes.fromhex("1d68401d77031d66001d48021d6b49067b4241303031")
    p = Dummy()
    p.barcode("{BA001", "CODE128", function_type="B", align_ct=False)
    assert ours == documented == p.output


def test_qr_bytes_match_documented_and_python_escpos_output():
    url = "https://zwfw.example.gov.cn/q/A023"
    ours = EscPosDoc(80).qr(url, size=6, ec="M").to_bytes()[4:]
    store_len = len(url) + 3
    documented = (bytes.fromhex("1d286b040031413200") + bytes.fromhex("1d286b03003143") + b"\x06"
                  + bytes.fromhex("1d286b03003145") + b"\x31"
                  + b"\x1d(k" + bytes([store_len, 0]) + b"1P0" + url.encode() + bytes.fromhex("1d286b0300315130"))
    p = Dummy()
    p.qr(url, native=True, size=6, ec=1)
    assert ours == documented == p.output


def test_qr_content_is_utf8():
    raw = EscPosDoc(80).qr("中文").to_bytes()
    assert "中文".encode("utf-8") in raw and decode(raw).qr_payloads == ["中文"]


def test_cut_bytes_match_python_escpos():
    p = Dummy()
    p.cut()
    assert EscPosDoc(80).cut().to_bytes()[4:] == bytes.fromhex("1b64061d5600") == p.output
    assert EscPosDoc(80).cut(feed=0, partial=True).to_bytes()[4:] == b"\x1dV\x01"


def test_case_number_barcode_uses_code_set_c_and_fits_58mm():
    payload = code128_payload("33022501W01202611230007")
    assert payload.startswith(b"{C") and b"{BW{C" in payload
    d = decode(EscPosDoc(58).code128("33022501W01202611230007", module=3).to_bytes())
    (bar,) = d.barcodes
    assert bar.data == "33022501W01202611230007" and bar.kind == "CODE128"
    assert bar.module == 2  # narrowed from 3: 189 modules × 3 dots would overflow 384 dots


def test_code128_odd_digit_run_and_braces_round_trip():
    for data in ("12345", "{A}77", "X1234567Y", "0"):
        assert decode(EscPosDoc(80).code128(data).to_bytes()).barcodes[0].data == data


def test_code128_refuses_chinese():
    with pytest.raises(PrintingError) as err:
        EscPosDoc(80).code128("编号123")
    assert "条码" in err.value.message


@pytest.mark.parametrize("width,cols", [(80, 48), (58, 32)])
def test_wrapped_lines_never_exceed_the_paper(width, cols):
    text = ("申请人需携带居民身份证原件及复印件，到3号窗口办理；Please bring the original ID card. "
            "网址：https://zwfw.example.gov.cn/very/long/path/that/does/not/fit/on/one/line 谢谢！") * 3
    lines = decode(EscPosDoc(width).line(text).to_bytes()).lines
    assert len(lines) > 3
    assert max(text_width(line.text) for line in lines) <= cols


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=200),
       st.sampled_from([32, 48, 16, 24, 5]))
def test_wrap_never_exceeds_columns_on_any_text(text, cols):
    assert all(text_width(line) <= cols for line in wrap(text, cols))


def test_wrap_keeps_closing_punctuation_off_the_line_start():
    lines = wrap("一二三四五六七八九十一二三四五六，后面", 32)
    assert not lines[1].startswith("，")
    assert all(text_width(line) <= 32 for line in lines)


def test_58mm_ticket_never_exceeds_32_columns_at_its_size():
    for line in decode(render_ticket(SLIP, 58)).lines:
        assert text_width(line.text) * line.width <= 32, line


def test_control_characters_in_text_cannot_become_commands():
    d = decode(EscPosDoc(80).line("王\x1dV\x00晓\x1b@丽").to_bytes())
    assert d.cuts == 0
    assert [op.name for op in d.ops].count("init") == 1
    assert d.text == "王 V 晓 @丽"


def test_full_id_and_mobile_numbers_never_reach_the_paper():
    slip = TicketSlip("大厅", "B001", "综合", dt.datetime(2026, 11, 23, 9, 0),
                      note="联系人 330225199001011234 电话 13812345678")
    text = decode(render_ticket(slip, 58)).text
    assert "330225199001011234" not in text and "13812345678" not in text
    assert "3302**********1234" in text and "138****5678" in text


def test_receipt_slip_has_case_barcode_masked_applicant_and_short_material_list():
    d = decode(render_receipt_slip(_receipt(), 80))
    assert d.barcodes[0].data == "33022501W01202611230007"
    assert "王*丽" in d.text and "3302**********1234" in d.text
    assert "王晓丽" not in d.text and "330225199001011234" not in d.text
    assert "2026年11月30日（5 个工作日）" in d.text
    assert "第8份材料" in d.text and "第9份材料" not in d.text
    assert "另有 3 项" in d.text
    assert d.qr_payloads == ["33022501W01202611230007"]
    assert d.cuts == 1


def test_receipt_slip_masks_an_unmasked_id_passed_by_mistake():
    d = decode(render_receipt_slip(_receipt(applicant=ApplicantInfo("欧阳晓丽", "33022519900101123X")), 58))
    assert "33022519900101123X" not in d.text and "3302**********123X" in d.text and "欧**丽" in d.text


@pytest.mark.parametrize("width", [80, 58])
def test_test_page_has_chinese_full_width_line_qr_code128_and_cut(width):
    d = decode(render_test_page(width))
    cols = 48 if width == 80 else 32
    assert "中文测试" in d.text
    assert "国" * (cols // 2) in d.text.splitlines()
    assert any(text_width(line.text) == cols and "ＡＢＣ" in line.text for line in d.lines)
    assert d.qr_payloads == [TEST_QR]
    assert [b.data for b in d.barcodes] == [TEST_BARCODE]
    assert d.cuts == 1 and d.warnings == []


def test_unsupported_width_is_a_clear_error():
    with pytest.raises(PrintingError) as err:
        EscPosDoc(76)
    assert "80 或 58" in err.value.message


def test_decoder_flags_chinese_text_without_fs_ampersand():
    d = decode(b"\x1b@" + "中文".encode("gb18030") + b"\n")
    assert d.warnings and "FS &" in d.warnings[0]


def test_decoder_rejects_truncated_and_unknown_commands():
    for bad in (b"\x1d(k\x10\x00", b"\x1b\x7f", b"\x1c&\xc7\n", b"\x1dV\x07", b"\x1dk\x49\x05{BA"):
        with pytest.raises(ProtocolError):
            decode(bad)


@given(st.binary(max_size=300))
def test_decoder_never_crashes_on_arbitrary_bytes(data):
    try:
        result = decode(data)
    except ProtocolError as exc:
        assert exc.message.startswith("打印数据无法解析")
    else:
        assert isinstance(result.ops, list)


@given(st.binary(min_size=1, max_size=40))
def test_decoder_survives_our_ticket_followed_by_arbitrary_bytes(tail):
    try:
        decode(render_ticket(SLIP, 80) + tail)
    except ProtocolError:
        pass


def test_status_documented_paper_out_vector():
    status = parse_reply(bytes.fromhex("1A327E"))
    assert status.paper == "out" and not status.online and not status.can_print
    assert status.message == MSG_PAPER_OUT == "打印机缺纸，请装纸后点击重打"


def test_status_ok_near_end_cover_open():
    assert parse_status(0x12, 0x12, 0x12).can_print and parse_status(0x12, 0x12, 0x12).message == ""
    near = parse_status(0x12, 0x12, 0x1E)
    assert near.paper == "near_end" and near.can_print and "即将用完" in near.message
    cover = parse_status(0x1A, 0x16, 0x12)
    assert cover.cover_open and not cover.can_print and cover.message.startswith("打印机盖未关好")


@given(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255))
def test_status_parser_returns_a_status_or_protocol_error(a, b, c):
    fixed_ok = all(x & 0b1001_0011 == 0b0001_0010 for x in (a, b, c))
    try:
        status = parse_status(a, b, c)
    except ProtocolError:
        assert not fixed_ok
    else:
        assert fixed_ok and status.paper in ("ok", "near_end", "out")
