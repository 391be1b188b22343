"""The Keras reader (imports/keras.py) on configs written here in the form Keras 3 saves (no Keras needed);
Keras' own applications are in tests/acceptance/test_imported.py. Counts worked by hand."""
from __future__ import annotations

import json
import zipfile

import pytest

import cnncalc
from cnncalc.diagnostics import SpecError
from cnncalc.imports import read_model


def tensor(name: str) -> dict:
    return {"class_name": "__keras_tensor__", "config": {"shape": None, "dtype": "float32",
                                                          "keras_history": [name, 0, 0]}}


def layer(kind: str, name: str, inputs: list, module: str = "keras.layers", merge: bool = False, **config) -> dict:
    """A layer as a functional config lists it; a number among `inputs` is a constant argument."""
    args = [tensor(i) if isinstance(i, str) else i for i in inputs]
    return {"module": module, "class_name": kind, "config": {"name": name, **config}, "name": name,
            "inbound_nodes": [{"args": [args] if merge else args, "kwargs": {}}]}


def model(layers: list, output: str, shape=(None, 32, 32, 3)) -> dict:
    first = {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": list(shape),
             "name": "in"}, "name": "in", "inbound_nodes": []}
    return {"module": "keras", "class_name": "Functional",
            "config": {"name": "m", "layers": [first, *layers], "input_layers": [["in", 0, 0]],
                       "output_layers": [[output, 0, 0]]}}


def save(tmp_path, document: dict, name: str = "m.json"):
    path = tmp_path / name
    path.write_text(json.dumps(document, indent=1))
    return path


OPS = "keras.src.ops.numpy"


def test_a_functional_model_its_arithmetic_and_options(tmp_path):
    document = model([
        layer("Conv2D", "conv", ["in"], filters=8, kernel_size=[3, 3], strides=[1, 1], padding="valid",
              activation="relu", use_bias=True),
        layer("Add", "plus", ["conv", 3.0], module=OPS),  # x * relu6(x + 3) / 6: a hardswish
        layer("ReLU", "six", ["plus"], max_value=6.0),
        layer("Multiply", "times", ["conv", "six"], module=OPS),
        layer("TrueDivide", "sixth", ["times", 6], module=OPS),
        layer("SeparableConv2D", "sep", ["sixth"], filters=16, kernel_size=[3, 3], strides=[2, 2], padding="same",
              depth_multiplier=1, use_bias=True),
        layer("GlobalAveragePooling2D", "gap", ["sep"], keepdims=False),
        layer("Dense", "fc", ["gap"], units=10, activation="softmax"),
    ], "fc")
    report = cnncalc.analyze(save(tmp_path, document), model_format="keras")
    assert report.valid
    assert [(row.type, row.name) for row in report.rows[1:]] == [
        ("conv", "conv"), ("relu", "conv"), ("hardswish", "sixth"), ("conv", "sep/depthwise"),
        ("conv", "sep/pointwise"), ("global_pool", "gap"), ("fc", "fc"), ("softmax", "fc")]
    # conv 3·3·3·8 + 8 = 224 (30×30); depthwise 3·3·8 = 72 (no bias) and pointwise 8·16 + 16 = 144 at
    # ⌈30/2⌉ = 15; fc 16·10 + 10 = 170
    assert report.rows[4].output == cnncalc.Volume(15, 15, 8)
    assert report.totals.params == 224 + 72 + 144 + 170


def test_a_squeeze_excitation_gate_is_a_multiply_and_a_reshape_has_no_row(tmp_path):
    document = model([
        layer("GlobalAveragePooling2D", "gap", ["in"], keepdims=False),
        layer("Reshape", "shape", ["gap"], target_shape=[1, 1, 3]),
        layer("Conv2D", "squeeze", ["shape"], filters=3, kernel_size=[1, 1], activation="sigmoid"),
        layer("Multiply", "excite", ["in", "squeeze"], merge=True),
    ], "excite")
    imported = read_model(save(tmp_path, document), "keras")
    assert list(imported.data["layers"][0]) == ["multiply", "name"]
    report = cnncalc.analyze(save(tmp_path, document), model_format="keras")
    assert report.valid and report.output == cnncalc.Volume(32, 32, 3) and report.totals.params == 3 * 3 + 3


def test_channels_first_nested_sequential_and_batchnorm_options(tmp_path):
    inner = {"module": "keras", "class_name": "Sequential", "name": "inner", "config": {"name": "inner", "layers": [
        {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [None, 3, 20, 10],
                                                                          "name": "x"}},
        {"module": "keras.layers", "class_name": "Conv2D", "config": {
            "name": "conv", "filters": 4, "kernel_size": [3, 1], "strides": [1, 1], "padding": "valid",
            "data_format": "channels_first", "use_bias": False, "activation": "linear"}},
        {"module": "keras.layers", "class_name": "BatchNormalization", "config": {
            "name": "bn", "axis": 1, "epsilon": 0.001, "scale": False, "center": True}}]},
        "inbound_nodes": [{"args": [tensor("in")], "kwargs": {}}]}
    report = cnncalc.analyze(save(tmp_path, model([inner], "inner", shape=(None, 3, 20, 10))), model_format="keras")
    assert report.valid and report.input == cnncalc.Volume(10, 20, 3)
    conv, bn = report.rows[1:]
    # a kernel 3 high and 1 wide: 10 × 18; 3·1·3·4 weights; batchnorm: β alone learned, mean and variance kept
    assert (conv.name, conv.output, conv.params) == ("inner/conv", cnncalc.Volume(10, 18, 4), 36)
    assert (bn.name, bn.params, bn.buffers) == ("inner/bn", 4, 8)


@pytest.mark.parametrize("config, out", [
    ({"padding": "valid", "kernel_size": [3, 3], "strides": [2, 2]}, 17),  # W·S + max(F − S, 0) = 16 + 1
    ({"padding": "valid", "kernel_size": [1, 1], "strides": [2, 2]}, 16),  # F < S: W·S
    ({"padding": "same", "kernel_size": [3, 3], "strides": [2, 2]}, 16),  # W·S
    ({"padding": "same", "kernel_size": [3, 3], "strides": [2, 2], "output_padding": [1, 1]}, 16),  # 14 + 3 − 2 + 1
])
def test_transposed_convolutions_size_as_keras_does(tmp_path, config, out):
    document = model([layer("Conv2DTranspose", "up", ["in"], filters=4, **config)], "up", shape=(None, 8, 8, 3))
    report = cnncalc.analyze(save(tmp_path, document), model_format="keras")
    assert report.valid and report.output == cnncalc.Volume(out, out, 4)


def test_dense_on_a_feature_map_is_a_one_by_one_convolution_and_padding_is_a_pad(tmp_path):
    document = model([layer("ZeroPadding2D", "pad", ["in"], padding=[[0, 1], [2, 3]]),
                      layer("Dense", "mlp", ["pad"], units=5, use_bias=True)], "mlp")
    report = cnncalc.analyze(save(tmp_path, document), model_format="keras")
    pad, mlp = report.rows[1:]
    assert pad.output == cnncalc.Volume(32 + 5, 32 + 1, 3)  # ((top, bottom), (left, right))
    assert (mlp.type, mlp.output, mlp.params) == ("conv", cnncalc.Volume(37, 33, 5), 3 * 5 + 5)


def test_the_faults(tmp_path, run_cli):
    path = save(tmp_path, model([layer("LSTM", "memory", ["in"], units=4)], "memory"))
    result = run_cli("check", path, "--from", "keras")
    assert result.exit_code == 1 and "error[unsupported-operator]" in result.stderr
    line, column = next((n + 1, text.index('"name": "memory"') + 1)
                        for n, text in enumerate(path.read_text().splitlines()) if '"name": "memory"' in text)
    assert f"{path}:{line}:{column}:" in result.stderr and "LSTM" in result.stderr and "'memory'" in result.stderr
    # without --from, a Keras config read as a spec: a hint
    result = run_cli("check", path)
    assert result.exit_code == 1 and "--from keras" in result.stderr
    # a layer called twice shares its weights: no spec says that
    twice = model([layer("ReLU", "r", ["in"])], "r")
    twice["config"]["layers"][1]["inbound_nodes"] *= 2
    with pytest.raises(SpecError, match="called 2 times"):
        read_model(save(tmp_path, twice), "keras")


def test_a_model_without_a_fixed_input_size_takes_input(tmp_path, run_cli):
    path = save(tmp_path, model([layer("ReLU", "r", ["in"])], "r", shape=(None, None, None, 3)))
    result = run_cli("check", path, "--from", "keras")
    assert result.exit_code == 1 and "error[missing-input]" in result.stderr
    assert run_cli("check", path, "--from", "keras", "--input", "7x5x3").exit_code == 0
    written = run_cli("import", path, "--from", "keras", "--input", "7x5x3").stdout.splitlines()
    assert written[:4] == ["# imported by cnncalc from m.json (Keras)", "name: m", "input: 7x5x3", "rounding: floor"]
    assert written[5:] == ["  - relu: {name: r}"]


def test_a_keras_file_is_read_for_its_config_alone(tmp_path, run_cli):
    document = model([layer("Conv2D", "conv", ["in"], filters=2, kernel_size=[1, 1])], "conv")
    path = tmp_path / "m.keras"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", json.dumps(document))
        archive.writestr("model.weights.h5", b"not read")
    assert cnncalc.analyze(path).totals.params == 3 * 2 + 2
    # not a zip; a zip without config.json; a config past the size limit (it compresses to almost nothing)
    (tmp_path / "text.keras").write_text("hello")
    with zipfile.ZipFile(tmp_path / "empty.keras", "w") as archive:
        archive.writestr("other.json", "{}")
    with zipfile.ZipFile(tmp_path / "bomb.keras", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", " " * (9 * 2**20))
    for name, words in (("text.keras", "not a .keras file"), ("empty.keras", "no config.json"),
                        ("bomb.keras", "larger than the limit")):
        result = run_cli("check", tmp_path / name)
        assert result.exit_code == 1 and words in result.stderr and len(result.stderr.splitlines()) == 1
