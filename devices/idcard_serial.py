"""``SerialIdCardReader``: the 二代证 reader over any pyserial URL (COM3, /dev/ttyUSB0,
socket://host:port, rfc2217://…, loop://).

The one rule: a failure never leaves the port half-usable — an unplugged line is closed and
reopened on the next call, a torn frame is re-synced before the command is resent once, and
every failure reaches the caller as a ``DeviceError`` with a message the clerk can act on.
All methods touching the port run on the device thread.
"""
from __future__ import annotations

import time

import serial

from . import idcard_frames as fr
from .errors import DeviceError, DeviceNotFound, DeviceTimeout, ProtocolError, WrongDevice
from .idcard import CardData, decode_text
from .worker import runs_on_device_thread

PROBE_BAUDS = (115200, 9600)
# Read at most this much per pyserial call, so its per-call timeout acts as "no progress for
# `timeout` seconds" even for a 2.3 KB reply at 9600 baud.
CHUNK = 256
# A reader puts at most a few stray bytes before a frame (power-up noise, the tail of a reply
# we gave up on). Past this many bytes without a frame the port is talking to something else.
MAX_GARBAGE = 512
# Slack on top of "silence timeout + time to send the longest frame at the line speed" before
# a reply that keeps trickling in is given up: a port that never goes quiet must not hold the
# one device thread (printers and scanners wait behind it).
DEADLINE_SLACK = 1.0
NOT_A_READER = "该端口不是身份证阅读器（收到的不是读卡器数据），请检查端口设置"


class _Torn(Exception):
    """Bytes stopped arriving in the middle of a frame."""


class SerialIdCardReader:
    def __init__(self, url: str, *, baud: int | None = None, timeout: float = 2.0,
                 probe_timeout: float = 0.3) -> None:
        self.url = url
        self.baud = baud              # None → probe PROBE_BAUDS on open; set to the one that answered
        self.timeout = timeout        # longest silence accepted while waiting for a reply
        self.probe_timeout = probe_timeout
        self._port: serial.SerialBase | None = None
        self._lost = False            # the line worked once and then went away (cable pulled)

    # ------------------------------------------------------------------ lifecycle
    @property
    def is_open(self) -> bool:
        return self._port is not None

    @runs_on_device_thread
    def open(self) -> None:
        if self._port is not None:
            return
        try:
            self._port = serial.serial_for_url(self.url, baudrate=self.baud or PROBE_BAUDS[0],
                                               timeout=self.timeout, write_timeout=self.timeout)
        except (serial.SerialException, OSError, ValueError) as exc:
            if self._lost:
                raise DeviceNotFound("读卡器已断开，请检查连接", f"reader still disconnected: {exc}") from exc
            raise DeviceNotFound(f"找不到读卡器（{self.url}），请检查连接和端口设置",
                                 f"cannot open reader at {self.url}: {exc}") from exc
        if self.baud is None:
            self._probe()
        self._lost = False

    @runs_on_device_thread
    def close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError):
                pass  # already gone with the cable

    def _probe(self) -> None:
        assert self._port is not None
        wrong: WrongDevice | None = None
        for baud in PROBE_BAUDS:
            try:
                self._port.baudrate = baud
                self._port.reset_input_buffer()
                self._transact(fr.SAM_STATUS, timeout=self.probe_timeout)
            except WrongDevice as exc:
                wrong = exc   # a reader at another speed also looks like noise: try the next one
                continue
            except (DeviceTimeout, ProtocolError, _Torn):
                continue
            except DeviceNotFound:
                raise
            except DeviceError:
                pass  # it answered (e.g. SAM fault): the line speed is right; status() reports it
            self.baud = baud
            return
        self.close()
        if wrong is not None:
            raise WrongDevice(NOT_A_READER, f"no reader frame from {self.url} at any baud: {wrong.english}")
        raise DeviceTimeout("读卡器无应答，请检查端口和波特率",
                            f"no reader answered at {self.url} ({', '.join(map(str, PROBE_BAUDS))} baud)")

    # ------------------------------------------------------------------ commands
    @runs_on_device_thread
    def status(self) -> None:
        """SAM status; raises ``SamFault`` when the SAM refuses commands."""
        self._check(self.command(fr.SAM_STATUS), fr.Sw3.SUCCESS)

    @runs_on_device_thread
    def find_card(self) -> bool:
        """True when a newly placed card was found (0x9F); False for 0x80."""
        resp = self.command(fr.FIND_CARD)
        if resp.sw3 == fr.Sw3.NO_CARD:
            return False
        self._check(resp, fr.Sw3.FOUND)
        return True

    @runs_on_device_thread
    def select_card(self) -> bool:
        resp = self.command(fr.SELECT_CARD)
        if resp.sw3 == fr.Sw3.SELECT_FAILED:
            return False
        self._check(resp, fr.Sw3.SUCCESS)
        return True

    @runs_on_device_thread
    def read_selected(self, fingerprint: bool = False) -> CardData:
        resp = self.command(fr.READ_BASE_FP if fingerprint else fr.READ_BASE)
        self._check(resp, fr.Sw3.SUCCESS)
        payload = fr.parse_read_payload(resp.data, fingerprint)
        return decode_text(payload.text, payload.photo, payload.fingerprint)

    @runs_on_device_thread
    def read_card(self, fingerprint: bool = False) -> CardData:
        """find → select → read. A card already read stays on a real reader but is no longer
        "found", so a failed find falls back to select before telling the clerk 请放卡."""
        found = self.find_card()
        if not self.select_card():
            raise fr.error_for_sw3(fr.Sw3.NO_CARD if not found else fr.Sw3.SELECT_FAILED)
        return self.read_selected(fingerprint)

    @runs_on_device_thread
    def command(self, command: tuple[int, int], data: bytes = b"") -> fr.Response:
        """Send one command and return its checked reply; opens the port if needed."""
        self.open()
        try:
            return self._transact(command, data)
        except _Torn:
            self._resync()
            self.open()  # the re-sync may have found the cable gone; this reports it
            try:
                return self._transact(command, data)
            except _Torn:
                self._resync()
                raise DeviceError("读卡失败，请重放", "torn reply frame twice") from None

    @staticmethod
    def _check(resp: fr.Response, expected: int) -> None:
        if (resp.sw1, resp.sw2) != (0, 0) or resp.sw3 != expected:
            raise fr.error_for_sw3(resp.sw3)

    # ------------------------------------------------------------------ wire
    def _transact(self, command: tuple[int, int], data: bytes = b"",
                  timeout: float | None = None) -> fr.Response:
        port = self._port
        assert port is not None
        try:
            _set_timeout(port, self.timeout if timeout is None else timeout)
            port.write(fr.build_request(command, data))
            return self._read_response(port)
        except (serial.SerialException, OSError) as exc:
            self.close()
            self._lost = True
            raise DeviceNotFound("读卡器已断开，请检查连接", f"reader disconnected: {exc}") from exc
        except ProtocolError:
            # Drop whatever follows the bad frame so the next command starts clean.
            self._resync()
            raise

    def _read_response(self, port: serial.SerialBase) -> fr.Response:
        """One reply frame. Ends on: a frame; silence before any byte (``DeviceTimeout``);
        silence mid-frame (``_Torn``); more than ``MAX_GARBAGE`` bytes that are not a frame, or
        the overall deadline passing while bytes keep coming (``WrongDevice``)."""
        buf = bytearray()
        need = fr.HEADER_LEN
        got_any = False
        discarded = 0
        deadline = time.monotonic() + self._reply_budget(port)
        while True:
            want = min(need, CHUNK)
            # pyserial returns fewer bytes than asked only after `timeout` of silence.
            chunk = port.read(want)
            if not chunk and not got_any:
                raise DeviceTimeout("读卡器无应答，请检查连接", "reader did not answer in time")
            got_any = True
            buf += chunk
            res = fr.scan(buf)
            del buf[:res.consumed]
            if res.frame is not None:
                return fr.parse_response(res.frame)
            # Bytes dropped ahead of any preamble; a frame in progress is not garbage.
            discarded += res.consumed
            if discarded > MAX_GARBAGE:
                raise WrongDevice(NOT_A_READER, f"{discarded} bytes without a reader frame",
                                  discarded=discarded)
            if len(chunk) < want:
                raise _Torn()
            if time.monotonic() > deadline:
                if discarded:
                    raise WrongDevice(NOT_A_READER, f"no reader frame before the deadline "
                                      f"({discarded} bytes discarded)", discarded=discarded)
                raise DeviceTimeout("读卡器应答超时，请检查连接", "reply still incomplete at the deadline")
            need = res.need

    def _reply_budget(self, port: serial.SerialBase) -> float:
        """Longest a whole reply may take: one silence timeout, the longest legal frame at the
        line speed (10 bits a byte), and some slack."""
        baud = port.baudrate or PROBE_BAUDS[-1]
        frame_time = (fr.HEADER_LEN + fr.MAX_LEN) * 10 / baud
        return (port.timeout or self.timeout) + frame_time + DEADLINE_SLACK

    def _resync(self) -> None:
        """Discard the rest of a broken reply: flush, then drain until the line is quiet."""
        port = self._port
        if port is None:
            return
        try:
            port.reset_input_buffer()
            _set_timeout(port, 0.05)
            end = time.monotonic() + 0.5
            while port.read(CHUNK) and time.monotonic() < end:
                pass
        except (serial.SerialException, OSError):
            self.close()
            self._lost = True
        finally:
            if self._port is not None:
                _set_timeout(self._port, self.timeout)


def _set_timeout(port: serial.SerialBase, seconds: float) -> None:
    # Setting pyserial's timeout reconfigures a real port (tcsetattr); skip it when unchanged.
    if port.timeout != seconds:
        port.timeout = seconds
