"""README shows cnncalc's own output and runs its Python example; these keep it current."""
from __future__ import annotations

import re

import cnncalc
from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def block_starting(first_line: str) -> str:
    start = README.index("```\n" + first_line) + 4
    return README[start:README.index("```", start)].rstrip("\n")


def test_the_vgg16_table_is_what_check_prints(run_cli, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert block_starting("vgg16 (specs/vgg16.yaml)") == run_cli("check", "specs/vgg16.yaml").stdout.rstrip("\n")


def test_the_resnet50_tree_at_depth_2_is_what_check_prints(run_cli, monkeypatch):
    monkeypatch.chdir(ROOT)
    shown = block_starting("$ COLUMNS=100 cnncalc check specs/resnet50.yaml --depth 2").split("\n", 1)[1]
    printed = run_cli("check", "specs/resnet50.yaml", "--depth", "2", env={"COLUMNS": "100"}).stdout
    assert shown == printed.rstrip("\n")


def test_the_explain_example_is_what_explain_prints(run_cli, monkeypatch):
    monkeypatch.chdir(ROOT)
    shown = block_starting("$ cnncalc explain specs/alexnet-cs231n.yaml --layer 1").split("\n", 1)[1]
    assert shown == run_cli("explain", "specs/alexnet-cs231n.yaml", "--layer", "1").stdout.rstrip("\n")


def _readme_python_blocks() -> list[str]:
    section = README.split("### From Python", 1)[1]
    section = re.split(r"\n#{1,3} ", section, maxsplit=1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.DOTALL)


def test_readme_python_example_runs(monkeypatch):
    blocks = _readme_python_blocks()
    assert blocks
    monkeypatch.chdir(ROOT)  # the example names specs/… relative to the repository
    for block in blocks:
        namespace: dict = {}
        exec(compile(block, "README.md", "exec"), namespace)
        # a line `expression   # value` states the value: check it where the comment is a Python value
        checked = 0
        for line in block.splitlines():
            code, _, comment = line.partition("  #")
            if not comment.strip() or "=" in code.replace("==", ""):
                continue
            try:
                stated = eval(comment.strip(), {"Volume": cnncalc.Volume})
            except SyntaxError:
                continue
            actual = eval(code.strip(), namespace)
            assert actual == stated if not isinstance(stated, tuple) else tuple(actual) == stated, line
            checked += 1
        assert checked >= 1
