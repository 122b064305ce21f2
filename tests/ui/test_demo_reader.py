"""``clerk app --demo-devices``: the emulated reader starts empty, the 演示读卡 menu puts a demo
card down and the intake reads it like a real one; 设置 → 设备 names the emulator."""
from __future__ import annotations

from ui.applicant_screen import ApplicantScreen
from ui.device_hub import DeviceHub
from ui.documents import DocumentService
from ui.main_window import MainWindow


def test_the_demo_menu_places_a_card_and_the_intake_reads_it(qtbot, intake_ctx):
    hub = DeviceHub({}, demo=True, ops=intake_ctx.tasks)
    screen2 = ApplicantScreen("象山县行政服务中心")
    qtbot.addWidget(screen2)
    win = MainWindow(intake_ctx, documents=DocumentService(intake_ctx, preview=False), hub=hub,
                     applicant_screen=screen2)
    qtbot.addWidget(win)
    win.show()
    hub.start()
    try:
        from PySide6.QtGui import QAction

        place = win.findChild(QAction, "act_demo_card_0")
        assert place is not None and place.text().startswith("放卡：王小明")
        place.trigger()
        qtbot.waitUntil(lambda: win.intake.applicant.name.text() == "王小明", timeout=15_000)
        from ui.settings import DeviceSettingsDialog

        dialog = DeviceSettingsDialog(intake_ctx, hub, win)
        qtbot.addWidget(dialog)
        assert "演示读卡器" in dialog.inputs["idcard_port"].placeholderText()
    finally:
        hub.stop()
