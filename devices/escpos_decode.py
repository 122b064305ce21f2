"""Decode the ESC/POS subset Window Clerk emits back into operations, text lines, barcodes and QR
payloads — for tests (assert on what would be printed) and for the on-screen preview.

One rule: strict. Any byte the subset does not define, a truncated command or text that is not
valid GB18030 raises ``ProtocolError`` (with the offset); nothing is skipped silently, because a
printer that meets a byte it does not know prints garbage or swallows what follows.

Subset: ESC @, ESC a, ESC E, ESC !, ESC d, ESC t, GS !, GS h/w/H/f, GS k, GS ( k (QR, cn 49),
GS V, FS & / FS . / FS ! / FS W, DLE EOT, LF, CR, HT and text (GB18030 in Chinese mode, CP437 out of it).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from devices.errors import ProtocolError


@dataclass(frozen=True)
class Op:
    name: str
    args: tuple[int | str, ...] = ()
    offset: int = 0


@dataclass(frozen=True)
class TextLine:
    text: str
    align: int = 0          # 0 left, 1 centre, 2 right
    bold: bool = False
    width: int = 1          # magnification
    height: int = 1


@dataclass(frozen=True)
class Barcode:
    kind: str               # "CODE128", or "GS k m=<n>" for the others
    data: str
    height: int
    module: int
    hri: int
    align: int = 0


@dataclass(frozen=True)
class QrCode:
    data: str
    size: int
    ec: str
    align: int = 0


@dataclass(frozen=True)
class Feed:
    lines: int


@dataclass(frozen=True)
class Cut:
    partial: bool


Block = TextLine | Barcode | QrCode | Feed | Cut


@dataclass
class Decoded:
    ops: list[Op] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def lines(self) -> list[TextLine]:
        return [b for b in self.blocks if isinstance(b, TextLine)]

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def barcodes(self) -> list[Barcode]:
        return [b for b in self.blocks if isinstance(b, Barcode)]

    @property
    def qr_payloads(self) -> list[str]:
        return [b.data for b in self.blocks if isinstance(b, QrCode)]

    @property
    def cuts(self) -> int:
        return sum(isinstance(b, Cut) for b in self.blocks)


_EC = {48: "L", 49: "M", 50: "Q", 51: "H"}


class _State:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.align = 0
        self.bold = False
        self.width = self.height = 1
        self.chinese = False
        self.bar_height, self.bar_module, self.hri = 162, 3, 0  # Epson power-on defaults
        self.qr_size, self.qr_ec, self.qr_data = 3, "L", b""


def decode(data: bytes) -> Decoded:
    """Decode a whole job. Raises ``ProtocolError`` on anything outside the subset."""
    return _Decoder(bytes(data)).run()


class _Decoder:
    def __init__(self, data: bytes) -> None:
        self.d = data
        self.i = 0
        self.st = _State()
        self.out = Decoded()
        self.pending = bytearray()   # text bytes of the current line not yet decoded
        self.segments: list[str] = []
        self.line_state: tuple[int, bool, int, int] | None = None

    # --- helpers -----------------------------------------------------------------------------
    def fail(self, what: str) -> ProtocolError:
        return ProtocolError(f"打印数据无法解析：{what}（第 {self.i} 字节）",
                             f"ESC/POS decode error at byte {self.i}: {what}", offset=self.i)

    def take(self, n: int, what: str) -> bytes:
        if self.i + n > len(self.d):
            raise self.fail(f"{what} 命令不完整")
        chunk = self.d[self.i:self.i + n]
        self.i += n
        return chunk

    def op(self, name: str, *args: int | str, at: int) -> None:
        self.out.ops.append(Op(name, tuple(args), at))

    def flush_text(self) -> None:
        if not self.pending:
            return
        raw = bytes(self.pending)
        self.pending.clear()
        if self.st.chinese:
            try:
                text = raw.decode("gb18030")
            except UnicodeDecodeError as exc:
                raise self.fail(f"不是有效的 GB18030 文字（{exc.reason}）") from None
        else:
            if any(b >= 0x80 for b in raw):
                self.out.warnings.append(f"第 {self.i} 字节前：中文模式（FS &）未打开，汉字会打印成乱码")
            text = raw.decode("cp437")
        self.op("text", text, at=self.i - len(raw))
        self.segments.append(text)

    def end_line(self) -> None:
        self.flush_text()
        state = self.line_state or (self.st.align, self.st.bold, self.st.width, self.st.height)
        align, bold, width, height = state
        self.out.blocks.append(TextLine("".join(self.segments), align, bold, width, height))
        self.segments.clear()
        self.line_state = None

    # --- main loop ---------------------------------------------------------------------------
    def run(self) -> Decoded:
        while self.i < len(self.d):
            b = self.d[self.i]
            if b >= 0x20 or b == 0x09:
                if self.line_state is None:
                    self.line_state = (self.st.align, self.st.bold, self.st.width, self.st.height)
                self.pending.append(0x20 if b == 0x09 else b)
                self.i += 1
                continue
            self.flush_text()
            at = self.i
            self.i += 1
            if b == 0x0A:
                self.op("lf", at=at)
                self.end_line()
            elif b == 0x0D:
                self.op("cr", at=at)
            elif b == 0x1B:
                self.esc(at)
            elif b == 0x1D:
                self.gs(at)
            elif b == 0x1C:
                self.fs(at)
            elif b == 0x10:
                if self.take(1, "DLE")[0] != 0x04:
                    raise self.fail("未知的 DLE 命令")
                n = self.take(1, "DLE EOT")[0]
                if n not in (1, 2, 3, 4):
                    raise self.fail(f"DLE EOT 参数 {n} 无效")
                self.op("status_query", n, at=at)
            else:
                self.i = at
                raise self.fail(f"意外的控制字节 0x{b:02X}")
        if self.pending or self.segments:
            self.end_line()  # text without a final LF: a printer prints it on the next LF or cut
        return self.out

    def esc(self, at: int) -> None:
        c = self.take(1, "ESC")[0]
        st = self.st
        if c == 0x40:
            st.reset()
            self.op("init", at=at)
            return
        n = self.take(1, f"ESC {chr(c)}")[0] if c in b"aEd!t" else None
        if n is None:
            self.i -= 1
            raise self.fail(f"未知的 ESC 命令 0x{c:02X}")
        if c == ord("a"):
            if n not in (0, 1, 2, 48, 49, 50):
                raise self.fail(f"ESC a 参数 {n} 无效")
            st.align = n % 48
            self.op("align", st.align, at=at)
        elif c == ord("E"):
            st.bold = bool(n & 1)
            self.op("bold", int(st.bold), at=at)
        elif c == ord("d"):
            self.op("feed", n, at=at)
            if self.segments:
                self.end_line()
            self.out.blocks.append(Feed(n))
        elif c == ord("!"):
            # python-escpos' size command: bit 3 bold, bit 4 double height, bit 5 double width.
            st.bold, st.height, st.width = bool(n & 8), 2 if n & 16 else 1, 2 if n & 32 else 1
            self.op("print_mode", n, at=at)
        else:
            self.op("codepage", n, at=at)

    def gs(self, at: int) -> None:
        c = self.take(1, "GS")[0]
        st = self.st
        if c == ord("!"):
            n = self.take(1, "GS !")[0]
            st.width, st.height = (n >> 4) + 1, (n & 0x0F) + 1
            if st.width > 8 or st.height > 8:
                raise self.fail(f"GS ! 参数 0x{n:02X} 无效")
            self.op("size", st.width, st.height, at=at)
        elif c in b"hwHf":
            n = self.take(1, f"GS {chr(c)}")[0]
            if c == ord("h"):
                st.bar_height = n
            elif c == ord("w"):
                st.bar_module = n
            elif c == ord("H"):
                st.hri = n % 48
            self.op({"h": "barcode_height", "w": "barcode_module", "H": "barcode_hri", "f": "hri_font"}[chr(c)],
                    n, at=at)
        elif c == ord("k"):
            self.barcode(at)
        elif c == ord("("):
            if self.take(1, "GS (")[0] != ord("k"):
                raise self.fail("只支持 GS ( k（二维码）")
            self.qr(at)
        elif c == ord("V"):
            m = self.take(1, "GS V")[0]
            if m in (0, 1, 48, 49):
                partial = m in (1, 49)
            elif m in (65, 66):
                feed = self.take(1, "GS V m n")[0]
                self.out.blocks.append(Feed(feed))
                partial = m == 66
            else:
                raise self.fail(f"GS V 参数 {m} 无效")
            self.op("cut", "partial" if partial else "full", at=at)
            if self.segments:
                self.end_line()
            self.out.blocks.append(Cut(partial))
        else:
            self.i -= 1
            raise self.fail(f"未知的 GS 命令 0x{c:02X}")

    def fs(self, at: int) -> None:
        c = self.take(1, "FS")[0]
        if c == ord("&"):
            self.st.chinese = True
            self.op("chinese_on", at=at)
        elif c == ord("."):
            self.st.chinese = False
            self.op("chinese_off", at=at)
        elif c in b"!W":
            self.op("chinese_mode" if c == ord("!") else "chinese_quad", self.take(1, f"FS {chr(c)}")[0], at=at)
        else:
            self.i -= 1
            raise self.fail(f"未知的 FS 命令 0x{c:02X}")

    def barcode(self, at: int) -> None:
        m = self.take(1, "GS k")[0]
        if m >= 65:
            n = self.take(1, "GS k 长度")[0]
            raw = self.take(n, "GS k 数据")
        elif m <= 6:
            end = self.d.find(b"\x00", self.i)
            if end < 0:
                raise self.fail("GS k 数据缺少结尾 NUL")
            raw = self.take(end - self.i, "GS k 数据")
            self.i += 1
        else:
            raise self.fail(f"GS k 条码类型 {m} 无效")
        if m == 73:
            kind, text = "CODE128", self.code128_text(raw)
        else:
            if any(b < 0x20 or b >= 0x7F for b in raw):
                raise self.fail("条码数据含不可打印字符")
            kind, text = f"GS k m={m}", raw.decode("ascii")
        st = self.st
        self.op("barcode", kind, text, at=at)
        if self.segments:
            self.end_line()
        self.out.blocks.append(Barcode(kind, text, st.bar_height, st.bar_module, st.hri, st.align))

    def code128_text(self, raw: bytes) -> str:
        if len(raw) < 2 or raw[0] != 0x7B or raw[1] not in b"ABC":
            raise self.fail("Code128 数据必须以 {A、{B 或 {C 开头")
        out: list[str] = []
        cset, j = "", 0
        while j < len(raw):
            b = raw[j]
            if b == 0x7B:
                if j + 1 >= len(raw):
                    raise self.fail("Code128 数据以单独的 { 结尾")
                nxt = chr(raw[j + 1])
                j += 2
                if nxt in "ABC":
                    cset = nxt
                elif nxt == "{":
                    out.append("{")
                elif nxt not in "S1234":  # shift and FNC1–4 carry no text
                    raise self.fail(f"Code128 转义 {{{nxt} 无效")
                continue
            if cset == "C":
                if b > 99:
                    raise self.fail(f"Code128 C 码集的值 {b} 超出 0–99")
                out.append(f"{b:02d}")
            else:
                out.append(chr(b))
            j += 1
        return "".join(out)

    def qr(self, at: int) -> None:
        p_l, p_h = self.take(2, "GS ( k 长度")
        body = self.take(p_l + 256 * p_h, "GS ( k 数据")
        if len(body) < 2 or body[0] != 0x31:
            raise self.fail("GS ( k 只支持二维码（cn=49）")
        fn, params = body[1], body[2:]
        st = self.st
        if fn == 0x41:  # 165 model
            self.op("qr_model", params[0] if params else 0, at=at)
        elif fn == 0x43 and len(params) == 1:  # 167 module size
            st.qr_size = params[0]
            self.op("qr_size", st.qr_size, at=at)
        elif fn == 0x45 and len(params) == 1:  # 169 error correction
            if params[0] not in _EC:
                raise self.fail(f"二维码纠错等级 {params[0]} 无效")
            st.qr_ec = _EC[params[0]]
            self.op("qr_ec", st.qr_ec, at=at)
        elif fn == 0x50 and params[:1] == b"0":  # 180 store
            st.qr_data = params[1:]
            self.op("qr_store", len(st.qr_data), at=at)
        elif fn == 0x51 and params == b"0":  # 181 print
            if not st.qr_data:
                raise self.fail("打印二维码前没有存入内容")
            text = st.qr_data.decode("utf-8", errors="replace")
            self.op("qr_print", text, at=at)
            if self.segments:
                self.end_line()
            self.out.blocks.append(QrCode(text, st.qr_size, st.qr_ec, st.align))
        else:
            raise self.fail(f"二维码功能 {fn} 的参数无效")
