"""GA 467 frames for the second-generation ID-card reader (二代证 SAM): build, scan, parse.

Pure bytes in, bytes or typed values out — no I/O here, so the serial driver, the emulator and
the tests share one definition of the wire format (DEVICES.md 1.2–1.5).

    Request : AA AA AA 96 69 | LEN_H LEN_L | CMD | PARA | DATA… | CHK
    Response: AA AA AA 96 69 | LEN_H LEN_L | SW1 | SW2 | SW3 | DATA… | CHK

LEN (big-endian) counts every byte after itself, CHK included; CHK is the XOR of every byte
after the preamble. The one rule: ``scan`` never trusts a byte it has not checked — any input
gives a frame, "need more bytes", or a ``ProtocolError``.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from .errors import DeviceError, ProtocolError

PREAMBLE = b"\xAA\xAA\xAA\x96\x69"
HEADER_LEN = len(PREAMBLE) + 2
# The longest legal frame is the 30 10 reply (3 SW + 6 length bytes + 256 + 1024 + 1024 + CHK);
# a larger LEN means we locked onto a false preamble, and waiting for it would stall the reader.
MAX_LEN = 4096
MIN_LEN = 3  # CMD PARA CHK (requests); responses need 4, checked in parse_response


# (CMD, PARA) pairs, DEVICES.md 1.3.
RESET_SAM = (0x10, 0xFF)
SAM_STATUS = (0x11, 0xFF)
SAM_ID = (0x12, 0xFF)
FIND_CARD = (0x20, 0x01)
SELECT_CARD = (0x20, 0x02)
READ_BASE = (0x30, 0x01)
READ_BASE_FP = (0x30, 0x10)


class Sw3(IntEnum):
    """SAM result codes (DEVICES.md 1.4)."""

    SUCCESS = 0x90
    NO_ITEM = 0x91
    FOUND = 0x9F
    NO_CARD = 0x80
    SELECT_FAILED = 0x81
    READ_FAILED = 0x41
    UNKNOWN_CARD = 0x40
    CARD_AUTH_FAILED = 0x31
    SAM_AUTH_FAILED = 0x32
    VERIFY_FAILED = 0x33
    FINGERPRINT_ERROR = 0x37
    INFO_LENGTH_ERROR = 0x3F
    RANDOM_FAILED = 0x47
    HOST_CHECKSUM_ERROR = 0x10
    HOST_LENGTH_ERROR = 0x11
    BAD_COMMAND = 0x21
    UNAUTHORISED = 0x23
    UNRECOGNISED_ERROR = 0x24
    SAM_FAULT = 0x60
    SAM_NOT_AUTHORISED = 0x66


# What the clerk reads for each code, and the English for logs/CLI.
SW3_MESSAGES: dict[int, tuple[str, str]] = {
    Sw3.SUCCESS: ("操作成功", "success"),
    Sw3.NO_ITEM: ("证件无此项信息", "the card has no such item"),
    Sw3.FOUND: ("找到证件", "card found"),
    Sw3.NO_CARD: ("请放卡", "no card on the reader"),
    Sw3.SELECT_FAILED: ("选卡失败，请重放", "select card failed"),
    Sw3.READ_FAILED: ("读卡失败，请重放", "read card failed"),
    Sw3.UNKNOWN_CARD: ("无法识别的卡类型", "unrecognised card type"),
    Sw3.CARD_AUTH_FAILED: ("证件认证 SAM 失败，请重放", "card-to-SAM authentication failed"),
    Sw3.SAM_AUTH_FAILED: ("SAM 认证证件失败，请重放", "SAM-to-card authentication failed"),
    Sw3.VERIFY_FAILED: ("证件信息验证失败", "information verification failed"),
    Sw3.FINGERPRINT_ERROR: ("指纹信息验证错误", "fingerprint verification error"),
    Sw3.INFO_LENGTH_ERROR: ("证件信息长度错误", "information length error"),
    Sw3.RANDOM_FAILED: ("取随机数失败，请重放", "get-random failed"),
    Sw3.HOST_CHECKSUM_ERROR: ("读卡器收到的数据校验错误", "checksum error in host data"),
    Sw3.HOST_LENGTH_ERROR: ("读卡器收到的数据长度错误", "length error in host data"),
    Sw3.BAD_COMMAND: ("读卡器不支持该命令", "bad command or parameter"),
    Sw3.UNAUTHORISED: ("越权操作", "unauthorised operation"),
    Sw3.UNRECOGNISED_ERROR: ("读卡器未知错误", "unrecognised error"),
    Sw3.SAM_FAULT: ("SAM 模块异常", "SAM self-test failed"),
    Sw3.SAM_NOT_AUTHORISED: ("SAM 模块未授权", "SAM not authorised"),
}


class CardAbsent(DeviceError):
    """No card on the reader (SW3 0x80 / 0x81): the clerk asks the applicant to place it."""


class SamFault(DeviceError):
    """The SAM module refuses commands (0x60 / 0x66): the reader needs service or a replug."""


def sw3_message(code: int) -> tuple[str, str]:
    return SW3_MESSAGES.get(code, (f"读卡器返回未知代码 0x{code:02X}", f"unknown SW3 0x{code:02X}"))


def error_for_sw3(code: int) -> DeviceError:
    """The typed error for a non-success SW3 (the caller decides which codes are success)."""
    zh, en = sw3_message(code)
    if code in (Sw3.NO_CARD, Sw3.SELECT_FAILED):
        return CardAbsent(zh, en, sw3=code)
    if code in (Sw3.SAM_FAULT, Sw3.SAM_NOT_AUTHORISED):
        return SamFault(zh, en, sw3=code)
    return DeviceError(zh, en, sw3=code)


def checksum(data: bytes | bytearray) -> int:
    x = 0
    for b in data:
        x ^= b
    return x


def _frame(body: bytes) -> bytes:
    if len(body) + 1 > MAX_LEN:
        raise ValueError(f"frame body too long: {len(body)}")
    head = (len(body) + 1).to_bytes(2, "big") + body
    return PREAMBLE + head + bytes([checksum(head)])


def build_request(command: tuple[int, int], data: bytes = b"") -> bytes:
    """A host → reader frame, e.g. ``build_request(FIND_CARD)`` → ``AA AA AA 96 69 00 03 20 01 22``."""
    cmd, para = command
    return _frame(bytes([cmd, para]) + data)


def build_response(sw3: int, data: bytes = b"", sw1: int = 0, sw2: int = 0) -> bytes:
    """A reader → host frame (used by the emulator and tests)."""
    return _frame(bytes([sw1, sw2, sw3]) + data)


@dataclass(frozen=True)
class Frame:
    """A checked frame: ``body`` is everything between LEN and CHK."""

    body: bytes


@dataclass(frozen=True)
class Scan:
    """Result of looking at a receive buffer.

    ``consumed``: bytes at the start of the buffer the caller drops (garbage before a preamble,
    plus the frame when one was found). ``need``: when no frame yet, at least this many more bytes
    must arrive before another scan can say more.
    """

    frame: Frame | None
    consumed: int
    need: int


def _partial_preamble_suffix(buf: bytes) -> int:
    """Length of the longest buffer tail that could be the start of a preamble."""
    for k in range(min(len(PREAMBLE) - 1, len(buf)), 0, -1):
        if buf.endswith(PREAMBLE[:k]):
            return k
    return 0


def scan(buf: bytes | bytearray) -> Scan:
    """Find the first complete frame in ``buf``. Raises ``ProtocolError`` (with ``consumed`` in
    ``details``, so the caller can drop the bad bytes and re-sync) on a bad length or checksum."""
    data = bytes(buf)
    start = data.find(PREAMBLE)
    if start < 0:
        keep = _partial_preamble_suffix(data)
        return Scan(None, len(data) - keep, max(1, HEADER_LEN - keep))
    have = len(data) - start
    if have < HEADER_LEN:
        return Scan(None, start, HEADER_LEN - have)
    length = int.from_bytes(data[start + 5:start + 7], "big")
    if not MIN_LEN <= length <= MAX_LEN:
        raise ProtocolError("读卡器数据长度错误", f"bad frame length {length}",
                            consumed=start + len(PREAMBLE))
    total = HEADER_LEN + length
    if have < total:
        return Scan(None, start, total - have)
    head = data[start + 5:start + total - 1]
    if checksum(head) != data[start + total - 1]:
        raise ProtocolError("读卡器数据校验错误", "bad frame checksum", consumed=start + total)
    return Scan(Frame(head[2:]), start + total, 0)


@dataclass(frozen=True)
class Response:
    sw1: int
    sw2: int
    sw3: int
    data: bytes

    @property
    def ok(self) -> bool:
        return self.sw1 == 0 and self.sw2 == 0 and self.sw3 in (Sw3.SUCCESS, Sw3.FOUND)


@dataclass(frozen=True)
class Request:
    cmd: int
    para: int
    data: bytes

    @property
    def command(self) -> tuple[int, int]:
        return (self.cmd, self.para)


def parse_response(frame: Frame) -> Response:
    if len(frame.body) < 3:
        raise ProtocolError("读卡器应答过短", f"response body of {len(frame.body)} bytes")
    b = frame.body
    return Response(b[0], b[1], b[2], b[3:])


def parse_request(frame: Frame) -> Request:
    if len(frame.body) < 2:
        raise ProtocolError("读卡器命令过短", f"request body of {len(frame.body)} bytes")
    b = frame.body
    return Request(b[0], b[1], b[2:])


@dataclass(frozen=True)
class ReadPayload:
    text: bytes
    photo: bytes
    fingerprint: bytes


def parse_read_payload(data: bytes, with_fingerprint: bool) -> ReadPayload:
    """Split the data of a 30 01 / 30 10 reply: length words (big-endian) then the blocks."""
    n_len = 3 if with_fingerprint else 2
    if len(data) < 2 * n_len:
        raise ProtocolError("身份证信息长度错误", "read reply shorter than its length fields")
    lens = [int.from_bytes(data[2 * i:2 * i + 2], "big") for i in range(n_len)]
    if sum(lens) + 2 * n_len != len(data):
        raise ProtocolError("身份证信息长度错误", f"block lengths {lens} do not match {len(data)} bytes")
    pos = 2 * n_len
    blocks = []
    for n in lens:
        blocks.append(data[pos:pos + n])
        pos += n
    if len(blocks[0]) != 256:
        raise ProtocolError("身份证信息长度错误", f"text block of {len(blocks[0])} bytes")
    return ReadPayload(blocks[0], blocks[1], blocks[2] if with_fingerprint else b"")


def build_read_payload(text: bytes, photo: bytes, fingerprint: bytes | None) -> bytes:
    """Inverse of ``parse_read_payload``; ``fingerprint`` None → the 30 01 shape."""
    blocks = [text, photo] + ([] if fingerprint is None else [fingerprint])
    return b"".join(len(b).to_bytes(2, "big") for b in blocks) + b"".join(blocks)
