"""``BarcodeGun`` with real bytes through a pseudo-terminal (the gun writes on the master side,
the driver reads the slave as a serial port) and through a socket:// loopback, on the device
thread."""
from __future__ import annotations

import os
import queue
import socket
import sys
import threading

import pytest

from devices.barcode import BarcodeGun
from devices.errors import DeviceError, DeviceNotFound
from devices.worker import DeviceWorker

pytestmark = [pytest.mark.usefixtures("device_thread"), pytest.mark.skipif(sys.platform == "win32", reason="ptys are POSIX-only")]


@pytest.fixture
def pty_pair():
    master, slave = os.openpty()
    path = os.ttyname(slave)
    yield master, path
    for fd in (master, slave):
        try:
            os.close(fd)
        except OSError:
            pass


@pytest.fixture
def worker():
    w = DeviceWorker()
    yield w
    w.shutdown()


def poll_until(worker: DeviceWorker, gun: BarcodeGun, want: int, codes: list[str]) -> None:
    for _ in range(200):      # a bound, not a timing: 200 polls of at most 50 ms each
        if len(codes) >= want:
            return
        worker.submit(gun.poll).result()
    raise AssertionError(f"only got {codes}")


def test_two_codes_and_a_torn_line_completed_later(pty_pair, worker):
    master, path = pty_pair
    codes: list[str] = []
    gun = BarcodeGun(path, codes.append)
    worker.submit(gun.open).result()

    os.write(master, b"6901234567892\r\nSS202611230007\r")
    poll_until(worker, gun, 2, codes)
    assert codes == ["6901234567892", "SS202611230007"]

    os.write(master, b"33022501W01")          # the gun's USB-serial chip split the line
    worker.submit(gun.poll).result()
    assert codes == ["6901234567892", "SS202611230007"]
    os.write(master, b"202611230007\n")
    poll_until(worker, gun, 3, codes)
    assert codes[2] == "33022501W01202611230007"
    worker.submit(gun.close).result()


def test_unplugged_gun_reports_an_error_through_start(pty_pair, worker):
    master, path = pty_pair
    codes: list[str] = []
    errors: queue.Queue[DeviceError] = queue.Queue()
    gun = BarcodeGun(path, codes.append)
    worker.submit(gun.open).result()
    got_code = threading.Event()
    gun.on_code = lambda c: (codes.append(c), got_code.set())
    gun.start(worker, errors.put)

    os.write(master, b"ABC-123\r\n")
    assert got_code.wait(10)
    os.close(master)                            # the cable is pulled
    err = errors.get(timeout=10)
    assert isinstance(err, DeviceNotFound)
    assert err.message == "扫码枪已断开，请检查连接线"
    assert codes == ["ABC-123"]


def test_socket_gun_and_disconnect():
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    codes: list[str] = []
    gun = BarcodeGun(f"socket://127.0.0.1:{port}", codes.append)
    gun.open()
    conn, _ = listener.accept()
    conn.sendall(b"\r\nCODE-1\r\nCODE-")
    for _ in range(100):
        gun.poll()
        if codes:
            break
    conn.sendall(b"2\r\n")
    for _ in range(100):
        gun.poll()
        if len(codes) == 2:
            break
    assert codes == ["CODE-1", "CODE-2"]
    conn.close()
    listener.close()
    with pytest.raises(DeviceNotFound):
        for _ in range(100):
            gun.poll()


def test_wrong_port_is_device_not_found():
    gun = BarcodeGun("/dev/does-not-exist-ttyS99", lambda c: None)
    with pytest.raises(DeviceNotFound) as info:
        gun.open()
    assert "找不到扫码枪" in info.value.message


def test_line_noise_without_line_ends_is_refused(pty_pair):
    master, path = pty_pair
    gun = BarcodeGun(path, lambda c: None)
    gun.open()
    os.write(master, b"\x55" * 5000)
    with pytest.raises(DeviceError) as info:
        for _ in range(200):
            gun.poll()
    assert "波特率" in info.value.message
    gun.close()
