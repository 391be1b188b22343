"""Volumes and per-axis pairs as a spec writes them (model/geometry.py; contract §1, §3, §8): every written
form, width first, one to three spatial axes, and the forms that are not volumes or pairs."""
from __future__ import annotations

import pytest

from conftest import analyze, codes, shape, valid, yaml_spec

# -- volumes: width × height × depth ------------------------------------------------------------

KRIZHEVSKY = "- conv: {filters: 96, kernel: 11, stride: 4}\n"  # 227 -> (227 − 11)/4 + 1 = 55


VOLUMES = [
    "input: 227x227x3",
    "input: 227×227×3",
    "input: 227 x 227 x 3",
    "input: [227, 227, 3]",
    "input: {width: 227, height: 227, depth: 3}",
    "input: {width: 227, height: 227, channels: 3}",
    "input: {depth: 3, height: 227, width: 227}",
]


@pytest.mark.parametrize("input_line", VOLUMES)
def test_every_volume_form(input_line):
    report = valid(yaml_spec(input_line, KRIZHEVSKY))
    assert report.input == (227, 227, 3)
    assert report.output == (55, 55, 96)


@pytest.mark.parametrize("line", ["INPUT(227x227x3)", "INPUT(227×227×3)", "INPUT(227, 227, 3)", "input(227x227x3)"])
def test_every_compact_input_form(line):
    report = valid(f"{line} -> CONV(96, 11, S=4)")
    assert report.input == (227, 227, 3)
    assert report.output == (55, 55, 96)


def test_input_with_three_arguments_equals_one_volume():
    a = valid("INPUT(32, 32, 3) -> CONV(8, 3) -> FC(10)")
    b = valid("INPUT(32x32x3) -> CONV(8, 3) -> FC(10)")
    assert shape(a) == shape(b)


def test_volumes_are_width_first():
    # 20 wide, 10 high: a 3x3 conv gives 18 wide, 8 high
    report = valid(yaml_spec("input: 20x10x3", "- conv: {filters: 4, kernel: 3}"))
    assert report.input.width == 20 and report.input.height == 10
    assert report.output == (18, 8, 4)
    assert valid(yaml_spec("input: {width: 20, height: 10, depth: 3}", "- relu")).input == (20, 10, 3)
    assert valid(yaml_spec("input: [20, 10, 3]", "- relu")).input == (20, 10, 3)


@pytest.mark.parametrize("input_line, volume", [
    ("input: 227x227", (227, 227)),                # contract §8: a 1-D volume, 227 long with 227 channels
    ("input: [227, 227]", (227, 227)),
    ("input: {width: 227, depth: 3}", (227, 3)),
    ("input: 227x227x16x3", (227, 227, 16, 3)),    # 16 frames: a 3-D volume
])
def test_volumes_of_one_to_three_spatial_axes(input_line, volume):
    report = valid(yaml_spec(input_line, "- relu"))
    assert report.input == volume and report.output == volume
    assert report.input.axes == len(volume) - 1


@pytest.mark.parametrize("input_line", [
    "input: 227",                          # a depth alone has no spatial axis
    "input: {width: 227, height: 227}",    # depth missing
    "input: {width: 227, height: 227, depth: 3, colour: 1}",
    "input: 0x227x3",                      # sizes are at least 1
    "input: [227, 227, 3.0]",              # a float where an integer is meant
    "input: [227, true, 3]",               # a boolean where an integer is meant
    "input: 227x227x16x3x1",               # 4 spatial axes
    "input: big",
])
def test_invalid_volumes(input_line):
    report = analyze(yaml_spec(input_line, "- relu"))
    assert codes(report) == ["invalid-value"]
    assert report.diagnostics[0].span.line == 1


# -- pairs: one integer, WxH (7x1 is 7 wide, 1 high), [w, h], {width, height} -------------------------

PAIRS = ["7x1", "7×1", "[7, 1]", "{width: 7, height: 1}", "{height: 1, width: 7}"]


@pytest.mark.parametrize("kernel", PAIRS)
def test_every_pair_form(kernel):
    # 7 wide, 1 high on 10x10: width (10 − 7) + 1 = 4, height (10 − 1) + 1 = 10; weights 7·1·2·3 = 42
    report = valid(yaml_spec("input: 10x10x2", f"- conv: {{filters: 3, kernel: {kernel}}}"))
    assert report.output == (4, 10, 3)
    assert report.rows[1].weights == 42


@pytest.mark.parametrize("key, value, expected", [
    # a kernel of 2 on 8x8, the pair set along one axis only
    ("stride", "2x1", (4, 7)),      # width (8 − 2)/2 + 1 = 4, height (8 − 2)/1 + 1 = 7
    ("stride", "[1, 2]", (7, 4)),
    ("padding", "1x0", (9, 7)),     # width (8 + 2 − 2) + 1 = 9, height (8 − 2) + 1 = 7
    ("padding", "{width: 0, height: 1}", (7, 9)),
    ("dilation", "1x3", (7, 5)),    # width (8 − 2) + 1 = 7, height span 3·1 + 1 = 4: (8 − 4) + 1 = 5
])
def test_pairs_for_each_windowed_parameter(key, value, expected):
    report = valid(yaml_spec("input: 8x8x1", f"- conv: {{filters: 1, kernel: 2, {key}: {value}}}"))
    assert report.output[:2] == expected


def test_scalar_pair_is_square():
    a = valid(yaml_spec("input: 9x9x1", "- conv: {filters: 1, kernel: 3}"))
    b = valid(yaml_spec("input: 9x9x1", "- conv: {filters: 1, kernel: 3x3}"))
    assert shape(a) == shape(b)


@pytest.mark.parametrize("params", ["{kernel: [[], 1]}", "{kernel: [1, []]}", "{kernel: [{}, 1]}",
                                    "{padding: [[1], 1]}", "{kernel: 2, dilation: [[], 1]}"])
def test_a_pair_holding_a_list_is_an_invalid_value(params):
    try:
        report = analyze(yaml_spec("input: 8x8x1", f"- pool: {params}"))
    except TypeError as exc:
        pytest.fail(f"TypeError: {exc}", pytrace=False)
    assert codes(report) == ["invalid-value"]
