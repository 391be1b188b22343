"""The command line's usage (cli.py): no arguments, --version, --help, and usage errors (exit 2, nothing on
standard output)."""
from __future__ import annotations

import re

import pytest

import cnncalc
from cnncalc.cli import cli
from conftest import ROOT, WALKTHROUGH


def test_no_arguments_prints_usage(run_cli):
    result = run_cli()
    assert result.exit_code == 0
    assert "Usage:" in result.stdout and "check" in result.stdout


def test_no_arguments_prints_usage_and_exits_0(run_cli):
    result = run_cli()
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: ")
    for command in ("check", "explain", "sizes", "diff", "export", "schema"):
        assert re.search(rf"^\s+{command}\s", result.stdout, re.MULTILINE)


def test_version(run_cli):
    result = run_cli("--version")
    assert result.exit_code == 0
    assert cnncalc.__version__ in result.stdout
    assert re.fullmatch(r"cnncalc, version \d+\.\d+\.\d+\S*\n", result.stdout)


def test_version_is_the_project_version(run_cli):
    tomllib = pytest.importorskip("tomllib")  # Python 3.11 and later; cnncalc itself runs on 3.10
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    result = run_cli("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"cnncalc, version {project}"
    assert cnncalc.__version__ == project


def test_help(run_cli):
    result = run_cli("check", "--help")
    assert result.exit_code == 0
    for option in ("--format", "--input", "--rounding"):
        assert option in result.stdout


@pytest.mark.parametrize("command", [None, *sorted(cli.commands)])
def test_help_of_every_command_shows_an_example(run_cli, command):
    result = run_cli(*([command] if command else []), "--help")
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: ")
    assert re.search(r"^\s*Examples?( \(.*\))?:", result.stdout, re.MULTILINE), result.stdout
    assert result.stderr == ""


@pytest.mark.parametrize("args", [
    ["check"],                                          # no SPEC
    ["check", "--format", "yaml", WALKTHROUGH],
    ["check", "--rounding", "round", WALKTHROUGH],
    ["check", "--input", "32x32x32x32x3", WALKTHROUGH],  # 4 spatial axes
    ["check", "--input", "0x32x3", WALKTHROUGH],
    ["check", "--no-such-option", WALKTHROUGH],
    ["frobnicate"],
])
def test_usage_errors_exit_2(args, run_cli):
    result = run_cli(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Usage:" in result.stderr or "Error" in result.stderr
