"""`cnncalc export`: the generated PyTorch module runs, and torch agrees with cnncalc's report.

For each spec: the output shape, the output shape of every module that stands for one layer
(convolutions, linear layers, pools, upsampling), the parameter count and the MACs (half of
FlopCounterMode's count, which leaves biases out as cnncalc does).
"""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from cnncalc import analyze
from cnncalc.cli import cli
from conftest import ONE_TO_ONE, SPECS, build, run_export, stands_for_a_row, tensor_volume, torch_input, torch_modules

torch, _, FlopCounterMode = torch_modules()  # Nones without torch: the tests marked `torch` are skipped then
# assert_agrees feeds a 2-D image: r3d_18's clip (112x112x16x3) waits for it to take N-d volumes; strict, so
# that the mark fails as soon as the harness takes the clip, and goes
ZOO = sorted(SPECS.glob("*.yaml"))

# Small specs that between them use every layer type, padding form, rounding and block. Inputs are
# not square, so a width/height swap shows.
SMALL_SPECS = {
    "paddings": """
        input: 17x13x4
        rounding: floor
        layers:
          - conv: {filters: 6, kernel: 3, padding: 1}                          # int
          - conv: {filters: 6, kernel: 5x3, padding: 2x1}                      # WxH
          - conv: {filters: 6, kernel: 3, padding: same}                       # same, stride 1
          - conv: {filters: 8, kernel: 3, stride: 2, padding: same}            # same, stride 2: 9x7
          - conv: {filters: 8, kernel: 2, padding: same}                       # same, even kernel: (0, 1)
          - conv: {filters: 8, kernel: 4x2, stride: 2x1, padding: same}        # same, uneven per axis
          - conv: {filters: 8, kernel: 3, padding: valid}
          - conv: {filters: 8, kernel: 3, padding: {left: 2, right: 0, top: 1, bottom: 3}}
          - conv: {filters: 8, kernel: 7x1, stride: [2, 1], padding: [3, 0]}
        """,
    "rounding": """
        input: 112x113x3
        rounding: exact
        layers:
          - maxpool: {kernel: 3, stride: 2, rounding: ceil}                    # 55.5 -> 56, 56 -> 56
          - avgpool: {kernel: 3, stride: 2, rounding: ceil}                    # 27.5 -> 28
          - conv: {filters: 4, kernel: 3, stride: 2, rounding: ceil}           # a conv rounded up: 13.5 -> 14
          - conv: {filters: 4, kernel: 3, stride: 2, rounding: floor}          # dropped border: 6.5 -> 6
          - l2pool: {kernel: 3, stride: 2, rounding: ceil}                     # 2.5 -> 3
          - upsample: 5x3
          - maxpool: {kernel: 2, stride: 2, padding: 1, rounding: ceil}        # 8.5 -> 9 -> 8: the last-window rule
        """,
    "ceil-rule": """
        input: 9x10x2
        rounding: ceil
        layers:
          - maxpool: 2                                                         # width 4.5 -> 5: 5x5
          - avgpool: {kernel: 2, stride: 2, padding: 1}                        # 3.5 -> 4 -> 3 by the last-window rule
          - maxpool: {kernel: 3, stride: 2, padding: {left: 1, right: 0, top: 0, bottom: 1}}
          - l2pool: {kernel: 2, stride: 1, padding: 1}
          - maxpool: {kernel: 2, padding: same}
        """,
    "block-rounding": """
        input: 20x15x3
        rounding: floor
        layers:
          - repeat: 2
            rounding: ceil
            layers: [maxpool: {kernel: 3, stride: 2}]                          # 20x15 -> 10x7 -> 5x3 (ceil)
          - residual: [avgpool: {kernel: 2, stride: 1, rounding: exact}, conv: {filters: 3, kernel: 2, padding: 1}]
        """,
    "dilation-groups": """
        input: 24x20x8
        layers:
          - conv: {filters: 16, kernel: 3, dilation: 2, padding: 2}
          - conv: {filters: 16, kernel: 3, dilation: 2x3, padding: same}
          - conv: {filters: 16, kernel: 3, padding: 1, groups: 4}
          - conv: {filters: 16, kernel: 3, stride: 2, padding: 1, groups: 16, rounding: floor}   # depthwise
          - conv: {filters: 32, kernel: 1, groups: 16, bias: false}
          - maxpool: {kernel: 3, stride: 1, dilation: 2, padding: 1}
        """,
    "deconv": """
        input: 7x5x8
        layers:
          - deconv: {filters: 8, kernel: 3, stride: 2, padding: 1, output_padding: 1}   # 14x10
          - deconv: {filters: 4, kernel: 3, stride: 2, padding: same}                   # 28x20
          - deconv: {filters: 4, kernel: 1, stride: 2, padding: same}                   # 56x40
          - deconv: {filters: 4, kernel: 4, stride: 2, padding: {left: 1, right: 2, top: 0, bottom: 1}}
          - deconv: {filters: 6, kernel: 3, dilation: 2, padding: 1, groups: 2, bias: false}
          - deconv: {filters: 6, kernel: 3x2, stride: 3x2, output_padding: 2x1}
        """,
    "heads": """
        input: 9x7x6
        layers:
          - bn: {eps: 0.001, momentum: 0.01}
          - lrn: {size: 3, alpha: 0.001, beta: 0.5, k: 2}
          - concat:
              - [gap, fc: 5]                                                   # ends N×C: unflattened to meet
              - [gmp, conv: {filters: 3, kernel: 1}]
          - fc: {units: 12, bias: false}
          - bn                                                                 # on N×C: BatchNorm1d
          - leaky_relu: {slope: 0.2}
          - dropout: 0.3
          - conv: {filters: 4, kernel: 1}                                      # back to N×C×1×1
          - residual: [fc: 4, relu]                                            # N×C body, N×C×1×1 shortcut
          - upsample: {scale: 4x2, mode: bilinear}
          - adaptive_pool: {output: 3x2, mode: max}
          - adaptive_pool: {output: 2}
          - flatten
          - fc: 3
          - softmax
        """,
    "activations": """
        input: 8x6x3
        layers: [relu, relu6, leaky_relu, elu, gelu, sigmoid, tanh, softmax, identity, dropout,
                 crop: 5x4, crop: {left: 1, right: 0, top: 0, bottom: 2}, upsample,
                 upsample: {scale: 1x2, mode: bicubic}, fc: 2, sigmoid]
        """,
    "norms": """
        input: 9x7x6
        layers:
          - layernorm
          - ln: {eps: 1e-6, affine: false}
          - layer_scale
          - bn: {scale: false}
          - bn: {center: false}
          - bn: {scale: false, center: false}
          - fc: 5
          - layernorm                                                          # on N×C: nn.LayerNorm
          - layer_scale
          - bn: {center: false}
          - conv: {filters: 4, kernel: 1}                                      # back to N×C×1×1
          - layernorm                                                          # the helper on a 1×1 map
        """,
    "channels": """
        input: 10x6x12
        layers:
          - channel_shuffle: 3
          - concat:
              - [channel_slice: 6]                                             # ShuffleNet's split
              - [channel_slice: {start: 6, stop: 12}, conv: {filters: 6, kernel: 1}]
          - pixel_shuffle: 2                                                   # 20x12x3
          - conv: {filters: 8, kernel: 1}
          - pixel_unshuffle: 4                                                 # 5x3x128
          - fc: 6
          - channel_slice: {start: 1, stop: 5}                                 # on N×C
          - channel_shuffle: 2                                                 # unflattened first
        """,
    "pads-upsamples": """
        input: 9x7x3
        layers:
          - pad: 1                                                             # 11x9
          - pad: {padding: {left: 2, right: 0, top: 1, bottom: 3}, mode: reflect}     # 13x13
          - pad: {padding: 3x1, mode: replicate}
          - pad: {padding: 2, mode: circular, name: wrap}
          - pad: {padding: {top: 1}, mode: constant, value: -1.5}
          - upsample: {output: 10x6, mode: bicubic}                            # smaller than its input
          - upsample: {scale: 2x3, mode: bilinear}
          - upsample: {output: 25}
          - conv: {filters: 4, kernel: 3}
        """,
    "one-d": """
        input: 40x3
        layers:
          - conv: {filters: 8, kernel: 5, padding: 2}
          - pad: {padding: 4, mode: reflect}                                   # 48
          - upsample: {scale: 2, mode: linear}                                 # 96
          - pad: {padding: {left: 3, right: 1}, mode: circular}                # 100
          - layernorm
          - channel_shuffle: 4
          - upsample: {output: 30}
          - pool: 3                                                            # 10
          - layer_scale
          - bn: {center: false}
          - fc: 5
        """,
    "three-d": """
        input: 10x8x4x6
        layers:
          - upsample: {scale: 2x1x2, mode: trilinear}                          # 20x8x8
          - pad: {padding: {left: 1, right: 1, front: 2, back: 0}}             # 22x8x10
          - layernorm: {eps: 1e-6}
          - channel_shuffle: 3
          - conv: {filters: 8, kernel: 3, stride: 2, rounding: floor}
          - pad: {padding: 1x1x2, mode: reflect}
          - channel_slice: {start: 2, stop: 6}
          - upsample: {output: 5x4x3}
          - bn: {scale: false}
          - gap
          - fc: 4
        """,
    "blocks": """
        input: 16x12x8
        layers:
          - repeat: 3
            layers: [conv: {filters: 8, kernel: 3, padding: 1}, bn, relu]
          - residual: [conv: {filters: 8, kernel: 3, padding: 1}, bn]
          - relu
          - residual: [conv: {filters: 16, kernel: 3, stride: 2, padding: 1}, bn]
            shortcut: [conv: {filters: 16, kernel: 1, stride: 2}]
            rounding: floor                                                    # 16x12 -> 8x6
          - add:
              - [conv: {filters: 16, kernel: 1}]
              - []
              - [conv: {filters: 16, kernel: 3, padding: same}, relu]
          - concat:
              - []
              - [conv: {filters: 4, kernel: 1}]
              - [maxpool: {kernel: 3, stride: 1, padding: 1}, conv: {filters: 4, kernel: 1}]
          - residual:
              - concat: [[conv: {filters: 12, kernel: 1}], [conv: {filters: 12, kernel: 3, padding: 1}]]
        """,
    "from-crop": """
        input: 20x18x3
        layers:
          - conv: {filters: 8, kernel: 3, id: enc1}                            # 18x16
          - maxpool: 2                                                         # 9x8
          - conv: {filters: 16, kernel: 3}
          - deconv: {filters: 8, kernel: 2, stride: 2}                         # 14x12
          - concat:
              - [from: enc1, crop: 14x12]
              - []
          - concat:
              - [conv: {filters: 4, kernel: 1, id: inner}]
              - [from: enc1, crop: {left: 2, right: 2, top: 1, bottom: 3}]
            id: merged
          - conv: {filters: 4, kernel: 3, padding: 1}
          - from: inner                                                        # the conv before is still run
          - add: [[], [from: merged, conv: {filters: 4, kernel: 1}]]
          - repeat: 2
            layers: [concat: [[], [from: inner]]]
        """,
    "squeeze-excitation": """
        input: 12x9x8
        layers:
          - conv: {filters: 16, kernel: 3, padding: 1, id: feat}
          - multiply:                                                          # N×16×1×1 broadcast by torch
              - []
              - [global_pool, conv: {filters: 4, kernel: 1}, relu, conv: {filters: 16, kernel: 1}, sigmoid]
            name: se
          - multiply:
              - [gap, fc: 4, relu, fc: 16, sigmoid]                            # N×C: unflattened to meet
              - []
          - multiply: [[relu], [tanh], [gmp, sigmoid]]                         # equal volumes and a gate
          - multiply: [[], [from: feat, gap, sigmoid]]                         # written out: a * b
          - gap
          - multiply: [[], [fc: 16, sigmoid]]                                  # 1×1 both
        """,
    "groups-names": """
        input: 15x11x3
        layers:
          - group: [conv: {filters: 8, kernel: 3, stride: 2, padding: 1, name: conv1}, bn: {name: bn1}, relu]
            name: stem                                                         # 8x6x8
          - repeat: 2
            layers:
              - group:
                  - residual: [conv: {filters: 8, kernel: 3, padding: 1, name: "layer1.{i}.conv1"}, bn]
                  - relu
                name: "layer1.{i}"
          - group: [conv: {filters: 8, kernel: 1}]
            id: g
          - add: [[], [from: g, conv: {filters: 8, kernel: 3, padding: 1}]]
          - group: [gap, fc: {units: 5, name: fc}]
        """,
}


def assert_agrees(spec: str, each_module: bool = True, **overrides: str) -> None:
    """`overrides`: --input and --rounding; `each_module` False: a module's output is not its
    layer's (a ConvTranspose2d, then a Crop)."""
    report = analyze(spec, **overrides)
    assert report.valid, report.diagnostics
    model = build(run_export(spec, *(item for key, value in overrides.items() for item in (f"--{key}", value))))
    shapes, axes = [], report.input.axes
    for module in model.modules():
        if stands_for_a_row(module):
            module.register_forward_hook(lambda _module, _args, out: shapes.append(tensor_volume(out, axes)))
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        out = model(torch_input(report.input))
    assert tensor_volume(out, axes) == tuple(report.output)
    if each_module:  # branches of a written-out block may run in another order: compare as multisets
        assert sorted(shapes) == sorted(tuple(r.output) for r in report.rows if r.type in ONE_TO_ONE[1])
    assert sum(p.numel() for p in model.parameters()) == report.totals.params
    assert counter.get_total_flops() == 2 * report.totals.macs


@pytest.mark.torch
@pytest.mark.parametrize("path", ZOO, ids=lambda p: p.stem)
def test_zoo_spec_exports_to_an_equivalent_model(path):
    assert_agrees(str(path))


@pytest.mark.torch
@pytest.mark.parametrize("name", SMALL_SPECS)
def test_small_spec_exports_to_an_equivalent_model(name, tmp_path):
    path = tmp_path / f"{name}.yaml"
    path.write_text(textwrap.dedent(SMALL_SPECS[name]))
    assert_agrees(str(path))


@pytest.mark.torch
@pytest.mark.parametrize("rounding", ["floor", "ceil"])
def test_rounding_option_reaches_the_pools(rounding):
    # width 12, kernel 3, stride 2: floor 5, ceil 6; the conv then gives 2 or 3
    assert_agrees("INPUT(12x11x2) -> POOL(3, S=2) -> CONV(2, 3, S=2)", rounding=rounding)


@pytest.mark.torch
def test_input_option_reaches_the_model():
    assert_agrees(str(SPECS / "lenet5.yaml"), input="36x40x1")  # the fc takes 2×3×120 inputs


@pytest.mark.torch
def test_compact_spec_and_its_ceil_pool():
    code = run_export("INPUT(112x112x3) -> POOL(3, S=2, rounding=ceil) -> FC(10)")
    assert "nn.MaxPool2d(3, stride=2, ceil_mode=True)" in code
    assert_agrees("INPUT(112x112x3) -> POOL(3, S=2, rounding=ceil) -> FC(10)")


def test_a_pool_that_asks_for_ceil_keeps_ceil_mode_where_it_changes_nothing():
    code = run_export(str(SPECS / "googlenet.yaml"))  # as torchvision builds its inception pools
    assert "nn.MaxPool2d(3, stride=1, padding=1, ceil_mode=True)" in code


def test_pool_padding_beyond_half_the_kernel_is_refused():
    # PyTorch takes at most half the undilated kernel (3 // 2 = 1 here), whatever the dilation
    spec = "INPUT(8x7x2) -> POOL(3, S=1, P=2, dilation=2)"
    assert not analyze(spec).valid
    result = CliRunner().invoke(cli, ["export", spec])
    assert result.exit_code == 1 and "class " not in result.stdout


@pytest.mark.torch
def test_an_avg_pool_over_fewer_frames_than_its_kernel_pads_first():
    # ATen's avg_pool3d refuses an input smaller than its kernel on any axis, whatever the padding: here 2
    # frames under a kernel of 3, padded by 1 to (2 + 2·1 − 3)/1 + 1 = 2 frames. A zero pad first averages
    # the same (PyTorch's padding zeros count in the average by default), and AvgPool3d takes it
    spec = "INPUT(8x8x2x3) -> AVGPOOL(3, S=1, P=1)"
    code = run_export(spec)
    assert "nn.ZeroPad3d((1, 1, 1, 1, 1, 1))" in code and "nn.AvgPool3d(3, stride=1)" in code
    assert_agrees(spec)
    assert "nn.AvgPool3d(3, stride=1, padding=1)" in run_export("INPUT(8x8x3x3) -> AVGPOOL(3, S=1, P=1)")


def test_pairs_are_written_height_first():
    code = run_export("INPUT(21x10x1) -> CONV(2, 7x1, S=2x1, P=3x0)")
    assert "nn.Conv2d(1, 2, (1, 7), stride=(1, 2), padding=(0, 3))" in code


@pytest.mark.torch
def test_same_deconv_at_stride_1_crops_what_padding_cannot():
    # kernel 2, stride 1: 'same' cuts 1 row and column, which symmetric padding cannot and an
    # output_padding (below the stride, 1) may not make up for
    code = run_export("INPUT(7x5x3) -> DECONV(4, 2, P=same)")
    assert "nn.ConvTranspose2d(3, 4, 2)" in code and "Crop((0, 0), (1, 1))" in code
    assert_agrees("INPUT(7x5x3) -> DECONV(4, 2, P=same)", each_module=False)


@pytest.mark.torch
def test_generated_script_runs_and_prints_shape_and_parameters(tmp_path):
    script = tmp_path / "model.py"
    script.write_text(run_export("INPUT(32x32x3) -> [CONV(16, 3, P=1) -> RELU]*2 -> POOL(2) -> FC(10)"))
    result = subprocess.run([sys.executable, "-W", "ignore", str(script)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert "output shape: (1, 10)" in result.stdout
    params = analyze("INPUT(32x32x3) -> [CONV(16, 3, P=1) -> RELU]*2 -> POOL(2) -> FC(10)").totals.params
    assert f"parameters: {params}" in result.stdout


def test_docstring_and_class_name(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text("name: squeezenet1_0-mini\ninput: 8x6x3\nlayers: [gap]\n")
    code = run_export(str(path))
    assert "class Squeezenet1_0Mini(nn.Module):" in code
    assert "Input volume 8×6×3" in code and "torch.randn(1, 3, 6, 8)" in code
    assert str(path) in code.split('"""')[1]


@pytest.mark.torch
@pytest.mark.parametrize(("name", "class_name"), [("concat", "ConcatNet"), ("None", "NoneNet"),
                                                  ('3d "u-net" \\ v2 """', "Net3dUNetV2")])
def test_any_name_gives_a_valid_class_and_docstring(name, class_name, tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(f"name: {name!r}\ninput: 8x6x3\nlayers: [concat: [[], []]]\n")
    model = build(run_export(str(path)))
    assert type(model).__name__ == class_name


def test_local_layer_is_refused_without_code():
    result = CliRunner().invoke(cli, ["export", "INPUT(8x8x3) -> LOCAL(4, 3) -> RELU -> LOCAL(2, 3)"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.count("error[export-unsupported]") == 2
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("spec", ["INPUT(10x10x3) -> CONV(4, 3, S=2)",   # non-integer output
                                  "INPUT(8x8x3) -> CONV(4, 3, groups=2)",  # groups do not divide the depth
                                  "INPUT(8x8x3) -> CNV(4, 3)"])            # unknown layer
def test_invalid_spec_writes_no_code(spec):
    result = CliRunner().invoke(cli, ["export", spec])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "error[" in result.stderr


def test_cnncalc_itself_never_imports_torch():
    probe = ("import sys, cnncalc, cnncalc.cli, cnncalc.render.pytorch as e; spec = 'INPUT(8x8x3) -> CONV(4, 3)'; "
             "e.export_pytorch(cnncalc.load(spec), cnncalc.analyze(spec)); print('torch' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "False", result.stderr
