"""Shared fixtures: the CLI driven in-process through click's CliRunner, stdout and stderr apart."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cnncalc.cli import cli

SPECS = Path(__file__).resolve().parent.parent / "specs"

# `FILE:LINE:COL: error[CODE]` or, when the fault has no position, `FILE: error[CODE]` (contract §4)
DIAGNOSTIC_LINE = re.compile(r"^(?P<source>.+?)(?::(?P<line>\d+):(?P<column>\d+))?: (?P<severity>error|warning)"
                             r"\[(?P<code>[a-z0-9-]+)\]: \S", re.MULTILINE)


def assert_no_crash(result: Result) -> None:
    """The command ended through its own exit path: no exception escaped, no traceback printed."""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        # not chained: a RecursionError's thousand frames would make the report itself slow
        raise AssertionError(f"cnncalc raised {type(result.exception).__name__}: {str(result.exception)[:300]}"
                             f"\nstderr: {result.stderr[:1000]}") from None
    assert "Traceback" not in result.stdout
    assert "Traceback" not in result.stderr


@pytest.fixture
def run_cli():
    """run_cli(*args, input=None) -> click Result, checked to have ended without a crash."""
    runner = CliRunner()

    def run(*args: str, input: str | bytes | None = None) -> Result:
        result = runner.invoke(cli, [str(a) for a in args], input=input)
        assert_no_crash(result)
        return result

    return run


@pytest.fixture
def check_json(run_cli):
    """check_json(*args, input=None) -> (result, parsed JSON of stdout or None) of `check --format json`."""

    def run(*args: str, input: str | bytes | None = None):
        result = run_cli("check", "--format", "json", *args, input=input)
        data = json.loads(result.stdout) if result.stdout.strip() else None
        return result, data

    return run


def volume(v: dict | None) -> list[int] | None:
    """A JSON volume as [width, height, depth] (its spatial sizes, width first, then its depth)."""
    return None if v is None else [v[k] for k in ("width", "height", "frames", "depth") if k in v]


def diagnostics_in(stderr: str) -> list[re.Match]:
    return list(DIAGNOSTIC_LINE.finditer(stderr))
