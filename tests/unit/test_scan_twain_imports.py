"""The Windows scanner drivers without their Windows packages: a DeviceError the clerk can read,
not an ImportError. ``sys.modules[name] = None`` makes ``import name`` raise ImportError."""
from __future__ import annotations

import sys

import pytest

from devices import scan_twain
from devices.errors import DeviceError
from devices.scan_base import ScanSettings

pytestmark = pytest.mark.usefixtures("device_thread")  # drivers called directly


@pytest.fixture
def no_pywin32(monkeypatch):
    for name in ("pythoncom", "win32com", "win32com.client"):
        monkeypatch.setitem(sys.modules, name, None)


def test_wia_without_pywin32_is_a_device_error(no_pywin32):
    with pytest.raises(DeviceError) as err:
        scan_twain.WiaScanner().scan(ScanSettings())
    assert err.value.message == scan_twain.MISSING_PYWIN32
    assert "pywin32" in err.value.message and "pywin32" in err.value.english


def test_wia_device_lookup_without_pywin32(no_pywin32):
    with pytest.raises(DeviceError, match="未安装 WIA 扫描支持组件"):
        scan_twain.WiaScanner("Canon")._device()


def test_twain_without_pytwain_is_a_device_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "twain", None)
    with pytest.raises(DeviceError) as err:
        scan_twain.TwainScanner().scan(ScanSettings(source="feeder"))
    assert err.value.message == scan_twain.MISSING_PYTWAIN and "pytwain" in err.value.message


def test_open_on_windows_without_the_packages_gives_the_driver(monkeypatch):
    """Opening does not import; the error comes at scan time, where the UI shows it."""
    monkeypatch.setattr(scan_twain.sys, "platform", "win32")
    monkeypatch.setitem(sys.modules, "twain", None)
    scanner = scan_twain.open_windows_scanner("twain")
    with pytest.raises(DeviceError, match="pytwain"):
        scanner.scan(ScanSettings())
