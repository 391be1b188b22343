"""`cnncalc check` over several specs and sources (cli.py; spec-format.md §4 and §6): the worst exit status,
standard input, files, and the --input and --rounding options."""
from __future__ import annotations

import json

import pytest

from conftest import INVALID, NOTES, ROOT, WALKTHROUGH, WARNS, diagnostics_in, volume, write

# -- several specs, exit codes --------------------------------------------------------------------------

@pytest.mark.parametrize("specs, code", [
    ([WALKTHROUGH], 0),
    (["{warns}"], 0),                             # warnings allowed
    ([NOTES], 0),                                 # and notes
    ([WALKTHROUGH, "{warns}"], 0),
    ([INVALID], 1),
    ([WALKTHROUGH, INVALID], 1),
    ([INVALID, WALKTHROUGH], 1),
    (["{missing}"], 2),
    ([WALKTHROUGH, "{missing}"], 2),
    (["{missing}", INVALID], 2),                  # 2 over 1
    ([INVALID, "{missing}", WALKTHROUGH], 2),
])
@pytest.mark.parametrize("fmt", ["table", "json", "markdown"])
def test_worst_exit_code(specs, code, fmt, run_cli, tmp_path):
    files = {"{missing}": str(tmp_path / "missing.yaml"), "{warns}": write(tmp_path, "warns.yaml", WARNS)}
    specs = [files.get(s, s) for s in specs]
    result = run_cli("check", "--format", fmt, *specs)
    assert result.exit_code == code
    assert result.stdout.strip()  # every spec is still reported


# -- standard input, files ---------------------------------------------------------------------------

def test_yaml_on_standard_input(check_json):
    text = ("input: 32x32x3\nlayers:\n  - conv: {filters: 16, kernel: 5, padding: 2}\n"
            "  - relu\n  - pool: 2\n  - fc: 10\n")
    result, data = check_json("-", input=text)
    assert result.exit_code == 0
    assert data["source"] == "<stdin>"
    assert data["layers"][1]["params"] == 1_216   # 5·5·3·16 + 16


def test_compact_on_standard_input_and_its_positions(run_cli):
    result = run_cli("check", "-", input="INPUT(4x4x1) -> CONV(1, 3, S=2)\n")  # (4 − 3)/2 + 1 = 1.5
    assert result.exit_code == 1
    assert "<stdin>:1:17: error[non-integer-output]" in result.stderr


def test_yaml_error_on_standard_input_names_stdin(run_cli):
    result = run_cli("check", "-", input="input: 8x8x1\nlayers:\n  - rleu\n")
    assert result.exit_code == 1
    assert "<stdin>:3:5: error[unknown-layer]" in result.stderr


def test_a_file_and_a_compact_string(run_cli, tmp_path):
    path = tmp_path / "net.yml"
    path.write_text("input: 8x8x1\nlayers: [relu]\n")
    result = run_cli("check", "--format", "json", str(path), "INPUT(8x8x1) -> TANH")
    data = json.loads(result.stdout)
    assert [d["source"] for d in data] == [str(path), "<string>"]
    assert [d["name"] for d in data] == ["net", "network"]


def test_missing_file_exits_2_naming_it(run_cli, tmp_path):
    missing = tmp_path / "nope.yaml"
    result = run_cli("check", str(missing))
    assert result.exit_code == 2
    [found] = diagnostics_in(result.stderr)
    assert found["source"] == str(missing) and found["severity"] == "error"
    assert str(missing) in result.stderr.split("error[", 1)[1]  # the message names it too


def test_directory_exits_2_naming_it(run_cli, tmp_path):
    result = run_cli("check", str(tmp_path))
    assert result.exit_code == 2
    [found] = diagnostics_in(result.stderr)
    assert found["source"] == str(tmp_path)
    assert "directory" in result.stderr


# -- options ---------------------------------------------------------------------------------------------

def test_input_flag_takes_a_1d_volume(check_json):
    # contract §8: 32x32 is 32 long with 32 channels; conv 12@3 pad 1 keeps 32, the pool halves it
    result, data = check_json("--input", "32x32", WALKTHROUGH)
    assert result.exit_code == 0
    assert data["input"] == {"width": 32, "depth": 32}
    assert [volume(row["output"]) for row in data["layers"]][1:] == [[32, 12], [32, 12], [16, 12], [1, 10]]
    assert data["layers"][1]["params"] == 3 * 32 * 12 + 12  # F·D·K + K


def test_input_and_rounding_flags(check_json):
    result, data = check_json("--input", "12x12x3", "--rounding", "ceil", "INPUT(10x10x1) -> POOL(3, S=2)")
    assert result.exit_code == 0
    assert volume(data["input"]) == [12, 12, 3]
    assert volume(data["output"]) == [6, 6, 3]   # (12 − 3)/2 + 1 = 5.5 -> 6; (6 − 1)·2 = 10 < 12, kept


# -- notes, --verbose and --strict ------------------------------------------------------------------------

def test_a_border_the_specs_own_floor_drops_is_a_note_shown_with_verbose(run_cli, check_json):
    # (10 − 3)/2 + 1 = 4.5: floor, written in the spec, keeps 4 and drops column and row 9
    quiet = run_cli("check", NOTES)
    assert quiet.exit_code == 0 and quiet.stderr == ""
    assert "1 note (dropped-border; --verbose shows them)" in quiet.stdout
    assert "warning" not in quiet.stdout
    loud = run_cli("check", "-v", NOTES)
    [note] = diagnostics_in(loud.stderr)
    assert (note["severity"], note["code"], note["line"], note["column"]) == ("note", "dropped-border", "1", "19")
    _, data = check_json(NOTES)  # JSON has it whatever the flags
    assert [(d["severity"], d["code"]) for d in data["diagnostics"]] == [("note", "dropped-border")]


@pytest.mark.parametrize("where", ["layer", "block", "top"])
def test_floor_written_anywhere_in_the_spec_makes_notes_and_the_flag_warnings(where, check_json, tmp_path):
    conv = "conv: {filters: 8, kernel: 3, stride: 2" + (", rounding: floor}" if where == "layer" else "}")
    body = {"layer": f"  - {conv}\n", "block": f"  - group: [{conv}]\n    rounding: floor\n",
            "top": f"  - {conv}\n"}[where]
    path = write(tmp_path, "net.yaml", "input: 10x10x3\n" + ("rounding: floor\n" if where == "top" else "")
                 + "layers:\n" + body)
    _, data = check_json(path)
    assert [(d["severity"], d["code"]) for d in data["diagnostics"]] == [("note", "dropped-border")]
    plain = write(tmp_path, "plain.yaml", "input: 10x10x3\nlayers:\n  - conv: {filters: 8, kernel: 3, stride: 2}\n")
    _, data = check_json(plain, "--rounding", "floor")  # the command line's floor: no choice of the spec's
    assert [(d["severity"], d["code"]) for d in data["diagnostics"]] == [("warning", "dropped-border")]


def test_strict_fails_on_warnings_not_on_notes(run_cli, tmp_path):
    warns = write(tmp_path, "warns.yaml", WARNS)
    assert run_cli("check", warns).exit_code == 0
    assert run_cli("check", "--strict", warns).exit_code == 1
    assert run_cli("check", "--strict", NOTES).exit_code == 0
    assert run_cli("check", "--strict", "--rounding", "floor", "INPUT(10x10x3) -> CONV(8, 3, S=2)").exit_code == 1
    assert run_cli("check", "--strict", WALKTHROUGH).exit_code == 0
    assert run_cli("check", "--strict", INVALID).exit_code == 1


# -- porting from PyTorch -----------------------------------------------------------------------------------

def test_a_stride_2_conv_of_pytorch_is_answered_with_floor_first(run_cli):
    # Conv2d(3, 64, 3, stride=2, padding=1) on 224: (224 − 3 + 2·1)/2 + 1 = 112.5, which PyTorch floors to 112
    result = run_cli("check", "INPUT(224x224x3) -> CONV(64, 3, S=2, P=1)")
    assert result.exit_code == 1
    helps = [line for line in result.stderr.splitlines() if line.startswith("  help: ")]
    assert helps[0] == "  help: rounding: floor — PyTorch's rule — gives 112"
    assert helps[-1] == "  help: rounding: ceil gives 113 (as Caffe and ceil_mode=True do)"  # ⌈111.5⌉ + 1
    # a locally connected layer has no PyTorch module: the nearest changes come first there
    local = run_cli("check", "INPUT(10x10x1) -> LOCAL(2, 3, S=2)")  # (10 − 3)/2 + 1 = 4.5
    assert not local.stderr.split("help: ")[1].startswith("rounding")


def test_pytorchs_parameter_names_are_answered_with_the_key_to_write(run_cli, tmp_path):
    lines = ["input: 224x224x3", "layers:", "  - conv: {in_channels: 3, out_channels: 64, kernel_size: [1, 7]}",
             "  - leaky_relu: {negative_slope: 0.2}", "  - maxpool: {kernel: 3, stride: 2, ceil_mode: true}",
             "  - fc: {out_features: 10}"]
    path = write(tmp_path, "port.yaml", "\n".join(lines) + "\n")
    result = run_cli("check", path)
    assert result.exit_code == 1
    # filters, kernel and units are not also "missing"
    assert {f["code"] for f in diagnostics_in(result.stderr)} == {"unknown-key"}

    def said(key: str) -> list[str]:
        """The message and help lines of the diagnostic on `key`, placed at the key itself."""
        line = next(n for n, text in enumerate(lines, 1) if f"{key}:" in text)
        start = result.stderr.index(f"{path}:{line}:{lines[line - 1].index(key) + 1}: ")
        return result.stderr[start:].split(f"\n{path}:")[0].splitlines()

    assert said("in_channels")[0].endswith("unknown key 'in_channels' for conv: PyTorch's in_channels, which a spec "
                                           "needs not write: the depth of the volume that reaches the layer says it")
    assert said("in_channels")[1:] == ["  help: leave it out"]
    assert said("out_channels")[0].endswith("PyTorch's out_channels is filters here")
    assert said("out_channels")[1:] == ["  help: filters: 64"]
    assert said("kernel_size")[1:] == ["  help: kernel: 7x1"]  # PyTorch's (1, 7) is 1 high, 7 wide
    assert said("negative_slope")[1:] == ["  help: slope: 0.2"]
    assert said("ceil_mode")[1:] == ["  help: rounding: ceil"]
    assert said("out_features")[1:] == ["  help: units: 10"]


def test_a_from_that_leaves_a_computed_branch_unused_is_a_warning_naming_both_places(run_cli, tmp_path):
    path = write(tmp_path, "skip.yaml", "input: 8x8x3\nlayers:\n"
                 "  - conv: {filters: 4, kernel: 1, id: a}\n"
                 "  - conv: {filters: 4, kernel: 3, padding: 1}\n"   # its output: nothing takes it
                 "  - from: a\n"
                 "  - fc: 2\n")
    result = run_cli("check", path)
    assert result.exit_code == 0
    [found] = diagnostics_in(result.stderr)
    assert (found["severity"], found["code"], found["line"]) == ("warning", "unused-branch", "5")  # at the from
    assert "leaves the output of CONV3-4 (layers[1], line 4, column 5) unused" in result.stderr  # and the conv
    assert run_cli("check", "--strict", path).exit_code == 1
    # U-Net's skip: the branch's from takes the block's input, which the other branch uses
    kept = write(tmp_path, "kept.yaml", "input: 8x8x3\nlayers:\n  - conv: {filters: 4, kernel: 1, id: a}\n"
                 "  - relu\n  - concat: [[], [from: a]]\n")
    assert run_cli("check", kept).stderr == ""


# -- file names -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("argument, near", [
    ("specs/resnet5.yaml", "specs/resnet50.yaml"),   # a digit left out
    ("specs/resnt50.yml", "specs/resnet50.yaml"),    # a letter and the ending
    ("specs/vgg61.yaml", "specs/vgg16.yaml"),        # two digits swapped
    ("resnet50.onnx", None),                         # a model file's name, with nothing like it here
    ("specs/no_such_network.prototxt", None),
    ("specs/net.keras", None),
])
def test_a_file_name_that_names_nothing_is_no_such_file_with_the_nearest_name(argument, near, run_cli, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = run_cli("check", argument)
    assert result.exit_code == 2
    [found] = diagnostics_in(result.stderr)
    assert (found["source"], found["code"]) == (argument, "unreadable")
    assert f"no such file: {argument}\n" in result.stderr
    assert f"  help: did you mean {near}?" in result.stderr if near else "  help: check the path\n" in result.stderr
    assert "compact" not in result.stderr  # it names a file: the compact notation is beside the point
