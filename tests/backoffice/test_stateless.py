"""Stateless: two back office hosts (one with two uvicorn workers) on one database answer as one
server — a token, a page session, a half-uploaded blob and a case move freely between them, and
identical requests sent to both at once leave one row and one reply. Blob bytes are files: the hosts
share the blob folder (``--blob-dir``, a network folder in a county), as they share the database."""
from __future__ import annotations

import hashlib
import os
import re
import threading

import pytest
import requests

from tests.backoffice_server import BackofficeServer, sample_case

TUS = "application/offset+octet-stream"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def two_hosts(request, tmp_path):
    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else \
        f"sqlite:///{(tmp_path / 'county.sqlite3').as_posix()}"
    shared = ("--blob-dir", str(tmp_path / "shared-blobs"))
    a = BackofficeServer(tmp_path / "a", database_url=url, workers=2, extra_args=shared).start()
    b = BackofficeServer(tmp_path / "b", database_url=url, extra_args=shared).start()
    yield a, b
    a.stop()
    b.stop()


def test_two_hosts_on_one_database_are_one_server(two_hosts):
    a, b = two_hosts
    token = a.register("W01")
    h = a.auth(token)
    # a blob begun on one host is finished on the other
    data = os.urandom(200_000)
    sha = hashlib.sha256(data).hexdigest()
    assert requests.post(f"{a.url}/api/v1/blobs/{sha}", headers={**h, "Upload-Length": str(len(data))}).status_code == 201
    assert requests.patch(f"{a.url}/api/v1/blobs/{sha}", data=data[:50_000],
                          headers={**h, "Upload-Offset": "0", "Content-Type": TUS}).status_code == 204
    r = requests.head(f"{b.url}/api/v1/blobs/{sha}", headers=h)
    assert r.headers["Upload-Offset"] == "50000"
    r = requests.patch(f"{b.url}/api/v1/blobs/{sha}", data=data[50_000:],
                       headers={**h, "Upload-Offset": "50000", "Content-Type": TUS})
    assert r.headers["Blob-Complete"] == "true"
    # the same case sent to both hosts at once: one row, one reply
    body = sample_case(attachments=[{"sha256": sha, "size": len(data), "filename": "scan.pdf"}])
    replies: list[requests.Response] = []
    barrier = threading.Barrier(8)

    def send(host):
        barrier.wait()
        replies.append(requests.put(f"{host.url}/api/v1/cases/{body['uuid']}", json=body, headers=h, timeout=60))

    threads = [threading.Thread(target=send, args=(host,)) for host in (a, b) * 4]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {r.status_code for r in replies} == {201} and len({r.text for r in replies}) == 1
    listed = requests.get(f"{b.url}/api/v1/cases", headers=h).json()
    assert [c["uuid"] for c in listed["cases"]].count(body["uuid"]) == 1
    # a department signs in on one host and decides on the other; the feed on either shows it
    web = requests.Session()
    page = web.get(f"{a.url}/dept/login")
    csrf = re.search(r'name="csrf" value="([^"]*)"', page.text).group(1)
    web.post(f"{a.url}/dept/login", data={"username": "scjg", "password": "scjg123", "csrf": csrf})
    page = web.get(f"{b.url}/dept/cases/{body['uuid']}")
    assert page.status_code == 200 and body["number"] in page.text
    csrf = re.search(r'name="csrf" value="([^"]*)"', page.text).group(1)
    assert web.post(f"{b.url}/dept/cases/{body['uuid']}/decide", data={"csrf": csrf, "action": "approve"}).status_code == 200
    for host in (a, b):
        feed = requests.get(f"{host.url}/api/v1/changes", headers=h).json()["changes"]
        assert [(c["case_uuid"], c["state"]) for c in feed] == [(body["uuid"], "approved")]
    assert requests.get(f"{a.url}/dept/blobs/{sha}", cookies=web.cookies).content == data
