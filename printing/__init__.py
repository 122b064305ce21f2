"""Printing: turn plain data (``printing.data``) into bytes — A4 PDFs — and hand bytes to the OS.

One rule: nothing here decides anything about a case, and nothing does I/O on import. The
document modules (``receipt``, ``notice``, ``deferral``, ``refusal``) are imported on demand.
"""
from __future__ import annotations

from clerk.errors import ClerkError


class PrintingError(ClerkError):
    """A document could not be rendered, saved or sent to a printer."""


class FontMissing(PrintingError):
    """No embeddable Chinese TrueType font is installed."""


class PrinterUnavailable(PrintingError):
    """The printer or the print system refused the job; ``details['saved_to']`` holds the PDF."""


__all__ = ["PrintingError", "FontMissing", "PrinterUnavailable"]
