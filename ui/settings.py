"""设置 → 设备: one row per counter device (URL, examples, a 测试 button and its result in Chinese),
saved to the ``setting`` table under this workstation's keys (``ui.device_hub.device_key``) and
handed to the running ``DeviceHub``. The ESC/POS printers also carry their paper width (80/58 mm);
the barcode gun's 测试 listens for one scan (serial gun: on its port; keyboard gun: in a field);
语音叫号 has a 测试 that speaks a sample call or plays the chime and says which.

The one rule: the dialog never waits. Device tests run on the hub's device thread, A4 printing and
the database on the task manager; results come back as queued calls and land next to the button.
"""
from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (QApplication, QComboBox, QDialog, QDialogButtonBox, QGridLayout, QHBoxLayout,
                               QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget)

from clerk.errors import ValidationError
from clerk.privacy import mask_id

from .context import AppContext
from clerk.device_settings import PAPER_KEYS, PAPER_WIDTHS, load_device_settings, save_device_settings

from .device_hub import DeviceHub

SCANNER_SCHEMES = ("sane", "escl", "twain", "wia", "folder")
TEST_DPI = 75            # a test scan only proves the path works; low dpi keeps it quick
TEST_WIDTH_MM = 80
GUN_WAIT = 5.0           # seconds the serial-gun test listens for a scan
VOICE_SAMPLE = ("A001", 1)


@dataclass(frozen=True)
class DeviceRow:
    key: str
    label: str
    kind: str            # reader | escpos | a4 | scanner | gun
    placeholder: str
    hint: str            # one or two lines, broken by hand


ROWS = (
    DeviceRow("idcard_port", "身份证读卡器", "reader", "COM3",
              "例如 COM3 · /dev/ttyUSB0 · socket://192.168.1.50:4001"),
    DeviceRow("ticket_printer", "取号打印机", "escpos", "tcp://192.168.1.60:9100",
              "例如 tcp://192.168.1.60:9100 · serial:/dev/ttyUSB1?baudrate=9600 · usb:0416:5011\n"
              "　　 cups:队列名 · file:/tmp/out.bin"),
    DeviceRow("receipt_printer", "回执打印机", "escpos", "tcp://192.168.1.61:9100",
              "例如 tcp://192.168.1.61:9100 · serial:/dev/ttyUSB1?baudrate=9600 · usb:0416:5011\n"
              "　　 cups:队列名 · file:/tmp/out.bin"),
    DeviceRow("a4_printer", "A4 打印机", "a4", "留空使用系统默认打印机",
              "从列表选择系统打印机，或直接输入打印队列名"),
    DeviceRow("scanner", "扫描仪", "scanner", "escl:http://192.168.1.70/eSCL",
              "例如 sane:test:0 · escl:http://192.168.1.70/eSCL · folder:/srv/scans（扫描软件的输出文件夹）"),
    DeviceRow("barcode_port", "扫码枪（串口）", "gun", "COM5",
              "仅串口型扫码枪需填写，例如 COM5 · /dev/ttyACM0；键盘型（USB 即插即用）无需设置，\n"
              "　　 留空点“测试”可试扫"),
)
SOURCES = (("flatbed", "平板（默认）"), ("feeder", "进纸器（批量）"))


def check_url(row: DeviceRow, value: str) -> None:
    """Reject a URL whose kind the driver cannot even parse, before it is saved."""
    if not value:
        return
    scheme, sep, _rest = value.partition(":")
    if row.kind == "escpos":
        from devices.escpos_printer import SCHEMES, URL_HINT

        if not sep or scheme.lower() not in SCHEMES:
            raise ValidationError(f"{row.label}地址无效：{value}（{URL_HINT}）", f"bad printer url {value!r}")
    elif row.kind == "scanner" and (not sep or scheme.lower() not in SCANNER_SCHEMES):
        raise ValidationError(f"扫描仪地址无效：{value}（例如 sane:test:0、escl:http://…/eSCL、folder:/路径）",
                              f"bad scanner url {value!r}")


# ------------------------------------------------------------------ the tests (off the GUI thread)
def try_reader(url: str, hub: DeviceHub) -> str:
    """Device thread. Reads one card; the reader the hub already holds is reused (a COM port
    opens once), a different URL is opened for this test only."""
    from devices.idcard_serial import SerialIdCardReader

    shared = hub.reader is not None and hub.settings.get("idcard_port") == url
    reader = hub.reader if shared else SerialIdCardReader(url)
    try:
        card = reader.read_card()
    finally:
        if not shared:
            reader.close()
    return f"读卡正常：{card.name} {mask_id(card.id_number)}"


def try_escpos(url: str, width_mm: int = TEST_WIDTH_MM) -> str:
    """Device thread. Prints the test page at the set paper width; status is read first so
    paper-out is named."""
    from devices.errors import DeviceError
    from devices.escpos_printer import print_job, printer_status
    from printing.slip import render_test_page

    print_job(url, render_test_page(width_mm), title="打印测试页")
    try:
        status = printer_status(url)
    except DeviceError:
        return "正常：测试页已发送（此连接无法读取打印机状态，请查看打印效果）"
    return f"正常：测试页已打印（{status.message}）" if status.message else "正常：测试页已打印，纸张正常"


def a4_test_pdf() -> bytes:
    from printing.data import HallInfo
    from printing.pdfdoc import DocHeader, build_pdf, p, styles

    today = dt.date.today()
    head = DocHeader(title="打印测试页", number=f"TEST{today:%Y%m%d}", hall=HallInfo("窗口综合受理"),
                     date=today, qr_text="窗口综合受理 打印测试", barcode_text=f"TEST{today:%Y%m%d}")
    story = [p("这是一张 A4 打印测试页。", styles().section),
             p("如能清楚看到上方的标题、二维码、条码和本段中文，说明 A4 打印机与系统打印设置正常。",
               styles().indent)]
    return build_pdf(head, story)


def try_a4(printer: str) -> str:
    """Task manager. System printing is not a device we own: it goes through lp / Windows shell."""
    from printing.system_print import print_pdf

    job = print_pdf(a4_test_pdf(), printer or None, title="打印测试页")
    return f"正常：测试页已发送（{job}）"


def try_scanner(url: str, source: str) -> str:
    """Device thread. One low-resolution job; reports what came back."""
    from PIL import Image

    from devices.scan_base import ScanSettings, open_scanner, page_count

    pages = open_scanner(url).scan(ScanSettings(source=source or "flatbed", dpi=TEST_DPI, color="gray"))
    first = next((pg for pg in pages if isinstance(pg, Image.Image)), None)
    size = ""
    if first is not None:
        w, h = first.size
        size = f"，{w}×{h} 像素（约 {w / TEST_DPI * 25.4:.0f}×{h / TEST_DPI * 25.4:.0f} 毫米）"
    return f"扫描正常：{page_count(pages)} 页{size}"


def app_wedge_filter() -> Any:
    """The app-wide keyboard-wedge filter of the main window, if one is installed: a receipt
    code it recognises is swallowed there (and opens the case), so the gun test listens to it too."""
    from .wedge import WedgeFilter

    for widget in QApplication.topLevelWidgets():
        found = widget.findChild(WedgeFilter)
        if found is not None:
            return found
    return None


class ScanField(QLineEdit):
    """The keyboard-gun test field: Enter ends the scan here instead of pressing 保存."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        super().keyPressEvent(event)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()


# ------------------------------------------------------------------ the dialog
class DeviceSettingsDialog(QDialog):
    saved = Signal(dict)   # the settings as stored, after the hub took them

    def __init__(self, ctx: AppContext, hub: DeviceHub | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._own_hub = hub is None
        self.hub = hub or DeviceHub({}, ops=ctx.tasks)   # no app hub: the context's device thread
        self.setWindowTitle("设置 → 设备")
        self.setMinimumWidth(1080)
        self.inputs: dict[str, QLineEdit] = {}
        self.paper: dict[str, QComboBox] = {}     # paper-width setting key → its combo box
        self.buttons: dict[str, QPushButton] = {}
        self.results: dict[str, QLabel] = {}
        self.voice: Any = None                    # ui.voice.VoiceCaller, made on the first voice test
        self._gun_test: dict[str, Any] | None = None
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(2)
        grid.setColumnStretch(1, 3)
        grid.setColumnStretch(3, 2)
        line = 0
        for row in ROWS:
            grid.addWidget(QLabel(row.label), line, 0)
            if row.kind == "a4":
                self.a4_combo = QComboBox()
                self.a4_combo.setEditable(True)
                self.a4_combo.setObjectName("dev_a4_printer")
                edit = self.a4_combo.lineEdit()
                edit.setPlaceholderText(row.placeholder)
                grid.addWidget(self.a4_combo, line, 1)
            else:
                edit = QLineEdit()
                edit.setObjectName(f"dev_{row.key}")
                edit.setPlaceholderText(row.placeholder)
                if row.kind == "escpos":
                    paper = QComboBox()
                    paper.setObjectName(f"dev_{PAPER_KEYS[row.key]}")
                    paper.setToolTip("纸宽：80 毫米（常见）或 58 毫米（窄幅小票机）")
                    for width in PAPER_WIDTHS:
                        paper.addItem(f"{width} 毫米纸", str(width))
                    self.paper[PAPER_KEYS[row.key]] = paper
                    cell = QHBoxLayout()
                    cell.addWidget(edit, 1)
                    cell.addWidget(paper)
                    grid.addLayout(cell, line, 1)
                else:
                    grid.addWidget(edit, line, 1)
            edit.setToolTip(row.hint)
            if row.key == "idcard_port" and self.hub.emulator is not None:
                # --demo-devices: say where the cards come from instead of an empty field
                edit.setPlaceholderText(f"演示读卡器（内置模拟器 {self.hub.emulator.url}，菜单“演示读卡”放卡）")
            self.inputs[row.key] = edit
            button = QPushButton("测试")
            button.setObjectName(f"test_{row.key}")
            button.clicked.connect(lambda _c=False, r=row: self.run_test(r))
            self.buttons[row.key] = button
            grid.addWidget(button, line, 2)
            result = QLabel("")
            result.setObjectName(f"result_{row.key}")
            result.setWordWrap(True)
            result.setMinimumWidth(300)
            self.results[row.key] = result
            grid.addWidget(result, line, 3, 2, 1)
            hint = QLabel(row.hint)
            hint.setProperty("role", "hint")
            # Explicit line breaks, no word wrap: a wrapped label in a grid gets clipped.
            hint.setStyleSheet("font-size: 13px; color: #666; margin-bottom: 8px;")
            grid.addWidget(hint, line + 1, 1, 1, 2)
            line += 2
            if row.kind == "gun":
                self.scan_field = ScanField()
                self.scan_field.setObjectName("gun_test_input")
                self.scan_field.setPlaceholderText("点“测试”后，用键盘型扫码枪扫描任意条码到此处")
                self.scan_field.returnPressed.connect(self._wedge_scanned)
                self.scan_field.setVisible(False)
                self.scan_label = QLabel("扫码测试")
                self.scan_label.setVisible(False)
                grid.addWidget(self.scan_label, line, 0)
                grid.addWidget(self.scan_field, line, 1)
                line += 1
            if row.kind == "scanner":
                self.source = QComboBox()
                self.source.setObjectName("dev_scan_source")
                for key, label in SOURCES:
                    self.source.addItem(label, key)
                grid.addWidget(QLabel("扫描来源"), line, 0)
                grid.addWidget(self.source, line, 1)
                line += 1
        grid.addWidget(QLabel("语音叫号"), line, 0)
        voice_hint = QLabel("用本机语音引擎播报“请 A001 号到 1 号窗口办理”；没有中文语音时播放提示音")
        voice_hint.setStyleSheet("font-size: 13px; color: #666;")
        grid.addWidget(voice_hint, line, 1)
        button = QPushButton("测试")
        button.setObjectName("test_voice")
        button.clicked.connect(self.test_voice)
        self.buttons["voice"] = button
        grid.addWidget(button, line, 2)
        result = QLabel("")
        result.setObjectName("result_voice")
        result.setWordWrap(True)
        self.results["voice"] = result
        grid.addWidget(result, line, 3)
        line += 1
        self.message = QLabel("")
        self.message.setObjectName("settings_message")
        self.message.setWordWrap(True)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        box.button(QDialogButtonBox.StandardButton.Save).setText("保存")
        box.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        box.accepted.connect(self.save)
        box.rejected.connect(self.reject)
        self.save_button = box.button(QDialogButtonBox.StandardButton.Save)
        lay = QVBoxLayout(self)
        intro = QLabel("填写各设备的连接地址，点“测试”确认能用后再保存。测试在后台进行，不影响办件。")
        intro.setWordWrap(True)
        lay.addWidget(intro)
        lay.addLayout(grid)
        lay.addWidget(self.message)
        lay.addWidget(box)
        self.loaded = False
        ctx.tasks.run(lambda: load_device_settings(ctx.db, ctx.workstation), self._fill,
                      lambda m: self._say(m, True))
        from printing.system_print import list_printers

        ctx.tasks.run(list_printers, self._fill_printers, lambda _m: None)  # lpstat may be slow or absent

    # --------------------------------------------------------------- values
    def values(self) -> dict[str, str]:
        out = {key: edit.text().strip() for key, edit in self.inputs.items()}
        out["scan_source"] = self.source.currentData()
        out.update({key: combo.currentData() for key, combo in self.paper.items()})
        return out

    def _fill(self, settings: dict[str, str]) -> None:
        if not shiboken6.isValid(self):
            return
        for key, edit in self.inputs.items():
            if not edit.text():   # a field the clerk already typed into keeps what was typed
                edit.setText(settings.get(key, ""))
        self.source.setCurrentIndex(max(0, self.source.findData(settings.get("scan_source") or "flatbed")))
        for key, combo in self.paper.items():
            combo.setCurrentIndex(max(0, combo.findData(settings.get(key) or str(PAPER_WIDTHS[0]))))
        self.loaded = True

    def _fill_printers(self, names: list[str]) -> None:
        if not shiboken6.isValid(self):
            return
        typed = self.a4_combo.currentText()
        self.a4_combo.clear()
        self.a4_combo.addItems(names)
        self.a4_combo.setEditText(typed)

    def _say(self, text: str, error: bool = False) -> None:
        if shiboken6.isValid(self.message):
            self.message.setStyleSheet("color: #c0392b;" if error else "color: #1d5f2f;")
            self.message.setText(text)

    # --------------------------------------------------------------- tests
    def run_test(self, row: DeviceRow) -> None:
        url = self.inputs[row.key].text().strip()
        label, button = self.results[row.key], self.buttons[row.key]
        if row.kind == "gun":
            return self._test_serial_gun(url) if url else self._test_wedge_gun()
        if not url and row.kind != "a4":
            return self._show(row.key, f"请先填写{row.label}地址", True)
        try:
            check_url(row, url)
        except ValidationError as exc:
            return self._show(row.key, exc.message, True)
        button.setEnabled(False)
        label.setStyleSheet("color: #666;")
        label.setText("正在测试…" + ("请在读卡器上放一张身份证" if row.kind == "reader" else ""))
        ok: Callable[[Any], None] = lambda text: self._show(row.key, text, False)
        bad: Callable[[str], None] = lambda msg: self._show(row.key, msg, True)
        if row.kind == "reader":
            self.hub.call(lambda: try_reader(url, self.hub), ok, bad)
        elif row.kind == "escpos":
            width = int(self.paper[PAPER_KEYS[row.key]].currentData())
            self.hub.call(lambda: try_escpos(url, width), ok, bad)
        elif row.kind == "scanner":
            source = self.source.currentData()
            self.hub.call(lambda: try_scanner(url, source), ok, bad)
        else:
            self.ctx.tasks.run(lambda: try_a4(url), ok, bad)

    # ---- barcode gun
    def _test_serial_gun(self, url: str) -> None:
        """Listen on the gun's port for ``GUN_WAIT`` seconds, in short polls on the device thread
        (other devices keep their turns). The hub's gun on the same port is borrowed, not
        reopened — a COM port opens once."""
        from devices.barcode import BarcodeGun

        key = "barcode_port"
        self.buttons[key].setEnabled(False)
        self.results[key].setStyleSheet("color: #666;")
        self.results[key].setText(f"正在等待扫码（{GUN_WAIT:.0f} 秒内请用扫码枪扫描任意条码）…")
        codes: list[str] = []
        shared = self.hub.gun if self.hub.gun is not None and self.hub.gun.url == url else None
        gun = shared or BarcodeGun(url, on_code=codes.append)
        deadline = time.monotonic() + GUN_WAIT
        # A code the hub's own polling picks up between our polls arrives here.
        listen = codes.append
        self.hub.barcode_scanned.connect(listen)

        def step() -> list[str] | None:   # device thread
            try:
                if shared is not None:
                    keep, shared.on_code = shared.on_code, codes.append
                    try:
                        shared.poll()
                    finally:
                        shared.on_code = keep
                else:
                    gun.poll()
            except Exception:
                if shared is None:
                    gun.close()
                raise
            if codes or time.monotonic() >= deadline:
                if shared is None:
                    gun.close()
                return list(codes)
            return None

        def finish(text: str, error: bool) -> None:
            try:
                self.hub.barcode_scanned.disconnect(listen)
            except (RuntimeError, TypeError):
                pass
            self._show(key, text, error)

        def again(result: list[str] | None) -> None:
            if result is None:
                if not self.isVisible():   # closed mid-test
                    self.hub.call(lambda: shared is None and gun.close(), None, None)
                    return
                self.hub.call(step, again, lambda msg: finish(msg, True))
            elif result:
                finish(f"扫码正常（串口）：{result[0]}", False)
            else:
                finish(f"{GUN_WAIT:.0f} 秒内未收到扫码。请确认扫码枪已接到 {url}，波特率与扫码枪一致"
                       "（常见 9600），并已设置为串口（COM）模式", True)

        self.hub.call(step, again, lambda msg: finish(msg, True))

    def _test_wedge_gun(self) -> None:
        """A keyboard gun types like a keyboard: the clerk scans into the field shown below."""
        self.scan_label.setVisible(True)
        self.scan_field.setVisible(True)
        self.scan_field.clear()
        self.scan_field.setFocus()
        self.results["barcode_port"].setStyleSheet("color: #666;")
        self.results["barcode_port"].setText("键盘型扫码枪：光标已在“扫码测试”框中，请扫描任意条码")
        wedge = app_wedge_filter()
        if wedge is not None and self._gun_test is None:
            wedge.scanned.connect(self._wedge_code)
            self._gun_test = {"wedge": wedge}

    def _wedge_code(self, code: str) -> None:
        """The app's wedge filter recognised a burst: shown even when it swallowed the keys."""
        if shiboken6.isValid(self) and self.scan_field.isVisible():
            self._show("barcode_port", f"扫码正常（键盘型）：{code}", False)

    def _wedge_scanned(self) -> None:
        text = self.scan_field.text().strip()
        self.scan_field.clear()
        if text:
            self._show("barcode_port", f"扫码正常（键盘型）：{text}", False)

    # ---- voice
    def test_voice(self) -> None:
        from .voice import VoiceCaller

        if self.voice is None:
            self.voice = VoiceCaller(parent=self)
            self.voice.fallback.connect(self._voice_fallback)
        ticket, window = VOICE_SAMPLE
        sample = f"请 {ticket} 号到 {window} 号窗口办理"
        speaking = self.voice.speaks
        self.voice.announce(ticket, window)
        if speaking and self.voice.speaks:
            self._show("voice", f"正在用语音引擎 {self.voice.engine} 播报：{sample}", False)
        elif self.voice.silent:
            self._show("voice", f"未发声：{self.voice.fallback_reason}", True)
        else:
            self._show("voice", f"已播放提示音（{self.voice.fallback_reason}）", False)

    def _voice_fallback(self, reason: str) -> None:
        if self.voice is not None and self.voice.silent:
            return   # said on click, as 未发声
        if self.results["voice"].text():   # only after a test: the reason at start is shown on click
            self._show("voice", f"已播放提示音（{reason}）", False)

    def _show(self, key: str, text: str, error: bool) -> None:
        label, button = self.results.get(key), self.buttons.get(key)
        if label is None or not shiboken6.isValid(label):
            return   # the dialog closed while the device was still answering
        label.setStyleSheet("color: #c0392b;" if error else "color: #1d5f2f; font-weight: bold;")
        label.setText(text)
        if button is not None:
            button.setEnabled(True)

    # --------------------------------------------------------------- save
    def save(self) -> None:
        values = self.values()
        try:
            for row in ROWS:
                check_url(row, values[row.key])
        except ValidationError as exc:
            return self._say(exc.message, True)
        self.save_button.setEnabled(False)
        self._say("正在保存…")

        def store() -> dict[str, str]:
            save_device_settings(self.ctx.db, values, self.ctx.workstation)
            return load_device_settings(self.ctx.db, self.ctx.workstation)

        def failed(msg: str) -> None:
            self._say(f"保存失败：{msg}（已填写的内容仍在）", True)
            self.save_button.setEnabled(True)

        self.ctx.tasks.run(store, self._stored, failed)

    def _stored(self, settings: dict[str, str]) -> None:
        self.ctx.devices = dict(settings)   # what the context read at start follows the save
        if not self._own_hub:
            self.hub.reconfigure(settings)
        self.saved.emit(settings)
        self.accept()

    def done(self, result: int) -> None:
        if self._gun_test is not None:
            try:
                self._gun_test["wedge"].scanned.disconnect(self._wedge_code)
            except (RuntimeError, TypeError):
                pass
            self._gun_test = None
        super().done(result)   # a device test still running ends on its own; its result is dropped
