"""The real back office fixtures for these tests (see tests/backoffice_server.py)."""
from tests.backoffice_server import backoffice, backoffice_any, backoffice_shared  # noqa: F401
