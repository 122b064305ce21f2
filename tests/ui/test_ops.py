"""ui/ops.py: the one hand-off from background work to the GUI thread — typed outcomes, callbacks
kept on the GUI side, results for closed views dropped there, the one device thread — and a
stress run of thousands of jobs and device calls against views opened and closed meanwhile."""
from __future__ import annotations

import random
import subprocess
import sys
import threading

import pytest
from PySide6.QtWidgets import QApplication, QLabel

from clerk.errors import ValidationError
from devices.errors import DeviceTimeout
from devices.worker import on_device_thread, runs_on_device_thread
from ui.ops import Failed, Ops, Refused, find_owner

MAIN = threading.main_thread()


@pytest.fixture
def ops(qtbot):
    o = Ops(workers=2)
    yield o
    o.shutdown()


def settle(qtbot, ops: Ops) -> None:
    qtbot.waitUntil(lambda: ops.pending == 0, timeout=20_000)


class Tracked:
    """Records the thread it dies on (its last reference goes there)."""
    died_on: list[threading.Thread] = []

    def __del__(self) -> None:
        Tracked.died_on.append(threading.current_thread())


def test_outcomes_are_typed_values_with_the_error_code(qtbot, ops):
    got: list[object] = []
    ops.run(lambda: 42, got.append)
    ops.run(lambda: (_ for _ in ()).throw(ValidationError("号码有误", "bad number", fields={"id": "x"})),
            on_problem=got.append)
    ops.run(lambda: (_ for _ in ()).throw(DeviceTimeout("打印机无应答", "timeout")), on_problem=got.append)
    ops.run(lambda: 1 / 0, on_problem=got.append)
    settle(qtbot, ops)
    ok = next(g for g in got if not isinstance(g, (Refused, Failed)))   # two workers: any order
    refused = next(g for g in got if isinstance(g, Refused) and g.code == "ValidationError")
    timeout = next(g for g in got if isinstance(g, Refused) and g.code == "DeviceTimeout")
    bug = next(g for g in got if isinstance(g, Failed))
    assert ok == 42
    assert refused.message == "号码有误" and refused.details == {"fields": {"id": "x"}}
    assert timeout.is_a("DeviceError") and timeout.is_a("ClerkError") and not timeout.is_a("ValidationError")
    assert bug.kind == "ZeroDivisionError" and "ZeroDivisionError" in bug.trace and bug.message.startswith("操作失败")


def test_an_unhandled_failure_goes_to_the_error_signal_and_on_error_gets_the_message(qtbot, ops):
    shown, said = [], []
    ops.error.connect(shown.append)
    ops.run(lambda: (_ for _ in ()).throw(ValidationError("请填写姓名")))
    ops.run(lambda: (_ for _ in ()).throw(ValidationError("请填写号码")), None, said.append)
    settle(qtbot, ops)
    assert shown == ["请填写姓名"] and said == ["请填写号码"]


def test_callbacks_run_on_the_gui_thread_and_captured_objects_die_there(qtbot, ops):
    Tracked.died_on.clear()
    threads: list[threading.Thread] = []
    for _ in range(200):
        thing = Tracked()
        ops.run(lambda thing=thing: id(thing), lambda _v, thing=thing: threads.append(threading.current_thread()))
        del thing
    settle(qtbot, ops)
    assert threads == [MAIN] * 200
    assert len(Tracked.died_on) == 200 and set(Tracked.died_on) == {MAIN}


def test_the_result_for_a_view_closed_meanwhile_is_dropped_on_the_gui_thread(qtbot, ops):
    label = QLabel()
    go = threading.Event()
    shown: list[str] = []
    ops.run(lambda: go.wait(5) and "late", label.setText)
    ops.run(lambda: "late too", lambda text: shown.append(label.text() + text))   # owner found in the closure
    label.deleteLater()
    qtbot.waitUntil(lambda: not __import__("shiboken6").isValid(label), timeout=5000)
    go.set()
    settle(qtbot, ops)
    assert shown == [] and ops.dropped == 2


def test_owner_is_the_bound_object_or_the_first_qobject_in_the_closure(qtbot):
    label = QLabel()
    assert find_owner(label.setText) is label
    assert find_owner(lambda v: label.setText(v)) is label
    assert find_owner(print, None) is None


def test_device_jobs_run_on_the_one_device_thread_and_drivers_refuse_other_threads(qtbot, ops):
    @runs_on_device_thread
    def touch_hardware() -> bool:
        return on_device_thread()

    got, problems = [], []
    ops.device(touch_hardware, got.append)
    ops.run(touch_hardware, got.append, on_problem=problems.append)   # a database worker: refused
    settle(qtbot, ops)
    assert got == [True]
    assert problems[0].kind == "RuntimeError" and "device thread" in problems[0].trace
    with pytest.raises(RuntimeError, match="device thread"):
        touch_hardware()   # the GUI thread neither


def test_a_stream_posts_from_any_thread_to_its_callback_until_closed(qtbot, ops):
    got: list[tuple[object, threading.Thread]] = []
    post = ops.stream(lambda v: got.append((v, threading.current_thread())))
    t = threading.Thread(target=lambda: [post(i) for i in range(50)])
    t.start()
    t.join()
    qtbot.waitUntil(lambda: len(got) == 50, timeout=5000)
    assert [v for v, _ in got] == list(range(50)) and {th for _, th in got} == {MAIN}
    post.close()
    post("after")
    QApplication.processEvents()
    assert len(got) == 50


def test_run_latest_keeps_the_newest_only(qtbot, ops):
    release, shown, ran = threading.Event(), [], []

    def first():
        ran.append(1)
        release.wait(5)
        return 1

    ops.run_latest("k", first, shown.append)
    qtbot.waitUntil(lambda: ran == [1], timeout=5000)
    for n in (2, 3, 4):
        ops.run_latest("k", lambda n=n: ran.append(n) or n, shown.append)
    release.set()
    settle(qtbot, ops)
    assert ran == [1, 4] and shown == [4]


def test_jobs_of_one_serial_key_run_in_order_and_deliver_in_order(qtbot, ops):
    """Two workers, and the first change to a case is the slow one: with one ``serial`` key the
    second waits for the first to be delivered, so the screen is never redrawn with the older
    state last; another key and unkeyed work are not held up; an error does not stop the line."""
    release, shown, ran, errors = threading.Event(), [], [], []

    def first():
        ran.append("a1")
        release.wait(5)
        return "a1"

    def fail():
        ran.append("a3")
        raise ValidationError("第三步被拒绝", "refused")

    assert ops.run(first, shown.append, serial="case:1") is not None
    qtbot.waitUntil(lambda: ran == ["a1"], timeout=5000)
    assert ops.run(lambda: ran.append("a2") or "a2", shown.append, serial="case:1") is None  # waits its turn
    ops.run(fail, shown.append, errors.append, serial="case:1")
    ops.run(lambda: ran.append("a4") or "a4", shown.append, serial="case:1")
    ops.run(lambda: ran.append("b1") or "b1", shown.append, serial="case:2")
    ops.run(lambda: ran.append("c") or "c", shown.append)
    qtbot.waitUntil(lambda: {"b1", "c"} <= set(shown), timeout=5000)
    assert "a2" not in ran and ops.pending == 4  # the slow first change, and three waiting behind it
    release.set()
    settle(qtbot, ops)
    assert [x for x in ran if x.startswith("a")] == ["a1", "a2", "a3", "a4"]
    assert [x for x in shown if x.startswith("a")] == ["a1", "a2", "a4"] and errors == ["第三步被拒绝"]
    assert ops.pending == 0 and not ops._lines  # the key is forgotten once its line is empty


def test_after_shutdown_nothing_new_starts(qtbot):
    o = Ops(workers=1)
    o.shutdown()
    assert o.run(lambda: 1) is None and o.pending == 0


def test_stress_thousands_of_jobs_and_device_calls_against_views_opened_and_closed(qtbot, ops):
    """Jobs and device calls whose callbacks and work hold widgets; the widgets are closed and
    deleted at random while the work runs. Nothing may crash; every result is either delivered
    to a live view or dropped."""
    rnd = random.Random(7)
    views: list[QLabel] = []
    done_count = [0]
    jobs = 0
    for round_ in range(40):
        for _ in range(5):
            v = QLabel()
            v.show()
            views.append(v)
        for _ in range(60):
            v = rnd.choice(views)
            n = rnd.randrange(1000)
            if rnd.random() < 0.3:
                ops.device(lambda v=v, n=n: (v, n)[1], lambda r, v=v: (v.setText(str(r)), done_count.__setitem__(0, done_count[0] + 1)))
            else:
                ops.run(lambda v=v, n=n: sum(range(n)) + (0 if v is None else 0),
                        lambda r, v=v: (v.setText(str(r)), done_count.__setitem__(0, done_count[0] + 1)))
            jobs += 1
        for v in rnd.sample(views, 3):   # views closed while their work is running
            views.remove(v)
            v.close()
            v.deleteLater()
        if round_ % 4 == 0:
            QApplication.processEvents()
    settle(qtbot, ops)
    assert ops.pending == 0
    assert done_count[0] + ops.dropped == jobs and ops.dropped > 0


PYSIDE_CALLS = """
import sys
import ui  # pins None/True/False on CPython 3.11 before any PySide6 call
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
class P(QObject):
    s = Signal()
p, label = P(), QLabel()
for i in range(300_000):
    label.setText("x")   # PySide6 6.12 on 3.11 takes a reference from None here
    p.s.emit()           # ... and one from True here
print("ok", sys.getrefcount(None) > 1000, sys.getrefcount(True) > 1000)
"""


def test_none_and_true_survive_hundreds_of_thousands_of_pyside_calls(tmp_path):
    proc = subprocess.run([sys.executable, "-c", PYSIDE_CALLS], capture_output=True, text=True, timeout=300,
                          env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["ok", "True", "True"]
