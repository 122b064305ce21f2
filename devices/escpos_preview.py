"""Preview of an ESC/POS job as a picture of the paper (Pillow): what the decoder understood, laid
out on the printer's dot grid — 12-dot ASCII cells, 24-dot Hanzi cells, GS ! magnification, real
QR modules (``qrcode``) and Code128 bars (``python-barcode``), and a dashed line where it cuts.

One rule: the picture is drawn only from ``devices.escpos_decode`` output, never from the data
that produced the bytes — so it shows what the printer would get, bugs included.
``python -m devices.escpos_preview job.bin out.png [--width 58]``.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from devices.errors import DeviceError
from devices.escpos_decode import Barcode, Cut, Feed, QrCode, TextLine, decode
from printing.escpos import DOTS, char_width

CELL = 12            # Font A: 12 × 24 dots per ASCII column
LINE = 30            # default line spacing in dots
MARGIN = 24
FALLBACK_FONTS = ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


def _font_path(font_path: str | None) -> str:
    if font_path:
        return font_path
    try:
        from printing.fonts import cjk_font_path

        return str(cjk_font_path())
    except Exception:  # noqa: BLE001
        for candidate in FALLBACK_FONTS:
            if Path(candidate).is_file():
                return candidate
    raise DeviceError("未找到中文字体，无法生成小票预览：随程序附带的字体文件缺失，请重新安装本程序", "no CJK font for preview")


def _text_image(line: TextLine, font: ImageFont.FreeTypeFont) -> Image.Image:
    cols = sum(char_width(c) for c in line.text)
    img = Image.new("L", (max(1, cols * CELL), 24), 255)
    draw = ImageDraw.Draw(img)
    x = 0
    for ch in line.text:
        w = char_width(ch) * CELL
        if w and not ch.isspace():
            # Centre each glyph in its printer cell so columns line up as on paper.
            draw.text((x + w / 2, 12), ch, font=font, fill=0, anchor="mm",
                      stroke_width=1 if line.bold else 0, stroke_fill=0)
        x += w
    if line.width != 1 or line.height != 1:
        img = img.resize((img.width * line.width, 24 * line.height), Image.NEAREST)
    return img


def _barcode_image(code: Barcode, font: ImageFont.FreeTypeFont) -> Image.Image:
    from barcode import Code128

    modules = "".join(Code128(code.data).build()) if code.kind == "CODE128" else ""
    module = max(1, code.module)
    hri = code.hri in (2, 3)
    img = Image.new("L", (max(len(modules) * module, 24 * len(code.data) // 2 + 1), code.height + (30 if hri else 0)), 255)
    draw = ImageDraw.Draw(img)
    for i, bit in enumerate(modules):
        if bit == "1":
            draw.rectangle([i * module, 0, (i + 1) * module - 1, code.height - 1], fill=0)
    if not modules:
        draw.rectangle([0, 0, img.width - 1, code.height - 1], outline=0)
        draw.text((4, 4), code.kind, font=font, fill=0)
    if hri:
        w = draw.textlength(code.data, font=font)
        draw.text(((img.width - w) / 2, code.height + 4), code.data, font=font, fill=0)
    return img


def _qr_image(code: QrCode) -> Image.Image:
    import qrcode
    from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q

    ec = {"L": ERROR_CORRECT_L, "M": ERROR_CORRECT_M, "Q": ERROR_CORRECT_Q, "H": ERROR_CORRECT_H}[code.ec]
    qr = qrcode.QRCode(error_correction=ec, box_size=max(1, code.size), border=0)
    qr.add_data(code.data.encode("utf-8"))
    return qr.make_image(fill_color="black", back_color="white").get_image().convert("L")


def render_preview(data: bytes, width_mm: int = 80, font_path: str | None = None) -> Image.Image:
    """A greyscale image of the paper: printable width plus a margin, as tall as the job."""
    dots = DOTS[int(width_mm)]
    font = ImageFont.truetype(_font_path(font_path), 22)  # a 24-dot cell keeps a dot of air
    small = ImageFont.truetype(_font_path(font_path), 20)
    rows: list[tuple[Image.Image | None, int, int]] = []  # (image, align, height)
    for block in decode(data).blocks:
        if isinstance(block, TextLine):
            img = _text_image(block, font)
            rows.append((img, block.align, max(LINE, img.height + 6)))
        elif isinstance(block, Barcode):
            img = _barcode_image(block, small)
            rows.append((img, block.align, img.height + 6))
        elif isinstance(block, QrCode):
            img = _qr_image(block)
            rows.append((img, block.align, img.height + 6))
        elif isinstance(block, Feed):
            rows.append((None, 0, block.lines * LINE))
        elif isinstance(block, Cut):
            rows.append((None, -1, 24))
    height = sum(h for _, _, h in rows) + 2 * MARGIN
    page = Image.new("L", (dots + 2 * MARGIN, height), 255)
    draw = ImageDraw.Draw(page)
    y = MARGIN
    for img, align, h in rows:
        if img is not None:
            img = img if img.width <= dots else img.resize((dots, img.height))  # the printer would clip
            x = MARGIN + (0, (dots - img.width) // 2, dots - img.width)[align]
            page.paste(img, (x, y))
        elif align == -1:
            for x in range(0, page.width, 16):
                draw.line([(x, y + 12), (x + 8, y + 12)], fill=0, width=2)
        y += h
    return page


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m devices.escpos_preview")
    p.add_argument("job")
    p.add_argument("png")
    p.add_argument("--width", type=int, default=80, choices=(80, 58))
    args = p.parse_args()
    render_preview(Path(args.job).read_bytes(), args.width).save(args.png)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
