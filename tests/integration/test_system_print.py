"""System printing through real subprocesses: the real CUPS ``lp``/``lpstat`` (no scheduler here,
so they fail the way a hall PC with a broken queue does) and fake ``lp``/``lpstat`` executables on
PATH that record what they receive — a real pipe round-trip. Whatever fails, the PDF is kept.
"""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from printing import PrinterUnavailable, PrintingError
from printing.system_print import default_printer, list_printers, print_pdf, save_pdf

PDF = b"%PDF-1.4\n% a tiny stand-in document\n%%EOF\n"
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="CUPS path only")


@pytest.fixture(autouse=True)
def fallback(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "unprinted"
    monkeypatch.setenv("CLERK_PRINT_FALLBACK_DIR", str(folder))
    return folder


def _tool(folder: Path, name: str, body: str) -> None:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\n" + textwrap.dedent(body), encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def _only_on_path(monkeypatch, folder: Path) -> None:
    # /bin and /usr/bin stay reachable for `cat` inside the fake tools, but our folder comes first.
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}/usr/bin{os.pathsep}/bin")


@pytest.mark.skipif(shutil.which("lp") is None, reason="cups-client (lp) not installed")
def test_real_lp_with_an_unknown_queue_gives_chinese_error_and_keeps_the_pdf(fallback):
    queue = f"NOPE-{uuid.uuid4().hex[:8]}"
    with pytest.raises(PrinterUnavailable) as err:
        print_pdf(PDF, queue, title="受理回执 33022501W01202611230007")
    saved = Path(err.value.details["saved_to"])
    assert err.value.message == f"打印机 {queue} 不存在或未就绪，文件已保存到 {saved}"
    assert saved.parent == fallback and saved.read_bytes() == PDF
    assert "33022501W01202611230007" in saved.name and "lp exit" in err.value.english


def test_missing_lp_says_which_package_and_keeps_the_pdf(tmp_path, monkeypatch, fallback):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(PrinterUnavailable) as err:
        print_pdf(PDF, "FRONT")
    assert "未找到打印命令 lp" in err.value.message and "cups-client" in err.value.message
    assert Path(err.value.details["saved_to"]).read_bytes() == PDF


def test_fake_lp_receives_the_exact_bytes_and_the_job_id_comes_back(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    _tool(bin_dir, "lp", """\
        cat > "$FAKE_LP_OUT"
        printf '%s\\n' "$@" > "$FAKE_LP_ARGS"
        echo "request id is FRONT-42 (1 file(s))"
        """)
    _only_on_path(monkeypatch, bin_dir)
    monkeypatch.setenv("FAKE_LP_OUT", str(tmp_path / "job.pdf"))
    monkeypatch.setenv("FAKE_LP_ARGS", str(tmp_path / "args.txt"))
    assert print_pdf(PDF, "FRONT", title="受理回执") == "FRONT-42"
    assert (tmp_path / "job.pdf").read_bytes() == PDF
    assert (tmp_path / "args.txt").read_text(encoding="utf-8").split("\n")[:5] == [
        "-d", "FRONT", "-t", "受理回执", "-"]


def test_fake_lp_failure_on_the_default_printer_keeps_the_pdf(tmp_path, monkeypatch, fallback):
    bin_dir = tmp_path / "bin"
    _tool(bin_dir, "lp", 'cat > /dev/null\necho "lp: Error - No default destination." >&2\nexit 1\n')
    _only_on_path(monkeypatch, bin_dir)
    with pytest.raises(PrinterUnavailable) as err:
        print_pdf(PDF, None, title="告知书")
    assert err.value.message.startswith("未设置默认打印机或打印服务未运行，文件已保存到 ")
    assert "No default destination" in err.value.english
    assert [p.read_bytes() for p in fallback.iterdir()] == [PDF]


def test_bytes_that_are_not_a_pdf_are_refused_before_printing():
    with pytest.raises(PrintingError, match="不是 PDF"):
        print_pdf(b"hello", "FRONT")


def test_list_printers_reads_lpstat_e_then_falls_back_to_lpstat_p(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    _tool(bin_dir, "lpstat", """\
        case "$1" in
          -e) printf 'Window3\\nFront_Desk\\n' ;;
          -d) echo "system default destination: Front_Desk" ;;
        esac
        """)
    _only_on_path(monkeypatch, bin_dir)
    assert list_printers() == ["Front_Desk", "Window3"]
    assert default_printer() == "Front_Desk"
    _tool(bin_dir, "lpstat", """\
        case "$1" in
          -e) echo "lpstat: invalid option -e" >&2; exit 1 ;;
          -p) echo "printer Old_Laser is idle.  enabled since Mon 23 Nov 2026" ;;
          -d) echo "no system default destination" ;;
        esac
        """)
    assert list_printers() == ["Old_Laser"]
    assert default_printer() is None


@pytest.mark.skipif(shutil.which("lpstat") is None, reason="cups-client (lpstat) not installed")
def test_real_lpstat_without_a_scheduler_lists_nothing_and_does_not_raise():
    proc = subprocess.run(["lpstat", "-e"], capture_output=True, check=False)
    if proc.stdout.strip():
        pytest.skip("a CUPS scheduler with queues is running here")
    assert list_printers() == []


def test_save_pdf_replaces_atomically_and_leaves_no_temp_files(tmp_path):
    target = tmp_path / "out" / "回执.pdf"
    assert save_pdf(b"%PDF-old", target) == target
    save_pdf(PDF, target)
    assert target.read_bytes() == PDF
    assert sorted(p.name for p in target.parent.iterdir()) == ["回执.pdf"]


def test_save_pdf_into_a_path_under_a_file_gives_a_chinese_error(tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    with pytest.raises(PrintingError, match="无法保存文件"):
        save_pdf(PDF, blocker / "x.pdf")


def test_a_full_disk_keeps_the_previous_file_intact(tmp_path):
    """Given an existing PDF, when a bigger write hits the size limit (as on a full disk), then
    the old file is untouched, no temp file is left, and the message says the disk is full."""
    target = tmp_path / "回执.pdf"
    target.write_bytes(b"%PDF-previous")
    code = textwrap.dedent(f"""\
        import resource, signal
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))
        from printing import PrintingError
        from printing.system_print import save_pdf
        try:
            save_pdf(b"%PDF-" + b"x" * 100_000, {str(target)!r})
        except PrintingError as exc:
            print(exc.message)
        """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[2], check=True)
    assert "磁盘空间不足" in proc.stdout, proc.stdout + proc.stderr
    assert target.read_bytes() == b"%PDF-previous"
    assert [p.name for p in tmp_path.iterdir()] == ["回执.pdf"]
