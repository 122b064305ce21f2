"""The GA 467 frame layer and the text-block codec: exact request bytes from DEVICES.md 1.3, the
sample replies of 1.4, and properties (any bytes → frame / need-more / ProtocolError;
build → parse round trip; text block encode → decode round trip for every card type)."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices import idcard_frames as fr
from devices.errors import DeviceError, ProtocolError
from devices.idcard import PHOTO_NOTE, CardData, decode_text, encode_text, register_wlt_decoder
from devices.idcard_emulator import demo_cards

H = bytes.fromhex


@pytest.mark.parametrize(("command", "data", "hex_frame"), [
    (fr.RESET_SAM, b"", "AA AA AA 96 69 00 03 10 FF EC"),
    (fr.SAM_STATUS, b"", "AA AA AA 96 69 00 03 11 FF ED"),
    (fr.SAM_ID, b"", "AA AA AA 96 69 00 03 12 FF EE"),
    (fr.FIND_CARD, b"", "AA AA AA 96 69 00 03 20 01 22"),
    (fr.SELECT_CARD, b"", "AA AA AA 96 69 00 03 20 02 21"),
    (fr.READ_BASE, b"", "AA AA AA 96 69 00 03 30 01 32"),
    (fr.READ_BASE_FP, b"", "AA AA AA 96 69 00 03 30 10 23"),
    ((0x61, 0xFF), b"\x50", "AA AA AA 96 69 00 04 61 FF 50 CA"),
])
def test_request_frames_match_devices_md(command, data, hex_frame):
    assert fr.build_request(command, data) == H(hex_frame)


@pytest.mark.parametrize(("hex_frame", "sw3", "data"), [
    ("AA AA AA 96 69 00 04 00 00 90 94", 0x90, b""),
    ("AA AA AA 96 69 00 04 00 00 60 64", 0x60, b""),
    ("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97", 0x9F, bytes(4)),
    ("AA AA AA 96 69 00 04 00 00 80 84", 0x80, b""),
    ("AA AA AA 96 69 00 0C 00 00 90" + " 00" * 8 + " 9C", 0x90, bytes(8)),
    ("AA AA AA 96 69 00 04 00 00 81 85", 0x81, b""),
    ("AA AA AA 96 69 00 04 00 00 41 45", 0x41, b""),
])
def test_sample_replies_parse(hex_frame, sw3, data):
    res = fr.scan(H(hex_frame))
    assert res.frame is not None and res.consumed == len(H(hex_frame))
    resp = fr.parse_response(res.frame)
    assert (resp.sw1, resp.sw2, resp.sw3, resp.data) == (0, 0, sw3, data)
    assert fr.build_response(sw3, data) == H(hex_frame)


def test_read_reply_is_1295_bytes_with_the_documented_header():
    card = demo_cards()["resident"]
    frame = fr.build_response(fr.Sw3.SUCCESS, fr.build_read_payload(encode_text(card), card.photo_wlt_bytes, None))
    assert len(frame) == 1295
    assert frame[:14] == H("AA AA AA 96 69 05 08 00 00 90 01 00 04 00")
    payload = fr.parse_read_payload(fr.parse_response(fr.scan(frame).frame).data, False)
    assert payload.text == frame[14:270] and payload.photo == card.photo_wlt_bytes


def test_garbage_before_preamble_is_skipped_and_partial_preamble_kept():
    good = H("AA AA AA 96 69 00 04 00 00 90 94")
    res = fr.scan(b"\x00\xAA\x13" + good[:3])
    assert res.frame is None and res.consumed == 3 and res.need == 4
    res = fr.scan(b"\x00\xAA\x13" + good)
    assert res.frame == fr.Frame(b"\x00\x00\x90") and res.consumed == 3 + len(good)


def test_need_more_reports_the_missing_byte_count():
    good = H("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97")
    assert fr.scan(good[:5]).need == 2
    assert fr.scan(good[:9]).need == len(good) - 9


def test_bad_checksum_and_bad_length_are_protocol_errors_with_a_chinese_message():
    with pytest.raises(ProtocolError) as bad_sum:
        fr.scan(H("AA AA AA 96 69 00 04 00 00 90 95"))
    assert bad_sum.value.message == "读卡器数据校验错误" and bad_sum.value.details["consumed"] == 11
    with pytest.raises(ProtocolError) as bad_len:
        fr.scan(H("AA AA AA 96 69 FF FF 00"))
    assert bad_len.value.message == "读卡器数据长度错误"


@pytest.mark.parametrize(("code", "cls", "message"), [
    (0x80, fr.CardAbsent, "请放卡"), (0x41, DeviceError, "读卡失败，请重放"),
    (0x60, fr.SamFault, "SAM 模块异常"), (0x33, DeviceError, "证件信息验证失败"),
    (0xEE, DeviceError, "读卡器返回未知代码 0xEE"),
])
def test_sw3_maps_to_typed_error(code, cls, message):
    err = fr.error_for_sw3(code)
    assert type(err) is cls and err.message == message and err.details["sw3"] == code


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=600) | st.builds(lambda a, b: a + fr.PREAMBLE + b, st.binary(max_size=20),
                                           st.binary(max_size=80)))
def test_any_bytes_give_frame_need_more_or_protocol_error(data):
    try:
        res = fr.scan(data)
    except ProtocolError as exc:
        assert 0 < exc.details["consumed"] <= len(data)
        return
    assert 0 <= res.consumed <= len(data)
    if res.frame is None:
        assert res.need >= 1
        # Feeding the remainder again must not lose the place: the kept tail scans the same way.
        assert fr.scan(data[res.consumed:]).consumed == 0
    else:
        try:
            fr.parse_response(res.frame)
        except ProtocolError:
            pass


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 255), st.binary(max_size=2300), st.binary(max_size=30))
def test_build_then_parse_round_trips_even_after_noise(sw3, data, noise):
    noise = noise.replace(b"\xAA", b"")  # noise that cannot start a false preamble
    frame = fr.build_response(sw3, data)
    res = fr.scan(noise + frame + b"\x01\x02")
    assert res.consumed == len(noise) + len(frame)
    resp = fr.parse_response(res.frame)
    assert (resp.sw3, resp.data) == (sw3, data)


@pytest.mark.parametrize("kind", ["resident", "long_term", "gat", "foreigner_2017", "foreigner_2023"])
def test_text_block_round_trips_for_every_card_type(kind):
    card = demo_cards()[kind]
    block = encode_text(card)
    assert len(block) == 256
    assert decode_text(block, card.photo_wlt_bytes) == card


def test_resident_block_offsets_and_long_term():
    card = demo_cards()["long_term"]
    block = encode_text(card)
    assert block[0:6].decode("utf-16-le") == "李秀英"
    assert block[32:36].decode("utf-16-le") == "22"
    assert block[122:158].decode("utf-16-le") == "330225196005051248"
    assert block[204:208].decode("utf-16-le") == "长期"
    got = decode_text(block)
    assert (got.nation, got.sex, got.valid_to) == ("畲", "女", "长期")
    assert got.to_json()["valid_to"] == "长期"


def test_type_flag_at_248_selects_the_layout():
    flags = {k: encode_text(c)[248:250].decode("utf-16-le") for k, c in demo_cards().items()}
    assert flags == {"resident": " ", "long_term": " ", "gat": "J", "foreigner_2017": "I",
                     "foreigner_2023": "Y"}
    bad = bytearray(encode_text(demo_cards()["resident"]))
    bad[248:250] = "Z".encode("utf-16-le")
    with pytest.raises(ProtocolError, match="无法识别的证件类型"):
        decode_text(bytes(bad))


def test_2023_english_name_spans_both_areas():
    card = demo_cards()["foreigner_2023"]
    block = encode_text(card)
    assert len(card.english_name) > 35
    assert block[52:122].decode("utf-16-le") == card.english_name[:35]
    assert decode_text(block).english_name == card.english_name


def test_garbled_date_is_a_protocol_error_not_a_form_full_of_junk():
    block = bytearray(encode_text(demo_cards()["resident"]))
    block[36:52] = "1990X101".encode("utf-16-le")
    with pytest.raises(ProtocolError, match="出生日期"):
        decode_text(bytes(block))


def test_json_keys_and_extras():
    cards = demo_cards()
    base = ["name", "sex", "nation", "birth_date", "address", "id_number", "authority", "valid_from",
            "valid_to", "card_type", "photo_wlt_bytes"]
    assert list(cards["resident"].to_json()) == base
    assert list(cards["gat"].to_json()) == base + ["pass_number", "issue_count"]
    assert list(cards["foreigner_2017"].to_json()) == base + ["english_name", "nationality",
                                                              "card_version", "authority_code"]
    assert list(cards["foreigner_2023"].to_json()) == base + ["english_name", "nationality", "renewal_count"]
    for card in cards.values():  # the CLI shape loses nothing the chip carried
        assert CardData.from_json(card.to_json()) == card
    j = cards["resident"].to_json()
    assert (j["birth_date"], j["valid_to"], j["nation"]) == ("1990-01-01", "2035-03-01", "汉")
    # from_json takes the CLI shape back (nation name → chip code through clerk.refdata)
    assert CardData.from_json(j) == cards["resident"]


def test_wlt_decoder_plugin_point():
    card = demo_cards()["resident"]
    assert card.photo_note == PHOTO_NOTE and card.photo_bmp() is None

    class Fake:
        def decode(self, wlt: bytes) -> bytes:
            return b"BM" + wlt[:4]

    register_wlt_decoder(Fake())
    try:
        assert card.photo_note == "" and card.photo_bmp() == b"BM" + card.photo_wlt_bytes[:4]
    finally:
        register_wlt_decoder(None)


def test_demo_ids_are_valid_numbers():
    from clerk.validation import is_valid_id_number

    for card in demo_cards().values():
        assert is_valid_id_number(card.id_number), card.id_number
    assert demo_cards()["resident"].birth_date == dt.date(1990, 1, 1)
