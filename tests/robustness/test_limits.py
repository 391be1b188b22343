"""The documented limits (limits.py, README "Limits"): hostile files refused at the limit they pass, with their
code and position, quickly and within 256 MB; a spec at a limit read, one past it refused; numbers past any
limit told in a short message, never a crash."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

import cnncalc
from cnncalc.limits import (
    INT64_MAX,
    MAX_DIAGNOSTICS,
    MAX_FILE_BYTES,
    MAX_INTEGER,
    MAX_LAYERS,
    MAX_NAME,
    MAX_NESTING,
    MAX_YAML_NODES,
)
from cnncalc.source import yaml as source_yaml
from conftest import CNNCALC, ROOT, analyze, diagnostics_in, needs_script, refusal, yaml_spec

# -- hostile files ---------------------------------------------------------------------------------------------

def alias_bomb() -> bytes:
    # nine levels of ten aliases each: 10^9 values if expanded
    lines = [b"a0: &a0 [relu, relu, relu, relu, relu, relu, relu, relu, relu, relu]"]
    for level in range(1, 9):
        lines.append(b"a%d: &a%d [" % (level, level) + b", ".join([b"*a%d" % (level - 1)] * 10) + b"]")
    return b"\n".join(lines) + b"\ninput: 8x8x1\nlayers: *a8\n"


HEADER = b"input: 32x32x3\nlayers: [relu]\n"
HOSTILE = [
    # id, content, exit, code, (line, col) or None, message substring
    ("malformed", b"input: 32x32x3\nlayers: [relu\n", 1, "yaml-syntax", (3, 1), "not valid YAML"),
    ("tab", b"input: 32x32x3\nlayers:\n\t- relu\n", 1, "yaml-syntax", (3, 1), "tab"),
    ("not utf-8", b"name: caf\xe9\ninput: 32x32x3\nlayers: [relu]\n", 1, "not-utf8", (1, 10), "0xe9"),
    ("empty", b"", 1, "empty-spec", (1, 1), "empty"),
    ("only a comment", b"# nothing here\n", 1, "empty-spec", (1, 1), "empty"),
    # refused at the alias that takes the count past the limit: a0 to a3 are 12,344 values with their keys, and each
    # *a3 (at columns 10, 15, …) adds 11,111: the eighth, at column 45, passes 100,000
    ("alias bomb", alias_bomb(), 1, "too-large", (5, 45), f"{MAX_YAML_NODES:,}"),
    ("python tag", b"input: 32x32x3\nlayers:\n  - !!python/object/apply:os.system ['echo hi']\n", 1, "yaml-tag",
     (3, 5), "python/object/apply"),
    # the '[' at column 8 + k is k lists deep; the 101st, at column 109, is the first too deep
    ("10,000 deep", b"input: 8x8x1\nlayers: " + b"[" * 10_000 + b"relu" + b"]" * 10_000 + b"\n", 1, "too-deep",
     (2, 109), "100"),
    # "  - conv: {filters: " is 20 characters: the value is at column 21
    ("10**100", b"input: 32x32x3\nlayers:\n  - conv: {filters: %d, kernel: 3}\n" % 10 ** 100, 1, "invalid-value",
     (3, 21), "2,147,483,647"),
    ("1.5", b"input: 32x32x3\nlayers:\n  - conv: {filters: 1.5, kernel: 3}\n", 1, "invalid-value", (3, 21),
     "whole number"),
    ("true", b"input: 32x32x3\nlayers:\n  - conv: {filters: true, kernel: 3}\n", 1, "invalid-value", (3, 21),
     "whole number"),
    ("10**100 input", b"input: %dx32x3\nlayers: [relu]\n" % 10 ** 100, 1, "invalid-value", (1, 8), ""),
    ("escaped NUL", b'input: 32x32x3\nname: "a\\0b"\nlayers: [relu]\n', 1, "invalid-value", (2, 7), "NUL"),
    ("raw NUL", b"input: 32x32x3\nname: a\x00b\nlayers: [relu]\n", 1, "yaml-syntax", (2, 8), "not allowed"),
    # "  - repeat: " is 12 characters
    ("a billion repeats", b"input: 32x32x3\nlayers:\n  - repeat: 1000000000\n    layers: [relu]\n", 1, "too-large",
     (3, 13), f"{MAX_LAYERS:,}"),
    # "INPUT(8x8x1) -> [RELU]*" is 23 characters: the count is at column 24
    ("huge compact repeat", b"INPUT(8x8x1) -> [RELU]*1000000000\n", 1, "too-large", (1, 24), f"{MAX_LAYERS:,}"),
    ("50 MB", lambda path: _big(path, 50 * 2 ** 20), 1, "too-large", None, "8 MiB"),
    ("directory", lambda path: path.mkdir() or path, 2, "unreadable", None, "directory"),
    ("missing", lambda path: path, 2, "unreadable", None, "no such file"),
]


def _big(path: Path, size: int) -> Path:
    with open(path, "wb") as handle:
        handle.write(HEADER)
        handle.write(b"#" * (size - len(HEADER) - 1) + b"\n")
    return path


@pytest.mark.parametrize("content, exit_code, code, position, text", [case[1:] for case in HOSTILE],
                         ids=[case[0] for case in HOSTILE])
def test_hostile_file(run_cli, tmp_path, content, exit_code, code, position, text):
    path = tmp_path / "spec.yaml"
    if callable(content):
        path = content(path)
    else:
        path.write_bytes(content)
    started = time.perf_counter()
    result = run_cli("check", str(path))
    elapsed = time.perf_counter() - started
    assert elapsed < 2, f"{elapsed:.2f} s"
    assert result.exit_code == exit_code, result.stderr
    errors = [d for d in diagnostics_in(result.stderr) if d["severity"] == "error"]
    assert errors, result.stderr
    first = errors[0]
    assert first["source"] == str(path)
    assert first["code"] == code, result.stderr
    if position is not None:
        assert (int(first["line"]), int(first["column"])) == position, result.stderr
    assert text in result.stderr
    assert result.stdout.strip() == "" or "invalid" in result.stdout


def test_bom_is_harmless(run_cli, tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfinput: 32x32x3\nlayers:\n  - conv: {filters: 8, kernel: 3}\n")
    result = run_cli("check", str(path), "--format", "json")
    assert result.exit_code == 0 and result.stderr == ""


def test_hostile_standard_input(run_cli):
    result = run_cli("check", "-", input=alias_bomb())
    assert result.exit_code == 1 and "<stdin>:5:45: error[too-large]" in result.stderr
    result = run_cli("check", "-", input=HEADER + b"#" * (MAX_FILE_BYTES + 1))
    assert result.exit_code == 1 and "<stdin>: error[too-large]" in result.stderr and "8 MiB" in result.stderr


def _limited_address_space() -> None:
    import resource

    limit = 256 * 2 ** 20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


@needs_script
@pytest.mark.parametrize("name", ["alias bomb", "10,000 deep", "a billion repeats"])
def test_hostile_file_within_256_mb(tmp_path, name):
    resource = pytest.importorskip("resource")
    if not hasattr(resource, "RLIMIT_AS"):
        pytest.skip("RLIMIT_AS is not supported here")
    [case] = [c for c in HOSTILE if c[0] == name]
    path = tmp_path / "spec.yaml"
    path.write_bytes(case[1])
    try:
        result = subprocess.run([str(CNNCALC), "check", str(path)], capture_output=True, timeout=30,
                                preexec_fn=_limited_address_space)
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"cannot run under RLIMIT_AS: {exc}")
    control = subprocess.run([str(CNNCALC), "--version"], capture_output=True, timeout=30,
                             preexec_fn=_limited_address_space)
    if control.returncode != 0:
        pytest.skip("cnncalc cannot even start within 256 MB here")
    assert result.returncode == case[2], result.stderr
    stderr = result.stderr.decode()
    assert "Traceback" not in stderr and "MemoryError" not in stderr
    assert f"{path}:{case[4][0]}:{case[4][1]}: error[{case[3]}]" in stderr


# -- documented limits -----------------------------------------------------------------------------------

def repeat_of(count: int) -> str:
    return f"input: 8x8x1\nlayers:\n  - repeat: {count}\n    layers: [relu]\n"


def test_documented_limits_match_the_readme():
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert (MAX_FILE_BYTES, MAX_NESTING, MAX_INTEGER) == (8 * 2 ** 20, 100, 2 ** 31 - 1)
    for phrase in ("8 MiB", f"{MAX_NESTING} deep", f"{MAX_LAYERS:,} rows", f"{MAX_INTEGER:,}"):
        assert phrase in readme, phrase


def test_rows_at_the_limit_are_accepted():
    # README: "at most MAX_LAYERS rows once every repeat is expanded"; the input is row 0, so MAX_LAYERS − 1
    # layers make MAX_LAYERS rows
    assert refusal(repeat_of(MAX_LAYERS - 1)) == []


def test_rows_past_the_limit_are_refused():
    [problem] = refusal(repeat_of(MAX_LAYERS + 1))
    assert problem.code == "too-large" and f"{MAX_LAYERS:,}" in problem.message
    assert (problem.span.line, problem.span.column) == (3, 13)
    # two layers repeated MAX_LAYERS/2 + 1 times: MAX_LAYERS + 2 layers
    [problem] = refusal(f"input: 8x8x1\nlayers:\n  - repeat: {MAX_LAYERS // 2 + 1}\n    layers: [relu, relu]\n")
    assert problem.code == "too-large"


def test_one_row_over_the_limit_is_refused():
    problems = refusal(repeat_of(MAX_LAYERS))
    assert problems and problems[0].code == "too-large"


def nested_repeats(depth: int, innermost: str) -> str:
    # each repeat block is a mapping in a list: 2 levels of YAML; the document's mapping is level 0, the top
    # list level 1, so `depth` nested repeats put their innermost list at level 2·depth + 1 and a plain
    # `- relu` in it at level 2·depth + 2; `- relu: {}` puts an empty mapping one level deeper
    lines, indent = ["input: 8x8x1", "layers:"], "  "
    for _ in range(depth):
        lines += [f"{indent}- repeat: 1", f"{indent}  layers:"]
        indent += "    "
    return "\n".join(lines + [f"{indent}- {innermost}"]) + "\n"


def test_nesting_limit():
    # 49 nested repeats: `relu` at level 100, accepted (and a valid network)
    report = cnncalc.analyze(nested_repeats(49, "relu"))
    assert report.valid and len(report.rows) == 2
    # one level more: refused, with a position
    problems = refusal(nested_repeats(49, "relu: {}"))
    assert problems and problems[0].code == "too-deep" and "100" in problems[0].message
    assert problems[0].span is not None
    # the compact notation: 100 nested [ … ]*1 accepted, 101 refused
    assert cnncalc.analyze("INPUT(8x8x1) -> " + "[" * 100 + "RELU" + "]*1" * 100).valid
    problems = refusal("INPUT(8x8x1) -> " + "[" * 101 + "RELU" + "]*1" * 101)
    assert problems and problems[0].code == "too-deep"


def test_file_size_limit(run_cli, tmp_path):
    # exactly 8 MiB (a valid spec and a long comment) is read; one byte more is refused, naming the limit
    at_limit = _big(tmp_path / "at.yaml", MAX_FILE_BYTES)
    assert at_limit.stat().st_size == 8_388_608
    result = run_cli("check", str(at_limit), "--format", "json")
    assert result.exit_code == 0, result.stderr
    over = _big(tmp_path / "over.yaml", MAX_FILE_BYTES + 1)
    result = run_cli("check", str(over))
    assert result.exit_code == 1
    assert f"{over}: error[too-large]" in result.stderr and "8 MiB" in result.stderr


def test_integer_limit():
    # 2,147,483,647 is the largest accepted value, 2,147,483,648 the smallest refused one
    ok = cnncalc.analyze(f"input: 8x8x1\nlayers:\n  - fc: {MAX_INTEGER}\n")
    assert ok.valid and ok.output == cnncalc.Volume(1, 1, MAX_INTEGER)
    refused = cnncalc.analyze(f"input: 8x8x1\nlayers:\n  - fc: {MAX_INTEGER + 1}\n")
    assert [d.code for d in refused.diagnostics] == ["invalid-value"]
    assert "2,147,483,647" in refused.diagnostics[0].message


@pytest.mark.parametrize("repeat, where, message, help_line", [
    # a chain is refused at the layer that passes the limit (line 2 + MAX_LAYERS: the input row counts)
    (False, f"{MAX_LAYERS + 2}:5", f"the spec is {MAX_LAYERS + 1:,} rows long by here", "split the network into "
     "specs of fewer layers"),
    # the repeat itself is within the limit; the first layer after it passes it
    (True, "6:5", f"the spec is {MAX_LAYERS + 1:,} rows long by here", "split the network into specs of fewer layers"),
])
def test_too_many_rows_suggest_what_the_spec_has(repeat, where, message, help_line, run_cli, tmp_path):
    path = tmp_path / "long.yaml"
    head = f"  - repeat: {MAX_LAYERS - 2}\n    layers: [relu]\n" if repeat else ""
    path.write_text("input: 8x8x1\nlayers:\n" + head + "  - relu\n" * (2 if repeat else MAX_LAYERS))
    result = run_cli("check", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{path}:{where}: error[too-large]: {message} (the input row included, a from or an empty branch counted as "
        f"one), more than the limit of {MAX_LAYERS:,}", f"  help: {help_line}"]
    assert "repeat count" not in result.stderr


def test_a_repeat_past_the_row_limit_is_told_to_lower_its_count(run_cli, tmp_path):
    path = tmp_path / "long.yaml"
    path.write_text(f"input: 8x8x1\nlayers:\n  - repeat: {MAX_LAYERS}\n    layers: [relu]\n")
    result = run_cli("check", str(path))
    assert result.exit_code == 1
    assert "error[too-large]: this repeat makes the spec" in result.stderr
    assert "help: lower the count" in result.stderr



# -- huge numbers ----------------------------------------------------------------------------------------

HUGE = [
    # 10**100 everywhere an integer is read: a clear error that states the limit, never a crash
    ("INPUT(32x32x3) -> FC({n})", "units"),
    ("INPUT(32x32x3) -> CONV(8, {n})", "kernel"),
    ("INPUT({n}x32x3) -> RELU", "width"),
    ("INPUT(32x32x3) -> [RELU]*{n}", "repeat"),
    (yaml_spec("input: 32x32x3", "- fc: {n}"), "units"),
    (yaml_spec("input: [32, {n}, 3]", "- relu"), "height"),
    (yaml_spec("input: 32x32x3", "- conv: {{filters: {n}, kernel: 3}}"), "filters"),
    (yaml_spec("input: 32x32x3", "- repeat: {n}", "  layers: [relu]"), "repeat"),
]


@pytest.mark.parametrize("template, what", HUGE)
def test_huge_integers_give_a_clear_error(template, what):
    report = analyze(template.format(n=10 ** 100))
    [error] = report.diagnostics
    assert error.code in ("invalid-value", "too-large")
    assert what in error.message
    assert len(error.message) < 200  # the number is not spelled out in full


@pytest.mark.parametrize("digits", [309, 4301])
@pytest.mark.parametrize("template", ["INPUT(32x32x3) -> FC({n})", yaml_spec("input: 32x32x3", "- fc: {n}"),
                                      yaml_spec("input: [{n}, 32, 3]", "- relu")])
def test_integers_beyond_float_range_give_a_clear_error(template, digits, run_cli, tmp_path):
    text = template.format(n="9" * digits)
    if "\n" in text:
        path = tmp_path / "huge.yaml"
        path.write_text(text)
        text = str(path)
    result = run_cli("check", text)
    assert result.exit_code == 1
    assert diagnostics_in(result.stderr)[0]["code"] in ("invalid-value", "too-large")
    assert len(result.stderr) < 2000


# -- every limit at its edge, and numbers past what readers hold ----------------------------------------

BIG = MAX_INTEGER
HUGE_INPUT = f"INPUT({BIG}x{BIG}x{BIG})"
FORMATS = ("table", "json", "markdown", "csv", "github")


def only(diagnostics, code: str):
    """The one diagnostic there is, checked to have `code`."""
    assert [d.code for d in diagnostics] == [code], [d.message for d in diagnostics]
    return diagnostics[0]


# -- rows -------------------------------------------------------------------------------------------------------

def compact_relus(rows: int) -> str:
    return "INPUT(8x8x1)" + " -> RELU" * (rows - 1)


def test_a_compact_line_at_the_row_limit_is_read():
    assert len(cnncalc.analyze(compact_relus(MAX_LAYERS)).rows) == MAX_LAYERS


def test_a_compact_line_past_the_row_limit_is_refused_from_its_arrows():
    # the rest of the line is not read: what follows the arrow that passes the limit is no syntax error
    line = compact_relus(MAX_LAYERS + 1) + " -> %%%"
    problem = only(refusal(line), "too-large")
    arrow = len(compact_relus(MAX_LAYERS)) + 2  # the arrow before layer MAX_LAYERS + 1 (1-based column)
    assert (problem.span.line, problem.span.column) == (1, arrow)
    assert f"{MAX_LAYERS:,}" in problem.message


def test_a_yaml_list_past_the_row_limit_is_refused_at_its_item():
    # nothing after the item that passes the limit is built: the unknown layer after it goes unreported
    items = "".join("  - relu\n" for _ in range(MAX_LAYERS)) + "  - rleu\n"
    problem = only(refusal("input: 8x8x1\nlayers:\n" + items), "too-large")
    assert problem.path == f"layers[{MAX_LAYERS - 1}]"
    assert (problem.span.line, problem.span.column) == (3 + MAX_LAYERS - 1, 5)


def test_a_repeat_past_the_row_limit_is_refused_at_its_count_from_the_count():
    # 10^9 copies of 10^9 copies: refused from the counts, with no copy made
    text = "INPUT(8x8x1) -> [[RELU]*1000000000]*1000000000"
    problem = only(refusal(text), "too-large")
    assert (problem.span.line, problem.span.column) == (1, 25)  # the inner repeat's count
    assert "1,000,000,001 rows" in problem.message


def test_rows_through_merges_count():
    # a residual is its body and an add row: 1 + 2·(MAX_LAYERS // 2) rows pass the limit by one
    text = f"input: 8x8x1\nlayers:\n  - repeat: {MAX_LAYERS // 2}\n    layers: [residual: [relu]]\n"
    assert only(refusal(text), "too-large").path == "layers[0]"


def test_froms_and_empty_branches_count_as_rows():
    # they make no row, but the walk takes a step for each: repeated, they would cost without bound
    froms = ", ".join(["from: a"] * 100)
    text = f"input: 8x8x1\nlayers:\n  - relu: {{id: a}}\n  - repeat: {MAX_LAYERS // 100}\n    layers: [{froms}]\n"
    problem = only(refusal(text), "too-large")
    assert (problem.span.line, problem.span.column) == (4, 13) and "a from or an empty branch" in problem.message
    branches = ", ".join(["[]"] * 99)  # and the merge row: 100 a block
    text = f"input: 8x8x1\nlayers:\n  - repeat: {MAX_LAYERS // 100}\n    layers: [add: [{branches}]]\n"
    assert only(refusal(text), "too-large").path == "layers[0]"
    assert cnncalc.load(text.replace(f"repeat: {MAX_LAYERS // 100}", f"repeat: {MAX_LAYERS // 100 - 1}"))


# -- values -----------------------------------------------------------------------------------------------------

def numbers_under_an_unknown_key(values: int) -> str:
    """A valid spec holding `values` YAML values: 8 of its own (the mapping, its 3 keys, the input, the
    layers and their relu, the extra list) and a list of the rest."""
    return "input: 8x8x1\nlayers: [relu]\nextra: [" + ",".join(["1"] * (values - 8)) + "]\n"


def test_yaml_values_at_the_limit_are_read_and_one_more_is_refused():
    report = cnncalc.analyze_text(numbers_under_an_unknown_key(MAX_YAML_NODES))
    assert [d.code for d in report.diagnostics] == ["unknown-key"]
    # one more value: refused at that value, and the syntax error after it is never reached
    problem = only(refusal(numbers_under_an_unknown_key(MAX_YAML_NODES + 1)[:-2] + ", [}\n"), "too-large")
    assert problem.span.line == 3 and f"{MAX_YAML_NODES:,}" in problem.message


def test_an_alias_counts_as_the_values_it_stands_for():
    anchored = "[" + ",".join(["relu"] * 999) + "]"  # 1,000 values
    uses = MAX_YAML_NODES // 1000
    text = f"input: 8x8x1\nlayers: [relu]\na: &a {anchored}\nb: [" + ", ".join(["*a"] * uses) + "]\n"
    problem = only(refusal(text), "too-large")
    assert problem.span.line == 4 and problem.span.column > 4  # at an alias in b's list, not at the anchor


def test_anchors_inside_anchors_are_read_once():
    # 95 anchored lists one inside the other: each anchor keeps where its values are, not a copy of them
    text = "[" + ",".join(["1"] * 40_000) + "]"
    for level in range(95):
        text = f"&a{level} [{text}]"
    report = cnncalc.analyze_text("input: 8x8x1\nlayers: [relu]\nextra: " + text + "\nmore: *a40\n")
    assert [d.code for d in report.diagnostics] == ["unknown-key", "unknown-key"]


def test_an_alias_nesting_past_the_limit_is_too_deep():
    deep = "[" * 60 + "1" + "]" * 60
    text = f"input: 8x8x1\nlayers: [relu]\na: &a {deep}\nb: " + "[" * 50 + "*a" + "]" * 50 + "\n"
    problem = only(refusal(text), "too-deep")
    assert problem.span.line == 4 and f"{MAX_NESTING}" in problem.message


WORDY = "CONV(K=8, F=1, S=1, P=0, dilation=1, groups=1, bias=true)"  # 15 words and numbers, fewer rows than values


def test_the_compact_notations_words_and_numbers_count_as_values():
    layers = (MAX_YAML_NODES - 2) // 15  # INPUT(8x8x1) is 2
    assert cnncalc.load("INPUT(8x8x1)" + f" -> {WORDY}" * layers)
    line = "INPUT(8x8x1)" + f" -> {WORDY}" * (layers + 1) + " -> %%%"  # one more: refused, the rest not read
    problem = only(refusal(line), "too-large")
    assert problem.span.column > len(line) - len(WORDY) - 10 and f"{MAX_YAML_NODES:,}" in problem.message


def test_megabytes_of_marks_are_refused_before_they_are_read():
    line = "INPUT(8x8x1) -> CONV(" + "," * 2**20 + ")"
    problem = only(refusal(line), "too-large")
    # the 7 tokens before the commas, then commas up to the limit: refused at the one past it
    assert problem.span.column == len("INPUT(8x8x1) -> CONV(") + (4 * MAX_YAML_NODES + 1 - 7) + 1
    assert f"{4 * MAX_YAML_NODES:,} tokens" in problem.message


def test_compact_layers_in_yaml_share_the_count():
    items = "".join(f"  - '{WORDY}'\n" for _ in range(MAX_YAML_NODES // 15 + 1))
    problem = only(refusal("input: 8x8x1\nlayers:\n" + items), "too-large")
    assert problem.span.line == 3 + MAX_YAML_NODES // 15


@pytest.mark.parametrize("text", [
    "input: 8x8x1\nlayers: [relu]\nname: 'a: 1.5'\nf: [1.5, -2e3, .inf, yes, No, ~, null, '', 0o7, 0x1F, 1_000]\n",
    "input: 8x8x1\nlayers: &l [relu, {conv: {filters: 8, kernel: 3}}]\nagain: *l\nmore: {a: *l, b: [*l, *l]}\n",
    "input: !!str 8x8x1\nlayers: !!seq [relu]\nkeys: {2: two, null: 3, true: 4}\n",
])
def test_yaml_is_read_as_the_safe_loader_reads_it(text):
    data = yaml.safe_load(text)
    data["input"] = str(data["input"])
    for key in ("f",):  # plain decimals only: 0o7, 0x1F and 1_000 stay text (they would misread 0x1 as WxH)
        if key in data:
            data[key][-3:] = ["0o7", "0x1F", "1_000"]
    if "keys" in data:
        data["keys"] = {str(k): v for k, v in data["keys"].items()}
    read, _ = source_yaml.load(text)
    assert read == data


def test_a_name_past_the_limit_is_refused(run_cli):
    spec = "input: 8x8x1\nlayers: [relu]\n"
    result = run_cli("check", "-", "--format", "csv", input="name: " + "n" * MAX_NAME + "\n" + spec)
    assert result.exit_code == 0 and result.stdout.count("n" * MAX_NAME) == 2  # the input row and the relu
    problem = only(refusal("name: " + "n" * (MAX_NAME + 1) + "\n" + spec), "too-large")
    assert (problem.span.line, problem.span.column) == (1, 7) and f"{MAX_NAME:,}" in problem.message


# -- diagnostics ------------------------------------------------------------------------------------------------

def test_errors_past_the_limit_are_counted_not_listed(check_json):
    items = "".join(f"  - conv: {{filtres{i}: 8, kernel: 3}}\n" for i in range(MAX_DIAGNOSTICS))
    result, data = check_json("-", input="input: 8x8x1\nlayers:\n" + items)
    assert result.exit_code == 1
    codes = [d["code"] for d in data["diagnostics"]]
    assert len(codes) == MAX_DIAGNOSTICS + 1 and codes[-1] == "too-many-diagnostics"
    assert data["diagnostics"][-1]["severity"] == "error"


def test_warnings_past_the_limit_are_counted_and_the_rows_go_on(check_json):
    # floor rounding drops a column and a row at every strided conv: 1,500 warnings (notes, when the spec
    # asks for floor itself: what is left out of them is a note too)
    text = ("input: 1x1x8\nlayers:\n  - repeat: 1500\n"
            "    layers: [upsample: 2, conv: {filters: 8, kernel: 1, stride: 2}]\n")
    for spec, flag, severity in ((text, ["--rounding", "floor"], "warning"),
                                 (text.replace("layers:", "rounding: floor\nlayers:", 1), [], "note")):
        result, data = check_json("-", *flag, input=spec)
        assert result.exit_code == 0 and len(data["layers"]) == 3001
        last = data["diagnostics"][-1]
        assert len(data["diagnostics"]) == MAX_DIAGNOSTICS + 1 and last["code"] == "too-many-diagnostics"
        assert last["severity"] == severity and "500 more" in last["message"]


def test_a_long_key_is_quoted_in_part_however_often_it_is_used(check_json):
    # one key of 100,000 characters, in a mapping used by 2,000 layers through an alias
    text = ("input: 8x8x1\nx: &p {filters: 8, kernel: 1, ? " + "k" * 100_000 + "\n  : 1}\nlayers:\n"
            + "  - conv: *p\n" * 2_000)
    result, data = check_json("-", input=text)
    assert result.exit_code == 1 and len(data["diagnostics"]) == MAX_DIAGNOSTICS + 1
    unknown = [d["message"] for d in data["diagnostics"] if d["code"] == "unknown-key"]
    assert all(len(message) < 2_100 and "characters left out" in message for message in unknown[1:])
    assert len(result.stdout) + len(result.stderr) < 10 * 2**20


def test_a_word_of_a_megabyte_gets_no_suggestion():
    text = "input: 8x8x1\nlayers: [relu]\n? " + "k" * 2**20 + "\n: 1\n"  # a key past 1,024 characters is explicit
    problem = only(cnncalc.analyze_text(text).diagnostics, "unknown-key")
    assert problem.suggestions == ("the keys are name, input, rounding, layers, budget",)


# -- numbers past int64 and past printing ---------------------------------------------------------------------

def test_a_count_past_int64_is_a_warning_with_its_place_name_and_value():
    report = cnncalc.analyze(f"INPUT(8x8x1) -> FC({BIG}) -> FC({BIG}) -> FC(10)")
    assert report.valid
    huge = [d for d in report.diagnostics if d.code == "huge-count"]
    assert [d.path for d in huge] == ["layers[1]", "totals"]
    first = huge[0]
    assert (first.span.line, first.span.column) == (1, 35)
    macs = BIG * BIG  # just under 2^62: the MACs and FLOPs fit, 4 times them do not
    assert 2 * macs < INT64_MAX < 4 * macs
    assert f"backward_flops {4 * macs:,}" in first.message and f"memory.params {4 * (macs + BIG):,}" in first.message
    assert " macs " not in first.message and "2^63 − 1" in first.message and "int64" in first.message


def test_huge_counts_are_said_once_with_how_many_later_rows_have_them():
    report = cnncalc.analyze(f"INPUT(8x8x1) -> FC({BIG}) -> [FC({BIG})]*5")
    huge = [d for d in report.diagnostics if d.code == "huge-count" and d.path != "totals"]
    assert len(huge) == 1 and "so do 4 later rows" in huge[0].message


def test_memory_past_int64_is_named(check_json):
    result, data = check_json("INPUT(1024x1024x1024) -> CONV(1024, 1)", "--batch", str(BIG), "--training",
                              "--optimizer", "adam")
    assert result.exit_code == 0
    [row_warning] = [d for d in data["diagnostics"] if d["path"] == "input"]
    assert "memory.activations" in row_warning["message"]
    assert data["totals"]["memory"]["peak"] > INT64_MAX  # exact, as a JSON number


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_largest_integers_print_in_every_format(run_cli, fmt):
    spec = f"{HUGE_INPUT} -> [CONV({BIG}, 1) -> FC({BIG})]*3"
    result = run_cli("check", spec, "--format", fmt, "--batch", str(BIG), "--training")
    assert result.exit_code == 0, result.stderr
    assert "internal error" not in result.stderr
    assert {d["code"] for d in diagnostics_in(result.stderr)} == {"huge-count"}
    if fmt == "json":
        data = json.loads(result.stdout)
        assert data["totals"]["macs"] == sum(row["macs"] for row in data["layers"]) > INT64_MAX
    if fmt == "table":
        assert "e+" in result.stdout  # MACs and bytes past the largest unit, in scientific notation


# a concat of two identity branches doubles the depth, at 3 rows (its merge and two empty branches): within
# the row limit the depth reaches 2^3333, 1,004 digits, short of Python's 4,300 but past its least setting, 640
DOUBLING = "input: 8x8x1\nlayers:\n  - repeat: {}\n    layers: [concat: [[], []]]\n"


@pytest.fixture
def python_prints_640_digits():
    """Python set to convert at most 640 digits to text (its least): cnncalc's limit follows it."""
    before = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(640)
    yield
    sys.set_int_max_str_digits(before)


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_largest_counts_the_rows_allow_print_in_every_format(run_cli, fmt):
    result = run_cli("check", "-", "--format", fmt, input=DOUBLING.format((MAX_LAYERS - 1) // 3))
    assert result.exit_code == 0 and {d["code"] for d in diagnostics_in(result.stderr)} == {"huge-count"}
    if fmt == "json":
        depth = json.loads(result.stdout)["output"]["depth"]
        assert depth == 2 ** ((MAX_LAYERS - 1) // 3) and len(str(depth)) == 1004


def test_a_count_past_the_digits_python_prints_is_too_large_at_its_layer(check_json, python_prints_640_digits):
    # the bytes of the activations (4·64·2^k) pass 640 digits at k = 2,119; the totals of the rows before
    # pass them too, so that no row is left to add up
    result, data = check_json("-", input=DOUBLING.format(3000))
    assert result.exit_code == 1 and data["valid"] is False and data["output"] is None and data["layers"] == []
    errors = [(d["code"], d["path"], d["line"], d["column"]) for d in data["diagnostics"] if d["severity"] == "error"]
    assert errors == [("too-large", "layers[0].repeat#2119[0].concat", 4, 14), ("too-large", "totals", None, None)]
    assert "memory.activations of this layer has more than 640 digits" in data["diagnostics"][0]["message"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_too_large_is_an_error_in_every_format(run_cli, fmt, python_prints_640_digits):
    result = run_cli("check", "-", "--format", fmt, input=DOUBLING.format(3000))
    assert "more than 640 digits" in result.stderr
    assert result.exit_code == 1 and "error[too-large]" in result.stderr
    assert "internal error" not in result.stderr
    if fmt == "json":
        json.loads(result.stdout)


def test_a_receptive_field_fraction_past_64_bits_is_too_large():
    # each upsampling divides the jump by 2,147,483,647; after the second, the global pool's field is
    # 9 − 1/(2^31 − 1)^2 wide: a fraction whose numerator passes 2^63
    report = cnncalc.analyze(f"INPUT(8x8x1) -> [UPSAMPLE({BIG}) -> GAP]*3")
    problem = only([d for d in report.diagnostics if d.is_error], "too-large")
    assert problem.path == "layers[0].repeat#2[1]" and "receptive field's size along the width" in problem.message


def test_a_receptive_field_jump_past_int64_is_a_warning():
    report = cnncalc.analyze(f"INPUT(1x1x1) -> [CONV(1, 1, S={BIG})]*3")
    assert report.valid
    [first] = [d for d in report.diagnostics if d.code == "huge-count"]  # the totals have no fields
    assert "receptive_field.width.jump" in first.message and first.path == "layers[0].repeat#3[0]"


def test_the_largest_stride_gets_suggestions_within_reach():
    # no search through two billion candidates: the fixes that lie near the present values
    report = cnncalc.analyze(f"INPUT(10x10x1) -> CONV(1, 3, S={BIG})")
    problem = only(report.diagnostics, "non-integer-output")
    assert problem.suggestions[1:3] == ("kernel: 10 gives 1", "an input of 3 instead of 10 to this layer gives 1")


def test_groups_that_fit_are_found_for_the_largest_depths():
    report = cnncalc.analyze(f"INPUT(4x4x{BIG - 1}) -> CONV({BIG - 3}, 1, groups={(BIG - 3) // 2})")
    problem = only(report.diagnostics, "invalid-groups")
    assert problem.suggestions == ("groups: 2", "groups: 1")  # gcd(2^31 − 2, 2^31 − 4) = 2: the nearest two


# -- budgets and flags ------------------------------------------------------------------------------------------

def test_budgets_up_to_int64(run_cli):
    spec = f"{HUGE_INPUT} -> FC(10)"
    result = run_cli("check", spec, "--max-params", str(INT64_MAX))
    assert result.exit_code == 1 and "error[over-budget]" in result.stderr  # 10·(2^31 − 1)^3 is more
    for flag in ("--max-params", "--max-macs", "--max-memory"):
        for value in (str(INT64_MAX + 1), "9" * 5000, "1" + "0" * 400 + "G"):
            result = run_cli("check", spec, flag, value)
            assert result.exit_code == 2 and "at most 9,223,372,036,854,775,807" in result.stderr


def test_a_budget_past_int64_in_a_spec_is_an_invalid_value():
    text = f"input: 8x8x1\nbudget: {{params: {'9' * 5000}, memory: {INT64_MAX + 1}}}\nlayers: [relu]\n"
    problems = refusal(text)
    assert [(d.code, d.span.line) for d in problems] == [("invalid-value", 2)] * 2


def test_batch_is_at_most_the_integer_limit(run_cli):
    result = run_cli("check", "INPUT(8x8x1) -> RELU", "--batch", str(BIG + 1))
    assert result.exit_code == 2 and "--batch" in result.stderr
    assert run_cli("check", "INPUT(8x8x1) -> RELU", "--batch", str(BIG)).exit_code == 0


# -- a long table in a terminal -----------------------------------------------------------------------------------

def test_a_table_of_more_than_a_thousand_rows_is_plain_even_in_a_terminal():
    from cnncalc.render import render
    from cnncalc.render.table_format import RICH_ROWS

    short, long = (cnncalc.analyze(f"INPUT(8x8x1) -> [RELU]*{rows - 1}") for rows in (RICH_ROWS, RICH_ROWS + 1))
    assert "\x1b[" in render("table", [short], color=True)
    assert "\x1b[" not in render("table", [long], color=True)


def test_every_limit_is_in_the_readme():
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    limits = readme[readme.index("## Limits"):readme.index("## Speed")]
    for phrase in (f"{MAX_YAML_NODES:,} YAML values", f"{MAX_YAML_NODES:,} names and numbers",
                   f"{4 * MAX_YAML_NODES:,} tokens", f"{MAX_LAYERS:,} rows", f"{MAX_NAME:,} characters",
                   f"{MAX_DIAGNOSTICS:,} errors and warnings", f"{INT64_MAX:,}", f"{MAX_INTEGER:,}", "4,300 digits"):
        assert phrase in limits, phrase
