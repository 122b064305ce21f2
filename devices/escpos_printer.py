"""Sending ESC/POS bytes to a thermal printer: transports by URL, real-time status, and a spool that
keeps every job that did not print so the clerk can press 重打.

One rule: a job is written to the spool *before* anything touches the printer and removed only
after the bytes were handed over — whatever fails (no paper, cable, CUPS), the job stays.

URLs: ``tcp://host:9100`` · ``serial:/dev/ttyUSB0?baudrate=9600`` (any pyserial URL, e.g.
``serial:loop://``) · ``usb:0416:5011`` (needs pyusb + libusb) · ``cups:QUEUE`` (``lp -o raw``,
one-way) · ``file:/path`` (appends, one-way). Status works on tcp, serial and usb only.
Blocking calls here belong on the device thread (``devices.worker``).
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs

from devices.errors import DeviceError, DeviceNotFound, DeviceTimeout, ProtocolError
from devices.escpos_status import QUERIES, PrinterStatus, check_byte, parse_status
from devices.worker import runs_on_device_thread

CONNECT_TIMEOUT = 3.0
STATUS_TIMEOUT = 1.5
CONFIRM_TIMEOUT = 3.0  # after the job: a printer that has read it answers DLE EOT at once
NO_CONFIRM = "confirm=0"  # URL option for a printer that never answers DLE EOT (tcp://host:9100?confirm=0)
URL_HINT = "应为 tcp://主机:9100、serial:端口?baudrate=9600、usb:厂商ID:产品ID、cups:队列名 或 file:路径"


class Link(Protocol):
    """An open connection to one printer."""
    url: str
    two_way: bool

    def write(self, data: bytes) -> None: ...

    def read(self, n: int, timeout: float) -> bytes: ...

    def close(self) -> None: ...


def _one_way(url: str) -> DeviceError:
    return DeviceError(f"打印机 {url} 是单向连接，无法读取状态", f"{url} is a one-way link; cannot read")


class TcpLink:
    two_way = True

    def __init__(self, url: str, host: str, port: int, timeout: float = CONNECT_TIMEOUT) -> None:
        self.url = url
        try:
            self._sock = socket.create_connection((host, port), timeout=timeout)
        except TimeoutError:
            raise DeviceTimeout(f"打印机 {url} 无法连接（{timeout:g} 秒无响应），请检查打印机电源、网线和 IP 地址",
                                f"printer {url}: connect timed out") from None
        except OSError as exc:
            raise DeviceNotFound(f"打印机 {url} 无法连接（{_reason(exc)}），请检查打印机电源、网线和 IP 地址",
                                 f"printer {url}: cannot connect: {exc}") from None

    def write(self, data: bytes) -> None:
        try:
            self._sock.sendall(data)
        except OSError as exc:
            raise DeviceError(f"向打印机 {self.url} 发送数据失败（{_reason(exc)}）",
                              f"send to {self.url} failed: {exc}") from None

    def read(self, n: int, timeout: float) -> bytes:
        out = bytearray()
        deadline = time.monotonic() + timeout
        while len(out) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self._sock.settimeout(left)
            try:
                chunk = self._sock.recv(n - len(out))
            except TimeoutError:
                break
            except OSError as exc:
                raise DeviceError(f"读取打印机 {self.url} 状态失败（{_reason(exc)}）", str(exc)) from None
            if not chunk:
                break
            out += chunk
        if len(out) < n:
            raise DeviceTimeout(f"打印机 {self.url} 未返回状态", f"{self.url}: status reply timed out")
        return bytes(out)

    def close(self) -> None:
        # Half-close, then drain: closing with unread bytes (a late status reply) makes the kernel
        # send RST, and a printer may drop the tail of the job it has not read yet.
        try:
            self._sock.shutdown(socket.SHUT_WR)
            self._sock.setblocking(False)
            while self._sock.recv(4096):
                pass
        except OSError:
            pass  # nothing left to read, or the peer is already gone
        self._sock.close()


class SerialLink:
    two_way = True

    def __init__(self, url: str, port: str, baudrate: int) -> None:
        import serial  # pyserial is a core dependency; imported here so import stays cheap

        self.url = url
        try:
            self._port = serial.serial_for_url(port, baudrate=baudrate, timeout=STATUS_TIMEOUT,
                                               write_timeout=10)
        except (serial.SerialException, ValueError) as exc:
            raise DeviceNotFound(f"打印机串口 {port} 无法打开（{exc}），请检查串口号和连接线",
                                 f"cannot open serial port {port}: {exc}") from None

    def write(self, data: bytes) -> None:
        import serial

        try:
            self._port.write(data)
            self._port.flush()
        except serial.SerialTimeoutException:
            raise DeviceTimeout(f"打印机 {self.url} 不接收数据（可能缺纸或流控未就绪）",
                                f"{self.url}: write timed out") from None
        except serial.SerialException as exc:
            raise DeviceError(f"向打印机 {self.url} 发送数据失败（{exc}）", str(exc)) from None

    def read(self, n: int, timeout: float) -> bytes:
        self._port.timeout = timeout
        data = self._port.read(n)
        if len(data) < n:
            raise DeviceTimeout(f"打印机 {self.url} 未返回状态", f"{self.url}: status reply timed out")
        return bytes(data)

    def close(self) -> None:
        self._port.close()


class UsbLink:
    two_way = True

    def __init__(self, url: str, vid: int, pid: int) -> None:
        self.url = url
        try:
            import usb.core
            import usb.util
        except ImportError:
            raise DeviceError("未安装 USB 打印支持（Python 包 pyusb 与系统库 libusb-1.0），请安装后重试，"
                              "或改用网络、串口或 CUPS 方式连接打印机",
                              "USB printing needs pyusb and libusb-1.0") from None
        try:
            dev = usb.core.find(idVendor=vid, idProduct=pid)
        except usb.core.NoBackendError:
            raise DeviceError("未找到 libusb 系统库，无法使用 USB 打印机，请安装 libusb-1.0",
                              "libusb backend not found") from None
        if dev is None:
            raise DeviceNotFound(f"未找到 USB 打印机 {vid:04x}:{pid:04x}，请检查 USB 线和打印机电源",
                                 f"USB printer {vid:04x}:{pid:04x} not found")
        try:
            if dev.is_kernel_driver_active(0):
                dev.detach_kernel_driver(0)  # usblp holds the interface on Linux
        except (NotImplementedError, usb.core.USBError):
            pass  # Windows/macOS have no kernel driver to detach
        try:
            dev.set_configuration()
        except usb.core.USBError as exc:
            raise DeviceError(f"无法打开 USB 打印机 {vid:04x}:{pid:04x}（{exc}），可能需要 udev 权限",
                              str(exc)) from None
        intf = dev.get_active_configuration()[(0, 0)]

        def endpoint(direction: int) -> object:
            return usb.util.find_descriptor(
                intf, custom_match=lambda e: usb.util.endpoint_direction(e.bEndpointAddress) == direction)

        self._dev, self._usb = dev, usb
        self._out = endpoint(usb.util.ENDPOINT_OUT)
        self._in = endpoint(usb.util.ENDPOINT_IN)
        self.two_way = self._in is not None

    def write(self, data: bytes) -> None:
        try:
            self._out.write(data, timeout=10000)  # type: ignore[attr-defined]
        except self._usb.core.USBError as exc:
            raise DeviceError(f"向 USB 打印机发送数据失败（{exc}）", str(exc)) from None

    def read(self, n: int, timeout: float) -> bytes:
        if self._in is None:
            raise _one_way(self.url)
        try:
            data = bytes(self._in.read(n, timeout=int(timeout * 1000)))  # type: ignore[attr-defined]
        except self._usb.core.USBError:
            data = b""
        if len(data) < n:
            raise DeviceTimeout(f"打印机 {self.url} 未返回状态", f"{self.url}: status reply timed out")
        return data

    def close(self) -> None:
        self._usb.util.dispose_resources(self._dev)


class CupsLink:
    """One ``write`` = one raw CUPS job (``lp -d QUEUE -o raw``); CUPS gives no status back."""
    two_way = False

    def __init__(self, url: str, queue: str) -> None:
        self.url, self.queue = url, queue
        self._lp = shutil.which("lp")
        if not self._lp:
            raise DeviceNotFound("未找到 lp 命令（CUPS 未安装），无法使用 cups: 打印机",
                                 "the lp command (CUPS) is not installed")

    def write(self, data: bytes) -> None:
        try:
            proc = subprocess.run([self._lp, "-d", self.queue, "-o", "raw"], input=data,
                                  capture_output=True, timeout=30, check=False)
        except subprocess.TimeoutExpired:
            raise DeviceTimeout(f"CUPS 队列 {self.queue} 30 秒内未接收打印任务", "lp timed out") from None
        if proc.returncode != 0:
            err = proc.stderr.decode("utf-8", errors="replace").strip()
            raise DeviceError(f"CUPS 队列 {self.queue} 拒绝打印任务：{err or proc.returncode}",
                              f"lp exited {proc.returncode}: {err}")

    def read(self, n: int, timeout: float) -> bytes:
        raise _one_way(self.url)

    def close(self) -> None:
        return None


class FileLink:
    """Appends to a file or device node (``/dev/usb/lp0``); one-way."""
    two_way = False

    def __init__(self, url: str, path: str) -> None:
        self.url = url
        try:
            self._f = open(path, "ab")
        except OSError as exc:
            raise DeviceNotFound(f"无法打开打印输出文件 {path}（{_reason(exc)}）", str(exc)) from None

    def write(self, data: bytes) -> None:
        try:
            self._f.write(data)
            self._f.flush()
        except OSError as exc:
            raise DeviceError(f"写入 {self.url} 失败（{_reason(exc)}）", str(exc)) from None

    def read(self, n: int, timeout: float) -> bytes:
        raise _one_way(self.url)

    def close(self) -> None:
        self._f.close()


def _reason(exc: OSError) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "连接被拒绝"
    if isinstance(exc, (socket.gaierror,)):
        return "主机名无法解析"
    return exc.strerror or str(exc)


# --- URL registry ----------------------------------------------------------------------------
def _bad(url: str) -> DeviceError:
    return DeviceError(f"打印机地址无法识别：{url}，{URL_HINT}", f"unrecognised printer URL {url!r}")


def _tcp(url: str, rest: str) -> Link:
    hostport = rest.removeprefix("//").split("?", 1)[0].rstrip("/")
    host, _, port = hostport.rpartition(":") if ":" in hostport else (hostport, "", "9100")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise _bad(url)
    return TcpLink(url, host.strip("[]"), int(port))


def _serial(url: str, rest: str) -> Link:
    port, _, query = rest.rpartition("?") if "?baudrate" in rest else (rest, "", "")
    params = parse_qs(query)
    baud = params.get("baudrate", ["9600"])[0]
    if not port or not baud.isdigit():
        raise _bad(url)
    return SerialLink(url, port, int(baud))


def _usb(url: str, rest: str) -> Link:
    parts = rest.split(":")
    try:
        vid, pid = (int(p, 16) for p in parts)
    except ValueError:
        raise _bad(url) from None
    return UsbLink(url, vid, pid)


def _cups(url: str, rest: str) -> Link:
    if not rest or any(c.isspace() for c in rest):
        raise _bad(url)
    return CupsLink(url, rest)


def _file(url: str, rest: str) -> Link:
    if not rest:
        raise _bad(url)
    return FileLink(url, rest.removeprefix("//"))


SCHEMES: dict[str, Callable[[str, str], Link]] = {
    "tcp": _tcp, "serial": _serial, "usb": _usb, "cups": _cups, "file": _file}


def open_printer(url: str) -> Link:
    """Open the printer named by ``url``; raises ``DeviceError`` with a Chinese message."""
    scheme, sep, rest = url.strip().partition(":")
    factory = SCHEMES.get(scheme.lower()) if sep else None
    if factory is None:
        raise _bad(url)
    return factory(url.strip(), rest)


# --- status and printing ---------------------------------------------------------------------
def read_status(link: Link, timeout: float = STATUS_TIMEOUT) -> PrinterStatus:
    """Ask DLE EOT 1, 2 and 4 on a two-way link."""
    if not link.two_way:
        raise _one_way(link.url)
    replies = []
    for query in (QUERIES["printer"], QUERIES["offline"], QUERIES["paper"]):
        link.write(query)
        replies.append(link.read(1, timeout)[0])
    return parse_status(*replies)


class NotConfirmed(DeviceError):
    """The job went out but the printer never said it had it (it accepts the connection and
    does not read, or hangs): the job stays in the spool."""


def confirm_delivery(link: Link, timeout: float = CONFIRM_TIMEOUT) -> None:
    """DLE EOT 1 after the job: the reply can only come once the printer has read everything
    before it on the same connection. No valid reply within ``timeout`` → ``NotConfirmed``."""
    try:
        link.write(QUERIES["printer"])
        check_byte(link.read(1, timeout)[0])
    except (DeviceTimeout, ProtocolError) as exc:
        raise NotConfirmed(f"打印机 {link.url} 未确认收到打印任务（{timeout:g} 秒内无应答），"
                           "可能未打印，请检查打印机",
                           f"printer {link.url} did not confirm the job: {exc.english}") from None


@runs_on_device_thread
def printer_status(url: str) -> PrinterStatus:
    link = open_printer(url)
    try:
        return read_status(link)
    finally:
        link.close()


@dataclass
class SpoolJob:
    id: str
    created: str
    url: str
    title: str = ""
    last_error: str = ""
    attempts: int = 0


class PrintSpool:
    """Jobs not yet printed, as ``<id>.bin`` + ``<id>.json`` in a folder the caller owns."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)  # tickets and slips name people

    def add(self, url: str, data: bytes, title: str = "") -> SpoolJob:
        now = dt.datetime.now()
        job = SpoolJob(f"{now:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}", now.isoformat(timespec="seconds"), url, title)
        try:
            _atomic_write(self.folder / f"{job.id}.bin", data)
            self._save(job)
        except OSError as exc:
            raise DeviceError(f"打印任务无法保存到 {self.folder}（{exc.strerror or exc}），未发送到打印机",
                              f"cannot spool job in {self.folder}: {exc}") from None
        return job

    def _save(self, job: SpoolJob) -> None:
        _atomic_write(self.folder / f"{job.id}.json",
                      json.dumps(asdict(job), ensure_ascii=False, indent=1).encode("utf-8"))

    def get(self, job_id: str) -> SpoolJob:
        path = self.folder / f"{Path(job_id).name}.json"
        try:
            return SpoolJob(**json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise DeviceError(f"打印任务 {job_id} 不存在（可能已打印完成）", f"no spooled job {job_id}") from None
        except (ValueError, TypeError) as exc:
            raise DeviceError(f"打印任务 {job_id} 的记录已损坏", f"spool record {job_id} unreadable: {exc}") from None

    def data(self, job_id: str) -> bytes:
        self.get(job_id)
        return (self.folder / f"{Path(job_id).name}.bin").read_bytes()

    def failed(self, job: SpoolJob, error: str) -> SpoolJob:
        job.last_error, job.attempts = error, job.attempts + 1
        self._save(job)
        return job

    def remove(self, job_id: str) -> None:
        for suffix in (".json", ".bin"):
            (self.folder / f"{Path(job_id).name}{suffix}").unlink(missing_ok=True)

    def pending(self) -> list[SpoolJob]:
        """Jobs that can be reprinted; a damaged record is left out (see ``damaged``)."""
        return self.scan()[0]

    def damaged(self) -> list[tuple[str, str]]:
        """(job id, what is wrong) of records that cannot be read or have lost their data."""
        return self.scan()[1]

    def scan(self) -> tuple[list[SpoolJob], list[tuple[str, str]]]:
        jobs: list[SpoolJob] = []
        bad: list[tuple[str, str]] = []
        for p in sorted(self.folder.glob("*.json")):
            try:
                job = self.get(p.stem)
            except DeviceError as exc:
                bad.append((p.stem, exc.message))
                continue
            if not (self.folder / f"{p.stem}.bin").exists():
                bad.append((p.stem, f"打印任务 {p.stem} 的打印数据丢失"))
                continue
            jobs.append(job)
        return jobs, bad

    @runs_on_device_thread
    def reprint(self, job_id: str, url: str | None = None) -> None:
        """Send a kept job again (to ``url`` if given — another printer); removed when sent."""
        job = self.get(job_id)
        if url:
            job.url = url
        _send(job, self.data(job_id), self)


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o600), "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())  # a power cut must not leave a half job that prints garbage
    os.replace(tmp, path)


@runs_on_device_thread
def print_job(url: str, data: bytes, spool: PrintSpool | None = None, *, title: str = "",
              check_status: bool = True) -> SpoolJob | None:
    """Print ``data`` on ``url``. On failure raises ``DeviceError`` whose message says what to do;
    with a ``spool`` the job stays there (``details['job_id']``) for ``spool.reprint``.
    Returns the (now removed) spool record, or None without a spool."""
    job = spool.add(url, data, title) if spool else SpoolJob("", dt.datetime.now().isoformat(), url, title)
    _send(job, data, spool, check_status=check_status)
    return job if spool else None


def _send(job: SpoolJob, data: bytes, spool: PrintSpool | None, check_status: bool = True) -> None:
    try:
        link = open_printer(job.url)
        try:
            if check_status and link.two_way:
                try:
                    status = read_status(link)
                except DeviceTimeout:
                    status = None  # many network printers ignore DLE EOT: print without knowing
                if status is not None and not status.can_print:
                    raise DeviceError(status.message, f"printer {job.url} not ready: {status.as_dict()}",
                                      status=status.as_dict())
            link.write(data)
            if check_status and link.two_way and NO_CONFIRM not in job.url:
                confirm_delivery(link)  # 已发送 only once the printer has read it
        finally:
            link.close()
    except (DeviceError, ProtocolError) as exc:
        if spool is not None:
            spool.failed(job, exc.message)
            exc.details["job_id"] = job.id
            exc.message += "（打印任务已保留，可重打）" if "重打" not in exc.message else ""
        raise
    if spool is not None:
        spool.remove(job.id)
