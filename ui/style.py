"""Fonts and the look: a CJK font that exists on this machine, large forgiving sizes."""
from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics
from PySide6.QtWidgets import QApplication

# Windows, UOS/Kylin, Debian, macOS — first installed wins.
PREFERRED_FAMILIES = (
    "Microsoft YaHei", "Microsoft YaHei UI", "Noto Sans CJK SC", "Source Han Sans SC",
    "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "PingFang SC", "SimHei", "SimSun", "AR PL UMing CN",
)

STYLE_SHEET = """
QWidget { font-size: 15px; }
QLineEdit, QComboBox, QSpinBox, QDateEdit { min-height: 30px; padding: 2px 6px; }
QPushButton { min-height: 32px; padding: 2px 14px; }
QPushButton[primary="true"] { background: #1d5fbf; color: white; font-weight: bold; border-radius: 4px; }
QLabel[role="title"] { font-size: 22px; font-weight: bold; color: #1d3f7a; }
QLabel[role="hint"] { color: #666; }
QListWidget::item { padding: 6px; }
QStatusBar { font-size: 14px; }
"""


SAMPLE = "受理回执窗口综合"


def _draws_chinese(family: str) -> bool:
    metrics = QFontMetrics(QFont(family))
    return all(metrics.inFontUcs4(ord(ch)) for ch in SAMPLE)


def cjk_family() -> str | None:
    """The first installed CJK family; the font bundled in printing/fonts/ when the system has none.

    Order: a preferred family installed on the system > any other system family Qt lists for
    Simplified Chinese that really draws it > the bundled WenQuanYi Micro Hei, registered with
    ``QFontDatabase.addApplicationFont`` — so the UI never shows boxes on a fresh machine.
    """
    families = set(QFontDatabase.families())
    for fam in PREFERRED_FAMILIES:
        if fam in families:
            return fam
    for fam in QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese):
        if not QFontDatabase.isPrivateFamily(fam) and _draws_chinese(fam):
            return fam
    return register_bundled_font()


_bundled_family: list[str | None] = []


def register_bundled_font() -> str | None:
    """Register the bundled CJK font with Qt (once per process); its family, or None if missing."""
    if _bundled_family:
        return _bundled_family[0]
    from printing.fonts import BUNDLED_FONT

    if not BUNDLED_FONT.is_file():
        return None
    font_id = QFontDatabase.addApplicationFont(str(BUNDLED_FONT))
    loaded = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    _bundled_family.append(loaded[0] if loaded else None)
    return _bundled_family[0]


def apply_style(app: QApplication, scale: float = 1.0) -> str | None:
    family = cjk_family()
    font = QFont(family) if family else app.font()
    font.setPointSizeF(11 * scale)
    app.setFont(font)
    app.setStyleSheet(STYLE_SHEET)
    return family
