"""A real back office server for tests: ``python -m backoffice serve`` in a subprocess on a free
loopback port, on SQLite (its own data folder) or PostgreSQL, with a fault plan file.

Use the fixtures (import them into a test module or a conftest)::

    from tests.backoffice_server import backoffice, backoffice_any  # noqa: F401

    def test_x(backoffice):                   # SQLite
        token = backoffice.register("W01")    # the demo hall's enrolment code
        r = requests.put(f"{backoffice.url}/api/v1/cases/{u}", json=body, headers=backoffice.auth(token))
        backoffice.set_faults([{"method": "PUT", "path": "^/api/v1/cases/", "kind": "error_after"}])
        assert backoffice.fired() == 1

``backoffice_any`` runs the test on SQLite and on PostgreSQL (``CLERK_TEST_PG_URL``). Or build one
yourself: ``BackofficeServer(tmp_path / "bo", database_url=None).start()`` … ``.stop()``.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
DEMO_HALL = "33022501"
DEMO_ENROLMENT = "demo-enrol-33022501"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BackofficeServer:
    """One ``backoffice serve`` process. ``url`` is its base (``http://127.0.0.1:PORT``)."""

    def __init__(self, data_dir: Path, database_url: str | None = None, *, workers: int = 1,
                 faults: bool = True, extra_args: tuple[str, ...] = ()) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.database_url = database_url or f"sqlite:///{(self.data_dir / 'backoffice.sqlite3').as_posix()}"
        self.workers = workers
        self.faults_path = self.data_dir / "faults.json" if faults else None
        self.extra_args = extra_args
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.log_path = self.data_dir / "server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        return env

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """``python -m backoffice ARGS --data-dir … --database-url …`` (same database as the server)."""
        cmd = [sys.executable, "-m", "backoffice", *args, "--data-dir", str(self.data_dir),
               "--database-url", self.database_url]
        return subprocess.run(cmd, env=self.env(), capture_output=True, text=True, check=check, timeout=120)

    def start(self, timeout: float = 60.0) -> BackofficeServer:
        if self.faults_path is not None and not self.faults_path.exists():
            self.faults_path.write_text('{"faults": []}', encoding="utf-8")
        for _attempt in range(3):
            self.port = free_port()
            cmd = [sys.executable, "-m", "backoffice", "serve", "--host", "127.0.0.1", "--port", str(self.port),
                   "--data-dir", str(self.data_dir), "--database-url", self.database_url,
                   "--workers", str(self.workers), *self.extra_args]
            if self.faults_path is not None:
                cmd += ["--faults", str(self.faults_path)]
            log = open(self.log_path, "ab")
            self.proc = subprocess.Popen(cmd, env=self.env(), stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
            log.close()
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break  # died (port taken by someone else between free_port and bind?): try another
                try:
                    if requests.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200:
                        return self
                except requests.RequestException:
                    pass
                time.sleep(0.1)
            self.stop()
        raise RuntimeError(f"back office did not start: {self.log_path.read_text(errors='replace')[-3000:]}")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)  # its own session: the workers go with it
            proc.wait(timeout=15)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=5)

    def __enter__(self) -> BackofficeServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # ---- helpers for tests

    def register(self, workstation: str = "W01", hall: str = DEMO_HALL, code: str = DEMO_ENROLMENT) -> str:
        r = requests.post(f"{self.url}/api/v1/workstations", timeout=10,
                          json={"hall_code": hall, "workstation": workstation, "name": workstation,
                                "enrolment_code": code})
        assert r.status_code == 201, r.text
        return r.json()["token"]

    @staticmethod
    def auth(token: str, **headers: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}", **headers}

    def set_faults(self, faults: list[dict[str, Any]]) -> None:
        """Replace the fault plan (read by the server on every request; see backoffice/faults.py)."""
        assert self.faults_path is not None, "started without a fault plan"
        tmp = self.faults_path.with_suffix(".new")
        tmp.write_text(json.dumps({"faults": faults}, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.faults_path)

    def faults(self) -> list[dict[str, Any]]:
        assert self.faults_path is not None
        return json.loads(self.faults_path.read_text(encoding="utf-8")).get("faults", [])

    def fired(self) -> int:
        """How many times the plan's faults fired in all."""
        return sum(f.get("fired", 0) for f in self.faults())


@pytest.fixture
def backoffice(tmp_path):
    """A real back office on SQLite, demo hall seeded, fault plan empty."""
    server = BackofficeServer(tmp_path / "backoffice").start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def backoffice_any(request, tmp_path):
    """The same test against a real back office on SQLite and on PostgreSQL."""
    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    server = BackofficeServer(tmp_path / "backoffice", database_url=url).start()
    yield server
    server.stop()


_numbers = iter(range(1, 10**6))


def sample_case(*, number: str | None = None, attachments: list[dict[str, Any]] | None = None,
                department: str = "象山县市场监督管理局", children: int = 0, hall: str = DEMO_HALL,
                state: str = "accepted") -> dict[str, Any]:
    """A well-formed PUT body (a matter case, or a bundle with ``children`` matter cases)."""
    import uuid as uuidlib

    number = number or f"{hall}W01{time.strftime('%Y%m%d')}{os.getpid() % 100000:05d}{next(_numbers):05d}"
    body: dict[str, Any] = {
        "schema": 1, "uuid": str(uuidlib.uuid4()), "number": number, "hall_code": hall, "workstation": "W01",
        "kind": "bundle" if children else "matter", "state": state,
        "matter_code": None if children else "330225-SC-0001", "matter_name": "" if children else "食品经营许可",
        "bundle_code": "B01" if children else None, "bundle_name": "开办餐饮店一件事" if children else "",
        "department": "多部门联办" if children else department, "catalog_version": "2026.11",
        "accepted_at": time.strftime("%Y-%m-%dT%H:%M:%S"), "promised_date": "2026-12-20", "clerk": "王晓丽",
        "delivery": "window", "post_address": "",
        "applicant": {"kind": "person", "name": "张三", "id_type": "id_card", "id_number": "330225199001011234",
                      "phone": "13812345678", "address": "象山县丹东街道"},
        "proxy": None, "situation": {"who": ["self"]}, "form": {"经营场所": "丹东街道1号"},
        "materials": [{"key": "licence", "name": "营业执照", "status": "presented", "form": "copy", "count": 1,
                       "due_date": None, "attachments": attachments or []},
                      {"key": "plan", "name": "经营场所平面图", "status": "deferred", "form": "original", "count": 1,
                       "due_date": "2026-12-10", "attachments": []}],
        "children": [], "reason": "",
    }
    for i in range(children):
        body["children"].append({"uuid": str(uuidlib.uuid4()), "number": f"{number}-{i + 1}",
                                 "matter_code": f"330225-M-{i + 1:04d}", "matter_name": f"联办事项{i + 1}",
                                 "department": ["象山县市场监督管理局", "象山县卫生健康局", "象山县公安局"][i % 3],
                                 "promised_date": "2026-12-20"})
    return body


def pg_base_url() -> str:
    """The test PostgreSQL server's URL, as tests/conftest.py's ``pg_url`` finds it (CLERK_TEST_PG_URL
    or the run's embedded server), for module-scoped fixtures; skips or fails the same way."""
    url = os.environ.get("CLERK_TEST_PG_URL")
    if url:
        return url
    from tests import pgserver

    require = os.environ.get("CLERK_REQUIRE_PG", "")
    run = os.environ.get(pgserver.RUNDIR_ENV)
    try:
        if not run:
            raise pgserver.PgUnavailable("no run folder for the embedded server")
        if pgserver.bin_dir() is None and require != "1":
            pytest.skip("PostgreSQL not available: set CLERK_TEST_PG_URL or install the test extra")
        return pgserver.shared_url(Path(run))
    except pgserver.PgUnavailable as exc:
        if require == "0":
            pytest.skip(f"PostgreSQL not available: {exc}")
        pytest.fail(f"PostgreSQL not available: {exc}")


def pg_database(base_url: str) -> Any:
    """A fresh PostgreSQL database next to ``base_url``'s (context manager yielding its URL)."""
    import contextlib
    import uuid as uuidlib

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    @contextlib.contextmanager
    def made() -> Any:
        name = f"clerk_bo_{uuidlib.uuid4().hex[:10]}"
        admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

    return made()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def backoffice_shared(request, tmp_path_factory):
    """One real back office for a whole test module, on SQLite and on PostgreSQL. Tests sharing it
    must use their own workstations and case uuids (``sample_case`` makes fresh ones)."""
    folder = tmp_path_factory.mktemp("backoffice")
    if request.param == "sqlite":
        with BackofficeServer(folder) as server:
            yield server
        return
    with pg_database(pg_base_url()) as url, BackofficeServer(folder, database_url=url) as server:
        yield server
