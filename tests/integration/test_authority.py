"""A1: every data-changing command and service has a signed-in author with the right role, and
leaves an audit entry naming user and workstation. Real SQLite in a temporary data folder, the
real ``clerk`` entry function (``clerk.cli.main``)."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

import clerk.commands
from clerk import auth, queue
from clerk.cli import EXIT_REFUSED
from clerk.commands import open_db
from clerk.config import load_config
from clerk.errors import IllegalTransition, PermissionDenied
from clerk.models import AuditEntry, Matter
from tests.clirunner import make_cli

HALL = "33022501"


@pytest.fixture
def cli(monkeypatch, tmp_path, capsys):
    return make_cli(monkeypatch, tmp_path, capsys)


def _db(cli):
    class A:
        data_dir = str(cli.data)
    return open_db(A())


def _audit(db, action: str) -> list[AuditEntry]:
    with db.uow() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def _one_matter_file(tmp_path) -> str:
    path = tmp_path / "one.json"
    src = json.loads((__import__("pathlib").Path(__file__).parents[1] / "fixtures" / "catalog_small.json")
                     .read_text(encoding="utf-8"))
    src["matters"], src["bundles"] = src["matters"][:1], []
    path.write_text(json.dumps(src, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_catalog_replace_needs_a_signed_in_manager_and_is_audited(cli, tmp_path, monkeypatch):
    """Given the demo catalog, when `catalog import --replace` of a one-matter file runs with no
    user, a wrong password or a clerk, then it is refused (exit 3) and no matter changes; a
    manager's replace is applied and audited with user and workstation."""
    db = _db(cli)
    with db.uow() as s:
        before = s.scalar(select(func.count()).select_from(Matter).where(Matter.active))
    assert before > 50
    one = _one_matter_file(tmp_path)

    rc, _, err = cli("catalog", "import", "--replace", one)
    assert rc == EXIT_REFUSED and "需要登录" in err and "--user" in err
    monkeypatch.setenv("CLERK_PASSWORD", "wrong")
    rc, _, err = cli("--user", "manager", "catalog", "import", "--replace", one)
    assert rc == EXIT_REFUSED and "用户名或密码错误" in err
    monkeypatch.setenv("CLERK_PASSWORD", "clerk123")
    rc, _, err = cli("--user", "clerk", "catalog", "import", "--replace", one)
    assert rc == EXIT_REFUSED and "只有中心管理员、系统管理员可以导入或替换事项目录" in err
    with db.uow() as s:
        assert s.scalar(select(func.count()).select_from(Matter).where(Matter.active)) == before
    assert _audit(db, "catalog.replace") == []
    assert [e.username for e in _audit(db, "login.failed")] == ["manager"]

    monkeypatch.setenv("CLERK_PASSWORD", "manager123")
    rc, out, err = cli("--user", "manager", "catalog", "import", "--replace", one)
    assert rc == 0, err
    with db.uow() as s:
        assert s.scalar(select(func.count()).select_from(Matter).where(Matter.active)) == 1
    [entry] = _audit(db, "catalog.replace")
    assert (entry.username, entry.workstation) == ("manager", "W01")
    assert entry.detail["matters"] == 1 and entry.detail["removed"] + entry.detail["deactivated"] == before - 1


def test_queue_settings_and_pause_are_refused_without_sign_in(cli, monkeypatch):
    rc, _, err = cli("queue", "grace", "--set", "0")
    assert rc == EXIT_REFUSED and "修改大厅排队设置需要登录" in err
    rc, _, err = cli("queue", "pause", "--window", "3")
    assert rc == EXIT_REFUSED
    rc, _, err = cli("queue", "lanes", "--reset")
    assert rc == EXIT_REFUSED
    db = _db(cli)
    assert queue.no_show_grace_minutes(db, HALL) == 30
    assert queue.queue_status(db, HALL).windows[2].paused is False
    # Read-only commands stay open.
    rc, out, _ = cli("queue", "grace", "--json")
    assert rc == 0 and json.loads(out)["no_show_grace_minutes"] == 30
    rc, out, _ = cli("queue", "status", "--json")
    assert rc == 0
    monkeypatch.setenv("CLERK_PASSWORD", "clerk123")
    rc, _, err = cli("--user", "clerk", "queue", "grace", "--set", "0")
    assert rc == EXIT_REFUSED and "只有中心管理员、系统管理员可以修改大厅排队设置" in err
    monkeypatch.setenv("CLERK_PASSWORD", "manager123")
    rc, _, _ = cli("--user", "manager", "queue", "grace", "--set", "5")
    assert rc == 0 and queue.no_show_grace_minutes(db, HALL) == 5
    [entry] = _audit(db, "queue.grace")
    assert (entry.username, entry.workstation, entry.detail) == ("manager", "W01", {"before": 30, "after": 5})


def test_finish_and_no_show_only_by_the_holding_window_unless_manager(cli, monkeypatch):
    """A ticket called at window 3 by the app (its holder) cannot be finished or marked 过号 by a
    clerk at the CLI; a manager may; each change is audited."""
    db = _db(cli)
    ws = load_config(cli.data).workstation
    t = queue.take_ticket(db, HALL, "SS", user=auth.service_account("kiosk", "K01"), workstation="K01")
    queue.call_next(db, HALL, 3, "pc-3:3:111")
    monkeypatch.setenv("CLERK_PASSWORD", "clerk123")
    for action in ("finish", "no-show"):
        rc, _, err = cli("--user", "clerk", "queue", action, "--ticket", t.display)
        assert rc == 1 and "已由其他窗口呼叫（3 号窗口）" in err
    assert queue.find_ticket(db, HALL, t.display).state == "called"
    monkeypatch.setenv("CLERK_PASSWORD", "manager123")
    rc, out, err = cli("--user", "manager", "queue", "no-show", "--ticket", t.display, "--json")
    assert rc == 0 and json.loads(out)["state"] == "no_show"
    [entry] = _audit(db, "queue.no_show")
    assert (entry.username, entry.workstation, entry.entity_id) == ("manager", ws, t.display)
    assert entry.detail == {"before": "called", "after": "no_show"}
    [took] = _audit(db, "queue.take")
    assert (took.username, took.workstation) == ("kiosk:K01", "K01")


def test_a_clerk_finishes_the_ticket_their_own_cli_call_holds(cli, monkeypatch):
    monkeypatch.setenv("CLERK_USER", "clerk")
    monkeypatch.setenv("CLERK_PASSWORD", "clerk123")
    rc, out, _ = cli("queue", "take", "--zone", "SS", "--json")
    number = json.loads(out)["display"]
    rc, out, _ = cli("queue", "call", "--window", "1", "--json")
    assert rc == 0 and json.loads(out)["display"] == number
    rc, out, err = cli("queue", "finish", "--window", "1", "--json")
    assert rc == 0 and json.loads(out)["state"] == "done", err
    db = _db(cli)
    assert [(e.action, e.username) for e in _audit(db, "queue.call") + _audit(db, "queue.finish")] == [
        ("queue.call", "clerk"), ("queue.finish", "clerk")]


def test_a_holder_copied_from_another_window_does_not_open_its_ticket(cli, monkeypatch):
    """Window 3's app, signed in as 王芳, holds a called ticket. The clerk at the CLI copies that
    holder (from the database, a log or a screen) and passes it as ``--holder``: the service binds a holder
    to the signed-in user, so the copy names 王芳, not them, and finish/no-show/start/transfer
    are refused; 王芳's own window goes on."""
    from clerk import accounts
    from clerk.auth import login

    db = _db(cli)
    accounts.add_user(db, "wangfang", "王芳", "clerk", "wangfang-2026")
    wangfang = login(db, "wangfang", "wangfang-2026", "W03")
    queue.take_ticket(db, HALL, "SS")
    seat = queue.bind_holder("pc-3:3:111", wangfang)
    t = queue.call_next(db, HALL, 3, "pc-3:3:111", user=wangfang, workstation="W03")
    assert t.holder == seat == "pc-3:3:111~wangfang"
    monkeypatch.setenv("CLERK_PASSWORD", "clerk123")
    for action in (("finish",), ("no-show",), ("start",), ("transfer", "--to-zone", "SS")):
        for copied in (seat, "pc-3:3:111"):
            rc, _, err = cli("--user", "clerk", "queue", *action, "--ticket", t.display, "--holder", copied)
            assert rc == 1 and "已由其他窗口呼叫（3 号窗口）" in err, (action, copied, err)
    assert queue.find_ticket(db, HALL, t.display).state == "called"
    done = queue.start_serving(db, t.id, "pc-3:3:111", user=wangfang, workstation="W03")
    assert done.state == "serving" and done.holder == seat


def test_anonymous_take_is_the_kiosk_service_account_which_can_do_nothing_else(cli):
    rc, out, _ = cli("queue", "take", "--zone", "SS", "--json")
    assert rc == 0
    db = _db(cli)
    [entry] = _audit(db, "queue.take")
    assert entry.username == "kiosk:W01"
    kiosk = auth.service_account("kiosk", "K01")
    display = auth.service_account("display", "D01")
    with pytest.raises(PermissionDenied, match="只有"):
        queue.call_next(db, HALL, 1, "k", user=kiosk)
    with pytest.raises(PermissionDenied):
        queue.set_no_show_grace(db, HALL, 0, user=kiosk)
    with pytest.raises(PermissionDenied):
        queue.take_ticket(db, HALL, "SS", user=display)
    with pytest.raises(PermissionDenied):
        queue.pause_window(db, HALL, 1, user=kiosk)


def test_calendar_import_needs_a_manager(cli, tmp_path, monkeypatch):
    path = tmp_path / "cal.csv"
    path.write_text("日期,类型,名称\n2097-01-01,休,元旦\n", encoding="utf-8")
    rc, _, err = cli("calendar", "import", str(path))
    assert rc == EXIT_REFUSED
    monkeypatch.setenv("CLERK_PASSWORD", "manager123")
    rc, _, err = cli("--user", "manager", "calendar", "import", str(path))
    assert rc == 0, err
    [entry] = _audit(_db(cli), "calendar.change")
    assert entry.username == "manager" and entry.entity_id == "2097"


def test_password_from_the_os_keyring_and_from_the_prompt(cli, monkeypatch):
    """Order: CLERK_PASSWORD, then the OS keyring (keyring's API with an in-memory backend),
    then a getpass prompt when a person is at the terminal; none → refused."""
    import keyring
    from keyring.backend import KeyringBackend

    class Memory(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def __init__(self) -> None:
            super().__init__()
            self.items: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.items.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.items[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            self.items.pop((service, username), None)

    previous = keyring.get_keyring()
    keyring.set_keyring(Memory())
    try:
        rc, _, err = cli("--user", "manager", "queue", "grace", "--set", "7")
        assert rc == EXIT_REFUSED and "没有 manager 的密码" in err
        keyring.set_password(clerk.commands.KEYRING_SERVICE, "manager", "manager123")
        rc, _, err = cli("--user", "manager", "queue", "grace", "--set", "7")
        assert rc == 0, err
    finally:
        keyring.set_keyring(previous)
    asked: list[str] = []
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    monkeypatch.setattr("getpass.getpass", lambda prompt: asked.append(prompt) or "manager123")
    rc, _, err = cli("--user", "manager", "queue", "grace", "--set", "8")
    assert rc == 0 and asked == ["manager 的密码 password: "]
    assert queue.no_show_grace_minutes(_db(cli), HALL) == 8


def test_in_process_services_check_roles_when_given_a_user(tmp_path):
    from clerk.db import Database
    from clerk.migrate import upgrade
    from clerk.seed import seed_defaults

    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    upgrade(url)
    db = Database(url)
    seed_defaults(db, catalog=None)
    clerk_user = auth.login(db, "clerk", "clerk123", "W02")
    with pytest.raises(PermissionDenied):
        queue.set_hall_lanes(db, HALL, None, user=clerk_user)
    t = queue.take_ticket(db, HALL, "SS")
    queue.call_next(db, HALL, 2, "other", user=clerk_user, workstation="W02")
    with pytest.raises(IllegalTransition):
        queue.finish(db, t.id, user=clerk_user, workstation="W02")  # no holder named: not theirs
    done = queue.finish(db, t.id, "other", user=clerk_user, workstation="W02")
    assert done.state == "done"
    with db.uow() as s:
        rows = s.execute(select(AuditEntry.action, AuditEntry.username, AuditEntry.workstation)
                         .where(AuditEntry.action.like("queue.%")).order_by(AuditEntry.id)).all()
    assert rows == [("queue.call", "clerk", "W02"), ("queue.finish", "clerk", "W02")]
    db.dispose()
