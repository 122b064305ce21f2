"""The test-only fault plan of the real server: each kind does what the desk's tests rely on."""
from __future__ import annotations

import pytest
import requests

from tests.backoffice_server import sample_case


def put(bo, token, body, timeout=30):
    return requests.put(f"{bo.url}/api/v1/cases/{body['uuid']}", json=body, headers=bo.auth(token), timeout=timeout)


def held(bo, token, uuid_) -> bool:
    cases = requests.get(f"{bo.url}/api/v1/cases", headers=bo.auth(token), params={"limit": 5000}).json()["cases"]
    return uuid_ in {c["uuid"] for c in cases}


def test_500_before_commit_does_nothing_500_after_commit_keeps_the_case(backoffice):
    bo = backoffice
    token = bo.register()
    bo.set_faults([{"method": "PUT", "path": "^/api/v1/cases/", "kind": "error_before", "count": 1}])
    body = sample_case()
    r = put(bo, token, body)
    assert r.status_code == 500 and r.json()["error"]["code"] == "internal_error"
    assert not held(bo, token, body["uuid"])
    bo.set_faults([{"method": "PUT", "path": "^/api/v1/cases/", "kind": "error_after", "count": 1}])
    r = put(bo, token, body)
    assert r.status_code == 500
    assert held(bo, token, body["uuid"])  # committed although the reply said 500
    r = put(bo, token, body)  # the retry gets the stored reply
    assert r.status_code == 201 and r.headers["Idempotent-Replayed"] == "true"
    assert bo.fired() == 1 and bo.faults()[0]["count"] == 0


def test_a_reply_delayed_after_commit_times_the_client_out(backoffice):
    bo = backoffice
    token = bo.register()
    bo.set_faults([{"path": "^/api/v1/cases/", "kind": "delay_after", "delay": 3, "count": 1}])
    body = sample_case()
    with pytest.raises(requests.Timeout):
        put(bo, token, body, timeout=1)
    assert held(bo, token, body["uuid"])
    assert put(bo, token, body).headers["Idempotent-Replayed"] == "true"


def test_throttle_html_and_413(backoffice):
    bo = backoffice
    token = bo.register()
    bo.set_faults([{"method": "GET", "path": "^/api/v1/changes", "kind": "throttle", "retry_after": 7, "count": 1},
                   {"method": "GET", "path": "^/api/v1/changes", "kind": "html", "count": 1},
                   {"method": "PUT", "path": "^/api/v1/cases/", "kind": "too_large", "count": None}])
    r = requests.get(f"{bo.url}/api/v1/changes", headers=bo.auth(token))
    assert r.status_code == 429 and r.headers["Retry-After"] == "7"
    r = requests.get(f"{bo.url}/api/v1/changes", headers=bo.auth(token))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html") and "<html" in r.text
    r = requests.get(f"{bo.url}/api/v1/changes", headers=bo.auth(token))
    assert r.status_code == 200 and "changes" in r.json()  # both used up
    body = sample_case()
    for _ in range(2):  # count null: every time
        assert put(bo, token, body).status_code == 413
    assert not held(bo, token, body["uuid"])
    bo.set_faults([])
    assert put(bo, token, body).status_code == 201
