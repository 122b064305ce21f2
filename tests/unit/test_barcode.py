"""``WedgeDetector``: a gun's burst of keys ending in Enter is a scan; a person typing is not."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from devices.barcode import WedgeDetector, WedgeEvent


def type_keys(det: WedgeDetector, keys: str, start: float, gap: float) -> list[WedgeEvent]:
    events: list[WedgeEvent] = []
    t = start
    for ch in keys:
        events += det.feed(ch, t)
        t += gap
    return events


def replay(events: list[WedgeEvent]) -> str:
    """What the keys were, rebuilt from the events (a scan swallowed its Enter)."""
    return "".join(e.text + "\r" if e.kind == "scan" else e.text for e in events)


def test_fast_burst_ending_in_enter_is_a_scan():
    det = WedgeDetector(min_length=4, max_gap_ms=30)
    events = type_keys(det, "6901234567892\r", start=0, gap=8)
    assert events == [WedgeEvent("scan", "6901234567892")]
    assert det.holding == ""


def test_slow_typing_is_passed_through_as_text():
    det = WedgeDetector()
    events = type_keys(det, "1234\r", start=0, gap=150)
    events += det.flush(10_000)
    assert all(e.kind == "text" for e in events)
    assert replay(events) == "1234\r"


def test_short_fast_burst_is_not_a_scan():
    det = WedgeDetector(min_length=6)
    events = type_keys(det, "ab\r", start=0, gap=5)
    assert [e.kind for e in events] == ["text"] and replay(events) == "ab\r"


def test_typing_then_scan_separates_the_two():
    det = WedgeDetector()
    events = type_keys(det, "no.", start=0, gap=200)                 # clerk types "no."
    events += type_keys(det, "SS2026110001\r", start=1000, gap=10)   # then pulls the trigger
    assert [e for e in events if e.kind == "scan"] == [WedgeEvent("scan", "SS2026110001")]
    assert replay(events) == "no.SS2026110001\r"


def test_a_pause_inside_a_burst_breaks_it():
    det = WedgeDetector(min_length=4)
    events = type_keys(det, "12345", start=0, gap=10)
    events += type_keys(det, "678\r", start=500, gap=10)   # 3 fast chars after the pause: too short
    assert all(e.kind == "text" for e in events)
    assert replay(events) == "12345678\r"


def test_flush_releases_a_lone_key_after_the_gap():
    det = WedgeDetector(max_gap_ms=30)
    assert det.feed("a", 100) == []                         # held: could start a scan
    assert det.flush(120) == []                             # burst may still be going
    assert det.flush(131) == [WedgeEvent("text", "a")]


def test_control_keys_pass_through_immediately():
    det = WedgeDetector()
    events = type_keys(det, "12\t", start=0, gap=5)
    assert events == [WedgeEvent("text", "12\t")]


@settings(max_examples=300, deadline=None)
@given(keys=st.lists(st.tuples(st.sampled_from(list("0123456789ABab-\r\n\t ")),
                               st.floats(min_value=-50, max_value=500, allow_nan=False)),
                     max_size=60),
       min_length=st.integers(1, 12), max_gap=st.floats(1, 100))
def test_random_timings_never_crash_or_lose_keys(keys, min_length, max_gap):
    det = WedgeDetector(min_length=min_length, max_gap_ms=max_gap)
    events: list[WedgeEvent] = []
    t = 0.0
    typed = ""
    for ch, gap in keys:
        t += gap
        events += det.feed(ch, t)
        typed += ch
    events += det.flush(t + max_gap + 1)
    assert det.holding == ""
    # Every key comes back: scans give their code plus the swallowed Enter.
    rebuilt = "".join(e.text + "?" if e.kind == "scan" else e.text for e in events)
    expected = typed
    assert len(rebuilt) == len(expected)
    assert all(a == b or a == "?" and b in "\r\n" for a, b in zip(rebuilt, expected))
    for e in events:
        if e.kind == "scan":
            assert len(e.text) >= min_length and "\r" not in e.text and "\n" not in e.text
