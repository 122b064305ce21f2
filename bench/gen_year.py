"""A year of hall data, fast: ``python bench/gen_year.py URL [--cases 100000] [--days 365]``.

Makes what a county hall makes in a year through the same shapes the services write — case
rows with their material checks, an audit entry per step (``case.start``, ``case.accept`` with
the checks, each move, ``case.visit`` on handover), an outbox entry per move, the tickets of
every working day (1,500 a day by default, called, served, missed) and the daily counters — but
as bulk inserts, so 100,000 cases take minutes instead of days. The demo catalog gives the
matters and bundles; about 0.59 applicants per case (people come back). The last working day
is today, so the "today" views have their share; today's counters are set so the app can go on
numbering after the generated rows.

``--replicate K`` (PostgreSQL) copies the cases, their checks and applicants K more times on the
server (``INSERT … SELECT``, a year further back each time and into lower ids, open cases of
earlier years delivered): 100,000 cases with ``--replicate 9`` make 1,000,000 for the case-list figures
(audit, outbox and tickets are not copied).

Reused by the case-list, queue, report and sync benchmarks: ``generate(url, ...)`` returns the
counts.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, select, text  # noqa: E402
from sqlalchemy.engine import Connection  # noqa: E402

from clerk.audit import compact  # noqa: E402
from clerk.bootstrap import ensure_hall  # noqa: E402
from clerk.db import Database  # noqa: E402
from clerk.migrate import upgrade  # noqa: E402
from clerk.models import (Applicant, AuditEntry, Bundle, BundleItem, Case, DailyCounter, MaterialCheck,  # noqa: E402
                          MaterialRequirement, Matter, OutboxEntry, Ticket, User, Window, WindowZone, Zone)
from clerk.seed import seed_defaults  # noqa: E402

HALL = "33022501"
BATCH = 5000
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红娥玲芬燕彬斌宇浩凯鹏佳欣怡晨阳雪梅海波建国志文"
REGIONS = ("330225", "330226", "330203", "330205", "330206", "330211", "330212", "330281", "330282", "330201")
_W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
LANES = (("normal", 0),) * 14 + (("elderly", 2),) * 3 + (("booked", 1), ("disabled", 2), ("military", 2))


def id_number(body17: str) -> str:
    return body17 + "10X98765432"[sum(int(d) * w for d, w in zip(body17, _W)) % 11]


def working_days(end: dt.date, days: int) -> list[dt.date]:
    start = end - dt.timedelta(days=days - 1)
    return [start + dt.timedelta(days=i) for i in range(days) if (start + dt.timedelta(days=i)).weekday() < 5]


def add_working(day: dt.date, n: int) -> dt.date:
    while n > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def chunks(rows: Iterable[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for r in rows:
        batch.append(r)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class Writer:
    """Bulk inserts in batches, one transaction per batch (a reader is never blocked for long)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.counts: dict[str, int] = {}
        self.pending: dict[str, list[dict[str, Any]]] = {}

    def add(self, table: Any, row: dict[str, Any]) -> None:
        rows = self.pending.setdefault(table.__tablename__, [])
        rows.append(row)
        if len(rows) >= BATCH:
            self.flush(table)

    def flush(self, table: Any) -> None:
        if table is MaterialCheck:  # its cases first (foreign key)
            self.flush(Case)
        rows = self.pending.pop(table.__tablename__, [])
        if not rows:
            return
        keys = {k for r in rows for k in r}  # one executemany needs the same keys in every row
        rows = [r if len(r) == len(keys) else {k: r.get(k) for k in keys} for r in rows]
        with self.db.engine.begin() as conn:
            conn.execute(insert(table.__table__), rows)
        self.counts[table.__tablename__] = self.counts.get(table.__tablename__, 0) + len(rows)

    def flush_all(self, *tables: Any) -> None:
        for t in tables:
            self.flush(t)


def _next_id(conn: Connection, table: Any) -> int:
    return (conn.execute(text(f"SELECT max(id) FROM {table.__tablename__}")).scalar() or 0) + 1


def generate(url: str, cases: int = 100_000, days: int = 365, tickets_per_day: int = 1500,
             applicants: int | None = None, end: dt.date | None = None, seed: int = 1, windows: int = 57,
             progress: Callable[[str], None] = print, id_base: dict[str, int] | None = None) -> dict[str, int]:
    rnd = random.Random(seed)
    t0 = time.perf_counter()
    end = end or dt.date.today()
    upgrade(url)
    db = Database(url)
    seed_defaults(db)
    with db.uow() as s:
        hall = ensure_hall(s, code=HALL, windows=windows)
        hall_id = hall.id
        zones = {z.code: z.prefix for z in s.scalars(select(Zone).where(Zone.hall_id == hall_id))}
        window_rows = list(s.execute(select(Window.id, Window.number).where(Window.hall_id == hall_id)
                                     .order_by(Window.number)))
        window_zone = {}
        for wid, zone_code in s.execute(select(WindowZone.window_id, Zone.code)
                                        .join(Zone, Zone.id == WindowZone.zone_id).order_by(WindowZone.priority)):
            window_zone.setdefault(wid, zone_code)
        users = [(u.id, u.username) for u in s.scalars(select(User).where(User.role.in_(("clerk", "agent"))))]
        matters = list(s.execute(select(Matter.id, Matter.code, Matter.name, Matter.department, Matter.kind,
                                        Matter.promised_days, Matter.statutory_days, Matter.zone_code)
                                 .where(Matter.active.is_(True)).order_by(Matter.id)))
        materials: dict[int, list[Any]] = {}
        for m in s.execute(select(MaterialRequirement.id, MaterialRequirement.matter_id, MaterialRequirement.key,
                                  MaterialRequirement.name, MaterialRequirement.form, MaterialRequirement.count,
                                  MaterialRequirement.required, MaterialRequirement.deferrable)
                           .order_by(MaterialRequirement.matter_id, MaterialRequirement.position)):
            materials.setdefault(m.matter_id, []).append(m)
        bundles = []
        for b in s.scalars(select(Bundle)):
            items = list(s.scalars(select(BundleItem.matter_id).where(BundleItem.bundle_id == b.id)
                                   .order_by(BundleItem.position)))
            bundles.append((b.id, b.code, b.name, b.promised_days, items))
    by_id = {m.id: m for m in matters}
    # frequent matters first: a few matters make most of the cases (Zipf-like weights)
    order = list(matters)
    rnd.shuffle(order)
    weights = [1 / (i + 1) ** 0.9 for i in range(len(order))]
    days_list = working_days(end, days)
    avg_items = sum(len(b[4]) for b in bundles) / len(bundles) if bundles else 0
    per_day = cases / len(days_list) / (1 + 0.03 * avg_items)  # a bundle case brings its matter cases
    n_applicants = applicants or round(cases * 0.59)
    w = Writer(db)
    with db.engine.connect() as conn:
        ids = {t: _next_id(conn, t) for t in (Applicant, Case, MaterialCheck, Ticket)}
    if id_base:  # room below for ``replicate``'s earlier years: ids grow with time, as in a real hall
        ids = {t: max(v, id_base[t.__tablename__] + 1) for t, v in ids.items()}

    # ---------------------------------------------------------------- applicants
    seen: set[str] = set()
    first_app = ids[Applicant]
    app_ids: list[int] = []
    while len(app_ids) < n_applicants:
        birth = dt.date(1940, 1, 1) + dt.timedelta(days=rnd.randrange(0, 365 * 66))
        body = f"{rnd.choice(REGIONS)}{birth:%Y%m%d}{rnd.randrange(1000):03d}"
        if body in seen:
            continue
        seen.add(body)
        aid = first_app + len(app_ids)
        app_ids.append(aid)
        name = rnd.choice(SURNAMES) + "".join(rnd.choice(GIVEN) for _ in range(rnd.choice((1, 2, 2))))
        w.add(Applicant, dict(id=aid, kind="person", name=name, id_type="resident", id_number=id_number(body),
                              sex="男" if int(body[-1]) % 2 else "女", nation="汉", birth_date=birth,
                              address=f"浙江省宁波市象山县丹东街道{rnd.randrange(1, 300)}号",
                              phone=f"13{rnd.randrange(10**9):09d}",
                              created_at=dt.datetime.combine(days_list[0], dt.time(8, 30))))
    w.flush(Applicant)
    progress(f"applicants: {len(app_ids)} ({time.perf_counter() - t0:.0f} s)")

    # ---------------------------------------------------------------- tickets (per day)
    ticket_of_day: dict[dt.date, list[int]] = {}
    counters: dict[tuple[str, dt.date], int] = {}
    now = dt.datetime.now()
    tid = ids[Ticket]
    zone_codes = list(zones)
    for day in days_list:
        is_today = day == end
        opening = dt.datetime.combine(day, dt.time(8, 30))
        span = 8 * 3600
        n = tickets_per_day
        if is_today:  # today's tickets up to now, the last half hour's still waiting
            elapsed = min(span, max(0.0, (now - opening).total_seconds()))
            n, span = int(n * elapsed / span), int(elapsed)
        seqs: dict[str, int] = {}
        for i in range(n):
            zone = zone_codes[rnd.randrange(len(zone_codes))]
            seqs[zone] = seqs.get(zone, 0) + 1
            lane, prio = rnd.choice(LANES)
            issued = opening + dt.timedelta(seconds=span * i / max(n, 1))
            wid, wnum = window_rows[rnd.randrange(len(window_rows))]
            roll = rnd.random()
            row = dict(id=tid, hall_id=hall_id, service_date=day, zone_code=zone, seq=seqs[zone],
                       display=f"{zones[zone]}{seqs[zone]:03d}", lane=lane, priority=prio, issued_at=issued,
                       applicant_id=app_ids[rnd.randrange(len(app_ids))] if rnd.random() < 0.4 else None,
                       holder="", call_count=0, transfer_note="")
            if is_today and issued > now - dt.timedelta(minutes=30):
                row.update(state="waiting", window_id=None)
            else:
                called = issued + dt.timedelta(minutes=rnd.randint(2, 40))
                row.update(window_id=wid, called_at=called, call_count=1)
                if roll < 0.07:
                    row.update(state="no_show", no_show_at=called + dt.timedelta(minutes=2))
                elif roll < 0.09:
                    row.update(state="cancelled", finished_at=called, window_id=None, called_at=None, call_count=0)
                else:
                    row.update(state="done", started_at=called + dt.timedelta(minutes=1),
                               finished_at=called + dt.timedelta(minutes=rnd.randint(3, 25)))
            w.add(Ticket, row)
            ticket_of_day.setdefault(day, []).append(tid)
            tid += 1
        for zone, v in seqs.items():
            counters[(f"ticket:{HALL}:{zone}", day)] = v
    w.flush(Ticket)
    progress(f"tickets: {tid - ids[Ticket]} ({time.perf_counter() - t0:.0f} s)")

    # ---------------------------------------------------------------- cases, checks, audit, outbox
    cid, chk = ids[Case], ids[MaterialCheck]
    made = 0
    carry = 0.0

    def audit(at: dt.datetime, action: str, username: str, ws: str, uuid_: str, **detail: Any) -> None:
        w.add(AuditEntry, dict(at=at, username=username, workstation=ws, action=action, entity="case",
                               entity_id=uuid_, detail=compact(detail)))

    def outbox(at: dt.datetime, action: str, uuid_: str, payload: dict[str, Any]) -> None:
        w.add(OutboxEntry, dict(idempotency_key=str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
                                kind=f"case.{action}", entity_uuid=uuid_, payload=payload,
                                state="sent" if at.date() < end else "pending", attempts=1 if at.date() < end else 0,
                                last_error="", created_at=at, sent_at=at + dt.timedelta(seconds=20)
                                if at.date() < end else None))

    for day_index, day in enumerate(days_list):
        carry += per_day
        n_today = int(carry)
        carry -= n_today
        if day == days_list[-1]:
            n_today = max(n_today, int((cases - made) / (1 + 0.03 * avg_items)))
        age = len(days_list) - 1 - day_index  # working days ago
        seq_of_ws: dict[str, int] = {}
        for _ in range(n_today):
            if made >= cases:
                break
            wid, wnum = window_rows[rnd.randrange(len(window_rows))]
            ws = f"W{wnum:02d}"
            user_id, username = users[rnd.randrange(len(users))]
            created = dt.datetime.combine(day, dt.time(8, 30)) + dt.timedelta(seconds=rnd.randrange(8 * 3600))
            tickets_today = ticket_of_day.get(day) or [None]
            ticket_id = tickets_today[rnd.randrange(len(tickets_today))]
            applicant_id = app_ids[min(int(rnd.paretovariate(1.2)) - 1, len(app_ids) - 1)
                                   if rnd.random() < 0.3 else rnd.randrange(len(app_ids))]
            bundle = bundles[rnd.randrange(len(bundles))] if bundles and rnd.random() < 0.03 else None
            if bundle is not None:
                members = [by_id[m] for m in bundle[4] if m in by_id]
            else:
                members = [rnd.choices(order, weights)[0]]
            # outcome by age: old cases are finished, recent ones still moving
            roll = rnd.random()
            if roll < 0.04:
                outcome = "notified"
            elif roll < 0.05:
                outcome = "refused"
            elif roll < 0.065:
                outcome = "withdrawn"
            else:
                outcome = "accepted"
            seq_of_ws[ws] = seq_of_ws.get(ws, 0) + 1
            number = f"{HALL}{ws}{day:%Y%m%d}{seq_of_ws[ws]:04d}"
            counters[(f"case:{HALL}:{ws}", day)] = seq_of_ws[ws]
            root_id = cid
            kids: list[tuple[int, Any]] = []
            units = [(cid, members[0] if bundle is None else None)]
            cid += 1
            if bundle is not None:
                for m in members:
                    kids.append((cid, m))
                    units.append((cid, m))
                    cid += 1
            for case_id, matter in units:
                is_root = case_id == root_id
                uuid_ = str(uuid.UUID(int=rnd.getrandbits(128), version=4))
                immediate = matter is not None and matter.kind == "immediate"
                promised_days = (bundle[3] if bundle is not None and is_root else
                                 (0 if immediate else (matter.promised_days if matter else 0)))
                if bundle is not None and is_root and not promised_days:
                    promised_days = max((0 if m.kind == "immediate" else m.promised_days) for m in members)
                accepted = created + dt.timedelta(minutes=rnd.randint(4, 20))
                state = outcome
                promised = statutory = decided = finished = acc = None
                visits = 1
                steps: list[tuple[str, str, str, dt.datetime]] = []
                cnum = number if is_root else None
                if not is_root and outcome != "notified":  # matter cases get their own numbers
                    seq_of_ws[ws] += 1
                    cnum = f"{HALL}{ws}{day:%Y%m%d}{seq_of_ws[ws]:04d}"
                    counters[(f"case:{HALL}:{ws}", day)] = seq_of_ws[ws]
                if outcome == "accepted":
                    acc = accepted
                    promised = add_working(day, promised_days)
                    statutory = add_working(day, (matter.statutory_days if matter else 20) or promised_days)
                    if immediate:
                        state = "delivered"
                        finished = decided = accepted + dt.timedelta(minutes=3)
                        steps.append(("finish_on_the_spot", "accepted", "delivered", finished))
                    else:
                        # how far it got: a case younger than its promise may still be open
                        progressed = age > promised_days + 3 or rnd.random() < age / max(promised_days + 3, 1)
                        late = rnd.random() < 0.01  # a few run over their promise
                        if progressed and not late:
                            decided = dt.datetime.combine(add_working(day, max(promised_days - 1, 0)),
                                                          dt.time(10, rnd.randrange(60)))
                            verdict = "approved" if rnd.random() < 0.97 else "rejected"
                            steps += [("start_review", "accepted", "in_review", decided - dt.timedelta(hours=20)),
                                      ("approve" if verdict == "approved" else "reject", "in_review", verdict, decided),
                                      ("result_ready", verdict, "result_ready", decided + dt.timedelta(hours=1))]
                            state = "result_ready"
                            if age > promised_days + 1 or rnd.random() < 0.5:
                                finished = decided + dt.timedelta(days=1, hours=rnd.randrange(6))
                                steps.append(("hand_over", "result_ready", "delivered", finished))
                                state, visits = "delivered", 2
                        else:
                            state = rnd.choice(("accepted", "in_review", "in_review", "supplement"))
                            if state != "accepted":
                                steps.append(("start_review", "accepted", "in_review", accepted + dt.timedelta(hours=3)))
                            if state == "supplement":
                                steps.append(("request_supplement", "in_review", "supplement",
                                              accepted + dt.timedelta(hours=5)))
                elif outcome in ("notified", "refused"):
                    finished = accepted
                elif outcome == "withdrawn":
                    acc = accepted
                    promised = add_working(day, promised_days)
                    finished = accepted + dt.timedelta(days=1)
                    steps.append(("withdraw", "accepted", "withdrawn", finished))
                if bundle is not None and is_root and outcome == "accepted":
                    state = "delivered" if finished else ("accepted" if not steps else "in_review")
                w.add(Case, dict(
                    id=case_id, uuid=uuid_, number=cnum,
                    matter_id=matter.id if matter else None, bundle_id=bundle[0] if bundle and is_root else None,
                    parent_id=None if is_root else root_id, applicant_id=applicant_id, proxy_id=None,
                    hall_id=hall_id, window_id=wid, clerk_id=user_id, ticket_id=ticket_id, workstation=ws,
                    state=state, situation={}, form_data={}, detail={},
                    department=matter.department if matter else "多部门联办", catalog_version="demo",
                    created_at=created, accepted_at=acc, promised_date=promised, statutory_date=statutory,
                    decided_at=decided, finished_at=finished, delivery="window", post_address="",
                    tracking_number="", visits=visits, reason="材料不齐" if outcome in ("refused", "withdrawn") else "",
                    note="", version=1 + len(steps) + (outcome != "accepted" or 1)))
                check_status: dict[str, str] = {}
                for pos, m in enumerate(materials.get(matter.id, []) if matter else []):
                    if not m.required and rnd.random() < 0.5:
                        continue
                    status = "presented"
                    due = supplied = None
                    if outcome == "notified" and rnd.random() < 0.5:
                        status = "missing"
                    elif m.deferrable and rnd.random() < 0.08:
                        status, due = "deferred", add_working(day, 5)
                        if age > 5 or rnd.random() < 0.5:
                            supplied = dt.datetime.combine(due, dt.time(9, 30))
                    check_status[m.key] = status
                    w.add(MaterialCheck, dict(id=chk, case_id=case_id, material_id=m.id, material_key=m.key,
                                              name=m.name, status=status, form=m.form, count=m.count,
                                              share_source="", share_reference="", due_date=due,
                                              supplied_at=supplied, note="", position=pos))
                    chk += 1
                if not is_root:
                    continue  # a matter case's steps are audited like its bundle's, below
                code = (members[0].code if bundle is None else None)
                audit(created, "case.start", username, ws, uuid_, matter=code, id_number="3302**********0000",
                      follows=None)
                first = {"accepted": "accept", "notified": "notify", "refused": "refuse", "withdrawn": "accept"}[outcome]
                after = {"accept": "accepted", "notify": "notified", "refuse": "refused"}[first]
                detail = dict(number=number, before="draft", after=after, promised_date=promised and promised.isoformat(),
                              delivery="window", matter=code, bundle=bundle[1] if bundle else None,
                              checks=check_status, follows=None, visits=1)
                audit(accepted, f"case.{first}", username, ws, uuid_, **detail)
                outbox(accepted, first, uuid_, {"number": number, "state": after, "version": 2,
                                                "at": accepted.isoformat(timespec="seconds"),
                                                **{k: v for k, v in detail.items() if k not in ("before", "after", "number")}})
                for version, (action, before, after, at) in enumerate(steps, 3):
                    extra = {"by": "window", "receiver": "本人"} if action == "hand_over" else {"reason": "", "note": ""}
                    audit(at, f"case.{action}", username, ws, uuid_, number=number, before=before, after=after, **extra)
                    outbox(at, action, uuid_, {"number": number, "state": after, "version": version,
                                               "at": at.isoformat(timespec="seconds"), **extra})
                    if action == "hand_over":
                        audit(at, "case.visit", username, ws, uuid_, number=number, day=at.date().isoformat(),
                              why="hand_over", visits=2)
            made += len(units)
        if day_index % 20 == 0:
            progress(f"cases: {made} up to {day} ({time.perf_counter() - t0:.0f} s)")
    w.flush_all(Case, MaterialCheck, AuditEntry, OutboxEntry)
    with db.engine.begin() as conn:
        # merge with counters that exist (a second run on the same database continues the numbers)
        have = {(r.scope, r.day): r.value for r in conn.execute(select(DailyCounter.scope, DailyCounter.day,
                                                                       DailyCounter.value))}
        new = [dict(scope=k[0], day=k[1], value=v) for k, v in counters.items() if k not in have]
        for batch in chunks(new):
            conn.execute(insert(DailyCounter.__table__), batch)
        for k, v in counters.items():
            if k in have and have[k] < v:
                conn.execute(DailyCounter.__table__.update().where(DailyCounter.scope == k[0], DailyCounter.day == k[1])
                             .values(value=v))
        if db.dialect == "postgresql":
            for t in ("applicant", "case_file", "material_check", "ticket", "audit_entry", "outbox_entry"):
                conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), "
                                     f"(SELECT coalesce(max(id), 1) FROM {t}))")
    if db.dialect == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    else:
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    counts = dict(w.counts)
    counts["seconds"] = round(time.perf_counter() - t0)
    progress(f"done: {counts}")
    db.dispose()
    return counts


def id_room(cases: int, applicants: int, times: int) -> dict[str, int]:
    """The ids ``generate`` leaves free below its rows for ``times`` copies (``replicate``)."""
    return {"case_file": cases * times, "applicant": applicants * ((times + 1) // 2),
            "material_check": cases * 8 * times, "ticket": 0}


def replicate(url: str, times: int, progress: Callable[[str], None] = print) -> int:
    """PostgreSQL: copy the cases (and checks, applicants) ``times`` more, each copy a year
    (52 weeks) earlier, on the server, into the ids left free below them (``id_room``), so ids
    grow with time as in a real hall. Returns the case count."""
    db = Database(url)
    if db.dialect != "postgresql":
        raise SystemExit("--replicate needs PostgreSQL")
    t0 = time.perf_counter()
    with db.engine.begin() as conn:
        lo_c, hi_c = conn.execute(text("SELECT min(id), max(id) FROM case_file")).one()
        lo_k, hi_k = conn.execute(text("SELECT min(id), max(id) FROM material_check")).one()
        lo_a, hi_a = conn.execute(text("SELECT min(id), max(id) FROM applicant WHERE kind = 'person'")).one()
    span_c, span_k, span_a = hi_c - lo_c + 1, hi_k - lo_k + 1, hi_a - lo_a + 1
    if lo_c - times * span_c < 1 or lo_k - times * span_k < 1 or lo_a - ((times + 1) // 2) * span_a < 1:
        raise SystemExit("no room below the generated ids: generate with --replicate N given")
    cols_c = [c.name for c in Case.__table__.columns]
    cols_k = [c.name for c in MaterialCheck.__table__.columns]
    params = {"lc": lo_c, "lk": lo_k, "la": lo_a}
    for k in range(1, times + 1):
        ak = (k + 1) // 2
        with db.engine.begin() as conn:
            if k % 2 == 1:  # a copy of the people every other year (the same people come back)
                conn.execute(text(f"""
                    INSERT INTO applicant (id, kind, name, id_type, id_number, sex, nation, birth_date, address,
                                           phone, legal_representative, created_at)
                    SELECT id - {ak * span_a}, kind, name, id_type,
                           overlay(id_number placing lpad(((substr(id_number, 15, 3)::int + {ak} * 101) % 1000)::text,
                                   3, '0') from 15 for 3) || 'K{ak}',
                           sex, nation, birth_date, address, phone, legal_representative, created_at
                    FROM applicant WHERE id >= :la AND kind = 'person'"""), params)
            shift = f"interval '{364 * k} days'"
            values = []
            for c in cols_c:
                if c == "id":
                    values.append(f"id - {k * span_c}")
                elif c == "uuid":
                    values.append("gen_random_uuid()::text")
                elif c == "number":
                    values.append(f"CASE WHEN number IS NULL THEN NULL ELSE substr(number, 1, 8) || chr(64 + {k}) || "
                                  f"substr(number, 10) END")
                elif c == "parent_id":
                    values.append(f"parent_id - {k * span_c}")
                elif c == "applicant_id":
                    values.append(f"applicant_id - {ak * span_a}")
                elif c == "ticket_id":
                    values.append("NULL")
                elif c == "state":
                    values.append("CASE WHEN state IN ('accepted','in_review','supplement','approved','rejected',"
                                  "'result_ready') THEN 'delivered' ELSE state END")
                elif c in ("created_at", "accepted_at", "decided_at", "finished_at"):
                    values.append(f"{c} - {shift}")
                elif c in ("promised_date", "statutory_date"):
                    values.append(f"({c} - {shift})::date")
                else:
                    values.append(c)
            conn.execute(text(f"INSERT INTO case_file ({', '.join(cols_c)}) SELECT {', '.join(values)} "
                              f"FROM case_file WHERE id >= :lc ORDER BY id"), params)
            vk = [f"id - {k * span_k}" if c == "id" else f"case_id - {k * span_c}" if c == "case_id"
                  else "coalesce(supplied_at, due_date::timestamp)" if c == "supplied_at" else c for c in cols_k]
            conn.execute(text(f"INSERT INTO material_check ({', '.join(cols_k)}) SELECT {', '.join(vk)} "
                              f"FROM material_check WHERE id >= :lk"), params)
        progress(f"replica {k}/{times} ({time.perf_counter() - t0:.0f} s)")
    with db.engine.begin() as conn:
        total = conn.execute(text("SELECT count(*) FROM case_file")).scalar() or 0
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    db.dispose()
    progress(f"replicated: {total} cases ({time.perf_counter() - t0:.0f} s)")
    return int(total)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("url", help="sqlite:///file or postgresql+psycopg://…")
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--tickets-per-day", type=int, default=1500)
    ap.add_argument("--applicants", type=int, default=None)
    ap.add_argument("--windows", type=int, default=57)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--replicate", type=int, default=0, help="PostgreSQL: copies of the cases, a year back each")
    args = ap.parse_args()
    room = id_room(args.cases, args.applicants or round(args.cases * 0.59), args.replicate) if args.replicate else None
    generate(args.url, args.cases, args.days, args.tickets_per_day, args.applicants, seed=args.seed,
             windows=args.windows, id_base=room)
    if args.replicate:
        replicate(args.url, args.replicate)


if __name__ == "__main__":
    main()
