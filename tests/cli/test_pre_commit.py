"""The pre-commit hook (.pre-commit-hooks.yaml): its declaration, the files it picks, and its entry, which runs
`cnncalc check`."""
from __future__ import annotations

import re
import shlex

import pytest
import yaml
from click.testing import CliRunner

from cnncalc.cli import cli
from conftest import NON_INTEGER, ROOT, SPECS, assert_no_crash, write


@pytest.fixture(scope="module")
def hook() -> dict:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    [found] = [h for h in hooks if h["id"] == "cnncalc-check"]
    return found


def test_hook_declaration(hook):
    assert hook["language"] == "python"
    assert set(hook) >= {"id", "name", "entry", "language", "files"}


@pytest.mark.parametrize("path, matches", [
    ("model.cnn.yaml", True), ("nets/model.cnn.yml", True), ("specs/x.yaml", True), ("specs/a/b.yml", True),
    ("other/x.yaml", False), ("x.yaml", False), ("model.cnn.yaml.bak", False), ("notspecs/x.yaml", False),
])
def test_hook_files_regex(hook, path, matches):
    # pre-commit applies `files` with re.search to paths relative to the repository root
    assert bool(re.search(hook["files"], path)) is matches


def test_hook_entry_runs_cnncalc(hook, tmp_path):
    program, *args = shlex.split(hook["entry"])
    assert program == "cnncalc" and args == ["check"]
    runner = CliRunner()
    good = runner.invoke(cli, [*args, str(SPECS / "lenet5.yaml"), str(SPECS / "cs231n-cifar10.yaml")])
    assert_no_crash(good)
    assert good.exit_code == 0
    bad = runner.invoke(cli, [*args, str(SPECS / "lenet5.yaml"), write(tmp_path, "bad.cnn.yaml", NON_INTEGER)])
    assert_no_crash(bad)
    assert bad.exit_code == 1
    assert "non-integer-output" in bad.stderr
