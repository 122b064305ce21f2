"""A loopback ESC/POS printer for tests and demos: a TCP 9100-style server (``EmulatorServer``) and a
pty serial port (``PtyPrinter``) in front of one ``EmulatedPrinter`` that keeps every byte and
answers DLE EOT n with configurable status bytes.

One rule: behave like the hardware where our code depends on it — status replies are single bytes
sent as soon as the query arrives (even mid-job), and data sent while the paper is out is received
but not printed.
"""
from __future__ import annotations

import os
import select
import socket
import socketserver
import threading
from pathlib import Path

OK = {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12}


class EmulatedPrinter:
    """The printer's state and its byte log; thread-safe (one server thread per connection)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.status = dict(OK)
        self.received = bytearray()      # every byte, queries included
        self._printed = bytearray()      # job bytes that reached paper
        self._tail = b""                 # an incomplete DLE EOT at the end of the last chunk

    # --- operator actions --------------------------------------------------------------------
    def load_paper(self) -> None:
        with self._lock:
            self.status = dict(OK)

    def run_out_of_paper(self) -> None:
        """The documented paper-out answers: 1A (offline), 32 (stopped by paper end), 7E (roll end)."""
        with self._lock:
            self.status.update({1: 0x1A, 2: 0x32, 4: 0x7E})

    def paper_near_end(self) -> None:
        with self._lock:
            self.status[4] = 0x1E

    def open_cover(self) -> None:
        with self._lock:
            self.status.update({1: 0x1A, 2: 0x16})

    @property
    def paper_out(self) -> bool:
        return self.status[4] & 0x60 == 0x60

    # --- the wire ----------------------------------------------------------------------------
    def feed(self, chunk: bytes) -> bytes:
        """Take bytes from the host; return the status bytes to send back."""
        with self._lock:
            self.received += chunk
            data = self._tail + chunk
            reply = bytearray()
            job = bytearray()
            i = 0
            while i < len(data):
                if data[i] == 0x10 and i + 1 < len(data) and data[i + 1] == 0x04 and i + 2 < len(data) \
                        and data[i + 2] in self.status:
                    reply.append(self.status[data[i + 2]])
                    i += 3
                    continue
                if data[i] == 0x10 and len(data) - i < 3 and data[i:] == b"\x10\x04"[: len(data) - i]:
                    break  # keep a query split across chunks for the next one
                job.append(data[i])
                i += 1
            self._tail = data[i:]
            if not self.paper_out:
                self._printed += job
            return bytes(reply)

    def printed(self) -> bytes:
        """Job bytes that reached paper (status queries removed)."""
        with self._lock:
            return bytes(self._printed)

    def clear(self) -> None:
        with self._lock:
            self.received.clear()
            self._printed.clear()


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        printer = self.server.printer
        start = len(printer.printed())
        while True:
            try:
                chunk = self.request.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            reply = printer.feed(chunk)
            if reply:
                self.request.sendall(reply)
        job = printer.printed()[start:]
        if self.server.out_dir is not None and job:
            self.server.save(job)
        self.server.connection_closed()


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], printer: EmulatedPrinter, out_dir: Path | None) -> None:
        super().__init__(address, _Handler)
        self.printer = printer
        self.out_dir = out_dir
        self.saved: list[Path] = []
        self._count_lock = threading.Lock()
        self.closed = threading.Condition()
        self.closed_count = 0

    def connection_closed(self) -> None:
        with self.closed:
            self.closed_count += 1
            self.closed.notify_all()

    def save(self, job: bytes) -> None:
        with self._count_lock:
            assert self.out_dir is not None
            path = self.out_dir / f"job-{len(self.saved) + 1:04d}.bin"
            # whole or not at all: a folder watcher (or a test) never reads a job half written
            part = path.with_name(f".{path.name}.part")
            part.write_bytes(job)
            os.replace(part, path)
            self.saved.append(path)


class EmulatorServer:
    """``with EmulatorServer() as emu: print_job(emu.url, data)``; ``emu.printer`` holds the state."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, printer: EmulatedPrinter | None = None,
                 out_dir: str | os.PathLike[str] | None = None) -> None:
        self.printer = printer or EmulatedPrinter()
        folder = Path(out_dir) if out_dir is not None else None
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
        self._server = _Server((host, port), self.printer, folder)
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    @property
    def url(self) -> str:
        host, port = self.address
        return f"tcp://{host}:{port}"

    @property
    def saved(self) -> list[Path]:
        return list(self._server.saved)

    def wait_connections(self, count: int, timeout: float = 10.0) -> None:
        """Block until ``count`` connections have been read to their end: a client's ``close()``
        returns before this server thread has taken the last bytes."""
        with self._server.closed:
            if not self._server.closed.wait_for(lambda: self._server.closed_count >= count, timeout):
                raise TimeoutError(f"only {self._server.closed_count} of {count} connections finished")

    def start(self) -> EmulatorServer:
        self._thread = threading.Thread(target=self._server.serve_forever, name="escpos-emulator",
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class PtyPrinter:
    """A serial printer on a pseudo-terminal: open ``serial:<port>`` against it (POSIX only)."""

    def __init__(self, printer: EmulatedPrinter | None = None) -> None:
        import tty

        self.printer = printer or EmulatedPrinter()
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # no echo, no CR/LF translation: the line must be 8-bit clean
        self.port = os.ttyname(self._slave)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="escpos-pty", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self._master], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(self._master, 65536)
            except OSError:
                break
            reply = self.printer.feed(chunk)
            if reply:
                os.write(self._master, reply)

    def __enter__(self) -> PtyPrinter:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        os.close(self._master)
        os.close(self._slave)


def unused_port() -> int:
    """A port nothing listens on (for 'connection refused' demos)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
