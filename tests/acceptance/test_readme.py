"""README shows cnncalc's own output; these keep it current."""
from __future__ import annotations

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def block_starting(first_line: str) -> str:
    start = README.index("```\n" + first_line) + 4
    return README[start:README.index("```", start)].rstrip("\n")


def test_the_vgg16_table_is_what_check_prints(run_cli, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert block_starting("vgg16 (specs/vgg16.yaml)") == run_cli("check", "specs/vgg16.yaml").stdout.rstrip("\n")


def test_the_explain_example_is_what_explain_prints(run_cli, monkeypatch):
    monkeypatch.chdir(ROOT)
    shown = block_starting("$ cnncalc explain specs/alexnet-cs231n.yaml --layer 1").split("\n", 1)[1]
    assert shown == run_cli("explain", "specs/alexnet-cs231n.yaml", "--layer", "1").stdout.rstrip("\n")
