"""The manager's main window: 运行概况 · 报表 · 电子监察. No intake, no queue calling."""
from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QLabel, QMainWindow, QTabWidget, QVBoxLayout, QWidget

from clerk.auth import ROLE_LABELS, authorize
from clerk.bootstrap import hall_summary

from ..context import AppContext
from .dashboard import DashboardView
from .reports_page import ReportsView
from .supervision import SupervisionView

class ManagerWindow(QMainWindow):
    def __init__(self, ctx: AppContext, refresh_ms: int | None = None) -> None:
        if ctx.user is None:  # authorize() lets a missing user through (the CLI's own rule)
            from clerk.errors import PermissionDenied

            raise PermissionDenied("请先登录后再查看大厅运行概况和报表", "sign in to view the hall's reports")
        authorize(ctx.user, "reports.view")
        super().__init__()
        self.ctx = ctx
        name = ctx.hall.name if ctx.hall is not None else hall_summary(ctx.db, ctx.cfg.hall_code).name
        user = ctx.user
        self.setWindowTitle(f"大厅管理 — {name}")
        self.resize(1366, 800)
        header = QLabel(f"{name}　·　{user.display_name}（{ROLE_LABELS.get(user.role, user.role)}）"
                        f"　·　{dt.date.today():%Y年%m月%d日}")
        header.setProperty("role", "title")
        header.setObjectName("header")
        self.dashboard = DashboardView(ctx, **({"refresh_ms": refresh_ms} if refresh_ms else {}))
        self.reports = ReportsView(ctx)
        self.supervision = SupervisionView(ctx)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.dashboard, "运行概况")
        self.tabs.addTab(self.reports, "报表")
        self.tabs.addTab(self.supervision, "电子监察")
        self.tabs.currentChanged.connect(
            lambda i: self.supervision.reload() if self.tabs.widget(i) is self.supervision else None)
        central = QWidget()
        lay = QVBoxLayout(central)
        lay.addWidget(header)
        lay.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        ctx.tasks.error.connect(lambda msg: self.statusBar().showMessage(msg, 10_000))
        # 交接单 from village agents: scanned (keyboard-wedge gun) or typed in 接收交接单
        from clerk.handover import is_handover_number

        from ..handover import HandoverReceiveDialog
        from ..wedge import WedgeFilter

        self.handover_dialog: HandoverReceiveDialog | None = None
        self.menuBar().addMenu("交接单").addAction("接收交接单…", lambda: self.open_handover_receive()).setObjectName(
            "act_handover_receive")
        self.wedge = WedgeFilter(self, accept=is_handover_number).install()
        self.wedge.scanned.connect(lambda code: self.open_handover_receive(code) if is_handover_number(code) else None)

    def open_handover_receive(self, code: str = ""):
        from ..handover import HandoverReceiveDialog

        if self.handover_dialog is None:
            self.handover_dialog = HandoverReceiveDialog(self.ctx, self)
        self.handover_dialog.show()
        self.handover_dialog.raise_()
        if code:
            self.handover_dialog.receive(code)
        return self.handover_dialog

    def closeEvent(self, event) -> None:
        self.dashboard.timer.stop()
        super().closeEvent(event)
