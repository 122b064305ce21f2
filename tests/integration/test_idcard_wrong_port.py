"""A port that streams something else (a GPS's NMEA text on the wrong COM port) must not hold
the device thread: open/read ends with a typed error, and the next job on the thread still runs."""
from __future__ import annotations

import os
import pty
import socket
import threading
import tty
from collections.abc import Iterator

import pytest

from devices.errors import DeviceError, WrongDevice
from devices.idcard_serial import NOT_A_READER, SerialIdCardReader
from devices.worker import DeviceWorker

NMEA = (b"$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47\r\n"
        b"$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A\r\n")
BOUND = 60.0  # the call must return at all; never asserted as a timing


@pytest.fixture
def worker(monkeypatch) -> Iterator[DeviceWorker]:
    w = DeviceWorker()
    yield w
    w.shutdown(wait=False)


def _tcp_streamer() -> tuple[str, threading.Event]:
    """A loopback server that sends NMEA text without pause to whoever connects."""
    stop = threading.Event()
    srv = socket.create_server(("127.0.0.1", 0))
    srv.settimeout(0.1)

    def serve() -> None:
        conns = []
        try:
            while not stop.is_set():
                try:
                    c, _ = srv.accept()
                    conns.append(c)
                except TimeoutError:
                    pass
                for c in list(conns):
                    try:
                        c.sendall(NMEA)
                    except OSError:
                        conns.remove(c)
        finally:
            for c in conns:
                c.close()
            srv.close()

    threading.Thread(target=serve, daemon=True).start()
    return f"socket://127.0.0.1:{srv.getsockname()[1]}", stop


def _pty_streamer() -> tuple[str, threading.Event]:
    master, slave = pty.openpty()
    tty.setraw(slave)
    path = os.ttyname(slave)
    stop = threading.Event()

    def serve() -> None:
        try:
            while not stop.is_set():
                try:
                    os.write(master, NMEA)
                except BlockingIOError:
                    pass
                except OSError:
                    return
                # keep the stream dense but let the reader drain it
                stop.wait(0.002)
        finally:
            os.close(master)
            os.close(slave)

    threading.Thread(target=serve, daemon=True).start()
    return path, stop


@pytest.fixture(params=["tcp", "pty"])
def streaming_url(request) -> Iterator[str]:
    url, stop = _tcp_streamer() if request.param == "tcp" else _pty_streamer()
    yield url
    stop.set()


@pytest.mark.parametrize("baud", [None, 9600])
def test_streaming_text_port_is_reported_not_a_reader(worker, streaming_url, baud):
    reader = SerialIdCardReader(streaming_url, baud=baud, timeout=0.5, probe_timeout=0.3)
    fut = worker.submit(reader.read_card)
    with pytest.raises(WrongDevice) as err:
        fut.result(timeout=BOUND)
    assert err.value.message == NOT_A_READER == "该端口不是身份证阅读器（收到的不是读卡器数据），请检查端口设置"
    assert isinstance(err.value, DeviceError)
    # the device thread is free again for printers and scanners
    assert worker.submit(lambda: "next job").result(timeout=BOUND) == "next job"
    worker.submit(reader.close).result(timeout=BOUND)


def test_open_on_a_streaming_port_fails_and_closes(worker, streaming_url):
    reader = SerialIdCardReader(streaming_url, timeout=0.5, probe_timeout=0.3)
    with pytest.raises(WrongDevice):
        worker.submit(reader.open).result(timeout=BOUND)
    assert not reader.is_open


def test_slow_trickle_without_a_frame_hits_the_deadline(worker, monkeypatch):
    """Text that never exceeds the garbage cap per reply but never makes a frame either."""
    import devices.idcard_serial as ids

    monkeypatch.setattr(ids, "MAX_GARBAGE", 10**9)  # only the deadline can end it now
    monkeypatch.setattr(ids, "DEADLINE_SLACK", 0.2)
    url, stop = _tcp_streamer()
    try:
        reader = SerialIdCardReader(url, baud=115200, timeout=0.5)
        with pytest.raises(WrongDevice, match="该端口不是身份证阅读器"):
            worker.submit(reader.status).result(timeout=BOUND)
        worker.submit(reader.close).result(timeout=BOUND)
    finally:
        stop.set()
