"""The ID-card driver against the emulator over real transports: a pty (as a USB-serial port
appears) and a loopback TCP socket (``socket://``). Real frames, real faults, real unplugs."""
from __future__ import annotations

import json
import queue
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from devices import idcard_frames as fr
from devices.errors import DeviceError, DeviceNotFound, DeviceTimeout, ProtocolError
from devices.idcard import CardData
from devices.idcard_emulator import FakeIdCardReader, Fault, ReaderEmulator, demo_cards
from devices.idcard_serial import SerialIdCardReader
from devices.idcard_watch import CardWatcher
from devices.worker import DeviceWorker

CARDS = demo_cards()
WAIT = 15.0  # generous upper bound for an event to arrive; never asserted as a timing


def wait_until(predicate: Callable[[], bool], what: str) -> None:
    end = time.monotonic() + WAIT
    while not predicate():
        if time.monotonic() > end:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.01)


@pytest.fixture
def worker(monkeypatch) -> Iterator[DeviceWorker]:
    w = DeviceWorker()
    yield w
    w.shutdown()


@pytest.fixture(params=["pty", "tcp"])
def rig(request, tmp_path, worker):
    """(emulator, reader, run) — run(fn, *args) executes on the device thread."""
    em = ReaderEmulator()
    url = em.start_pty(tmp_path / "ttyIDR0") if request.param == "pty" else em.start_tcp()
    reader = SerialIdCardReader(url, timeout=0.3, probe_timeout=0.2)

    def run(fn, *args):
        return worker.submit(fn, *args).result()

    yield em, reader, run
    run(reader.close)
    em.close()


@pytest.mark.parametrize("kind", ["resident", "long_term", "gat", "foreigner_2017", "foreigner_2023"])
def test_reads_every_card_type(rig, kind):
    em, reader, run = rig
    em.place(CARDS[kind])
    card = run(reader.read_card)
    assert card == CARDS[kind]
    assert len(card.photo_wlt_bytes) == 1024
    assert em.requests[-3:] == [fr.FIND_CARD, fr.SELECT_CARD, fr.READ_BASE]


def test_resident_fields_as_the_clerk_sees_them(rig):
    em, reader, run = rig
    em.place(CARDS["long_term"])
    j = run(reader.read_card).to_json()
    assert (j["name"], j["sex"], j["nation"], j["birth_date"], j["valid_to"]) == (
        "李秀英", "女", "畲", "1960-05-05", "长期")


def test_foreigner_and_gat_extras(rig):
    em, reader, run = rig
    em.place(CARDS["foreigner_2023"])
    c = run(reader.read_card)
    assert (c.card_type, c.nationality, c.english_name) == (
        "foreigner_2023", "USA", "SMITH, JOHN ALEXANDER MAXIMILIAN WELLINGTON JR")
    em.place(CARDS["gat"])
    c = run(reader.read_card)
    assert (c.card_type, c.pass_number, c.id_number[:6], c.nation) == ("gat", "H12345678", "810000", "")


def test_fingerprint_read(rig):
    em, reader, run = rig
    from dataclasses import replace

    em.place(replace(CARDS["resident"], fingerprint_bytes=bytes(range(256)) * 4))
    card = run(reader.read_card, True)
    assert card.fingerprint_bytes == bytes(range(256)) * 4 and em.requests[-1] == fr.READ_BASE_FP


def test_card_left_on_the_reader_can_be_read_again(rig):
    """A real reader finds a card once per placement; the second read goes find(0x80) → select."""
    em, reader, run = rig
    em.place(CARDS["resident"])
    run(reader.read_card)
    assert run(reader.read_card).name == "王小明"


def test_no_card_says_place_the_card(rig):
    em, reader, run = rig
    with pytest.raises(fr.CardAbsent) as err:
        run(reader.read_card)
    assert err.value.one_line() == "请放卡 (no card on the reader)"


def test_torn_frame_is_resynced_and_retried_once(rig):
    em, reader, run = rig
    em.place(CARDS["resident"])
    em.inject(Fault("torn", fr.READ_BASE))
    assert run(reader.read_card) == CARDS["resident"]
    assert em.count(fr.READ_BASE) == 2


def test_torn_twice_asks_to_replace_the_card_then_recovers(rig):
    em, reader, run = rig
    em.place(CARDS["resident"])
    em.inject(Fault("torn", fr.READ_BASE, count=2))
    with pytest.raises(DeviceError) as err:
        run(reader.read_card)
    assert err.value.message == "读卡失败，请重放"
    assert run(reader.read_card) == CARDS["resident"]


def test_bad_checksum_is_a_protocol_error_and_the_line_stays_usable(rig):
    em, reader, run = rig
    em.place(CARDS["resident"])
    em.inject(Fault("bad_checksum", fr.READ_BASE))
    with pytest.raises(ProtocolError) as err:
        run(reader.read_card)
    assert err.value.message == "读卡器数据校验错误"
    assert run(reader.read_card) == CARDS["resident"]


def test_silent_reader_times_out(rig):
    em, reader, run = rig
    run(reader.open)
    em.inject(Fault("silence", fr.SAM_STATUS))
    with pytest.raises(DeviceTimeout, match="读卡器无应答"):
        run(reader.status)


def test_sam_fault_message(rig):
    em, reader, run = rig
    em.place(CARDS["resident"])
    run(reader.open)
    em.set_sam_fault(True)
    with pytest.raises(fr.SamFault) as err:
        run(reader.status)
    assert err.value.message == "SAM 模块异常"
    with pytest.raises(fr.SamFault):
        run(reader.read_card)
    em.set_sam_fault(False)
    assert run(reader.read_card).name == "王小明"


def test_read_failure_0x41_message(rig):
    em, reader, run = rig
    em.place(CARDS["resident"])
    run(reader.find_card)
    run(reader.select_card)
    em.remove()  # lifted between select and read
    with pytest.raises(DeviceError) as err:
        run(reader.read_selected)
    assert (err.value.message, err.value.details["sw3"]) == ("读卡失败，请重放", 0x41)


def test_unplug_then_replug_recovers_on_the_next_read(rig):
    em, reader, run = rig
    em.place(CARDS["resident"])
    assert run(reader.read_card).name == "王小明"
    em.unplug()
    with pytest.raises(DeviceNotFound) as err:
        run(reader.read_card)
    assert err.value.message == "读卡器已断开，请检查连接"
    with pytest.raises(DeviceNotFound) as err:
        run(reader.read_card)  # still unplugged: the reopen fails with the same message
    assert err.value.message == "读卡器已断开，请检查连接"
    em.replug()
    assert run(reader.read_card).name == "王小明"


def test_missing_port_is_device_not_found(worker, tmp_path):
    reader = SerialIdCardReader(str(tmp_path / "ttyNOPE"))
    with pytest.raises(DeviceNotFound, match="找不到读卡器"):
        worker.submit(reader.read_card).result()


def test_an_echoing_line_is_not_taken_for_a_reader(worker):
    """loop:// echoes our own request back: probing must not mistake it for an answer."""
    reader = SerialIdCardReader("loop://", timeout=0.3, probe_timeout=0.1)
    with pytest.raises(DeviceTimeout, match="读卡器无应答"):
        worker.submit(reader.read_card).result()


def test_driver_refuses_to_run_off_the_device_thread(rig):
    em, reader, run = rig
    with pytest.raises(RuntimeError, match="device thread"):
        reader.read_card()


@pytest.mark.parametrize(("reader_baud", "expected"), [(9600, 9600), (115200, 115200)])
def test_baud_probing_on_a_pty(tmp_path, worker, reader_baud, expected):
    with ReaderEmulator(CARDS["resident"], baud=reader_baud) as em:
        reader = SerialIdCardReader(em.start_pty(), timeout=0.3, probe_timeout=0.2)
        assert worker.submit(reader.read_card).result().name == "王小明"
        assert reader.baud == expected
        worker.submit(reader.close).result()


def test_no_answer_at_any_baud(worker):
    with ReaderEmulator(CARDS["resident"], baud=4800) as em:
        reader = SerialIdCardReader(em.start_pty(), timeout=0.3, probe_timeout=0.1)
        with pytest.raises(DeviceTimeout) as err:
            worker.submit(reader.read_card).result()
        assert err.value.message == "读卡器无应答，请检查端口和波特率" and not reader.is_open


def test_fake_reader_is_the_real_driver_on_an_emulator(worker):
    fake = FakeIdCardReader(CARDS["foreigner_2017"])
    try:
        assert worker.submit(fake.read_card).result() == CARDS["foreigner_2017"]
        fake.emulator.remove()
        with pytest.raises(fr.CardAbsent):
            worker.submit(fake.read_card).result()
        assert fake.url.startswith("socket://127.0.0.1:")
    finally:
        worker.submit(fake.close).result()
        fake.dispose()


# --------------------------------------------------------------------------- continuous mode


def _watch(reader: SerialIdCardReader, worker: DeviceWorker) -> tuple[CardWatcher, queue.Queue]:
    events: queue.Queue = queue.Queue()
    watcher = CardWatcher(reader, worker, on_card=lambda c: events.put(("card", c)),
                          on_removed=lambda: events.put(("removed", None)),
                          on_error=lambda m: events.put(("error", m)),
                          interval=0.02, retry_interval=0.05)
    return watcher, events


def test_watcher_place_remove_place(rig, worker):
    em, reader, _ = rig
    watcher, events = _watch(reader, worker)
    watcher.start()
    try:
        em.place(CARDS["resident"])
        assert events.get(timeout=WAIT) == ("card", CARDS["resident"])
        # the card stays: several more polls must not report it again
        polls = em.count(fr.FIND_CARD)
        wait_until(lambda: em.count(fr.FIND_CARD) >= polls + 5, "more polls")
        assert events.empty()
        em.remove()
        assert events.get(timeout=WAIT) == ("removed", None)
        em.place(CARDS["gat"])
        assert events.get(timeout=WAIT) == ("card", CARDS["gat"])
    finally:
        watcher.stop()
    assert events.empty() and not watcher.running


def test_watcher_reports_unplug_once_and_recovers(rig, worker):
    em, reader, _ = rig
    watcher, events = _watch(reader, worker)
    em.place(CARDS["resident"])
    watcher.start()
    try:
        assert events.get(timeout=WAIT)[0] == "card"
        em.unplug()
        assert events.get(timeout=WAIT) == ("error", "读卡器已断开，请检查连接")
        time.sleep(0.3)  # several retries happen while unplugged; none may repeat the error
        em.replug()
        assert events.get(timeout=WAIT) == ("card", CARDS["resident"])
    finally:
        watcher.stop()
    assert events.empty()


# --------------------------------------------------------------------------- CLI

_BOOT = ("import sys, devices.cli as c; c.COMMAND_MODULES = ('devices.idcard_cli',); "
         "from clerk.cli import main; raise SystemExit(main(sys.argv[1:]))")


def _cli(monkeypatch, capsys, *argv: str) -> tuple[int, str, str]:
    """clerk.cli.main with only this driver family registered (sibling families are not under test)."""
    import devices.cli
    from clerk.cli import main

    monkeypatch.setattr(devices.cli, "COMMAND_MODULES", ("devices.idcard_cli",))
    rc = main(list(argv))
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_cli_read_card_prints_the_exact_keys(monkeypatch, capsys):
    with ReaderEmulator(CARDS["long_term"]) as em:
        rc, out, err = _cli(monkeypatch, capsys, "devices", "read-card", "--port", em.start_tcp(), "--json")
    assert rc == 0
    data = json.loads(out)
    assert list(data) == ["name", "sex", "nation", "birth_date", "address", "id_number", "authority",
                          "valid_from", "valid_to", "card_type", "photo_wlt_bytes"]
    assert CardData.from_json(data) == CARDS["long_term"]
    assert "照片为加密 WLT 格式" in err


def test_cli_no_card_exits_1_with_the_message(monkeypatch, capsys):
    with ReaderEmulator() as em:
        rc, out, err = _cli(monkeypatch, capsys, "devices", "read-card", "--port", em.start_tcp(), "--json")
    assert (rc, out, err.strip()) == (1, "", "错误：请放卡 (no card on the reader)")


def test_cli_emulate_reader_serves_a_card_file(tmp_path):
    card_file = tmp_path / "card.json"
    card_file.write_text(json.dumps(CARDS["foreigner_2017"].to_json(), ensure_ascii=False), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-c", _BOOT, "devices", "emulate-reader", "--listen",
                             "127.0.0.1:0", "--card-json", str(card_file)],
                            stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2])
    try:
        line = proc.stdout.readline()
        url = line[line.index("socket://"):].split("（")[0]
        got = subprocess.run([sys.executable, "-c", _BOOT, "devices", "read-card", "--port", url, "--json"],
                             capture_output=True, text=True, timeout=60)
        assert got.returncode == 0, got.stderr
        assert CardData.from_json(json.loads(got.stdout)) == CARDS["foreigner_2017"]
    finally:
        proc.terminate()
        proc.wait(10)
