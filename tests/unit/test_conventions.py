"""--convention NAME reproduces the FLOP figure each peer tool prints.

Every expected figure below came from a run of that tool (versions named) on torchvision 0.29.1's
vgg16(), resnet50() and googlenet(aux_logits=False, init_weights=False), eval mode, input
1×3×224×224, on 2026-11-21. torchvision's own figures are its weights' `_ops` metadata (the
"GFLOPS" column of its model tables), printed to 3 decimals; the integers behind them are
torch.utils.flop_counter.FlopCounterMode's count of those models, halved (it counts 2 per MAC).
Netscope reads Caffe prototxt, not PyTorch: its analyzer (dgschwend/netscope src/analyzer.coffee,
run under node) was given the same networks as Caffe layer lists, each BatchNorm as Caffe's
BatchNorm + Scale pair, so its figures are conv and fc MACs plus one multiply-add per element of
each Scale: 4,089,184,256 + 11,113,984 and 1,498,376,192 + 3,226,160.
"""
from __future__ import annotations

import json

import pytest

from cnncalc.model.layers.base import CONVENTION_NAMES
from conftest import ROOT, analyze

SPECS = {"vgg16": str(ROOT / "specs/vgg16-torchvision.yaml"), "resnet50": str(ROOT / "specs/resnet50.yaml"),
         "googlenet": str(ROOT / "specs/googlenet.yaml")}

PEERS = {
    # conv + linear MACs; the published 15.47, 4.089 and 1.498 GFLOPS round these
    "torchvision": {"vgg16": 15_470_264_320, "resnet50": 4_089_184_256, "googlenet": 1_498_376_192},
    # fvcore 0.1.5.post20221221, FlopCountAnalysis(model, x).total()
    "fvcore": {"vgg16": 15_470_289_408, "resnet50": 4_111_512_576, "googlenet": 1_504_878_688},
    # ptflops 0.7.5, get_model_complexity_info(..., backend="pytorch", as_strings=False)
    "ptflops": {"vgg16": 15_523_225_576, "resnet50": 4_132_436_968},
    # thop 0.1.1.post2209072238, profile(model, inputs=(x,))[0]
    "thop": {"vgg16": 15_470_314_496, "resnet50": 4_133_742_592, "googlenet": 1_511_332_032},
    # torchinfo 1.8.0, summary(model, input_data=x).total_mult_adds
    "torchinfo": {"vgg16": 15_483_821_032, "resnet50": 4_089_238_376, "googlenet": 1_498_391_752},
    # calflops 0.3.2, calculate_flops(model, input_shape=(1, 3, 224, 224))[0]; DeepSpeed 0.19.8 agrees
    "calflops": {"vgg16": 30_973_778_432, "resnet50": 8_211_108_352, "googlenet": 3_009_356_752},
    # Netscope (dgschwend/netscope's analyzer) macc total, BatchNorm written as Caffe's BatchNorm + Scale
    "netscope": {"vgg16": 15_470_264_320, "resnet50": 4_100_298_240, "googlenet": 1_501_602_352},
}


def flops(run_cli, spec: str, convention: str) -> dict:
    result = run_cli("check", "--format", "json", "--convention", convention, spec)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("convention, model", [(c, m) for c, figures in PEERS.items() for m in figures])
def test_each_convention_reproduces_its_peer(run_cli, convention, model):
    data = flops(run_cli, SPECS[model], convention)
    assert data["totals"]["flops"] == PEERS[convention][model]
    assert data["flops_convention"] == convention


def test_ptflops_counts_googlenet_functional_relu_once(run_cli):
    # ptflops 0.7.5 printed 1,513,907,448 for googlenet: torchvision's BasicConv2d calls F.relu,
    # which ptflops counts once, while an nn.ReLU module (vgg, resnet) is counted twice; a spec
    # cannot tell the two apart, so cnncalc counts the module: 3,226,160 ReLU elements more.
    data = flops(run_cli, SPECS["googlenet"], "ptflops")
    assert data["totals"]["flops"] == 1_513_907_448 + 3_226_160


def test_published_gflops_round_from_the_torchvision_convention(run_cli):
    published = {"vgg16": 15.47, "resnet50": 4.089, "googlenet": 1.498}
    for model, gflops in published.items():
        assert round(flops(run_cli, SPECS[model], "torchvision")["totals"]["flops"] / 1e9, 3) == gflops


def test_the_default_is_stated_in_every_output(run_cli):
    assert flops(run_cli, SPECS["resnet50"], "cnncalc")["flops_convention"] == "cnncalc"
    table = run_cli("check", SPECS["resnet50"]).stdout
    assert "cnncalc's count" in table
    markdown = run_cli("check", "--format", "markdown", "--convention", "fvcore", SPECS["resnet50"]).stdout
    assert "fvcore's count" in markdown


def test_a_convention_changes_flops_only(run_cli):
    default = flops(run_cli, SPECS["resnet50"], "cnncalc")
    fvcore = flops(run_cli, SPECS["resnet50"], "fvcore")
    for key in ("params", "macs", "activations"):
        assert default["totals"][key] == fvcore["totals"][key]


def test_an_unknown_convention_is_a_usage_error(run_cli):
    result = run_cli("check", "--convention", "flopz", SPECS["vgg16"])
    assert result.exit_code == 2
    assert "fvcore" in result.stderr  # the choices are listed


def test_vgg16_torchvision_matches_the_notes_vgg16_in_params_and_macs(run_cli):
    notes = flops(run_cli, str(ROOT / "specs/vgg16.yaml"), "cnncalc")["totals"]
    modules = flops(run_cli, SPECS["vgg16"], "cnncalc")["totals"]
    assert (notes["params"], notes["macs"]) == (modules["params"], modules["macs"]) == (138_357_544, 15_470_264_320)



# -- the peers' rules for contract §8's types, one layer at a time --------------------------------------------
# Each rule as read from the tool's source (README's table links it), worked by hand; a tool left out counts 0.
# On 8×8×4, I = O = 256 elements.
PEER_RULES = [
    # layernorm exports as ConvNeXt's LayerNorm2d, a subclass of nn.LayerNorm: fvcore's norm_flop_counter and
    # calflops' F.layer_norm count 5·I with a weight, 4·I without; ptflops and thop find no rule for a
    # subclass; torchinfo counts its parameters, 2·4
    ("INPUT(8x8x4) -> LN", {"fvcore": 1280, "calflops": 1280, "torchinfo": 8}),
    ("INPUT(8x8x4) -> LN(affine=false)", {"fvcore": 1024, "calflops": 1024}),
    # ConvNeXt's `x * gamma`: no tool patches `*`; Netscope's Scale layer, one per element
    ("INPUT(8x8x4) -> LAYER_SCALE", {"netscope": 256}),
    # batchnorm in eval: 2·I with PyTorch's affine (thop 4·I), I without it (thop 2·I); one of γ, β alone is
    # an affine-free BatchNorm and a helper whose `*` or `+` no tool counts, and whose parameter torchinfo
    # counts; Netscope: BatchNorm + Scale (I) with γ, else no Scale
    ("INPUT(8x8x4) -> BN", {"fvcore": 512, "ptflops": 512, "thop": 1024, "torchinfo": 8, "calflops": 512,
                            "netscope": 256}),
    ("INPUT(8x8x4) -> BN(center=false)", {"fvcore": 256, "ptflops": 256, "thop": 512, "torchinfo": 4,
                                          "calflops": 256, "netscope": 256}),
    ("INPUT(8x8x4) -> BN(scale=false)", {"fvcore": 256, "ptflops": 256, "thop": 512, "torchinfo": 4,
                                         "calflops": 256}),
    ("INPUT(8x8x4) -> BN(scale=false, center=false)", {"fvcore": 256, "ptflops": 256, "thop": 512,
                                                       "calflops": 256}),
    # moving data: ChannelShuffle, slicing, PixelShuffle and PixelUnshuffle have no rule in any tool (thop's
    # zero_ops for PixelShuffle); Netscope has no such Caffe layer
    ("INPUT(8x8x4) -> CHANNEL_SHUFFLE(2)", {}),
    ("INPUT(8x8x4) -> CHANNEL_SLICE(2)", {}),
    ("INPUT(8x8x4) -> PIXEL_SHUFFLE(2)", {}),
    ("INPUT(8x8x4) -> PIXEL_UNSHUFFLE(2)", {}),
    ("INPUT(8x8x4) -> PAD(1, reflect)", {}),  # fvcore ignores constant_pad_nd and has no handle for aten::pad
    # upsample, O output elements: fvcore's handles are upsample_nearest2d (O) and upsample_bilinear2d (4·O);
    # ptflops' hook counts O and its patched F.interpolate O again; thop 1, 5, 11, 259 per output element for
    # nearest, linear, bilinear, bicubic, and 0 for trilinear; calflops I with a scale (it drops the scale's
    # product), and the size it is given with size=, without N·C (an int size as itself)
    # 2-D, 2×: O = 16·16·4 = 1,024 from I = 256
    ("INPUT(8x8x4) -> UPSAMPLE", {"fvcore": 1024, "ptflops": 2048, "thop": 1024, "calflops": 256}),
    ("INPUT(8x8x4) -> UPSAMPLE(2, bilinear)", {"fvcore": 4096, "ptflops": 2048, "thop": 11 * 1024, "calflops": 256}),
    ("INPUT(8x8x4) -> UPSAMPLE(2, bicubic)", {"ptflops": 2048, "thop": 259 * 1024, "calflops": 256}),
    # 1-D: O = 16·4 = 64 from I = 32; fvcore has no 1-D handle
    ("INPUT(8x4) -> UPSAMPLE(2)", {"ptflops": 128, "thop": 64, "calflops": 32}),
    ("INPUT(8x4) -> UPSAMPLE(2, linear)", {"ptflops": 128, "thop": 5 * 64, "calflops": 32}),
    # 3-D: O = 16·16·16·4 = 16,384 from I = 2,048
    ("INPUT(8x8x8x4) -> UPSAMPLE(2, trilinear)", {"ptflops": 32768, "calflops": 2048}),
    # size=(20, 12) for 12×20×4: O = 960; calflops 12·20 = 240; size=12: O = 12·12·4 = 576, calflops 12
    ("INPUT(8x8x4) -> UPSAMPLE(output=12x20, mode=bilinear)", {"fvcore": 3840, "ptflops": 1920, "thop": 11 * 960,
                                                                "calflops": 240}),
    ("INPUT(8x8x4) -> UPSAMPLE(output=12)", {"fvcore": 576, "ptflops": 1152, "thop": 576, "calflops": 12}),
]


@pytest.mark.parametrize("spec, peers", PEER_RULES, ids=[spec.split("-> ", 1)[1] for spec, _ in PEER_RULES])
def test_each_peer_rule_of_the_new_types(spec, peers):
    for convention in CONVENTION_NAMES:
        assert analyze(spec, convention=convention).rows[-1].flops == peers.get(convention, 0), convention


# -- merge rows --------------------------------------------------------------------------------------------------
# A multiply is a `*` in forward(), as torchvision's SqueezeExcitation writes it: no module, and no peer but
# Netscope counts it (ptflops and calflops patch torch.mul, not Tensor.__mul__). Netscope reads Caffe, where a
# product with a per-channel gate is a Scale layer (macc = O, analyzer.coffee) and a product of equal volumes an
# Eltwise PROD, which its analyzer reads as a SUM (macc 0).
MULTIPLIES = ("input: 6x5x4\nlayers:\n"
              "  - multiply: [[], [gap, sigmoid]]\n"          # one gate on 6·5·4 = 120 elements
              "  - multiply: [[relu], [tanh]]\n"              # equal volumes
              "  - multiply: [[gap], [], [gmp]]\n"            # two gates
              "  - add: [[], []]\n"
              "  - concat: [[], []]\n")


@pytest.mark.parametrize("convention, merges", [
    ("cnncalc", [120, 120, 2 * 120, 120, 0]),  # (branches − 1)·O for multiply and add, 0 for concat
    ("netscope", [120, 0, 2 * 120, 0, 0]),
    *((peer, [0] * 5) for peer in ("torchvision", "fvcore", "ptflops", "thop", "torchinfo", "calflops")),
])
def test_merge_rows_under_each_convention(run_cli, tmp_path, convention, merges):
    path = tmp_path / "merges.yaml"
    path.write_text(MULTIPLIES)
    rows = flops(run_cli, str(path), convention)["layers"]
    assert [row["flops"] for row in rows if row["type"] in ("multiply", "add", "concat")] == merges
