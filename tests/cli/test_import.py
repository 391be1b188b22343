"""`cnncalc import`, and a model file given to every command: the format from the ending or --from, the
YAML written, the same numbers from the YAML as from the model, the faults and their exit codes."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import cnncalc
from conftest import SPECS

CAFFE = Path(__file__).resolve().parent.parent / "data" / "caffe"
ALEXNET = CAFFE / "bvlc_alexnet.prototxt"


def numbers(report: dict) -> tuple:
    """What importing must keep: every row's type, name, output and counts, and the totals."""
    rows = [(r["type"], r.get("name"), r["output"], r["params"], r["buffers"], r["macs"]) for r in report["layers"]]
    return rows, report["output"], report["totals"]["params"], report["totals"]["macs"]


@pytest.mark.parametrize("model", sorted(p.name for p in CAFFE.glob("*.prototxt")))
def test_import_then_check_gives_the_numbers_of_the_model(run_cli, tmp_path, model):
    out = tmp_path / "spec.yaml"
    result = run_cli("import", CAFFE / model, "-o", out)
    assert result.exit_code == 0 and result.stdout == ""
    text = out.read_text()
    assert text.startswith(f"# imported by cnncalc from {model} (Caffe)\n")
    from_yaml = json.loads(run_cli("check", out, "--format", "json").stdout)
    from_model = json.loads(run_cli("check", CAFFE / model, "--format", "json").stdout)
    assert numbers(from_yaml) == numbers(from_model)


def test_import_writes_readable_yaml_to_standard_output(run_cli):
    result = run_cli("import", ALEXNET)
    lines = result.stdout.splitlines()
    assert lines[:5] == ["# imported by cnncalc from bvlc_alexnet.prototxt (Caffe)", "name: AlexNet",
                         "input: 227x227x3", "rounding: floor", "layers:"]
    assert "  - conv: {filters: 96, kernel: 11, stride: 4, name: conv1}" in lines
    assert "  - pool: {kernel: 3, stride: 2, rounding: ceil, name: pool1}" in lines


def test_import_needs_a_format(run_cli, tmp_path):
    path = tmp_path / "model.bin"
    path.write_text("x")
    result = run_cli("import", path)
    assert result.exit_code == 2 and "--from" in result.stderr
    assert run_cli("import", tmp_path / "missing.prototxt").exit_code == 2


def test_a_model_without_the_onnx_extra_is_one_line(run_cli, tmp_path, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *more: None if name == "onnx" else real(name, *more))
    path = tmp_path / "net.onnx"
    path.write_bytes(b"\x08\x07")
    result = run_cli("check", path)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"{path}: error[missing-dependency]: reading ONNX needs the onnx package: "
                                          "pip install 'cnncalc[onnx]'"]


@pytest.mark.parametrize("command", [
    ("explain", "--layer", "1"), ("sizes", "--range", "220:230"), ("export",), ("diagram",),
    ("check", "--convention", "netscope"), ("check", "--format", "markdown"), ("roofline", "--device", "a100"),
])
def test_every_command_takes_a_model_file(run_cli, command):
    result = run_cli(command[0], ALEXNET, *command[1:])
    assert result.exit_code == 0, result.stderr
    if command[0] == "explain":
        assert "W2 = (227 − 11 + 2·0)/4 + 1 = 55" in result.stdout
    if command[0] == "sizes":
        assert "227" in result.stdout


def test_budgets_apply_to_a_model(run_cli):
    result = run_cli("check", ALEXNET, "--max-params", "60M")
    assert result.exit_code == 1 and "over-budget" in result.stderr


def test_the_title_carries_the_import_note(run_cli, monkeypatch):
    from cnncalc.imports import caffe

    real = caffe.read
    monkeypatch.setattr(caffe, "read", lambda path, input=None: real(path, input)._replace(title_note="a note"))
    assert "AlexNet (" + str(ALEXNET) + "; a note)" in run_cli("check", ALEXNET).stdout
    report = cnncalc.analyze(ALEXNET)
    assert report.note == "a note" and report.title.endswith("; a note)")


def test_diff_of_a_spec_and_a_model(run_cli, tmp_path):
    spec = tmp_path / "spec.yaml"
    run_cli("import", ALEXNET, "-o", spec)
    same = run_cli("diff", spec, ALEXNET)
    assert same.exit_code == 0 and "the layers are the same" in same.stdout
    # the spec's conv2 changed: a 3×3 kernel at stride 2 (3·3·(96/2)·256 weights) for 5×5 at 1 (5·5·48·256)
    spec.write_text(spec.read_text().replace("filters: 256, kernel: 5, padding: 2, groups: 2",
                                             "filters: 256, kernel: 3, padding: 1, groups: 2, stride: 2"))
    result = run_cli("diff", spec, ALEXNET, "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    first = data["weighted"][0]
    assert (first["a"]["name"], first["b"]["name"]) == ("conv2", "conv2")
    assert first["a"]["line"] > 1 and first["b"]["line"] == 56  # both places, in their own files
    assert {d["what"]: (d["a"], d["b"]) for d in first["differences"]} == {
        "output": ("14×14×256", "27×27×256"), "weights": ("110,592", "307,200"), "kernel": ("3x3", "5x5"),
        "stride": ("2x2", "1x1"), "padding": ("1x1", "2x2")}
    text = run_cli("diff", spec, ALEXNET).stdout
    assert f"conv2 layers[4] CONV5-256 ({ALEXNET}:56:3)" in text and "kernel: 3x3 vs 5x5" in text


def test_diff_names_a_layer_only_one_side_has(run_cli, tmp_path):
    spec = tmp_path / "small.yaml"
    spec.write_text("input: 8x8x3\nlayers: [conv: {filters: 4, kernel: 3}, conv: {filters: 4, kernel: 3}]\n")
    other = tmp_path / "smaller.yaml"
    other.write_text("input: 8x8x3\nlayers: [conv: {filters: 4, kernel: 3}]\n")
    result = run_cli("diff", spec, other, "--format", "json")
    assert result.exit_code == 1
    assert [(m["a"]["path"], m["b"]) for m in json.loads(result.stdout)["weighted"]] == [("layers[1]", None)]


def test_a_spec_ending_is_never_read_as_a_model(run_cli):
    assert run_cli("check", SPECS / "lenet5.yaml", "--from", "caffe").exit_code == 0
