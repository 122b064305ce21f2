"""Hand finished PDF bytes to the operating system's printing (CUPS ``lp`` or Windows shell), and
save PDFs atomically.

One rule: a document is never lost. When printing fails for any reason the PDF is first saved to
the fallback folder, and the Chinese error names that file so the clerk can reprint it.
"""
from __future__ import annotations

import datetime as dt
import errno
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from clerk.fileio import write_atomic

from . import PrinterUnavailable, PrintingError

LP_TIMEOUT_S = 30


def fallback_dir() -> Path:
    """``CLERK_PRINT_FALLBACK_DIR`` > ``<data dir>/unprinted`` (data dir as in ``clerk.config``)."""
    chosen = os.environ.get("CLERK_PRINT_FALLBACK_DIR")
    if chosen:
        return Path(chosen).expanduser()
    from clerk.config import default_data_dir

    data = os.environ.get("CLERK_DATA_DIR")
    return (Path(data).expanduser() if data else default_data_dir()) / "unprinted"


def save_pdf(pdf_bytes: bytes, path: str | os.PathLike[str]) -> Path:
    """Write ``pdf_bytes`` to ``path`` atomically (clerk.fileio)."""
    target = Path(path)
    try:
        return write_atomic(target, pdf_bytes)
    except OSError as exc:
        raise _save_error(target, exc) from exc


def _save_error(target: Path, exc: OSError) -> PrintingError:
    if exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        why, en = "磁盘空间不足", "disk full"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        why, en = "没有写入权限", "permission denied"
    else:
        why, en = f"系统错误：{exc.strerror or exc}", str(exc)
    return PrintingError(f"无法保存文件 {target}（{why}）。请更换保存位置或清理磁盘后重试。",
                         f"cannot save {target}: {en}", path=str(target))


def _fallback_path(title: str) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    safe = re.sub(r'[\\/:*?"<>|\s]+', "_", title).strip("_") or "document"
    return fallback_dir() / f"{stamp}-{safe}.pdf"


def _keep(pdf_bytes: bytes, title: str) -> Path:
    return save_pdf(pdf_bytes, _fallback_path(title))


def print_pdf(pdf_bytes: bytes, printer: str | None = None, *, title: str = "") -> str:
    """Send a PDF to ``printer`` (None: the system default); returns the job id or a description.

    Raises ``PrinterUnavailable`` (with ``details['saved_to']``) when nothing was printed.
    """
    if not pdf_bytes.startswith(b"%PDF-"):
        raise PrintingError("要打印的内容不是 PDF 文件，已取消打印。", "not a PDF document")
    if sys.platform == "win32":
        return _print_windows(pdf_bytes, printer, title)
    return _print_cups(pdf_bytes, printer, title)


def _print_cups(pdf_bytes: bytes, printer: str | None, title: str) -> str:
    lp = shutil.which("lp")
    if lp is None:
        saved = _keep(pdf_bytes, title)
        raise PrinterUnavailable(
            f"未找到打印命令 lp（请安装 cups-client），文件已保存到 {saved}",
            "lp not found (install cups-client)", saved_to=str(saved))
    cmd = [lp]
    if printer:
        cmd += ["-d", printer]
    if title:
        cmd += ["-t", title]
    cmd.append("-")  # the document comes on stdin: no temp file to clean up or leak
    try:
        proc = subprocess.run(cmd, input=pdf_bytes, capture_output=True, timeout=LP_TIMEOUT_S,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        saved = _keep(pdf_bytes, title)
        raise PrinterUnavailable(f"打印系统无响应，文件已保存到 {saved}",
                                 f"lp failed: {exc}", saved_to=str(saved)) from exc
    out = proc.stdout.decode("utf-8", "replace").strip()
    err = proc.stderr.decode("utf-8", "replace").strip()
    if proc.returncode != 0:
        saved = _keep(pdf_bytes, title)
        who = f"打印机 {printer} 不存在或未就绪" if printer else "未设置默认打印机或打印服务未运行"
        raise PrinterUnavailable(f"{who}，文件已保存到 {saved}",
                                 f"lp exit {proc.returncode}: {err or out}", saved_to=str(saved),
                                 printer=printer or "")
    match = re.search(r"request id is (\S+)", out)
    return match.group(1) if match else (out or f"已发送到打印机 {printer or '（默认）'}")


def _print_windows(pdf_bytes: bytes, printer: str | None, title: str) -> str:
    # The shell's "print" verb needs a file; it stays in the fallback folder, which also keeps
    # the document for a reprint if the PDF viewer never prints it.
    path = _keep(pdf_bytes, title)
    try:
        if printer:
            os.startfile(str(path), "printto", f'"{printer}"')  # type: ignore[attr-defined]
        else:
            os.startfile(str(path), "print")  # type: ignore[attr-defined]
    except OSError as exc:
        raise PrinterUnavailable(
            f"打印机 {printer or '（默认）'} 不存在或未就绪（或未安装 PDF 阅读器），文件已保存到 {path}",
            f"startfile print failed: {exc}", saved_to=str(path)) from exc
    return f"已发送到 Windows 打印：{path}"


def list_printers() -> list[str]:
    """Queue names the system knows; [] when the print system is missing or not running."""
    if sys.platform == "win32":
        return _windows_printers()
    lpstat = shutil.which("lpstat")
    if lpstat is None:
        return []
    names = _run_lines([lpstat, "-e"])
    if names:
        return sorted(set(names))
    # Older CUPS has no -e: "printer NAME is idle.  enabled since …" (LC_ALL=C keeps it English)
    found = [line.split()[1] for line in _run_lines([lpstat, "-p"])
             if len(line.split()) > 1 and line.split()[0] == "printer"]
    return sorted(set(found))


def default_printer() -> str | None:
    lpstat = shutil.which("lpstat") if sys.platform != "win32" else None
    if lpstat is None:
        return None
    for line in _run_lines([lpstat, "-d"]):
        match = re.search(r"default destination:\s*(\S+)", line)
        if match:
            return match.group(1)
    return None


def _windows_printers() -> list[str]:
    shell = shutil.which("powershell")
    if shell is None:
        return []
    return sorted(set(_run_lines([shell, "-NoProfile", "-Command",
                                  "Get-Printer | Select-Object -ExpandProperty Name"])))


def _run_lines(cmd: list[str]) -> list[str]:
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=10, check=False,
                              env={**os.environ, "LC_ALL": "C"})
    except (OSError, subprocess.TimeoutExpired):
        return []
    if proc.returncode != 0:
        return []
    return [ln.strip() for ln in proc.stdout.decode("utf-8", "replace").splitlines() if ln.strip()]
