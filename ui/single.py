"""One app per seat: a second start on the same seat (data folder + window number) brings the
running one to the front instead of opening a second window that would hold the same called
ticket.

The first instance listens on a local socket named after the seat (``QLocalServer``: a Unix
socket, a named pipe on Windows); a second one connects, says ``raise`` and exits. A socket left
behind by a crashed instance answers nobody and is removed, so a restart after a crash works.
"""
from __future__ import annotations

import hashlib
import os

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

CONNECT_MS = 500


def seat_key(data_dir: str, window: int | str, mode: str = "clerk") -> str:
    """A socket name unique per seat and OS user, short enough for every platform."""
    raw = f"{os.path.realpath(data_dir)}|{window}|{mode}|{os.getuid() if hasattr(os, 'getuid') else ''}"
    return "window-clerk-" + hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]


class SeatGuard(QObject):
    """``claim()`` → True: this is the seat's only instance (``activated`` fires when another
    start asks to be shown); False: another instance runs and has been asked to come forward."""

    activated = Signal()

    def __init__(self, key: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.server: QLocalServer | None = None

    def claim(self) -> bool:
        probe = QLocalSocket()
        probe.connectToServer(self.key)
        if probe.waitForConnected(CONNECT_MS):
            probe.write(b"raise\n")
            probe.waitForBytesWritten(CONNECT_MS)
            probe.disconnectFromServer()
            return False
        QLocalServer.removeServer(self.key)  # a stale socket of a crashed instance
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not self.server.listen(self.key):
            return True  # cannot listen (odd file system): run rather than refuse to start
        self.server.newConnection.connect(self._knock)
        return True

    def _knock(self) -> None:
        # the connections are children of the server (Qt owns them); they go with it
        assert self.server is not None
        while self.server.hasPendingConnections():
            conn = self.server.nextPendingConnection()
            conn.readyRead.connect(self._read)

    def _read(self) -> None:
        conn = self.sender()
        if isinstance(conn, QLocalSocket) and bytes(conn.readAll()).startswith(b"raise"):
            self.activated.emit()

    def release(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
