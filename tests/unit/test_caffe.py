"""The Caffe prototxt reader (imports/caffe.py) and the text format under it (source/prototxt.py), through
the library and the command line. Every count below is worked by hand from the layer formulas."""
from __future__ import annotations

import json

import pytest

import cnncalc
from cnncalc.diagnostics import SpecError
from cnncalc.imports import read_model
from cnncalc.source import prototxt


def write(tmp_path, text: str, name: str = "net.prototxt"):
    path = tmp_path / name
    path.write_text(text)
    return path


SMALL = """name: "small"
input: "data"
input_dim: 1
input_dim: 3
input_dim: 32
input_dim: 32
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
        convolution_param { num_output: 8 kernel_size: 3 pad: 1 } }
layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1"
        pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
layer { name: "fc" type: "InnerProduct" bottom: "pool1" top: "fc" inner_product_param { num_output: 10 } }
"""
# conv1 3·3·3·8 + 8 = 224; fc 16·16·8·10 + 10 = 20,490
SMALL_PARAMS = 224 + 20_490


def test_a_small_net_in_place_relu_and_names(tmp_path):
    report = cnncalc.analyze(write(tmp_path, SMALL))
    assert report.valid and report.output == cnncalc.Volume(1, 1, 10)
    assert report.totals.params == SMALL_PARAMS
    assert [row.name for row in report.rows[1:]] == ["conv1", "relu1", "pool1", "fc"]
    assert report.name == "small"


@pytest.mark.parametrize("head", [
    'input: "data"\ninput_shape { dim: 1 dim: 3 dim: 32 dim: 32 }\n',
    'layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 dim: 32 dim: 32 } } }\n',
    # what Netscope also reads: a data layer that carries input_param, and a colon before a brace
    'layer { name: "data" type: "Data" top: "data" top: "label" input_param: { shape: { dim: 1, dim: 3, '
    'dim: 32, dim: 32 } } }\n',
])
def test_every_form_of_the_input(tmp_path, head):
    body = SMALL.split("input_dim: 32\n", 2)[2]
    report = cnncalc.analyze(write(tmp_path, head + body))
    assert report.valid and report.input == cnncalc.Volume(32, 32, 3) and report.totals.params == SMALL_PARAMS


def test_the_older_layers_form_with_enum_types(tmp_path):
    text = """input: "data" input_dim: 1 input_dim: 3 input_dim: 32 input_dim: 32
layers { name: "conv1" type: CONVOLUTION bottom: "data" top: "conv1" blobs_lr: 1 blobs_lr: 2
         convolution_param { num_output: 8 kernel_size: 3 pad: 1 } }
layers { name: "relu1" type: RELU bottom: "conv1" top: "conv1" }
layers { name: "pool1" type: POOLING bottom: "conv1" top: "pool1" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
layers { name: "fc" type: INNER_PRODUCT bottom: "pool1" top: "fc" inner_product_param { num_output: 10 } }
layers { name: "prob" type: SOFTMAX bottom: "fc" top: "prob" }
"""
    report = cnncalc.analyze(write(tmp_path, text))
    assert report.valid and report.totals.params == SMALL_PARAMS and report.rows[-1].type == "softmax"


def test_per_axis_values_and_convolution_options(tmp_path):
    text = """input: "data" input_shape { dim: 1 dim: 16 dim: 20 dim: 30 }
layer { name: "a" type: "Convolution" bottom: "data" top: "a"
        convolution_param { num_output: 32 kernel_h: 1 kernel_w: 7 pad_h: 0 pad_w: 3 bias_term: false } }
layer { name: "b" type: "Convolution" bottom: "a" top: "b"
        convolution_param { num_output: 32 kernel_size: 3 dilation: 2 pad: 2 group: 4 stride: 2 } }
layer { name: "c" type: "Deconvolution" bottom: "b" top: "c"
        convolution_param { num_output: 8 kernel_size: 4 stride: 2 pad: 1 } }
"""
    report = cnncalc.analyze(write(tmp_path, text))
    a, b, c = report.rows[1:]
    # a: 7 wide, 1 high: 30×20 kept; 7·1·16·32 weights, no bias
    assert (a.output, a.weights, a.biases) == (cnncalc.Volume(30, 20, 32), 3_584, 0)
    # b: span 5, (30 + 4 − 5)/2 + 1 = 15.5 and (20 + 4 − 5)/2 + 1 = 10.5, floored as Caffe does; 3·3·(32/4)·32 + 32
    assert (b.output, b.params) == (cnncalc.Volume(15, 10, 32), 2_336)
    # c: (15 − 1)·2 − 2 + 4 = 30, (10 − 1)·2 − 2 + 4 = 20; 4·4·32·8 + 8
    assert (c.output, c.params) == (cnncalc.Volume(30, 20, 8), 4_104)


def pool_net(size: int, pooling: str) -> str:
    return (f'input: "data" input_shape {{ dim: 1 dim: 4 dim: {size} dim: {size} }}\n'
            f'layer {{ name: "p" type: "Pooling" bottom: "data" top: "p" pooling_param {{ {pooling} }} }}\n')


@pytest.mark.parametrize("size, pooling, out", [
    (6, "pool: MAX kernel_size: 3 stride: 2", 3),  # Caffe rounds up: ⌈(6 − 3)/2⌉ + 1 = 3 (floor gives 2)
    (6, "pool: AVE kernel_size: 3 stride: 2 pad: 1", 4),  # ⌈(6 + 2 − 3)/2⌉ + 1 = 4; its last window starts at 6 < 7
    # ⌈(5 + 2 − 2)/2⌉ + 1 = 4, but the last window would start at (4 − 1)·2 = 6 ≥ 5 + 1, in the padding:
    # Caffe clips it (pooling_layer.cpp), as PyTorch's ceil_mode does
    (5, "pool: MAX kernel_size: 2 stride: 2 pad: 1", 3),
    (7, "pool: AVE global_pooling: true", 1),
])
def test_pooling_rounds_as_caffe_does(tmp_path, size, pooling, out):
    report = cnncalc.analyze(write(tmp_path, pool_net(size, pooling)))
    assert report.valid and report.output == cnncalc.Volume(out, out, 4)


def test_a_pooling_that_rounds_differently_from_cnncalcs_ceil_is_refused(tmp_path):
    with pytest.raises(SpecError) as caught:
        read_model(write(tmp_path, pool_net(5, "pool: MAX kernel_size: 1 stride: 3")), "caffe")
    assert caught.value.diagnostics[0].code == "unsupported-operator"


def test_branches_become_blocks(tmp_path):
    text = """input: "data" input_shape { dim: 1 dim: 8 dim: 16 dim: 16 }
layer { name: "split" type: "Split" bottom: "data" top: "s1" top: "s2" }
layer { name: "b1" type: "Convolution" bottom: "s1" top: "b1" convolution_param { num_output: 8 kernel_size: 1 } }
layer { name: "sum" type: "Eltwise" bottom: "b1" bottom: "s2" top: "sum" }
layer { name: "b2" type: "Convolution" bottom: "sum" top: "b2" convolution_param { num_output: 4 kernel_size: 1 } }
layer { name: "b3" type: "Convolution" bottom: "sum" top: "b3" convolution_param { num_output: 6 kernel_size: 1 } }
layer { name: "cat" type: "Concat" bottom: "b2" bottom: "b3" top: "cat" }
"""
    imported = read_model(write(tmp_path, text), "caffe")
    layers = imported.data["layers"]
    assert list(layers[0]) == ["residual", "name"] and layers[0]["name"] == "sum"
    assert list(layers[1]) == ["concat", "name"] and len(layers[1]["concat"]) == 2
    assert '"id"' not in json.dumps(layers)  # a series-parallel graph needs no ids
    report = cnncalc.analyze(write(tmp_path, text))
    assert report.output == cnncalc.Volume(16, 16, 10)
    assert report.totals.params == (8 * 8 + 8) + (8 * 4 + 4) + (8 * 6 + 6)


def test_batchnorm_with_scale_learns_gamma_and_beta(tmp_path):
    text = """input: "data" input_shape { dim: 1 dim: 3 dim: 8 dim: 8 }
layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
        convolution_param { num_output: 16 kernel_size: 3 bias_term: false } }
layer { name: "bn" type: "BatchNorm" bottom: "conv" top: "conv" batch_norm_param { use_global_stats: true } }
layer { name: "scale" type: "Scale" bottom: "conv" top: "conv" scale_param { bias_term: true } }
layer { name: "relu" type: "PReLU" bottom: "conv" top: "conv" }
"""
    report = cnncalc.analyze(write(tmp_path, text))
    conv, bn, prelu = report.rows[1:]
    assert (bn.type, bn.name, bn.params, bn.buffers) == ("batchnorm", "bn+scale", 32, 32)
    assert (prelu.type, prelu.params) == ("prelu", 16)  # channel_shared is false by default: a slope per channel


def test_batchnorm_alone_learns_nothing(tmp_path):
    text = """input: "data" input_shape { dim: 1 dim: 3 dim: 8 dim: 8 }
layer { name: "bn" type: "BatchNorm" bottom: "data" top: "bn" }
"""
    row = cnncalc.analyze(write(tmp_path, text)).rows[-1]
    assert (row.type, row.params, row.buffers) == ("batchnorm", 0, 6)


def test_an_eltwise_product_is_a_multiply(tmp_path):
    text = """input: "data" input_shape { dim: 1 dim: 8 dim: 16 dim: 16 }
layer { name: "gap" type: "Pooling" bottom: "data" top: "gap" pooling_param { pool: AVE global_pooling: true } }
layer { name: "gate" type: "Sigmoid" bottom: "gap" top: "gate" }
layer { name: "scale" type: "Eltwise" bottom: "data" bottom: "gate" top: "out" eltwise_param { operation: PROD } }
"""
    report = cnncalc.analyze(write(tmp_path, text))
    assert report.valid and report.output == cnncalc.Volume(16, 16, 8) and report.rows[-1].type == "multiply"


@pytest.mark.parametrize("layer, operator", [
    ('layer { name: "r" type: "Reshape" bottom: "data" top: "r" }', "Reshape"),
    ('layer { name: "m" type: "Eltwise" bottom: "data" bottom: "data" top: "m" eltwise_param { operation: MAX } }',
     "Eltwise MAX"),
    ('layer { name: "l" type: "SoftmaxWithLoss" bottom: "data" top: "l" }', "SoftmaxWithLoss"),
])
def test_an_unsupported_layer_is_named_with_its_position(tmp_path, run_cli, layer, operator):
    path = write(tmp_path, 'input: "data" input_shape { dim: 1 dim: 3 dim: 8 dim: 8 }\n' + layer + "\n")
    result = run_cli("check", path)
    assert result.exit_code == 1
    assert f"{path}:2:" in result.stderr and "error[unsupported-operator]" in result.stderr
    assert operator in result.stderr and "layer '" in result.stderr


def test_a_network_with_two_outputs_is_refused(tmp_path):
    text = """input: "data" input_shape { dim: 1 dim: 3 dim: 8 dim: 8 }
layer { name: "a" type: "ReLU" bottom: "data" top: "a" }
layer { name: "b" type: "Sigmoid" bottom: "data" top: "b" }
"""
    with pytest.raises(SpecError) as caught:
        read_model(write(tmp_path, text), "caffe")
    assert caught.value.diagnostics[0].code == "unsupported-graph" and "'a'" in caught.value.diagnostics[0].message


def test_a_data_layer_without_a_shape_takes_input(tmp_path, run_cli):
    text = 'layer { name: "data" type: "Data" top: "data" }\nlayer { name: "r" type: "ReLU" bottom: "data" top: "r" }\n'
    path = write(tmp_path, text)
    result = run_cli("check", path)
    assert result.exit_code == 1 and "error[missing-input]" in result.stderr and "--input" in result.stderr
    assert run_cli("check", path, "--input", "5x5x2").exit_code == 0


@pytest.mark.parametrize("text, line, column, code", [
    ('input: "data"\nlayer { name: "a" type: "ReLU"\n', 3, 1, "prototxt-syntax"),  # the brace never closes
    ('layer { name "a" }\n', 1, 14, "prototxt-syntax"),  # no colon before a value
    ("just some words\n", 1, 6, "prototxt-syntax"),
    ('name: "empty"\n', 1, 1, "invalid-model"),
    ('layer { name: "a" type: "ReLU" bottom: "nothing" top: "a" }\n', 1, 32, "invalid-model"),
])
def test_a_broken_file_is_one_positioned_error(tmp_path, run_cli, text, line, column, code):
    path = write(tmp_path, text)
    result = run_cli("check", path)
    assert result.exit_code == 1
    errors = [entry for entry in result.stderr.splitlines() if "error[" in entry]
    assert errors == [errors[0]] and errors[0].startswith(f"{path}:{line}:{column}: error[{code}]")


def test_the_text_format():
    message = prototxt.parse('a: 1 b: -2.5e-3 c: "x" "y" d: ENUM, e { f: [1, 2] } g: { h: true }; g < h: false >\n')
    assert (message.get("a"), message.get("b"), message.get("c"), message.get("d")) == (1, -2.5e-3, "xy", "ENUM")
    assert message.get("e").all("f") == [1, 2]
    assert [g.get("h") for g in message.all("g")] == ["true", "false"]
    assert message.where("e").line == 1 and message.where("e").column == 37
