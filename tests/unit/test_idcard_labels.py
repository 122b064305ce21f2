"""What the intake screen says about a card: its type's name, and the photo note."""
from __future__ import annotations

import pytest

from devices.idcard import (PHOTO_NOTE, CardData, card_type_label, decode_text, encode_text, photo_note,
                            register_wlt_decoder)
from devices.idcard_emulator import demo_cards

CARDS = demo_cards()


@pytest.mark.parametrize(("kind", "label"), [
    ("resident", "居民身份证"), ("long_term", "居民身份证"), ("gat", "港澳台居民居住证"),
    ("foreigner_2017", "外国人永久居留身份证（2017版）"), ("foreigner_2023", "外国人永久居留身份证（2023版）")])
def test_card_type_label_of_every_card_type(kind, label):
    card = CARDS[kind]
    assert card.card_type_label == label
    # as read from the chip, too
    assert decode_text(encode_text(card), card.photo_wlt_bytes).card_type_label == label


def test_unknown_type_is_named_not_hidden():
    assert card_type_label("xyz") == "未知证件类型（xyz）"


def test_photo_note_follows_the_decoder():
    class Decoder:
        def decode(self, wlt: bytes) -> bytes:
            return b"BM"

    assert photo_note() == PHOTO_NOTE == CARDS["resident"].photo_note
    assert "\n" not in PHOTO_NOTE and "WLT" in PHOTO_NOTE
    register_wlt_decoder(Decoder())
    try:
        assert photo_note() == "" == CARDS["resident"].photo_note
    finally:
        register_wlt_decoder(None)
    assert isinstance(CARDS["gat"], CardData)
