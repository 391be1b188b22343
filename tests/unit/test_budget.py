"""Budgets (engine/budget.py): a spec's `budget:` and the --max-params, --max-macs and --max-memory options,
over-budget told at the budget's key with how far over."""
from __future__ import annotations

import json

import pytest

from conftest import SPECS, diagnostics_in

# fc over 32·32·3 inputs: 3,072·1,000 + 1,000 = 3,073,000 params

OVER_BUDGET = "input: 32x32x3\nbudget: {params: 1M}\nlayers:\n  - fc: 1000\n"


def test_spec_over_its_budget(run_cli, tmp_path):
    path = tmp_path / "over.yaml"
    path.write_text(OVER_BUDGET, encoding="utf-8")
    result = run_cli("check", str(path), "--format", "json")
    assert result.exit_code == 1
    [diagnostic] = json.loads(result.stdout)["diagnostics"]
    assert diagnostic["code"] == "over-budget"
    assert (diagnostic["line"], diagnostic["column"]) == (2, 10)  # the key `params` in the budget mapping
    # 3,073,000 − 1,000,000 = 2,073,000
    assert "3,073,000" in diagnostic["message"] and "by 2,073,000" in diagnostic["message"]
    [line] = diagnostics_in(result.stderr)
    assert (line["source"], line["line"], line["column"], line["code"]) == (str(path), "2", "10", "over-budget")


def test_spec_under_its_budget(run_cli, tmp_path):
    path = tmp_path / "under.yaml"
    path.write_text(OVER_BUDGET.replace("1M", "3.1M"), encoding="utf-8")
    result = run_cli("check", str(path))
    assert result.exit_code == 0 and "over-budget" not in result.stderr


@pytest.mark.parametrize("flag, value, expected", [
    ("--max-params", "25M", "params 25,557,032 exceed the budget of 25,000,000 by 557,032"),
    ("--max-params", "25000000", "params 25,557,032 exceed the budget of 25,000,000 by 557,032"),
    ("--max-params", "25.6M", None),       # 25,600,000 > 25,557,032 (torchvision's resnet50 num_params)
    ("--max-params", "25557032", None),    # exactly at the limit: not over it
    ("--max-params", "25557031", "by 1 "),
    ("--max-macs", "4.1G", None),          # 4,100,000,000 > 4,089,184,256
    ("--max-macs", "4.08G", "macs 4,089,184,256 exceed the budget of 4,080,000,000 by 9,184,256"),
])
def test_limit_flags(run_cli, flag, value, expected):
    result = run_cli("check", str(SPECS / "resnet50.yaml"), flag, value)
    over = [d for d in diagnostics_in(result.stderr) if d["code"] == "over-budget"]
    if expected is None:
        assert result.exit_code == 0 and not over
    else:
        assert result.exit_code == 1 and len(over) == 1
        assert expected in result.stderr


def test_max_memory_in_binary_units(run_cli):
    # vgg16 training with SGD: (activations·batch·2 + params·2)·4 bytes;
    # batch 8: 15,237,608·64 + 138,357,544·8 = 975,206,912 + 1,106,860,352 = 2,082,067,264 <= 2 GiB
    # batch 9: 15,237,608·72 + 1,106,860,352 = 2,203,968,128, over 2 GiB = 2,147,483,648 by 56,484,480
    spec = str(SPECS / "vgg16.yaml")
    assert run_cli("check", spec, "--training", "--batch", "8", "--max-memory", "2GiB").exit_code == 0
    result = run_cli("check", spec, "--training", "--batch", "9", "--max-memory", "2GiB")
    assert result.exit_code == 1
    assert ("peak memory 2,203,968,128 bytes exceed the budget of 2,147,483,648 bytes by 56,484,480 bytes"
            in result.stderr)


def test_bad_limit_is_a_usage_error(run_cli):
    result = run_cli("check", str(SPECS / "lenet5.yaml"), "--max-params", "lots")
    assert result.exit_code == 2 and result.stdout == "" and "--max-params" in result.stderr
