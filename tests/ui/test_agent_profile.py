"""A village agent (代办员) on a laptop: one screen with larger type and no queue tab; a case the
agent takes records the agent as 代办员 (no window), the villager as applicant, and the receipt
says 代办点 · 代办员 instead of a window number."""
from __future__ import annotations

from clerk import cases
from clerk.dto import ApplicantInput
from printing.casedocs import receipt_data
from printing.data import HallInfo
from tests.casefixtures import ZHANG, clerk_user


def test_agent_case_is_recorded_as_the_agents_not_a_windows(intake_ctx):
    db = intake_ctx.db
    agent = clerk_user(db, "agent")
    case = cases.start_case(db, agent, ApplicantInput(name="张三", id_number=ZHANG), matter_code="M-YIBAO",
                            window_number=1)
    for c in case.checks:
        cases.check_material(db, agent, case.id, c.key, "presented")
    done = cases.accept_case(db, agent, case.id)
    assert done.window_number is None and done.agent_name == "陈阿姨" and done.applicant.name == "张三"
    data = receipt_data(done, HallInfo("象山县行政服务中心"))
    assert data.window_name == "代办点 · 代办员 陈阿姨"
    clerk_case = cases.start_case(db, clerk_user(db), ApplicantInput(name="张三", id_number=ZHANG),
                                  matter_code="M-SBK", window_number=1)
    assert clerk_case.agent_name == ""


def test_the_agents_window_has_no_queue_and_larger_type(qtbot, intake_ctx):
    from ui.applicant_screen import ApplicantScreen
    from ui.documents import DocumentService
    from ui.main_window import MainWindow

    intake_ctx.user = clerk_user(intake_ctx.db, "agent")
    screen2 = ApplicantScreen("象山县行政服务中心")
    qtbot.addWidget(screen2)
    win = MainWindow(intake_ctx, documents=DocumentService(intake_ctx, preview=False), applicant_screen=screen2)
    qtbot.addWidget(win)
    win.show()
    tabs = [win.tabs.tabText(i) for i in range(win.tabs.count())]
    assert "叫号" not in tabs and tabs[0] == "受理"
    assert win.intake.applicant.name.font().pixelSize() >= 18  # the larger type reaches the fields
    qtbot.waitUntil(lambda: "代办点" in win.header.text(), timeout=5000)
    assert "号窗口" not in win.header.text()
