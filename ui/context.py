"""What every window needs, passed in explicitly (no global main window)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from clerk.config import Config
from clerk.db import Database
from clerk.dto import UserInfo

from .taskman import TaskManager


@dataclass
class AppContext:
    cfg: Config
    db: Database
    tasks: TaskManager
    user: UserInfo | None = None
    window_number: int = 1
    services: dict[str, Any] = field(default_factory=dict)  # devices and other adapters

    @property
    def workstation(self) -> str:
        return self.cfg.workstation
