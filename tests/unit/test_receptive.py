"""Receptive fields (model/receptive.py): the size, jump and start of each row's field along each axis,
against published figures and worked out by hand in the comments."""
from __future__ import annotations

from conftest import SPECS, volume

# Araujo, Norris and Sim, "Computing Receptive Fields of Convolutional Neural Networks", Distill 2019: through
# a layer of (dilated) kernel k, stride s and left padding p, r' = r + (k − 1)·j, j' = j·s, and the centre of
# the first unit's field moves by ((k − 1)/2 − p)·j (0 is the centre of the first input pixel).


def field(row: dict) -> tuple:
    """(size, jump, start) of a JSON row's receptive field along the width (the height must agree)."""
    width, height = row["receptive_field"]["width"], row["receptive_field"]["height"]
    assert width == height
    return width["size"], width["jump"], width["start"]


def last(rows: list[dict], kind: str) -> dict:
    return [row for row in rows if row["type"] == kind][-1]


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
