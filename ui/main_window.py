"""The clerk's main window: 受理 (intake), 办件 (cases), 事项指南 (guide)."""
from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QTabWidget, QVBoxLayout, QWidget

from clerk.handover import is_handover_number
from clerk.numbering import parse_case_number

from clerk.auth import ROLE_LABELS
from clerk.bootstrap import hall_summary

from .caselist import CaseListView
from .context import AppContext
from .applicant_screen import ApplicantScreen
from .device_hub import DeviceHub
from .documents import TITLES, DocumentService
from .queue_bus import QueueBus
from .queue_panel import QueueWidget
from .voice import VoiceCaller
from .guide import GuideView
from .intake import IntakeView
from .screens import fit_window
from .wedge import WedgeFilter, looks_like_case_number

WARM_DOCUMENTS_MS = 300  # after the window is up: warm the printing code and font in the background


def hall_name(ctx: AppContext) -> str:
    """The hall's name: read once by the composition root (``ctx.hall``); a context made by
    hand (tests, tools) reads it here."""
    if ctx.hall is None:
        ctx.hall = hall_summary(ctx.db, ctx.cfg.hall_code)
    return ctx.hall.name


class MainWindow(QMainWindow):
    closed = Signal(bool)  # True when the user signed out (the sign-in dialog comes back)
    def __init__(self, ctx: AppContext, documents: DocumentService | None = None,
                 hub: DeviceHub | None = None, applicant_screen: ApplicantScreen | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.documents = documents = documents or DocumentService(ctx)
        fit_window(self, 1366, 800)
        header = self.header = QLabel("")
        header.setProperty("role", "title")
        header.setObjectName("header")
        self.tabs = QTabWidget()
        self.intake = IntakeView(ctx, documents)
        self.cases = CaseListView(ctx, documents)
        self.guide = GuideView(ctx)
        self.tabs.addTab(self.intake, "受理")
        self.tabs.addTab(self.cases, "办件")
        self.tabs.addTab(self.guide, "事项指南")
        # a village agent (代办员) works on a laptop with no hall queue: one screen, larger type
        self.agent = ctx.user is not None and ctx.user.role == "agent"
        self.queue = None if self.agent else QueueWidget(ctx)
        if self.queue is not None:
            self.tabs.addTab(self.queue, "叫号")
            self.queue.panel.install_shortcuts(self)  # F8 calls the next person from any tab
        else:
            self.setStyleSheet("QWidget { font-size: 18px; }")
        self.tabs.currentChanged.connect(lambda i: self.cases.reload() if self.tabs.widget(i) is self.cases else None)
        from .sync_view import SyncArea, SyncPage, SyncStatus

        self.sync_status = SyncStatus()
        self.sync_page = SyncPage(ctx)
        self.tabs.addTab(self.sync_page, "同步")
        self.statusBar().addPermanentWidget(self.sync_status)
        self.sync = SyncArea(ctx, self.sync_status, self.sync_page, self)
        self.sync.round_done.connect(self._synced)
        self.intake.decided.connect(lambda *_a: self.sync.kick())  # a case just decided goes up at once
        central = QWidget()
        lay = QVBoxLayout(central)
        lay.addWidget(header)
        lay.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        if ctx.hall is not None:
            self._show_hall(ctx.hall)
        else:  # a context made by hand: the hall is read off the GUI thread
            self._show_hall(None)
            ctx.tasks.run(lambda: hall_summary(ctx.db, ctx.cfg.hall_code), self._show_hall)
        ctx.tasks.error.connect(lambda msg: self.statusBar().showMessage(msg, 10_000))
        keys = "F2 读卡 · F3 搜索事项 · F4 全部已提交 · F5 受理 · F6 一次性告知 · F7 不予受理 · F8 叫号 · F9 新办件 · Ctrl+T 申请表"
        self.statusBar().showMessage(keys.replace(" · F8 叫号", "") if self.agent else keys)
        self.intake.say("请读卡（F2）或录入申请人，再按 F3 搜索事项")
        self.intake.decided.connect(documents.produce)
        documents.produced.connect(
            lambda kind, _path, what: self.statusBar().showMessage(f"{TITLES.get(kind, kind)}：{what}", 10_000))
        self.voice = VoiceCaller(parent=self)
        self.bus = QueueBus(self.voice, parent=self)  # calls → voice (and an in-process hall display)
        if self.queue is not None:
            self.bus.attach(self.queue.panel)
            self.queue.panel.ticket_changed.connect(self.intake.set_ticket)
        self.hub = hub
        account = self.menuBar().addMenu("账户")
        act = account.addAction("注销 / 切换用户", self.sign_out)
        act.setObjectName("act_sign_out")
        act.setShortcut("Ctrl+Shift+L")
        account.addAction("退出", self.quit_app).setObjectName("act_quit")
        if hub is not None and hub.demo_cards():  # --demo-devices: something must put a card down
            demo = self.menuBar().addMenu("演示读卡")
            for i, (label, card) in enumerate(hub.demo_cards()):
                demo.addAction(f"放卡：{label}", lambda c=card: hub.place_demo_card(c)).setObjectName(f"act_demo_card_{i}")
            demo.addAction("取走证件", hub.remove_demo_card).setObjectName("act_demo_remove")
        settings_menu = self.menuBar().addMenu("设置")
        settings_menu.addAction("设备…", self.open_device_settings).setObjectName("act_device_settings")
        settings_menu.addAction("待重打小票…", self.open_spool).setObjectName("act_spool")
        if applicant_screen is not None:  # with one screen it opens only when asked for
            settings_menu.addAction("显示申请人屏", lambda: applicant_screen.place(on_request=True)).setObjectName(
                "act_applicant_screen")
        from .catalog_import import CatalogImporter, can_import

        self.catalog_importer = CatalogImporter(ctx, self)  # lives as long as the window (see module)
        if can_import(ctx):
            settings_menu.addAction("导入事项目录…", self.catalog_importer.choose_and_start).setObjectName(
                "act_import_catalog")
            self.catalog_importer.finished.connect(
                lambda r: self.statusBar().showMessage(f"事项目录已导入：{r.matters} 个事项", 10_000))
        from .accounts import install_counter_security

        self.idle_lock = install_counter_security(self, ctx, settings_menu)  # idle lock, 锁屏, 用户管理
        self.install_handover_menu()
        # keyboard-wedge barcode guns, in any widget: receipts (case numbers) and 交接单 numbers
        self.wedge = WedgeFilter(self, accept=lambda code: looks_like_case_number(code) or is_handover_number(code)).install()
        self.wedge.scanned.connect(self.open_scanned)
        if hub is not None:
            self.intake.scan_bar.hub = hub
            hub.barcode_scanned.connect(self.open_scanned)
            hub.device_message.connect(lambda msg: self.statusBar().showMessage(msg, 10_000))
            hub.card_read.connect(self.card_read)
            hub.card_removed.connect(self.intake.card_removed)
            hub.reader_status.connect(self.intake.applicant.card_status.setText)
            self.intake.applicant.read_card.connect(hub.read_now)
        self.screen2 = applicant_screen
        if applicant_screen is not None:
            self.intake.case_shown.connect(applicant_screen.show_confirm)
            self.intake.decided.connect(self._ask_rating)
            self.intake.finished.connect(lambda case: self._ask_rating(case, "handover"))
            if hasattr(self.cases, "handed_over"):  # 出件 at this window → rate the handover
                self.cases.handed_over.connect(lambda case: self._ask_rating(case, "handover"))
            applicant_screen.rated.connect(self._rated)
            applicant_screen.confirmed.connect(self.intake.applicant_confirmed)
        documents.failed.connect(lambda msg: self.intake.say(f"打印失败：{msg}（文件已保留，可在“办件”中重打）", True))
        # signed in: the first receipt must not pay for loading the printing code and the font
        QTimer.singleShot(WARM_DOCUMENTS_MS, documents, documents.warm)

    def _show_hall(self, hall) -> None:
        if hall is not None:
            self.ctx.hall = hall
        name = hall.name if hall is not None else ""
        self.setWindowTitle(f"窗口综合受理 — {name}" if name else "窗口综合受理")
        user = self.ctx.user
        who = f"{user.display_name}（{ROLE_LABELS.get(user.role, user.role)}）" if user else ""
        where = "代办点" if self.agent else f"{self.ctx.window_number} 号窗口"
        self.header.setText(f"{name}　·　{where}　·　{who}　·　{dt.date.today():%Y年%m月%d日}")

    def card_read(self, card) -> None:
        """A card placed on the reader: on the 办件 tab it checks the identity of whoever collects
        a ready result; anywhere else it fills in the applicant."""
        current = self.cases.current
        # a ready result, or a bundle with some matters ready (出件 of those)
        if self.tabs.currentWidget() is self.cases and current is not None and "hand_over" in current.allowed_actions:
            self.cases.hand_over(current, card.id_number)
            return
        self.tabs.setCurrentWidget(self.intake)
        self.intake.card_placed(card)

    def install_handover_menu(self) -> None:
        """交接单: an agent prints the list of cases carried to the centre; a clerk receives one."""
        from .handover import may

        menu = self.menuBar().addMenu("交接单")
        if may(self.ctx.user, "handover.make"):
            menu.addAction("打印交接单…", self.open_handover_make).setObjectName("act_handover_make")
        if may(self.ctx.user, "handover.receive"):
            menu.addAction("接收交接单…", lambda: self.open_handover_receive()).setObjectName("act_handover_receive")
        self.handover_dialog = None

    def open_handover_make(self) -> None:
        from .handover import HandoverMakeDialog

        dialog = HandoverMakeDialog(self.ctx, self, preview=self.documents.preview)
        dialog.made.connect(lambda r: self.statusBar().showMessage(r.what, 10_000))
        self.handover_dialog = dialog
        dialog.show()

    def open_handover_receive(self, code: str = ""):
        """The receive dialog (one per window, left open for the next list); a scanned number
        is received at once."""
        from .handover import HandoverReceiveDialog, may

        if not may(self.ctx.user, "handover.receive"):
            self.statusBar().showMessage("交接单由中心窗口人员或管理员扫码接收", 10_000)
            return None
        dialog = self.handover_dialog if isinstance(self.handover_dialog, HandoverReceiveDialog) else None
        if dialog is None:
            dialog = self.handover_dialog = HandoverReceiveDialog(self.ctx, self)
            dialog.received.connect(lambda o: self.statusBar().showMessage(
                f"交接单 {o.handover.number}：{len(o.handover.lines)} 件", 10_000))
        dialog.show()
        dialog.raise_()
        if code:
            dialog.receive(code)
        return dialog

    def open_scanned(self, code: str) -> None:
        """A barcode gun read a code: a case number (the receipt's barcode) opens that case; a
        交接单 number receives the list's cases."""
        if is_handover_number(code):
            self.open_handover_receive(code.strip().upper())
            return
        if parse_case_number(code) is None:
            return
        self.cases.query.setText(code.strip().upper())   # first, so the tab's reload finds it too
        self.tabs.setCurrentWidget(self.cases)
        self.cases.find()

    def _synced(self, st: dict) -> None:
        """Statuses that came back from the back office show in the case list at once."""
        if (st.get("round") or {}).get("applied") and self.tabs.currentWidget() is self.cases:
            self.cases.reload()

    def open_device_settings(self) -> None:
        from .settings import DeviceSettingsDialog

        dialog = DeviceSettingsDialog(self.ctx, self.hub, self)
        dialog.saved.connect(lambda _s: self.statusBar().showMessage("设备设置已保存", 5000))
        dialog.exec()

    def has_open_draft(self) -> bool:
        case = self.intake.case
        return case is not None and case.state == "draft"

    def sign_out(self) -> None:
        """注销/切换用户: back to the sign-in dialog (the app itself keeps running)."""
        if self.has_open_draft() and not self._may_leave("注销"):
            return
        self.signing_out = True
        self._leaving = True
        self.close()

    def _may_leave(self, doing: str) -> bool:
        answer = QMessageBox.question(
            self, doing, f"当前办件（{self.intake.case.matter_name}）尚未受理，已录入的内容保存在草稿中。\n确定{doing}吗？",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def quit_app(self) -> None:
        """账户 → 退出: asks first when a draft is open, then closes (and the app ends)."""
        if self.has_open_draft() and not self._may_leave("退出"):
            return
        self._leaving = True
        self.close()

    def closeEvent(self, event) -> None:
        # the window's own close button (a spontaneous event) asks like 退出; a close from code
        # (sign-out, quit_app, the app shutting down, tests) never blocks on a question
        if event.spontaneous() and not getattr(self, "_leaving", False) and self.has_open_draft() \
                and not self._may_leave("退出"):
            event.ignore()
            return
        self.voice.close()  # no speech or chime left running into a deleted window
        self.sync.close()   # the sync thread ends before the window goes
        if self.screen2 is not None:
            self.screen2.close()  # else the applicant screen keeps the app running with no clerk window
        super().closeEvent(event)
        self.closed.emit(bool(getattr(self, "signing_out", False)))

    def bring_forward(self) -> None:
        """Another start on this seat asked for this window."""
        if self.isMinimized():
            self.showNormal()
        self.show()
        self.raise_()
        self.activateWindow()

    def open_spool(self) -> None:
        from .spool_dialog import SpoolDialog

        SpoolDialog(self.ctx, parent=self).exec()

    def _ask_rating(self, case, kind: str) -> None:
        """After acceptance (or a notice) and after handover the applicant rates the service."""
        stage = {"receipt": "accept", "notice": "accept", "handover": "handover"}.get(kind)
        if stage is not None and self.screen2 is not None:
            self._rating_case, self._rating_stage = case, stage
            self.screen2.show_rating()

    def _rated(self, level: int, tags: list, text: str) -> None:
        from clerk import cases

        case = getattr(self, "_rating_case", None)
        stage = getattr(self, "_rating_stage", "accept")
        self.ctx.tasks.run(lambda: cases.evaluate(self.ctx.db, case.id if case else None, level, stage=stage,
                                                  reason_tags=tags, text=text, user=self.ctx.user),
                           lambda _id: self.statusBar().showMessage("已收到群众评价", 5000))
