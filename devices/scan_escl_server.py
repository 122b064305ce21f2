"""``EsclServer``: a small loopback eSCL (AirScan) scanner for tests and demos.

It speaks the subset a client needs — ScannerCapabilities, ScannerStatus, POST ScanJobs (201 +
Location), GET NextDocument (image per page, 404 at the end), DELETE job — and generates pages
with Pillow: each page carries its number as text and as that many black bars along the top
edge, so a test can check page order from the pixels. Knobs: page count, 503 "busy" replies,
a paper jam after k pages, or the server dying mid-job.

The one rule: it listens on 127.0.0.1 and an ephemeral port unless told otherwise, and every
page it serves can be identified from its pixels.
"""
from __future__ import annotations

import io
import re
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image, ImageDraw, ImageFont

PWG = "http://www.pwg.org/schemas/2010/12/sm"
SCAN = "http://schemas.hp.com/imaging/escl/2011/05/03"
RESOLUTIONS = (75, 100, 150, 200, 300)
BAR_MM = 4.0   # width of one page-number bar and of the gap after it


@dataclass
class ServerConfig:
    pages: int = 3                 # sheets in the feeder (the platen always gives one)
    busy_replies: int = 0          # 503s before each page is ready
    jam_after: int | None = None   # pages delivered before the feeder jams
    die_after: int | None = None   # pages delivered before the server vanishes
    log: list[str] = field(default_factory=list)


def page_image(number: int, width: int, height: int, dpi: int, mode: str) -> Image.Image:
    """A white page with ``number`` bars at the top and "PAGE n" in the middle."""
    img = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(img)
    unit = max(2, round(BAR_MM / 25.4 * dpi))
    for i in range(number):
        x = unit + i * 2 * unit
        draw.rectangle([x, unit, x + unit - 1, 3 * unit], fill=0)
    font = ImageFont.load_default(size=max(10, height // 10))
    draw.text((width // 10, height // 2), f"PAGE {number}", fill=0, font=font)
    if mode == "RGB24":
        return img.convert("RGB")
    return img.convert("1") if mode == "BlackAndWhite1" else img


def count_bars(img: Image.Image) -> int:
    """The page number read back from pixels: dark runs across the middle of the bar stripe."""
    gray = img.convert("L")
    width, height = gray.size
    # Bars start one unit below the top edge and are two units tall, so the first dark row is
    # `unit` and the stripe's middle is 2 * unit.
    top = next((y for y in range(height // 3)
                if any(gray.getpixel((x, y)) < 128 for x in range(width))), None)
    if top is None:
        return 0
    row = min(2 * top, height - 1)
    dark = [gray.getpixel((x, row)) < 128 for x in range(width)]
    return sum(1 for i, d in enumerate(dark) if d and (i == 0 or not dark[i - 1]))


def _caps() -> bytes:
    res = "".join(f"<scan:DiscreteResolution><scan:XResolution>{r}</scan:XResolution>"
                  f"<scan:YResolution>{r}</scan:YResolution></scan:DiscreteResolution>"
                  for r in RESOLUTIONS)
    profile = ("<scan:SettingProfiles><scan:SettingProfile><scan:ColorModes>"
               "<scan:ColorMode>BlackAndWhite1</scan:ColorMode><scan:ColorMode>Grayscale8</scan:ColorMode>"
               "<scan:ColorMode>RGB24</scan:ColorMode></scan:ColorModes><scan:DocumentFormats>"
               "<pwg:DocumentFormat>image/jpeg</pwg:DocumentFormat><pwg:DocumentFormat>image/png</pwg:DocumentFormat>"
               "<scan:DocumentFormatExt>image/jpeg</scan:DocumentFormatExt></scan:DocumentFormats>"
               f"<scan:SupportedResolutions><scan:DiscreteResolutions>{res}</scan:DiscreteResolutions>"
               "</scan:SupportedResolutions></scan:SettingProfile></scan:SettingProfiles>")
    caps = ("<scan:MinWidth>16</scan:MinWidth><scan:MaxWidth>2550</scan:MaxWidth>"
            "<scan:MinHeight>16</scan:MinHeight><scan:MaxHeight>3508</scan:MaxHeight>"
            f"<scan:MaxScanRegions>1</scan:MaxScanRegions>{profile}")
    return (f'<?xml version="1.0" encoding="UTF-8"?><scan:ScannerCapabilities xmlns:scan="{SCAN}" '
            f'xmlns:pwg="{PWG}"><pwg:Version>2.63</pwg:Version><pwg:MakeAndModel>Clerk Loopback eSCL'
            "</pwg:MakeAndModel><pwg:SerialNumber>LOOP-0001</pwg:SerialNumber>"
            f"<scan:Platen><scan:PlatenInputCaps>{caps}</scan:PlatenInputCaps></scan:Platen>"
            f"<scan:Adf><scan:AdfSimplexInputCaps>{caps}</scan:AdfSimplexInputCaps></scan:Adf>"
            "</scan:ScannerCapabilities>").encode()


def _tag(body: str, name: str, default: str = "") -> str:
    m = re.search(rf"<(?:\w+:)?{name}>([^<]*)</(?:\w+:)?{name}>", body)
    return m.group(1).strip() if m else default


class _Job:
    def __init__(self, body: str, cfg: ServerConfig) -> None:
        self.source = _tag(body, "InputSource", "Platen")
        self.mode = _tag(body, "ColorMode", "RGB24")
        self.fmt = _tag(body, "DocumentFormatExt") or _tag(body, "DocumentFormat", "image/jpeg")
        self.dpi = int(_tag(body, "XResolution", "100"))
        to_px = self.dpi / 300
        self.size = (max(8, round(int(_tag(body, "Width", "2550")) * to_px)),
                     max(8, round(int(_tag(body, "Height", "3508")) * to_px)))
        self.total = cfg.pages if self.source == "Feeder" else 1
        self.served = 0
        self.busy_left = cfg.busy_replies


class EsclServer:
    """``with EsclServer(ServerConfig(pages=3)) as srv: EsclScanner(srv.base_url)…``"""

    def __init__(self, config: ServerConfig | None = None, host: str = "127.0.0.1",
                 port: int = 0) -> None:
        self.config = config or ServerConfig()
        self.jobs: dict[str, _Job] = {}
        self.jammed = False
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((host, port), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/eSCL"

    def start(self) -> EsclServer:
        # A short poll interval so stop() returns at once (tests start and stop many servers).
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,),
                                        name="escl-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> EsclServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ HTTP
    def _status_xml(self) -> bytes:
        adf = "ScannerAdfJam" if self.jammed else "ScannerAdfLoaded"
        return (f'<?xml version="1.0" encoding="UTF-8"?><scan:ScannerStatus xmlns:scan="{SCAN}" '
                f'xmlns:pwg="{PWG}"><pwg:Version>2.63</pwg:Version><pwg:State>Idle</pwg:State>'
                f"<scan:AdfState>{adf}</scan:AdfState></scan:ScannerStatus>").encode()

    def _next_document(self, job_id: str) -> tuple[int, str, bytes] | None:
        """(status, content type, body), or None to drop the connection (server died)."""
        cfg = self.config
        with self._lock:
            job = self.jobs.get(job_id)
            if job is None:
                return 404, "text/plain", b"no such job"
            if cfg.die_after is not None and job.served >= cfg.die_after:
                threading.Thread(target=self.stop, daemon=True).start()
                return None
            if job.served >= job.total:
                return 404, "text/plain", b"no more pages"
            if cfg.jam_after is not None and job.served >= cfg.jam_after:
                self.jammed = True
                return 500, "text/plain", b"jam"
            if job.busy_left > 0:
                job.busy_left -= 1
                return 503, "text/plain", b"busy"
            job.served += 1
            job.busy_left = cfg.busy_replies
            number = job.served
        img = page_image(number, *job.size, job.dpi, job.mode)
        out = io.BytesIO()
        if job.fmt == "image/png":
            img.save(out, "PNG", dpi=(job.dpi, job.dpi))
        else:
            img.convert("L" if img.mode == "1" else img.mode).save(out, "JPEG", quality=85,
                                                                  dpi=(job.dpi, job.dpi))
        return 200, job.fmt, out.getvalue()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt: str, *args: object) -> None:
                server.config.log.append(f"{self.command} {self.path}")

            def _send(self, status: int, ctype: str = "text/xml", body: bytes = b"",
                      headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                if self.close_connection:   # tell the client, so it does not reuse the socket
                    self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                path = self.path.rstrip("/")
                if path == "/eSCL/ScannerCapabilities":
                    return self._send(200, body=_caps())
                if path == "/eSCL/ScannerStatus":
                    return self._send(200, body=server._status_xml())
                m = re.fullmatch(r"/eSCL/ScanJobs/([\w-]+)/NextDocument", path)
                if not m:
                    return self._send(404, "text/plain", b"not found")
                reply = server._next_document(m.group(1))
                if reply is None:
                    self.close_connection = True
                    self.connection.shutdown(2)   # the machine went away mid-job
                    return None
                self._send(reply[0], reply[1], reply[2])

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                if self.path.rstrip("/") != "/eSCL/ScanJobs":
                    return self._send(404, "text/plain", b"not found")
                if server.jammed:
                    return self._send(409, "text/plain", b"jammed")
                job_id = uuid.uuid4().hex
                with server._lock:
                    server.jobs[job_id] = _Job(body, server.config)
                self._send(201, "text/plain", headers={"Location": f"{server.base_url}/ScanJobs/{job_id}"})

            def do_DELETE(self) -> None:
                m = re.fullmatch(r"/eSCL/ScanJobs/([\w-]+)", self.path.rstrip("/"))
                with server._lock:
                    found = bool(m) and server.jobs.pop(m.group(1), None) is not None
                self._send(200 if found else 404, "text/plain")

        return Handler
