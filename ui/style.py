"""Fonts and the look: a CJK font that exists on this machine, large forgiving sizes."""
from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase
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


def cjk_family() -> str | None:
    """The first installed CJK family; registers the printing font file as a last resort."""
    families = set(QFontDatabase.families())
    for fam in PREFERRED_FAMILIES:
        if fam in families:
            return fam
    try:
        from printing.fonts import cjk_font_path

        font_id = QFontDatabase.addApplicationFont(str(cjk_font_path()))
        loaded = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
        return loaded[0] if loaded else None
    except Exception:  # no font file at all: Qt falls back; the README says which package to install
        return None


def apply_style(app: QApplication, scale: float = 1.0) -> str | None:
    family = cjk_family()
    font = QFont(family) if family else app.font()
    font.setPointSizeF(11 * scale)
    app.setFont(font)
    app.setStyleSheet(STYLE_SHEET)
    return family
