"""B4: ID numbers and phones in every form people and devices write them never survive
``mask_text``; control characters from the command line never reach the terminal or the log raw."""
from __future__ import annotations

import re
import unicodedata

from hypothesis import example, given, settings
from hypothesis import strategies as st

from clerk.cli import main
from clerk.privacy import mask_text, printable

DIGIT = st.sampled_from("0123456789")
FULL = {c: chr(0xFF10 + int(c)) for c in "0123456789"} | {"X": "Ｘ"}
# Around the number: nothing, ASCII letters (SFZ…, tel…), Chinese words, punctuation — never digits.
AROUND = st.text(alphabet=st.sampled_from("abcSFZXtelID:：，。 身份证号码电话联系人（）"), max_size=6)


def ids() -> st.SearchStrategy[str]:
    eighteen = st.tuples(st.lists(DIGIT, min_size=17, max_size=17), st.sampled_from("0123456789X")).map(
        lambda t: "".join(t[0]) + t[1])
    fifteen = st.lists(DIGIT, min_size=15, max_size=15).map("".join)
    return st.one_of(eighteen, fifteen)


def mobiles() -> st.SearchStrategy[str]:
    return st.tuples(st.sampled_from("3456789"), st.lists(DIGIT, min_size=9, max_size=9)).map(
        lambda t: "1" + t[0] + "".join(t[1]))


@st.composite
def written(draw: st.DrawFn, secret: st.SearchStrategy[str], *, plus86: bool = False) -> tuple[str, str]:
    """(the secret, a text that contains it: grouped by spaces/dashes, some characters full-width,
    letters or Chinese right before and after)."""
    number = draw(secret)
    out = []
    if plus86 and draw(st.booleans()):
        out.append(draw(st.sampled_from(["+86", "86", "+86 ", "86-"])))
    for i, ch in enumerate(number):
        if i:
            out.append(draw(st.sampled_from(["", "", "", " ", "-", "  ", " - "[:2], "\u3000", "－"])))
        out.append(FULL[ch] if draw(st.integers(0, 3)) == 0 else ch)
    return number, draw(AROUND) + "".join(out) + draw(AROUND)


def _digits(text: str) -> str:
    """What a reader could recover: every digit and X in order, separators dropped."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(c for c in text if c.isdigit() or c in "Xx*")


def _survives(secret: str, masked: str) -> bool:
    """The policy keeps the first 4 (ID) / 3 (phone) and the last 4; anything that shows the
    start together with the hidden middle has leaked."""
    stream = _digits(masked).upper()
    return secret[:-4] in stream


@settings(max_examples=300, deadline=None)
@given(written(ids()))
@example(("11010519491231002X", "SFZ11010519491231002X"))
@example(("11010519491231002X", "１１０１０５１９４９１２３１００２Ｘ"))
@example(("110105194912310021", "110105 1949 1231 0021"))
def test_no_id_number_survives_in_any_form(case):
    secret, text = case
    masked = mask_text(text)
    assert not _survives(secret, masked), (text, masked)


@settings(max_examples=300, deadline=None)
@given(written(mobiles(), plus86=True))
@example(("13812345678", "tel13812345678"))
@example(("13812345678", "138-1234-5678"))
@example(("13812345678", "+86 138 1234 5678"))
def test_no_mobile_survives_in_any_form(case):
    secret, text = case
    masked = mask_text(text)
    assert not _survives(secret, masked), (text, masked)


def test_case_numbers_dates_and_times_are_left_alone():
    text = "案号 33022501W01202611230007 于 2026-11-23 10:00:05 受理，号码 A003，等候 12 分钟"
    assert mask_text(text) == text


def test_printable_makes_control_characters_visible_and_keeps_text():
    assert printable("a\x1b[31mb\x07c\rd\u202ee") == "a\\x1b[31mb\\x07c\\x0dd\\u202ee"
    assert printable("第一行\n\t第二行") == "第一行\n\t第二行"


def test_escape_sequences_in_cli_arguments_reach_neither_stderr_nor_the_log(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("clerk.cli.entry_points", lambda group: [])
    monkeypatch.delenv("CLERK_DATABASE_URL", raising=False)
    data = tmp_path / "data"
    rc = main(["--data-dir", str(data), "queue", "take", "--zone", "\x1b]0;pwned\x07\x1b[2J13812345678"])
    err = capsys.readouterr().err
    assert rc == 1 and "没有“" in err
    assert "\x1b" not in err and "\x07" not in err and "\\x1b]0;pwned\\x07" in err
    log = (data / "logs" / "clerk.log").read_text(encoding="utf-8")
    assert "\\x1b[2J" in log and "\x1b" not in log
    assert re.search(r"138\*{4}5678", log) and "13812345678" not in log
