"""The output formats of `cnncalc check` (render/; spec-format.md §6): the table, JSON per the contract,
markdown, GitHub workflow commands and CSV."""
from __future__ import annotations

import csv
import io
import re

import pytest

import cnncalc
from conftest import ANSI, INVALID, NON_INTEGER, SPECS, WALKTHROUGH, WARNS, volume, write

# -- the table ------------------------------------------------------------------------------------

def test_table_is_plain_text_when_not_a_terminal(run_cli):
    result = run_cli("check", WALKTHROUGH)
    assert result.exit_code == 0
    assert not ANSI.search(result.stdout)
    assert result.stderr == ""


def test_table_rows_labels_and_totals(run_cli):
    result = run_cli("check", WALKTHROUGH)
    lines = result.stdout.splitlines()
    body = {label: next(line for line in lines if re.search(rf"\b{re.escape(label)}\b", line))
            for label in ("INPUT", "CONV3-12", "RELU", "POOL2", "FC-10", "TOTAL")}
    assert "32×32×3" in body["INPUT"]
    assert "32×32×12" in body["CONV3-12"] and "336" in body["CONV3-12"]   # 3·3·3·12 + 12
    assert "16×16×12" in body["POOL2"]
    assert "1×1×10" in body["FC-10"] and "30,730" in body["FC-10"]       # 16·16·12·10 + 10
    assert "31,066" in body["TOTAL"] and "362,496" in body["TOTAL"]      # 336 + 30,730; 331,776 + 30,720
    order = [lines.index(body[k]) for k in ("INPUT", "CONV3-12", "RELU", "POOL2", "FC-10", "TOTAL")]
    assert order == sorted(order)


@pytest.mark.parametrize("spec, label", [
    ("INPUT(224x224x3) -> CONV(64, 3, P=1)", "CONV3-64"),   # the notes' VGGNet labels
    ("INPUT(224x224x64) -> POOL(2)", "POOL2"),
    ("INPUT(7x7x512) -> FC(4096)", "FC-4096"),
    ("INPUT(7x7x512) -> RELU", "RELU"),
    ("INPUT(7x7x512) -> RELU", "INPUT"),
])
def test_labels_in_the_notes_style(spec, label, run_cli):
    result = run_cli("check", spec)
    assert re.search(rf"(^|\s){re.escape(label)}(\s|$)", result.stdout, re.MULTILINE)
    assert label in [row.label for row in cnncalc.analyze(spec).rows]


def test_table_of_an_invalid_spec_stops_before_the_error(run_cli):
    result = run_cli("check", "INPUT(32x32x3) -> CONV(8, 3) -> RELU -> CONV(8, 3, S=4)")  # (30 − 3)/4 + 1 = 7.75
    assert result.exit_code == 1
    assert "CONV3-8" in result.stdout and "RELU" in result.stdout
    assert "CONV3-8/4" not in result.stdout
    assert "non-integer-output" in result.stderr and "non-integer-output" not in result.stdout


NAMED = "INPUT(8x8x3) -> [CONV(4, 3, P=1, name=layer1.{i}.conv1) -> RELU]*2 -> FC(2, name=fc)"


def test_table_shows_names_beside_the_labels_when_any_row_has_one(run_cli):
    lines = run_cli("check", NAMED).stdout.splitlines()
    assert lines[1].split() == ["#", "Layer", "Name", "Output", "RF", "Activations", "Weights", "Params", "MACs",
                                "Memory"]
    assert lines[4].split()[:4] == ["1", "CONV3-4", "layer1.0.conv1", "8×8×4"]
    assert lines[5].split()[:3] == ["2", "RELU", "8×8×4"]  # an unnamed row leaves the cell empty
    assert lines[6].split()[:3] == ["3", "CONV3-4", "layer1.1.conv1"]
    assert lines[8].split()[:3] == ["5", "FC-2", "fc"]
    assert "Name" not in run_cli("check", WALKTHROUGH).stdout  # no names, no column


def test_markdown_and_html_show_names(run_cli):
    table = [line for line in run_cli("check", "--format", "markdown", NAMED).stdout.splitlines()
             if line.startswith("|")]
    assert table[0].startswith("| # | Layer | Name | Output |")
    assert table[3].startswith("| 1 | CONV3-4 | layer1.0.conv1 | 8×8×4 |")
    assert len({line.count("|") for line in table}) == 1
    html = cnncalc.analyze(NAMED)._repr_html_()
    assert ">Name</th>" in html and ">layer1.1.conv1</td>" in html


def test_a_pipe_in_a_name_is_escaped_in_markdown(run_cli):
    spec = "input: 4x4x1\nlayers: [relu: {name: 'a|b'}]\n"
    row = run_cli("check", "-", "--format", "markdown", input=spec).stdout.splitlines()[5]
    assert row.startswith("| 1 | RELU | a\\|b | 4×4×1 |")


# -- JSON ---------------------------------------------------------------------------------------------

REPORT_KEYS = {"schema_version", "name", "source", "valid", "input", "output", "layers", "totals", "diagnostics"}
ROW_KEYS = {"index", "path", "type", "label", "output", "params", "weights", "biases", "macs", "flops",
            "activations", "buffers"}
TOTALS_KEYS = {"params", "weights", "biases", "macs", "flops", "activations", "buffers"}
DIAGNOSTIC_KEYS = {"severity", "code", "message", "path", "line", "column", "suggestions"}
VOLUME_KEYS = {"width", "height", "depth"}
COUNT_KEYS = ("params", "weights", "biases", "macs", "flops", "activations", "buffers")
# the contract lets the project add keys (README documents them), never drop or rename one: the contract's
# keys must all be there, with the contract's types; a diagnostic has exactly the contract's keys


def test_json_keys_per_contract(check_json):
    result, data = check_json(WARNS)
    assert result.exit_code == 0
    assert REPORT_KEYS <= set(data)
    assert data["schema_version"] == 1
    assert isinstance(data["name"], str) and isinstance(data["source"], str) and data["valid"] is True
    assert set(data["input"]) == set(data["output"]) == VOLUME_KEYS
    assert isinstance(data["layers"], list) and isinstance(data["diagnostics"], list)
    first, *rows = data["layers"]
    assert ROW_KEYS <= set(first) and "input" not in first             # the input row has no "input"
    for row in rows:
        assert ROW_KEYS | {"input"} <= set(row)
        assert set(row["input"]) == set(row["output"]) == VOLUME_KEYS
    for row in data["layers"]:
        assert all(type(row[k]) is int for k in COUNT_KEYS)
        assert isinstance(row["path"], str) and isinstance(row["label"], str) and isinstance(row["type"], str)
    assert [row["index"] for row in data["layers"]] == list(range(len(data["layers"])))
    assert TOTALS_KEYS <= set(data["totals"])
    assert all(type(data["totals"][k]) is int for k in COUNT_KEYS)
    [diagnostic] = data["diagnostics"]
    assert set(diagnostic) == DIAGNOSTIC_KEYS
    assert diagnostic["severity"] == "warning" and diagnostic["code"] == "dropped-border"
    assert diagnostic["path"] == "layers[0]"
    assert (diagnostic["line"], diagnostic["column"]) == (1, 19)
    assert isinstance(diagnostic["suggestions"], list)


def test_json_values_of_the_contract_example(check_json):
    # the contract's example rows: VGG-16's input and first conv
    result, data = check_json(str(SPECS / "vgg16.yaml"))
    assert data["name"] == "vgg16"
    assert data["source"].endswith("vgg16.yaml")
    assert data["valid"] is True
    assert volume(data["input"]) == [224, 224, 3] and volume(data["output"]) == [1, 1, 1000]
    row0, row1 = data["layers"][:2]
    assert {k: row0[k] for k in ("index", "path", "type", "label")} == \
        {"index": 0, "path": "input", "type": "input", "label": "INPUT"}
    assert volume(row0["output"]) == [224, 224, 3]
    assert {k: row0[k] for k in ("params", "weights", "biases", "macs", "flops")} == dict.fromkeys(
        ("params", "weights", "biases", "macs", "flops"), 0)
    assert row0["activations"] == 150_528                             # 224·224·3
    assert {k: row1[k] for k in ("index", "type", "label")} == {"index": 1, "type": "conv", "label": "CONV3-64"}
    assert volume(row1["input"]) == [224, 224, 3] and volume(row1["output"]) == [224, 224, 64]
    # 3·3·3·64 = 1,728 weights + 64 biases; 224·224·64 outputs · 27 = 86,704,128 MACs
    assert (row1["params"], row1["weights"], row1["biases"], row1["macs"]) == (1_792, 1_728, 64, 86_704_128)
    assert row1["flops"] == 2 * 86_704_128                          # cnncalc's convention: 2 per MAC
    assert row1["activations"] == 3_211_264                            # 224·224·64
    for key in TOTALS_KEYS:
        assert data["totals"][key] == sum(row[key] for row in data["layers"]), key


def test_json_of_an_invalid_spec_keeps_the_rows_before_the_first_error(check_json):
    result, data = check_json("INPUT(32x32x3) -> CONV(8, 3) -> RELU -> CONV(8, 3, S=4)")  # (30 − 3)/4 + 1 = 7.75
    assert result.exit_code == 1
    assert data["valid"] is False and data["output"] is None
    assert [row["type"] for row in data["layers"]] == ["input", "conv", "relu"]
    assert [d["code"] for d in data["diagnostics"]] == ["non-integer-output"]
    assert data["diagnostics"][0]["path"] == "layers[2]"
    assert data["diagnostics"][0]["severity"] == "error"


def test_json_of_a_spec_that_fails_validation_has_no_rows(check_json):
    result, data = check_json("INPUT(32x32x3) -> CONV(8, 3, s=2)")
    assert result.exit_code == 1
    assert data["valid"] is False and data["output"] is None and data["layers"] == []
    assert data["diagnostics"][0]["code"] == "unknown-key"
    assert (data["diagnostics"][0]["line"], data["diagnostics"][0]["column"]) == (1, 30)


def test_json_for_several_specs_is_an_array_in_order(check_json, tmp_path):
    missing = tmp_path / "missing.yaml"
    result, data = check_json(WALKTHROUGH, INVALID, str(missing))
    assert result.exit_code == 2
    assert isinstance(data, list) and len(data) == 3
    assert [d["valid"] for d in data] == [True, False, False]
    assert volume(data[0]["output"]) == [1, 1, 10]
    assert data[2]["source"] == str(missing) and data[2]["output"] is None and data[2]["layers"] == []
    assert data[2]["diagnostics"] and data[2]["diagnostics"][0]["severity"] == "error"
    for item in data:
        assert REPORT_KEYS <= set(item)


def test_json_for_one_spec_is_an_object(check_json):
    _, data = check_json(WALKTHROUGH)
    assert isinstance(data, dict)


# -- markdown -------------------------------------------------------------------------------------------

def test_markdown(run_cli):
    result = run_cli("check", "--format", "markdown", WALKTHROUGH)
    assert result.exit_code == 0
    table = [line for line in result.stdout.splitlines() if line.startswith("|")]
    header, rule, *rows = table
    assert "Layer" in header and "Output" in header
    assert set(rule) <= set("|-: ")
    assert len({line.count("|") for line in table}) == 1    # every line has the same columns
    assert len(rows) == 6                                    # 5 layers and the total
    assert "CONV3-12" in rows[1] and "32×32×12" in rows[1] and "336" in rows[1]
    assert "31,066" in rows[-1]
    assert not ANSI.search(result.stdout)


def test_markdown_of_several_specs(run_cli):
    result = run_cli("check", "--format", "markdown", WALKTHROUGH, str(SPECS / "lenet5.yaml"))
    assert result.exit_code == 0
    rules = [line for line in result.stdout.splitlines() if line.startswith("|") and set(line) <= set("|-: ")]
    assert len(rules) == 2                                   # a table for each spec
    assert "lenet5" in result.stdout and "network" in result.stdout


def test_by_type_in_the_table_and_markdown(run_cli):
    # lenet5: its 3 convs hold 156 + 2,416 + 48,120 = 50,692 params
    for fmt in ("table", "markdown"):
        result = run_cli("check", str(SPECS / "lenet5.yaml"), "--by-type", "--format", fmt)
        assert result.exit_code == 0
        conv = next(line for line in result.stdout.splitlines() if line.strip("| ").startswith("conv "))
        assert "50,692" in conv and " 3 " in conv


# -- --format github ---------------------------------------------------------------------------------------

# the same under floor: 4 windows at 0, 2, 4, 6 read columns 0..8, so column 9 is dropped (a warning)
DROPPED = "input: 10x10x3\nlayers:\n  - relu\n  - conv: {filters: 8, kernel: 3, stride: 2, rounding: floor}\n"


def test_github_error_command(run_cli, tmp_path):
    path = write(tmp_path, "bad.yaml", NON_INTEGER)
    result = run_cli("check", path, "--format", "github")
    assert result.exit_code == 1
    first = result.stdout.splitlines()[0]
    assert first.startswith(f"::error file={path},line=4,col=5,title=non-integer-output::")
    # the whole message on one line: its newlines escaped as %0A
    assert "(10 − 3 + 2·0)/2 + 1 = 4.5%0Ahelp: " in first
    assert "\r" not in first


def test_github_warning_command(run_cli, tmp_path):
    path = write(tmp_path, "warn.yaml", DROPPED)
    result = run_cli("check", path, "--format", "github")
    assert result.exit_code == 0
    commands = [line for line in result.stdout.splitlines() if line.startswith("::")]
    assert commands == [line for line in commands if line.startswith(
        f"::warning file={path},line=4,col=5,title=dropped-border::")]
    assert len(commands) == 1


def test_github_escapes_the_file_property_and_percent_signs(run_cli, tmp_path):
    # https://docs.github.com/actions/reference/workflow-commands-for-github-actions: in a property value
    # `,` is %2C and `:` is %3A; in the message `%` is %25, CR %0D and LF %0A
    # 3,073,000 params (32·32·3·1000 + 1000) over a budget of 1,000,000: "(207.3%)"
    text = "input: 32x32x3\nbudget: {params: 1M}\nlayers:\n  - fc: 1000\n"
    path = write(tmp_path, "a,b:c.yaml", text)
    result = run_cli("check", path, "--format", "github")
    assert result.exit_code == 1
    escaped = str(tmp_path).replace(",", "%2C").replace(":", "%3A") + "/a%2Cb%3Ac.yaml"
    [command] = [line for line in result.stdout.splitlines() if line.startswith("::")]
    assert command.startswith(f"::error file={escaped},line=2,col=10,title=over-budget::")
    assert "(207.3%25)" in command and "%0Ahelp: " in command


def test_github_ends_with_the_markdown_table(run_cli, tmp_path):
    path = write(tmp_path, "warn.yaml", DROPPED)
    github = run_cli("check", path, "--format", "github").stdout
    markdown = run_cli("check", path, "--format", "markdown").stdout
    lines = github.splitlines()
    commands = [line for line in lines if line.startswith("::")]
    assert lines[:len(commands)] == commands  # the workflow commands first
    assert "\n".join(lines[len(commands):]) == markdown.rstrip("\n")
    assert "| CONV3-8/2 | 4×4×8 |" in markdown


def test_github_command_without_a_file_for_a_compact_line(run_cli):
    result = run_cli("check", "INPUT(10x10x3) -> CONV(8, 3, S=2)", "--format", "github")
    assert result.exit_code == 1
    assert result.stdout.startswith("::error line=1,col=19,title=non-integer-output::")


# -- --format csv ------------------------------------------------------------------------------------------

def test_csv_rows_equal_the_json(run_cli, check_json):
    spec = str(SPECS / "resnet18.yaml")
    _, data = check_json(spec)
    result = run_cli("check", spec, "--format", "csv")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == len(data["layers"])
    for row, layer in zip(rows, data["layers"]):
        assert row["spec"] == "resnet18"
        assert {k: row[k] for k in ("path", "type", "label")} == {k: layer[k] for k in ("path", "type", "label")}
        assert int(row["index"]) == layer["index"]
        assert [int(row[f"output_{k}"]) for k in ("width", "height", "depth")] == volume(layer["output"])
        for key in ("params", "weights", "biases", "macs", "flops", "activations", "buffers"):
            assert int(row[key]) == layer[key], key
    assert sum(int(r["params"]) for r in rows) == 11_689_512  # torchvision resnet18's num_params


def test_csv_has_one_header_for_several_specs(run_cli):
    result = run_cli("check", WALKTHROUGH, str(SPECS / "lenet5.yaml"), "--format", "csv")
    lines = list(csv.reader(io.StringIO(result.stdout)))
    assert lines[0][:5] == ["spec", "index", "path", "type", "label"]
    assert sum(line[:2] == ["spec", "index"] for line in lines) == 1
    assert {line[0] for line in lines[1:]} == {"network", "lenet5"}
