"""Usage mistakes on the command line get the same one-line form as other errors: 中文 (English)."""
from __future__ import annotations

import pytest

from clerk.cli import main


@pytest.mark.parametrize("argv, expected", [
    (["queue", "take", "--json"], "错误：缺少必填参数：--zone (the following arguments are required: --zone)"),
    (["catalog", "search", "sbk", "--bogus"], "错误：无法识别的参数：--bogus (unrecognized arguments: --bogus)"),
    (["queue", "call", "--window", "五"], "错误：参数 --window 的值 '五' 无效"),
    (["queue", "nope"], "错误：参数 QUEUE_COMMAND 的取值 'nope' 无效，可选：'take'"),
])
def test_usage_errors_are_one_chinese_line_and_exit_2(argv, expected, capsys, tmp_path):
    with pytest.raises(SystemExit) as stop:
        main(["--data-dir", str(tmp_path), *argv])
    assert stop.value.code == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith(expected)
