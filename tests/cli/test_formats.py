"""The output formats of `cnncalc check` (render/; spec-format.md §6): the table, JSON per the contract,
markdown, GitHub workflow commands and CSV."""
from __future__ import annotations

import csv
import io
import re

import pytest

import cnncalc
from conftest import (
    ANSI,
    INVALID,
    NON_INTEGER,
    NOTES,
    SPECS,
    WALKTHROUGH,
    WARNS,
    in_a_terminal,
    needs_script,
    page_dom,
    read_png,
    screenshot,
    volume,
    write,
)

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
    table, summary = result.stdout.split("\ndiagnostics: ")
    assert "CONV3-8" in table and "RELU" in table
    assert "CONV3-8/4" not in table
    assert "non-integer-output" in result.stderr and "non-integer-output" not in table
    assert summary.startswith("1 error (non-integer-output)\n  <string>:1:41: error[non-integer-output]: ")


NAMED = "INPUT(8x8x3) -> [CONV(4, 3, P=1, name=layer1.{i}.conv1) -> RELU]*2 -> FC(2, name=fc)"


def test_table_shows_names_beside_the_labels_when_any_row_has_one(run_cli):
    lines = run_cli("check", NAMED).stdout.splitlines()
    assert lines[1].split() == ["#", "Layer", "Name", "Output", "RF", "Activations", "Weights", "Params", "MACs",
                                "Memory"]
    assert lines[4].split() == ["REPEAT×2", "8×8×4"]  # the repeat's line, above its rows
    assert lines[5].split()[:5] == ["1", "├─", "CONV3-4", "layer1.0.conv1", "8×8×4"]
    assert lines[6].split()[:4] == ["2", "├─", "RELU", "8×8×4"]  # an unnamed row leaves the cell empty
    assert lines[7].split()[:4] == ["3", "├─", "CONV3-4", "layer1.1.conv1"]
    assert lines[8].split()[:3] == ["4", "└─", "RELU"]
    assert lines[9].split()[:3] == ["5", "FC-2", "fc"]
    assert "Name" not in run_cli("check", WALKTHROUGH).stdout  # no names, no column


def test_markdown_and_html_show_names(run_cli):
    table = [line for line in run_cli("check", "--format", "markdown", NAMED).stdout.splitlines()
             if line.startswith("|")]
    assert table[0].startswith("| # | Layer | Name | Output |")
    assert table[3].startswith("|  | REPEAT×2 |  | 8×8×4 |")
    assert table[4].startswith("| 1 | ├─ CONV3-4 | layer1.0.conv1 | 8×8×4 |")
    assert len({line.count("|") for line in table}) == 1
    html = cnncalc.analyze(NAMED)._repr_html_()
    assert ">Name</button></th>" in html and ">layer1.1.conv1</td>" in html


def test_a_pipe_in_a_name_is_escaped_in_markdown(run_cli):
    spec = "input: 4x4x1\nlayers: [relu: {name: 'a|b'}]\n"
    row = run_cli("check", "-", "--format", "markdown", input=spec).stdout.splitlines()[5]
    assert row.startswith("| 1 | RELU | a\\|b | 4×4×1 |")


# -- the table fits the terminal --------------------------------------------------------------------------

CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")  # colours and other terminal controls
RESNET50 = str(SPECS / "resnet50.yaml")


def _table_lines(text: str) -> list[str]:
    """The lines of a table, from its header to its totals."""
    lines = CONTROL.sub("", text).splitlines()
    end = next(i for i, line in enumerate(lines) if "TOTAL" in line)
    return lines[1:end + 1]


def _fits(text: str, columns: int, whole: str) -> None:
    """Every line of `text` fits `columns`, nothing is elided, and each line of its table shows only cells
    that the same line of `whole` (the table without a limit) shows: whole numbers, never cut."""
    assert max(len(line) for line in CONTROL.sub("", text).splitlines()) <= columns
    assert "…" not in text
    fitted, full = _table_lines(text), _table_lines(whole)
    assert len(fitted) == len(full)
    for short, long in zip(fitted, full):
        cells = set(long.split())
        assert all(cell in cells for cell in short.split() if not set(cell) <= set("-─")), (short, long)
    assert fitted[-1].split()[0] == "TOTAL" and "25,557,032" in fitted[-1]  # resnet50's params, in full


@pytest.mark.parametrize("columns", [60, 80, 100, 120])
def test_the_table_fits_columns(columns, run_cli):
    whole = run_cli("check", RESNET50).stdout
    assert max(len(line) for line in whole.splitlines()) > 120  # without a limit, it is wider than any tried
    _fits(run_cli("check", RESNET50, env={"COLUMNS": str(columns)}).stdout, columns, whole)
    _fits(run_cli("check", RESNET50, "--device", "a100", env={"COLUMNS": str(columns)}).stdout, columns,
          run_cli("check", RESNET50, "--device", "a100").stdout)


@needs_script
@pytest.mark.parametrize("columns", [60, 80, 100, 120])
def test_the_table_fits_a_terminal_of_any_width(columns, run_cli):
    whole = run_cli("check", RESNET50).stdout
    shown = in_a_terminal(["check", RESNET50], {"COLUMNS": "300"}, columns)  # the terminal's width wins
    assert ANSI.search(shown)  # drawn by rich
    _fits(shown, columns, whole)


def test_columns_give_way_in_the_order_readme_states(run_cli):
    def header(columns: int, *options: str) -> list[str]:
        text = run_cli("check", RESNET50, *options, env={"COLUMNS": str(columns)}).stdout
        return next(line.split() for line in text.splitlines() if "Layer" in line.split())  # the title may wrap

    assert header(200) == ["#", "Layer", "Name", "Output", "RF", "Activations", "Weights", "Params", "MACs", "Memory"]
    assert header(120) == ["#", "Layer", "Name", "Output", "RF", "Activations", "Params", "MACs", "Memory"]
    assert header(100) == ["#", "Layer", "Name", "Output", "Params", "MACs", "Memory"]
    assert header(80) == ["Layer", "Output", "Params", "MACs"]
    assert header(40) == ["Layer", "Params"]  # past the width it needs, the layer and its params are kept, whole


def test_columns_by_their_json_names(run_cli):
    lines = run_cli("check", WALKTHROUGH, "--columns", "label,flops,biases").stdout.splitlines()
    assert lines[1].split() == ["Layer", "FLOPs", "Biases"]
    assert lines[4].split() == ["CONV3-12", "663,552", "12"]  # 2·331,776 MACs; 12 biases
    assert run_cli("check", WALKTHROUGH, "--columns", "params").stdout.splitlines()[1].split() == ["Layer", "Params"]
    wrong = run_cli("check", WALKTHROUGH, "--columns", "label,parms")
    assert wrong.exit_code == 2 and "no column is named 'parms' (did you mean 'params'?)" in wrong.stderr


# -- the tree of blocks, --depth ----------------------------------------------------------------------------

def test_depth_folds_blocks_into_a_line_with_their_sums_and_keeps_the_totals(run_cli, check_json):
    folded = run_cli("check", "--depth", "1", RESNET50).stdout.splitlines()
    assert len(folded) <= 30
    whole = run_cli("check", RESNET50).stdout.splitlines()
    assert [line for line in folded if "TOTAL" in line] == [line for line in whole if "TOTAL" in line] or \
        [line.split() for line in folded if "TOTAL" in line] == [line.split() for line in whole if "TOTAL" in line]
    assert folded[-3:] == whole[-3:]  # the summary, the memory and the diagnostics' lines
    # layer1: torchvision's 3 Bottlenecks, 215,808 params: 3 + 2 convs of its first block's shortcut, its BNs
    # (hand count: 4,096 + 36,864 + 16,384 + 16,384 and 64·2·2 + 256·2·2 for the first block, 75,008; the two
    # others 16,384 + 36,864 + 16,384 + 768 = 70,400 each)
    layer1 = next(line for line in folded if " layer1 " in line)
    assert layer1.split()[:4] == ["5–36", "GROUP", "layer1", "56×56×256"] and "215,808" in layer1.split()
    assert 75_008 + 2 * 70_400 == 215_808
    _, data = check_json("--depth", "1", RESNET50)  # JSON keeps every row, with its level
    assert len(data["layers"]) == 176
    # the stem and the head at 1; a block's last ReLU at 3 (in layer1, in layer1.0), its convolutions at 4 (and in
    # its residual)
    assert {row["level"] for row in data["layers"]} == {1, 3, 4}
    assert [row["level"] for row in data["layers"][5:17]] == [4] * 11 + [3]  # layer1.0: its residual's rows, ReLU


def test_markdown_and_csv_honour_depth(run_cli):
    markdown = run_cli("check", "--format", "markdown", "--depth", "2", RESNET50).stdout
    rows = [line for line in markdown.splitlines() if line.startswith("| ")]
    assert "| 5–16 | ├─ GROUP | layer1.0 | 56×56×256 |" in markdown
    assert len(rows) == 1 + 4 + 4 + 16 + 3 + 1 + 1  # header, stem, stages, their blocks, head, input, total
    csv_rows = list(csv.DictReader(io.StringIO(run_cli("check", "--format", "csv", "--depth", "2",
                                                       RESNET50).stdout)))
    assert [row["path"] for row in csv_rows[5:8]] == ["layers[4].group[0]", "layers[4].group[1]",
                                                      "layers[4].group[2]"]
    assert [row["index"] for row in csv_rows[5:8]] == ["5-16", "17-26", "27-36"]


# -- --format html: one page ---------------------------------------------------------------------------------

_ROW = re.compile(r'<tr class="(\w+)"([^>]*)>(.*?)</tr>', re.DOTALL)
_CELL = re.compile(r'<t[dh] class="\w+"(?: data-key="([\w.]+)")?(?: data-value="([^"]*)")?>(.*?)</t[dh]>', re.DOTALL)


def _rows(dom: str) -> list[tuple[str, bool, list[tuple]]]:
    """(class, hidden, cells) of each line of the first table's body, in the order the page shows them."""
    body = dom[dom.index("<tbody>"):dom.index("</tbody>")]
    return [(kind, "hidden" in attributes, _CELL.findall(cells)) for kind, attributes, cells in _ROW.findall(body)]


def test_html_is_one_page_that_needs_nothing_else(run_cli, tmp_path, check_json):
    page = tmp_path / "report.html"
    warns = write(tmp_path, "warns.yaml", WARNS)
    result = run_cli("check", "--format", "html", "-o", page, str(SPECS / "resnet18.yaml"), warns)
    assert result.exit_code == 0 and result.stdout == ""
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and html.count('<section class="spec">') == 2
    # nothing is fetched: no link, no script or image from elsewhere, no address but the SVG's namespace
    assert not re.search(r"(?i)<link|<img|<iframe|\ssrc=|@import|url\((?!#)|https?:",
                         html.replace('xmlns="http://www.w3.org/2000/svg"', ""))
    assert html.count("<svg") == 2 and "<title>resnet18: 224×224×3 → 1×1×1000</title>" in html  # the diagrams
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)) and len(re.findall(r'<marker id="', html)) == 2  # an arrowhead for each
    assert "warning</b>[<code>mixed-strides</code>]" in html  # the second spec's diagnostic
    assert "3 notes: what the spec asked for (--verbose shows them)" in html  # resnet18's


def test_html_in_chromium_sorts_and_its_totals_are_the_jsons(run_cli, check_json, chromium, tmp_path):
    spec = str(SPECS / "resnet18.yaml")
    page = tmp_path / "resnet18.html"
    assert run_cli("check", "--format", "html", "-o", page, spec).exit_code == 0
    _, data = check_json(spec)
    dom, console = page_dom(chromium, page)
    assert console == []  # no message and no error on the console
    totals = {key: value for key, value, _ in _CELL.findall(dom[dom.index("<tfoot>"):dom.index("</tfoot>")]) if value}
    for key in ("activations", "weights", "params", "macs"):
        assert int(totals[key]) == data["totals"][key], key
    rows = _rows(dom)  # in the tree's order: a line per block, then its rows
    assert [cells[0][2] for kind, _, cells in rows if kind == "row"] == [str(row["index"]) for row in data["layers"]]
    assert sum(kind == "block" for kind, _, _ in rows) == 4 + 8 + 8  # layer1..4, their blocks, the residuals

    dom, console = page_dom(chromium, page, "#sort=-macs")  # opened sorted, the largest MACs first
    assert console == []
    keys = re.findall(r'<th class="\w+" data-key="([\w.]+)"><button', dom)
    shown = [cells for kind, hidden, cells in _rows(dom) if not hidden]
    assert len(shown) == len(data["layers"])  # the blocks' lines wait for the tree's order
    macs = [int(cells[keys.index("macs")][1]) for cells in shown]
    assert macs == sorted((row["macs"] for row in data["layers"]), reverse=True)
    first = next(row for row in data["layers"] if row["macs"] == macs[0])  # ties keep the tree's order
    assert shown[0][0][2] == str(first["index"])

    picture = screenshot(chromium, page, 1200, 900)
    width, height, pixels, bpp = read_png(picture)
    inked = sum(min(line[i:i + 3]) < 200 for line in pixels for i in range(0, len(line), bpp))
    assert (width, height) == (1200, 900) and inked > 0.02 * width * height  # the table is drawn


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
    result, data = check_json(NOTES)
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
    assert diagnostic["severity"] == "note" and diagnostic["code"] == "dropped-border"  # the spec's own floor
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

# the same under --rounding floor: 4 windows at 0, 2, 4, 6 read columns 0..8, so column 9 is dropped (a warning;
# a note when the spec writes the floor)
DROPPED = "input: 10x10x3\nlayers:\n  - relu\n  - conv: {filters: 8, kernel: 3, stride: 2}\n"


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
    result = run_cli("check", path, "--format", "github", "--rounding", "floor")
    assert result.exit_code == 0
    commands = [line for line in result.stdout.splitlines() if line.startswith("::")]
    assert commands == [line for line in commands if line.startswith(
        f"::warning file={path},line=4,col=5,title=dropped-border::")]
    assert len(commands) == 1


def test_github_notice_command_for_a_note_with_verbose(run_cli, tmp_path):
    path = write(tmp_path, "note.yaml", DROPPED.replace("stride: 2}", "stride: 2, rounding: floor}"))
    assert not [line for line in run_cli("check", path, "--format", "github").stdout.splitlines()
                if line.startswith("::")]
    commands = [line for line in run_cli("check", path, "--format", "github", "-v").stdout.splitlines()
                if line.startswith("::")]
    assert len(commands) == 1 and commands[0].startswith(f"::notice file={path},line=4,col=5,title=dropped-border::")


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
    github = run_cli("check", path, "--format", "github", "--rounding", "floor").stdout
    markdown = run_cli("check", path, "--format", "markdown", "--rounding", "floor").stdout
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
