"""The PySide6 desktop app. Views lay out; controllers hold behaviour; services come from clerk/."""

from .qtfix import pin_singletons as _pin_singletons

_pin_singletons()  # before any PySide6 call: see ui/qtfix.py
