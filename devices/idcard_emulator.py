"""A second-generation ID-card reader emulator that speaks the real GA 467 frames.

It serves one host at a time over a pty (``start_pty``: the slave path, optionally behind a stable
symlink so a "replug" keeps the name) or over loopback TCP (``start_tcp``: a ``socket://`` URL).
Tests, the app's demo mode and the bench use it as the fake reader: the driver under test gets
real bytes. The one rule: every reply is built with ``idcard_frames`` — the emulator never
hand-writes a frame, so it cannot drift from the driver's idea of the wire format except through
deliberately injected faults.

Behaviour modelled on real readers (DEVICES.md 1.4): find card (20 01) answers 0x9F once per
placement and 0x80 afterwards until the card is removed and put back; select works while a card
lies on the reader. On a pty, a reader configured for one baud rate stays silent at another.
"""
from __future__ import annotations

import datetime as dt
import os
import select
import socket
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from . import idcard_frames as fr
from .errors import ProtocolError
from .idcard import CardData, encode_text
from .idcard_serial import SerialIdCardReader

FaultKind = Literal["torn", "bad_checksum", "delay", "silence"]


@dataclass
class Fault:
    """One injected misbehaviour for the next ``count`` replies to ``command`` (None = any)."""

    kind: FaultKind
    command: tuple[int, int] | None = None
    count: int = 1
    delay: float = 0.0


def fake_wlt(card: CardData) -> bytes:
    """1024 deterministic bytes standing in for the encrypted photo (no real WLT exists here)."""
    seed = card.id_number.encode("ascii", "replace") or b"0"
    return bytes((seed[i % len(seed)] * 31 + i) & 0xFF for i in range(1024))


def demo_cards() -> dict[str, CardData]:
    """Test/demo applicants (check digits valid; division 330225 象山县)."""
    d = dt.date
    resident = CardData(name="王小明", sex="男", nation="汉", nation_code="01", birth_date=d(1990, 1, 1),
                        address="浙江省宁波市象山县丹东街道测试路1号", id_number="330225199001011234",
                        authority="象山县公安局", valid_from=d(2015, 3, 1), valid_to=d(2035, 3, 1))
    long_term = CardData(name="李秀英", sex="女", nation="畲", nation_code="22", birth_date=d(1960, 5, 5),
                         address="浙江省宁波市象山县石浦镇演示村8号", id_number="330225196005051248",
                         authority="象山县公安局", valid_from=d(2016, 7, 1), valid_to="长期")
    gat = CardData(name="陈家乐", sex="男", birth_date=d(1992, 3, 15), card_type="gat",
                   address="香港特别行政区", id_number="810000199203154563", authority="象山县公安局",
                   valid_from=d(2019, 1, 1), valid_to=d(2024, 1, 1), pass_number="H12345678",
                   issue_count="01")
    f2017 = CardData(name="史密斯", sex="女", birth_date=d(1985, 3, 15), card_type="foreigner_2017",
                     english_name="SMITH, JANE ANN", nationality="USA", id_number="USA330285031515",
                     valid_from=d(2017, 8, 1), valid_to=d(2027, 8, 1), card_version="01",
                     authority_code="3302")
    f2023 = CardData(name="史密斯", sex="男", birth_date=d(1985, 3, 15), card_type="foreigner_2023",
                     english_name="SMITH, JOHN ALEXANDER MAXIMILIAN WELLINGTON JR", nationality="USA",
                     id_number="933840198503150011", valid_from=d(2023, 12, 1), valid_to=d(2033, 12, 1),
                     renewal_count="00")
    cards = {"resident": resident, "long_term": long_term, "gat": gat,
             "foreigner_2017": f2017, "foreigner_2023": f2023}
    return {k: _with_photo(c) for k, c in cards.items()}


def _with_photo(card: CardData) -> CardData:
    return card if card.photo_wlt_bytes else replace(card, photo_wlt_bytes=fake_wlt(card))


class ReaderEmulator:
    """The reader's brain plus one transport thread. Thread-safe controls: ``place``,
    ``remove``, ``set_sam_fault``, ``inject``, ``unplug``, ``replug``, ``close``."""

    def __init__(self, card: CardData | None = None, *, baud: int | None = None) -> None:
        self.baud = baud            # pty only: reply only when the host's line speed matches
        self.requests: list[tuple[int, int]] = []
        self.last_reply_sent_at = 0.0   # time.perf_counter() as the last byte of the last reply is sent
        self._lock = threading.Lock()
        self._card: CardData | None = None
        self._found = False
        self._sam_fault = False
        self._faults: list[Fault] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._mode: Literal["tcp", "pty"] | None = None
        self._host, self._port = "127.0.0.1", 0
        self._listener: socket.socket | None = None
        self._conn: socket.socket | None = None
        self._master: int | None = None
        self._slave: int | None = None
        self._slave_path = ""
        self._link: Path | None = None
        if card is not None:
            self.place(card)

    # ------------------------------------------------------------------ controls
    def place(self, card: CardData) -> None:
        with self._lock:
            self._card, self._found = _with_photo(card), False

    def remove(self) -> None:
        with self._lock:
            self._card, self._found = None, False

    def set_sam_fault(self, on: bool) -> None:
        with self._lock:
            self._sam_fault = on

    def inject(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def count(self, command: tuple[int, int]) -> int:
        with self._lock:
            return self.requests.count(command)

    # ------------------------------------------------------------------ transports
    def start_tcp(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._mode, self._host, self._port = "tcp", host, port
        self._open_tcp()
        self._start_thread()
        return self.url

    def start_pty(self, link: Path | None = None) -> str:
        """Serve on a new pty; with ``link`` the returned path is a symlink kept across replugs."""
        self._mode, self._link = "pty", link
        self._open_pty()
        self._start_thread()
        return self.url

    @property
    def url(self) -> str:
        if self._mode == "tcp":
            return f"socket://{self._host}:{self._port}"
        return str(self._link) if self._link else self._slave_path

    def unplug(self) -> None:
        """Cut the line as a pulled USB cable does: the host's next read or write fails."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        self._thread = None
        with self._lock:
            self._found = False
        if self._link is not None:
            # As /dev/serial/by-id does on unplug; a stale link could later lead to a reused
            # /dev/pts number that belongs to somebody else's pty.
            self._link.unlink(missing_ok=True)
        self._close_transport()

    def replug(self) -> None:
        if self._mode == "tcp":
            self._open_tcp()
        else:
            self._open_pty()
        self._start_thread()

    def close(self) -> None:
        self.unplug()

    def __enter__(self) -> ReaderEmulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _open_tcp(self) -> None:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((self._host, self._port))
        s.listen(1)
        self._port = s.getsockname()[1]
        self._listener = s

    def _open_pty(self) -> None:
        import tty  # POSIX only; TCP serving works on Windows too

        master, slave = os.openpty()
        # Raw from the start: the line discipline must not echo or translate frame bytes.
        tty.setraw(slave)
        self._master, self._slave, self._slave_path = master, slave, os.ttyname(slave)
        if self._link is not None:
            tmp = self._link.with_name(self._link.name + ".new")
            tmp.unlink(missing_ok=True)
            tmp.symlink_to(self._slave_path)
            os.replace(tmp, self._link)

    def _close_transport(self) -> None:
        for s in (self._conn, self._listener):
            if s is not None:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
        self._conn = self._listener = None
        for fd in (self._master, self._slave):
            if fd is not None:
                os.close(fd)
        self._master = self._slave = None

    def _start_thread(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name="idcard-emulator", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ serving
    def _serve(self) -> None:
        buf = bytearray()
        while not self._stop.is_set():
            fds: list[int | socket.socket] = []
            if self._mode == "pty":
                fds = [self._master] if self._master is not None else []
            else:
                fds = [s for s in (self._listener, self._conn) if s is not None]
            try:
                ready, _, _ = select.select(fds, [], [], 0.05)
            except (OSError, ValueError):
                return
            for src in ready:
                if src is self._listener:
                    conn, _ = self._listener.accept()
                    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    if self._conn is not None:  # the host reopened: the old line is dead
                        self._conn.close()
                    self._conn, buf = conn, bytearray()
                    continue
                chunk = self._recv(src)
                if not chunk:
                    if self._mode == "tcp":
                        self._conn.close()
                        self._conn = None
                    continue
                buf += chunk
                buf = self._handle_buffer(buf)

    def _recv(self, src: int | socket.socket) -> bytes:
        try:
            return src.recv(4096) if isinstance(src, socket.socket) else os.read(src, 4096)
        except OSError:
            return b""

    def _send(self, data: bytes) -> None:
        # The stamp is taken just before the final byte goes out, so "last byte → decoded card"
        # measured against it is an upper bound, never flattered by this thread being late.
        try:
            self._write(data[:-1])
            self.last_reply_sent_at = time.perf_counter()
            self._write(data[-1:])
        except OSError:
            return

    def _write(self, data: bytes) -> None:
        if self._mode == "tcp":
            if self._conn is not None:
                self._conn.sendall(data)
            return
        view = memoryview(data)
        while view and self._master is not None:
            view = view[os.write(self._master, view):]

    def _handle_buffer(self, buf: bytearray) -> bytearray:
        while True:
            try:
                res = fr.scan(buf)
            except ProtocolError as exc:
                del buf[:exc.details["consumed"]]
                self._send(fr.build_response(fr.Sw3.HOST_CHECKSUM_ERROR))
                continue
            del buf[:res.consumed]
            if res.frame is None:
                return buf
            try:
                req = fr.parse_request(res.frame)
            except ProtocolError:
                self._send(fr.build_response(fr.Sw3.HOST_LENGTH_ERROR))
                continue
            if not self._line_speed_matches():
                continue  # wrong baud: a real reader sees noise and stays silent
            self._reply(req)

    def _line_speed_matches(self) -> bool:
        if self.baud is None or self._mode != "pty" or self._slave is None:
            return True
        import termios

        speed = termios.tcgetattr(self._slave)[5]  # ospeed as a termios constant
        return speed == getattr(termios, f"B{self.baud}")

    def _take_fault(self, command: tuple[int, int]) -> Fault | None:
        for f in self._faults:
            if f.command is None or f.command == command:
                f.count -= 1
                if f.count <= 0:
                    self._faults.remove(f)
                return f
        return None

    def _reply(self, req: fr.Request) -> None:
        with self._lock:
            self.requests.append(req.command)
            fault = self._take_fault(req.command)
            frame = self._answer(req)
        if fault is not None:
            if fault.kind == "silence":
                return
            if fault.kind == "delay":
                time.sleep(fault.delay)
            elif fault.kind == "torn":
                self._send(frame[:len(frame) // 2])
                return
            elif fault.kind == "bad_checksum":
                frame = frame[:-1] + bytes([frame[-1] ^ 0xFF])
        self._send(frame)

    def _answer(self, req: fr.Request) -> bytes:
        cmd, card = req.command, self._card
        if self._sam_fault:
            return fr.build_response(fr.Sw3.SAM_FAULT)
        if cmd in (fr.SAM_STATUS, fr.RESET_SAM):
            return fr.build_response(fr.Sw3.SUCCESS)
        if cmd == fr.SAM_ID:
            return fr.build_response(fr.Sw3.SUCCESS, bytes(range(16)))
        if cmd == fr.FIND_CARD:
            if card is None or self._found:
                return fr.build_response(fr.Sw3.NO_CARD)
            self._found = True
            return fr.build_response(fr.Sw3.FOUND, bytes(4))
        if cmd == fr.SELECT_CARD:
            return fr.build_response(fr.Sw3.SUCCESS, bytes(8)) if card else fr.build_response(fr.Sw3.SELECT_FAILED)
        if cmd in (fr.READ_BASE, fr.READ_BASE_FP):
            if card is None:
                return fr.build_response(fr.Sw3.READ_FAILED)
            fp = card.fingerprint_bytes if cmd == fr.READ_BASE_FP else None
            payload = fr.build_read_payload(encode_text(card), card.photo_wlt_bytes, fp)
            return fr.build_response(fr.Sw3.SUCCESS, payload)
        return fr.build_response(fr.Sw3.BAD_COMMAND)


class FakeIdCardReader(SerialIdCardReader):
    """The demo-mode and test reader: the real driver wired to an in-process emulator on
    loopback TCP, so even the fake path runs real frames. ``emulator`` places/removes cards."""

    def __init__(self, card: CardData | None = None, **kwargs: object) -> None:
        self.emulator = ReaderEmulator(card)
        super().__init__(self.emulator.start_tcp(), **kwargs)  # type: ignore[arg-type]

    def dispose(self) -> None:
        """Stop the emulator (call ``close`` on the device thread first)."""
        self.emulator.close()
