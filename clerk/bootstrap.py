"""First-run setup: the demo hall with its zones and windows, and the default accounts.

Idempotent: running it again changes nothing that exists. Passwords are salted scrypt; the
default accounts must change theirs at first sign-in outside demo mode (clerk.auth).
"""
from __future__ import annotations

import hashlib
import hmac
import os

from sqlalchemy import select
from sqlalchemy.orm import Session

from .db import Database
from .dto import HallSummary
from .models import Hall, Role, User, Window, WindowZone, Zone
from .zones import DEFAULT_ZONES

DEMO_HALL_CODE = "33022501"
DEMO_HALL_NAME = "象山县行政服务中心"
_ITERATIONS = 120_000

# (username, display name, role, default password). The README tells admins to change them.
DEFAULT_USERS: tuple[tuple[str, str, str, str], ...] = (
    ("admin", "系统管理员", Role.ADMIN.value, "admin123"),
    ("clerk", "王晓丽", Role.CLERK.value, "clerk123"),
    ("agent", "陈阿姨", Role.AGENT.value, "agent123"),
    ("manager", "李主任", Role.MANAGER.value, "manager123"),
)


# scrypt (memory-hard, in hashlib): 16 MiB and ~50 ms per check on a counter PC, so a stolen
# database cannot be guessed at GPU speed. PBKDF2 hashes of earlier releases are still accepted
# and replaced at the next sign-in (``needs_rehash``).
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                            maxmem=64 * 1024 * 1024, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    parts = (stored or "").split("$")
    try:
        if parts[0] == "scrypt" and len(parts) == 6:
            n, r, p = (int(x) for x in parts[1:4])
            if n > 2**20 or r > 32 or p > 16:  # a hostile row must not eat the machine's memory
                return False
            digest = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(parts[4]), n=n, r=r, p=p,
                                    maxmem=256 * 1024 * 1024, dklen=len(parts[5]) // 2)
            return hmac.compare_digest(digest.hex(), parts[5])
        if parts[0] == "pbkdf2_sha256" and len(parts) == 4:
            iterations = int(parts[1])
            if iterations > 10_000_000:
                return False
            digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), bytes.fromhex(parts[2]), iterations)
            return hmac.compare_digest(digest.hex(), parts[3])
    except (ValueError, MemoryError):
        return False
    return False


def needs_rehash(stored: str) -> bool:
    """True for a hash weaker than what ``hash_password`` makes today (replaced at sign-in)."""
    return not (stored or "").startswith(f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}$")


def pbkdf2_hash(password: str, salt: bytes | None = None) -> str:
    """The earlier releases' format (kept for tests of the upgrade path)."""
    salt = salt or os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, _ITERATIONS)
    return f"pbkdf2_sha256${_ITERATIONS}${salt.hex()}${digest.hex()}"


def default_password(username: str) -> str | None:
    return next((pw for name, _d, _r, pw in DEFAULT_USERS if name == username), None)


def ensure_hall(session: Session, code: str = DEMO_HALL_CODE, name: str = DEMO_HALL_NAME,
                windows: int = 8) -> Hall:
    """The hall with the standard zones; window 1–2 综合 (all zones), the rest one zone each."""
    hall = session.scalar(select(Hall).where(Hall.code == code))
    if hall is None:
        hall = Hall(code=code, name=name, address="象山县丹东街道象山港路 1 号", phone="0574-65700000")
        session.add(hall)
        session.flush()
    zones = {z.code: z for z in session.scalars(select(Zone).where(Zone.hall_id == hall.id))}
    for pos, zd in enumerate(DEFAULT_ZONES):
        if zd.code not in zones:
            zones[zd.code] = Zone(hall_id=hall.id, code=zd.code, name=zd.name, prefix=zd.prefix, position=pos)
            session.add(zones[zd.code])
    session.flush()
    have = {w.number for w in session.scalars(select(Window).where(Window.hall_id == hall.id))}
    specific = [z for z in DEFAULT_ZONES if z.code != "ZH"]
    for number in range(1, windows + 1):
        if number in have:
            continue
        win = Window(hall_id=hall.id, number=number, name=f"{number}号窗口")
        session.add(win)
        session.flush()
        if number <= 2:
            served = [zones["ZH"]] + [zones[z.code] for z in specific]
        else:
            served = [zones[specific[(number - 3) % len(specific)].code], zones["ZH"]]
        for prio, zone in enumerate(served):
            session.add(WindowZone(window_id=win.id, zone_id=zone.id, priority=prio))
    session.flush()
    return hall


def ensure_users(session: Session, hall: Hall) -> None:
    have = set(session.scalars(select(User.username)))
    for username, display, role, password in DEFAULT_USERS:
        if username not in have:
            session.add(User(username=username, display_name=display, role=role,
                             password_hash=hash_password(password), hall_id=hall.id))
    session.flush()


def hall_summary(db: Database, code: str) -> HallSummary:
    """Name, address and phone of the configured hall; a generic name when it is not set up yet."""
    with db.uow() as s:
        hall = s.scalar(select(Hall).where(Hall.code == code))
        if hall is None:
            return HallSummary(code=code, name="行政服务中心")
        return HallSummary(code=hall.code, name=hall.name, address=hall.address, phone=hall.phone)
