"""Scanned pages → one PDF: Pillow writes image runs (JPEG for colour/grey, CCITT G4 for
black-and-white, page size from the scan DPI); PDF files from a watched folder are merged in
order with pypdf.

The one rule: the output file appears complete or not at all (temp file + fsync + rename).
"""
from __future__ import annotations

import io
import os
from pathlib import Path

from PIL import Image

from clerk.fileio import write_atomic as clerk_write_atomic

from .errors import DeviceError
from .scan_base import ColorMode, Page, PdfPages, page_count

JPEG_QUALITY = 80      # plenty for forms and ID copies; about 1/10 of lossless size
DEFAULT_DPI = 150.0


def _page_dpi(img: Image.Image, fallback: float) -> float:
    dpi = img.info.get("dpi")
    try:
        value = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        value = 0.0
    # Files without a usable DPI (screenshots, phone photos) get the job's DPI.
    return round(value) if value >= 30 else fallback


def _prepare(img: Image.Image, color: ColorMode | None) -> Image.Image:
    """The mode that compresses well: 1-bit for bw, L for grey, RGB for colour."""
    if color == "bw":
        # Plain threshold, not dithering: text stays crisp and G4 compresses it far better.
        return img if img.mode == "1" else img.convert("L").convert("1", dither=Image.Dither.NONE)
    if color == "gray":
        return img if img.mode in ("L", "1") else img.convert("L")
    if img.mode in ("1", "L", "RGB"):
        return img
    if img.mode in ("RGBA", "LA", "P", "PA"):
        # Transparent areas become white paper, not black.
        rgba = img.convert("RGBA")
        paper = Image.new("RGB", rgba.size, "white")
        paper.paste(rgba, mask=rgba.getchannel("A"))
        return paper
    return img.convert("RGB")


def _images_pdf(images: list[Image.Image], dpi: float) -> bytes:
    out = io.BytesIO()
    first, rest = images[0], images[1:]
    # 1-bit pages go through TIFF G4, which refuses a JPEG quality setting.
    quality = {} if first.mode == "1" else {"quality": JPEG_QUALITY}
    first.save(out, "PDF", save_all=True, append_images=rest, resolution=dpi, **quality)
    return out.getvalue()


def pages_to_pdf(pages: list[Page], *, color: ColorMode | None = None,
                 dpi: float = DEFAULT_DPI) -> bytes:
    """One PDF holding ``pages`` in order. ``color`` None keeps each image's own mode."""
    if not pages:
        raise DeviceError("没有扫描到任何页面，未生成 PDF", "no pages to write")
    # Runs of images that share a DPI and bi-level-ness become one Pillow PDF; PDFs stay as is.
    chunks: list[bytes] = []
    run: list[Image.Image] = []
    run_key: tuple[float, bool] = (0.0, False)
    for page in pages:
        if isinstance(page, PdfPages):
            if run:
                chunks.append(_images_pdf(run, run_key[0]))
                run = []
            chunks.append(page.data)
            continue
        prepared = _prepare(page, color)
        key = (_page_dpi(page, dpi), prepared.mode == "1")
        if run and key != run_key:
            chunks.append(_images_pdf(run, run_key[0]))
            run = []
        run_key = key
        run.append(prepared)
    if run:
        chunks.append(_images_pdf(run, run_key[0]))
    return chunks[0] if len(chunks) == 1 else _merge(chunks)


def _merge(chunks: list[bytes]) -> bytes:
    try:
        from pypdf import PdfReader, PdfWriter
        from pypdf.errors import PdfReadError
    except ImportError as exc:  # pypdf is a runtime dependency for PDF input only
        raise DeviceError("合并 PDF 需要 pypdf 组件，请联系管理员安装", "pypdf is not installed") from exc
    writer = PdfWriter()
    for chunk in chunks:
        try:
            writer.append(PdfReader(io.BytesIO(chunk)))
        except (PdfReadError, ValueError, KeyError) as exc:
            raise DeviceError("有一个 PDF 文件已损坏，无法合并", f"cannot read a PDF part: {exc}") from exc
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_page_count(data: bytes, name: str = "") -> int:
    """Pages in a PDF file, or a ``DeviceError`` naming the file when it cannot be read."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        return len(PdfReader(io.BytesIO(data)).pages)
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise DeviceError(f"PDF 文件无法读取：{name or '未命名'}", f"bad PDF {name}: {exc}") from exc


def write_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` so readers never see a half file; returns the final path."""
    target = Path(path)
    if target.is_dir():
        raise DeviceError(f"输出路径是一个文件夹：{target}", f"output path is a directory: {target}")
    try:
        clerk_write_atomic(target, data)
    except OSError as exc:
        raise DeviceError(f"保存 PDF 失败（磁盘已满或没有权限）：{target}",
                          f"cannot save {target}: {exc}") from exc
    return target


def save_scan(pages: list[Page], out: str | os.PathLike[str], *, color: ColorMode | None = None,
              dpi: float = DEFAULT_DPI) -> int:
    """Pages → PDF file at ``out`` (atomically); returns the number of pages written."""
    data = pages_to_pdf(pages, color=color, dpi=dpi)
    write_atomic(out, data)
    return page_count(pages)
