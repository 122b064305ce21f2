"""Window Clerk's Qt-free domain core: models, services, catalog, calendar, numbering, storage.

Rule: nothing here imports PySide6, ``ui``, ``devices`` or ``printing`` (tests/unit/test_layers.py).
"""
__version__ = "0.1.0"
