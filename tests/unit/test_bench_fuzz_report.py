"""The long fuzz run names why a parser's run stopped: an example that broke the parser, or a
run killed from outside (which prints nothing of its own and once passed for an unexplained
parser failure)."""
from bench.bench_fuzz import why_failed


def test_a_killed_run_says_so_and_is_not_reported_as_a_parser_failure():
    text = why_failed(-9, "", "")
    assert "killed by signal 9" in text and "tests failed" not in text


def test_a_failing_example_is_printed_with_its_assertion():
    out = "....\nE   AssertionError: name\nFalsifying example: test_x(block=b'\\x00')\n1 failed"
    text = why_failed(1, out, "")
    assert "tests failed" in text and "Falsifying example: test_x(block=b'\\x00')" in text
    assert "E   AssertionError: name" in text and "1 failed" not in text


def test_an_error_outside_pytest_output_shows_stderr():
    assert "ImportError: no module" in why_failed(4, "", "Traceback\nImportError: no module")
