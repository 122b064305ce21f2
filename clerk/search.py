"""Fast matter/bundle search for the intake box: an in-memory index over the catalog.

The one rule: a keystroke never runs SQL over the catalog. ``SearchIndex`` is built once per
catalog version from the stored ``search_text`` columns and then answers every query from a
few flat strings with C-speed ``str.find``; a use-count change updates the ranking in place.
The index is immutable after build, so any number of threads may search it at once.

``search_text`` layout (written by the importer, read here and by the naive LIKE baseline):
``名称|简称|全拼 全拼…|首字母 首字母…|编码|部门|主项名称`` — fields split by ``|``, variants by
space (rows written before 主项 existed have six fields and no parent).
"""
from __future__ import annotations

import functools
import heapq
import threading
import time
import weakref
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from .models import Bundle, Matter, Setting

MAX_INITIAL_VARIANTS = 6

# Scores, highest first: name > code > initials > pinyin > department (see ``SearchIndex.search``).
S_NAME_EXACT, S_NAME_PREFIX, S_SHORT, S_NAME_SUB = 100, 90, 85, 80
S_CODE_EXACT, S_CODE_PREFIX, S_CODE_SUB = 78, 74, 50
S_INIT_PREFIX, S_INIT_SUB = 70, 58
S_PY_PREFIX, S_PY_SUB = 65, 55
S_PARENT = 62  # the 主项 a 子项 belongs to
S_DEPT = 40
S_POWER = 38  # 事项类型 (行政许可, 公共服务 …)
_REASON = {S_PARENT: "主项", S_POWER: "事项类型", S_NAME_EXACT: "名称", S_NAME_PREFIX: "名称", S_SHORT: "名称", S_NAME_SUB: "名称",
           S_CODE_EXACT: "编码", S_CODE_PREFIX: "编码", S_CODE_SUB: "编码",
           S_INIT_PREFIX: "首字母", S_INIT_SUB: "首字母", S_PY_PREFIX: "拼音", S_PY_SUB: "拼音",
           S_DEPT: "部门"}


@dataclass(frozen=True)
class SearchHit:
    kind: str          # "matter" | "bundle"
    code: str
    name: str
    department: str
    zone: str
    score: int
    matched: str       # why it matched: 名称 / 拼音 / 首字母 / 编码 / 部门 / 主项 / 事项类型
    parent: str = ""   # 主项名称 of a 子项
    power_type: str = ""  # 事项类型


def _clean(text: str) -> str:
    return (text or "").replace("|", "/").replace("\n", " ").strip()


_SEG: Any = None


def _keep_chars(x: str) -> list[str]:
    return list(x)


@functools.lru_cache(maxsize=65536)
def _word_readings(word: str) -> tuple[str, ...]:
    from pypinyin import lazy_pinyin

    # errors→list keeps one item per character, so the readings line up with the characters
    return tuple(p.lower() for p in lazy_pinyin(word, errors=_keep_chars))  # type: ignore[arg-type]


def _syllables(text: str) -> tuple[str, list[str]]:
    """The non-space characters of ``text`` and one phrase-aware reading per character
    (行政 → xing zheng, 银行 → yin hang); a non-Chinese character stands for itself.

    The text is cut into words once (pypinyin's own segmentation, which is what makes the
    reading phrase-aware) and each word's reading is cached: a catalog repeats its words
    (登记, 许可证, 变更 …) thousands of times, and converting them is pypinyin's slow part."""
    global _SEG
    if _SEG is None:  # imported on first use: 0.3 s that start-up need not wait for
        from pypinyin.core import Pinyin

        _SEG = Pinyin().seg
    chars = "".join(ch for ch in text if not ch.isspace())
    out: list[str] = []
    for word in _SEG(chars):
        out.extend(_word_readings(word))
    if len(out) != len(chars):  # a segmentation quirk: fall back to the whole text at once
        out = list(_word_readings(chars))
    return chars, out


def full_pinyin(text: str) -> str:
    """'户籍登记' → 'hujidengji'."""
    return "".join(p for p in _syllables(text)[1] if p.isascii() and p.isalnum())


@functools.lru_cache(maxsize=8192)
def _char_initials(ch: str) -> tuple[str, ...]:
    from pypinyin import Style, pinyin

    return tuple(pinyin(ch, style=Style.FIRST_LETTER, heteronym=True)[0])


def initials_variants(text: str, syllables: tuple[str, list[str]] | None = None) -> list[str]:
    """Pinyin initials of ``text``: the phrase-aware reading first, then one variant per
    polyphone reading (substituting one character at a time — cheap and covers the common
    mistake of typing the other reading)."""
    chars, sy = syllables or _syllables(text)
    base = [p[0] if p and p.isascii() and p.isalnum() else "" for p in sy]
    if len(base) != len(chars):
        return ["".join(base)] if any(base) else []
    out = ["".join(base)]
    for i, ch in enumerate(chars):
        if len(out) >= MAX_INITIAL_VARIANTS:
            break
        if not ("\u4e00" <= ch <= "\u9fff"):
            continue
        for alt in _char_initials(ch):
            if alt and alt != base[i] and len(out) < MAX_INITIAL_VARIANTS:
                out.append("".join(base[:i] + [alt.lower()] + base[i + 1:]))
    return [v for v in dict.fromkeys(out) if v]


@functools.lru_cache(maxsize=65536)
def _readings(text: str) -> tuple[str, tuple[str, ...]]:
    """Full pinyin and initials variants of one name (cached: sub-items repeat names)."""
    sy = _syllables(text)
    return "".join(p for p in sy[1] if p.isascii() and p.isalnum()), tuple(initials_variants(text, sy))


def make_search_text(name: str, short_name: str, code: str, department: str, parent: str = "") -> str:
    name, short_name = _clean(name), _clean(short_name)
    pys: list[str] = []
    inis: list[str] = []
    for text in (name, short_name):
        if text:
            reading, variants = _readings(text)
            pys.append(reading)
            inis += variants
    py = " ".join(v for v in dict.fromkeys(pys) if v)
    ini = " ".join(dict.fromkeys(inis))
    return "|".join([name, short_name, py, ini, _clean(code).lower(), _clean(department), _clean(parent)])


@dataclass
class _Entry:
    kind: str
    code: str
    name: str
    department: str
    zone: str
    parent: str = ""
    power_type: str = ""


class _Field:
    """One searchable field of every entry (variants of a value separated by spaces).

    Prefix hits come from a sorted list of variants by bisection — cost grows with the hits,
    not the catalog. Substring hits come from one ``str.find`` pass over all values joined by
    NUL, taking one hit per entry and skipping to the next entry."""

    def __init__(self, values: list[str], *, inner_first_only: bool = False) -> None:
        pairs = sorted((v, e) for e, value in enumerate(values) for v in value.split(" ") if v)
        self.keys = [k for k, _ in pairs]
        self.owners = [e for _, e in pairs]
        if inner_first_only:  # polyphone variants help prefixes; inside a word they only add noise
            values = [v.split(" ", 1)[0] for v in values]
        self.starts: list[int] = []
        pos = 0
        for v in values:
            self.starts.append(pos)
            pos += len(v) + 1
        self.starts.append(pos)  # sentinel: the start of "the entry after the last"
        self.blob = "\0".join(values) + "\0"

    def prefix_scan(self, q: str, best: dict[int, int], prefix: int, exact: int) -> None:
        get, keys, owners = best.get, self.keys, self.owners
        i, n = bisect_left(keys, q), len(keys)
        while i < n and keys[i].startswith(q):
            score = exact if keys[i] == q else prefix
            e = owners[i]
            if score > get(e, -1):
                best[e] = score
            i += 1

    def substring_scan(self, q: str, best: dict[int, int], score: int) -> None:
        get, starts, find = best.get, self.starts, self.blob.find
        i = find(q)
        while i >= 0:
            e = bisect_right(starts, i) - 1
            if score > get(e, -1):
                best[e] = score
            i = find(q, starts[e + 1])


class SearchIndex:
    """Immutable entries plus a mutable use-count list (ranking only)."""

    def __init__(self, rows: Iterable[tuple[Any, ...]], version: str = "") -> None:
        """``rows``: (kind, code, name, department, zone, search_text, use_count[, power_type])."""
        self.version = version
        self.entries: list[_Entry] = []
        self.use_counts: list[int] = []
        self._pos: dict[tuple[str, str], int] = {}
        names, shorts, pys, inis, codes, parents = [], [], [], [], [], []
        by_dept: dict[str, list[int]] = {}
        by_power: dict[str, list[int]] = {}
        for row in rows:
            kind, code, name, dept, zone, stext, uses = row[:7]
            power = (row[7] if len(row) > 7 else "") or ""
            parts = (stext or "").split("|")
            if len(parts) == 6:
                parts.append("")
            elif len(parts) != 7:
                parts = make_search_text(name, "", code, dept).split("|")
            e = len(self.entries)
            self._pos[(kind, code)] = e
            self.entries.append(_Entry(kind, code, name, dept, zone, parts[6], power))
            parents.append(parts[6].lower().replace(" ", ""))
            if power:
                by_power.setdefault(power.lower(), []).append(e)
            self.use_counts.append(int(uses or 0))
            names.append(parts[0].lower().replace(" ", ""))
            shorts.append(parts[1].lower().replace(" ", ""))
            pys.append(parts[2])
            inis.append(parts[3])
            codes.append(parts[4])
            if parts[5]:
                by_dept.setdefault(parts[5].lower(), []).append(e)
        self._name, self._short, self._py = _Field(names), _Field(shorts), _Field(pys)
        self._ini, self._code = _Field(inis, inner_first_only=True), _Field(codes)
        self._parent = _Field(parents)
        # A county has a few dozen departments: match their names once, not every entry's copy.
        self._depts = _Field(list(by_dept))
        self._dept_entries = list(by_dept.values())
        self._powers = _Field(list(by_power))  # a dozen power types: matched like departments
        self._power_entries = list(by_power.values())
        # Static tie-break after use count: shorter name, then code.
        order = sorted(range(len(self.entries)), key=lambda i: (len(self.entries[i].name), self.entries[i].code))
        self._rank = [0] * len(order)
        for r, i in enumerate(order):
            self._rank[i] = r

    def __len__(self) -> int:
        return len(self.entries)

    def bump(self, kind: str, code: str, by: int = 1) -> None:
        i = self._pos.get((kind, code))
        if i is not None:
            self.use_counts[i] += by  # a list slot write is atomic under the GIL

    def _scores(self, q: str, limit: int | None = None) -> dict[int, int]:
        """Best score per matching entry. Passes run from the highest score they can give down;
        with ``limit``, once ``limit`` entries outscore everything the next pass could give,
        the rest cannot change the top ``limit`` and are skipped (a broad code or initials
        prefix then never pays for the substring passes)."""
        best: dict[int, int] = {}
        ascii_q = q.isascii()
        # Two ASCII letters inside a word ("sh" in "...shen...") are noise: prefix matches only.
        inner = not (ascii_q and len(q) < 3)
        steps: list[tuple[int, Callable[[], None]]] = [
            (S_NAME_EXACT, lambda: self._name.prefix_scan(q, best, S_NAME_PREFIX, S_NAME_EXACT)),
            (S_SHORT, lambda: self._short.prefix_scan(q, best, S_SHORT, S_SHORT)),
            (S_NAME_SUB, lambda: self._name.substring_scan(q, best, S_NAME_SUB)),
            (S_NAME_SUB, lambda: self._short.substring_scan(q, best, S_NAME_SUB)),
            (S_CODE_EXACT, lambda: self._code.prefix_scan(q, best, S_CODE_PREFIX, S_CODE_EXACT)),
        ]
        if ascii_q:
            steps += [(S_INIT_PREFIX, lambda: self._ini.prefix_scan(q, best, S_INIT_PREFIX, S_INIT_PREFIX)),
                      (S_PY_PREFIX, lambda: self._py.prefix_scan(q, best, S_PY_PREFIX, S_PY_PREFIX))]
            if inner:
                steps += [(S_INIT_SUB, lambda: self._ini.substring_scan(q, best, S_INIT_SUB)),
                          (S_PY_SUB, lambda: self._py.substring_scan(q, best, S_PY_SUB))]
        if inner:
            steps.append((S_CODE_SUB, lambda: self._code.substring_scan(q, best, S_CODE_SUB)))
            steps.append((S_PARENT, lambda: self._parent.substring_scan(q, best, S_PARENT)))
        else:
            steps.append((S_PARENT, lambda: self._parent.prefix_scan(q, best, S_PARENT, S_PARENT)))
        steps.sort(key=lambda st: -st[0])  # stable: highest ceiling first, so stopping early is safe
        for ceiling, step in steps:
            if limit is not None and len(best) >= limit and sum(v > ceiling for v in best.values()) >= limit:
                return best
            step()
        if limit is not None and len(best) >= limit and sum(v > S_DEPT for v in best.values()) >= limit:
            return best
        depts: dict[int, int] = {}
        self._depts.prefix_scan(q, depts, S_DEPT, S_DEPT)
        self._depts.substring_scan(q, depts, S_DEPT)
        for d in depts:  # the lowest tier: merging keeps every higher score already found
            best = dict.fromkeys(self._dept_entries[d], S_DEPT) | best
        powers: dict[int, int] = {}
        self._powers.prefix_scan(q, powers, S_POWER, S_POWER)
        if inner:
            self._powers.substring_scan(q, powers, S_POWER)
        for p in powers:
            best = dict.fromkeys(self._power_entries[p], S_POWER) | best
        return best

    def search(self, query: str, limit: int = 20, kinds: Iterable[str] = ("matter", "bundle")) -> list[SearchHit]:
        tokens = (query or "").lower().replace("|", " ").replace("\0", " ").split()
        if not tokens:
            return []
        allowed = set(kinds)
        # "hu ji deng ji" is one pinyin query; early stop only when no kind is filtered out
        best = self._scores("".join(tokens), limit if len(allowed) >= 2 else None)
        # "公安 户籍": every word must match, ranked below a whole match. Pure-ASCII words are
        # not split, "hu ji" is pinyin with spaces, and "hu"+"ji" alone would match half the catalog.
        if len(tokens) > 1 and not all(t.isascii() for t in tokens):
            per = [self._scores(t) for t in tokens]
            for e in set(per[0]).intersection(*per[1:]):
                score = min(p[e] for p in per) - 1
                if score > best.get(e, -1):
                    best[e] = score
        entries, uses, rank = self.entries, self.use_counts, self._rank
        if len(allowed) < 2:
            best = {e: sc for e, sc in best.items() if entries[e].kind in allowed}
        # Rank tier by tier from the top, so a broad query sorts only the tiers that are shown.
        tiers: dict[int, list[int]] = {}
        for e, sc in best.items():
            tiers.setdefault(sc, []).append(e)
        ranked: list[int] = []
        for sc in sorted(tiers, reverse=True):
            need = limit - len(ranked)
            if need <= 0:
                break
            ranked += heapq.nsmallest(need, tiers[sc], key=lambda e: (-uses[e], rank[e]))
        out = []
        for e in ranked[:max(0, limit)]:
            en, sc = entries[e], best[e]
            out.append(SearchHit(en.kind, en.code, en.name, en.department, en.zone, sc,
                                 _REASON.get(sc, _REASON.get(sc + 1, "名称")), en.parent, en.power_type))
        return out


# --------------------------------------------------------------------------- loading and caching

def load_index(session: Session, version: str = "") -> SearchIndex:
    rows: list[Any] = list(session.execute(
        select(Matter.code, Matter.name, Matter.department, Matter.zone_code, Matter.search_text,
               Matter.use_count, Matter.power_type).where(Matter.active.is_(True)).order_by(Matter.id)))
    brows: list[Any] = list(session.execute(
        select(Bundle.code, Bundle.name, Bundle.zone_code, Bundle.search_text, Bundle.use_count)
        .order_by(Bundle.id)))
    return SearchIndex([("matter", *r) for r in rows]
                       + [("bundle", c, n, "", z, st, u) for c, n, z, st, u in brows], version)


STAMP_KEY = "catalog_stamp"  # Setting written by every import: version@time
RECHECK_SECONDS = 2.0  # how stale another workstation's import may look; our own imports invalidate at once


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.token: str | None = None
        self.index: SearchIndex | None = None
        self.checked = 0.0


_CACHES: weakref.WeakKeyDictionary[Engine, _Cache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def _cache_for(engine: Engine) -> _Cache:
    # one cache per database: an engine with execution options (``Database.read`` sessions are
    # bound to one) is a copy proxying the engine the app holds
    engine = getattr(engine, "_proxied", engine)
    with _CACHES_LOCK:
        c = _CACHES.get(engine)
        if c is None:
            c = _CACHES[engine] = _Cache()
        return c


def invalidate(engine: Engine) -> None:
    """Drop the cached index of this database (called after an import commits)."""
    c = _cache_for(engine)
    with c.lock:
        c.index, c.token, c.checked = None, None, 0.0


def index_for(session: Session) -> SearchIndex:
    """The index of the session's database, rebuilt only when the catalog stamp changed
    (another workstation's import is seen through the shared ``catalog_stamp`` setting)."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    setting = session.get(Setting, STAMP_KEY) or session.get(Setting, "catalog_version")
    token = setting.value if setting else ""
    c = _cache_for(engine)
    with c.lock:  # one builder; concurrent searchers wait rather than build twice
        if c.index is None or c.token != token:
            c.index, c.token = load_index(session, token), token
        c.checked = time.monotonic()
        return c.index


def memory_index(engine: Engine) -> tuple[SearchIndex | None, bool]:
    """The index in memory (``None`` before the first build) and whether it was checked
    against the database less than ``RECHECK_SECONDS`` ago. Answering from it costs no SQL, so
    a keystroke may search on the GUI thread; when it is not fresh, a worker checks the catalog
    stamp (``index_for_engine``) and answers again if another workstation imported meanwhile."""
    c = _cache_for(engine)
    index = c.index
    return index, index is not None and time.monotonic() - c.checked < RECHECK_SECONDS


def index_for_engine(engine: Engine, sessions: Callable[[], Any]) -> SearchIndex:
    """Like ``index_for`` but without touching the database when the index was checked less
    than ``RECHECK_SECONDS`` ago — a keystroke then costs no SQL at all. ``sessions()`` gives a
    context manager yielding a Session: ``Database.read`` (on SQLite it begins DEFERRED, so a
    re-check never waits for a writer)."""
    c = _cache_for(engine)
    index = c.index
    if index is not None and time.monotonic() - c.checked < RECHECK_SECONDS:
        return index
    with sessions() as s:
        return index_for(s)
