"""What every window needs, passed in explicitly (no global main window). Built by the
composition root ``ui.bootstrap.make_context``."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from clerk.config import Config
from clerk.db import Database
from clerk.dto import UserInfo

from .ops import Ops


@dataclass
class AppContext:
    cfg: Config
    db: Database
    tasks: Ops                # the one hand-off from background work (ui/ops.py); `ops` is the same
    user: UserInfo | None = None
    window_number: int = 1
    services: dict[str, Any] = field(default_factory=dict)  # devices and other adapters
    hall: Any = None          # clerk.bootstrap.HallSummary, read once at start
    devices: dict[str, str] = field(default_factory=dict)   # this workstation's device URLs
    hub: Any = None           # ui.device_hub.DeviceHub of the counter app

    @property
    def ops(self) -> Ops:
        return self.tasks

    @property
    def workstation(self) -> str:
        return self.cfg.workstation
