"""Test-only fault plan: the server misbehaves on purpose so the desk's sync can be tested.

Off unless the server is started with ``CLERK_BACKOFFICE_FAULTS=/path/plan.json`` (or ``serve
--faults PATH``). The file is read again on every request, so a test edits it while the server
runs. Plan::

    {"faults": [{"method": "PUT", "path": "^/api/v1/cases/", "kind": "error_after", "count": 1,
                 "delay": 5, "retry_after": 2}]}

``path`` is a regular expression searched in the request path, ``method`` optional (any), ``count``
how many matching requests it hits (default 1; ``null`` = every one). Kinds:

- ``error_before``: 500 without doing anything (the request never reaches the handler);
- ``error_after``:  the request is handled and committed, then the reply is replaced by a 500;
- ``delay_after``:  handled and committed, the reply held back ``delay`` seconds (a client timeout);
- ``throttle``:     429 with ``Retry-After: retry_after`` (default 1), nothing done;
- ``html``:         200 ``text/html`` (a captive portal's page), nothing done;
- ``too_large``:    413 ``too_large``, nothing done.

Each hit decrements ``count`` and increments ``fired`` in the file (under a file lock, so several
workers share one plan); a test reads ``fired`` to know the fault happened.
"""
from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import re
from pathlib import Path
from typing import Any

KINDS = ("error_before", "error_after", "delay_after", "throttle", "html", "too_large")
HTML_PAGE = ("<!DOCTYPE html><html><head><title>Wi-Fi 登录</title></head>"
             "<body><h1>请先登录无线网络</h1><form><input name=phone></form></body></html>")


def _take(plan_path: Path, method: str, path: str) -> dict[str, Any] | None:
    """The first fault matching the request, its count taken (under the plan's lock)."""
    if not plan_path.exists():
        return None
    with open(str(plan_path) + ".lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            try:
                plan = json.loads(plan_path.read_text(encoding="utf-8") or "{}")
            except (OSError, ValueError):
                return None
            for fault in plan.get("faults", []):
                if fault.get("method") and fault["method"].upper() != method.upper():
                    continue
                if not re.search(fault.get("path", ""), path):
                    continue
                count = fault.get("count", 1)
                if count is not None and count <= 0:
                    continue
                if count is not None:
                    fault["count"] = count - 1
                fault["fired"] = fault.get("fired", 0) + 1
                tmp = plan_path.with_suffix(plan_path.suffix + ".tmp")
                tmp.write_text(json.dumps(plan, ensure_ascii=False, indent=1), encoding="utf-8")
                os.replace(tmp, plan_path)
                return fault
            return None
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _error(code: str, zh: str, en: str) -> bytes:
    return json.dumps({"error": {"code": code, "message": zh, "english": en}}, ensure_ascii=False).encode()


class FaultMiddleware:
    """ASGI middleware applying the plan at ``plan_path`` to HTTP requests."""

    def __init__(self, app: Any, plan_path: str | os.PathLike[str]) -> None:
        self.app = app
        self.plan_path = Path(plan_path)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        fault = await asyncio.to_thread(_take, self.plan_path, scope["method"], scope["path"])
        if fault is None:
            await self.app(scope, receive, send)
            return
        kind = fault.get("kind")
        if kind == "error_before":
            await _reply(send, 500, _error("internal_error", "服务器内部错误（测试故障：提交前）",
                                           "injected fault: 500 before commit"))
        elif kind == "throttle":
            await _reply(send, 429, _error("too_many_requests", "请求过于频繁，请稍后再试", "injected fault: 429"),
                         [(b"retry-after", str(fault.get("retry_after", 1)).encode())])
        elif kind == "html":
            await _reply(send, 200, HTML_PAGE.encode(), content_type=b"text/html; charset=utf-8")
        elif kind == "too_large":
            await _reply(send, 413, _error("too_large", "请求过大（测试故障）", "injected fault: 413"))
        elif kind in ("error_after", "delay_after"):
            held: list[dict[str, Any]] = []

            async def hold(message: dict[str, Any]) -> None:
                held.append(message)

            await self.app(scope, receive, hold)  # handled and committed; the reply is ours now
            if kind == "error_after":
                await _reply(send, 500, _error("internal_error", "服务器内部错误（测试故障：提交后）",
                                               "injected fault: 500 after commit"))
            else:
                await asyncio.sleep(float(fault.get("delay", 5)))
                for message in held:
                    with contextlib.suppress(OSError):
                        await send(message)
        else:
            await self.app(scope, receive, send)


async def _reply(send: Any, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None,
                 content_type: bytes = b"application/json") -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode()),
                            *(headers or [])]})
    await send({"type": "http.response.body", "body": body})
