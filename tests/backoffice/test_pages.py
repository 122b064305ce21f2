"""Department pages over real HTTP: a department signs in, sees its inbox, opens a case (ID and
phone masked, scans viewable), decides, and the decision reaches the hall's changes feed."""
from __future__ import annotations

import hashlib
import os
import re

import pytest
import requests

from tests.backoffice_server import sample_case

TUS = "application/offset+octet-stream"


def csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]*)"', html).group(1)


def sign_in(bo, username: str, password: str) -> tuple[requests.Session, requests.Response]:
    web = requests.Session()
    page = web.get(f"{bo.url}/dept/login")
    r = web.post(f"{bo.url}/dept/login", data={"username": username, "password": password, "csrf": csrf(page.text)})
    return web, r


@pytest.fixture
def hall(backoffice):
    """A registered desk that has sent one case with a scan to 县市场监督管理局."""
    token = backoffice.register("W01")
    scan = b"%PDF-1.4 scan of the licence " + os.urandom(2000)
    sha = hashlib.sha256(scan).hexdigest()
    h = backoffice.auth(token)
    requests.post(f"{backoffice.url}/api/v1/blobs/{sha}", headers={**h, "Upload-Length": str(len(scan))})
    requests.patch(f"{backoffice.url}/api/v1/blobs/{sha}", data=scan, headers={**h, "Upload-Offset": "0", "Content-Type": TUS})
    body = sample_case(attachments=[{"sha256": sha, "size": len(scan), "filename": "营业执照.pdf", "mime": "application/pdf"}])
    r = requests.put(f"{backoffice.url}/api/v1/cases/{body['uuid']}", json=body, headers=h)
    assert r.status_code == 201
    return backoffice, token, body, scan


def changes(bo, token) -> list[dict]:
    return requests.get(f"{bo.url}/api/v1/changes", headers=bo.auth(token)).json()["changes"]


def test_sign_in_refuses_a_wrong_password_and_pages_need_a_session(backoffice):
    r = requests.get(f"{backoffice.url}/dept/", allow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/dept/login"
    _web, r = sign_in(backoffice, "scjg", "wrong")
    assert r.status_code == 401 and "用户名或密码不正确" in r.text
    # a sign-in form posted without its page's token (cross-site) is refused
    r = requests.post(f"{backoffice.url}/dept/login", data={"username": "scjg", "password": "scjg123", "csrf": "x"})
    assert r.status_code == 400


def test_a_department_decides_and_the_hall_feed_shows_it(hall):
    bo, token, body, scan = hall
    web, r = sign_in(bo, "scjg", "scjg123")
    assert r.status_code == 200 and "县市场监督管理局" in r.text
    assert body["number"] in r.text and "已收件" in r.text  # the inbox
    page = web.get(f"{bo.url}/dept/cases/{body['uuid']}")
    assert page.status_code == 200
    assert "3302**********1234" in page.text and "138****5678" in page.text
    assert "330225199001011234" not in page.text and "13812345678" not in page.text
    assert "营业执照" in page.text and "容缺后补" in page.text
    # the deferred (容缺) material brought to a window later shows as supplied
    r = requests.post(f"{bo.url}/api/v1/cases/{body['uuid']}/events", headers=bo.auth(token, **{"Idempotency-Key": "d1"}),
                      json={"type": "deferred_supplied", "case_uuid": body["uuid"], "at": "2026-12-05T09:00:00",
                            "data": {"key": "plan"}})
    assert r.status_code == 201
    page = web.get(f"{bo.url}/dept/cases/{body['uuid']}")
    assert "2026-12-05T09:00:00 已补交" in page.text
    link = re.search(r'href="(/dept/blobs/[0-9a-f]{64}[^"]*)"', page.text).group(1).replace("&amp;", "&")
    shown = web.get(f"{bo.url}{link}")
    assert shown.status_code == 200 and shown.content == scan and shown.headers["content-type"] == "application/pdf"
    token_ = csrf(page.text)
    # 不予许可 without a reason is refused, nothing moves
    r = web.post(f"{bo.url}/dept/cases/{body['uuid']}/decide", data={"csrf": token_, "action": "reject", "reason": " "})
    assert r.status_code == 422 and "不予许可必须写明理由" in r.text
    assert changes(bo, token) == []
    # 受理审查, then 要求补正 with the material and what is wrong
    r = web.post(f"{bo.url}/dept/cases/{body['uuid']}/decide", data={"csrf": token_, "action": "review"})
    assert r.status_code == 200 and "已受理审查" in r.text and "审查中" in r.text
    r = web.post(f"{bo.url}/dept/cases/{body['uuid']}/decide",
                 data={"csrf": token_, "action": "supplement", "item": ["licence"], "req_licence": "复印件不清晰",
                       "text": "请补交清晰复印件"})
    assert r.status_code == 200 and "待补正" in r.text
    feed = changes(bo, token)
    assert [(c["state"], c["version"]) for c in feed] == [("in_review", 2), ("supplement", 3)]
    asked = feed[1]["data"]
    assert asked["items"] == [{"name": "营业执照", "requirement": "复印件不清晰"}]
    assert asked["text"] == "请补交清晰复印件" and asked["by"].startswith("象山县市场监督管理局")


def test_approve_then_ready_and_a_reason_for_a_rejection(hall):
    bo, token, body, _scan = hall
    web, _ = sign_in(bo, "scjg", "scjg123")
    token_ = csrf(web.get(f"{bo.url}/dept/cases/{body['uuid']}").text)
    r = web.post(f"{bo.url}/dept/cases/{body['uuid']}/decide", data={"csrf": token_, "action": "approve"})
    assert "准予许可" in r.text
    r = web.post(f"{bo.url}/dept/cases/{body['uuid']}/decide", data={"csrf": token_, "action": "ready"})
    assert "办结待出件" in r.text
    assert [c["state"] for c in changes(bo, token)] == ["approved", "result_ready"]
    # a second case rejected with its reason
    other = sample_case()
    requests.put(f"{bo.url}/api/v1/cases/{other['uuid']}", json=other, headers=bo.auth(token))
    r = web.post(f"{bo.url}/dept/cases/{other['uuid']}/decide",
                 data={"csrf": token_, "action": "reject", "reason": "经营场所不符合食品安全要求"})
    assert r.status_code == 200
    last = changes(bo, token)[-1]
    assert last["case_uuid"] == other["uuid"] and last["state"] == "rejected"
    assert last["data"]["reason"] == "经营场所不符合食品安全要求"


def test_forms_without_the_session_token_and_other_departments_are_refused(hall):
    bo, token, body, _scan = hall
    web, _ = sign_in(bo, "scjg", "scjg123")
    r = web.post(f"{bo.url}/dept/cases/{body['uuid']}/decide", data={"csrf": "forged", "action": "approve"})
    assert r.status_code == 403
    police, r = sign_in(bo, "gaj", "gaj123")
    assert "象山县公安局" in r.text and body["number"] not in r.text
    assert police.get(f"{bo.url}/dept/cases/{body['uuid']}").status_code == 404
    token_ = csrf(police.get(f"{bo.url}/dept/").text)
    r = police.post(f"{bo.url}/dept/cases/{body['uuid']}/decide", data={"csrf": token_, "action": "approve"})
    assert r.status_code == 404
    assert changes(bo, token) == []
    # signing out ends the session
    web.post(f"{bo.url}/dept/logout", data={"csrf": csrf(web.get(f"{bo.url}/dept/").text)})
    assert web.get(f"{bo.url}/dept/", allow_redirects=False).status_code == 303
