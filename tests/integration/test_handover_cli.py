"""``clerk handover make|show|receive`` on a real data folder (SQLite, the demo hall), through the
real ``clerk`` entry function with the command group as its entry point registers it."""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from clerk import cases
from clerk.cli import EXIT_ERROR, EXIT_REFUSED
from clerk.commands import open_db
from clerk.models import Matter
from printing import handover_cli
from tests.casefixtures import clerk_user, zhang
from tests.clirunner import make_cli
from tests.pdftools import decode_codes, pdf_text, pdf_to_pngs


@pytest.fixture
def cli(monkeypatch, tmp_path, capsys):
    return make_cli(monkeypatch, tmp_path, capsys, {"handover": handover_cli.register})


def _agent_case(cli) -> str:
    class A:
        data_dir = str(cli.data)
    db = open_db(A())
    try:
        agent = clerk_user(db, "agent")
        with db.read() as s:  # a demo matter with no situation question: every material applies
            code = next(m.code for m in s.scalars(select(Matter).where(Matter.active).order_by(Matter.code))
                        if not m.questions and m.materials)
        case = cases.start_case(db, agent, zhang(), matter_code=code)
        for c in case.checks:
            cases.check_material(db, agent, case.id, c.key, "presented")
        return cases.accept_case(db, agent, case.id).number
    finally:
        db.dispose()


def test_agent_makes_the_list_and_the_centre_receives_it_once(cli, monkeypatch, tmp_path):
    cli("handover", "show", "JJ00000000X0000000000000")  # first use: the data folder and demo hall
    number = _agent_case(cli)

    rc, _, err = cli("handover", "make")
    assert rc == EXIT_REFUSED and "打印交接单需要登录" in err
    monkeypatch.setenv("CLERK_PASSWORD", "clerk123")
    rc, _, err = cli("--user", "clerk", "handover", "make")
    assert rc == EXIT_REFUSED and "只有代办员可以打印交接单" in err

    monkeypatch.setenv("CLERK_PASSWORD", "agent123")
    out_pdf = tmp_path / "list.pdf"
    rc, out, err = cli("--user", "agent", "handover", "make", "--out", str(out_pdf), "--json")
    assert rc == 0, err
    made = json.loads(out)
    assert made["cases"] == 1 and made["lines"][0]["case_number"] == number and made["pdf"] == str(out_pdf)
    assert made["lines"][0]["applicant"] == "张*"
    pdf = out_pdf.read_bytes()
    assert number in re.sub(r"\s+", "", pdf_text(pdf))
    assert ("CODE128", made["number"]) in decode_codes(pdf_to_pngs(pdf, tmp_path / "png")[0])
    rc, _, err = cli("--user", "agent", "handover", "make")
    assert rc == EXIT_ERROR and "没有新受理的办件" in err

    rc, _, err = cli("--user", "agent", "handover", "receive", made["number"])
    assert rc == EXIT_REFUSED
    monkeypatch.setenv("CLERK_PASSWORD", "clerk123")
    rc, out, err = cli("--user", "clerk", "handover", "receive", made["number"])
    assert rc == 0 and out.startswith(f"交接单 {made['number']} 已接收：代办员") and "1 件办件" in out
    rc, out, _ = cli("--user", "clerk", "handover", "receive", made["number"])
    assert rc == 0 and "无需重复接收" in out and "已于" in out
    rc, out, _ = cli("handover", "show", made["number"])
    assert rc == 0 and number in out and "接收" in out and "尚未接收" not in out
    rc, _, err = cli("--user", "clerk", "handover", "receive", "JJ33022501W0120991231001")
    assert rc == EXIT_ERROR and "找不到交接单 JJ33022501W0120991231001" in err
