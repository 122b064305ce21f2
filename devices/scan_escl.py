"""``EsclScanner``: network scanners that speak eSCL / AirScan over HTTP (requests).

A job is: capabilities → status → POST ScanJobs (201 + Location) → GET NextDocument until 404
(503 = busy, wait and retry) → DELETE the job. Errors from the device (jam, empty feeder, door
open) are read from ScannerStatus and become Chinese messages.

The one rule: a job either returns every page or raises — a dropped connection mid-job is an
error, never a short document — and the job is always DELETEd so the scanner is freed.
"""
from __future__ import annotations

import io
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import requests
from PIL import Image, UnidentifiedImageError

from .errors import DeviceError, DeviceNotFound, DeviceTimeout, ProtocolError
from .scan_base import Page, ScanSettings
from .worker import runs_on_device_thread

NS = {"pwg": "http://www.pwg.org/schemas/2010/12/sm",
      "scan": "http://schemas.hp.com/imaging/escl/2011/05/03"}
A4_300 = (2480, 3508)   # A4 in 1/300 inch, the default region
_MODES = {"color": "RGB24", "gray": "Grayscale8", "bw": "BlackAndWhite1"}
_ADF_PROBLEMS = {
    "ScannerAdfJam": ("进纸器卡纸，请取出纸张后重试", "feeder jammed"),
    "ScannerAdfEmpty": ("进纸器无纸，请放入材料后重试", "feeder empty"),
    "ScannerAdfDoorOpen": ("进纸器盖板未合上，请合上后重试", "feeder door open"),
}


@dataclass(frozen=True)
class InputCaps:
    max_width: int                  # 1/300 inch
    max_height: int
    color_modes: tuple[str, ...]
    formats: tuple[str, ...]
    resolutions: tuple[int, ...]


@dataclass(frozen=True)
class EsclCapabilities:
    make_and_model: str
    inputs: dict[str, InputCaps] = field(default_factory=dict)   # "Platen", "Feeder", "FeederDuplex"


@dataclass(frozen=True)
class EsclStatus:
    state: str                      # Idle | Processing | Testing | Stopped
    adf_state: str = ""


def _input_caps(node: ET.Element) -> InputCaps:
    def ints(path: str) -> tuple[int, ...]:
        # ASCII digits only: "²".isdigit() is true but int("²") fails (found by the fuzz test)
        return tuple(sorted({int(e.text) for e in node.iterfind(path, NS)
                             if e.text and e.text.isascii() and e.text.isdigit()}))

    def texts(path: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys((e.text or "").strip() for e in node.iterfind(path, NS)))

    res = ints(".//scan:DiscreteResolution/scan:XResolution")
    if not res:   # a range instead of a list: offer the usual steps inside it
        lo = ints(".//scan:ResolutionRange/scan:XResolution/scan:Min") or (75,)
        hi = ints(".//scan:ResolutionRange/scan:XResolution/scan:Max") or (600,)
        res = tuple(r for r in (75, 100, 150, 200, 300, 600) if lo[0] <= r <= hi[0]) or (lo[0],)
    return InputCaps(max_width=(ints("scan:MaxWidth") or (A4_300[0],))[0],
                     max_height=(ints("scan:MaxHeight") or (A4_300[1],))[0],
                     color_modes=texts(".//scan:ColorMode"),
                     formats=texts(".//pwg:DocumentFormat") + texts(".//scan:DocumentFormatExt"),
                     resolutions=res)


class EsclScanner:
    def __init__(self, base_url: str, *, timeout: float = 30.0, busy_retries: int = 20,
                 busy_pause: float = 1.0, session: requests.Session | None = None) -> None:
        self.base = base_url.rstrip("/")
        self.url = f"escl:{self.base}"
        self.timeout = timeout              # per request: a page can take a while to come out
        self.busy_retries = busy_retries    # 503s tolerated per request before giving up
        self.busy_pause = busy_pause
        self._http = session or requests.Session()

    # ------------------------------------------------------------------ HTTP
    def _request(self, method: str, url: str, *, job_started: bool = False,
                 **kw: object) -> requests.Response:
        try:
            return self._http.request(method, url, timeout=self.timeout, **kw)  # type: ignore[arg-type]
        except requests.Timeout as exc:
            raise DeviceTimeout("扫描仪响应超时，请检查扫描仪后重试", f"{method} {url} timed out") from exc
        except requests.RequestException as exc:
            if job_started:
                raise DeviceError("扫描中途与扫描仪的连接中断，本次扫描未保存，请重新扫描",
                                  f"connection lost during the job: {exc}") from exc
            raise DeviceNotFound(f"连接不上网络扫描仪（{self.base}），请检查扫描仪电源和网络",
                                 f"cannot reach {self.base}: {exc}") from exc

    def _xml(self, path: str) -> ET.Element:
        resp = self._request("GET", f"{self.base}/{path}")
        if resp.status_code != 200:
            raise ProtocolError(f"网络扫描仪拒绝了请求（{resp.status_code}），可能不支持 eSCL",
                                f"GET {path} -> {resp.status_code}")
        try:
            return ET.fromstring(resp.content)
        except ET.ParseError as exc:
            raise ProtocolError("网络扫描仪返回的数据无法识别", f"bad XML from {path}: {exc}") from exc

    def capabilities(self) -> EsclCapabilities:
        root = self._xml("ScannerCapabilities")
        inputs: dict[str, InputCaps] = {}
        for key, path in (("Platen", "scan:Platen/scan:PlatenInputCaps"),
                          ("Feeder", "scan:Adf/scan:AdfSimplexInputCaps"),
                          ("FeederDuplex", "scan:Adf/scan:AdfDuplexInputCaps")):
            node = root.find(path, NS)
            if node is not None:
                inputs[key] = _input_caps(node)
        return EsclCapabilities(root.findtext("pwg:MakeAndModel", "", NS).strip(), inputs)

    def status(self) -> EsclStatus:
        root = self._xml("ScannerStatus")
        return EsclStatus(root.findtext("pwg:State", "", NS).strip(),
                          root.findtext("scan:AdfState", "", NS).strip())

    def _adf_problem(self) -> DeviceError | None:
        """The feeder trouble ScannerStatus reports (jam, empty, door open), if any."""
        try:
            adf = self.status().adf_state
        except DeviceError:
            return None
        if adf in _ADF_PROBLEMS:
            msg, english = _ADF_PROBLEMS[adf]
            return DeviceError(msg, english, adf_state=adf)
        return None

    def _device_problem(self, fallback: DeviceError) -> DeviceError:
        """Why the job failed: the feeder state says more than an HTTP code."""
        return self._adf_problem() or fallback

    # ------------------------------------------------------------------ the job
    def job_xml(self, settings: ScanSettings, caps: InputCaps) -> str:
        mode = _MODES[settings.color]
        if mode not in caps.color_modes:     # no 1-bit mode: scan grey, the PDF step thresholds
            mode = "Grayscale8" if "Grayscale8" in caps.color_modes else caps.color_modes[0]
        fmt = "image/jpeg" if "image/jpeg" in caps.formats or not caps.formats else (
            "image/png" if "image/png" in caps.formats else caps.formats[0])
        dpi = min(caps.resolutions, key=lambda r: (abs(r - settings.dpi), -r))
        if settings.area_mm:
            width, height = (round(v / 25.4 * 300) for v in settings.area_mm)
        else:
            width, height = A4_300
        width, height = min(width, caps.max_width), min(height, caps.max_height)
        source = "Feeder" if settings.source == "feeder" else "Platen"
        duplex = (f"<scan:Duplex>{'true' if settings.duplex else 'false'}</scan:Duplex>"
                  if source == "Feeder" else "")
        return (f'<?xml version="1.0" encoding="UTF-8"?><scan:ScanSettings xmlns:pwg="{NS["pwg"]}" '
                f'xmlns:scan="{NS["scan"]}"><pwg:Version>2.0</pwg:Version>'
                "<scan:Intent>Document</scan:Intent><pwg:ScanRegions><pwg:ScanRegion>"
                "<pwg:ContentRegionUnits>escl:ThreeHundredthsOfInches</pwg:ContentRegionUnits>"
                f"<pwg:XOffset>0</pwg:XOffset><pwg:YOffset>0</pwg:YOffset><pwg:Width>{width}</pwg:Width>"
                f"<pwg:Height>{height}</pwg:Height></pwg:ScanRegion></pwg:ScanRegions>"
                f"<pwg:InputSource>{source}</pwg:InputSource><scan:ColorMode>{mode}</scan:ColorMode>"
                f"<pwg:DocumentFormat>{fmt}</pwg:DocumentFormat>"
                f"<scan:DocumentFormatExt>{fmt}</scan:DocumentFormatExt>"
                f"<scan:XResolution>{dpi}</scan:XResolution><scan:YResolution>{dpi}</scan:YResolution>"
                f"{duplex}</scan:ScanSettings>")

    def _pick_input(self, settings: ScanSettings) -> InputCaps:
        caps = self.capabilities()
        key = "Platen" if settings.source == "flatbed" else (
            "FeederDuplex" if settings.duplex and "FeederDuplex" in caps.inputs else "Feeder")
        if settings.duplex and key != "FeederDuplex" and "Feeder" in caps.inputs:
            raise DeviceError("这台扫描仪不支持双面扫描", "no duplex feeder")
        if key not in caps.inputs:
            raise DeviceError("这台扫描仪没有进纸器，请改用平板扫描" if key != "Platen" else
                              "这台扫描仪没有平板，请改用进纸器", f"no {key} input")
        return caps.inputs[key]

    def _with_busy_retry(self, method: str, url: str, **kw: object) -> requests.Response:
        for _ in range(self.busy_retries + 1):
            resp = self._request(method, url, **kw)
            if resp.status_code != 503:
                return resp
            time.sleep(self.busy_pause)
        raise DeviceError("扫描仪一直处于忙碌状态，请稍后重试", f"{method} {url}: still 503")

    def _job_url(self, location: str) -> str:
        # Scanners often put their own idea of the host in Location; keep ours, take the path.
        base, loc = urlsplit(self.base), urlsplit(location)
        path = loc.path if loc.path.startswith("/") else f"{urlsplit(self.base).path}/{loc.path}"
        return urlunsplit((base.scheme, base.netloc, path.rstrip("/"), "", ""))

    @runs_on_device_thread
    def scan(self, settings: ScanSettings) -> list[Page]:
        caps = self._pick_input(settings)
        if settings.source == "feeder":
            problem = self._adf_problem()
            if problem:
                raise problem
        resp = self._with_busy_retry("POST", f"{self.base}/ScanJobs",
                                     data=self.job_xml(settings, caps).encode(),
                                     headers={"Content-Type": "text/xml"})
        if resp.status_code != 201 or not resp.headers.get("Location"):
            raise self._device_problem(DeviceError(
                f"扫描仪不接受扫描任务（{resp.status_code}），请检查扫描仪", f"POST ScanJobs -> {resp.status_code}"))
        job = self._job_url(resp.headers["Location"])
        try:
            return self._collect(job, settings)
        finally:
            try:
                self._http.request("DELETE", job, timeout=min(self.timeout, 5.0))
            except requests.RequestException:
                pass   # the scanner is gone; nothing left to free

    def _collect(self, job: str, settings: ScanSettings) -> list[Page]:
        pages: list[Page] = []
        while True:
            resp = self._with_busy_retry("GET", f"{job}/NextDocument", job_started=True)
            if resp.status_code == 404:
                break
            if resp.status_code != 200:
                raise self._device_problem(DeviceError(
                    f"扫描出错（{resp.status_code}），本次扫描未保存，请重新扫描",
                    f"NextDocument -> {resp.status_code}"))
            pages.append(self._image(resp.content, settings, len(pages) + 1))
        if not pages:
            raise self._device_problem(
                DeviceError("进纸器无纸，请放入材料后重试", "feeder empty") if settings.source == "feeder"
                else DeviceError("扫描仪没有送回图像，请重试", "no page returned"))
        return pages

    @staticmethod
    def _image(data: bytes, settings: ScanSettings, number: int) -> Image.Image:
        try:
            img = Image.open(io.BytesIO(data))
            img.load()
        except (UnidentifiedImageError, OSError) as exc:
            raise ProtocolError(f"第 {number} 页图像数据损坏，请重新扫描",
                                f"page {number} is not a readable image: {exc}") from exc
        if not img.info.get("dpi"):
            img.info["dpi"] = (settings.dpi, settings.dpi)
        return img
