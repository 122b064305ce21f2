"""Blob bytes are files in the back office's blob folder (content-addressed by sha256), the database
keeps what a blob is: an upload resumes after the server restarts, a blob is stored once however
often it is sent, a damaged or short upload is refused with a clear message and nothing of it is
visible, a crash between the file's rename and the row's commit heals, the files are owner-only,
and the migration moves the chunks an older database held into files (and back)."""
from __future__ import annotations

import hashlib
import os
import socket
import stat
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
import sqlalchemy as sa

from backoffice import blobs, core, departments, migrate
from backoffice.models import Blob
from clerk.db import make_engine
from tests.backoffice_server import BackofficeServer, sample_case

TUS = "application/offset+octet-stream"
CHUNK = 256 * 1024


def _stored(blob_dir: Path) -> list[Path]:
    return sorted(p for p in blob_dir.rglob("*") if p.is_file())


def _patch(bo: BackofficeServer, h: dict[str, str], sha: str, offset: int, data: bytes) -> requests.Response:
    return requests.patch(f"{bo.url}/api/v1/blobs/{sha}", data=data, timeout=60,
                          headers={**h, "Upload-Offset": str(offset), "Content-Type": TUS})


def _head(bo: BackofficeServer, h: dict[str, str], sha: str) -> requests.Response:
    return requests.head(f"{bo.url}/api/v1/blobs/{sha}", headers=h, timeout=30)


@pytest.fixture
def bo(tmp_path):
    old = os.umask(0o022)  # a permissive umask: the blob folder must be owner-only anyway
    try:
        server = BackofficeServer(tmp_path / "bo").start()
    finally:
        os.umask(old)
    yield server
    server.stop()


def test_an_upload_resumes_after_a_restart_and_the_files_are_owner_only(bo):
    token = bo.register("W01")
    h = bo.auth(token)
    data = os.urandom(3 * CHUNK + 1234)
    sha = hashlib.sha256(data).hexdigest()
    blob_dir = bo.data_dir / "blobs"
    assert requests.post(f"{bo.url}/api/v1/blobs/{sha}", headers={**h, "Upload-Length": str(len(data))}).status_code == 201
    assert _patch(bo, h, sha, 0, data[:CHUNK]).headers["Upload-Offset"] == str(CHUNK)
    assert _patch(bo, h, sha, CHUNK, data[CHUNK:2 * CHUNK]).status_code == 204
    # what is held so far is a part file beside where the blob will be; nothing complete yet
    assert _stored(blob_dir) == [blob_dir / sha[:2] / f"{sha}.part"]
    assert requests.get(f"{bo.url}/api/v1/blobs/{sha}", headers=h).status_code == 404

    bo.stop()  # the server goes away mid-upload (its running sha256 with it)
    bo.start()
    r = _head(bo, h, sha)
    assert r.headers["Upload-Offset"] == str(2 * CHUNK) and r.headers["Blob-Complete"] == "false"
    r = _patch(bo, h, sha, 0, data[:CHUNK])  # a desk that lost count: told what is held
    assert r.status_code == 409 and r.headers["Upload-Offset"] == str(2 * CHUNK)
    r = _patch(bo, h, sha, 2 * CHUNK, data[2 * CHUNK:])
    assert r.status_code == 204 and r.headers["Blob-Complete"] == "true", r.text

    final = blob_dir / sha[:2] / sha
    assert _stored(blob_dir) == [final] and final.read_bytes() == data
    for folder in (blob_dir, final.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert stat.S_IMODE(final.stat().st_mode) == 0o600
    body = sample_case(attachments=[{"sha256": sha, "size": len(data), "filename": "scan.pdf"}])
    assert requests.put(f"{bo.url}/api/v1/cases/{body['uuid']}", json=body, headers=h).status_code == 201
    assert requests.get(f"{bo.url}/api/v1/blobs/{sha}", headers=h).content == data


def test_a_request_cut_mid_chunk_leaves_a_consistent_offset(bo):
    """The connection drops a third of the way through a chunk's body: HEAD names the bytes that
    arrived and the upload continues from there to a verified blob."""
    token = bo.register("W01")
    h = bo.auth(token)
    data = os.urandom(2 * CHUNK)
    sha = hashlib.sha256(data).hexdigest()
    requests.post(f"{bo.url}/api/v1/blobs/{sha}", headers={**h, "Upload-Length": str(len(data))})
    u = urlsplit(bo.url)
    with socket.create_connection((u.hostname, u.port)) as s:
        head = (f"PATCH /api/v1/blobs/{sha} HTTP/1.1\r\nHost: {u.netloc}\r\nAuthorization: Bearer {token}\r\n"
                f"Upload-Offset: 0\r\nContent-Type: {TUS}\r\nContent-Length: {CHUNK}\r\n\r\n").encode()
        s.sendall(head + data[:CHUNK // 3])
    held = 0
    for _ in range(200):  # the server notices the closed connection on its own time
        held = int(_head(bo, h, sha).headers["Upload-Offset"])
        if held:
            break
        time.sleep(0.05)
    assert held == CHUNK // 3  # what arrived is kept: it is the blob's bytes at those offsets
    r = _patch(bo, h, sha, held, data[held:])
    assert r.status_code == 204 and r.headers["Blob-Complete"] == "true", r.text
    assert requests.get(f"{bo.url}/api/v1/blobs/{sha}", headers=h).status_code == 404  # named by no case yet
    assert (bo.data_dir / "blobs" / sha[:2] / sha).read_bytes() == data


def test_a_duplicate_upload_is_not_stored_twice(bo):
    """Two desks send the same scan at once, then again: one file, one row, both told complete."""
    from clerk.sync.http import Client
    from clerk.sync.push import upload_blob

    data = os.urandom(5 * CHUNK + 7)
    sha = hashlib.sha256(data).hexdigest()
    results = []
    desks = []
    for ws in ("W01", "W02"):
        files = bo.data_dir.parent / f"desk-{ws}"
        (files / sha[:2]).mkdir(parents=True)
        (files / sha[:2] / sha).write_bytes(data)
        desks.append((Client(bo.url, bo.register(ws)), files))
    barrier = threading.Barrier(2)

    def send(client, files):
        barrier.wait()
        results.append(upload_blob(client, files, sha, len(data), chunk=CHUNK))

    threads = [threading.Thread(target=send, args=d) for d in desks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.kind for r in results] == ["ok", "ok"], results
    again = upload_blob(desks[0][0], desks[0][1], sha, len(data), chunk=CHUNK)
    assert again.ok and again.data.get("skipped") is True  # one POST: never sent again
    blob_dir = bo.data_dir / "blobs"
    assert _stored(blob_dir) == [blob_dir / sha[:2] / sha]
    assert (blob_dir / sha[:2] / sha).read_bytes() == data
    r = requests.post(f"{bo.url}/api/v1/blobs/{sha}", headers=bo.auth(bo.register("W03"), **{"Upload-Length": str(len(data))}))
    assert r.status_code == 200 and r.headers["Blob-Complete"] == "true"
    store = core.Store(bo.database_url)
    try:
        with store.read() as s:
            assert s.scalar(sa.select(sa.func.count()).select_from(Blob)) == 1
    finally:
        store.dispose()


def test_a_damaged_or_short_upload_is_refused_and_nothing_of_it_is_visible(bo):
    token = bo.register("W01")
    h = bo.auth(token)
    data = os.urandom(2 * CHUNK)
    sha = hashlib.sha256(data).hexdigest()
    blob_dir = bo.data_dir / "blobs"
    body = sample_case(attachments=[{"sha256": sha, "size": len(data), "filename": "scan.pdf"}])

    # short: the desk stops half way; the blob is not there for a case, a reader or a HEAD's "complete"
    requests.post(f"{bo.url}/api/v1/blobs/{sha}", headers={**h, "Upload-Length": str(len(data))})
    assert _patch(bo, h, sha, 0, data[:CHUNK]).status_code == 204
    r = requests.put(f"{bo.url}/api/v1/cases/{body['uuid']}", json=body, headers=h)
    assert r.status_code == 422 and r.json()["error"]["code"] == "missing_blob" and sha in r.text
    assert _head(bo, h, sha).headers["Blob-Complete"] == "false"
    assert not (blob_dir / sha[:2] / sha).exists()

    # damaged: one byte of the last chunk flipped → refused in Chinese, the partial file deleted
    bad = bytearray(data[CHUNK:])
    bad[100] ^= 0xFF
    r = _patch(bo, h, sha, CHUNK, bytes(bad))
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] == "checksum_mismatch" and "校验失败" in err["message"]
    assert r.headers["Upload-Offset"] == "0" and r.headers["Blob-Complete"] == "false"
    assert _stored(blob_dir) == []
    r = _head(bo, h, sha)
    assert r.headers["Upload-Offset"] == "0" and r.headers["Blob-Complete"] == "false"
    assert requests.put(f"{bo.url}/api/v1/cases/{body['uuid']}", json=body, headers=h).status_code == 422

    # the right bytes from 0 then make the blob, and the case goes in
    assert _patch(bo, h, sha, 0, data).headers["Blob-Complete"] == "true"
    assert requests.put(f"{bo.url}/api/v1/cases/{body['uuid']}", json=body, headers=h).status_code == 201
    assert requests.get(f"{bo.url}/api/v1/blobs/{sha}", headers=h).content == data


# --------------------------------------------------------------------------- in process

@pytest.fixture
def local(tmp_path):
    url = f"sqlite:///{(tmp_path / 'bo.sqlite3').as_posix()}"
    migrate.upgrade(url)
    store = core.Store(url)
    departments.seed_demo(store)
    token = core.register_workstation(store, "33022501", "W01", "1号窗口", "demo-enrol-33022501").body["token"]
    files = blobs.BlobFiles(blobs.private_root(tmp_path / "blobs"))
    yield store, files, f"Bearer {token}"
    store.dispose()


def test_killed_between_the_rename_and_the_commit_the_blob_heals(local):
    """The verified file was renamed into place, then the process died before the row said
    complete: HEAD (and POST, PATCH) find the file, check it and complete the row."""
    store, files, who = local
    data = os.urandom(100_000)
    sha = hashlib.sha256(data).hexdigest()
    blobs.create_blob(store, files, who, sha, len(data))
    with files.writing(sha) as fd:
        files.append(sha, fd, 0, data, len(data))
        files.commit(sha, fd)  # … and no _mark_complete: the kill
    with store.read() as s:
        assert s.get(Blob, sha).complete is False
    assert blobs.head_blob(store, files, who, sha)["Blob-Complete"] == "true"
    with store.read() as s:
        assert s.get(Blob, sha).complete is True
    # a file under a blob's name that is not its bytes is never taken for it
    other = os.urandom(1000)
    sha2 = hashlib.sha256(other).hexdigest()
    blobs.create_blob(store, files, who, sha2, len(other))
    files.final(sha2).write_bytes(b"x" * len(other))
    assert blobs.head_blob(store, files, who, sha2) == {"Upload-Offset": "0", "Upload-Length": "1000",
                                                        "Blob-Complete": "false"}
    assert blobs.patch_blob(store, files, who, sha2, 0, other).headers["Blob-Complete"] == "true"
    assert files.final(sha2).read_bytes() == other


def test_bytes_written_past_the_reply_are_what_the_next_offset_says(local):
    """A worker killed after writing but before replying: the file's size is the offset, and the
    running checksum is rebuilt from the file by whoever writes next."""
    store, files, who = local
    data = os.urandom(3 * CHUNK)
    sha = hashlib.sha256(data).hexdigest()
    blobs.create_blob(store, files, who, sha, len(data))
    with files.writing(sha) as fd:
        files.append(sha, fd, 0, data[:CHUNK], len(data))
    fresh = blobs.BlobFiles(files.root)  # another worker: no running checksum in memory
    assert blobs.head_blob(store, fresh, who, sha)["Upload-Offset"] == str(CHUNK)
    with pytest.raises(core.ApiError) as exc:
        blobs.patch_blob(store, fresh, who, sha, 0, data[:CHUNK])
    assert exc.value.code == "offset_mismatch" and exc.value.headers["Upload-Offset"] == str(CHUNK)
    blobs.patch_blob(store, fresh, who, sha, CHUNK, data[CHUNK:2 * CHUNK])
    reply = blobs.patch_blob(store, files, who, sha, 2 * CHUNK, data[2 * CHUNK:])  # the first worker again
    assert reply.headers["Blob-Complete"] == "true"
    assert b"".join(blobs.read_blob(store, files, sha)) == data


def test_a_second_writer_of_the_same_blob_waits_then_is_told_to_retry(local):
    """Two workers (two open files, one ``flock``) never write one part file at once; one held
    too long answers 503 ``upload_busy`` with ``Retry-After`` (the desk waits, no failure counted)."""
    store, files, who = local
    data = os.urandom(1000)
    sha = hashlib.sha256(data).hexdigest()
    blobs.create_blob(store, files, who, sha, len(data))
    other = blobs.BlobFiles(files.root)
    other.lock_wait = 0.2
    with files.writing(sha):
        with pytest.raises(core.ApiError) as exc:
            blobs.patch_blob(store, other, who, sha, 0, data)
    assert exc.value.status == 503 and exc.value.code == "upload_busy" and exc.value.headers["Retry-After"]
    assert blobs.patch_blob(store, other, who, sha, 0, data).headers["Blob-Complete"] == "true"


@pytest.mark.parametrize("dialect", ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def test_migration_moves_chunk_rows_into_files_and_back(tmp_path, request, dialect):
    url = request.getfixturevalue("pg_url") if dialect == "postgresql" else \
        f"sqlite:///{(tmp_path / 'old.sqlite3').as_posix()}"
    migrate.upgrade(url, "bo0001")
    done, part, bad = os.urandom(300_000), os.urandom(200_000), os.urandom(50_000)
    sha_done, sha_part, sha_bad = (hashlib.sha256(x).hexdigest() for x in (done, part, bad))
    engine = make_engine(url)
    with engine.begin() as c:
        ins_blob = sa.text('INSERT INTO bo_blob (sha256, length, "offset", complete, created_at) '
                           "VALUES (:s, :l, :o, :c, '2026-12-01 09:00:00')")
        ins_chunk = sa.text('INSERT INTO bo_blob_chunk (sha256, "offset", data) VALUES (:s, :o, :d)')
        c.execute(ins_blob, {"s": sha_done, "l": len(done), "o": len(done), "c": True})
        c.execute(ins_chunk, {"s": sha_done, "o": 0, "d": done[:100_000]})
        c.execute(ins_chunk, {"s": sha_done, "o": 100_000, "d": done[100_000:]})
        c.execute(ins_blob, {"s": sha_part, "l": len(part), "o": 120_000, "c": False})
        c.execute(ins_chunk, {"s": sha_part, "o": 0, "d": part[:120_000]})
        c.execute(ins_blob, {"s": sha_bad, "l": len(bad), "o": len(bad), "c": True})
        c.execute(ins_chunk, {"s": sha_bad, "o": 0, "d": bad[:-1] + b"?"})
    engine.dispose()

    with pytest.raises(RuntimeError, match="附件目录"):  # chunks and nowhere to put them: refused
        migrate.upgrade(url)
    assert migrate.current(url) == "bo0001"
    blob_dir = tmp_path / "blobs"
    migrate.upgrade(url, blob_dir=blob_dir)
    assert migrate.current(url) == migrate.HEAD_REVISION
    files = blobs.BlobFiles(blob_dir)
    assert files.final(sha_done).read_bytes() == done
    assert files.part(sha_part).read_bytes() == part[:120_000] and files.held(sha_part) == 120_000
    assert not files.final(sha_bad).exists() and files.held(sha_bad) == 0
    assert stat.S_IMODE(files.final(sha_done).stat().st_mode) == 0o600
    assert stat.S_IMODE(files.folder(sha_done).stat().st_mode) == 0o700
    store = core.Store(url)
    try:
        with store.read() as s:
            assert {b.sha256: b.complete for b in s.scalars(sa.select(Blob))} == \
                {sha_done: True, sha_part: False, sha_bad: False}
        assert b"".join(blobs.read_blob(store, files, sha_done)) == done
    finally:
        store.dispose()

    _downgrade(url, blob_dir)
    engine = make_engine(url)
    with engine.connect() as c:
        rows = {r[0]: r[1:] for r in c.execute(sa.text('SELECT sha256, "offset", complete FROM bo_blob'))}
        got = b"".join(r[0] for r in c.execute(sa.text(
            'SELECT data FROM bo_blob_chunk WHERE sha256 = :s ORDER BY "offset"'), {"s": sha_done}))
    engine.dispose()
    assert got == done
    assert rows[sha_done][0] == len(done) and rows[sha_part][0] == 120_000


def _downgrade(url: str, blob_dir: Path) -> None:
    from alembic import command

    command.downgrade(migrate.alembic_config(url, blob_dir), "bo0001")


def test_every_byte_held_but_never_finished_is_finished_by_the_next_desk(bo):
    """A desk's last chunk arrived whole but the desk went away before the server finished the
    blob (the bytes that arrived are kept): HEAD says every byte is held and the blob is not
    complete. The next upload has no chunk left to send; it asks the server to finish (an empty
    PATCH at the end) instead of reporting 上传未完成 round after round for ever."""
    from clerk.sync.http import Client
    from clerk.sync.push import upload_blob

    data = os.urandom(2 * CHUNK + 3)
    sha = hashlib.sha256(data).hexdigest()
    token = bo.register("W01")
    r = requests.post(f"{bo.url}/api/v1/blobs/{sha}", headers=bo.auth(token, **{"Upload-Length": str(len(data))}))
    assert r.status_code == 201
    part = bo.data_dir / "blobs" / sha[:2] / f"{sha}.part"
    part.write_bytes(data)  # every byte arrived; the finish never ran
    head = requests.head(f"{bo.url}/api/v1/blobs/{sha}", headers=bo.auth(token))
    assert (head.headers["Upload-Offset"], head.headers["Blob-Complete"]) == (str(len(data)), "false")
    files = bo.data_dir.parent / "desk-W01"
    (files / sha[:2]).mkdir(parents=True)
    (files / sha[:2] / sha).write_bytes(data)
    got = upload_blob(Client(bo.url, token), files, sha, len(data), chunk=CHUNK)
    assert got.kind == "ok", got
    blob_dir = bo.data_dir / "blobs"
    assert _stored(blob_dir) == [blob_dir / sha[:2] / sha]
    assert (blob_dir / sha[:2] / sha).read_bytes() == data


def test_a_desk_whose_scan_another_desk_finished_meanwhile_is_told_it_is_complete(bo):
    """Desk B asked where the upload stood, then desk A sent the whole scan before B's first
    chunk: B's stale chunk is answered 'complete' and B is done — not told to retry an upload
    that is complete."""
    from clerk.sync.http import Client
    from clerk.sync.push import upload_blob

    data = os.urandom(3 * CHUNK + 5)
    sha = hashlib.sha256(data).hexdigest()
    desks = []
    for ws in ("W01", "W02"):
        files = bo.data_dir.parent / f"desk-{ws}"
        (files / sha[:2]).mkdir(parents=True)
        (files / sha[:2] / sha).write_bytes(data)
        desks.append((Client(bo.url, bo.register(ws)), files))
    (a, a_files), (b, b_files) = desks
    seen: list[tuple[str, int]] = []

    class Late:
        """B's client: before B's first PATCH goes out, A uploads everything."""

        def __init__(self, inner):
            self.inner, self.first = inner, True

        def request(self, method, url, **kw):
            if method == "PATCH" and self.first:
                self.first = False
                assert upload_blob(a, a_files, sha, len(data), chunk=CHUNK).ok
            resp = self.inner.request(method, url, **kw)
            seen.append((method, resp.status_code))
            return resp

    got = upload_blob(Late(b), b_files, sha, len(data), chunk=CHUNK)
    assert got.kind == "ok", (got, seen)
    assert ("PATCH", 409) in seen or ("PATCH", 204) in seen
    blob_dir = bo.data_dir / "blobs"
    assert _stored(blob_dir) == [blob_dir / sha[:2] / sha]


def test_a_chunk_reply_naming_an_unexpected_offset_is_followed_by_asking_where_the_server_stands(bo):
    """A 204 whose Upload-Offset is not where the chunk should have left it (seen once when two
    desks sent the same scan at once): the desk asks (HEAD) and goes on from the server's offset,
    rather than giving the round up; the server's checksum at the end guards the bytes."""
    from clerk.sync.http import Client
    from clerk.sync.push import upload_blob

    data = os.urandom(3 * CHUNK + 11)
    sha = hashlib.sha256(data).hexdigest()
    files = bo.data_dir.parent / "desk-W01"
    (files / sha[:2]).mkdir(parents=True)
    (files / sha[:2] / sha).write_bytes(data)
    seen: list[str] = []

    class Odd:
        def __init__(self, inner):
            self.inner, self.patches = inner, 0

        def request(self, method, url, **kw):
            resp = self.inner.request(method, url, **kw)
            seen.append(method)
            if method == "PATCH":
                self.patches += 1
                if self.patches == 2 and resp.status_code == 204:
                    resp.headers["Upload-Offset"] = "7"  # a reply that says something else
            return resp

    got = upload_blob(Odd(Client(bo.url, bo.register("W01"))), files, sha, len(data), chunk=CHUNK)
    assert got.kind == "ok", (got, seen)
    assert seen[0] == "POST" and seen.count("HEAD") == 1  # the first look is the POST; one HEAD after the odd reply
    blob_dir = bo.data_dir / "blobs"
    assert (blob_dir / sha[:2] / sha).read_bytes() == data


class _Seen:
    """A desk's client that notes (method, status, body bytes) of every request it makes."""

    def __init__(self, inner):
        self.inner, self.seen = inner, []

    def request(self, method, url, **kw):
        resp = self.inner.request(method, url, **kw)
        body = kw.get("data")
        self.seen.append((method, resp.status_code, len(body) if body is not None else 0))
        return resp


def _desk_copy(bo: BackofficeServer, data: bytes, ws: str = "W01") -> tuple[Path, str]:
    sha = hashlib.sha256(data).hexdigest()
    files = bo.data_dir.parent / f"desk-{ws}"
    (files / sha[:2]).mkdir(parents=True)
    (files / sha[:2] / sha).write_bytes(data)
    return files, sha


def test_a_scan_goes_in_one_post_and_one_streamed_patch(bo):
    """The desk's first look is the POST (it creates the upload or says where it stands); the
    whole scan then goes in one PATCH streamed from the file; sent again, one POST says it is
    there and nothing is sent."""
    from clerk.sync.http import Client
    from clerk.sync.push import upload_blob

    data = os.urandom(9 * 1024 * 1024 + 5)
    files, sha = _desk_copy(bo, data)
    desk = _Seen(Client(bo.url, bo.register("W01")))
    got = upload_blob(desk, files, sha, len(data))
    assert got.kind == "ok", (got, desk.seen)
    assert desk.seen == [("POST", 201, 0), ("PATCH", 204, len(data))]
    blob_dir = bo.data_dir / "blobs"
    assert _stored(blob_dir) == [blob_dir / sha[:2] / sha] and (blob_dir / sha[:2] / sha).read_bytes() == data
    desk.seen.clear()
    again = upload_blob(desk, files, sha, len(data))
    assert again.ok and again.data.get("skipped") is True and desk.seen == [("POST", 200, 0)]


def test_a_server_that_refuses_a_big_body_gets_the_scan_in_4_mib_chunks(bo):
    """413 for the one big PATCH (a proxy before the server capping request bodies): the desk
    asks where the upload stands and sends the rest in 4 MiB chunks, in the same round."""
    from clerk.sync.http import Client
    from clerk.sync.push import SMALL_CHUNK, upload_blob

    data = os.urandom(2 * SMALL_CHUNK + 777)
    files, sha = _desk_copy(bo, data)
    bo.set_faults([{"method": "PATCH", "path": "^/api/v1/blobs/", "kind": "too_large", "count": 1}])
    desk = _Seen(Client(bo.url, bo.register("W01")))
    got = upload_blob(desk, files, sha, len(data))
    assert got.kind == "ok", (got, desk.seen)
    assert desk.seen == [("POST", 201, 0), ("PATCH", 413, len(data)), ("HEAD", 200, 0),
                         ("PATCH", 204, SMALL_CHUNK), ("PATCH", 204, SMALL_CHUNK), ("PATCH", 204, 777)]
    assert (bo.data_dir / "blobs" / sha[:2] / sha).read_bytes() == data


def _tmpfs(path: Path) -> bool:
    best, kind = "", ""
    for line in Path("/proc/mounts").read_text().splitlines():
        mount, fstype = line.split()[1:3]
        if str(path).startswith(mount) and len(mount) > len(best):
            best, kind = mount, fstype
    return kind in ("tmpfs", "ramfs")


def _resident_pages(path: Path) -> tuple[int, int]:
    """(pages of the file in the page cache, pages of the file): Linux ``mincore``."""
    import ctypes
    import mmap

    size = path.stat().st_size
    libc = ctypes.CDLL(None, use_errno=True)
    with path.open("rb") as f:
        mm = mmap.mmap(f.fileno(), size, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ | mmap.PROT_WRITE)
    try:
        anchor = ctypes.c_char.from_buffer(mm)
        pages = (size + mmap.PAGESIZE - 1) // mmap.PAGESIZE
        vec = (ctypes.c_ubyte * pages)()
        rc = libc.mincore(ctypes.c_void_p(ctypes.addressof(anchor)), ctypes.c_size_t(size), vec)
        del anchor
        assert rc == 0, ctypes.get_errno()
        return sum(v & 1 for v in vec), pages
    finally:
        mm.close()


@pytest.mark.skipif(not os.path.exists("/proc/mounts"), reason="page cache residency is read with Linux mincore")
def test_a_stored_blob_leaves_the_page_cache(local, tmp_path):
    """The bytes of an upload are written out and dropped from the page cache behind the writer
    and after the commit: scans do not push the database out of memory (and an upload reuses a
    few MiB of pages instead of taking fresh ones for every 4 KiB)."""
    store, files, who = local
    if _tmpfs(files.root):
        pytest.skip("the blob folder is on tmpfs: its pages are the storage")  # nothing to drop there
    data = os.urandom(12 * 1024 * 1024)
    sha = hashlib.sha256(data).hexdigest()
    blobs.create_blob(store, files, who, sha, len(data))
    up = blobs.begin_patch(store, files, who, sha, 0, len(data))
    assert isinstance(up, blobs.Upload)
    try:
        step = 1024 * 1024
        for at in range(0, len(data), step):
            up.write_file([data[at:at + step // 2], data[at + step // 2:at + step]])
            up.hash([data[at:at + step // 2], data[at + step // 2:at + step]])
        behind, pages = _resident_pages(files.part(sha))
        assert behind <= (blobs.DROP_LAG + step) // 4096 + 16, (behind, pages)  # only the last few MiB cached
        assert up.finish().headers["Blob-Complete"] == "true"
    finally:
        up.close()
    cached, pages = _resident_pages(files.final(sha))
    assert pages == len(data) // 4096 and cached <= pages // 20, (cached, pages)
    assert files.final(sha).read_bytes() == data


def test_abandoned_uploads_are_swept_and_a_desk_starts_them_again(local):
    """A part file nobody wrote for a week goes (under its lock: one an upload holds stays), an
    incomplete row with no bytes left goes, a row whose verified file is in place is completed;
    ``--dry-run`` only counts. The desk that comes back later sends that scan from 0."""
    store, files, who = local

    def started(n: int, written: int = 0) -> tuple[bytes, str]:
        data = os.urandom(n)
        sha = hashlib.sha256(data).hexdigest()
        blobs.create_blob(store, files, who, sha, n)
        if written:
            assert blobs.patch_blob(store, files, who, sha, 0, data[:written]).headers["Blob-Complete"] == "false"
        return data, sha

    a, sha_a = started(3 * CHUNK, CHUNK)  # half sent, then the desk never came back
    _b, sha_b = started(2 * CHUNK, CHUNK)  # half sent, and an upload holds it right now
    _c, sha_c = started(CHUNK)  # POST only (an empty part file)
    d, sha_d = started(CHUNK)  # every byte, renamed, then killed before the row said complete
    with files.writing(sha_d) as fd:
        files.append(sha_d, fd, 0, d, len(d))
        files.commit(sha_d, fd)

    assert blobs.sweep(store, files) == blobs.Swept()  # nothing is a week old yet
    later = time.time() + 8 * 86400
    dry = blobs.sweep(store, files, now_ts=later, dry_run=True)
    assert (dry.parts, dry.part_bytes, dry.rows, dry.healed, dry.busy) == (3, 2 * CHUNK, 3, 1, 0)
    assert files.part(sha_a).exists() and files.part(sha_b).exists()
    with files.writing(sha_b):
        swept = blobs.sweep(store, files, now_ts=later)
    assert (swept.parts, swept.part_bytes, swept.rows, swept.healed, swept.busy) == (2, CHUNK, 2, 1, 1)
    assert "已清理 2 个" in swept.line(7) and "1 busy" in swept.line(7)
    assert not files.part(sha_a).exists() and files.part(sha_b).exists()
    with store.read() as s:
        assert s.get(Blob, sha_a) is None and s.get(Blob, sha_c) is None
        assert s.get(Blob, sha_b).complete is False and s.get(Blob, sha_d).complete is True

    # the desk comes back: its POST starts the upload again and the bytes go from 0
    reply = blobs.create_blob(store, files, who, sha_a, len(a))
    assert reply.status == 201 and reply.headers["Upload-Offset"] == "0"
    assert blobs.patch_blob(store, files, who, sha_a, 0, a).headers["Blob-Complete"] == "true"
    assert files.final(sha_a).read_bytes() == a


def test_the_server_sweeps_at_start_up_and_the_command_sweeps_on_demand(tmp_path):
    """``serve`` sweeps abandoned uploads when it starts (then every few hours);
    ``clerk backoffice sweep [--dry-run]`` does it on demand and says what it did in Chinese."""
    bo = BackofficeServer(tmp_path / "bo")
    with bo:
        token = bo.register("W01")
        h = bo.auth(token)
        old = []
        for _ in range(2):
            data = os.urandom(2 * CHUNK)
            sha = hashlib.sha256(data).hexdigest()
            requests.post(f"{bo.url}/api/v1/blobs/{sha}", headers={**h, "Upload-Length": str(len(data))})
            assert _patch(bo, h, sha, 0, data[:CHUNK]).status_code == 204
            old.append(bo.data_dir / "blobs" / sha[:2] / f"{sha}.part")
    week_ago = time.time() - 8 * 86400
    os.utime(old[0], (week_ago, week_ago))
    with bo:
        for _ in range(200):  # the start-up sweep runs beside the first requests
            if not old[0].exists():
                break
            time.sleep(0.05)
        assert not old[0].exists() and old[1].exists()
        assert "swept 1 abandoned" in bo.log_path.read_text(errors="replace")
        os.utime(old[1], (week_ago, week_ago))
        out = bo.cli("sweep", "--dry-run").stdout
        assert "将清理 1 个超过 7 天未续传的附件上传" in out and old[1].exists()
        out = bo.cli("sweep").stdout
        assert "已清理 1 个超过 7 天未续传的附件上传" in out and not old[1].exists()
        sha = old[1].name[:-len(".part")]
        r = _head(bo, h, sha)
        assert (r.headers["Upload-Offset"], r.headers["Blob-Complete"]) == ("0", "false")


def test_uploads_waiting_for_bytes_hold_no_worker_thread(bo):
    """Fifty desks on slow village lines, each in the middle of a PATCH: a request that needs a
    worker thread (HEAD, a case PUT) is still answered at once — an upload takes a thread only
    while it has bytes to write (the pool has 40)."""
    token = bo.register("W01")
    h = bo.auth(token)
    u = urlsplit(bo.url)
    socks, blobs_ = [], []
    for _ in range(50):
        data = os.urandom(2 * CHUNK)
        sha = hashlib.sha256(data).hexdigest()
        assert requests.post(f"{bo.url}/api/v1/blobs/{sha}",
                             headers={**h, "Upload-Length": str(len(data))}).status_code == 201
        blobs_.append((sha, data))
    try:
        for sha, data in blobs_:
            s = socket.create_connection((u.hostname, u.port))
            s.sendall((f"PATCH /api/v1/blobs/{sha} HTTP/1.1\r\nHost: {u.netloc}\r\nAuthorization: Bearer {token}\r\n"
                       f"Upload-Offset: 0\r\nContent-Type: {TUS}\r\nContent-Length: {len(data)}\r\n\r\n").encode()
                      + data[:CHUNK // 4])  # a quarter of the first piece, then the line goes quiet
            socks.append(s)
        time.sleep(0.5)
        started = time.monotonic()
        r = requests.head(f"{bo.url}/api/v1/blobs/{sha}", headers=h, timeout=10)
        assert r.status_code == 200 and time.monotonic() - started < 5
        body = sample_case()
        assert requests.put(f"{bo.url}/api/v1/cases/{body['uuid']}", json=body, headers=h, timeout=10).status_code == 201
    finally:
        for s in socks:
            s.close()
