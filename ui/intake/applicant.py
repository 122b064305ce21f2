"""The 申请人 and 代理人 panel: filled by the card reader or typed; a read number shown masked."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QVBoxLayout, QWidget)

from clerk.dto import ApplicantInput, ProxyInput
from clerk.privacy import mask_id



class ApplicantPanel(QGroupBox):
    """申请人 and 代理人. Filled by the card reader or typed."""

    read_card = Signal()
    changed = Signal()
    reveal_requested = Signal(str)  # the full number, for the audited reveal

    def __init__(self) -> None:
        super().__init__("申请人")
        self.kind = QComboBox()
        self.kind.addItem("个人", "person")
        self.kind.addItem("企业（统一社会信用代码）", "enterprise")
        self.name = QLineEdit()
        self.name.setObjectName("applicant_name")
        self.id_number = QLineEdit()
        self.id_number.setObjectName("applicant_id")
        self.id_number.setPlaceholderText("18 位身份证号码或统一社会信用代码")
        # after a card read the number is shown masked; 显示 reveals it (an audit entry)
        self._full_id = ""
        self.reveal = QPushButton("显示")
        self.reveal.setObjectName("btn_reveal_id")
        self.reveal.setToolTip("显示完整证件号码（将记录查看日志）")
        self.reveal.setVisible(False)
        self.reveal.clicked.connect(lambda: self.reveal_requested.emit(self._full_id))
        self.phone = QLineEdit()
        self.phone.setObjectName("applicant_phone")
        self.address = QLineEdit()
        self.card_button = QPushButton("读卡 (F2)")
        self.card_button.clicked.connect(self.read_card)
        self.card_status = QLabel("")
        self.card_status.setProperty("role", "hint")
        self.card_status.setWordWrap(True)
        self.history = QLabel("")
        self.history.setWordWrap(True)
        self.history.setProperty("role", "hint")
        self.has_proxy = QCheckBox("委托代理人办理")
        self.proxy_name = QLineEdit()
        self.proxy_id = QLineEdit()
        self.proxy_name.setObjectName("proxy_name")
        self.proxy_id.setObjectName("proxy_id")
        self.proxy_phone = QLineEdit()
        self.proxy_phone.setObjectName("proxy_phone")
        self.proxy_relation = QComboBox()
        self.proxy_relation.setEditable(True)
        self.proxy_relation.addItems(["", "亲属", "代办员", "单位经办人", "律师", "其他"])
        self.proxy_auth = QLineEdit()
        self.proxy_auth.setObjectName("proxy_auth")
        self.proxy_auth.setPlaceholderText("授权委托书编号或说明")
        self.proxy_box = QWidget()
        pform = QFormLayout(self.proxy_box)
        pform.setContentsMargins(0, 0, 0, 0)
        pform.addRow("代理人姓名", self.proxy_name)
        pform.addRow("代理人身份证", self.proxy_id)
        pform.addRow("代理人电话", self.proxy_phone)
        pform.addRow("与申请人关系", self.proxy_relation)
        pform.addRow("授权委托书", self.proxy_auth)
        self.proxy_box.setVisible(False)
        self.has_proxy.toggled.connect(self.proxy_box.setVisible)
        form = QFormLayout()
        form.addRow("类型", self.kind)
        form.addRow("姓名/名称", self.name)
        id_row = QHBoxLayout()
        id_row.setContentsMargins(0, 0, 0, 0)
        id_row.addWidget(self.id_number, 1)
        id_row.addWidget(self.reveal)
        form.addRow("证件号码", id_row)
        form.addRow("联系电话", self.phone)
        form.addRow("地址", self.address)
        lay = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(self.card_button)
        row.addWidget(self.card_status, 1)
        lay.addLayout(row)
        lay.addLayout(form)
        lay.addWidget(self.has_proxy)
        lay.addWidget(self.proxy_box)
        lay.addWidget(self.history)
        lay.addStretch(1)
        for w in (self.name, self.id_number, self.phone, self.address, self.proxy_name, self.proxy_id,
                  self.proxy_phone, self.proxy_auth):
            w.editingFinished.connect(self.changed)
        self.has_proxy.toggled.connect(lambda _on: self.changed.emit())
        self.proxy_relation.currentTextChanged.connect(lambda _t: self.changed.emit())

    def fill_from_card(self, card: Any) -> None:
        """``card`` is a devices.idcard.CardData (duck-typed: name, id_number, address …).

        With 委托代理人办理 ticked and an applicant already entered, a different card is the
        proxy's: it fills the proxy, not the applicant."""
        applicant_id = self.full_id()
        if self.has_proxy.isChecked() and applicant_id and applicant_id != card.id_number:
            self.proxy_name.setText(card.name)
            self.proxy_id.setText(card.id_number)
            self.card_status.setText(f"已读代理人证件：{card.name}")
            self.changed.emit()
            return
        self.kind.setCurrentIndex(0)
        self.name.setText(card.name)
        self._full_id = card.id_number
        self.id_number.setText(mask_id(card.id_number))
        self.id_number.setCursorPosition(0)
        self.id_number.setReadOnly(True)
        self.reveal.setVisible(True)
        self.address.setText(card.address)
        self.address.setCursorPosition(0)  # the beginning of a long address, not its tail
        # No open-source WLT decoder exists: say so instead of showing a made-up photo.
        note = card.photo_note if isinstance(getattr(card, "photo_note", ""), str) else ""
        # the card type on a line of its own: "居民身份证" never breaks in the middle
        self.card_status.setText(f"已读卡：{card.name}\n{card.card_type_label}" + (f"\n{note}" if note else ""))
        self._card = card
        self.changed.emit()

    def applicant_input(self) -> ApplicantInput:
        card = getattr(self, "_card", None)
        same_card = card is not None and card.id_number == self.full_id()
        name, number = self.name.text().strip(), self.full_id()
        return ApplicantInput(
            from_card=same_card and card.name == name,
            # the clerk confirmed this very name for this very number (IntakeView._confirm_change)
            confirm_change=getattr(self, "confirmed", None) == (number, name),
            name=self.name.text().strip(), id_number=number,
            kind=self.kind.currentData(), phone=self.phone.text().strip(), address=self.address.text().strip(),
            sex=card.sex if same_card else "", nation=card.nation if same_card else "",
            birth_date=card.birth_date if same_card else None,
            id_type={"gat": "gat", "foreigner_2017": "foreigner", "foreigner_2023": "foreigner"}.get(
                getattr(card, "card_type", ""), "resident") if same_card else "resident")

    def proxy_input(self) -> ProxyInput | None:
        if not self.has_proxy.isChecked():
            return None
        return ProxyInput(name=self.proxy_name.text().strip(), id_number=self.proxy_id.text().strip(),
                          phone=self.proxy_phone.text().strip(), relation=self.proxy_relation.currentText().strip(),
                          authorisation=self.proxy_auth.text().strip())

    def full_id(self) -> str:
        """The applicant's number: the card's (shown masked) or what was typed."""
        return self._full_id or self.id_number.text().strip()

    def show_full_id(self) -> None:
        """After the audited reveal: the number in full, editable again."""
        if self._full_id:
            self.id_number.setText(self._full_id)
        self._full_id = ""
        self.id_number.setReadOnly(False)
        self.reveal.setVisible(False)

    def clear(self) -> None:
        self.confirmed = None
        self._full_id = ""
        self.id_number.setReadOnly(False)
        self.reveal.setVisible(False)
        for w in (self.name, self.id_number, self.phone, self.address, self.proxy_name, self.proxy_id,
                  self.proxy_phone, self.proxy_auth):
            w.clear()
        self.proxy_relation.setCurrentIndex(0)
        self.has_proxy.setChecked(False)
        self.card_status.clear()
        self.history.clear()
        self._card = None
