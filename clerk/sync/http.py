"""HTTP to the back office (requests) and what a reply means.

One rule: an operation is done only on a well-formed success reply that echoes what was sent.
Every other answer is classified once, here, into what the engine does next:

- ``ok``      — 2xx JSON that echoes the request (or the blob headers the contract names);
- ``retry``   — outcome unknown or a passing fault: timeout after sending, connection reset,
                truncated reply, 5xx, a 200 HTML page from a captive portal, malformed JSON;
                counted towards the item's failures;
- ``wait``    — 429 / 503 with ``Retry-After``: not the item's fault, not counted;
- ``dead``    — the server refused this item for good (400/404/409/413/422…): its message is kept;
- ``offline`` — nothing was sent (connection refused, DNS, connect timeout): the whole round stops;
- ``auth``    — 401: the token is missing or revoked; the whole round stops.
"""
from __future__ import annotations

import email.utils
import json
import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import requests

API = "/api/v1"
REPLY_KEEP = 4000  # characters of a reply body kept on the outbox row


@dataclass
class Result:
    kind: str  # ok / retry / wait / dead / offline / auth
    status: int | None = None
    message: str = ""  # Chinese, for the clerk
    reply: str = ""
    retry_after: float | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.kind == "ok"


def backoff_delay(attempts: int, retry_after: float | None = None, *, base: float = 2.0, cap: float = 900.0,
                  rng: Callable[[], float] = random.random) -> float:
    """Full-jitter exponential backoff (a uniform draw in [0, min(cap, base·2^(attempts-1)))),
    never shorter than the server's ``Retry-After``."""
    ceiling = min(cap, base * (2 ** max(0, attempts - 1)))
    delay = rng() * ceiling
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def server_message(resp: requests.Response) -> tuple[str, str]:
    """(Chinese message, error code) from the contract's error body, or a generic line."""
    try:
        err = resp.json().get("error") or {}
        return str(err.get("message") or err.get("english") or f"HTTP {resp.status_code}"), str(err.get("code") or "")
    except (ValueError, AttributeError):
        return f"后台返回 HTTP {resp.status_code}", ""


def _short(text: str) -> str:
    return text[:REPLY_KEEP]


def is_json(resp: requests.Response) -> bool:
    return resp.headers.get("Content-Type", "").split(";")[0].strip().lower() in ("application/json",
                                                                                   "application/problem+json")


def classify(resp: requests.Response, echo: Callable[[dict[str, Any]], bool] | None = None,
             ok_status: tuple[int, ...] = (200, 201)) -> Result:
    """A reply to a JSON call: ``ok`` only for an expected status with a JSON object body that
    ``echo`` accepts."""
    status = resp.status_code
    body = _short(resp.text or "")
    if status in ok_status:
        if not is_json(resp):
            return Result("retry", status, "后台返回的不是数据（可能是网络登录页或代理页面），稍后重试", body)
        try:
            data = resp.json()
        except ValueError:
            return Result("retry", status, "后台返回的数据不完整，稍后重试", body)
        if not isinstance(data, dict) or (echo is not None and not echo(data)):
            return Result("retry", status, "后台的回复与所发内容不符，稍后重试", body)
        return Result("ok", status, "", body, data=data)
    return classify_error(resp)


def classify_error(resp: requests.Response) -> Result:
    status = resp.status_code
    body = _short(resp.text or "")
    retry_after = parse_retry_after(resp.headers.get("Retry-After"))
    if status == 401:
        msg, code = server_message(resp)
        return Result("auth", status, f"本工作站的后台凭据无效或已被撤销，请重新登记（{msg}）", body)
    if status == 429 or (status == 503 and retry_after is not None):
        return Result("wait", status, "后台繁忙，稍后自动重试", body, retry_after=retry_after)
    if status in (408, 425) or status >= 500:
        return Result("retry", status, f"后台暂时出错（HTTP {status}），稍后自动重试", body, retry_after=retry_after)
    if 200 <= status < 300:
        return Result("retry", status, f"后台的回复不符合约定（HTTP {status}），稍后重试", body)
    if 400 <= status < 500:
        msg, code = server_message(resp)
        return Result("dead", status, msg if code else f"后台拒收（HTTP {status}）：{msg}", body,
                      data={"code": code})
    return Result("retry", status, f"后台返回了意外的状态（HTTP {status}）", body)


def network_result(exc: BaseException) -> Result:
    """A requests exception: ``offline`` when nothing can have reached the server, else the
    outcome is unknown and the same request is retried later with the same key."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return Result("offline", None, "连接后台超时，当前离线")
    if isinstance(exc, requests.exceptions.ConnectionError):
        inner = exc.args[0] if exc.args else None
        reason = getattr(inner, "reason", inner)
        text = f"{type(reason).__name__} {reason}"
        if "NewConnectionError" in text or "NameResolution" in text or "Connection refused" in text:
            return Result("offline", None, "无法连接后台，当前离线")
        return Result("retry", None, "与后台的连接中断，结果未知，将以同一编号重发")
    if isinstance(exc, requests.exceptions.Timeout):
        return Result("retry", None, "后台响应超时，结果未知，将以同一编号重发")
    return Result("retry", None, f"与后台通信出错（{type(exc).__name__}），将以同一编号重发")


class Client:
    """One back office, one bearer token; a requests session per thread (keep-alive)."""

    def __init__(self, server: str, token: str = "", *, timeout: tuple[float, float] = (5.0, 30.0)) -> None:
        self.base = server.rstrip("/")
        self.token = token
        self.timeout = timeout
        self._local = threading.local()

    @property
    def session(self) -> requests.Session:
        s = getattr(self._local, "session", None)
        if s is None:
            s = requests.Session()
            s.headers["User-Agent"] = "window-clerk-sync/1"
            if self.token:
                s.headers["Authorization"] = f"Bearer {self.token}"
            self._local.session = s
        return s

    def request(self, method: str, path: str, *, body: Any = None,
                data: bytes | Iterable[bytes | memoryview] | None = None,
                headers: dict[str, str] | None = None, params: dict[str, Any] | None = None) -> requests.Response:
        hdrs = dict(headers or {})
        payload: Any = data  # bytes, or a sized iterable of blocks (push.FileSlice) streamed as it is read
        if body is not None:
            payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            hdrs["Content-Type"] = "application/json; charset=utf-8"
        return self.session.request(method, self.base + path, data=payload, headers=hdrs, params=params,
                                    timeout=self.timeout, allow_redirects=False)

    def close(self) -> None:
        s = getattr(self._local, "session", None)
        if s is not None:
            s.close()
