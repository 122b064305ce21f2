"""The UI font: a family that really draws Chinese (no tofu boxes) on this machine."""
from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics
from PySide6.QtWidgets import QApplication

from ui.style import apply_style, cjk_family

SAMPLE = "象山县行政服务中心窗口综合受理"


def test_cjk_family_supports_simplified_chinese_and_draws_every_glyph(qtbot):
    family = cjk_family()
    assert family, "no CJK family at all: the bundled printing/fonts/wqy-microhei.ttc is missing"
    assert QFontDatabase.WritingSystem.SimplifiedChinese in QFontDatabase.writingSystems(family)
    metrics = QFontMetrics(QFont(family))
    assert all(metrics.inFontUcs4(ord(ch)) for ch in SAMPLE)


def test_apply_style_sets_that_family_on_the_application(qtbot):
    app = QApplication.instance()
    family = apply_style(app)
    assert family == cjk_family() and app.font().family() == family


def test_the_bundled_font_registers_with_qt_and_draws_chinese(qtbot):
    from ui.style import register_bundled_font

    family = register_bundled_font()
    assert family == "WenQuanYi Micro Hei"
    assert family in QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese)
    metrics = QFontMetrics(QFont(family))
    assert all(metrics.inFontUcs4(ord(ch)) for ch in SAMPLE + "“”—…·")
