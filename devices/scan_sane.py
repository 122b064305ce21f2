"""``SaneScanner``: SANE devices through the ``scanimage`` command (Debian ``sane-utils``).

The CLI is used rather than the python-sane module, which has to be compiled. Each job runs
``scanimage`` in a private temp folder; a SANE status (jam, empty feeder, cover open, busy) is
read from its exit code and stderr and becomes a Chinese message.

The one rule: a job that ends in an error returns no pages — partial pages are discarded,
because the clerk rescans the whole bundle after clearing the jam.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from PIL import Image

from .errors import DeviceError, DeviceNotFound, DeviceTimeout
from .scan_base import Page, ScanSettings
from .worker import runs_on_device_thread

# SANE_Status values (sane.h); scanimage exits with the status of the failing call.
_STATUS = {
    1: "UNSUPPORTED", 2: "CANCELLED", 3: "DEVICE_BUSY", 4: "INVAL", 5: "EOF", 6: "JAMMED",
    7: "NO_DOCS", 8: "COVER_OPEN", 9: "IO_ERROR", 10: "NO_MEM", 11: "ACCESS_DENIED",
}
# sane_strstatus() texts as scanimage prints them under LC_ALL=C.
_STDERR = (
    ("Document feeder jammed", "JAMMED"), ("out of documents", "NO_DOCS"),
    ("cover is open", "COVER_OPEN"), ("Device busy", "DEVICE_BUSY"),
    ("Access to resource has been denied", "ACCESS_DENIED"), ("Error during device I/O", "IO_ERROR"),
    ("Out of memory", "NO_MEM"), ("Operation was cancelled", "CANCELLED"),
)
_MESSAGES = {
    "JAMMED": ("进纸器卡纸，请取出纸张后重试", "document feeder jammed"),
    "NO_DOCS": ("进纸器无纸，请放入材料后重试", "document feeder is empty"),
    "COVER_OPEN": ("扫描仪盖板未合上，请合上后重试", "scanner cover is open"),
    "DEVICE_BUSY": ("扫描仪正忙，请稍后重试", "scanner is busy"),
    "ACCESS_DENIED": ("没有使用扫描仪的权限，请联系管理员", "access to the scanner denied"),
    "IO_ERROR": ("扫描仪通信出错，请检查连接线后重试", "I/O error talking to the scanner"),
    "NO_MEM": ("扫描仪内存不足，请降低分辨率后重试", "scanner out of memory"),
    "CANCELLED": ("扫描已取消", "scan cancelled"),
}
_FEEDER_WORDS = ("adf", "feeder", "automatic")
_MODE_NAMES = {"color": ("Color", "Colour", "24bit Color"), "gray": ("Gray", "Grey", "Grayscale"),
               "bw": ("Lineart", "Binary", "Black & White", "Halftone")}


class SaneScanner:
    def __init__(self, device: str, *, config_dir: str | os.PathLike[str] | None = None,
                 timeout: float = 300.0, scanimage: str = "scanimage") -> None:
        self.device = device
        self.url = f"sane:{device}"
        self.config_dir = str(config_dir) if config_dir else None
        self.timeout = timeout        # one whole job; a 50-page ADF job at 300 dpi fits easily
        self.scanimage = scanimage
        self._choices: dict[str, list[str]] | None = None

    # ------------------------------------------------------------------ helpers
    def _env(self) -> dict[str, str]:
        env = dict(os.environ, LC_ALL="C", LANGUAGE="C")   # stderr texts we can match
        if self.config_dir:
            env["SANE_CONFIG_DIR"] = self.config_dir
        return env

    def _exe(self) -> str:
        exe = shutil.which(self.scanimage)
        if exe is None:
            raise DeviceNotFound("未安装扫描程序 scanimage，请安装 sane-utils",
                                 "scanimage not found (apt install sane-utils)")
        return exe

    def _run(self, args: list[str], cwd: str | None = None) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run([self._exe(), "-d", self.device, *args], cwd=cwd, env=self._env(),
                                  capture_output=True, text=True, timeout=self.timeout)
        except subprocess.TimeoutExpired as exc:
            raise DeviceTimeout("扫描超时，扫描仪没有响应，请检查后重试",
                                f"scanimage ran longer than {self.timeout}s") from exc
        except OSError as exc:
            raise DeviceNotFound("无法启动扫描程序 scanimage", f"cannot run scanimage: {exc}") from exc

    def _fail(self, proc: subprocess.CompletedProcess[str]) -> DeviceError:
        err = proc.stderr.strip()
        said = [ln for ln in err.splitlines() if ln.startswith("scanimage:")] or err.splitlines()
        last = said[-1] if said else f"exit {proc.returncode}"
        if "open of device" in err or "no SANE devices" in err.lower():
            return DeviceNotFound(f"找不到扫描仪（{self.device}），请检查电源、连接线和驱动",
                                  f"cannot open SANE device {self.device}: {last}")
        status = next((s for text, s in _STDERR if text.lower() in err.lower()),
                      _STATUS.get(proc.returncode))
        msg, english = _MESSAGES.get(status or "", (f"扫描失败（代码 {proc.returncode}），请重试",
                                                   "scan failed"))
        return DeviceError(msg, f"{english} ({last})", status=status)

    def option_choices(self) -> dict[str, list[str]]:
        """``{"mode": [...], "source": [...]}`` as the backend lists them (read once)."""
        if self._choices is None:
            proc = self._run(["-A"])
            if proc.returncode != 0:
                raise self._fail(proc)
            self._choices = {}
            for name in ("mode", "source"):
                m = re.search(rf"^\s*--{name} (.+?) \[", proc.stdout, re.M)
                self._choices[name] = m.group(1).split("|") if m else []
        return self._choices

    def _source(self, settings: ScanSettings, offered: list[str]) -> str | None:
        if not offered:
            if settings.source == "feeder":
                raise DeviceError("这台扫描仪没有进纸器，请改用平板扫描", "no feeder on this device")
            return None
        if settings.source == "flatbed":
            return next((s for s in offered if not any(w in s.lower() for w in _FEEDER_WORDS)),
                        offered[0])
        feeders = [s for s in offered if any(w in s.lower() for w in _FEEDER_WORDS)]
        if not feeders:
            raise DeviceError("这台扫描仪没有进纸器，请改用平板扫描", "no feeder on this device")
        duplex = [s for s in feeders if "duplex" in s.lower()]
        if settings.duplex and not duplex:
            raise DeviceError("这台扫描仪不支持双面扫描", "no duplex feeder on this device")
        simplex = [s for s in feeders if "duplex" not in s.lower()] or feeders
        return (duplex if settings.duplex else simplex)[0]

    def _mode_args(self, settings: ScanSettings, offered: list[str]) -> list[str]:
        wanted = next((m for m in _MODE_NAMES[settings.color] if m in offered), None)
        if wanted:
            return ["--mode", wanted]
        # No lineart mode (e.g. the test backend): scan grey; the PDF step thresholds to 1 bit.
        gray = next((m for m in _MODE_NAMES["gray"] if m in offered), None)
        return ["--mode", gray] if gray else []

    def command(self, settings: ScanSettings) -> list[str]:
        """The scanimage arguments (after ``-d DEVICE``) for one job."""
        choices = self.option_choices()
        args = [*self._mode_args(settings, choices["mode"]), "--resolution", str(settings.dpi),
                "--format=png"]
        source = self._source(settings, choices["source"])
        if source:
            args += ["--source", source]
        if settings.area_mm:
            args += ["-l", "0", "-t", "0", "-x", f"{settings.area_mm[0]:g}",
                     "-y", f"{settings.area_mm[1]:g}"]
        args += list(settings.extra)
        if settings.source == "feeder":
            args.append("--batch=page-%04d.png")     # until the feeder reports NO_DOCS
        else:
            args += ["-o", "page-0001.png"]
        return args

    # ------------------------------------------------------------------ the job
    @runs_on_device_thread
    def scan(self, settings: ScanSettings) -> list[Page]:
        args = self.command(settings)
        with tempfile.TemporaryDirectory(prefix="clerk-sane-") as tmp:
            proc = self._run(args, cwd=tmp)
            if proc.returncode != 0:
                raise self._fail(proc)
            files = sorted(Path(tmp).glob("page-*.png"))
            if not files:
                raise (DeviceError(*_MESSAGES["NO_DOCS"]) if settings.source == "feeder" else
                       DeviceError("扫描仪没有送回图像，请重试", "scanimage wrote no image"))
            pages: list[Page] = []
            for path in files:
                with Image.open(path) as img:
                    img.load()
                    page = img.copy()
                page.info["dpi"] = (settings.dpi, settings.dpi)
                pages.append(page)
            return pages
