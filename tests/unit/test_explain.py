"""`cnncalc explain` (render/explain.py) and the terms the layers give it (model/layers/base.py's Term).

One case per kind of term, through the command line, in 1-D, 2-D and 3-D; the numbers are worked
out by hand in the comments.
"""
from __future__ import annotations

import pytest

from cnncalc import Volume
from cnncalc.layers import Conv
from cnncalc.model.layers.base import TERM_KINDS
from cnncalc.render.explain import LINES
from conftest import SPECS

ALEXNET_CONV1 = "INPUT(227x227x3) -> CONV(96, 11, S=4)"  # the cs231n notes' first layer
ALEXNET_FC = "INPUT(27x27x96) -> FC(1000)"
CONV_3D = "INPUT(16x16x8x3) -> CONV(8, 3, P=1) -> BN -> POOL(2)"
CONV_1D = "INPUT(100x1) -> CONV(8, 3) -> POOL(2) -> FC(4)"
LOCAL = "INPUT(16x16x3) -> LOCAL(4, 3)"

# kind -> (spec, the row's index, lines the row's explanation must have)
CASES = {
    # (227 − 11 + 2·0)/4 + 1 = 55, and the height alike; (16 − 3 + 2·1)/1 + 1 = 16, (8 − 3 + 2)/1 + 1 = 8;
    # 1-D: (100 − 3)/1 + 1 = 98, no height
    "size": [(ALEXNET_CONV1, 1, ["W2 = (227 − 11 + 2·0)/4 + 1 = 55", "H2 = W2 = 55"]),
             (CONV_3D, 1, ["W2 = (16 − 3 + 2·1)/1 + 1 = 16", "H2 = W2 = 16", "T2 = (8 − 3 + 2·1)/1 + 1 = 8"]),
             ("INPUT(16x8x3) -> CONV(4, 3)", 1, ["W2 = (16 − 3 + 2·0)/1 + 1 = 14", "H2 = (8 − 3 + 2·0)/1 + 1 = 6"]),
             (CONV_1D, 1, ["W2 = (100 − 3 + 2·0)/1 + 1 = 98"])],
    # ⌈7/2⌉ = 4; the windows need (4 − 1)·2 + 3 − 7 = 2 of padding, 1 on each side
    "same-padding": [("INPUT(7x7x3) -> CONV(4, 3, S=2, padding=same)", 1,
                      ["W2 = ⌈7/2⌉ = 4 (same padding: 1 before, 1 after)",
                       "H2 = ⌈7/2⌉ = 4 (same padding: 1 before, 1 after)"])],
    # (W − 1)·S − 2P + F + output_padding: (8 − 1)·2 − 0 + 3 + 0 = 17; (17 − 1)·2 − 2 + 3 + 1 = 34;
    # dilated 2, the window spans 2·(3 − 1) + 1 = 5: (8 − 1)·1 − 0 + 5 + 0 = 12
    "transposed-size": [("INPUT(8x8x3) -> DECONV(4, 3, S=2)", 1, ["W2 = (8 − 1)·2 − 0 + 3 + 0 = 17"]),
                        ("INPUT(17x17x4) -> DECONV(4, 3, S=2, P=1, output_padding=1)", 1,
                         ["H2 = (17 − 1)·2 − 2 + 3 + 1 = 34"]),
                        ("INPUT(8x8x8x4) -> DECONV(4, 3, dilation=2)", 1,
                         ["T2 = (8 − 1)·1 − 0 + (2·(3 − 1) + 1) + 0 = 12"])],
    # (15 − 4)/2 + 1 = 6.5, which ceil makes 7
    "rounded": [("INPUT(15x3) -> CONV(4, 4, S=2, rounding=ceil)", 1,
                 ["W2 = (15 − 4 + 2·0)/2 + 1 = 6.5", "not whole: rounded to 7"])],
    # channels 4 to 11: 12 − 4 = 8; 12/2² = 3; 12·2² = 48
    "depth": [(ALEXNET_CONV1, 1, ["D2 = K = 96"]), (CONV_3D, 3, ["D2 = D = 8"]),
              ("INPUT(8x6x12) -> CHANNEL_SLICE(12, 4)", 1, ["D2 = stop − start = 8"]),
              ("INPUT(8x6x12) -> PIXEL_SHUFFLE(2)", 1, ["W2×H2×D2 = 16×12×3", "D2 = D/r² = 3"]),
              ("INPUT(8x6x12) -> PIXEL_UNSHUFFLE(2)", 1, ["W2×H2×D2 = 4×3×48", "D2 = D·r² = 48"])],
    # 11·11·3·96 = 34,848; grouped, each filter sees 4/2 = 2 channels: 3·3·2·8 = 144; 3-D: 3·3·3·3·8 = 648
    "weights": [(ALEXNET_CONV1, 1, ["weights = F·F·D·K = 11·11·3·96 = 34,848"]),
                ("INPUT(32x32x4) -> CONV(8, 3, groups=2)", 1, ["weights = F·F·(D/groups)·K = 3·3·2·8 = 144"]),
                (CONV_3D, 1, ["weights = F·F·F·D·K = 3·3·3·3·8 = 648"]),
                (ALEXNET_FC, 1, ["weights = W·H·D·units = 27·27·96·1000 = 69,984,000"]),
                # a factor per channel; γ alone per channel
                ("INPUT(8x8x4) -> LAYER_SCALE", 1, ["weights = D = 4"]),
                ("INPUT(8x8x4) -> BN(center=false)", 1, ["weights = D = 4"])],
    # 14·14 positions, 4 filters each, of 3·3·3: 196·4·27 = 21,168
    "local-weights": [(LOCAL, 1, ["weights = W2·H2·K·F·F·D = 14·14·4·3·3·3 = 21,168 "
                                  "(a filter of its own at every position)"])],
    # a bias per filter; per filter and position for local: 14·14·4 = 784; per unit for fc
    "biases": [(ALEXNET_CONV1, 1, ["biases = K = 96"]), (LOCAL, 1, ["biases = W2·H2·K = 14·14·4 = 784"]),
               (ALEXNET_FC, 1, ["biases = units = 1,000"]),
               ("INPUT(8x8x4) -> BN(scale=false)", 1, ["biases = D = 4"])],
    "no-bias": [("INPUT(4x4x2) -> FC(3, bias=false)", 1, ["biases = 0 (bias: false)"]),
                ("INPUT(8x8x3) -> DECONV(4, 3, bias=false)", 1, ["biases = 0 (bias: false)"])],
    # 34,848 + 96 = 34,944; 1-D: 3·1·8 = 24 weights + 8 biases = 32
    "params": [(ALEXNET_CONV1, 1, ["params = 34,848 + 96 = 34,944"]), (CONV_1D, 1, ["params = 24 + 8 = 32"])],
    # 55·55·96 = 290,400 outputs of 11·11·3 = 363 MACs each: 105,415,200; a deconv's inputs each spread
    # over F·F·K outputs: 8·8·3·3·3·4 = 6,912; 1-D: 98·8·3·1 = 2,352
    "macs": [(ALEXNET_CONV1, 1, ["MACs = W2·H2·K·F·F·D = 55·55·96·11·11·3 = 105,415,200"]),
             ("INPUT(8x8x3) -> DECONV(4, 3, S=2)", 1, ["MACs = W·H·D·F·F·K = 8·8·3·3·3·4 = 6,912"]),
             (CONV_1D, 1, ["MACs = W2·K·F·D = 98·8·3·1 = 2,352"])],
    # the notes: 290,400 units, each with 363 weights and a bias: 290,400·364 = 105,705,600; without
    # biases, 30·30·8 = 7,200 units of 3·3·4 = 36 weights: 259,200, against 3·3·4·8 = 288 shared
    "unshared": [(ALEXNET_CONV1, 1, ["without parameter sharing (a local layer): W2·H2·K·(F·F·D + 1) = "
                                     "55·55·96·(11·11·3 + 1) = 105,705,600 params, instead of 34,944"]),
                 ("INPUT(32x32x4) -> CONV(8, 3, bias=false)", 1,
                  ["without parameter sharing (a local layer): W2·H2·K·(F·F·D) = 30·30·8·(3·3·4) = 259,200 "
                   "params, instead of 288"])],
    # γ and β for each of 8 channels: 16; the running mean and variance: 16 more
    "affine": [(CONV_3D, 2, ["params = 2·D = 2·8 = 16 (a scale γ and a shift β per channel)"]),
               ("INPUT(8x8x4) -> LN", 1, ["params = 2·D = 2·4 = 8 (a scale γ and a shift β per channel)"])],
    "buffers": [(CONV_3D, 2, ["buffers = 2·D = 16 (the running mean and variance, not learned)"])],
    "no-params": [(CONV_3D, 3, ["no parameters: a pool has nothing to learn"]),
                  ("INPUT(8x8x4) -> BN(scale=false, center=false)", 1,
                   ["no parameters: a batchnorm without scale or center has nothing to learn"])],
    "elementwise": [("INPUT(55x55x96) -> RELU", 1, ["W2×H2×D2 = W×H×D = 55×55×96 (elementwise: no parameters)"]),
                    ("INPUT(98x8) -> DROPOUT", 1, ["W2×D2 = W×D = 98×8 (elementwise: no parameters)"])],
    "same-volume": [(CONV_3D, 2, ["W2×H2×T2×D2 = W×H×T×D = 16×16×8×8"])],
    # a global pool leaves 1×1 of the depth; upsampling 2×3 makes 8×12 16×36
    "volume": [("INPUT(16x16x4) -> GAP", 1, ["W2×H2×D2 = 1×1×4"]),
               ("INPUT(8x12x3) -> UPSAMPLE(2x3)", 1, ["W2×H2×D2 = 16×36×3"]),
               ("INPUT(8x12x3) -> PAD(2x1)", 1, ["W2×H2×D2 = 12×14×3"])],  # 8 + 2 + 2, 12 + 1 + 1
    # 27·27·96 = 69,984 inputs; 1-D: the pool leaves 98/2 = 49 positions of 8: 392
    "dense": [(ALEXNET_FC, 1, ["W2×H2×D2 = 1×1×1000: every unit sees all 69,984 inputs"]),
              (CONV_1D, 3, ["W2×D2 = 1×4: every unit sees all 392 inputs"])],
}


def test_every_kind_of_term_has_its_wording_and_a_case():
    assert set(LINES) == set(TERM_KINDS) == set(CASES)


@pytest.mark.parametrize("spec, index, expected",
                         [case for cases in CASES.values() for case in cases],
                         ids=[kind for kind, cases in CASES.items() for _ in cases])
def test_each_kind_of_term_explained(spec, index, expected, run_cli):
    result = run_cli("explain", spec, "--layer", index)
    assert result.exit_code == 0, result.stderr
    shown = [line.removeprefix("    ") for line in result.stdout.splitlines()[1:]]
    assert [line for line in expected if line not in shown] == []


def test_a_layer_gives_numbers_and_symbols_not_sentences():
    terms = {t.kind: t for t in Conv(filters=96, kernel=11, stride=4).explain(Volume(227, 227, 3),
                                                                            Volume(55, 55, 96))}
    weights = terms["weights"]
    assert (weights.symbols, weights.factors, weights.value) == ("F·F·D·K", (11, 11, 3, 96), 34_848)
    assert terms["params"].factors == (34_848, 96) and terms["params"].value == 34_944
    assert terms["size"].factors.formula() == "(227 − 11 + 2·0)/4 + 1 = 55"


def test_a_whole_1d_explanation(run_cli):
    # 49·8 = 392 activations of 4 bytes: 1,568 B = 1.5 KiB; a window of 2 over the conv's 3 sees 3 + 1 = 4
    result = run_cli("explain", CONV_1D, "--layer", 2)
    assert result.stdout.splitlines() == [
        "[2] POOL2 (layers[1])",
        "    W2 = (98 − 2 + 2·0)/2 + 1 = 49",
        "    D2 = D = 8",
        "    no parameters: a pool has nothing to learn",
        "    activations = W2·D2 = 49·8 = 392 (1.5 KiB at 4 bytes each)",
        "    receptive field: 4 input pixels, jump 2",
    ]


def test_explain_alexnet_first_conv(run_cli):
    # the cs231n notes: (227 − 11)/4 + 1 = 55; 11·11·3·96 = 34,848 weights; without parameter sharing
    # 55·55·96 = 290,400 neurons each with 11·11·3 = 363 weights and 1 bias: 290,400·364 = 105,705,600
    result = run_cli("explain", str(SPECS / "alexnet-cs231n.yaml"), "--layer", "1")
    assert result.exit_code == 0
    assert "W2 = (227 − 11 + 2·0)/4 + 1 = 55" in result.stdout
    assert "weights = F·F·D·K = 11·11·3·96 = 34,848" in result.stdout
    assert "105,705,600" in result.stdout
    assert "[1]" in result.stdout and "[2]" not in result.stdout  # only the row asked for


def test_explain_rejects_a_row_out_of_range(run_cli):
    result = run_cli("explain", "INPUT(8x8x1) -> RELU", "--layer", "2")
    assert result.exit_code == 2 and "--layer" in result.stderr


def test_a_field_of_one_pixel_is_one_pixel(run_cli):
    # a ReLU on the input sees the one pixel under it
    result = run_cli("explain", "INPUT(8x8x3) -> RELU", "--layer", "1")
    assert "    receptive field: 1 input pixel, jump 1" in result.stdout.splitlines()



@pytest.mark.parametrize("spec, index, line", [
    # the gate, 1×1×4, is multiplied into each of the 6·5 positions of the 6×5×4 map
    ("input: 6x5x4\nlayers: [multiply: [[], [gap, sigmoid]]]\n", 3,
     "the branches are multiplied element by element, 1×1×4 broadcast over every position: W2×H2×D2 = 6×5×4"),
    ("input: 6x5x4\nlayers: [multiply: [[relu], []]]\n", 2,
     "the branches are multiplied element by element: W2×H2×D2 = 6×5×4"),
    ("input: 6x5x4\nlayers: [add: [[relu], []]]\n", 2, "the branches are summed element by element: W2×H2×D2 = 6×5×4"),
    ("input: 6x5x4\nlayers: [concat: [[relu], []]]\n", 2, "the branches are stacked along the depth: W2×H2×D2 = 6×5×8"),
])
def test_merge_rows_say_how_the_branches_are_joined(spec, index, line, run_cli):
    result = run_cli("explain", "-", "--layer", index, input=spec)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[1:] == [f"    {line}"]
