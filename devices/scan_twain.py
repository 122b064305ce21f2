"""Windows scanners through WIA (pywin32's ``win32com``) or TWAIN (``pytwain``).

NOT RUN HERE: this module was written on Linux from the documented APIs (DEVICES.md §3.2) and
has only been exercised for its non-Windows path (``open`` raises ``DeviceNotFound``). The WIA
property IDs for the feeder (3088) are marked unconfirmed there. Try it on a counter PC with
``clerk devices scan --scanner wia: --out t.pdf`` before relying on it.

The one rule: Windows-only imports happen inside the functions, so importing this module is
safe everywhere; a missing package (pywin32 for WIA, pytwain for TWAIN) is a ``DeviceError`` with
a Chinese message, never a bare ``ImportError`` in the clerk's face.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from PIL import Image

from .errors import DeviceError, DeviceNotFound
from .scan_base import Page, ScanSettings, Scanner
from .worker import runs_on_device_thread

WIA_FORMAT_PNG = "{B96B3CAF-0728-11D3-9D7B-0000F81EF32E}"
WIA_INTENT = {"color": 1, "gray": 2, "bw": 4}      # WIA_INTENT_IMAGE_TYPE_COLOR/GRAYSCALE/TEXT
WIA_PAPER_EMPTY = -2145320957                      # 0x80210003 as a signed HRESULT
WIA_PAPER_JAM = -2145320958                        # 0x80210002
# Property IDs (WiaDef.h); 3088 is the unconfirmed one.
P_INTENT, P_XRES, P_YRES, P_DOC_HANDLING = 6146, 6147, 6148, 3088
FEEDER, FLATBED, DUPLEX = 1, 2, 4


def _not_windows(kind: str) -> DeviceNotFound:
    return DeviceNotFound("TWAIN/WIA 仅在 Windows 上可用，请改用 SANE、eSCL 网络扫描或监视文件夹",
                          f"{kind} scanners need Windows (running on {sys.platform})")


MISSING_PYWIN32 = ("未安装 WIA 扫描支持组件（Python 包 pywin32），请重新安装本程序；"
                   "也可改用 TWAIN、eSCL 网络扫描或监视文件夹")
MISSING_PYTWAIN = ("未安装 TWAIN 扫描支持组件（Python 包 pytwain），请重新安装本程序；"
                   "也可改用 WIA、eSCL 网络扫描或监视文件夹")


def _pywin32() -> tuple[object, object]:
    """(pythoncom, win32com.client), or a DeviceError naming the missing package."""
    try:
        import pythoncom
        import win32com.client
    except ImportError as exc:
        raise DeviceError(MISSING_PYWIN32, f"WIA scanning needs pywin32: {exc}") from None
    return pythoncom, win32com.client


def _pytwain() -> object:
    try:
        import twain
    except ImportError as exc:
        raise DeviceError(MISSING_PYTWAIN, f"TWAIN scanning needs pytwain: {exc}") from None
    return twain


def _set(props: object, pid: int, value: int) -> None:
    for prop in props:  # type: ignore[attr-defined]
        if prop.PropertyID == pid:
            prop.Value = value
            return


class WiaScanner:
    def __init__(self, name: str = "") -> None:
        self.name = name            # device name; empty = the first scanner WIA lists
        self.url = f"wia:{name}"

    def _device(self) -> object:
        _pythoncom, client = _pywin32()  # pywin32, Windows only
        manager = client.Dispatch("WIA.DeviceManager")  # type: ignore[attr-defined]
        for i in range(1, manager.DeviceInfos.Count + 1):
            info = manager.DeviceInfos.Item(i)
            name = info.Properties("Name").Value
            if info.Type == 1 and (not self.name or name == self.name):   # 1 = scanner
                return info.Connect()
        raise DeviceNotFound(f"找不到 WIA 扫描仪{self.name and '：' + self.name}，请检查电源和驱动",
                             f"no WIA scanner {self.name!r}")

    @runs_on_device_thread
    def scan(self, settings: ScanSettings) -> list[Page]:
        pythoncom: Any = _pywin32()[0]

        pythoncom.CoInitialize()      # COM is per thread; the device thread is not the GUI thread
        try:
            device = self._device()
            handling = FEEDER | (DUPLEX if settings.duplex else 0) if settings.source == "feeder" else FLATBED
            _set(device.Properties, P_DOC_HANDLING, handling)
            item = device.Items(1)
            _set(item.Properties, P_INTENT, WIA_INTENT[settings.color])
            _set(item.Properties, P_XRES, settings.dpi)
            _set(item.Properties, P_YRES, settings.dpi)
            pages: list[Page] = []
            with tempfile.TemporaryDirectory(prefix="clerk-wia-") as tmp:
                while True:
                    try:
                        image = item.Transfer(WIA_FORMAT_PNG)
                    except pythoncom.com_error as exc:
                        code = exc.args[0] if exc.args else 0
                        if code == WIA_PAPER_EMPTY and (pages or settings.source == "feeder"):
                            if pages:
                                break
                            raise DeviceError("进纸器无纸，请放入材料后重试", "WIA feeder empty") from exc
                        if code == WIA_PAPER_JAM:
                            raise DeviceError("进纸器卡纸，请取出纸张后重试", "WIA paper jam") from exc
                        raise DeviceError("扫描失败，请检查扫描仪后重试", f"WIA transfer failed: {exc}") from exc
                    path = Path(tmp) / f"page-{len(pages) + 1:04d}.png"
                    image.SaveFile(str(path))
                    with Image.open(path) as img:
                        img.load()
                        pages.append(img.copy())
                    if settings.source != "feeder":
                        break
            return pages
        finally:
            pythoncom.CoUninitialize()


def _twain_error(twain: object) -> type[Exception]:
    return getattr(getattr(twain, "exceptions", None), "TwainError", Exception)


class TwainScanner:
    def __init__(self, name: str = "") -> None:
        self.name = name            # TWAIN source name; empty = let the source manager choose
        self.url = f"twain:{name}"

    @runs_on_device_thread
    def scan(self, settings: ScanSettings) -> list[Page]:
        twain: Any = _pytwain()  # pytwain, Windows only
        pixel = {"color": "color", "gray": "gray", "bw": "bw"}[settings.color]
        pages: list[Page] = []
        with tempfile.TemporaryDirectory(prefix="clerk-twain-") as tmp:
            sm = twain.SourceManager(0)
            try:
                src = sm.open_source(self.name.encode() if self.name else None)
                if src is None:
                    raise DeviceNotFound("找不到 TWAIN 扫描仪，请检查驱动", "no TWAIN source selected")
                src.set_capability(twain.ICAP_XRESOLUTION, twain.TWTY_FIX32, float(settings.dpi))
                src.set_capability(twain.ICAP_YRESOLUTION, twain.TWTY_FIX32, float(settings.dpi))
                src.set_capability(twain.ICAP_PIXELTYPE, twain.TWTY_UINT16,
                                   {"bw": twain.TWPT_BW, "gray": twain.TWPT_GRAY, "color": twain.TWPT_RGB}[pixel])
                if settings.source == "feeder":
                    src.set_capability(twain.CAP_FEEDERENABLED, twain.TWTY_BOOL, True)
                    if settings.duplex:
                        src.set_capability(twain.CAP_DUPLEXENABLED, twain.TWTY_BOOL, True)
                src.request_acquire(show_ui=False, modal_ui=False)
                remaining = 1
                while remaining:
                    handle, remaining = src.xfer_image_natively()
                    path = os.path.join(tmp, f"page-{len(pages) + 1:04d}.bmp")
                    twain.dib_to_bm_file(handle, path)
                    twain.global_handle_free(handle)
                    with Image.open(path) as img:
                        img.load()
                        pages.append(img.copy())
            except DeviceError:
                raise
            except _twain_error(twain) as exc:
                # Exception class names changed between pytwain releases; match on the name.
                if "jam" in type(exc).__name__.lower():
                    raise DeviceError("进纸器卡纸，请取出纸张后重试", "TWAIN paper jam") from exc
                if "cancel" in type(exc).__name__.lower():
                    raise DeviceError("扫描已取消", "TWAIN transfer cancelled") from exc
                raise DeviceError("扫描失败，请检查扫描仪后重试", f"TWAIN error: {exc!r}") from exc
            finally:
                sm.destroy()
        if not pages:
            raise DeviceError("扫描仪没有送回图像，请重试", "TWAIN returned no page")
        return pages


def open_windows_scanner(kind: str, name: str = "", **_options: object) -> Scanner:
    """``twain:`` / ``wia:`` → driver; elsewhere a ``DeviceNotFound`` the clerk can read."""
    if sys.platform != "win32":
        raise _not_windows(kind.upper())
    return WiaScanner(name) if kind == "wia" else TwainScanner(name)
