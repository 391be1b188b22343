"""Issue 4: receptive fields, training memory, `sizes`, `explain`, budgets, `diff`, backward FLOPs and the
breakdown by layer type. Every expected number is worked out by hand in the comments or taken from a
cited publication."""
from __future__ import annotations

import json

import pytest

from conftest import SPECS, diagnostics_in, volume


def field(row: dict) -> tuple:
    """(size, jump, start) of a JSON row's receptive field along the width (the height must agree)."""
    width, height = row["receptive_field"]["width"], row["receptive_field"]["height"]
    assert width == height
    return width["size"], width["jump"], width["start"]


def last(rows: list[dict], kind: str) -> dict:
    return [row for row in rows if row["type"] == kind][-1]


# -- receptive fields ----------------------------------------------------------------------------------------
# Araujo, Norris and Sim, "Computing Receptive Fields of Convolutional Neural Networks", Distill 2019: through
# a layer of (dilated) kernel k, stride s and left padding p, r' = r + (k − 1)·j, j' = j·s, and the centre of
# the first unit's field moves by ((k − 1)/2 − p)·j (0 is the centre of the first input pixel).

def test_three_stacked_3x3_convs_see_7x7(check_json):
    # cs231n notes ("Prefer a stack of small filter CONV to one large receptive field CONV layer"): the
    # neurons of the third of three stacked 3x3 CONV layers have a 7x7 view of the input: 1 + 2 + 2 + 2
    _, data = check_json("INPUT(32x32x3) -> [CONV(8, 3, P=1) -> RELU]*3")
    convs = [row for row in data["layers"] if row["type"] == "conv"]
    assert [field(row)[:2] for row in convs] == [(3, 1), (5, 1), (7, 1)]
    assert field(data["layers"][-1])[:2] == (7, 1)  # a relu changes nothing


def test_vgg16_last_pool(check_json):
    # Distill 2019, Table 1, vgg_16: r = 212, S = 32, P = 90, so the centre of the first unit's field is
    # (r − 1)/2 − P = 105.5 − 90 = 15.5. By hand: 13 3x3 convs and 5 2x2 pools; r = 1 + 2·2·1 + 1·1 (pool1)
    # + 2·2·2 + 1·2 + 3·2·4 + 1·4 + 3·2·8 + 1·8 + 3·2·16 + 1·16 = 212, j = 2^5 = 32; the centre moves by
    # 0.5·j at each pool (padding 0), by 0 at each conv (padding 1): 0.5·(1 + 2 + 4 + 8 + 16) = 15.5
    _, data = check_json(str(SPECS / "vgg16.yaml"))
    assert field(last(data["layers"], "pool")) == (212, 32, 15.5)


def test_alexnet_last_pool(check_json):
    # Distill 2019, Table 1, alexnet_v2: r = 195, S = 32 (TF-slim's alexnet_v2 has the same kernels and
    # strides as torchvision's AlexNet; padding does not change r). By hand: conv 11/4: r = 11, j = 4;
    # pool 3/2: 11 + 2·4 = 19, j = 8; conv 5: 19 + 4·8 = 51; pool 3/2: 51 + 2·8 = 67, j = 16; three
    # conv 3: 67 + 3·2·16 = 163; pool 3/2: 163 + 2·16 = 195, j = 32. Centre: conv1 (5 − 2)·1 = 3, pool1 1·4,
    # conv2 (2 − 2)·8 = 0, pool2 1·8, conv3..5 (1 − 1)·16 = 0, pool3 1·16: 3 + 4 + 8 + 16 = 31
    _, data = check_json(str(SPECS / "alexnet.yaml"))
    assert field(last(data["layers"], "pool")) == (195, 32, 31)


def test_resnet50_last_block(check_json):
    # torchvision's resnet50 (ResNet "v1.5": the stride-2 of a stage is on the 3x3 conv of its first
    # block; every 3x3 conv has padding 1, the 1x1 convs add nothing). By hand:
    #   conv1 7/2:    r = 7,                j = 2
    #   maxpool 3/2:  r = 7 + 2·2 = 11,     j = 4
    #   layer1, 3 blocks, one 3x3 each at j = 4:            11 + 3·2·4 = 35
    #   layer2, first 3x3 has stride 2 and runs at j = 4:   35 + 2·4 = 43, j = 8; 3 more: 43 + 3·2·8 = 91
    #   layer3: 91 + 2·8 = 107, j = 16; 5 more: 107 + 5·2·16 = 267
    #   layer4: 267 + 2·16 = 299, j = 32; 2 more: 299 + 2·2·32 = 427
    # The shortcut's field (1x1 convs) is smaller, so each add takes the body's. Distill's Table 1 gives 483
    # for TF-slim's resnet_v1_50, a different network: slim puts the stride-2 unit last in each of its first
    # three blocks (and none in the fourth), so more 3x3 convs run at the larger jumps:
    # 11 + 3·8 = 35 (j 8), + 4·16 = 99 (j 16), + 6·32 = 291 (j 32), + 3·64 = 483.
    # Centre: every layer pads (k − 1)/2, so the first unit's field stays centred on pixel 0.
    _, data = check_json(str(SPECS / "resnet50.yaml"))
    final_add = last(data["layers"], "add")
    assert field(final_add) == (427, 32, 0)
    after = data["layers"][final_add["index"] + 1]  # the block's closing relu
    assert after["type"] == "relu" and field(after) == (427, 32, 0)


def test_field_through_dilation(check_json):
    # Yu and Koltun, "Multi-Scale Context Aggregation by Dilated Convolutions", ICLR 2016, section 2: 3x3
    # convs dilated 1, 2, 4 see 3x3, 7x7, 15x15 (2^(i+2) − 1): a 3x3 dilated by d spans 2d + 1
    _, data = check_json("INPUT(64x64x1) -> CONV(4, 3, P=1) -> CONV(4, 3, P=2, dilation=2) "
                         "-> CONV(4, 3, P=4, dilation=4)")
    assert [field(row)[:2] for row in data["layers"][1:]] == [(3, 1), (7, 1), (15, 1)]
    assert volume(data["output"]) == [64, 64, 4]


def test_field_through_padding_moves_only_the_centre(check_json):
    # a 5-wide window: r = 5 whatever the padding; the first window covers −P .. 4 − P, centred on 2 − P
    for padding, centre in ((0, 2), (1, 1), (2, 0)):
        _, data = check_json(f"INPUT(16x16x1) -> CONV(1, 5, P={padding})")
        assert field(data["layers"][1]) == (5, 1, centre)


def test_field_through_pooling(check_json):
    # pool 2/2: r = 2, j = 2, first window 0..1 centred on 0.5; conv 3 (no padding) then: r = 2 + 2·2 = 6,
    # j = 2, first unit reads pool units 0..2, centred on pool unit 1 = pixel 0.5 + 2 = 2.5
    _, data = check_json("INPUT(16x16x1) -> POOL(2) -> CONV(1, 3)")
    assert field(data["layers"][1]) == (2, 2, 0.5)
    assert field(data["layers"][2]) == (6, 2, 2.5)


def test_field_of_a_concat_is_its_largest_branch(check_json):
    # branches: a 1x1 conv (r = 1), two 3x3 convs (r = 5), a 3/1 pool padded 1 (r = 3): the concat shows 5
    text = ("input: 16x16x4\nlayers:\n  - concat:\n"
            "      - [conv: {filters: 2, kernel: 1}]\n"
            "      - [conv: {filters: 2, kernel: 3, padding: 1}, conv: {filters: 2, kernel: 3, padding: 1}]\n"
            "      - [maxpool: {kernel: 3, stride: 1, padding: 1}]\n")
    _, data = check_json(text)
    merge = last(data["layers"], "concat")
    assert field(merge) == (5, 1, 0)
    assert volume(merge["output"]) == [16, 16, 2 + 2 + 4]


# -- memory ----------------------------------------------------------------------------------------------------

def test_vgg16_inference_memory(check_json):
    # the cs231n notes' VGGNet rows add up to 15,237,608 activations; float32 is 4 bytes each. Inference peak
    # (src/cnncalc/memory.py): params and buffers plus the widest input + output of one layer, here
    # conv1_2: 224·224·64 in and out = 6,422,528; (6,422,528 + 138,357,544 params)·4 = 579,120,288
    _, data = check_json(str(SPECS / "vgg16.yaml"))
    memory = data["totals"]["memory"]
    assert data["totals"]["activations"] == 15_237_608
    assert memory["activations"] == 15_237_608 * 4
    assert memory["params"] == 138_357_544 * 4
    assert memory["gradients"] == memory["optimizer"] == 0
    assert memory["peak"] == 579_120_288


SMALL = "INPUT(8x8x3) -> CONV(4, 3, P=1) -> RELU -> FC(10)"
# activations: 8·8·3 + 8·8·4 + 8·8·4 + 10 = 192 + 256 + 256 + 10 = 714
# params: conv 3·3·3·4 + 4 = 112, fc 8·8·4·10 + 10 = 2,570; 2,682 in all


@pytest.mark.parametrize("optimizer, copies", [("adam", 2), ("momentum", 1), ("sgd", 0)])
def test_training_memory_by_hand(check_json, optimizer, copies):
    _, data = check_json(SMALL, "--training", "--optimizer", optimizer, "--batch", "8", "--dtype", "float16")
    assert (data["totals"]["activations"], data["totals"]["params"]) == (714, 2_682)
    memory = data["totals"]["memory"]
    activations = 714 * 2 * 8 * 2  # values and their gradients, a batch of 8, 2 bytes each: 22,848
    params = 2_682 * 2  # 5,364
    assert memory["activations"] == activations == 22_848
    assert memory["params"] == params == 5_364
    assert memory["gradients"] == params
    assert memory["optimizer"] == copies * params
    assert memory["buffers"] == 0
    assert memory["peak"] == activations + params + params + copies * params  # adam: 44,304
    assert data["memory_settings"]["bytes_per_element"] == 2


def test_batchnorm_buffers_are_memory_but_not_params(check_json):
    # bn over 8 channels: γ and β (16 params), running mean and variance (16 buffers); bfloat16: 2 bytes
    _, data = check_json("INPUT(4x4x8) -> BN", "--dtype", "bfloat16")
    totals = data["totals"]
    assert (totals["params"], totals["buffers"]) == (16, 16)
    assert totals["memory"]["buffers"] == 32 and totals["memory"]["params"] == 32


# -- sizes --------------------------------------------------------------------------------------------------
# U-Net (Ronneberger et al. 2015) fits a square input S when every pooled map is even: with S = 16k + 12 the
# contracting path goes S − 4 = 16k + 8 -> 8k + 4 − 4 = 8k -> 4k − 4 -> 2k − 6 -> k − 3 − 4 = k − 7 and the
# expansive path doubles and takes 4 off four times: 16k − 172 = S − 184 (572 -> 388, the paper's tile)

UNET_FITS = [s for s in range(500, 601) if s % 16 == 12]  # 508, 524, 540, 556, 572, 588


def test_unet_sizes(run_cli):
    result = run_cli("sizes", str(SPECS / "unet.yaml"), "--range", "500:600", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    listed = {entry["size"]: entry for entry in data["sizes"]}
    assert sorted(listed) == UNET_FITS
    assert volume(listed[572]["output"]) == [388, 388, 2]
    for size, entry in listed.items():
        assert volume(entry["input"]) == [size, size, 1]
        assert volume(entry["output"]) == [size - 184, size - 184, 2]


def test_unet_sizes_agree_with_check(run_cli):
    listed = {e["size"] for e in json.loads(run_cli("sizes", str(SPECS / "unet.yaml"), "--range", "500:600",
                                                    "--format", "json").stdout)["sizes"]}
    accepted = set()
    for size in range(500, 601):
        result = run_cli("check", str(SPECS / "unet.yaml"), "--input", f"{size}x{size}x1", "--format", "json")
        assert result.exit_code in (0, 1)
        if result.exit_code == 0:
            accepted.add(size)
            assert volume(json.loads(result.stdout)["output"]) == [size - 184, size - 184, 2]
    assert accepted == listed


# (W − 3)/2 is whole for odd W only, (H − 2)/2 for even H only: no square input fits
ODD_BY_EVEN = "INPUT(33x32x3) -> CONV(8, 3x2, S=2)"


def test_sizes_says_when_no_size_fits(run_cli):
    data = json.loads(run_cli("sizes", ODD_BY_EVEN, "--range", "10:15", "--format", "json").stdout)
    assert data["sizes"] == []
    text = run_cli("sizes", ODD_BY_EVEN, "--range", "10:15")
    assert text.exit_code == 0
    assert "no size from 10 to 15 fits" in text.stdout


def test_sizes_width_and_height_vary_one_side(run_cli):
    # widths 11, 13, 15 (height stays 32): (W − 3)/2 + 1 = 5, 6, 7 wide, (32 − 2)/2 + 1 = 16 high
    data = json.loads(run_cli("sizes", ODD_BY_EVEN, "--range", "10:15", "--width", "--format", "json").stdout)
    assert [(e["size"], volume(e["input"]), volume(e["output"])) for e in data["sizes"]] == [
        (11, [11, 32, 3], [5, 16, 8]), (13, [13, 32, 3], [6, 16, 8]), (15, [15, 32, 3], [7, 16, 8])]
    # heights 10, 12, 14 (width stays 33): (H − 2)/2 + 1 = 5, 6, 7 high, (33 − 3)/2 + 1 = 16 wide
    data = json.loads(run_cli("sizes", ODD_BY_EVEN, "--range", "10:15", "--height", "--format", "json").stdout)
    assert [(e["size"], volume(e["input"]), volume(e["output"])) for e in data["sizes"]] == [
        (10, [33, 10, 3], [16, 5, 8]), (12, [33, 12, 3], [16, 6, 8]), (14, [33, 14, 3], [16, 7, 8])]


def test_sizes_own_input_of_a_non_square_spec(run_cli):
    # INPUT(3x2x1) -> CONV(1, 3x2, S=2): (3 − 3)/2 + 1 = 1 wide, (2 − 2)/2 + 1 = 1 high: check accepts it
    spec = "INPUT(3x2x1) -> CONV(1, 3x2, S=2)"
    assert run_cli("check", spec).exit_code == 0
    data = json.loads(run_cli("sizes", spec, "--range", "1:4", "--format", "json").stdout)
    assert volume(data["own"]["output"]) == [1, 1, 1]


def test_resnet50_sizes_over_a_thousand_sizes(run_cli):
    # every stride-2 layer of the spec rounds down (rounding: floor) and every other layer keeps the size,
    # so every input from 100 to 1099 fits; the global pool makes each output 1x1x1000
    result = run_cli("sizes", str(SPECS / "resnet50.yaml"), "--range", "100:1099", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [e["size"] for e in data["sizes"]] == list(range(100, 1100))
    assert {tuple(volume(e["output"])) for e in data["sizes"]} == {(1, 1, 1000)}


def test_sizes_refuses_a_bad_range(run_cli):
    for span in ("600:500", "0:10", "abc", "1:100001"):
        result = run_cli("sizes", str(SPECS / "unet.yaml"), "--range", span)
        assert result.exit_code == 2, span
        assert "--range" in result.stderr and result.stdout == ""


# -- explain --------------------------------------------------------------------------------------------------

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


# -- budgets ---------------------------------------------------------------------------------------------------
# fc over 32·32·3 inputs: 3,072·1,000 + 1,000 = 3,073,000 params

OVER_BUDGET = "input: 32x32x3\nbudget: {params: 1M}\nlayers:\n  - fc: 1000\n"


def test_spec_over_its_budget(run_cli, tmp_path):
    path = tmp_path / "over.yaml"
    path.write_text(OVER_BUDGET, encoding="utf-8")
    result = run_cli("check", str(path), "--format", "json")
    assert result.exit_code == 1
    [diagnostic] = json.loads(result.stdout)["diagnostics"]
    assert diagnostic["code"] == "over-budget"
    assert (diagnostic["line"], diagnostic["column"]) == (2, 10)  # the key `params` in the budget mapping
    # 3,073,000 − 1,000,000 = 2,073,000
    assert "3,073,000" in diagnostic["message"] and "by 2,073,000" in diagnostic["message"]
    [line] = diagnostics_in(result.stderr)
    assert (line["source"], line["line"], line["column"], line["code"]) == (str(path), "2", "10", "over-budget")


def test_spec_under_its_budget(run_cli, tmp_path):
    path = tmp_path / "under.yaml"
    path.write_text(OVER_BUDGET.replace("1M", "3.1M"), encoding="utf-8")
    result = run_cli("check", str(path))
    assert result.exit_code == 0 and "over-budget" not in result.stderr


@pytest.mark.parametrize("flag, value, expected", [
    ("--max-params", "25M", "params 25,557,032 exceed the budget of 25,000,000 by 557,032"),
    ("--max-params", "25000000", "params 25,557,032 exceed the budget of 25,000,000 by 557,032"),
    ("--max-params", "25.6M", None),       # 25,600,000 > 25,557,032 (torchvision's resnet50 num_params)
    ("--max-params", "25557032", None),    # exactly at the limit: not over it
    ("--max-params", "25557031", "by 1 "),
    ("--max-macs", "4.1G", None),          # 4,100,000,000 > 4,089,184,256
    ("--max-macs", "4.08G", "macs 4,089,184,256 exceed the budget of 4,080,000,000 by 9,184,256"),
])
def test_limit_flags(run_cli, flag, value, expected):
    result = run_cli("check", str(SPECS / "resnet50.yaml"), flag, value)
    over = [d for d in diagnostics_in(result.stderr) if d["code"] == "over-budget"]
    if expected is None:
        assert result.exit_code == 0 and not over
    else:
        assert result.exit_code == 1 and len(over) == 1
        assert expected in result.stderr


def test_max_memory_in_binary_units(run_cli):
    # vgg16 training with SGD: (activations·batch·2 + params·2)·4 bytes;
    # batch 8: 15,237,608·64 + 138,357,544·8 = 975,206,912 + 1,106,860,352 = 2,082,067,264 <= 2 GiB
    # batch 9: 15,237,608·72 + 1,106,860,352 = 2,203,968,128, over 2 GiB = 2,147,483,648 by 56,484,480
    spec = str(SPECS / "vgg16.yaml")
    assert run_cli("check", spec, "--training", "--batch", "8", "--max-memory", "2GiB").exit_code == 0
    result = run_cli("check", spec, "--training", "--batch", "9", "--max-memory", "2GiB")
    assert result.exit_code == 1
    assert ("peak memory 2,203,968,128 bytes exceed the budget of 2,147,483,648 bytes by 56,484,480 bytes"
            in result.stderr)


def test_bad_limit_is_a_usage_error(run_cli):
    result = run_cli("check", str(SPECS / "lenet5.yaml"), "--max-params", "lots")
    assert result.exit_code == 2 and result.stdout == "" and "--max-params" in result.stderr


# -- diff -------------------------------------------------------------------------------------------------------
# torchvision's model pages (pytorch.org/vision/stable/models/generated/torchvision.models.resnet18.html and
# …resnet50.html): resnet18 num_params 11,689,512, GFLOPS 1.81; resnet50 25,557,032, 4.09. Their MACs by hand:
#   resnet18: conv1 112·112·64·7·7·3 = 118,013,952; layer1 4 convs 56·56·64·3·3·64 = 4·115,605,504;
#     layers 2–4 each: a strided 3x3 (57,802,752) + three 3x3 (3·115,605,504) + a 1x1 downsample (6,422,528)
#     = 411,041,792; fc 512,000 -> 118,013,952 + 462,422,016 + 3·411,041,792 + 512,000 = 1,814,073,344
#   resnet50: conv1 118,013,952; layer1 231,211,008 + 2·218,365,952 = 667,942,912;
#     layer2 372,506,624 + 3·218,365,952 = 1,027,604,480; layer3 372,506,624 + 5·218,365,952 = 1,464,336,384;
#     layer4 372,506,624 + 2·218,365,952 = 809,238,528; fc 2,048,000 -> 4,089,184,256
#   (a bottleneck that keeps the size: 1x1 in, 3x3, 1x1 out = 51,380,224 + 115,605,504 + 51,380,224 at
#   every stage; a first block with its downsample: 102,760,448 + 115,605,504 + 51,380,224 + 102,760,448)

def test_diff_resnet18_resnet50_json(run_cli):
    result = run_cli("diff", str(SPECS / "resnet18.yaml"), str(SPECS / "resnet50.yaml"), "--format", "json")
    assert result.exit_code == 0
    totals = json.loads(result.stdout)["totals"]
    assert totals["params"] == {"a": 11_689_512, "b": 25_557_032, "delta": 25_557_032 - 11_689_512}
    assert totals["macs"] == {"a": 1_814_073_344, "b": 4_089_184_256, "delta": 4_089_184_256 - 1_814_073_344}
    assert totals["params"]["delta"] == 13_867_520 and totals["macs"]["delta"] == 2_275_110_912


@pytest.mark.parametrize("fmt", ["markdown", "table"])
def test_diff_markdown_and_table(run_cli, fmt):
    result = run_cli("diff", str(SPECS / "resnet18.yaml"), str(SPECS / "resnet50.yaml"), "--format", fmt)
    assert result.exit_code == 0
    assert "+13,867,520" in result.stdout and "+2,275,110,912" in result.stdout
    if fmt == "markdown":
        assert "| params | 11,689,512 | 25,557,032 | +13,867,520 |" in result.stdout


def test_diff_of_a_spec_with_itself_is_empty(run_cli):
    spec = str(SPECS / "lenet5.yaml")
    data = json.loads(run_cli("diff", spec, spec, "--format", "json").stdout)
    assert data["layers"] == []
    assert all(entry["delta"] == 0 for entry in data["totals"].values())


# -- backward FLOPs ---------------------------------------------------------------------------------------------

def test_backward_flops(check_json):
    # conv 8·8·4 outputs · 3·3·3 taps = 6,912 MACs, 13,824 forward FLOPs; backward: the input's gradient and
    # the weights' gradient, each as costly as the forward pass: 27,648. relu: 256 elements once each way.
    # fc: 2,560 MACs, 5,120 FLOPs forward, 10,240 backward
    _, data = check_json(SMALL, "--training")
    conv, relu, fc = data["layers"][1:]
    assert (conv["flops"], conv["backward_flops"]) == (13_824, 27_648)
    assert (relu["flops"], relu["backward_flops"]) == (256, 256)
    assert (fc["flops"], fc["backward_flops"]) == (5_120, 10_240)
    assert data["totals"]["backward_flops"] == 27_648 + 256 + 10_240


# -- by type ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["resnet50", "googlenet", "mobilenet_v2"])
def test_by_type_sums_to_the_totals(check_json, name):
    _, data = check_json(str(SPECS / f"{name}.yaml"), "--by-type")
    by_type = data["by_type"]
    for key in ("params", "macs", "flops"):
        assert sum(group[key] for group in by_type.values()) == data["totals"][key], key
    assert sum(group["layers"] for group in by_type.values()) == len(data["layers"])
    for kind, group in by_type.items():
        rows = [row for row in data["layers"] if row["type"] == kind]
        assert group["layers"] == len(rows)
        assert group["params"] == sum(row["params"] for row in rows)


def test_by_type_in_the_table_and_markdown(run_cli):
    # lenet5: its 3 convs hold 156 + 2,416 + 48,120 = 50,692 params
    for fmt in ("table", "markdown"):
        result = run_cli("check", str(SPECS / "lenet5.yaml"), "--by-type", "--format", fmt)
        assert result.exit_code == 0
        conv = next(line for line in result.stdout.splitlines() if line.strip("| ").startswith("conv "))
        assert "50,692" in conv and " 3 " in conv
