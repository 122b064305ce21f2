"""Find and register one embeddable Chinese TrueType font for reportlab (and the Qt UI).

One rule: only TrueType outlines (``glyf``) — reportlab cannot embed CFF/OpenType-PS fonts such as
Noto CJK, so a candidate is accepted only after reportlab has actually loaded it. Registration
happens once per process (cached); nothing is searched at import time.

``CLERK_CJK_FONT`` (``path`` or ``path#index`` for a TTC), when set, is the only candidate;
otherwise: known Windows / Debian / UOS / Kylin / macOS paths (宋体 first: official documents are
set in 宋体) > ``fc-list :lang=zh`` > the font bundled in ``printing/fonts/`` (WenQuanYi Micro Hei,
Apache-2.0), so a fresh machine with no CJK font at all still prints correct documents.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from . import FontMissing

REGULAR = "ClerkSong"
BOLD = "ClerkHei"

_WIN_FONTS = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
# (path, subfont index). SimSun/SimHei/YaHei ship with TrueType outlines; Song faces first for
# body text because official documents are set in 宋体; Hei faces first for headings.
_REGULAR_CANDIDATES: tuple[tuple[Path, int], ...] = (
    (_WIN_FONTS / "simsun.ttc", 0),
    (_WIN_FONTS / "msyh.ttc", 0),
    (Path("/usr/share/fonts/truetype/arphic/uming.ttc"), 0),
    (Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"), 0),
    (Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"), 0),
    (Path("/usr/share/fonts/truetype/arphic/ukai.ttc"), 0),
    (Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"), 0),
    (Path("/usr/share/fonts/truetype/droid/DroidSansFallback.ttf"), 0),
    # UOS / Kylin keep their own copies of the same families here.
    (Path("/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc"), 0),
    (Path("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc"), 0),
    (Path("/System/Library/Fonts/Supplemental/Songti.ttc"), 0),
)
_BOLD_CANDIDATES: tuple[tuple[Path, int], ...] = (
    (_WIN_FONTS / "simhei.ttf", 0),
    (_WIN_FONTS / "msyhbd.ttc", 0),
    (Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"), 0),
    (Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"), 0),
    (Path("/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc"), 0),
)

BUNDLED_FONT = Path(__file__).with_name("fonts") / "wqy-microhei.ttc"

INSTALL_HINT = ("未找到可嵌入 PDF 的中文 TrueType 字体，随程序附带的字体文件 printing/fonts/wqy-microhei.ttc "
                "也缺失或已损坏。请重新安装本程序（python -m pip install -e .），"
                "或设置环境变量 CLERK_CJK_FONT 指向 .ttf/.ttc 字体文件（公文宜用系统宋体）。")


@dataclass(frozen=True)
class CjkFonts:
    """The registered font names and the files behind them."""
    regular: str
    bold: str
    regular_path: Path
    bold_path: Path
    regular_index: int = 0
    bold_index: int = 0


_lock = threading.Lock()
_cached: CjkFonts | None = None


def _split_spec(spec: str) -> tuple[Path, int]:
    path, _, index = spec.partition("#")
    return Path(path).expanduser(), int(index) if index.isdigit() else 0


def _fc_list_candidates() -> list[tuple[Path, int]]:
    exe = shutil.which("fc-list")
    if not exe:
        return []
    try:
        out = subprocess.run([exe, ":lang=zh", "file", "index"], capture_output=True, text=True,
                             timeout=10, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    found: list[tuple[Path, int]] = []
    for line in out.splitlines():
        # "/path/font.ttc: :index=0" — keep TrueType containers only; .otf is CFF in practice.
        file_part, _, rest = line.partition(":")
        index = rest.split("index=")[-1].strip() if "index=" in rest else "0"
        if file_part.lower().endswith((".ttf", ".ttc")):
            found.append((Path(file_part), int(index) if index.isdigit() else 0))
    return sorted(set(found), key=lambda c: (str(c[0]), c[1]))


def _bundled() -> list[tuple[Path, int]]:
    folder = Path(__file__).with_name("fonts")
    if not folder.is_dir():
        return []
    return [(p, 0) for p in sorted(folder.iterdir()) if p.suffix.lower() in (".ttf", ".ttc")]


def _try_register(name: str, candidates: list[tuple[Path, int]]) -> tuple[Path, int] | None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    for path, index in candidates:
        if not path.is_file():
            continue
        try:
            font = TTFont(name, str(path), subfontIndex=index)
        except (TTFError, OSError, ValueError, KeyError):
            continue  # CFF outlines, a broken file, or a TTC without that index: try the next
        if not _has_cjk(font):
            continue
        pdfmetrics.registerFont(font)
        return path, index
    return None


def _has_cjk(font: object) -> bool:
    """A font claiming ``:lang=zh`` may still lack common hanzi; check a few we always print."""
    cmap = getattr(getattr(font, "face", None), "charToGlyph", {})
    return all(ord(ch) in cmap for ch in "受理回执编号")


def _env_candidates() -> list[tuple[Path, int]]:
    spec = os.environ.get("CLERK_CJK_FONT", "").strip()
    return [_split_spec(spec)] if spec else []


def register_fonts() -> CjkFonts:
    """Register ``ClerkSong``/``ClerkHei`` with reportlab once; raise ``FontMissing`` if impossible."""
    global _cached
    with _lock:
        if _cached is not None:
            return _cached
        env = _env_candidates()
        if env:
            # An explicit choice is honoured or refused, never silently replaced by another face.
            regular = _try_register(REGULAR, env)
            if regular is None:
                path = env[0][0]
                why = ("不存在" if not path.is_file()
                       else "无法嵌入 PDF（需要 TrueType 轮廓的 .ttf/.ttc，不能是 CFF/OTF）")
                raise FontMissing(f"环境变量 CLERK_CJK_FONT 指定的字体文件{why}：{path}。"
                                  "请改为可用的字体文件，或删除该设置"
                                  "（将使用系统宋体，没有时用随程序附带的文泉驿微米黑）。",
                                  f"CLERK_CJK_FONT={path} is missing or not an embeddable TrueType font")
        else:
            # The system's own faces first; the bundled font is the last resort.
            regular = (_try_register(REGULAR, list(_REGULAR_CANDIDATES))
                       or _try_register(REGULAR, _fc_list_candidates())
                       or _try_register(REGULAR, _bundled()))
        if regular is None:
            raise FontMissing(INSTALL_HINT, "no embeddable CJK TrueType font found and the bundled "
                              "printing/fonts/wqy-microhei.ttc is missing; reinstall or set CLERK_CJK_FONT")
        # The heading face falls back to the body face: one font is enough for a correct document.
        bold = None if env else _try_register(BOLD, list(_BOLD_CANDIDATES))
        if bold is None:
            bold = _try_register(BOLD, [regular]) or regular
        from reportlab.lib.fonts import addMapping

        addMapping(REGULAR, 0, 0, REGULAR)
        addMapping(REGULAR, 1, 0, BOLD)
        addMapping(REGULAR, 0, 1, REGULAR)
        addMapping(REGULAR, 1, 1, BOLD)
        _cached = CjkFonts(REGULAR, BOLD, regular[0], bold[0], regular[1], bold[1])
        return _cached


def is_bundled(path: Path) -> bool:
    """True when ``path`` is the font shipped inside the package (no system CJK font was found)."""
    try:
        return path.resolve().parent == BUNDLED_FONT.resolve().parent
    except OSError:
        return False


def cjk_font_path() -> Path:
    """The body font file, so the Qt UI (``QFontDatabase.addApplicationFont``) shows the same face."""
    return register_fonts().regular_path


def _reset_for_tests() -> None:
    global _cached
    with _lock:
        _cached = None


if __name__ == "__main__":  # ``python -m printing.fonts`` shows what was found
    f = register_fonts()
    print(f"{f.regular}: {f.regular_path}#{f.regular_index}\n{f.bold}: {f.bold_path}#{f.bold_index}")
    sys.exit(0)
