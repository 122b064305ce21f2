"""Where data lives and which database to use.

Order: ``--data-dir`` > ``CLERK_DATA_DIR`` > the platform data folder (platformdirs). The data
folder holds ``config.json`` (may name ``database_url``), ``clerk.sqlite3``, ``files/`` (attachments
by sha256) and ``logs/``. ``CLERK_DATABASE_URL`` overrides the config file's URL.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from .errors import ClerkError
from .secure import private_dir

APP_NAME = "WindowClerk"


@dataclass(frozen=True)
class Config:
    data_dir: Path
    database_url: str
    hall_code: str = "33022501"
    workstation: str = "W01"
    backoffice_url: str = "http://127.0.0.1:8765"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def config_file(self) -> Path:
        return self.data_dir / "config.json"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def load_config(data_dir: str | os.PathLike[str] | None = None) -> Config:
    chosen = data_dir or os.environ.get("CLERK_DATA_DIR")
    root = Path(chosen).expanduser() if chosen else default_data_dir()
    private_dir(root)  # every citizen's ID number and scans live here: owner-only
    values: dict[str, Any] = {}
    cfg_path = root / "config.json"
    if cfg_path.exists():
        try:
            values = json.loads(cfg_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ClerkError(f"配置文件无法读取：{cfg_path}（{exc}）",
                             f"cannot read config file {cfg_path}: {exc}") from exc
        if not isinstance(values, dict):
            raise ClerkError(f"配置文件格式错误：{cfg_path}", f"config file is not an object: {cfg_path}")
    url = os.environ.get("CLERK_DATABASE_URL") or values.pop("database_url", None)
    if not url:
        url = f"sqlite:///{(root / 'clerk.sqlite3').as_posix()}"
    known = {k: values.pop(k) for k in ("hall_code", "workstation", "backoffice_url") if k in values}
    return Config(data_dir=root, database_url=url, extra=values, **known)
