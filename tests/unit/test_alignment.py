"""channels-not-aligned (engine/alignment.py): conv, deconv and fc layers whose channels are not the
multiples NVIDIA's tensor cores want (its Deep Learning Performance guides: 4 elements at TF32, 8 at
FP16 and BF16, 16 at INT8), judged per group; depthwise convolutions and the network input's
channels left alone."""
from __future__ import annotations

import pytest

import cnncalc
from cnncalc.engine.memory import MemorySettings
from conftest import diagnostics_in


def warned(spec: str, device: str = "a100", dtype: str = "float16") -> list[cnncalc.Diagnostic]:
    report = cnncalc.analyze(spec, memory=MemorySettings(dtype=dtype), device=device)
    assert report.valid
    return [d for d in report.diagnostics if d.code == "channels-not-aligned"]


def test_filters_that_are_not_a_multiple_of_8_at_float16():
    (found,) = warned("INPUT(32x32x8) -> CONV(36, 3, P=1)")
    assert found.severity.value == "warning" and found.path == "layers[0]"
    assert found.message.startswith("CONV3-36 has 36 output channels: at float16, the tensor cores of the NVIDIA "
                                    "A100 SXM 80GB want multiples of 8 (NVIDIA's guidance)")
    assert found.suggestions == ("filters: 32 or 40",)


def test_input_channels_are_judged_unless_they_come_straight_from_the_networks_input():
    assert warned("INPUT(32x32x3) -> CONV(32, 3, P=1)") == []  # an RGB image's 3
    assert warned("INPUT(32x32x3) -> BN -> RELU -> POOL(2) -> CONV(32, 3, P=1)") == []  # still the image's 3
    (found,) = warned("INPUT(32x32x8) -> CONV(36, 3, P=1) -> RELU -> CONV(32, 3, P=1)")[1:]
    assert found.path == "layers[2]" and found.message.startswith("CONV3-32 has 36 input channels")
    assert found.suggestions == ("32 or 40 input channels (the depth the layer before puts out)",)


def test_through_blocks_and_from():
    spec = ("input: 32x32x3\nlayers:\n"
            "  - concat: [[], [conv: {filters: 8, kernel: 1}]]\n"    # 3 + 8 = 11: not the input's any more
            "  - conv: {filters: 16, kernel: 1, id: c}\n"
            "  - concat: [[], []]\n"                                  # 3 + 3 of the input: still the input's
            "  - from: c\n"
            "  - conv: {filters: 16, kernel: 1}\n")
    report = cnncalc.analyze(spec, memory=MemorySettings(dtype="float16"), device="a100")
    found = [(d.path, d.message.split(":")[0], d.span.line) for d in report.diagnostics]
    assert found == [("layers[1]", "CONV1-16 has 11 input channels", 4)]


def test_grouped_convolutions_are_judged_per_group():
    (found,) = warned("INPUT(16x16x8) -> CONV(36, 1) -> CONV(96, 3, P=1, groups=4)")[1:]
    # 36 / 4 = 9 input channels and 96 / 4 = 24 output channels a group: the 9 is not a multiple of 8
    assert found.message.startswith("CONV3-96 has 9 input channels in each of its 4 groups")
    assert found.suggestions == ("32 or 64 input channels (the depth the layer before puts out)",)
    assert warned("INPUT(16x16x64) -> CONV(64, 3, P=1, groups=2)") == []  # 32 and 32 a group


def test_depthwise_convolutions_are_not_judged():
    assert warned("INPUT(16x16x36) -> CONV(36, 3, P=1, groups=36)") == []
    assert warned("INPUT(16x16x36) -> CONV(72, 3, P=1, groups=36)") == []  # a channel multiplier of 2


def test_deconv_and_fc():
    (deconv,) = warned("input: 8x8x16\nlayers: [deconv: {filters: 12, kernel: 2, stride: 2}]\n")
    assert deconv.suggestions == ("filters: 8 or 16",)
    (fc,) = warned("INPUT(1x1x100) -> RELU -> FC(10)", dtype="bfloat16")
    assert fc.message.startswith("FC-10 has 10 output channels")  # the 100 inputs are the network's own
    # the fc reads 8·8·12 = 768 values, a multiple of 8, and makes 16: only the conv's 12 is warned of
    assert [d.path for d in warned("INPUT(8x8x4) -> CONV(12, 1) -> FC(16)")] == ["layers[0]"]
    # at int8 an fc reading 5·5·8 = 200 values wants 192 or 208 (multiples of 16)
    (fc,) = warned("INPUT(7x7x4) -> CONV(16, 3) -> RELU -> CONV(8, 1) -> FC(16)", dtype="int8")[1:]
    assert fc.message.startswith("FC-16 has 200 input channels")
    assert fc.suggestions == ("an input of 192 or 208 values (W·H·D of the layer before)",)


def test_the_multiple_follows_the_dtype():
    assert warned("INPUT(8x8x8) -> CONV(36, 1)", dtype="tfloat32") == []  # 36 = 9 · 4
    assert warned("INPUT(8x8x8) -> CONV(10, 1)", dtype="tfloat32")[0].suggestions == ("filters: 8 or 12",)
    assert warned("INPUT(8x8x8) -> CONV(40, 1)", dtype="int8")[0].suggestions == ("filters: 32 or 48",)
    assert warned("INPUT(8x8x8) -> CONV(36, 1)", dtype="float32") == []  # no tensor cores at plain FP32


def test_no_warning_on_a_device_without_tensor_cores_or_without_a_device():
    assert warned("INPUT(8x8x8) -> CONV(36, 1)", device="epyc-9654", dtype="float32") == []
    report = cnncalc.analyze("INPUT(8x8x8) -> CONV(36, 1)", memory=MemorySettings(dtype="float16"))
    assert report.diagnostics == ()


def test_the_warning_is_positioned_and_leaves_the_status_0(run_cli, tmp_path):
    path = tmp_path / "net.yaml"
    path.write_text("input: 32x32x8\nlayers:\n  - relu\n  - conv: {filters: 100, kernel: 3}\n", encoding="utf-8")
    result = run_cli("check", path, "--device", "t4", "--dtype", "int8")
    assert result.exit_code == 0
    (line,) = diagnostics_in(result.stderr)
    assert (line["line"], line["column"], line["severity"], line["code"]) == \
        ("4", "5", "warning", "channels-not-aligned")
    assert "help: filters: 96 or 112" in result.stderr  # 100 between 6 · 16 and 7 · 16


@pytest.mark.parametrize("name", ["resnet50", "mobilenet_v2", "vgg16"])
def test_the_zoos_imagenet_networks_are_aligned(name):
    from conftest import SPECS

    assert warned(str(SPECS / f"{name}.yaml")) == []
