"""C10: every parser of outside input, fed random and mangled input (hypothesis), either returns
its value or raises the error the caller handles (a ClerkError with a Chinese message) — never
another exception, never a hang. Example counts are bounded so the suite stays fast; long runs:
`python -m bench fuzz`."""
from __future__ import annotations

import io
import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from clerk.errors import ClerkError

N = int(os.environ.get("CLERK_FUZZ_EXAMPLES", "100"))
FUZZ = settings(max_examples=N, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                      HealthCheck.function_scoped_fixture])


# ------------------------------------------------------------------ ID-card reader frames
def _frames() -> st.SearchStrategy[bytes]:
    from devices.idcard_frames import build_response

    good = st.builds(lambda sw3, data: build_response(sw3, data), st.integers(0, 255), st.binary(max_size=64))

    def mangle(frame: bytes, cut: int, flip: int, noise: bytes) -> bytes:
        b = bytearray(noise + frame)
        if b and flip:
            b[flip % len(b)] ^= 0xFF
        return bytes(b[: max(0, len(b) - cut)])

    return st.one_of(st.binary(max_size=300),
                     st.builds(mangle, good, st.integers(0, 8), st.integers(0, 400), st.binary(max_size=8)))


@FUZZ
@given(_frames())
def test_idcard_frame_scanner_never_crashes(buf):
    from devices.errors import ProtocolError
    from devices.idcard_frames import parse_response, scan

    try:
        result = scan(buf)
    except ProtocolError as exc:
        assert 0 < exc.details["consumed"] <= len(buf)  # the caller can always make progress
        return
    assert 0 <= result.consumed <= len(buf)
    assert result.frame is not None or result.need > 0
    if result.frame is not None:
        try:
            parse_response(result.frame)
        except ProtocolError:
            pass


@FUZZ
@given(st.binary(max_size=600), st.booleans())
def test_idcard_read_payload_and_text_block(data, fingerprint):
    from devices.errors import ProtocolError
    from devices.idcard import decode_text
    from devices.idcard_frames import parse_read_payload

    try:
        payload = parse_read_payload(data, fingerprint)
    except ProtocolError:
        return
    try:
        decode_text(payload.text)
    except ClerkError:
        pass


@FUZZ
@given(st.binary(min_size=256, max_size=256))
def test_idcard_text_block_of_random_bytes(block):
    from devices.idcard import decode_text

    try:
        card = decode_text(block)
    except ClerkError:
        return
    assert isinstance(card.name, str)


# ------------------------------------------------------------------ ESC/POS status bytes
@FUZZ
@given(st.binary(max_size=5))
@example(b"\x1a\x32\x7e")
def test_escpos_status_reply(raw):
    from devices.escpos_status import parse_reply

    try:
        status = parse_reply(raw)
    except ClerkError:
        return
    assert status.can_print in (True, False) and isinstance(status.message, str)


# ------------------------------------------------------------------ catalog files
def _catalog_json() -> st.SearchStrategy[bytes]:
    scalar = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**6), st.text(max_size=12))
    value = st.recursive(scalar, lambda c: st.one_of(st.lists(c, max_size=4),
                                                     st.dictionaries(st.text(max_size=8), c, max_size=4)),
                         max_leaves=12)
    keys = st.sampled_from(["code", "name", "materials", "department", "zone", "kind", "promised_days",
                            "statutory_days", "questions", "form", "count", "key", "bundles", "matters"])
    matter = st.dictionaries(keys, value, max_size=8)
    doc = st.fixed_dictionaries({"format": st.sampled_from(["window-clerk-catalog/1", "x", 1]),
                                 "matters": st.lists(matter, max_size=4)},
                                optional={"bundles": st.lists(matter, max_size=2), "version": scalar})
    return st.one_of(doc.map(lambda d: json.dumps(d, ensure_ascii=False).encode()), st.binary(max_size=200))


@FUZZ
@given(_catalog_json())
def test_catalog_json_reader(tmp_path_factory, data):
    from clerk.catalog_io import read_json

    path = tmp_path_factory.mktemp("cat") / "c.json"
    path.write_bytes(data)
    try:
        res = read_json(path)
    except ClerkError:
        return
    assert isinstance(res.errors, list)


@FUZZ
@given(st.lists(st.lists(st.one_of(st.text(max_size=20), st.integers(-3, 999)), max_size=16), max_size=8),
       st.sampled_from(["utf-8", "gb18030", "utf-8-sig"]))
def test_catalog_csv_reader(tmp_path_factory, rows, encoding):
    import csv

    from clerk.catalog_io import read_sheet

    header = ["序号", "事项名称", "事项编码", "实施部门", "所需材料", "承诺时限", "法定时限"]
    buf = io.StringIO()
    csv.writer(buf).writerows([header, *rows])
    path = tmp_path_factory.mktemp("csv") / "c.csv"
    path.write_bytes(buf.getvalue().encode(encoding, errors="replace"))
    try:
        read_sheet(path)
    except ClerkError:
        pass


@settings(max_examples=max(10, N // 5), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.one_of(st.text(max_size=15), st.integers(-3, 999), st.floats(allow_nan=True),
                                   st.none()), max_size=10), max_size=6), st.binary(max_size=40))
def test_catalog_xlsx_reader(tmp_path_factory, rows, junk):
    from openpyxl import Workbook

    from clerk.catalog_io import read_sheet

    wb = Workbook()
    ws = wb.active
    ws.append(["事项名称", "事项编码", "实施部门", "所需材料", "承诺时限"])
    for r in rows:
        ws.append([c if not isinstance(c, str) else "".join(ch for ch in c if ch.isprintable()) for c in r])
    folder = tmp_path_factory.mktemp("xlsx")
    good = folder / "c.xlsx"
    wb.save(good)
    bad = folder / "d.xlsx"
    bad.write_bytes(good.read_bytes()[: len(junk) * 50] + junk)  # a torn or foreign file
    for path in (good, bad):
        try:
            read_sheet(path)
        except ClerkError:
            pass


# ------------------------------------------------------------------ barcode-gun input
@FUZZ
@given(st.lists(st.tuples(st.one_of(st.characters(), st.sampled_from(["\r", "\n", "\t", "Return"])),
                          st.floats(-50, 500, allow_nan=False)), max_size=60))
def test_wedge_detector_loses_no_key(keys):
    from devices.barcode import WedgeDetector

    det = WedgeDetector()
    t, out = 0.0, []
    for char, gap in keys:
        t += gap
        out += det.feed(char, t)
    out += det.flush(t + 10_000)
    typed = "".join(c for c, _ in keys)
    seen = "".join(e.text + ("\r" if e.kind == "scan" else "") for e in out)
    # Every key comes back once, in order (a scan's Enter is its end mark).
    assert len(seen.replace("\r", "").replace("\n", "")) <= len(typed)
    assert all(e.kind in ("scan", "text") for e in out)


# ------------------------------------------------------------------ scanner output
def _image_bytes() -> st.SearchStrategy[tuple[str, bytes]]:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (8, 8), 255).save(buf, "PNG")
    png = buf.getvalue()
    return st.one_of(
        st.tuples(st.sampled_from([".png", ".jpg", ".pdf", ".tif"]), st.binary(max_size=300)),
        st.tuples(st.just(".png"), st.integers(0, len(png)).map(lambda n: png[:n] + b"IEND\xaeB`\x82")),
        st.tuples(st.just(".pdf"), st.binary(max_size=200).map(lambda b: b"%PDF-1.4\n" + b + b"\n%%EOF")))


@FUZZ
@given(_image_bytes())
def test_scan_folder_decoder_takes_or_waits_never_crashes(item):
    from devices.scan_folder import _decode

    suffix, data = item
    pages = _decode(Path("scan" + suffix), data)
    assert pages is None or len(pages) >= 1


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(["scan:MaxWidth", "scan:MaxHeight", "scan:ColorMode",
                                           "scan:DiscreteResolution/scan:XResolution",
                                           "scan:ResolutionRange/scan:XResolution/scan:Min"]),
                          st.text(max_size=8)), max_size=8))
@example([("scan:MaxWidth", "²"), ("scan:DiscreteResolution/scan:XResolution", "３００")])
def test_escl_capabilities_of_any_content(fields):
    from devices.scan_escl import NS, _input_caps

    node = ET.Element(f"{{{NS['scan']}}}PlatenInputCaps")
    for path, text in fields:
        parent = node
        for part in path.split("/"):
            parent = ET.SubElement(parent, f"{{{NS['scan']}}}{part.split(':')[1]}")
        parent.text = text
    caps = _input_caps(node)
    assert caps.resolutions and all(isinstance(r, int) for r in caps.resolutions)


# ------------------------------------------------------------------ config.json
@FUZZ
@given(st.one_of(st.binary(max_size=120),
                 st.dictionaries(st.sampled_from(["hall_code", "workstation", "database_url", "backoffice_url",
                                                  "retention_days", "idle_lock_minutes", "demo"]),
                                 st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=12),
                                           st.lists(st.integers(), max_size=2)), max_size=5)
                 .map(lambda d: json.dumps(d).encode())))
def test_config_json_is_read_or_refused_in_chinese(tmp_path_factory, data):
    from clerk.config import config_problems, load_config

    folder = tmp_path_factory.mktemp("cfg")
    (folder / "config.json").write_bytes(data)
    try:
        cfg = load_config(folder)
    except ClerkError:
        return
    problems = config_problems(cfg)
    assert all(isinstance(p, str) and p for p in problems)
