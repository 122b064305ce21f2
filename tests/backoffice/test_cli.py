"""``clerk backoffice …`` (here through ``python -m backoffice``'s ``main``, the same parser): halls,
decisions from a script, the case list, and clear one-line errors."""
from __future__ import annotations

import json

from backoffice import core, service
from backoffice.cli import main, open_store
from tests.backoffice_server import sample_case


def run(capsys, *argv):
    rc = main(list(argv))
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_hall_add_prints_an_enrolment_code_that_registers(tmp_path, capsys):
    d = str(tmp_path / "bo")
    rc, out, _ = run(capsys, "hall", "add", "--code", "33022599", "--name", "某镇便民服务中心", "--data-dir", d)
    assert rc == 0 and "注册码" in out
    code = out.strip().split("：")[-1]
    import argparse

    store = open_store(argparse.Namespace(bo_data_dir=d, database_url=None))
    try:
        reply = core.register_workstation(store, "33022599", "W01", "1号窗口", code)
        assert reply.status == 201 and reply.body["hall_name"] == "某镇便民服务中心"
        caller = core.authenticate(store, f"Bearer {reply.body['token']}")
        body = sample_case(hall="33022599")
        service.put_case(store, caller, body["uuid"], body)
    finally:
        store.dispose()
    rc, out, err = run(capsys, "decide", body["number"], "reject", "--data-dir", d)
    assert rc == 1 and "不予许可必须写明理由" in err  # no reason: refused, nothing moves
    rc, out, _ = run(capsys, "decide", body["number"], "reject", "--reason", "材料不实", "--json", "--data-dir", d)
    assert rc == 0 and json.loads(out)["state"] == "rejected"
    rc, out, _ = run(capsys, "cases", "--json", "--data-dir", d)
    rows = json.loads(out)
    assert [(r["number"], r["state"], r["version"]) for r in rows] == [(body["number"], "rejected", 2)]


def test_errors_are_one_chinese_line(tmp_path, capsys):
    d = str(tmp_path / "bo")
    rc, _out, err = run(capsys, "decide", "33022501W01209901010001", "approve", "--data-dir", d)
    assert rc == 1 and err.startswith("错误：找不到该办件")
    rc, _out, err = run(capsys, "revoke", "--workstation", "W77", "--hall", "33022501", "--data-dir", d)
    assert rc == 1 and "没有窗口 W77" in err
    rc, _out, err = run(capsys, "hall", "add", "--code", "x", "--name", "y", "--data-dir", d)
    assert rc == 1 and "大厅编码" in err
