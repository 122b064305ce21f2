"""Helpers for the sync tests: the desk linked to a real back office, what the server holds."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import requests

from clerk import sync
from clerk.db import Database
from clerk.sync.push import Options

ENROL = "demo-enrol-33022501"


def fast_options(**kw: Any) -> Options:
    """Short waits for tests: one worker (deterministic order), backoff in milliseconds."""
    o = Options(workers=kw.pop("workers", 1), backoff_base=0.01, backoff_cap=0.05, max_failures=kw.pop("max_failures", 4),
                timeout=kw.pop("timeout", (3.0, 5.0)))
    for k, v in kw.items():
        setattr(o, k, v)
    return o


def server_cases(server: Any, token: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    offset = 0
    while True:
        r = requests.get(f"{server.url}/api/v1/cases", params={"hall": "33022501", "limit": 500, "offset": offset},
                         headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert r.status_code == 200, r.text
        page = r.json()["cases"]
        out.extend(page)
        offset += len(page)
        if not page or offset >= r.json()["total"]:
            return out


def blob(server: Any, token: str, sha256: str) -> bytes:
    r = requests.get(f"{server.url}/api/v1/blobs/{sha256}", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code == 200, r.text
    return r.content


def decide(server: Any, ref: str, action: str, **kw: Any) -> dict[str, Any]:
    """A department's decision, through the back office's own service on its database."""
    from backoffice import service

    store = service.Store(server.database_url)
    try:
        return service.decide(store, ref, action, kw.pop("by", "县市场监管局 审批员"), **kw)
    finally:
        store.dispose()


def publish(server: Any, kind: str, data: dict[str, Any]) -> int:
    from backoffice import service

    store = service.Store(server.database_url)
    try:
        return service.publish(store, kind, data)
    finally:
        store.dispose()


def run(db: Database, files: Path, **kw: Any) -> sync.RoundReport:
    return sync.run_once(db, files, opts=kw.pop("opts", None) or fast_options(), **kw)
