"""The desk ↔ back office contract, over real HTTP on loopback against a real server process, on
SQLite and on PostgreSQL: tokens, idempotent cases and events, blobs by content, the changes feed."""
from __future__ import annotations

import hashlib
import json
import os
import threading
import uuid
from pathlib import Path

import pytest
import requests

from tests.backoffice_server import DEMO_HALL, sample_case

TUS = "application/offset+octet-stream"


@pytest.fixture
def bo(backoffice_shared):
    return backoffice_shared


@pytest.fixture
def token(bo):
    return bo.register(f"T{uuid.uuid4().hex[:8]}")


def put(bo, token, body, **kw):
    return requests.put(f"{bo.url}/api/v1/cases/{body['uuid']}", json=body, headers=bo.auth(token), timeout=30, **kw)


def event(bo, token, case_uuid, body, key):
    headers = bo.auth(token, **({"Idempotency-Key": key} if key else {}))
    return requests.post(f"{bo.url}/api/v1/cases/{case_uuid}/events", json=body, headers=headers, timeout=30)


def upload(bo, token, data: bytes) -> dict:
    sha = hashlib.sha256(data).hexdigest()
    h = bo.auth(token)
    assert requests.post(f"{bo.url}/api/v1/blobs/{sha}", headers={**h, "Upload-Length": str(len(data))}).status_code in (200, 201)
    r = requests.patch(f"{bo.url}/api/v1/blobs/{sha}", data=data,
                       headers={**h, "Upload-Offset": "0", "Content-Type": TUS})
    assert r.status_code == 204 and r.headers["Blob-Complete"] == "true", r.text
    return {"sha256": sha, "size": len(data), "filename": "scan.pdf", "mime": "application/pdf"}


def error_code(r) -> str:
    return r.json()["error"]["code"]


def feed(bo, token, cursor="", limit=100):
    r = requests.get(f"{bo.url}/api/v1/changes", params={"cursor": cursor, "limit": limit}, headers=bo.auth(token))
    assert r.status_code == 200, r.text
    return r.json()


def drain(bo, token, cursor=""):
    changes = []
    while True:
        page = feed(bo, token, cursor)
        changes += page["changes"]
        cursor = page["cursor"]
        if not page["more"]:
            return changes, cursor


# --------------------------------------------------------------------------- tokens

def test_registration_needs_the_halls_enrolment_code(bo):
    r = requests.post(f"{bo.url}/api/v1/workstations", json={"hall_code": DEMO_HALL, "workstation": "W09",
                                                             "name": "9号窗口", "enrolment_code": "guess"})
    assert r.status_code == 403 and error_code(r) == "enrolment_refused"
    assert "注册码" in r.json()["error"]["message"]


def test_every_call_but_registration_needs_a_valid_token(bo):
    r = requests.get(f"{bo.url}/api/v1/changes")
    assert r.status_code == 401 and error_code(r) == "unauthorized"
    r = requests.get(f"{bo.url}/api/v1/changes", headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401 and error_code(r) == "unauthorized"
    body = sample_case()
    r = requests.put(f"{bo.url}/api/v1/cases/{body['uuid']}", json=body)
    assert r.status_code == 401


def test_registering_again_revokes_the_older_token_and_the_cli_revokes(bo):
    ws = f"R{uuid.uuid4().hex[:6]}"
    first = bo.register(ws)
    second = bo.register(ws)
    r = requests.get(f"{bo.url}/api/v1/changes", headers=bo.auth(first))
    assert r.status_code == 401 and error_code(r) == "token_revoked"
    assert requests.get(f"{bo.url}/api/v1/changes", headers=bo.auth(second)).status_code == 200
    out = bo.cli("revoke", "--workstation", ws, "--hall", DEMO_HALL)
    assert "1" in out.stdout
    r = requests.get(f"{bo.url}/api/v1/changes", headers=bo.auth(second))
    assert r.status_code == 401 and error_code(r) == "token_revoked"


def test_a_hall_sees_only_its_own_cases(bo, token):
    hall = f"3302{uuid.uuid4().int % 10**6:06d}"
    out = bo.cli("hall", "add", "--code", hall, "--name", "某某乡镇便民服务中心")
    code = out.stdout.strip().split("：")[-1]
    other = bo.register("W01", hall=hall, code=code)
    mine = sample_case()
    assert put(bo, token, mine).status_code == 201
    # the other hall cannot read, add events to, or overwrite my case, and does not list it
    r = event(bo, other, mine["uuid"], {"type": "withdrawn", "data": {"reason": "x"}}, str(uuid.uuid4()))
    assert r.status_code == 404 and error_code(r) == "not_found"
    theirs = {**mine, "hall_code": hall}
    r = put(bo, other, theirs)
    assert r.status_code == 404
    listed = requests.get(f"{bo.url}/api/v1/cases", headers=bo.auth(other)).json()
    assert mine["uuid"] not in {c["uuid"] for c in listed["cases"]}
    r = requests.get(f"{bo.url}/api/v1/cases", params={"hall": DEMO_HALL}, headers=bo.auth(other))
    assert r.status_code == 403
    # and a body naming another hall is refused outright
    r = put(bo, token, {**sample_case(), "hall_code": hall})
    assert r.status_code == 403 and error_code(r) == "forbidden"


# --------------------------------------------------------------------------- cases

def test_put_case_is_idempotent_by_uuid(bo, token):
    body = sample_case()
    first = put(bo, token, body)
    assert first.status_code == 201, first.text
    assert first.json()["state"] == "accepted" and first.json()["version"] == 1
    assert "Idempotent-Replayed" not in first.headers
    # the same body, keys in another order: the stored reply
    again = requests.put(f"{bo.url}/api/v1/cases/{body['uuid']}", headers={**bo.auth(token), "Content-Type": "application/json"},
                         data=json.dumps(dict(reversed(list(body.items()))), ensure_ascii=False).encode())
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    # another body for the same uuid: 409 in Chinese and English
    changed = {**body, "applicant": {**body["applicant"], "phone": "13900000000"}}
    r = put(bo, token, changed)
    assert r.status_code == 409 and error_code(r) == "conflict"
    assert "已上报" in r.json()["error"]["message"] and r.json()["error"]["english"]
    listed = requests.get(f"{bo.url}/api/v1/cases", headers=bo.auth(token)).json()["cases"]
    assert [c["uuid"] for c in listed].count(body["uuid"]) == 1


def test_identical_puts_at_once_leave_one_case_and_the_same_reply(bo, token):
    body = sample_case()
    replies: list[requests.Response] = []
    barrier = threading.Barrier(8)

    def send():
        barrier.wait()
        replies.append(put(bo, token, body))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {r.status_code for r in replies} == {201}
    assert len({r.text for r in replies}) == 1
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in replies) == 7
    listed = requests.get(f"{bo.url}/api/v1/cases", headers=bo.auth(token), params={"limit": 5000}).json()["cases"]
    assert [c["uuid"] for c in listed].count(body["uuid"]) == 1


def test_a_case_number_is_unique_in_its_hall(bo, token):
    body = sample_case()
    assert put(bo, token, body).status_code == 201
    twin = {**sample_case(), "number": body["number"]}
    r = put(bo, token, twin)
    assert r.status_code == 409 and body["number"] in r.json()["error"]["message"]


def test_a_case_naming_a_blob_the_server_lacks_is_refused(bo, token):
    missing = {"sha256": hashlib.sha256(os.urandom(16)).hexdigest(), "size": 16, "filename": "x.pdf"}
    body = sample_case(attachments=[missing])
    r = put(bo, token, body)
    assert r.status_code == 422 and error_code(r) == "missing_blob"
    assert r.json()["error"]["missing"] == [missing["sha256"]]
    held = upload(bo, token, os.urandom(3000))
    r = put(bo, token, sample_case(attachments=[{**held, "size": 2999}]))
    assert r.status_code == 422 and "大小" in r.json()["error"]["message"]
    body = sample_case(attachments=[held])
    assert put(bo, token, body).status_code == 201
    row = next(c for c in requests.get(f"{bo.url}/api/v1/cases", headers=bo.auth(token), params={"limit": 5000})
               .json()["cases"] if c["uuid"] == body["uuid"])
    assert row["attachments"] == [{"sha256": held["sha256"], "size": 3000}]


def test_a_malformed_case_is_refused_with_the_error_shape(bo, token):
    body = sample_case()
    del body["applicant"]
    r = put(bo, token, body)
    assert r.status_code == 422 and error_code(r) == "invalid_body" and "applicant" in r.json()["error"]["english"]
    body = sample_case()
    r = requests.put(f"{bo.url}/api/v1/cases/{uuid.uuid4()}", json=body, headers=bo.auth(token))
    assert r.status_code == 422 and error_code(r) == "invalid_body"


def test_a_bundle_becomes_matter_cases_each_routed_to_its_department(bo, token):
    body = sample_case(children=2)
    assert put(bo, token, body).status_code == 201
    cases = {c["uuid"]: c for c in requests.get(f"{bo.url}/api/v1/cases", headers=bo.auth(token),
                                                params={"limit": 5000}).json()["cases"]}
    kids = [cases[c["uuid"]] for c in body["children"]]
    assert all(k["parent_uuid"] == body["uuid"] and k["state"] == "accepted" for k in kids)
    _, cursor = drain(bo, token)
    bo.cli("decide", body["children"][0]["number"], "review")
    bo.cli("decide", body["children"][0]["number"], "approve")
    changes, _ = drain(bo, token, cursor)
    mine = [c for c in changes if c.get("parent_uuid") == body["uuid"]]
    assert [(c["case_uuid"], c["state"], c["version"]) for c in mine] == [
        (kids[0]["uuid"], "in_review", 2), (kids[0]["uuid"], "approved", 3)]
    assert body["uuid"] not in {c.get("case_uuid") for c in changes}  # the bundle follows; no row of its own
    cases = {c["uuid"]: c for c in requests.get(f"{bo.url}/api/v1/cases", headers=bo.auth(token),
                                                params={"limit": 5000}).json()["cases"]}
    assert cases[body["uuid"]]["state"] == "in_review"  # one child moved on, the other not yet


# --------------------------------------------------------------------------- events

def test_events_need_a_key_and_replay_by_it(bo, token):
    body = sample_case()
    assert put(bo, token, body).status_code == 201
    ev = {"type": "deferred_supplied", "case_uuid": body["uuid"], "at": "2026-12-03T10:00:00", "data": {"key": "plan"}}
    r = event(bo, token, body["uuid"], ev, None)
    assert r.status_code == 400 and error_code(r) == "idempotency_key_required"
    key = str(uuid.uuid4())
    first = event(bo, token, body["uuid"], ev, key)
    assert first.status_code == 201, first.text
    again = event(bo, token, body["uuid"], ev, key)
    assert again.status_code == 201 and again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    other = event(bo, token, body["uuid"], {**ev, "at": "2026-12-04T10:00:00"}, key)
    assert other.status_code == 422 and error_code(other) == "idempotency_mismatch"
    r = event(bo, token, str(uuid.uuid4()), ev, str(uuid.uuid4()))
    assert r.status_code == 404 and error_code(r) == "not_found"


def test_a_move_the_state_machine_refuses_is_409_and_a_legal_one_reaches_the_feed(bo, token):
    body = sample_case()
    assert put(bo, token, body).status_code == 201
    _, cursor = drain(bo, token)
    r = event(bo, token, body["uuid"], {"type": "supplement_supplied", "data": {"note": "x"}}, str(uuid.uuid4()))
    assert r.status_code == 409 and error_code(r) == "illegal_transition" and "不能补正" in r.json()["error"]["message"]
    bo.cli("decide", body["number"], "supplement", "--items", "营业执照", "--reason", "复印件不清晰")
    r = event(bo, token, body["uuid"], {"type": "supplement_supplied", "case_uuid": body["uuid"],
                                        "data": {"note": "已重新提交", "items": ["营业执照"]}}, str(uuid.uuid4()))
    assert r.status_code == 201 and r.json()["state"] == "in_review" and r.json()["version"] == 3
    changes, _ = drain(bo, token, cursor)
    mine = [(c["state"], c["version"]) for c in changes if c.get("case_uuid") == body["uuid"]]
    assert mine == [("supplement", 2), ("in_review", 3)]
    asked = next(c for c in changes if c.get("state") == "supplement" and c["case_uuid"] == body["uuid"])
    assert asked["data"]["items"] == [{"name": "营业执照", "requirement": "复印件不清晰"}]


def test_handing_over_an_accepted_case_needs_on_the_spot(bo, token):
    """A desk that missed the department's decisions must not skip them by handing over: only a
    matter finished on the spot (即办) goes from accepted to delivered."""
    body = sample_case()
    assert put(bo, token, body).status_code == 201
    ev = {"type": "handed_over", "case_uuid": body["uuid"], "data": {"to": "申请人", "window": "W01"}}
    r = event(bo, token, body["uuid"], ev, str(uuid.uuid4()))
    assert r.status_code == 409 and error_code(r) == "illegal_transition"
    ev["data"]["on_the_spot"] = True
    r = event(bo, token, body["uuid"], ev, str(uuid.uuid4()))
    assert r.status_code == 201 and r.json()["state"] == "delivered"


def test_identical_events_at_once_apply_once(bo, token):
    body = sample_case()
    assert put(bo, token, body).status_code == 201
    _, cursor = drain(bo, token)
    key = str(uuid.uuid4())
    ev = {"type": "withdrawn", "case_uuid": body["uuid"], "data": {"reason": "申请人撤回"}}
    replies: list[requests.Response] = []
    barrier = threading.Barrier(6)

    def send():
        barrier.wait()
        replies.append(event(bo, token, body["uuid"], ev, key))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {r.status_code for r in replies} == {201}, [r.text for r in replies]
    assert len({r.json()["event_id"] for r in replies}) == 1
    changes, _ = drain(bo, token, cursor)
    assert [c["state"] for c in changes if c.get("case_uuid") == body["uuid"]] == ["withdrawn"]


# --------------------------------------------------------------------------- blobs

def test_blob_upload_resumes_from_the_offset_the_server_holds(bo, token):
    data = os.urandom(300_000)
    sha = hashlib.sha256(data).hexdigest()
    url, h = f"{bo.url}/api/v1/blobs/{sha}", bo.auth(token)
    assert requests.head(url, headers=h).status_code == 404
    assert requests.post(url, headers={**h, "Upload-Length": str(len(data))}).status_code == 201
    r = requests.patch(url, data=data[:100_000], headers={**h, "Upload-Offset": "0", "Content-Type": TUS})
    assert r.status_code == 204 and r.headers["Upload-Offset"] == "100000" and r.headers["Blob-Complete"] == "false"
    # the desk was killed; it asks where to go on
    r = requests.head(url, headers=h)
    assert (r.status_code, r.headers["Upload-Offset"], r.headers["Upload-Length"]) == (200, "100000", "300000")
    # a chunk at the wrong offset is refused and told what the server holds
    r = requests.patch(url, data=data[:100_000], headers={**h, "Upload-Offset": "0", "Content-Type": TUS})
    assert r.status_code == 409 and error_code(r) == "offset_mismatch" and r.headers["Upload-Offset"] == "100000"
    r = requests.patch(url, data=data[100_000:], headers={**h, "Upload-Offset": "100000", "Content-Type": TUS})
    assert r.status_code == 204 and r.headers["Blob-Complete"] == "true"
    # a complete blob is never sent again; a retried last chunk succeeds without doing anything
    r = requests.post(url, headers={**h, "Upload-Length": str(len(data))})
    assert r.status_code == 200 and r.headers["Blob-Complete"] == "true"
    r = requests.patch(url, data=data[100_000:], headers={**h, "Upload-Offset": "100000", "Content-Type": TUS})
    assert r.status_code == 204 and r.headers["Blob-Complete"] == "true"
    body = sample_case(attachments=[{"sha256": sha, "size": len(data)}])
    assert put(bo, token, body).status_code == 201
    assert requests.get(url, headers=h).content == data


def test_blob_with_the_wrong_checksum_is_refused_and_discarded(bo, token):
    data = os.urandom(5000)
    sha = hashlib.sha256(data + b"x").hexdigest()  # not what is sent
    url, h = f"{bo.url}/api/v1/blobs/{sha}", bo.auth(token)
    assert requests.post(url, headers={**h, "Upload-Length": "5000"}).status_code == 201
    r = requests.patch(url, data=data, headers={**h, "Upload-Offset": "0", "Content-Type": TUS})
    assert r.status_code == 422 and error_code(r) == "checksum_mismatch"
    r = requests.head(url, headers=h)
    assert r.headers["Upload-Offset"] == "0" and r.headers["Blob-Complete"] == "false"
    r = put(bo, token, sample_case(attachments=[{"sha256": sha, "size": 5000}]))
    assert r.status_code == 422 and error_code(r) == "missing_blob"


def test_blob_limits(bo, token):
    sha = hashlib.sha256(b"big").hexdigest()
    h = bo.auth(token)
    r = requests.post(f"{bo.url}/api/v1/blobs/{sha}", headers={**h, "Upload-Length": str(65 * 1024 * 1024)})
    assert r.status_code == 413 and error_code(r) == "too_large"
    r = requests.head(f"{bo.url}/api/v1/blobs/not-a-sha", headers=h)
    assert r.status_code == 400
    data = os.urandom(100)
    sha = hashlib.sha256(data).hexdigest()
    requests.post(f"{bo.url}/api/v1/blobs/{sha}", headers={**h, "Upload-Length": "100"})
    r = requests.patch(f"{bo.url}/api/v1/blobs/{sha}", data=data, headers={**h, "Upload-Offset": "0"})
    assert r.status_code == 415
    r = requests.get(f"{bo.url}/api/v1/blobs/{sha}", headers=h)
    assert r.status_code == 404  # not named by any case of the hall


# --------------------------------------------------------------------------- changes feed

def test_the_feed_pages_in_order_with_a_replayable_cursor(bo, token):
    bodies = [sample_case() for _ in range(3)]
    for b in bodies:
        assert put(bo, token, b).status_code == 201
    _, start = drain(bo, token)
    for b in bodies:
        bo.cli("decide", b["number"], "approve")
    bo.cli("publish", "catalog", "2026.12", "--url", "https://example.invalid/catalog.json")
    pages, cursor = [], start
    while True:
        page = feed(bo, token, cursor, limit=1)
        pages.append(page)
        if not page["more"]:
            break
        # replaying a page is harmless: the same cursor gives the same page
        assert feed(bo, token, cursor, limit=1) == page
        cursor = page["cursor"]
    got = [c for p in pages for c in p["changes"]]
    seqs = [c["seq"] for c in got]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    case_rows = [c for c in got if c["kind"] == "case.status"]
    assert [c["number"] for c in case_rows][-3:] == [b["number"] for b in bodies]
    assert all(c["state"] == "approved" and c["version"] == 2 for c in case_rows[-3:])
    assert got[-1]["kind"] == "catalog.version" and got[-1]["data"]["version"] == "2026.12"
    # past the end: an empty page, the cursor stays
    last = feed(bo, token, pages[-1]["cursor"])
    assert last["changes"] == [] and last["cursor"] == pages[-1]["cursor"] and last["more"] is False


def test_an_invalid_cursor_is_410(bo, token):
    r = requests.get(f"{bo.url}/api/v1/changes", params={"cursor": "garbage"}, headers=bo.auth(token))
    assert r.status_code == 410 and error_code(r) == "cursor_expired"


def test_a_reader_following_the_feed_while_cases_move_misses_nothing(bo):
    """Moves committed by concurrent requests while a desk pages through the feed: the pages it
    read, joined, are exactly the feed read afterwards from the start — no row skipped because an
    earlier sequence number committed after a later one, none twice."""
    tokens = [bo.register(f"F{uuid.uuid4().hex[:6]}") for _ in range(4)]
    reader = tokens[0]
    bodies = [sample_case() for _ in range(24)]
    for i, b in enumerate(bodies):
        assert put(bo, tokens[i % 4], b).status_code == 201
    _, start = drain(bo, reader)
    seen: list[int] = []
    done = threading.Event()

    def follow():
        cursor = start
        while True:
            finished = done.is_set()
            page = feed(bo, reader, cursor, limit=5)
            seen.extend(c["seq"] for c in page["changes"])
            cursor = page["cursor"]
            if finished and not page["more"]:
                return

    def move(part):
        for b in part:
            r = event(bo, tokens[bodies.index(b) % 4], b["uuid"], {"type": "withdrawn", "data": {"reason": "撤回"}},
                      str(uuid.uuid4()))
            assert r.status_code == 201, r.text

    follower = threading.Thread(target=follow)
    movers = [threading.Thread(target=move, args=(bodies[i::4],)) for i in range(4)]
    follower.start()
    for t in movers:
        t.start()
    for t in movers:
        t.join()
    done.set()
    follower.join()
    after, _ = drain(bo, reader, start)
    assert seen == [c["seq"] for c in after]
    mine = {c["case_uuid"] for c in after if c.get("state") == "withdrawn"}
    assert {b["uuid"] for b in bodies} <= mine


def test_the_server_publishes_the_committed_contract(bo):
    import yaml

    served = requests.get(f"{bo.url}/api/v1/openapi.json").json()
    committed = yaml.safe_load((Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi.yaml").read_text("utf-8"))
    assert served == committed
    assert served["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
