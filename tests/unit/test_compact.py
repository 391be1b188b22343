"""The compact notation (source/compact.py; contract §7): every written form agrees with the YAML one,
repeats, and its errors, each with its column and a caret under it."""
from __future__ import annotations

import re

import pytest

from conftest import REFERENCE_YAML, analyze, codes, shape, valid, yaml_spec

# -- the compact notation --------------------------------------------------------------------------

COMPACT_EQUIVALENTS = [
    "INPUT(32x32x3) -> CONV(16, 3, 1, 1) -> RELU -> POOL(2, 2) -> FC(10)",  # positional, in the table's order
    "INPUT(32x32x3) -> CONV(K=16, F=3, S=1, P=1) -> RELU -> POOL(F=2, S=2) -> FC(K=10)",  # the notes' letters
    "INPUT(32x32x3) -> CONV(filters=16, kernel=3, stride=1, padding=1) -> RELU -> POOL(kernel=2) -> FC(units=10)",
    "INPUT(32x32x3) → CONV(16, 3, P=1) → RELU → POOL(2) → FC(10)",        # the arrow character
    "INPUT(32x32x3) - CONV(16, 3, P=1) - RELU - POOL(2) - FC(10)",        # a plain dash
    "INPUT(32x32x3)->CONV(16,3,P=1)->RELU->POOL(2)->FC(10)",              # no spaces
    "input(32x32x3) -> conv(16, 3, P=1) -> Relu -> Pool(2) -> fc(10)",    # names are case-insensitive
    "INPUT(32, 32, 3) -> CONV(16, 3, P=1) -> RELU -> MAXPOOL(2) -> DENSE(10)",
    "INPUT(32x32x3) -> CONV(16, 3, padding=same) -> RELU -> POOL(2) -> LINEAR(10)",
]


@pytest.mark.parametrize("line", COMPACT_EQUIVALENTS)
def test_compact_forms_agree_with_yaml(line):
    assert shape(valid(line)) == shape(valid(REFERENCE_YAML))


def test_compact_repeat():
    # [CONV -> RELU]*2 expands in order: conv, relu, conv, relu
    report = valid("INPUT(32x32x3) -> [CONV(16, 3, P=1) -> RELU]*2 -> POOL(2) -> FC(10)")
    assert [r.type for r in report.rows] == ["input", "conv", "relu", "conv", "relu", "pool", "fc"]
    assert [r.path for r in report.rows][1:5] == ["layers[0].repeat#1[0]", "layers[0].repeat#1[1]",
                                                   "layers[0].repeat#2[0]", "layers[0].repeat#2[1]"]
    # the second conv sees 16 channels: 3·3·16·16 = 2,304 weights
    assert report.rows[3].weights == 2_304


def test_compact_nested_repeat():
    report = valid("INPUT(8x8x1) -> [[RELU]*2 -> TANH]*3")
    assert [r.type for r in report.rows[1:]] == ["relu", "relu", "tanh"] * 3


def test_compact_names_may_be_dotted_and_number_the_copies():
    # PyTorch's module paths, as a word; {i} is the copy of the repeat it stands in
    report = valid("INPUT(8x8x3) -> CONV(4, 3, P=1, name=features.0) -> [RELU(name=layer1.{i}.relu)]*2")
    assert [r.name for r in report.rows[1:]] == ["features.0", "layer1.0.relu", "layer1.1.relu"]
    report = valid(yaml_spec("input: 8x8x3", "- CONV(4, 3, name=layer1.0.conv1)"))
    assert report.rows[1].name == "layer1.0.conv1"


@pytest.mark.parametrize("line, column", [
    ("INPUT(8x8x3) -> CONV(4, 3, name=a.)", 34),     # a dot must be followed by more of the name
    ("INPUT(8x8x3) -> CONV(4, 3, name=a..b)", 34),
    ("INPUT(8x8x3) -> CONV(4, 3, name=a{j})", 34),   # {i} is the one placeholder
])
def test_compact_name_faults(line, column):
    [diagnostic] = analyze(line).diagnostics
    assert (diagnostic.code, diagnostic.span.column) == ("compact-syntax", column)


def test_compact_keys_are_case_sensitive():
    report = analyze("INPUT(32x32x3) -> CONV(8, 3, s=2)")
    assert codes(report) == ["unknown-key"]
    assert "did you mean 'S'?" in report.diagnostics[0].suggestions


def test_bare_pattern_names_each_missing_parameter_and_a_complete_line():
    report = analyze("INPUT-CONV-RELU-POOL-FC")
    text = "\n".join(d.message + "\n" + "\n".join(d.suggestions) for d in report.diagnostics)
    assert not report.valid
    for word in ("input", "filters", "kernel", "units"):
        assert word in text
    complete = re.search(r"INPUT\(\S+\) -> CONV\([^)]*\) -> RELU -> POOL(\([^)]*\))? -> FC\(\d+\)", text)
    assert complete, text
    assert valid(complete.group(0)).output.depth > 0  # the line it shows can be copied and runs


@pytest.mark.parametrize("line", [
    "INPUT(32x32x3) -> CONV(8, 3",           # unclosed
    "INPUT(32x32x3) -> -> RELU",             # a missing layer
    "INPUT(32x32x3) -> CONV(8, 3) RELU",     # a missing arrow
    "INPUT(32x32x3) -> [RELU]*",             # a missing count
    "INPUT(32x32x3) -> [RELU*2",
    "INPUT(32x32x3) -> CONV(8, 3) -> @",
    "INPUT(32x32x3) -> CONV(K=8, 3)",        # positional after key=value
    "INPUT(32x32x3) -> POOL(2, 2, 0, max, 1)",  # more positional arguments than the type takes
])
def test_compact_syntax_errors(line):
    report = analyze(line)
    assert not report.valid
    [diagnostic] = report.diagnostics
    assert diagnostic.span is not None and diagnostic.span.line == 1
    assert 1 <= diagnostic.span.column <= len(line) + 1


# -- errors: codes and positions --------------------------------------------------------------------

COMPACT_ERRORS = [
    # (line, code, column)
    ("INPUT(32x32x3) -> CONV(8, 3, s=2)", "unknown-key", 30),
    ("INPUT(32x32x3) -> COVN(8, 3)", "unknown-layer", 19),
    ("INPUT(32x32x3) -> CONV(8, 3, dilation=0)", "invalid-value", 30),
    ("INPUT(32x32x3) -> [RELU]*0", "invalid-value", 26),
    ("INPUT(32x32x3) -> CONV(8, 3) -> @", "compact-syntax", 33),
    ("INPUT(10x10x3) -> CONV(8, 3, S=2)", "non-integer-output", 19),
    ("INPUT(32x32x3) -> RELU -> CONV(6, 3, groups=2)", "invalid-groups", 27),
]


@pytest.mark.parametrize("line, code, column", COMPACT_ERRORS)
def test_compact_error_positions_and_caret(line, code, column, run_cli):
    result = run_cli("check", line)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    head = f"<string>:1:{column}: error[{code}]: "
    [at] = [i for i, text in enumerate(lines) if text.startswith(head)]
    assert lines[at + 1].strip() == line                   # the source line
    caret = lines[at + 2]
    assert caret.strip() == "^"
    assert caret.index("^") - lines[at + 1].index(line[0]) == column - 1  # under the column
