"""The PySide6 desktop app. Views lay out; controllers hold behaviour; services come from clerk/."""
