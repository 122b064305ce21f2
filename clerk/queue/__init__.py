"""The hall queue (取号 / 叫号 / 过号 / 转移): "只进一扇门、取一个号、跑一个窗".

One rule: a ticket number is given once and a waiting ticket is called by one window only.
Numbers come from the ``daily_counter`` row ``ticket:{hall}:{zone}`` incremented inside the
issuing transaction; a call takes its ticket with ``SELECT … FOR UPDATE SKIP LOCKED`` on
PostgreSQL (concurrent windows pass over each other's rows), while SQLite transactions begin
IMMEDIATE (clerk.db) and so run one at a time.

Calling order for a window: tickets transferred to that very window, then the higher lane
priority (by default 老年人, 残疾人, 军人, 预约 before 普通; a hall sets its own lanes in the
``setting`` table, see ``parse_lanes``), then the window's own zone order
(``WindowZone.priority``), then the earliest issue time. A 过号 ticket may come back within the
hall's grace (``no_show_grace_minutes``, 30 by default).

A window holds at most one open ticket. ``call_next`` finishes a ticket the window is
SERVING (pressing 下一位 after the service ends), but refuses while a ticket is only CALLED:
the clerk marks it 过号 or starts serving it first, so no-shows are never counted as served.

A CALLED ticket carries a lease renewed by ``heartbeat``; if its workstation dies, the lease
expires and ``release_expired`` (run by every ``call_next``) puts it back to WAITING with its
original issue time, so it is called next. A transferred or returned 过号 ticket also keeps its
number and issue time (nobody queues again from the end). Times are local, naive datetimes like the rest of
the domain (``clerk.clock.now()``); the service date is the local date. The ticket row
is its own record (who held it, when it was issued, called, started, finished, missed).
"""
from __future__ import annotations

from ._common import (
    T, LEASE_SECONDS,
)
from ._common import bind_holder
from .lanes import (
    NO_SHOW_GRACE_MINUTES, GRACE_SETTING, LANES_SETTING, MAX_GRACE_MINUTES, Lane, LANES, LANE_FIELDS, LANE_KEY,
    MAX_LANE_PRIORITY, no_show_grace_minutes, set_no_show_grace, LaneSettings, parse_lanes, lane_settings,
    hall_lanes, set_hall_lanes, no_show_note,
)
from .halls import (
    HallZone, hall_zones, window_zone_codes, pause_window, resume_window, seat_of, hall_id_of,
)
from .tickets import (
    HELD_ELSEWHERE, STATE_LABELS, OPEN_STATES, ACTIONS, TicketInfo, CARD_ID_TYPES, applicant_for_card,
    ticket_qr_payload, issue_in, take_ticket, find_ticket, current_ticket, tickets_for_window,
)
from .calling import (
    release_expired, heartbeat, call_next_in, call_next, recall, start_serving, finish, no_show, cancel, transfer,
    return_ticket, walk_in, WindowState, window_state,
)
from .board import (
    RECENT_CALLS, ZoneWaiting, WindowStatus, RecentCall, QueueStatus, waiting_list, NOTIFY_CHANNEL, change_mark,
    queue_status,
)

__all__ = [
    "T", "LEASE_SECONDS", "bind_holder", "NO_SHOW_GRACE_MINUTES", "GRACE_SETTING", "LANES_SETTING", "MAX_GRACE_MINUTES", "Lane",
    "LANES", "LANE_FIELDS", "LANE_KEY", "MAX_LANE_PRIORITY", "no_show_grace_minutes", "set_no_show_grace",
    "LaneSettings", "parse_lanes", "lane_settings", "hall_lanes", "set_hall_lanes", "no_show_note", "HallZone",
    "hall_zones", "window_zone_codes", "pause_window", "resume_window", "seat_of", "hall_id_of", "HELD_ELSEWHERE",
    "STATE_LABELS", "OPEN_STATES", "ACTIONS", "TicketInfo", "CARD_ID_TYPES", "applicant_for_card",
    "ticket_qr_payload", "issue_in", "take_ticket", "find_ticket", "current_ticket", "tickets_for_window",
    "release_expired", "heartbeat", "call_next_in", "call_next", "recall", "start_serving", "finish", "no_show",
    "cancel", "transfer", "return_ticket", "walk_in", "WindowState", "window_state", "RECENT_CALLS", "ZoneWaiting",
    "WindowStatus", "RecentCall", "QueueStatus", "waiting_list", "NOTIFY_CHANNEL", "change_mark", "queue_status",
]
