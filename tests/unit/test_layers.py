"""The layer types (model/layers/, layers.py): every type is known to every place that maps types onto
something else, each answers to its names and aliases, takes its own parameters, and counts its weights,
biases, MACs and FLOPs as worked out by hand in the comments."""
from __future__ import annotations

from fractions import Fraction

import pytest

from cnncalc.engine.conventions import CONVENTIONS
from cnncalc.layers import LAYER_TYPES, Input, Layer, Local
from cnncalc.model.layers import missing_declarations
from cnncalc.model.layers.base import CONVENTION_NAMES
from cnncalc.source.compact import render_call
from conftest import analyze, codes, valid, yaml_spec

# a positional value for the types whose required parameters have no EXAMPLE
EXTRA_ARGUMENTS = {"crop": [4]}


def one_layer(cls) -> str:
    call = render_call(cls.TYPE, list(cls.EXAMPLE) or EXTRA_ARGUMENTS.get(cls.TYPE, []))
    return f"INPUT(16x16x4) -> {call}"


@pytest.mark.parametrize("cls", [c for c in LAYER_TYPES if c is not Input], ids=lambda c: c.TYPE)
def test_every_type_exports_draws_and_counts(cls, run_cli):
    spec = one_layer(cls)
    assert run_cli("check", spec).exit_code == 0
    exported = run_cli("export", spec)
    if cls is Local:  # PyTorch has no locally connected layer: refused, never wrong code
        assert exported.exit_code == 1 and "export-unsupported" in exported.stderr
    else:
        assert exported.exit_code == 0 and "class Network(nn.Module)" in exported.stdout
    drawn = run_cli("diagram", spec)
    assert drawn.exit_code == 0 and drawn.stdout.lstrip().startswith("<?xml")
    for convention in CONVENTIONS:
        assert run_cli("check", "--convention", convention, "--format", "json", spec).exit_code == 0


def test_every_type_declares_what_the_registry_requires():
    assert all(missing_declarations(cls) == [] for cls in LAYER_TYPES)

    class Bare(Layer):  # declares nothing: every missing declaration is named
        TYPE = "bare"

    assert missing_declarations(Bare) == [*(f"CONVENTIONS['{name}']" for name in CONVENTION_NAMES),
                                          "DIAGRAM", "torch"]


@pytest.mark.parametrize("axes, module", [("16x4", "nn.Conv1d(4, 8, 3)"), ("16x16x4", "nn.Conv2d(4, 8, 3)"),
                                          ("16x16x8x4", "nn.Conv3d(4, 8, 3)")])
def test_silu_and_conv_export_in_every_dimension(axes, module, run_cli):
    exported = run_cli("export", f"INPUT({axes}) -> CONV(8, 3) -> SILU -> POOL(2) -> BATCHNORM")
    assert exported.exit_code == 0
    n = axes.count("x")
    for call in (module, "nn.SiLU()", f"nn.MaxPool{n}d(2)", f"nn.BatchNorm{n}d(8)"):
        assert call in exported.stdout


# -- type names and aliases ------------------------------------------------------------------------

ALIASES = [
    # (name as written, parameters, the type it is)
    ("conv", "{filters: 4, kernel: 1}", "conv"),
    ("convolution", "{filters: 4, kernel: 1}", "conv"),
    ("CONVOLUTION", "{filters: 4, kernel: 1}", "conv"),
    ("local", "{filters: 4, kernel: 1}", "local"),
    ("locally_connected", "{filters: 4, kernel: 1}", "local"),
    ("deconv", "{filters: 4, kernel: 1}", "deconv"),
    ("conv_transpose", "{filters: 4, kernel: 1}", "deconv"),
    ("pool", "2", "pool"),
    ("pooling", "2", "pool"),
    ("maxpool", "2", "pool"),
    ("avgpool", "2", "pool"),
    ("l2pool", "2", "pool"),
    ("global_pool", "{}", "global_pool"),
    ("gap", "{}", "global_pool"),
    ("gmp", "{}", "global_pool"),
    ("adaptive_pool", "2", "adaptive_pool"),
    ("fc", "10", "fc"),
    ("dense", "10", "fc"),
    ("linear", "10", "fc"),
    ("Linear", "10", "fc"),
    ("batchnorm", "{}", "batchnorm"),
    ("bn", "{}", "batchnorm"),
    ("BN", "{}", "batchnorm"),
    ("lrn", "{}", "lrn"),
    ("dropout", "0.5", "dropout"),
    ("upsample", "2", "upsample"),
    ("pad", "1", "pad"),
    ("crop", "2", "crop"),
    ("flatten", "{}", "flatten"),
    *[(name, "{}", name) for name in ("relu", "relu6", "leaky_relu", "elu", "gelu", "sigmoid", "tanh", "softmax",
                                       "identity")],
    *[(name, "{}", name) for name in ("silu", "hardswish", "hardsigmoid", "mish", "softplus")],
    ("swish", "{}", "silu"),
    ("hswish", "{}", "hardswish"),
    ("hsigmoid", "{}", "hardsigmoid"),
    ("layernorm", "{}", "layernorm"),
    ("ln", "{}", "layernorm"),
    ("LN", "{eps: 1e-6}", "layernorm"),
    ("layer_scale", "{}", "layer_scale"),
    ("channel_shuffle", "2", "channel_shuffle"),
    ("channel_slice", "2", "channel_slice"),
    ("pixel_shuffle", "2", "pixel_shuffle"),
    ("pixel_unshuffle", "2", "pixel_unshuffle"),
    ("RELU", "{}", "relu"),
    ("Leaky_ReLU", "{slope: 0.2}", "leaky_relu"),
]


@pytest.mark.parametrize("name, params, kind", ALIASES)
def test_type_names_and_aliases(name, params, kind):
    report = valid(yaml_spec("input: 4x4x4", f"- {name}: {params}"))
    assert report.rows[1].type == kind


@pytest.mark.parametrize("alias, mode_word", [("maxpool", "POOL"), ("avgpool", "AVG"), ("l2pool", "L2"),
                                              ("gap", "GAP"), ("gmp", "GMP")])
def test_pool_aliases_set_the_mode(alias, mode_word):
    report = valid(yaml_spec("input: 4x4x4", f"- {alias}: {{}}"))
    assert mode_word in report.rows[1].label


def test_avgpool_alias_really_is_average():
    # max pooling takes a dilation, average pooling has none in PyTorch: the alias decides which rule applies
    assert valid(yaml_spec("input: 9x9x1", "- maxpool: {kernel: 2, dilation: 2}")).output == (4, 4, 1)
    assert not analyze(yaml_spec("input: 9x9x1", "- avgpool: {kernel: 2, dilation: 2}")).valid


# -- parameters of one type --------------------------------------------------------------------------

def test_local_takes_no_groups():
    report = analyze(yaml_spec("input: 8x8x4", "- local: {filters: 2, kernel: 3, groups: 2}"))
    assert codes(report) == ["unknown-key"]


@pytest.mark.parametrize("layer, expected", [
    ("- crop: 4x2", (4, 2)),                                          # a centre crop to 4 wide, 2 high
    ("- crop: {size: 6}", (6, 6)),
    ("- crop: {left: 1, right: 2, top: 3, bottom: 0}", (7, 7)),       # 10 − 1 − 2, 10 − 3 − 0
    ("- crop: {left: 1}", (9, 10)),
])
def test_crop_forms(layer, expected):
    assert valid(yaml_spec("input: 10x10x3", layer)).output == (*expected, 3)


@pytest.mark.parametrize("layer", ["- crop: 12", "- crop: {left: 5, right: 5}", "- crop: {size: 4, left: 1}"])
def test_impossible_crops(layer):
    report = analyze(yaml_spec("input: 10x10x3", layer))
    assert not report.valid and len(report.diagnostics) == 1


# -- counts ----------------------------------------------------------------------------------------

COUNTS = [
    # (text, index of the row, expected fields)
    # Krizhevsky conv1, the notes: 11·11·3 = 363 weights per filter, 363·96 = 34,848 weights, 96 biases;
    # MACs 55·55·96 outputs · 363 = 290,400 · 363 = 105,415,200
    ("INPUT(227x227x3) -> CONV(96, 11, S=4)", 1,
     dict(weights=34_848, biases=96, params=34_944, macs=105_415_200, activations=290_400)),
    # the same without parameter sharing, the notes: 55·55·96 = 290,400 neurons, each 363 weights and a bias
    # -> 290,400 · 364 = 105,705,600 params
    ("INPUT(227x227x3) -> LOCAL(96, 11, S=4)", 1,
     dict(weights=105_415_200, biases=290_400, params=105_705_600, macs=105_415_200, activations=290_400)),
    # the notes' CIFAR-10 walkthrough: CONV(12, 3, P=1) on 32x32x3: 3·3·3·12 = 324 + 12; 32·32·12·27 = 331,776 MACs
    ("INPUT(32x32x3) -> CONV(12, 3, P=1)", 1, dict(weights=324, biases=12, params=336, macs=331_776)),
    # groups: 3·3·(8/4)·16 = 288 weights + 16; MACs 5·5·16 · 3·3·2 = 400 · 18 = 7,200
    ("INPUT(5x5x8) -> CONV(16, 3, P=1, groups=4)", 1, dict(weights=288, biases=16, params=304, macs=7_200)),
    # depthwise (MobileNet): 3·3·1·32 = 288, no bias; MACs 112·112·32 · 9 = 401,408 · 9 = 3,612,672
    ("INPUT(112x112x32) -> CONV(32, 3, P=1, groups=32, bias=false)", 1,
     dict(weights=288, biases=0, params=288, macs=3_612_672)),
    # ResNet's conv1 without bias: 7·7·3·64 = 9,408 (torchvision conv1.weight is 64x3x7x7);
    # MACs 112·112·64 · 147 = 802,816 · 147 = 118,013,952
    ("INPUT(224x224x3) -> CONV(64, 7, S=2, P=3, bias=false, rounding=floor)", 1,
     dict(weights=9_408, biases=0, params=9_408, macs=118_013_952)),
    # deconv with groups: F·F·D·(K/groups) = 3·3·4·3 = 108 weights + 6 biases; MACs W·H·D·F·F·(K/groups)
    # = 4·4·4 · 9 · 3 = 1,728
    ("INPUT(4x4x4) -> DECONV(6, 3, groups=2)", 1, dict(weights=108, biases=6, params=114, macs=1_728)),
    # deconv: 4·4·3·6 = 288 + 6; MACs 7·7·3 · 16 · 6 = 14,112
    ("INPUT(7x7x3) -> DECONV(6, 4, S=2, P=1)", 1, dict(weights=288, biases=6, params=294, macs=14_112)),
    # fc after a volume, VGG's first FC: 7·7·512 = 25,088 inputs · 4,096 = 102,760,448 weights + 4,096
    ("INPUT(7x7x512) -> FC(4096)", 1,
     dict(weights=102_760_448, biases=4_096, params=102_764_544, macs=102_760_448, activations=4_096)),
    # the walkthrough's FC(10) on 16x16x12: 3,072 · 10 + 10 = 30,730
    ("INPUT(16x16x12) -> FC(10)", 1, dict(weights=30_720, biases=10, params=30_730, macs=30_720)),
    # fc without bias: 4,096 · 1,000 = 4,096,000
    ("INPUT(1x1x4096) -> FC(1000, bias=false)", 1, dict(weights=4_096_000, biases=0, params=4_096_000)),
    # batchnorm 2D: γ and β per channel -> 64 + 64 params; running mean and variance 2·64 buffers
    ("INPUT(8x8x64) -> BN", 1, dict(weights=64, biases=64, params=128, buffers=128, macs=0, activations=4_096)),
    # pooling learns nothing: the notes' 224x224x64 -> 112x112x64, 802,816 activations
    ("INPUT(224x224x64) -> POOL(2, S=2)", 1, dict(weights=0, biases=0, params=0, macs=0, activations=802_816)),
    ("INPUT(224x224x64) -> POOL(2, S=2, mode=avg)", 1, dict(params=0, macs=0)),
    ("INPUT(7x7x512) -> GAP", 1, dict(params=0, macs=0, activations=512)),
    ("INPUT(7x7x512) -> RELU", 1, dict(params=0, macs=0, activations=25_088)),
    ("INPUT(7x7x512) -> FLATTEN", 1, dict(params=0, macs=0, activations=25_088)),
    ("INPUT(6x6x256) -> DROPOUT(0.5)", 1, dict(params=0, macs=0)),
    # the input row: 224·224·3 = 150,528 activations (the notes' "150K"), nothing else
    ("INPUT(224x224x3) -> RELU", 0, dict(params=0, weights=0, biases=0, macs=0, flops=0, activations=150_528)),
]


@pytest.mark.parametrize("text, index, expected", COUNTS)
def test_layer_counts(text, index, expected):
    report = analyze(text)
    assert report.valid, [d.message for d in report.diagnostics]
    row = report.rows[index]
    for key, value in expected.items():
        assert getattr(row, key) == value, key


@pytest.mark.parametrize("text", [c[0] for c in COUNTS])
def test_flops_at_least_twice_macs(text):
    report = analyze(text)
    for row in report.rows:
        assert row.flops >= 2 * row.macs


GROUPS = [
    # groups must divide the input depth: 3 is not divisible by 2
    ("INPUT(32x32x3) -> CONV(6, 3, groups=2)", "invalid-groups"),
    # groups must divide the filters: 8 is not divisible by 5
    ("INPUT(32x32x5) -> CONV(8, 3, groups=5)", "invalid-value"),
    ("INPUT(4x4x3) -> DECONV(6, 3, groups=2)", "invalid-groups"),
]


@pytest.mark.parametrize("text, code", GROUPS)
def test_groups_must_divide(text, code):
    report = analyze(text)
    assert codes(report) == [code]
    assert "groups" in report.diagnostics[0].message


# MobileNetV3's and EfficientNet's activations: the volume unchanged, nothing learned, one operation per
# element in cnncalc's count (8×8×4 = 256), and 0 under every peer but the two that patch F.silu
@pytest.mark.parametrize("name, module, peers", [
    ("silu", "nn.SiLU()", {"ptflops": 256, "calflops": 256}),
    ("hardswish", "nn.Hardswish()", {}),
    ("hardsigmoid", "nn.Hardsigmoid()", {}),
    ("mish", "nn.Mish()", {}),
    ("softplus", "nn.Softplus()", {}),
])
def test_modern_activations(name, module, peers, run_cli):
    spec = f"INPUT(8x8x4) -> {name.upper()}"
    row = analyze(spec).rows[1]
    assert (row.type, tuple(row.output), row.params, row.macs, row.flops) == (name, (8, 8, 4), 0, 0, 256)
    for convention in CONVENTION_NAMES:
        assert analyze(spec, convention=convention).rows[1].flops == peers.get(convention, 0), convention
    assert module in run_cli("export", spec).stdout



# Contract §8's norms, PReLU and drop_path on 8×8×4 (256 elements). cnncalc's own FLOPs: 4 per element for a
# normalisation (sum, squared difference, subtraction, division), 5 with affine; 1 for PReLU; 0 for drop_path.
# The peers' rules (read from each tool's source): fvcore and calflops 5·I with affine, 4·I without; ptflops
# GroupNorm and InstanceNorm 2·I / I and PReLU 2·O (hook and patched functional); thop InstanceNorm 4·I / 2·I,
# no GroupNorm rule (0), PReLU I; torchinfo the parameters; torchvision and Netscope 0.
NEW_TYPES = [
    ("GROUPNORM(2)", 8, 1280, {"fvcore": 1280, "ptflops": 512, "torchinfo": 8, "calflops": 1280}),
    ("GN(2, affine=false)", 0, 1024, {"fvcore": 1024, "ptflops": 256, "calflops": 1024}),
    ("INSTANCENORM", 0, 1024, {"fvcore": 1024, "ptflops": 256, "thop": 512, "calflops": 1024}),
    ("INSTANCENORM(affine=true)", 8, 1280, {"fvcore": 1280, "ptflops": 512, "thop": 1024, "torchinfo": 8,
                                            "calflops": 1280}),
    ("PRELU", 1, 256, {"ptflops": 512, "thop": 256, "torchinfo": 1, "calflops": 256}),  # one shared slope
    ("PRELU(false)", 4, 256, {"ptflops": 512, "thop": 256, "torchinfo": 4, "calflops": 256}),  # one per channel
    ("DROP_PATH(0.1)", 0, 0, {}),
    ("STOCHASTIC_DEPTH", 0, 0, {}),
]


@pytest.mark.parametrize("layer, params, flops, peers", NEW_TYPES)
def test_norms_prelu_and_drop_path(layer, params, flops, peers):
    spec = f"INPUT(8x8x4) -> {layer}"
    row = analyze(spec).rows[1]
    assert (tuple(row.output), row.params, row.macs, row.flops) == ((8, 8, 4), params, 0, flops)
    for convention in CONVENTION_NAMES:
        assert analyze(spec, convention=convention).rows[1].flops == peers.get(convention, 0), convention


def test_groupnorm_groups_divide_the_depth():
    report = analyze("INPUT(8x8x6) -> GROUPNORM(4)")
    assert codes(report) == ["invalid-groups"]
    assert report.diagnostics[0].suggestions == ("groups: 3", "groups: 2")  # the divisors of 6 nearest to 4


# Contract §8's layernorm and layer scale, and batchnorm's scale and center (Keras' names for γ and β), on
# 8×8×4 (256 elements). layernorm: γ and β per channel, 2·4 = 8 params, and 5 operations per element as for
# groupnorm (1,280), 4 without affine (1,024). layer_scale: a factor per channel, 4 weights, a multiply per
# element (256). batchnorm: γ 4 if scale, β 4 if center, the running mean and variance 2·4 = 8 buffers
# whatever they are; a scale and a shift per element once folded (512).
NORM_TYPES = [
    # (layer, weights, biases, buffers, flops)
    ("LAYERNORM", 4, 4, 0, 1280),
    ("LN(1e-6, false)", 0, 0, 0, 1024),
    ("LAYER_SCALE", 4, 0, 0, 256),
    ("BN", 4, 4, 8, 512),
    ("BN(scale=false)", 0, 4, 8, 512),
    ("BN(center=false)", 4, 0, 8, 512),
    ("BN(scale=false, center=false)", 0, 0, 8, 512),
]


@pytest.mark.parametrize("layer, weights, biases, buffers, flops", NORM_TYPES)
def test_layernorm_layer_scale_and_batchnorm_keys(layer, weights, biases, buffers, flops):
    row = analyze(f"INPUT(8x8x4) -> {layer}").rows[1]
    assert (tuple(row.output), row.weights, row.biases, row.buffers, row.macs, row.flops) == \
        ((8, 8, 4), weights, biases, buffers, 0, flops)


@pytest.mark.parametrize("spec, output, params", [
    ("INPUT(8x8x4) -> FC(10) -> LN", (1, 1, 10), 256 * 10 + 10 + 2 * 10),  # after fc, LayerNorm(10): 20 params
    ("INPUT(16x4) -> LN", (16, 4), 8),  # 1-D: the 4 channels at each of 16 positions
    ("INPUT(6x6x5x3) -> LAYER_SCALE", (6, 6, 5, 3), 3),  # 3-D: a factor per channel
])
def test_layernorm_and_layer_scale_in_any_dimension(spec, output, params):
    report = valid(spec)
    assert (tuple(report.output), report.totals.params) == (output, params)


def test_layernorm_exports_by_what_it_normalises(run_cli):
    # over the channels of a volume: the helper, as ConvNeXt's LayerNorm2d; after fc, PyTorch's own
    code = run_cli("export", "INPUT(8x8x4) -> LN(1e-6) -> FC(10) -> LN(affine=false)").stdout
    assert "ChannelLayerNorm(4, eps=1e-06)" in code and "nn.LayerNorm(10, elementwise_affine=False)" in code


@pytest.mark.parametrize("layer, modules", [
    ("BN", ["nn.BatchNorm2d(4)"]),
    ("BN(scale=false, center=false)", ["nn.BatchNorm2d(4, affine=False)"]),
    # PyTorch's affine is both γ and β: one of them is a helper beside an affine-free BatchNorm
    ("BN(scale=false)", ["nn.BatchNorm2d(4, affine=False)", "ChannelAffine(4, scale=False)"]),
    ("BN(center=false)", ["nn.BatchNorm2d(4, affine=False)", "ChannelAffine(4, center=False)"]),
])
def test_batchnorm_scale_and_center_export(layer, modules, run_cli):
    code = run_cli("export", f"INPUT(8x8x4) -> {layer}").stdout
    assert all(module in code for module in modules)
    assert ("class ChannelAffine" in code) == (len(modules) == 2)


# ShuffleNet's channel shuffle and split, and the pixel shuffles (depth to space and back), on 8×6×12: they move
# data and learn nothing (0 params, MACs and FLOPs). The receptive field of an output unit, per axis (size,
# jump): unchanged by a channel op; a pixel shuffle's output o is input ⌊o/r⌋, so the jump shrinks r times; a
# pixel unshuffle's output reads an r×r patch at steps of r, a window of r, stride r.
CHANNEL_TYPES = [
    ("CHANNEL_SHUFFLE(3)", (8, 6, 12), (1, 1)),  # the 12 channels in another order
    ("CHANNEL_SLICE(5)", (8, 6, 5), (1, 1)),  # channels 0 to 4
    ("CHANNEL_SLICE(12, 4)", (8, 6, 8), (1, 1)),  # channels 4 to 11: 12 − 4 = 8
    ("PIXEL_SHUFFLE(2)", (16, 12, 3), (1, 0.5)),  # 8·2 × 6·2 × 12/2²
    ("PIXEL_UNSHUFFLE(2)", (4, 3, 48), (2, 2)),  # 8/2 × 6/2 × 12·2²
]


@pytest.mark.parametrize("layer, output, field", CHANNEL_TYPES)
def test_channel_and_pixel_shuffles(layer, output, field):
    row = valid(f"INPUT(8x6x12) -> {layer}").rows[1]
    assert (tuple(row.output), row.params, row.macs, row.flops) == (output, 0, 0, 0)
    assert [(f.size, f.jump) for f in row.field] == [field, field]


@pytest.mark.parametrize("spec, output", [
    ("INPUT(16x12) -> CHANNEL_SHUFFLE(4)", (16, 12)),  # 1-D
    ("INPUT(6x6x4x12) -> CHANNEL_SLICE(8, 2)", (6, 6, 4, 6)),  # 3-D
    ("INPUT(8x6x12) -> FC(10) -> CHANNEL_SLICE(6)", (1, 1, 6)),  # the first 6 units of an fc
])
def test_channel_layers_in_any_dimension(spec, output):
    assert tuple(valid(spec).output) == output


def test_channel_layers_export(run_cli):
    code = run_cli("export", "INPUT(8x6x12) -> CHANNEL_SHUFFLE(3) -> CHANNEL_SLICE(10, 2) -> PIXEL_SHUFFLE(2) "
                             "-> PIXEL_UNSHUFFLE(2)").stdout
    for module in ("nn.ChannelShuffle(3)", "ChannelSlice(2, 10)", "nn.PixelShuffle(2)", "nn.PixelUnshuffle(2)",
                   "class ChannelSlice"):
        assert module in code


# pad: W + left + right along each axis (and H + top + bottom, T + front + back); it learns and computes
# nothing. PyTorch's bounds: a reflection pads less than the size, a circular pad at most the size.
@pytest.mark.parametrize("spec, output", [
    ("INPUT(8x6x3) -> PAD(1)", (10, 8, 3)),
    ("INPUT(8x6x3) -> PAD(1, zeros)", (10, 8, 3)),
    ("INPUT(8x6x3) -> PAD(1, constant, -1.5)", (10, 8, 3)),
    ("INPUT(8x6x3) -> PAD(2x1, reflect)", (12, 8, 3)),  # 8 + 2 + 2, 6 + 1 + 1
    ("INPUT(8x6x3) -> PAD(5x3, reflect)", (18, 12, 3)),  # 5 < 8, 3 < 6
    ("INPUT(8x6x3) -> PAD(6, circular)", (20, 18, 3)),  # 6 ≤ 6: around the height once
    ("INPUT(8x6x3) -> PAD(9, replicate)", (26, 24, 3)),  # the edge repeated: any amount
    (yaml_spec("input: 8x6x3", "- pad: {padding: {left: 1, bottom: 2}}"), (9, 8, 3)),
    ("INPUT(16x2) -> PAD(15, reflect)", (46, 2)),  # 1-D: 16 + 15 + 15
    ("INPUT(4x4x2x3) -> PAD(1x0x2)", (6, 4, 6, 3)),  # 3-D: 4 + 1 + 1, 4, 2 + 2 + 2
    ("INPUT(16x2) -> PAD(left=2)", (18, 2)),  # a causal pad, the sides as keys of their own: 16 + 2
    ("INPUT(4x4x2x3) -> PAD(top=1, back=3)", (4, 5, 5, 3)),  # 4, 4 + 1, 2 + 3
])
def test_pad(spec, output):
    row = valid(spec).rows[1]
    assert (tuple(row.output), row.params, row.macs, row.flops) == (output, 0, 0, 0)


@pytest.mark.parametrize("layer", ["PAD()", "PAD(1, left=1)"])
def test_pad_takes_padding_or_its_sides_but_not_both(layer, run_cli):
    result = run_cli("check", f"INPUT(8x2) -> {layer}")
    assert result.exit_code == 1
    assert "give either padding" in result.stderr and "or the sides to pad" in result.stderr


def test_pad_moves_the_first_unit_into_the_padding():
    # the first output unit is padding: 2 columns and 1 row before the input's first pixel
    row = valid(yaml_spec("input: 8x6x3", "- pad: {padding: {left: 2, top: 1}, mode: replicate}")).rows[1]
    assert [(f.size, f.jump, f.start) for f in row.field] == [(1, 1, -2), (1, 1, -1)]


@pytest.mark.parametrize("layer, modules", [
    ("PAD(1)", "nn.ZeroPad2d((1, 1, 1, 1))"),
    ("PAD(1, constant, 0.5)", "nn.ConstantPad2d((1, 1, 1, 1), 0.5)"),
    ("PAD(2x1, reflect)", "nn.ReflectionPad2d((2, 2, 1, 1))"),  # PyTorch's order: the width's sides first
    ("PAD(1, replicate)", "nn.ReplicationPad2d((1, 1, 1, 1))"),
    ("PAD(1, circular)", "nn.CircularPad2d((1, 1, 1, 1))"),
])
def test_pad_exports(layer, modules, run_cli):
    assert modules in run_cli("export", f"INPUT(8x6x3) -> {layer}").stdout


# upsample: a mode for each number of spatial axes, and an output size instead of a scale. The receptive field
# (nearest): output o repeats input ⌊o·W/W2⌋, so the jump is W/W2.
@pytest.mark.parametrize("spec, output, jump", [
    ("INPUT(8x3) -> UPSAMPLE(2, linear)", (16, 3), 0.5),
    ("INPUT(8x6x3) -> UPSAMPLE(2x3, bicubic)", (16, 18, 3), 0.5),  # the height's jump: 1/3
    ("INPUT(8x6x3) -> UPSAMPLE(output=20x9, mode=bilinear)", (20, 9, 3), Fraction(2, 5)),  # 8/20; the height's 6/9
    ("INPUT(8x6x4x3) -> UPSAMPLE(2, trilinear)", (16, 12, 8, 3), 0.5),
    ("INPUT(8x6x4x3) -> UPSAMPLE(output=4)", (4, 4, 4, 3), 2),  # 8/4: an output smaller than the input
])
def test_upsample_modes_and_output(spec, output, jump):
    row = valid(spec).rows[1]
    assert (tuple(row.output), row.params, row.flops, row.field[0].jump) == (output, 0, 0, jump)


def test_upsample_exports_a_size_or_a_scale(run_cli):
    code = run_cli("export", "INPUT(8x6x3) -> UPSAMPLE(output=20x9, mode=bilinear) -> UPSAMPLE(3) "
                             "-> UPSAMPLE(output=7)").stdout
    for module in ('nn.Upsample(size=(9, 20), mode="bilinear")', "nn.Upsample(scale_factor=3)",
                   "nn.Upsample(size=7)"):
        assert module in code
def test_normalization_keeps_a_mean_a_variance_and_a_count():
    # Keras' Normalization over 3 channels: mean (3), variance (3) and count (1) are kept, nothing learned;
    # a subtraction and a division per element: 2·8·8·3
    row = analyze("INPUT(8x8x3) -> NORMALIZATION").rows[1]
    assert (str(row.output), row.params, row.buffers, row.flops) == ("8×8×3", 0, 7, 384)
