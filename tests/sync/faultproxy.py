"""A TCP proxy on loopback that misbehaves on purpose, between the desk and the back office.

Each new connection takes the current fault (``set(mode, count)``; ``count`` connections, then
``pass`` again). Modes:

- ``pass``             — bytes both ways untouched;
- ``delay``            — the request is held ``delay`` seconds before it goes on;
- ``reset``            — the request is read, never forwarded, the client gets a TCP RST;
- ``reset_after``      — the request reaches the server (which commits), the reply is dropped and
                         the client gets a RST: the outcome is unknown to the desk;
- ``blackhole``        — the request is read and nothing ever comes back (the client times out);
- ``truncate_reply``   — the request goes through; half of the reply's first bytes come back,
                         then the connection closes;
- ``truncate_request`` — half of the request's bytes reach the server, then both sides are closed.
"""
from __future__ import annotations

import socket
import struct
import threading
import time

MODES = ("pass", "delay", "reset", "reset_after", "blackhole", "truncate_reply", "truncate_request")


def _rst(sock: socket.socket) -> None:
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


def _read_request(sock: socket.socket, timeout: float = 5.0) -> bytes:
    """One HTTP request as far as headers + Content-Length say (good enough for our client)."""
    sock.settimeout(timeout)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                return data
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        while len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
        return head + b"\r\n\r\n" + body
    except OSError:
        return data


class FaultProxy:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.mode, self.count, self.delay = "pass", 0, 0.0
        self.hits: dict[str, int] = {}
        self._lock = threading.Lock()
        self._closing = False
        self._threads: list[threading.Thread] = []
        self._socks: list[socket.socket] = []
        t = threading.Thread(target=self._accept, name="faultproxy", daemon=True)
        t.start()
        self._threads.append(t)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def set(self, mode: str, count: int | None = 1, delay: float = 0.0) -> None:
        assert mode in MODES, mode
        with self._lock:
            self.mode, self.count, self.delay = mode, count, delay

    def _take(self) -> tuple[str, float]:
        with self._lock:
            if self.mode == "pass" or self.count == 0:
                return "pass", 0.0
            if self.count is not None:
                self.count -= 1
            self.hits[self.mode] = self.hits.get(self.mode, 0) + 1
            return self.mode, self.delay

    def _accept(self) -> None:
        while not self._closing:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self._socks.append(conn)
            t = threading.Thread(target=self._handle, args=(conn,), daemon=True)
            t.start()

    def _handle(self, client: socket.socket) -> None:
        mode, delay = self._take()
        try:
            if mode == "reset":
                _read_request(client)
                _rst(client)
                return
            if mode == "blackhole":
                client.settimeout(None)
                while not self._closing and client.recv(65536):
                    pass
                client.close()
                return
            if mode == "delay":
                time.sleep(delay)
            upstream = socket.create_connection(self.target)
            self._socks.append(upstream)
            if mode == "truncate_request":
                req = _read_request(client)
                upstream.sendall(req[: max(1, len(req) // 2)])
                _rst(upstream)
                _rst(client)
                return
            if mode in ("reset_after", "truncate_reply"):
                req = _read_request(client)
                upstream.sendall(req)
                upstream.settimeout(30)
                reply = upstream.recv(65536)
                time.sleep(0.05)
                if mode == "truncate_reply":
                    client.sendall(reply[: max(1, len(reply) // 2)])
                    client.close()
                else:
                    _rst(client)
                upstream.close()
                return
            self._pipe(client, upstream)
        except OSError:
            client.close()

    def _pipe(self, a: socket.socket, b: socket.socket) -> None:
        def one_way(src: socket.socket, dst: socket.socket) -> None:
            try:
                while True:
                    data = src.recv(65536)
                    if not data:
                        break
                    dst.sendall(data)
            except OSError:
                pass
            finally:
                for s in (src, dst):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

        t = threading.Thread(target=one_way, args=(b, a), daemon=True)
        t.start()
        one_way(a, b)
        t.join(timeout=60)
        a.close()
        b.close()

    def close(self) -> None:
        self._closing = True
        self.listener.close()
        for s in self._socks:
            try:
                s.close()
            except OSError:
                pass
