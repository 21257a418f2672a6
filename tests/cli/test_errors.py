"""Every usage error of the command line is one line on stderr and exit status 2."""

from __future__ import annotations

from tests.helpers.cli import assert_clean_error, run


def test_usage_errors_are_one_line(capsys):
    rc, _, err = run(capsys, "pansharpen", "--sample")
    assert_clean_error(rc, err, "-o/--output")
    rc, _, err = run(capsys, "frobnicate")
    assert_clean_error(rc, err, "invalid choice")
    rc, out, _ = run(capsys, "pansharpen", "-h")
    assert rc == 0 and "--bit-depth" in out
