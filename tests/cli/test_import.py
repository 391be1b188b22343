"""`cnncalc import`, and a model file given to every command: the format from the ending or --from, the
YAML written, the same numbers from the YAML as from the model, the faults and their exit codes."""
from __future__ import annotations

import json
import math
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


def onnx_model(path: Path, input_shape: list) -> Path:
    """A small ONNX model with each kind of block: a residual, a concat, a squeeze-excitation gate."""
    from onnx import TensorProto, helper, save

    def node(op_type, inputs, output, **attrs):
        return helper.make_node(op_type, inputs, [output], name=output, **attrs)

    weights = {"w1": [4, 4, 3, 3], "w2": [4, 4, 1, 1], "w3": [2, 8, 1, 1], "w4": [8, 2, 1, 1]}
    nodes = [node("Conv", ["x", "w1"], "c1", pads=[1, 1, 1, 1]), node("Relu", ["c1"], "r1"),
             node("Add", ["x", "r1"], "a"), node("Conv", ["a", "w2"], "c2"), node("Concat", ["a", "c2"], "cat", axis=1),
             node("GlobalAveragePool", ["cat"], "g"), node("Conv", ["g", "w3"], "s1"), node("Relu", ["s1"], "s2"),
             node("Conv", ["s2", "w4"], "s3"), node("Sigmoid", ["s3"], "s4"), node("Mul", ["cat", "s4"], "y")]
    inits = [helper.make_tensor(n, TensorProto.FLOAT, d, b"\x00\x00\x00\x3f" * math.prod(d), raw=True)
             for n, d in weights.items()]
    graph = helper.make_graph(nodes, "net", [helper.make_tensor_value_info("x", TensorProto.FLOAT, input_shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    save(helper.make_model(graph), str(path))
    return path


@pytest.mark.onnx
def test_an_onnx_model_imported_then_checked_gives_its_numbers(run_cli, tmp_path):
    model, out = onnx_model(tmp_path / "net.onnx", [1, 4, 6, 6]), tmp_path / "net.yaml"
    result = run_cli("import", model, "-o", out)
    assert result.exit_code == 0, result.stderr
    text = out.read_text()
    assert text.startswith("# imported by cnncalc from net.onnx (ONNX)\n")
    assert "  - residual:" in text and "  - concat:" in text and "  - multiply:" in text
    from_yaml = json.loads(run_cli("check", out, "--format", "json").stdout)
    from_model = json.loads(run_cli("check", model, "--format", "json").stdout)
    assert numbers(from_yaml) == numbers(from_model)
    # 4·4·9 + 4·4 + 2·8 + 8·2 weights, no biases; the output 6×6×8
    assert from_model["totals"]["params"] == 144 + 16 + 16 + 16
    assert from_model["output"] == {"width": 6, "height": 6, "depth": 8}


@pytest.mark.onnx
def test_an_onnx_model_with_dynamic_sizes_takes_input(run_cli, tmp_path):
    model = onnx_model(tmp_path / "net.onnx", ["N", 4, "H", "W"])
    result = run_cli("check", model)
    assert result.exit_code == 1 and "error[missing-input]" in result.stderr and "--input" in result.stderr
    result = run_cli("check", model, "--input", "10x8x4", "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["output"] == {"width": 10, "height": 8, "depth": 8}


@pytest.mark.onnx
def test_a_truncated_onnx_model_is_one_line(run_cli, tmp_path):
    model = onnx_model(tmp_path / "net.onnx", [1, 4, 6, 6])
    model.write_bytes(model.read_bytes()[:300])
    result = run_cli("check", model)
    assert result.exit_code == 1
    (line,) = [line for line in result.stderr.splitlines() if "error[" in line]
    assert line.startswith(f"{model}: error[invalid-model]: the file is truncated")
