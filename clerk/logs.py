"""The application log: ``<data folder>/logs/clerk.log``, rotated (1 MB × 5), UTF-8.

Every line — message, arguments and traceback alike — passes ``privacy.mask_text`` on its way to
the file, so an ID number or phone that reaches a log call is masked there whatever the caller
did. Unhandled exceptions are logged before the interpreter reports them."""
from __future__ import annotations

import logging
import logging.handlers
import sys
import threading
from pathlib import Path
from types import TracebackType

from .privacy import mask_text, printable
from .secure import make_private, private_dir

LOG_NAME = "clerk.log"
MAX_BYTES = 1_000_000
BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """The log names people and cases: the file (and each rotated one) is owner-only."""

    def _open(self):
        stream = super()._open()
        make_private(self.baseFilename)
        return stream


class MaskingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        # Masked, and control characters from user input (ESC sequences …) made visible.
        return printable(mask_text(super().format(record)))


def setup_logging(data_dir: str | Path, level: int = logging.INFO) -> Path:
    """Send the root logger to the data folder's log file; returns its path. Called again (another
    data folder, a test), it replaces its own handler rather than adding one. A folder that cannot
    be written leaves logging to stderr: logging never stops the app."""
    folder = Path(data_dir) / "logs"
    path = (folder / LOG_NAME).resolve()
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_clerk_log", None)]:
        if old._clerk_log == path:  # type: ignore[attr-defined]
            root.setLevel(level)
            return path
        root.removeHandler(old)
        old.close()
    try:
        private_dir(folder)
        handler: logging.Handler = PrivateRotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True)
    except OSError as exc:
        handler = logging.StreamHandler()
        print(f"警告：日志无法写入 {folder}（{exc}），改为输出到终端", file=sys.stderr)
    handler.setFormatter(MaskingFormatter(FORMAT))
    handler._clerk_log = path  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # one line per plugin
    _hook_unhandled()
    return path


def _hook_unhandled() -> None:
    if getattr(sys.excepthook, "_clerk", False):
        return
    previous, previous_thread = sys.excepthook, threading.excepthook

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if not issubclass(kind, KeyboardInterrupt):
            logging.getLogger("clerk").critical("unhandled exception", exc_info=(kind, exc, tb))
        previous(kind, exc, tb)

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is not SystemExit:
            logging.getLogger("clerk").critical("unhandled exception in thread %s",
                                                args.thread.name if args.thread else "?",
                                                exc_info=args.exc_value or True)
        previous_thread(args)

    hook._clerk = True  # type: ignore[attr-defined]
    sys.excepthook = hook
    threading.excepthook = thread_hook
