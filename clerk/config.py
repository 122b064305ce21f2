"""Where data lives and which database to use.

Order: ``--data-dir`` > ``CLERK_DATA_DIR`` > the platform data folder (platformdirs). The data
folder holds ``config.json`` (may name ``database_url``), ``clerk.sqlite3``, ``files/`` (attachments
by sha256) and ``logs/``. ``CLERK_DATABASE_URL`` overrides the config file's URL.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from .errors import ClerkError

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
    # Every citizen's ID number and scans live here: created owner-only. An existing folder is
    # made owner-only by open_db (so `clerk doctor`, which only reads, sees it as it is).
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
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


_HALL_CODE = re.compile(r"[0-9]{8}")
_WORKSTATION = re.compile(r"[A-Z0-9]{3}")


def config_problems(cfg: Config) -> list[str]:
    """What is wrong with the hall code and workstation code of ``cfg`` (Chinese, one line each);
    empty when both are usable. They go into every case number (docs/ARCHITECTURE.md), so a
    wrong one must stop the app before the first ticket, not at the first 受理."""
    from .refdata import division_name

    where = f"（{cfg.config_file}）"
    out: list[str] = []
    code = cfg.hall_code
    if not isinstance(code, str) or not _HALL_CODE.fullmatch(code):
        out.append(f"大厅编码 hall_code “{code}” 无效{where}：应为 8 位数字（6 位行政区划代码 + 2 位大厅序号），"
                   "例如 33022501")
    elif division_name(code[:6]) is None:
        out.append(f"大厅编码 hall_code “{code}” 的前 6 位 {code[:6]} 不是行政区划代码{where}")
    ws = cfg.workstation
    if not isinstance(ws, str) or not _WORKSTATION.fullmatch(ws):
        hint = f"，是否应为 “{ws.upper()}”" if isinstance(ws, str) and _WORKSTATION.fullmatch(ws.upper()) else ""
        out.append(f"工作站编码 workstation “{ws}” 无效{where}：应为 3 位大写字母或数字，例如 W01{hint}")
    return out


def check_config(cfg: Config) -> Config:
    """Refuse to run with an unusable hall code or workstation code (ClerkError naming both)."""
    problems = config_problems(cfg)
    if problems:
        raise ClerkError("配置有误，未启动：" + "；".join(problems),
                         f"bad hall_code/workstation in {cfg.config_file}: " + str(cfg.hall_code) + "/" + str(cfg.workstation))
    return cfg


def is_demo(cfg: Config | None = None) -> bool:
    """Demo mode (``"demo": true`` in config.json or CLERK_DEMO=1): the default accounts may keep
    their published passwords. Anywhere else they must be changed at first sign-in."""
    if os.environ.get("CLERK_DEMO", "") == "1":
        return True
    return bool(cfg is not None and cfg.extra.get("demo") is True)
