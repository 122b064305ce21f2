"""Backoff and reply classification of the sync engine, computed (no waiting, no network)."""
from __future__ import annotations

import email.utils

import requests

from clerk.sync.http import backoff_delay, classify, parse_retry_after


def test_full_jitter_stays_under_the_exponential_ceiling_and_the_cap():
    assert backoff_delay(1, base=2, cap=900, rng=lambda: 0.999) < 2
    assert backoff_delay(4, base=2, cap=900, rng=lambda: 0.999) < 16
    assert 15.9 < backoff_delay(4, base=2, cap=900, rng=lambda: 0.9999) < 16
    assert backoff_delay(30, base=2, cap=900, rng=lambda: 0.5) == 450
    assert backoff_delay(3, base=2, cap=900, rng=lambda: 0.0) == 0.0  # full jitter may retry at once


def test_retry_after_is_a_floor_for_the_delay():
    assert backoff_delay(1, retry_after=120, rng=lambda: 0.1) == 120
    assert backoff_delay(12, retry_after=1, cap=900, rng=lambda: 0.5) == 450


def test_retry_after_in_seconds_or_as_an_http_date():
    assert parse_retry_after("7") == 7
    assert parse_retry_after("") is None and parse_retry_after("soon") is None
    date = email.utils.formatdate(1_000_060, usegmt=True)
    assert parse_retry_after(date, now=1_000_000) == 60


def _resp(status, body, ctype="application/json", headers=None):
    r = requests.Response()
    r.status_code = status
    r._content = body.encode()
    r.headers["Content-Type"] = ctype
    r.headers.update(headers or {})
    return r


def test_only_a_json_reply_echoing_the_request_is_done():
    echo = lambda d: d.get("uuid") == "u1"
    assert classify(_resp(201, '{"uuid": "u1", "number": "N"}'), echo).kind == "ok"
    assert classify(_resp(200, "<html>请登录</html>", "text/html"), echo).kind == "retry"
    assert classify(_resp(201, '{"uuid": "u2"}'), echo).kind == "retry"
    assert classify(_resp(201, '{"uuid": "u1"'), echo).kind == "retry"  # truncated JSON
    assert classify(_resp(302, "", "text/html", {"Location": "http://portal/"}), echo).kind == "retry"


def test_error_statuses_are_classified_once():
    err = '{"error": {"code": "illegal_transition", "message": "办件当前为“准予许可”，不能撤回", "english": "x"}}'
    r = classify(_resp(409, err))
    assert r.kind == "dead" and r.message == "办件当前为“准予许可”，不能撤回"
    assert classify(_resp(422, '{"error": {"code": "idempotency_mismatch", "message": "m"}}')).kind == "dead"
    assert classify(_resp(500, "oops", "text/plain")).kind == "retry"
    t = classify(_resp(429, "{}", headers={"Retry-After": "30"}))
    assert t.kind == "wait" and t.retry_after == 30
    assert classify(_resp(401, '{"error": {"code": "token_revoked", "message": "已吊销"}}')).kind == "auth"
