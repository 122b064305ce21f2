"""``clerk demo seed``: a realistic hall history made through the real services.

One rule: nothing here writes a ticket, case, check, attachment or evaluation row itself — every
change goes through ``clerk.queue``, ``clerk.cases`` and ``clerk.attachments`` with their ``now=``
parameters, so the seeded history obeys the same rules (numbers, promised dates on the working-day
calendar, visits, the bundle following its matters, the outbox) as a real day at the counter.
Only the demo clerk accounts (one per window) are added directly, with one shared password hash.

The history covers the last ``days`` working days up to ``end`` (default: yesterday). Each day the
hall opens 08:30–12:00 and 13:30–17:00; people arrive more in the morning, take a ticket for the
zone of what they came for and wait; a free window calls the next one (``call_next``); some do not
come (过号), some leave (取消), some only ask; the others get a case: accepted (即办 finished on the
spot; some with a deferred material 容缺), a one-time notice, a refusal, a bundle (一件事). The back
office then reviews, asks for a supplement (补正) now and then, approves or rejects, and the result
is handed over at a window or posted — on later days, some late, some not yet. Ratings follow,
a few 不满意 with a reason. Deterministic for a given ``seed`` and database start.
"""
from __future__ import annotations

import datetime as dt
import heapq
import itertools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event, select

from . import attachments, cases, queue
from .auth import to_info
from .bootstrap import DEMO_HALL_CODE, ensure_hall, ensure_users, hash_password
from .calendar import WorkCalendar
from .db import Database
from .dto import ApplicantInput, CaseInfo, UserInfo
from .errors import ClerkError, ValidationError
from .models import Bundle, Hall, Matter, Role, User, Window

OPEN_AM, CLOSE_AM = dt.time(8, 30), dt.time(12, 0)
OPEN_PM, CLOSE_PM = dt.time(13, 30), dt.time(17, 0)
# Arrivals per half hour from 08:30 (7 slots) and 13:30 (7 slots): the morning is busier.
ARRIVAL_WEIGHTS = (6, 10, 12, 12, 10, 8, 4, 5, 7, 8, 8, 7, 5, 3)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国文红玲斌辉鹏飞宇浩然欣怡子涵梓萱一诺佳琪俊杰晓东海燕春梅志强国庆丹丹"
CLERK_NAMES = ("王晓丽", "陈佳", "林海燕", "周志强", "吴敏", "郑伟", "黄丹丹", "徐建国", "孙丽", "朱明",
               "胡芳", "郭磊", "何静", "罗娟", "高洋", "梁超", "谢艳", "宋杰", "唐涛", "许平")
REFUSAL_REASONS = ("申请事项不属于本机关职权范围", "申请人不具备申请资格", "申请事项依法不需要取得行政许可",
                   "申请材料存在伪造情形")
REJECT_REASONS = ("经审查不符合法定条件", "现场核查不符合要求", "申请材料与实际情况不符")
SUPPLEMENT_TEXTS = ("复印件不清晰，请重新提供", "申请表签名缺失，请本人签字", "证明材料已过有效期，请重新开具")
REASON_TAGS = cases.REASON_TAGS
UNHAPPY_TEXTS = ("等了一个多小时才叫到号", "窗口说法前后不一致，跑了两趟", "材料清单没讲清楚", "系统坏了等了很久")
_W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
DEMO_PASSWORD = "demo123"


@dataclass(frozen=True)
class SeedResult:
    days: tuple[dt.date, ...]
    tickets: int
    cases: int          # top-level cases (a bundle counts once; its matter cases are extra rows)
    matter_cases: int   # rows of bundle matter cases on top
    attachments: int
    attachment_bytes: int
    evaluations: int
    seconds: float

    @property
    def seconds_per_1000_cases(self) -> float:
        return self.seconds / self.cases * 1000 if self.cases else 0.0


@dataclass
class _Intent:
    kind: str           # case / consult / no_show / cancel
    zone: str
    matter: str | None = None
    bundle: str | None = None


@dataclass
class _State:
    rng: random.Random
    db: Database
    hall_code: str
    files_dir: Path | None
    attach_budget: int
    cal: WorkCalendar
    end: dt.datetime
    clerks: dict[int, UserInfo]
    questions: dict[str, list[tuple[str, list[str]]]] = field(default_factory=dict)
    bundle_matters: dict[str, list[str]] = field(default_factory=dict)
    paces: dict[dt.date, float] = field(default_factory=dict)
    idle: set[int] = field(default_factory=set)
    zones_of: dict[int, tuple[str, ...]] = field(default_factory=dict)
    intents: dict[int, _Intent] = field(default_factory=dict)
    heap: list[tuple[dt.datetime, int, Callable[..., object]]] = field(default_factory=list)
    seq: itertools.count = field(default_factory=itertools.count)
    tickets: int = 0
    cases: int = 0
    matter_cases: int = 0
    attachments: int = 0
    attachment_bytes: int = 0
    evaluations: int = 0

    def at(self, when: dt.datetime, fn: Callable[..., object]) -> None:  # fn(now), defaults bound
        if when <= self.end:
            heapq.heappush(self.heap, (when, next(self.seq), fn))


# --------------------------------------------------------------------------- setup

def _id_number(rng: random.Random) -> str:
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(20000))
    body = f"330225{birth:%Y%m%d}{rng.randrange(1000):03d}"
    total = sum(int(d) * w for d, w in zip(body, _W))
    return body + "10X98765432"[total % 11]


def _applicant(rng: random.Random) -> ApplicantInput:
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    phone = "1" + rng.choice("3589") + "".join(str(rng.randrange(10)) for _ in range(9))
    return ApplicantInput(name=name, id_number=_id_number(rng), phone=phone,
                          address=f"象山县丹东街道{rng.randrange(1, 300)}号")


def demo_clerks(db: Database, hall_code: str, windows: int) -> dict[int, UserInfo]:
    """One clerk account per window (``demo01`` …); the default ``clerk`` sits at window 1."""
    with db.uow() as s:
        hall = s.scalar(select(Hall).where(Hall.code == hall_code))
        assert hall is not None
        have = {u.username: u for u in s.scalars(select(User))}
        shared_hash = None
        out: dict[int, UserInfo] = {}
        for n in range(1, windows + 1):
            username = "clerk" if n == 1 else f"demo{n:02d}"
            user = have.get(username)
            if user is None:
                shared_hash = shared_hash or hash_password(DEMO_PASSWORD)
                name = CLERK_NAMES[(n - 1) % len(CLERK_NAMES)]
                if n > len(CLERK_NAMES):
                    name += str((n - 1) // len(CLERK_NAMES) + 1)
                user = User(username=username, display_name=name, role=Role.CLERK.value,
                            password_hash=shared_hash, hall_id=hall.id)
                s.add(user)
                s.flush()
            out[n] = to_info(user)
        return out


def working_days(cal: WorkCalendar, end: dt.date, count: int) -> list[dt.date]:
    """The last ``count`` working days up to and including ``end``, oldest first."""
    days: list[dt.date] = []
    day = end
    while len(days) < count:
        if cal.is_workday(day):
            days.append(day)
        day -= dt.timedelta(days=1)
    return days[::-1]


def _weighted(rng: random.Random, items: list[Any]) -> Any:
    # Zipf-like: the first matters of the shuffled list are asked for far more often.
    weights = [1 / (i + 1) ** 0.9 for i in range(len(items))]
    return rng.choices(items, weights)[0]


def fast_sqlite(url: str) -> Database:
    """A Database for bulk demo writes: SQLite without fsync on every commit (demo data only —
    a crash may lose the last seconds of the seed, never a real case)."""
    db = Database(url)
    if url.startswith("sqlite"):
        @event.listens_for(db.engine, "connect")
        def _fast(dbapi_conn: Any, _rec: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA synchronous=OFF")
            cur.close()
    return db


# --------------------------------------------------------------------------- the seed

def seed_demo(db: Database, files_dir: Path | None = None, *, cases_total: int = 200, days: int = 5,
              attachments_mb: float = 0, seed: int = 1, end: dt.date | None = None,
              windows: int | None = None, hall_code: str = DEMO_HALL_CODE,
              progress: Callable[[str], None] | None = None) -> SeedResult:
    """Make ``cases_total`` cases (and the tickets around them) over the last ``days`` working
    days up to ``end`` (default yesterday). ``windows`` grows the hall to that many windows.
    Needs the catalog (``clerk.seed.seed_defaults``) in place."""
    if cases_total < 0 or days < 1:
        raise ValidationError("办件数不能为负，天数至少为 1", "cases must be >= 0 and days >= 1")
    if attachments_mb > 0 and files_dir is None:
        raise ValidationError("附件需要数据目录", "attachments need a files folder")
    started = time.perf_counter()
    rng = random.Random(seed)
    with db.uow() as s:
        hall = ensure_hall(s, code=hall_code, windows=windows or 8)
        ensure_users(s, hall)
        cal = WorkCalendar.load(s)
        window_rows = list(s.scalars(select(Window).where(Window.hall_id == hall.id).order_by(Window.number)))
        zones_of = {w.number: tuple(z.code for z in w.zones) for w in window_rows}
        active = list(s.scalars(select(Matter).where(Matter.active.is_(True)).order_by(Matter.code)))
        matters = [(m.code, m.zone_code, m.kind) for m in active]
        questions = {m.code: [(q.key, [o.key for o in q.options]) for q in m.questions if q.options]
                     for m in active}
        bundle_rows = list(s.scalars(select(Bundle).order_by(Bundle.code)))
        bundles = [(b.code, b.zone_code) for b in bundle_rows]
        bundle_matters = {b.code: [i.matter.code for i in b.items] for b in bundle_rows}
    if not matters:
        raise ValidationError("事项目录为空，请先导入事项目录", "the catalog is empty")
    rng.shuffle(matters)
    end = end or (dt.date.today() - dt.timedelta(days=1))
    day_list = working_days(cal, end, days)
    clerks = demo_clerks(db, hall_code, len(zones_of))
    st = _State(rng=rng, db=db, hall_code=hall_code, files_dir=files_dir,
                attach_budget=int(attachments_mb * 1024 * 1024), cal=cal,
                end=dt.datetime.combine(end, CLOSE_PM), clerks=clerks, zones_of=zones_of,
                questions=questions, bundle_matters=bundle_matters)
    # cases per day, spread with some noise but summing to the total
    shares = [rng.uniform(0.8, 1.2) for _ in day_list]
    per_day = [int(cases_total * x / sum(shares)) for x in shares]
    for i in range(cases_total - sum(per_day)):
        per_day[i % len(per_day)] += 1
    zone_codes = sorted({z for zs in zones_of.values() for z in zs})
    for day, n_cases in zip(day_list, per_day):
        _plan_day(st, day, n_cases, matters, bundles, zone_codes)
    while st.heap:
        when, _, fn = heapq.heappop(st.heap)
        try:
            fn(when)
        except ClerkError as exc:  # a rule of the services said no: the demo goes on, it is data
            if progress:
                progress(f"skipped at {when:%m-%d %H:%M}: {exc.one_line()}")
    return SeedResult(tuple(day_list), st.tickets, st.cases, st.matter_cases, st.attachments,
                      st.attachment_bytes, st.evaluations, time.perf_counter() - started)


def _slot_time(rng: random.Random, day: dt.date) -> dt.datetime:
    slot = rng.choices(range(len(ARRIVAL_WEIGHTS)), ARRIVAL_WEIGHTS)[0]
    base = OPEN_AM if slot < 7 else OPEN_PM
    minutes = (slot % 7) * 30 + rng.random() * 30
    return dt.datetime.combine(day, base) + dt.timedelta(minutes=minutes)


def _plan_day(st: _State, day: dt.date, n_cases: int, matters: list, bundles: list, zones: list[str]) -> None:
    rng = st.rng
    n_tickets = round(n_cases / 0.76)
    # a crowded day is served faster (more 即办, shorter talks): about what the windows can take
    st.paces[day] = min(1.0, len(st.zones_of) * 400 / max(1, n_tickets * 10))
    kinds = ["case"] * n_cases + rng.choices(["consult", "no_show", "cancel"], (0.58, 0.28, 0.14),
                                             k=max(0, n_tickets - n_cases))
    rng.shuffle(kinds)
    arrivals = sorted(_slot_time(rng, day) for _ in kinds)
    for when, kind in zip(arrivals, kinds):
        if kind == "case" and bundles and rng.random() < 0.05:
            code, zone = rng.choice(bundles)
            intent = _Intent(kind, zone, bundle=code)
        else:
            code, zone, _ = _weighted(rng, matters)
            intent = _Intent(kind, zone if zone in zones else "ZH", matter=code)
        st.at(when, lambda now, i=intent: _arrive(st, now, i))
    for number in st.zones_of:
        opens = dt.datetime.combine(day, OPEN_AM) + dt.timedelta(seconds=rng.randrange(120))
        st.at(opens, lambda now, w=number: _window_free(st, w, now))
    st.at(dt.datetime.combine(day, CLOSE_PM), lambda now: _close_day(st, now))


def _arrive(st: _State, now: dt.datetime, intent: _Intent) -> None:
    lane = "elderly" if st.rng.random() < 0.08 else "normal"
    t = queue.take_ticket(st.db, st.hall_code, intent.zone, lane, now=now)
    st.tickets += 1
    st.intents[t.id] = intent
    if intent.kind == "cancel":
        st.at(now + dt.timedelta(minutes=st.rng.uniform(1, 12)), lambda at, tid=t.id: _leave(st, tid, at))
    # wake one idle window that serves this zone (or any idle one, 综合 windows serve all)
    fit = sorted(w for w in st.idle if intent.zone in st.zones_of[w])
    if fit:
        w = fit[0] if st.rng.random() < 0.5 else st.rng.choice(fit)
        st.idle.discard(w)
        st.at(now + dt.timedelta(seconds=st.rng.randrange(20, 90)), lambda at: _window_free(st, w, at))


def _leave(st: _State, ticket_id: int, now: dt.datetime) -> None:
    try:
        queue.cancel(st.db, ticket_id, now=now)
    except ClerkError:
        pass  # called meanwhile: served as a question instead


def _close_day(st: _State, now: dt.datetime) -> None:
    for t in queue.waiting_list(st.db, st.hall_code, day=now.date()):
        queue.cancel(st.db, t.id, now=now)
    st.idle.clear()


def _window_free(st: _State, number: int, now: dt.datetime) -> None:
    if now.time() >= CLOSE_PM:
        return
    if CLOSE_AM <= now.time() < OPEN_PM:  # lunch: back at 13:30
        st.at(dt.datetime.combine(now.date(), OPEN_PM) + dt.timedelta(seconds=st.rng.randrange(120)),
              lambda at: _window_free(st, number, at))
        return
    holder = f"demo:{number}:1"
    t = queue.call_next(st.db, st.hall_code, number, holder, now=now)
    if t is None:
        st.idle.add(number)
        return
    rng = st.rng
    intent = st.intents.pop(t.id, _Intent("consult", t.zone_code))
    if intent.kind == "no_show":
        gone = now + dt.timedelta(minutes=rng.uniform(1.5, 3))
        queue.no_show(st.db, t.id, holder, now=gone)
        st.at(gone + dt.timedelta(seconds=10), lambda at: _window_free(st, number, at))
        return
    start = now + dt.timedelta(seconds=rng.randrange(30, 90))
    queue.start_serving(st.db, t.id, holder, now=start)
    if intent.kind == "case":
        minutes = rng.uniform(4, 15) * (1.6 if intent.bundle else 1) * st.paces.get(now.date(), 1.0)
        done = start + dt.timedelta(minutes=minutes)
        _case_at_window(st, number, t.id, intent, start + dt.timedelta(minutes=1), done)
    else:
        done = start + dt.timedelta(minutes=rng.uniform(2, 7) * st.paces.get(now.date(), 1.0))
    queue.finish(st.db, t.id, holder, now=done)
    st.at(done + dt.timedelta(seconds=rng.randrange(10, 60)), lambda at: _window_free(st, number, at))


# --------------------------------------------------------------------------- a case at the window

def _answers(st: _State, code: str) -> dict[str, list[str]]:
    """Every situation question answered: mostly the first option (本人办理 …), now and then another."""
    return {key: [options[0] if st.rng.random() < 0.8 else st.rng.choice(options)]
            for key, options in st.questions.get(code, ())}


def _form_value(f: Any, applicant: ApplicantInput, rng: random.Random, day: dt.date) -> str:
    if f.type == "choice":
        return rng.choice(f.options)
    if f.type == "date":
        return (day - dt.timedelta(days=rng.randrange(1, 3000))).isoformat()
    if f.type == "number":
        return str(rng.choice((1, 2, 3, 50, 100, 500, 10000)))
    if f.type == "phone":
        return applicant.phone
    if f.type == "id_number":
        return applicant.id_number
    if f.pattern.startswith("\\d"):
        return "6222" + "".join(str(rng.randrange(10)) for _ in range(15))
    if "u4e00" in f.pattern:
        return applicant.name
    return f"{applicant.name}{f.label}"[: max(4, f.max_length or 30)]


def _case_at_window(st: _State, number: int, ticket_id: int, intent: _Intent, at: dt.datetime,
                    done: dt.datetime) -> None:
    rng, db, user = st.rng, st.db, st.clerks[number]
    day = at.date()
    person = _applicant(rng)
    if intent.bundle:
        answers: dict[str, Any] = {code: _answers(st, code) for code in st.bundle_matters.get(intent.bundle, ())}
    else:
        answers = _answers(st, intent.matter or "")
    info = cases.start_case(db, user, person, matter_code=intent.matter, bundle_code=intent.bundle,
                            answers=answers, ticket_id=ticket_id, window_number=number,
                            workstation=f"W{number:02d}", now=at)
    st.cases += 1
    st.matter_cases += len(info.children)
    roll = rng.random()
    outcome = "refuse" if roll < 0.025 else "notify" if roll < 0.10 else "accept"
    committed = info.promised_days > 0
    want_defer = outcome == "accept" and committed and rng.random() < 0.25
    promised = st.cal.add_working_days(day, info.promised_days).date
    missing_done = False
    for ch in info.checks:
        if outcome == "notify" and not missing_done and ch.required and not ch.shareable:
            cases.check_material(db, user, info.id, ch.key, "missing", today=day)
            missing_done = True
        elif want_defer and ch.deferrable and not ch.core:
            due = st.cal.add_working_days(day, rng.randint(1, max(1, min(3, info.promised_days)))).date
            cases.check_material(db, user, info.id, ch.key, "deferred", due_date=min(due, promised), today=day)
        elif ch.shareable and rng.random() < 0.6:
            cases.check_material(db, user, info.id, ch.key, "shared", share_reference=f"DZZZ{rng.randrange(10**9):09d}",
                                 today=day)
        else:
            cases.check_material(db, user, info.id, ch.key, "presented", today=day)
    empty = {f.key: _form_value(f, person, rng, day) for f in info.form if f.required and not f.value}
    if empty:
        cases.set_form(db, user, info.id, empty)
    if outcome == "refuse":
        info = cases.refuse_case(db, user, info.id, rng.choice(REFUSAL_REASONS), now=done)
    elif outcome == "notify":
        info = cases.issue_one_time_notice(db, user, info.id, now=done - dt.timedelta(minutes=1))
    else:
        post = committed and not info.children and rng.random() < 0.45  # a bundle: window (not all post)
        try:
            info = cases.accept_case(db, user, info.id, delivery="post" if post else "window",
                                     post_address=person.address + " 收件人电话 " + person.phone if post else "",
                                     hall_code=st.hall_code, workstation=f"W{number:02d}",
                                     now=done - dt.timedelta(minutes=2))
        except ValidationError:
            info = cases.accept_case(db, user, info.id, hall_code=st.hall_code, workstation=f"W{number:02d}",
                                     now=done - dt.timedelta(minutes=2))
        _attach(st, user, info, at)
        if "finish_on_the_spot" in info.allowed_actions or (
                info.children and any(c.kind == "immediate" for c in info.children)):
            info = cases.finish_on_the_spot(db, user, info.id, now=done - dt.timedelta(minutes=1))
        _plan_back_office(st, info, person, done)
    _rate(st, info, done, outcome)


def _attach(st: _State, user: UserInfo, info: CaseInfo, at: dt.datetime) -> None:
    if st.attach_budget <= 0 or st.files_dir is None:
        return
    key = next((c.key for c in info.checks if c.status == "presented"), None)
    if key is None:
        return
    head, tail = b"%PDF-1.4\n%demo scan\n", b"\n%%EOF\n"
    size = min(st.attach_budget, st.rng.randrange(120_000, 700_000))
    if size <= len(head) + len(tail):
        return
    data = head + st.rng.randbytes(size - len(head) - len(tail)) + tail
    attachments.attach(st.db, user, st.files_dir, info.id, key, f"{key}.pdf", data,
                       pages=st.rng.randint(1, 4), now=at)
    st.attach_budget -= len(data)
    st.attachments += 1
    st.attachment_bytes += len(data)


def _rate(st: _State, info: CaseInfo, at: dt.datetime, outcome: str) -> None:
    rng = st.rng
    if rng.random() > 0.65:
        return
    weights = (0.70, 0.20, 0.06, 0.03, 0.01) if outcome == "accept" else (0.45, 0.25, 0.14, 0.10, 0.06)
    level = rng.choices((5, 4, 3, 2, 1), weights)[0]
    tags: tuple[str, ...] = ()
    text = ""
    if level <= 2:
        tags = (rng.choice(REASON_TAGS[:-1]),)
        text = rng.choice(UNHAPPY_TEXTS) if rng.random() < 0.6 else ""
    cases.evaluate(st.db, info.id, level, stage="accept", reason_tags=tags, text=text, now=at)
    st.evaluations += 1


# --------------------------------------------------------------------------- later days

def _working_time(st: _State, start: dt.datetime, working_days: int) -> dt.datetime:
    """A moment during opening hours ``working_days`` after ``start`` (0: later the same day if
    there is time, else the next working day)."""
    day = st.cal.add_working_days(start.date(), working_days).date if working_days else start.date()
    minutes = st.rng.uniform(0, 420)
    moment = dt.datetime.combine(day, OPEN_AM) + dt.timedelta(minutes=minutes)
    if moment.time() >= CLOSE_AM:
        moment += dt.timedelta(minutes=90)
    if moment <= start:
        return _working_time(st, start, 1)
    return moment


def _plan_back_office(st: _State, info: CaseInfo, person: ApplicantInput, accepted: dt.datetime) -> None:
    rng = st.rng
    for ch in info.checks:  # deferred materials: most come back in time, some late, some never
        if ch.status == "deferred" and ch.due_date:
            fate = rng.random()
            if fate < 0.80:
                days = max(0, st.cal.working_days_between(accepted.date(), ch.due_date) - rng.randint(0, 1))
            elif fate < 0.90:
                days = st.cal.working_days_between(accepted.date(), ch.due_date) + rng.randint(1, 3)
            else:
                continue
            when = _working_time(st, accepted, days)
            st.at(when, lambda at, cid=info.id, k=ch.key, n=info.window_number or 1:
                  cases.supply_deferred(st.db, st.clerks[n], cid, k, now=at))
    targets = [c for c in info.children if c.state == "accepted"] or ([info] if info.state == "accepted" else [])
    for case in targets:
        days = max(1, case.promised_days or info.promised_days)
        fate = rng.random()
        if fate < 0.84:
            decide_in = rng.randint(max(0, days - 2), days)
        elif fate < 0.95:
            decide_in = days + rng.randint(1, 4)  # late: the supervision list shows it
        else:
            decide_in = days + 40  # stuck: stays open
        review = _working_time(st, accepted, 0 if decide_in else 0)
        st.at(review, lambda at, cid=case.id: cases.advance(st.db, None, cid, "start_review", now=at))
        decided = max(_working_time(st, accepted, decide_in), review + dt.timedelta(minutes=30))
        if rng.random() < 0.07:
            asked = review + dt.timedelta(hours=1)
            st.at(asked, lambda at, cid=case.id: cases.request_supplement(
                st.db, None, cid, text=rng.choice(SUPPLEMENT_TEXTS), now=at))
            brought = _working_time(st, asked, rng.randint(1, 2))
            st.at(brought, lambda at, cid=case.id, n=info.window_number or 1: cases.supply_supplement(
                st.db, st.clerks[n], cid, now=at))
            decided = max(decided, brought + dt.timedelta(hours=1))
        approve = rng.random() < 0.95
        st.at(decided, lambda at, cid=case.id, ok=approve: cases.advance(
            st.db, None, cid, "approve" if ok else "reject", reason="" if ok else rng.choice(REJECT_REASONS),
            now=at))
        ready = decided + dt.timedelta(minutes=rng.randint(20, 120))
        st.at(ready, lambda at, cid=case.id: cases.advance(st.db, None, cid, "result_ready", now=at))
        if info.delivery == "post":
            st.at(ready + dt.timedelta(minutes=30), lambda at, cid=case.id: cases.hand_over(
                st.db, st.clerks[1], cid, by="post", carrier="中国邮政EMS",
                tracking_number=f"EMS{rng.randrange(10**10):010d}", now=at))
        else:
            collect = _working_time(st, ready, rng.randint(1, 3))
            n = rng.choice(sorted(st.clerks))
            st.at(collect, lambda at, cid=case.id, n=n: cases.hand_over(
                st.db, st.clerks[n], cid, by="window", identity_number=person.id_number, now=at))
