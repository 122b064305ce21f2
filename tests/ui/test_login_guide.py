"""Sign-in and the guide view on the demo catalog: what a new clerk reads at the window."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from clerk.config import Config
from clerk.db import Database
from clerk.migrate import upgrade
from clerk.seed import seed_defaults
from ui.context import AppContext
from ui.guide import GuideView
from ui.login import LoginDialog
from ui.taskman import TaskManager


@pytest.fixture
def demo_ctx(tmp_path):
    url = f"sqlite:///{(tmp_path / 'clerk.sqlite3').as_posix()}"
    upgrade(url)
    db = Database(url)
    cfg = Config(data_dir=tmp_path, database_url=url)
    seed_defaults(db, cfg)
    ctx = AppContext(cfg=cfg, db=db, tasks=TaskManager())
    yield ctx
    ctx.tasks.shutdown()
    db.dispose()


def test_wrong_password_says_so_and_right_one_signs_in(qtbot, demo_ctx):
    dlg = LoginDialog(demo_ctx, "象山县行政服务中心")
    qtbot.addWidget(dlg)
    qtbot.keyClicks(dlg.username, "clerk")
    qtbot.keyClicks(dlg.password, "wrong")
    qtbot.keyClick(dlg.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dlg.error.text() == "用户名或密码错误", timeout=5000)
    assert dlg.user is None and dlg.button.isEnabled()
    dlg.password.setText("clerk123")
    qtbot.keyClick(dlg.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dlg.user is not None, timeout=5000)
    assert (dlg.user.username, dlg.user.role) == ("clerk", "clerk")


def test_guide_shows_conditions_materials_limits_and_script_per_situation(qtbot, demo_ctx):
    view = GuideView(demo_ctx)
    qtbot.addWidget(view)
    qtbot.keyClicks(view.picker.query, "shbzksl")
    qtbot.waitUntil(lambda: view.picker.results.count() > 0, timeout=5000)
    qtbot.keyClick(view.picker.query, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "社会保障卡申领" in view.browser.toPlainText(), timeout=5000)
    text = view.browser.toPlainText()
    for part in ("受理条件", "申请材料", "承诺时限", "收费", "设定依据", "一口清", "尚有情形未选择"):
        assert part in text
    assert "申请表" in text and "联系电话（电话）" in text and "领卡方式（选项：窗口领取／邮寄）" in text
    before = text
    # answer every question with its last option: the material list changes and nothing stays open
    for key, (_group, buttons) in view.situation._groups.items():
        buttons[-1][1].setChecked(True)
    qtbot.waitUntil(lambda: "尚有情形未选择" not in view.browser.toPlainText(), timeout=5000)
    assert view.browser.toPlainText() != before


def test_bundle_guide_lists_shared_materials_once(qtbot, demo_ctx):
    view = GuideView(demo_ctx)
    qtbot.addWidget(view)
    view.picker.query.setText("出生一件事")
    qtbot.waitUntil(lambda: view.picker.results.count() > 0, timeout=5000)
    qtbot.keyClick(view.picker.query, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "【一件事】出生一件事" in view.browser.toPlainText(), timeout=5000)
    materials = view.browser.toPlainText().split("共用材料只需提交一次")[1]
    assert materials.count("《出生医学证明》") == 1 and "共用" in materials
