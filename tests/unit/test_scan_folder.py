"""The watched folder: real files in tmp_path, a fake clock so "stable for N seconds" is exact."""
from __future__ import annotations

import io
import os

import pytest
from PIL import Image
from pypdf import PdfReader

from devices.errors import DeviceNotFound, DeviceTimeout
from devices.scan_base import PdfPages, ScanSettings, open_scanner, page_count
from devices.scan_folder import FolderScanner
from devices.scan_pdf import save_scan

pytestmark = pytest.mark.usefixtures("device_thread")  # drivers called directly


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def jpeg(shade: int, size: tuple[int, int] = (120, 160), dpi: int = 100) -> bytes:
    out = io.BytesIO()
    Image.new("L", size, shade).save(out, "JPEG", dpi=(dpi, dpi))
    return out.getvalue()


def pdf(pages: int) -> bytes:
    out = io.BytesIO()
    imgs = [Image.new("RGB", (100, 140), (i * 40, 0, 0)) for i in range(pages)]
    imgs[0].save(out, "PDF", save_all=True, append_images=imgs[1:], resolution=100)
    return out.getvalue()


def touch_later(path, seconds: int) -> None:
    """Give a file a distinct mtime so the writing order is unambiguous."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + seconds * 1_000_000_000))


@pytest.fixture
def clock():
    return Clock()


def test_file_written_in_two_halves_is_taken_only_when_complete(tmp_path, clock):
    scanner = FolderScanner(tmp_path, settle=1.0, clock=clock, sleep=clock.sleep)
    data = jpeg(90)
    target = tmp_path / "scan-001.jpg"
    target.write_bytes(data[: len(data) // 2])

    assert scanner.poll() == ([], 1)           # just appeared
    clock.sleep(5)
    # Size unchanged for 5 s, but the JPEG is cut short: the writer paused, it is not done.
    assert scanner.poll() == ([], 1)

    with target.open("ab") as fh:
        fh.write(data[len(data) // 2:])
    touch_later(target, 1)
    assert scanner.poll() == ([], 1)           # changed again: the clock starts over
    clock.sleep(0.5)
    assert scanner.poll() == ([], 1)           # not yet stable for a full second
    clock.sleep(0.6)
    ready, pending = scanner.poll()
    assert pending == 0 and [p.name for p, _ in ready] == ["scan-001.jpg"]
    assert target.exists()                     # poll never moves anything


def test_pdf_and_jpegs_become_one_pdf_in_writing_order(tmp_path, clock):
    first, second, third = tmp_path / "b.jpg", tmp_path / "a.pdf", tmp_path / "c.jpeg"
    first.write_bytes(jpeg(40))
    second.write_bytes(pdf(2))
    third.write_bytes(jpeg(200, size=(100, 100)))
    touch_later(second, 1)
    touch_later(third, 2)
    (tmp_path / "notes.txt").write_text("not a scan")
    (tmp_path / ".scan.tmp.jpg").write_bytes(b"hidden temp file of the vendor software")

    scanner = open_scanner(f"folder:{tmp_path}", settle=1.0, clock=clock, sleep=clock.sleep)
    pages = scanner.scan(ScanSettings())
    assert [type(p).__name__ for p in pages] == ["Image", "PdfPages", "Image"]
    assert page_count(pages) == 4
    assert isinstance(pages[1], PdfPages) and pages[1].name == "a.pdf"

    out = tmp_path / "out" / "case.pdf"
    assert save_scan(pages, out, color="gray") == 4
    reader = PdfReader(out)
    assert len(reader.pages) == 4
    # 120 px at 100 dpi = 86.4 pt; the PDF's own pages keep their size; the square JPEG last.
    assert [round(float(p.mediabox.width), 1) for p in reader.pages] == [86.4, 72.0, 72.0, 72.0]
    assert round(float(reader.pages[3].mediabox.height), 1) == 72.0

    # Taken files moved to done/, the rest left alone.
    assert sorted(p.name for p in (tmp_path / "done").iterdir()) == ["a.pdf", "b.jpg", "c.jpeg"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".scan.tmp.jpg", "done", "notes.txt", "out"]


def test_same_name_scanned_twice_keeps_both_in_done(tmp_path, clock):
    scanner = FolderScanner(tmp_path, settle=0.5, clock=clock, sleep=clock.sleep)
    for shade in (10, 20):
        (tmp_path / "scan.jpg").write_bytes(jpeg(shade))
        assert len(scanner.scan(ScanSettings())) == 1
    assert sorted(p.name for p in (tmp_path / "done").iterdir()) == ["scan-1.jpg", "scan.jpg"]


def test_empty_folder_times_out_with_a_message(tmp_path, clock):
    scanner = FolderScanner(tmp_path, timeout=10, clock=clock, sleep=clock.sleep)
    with pytest.raises(DeviceTimeout) as info:
        scanner.scan(ScanSettings())
    assert "扫描文件夹中没有新的扫描文件" in info.value.message
    assert clock.now >= 1010


def test_missing_folder_is_device_not_found(tmp_path):
    with pytest.raises(DeviceNotFound) as info:
        FolderScanner(tmp_path / "nope").scan(ScanSettings())
    assert "扫描文件夹不存在" in info.value.message


def test_truncated_pdf_is_not_taken(tmp_path, clock):
    data = pdf(1)
    (tmp_path / "x.pdf").write_bytes(data[:-40])
    scanner = FolderScanner(tmp_path, settle=0.5, clock=clock, sleep=clock.sleep)
    scanner.poll()
    clock.sleep(2)
    assert scanner.poll() == ([], 1)
