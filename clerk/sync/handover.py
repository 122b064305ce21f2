"""交接单 received at the centre through the back office: the list and its cases were made on a
village agent's laptop (its own database) and reached the back office by sync, so the centre's
desk asks the server (``POST /handover-lists/{number}/receive``) with this workstation's token.

One rule: the receipt is the server's; nothing is recorded here unless the server answered with a
well-formed receipt (offline, 5xx, a captive-portal page → a Chinese message, nothing recorded).
"""
from __future__ import annotations

from typing import Any

from ..db import Database
from ..errors import ClerkError, NotFound
from . import state
from .http import API, Client, classify, network_result

OFFLINE = "无法连接后台，交接单未接收，请稍后再扫"


def receive(db: Database, number: str, *, username: str, name: str, workstation: str,
            timeout: tuple[float, float] = (5.0, 15.0)) -> dict[str, Any]:
    """The server's view of the list after the receipt (``already`` True on a repeat)."""
    ln = state.link(db)
    client = Client(ln.server, ln.token, timeout=timeout)
    try:
        resp = client.request("POST", f"{API}/handover-lists/{number}/receive",
                              body={"username": username, "name": name, "workstation": workstation})
    except Exception as exc:  # requests raises many kinds: none is a receipt
        r = network_result(exc)
        raise ClerkError(OFFLINE, f"back office not reached: {r.message}") from exc
    finally:
        client.close()
    r = classify(resp, lambda d: d.get("number") == number and isinstance(d.get("cases"), list)
                 and d.get("received_at") is not None and isinstance(d.get("already"), bool), ok_status=(200,))
    if r.ok:
        return r.data
    if r.kind == "dead" and r.status == 404:
        raise NotFound(r.message, f"no handover list {number} at the back office")
    if r.kind == "dead":
        raise ClerkError(f"后台拒绝接收交接单：{r.message}", f"back office refused: HTTP {r.status}")
    if r.kind == "auth":
        raise ClerkError(f"交接单未接收：{r.message}", "back office token refused")
    raise ClerkError(OFFLINE, f"back office answered HTTP {r.status}: {r.message}")
