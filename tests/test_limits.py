"""The documented limits (limits.py, README "Limits"): a spec past one is refused with its code and
position before the work, and numbers past what other programs hold are said so, never crash.
How fast and how small: bench/limits.py, not these tests."""
from __future__ import annotations

import json
import sys

import pytest
import yaml

import cnncalc
from cnncalc import source_yaml
from cnncalc.limits import INT64_MAX, MAX_DIAGNOSTICS, MAX_INTEGER, MAX_LAYERS, MAX_NAME, MAX_NESTING, MAX_YAML_NODES
from conftest import SPECS, diagnostics_in

BIG = MAX_INTEGER
HUGE_INPUT = f"INPUT({BIG}x{BIG}x{BIG})"
FORMATS = ("table", "json", "markdown", "csv", "github")


def refusal(text: str) -> list[cnncalc.Diagnostic]:
    with pytest.raises(cnncalc.SpecError) as caught:
        cnncalc.load(text)
    return caught.value.diagnostics


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
    # floor rounding drops a column and a row at every strided conv: 1,500 warnings
    text = ("input: 1x1x8\nrounding: floor\nlayers:\n  - repeat: 1500\n"
            "    layers: [upsample: 2, conv: {filters: 8, kernel: 1, stride: 2}]\n")
    result, data = check_json("-", input=text)
    assert result.exit_code == 0 and len(data["layers"]) == 3001
    last = data["diagnostics"][-1]
    assert len(data["diagnostics"]) == MAX_DIAGNOSTICS + 1 and last["code"] == "too-many-diagnostics"
    assert last["severity"] == "warning" and "500 more" in last["message"]


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
    assert problem.suggestions[:2] == ("kernel: 10 gives 1", "an input of 3 instead of 10 to this layer gives 1")


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
    readme = " ".join((SPECS.parent / "README.md").read_text(encoding="utf-8").split())
    limits = readme[readme.index("## Limits"):readme.index("## Speed")]
    for phrase in (f"{MAX_YAML_NODES:,} YAML values", f"{MAX_YAML_NODES:,} names and numbers",
                   f"{4 * MAX_YAML_NODES:,} tokens", f"{MAX_LAYERS:,} rows", f"{MAX_NAME:,} characters",
                   f"{MAX_DIAGNOSTICS:,} errors and warnings", f"{INT64_MAX:,}", f"{MAX_INTEGER:,}", "4,300 digits"):
        assert phrase in limits, phrase
