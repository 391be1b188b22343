"""The spec zoo (specs/*.yaml) against its published sources: the cs231n notes' VGGNet table,
torchvision's published parameter counts and GFLOPS, and the papers' own figures."""
from __future__ import annotations

import csv
import functools
import io
import re

import pytest

import cnncalc
from conftest import SPECS, diagnostics_in

SPEC_FILES = sorted(SPECS.glob("*.yaml"))


@functools.lru_cache(maxsize=None)
def report(stem: str) -> cnncalc.Report:
    result = cnncalc.analyze(str(SPECS / f"{stem}.yaml"))
    assert result.valid, [d.message for d in result.diagnostics if d.is_error]
    return result


def weighted(stem: str) -> list[tuple[int, int, int]]:
    return [tuple(r.output) for r in report(stem).rows if r.type in ("conv", "local", "deconv", "fc")]


def test_the_zoo_is_there():
    assert {p.stem for p in SPEC_FILES} >= {"vgg16", "vgg16_bn", "resnet18", "resnet50", "alexnet", "googlenet",
                                            "mobilenet_v2", "squeezenet1_0", "densenet121", "unet",
                                            "resnext50_32x4d", "wide_resnet50_2", "inception_v3",
                                            "dcgan_generator", "r3d_18"}


@pytest.mark.parametrize("path", SPEC_FILES, ids=[p.stem for p in SPEC_FILES])
def test_every_spec_checks_clean(path, check_json):
    result, data = check_json(str(path))
    assert result.exit_code == 0, result.stderr
    assert data["valid"] is True
    assert not any(d["severity"] == "error" for d in data["diagnostics"])
    assert data["name"] == path.stem


@pytest.mark.parametrize("path", SPEC_FILES, ids=[p.stem for p in SPEC_FILES])
def test_every_spec_prints_no_warning_and_its_notes_only_with_verbose(path, run_cli):
    result = run_cli("check", str(path))
    assert result.exit_code == 0 and result.stderr == "" and "warning" not in result.stdout
    assert run_cli("check", "--strict", str(path)).exit_code == 0
    # each note is a border that a floor the spec writes drops, as PyTorch's own rounding does
    notes = [d for d in report(path.stem).diagnostics if d.is_note]
    assert all(d.code == "dropped-border" for d in notes)
    shown = diagnostics_in(run_cli("check", "-v", str(path)).stderr)
    assert [(f["severity"], f["code"]) for f in shown] == [("note", "dropped-border")] * len(notes)


def test_the_floor_specs_note_the_borders_they_drop():
    # the strided 1x1 shortcuts of the 2nd, 3rd and 4th stages (56 − 1)/2 + 1 = 28.5 -> 28 and so on; squeezenet's
    # conv1: (224 − 7)/2 + 1 = 109.5 -> 109, the last column and row unread
    found = {stem: sum(d.is_note for d in report(stem).diagnostics)
             for stem in ("resnet18", "resnet50", "resnext50_32x4d", "wide_resnet50_2", "r3d_18", "squeezenet1_0")}
    assert found == {"resnet18": 3, "resnet50": 3, "resnext50_32x4d": 3, "wide_resnet50_2": 3, "r3d_18": 3,
                     "squeezenet1_0": 1}


# torchvision's module tree (model.named_children() of each), as the specs' groups and names give it at --depth 1
TOP_LEVEL = {
    "resnet18": ["conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4", "avgpool", "flatten",
                 "fc"],
    "resnet50": ["conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4", "avgpool", "flatten",
                 "fc"],
    "alexnet": ["features", "avgpool", "flatten", "classifier"],
    "vgg16-torchvision": ["features", "avgpool", "flatten", "classifier"],
    "squeezenet1_0": ["features", "classifier", "flatten"],
    "mobilenet_v2": ["features", None, "flatten", "classifier"],  # the pool is F.adaptive_avg_pool2d in forward()
    "densenet121": ["features", None, None, "flatten", "classifier"],  # F.relu and the pool, in forward()
    "r3d_18": ["stem", "layer1", "layer2", "layer3", "layer4", "avgpool", "flatten", "fc"],
}


@pytest.mark.parametrize("stem", TOP_LEVEL)
def test_at_depth_1_the_torchvision_specs_show_torchvisions_modules(stem, run_cli):
    path = str(SPECS / f"{stem}.yaml")
    header, rule, *lines = run_cli("check", "--depth", "1", "--columns", "name,params", path).stdout.splitlines()[1:]
    lines = lines[:lines.index(rule)]
    name = header.index("Name")  # a column aligned left, then at least two spaces
    assert [line[name:].split("  ")[0] or None for line in lines] == [None, *TOP_LEVEL[stem]]  # the input first
    # the folded lines add up to the totals: in CSV, one line per node of the top level
    csv_lines = list(csv.DictReader(io.StringIO(run_cli("check", "--depth", "1", "--format", "csv", path).stdout)))
    assert len(csv_lines) == len(lines) and {line["level"] for line in csv_lines} == {"1"}
    for key in ("params", "weights", "biases", "macs", "flops", "activations", "buffers"):
        assert sum(int(line[key]) for line in csv_lines) == getattr(report(stem).totals, key), key


_CITATION = re.compile(r"https?://|arXiv|torchvision/|\b(19|20)\d\d\b|cs231n", re.IGNORECASE)


@pytest.mark.parametrize("path", SPEC_FILES, ids=[p.stem for p in SPEC_FILES])
def test_every_spec_opens_with_a_comment_citing_its_source(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("#"), "the first line is not a comment"
    header = []
    for line in lines:
        if not line.startswith("#"):
            break
        header.append(line)
    assert _CITATION.search("\n".join(header)), "the opening comment cites no source"
    assert path.stem in lines[0]


# -- VGG-16: the cs231n notes' table, row by row --------------------------------------------------------

# The notes' VGGNet table ("Case studies", https://cs231n.github.io/convolutional-networks/), each row
# as the notes write it: label, volume, memory = W*H*D, weights as a product. ReLUs are not rows there.
VGG_TABLE = """
INPUT:     [224x224x3]    memory: 224*224*3     weights: 0
CONV3-64:  [224x224x64]   memory: 224*224*64    weights: (3*3*3)*64
CONV3-64:  [224x224x64]   memory: 224*224*64    weights: (3*3*64)*64
POOL2:     [112x112x64]   memory: 112*112*64    weights: 0
CONV3-128: [112x112x128]  memory: 112*112*128   weights: (3*3*64)*128
CONV3-128: [112x112x128]  memory: 112*112*128   weights: (3*3*128)*128
POOL2:     [56x56x128]    memory: 56*56*128     weights: 0
CONV3-256: [56x56x256]    memory: 56*56*256     weights: (3*3*128)*256
CONV3-256: [56x56x256]    memory: 56*56*256     weights: (3*3*256)*256
CONV3-256: [56x56x256]    memory: 56*56*256     weights: (3*3*256)*256
POOL2:     [28x28x256]    memory: 28*28*256     weights: 0
CONV3-512: [28x28x512]    memory: 28*28*512     weights: (3*3*256)*512
CONV3-512: [28x28x512]    memory: 28*28*512     weights: (3*3*512)*512
CONV3-512: [28x28x512]    memory: 28*28*512     weights: (3*3*512)*512
POOL2:     [14x14x512]    memory: 14*14*512     weights: 0
CONV3-512: [14x14x512]    memory: 14*14*512     weights: (3*3*512)*512
CONV3-512: [14x14x512]    memory: 14*14*512     weights: (3*3*512)*512
CONV3-512: [14x14x512]    memory: 14*14*512     weights: (3*3*512)*512
POOL2:     [7x7x512]      memory: 7*7*512       weights: 0
FC:        [1x1x4096]     memory: 4096          weights: 7*7*512*4096
FC:        [1x1x4096]     memory: 4096          weights: 4096*4096
FC:        [1x1x1000]     memory: 1000          weights: 4096*1000
"""


def _product(expression: str) -> int:
    """`(3*3*64)*128` -> 73,728: the notes' arithmetic, done here rather than copied."""
    assert re.fullmatch(r"[\d*() ]+", expression)
    value = 1
    for factor in re.findall(r"\d+", expression):
        value *= int(factor)
    return value


def _vgg_rows() -> list[tuple[str, tuple[int, int, int], int, int]]:
    rows = []
    for line in VGG_TABLE.strip().splitlines():
        m = re.fullmatch(r"(\S+):\s+\[(\d+)x(\d+)x(\d+)\]\s+memory: (\S+)\s+weights: (\S+)", line)
        label, w, h, d, memory, weights = m.groups()
        rows.append((label, (int(w), int(h), int(d)), _product(memory), _product(weights)))
    return rows


VGG_ROWS = _vgg_rows()


def test_vgg16_has_the_notes_rows():
    assert len(report("vgg16").rows) == len(VGG_ROWS) == 22


@pytest.mark.parametrize("index", range(len(VGG_ROWS)), ids=[f"{i}-{r[0]}" for i, r in enumerate(VGG_ROWS)])
def test_vgg16_row_by_row(index):
    label, out, memory, weights = VGG_ROWS[index]
    row = report("vgg16").rows[index]
    assert tuple(row.output) == out
    assert row.activations == memory
    assert row.weights == weights
    assert row.label == label or (label == "FC" and row.label.startswith("FC-"))
    if row.type == "conv":
        assert row.biases == out[2]
        assert row.macs == memory * weights // out[2]   # W2·H2·K outputs · 3·3·D taps
    if row.type == "fc":
        assert row.macs == weights


def test_vgg16_totals():
    totals = report("vgg16").totals
    # the notes' rows summed: 138,344,128 weights ("TOTAL params: 138M parameters")
    assert totals.weights == sum(r[3] for r in VGG_ROWS) == 138_344_128
    # biases: 64·2 + 128·2 + 256·3 + 512·6 + 4096·2 + 1000 = 13,416; 138,344,128 + 13,416 = 138,357,544,
    # torchvision's VGG16_Weights.IMAGENET1K_V1 num_params
    assert totals.biases == 64 * 2 + 128 * 2 + 256 * 3 + 512 * 6 + 4096 * 2 + 1000 == 13_416
    assert totals.params == 138_357_544
    # the memory column summed (the notes round it to "24M" with the backward pass in mind)
    assert totals.activations == sum(r[2] for r in VGG_ROWS) == 15_237_608
    # MACs: each conv row's memory × 3·3·D taps, plus each FC's weights; torchvision publishes 15.47 GFLOPS
    macs = sum(m * w // o[2] for label, o, m, w in VGG_ROWS if label.startswith("CONV")) + \
        sum(w for label, _, _, w in VGG_ROWS if label == "FC")
    assert totals.macs == macs == 15_470_264_320


# -- torchvision's published numbers ----------------------------------------------------------------

# torchvision.models.<Model>_Weights.IMAGENET1K_V1.meta: "num_params" and "_ops" (GFLOPS, which are
# multiply-accumulates: torchvision counts one per weight use), and the docs' table of GFLOPS (`_ops` to two
# decimals, docs/source/conf.py); each at the input size its weights are evaluated at (their transforms' crop).
IMAGENET_224 = (224, 224, 3)
IMAGENET_CLASSES = (1, 1, 1000)
TORCHVISION = [
    # (spec, input, output, num_params, _ops, docs GFLOPS)
    ("vgg16", IMAGENET_224, IMAGENET_CLASSES, 138_357_544, 15.47, 15.47),
    ("vgg16_bn", IMAGENET_224, IMAGENET_CLASSES, 138_365_992, 15.47, 15.47),
    ("resnet50", IMAGENET_224, IMAGENET_CLASSES, 25_557_032, 4.089, 4.09),
    ("resnet18", IMAGENET_224, IMAGENET_CLASSES, 11_689_512, 1.814, 1.81),
    ("alexnet", IMAGENET_224, IMAGENET_CLASSES, 61_100_840, 0.714, 0.71),
    ("googlenet", IMAGENET_224, IMAGENET_CLASSES, 6_624_904, 1.498, 1.50),
    ("mobilenet_v2", IMAGENET_224, IMAGENET_CLASSES, 3_504_872, 0.301, 0.30),
    ("squeezenet1_0", IMAGENET_224, IMAGENET_CLASSES, 1_248_424, 0.819, 0.82),
    ("densenet121", IMAGENET_224, IMAGENET_CLASSES, 7_978_856, 2.834, 2.83),
    # torchvision 0.28.0, torchvision/models/resnet.py: ResNeXt50_32X4D_Weights and Wide_ResNet50_2_Weights
    ("resnext50_32x4d", IMAGENET_224, IMAGENET_CLASSES, 25_028_904, 4.23, 4.23),  # _ops 4.230, written 4.23
    ("wide_resnet50_2", IMAGENET_224, IMAGENET_CLASSES, 68_883_240, 11.398, 11.40),
    # the meta's three-decimal _ops (pytorch/vision#6936), as torchvision/models/efficientnet.py writes it
    ("efficientnet_b0", IMAGENET_224, IMAGENET_CLASSES, 5_288_548, 0.386, 0.39),
    # torchvision/models/mobilenetv3.py at 2f7f558158c83c8119a02cd2446d85cd3c4c20e9
    ("mobilenet_v3_large", IMAGENET_224, IMAGENET_CLASSES, 5_483_032, 0.217, 0.22),
    ("mobilenet_v3_small", IMAGENET_224, IMAGENET_CLASSES, 2_542_856, 0.057, 0.06),
    # torchvision/models/convnext.py at 086fe1f69de3f8ae4ce62fb45a633bb2a19cb02a
    ("convnext_tiny", IMAGENET_224, IMAGENET_CLASSES, 28_589_128, 4.456, 4.46),
    # torchvision/models/shufflenetv2.py at 0248e364188f25965c716a46ad3a08e222ca6d55
    ("shufflenet_v2_x1_0", IMAGENET_224, IMAGENET_CLASSES, 2_278_604, 0.145, 0.14),
    # torchvision/models/regnet.py: RegNet_Y_400MF_Weights.IMAGENET1K_V1 (the docs show 0.40)
    ("regnet_y_400mf", IMAGENET_224, IMAGENET_CLASSES, 4_344_144, 0.402, 0.40),
]


@pytest.mark.parametrize("stem, volume_in, volume_out, params, ops, gflops", TORCHVISION,
                         ids=[t[0] for t in TORCHVISION])
def test_torchvision_published_numbers(stem, volume_in, volume_out, params, ops, gflops):
    result = report(stem)
    assert result.totals.params == params
    assert round(result.totals.macs / 1e9, 3) == ops
    assert round(result.totals.macs / 1e9, 2) == gflops
    assert result.input == volume_in
    assert result.output == volume_out


def test_inception_v3_is_torchvisions_without_its_training_only_aux_head():
    # torchvision 0.28.0, torchvision/models/inception.py: Inception_V3_Weights.IMAGENET1K_V1.meta gives
    # num_params 27,161,264 and _ops 5.713 (5.71 in the docs), its transforms crop_size=299
    result = report("inception_v3")
    assert result.input == (299, 299, 3)
    assert result.output == (1, 1, 1000)
    # num_params counts the AuxLogits head: conv0 1x1 768->128 + BN, conv1 5x5 128->768 + BN, fc 768->1000
    aux_params = (768 * 128 + 2 * 128) + (5 * 5 * 128 * 768 + 2 * 768) + (768 * 1000 + 1000)
    assert result.totals.params == 27_161_264 - aux_params == 23_834_568
    # _ops does not: the head runs only in training (`if self.training` in Inception3._forward). On its
    # 17x17 -> 5x5 pooled map it would add 5·5·768·128 + 1·1·(5·5·128)·768 + 768·1000 MACs, making 5.719
    aux_macs = 5 * 5 * 768 * 128 + 5 * 5 * 128 * 768 + 768 * 1000
    assert round(result.totals.macs / 1e9, 3) == 5.713
    assert round(result.totals.macs / 1e9, 2) == 5.71
    assert round((result.totals.macs + aux_macs) / 1e9, 3) == 5.719
    # the "N x C x H x W" comments of Inception3._forward after each Mixed block
    mixed = [tuple(r.output) for r in result.rows if r.type == "concat" and "." not in (r.name or ".")]
    assert mixed == [(35, 35, 256), (35, 35, 288), (35, 35, 288)] + [(17, 17, 768)] * 5 + \
        [(8, 8, 1280), (8, 8, 2048), (8, 8, 2048)]


def test_r3d_18_of_torchvisions_video_models():
    # torchvision 0.28.0, torchvision/models/video/resnet.py: R3D_18_Weights.KINETICS400_V1.meta gives
    # num_params 33,371,472 and _ops 40.697 (40.70 in the docs) for a clip of 16 frames (clip_len=16)
    # cropped to 112x112 (crop_size=(112, 112)), into Kinetics-400's 400 classes
    result = report("r3d_18")
    assert result.input == (112, 112, 16, 3)
    assert result.output == (1, 1, 1, 400)
    assert result.totals.params == 33_371_472
    assert round(result.totals.macs / 1e9, 3) == 40.697
    assert round(result.totals.macs / 1e9, 2) == 40.70
    # the stem's (1, 2, 2) stride halves width and height only; layer2..4's stride 2 halves the frames too
    blocks = [tuple(r.output) for r in result.rows if r.type == "add"]
    assert blocks == [(56, 56, 16, 64)] * 2 + [(28, 28, 8, 128)] * 2 + [(14, 14, 4, 256)] * 2 + [(7, 7, 2, 512)] * 2
    # the 1x1x1 stride-2 downsamples skip the last column, row and frame: (56 − 1)/2 + 1 = 28.5 -> 28
    assert [d.code for d in result.diagnostics] == ["dropped-border"] * 3


def test_vgg16_bn_adds_batchnorm_parameters_only():
    # 13 BatchNorm2d layers, 2 params per channel: 2·(64·2 + 128·2 + 256·3 + 512·6) = 8,448;
    # 138,357,544 + 8,448 = 138,365,992 (torchvision's vgg16_bn num_params)
    plain, bn = report("vgg16").totals, report("vgg16_bn").totals
    assert bn.params - plain.params == 2 * (64 * 2 + 128 * 2 + 256 * 3 + 512 * 6) == 8_448
    assert bn.buffers == 8_448       # running mean and variance
    assert bn.macs == plain.macs


# -- the papers ----------------------------------------------------------------------------------------

def test_unet_figure_1():
    # Ronneberger et al., Fig. 1: 572x572x1 in, 388x388x2 out, "23 convolutional layers" in all
    result = report("unet")
    assert result.input == (572, 572, 1)
    assert result.output == (388, 388, 2)
    sizes = weighted("unet")
    assert len(sizes) == 23
    # the figure's maps: 570, 568 (64); 282, 280 (128); 138, 136 (256); 66, 64 (512); 30, 28 (1024);
    # up 56, then 54, 52 (512); up 104, 102, 100 (256); up 200, 198, 196 (128); up 392, 390, 388 (64); 388 (2)
    assert [s[0] for s in sizes] == [570, 568, 282, 280, 138, 136, 66, 64, 30, 28,
                                     56, 54, 52, 104, 102, 100, 200, 198, 196, 392, 390, 388, 388]
    assert [s[2] for s in sizes] == [64, 64, 128, 128, 256, 256, 512, 512, 1024, 1024,
                                     512, 512, 512, 256, 256, 256, 128, 128, 128, 64, 64, 64, 2]


def test_lenet5_figure_2_and_the_papers_counts():
    # LeCun et al. 1998, Fig. 2: C1 6@28x28, C3 16@10x10, C5 120, F6 84, output 10
    assert weighted("lenet5") == [(28, 28, 6), (10, 10, 16), (1, 1, 120), (1, 1, 84), (1, 1, 10)]
    params = [r.params for r in report("lenet5").rows if r.type in ("conv", "fc")]
    # section II.B: C1 has 156 trainable parameters (5·5·6 + 6), C5 48,120 (5·5·16·120 + 120),
    # F6 10,164 (120·84 + 84); C3 fully connected (the spec's stated choice): 5·5·6·16 + 16 = 2,416;
    # the output as fc: 84·10 + 10 = 850
    assert params == [156, 2_416, 48_120, 10_164, 850]
    assert report("lenet5").totals.params == 156 + 2_416 + 48_120 + 10_164 + 850 == 61_706


def test_alexnet_as_the_cs231n_notes_size_it():
    # conv1 (227 − 11)/4 + 1 = 55, pool (55 − 3)/2 + 1 = 27, conv2 27, pool 13, conv3..5 13, pool 6
    assert weighted("alexnet-cs231n") == [(55, 55, 96), (27, 27, 256), (13, 13, 384), (13, 13, 384),
                                          (13, 13, 256), (1, 1, 4096), (1, 1, 4096), (1, 1, 1000)]
    # 11·11·3·96+96 = 34,944; 5·5·96·256+256 = 614,656; 3·3·256·384+384 = 885,120;
    # 3·3·384·384+384 = 1,327,488; 3·3·384·256+256 = 884,992; 6·6·256·4096+4096 = 37,752,832;
    # 4096·4096+4096 = 16,781,312; 4096·1000+1000 = 4,097,000
    params = [r.params for r in report("alexnet-cs231n").rows if r.type in ("conv", "fc")]
    assert params == [34_944, 614_656, 885_120, 1_327_488, 884_992, 37_752_832, 16_781_312, 4_097_000]
    assert report("alexnet-cs231n").totals.params == 62_378_344
    assert report("alexnet-cs231n").rows[1].macs == 105_415_200   # the notes' conv1: 290,400 · 363


def test_zfnet_sizes_of_the_paper():
    # Zeiler and Fergus, Fig. 3: 110, 26, 13, 13, 13 after the convs, then 4096, 4096, 1000
    assert weighted("zfnet") == [(110, 110, 96), (26, 26, 256), (13, 13, 384), (13, 13, 384), (13, 13, 256),
                                 (1, 1, 4096), (1, 1, 4096), (1, 1, 1000)]


def test_cs231n_cifar10_example():
    # the notes: [32x32x3] -> CONV [32x32x12] -> RELU -> POOL [16x16x12] -> FC [1x1x10];
    # 3·3·3·12 + 12 = 336 and 16·16·12·10 + 10 = 30,730 -> 31,066
    result = report("cs231n-cifar10")
    assert [tuple(r.output) for r in result.rows] == [(32, 32, 3), (32, 32, 12), (32, 32, 12), (16, 16, 12),
                                                      (1, 1, 10)]
    assert result.totals.params == 31_066


def test_dcgan_generator_of_the_pytorch_tutorial():
    # pytorch/tutorials beginner_source/dcgan_faces_tutorial.py (7d4b657): nz = 100, ngf = 64, nc = 3; the
    # tutorial's comments give each state size: (ngf*8) x 4 x 4, (ngf*4) x 8 x 8, ... , (nc) x 64 x 64
    result = report("dcgan_generator")
    assert result.input == (1, 1, 100)
    assert weighted("dcgan_generator") == [(4, 4, 512), (8, 8, 256), (16, 16, 128), (32, 32, 64), (64, 64, 3)]
    # bias-free ConvTranspose2d(in, out, 4): 4·4·in·out weights; BatchNorm2d: 2 per channel
    pairs = [(100, 512), (512, 256), (256, 128), (128, 64), (64, 3)]
    assert result.totals.params == sum(4 * 4 * i * o for i, o in pairs) + 2 * (512 + 256 + 128 + 64) == 3_576_704
    # a transposed conv's MACs: every input position meets all 4·4 taps of every in-out pair
    inputs = [1 * 1, 4 * 4, 8 * 8, 16 * 16, 32 * 32]
    assert result.totals.macs == sum(n * 4 * 4 * i * o for n, (i, o) in zip(inputs, pairs)) == 104_628_224


def test_resnets_note_the_strided_shortcuts_border():
    # a 1x1 stride-2 shortcut on an even map skips the last column and row: (56 − 1)/2 + 1 = 28.5 -> 28
    for stem in ("resnet18", "resnet50", "resnext50_32x4d", "wide_resnet50_2"):
        notes = [d for d in report(stem).diagnostics if d.code == "dropped-border"]
        assert [d.path.rsplit(".", 2)[0] for d in notes] == ["layers[5].group[0]", "layers[6].group[0]",
                                                               "layers[7].group[0]"]  # layer2..layer4's first block
        assert all(d.is_note for d in notes)  # the floor is the spec's own


# -- today's CNNs (contract §8): names, squeeze-and-excitation, layer scale, channel shuffle, 1-D -----------

def names(stem: str, kind: str) -> list[str]:
    return [r.name for r in report(stem).rows if r.type == kind]


@pytest.mark.parametrize("stem", ["efficientnet_b0", "mobilenet_v3_large", "mobilenet_v3_small",
                                  "convnext_tiny", "shufflenet_v2_x1_0"])
def test_padded_floors_leave_no_input_pixel_unread(stem):
    # their strided layers floor over padding only: (224 + 2·1 − 3)/2 + 1 = 112.5 -> 112 drops a column of zeros
    assert [d.code for d in report(stem).diagnostics] == []


def test_efficientnet_b0_squeeze_widths():
    # MBConv's SqueezeExcitation squeezes to max(1, in // 4), `in` the block's input depth; settings (in, out, n)
    settings = [(32, 16, 1), (16, 24, 2), (24, 40, 2), (40, 80, 3), (80, 112, 3), (112, 192, 4), (192, 320, 1)]
    widths = [max(1, (cin if j == 0 else cout) // 4) for cin, cout, n in settings for j in range(n)]
    fc1 = [r.output[-1] for r in report("efficientnet_b0").rows if r.name and r.name.endswith(".fc1")]
    assert fc1 == widths == [8, 4, 6, 6, 10, 10, 20, 20, 20, 28, 28, 28, 48, 48, 48, 48]
    assert len(names("efficientnet_b0", "multiply")) == 16   # a gate in every MBConv
    # x + block(x) where the stride is 1 and the depth stays: 1 + 1 + 2 + 2 + 3 blocks after each stage's first
    assert names("efficientnet_b0", "add") == ["features.2.1", "features.3.1", "features.4.1", "features.4.2",
                                                "features.5.1", "features.5.2", "features.6.1", "features.6.2",
                                                "features.6.3"]


def _make_divisible(v: float, divisor: int = 8) -> int:
    # torchvision's rule: the nearest multiple of 8, at least 8, raised by 8 where that loses more than 10%
    rounded = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * v else rounded


@pytest.mark.parametrize("stem, expanded", [
    ("mobilenet_v3_large", [72, 120, 120, 480, 672, 672, 960, 960]),   # the expanded depths of the blocks with SE
    ("mobilenet_v3_small", [16, 96, 240, 240, 120, 144, 288, 576, 576]),
])
def test_mobilenet_v3_squeeze_widths(stem, expanded):
    rows = report(stem).rows
    fc1 = [r.output[-1] for r in rows if r.name and r.name.endswith(".fc1")]
    fc2 = [r.output[-1] for r in rows if r.name and r.name.endswith(".fc2")]
    assert fc1 == [_make_divisible(e // 4) for e in expanded]   # SqueezeExcitation(e, _make_divisible(e // 4, 8))
    assert _make_divisible(72 // 4) == 24 and _make_divisible(16 // 4) == 8   # 18 -> 16 would lose over 10%
    assert fc2 == expanded
    gates = [r for r in rows if r.type == "multiply"]
    assert len(gates) == len(expanded)
    assert all(g.output[:2] == g.input[:2] != (1, 1) for g in gates)   # the 1x1 gate broadcasts over the map


def test_names_are_torchvisions_module_paths():
    convs = names("mobilenet_v3_large", "conv")
    assert convs[:2] == ["features.0.0", "features.1.block.0.0"]
    assert [n for n in convs if n.startswith("features.4.")] == [
        "features.4.block.0.0", "features.4.block.1.0", "features.4.block.2.fc1", "features.4.block.2.fc2",
        "features.4.block.3.0"]
    assert names("mobilenet_v3_large", "fc") == ["classifier.0", "classifier.3"]
    # `{i}` in a repeat is the copy's number from 0: ConvNeXt's stages repeat identical blocks
    assert [n for n in names("convnext_tiny", "conv") if n.endswith(".block.0")] == [
        f"features.{stage}.{i}.block.0" for stage, blocks in ((1, 3), (3, 3), (5, 9), (7, 3)) for i in range(blocks)]


def test_convnext_tiny_by_hand():
    # CNBlock(d) on an s×s map: 7x7 depthwise conv (49d + d), LayerNorm (2d), Linear d -> 4d (4d² + 4d),
    # Linear 4d -> d (4d² + d), layer scale γ (d): 8d² + 58d parameters, s²·(49d + 8d²) MACs
    stages = [(96, 3, 56), (192, 3, 28), (384, 9, 14), (768, 3, 7)]   # (dim, blocks, map size)
    blocks = sum(n * (8 * d * d + 58 * d) for d, n, _ in stages)
    # downsampling: LayerNorm2d (2d) and a 2x2 stride-2 conv d -> 2d (8d² + 2d); the stem: a 4x4 stride-4
    # conv 3 -> 96 and LayerNorm2d; the head: LayerNorm2d(768) and Linear(768, 1000)
    downsampling = sum(8 * d * d + 4 * d for d, _, _ in stages[:3])
    stem, head = 4 * 4 * 3 * 96 + 96 + 2 * 96, 2 * 768 + 768 * 1000 + 1000
    result = report("convnext_tiny")
    assert result.totals.params == blocks + downsampling + stem + head == 28_589_128
    assert sum(r.params for r in result.rows if r.type == "layer_scale") == sum(n * d for d, n, _ in stages) == 6_624
    assert sum(r.params for r in result.rows if r.type == "layernorm") == 2 * (96 + 96 + 192 + 384 + 768) + \
        2 * sum(n * d for d, n, _ in stages)
    macs = (56 * 56 * 96 * 4 * 4 * 3 + sum(n * s * s * (49 * d + 8 * d * d) for d, n, s in stages)
            + sum((s // 2) ** 2 * 2 * d * 2 * 2 * d for d, _, s in stages[:3]) + 768 * 1000)
    assert result.totals.macs == macs == 4_455_531_264


def test_shufflenet_v2_splits_and_shuffles():
    rows = report("shufflenet_v2_x1_0").rows
    # every unit ends in channel_shuffle(out, 2): 4 + 8 + 4 units
    assert len([r for r in rows if r.type == "channel_shuffle"]) == 16
    # a stride-1 unit splits its input in halves, x.chunk(2, dim=1): 3 + 7 + 3 units, two slices each
    halves = [r.output[-1] for r in rows if r.type == "channel_slice"]
    assert halves == [58] * 6 + [116] * 14 + [232] * 6
    assert [r.output[-1] for r in rows if r.type == "concat"] == [116] * 4 + [232] * 8 + [464] * 4
    assert names("shufflenet_v2_x1_0", "pool") == ["maxpool"]


def test_regnet_y_400mf_runs_the_projection_first_and_warns_of_its_border():
    result = report("regnet_y_400mf")
    # add: [[proj…], [f…]]: the shortcut's rows come before the body's, as proj(x) + f(x) runs
    order = [r.name for r in result.rows]
    assert order.index("trunk_output.block1.block1-0.proj.0") < order.index("trunk_output.block1.block1-0.f.a.0")
    # proj, a 1x1 stride-2 conv on 112, 56, 28, 14: (112 − 1)/2 + 1 = 56.5 -> 56 skips the last row and column
    assert [d.code for d in result.diagnostics] == ["dropped-border"] * 4
    # SqueezeExcitation squeezes to round(0.25 · the block's input width); stages (width, blocks) from 32
    widths, width_in = [], 32
    for width, blocks in [(48, 1), (104, 3), (208, 6), (440, 6)]:
        widths += [round(0.25 * (width_in if j == 0 else width)) for j in range(blocks)]
        width_in = width
    assert [r.output[-1] for r in result.rows if r.name and r.name.endswith(".fc1")] == widths
    # the 3x3 convs are grouped by the group width 8: width / 8 groups of 8 channels
    assert [r.layer.groups for r in result.rows if r.name and r.name.endswith(".f.b.0")] == \
        [6] + [13] * 3 + [26] * 6 + [55] * 6


def test_wavenet_by_hand():
    samples, res, skip, classes = 16000, 32, 64, 256   # residual and skip channels; 8-bit mu-law classes
    dilations = [1, 2, 4, 8, 16, 32, 64, 128]
    result = report("wavenet")
    assert result.input == (samples, 1)
    assert result.output == (samples, classes)
    assert not result.diagnostics
    # every conv has a bias. The causal conv: kernel 2, 1 -> res. Each layer: the filter and the gate convs
    # (kernel 2, res -> res), the residual 1x1 conv (res -> res) and the skip 1x1 conv (res -> skip).
    # The head: 1x1 convs skip -> skip and skip -> classes.
    causal = 2 * 1 * res + res
    layer = 2 * (2 * res * res + res) + (res * res + res) + (res * skip + skip)
    head = (skip * skip + skip) + (skip * classes + classes)
    assert result.totals.params == causal + len(dilations) * layer + head == 79_520
    # every conv puts out all 16000 samples: each kernel-2 conv reads its input padded on the left by its dilation
    macs = samples * (2 * 1 * res + len(dilations) * (2 * 2 * res * res + res * res + res * skip)
                      + skip * skip + skip * classes)
    assert result.totals.macs == macs == 1_246_208_000
    pads = [tuple(r.output) for r in result.rows if r.type == "pad"]
    assert pads == [(samples + 1, 1)] + [(samples + d, res) for d in dilations]
    assert [tuple(r.output) for r in result.rows if r.type == "multiply"] == [(samples, res)] * len(dilations)
    # the receptive field: the causal conv's 2 samples, then d more for each dilated layer
    assert result.rows[-1].field[0].size == 2 + sum(dilations) == 257
