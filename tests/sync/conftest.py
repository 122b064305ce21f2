"""Fixtures of the sync tests: a desk (migrated SQLite, the small catalog, a files folder) linked
to a real back office process on loopback (``tests/backoffice_server.py``)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from clerk import sync
from clerk.db import Database
from tests.backoffice_server import BackofficeServer, backoffice  # noqa: F401
from tests.sync.desk import setup_desk
from tests.sync.support import ENROL


@dataclass
class Desk:
    db: Database
    files: Path


@pytest.fixture
def desk(db, tmp_path) -> Desk:
    setup_desk(db)
    files = tmp_path / "files"
    files.mkdir()
    return Desk(db, files)


@pytest.fixture
def linked(desk, backoffice) -> Desk:  # noqa: F811
    """The desk registered with the back office (the demo hall's enrolment code)."""
    sync.enrol(desk.db, backoffice.url, ENROL, "1号窗口")
    return desk


@pytest.fixture
def token(backoffice) -> str:  # noqa: F811
    """A second workstation's token of the same hall, for looking at what the server holds."""
    return backoffice.register("W09")
