"""Masking for tickets, lists and logs: the shapes people see and what never leaks."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clerk.privacy import mask_id, mask_name, mask_phone


@pytest.mark.parametrize("raw, shown", [
    ("330225199001011234", "3302**********1234"),
    ("11010519491231002X", "1101**********002X"),
    ("KAZ110090123105", "KAZ1*******3105"),
    ("３３０２２５１９９００１０１１２３４", "3302**********1234"),  # full-width from an IME
    ("12345678", "********"),
    ("123", "***"),
    ("", ""),
    (None, ""),
])
def test_mask_id(raw, shown):
    assert mask_id(raw) == shown


@pytest.mark.parametrize("raw, shown", [
    ("13812345678", "138****5678"),
    ("138 1234 5678", "138****5678"),
    ("0574-65700000", "0574-****0000"),
    ("0574-65700000-808", "0574-****0000-808"),
    ("400-123-4567", "400***4567"),
    ("12345", "*****"),
    ("", ""),
    (None, ""),
])
def test_mask_phone(raw, shown):
    assert mask_phone(raw) == shown


@pytest.mark.parametrize("raw, shown", [
    ("王晓丽", "王*丽"),
    ("王丽", "王*"),
    ("欧阳晓丽", "欧**丽"),
    ("王", "*"),
    ("John Smith", "J*** S****"),
    ("", ""),
])
def test_mask_name(raw, shown):
    assert mask_name(raw) == shown


@given(st.text(alphabet="0123456789X", min_size=9, max_size=20))
def test_masked_id_keeps_length_and_hides_the_middle(number):
    masked = mask_id(number)
    assert len(masked) == len(number)
    assert masked[4:-4] == "*" * (len(number) - 8)


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_masked_mobile_hides_digits_four_to_seven(number):
    masked = mask_phone(number)
    assert masked == number[:3] + "****" + number[-4:]
