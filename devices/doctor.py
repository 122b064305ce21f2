"""``clerk doctor`` checks for the counter's devices: serial ports (ID-card reader, barcode gun)
and the dialout group, USB receipt/ticket printers and their udev rule, scanners (SANE and the
configured eSCL scanner).

The probes read the real machine (``/dev``, ``/sys/bus/usb``, ``scanimage -L``, HTTP); their roots
and helpers are parameters so tests can point them at a made-up tree where the hardware is absent.
"""
from __future__ import annotations

import ctypes.util
import glob
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from clerk.config import Config
from clerk.doctor import Check

UDEV_RULE_FILE = "/etc/udev/rules.d/60-window-clerk.rules"


@dataclass(frozen=True)
class Who:
    """The user the app runs as: uid, the groups of this session, the groups in /etc/group."""
    uid: int
    name: str
    session_gids: frozenset[int]
    member_of: frozenset[str]


def current_user() -> Who:
    import grp
    import pwd

    uid = os.geteuid()
    name = pwd.getpwuid(uid).pw_name
    member = {g.gr_name for g in grp.getgrall() if name in g.gr_mem}
    member.add(grp.getgrgid(pwd.getpwuid(uid).pw_gid).gr_name)
    return Who(uid, name, frozenset(os.getgroups()) | {os.getegid()}, frozenset(member))


def _group_name(gid: int) -> str:
    import grp

    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def _can_use(path: Path, who: Who) -> bool:
    """Read-write for ``who`` judged from the mode bits (``os.access`` would ask about this process)."""
    st = path.stat()
    if who.uid == 0:
        return True
    if st.st_uid == who.uid:
        return st.st_mode & 0o600 == 0o600
    if st.st_gid in who.session_gids:
        return st.st_mode & 0o060 == 0o060
    return st.st_mode & 0o006 == 0o006


# ---- device settings (which ports and URLs this workstation uses) --------------------------

def configured(cfg: Config | None) -> dict[str, str]:
    """This workstation's device settings; {} when the database is absent or unreadable."""
    if cfg is None:
        return {}
    if cfg.is_sqlite and not Path(cfg.database_url.split(":///", 1)[-1]).exists():
        return {}
    try:
        from clerk.db import Database
        from clerk.device_settings import load_device_settings

        db = Database(cfg.database_url)
        try:
            return load_device_settings(db, cfg.workstation)
        finally:
            db.dispose()
    except Exception:  # noqa: BLE001
        return {}


def _serial_path(url: str) -> str | None:
    """A local device path from a pyserial-style setting (``/dev/ttyUSB0``, ``serial:/dev/…?…``)."""
    url = url.strip()
    if url.startswith("serial:"):
        url = url[len("serial:"):]
    url = url.split("?", 1)[0]
    return url if url.startswith("/dev/") else None


# ---- serial ports ---------------------------------------------------------------------------

def check_serial(settings: dict[str, str], *, dev: Path = Path("/dev"), who: Who | None = None,
                 platform: str = sys.platform) -> list[Check]:
    title = "串口（读卡器、扫码枪）"
    if not platform.startswith("linux"):
        return [Check("serial", "skip", title, "串口权限检查只适用于 Linux")]
    who = who or current_user()
    ports = {Path(p) for p in glob.glob(str(dev / "ttyUSB*")) + glob.glob(str(dev / "ttyACM*"))}
    wanted = {k: _serial_path(v) for k, v in settings.items() if k in ("idcard_port", "barcode_port", "ticket_printer", "receipt_printer")}
    missing_configured = []
    for path in wanted.values():
        if path is None:
            continue
        p = Path(path) if dev == Path("/dev") else dev / Path(path).name
        if p.exists():
            ports.add(p)
        else:
            missing_configured.append(path)
    out: list[Check] = []
    if missing_configured:
        out.append(Check("serial.configured", "warn", title, f"设置的串口不存在：{'、'.join(missing_configured)}",
                         "检查设备是否接好，或在 设置 → 设备 中改为实际的串口"))
    blocked: dict[str, list[str]] = {}
    for port in sorted(ports):
        if not _can_use(port, who):
            blocked.setdefault(_group_name(port.stat().st_gid), []).append(port.name)
    if blocked:
        for group, names in blocked.items():
            if group in who.member_of:
                fix = f"用户 {who.name} 已加入 {group} 组但本次登录尚未生效：注销并重新登录（或重启）"
            else:
                fix = f"sudo usermod -aG {group} {who.name}，然后注销并重新登录"
            out.append(Check("serial.permission", "fail", title,
                             f"{'、'.join(names)} 属于 {group} 组，当前用户无权打开", fix))
        return out
    if ports:
        out.append(Check("serial.permission", "ok", title, f"可以打开 {'、'.join(p.name for p in sorted(ports))}"))
    elif who.uid != 0 and "dialout" not in who.member_of:
        out.append(Check("serial.permission", "warn", title,
                         f"未接串口设备；用户 {who.name} 不在 dialout 组，以后接上的读卡器将无法打开",
                         f"sudo usermod -aG dialout {who.name}，然后注销并重新登录"))
    else:
        out.append(Check("serial.permission", "ok", title, "未接串口设备；当前用户有权使用串口"))
    return out


# ---- USB printers ---------------------------------------------------------------------------

@dataclass(frozen=True)
class UsbPrinter:
    vid: str
    pid: str
    node: Path          # /dev/bus/usb/BBB/DDD
    name: str


def usb_printers(sysfs: Path = Path("/sys/bus/usb/devices"), dev: Path = Path("/dev/bus/usb")) -> list[UsbPrinter]:
    """USB devices with a printer-class interface (07), from sysfs."""
    found: dict[Path, UsbPrinter] = {}
    for intf in sorted(sysfs.glob("*:*")):
        try:
            if (intf / "bInterfaceClass").read_text().strip() != "07":
                continue
            device = intf.parent if (intf.parent / "idVendor").exists() else sysfs / intf.name.split(":")[0]
            vid = (device / "idVendor").read_text().strip()
            pid = (device / "idProduct").read_text().strip()
            bus = int((device / "busnum").read_text())
            num = int((device / "devnum").read_text())
            name = " ".join(filter(None, [_read(device / "manufacturer"), _read(device / "product")])) or f"{vid}:{pid}"
        except (OSError, ValueError):
            continue
        node = dev / f"{bus:03d}" / f"{num:03d}"
        found[node] = UsbPrinter(vid, pid, node, name)
    return list(found.values())


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""


def udev_rule(printers: list[UsbPrinter], group: str = "lp") -> str:
    return "\n".join(f'SUBSYSTEM=="usb", ATTR{{idVendor}}=="{p.vid}", ATTR{{idProduct}}=="{p.pid}", '
                     f'MODE="0660", GROUP="{group}"' for p in printers)


def check_usb_printers(settings: dict[str, str], *, sysfs: Path = Path("/sys/bus/usb/devices"),
                       dev: Path = Path("/dev/bus/usb"), who: Who | None = None,
                       find_library: Callable[[str], str | None] = ctypes.util.find_library,
                       platform: str = sys.platform) -> list[Check]:
    title = "USB 小票/号票打印机"
    if not platform.startswith("linux"):
        return [Check("usb.printer", "skip", title, "USB 权限检查只适用于 Linux")]
    who = who or current_user()
    wants_usb = any(v.strip().startswith("usb:") for k, v in settings.items() if k.endswith("printer"))
    printers = usb_printers(sysfs, dev)
    out: list[Check] = []
    if (printers or wants_usb) and find_library("usb-1.0") is None:
        out.append(Check("usb.libusb", "fail", title, "缺少系统库 libusb-1.0，无法使用 USB 打印机",
                         "Debian/UOS/麒麟：sudo apt install libusb-1.0-0"))
    if not printers:
        detail = "设置了 USB 打印机，但没有发现接入的 USB 打印机" if wants_usb else "未接 USB 打印机"
        out.append(Check("usb.printer", "warn" if wants_usb else "ok", title, detail,
                         "检查打印机电源与 USB 线" if wants_usb else ""))
        return out
    blocked = [p for p in printers if p.node.exists() and not _can_use(p.node, who)]
    if blocked:
        rule = udev_rule(blocked)
        names = "、".join(f"{p.name}（{p.vid}:{p.pid}）" for p in blocked)
        member = "" if "lp" in who.member_of else f"；sudo usermod -aG lp {who.name}"
        out.append(Check("usb.printer", "fail", title, f"{names} 当前用户无权访问",
                         f"以 root 写入 {UDEV_RULE_FILE}：{rule}；然后 sudo udevadm control --reload "
                         f"&& sudo udevadm trigger{member}；重新插拔打印机并重新登录"))
    else:
        out.append(Check("usb.printer", "ok", title,
                         "可以访问 " + "、".join(f"{p.name}（usb:{p.vid}:{p.pid}）" for p in printers)))
    return out


# ---- scanners -------------------------------------------------------------------------------

def sane_devices(run: Callable[..., subprocess.CompletedProcess] = subprocess.run,
                 which: Callable[[str], str | None] = shutil.which) -> list[str] | None:
    """``scanimage -L`` device names; None when sane-utils is not installed."""
    exe = which("scanimage")
    if exe is None:
        return None
    try:
        proc = run([exe, "-L"], capture_output=True, text=True, timeout=60, check=False,
                   env={**os.environ, "LC_ALL": "C"})
    except (OSError, subprocess.SubprocessError):
        return []
    names = []
    for line in proc.stdout.splitlines():
        # device `hpaio:/usb/…' is a HP … flatbed scanner
        if line.startswith("device `") and "'" in line:
            names.append(line[len("device `"):line.index("'")])
    return names


def check_scanners(settings: dict[str, str], *, sane: Callable[[], list[str] | None] = sane_devices,
                   platform: str = sys.platform) -> list[Check]:
    title = "扫描仪"
    out: list[Check] = []
    url = settings.get("scanner", "").strip()
    if url.startswith("escl:"):
        from .errors import DeviceError
        from .scan_escl import EsclScanner

        try:
            caps = EsclScanner(url[len("escl:"):], timeout=5, busy_retries=0).capabilities()
            out.append(Check("scanner.escl", "ok", "网络扫描仪（eSCL）", f"{caps.make_and_model or url} 可连接"))
        except DeviceError as exc:
            out.append(Check("scanner.escl", "fail", "网络扫描仪（eSCL）", exc.message,
                             "检查扫描仪电源、网络和 设置 → 设备 中的地址"))
    if platform == "win32":
        out.append(Check("scanner.sane", "skip", title, "Windows 使用 TWAIN/WIA 驱动"))
        return out
    found = sane()
    if found is None:
        severe = "fail" if url.startswith("sane:") else "warn"
        out.append(Check("scanner.sane", severe, title, "未安装 SANE（scanimage）：不能使用 USB 扫描仪"
                         "（网络扫描仪和监视文件夹不受影响）", "Debian/UOS/麒麟：sudo apt install sane-utils"))
    elif found:
        out.append(Check("scanner.sane", "ok", title, "SANE 发现：" + "、".join(found[:5])))
        if url.startswith("sane:") and url[len("sane:"):] not in found:
            out.append(Check("scanner.configured", "warn", title, f"设置的扫描仪 {url} 未被发现",
                             "检查扫描仪电源与连线，或在 设置 → 设备 中重新选择"))
    else:
        severe = "warn" if url.startswith("sane:") else "ok"
        out.append(Check("scanner.sane", severe, title, "SANE 没有发现扫描仪",
                         "接上扫描仪并打开电源；USB 扫描仪无权限时把用户加入 scanner 组" if severe == "warn" else ""))
    return out


def checks(cfg: Config | None) -> list[Check]:
    settings = configured(cfg)
    return [*check_serial(settings), *check_usb_printers(settings), *check_scanners(settings)]
