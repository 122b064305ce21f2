"""One app per seat: a second start on the same seat finds the first and asks it forward; a
socket left by a crashed instance does not block a restart; another seat runs on its own."""
from __future__ import annotations

from PySide6.QtNetwork import QLocalServer

from ui.single import SeatGuard, seat_key


def test_a_second_start_on_the_same_seat_raises_the_first(qtbot, tmp_path):
    key = seat_key(str(tmp_path), 3)
    first = SeatGuard(key)
    assert first.claim()
    try:
        with qtbot.waitSignal(first.activated, timeout=5000):
            assert not SeatGuard(key).claim()
        other = SeatGuard(seat_key(str(tmp_path), 4))  # window 4 is another seat
        assert other.claim()
        other.release()
    finally:
        first.release()


def test_a_socket_left_by_a_crashed_instance_does_not_block_a_restart(qtbot, tmp_path):
    key = seat_key(str(tmp_path), 1)
    dead = QLocalServer()
    assert dead.listen(key)
    dead.close()  # the file may stay behind, nobody answers
    again = SeatGuard(key)
    assert again.claim()
    again.release()
