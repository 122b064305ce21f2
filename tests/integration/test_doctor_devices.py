"""``clerk doctor`` device and paper checks. The real probes run on this machine (its /dev, its
/sys/bus/usb, a real eSCL scanner on loopback, the real font search); where the hardware is
absent (a USB printer, a serial reader, SANE, CUPS) the probe reads a made-up tree or answer."""
from __future__ import annotations

import grp
import os
import sys
from pathlib import Path

import pytest

from clerk.doctor import Check
from devices import doctor as dev_doctor
from devices.doctor import Who, check_scanners, check_serial, check_usb_printers, usb_printers
from devices.scan_escl_server import EsclServer, ServerConfig
from printing import doctor as print_doctor

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux device files")
CLERK = Who(uid=1000, name="clerk", session_gids=frozenset({1000}), member_of=frozenset({"clerk"}))


def by_key(checks: list[Check]) -> dict[str, Check]:
    return {c.key: c for c in checks}


def _device_file(path: Path, group: str, mode: int) -> Path:
    path.write_bytes(b"")
    os.chmod(path, mode)
    if os.geteuid() == 0:
        os.chown(path, 0, grp.getgrnam(group).gr_gid)
    return path


@linux_only
def test_real_machine_probes_answer():
    serial = check_serial({})
    usb = check_usb_printers({})
    assert serial and usb and all(c.status in ("ok", "warn", "fail") for c in serial + usb)
    assert isinstance(usb_printers(), list)


@linux_only
@pytest.mark.skipif(os.geteuid() != 0, reason="makes device files owned by the dialout group")
def test_a_reader_port_of_the_dialout_group_names_the_usermod_or_the_new_login(tmp_path):
    _device_file(tmp_path / "ttyUSB0", "dialout", 0o660)
    blocked = by_key(check_serial({}, dev=tmp_path, who=CLERK))["serial.permission"]
    assert blocked.status == "fail" and "ttyUSB0 属于 dialout 组" in blocked.detail
    assert blocked.fix == "sudo usermod -aG dialout clerk，然后注销并重新登录"
    added = Who(1000, "clerk", frozenset({1000}), frozenset({"clerk", "dialout"}))
    relog = by_key(check_serial({}, dev=tmp_path, who=added))["serial.permission"]
    assert relog.status == "fail" and "重新登录" in relog.fix and "usermod" not in relog.fix
    session = Who(1000, "clerk", frozenset({1000, grp.getgrnam("dialout").gr_gid}), added.member_of)
    assert by_key(check_serial({}, dev=tmp_path, who=session))["serial.permission"].status == "ok"


@linux_only
def test_a_configured_port_that_is_not_there_and_no_port_at_all(tmp_path):
    found = by_key(check_serial({"idcard_port": "serial:/dev/ttyUSB7?baudrate=115200"}, dev=tmp_path, who=CLERK))
    assert found["serial.configured"].status == "warn" and "/dev/ttyUSB7" in found["serial.configured"].detail
    assert found["serial.permission"].status == "warn" and "dialout" in found["serial.permission"].fix


def _usb_tree(root: Path) -> tuple[Path, Path]:
    """/sys/bus/usb/devices and /dev/bus/usb as Linux lays them out, with one ESC/POS printer."""
    sysfs, dev = root / "sys", root / "dev"
    device = sysfs / "1-1"
    device.mkdir(parents=True)
    for name, value in (("idVendor", "0416"), ("idProduct", "5011"), ("busnum", "1"), ("devnum", "5"),
                        ("manufacturer", "Winbond"), ("product", "POS58 Printer")):
        (device / name).write_text(value + "\n")
    (sysfs / "1-1:1.0").mkdir()
    (sysfs / "1-1:1.0" / "bInterfaceClass").write_text("07\n")
    (sysfs / "2-1").mkdir()                                   # a keyboard: not a printer
    (sysfs / "2-1:1.0").mkdir()
    (sysfs / "2-1:1.0" / "bInterfaceClass").write_text("03\n")
    (dev / "001").mkdir(parents=True)
    return sysfs, dev


@linux_only
def test_a_usb_printer_the_user_cannot_open_gets_the_udev_rule(tmp_path):
    sysfs, dev = _usb_tree(tmp_path)
    node = _device_file(dev / "001" / "005", "root", 0o664)
    [printer] = usb_printers(sysfs, dev)
    assert (printer.vid, printer.pid, printer.node, printer.name) == ("0416", "5011", node, "Winbond POS58 Printer")
    found = check_usb_printers({}, sysfs=sysfs, dev=dev, who=CLERK, find_library=lambda name: None)
    keyed = by_key(found)
    assert keyed["usb.libusb"].status == "fail" and "libusb-1.0-0" in keyed["usb.libusb"].fix
    rule = 'SUBSYSTEM=="usb", ATTR{idVendor}=="0416", ATTR{idProduct}=="5011", MODE="0660", GROUP="lp"'
    assert keyed["usb.printer"].status == "fail" and rule in keyed["usb.printer"].fix
    assert "/etc/udev/rules.d/60-window-clerk.rules" in keyed["usb.printer"].fix
    os.chmod(node, 0o666)
    ok = by_key(check_usb_printers({}, sysfs=sysfs, dev=dev, who=CLERK, find_library=lambda n: "libusb-1.0.so.0"))
    assert ok["usb.printer"].status == "ok" and "usb:0416:5011" in ok["usb.printer"].detail


@linux_only
def test_a_configured_usb_printer_that_is_unplugged(tmp_path):
    found = by_key(check_usb_printers({"receipt_printer": "usb:0416:5011"}, sysfs=tmp_path, dev=tmp_path,
                                      who=CLERK, find_library=lambda n: "libusb-1.0.so.0"))
    assert found["usb.printer"].status == "warn" and "没有发现" in found["usb.printer"].detail


def test_the_configured_escl_scanner_is_reached_for_real():
    with EsclServer(ServerConfig()) as server:
        found = by_key(check_scanners({"scanner": f"escl:{server.base_url}"}, sane=lambda: []))
    assert found["scanner.escl"].status == "ok" and "可连接" in found["scanner.escl"].detail
    from tests.pgserver import free_port

    gone = by_key(check_scanners({"scanner": f"escl:http://127.0.0.1:{free_port()}/eSCL"}, sane=lambda: []))
    assert gone["scanner.escl"].status == "fail" and "连接不上" in gone["scanner.escl"].detail


def test_sane_missing_found_and_the_configured_device_absent():
    missing = by_key(check_scanners({}, sane=lambda: None, platform="linux"))["scanner.sane"]
    assert missing.status == "warn" and "sane-utils" in missing.fix
    needed = by_key(check_scanners({"scanner": "sane:epson2:libusb:001:004"}, sane=lambda: None,
                                   platform="linux"))["scanner.sane"]
    assert needed.status == "fail"
    found = by_key(check_scanners({"scanner": "sane:epson2:libusb:001:004"},
                                  sane=lambda: ["hpaio:/usb/Deskjet"], platform="linux"))
    assert found["scanner.sane"].status == "ok" and "hpaio:/usb/Deskjet" in found["scanner.sane"].detail
    assert found["scanner.configured"].status == "warn"


def test_scanimage_output_is_parsed():
    import subprocess

    def fake_run(cmd, **kw):
        out = ("device `hpaio:/usb/Deskjet_2130?serial=CN5' is a Hewlett-Packard Deskjet_2130 all-in-one\n"
               "device `epson2:libusb:001:004' is a Epson GT-S55 flatbed scanner\n")
        return subprocess.CompletedProcess(cmd, 0, out, "")

    assert dev_doctor.sane_devices(run=fake_run, which=lambda _n: "/usr/bin/scanimage") == [
        "hpaio:/usb/Deskjet_2130?serial=CN5", "epson2:libusb:001:004"]
    assert dev_doctor.sane_devices(which=lambda _n: None) is None


def test_print_queues_without_cups_without_queues_and_with_them():
    none = print_doctor.check_print_queues(which=lambda _n: None, platform="linux")
    assert none.status == "warn" and "cups-client" in none.fix
    empty = print_doctor.check_print_queues(list_printers=lambda: [], default_printer=lambda: None,
                                            which=lambda _n: "/usr/bin/lpstat", platform="linux")
    assert empty.status == "warn" and "添加 A4 打印机" in empty.fix
    ok = print_doctor.check_print_queues(list_printers=lambda: ["HP_LaserJet", "Office"],
                                         default_printer=lambda: "HP_LaserJet",
                                         which=lambda _n: "/usr/bin/lpstat", platform="linux")
    assert ok.status == "ok" and ok.detail == "HP_LaserJet、Office（默认 HP_LaserJet）"
    real = print_doctor.check_print_queues()                  # this machine, whatever it has
    assert real.key == "print.queues" and real.status in ("ok", "warn")


def test_the_pdf_font_check_names_the_font_in_use():
    found = print_doctor.check_pdf_font()
    assert found.status == "ok" and found.detail
    from printing import fonts

    if fonts.is_bundled(fonts.cjk_font_path()):
        assert "随程序附带" in found.detail and "宋体" in found.detail
