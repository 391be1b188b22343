"""imports/onnx.py: small ONNX graphs built with onnx.helper, each read as a spec and checked against
sizes and counts worked out by hand from the operators' definitions (onnx.ai/onnx/operators), and
hostile files, each refused with one error.

The numbers in the comments are the hand computation; `report` runs the imported spec through
cnncalc's own analysis, so each test checks the spec the importer wrote, not the importer's guess.
"""
from __future__ import annotations

import math
from pathlib import Path

import pytest

import cnncalc
from cnncalc.diagnostics import ExitCode, SpecError
from cnncalc.model.geometry import Volume

pytestmark = pytest.mark.onnx
FLOAT = 1
HALF = b"\x00\x00\x00\x3f"  # 0.5 as a little-endian float32


@pytest.fixture
def model(tmp_path):
    """model(nodes, input_shape, weights={name: dims}, ints={name: values}, floats={name: value or values},
    opset=20, output=None) -> the path of the ONNX file. The weights are all 0.5: neither the ones nor the
    zeros that exporters write where a norm has no learned scale or shift."""
    from onnx import TensorProto, helper, save

    def build(nodes, input_shape, weights=None, ints=None, floats=None, opset=20, output=None, file="model.onnx",
              input_type=TensorProto.FLOAT):
        inits = [helper.make_tensor(n, TensorProto.FLOAT, dims, HALF * math.prod(dims), raw=True)
                 for n, dims in (weights or {}).items()]
        inits += [helper.make_tensor(n, TensorProto.INT64, [len(v)], v) for n, v in (ints or {}).items()]
        inits += [helper.make_tensor(n, TensorProto.FLOAT, [len(v)] if isinstance(v, list) else [],
                                     v if isinstance(v, list) else [v]) for n, v in (floats or {}).items()]
        graph = helper.make_graph(nodes, "test", [helper.make_tensor_value_info("x", input_type, input_shape)],
                                  [helper.make_tensor_value_info(output or nodes[-1].output[0], TensorProto.FLOAT,
                                                                 None)], inits)
        proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
        path = tmp_path / file
        save(proto, str(path))
        return path

    return build


def node(op_type: str, inputs: list[str], output: str = "y", name: str = "", **attrs):
    from onnx import helper
    return helper.make_node(op_type, inputs, [output], name=name or f"{op_type.lower()}_{output}", **attrs)


def imported(path: Path, **options) -> cnncalc.imports.Imported:
    from cnncalc.imports import onnx as reader
    return reader.read(path, **options)


def report(path: Path, **options) -> cnncalc.Report:
    result = cnncalc.analyze(imported(path, **options).data)
    assert result.valid, [(d.code, d.message) for d in result.diagnostics]
    return result


def layers(path: Path) -> list:
    return imported(path).data["layers"]


def refused(path: Path, **options) -> list:
    with pytest.raises(SpecError) as caught:
        imported(path, **options)
    return caught.value.diagnostics


def weight_count(path: Path) -> int:
    """The elements of the file's floating-point tensors of rank 1 or more: its weights."""
    import onnx as onnx_package
    proto = onnx_package.load(str(path), load_external_data=False)
    return sum(math.prod(t.dims) for t in proto.graph.initializer if t.data_type == FLOAT and t.dims)


# -- convolutions ------------------------------------------------------------------------------

def test_conv_with_stride_and_padding(model):
    # N×C×H×W = 1×3×9×7; (9 + 2 − 3)/2 + 1 = 5 high, (7 + 2 − 3)/2 + 1 = 4 wide
    path = model([node("Conv", ["x", "w", "b"], pads=[1, 1, 1, 1], strides=[2, 2], kernel_shape=[3, 3])],
                 [1, 3, 9, 7], weights={"w": [4, 3, 3, 3], "b": [4]})
    result = report(path)
    assert tuple(result.input) == (7, 9, 3)
    assert tuple(result.output) == (4, 5, 4)
    assert result.totals.params == 4 * 3 * 3 * 3 + 4 == weight_count(path)  # 112
    assert result.totals.macs == 4 * 5 * 4 * 27  # W2·H2·K·F·F·D = 2,160
    assert layers(path) == [{"conv": {"filters": 4, "kernel": 3, "stride": 2, "padding": 1, "name": "conv_y"}}]


def test_conv_groups_dilation_and_uneven_padding_width_first(model):
    # pads [top 0, left 1, bottom 2, right 1]; dilations (H 2, W 1):
    # H (10 + 0 + 2 − 2·2 − 1) + 1 = 8, W (10 + 1 + 1 − 3) + 1 = 10
    path = model([node("Conv", ["x", "w", "b"], group=2, dilations=[2, 1], pads=[0, 1, 2, 1])],
                 [1, 4, 10, 10], weights={"w": [8, 2, 3, 3], "b": [8]})
    conv = layers(path)[0]["conv"]
    assert conv["padding"] == {"left": 1, "right": 1, "top": 0, "bottom": 2}
    assert conv["dilation"] == [1, 2] and conv["groups"] == 2
    result = report(path)
    assert tuple(result.output) == (10, 8, 8)
    assert result.totals.params == 8 * 2 * 9 + 8 == weight_count(path)  # 152
    assert result.totals.macs == 10 * 8 * 8 * 9 * 2  # 11,520


@pytest.mark.parametrize(("auto_pad", "kernel", "stride", "size", "padding", "out"), [
    ("SAME_UPPER", 3, 2, (7, 5), "same", (3, 4)),             # ⌈5/2⌉ = 3 wide, ⌈7/2⌉ = 4 high
    ("SAME_LOWER", 2, 1, (5, 5), {"left": 1, "right": 0, "top": 1, "bottom": 0}, (5, 5)),  # 1 in all, at the start
    ("VALID", 3, 1, (5, 6), None, (4, 3)),
    ("NOTSET", 3, 1, (5, 6), None, (4, 3)),
])
def test_conv_auto_pad(model, auto_pad, kernel, stride, size, padding, out):
    path = model([node("Conv", ["x", "w"], auto_pad=auto_pad, strides=[stride, stride])], [1, 1, *size],
                 weights={"w": [2, 1, kernel, kernel]})
    conv = layers(path)[0]["conv"]
    assert conv.get("padding") == padding and conv["bias"] is False
    assert tuple(report(path).output) == (*out, 2)


def test_conv_1d_and_3d(model, tmp_path):
    # 1-D: 16 long, 2 channels; kernel 5, padding 2 keeps 16; 4·2·5 + 4 = 44 params
    path = model([node("Conv", ["x", "w", "b"], pads=[2, 2])], [1, 2, 16], weights={"w": [4, 2, 5], "b": [4]})
    result = report(path)
    assert (tuple(result.input), tuple(result.output), result.totals.params) == ((16, 2), (16, 4), 44)
    # 3-D: 8 frames of 16×12; kernel (T 3, H 1, W 5), padding (1, 0, 2): the sizes stay; 2·1·15 = 30 weights
    path = model([node("Conv", ["x", "w"], pads=[1, 0, 2, 1, 0, 2])], [1, 1, 8, 12, 16],
                 weights={"w": [2, 1, 3, 1, 5]}, file="3d.onnx")
    assert layers(path)[0]["conv"]["kernel"] == [5, 1, 3] and layers(path)[0]["conv"]["padding"] == [2, 0, 1]
    result = report(path)
    assert (tuple(result.input), tuple(result.output), result.totals.params) == ((16, 12, 8, 1), (16, 12, 8, 2), 30)
    assert result.totals.macs == 16 * 12 * 8 * 2 * 15


def test_conv_transpose_with_output_padding(model):
    # (5 − 1)·2 − 2 + 3 + 1 = 10 high, (7 − 1)·2 − 2 + 3 + 1 = 14 wide; weights C_in × K/groups × 3 × 3
    path = model([node("ConvTranspose", ["x", "w", "b"], strides=[2, 2], pads=[1, 1, 1, 1], output_padding=[1, 1],
                       group=2)], [1, 4, 5, 7], weights={"w": [4, 2, 3, 3], "b": [4]})
    deconv = layers(path)[0]["deconv"]
    assert (deconv["filters"], deconv["groups"], deconv["output_padding"]) == (4, 2, 1)
    result = report(path)
    assert tuple(result.output) == (14, 10, 4)
    assert result.totals.params == 4 * 2 * 9 + 4 == weight_count(path)  # 76
    assert result.totals.macs == 7 * 5 * 4 * 9 * 2  # W·H·D·F·F·(K/groups) = 2,520


def test_conv_transpose_output_shape_sets_the_padding(model):
    # output_shape 10×13 from 5×7: total padding 2·4 + 3 − 10 = 1 high (at the start, NOTSET), 2·6 + 3 − 13 = 2 wide
    path = model([node("ConvTranspose", ["x", "w"], strides=[2, 2], output_shape=[10, 13])], [1, 2, 5, 7],
                 weights={"w": [2, 3, 3, 3]})
    assert layers(path)[0]["deconv"]["padding"] == {"left": 1, "right": 1, "top": 1, "bottom": 0}
    assert tuple(report(path).output) == (13, 10, 3)


# -- pooling -------------------------------------------------------------------------------------

def test_max_pool_ceil_mode_and_average_pool(model):
    # ceil((6 − 3)/2) + 1 = 3; then avg 2×2, stride 1, padding 1: 3 + 2 − 2 + 1 = 4
    path = model([node("MaxPool", ["x"], "a", kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1),
                  node("AveragePool", ["a"], "y", kernel_shape=[2, 2], pads=[1, 1, 1, 1], count_include_pad=1)],
                 [1, 2, 6, 6])
    first, second = layers(path)
    assert first["pool"] == {"kernel": 3, "stride": 2, "rounding": "ceil", "name": "maxpool_a"}
    assert second["pool"]["mode"] == "avg" and second["pool"]["stride"] == 1  # ONNX's stride is 1 by default
    assert tuple(report(path).output) == (4, 4, 2)


def test_pool_dilation_and_lp_pool(model):
    # 7 − 2·(2 − 1) − 1 + 1 = 5; then an L2 pool 5 → 2 (stride 2, floor)
    path = model([node("MaxPool", ["x"], "a", kernel_shape=[2, 2], dilations=[2, 2]),
                  node("LpPool", ["a"], "y", kernel_shape=[2, 2], strides=[2, 2], p=2)], [1, 3, 7, 7])
    assert layers(path)[1]["pool"]["mode"] == "l2"
    assert tuple(report(path).output) == (2, 2, 3)


@pytest.mark.parametrize("op_type", ["GlobalAveragePool", "GlobalMaxPool"])
def test_global_pools(model, op_type):
    path = model([node(op_type, ["x"])], [1, 5, 4, 3])
    assert tuple(report(path).output) == (1, 1, 5)
    assert next(iter(layers(path)[0])) == "global_pool"


@pytest.mark.parametrize(("opset", "keepdims"), [(13, 0), (13, 1), (18, 0), (18, 1)])
def test_reduce_mean_over_the_spatial_axes_is_a_global_pool(model, opset, keepdims):
    # axes an attribute before opset 18, an input from 18
    if opset < 18:
        nodes, ints = [node("ReduceMean", ["x"], "a", axes=[2, 3], keepdims=keepdims)], {}
    else:
        nodes, ints = [node("ReduceMean", ["x", "axes"], "a", keepdims=keepdims)], {"axes": [-2, -1]}
    nodes.append(node("Gemm", ["a" if not keepdims else "f", "w"], "y", transB=1))
    if keepdims:
        nodes.insert(1, node("Flatten", ["a"], "f"))
    path = model(nodes, [1, 6, 4, 4], weights={"w": [10, 6]}, ints=ints, opset=opset)
    assert [next(iter(item)) for item in layers(path)] == ["global_pool", "fc"]  # a flatten of 1×1×6 is no row
    result = report(path)
    assert (tuple(result.output), result.totals.params) == ((1, 1, 10), 60)


def test_reduce_mean_over_the_channels_is_refused(model):
    path = model([node("ReduceMean", ["x"], "y", axes=[1], name="mean_c")], [1, 6, 4, 4], opset=13)
    (diagnostic,) = refused(path)
    assert diagnostic.code == "unsupported-operator" and "ReduceMean (node mean_c)" in diagnostic.message


# -- linear layers and flattening ------------------------------------------------------------------

def test_flatten_and_gemm(model):
    # 2×3×4 = 24 inputs; Gemm with B stored 24×5 (transB 0), then 5×3 stored as 3×5 (transB 1), no bias
    path = model([node("Flatten", ["x"], "f"), node("Gemm", ["f", "w1", "b1"], "g"),
                  node("Gemm", ["g", "w2"], "y", transB=1)], [1, 2, 3, 4],
                 weights={"w1": [24, 5], "b1": [5], "w2": [3, 5]})
    assert [next(iter(item)) for item in layers(path)] == ["flatten", "fc", "fc"]
    result = report(path)
    assert tuple(result.output) == (1, 1, 3)
    assert result.totals.params == 24 * 5 + 5 + 5 * 3 == weight_count(path)  # 140
    assert result.totals.macs == 24 * 5 + 5 * 3


def test_reshape_to_two_dimensions_and_matmul_with_its_bias(model):
    path = model([node("Reshape", ["x", "shape"], "f"), node("MatMul", ["f", "w"], "m"),
                  node("Add", ["m", "b"], "a"), node("MatMul", ["a", "w2"], "y")], [1, 4, 2, 2],
                 weights={"w": [16, 8], "b": [8], "w2": [8, 2]}, ints={"shape": [1, -1]})
    assert [list(item.items())[0] for item in layers(path)][1:] == [
        ("fc", {"units": 8, "name": "matmul_m"}), ("fc", {"units": 2, "bias": False, "name": "matmul_y"})]
    result = report(path)
    assert result.totals.params == 16 * 8 + 8 + 8 * 2 == weight_count(path)


# -- activations -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("op_type", "attrs", "expected"), [
    ("Relu", {}, {"relu": {}}),
    ("LeakyRelu", {"alpha": 0.2}, {"leaky_relu": {"slope": 0.2}}),
    ("LeakyRelu", {}, {"leaky_relu": {}}),
    ("Sigmoid", {}, {"sigmoid": {}}),
    ("HardSigmoid", {}, {"hardsigmoid": {}}),
    ("HardSwish", {}, {"hardswish": {}}),
    ("Tanh", {}, {"tanh": {}}),
    ("Softmax", {"axis": 1}, {"softmax": {}}),
    ("Elu", {}, {"elu": {}}),
    ("Gelu", {}, {"gelu": {}}),
    ("Softplus", {}, {"softplus": {}}),
    ("Mish", {}, {"mish": {}}),
    ("Dropout", {}, {"dropout": {}}),
    ("Identity", {}, None),
])
def test_activations(model, op_type, attrs, expected):
    path = model([node(op_type, ["x"], "a", name="act", **attrs), node("Relu", ["a"], "y", name="last")],
                 [1, 3, 4, 4])
    first = layers(path)[0]
    if expected is None:  # no row of its own
        assert first == {"relu": {"name": "last"}}
    else:
        kind = next(iter(expected))
        assert first == {kind: {**expected[kind], "name": "act"}}
    assert tuple(report(path).output) == (4, 4, 3)


@pytest.mark.parametrize(("opset", "bounds", "expected"), [(13, (0.0, 6.0), "relu6"), (13, (0.0, None), "relu"),
                                                          (6, (0.0, 6.0), "relu6")])
def test_clip_as_relu6(model, opset, bounds, expected):
    low, high = bounds
    if opset < 11:
        nodes, floats = [node("Clip", ["x"], min=low, max=high)], {}
    else:
        nodes = [node("Clip", ["x", "low", "high" if high is not None else ""])]
        floats = {"low": low, **({"high": high} if high is not None else {})}
    path = model(nodes, [1, 2, 3, 3], floats=floats, opset=opset)
    assert next(iter(layers(path)[0])) == expected


def test_clip_with_other_bounds_is_refused(model):
    path = model([node("Clip", ["x", "low", "high"], name="hardtanh")], [1, 2, 3, 3], floats={"low": -1.0, "high": 1.0})
    (diagnostic,) = refused(path)
    assert "Clip (node hardtanh)" in diagnostic.message


@pytest.mark.parametrize(("slopes", "params"), [([5, 1, 1], 5), ([1], 1)])
def test_prelu_per_channel_or_shared(model, slopes, params):
    path = model([node("PRelu", ["x", "slope"])], [1, 5, 3, 3], weights={"slope": slopes})
    assert report(path).totals.params == params == weight_count(path)


def test_x_times_sigmoid_x_is_silu(model):
    path = model([node("Sigmoid", ["x"], "s", name="act"), node("Mul", ["x", "s"], "y")], [1, 4, 3, 3])
    assert layers(path) == [{"silu": {"name": "act"}}]


@pytest.mark.parametrize("scaled_first", [False, True])
def test_gelu_written_with_erf(model, scaled_first):
    # x·½(1 + erf(x/√2)) as exporters write it before opset 20, the ½ taken first or last
    last = [node("Mul", ["a", "half"], "h"), node("Mul", ["x", "h"], "y")] if scaled_first else \
        [node("Mul", ["x", "a"], "m"), node("Mul", ["m", "half"], "y")]
    path = model([node("Div", ["x", "root2"], "d", name="act"), node("Erf", ["d"], "e"),
                  node("Add", ["e", "one"], "a"), *last], [1, 3, 4, 4],
                 floats={"root2": 1.4142135, "one": 1.0, "half": 0.5}, opset=13)
    assert layers(path) == [{"gelu": {"name": "act"}}]


def test_x_times_hardsigmoid_x_is_hardswish(model):
    path = model([node("HardSigmoid", ["x"], "s", name="act", alpha=1 / 6), node("Mul", ["s", "x"], "y")],
                 [1, 4, 3, 3])
    assert layers(path) == [{"hardswish": {"name": "act"}}]


# -- normalisation ---------------------------------------------------------------------------------

def test_batchnorm_counts_its_statistics_as_buffers(model):
    # ONNX's momentum is the old statistics' share: 0.99 is PyTorch's 0.01
    path = model([node("BatchNormalization", ["x", "g", "b", "mean", "var"], epsilon=1e-3, momentum=0.99)],
                 [1, 6, 4, 4], weights={"g": [6], "b": [6], "mean": [6], "var": [6]})
    assert layers(path)[0]["batchnorm"] == {"eps": 0.001, "momentum": 0.01, "name": "batchnormalization_y"}
    result = report(path)
    assert (result.totals.params, result.totals.buffers) == (12, 12)
    assert result.totals.params + result.totals.buffers == weight_count(path)
    assert imported(path).title_note is None


def test_norms_without_a_learned_scale_or_shift(model):
    # ones and zeros are what exporters write for a norm without a learned scale and shift (PyTorch's
    # BatchNorm2d(affine=False), InstanceNorm2d()); the dynamo exporter's record of the PyTorch call says
    # which it had, whatever their values (an untrained model's are ones and zeros too)
    fx = "pkg.torch.onnx.fx_node"
    recorded = _with_metadata(node("InstanceNormalization", ["b", "ones", "zeros"], "y"), **{
        fx: "%instance_norm_1 = call_function[target=torch.ops.aten.instance_norm.default](args = (%conv2d, "
            "%p_norm_weight, %p_norm_bias, None, None, True, 0.1, 1e-05, False), kwargs = {})"})
    path = model([node("BatchNormalization", ["x", "ones", "zeros", "mean", "var"], "a"),
                  node("InstanceNormalization", ["a", "ones", "zeros"], "b"), recorded], [1, 3, 4, 4],
                 weights={"mean": [3], "var": [3]}, floats={"ones": [1.0] * 3, "zeros": [0.0] * 3})
    bn, first, second = layers(path)
    assert (bn["batchnorm"]["scale"], bn["batchnorm"]["center"]) == (False, False)
    assert "affine" not in first["instancenorm"] and second["instancenorm"]["affine"] is True
    result = report(path)
    assert (result.totals.params, result.totals.buffers) == (6, 6)


def test_instance_norm_and_lrn(model):
    path = model([node("InstanceNormalization", ["x", "g", "b"], "a"),
                  node("LRN", ["a"], "y", size=3, alpha=2e-4, beta=0.5, bias=2.0)],
                 [1, 6, 4, 4], weights={"g": [6], "b": [6]})
    first, second = layers(path)
    assert first["instancenorm"]["affine"] is True
    assert second["lrn"] == {"size": 3, "alpha": 0.0002, "beta": 0.5, "k": 2, "name": "lrn_y"}
    assert report(path).totals.params == 12 == weight_count(path)


# -- blocks ----------------------------------------------------------------------------------------

def test_residual_with_a_projection(model):
    # body: conv 3×3 stride 2, relu; shortcut: conv 1×1 stride 2; both 4×4×8
    path = model([node("Conv", ["x", "w1"], "c1", pads=[1, 1, 1, 1], strides=[2, 2]), node("Relu", ["c1"], "r"),
                  node("Conv", ["x", "w2"], "c2", strides=[2, 2]), node("Add", ["r", "c2"], "y", name="block")],
                 [1, 4, 8, 8], weights={"w1": [8, 4, 3, 3], "w2": [8, 4, 1, 1]})
    (block,) = layers(path)
    assert [next(iter(i)) for i in block["residual"]] == ["conv", "relu"]
    assert [next(iter(i)) for i in block["shortcut"]] == ["conv"] and block["name"] == "block"
    result = report(path)
    assert tuple(result.output) == (4, 4, 8)
    assert result.totals.params == 8 * 4 * 9 + 8 * 4 == weight_count(path)


def test_identity_shortcut_and_concat_branches(model):
    path = model([node("Relu", ["x"], "r"), node("Add", ["r", "x"], "a"),
                  node("Conv", ["a", "w1"], "c1"), node("MaxPool", ["a"], "p", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
                  node("Concat", ["a", "c1", "p"], "y", axis=1)], [1, 4, 5, 5], weights={"w1": [6, 4, 1, 1]})
    residual, concat = layers(path)
    assert residual["residual"] == [{"relu": {"name": "relu_r"}}] and "shortcut" not in residual
    branches = concat["concat"]
    assert branches[0] == [] and [next(iter(b[0])) for b in branches[1:]] == ["conv", "pool"]
    assert tuple(report(path).output) == (5, 5, 4 + 6 + 4)


def test_branches_that_share_tensors_are_written_with_ids(model):
    # DenseNet as torchvision writes it: each concat takes every earlier output, so no branch is its own
    path = model([node("Conv", ["x", "w1"], "a", pads=[1, 1, 1, 1]), node("Concat", ["x", "a"], "c1", axis=1),
                  node("Conv", ["c1", "w2"], "b", pads=[1, 1, 1, 1]), node("Concat", ["x", "a", "b"], "y", axis=1)],
                 [1, 4, 5, 5], weights={"w1": [2, 4, 3, 3], "w2": [2, 6, 3, 3]})
    items = layers(path)
    text = repr(items)
    assert "'from'" in text and "'id'" in text
    result = report(path)
    assert tuple(result.output) == (5, 5, 8)
    assert result.totals.params == 2 * 4 * 9 + 2 * 6 * 9 == weight_count(path)
    assert result.totals.macs == 25 * 2 * 36 + 25 * 2 * 54


def test_a_tensor_used_twice_by_one_add(model):
    path = model([node("Relu", ["x"], "r"), node("Add", ["r", "r"], "y")], [1, 2, 3, 3])
    assert tuple(report(path).output) == (3, 3, 2)


def test_slices_on_the_spatial_axes_are_one_crop(model):
    # U-Net's crop as PyTorch exports it: one Slice per axis (W 2..6 of 8, then H 1..4 of 6)
    path = model([node("Slice", ["x", "s1", "e1", "a1"], "a"), node("Slice", ["a", "s2", "e2", "a2"], "y")],
                 [1, 3, 6, 8], ints={"s1": [2], "e1": [6], "a1": [3], "s2": [1], "e2": [-2], "a2": [2]})
    assert layers(path) == [{"crop": {"left": 2, "right": 2, "top": 1, "bottom": 2, "name": "slice_a"}}]
    assert tuple(report(path).output) == (4, 3, 3)


# -- upsampling --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("mode", "expected"), [("nearest", {}), ("linear", {"mode": "bilinear"}),
                                                ("cubic", {"mode": "bicubic"})])
def test_resize_by_scales(model, mode, expected):
    path = model([node("Resize", ["x", "", "scales"], mode=mode)], [1, 2, 3, 5], floats={"scales": [1., 1., 2., 2.]})
    assert layers(path)[0]["upsample"] == {"scale": 2, **expected, "name": "resize_y"}
    assert tuple(report(path).output) == (10, 6, 2)


@pytest.mark.parametrize(("op_type", "opset"), [("Upsample", 9), ("Resize", 10)])
def test_upsample_and_the_first_resize(model, op_type, opset):
    # both take the scales as their second input
    path = model([node(op_type, ["x", "scales"], mode="nearest")], [1, 2, 3, 5], floats={"scales": [1., 1., 3., 2.]},
                 opset=opset)
    assert layers(path)[0]["upsample"]["scale"] == [2, 3]
    assert tuple(report(path).output) == (10, 9, 2)


def test_resize_by_sizes_with_whole_factors(model):
    path = model([node("Resize", ["x", "", "", "sizes"])], [1, 2, 3, 5], ints={"sizes": [1, 2, 9, 10]})
    assert layers(path)[0]["upsample"]["scale"] == [2, 3]  # width first
    assert tuple(report(path).output) == (10, 9, 2)


def test_resize_to_sizes_that_are_no_whole_factor(model):
    path = model([node("Resize", ["x", "", "", "sizes"], mode="linear")], [1, 2, 3, 5], ints={"sizes": [1, 2, 7, 12]})
    assert layers(path)[0]["upsample"] == {"output": [12, 7], "mode": "bilinear", "name": "resize_y"}
    assert tuple(report(path).output) == (12, 7, 2)


@pytest.mark.parametrize(("shape", "mode"), [([1, 2, 6], "linear"), ([1, 2, 3, 4, 5], "trilinear")])
def test_linear_resize_in_one_and_three_dimensions(model, shape, mode):
    scales = [1.0, 1.0] + [2.0] * (len(shape) - 2)
    path = model([node("Resize", ["x", "", "scales"], mode="linear")], shape, floats={"scales": scales})
    assert layers(path)[0]["upsample"]["mode"] == mode
    assert tuple(report(path).output) == (*(2 * s for s in reversed(shape[2:])), 2)


# -- padding -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("mode", "expected"), [("constant", {}), ("reflect", {"mode": "reflect"}),
                                                ("edge", {"mode": "replicate"}), ("wrap", {"mode": "circular"})])
def test_pad_modes(model, mode, expected):
    # pads [N, C, H top 0, W left 1, N, C, H bottom 1, W right 2]: 5 + 1 + 2 = 8 wide, 4 + 0 + 1 = 5 high
    path = model([node("Pad", ["x", "pads"], mode=mode)], [1, 2, 4, 5], ints={"pads": [0, 0, 0, 1, 0, 0, 1, 2]})
    assert layers(path)[0]["pad"] == {"padding": {"left": 1, "right": 2, "top": 0, "bottom": 1}, **expected,
                                      "name": "pad_y"}
    assert tuple(report(path).output) == (8, 5, 2)


def test_pad_value_axes_and_the_old_attributes(model, tmp_path):
    path = model([node("Pad", ["x", "pads", "value", "axes"])], [1, 2, 4, 5], ints={"pads": [1, 1, 1, 1],
                 "axes": [2, 3]}, floats={"value": 0.5}, opset=18)
    assert layers(path)[0]["pad"] == {"padding": 1, "value": 0.5, "name": "pad_y"}
    path = model([node("Pad", ["x"], pads=[0, 0, 2, 2, 0, 0, 2, 2], mode="reflect")], [1, 2, 4, 5], opset=2,
                 file="old.onnx")
    assert tuple(report(path).output) == (9, 8, 2)


def test_pad_on_the_channels_is_refused(model):
    path = model([node("Pad", ["x", "pads"], name="channels")], [1, 2, 4, 5], ints={"pads": [0, 1, 0, 0, 0, 1, 0, 0]})
    assert "Pad (node channels)" in refused(path)[0].message


# -- channels ------------------------------------------------------------------------------------------

def test_split_and_channel_shuffle_of_a_shufflenet_unit(model):
    # ShuffleNet v2's unit: split 8 channels in two, a 1×1 conv on the second half, concat, shuffle in 2 groups
    path = model([node("Split", ["x"], "a", axis=1, num_outputs=2), node("Conv", ["b", "w"], "c"),
                  node("Concat", ["a", "c"], "d", axis=1), node("Reshape", ["d", "five"], "e"),
                  node("Transpose", ["e"], "f", perm=[0, 2, 1, 3, 4]), node("Reshape", ["f", "four"], "y")],
                 [1, 8, 3, 3], weights={"w": [4, 4, 1, 1]}, ints={"five": [1, 2, 4, 3, 3], "four": [1, 8, 3, 3]})
    path = _two_outputs(path, "Split", ["a", "b"])
    concat, shuffle = layers(path)
    assert [b[0] for b in concat["concat"]] == [{"channel_slice": {"stop": 4, "name": "split_a"}},
                                                {"channel_slice": {"start": 4, "stop": 8, "name": "split_a"}}]
    assert shuffle == {"channel_shuffle": {"groups": 2, "name": "reshape_e"}}
    result = report(path)
    assert (tuple(result.output), result.totals.params) == ((3, 3, 8), 16)


def _two_outputs(path: Path, op_type: str, outputs: list[str]) -> Path:
    """The file with its `op_type` node writing `outputs` (onnx.helper's node() above writes one)."""
    import onnx as onnx_package
    proto = onnx_package.load(str(path))
    target = next(n for n in proto.graph.node if n.op_type == op_type)
    target.ClearField("output")
    target.output.extend(outputs)
    onnx_package.save(proto, str(path))
    return path


def test_slice_on_the_channels(model):
    path = model([node("Slice", ["x", "starts", "ends", "axes"])], [1, 8, 3, 3],
                 ints={"starts": [2], "ends": [5], "axes": [1]})
    assert layers(path) == [{"channel_slice": {"start": 2, "stop": 5, "name": "slice_y"}}]
    assert tuple(report(path).output) == (3, 3, 3)


def test_depth_to_space_and_back(model):
    path = model([node("DepthToSpace", ["x"], "a", blocksize=2, mode="CRD"),
                  node("SpaceToDepth", ["a"], "y", blocksize=2)], [1, 8, 3, 5])
    assert [next(iter(i)) for i in layers(path)] == ["pixel_shuffle", "pixel_unshuffle"]
    assert tuple(report(path).output) == (5, 3, 8)


def test_per_channel_constant_is_a_layer_scale(model):
    path = model([node("Mul", ["x", "gamma"])], [1, 6, 3, 3], weights={"gamma": [6, 1, 1]})
    assert layers(path) == [{"layer_scale": {"name": "mul_y"}}]
    assert report(path).totals.params == 6 == weight_count(path)


@pytest.mark.parametrize("op_type", ["Mul", "Div", "Add", "Sub"])
def test_arithmetic_with_one_constant_number_is_an_identity(model, op_type):
    # a rescaling such as x / 255: it changes no size and learns nothing (as the Keras reader writes Rescaling)
    path = model([node(op_type, ["x", "k"], name="rescale")], [1, 6, 3, 3], floats={"k": 255.0})
    assert layers(path) == [{"identity": {"name": "rescale"}}]


def test_arithmetic_with_a_constant_map_is_refused(model):
    path = model([node("Sub", ["x", "mean"], name="centre")], [1, 3, 2, 2], weights={"mean": [1, 3, 2, 2]})
    assert "Sub (node centre)" in refused(path)[0].message


def test_squeeze_and_excitation_is_a_multiply_block(model):
    # the gate: global pool, 1×1 conv 6 -> 2, relu, 1×1 conv 2 -> 6, sigmoid; the map times it
    path = model([node("GlobalAveragePool", ["x"], "g"), node("Conv", ["g", "w1", "b1"], "c1"),
                  node("Relu", ["c1"], "r"), node("Conv", ["r", "w2", "b2"], "c2"), node("Sigmoid", ["c2"], "s"),
                  node("Mul", ["x", "s"], "y", name="se")], [1, 6, 5, 5],
                 weights={"w1": [2, 6, 1, 1], "b1": [2], "w2": [6, 2, 1, 1], "b2": [6]})
    (block,) = layers(path)
    assert block["multiply"][0] == [] and block["name"] == "se"
    assert [next(iter(i)) for i in block["multiply"][1]] == ["global_pool", "conv", "relu", "conv", "sigmoid"]
    result = report(path)
    assert tuple(result.output) == (5, 5, 6)
    assert result.totals.params == 2 * 6 + 2 + 6 * 2 + 6 == weight_count(path)


# -- channels last: ConvNeXt -------------------------------------------------------------------------

def test_convnext_block_with_channels_last_layers(model):
    # depthwise 7×7, then channels last: LayerNorm, Linear 4 -> 16 (MatMul + Add), Gelu, Linear 16 -> 4,
    # the layer scale γ; back to channels first and added to the input
    path = model([node("Conv", ["x", "dw", "dwb"], "c", group=4, pads=[3, 3, 3, 3]),
                  node("Transpose", ["c"], "t", perm=[0, 2, 3, 1]),
                  node("LayerNormalization", ["t", "lnw", "lnb"], "n", axis=-1),
                  node("MatMul", ["n", "w1"], "m1"), node("Add", ["m1", "b1"], "a1"), node("Gelu", ["a1"], "g"),
                  node("MatMul", ["g", "w2"], "m2"), node("Add", ["m2", "b2"], "a2"),
                  node("Mul", ["gamma", "a2"], "s"), node("Transpose", ["s"], "u", perm=[0, 3, 1, 2]),
                  node("Add", ["x", "u"], "y", name="block")], [1, 4, 6, 6],
                 weights={"dw": [4, 1, 7, 7], "dwb": [4], "lnw": [4], "lnb": [4], "w1": [4, 16], "b1": [16],
                          "w2": [16, 4], "b2": [4], "gamma": [4]})
    (block,) = layers(path)
    assert [next(iter(i)) for i in block["residual"]] == ["conv", "layernorm", "conv", "gelu", "conv",
                                                          "layer_scale"]
    assert block["residual"][2]["conv"] == {"filters": 16, "kernel": 1, "name": "matmul_m1"}
    result = report(path)
    assert tuple(result.output) == (6, 6, 4)
    assert result.totals.params == 4 * 49 + 4 + 8 + 4 * 16 + 16 + 16 * 4 + 4 + 4 == weight_count(path)


def test_layer_norm_after_a_linear_layer(model):
    path = model([node("Flatten", ["x"], "f"), node("Gemm", ["f", "w", "b"], "g", transB=1),
                  node("LayerNormalization", ["g", "lnw", "lnb"], "y")], [1, 2, 2, 2],
                 weights={"w": [5, 8], "b": [5], "lnw": [5], "lnb": [5]})
    assert next(iter(layers(path)[-1])) == "layernorm"
    assert report(path).totals.params == 45 + 10


def test_layer_norm_over_the_channels_and_the_map_is_refused(model):
    # LayerNormalization from axis 1 of N×C×H×W normalises each sample whole: not the spec's layernorm
    path = model([node("LayerNormalization", ["x", "lnw"], "y", axis=1, name="whole")], [1, 2, 3, 3],
                 weights={"lnw": [2, 3, 3]})
    assert "LayerNormalization (node whole)" in refused(path)[0].message


# -- names and notes --------------------------------------------------------------------------------

def _with_metadata(onnx_node, **props):
    from onnx import StringStringEntryProto
    onnx_node.metadata_props.extend(StringStringEntryProto(key=k, value=v) for k, v in props.items())
    return onnx_node


def test_names_come_from_the_module_path(model):
    scopes = "pkg.torch.onnx.name_scopes"
    conv = _with_metadata(node("Conv", ["x", "features.0.weight"], "c", name="node_Conv_5"), **{
        scopes: "['', 'features', 'features.1', '_native_batch_norm_legit_no_training']",
        "pkg.onnxscript.rewriter.rule_name": "FuseBatchNormIntoConv"})
    relu = _with_metadata(node("Relu", ["c"], "r", name="node_relu"),
                          **{scopes: "['', 'features', 'features.2', 'relu']"})
    old = node("Relu", ["r"], "s", name="/layer1/layer1.0/relu/Relu")  # the TorchScript exporter's names
    plain = node("Relu", ["s"], "y", name="plain")
    path = model([conv, relu, old, plain], [1, 3, 4, 4], weights={"features.0.weight": [4, 3, 1, 1]})
    assert [next(iter(i.values()))["name"] for i in layers(path)] == ["features.0", "features.2", "layer1.0.relu",
                                                                      "plain"]
    assert imported(path).title_note == "BatchNorm folded into the convolutions"
    assert imported(path).source == "model.onnx" and imported(path).locations == {}


# -- the input -------------------------------------------------------------------------------------

def test_dynamic_sizes_need_the_input_volume(model):
    path = model([node("Conv", ["x", "w"])], ["N", 3, "H", "W"], weights={"w": [2, 3, 3, 3]})
    (diagnostic,) = refused(path)
    assert diagnostic.code == "missing-input" and "--input" in diagnostic.message
    assert any("--input 224x224x3" in s for s in diagnostic.suggestions)
    result = report(path, input=Volume(20, 10, 3))
    assert (tuple(result.input), tuple(result.output)) == ((20, 10, 3), (18, 8, 2))


def test_a_dynamic_batch_alone_needs_nothing(model):
    path = model([node("Relu", ["x"])], ["batch", 3, 8, 6])
    assert tuple(report(path).input) == (6, 8, 3)


def test_a_channels_last_input_that_the_model_transposes_first(model):
    # TensorFlow's models take N×H×W×C: 6 high, 5 wide, 3 channels; --input is width first as ever
    path = model([node("Transpose", ["x"], "t", perm=[0, 3, 1, 2]), node("Conv", ["t", "w"], "y")], [1, 6, 5, 3],
                 weights={"w": [4, 3, 3, 3]})
    result = report(path)
    assert (tuple(result.input), tuple(result.output)) == ((5, 6, 3), (3, 4, 4))
    path = model([node("Transpose", ["x"], "t", perm=[0, 3, 1, 2]), node("Conv", ["t", "w"], "y")],
                 ["N", "H", "W", 3], weights={"w": [4, 3, 3, 3]}, file="dynamic.onnx")
    assert tuple(report(path, input=Volume(9, 7, 3)).output) == (7, 5, 4)


def test_an_input_volume_that_does_not_fit_is_refused(model):
    path = model([node("Relu", ["x"])], [1, 3, 8, 6])
    assert refused(path, input=Volume(8, 6, 4))[0].code == "invalid-value"  # 4 channels, the model takes 3
    assert refused(path, input=Volume(8, 4))[0].code == "invalid-value"  # 1-D, the model is 2-D


# -- what cannot be read -----------------------------------------------------------------------------

def test_unsupported_operators_are_each_named_once(model):
    path = model([node("Sin", ["x"], "a", name="first"), node("Cos", ["a"], "b", name="second"),
                  node("Sin", ["b"], "y", name="third")], [1, 2, 3, 3])
    diagnostics = refused(path)
    assert [d.code for d in diagnostics] == ["unsupported-operator"] * 2
    assert "Sin (node first, and 1 more)" in diagnostics[0].message
    assert "Cos (node second)" in diagnostics[1].message


def test_two_outputs_are_refused(model, tmp_path):
    from onnx import TensorProto, helper, save
    graph = helper.make_graph([node("Relu", ["x"], "a"), node("Sigmoid", ["x"], "b")], "two",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 3, 3])],
                              [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in "ab"])
    path = tmp_path / "two.onnx"
    save(helper.make_model(graph), str(path))
    (diagnostic,) = refused(path)
    assert diagnostic.code == "unsupported-graph" and "2 outputs (a, b)" in diagnostic.message


def test_a_layer_that_leads_nowhere_is_refused(model):
    # the conv's output is read by nothing on the way to the output: leaving it out would be silent
    path = model([node("Conv", ["x", "w"], "c", name="aux"), node("Relu", ["x"], "y")], [1, 2, 3, 3],
                 weights={"w": [4, 2, 1, 1]})
    (diagnostic,) = refused(path)
    assert diagnostic.code == "unsupported-graph" and diagnostic.message.startswith("aux does not lead")


def test_a_flat_input(model):
    # an MLP on N×784: the input is 1×1×784, as after fc
    path = model([node("Gemm", ["x", "w", "b"], "y", transB=1)], [1, 784], weights={"w": [10, 784], "b": [10]})
    result = report(path)
    assert (tuple(result.input), tuple(result.output), result.totals.params) == ((1, 1, 784), (1, 1, 10), 7850)
    path = model([node("Gemm", ["x", "w"], "y", transB=1)], ["N", "F"], weights={"w": [10, 784]}, file="dynamic.onnx")
    assert tuple(report(path, input=Volume(1, 1, 784)).output) == (1, 1, 10)


# -- hostile files: one error each, never a traceback ------------------------------------------------------

@pytest.mark.parametrize(("content", "words"), [
    (b"", "empty"),
    (b"hello, world\n", "not an ONNX model"),
    (bytes(range(256)) * 20, "not an ONNX model"),
    (b"\x08\x07\x12\x04abc", "not an ONNX model"),  # protobuf that is a model without a graph
])
def test_files_that_are_not_models(tmp_path, content, words):
    path = tmp_path / "bad.onnx"
    path.write_bytes(content)
    (diagnostic,) = refused(path)
    assert diagnostic.code == "invalid-model" and words in diagnostic.message


def test_a_truncated_model(model):
    path = model([node("Conv", ["x", "w"])], [1, 3, 8, 8], weights={"w": [64, 3, 3, 3]})
    data = path.read_bytes()
    for cut in (len(data) // 3, len(data) // 2, len(data) - 7):
        path.write_bytes(data[:cut])
        (diagnostic,) = refused(path)
        assert diagnostic.code == "invalid-model" and "truncated" in diagnostic.message


def test_damaged_bytes_give_an_error_or_a_model_never_a_crash(model):
    import random
    scopes = {"pkg.torch.onnx.name_scopes": "['', 'layer1', 'layer1.0', 'conv2d']"}
    path = model([_with_metadata(node("Conv", ["x", "w", "b"], "c", pads=[1, 1, 1, 1]), **scopes),
                  node("Relu", ["c"], "r"), node("Add", ["x", "r"], "a"),
                  node("ReduceMean", ["a", "axes"], "m", keepdims=0), node("Gemm", ["m", "fw"], "y", transB=1)],
                 [1, 4, 6, 6], weights={"w": [4, 4, 3, 3], "b": [4], "fw": [3, 4]}, ints={"axes": [2, 3]})
    original, draw = path.read_bytes(), random.Random(12)
    for _ in range(300):
        damaged = bytearray(original)
        for _ in range(draw.randint(1, 4)):
            damaged[draw.randrange(len(damaged))] = draw.randrange(256)
        path.write_bytes(bytes(damaged))
        try:
            result = imported(path)
        except SpecError as exc:
            assert len(exc.diagnostics) >= 1 and all(d.message for d in exc.diagnostics)
        else:
            cnncalc.analyze(result.data)  # a spec, valid or not, that the analysis takes without crashing


def test_a_missing_file_is_a_usage_error(tmp_path):
    with pytest.raises(SpecError) as caught:
        imported(tmp_path / "nothing.onnx")
    assert caught.value.exit_code == ExitCode.USAGE


def test_a_huge_claimed_dimension(model):
    import onnx as onnx_package
    path = model([node("Conv", ["x", "w"])], [1, 3, 8, 8], weights={"w": [2, 3, 3, 3]})
    proto = onnx_package.load(str(path))
    proto.graph.initializer[0].CopyFrom(onnx_package.TensorProto(name="w", data_type=FLOAT, dims=[2**40, 3, 3, 3]))
    onnx_package.save(proto, str(path))
    (diagnostic,) = refused(path)
    assert diagnostic.code == "too-large" and "1099511627776" in diagnostic.message


def test_a_huge_input_size(model):
    path = model([node("Relu", ["x"])], [1, 3, 2**40, 8])
    (diagnostic,) = refused(path)
    assert diagnostic.code == "too-large"


def test_external_data_is_never_loaded(model):
    # the weight's bytes are said to be in a file that does not exist (and would be far outside the model's folder)
    import onnx as onnx_package
    from onnx import TensorProto
    path = model([node("Conv", ["x", "w", "b"])], [1, 3, 8, 8], weights={"w": [16, 3, 3, 3], "b": [16]})
    proto = onnx_package.load(str(path))
    weight = proto.graph.initializer[0]
    weight.ClearField("raw_data")
    weight.data_location = TensorProto.EXTERNAL
    weight.external_data.add(key="location", value="../../../../nowhere/weights.bin")
    weight.external_data.add(key="length", value=str(16 * 27 * 4))
    onnx_package.save(proto, str(path))
    result = report(path)
    assert result.totals.params == 16 * 27 + 16


# -- PyTorch modules as torch.onnx.export writes them ------------------------------------------------

def exported(tmp_path, model, sample_shape) -> tuple[Path, tuple]:
    """The ONNX file of a torch model, and the volume of its output (width first, depth last)."""
    from conftest import export_onnx, torch_modules
    torch = torch_modules()[0]
    sample = torch.randn(*sample_shape)
    path = tmp_path / "exported.onnx"
    export_onnx(model, sample, path)
    with torch.no_grad():
        out = model(sample)
    return path, (*reversed(out.shape[2:]), out.shape[1]) if out.dim() > 2 else (1, 1, out.shape[1])


@pytest.mark.torch
def test_modules_that_the_exporter_writes_as_several_operators(tmp_path):
    from conftest import torch_modules
    nn = torch_modules()[1]
    model = nn.Sequential(nn.LocalResponseNorm(3, alpha=2e-4, beta=0.5, k=2.0), nn.GroupNorm(2, 8), nn.LPPool2d(2, 2),
                          nn.Softplus(), nn.Conv2d(8, 8, 1), nn.GELU(), nn.SiLU(), nn.Hardswish(), nn.Mish(), nn.ELU(),
                          nn.LeakyReLU(0.2), nn.ReLU6(), nn.AdaptiveAvgPool2d((3, 2)), nn.AdaptiveMaxPool2d(1),
                          nn.Flatten(), nn.Linear(8, 5))
    path, out = exported(tmp_path, model, (1, 8, 12, 10))
    items = layers(path)
    assert [next(iter(i)) for i in items] == ["lrn", "groupnorm", "pool", "softplus", "conv", "gelu", "silu",
                                              "hardswish", "mish", "elu", "leaky_relu", "relu6", "adaptive_pool",
                                              "global_pool", "fc"]
    assert items[0]["lrn"] == {"size": 3, "alpha": 0.0002, "beta": 0.5, "k": 2, "name": "0"}
    assert items[1]["groupnorm"]["groups"] == 2 and items[2]["pool"]["mode"] == "l2"
    assert items[12]["adaptive_pool"]["output"] == [2, 3]  # width first
    result = report(path)
    assert tuple(result.output) == out
    assert result.totals.params == sum(p.numel() for p in model.parameters())  # 16 + 72 + 45


def test_blocks_nest_no_deeper_than_yaml_allows(model):
    # U-Net's shape 60 deep: e_i = relu(e_i−1); d_i = e_i + relu(d_i+1). Past MAX_BLOCKS the rest is flat,
    # so that the spec written as YAML stays within the nesting it may have.
    import yaml
    depth = 60
    nodes = [node("Relu", [f"e{i - 1}" if i > 1 else "x"], f"e{i}") for i in range(1, depth + 1)]
    for i in range(depth - 1, 0, -1):
        nodes.append(node("Relu", [f"d{i + 1}" if i < depth - 1 else f"e{depth}"], f"r{i}"))
        nodes.append(node("Add", [f"e{i}", f"r{i}"], f"d{i}"))
    path = model(nodes, [1, 2, 3, 3], output="d1")
    result = cnncalc.analyze_text(yaml.safe_dump(imported(path).data))
    assert result.valid, [d.message for d in result.diagnostics]
    assert len(result.rows) == 1 + depth + 2 * (depth - 1)  # the input, the relus, the adds


def test_nodes_out_of_order_are_put_in_order(model):
    path = model([node("Relu", ["b"], "y", name="third"), node("Conv", ["a", "w"], "b", name="second"),
                  node("Sigmoid", ["x"], "a", name="first")], [1, 2, 3, 3], weights={"w": [4, 2, 1, 1]}, output="y")
    assert [next(iter(i.values()))["name"] for i in layers(path)] == ["first", "second", "third"]


def test_a_cycle_is_refused(model):
    path = model([node("Relu", ["b"], "a"), node("Add", ["x", "a"], "b")], [1, 2, 3, 3], output="b")
    (diagnostic,) = refused(path)
    assert diagnostic.code == "invalid-model" and "cycle" in diagnostic.message


def test_batchnorm_folded_by_the_torchscript_exporter(model):
    # that exporter stores a folded conv's new weight and bias as constants of its own naming
    path = model([node("Conv", ["x", "onnx::Conv_7", "onnx::Conv_8"], name="/features/features.0/Conv")],
                 [1, 3, 4, 4], weights={"onnx::Conv_7": [4, 3, 1, 1], "onnx::Conv_8": [4]})
    assert imported(path).title_note == "BatchNorm folded into the convolutions"
    assert layers(path)[0]["conv"]["name"] == "features.0"


@pytest.mark.torch
def test_todays_blocks_as_pytorch_exports_them(tmp_path):
    """ConvNeXt's block (permutes around a LayerNorm and Linear layers, a layer scale), squeeze-and-excitation,
    ShuffleNet v2's unit (chunk, concat, ChannelShuffle), the pads, pixel (un)shuffle and resizing."""
    from conftest import torch_modules
    torch, nn = torch_modules()[:2]

    class ConvNeXt(nn.Module):
        def __init__(self, c: int) -> None:
            super().__init__()
            self.dwconv = nn.Conv2d(c, c, 7, padding=3, groups=c)
            self.norm, self.pwconv1, self.act, self.pwconv2 = nn.LayerNorm(c), nn.Linear(c, 4 * c), nn.GELU(), \
                nn.Linear(4 * c, c)
            self.gamma = nn.Parameter(torch.full((c,), 1e-6))

        def forward(self, x):
            y = self.dwconv(x).permute(0, 2, 3, 1)
            y = self.gamma * self.pwconv2(self.act(self.pwconv1(self.norm(y))))
            return x + y.permute(0, 3, 1, 2)

    class SqueezeExcitation(nn.Module):
        def __init__(self, c: int) -> None:
            super().__init__()
            self.fc1, self.fc2 = nn.Conv2d(c, 2, 1), nn.Conv2d(2, c, 1)

        def forward(self, x):
            return x * torch.sigmoid(self.fc2(torch.relu(self.fc1(x.mean((2, 3), keepdim=True)))))

    class ShuffleUnit(nn.Module):
        def __init__(self, c: int) -> None:
            super().__init__()
            self.branch, self.shuffle = nn.Conv2d(c // 2, c // 2, 1), nn.ChannelShuffle(2)

        def forward(self, x):
            a, b = x.chunk(2, dim=1)
            return self.shuffle(torch.cat([a, self.branch(b)], 1))

    model = nn.Sequential(ConvNeXt(8), SqueezeExcitation(8), ShuffleUnit(8), nn.ZeroPad2d((1, 2, 0, 1)),
                          nn.ReflectionPad2d(1), nn.ReplicationPad2d(2), nn.CircularPad2d(1), nn.ConstantPad2d(1, 0.5),
                          nn.PixelShuffle(2), nn.PixelUnshuffle(2), nn.Upsample(scale_factor=2, mode="bilinear"),
                          nn.Upsample(size=(50, 47), mode="nearest"))
    path, out = exported(tmp_path, model, (1, 8, 12, 10))
    kinds = [next(iter(i)) for i in layers(path)]
    assert kinds == ["residual", "multiply", "concat", "channel_shuffle", "pad", "pad", "pad", "pad", "pad",
                     "pixel_shuffle", "pixel_unshuffle", "upsample", "upsample"]
    result = report(path)
    assert tuple(result.output) == out
    assert result.totals.params == sum(p.numel() for p in model.parameters())
