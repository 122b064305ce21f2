"""``clerk doctor`` checks for paper: the CJK font the PDFs embed, and the system's print queues
(CUPS on Linux, the Windows spooler) that A4 documents go to."""
from __future__ import annotations

import shutil
import sys
from collections.abc import Callable

from clerk.config import Config
from clerk.doctor import Check

from . import FontMissing, fonts, system_print


def check_pdf_font() -> Check:
    try:
        found = fonts.register_fonts()
    except FontMissing as exc:
        return Check("font.pdf", "fail", "PDF 中文字体", exc.message, "重新安装本程序：python -m pip install -e .")
    if fonts.is_bundled(found.regular_path):
        return Check("font.pdf", "ok", "PDF 中文字体",
                     "文泉驿微米黑（随程序附带）。公文宜用宋体：安装系统宋体（如 Windows 的 simsun.ttc、"
                     "fonts-arphic-uming）后自动优先使用")
    return Check("font.pdf", "ok", "PDF 中文字体", f"{found.regular_path.name}（{found.regular_path.parent}）")


def check_print_queues(list_printers: Callable[[], list[str]] = system_print.list_printers,
                       default_printer: Callable[[], str | None] = system_print.default_printer,
                       which: Callable[[str], str | None] = shutil.which,
                       platform: str = sys.platform) -> Check:
    title = "A4 打印队列"
    if platform != "win32" and which("lpstat") is None:
        return Check("print.queues", "warn", title,
                     "未安装 CUPS 打印客户端：受理回执等 A4 文书不能直接打印（会保存为 PDF）",
                     "sudo apt install cups cups-client，然后在系统“打印机”设置中添加 A4 打印机")
    queues = list_printers()
    if not queues:
        where = "Windows“设置→打印机”" if platform == "win32" else "系统“打印机”设置或 http://localhost:631"
        return Check("print.queues", "warn", title, "没有打印队列（或打印服务未运行）：A4 文书会保存为 PDF",
                     f"在{where}中添加 A4 打印机；Linux 上确认 cups 服务已启动（systemctl status cups）")
    default = default_printer()
    shown = "、".join(queues[:6]) + ("等" if len(queues) > 6 else "")
    return Check("print.queues", "ok", title, f"{shown}" + (f"（默认 {default}）" if default else "（未设默认）"))


def checks(cfg: Config | None) -> list[Check]:
    return [check_pdf_font(), check_print_queues()]
