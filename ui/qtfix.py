"""PySide6 6.12 on CPython 3.11: ``None``, ``True`` and ``False`` treated as immortal.

PySide6 6.12 returns ``None`` from every void binding (``setText``, ``processEvents``,
``QTimer.singleShot`` …) and ``True`` from ``Signal.emit``/``connect`` without taking a new
reference — correct on CPython 3.12+, where these objects are immortal, but on 3.11 each call
takes one reference away. Measured here: 300 ``QLabel.setText`` calls cost ``None`` 300
references, 300 emits cost ``True`` 300; a UI session makes hundreds of thousands of such calls,
and when a count reaches zero CPython aborts ("Fatal Python error: none_dealloc" /
"bool_dealloc") or frees a static object — a crash at a random later point.

``pin_singletons()`` gives the three objects a reference count no program can use up (2**40),
which is what CPython 3.12 does for them by design (PEP 683). It changes nothing else, runs once
per process, and is a no-op on 3.12+ and on other interpreters.
"""
from __future__ import annotations

import ctypes
import sys

PIN = 1 << 40
SINGLETONS = (None, True, False)


def needed() -> bool:
    return sys.implementation.name == "cpython" and sys.version_info < (3, 12)


def pin_singletons() -> bool:
    """Returns whether the counts were raised now (False when not needed or already done)."""
    if not needed():
        return False
    changed = False
    for value in SINGLETONS:
        if sys.getrefcount(value) < PIN // 2:
            ctypes.c_ssize_t.from_address(id(value)).value += PIN  # ob_refcnt is the first field
            changed = True
    return changed
