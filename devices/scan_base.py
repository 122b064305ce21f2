"""What every scanner driver offers, and ``open_scanner(url)`` which picks the driver from the URL.

URLs: ``sane:test:0`` (any SANE device name after ``sane:``), ``escl:http://host:port/eSCL``,
``twain:`` / ``wia:`` (Windows only, optional source name after the colon), ``folder:/path``
(a watched folder that a vendor's scan software writes into).

The one rule: ``scan`` returns every page of the job or raises a ``DeviceError`` — never a
partial job — so the caller writes the PDF only when the paper has all gone through.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

from PIL import Image

from clerk.errors import ValidationError

from .errors import DeviceNotFound

Source = Literal["flatbed", "feeder"]
ColorMode = Literal["color", "gray", "bw"]

MIN_DPI, MAX_DPI = 50, 1200


@dataclass(frozen=True)
class PdfPages:
    """A page run that arrived as a PDF file (watched folder); merged into the output as is."""
    data: bytes
    name: str = ""
    page_count: int = 0


# One scanned page, or a PDF file that holds one or more pages.
Page = Image.Image | PdfPages


@dataclass(frozen=True)
class ScanSettings:
    source: Source = "flatbed"
    dpi: int = 150
    color: ColorMode = "gray"
    duplex: bool = False
    # Scan area (width, height) in millimetres from the top-left corner; None = the device's
    # default area. Tests and previews use small areas to stay fast.
    area_mm: tuple[float, float] | None = None
    # Driver-specific extras (e.g. SANE options for the test backend); not shown to the clerk.
    extra: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.source not in ("flatbed", "feeder"):
            raise ValidationError(f"扫描来源无效：{self.source}（应为 平板 flatbed 或 进纸器 feeder）",
                                  f"bad scan source {self.source!r}")
        if self.color not in ("color", "gray", "bw"):
            raise ValidationError(f"色彩模式无效：{self.color}（应为 color、gray 或 bw）",
                                  f"bad colour mode {self.color!r}")
        if not MIN_DPI <= int(self.dpi) <= MAX_DPI:
            raise ValidationError(f"分辨率 {self.dpi} dpi 超出范围（{MIN_DPI}–{MAX_DPI}）",
                                  f"dpi {self.dpi} out of range")
        if self.duplex and self.source != "feeder":
            raise ValidationError("双面扫描只能使用进纸器", "duplex needs the feeder")
        if self.area_mm is not None and not all(v > 0 for v in self.area_mm):
            raise ValidationError("扫描区域的宽和高必须大于 0", f"bad scan area {self.area_mm}")


class Scanner(Protocol):
    url: str

    def scan(self, settings: ScanSettings) -> list[Page]:
        """Run one job on the device thread; all pages in order, or a ``DeviceError``."""
        ...


def page_count(pages: list[Page]) -> int:
    return sum(p.page_count if isinstance(p, PdfPages) else 1 for p in pages)


def open_scanner(url: str, **options: object) -> Scanner:
    """Build (not yet touch) the driver named by ``url``; ``options`` go to its constructor."""
    scheme, sep, rest = url.partition(":")
    if not sep:
        raise DeviceNotFound(f"扫描仪地址无效：{url}（例如 sane:test:0、escl:http://…/eSCL、folder:/路径）",
                             f"bad scanner url {url!r}")
    scheme = scheme.lower()
    if scheme == "sane":
        from .scan_sane import SaneScanner
        if not rest:
            raise DeviceNotFound("SANE 扫描仪地址缺少设备名，例如 sane:test:0", "sane url without device")
        return SaneScanner(rest, **options)  # type: ignore[arg-type]
    if scheme == "escl":
        from .scan_escl import EsclScanner
        return EsclScanner(rest, **options)  # type: ignore[arg-type]
    if scheme in ("twain", "wia"):
        from .scan_twain import open_windows_scanner
        return open_windows_scanner(scheme, rest, **options)
    if scheme == "folder":
        from .scan_folder import FolderScanner
        if not rest:
            raise DeviceNotFound("监视文件夹地址缺少路径，例如 folder:/srv/scans", "folder url without path")
        return FolderScanner(rest, **options)  # type: ignore[arg-type]
    raise DeviceNotFound(f"不支持的扫描仪类型：{scheme}", f"unknown scanner scheme {scheme!r}")
