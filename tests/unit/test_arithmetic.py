"""Sliding-window arithmetic (model/arithmetic.py) through the API: output sizes, rounding, the warnings and
errors it gives and the suggestions that fix them.

Every expected number is worked out by hand from the formulas of the contract (spec-format.md) and
the cs231n notes; the arithmetic is in the comments. Output size of a window along one axis:
    O = (W + P_lo + P_hi − d(F − 1) − 1)/S + 1        (the notes' (W − F + 2P)/S + 1 when d = 1)
"""
from __future__ import annotations

import re

import pytest
import yaml

import cnncalc
from cnncalc.model.arithmetic import same_padding
from conftest import analyze, codes


def output(text: str, **options) -> tuple[int, int, int]:
    report = analyze(text, **options)
    assert report.valid, [d.message for d in report.diagnostics]
    return tuple(report.output)


def one_layer_yaml(volume: str, kind: str, params: dict) -> str:
    return yaml.safe_dump({"input": volume, "layers": [{kind: params}]}, sort_keys=False)


# -- output sizes, exact rounding ----------------------------------------------------------------

EXACT = [
    # the notes: 7x7 input, 3x3 filter, stride 1, pad 0 -> 5x5; (7 − 3 + 0)/1 + 1 = 5
    ("INPUT(7x7x1) -> CONV(1, 3)", (5, 5, 1)),
    # the notes: with stride 2 -> 3x3; (7 − 3)/2 + 1 = 3
    ("INPUT(7x7x1) -> CONV(1, 3, S=2)", (3, 3, 1)),
    # the notes' demo: K=2, F=3, S=2, P=1 on 5x5x3; (5 − 3 + 2)/2 + 1 = 3
    ("INPUT(5x5x3) -> CONV(K=2, F=3, S=2, P=1)", (3, 3, 2)),
    # Krizhevsky et al. conv1: (227 − 11)/4 + 1 = 55
    ("INPUT(227x227x3) -> CONV(96, 11, S=4, P=0)", (55, 55, 96)),
    # the notes: F=5, P=2 keeps 32; (32 − 5 + 4)/1 + 1 = 32
    ("INPUT(32x32x3) -> CONV(12, 5, P=2)", (32, 32, 12)),
    # dilation 2: span 2·(3 − 1) + 1 = 5; (7 − 5)/1 + 1 = 3
    ("INPUT(7x7x1) -> CONV(1, 3, dilation=2)", (3, 3, 1)),
    # dilation 2 with P=2 keeps the size: (32 + 4 − 5)/1 + 1 = 32
    ("INPUT(32x32x1) -> CONV(1, 3, P=2, dilation=2)", (32, 32, 1)),
    # dilation 3, stride 2: span 3·2 + 1 = 7; (15 − 7)/2 + 1 = 5
    ("INPUT(15x15x1) -> CONV(1, 3, S=2, dilation=3)", (5, 5, 1)),
    # a 7x1 kernel is 7 wide, 1 high: width (10 − 7) + 1 = 4, height (10 − 1) + 1 = 10
    ("INPUT(10x10x1) -> CONV(1, 7x1)", (4, 10, 1)),
    # stride 2x1: width (9 − 3)/2 + 1 = 4, height (9 − 3)/1 + 1 = 7
    ("INPUT(9x9x1) -> CONV(1, 3, S=2x1)", (4, 7, 1)),
    # padding 1x0: width (10 − 3 + 2)/1 + 1 = 10, height (10 − 3)/1 + 1 = 8
    ("INPUT(10x10x1) -> CONV(1, 3, P=1x0)", (10, 8, 1)),
    # dilation 1x2: width (9 − 3) + 1 = 7, height span 5: (9 − 5) + 1 = 5
    ("INPUT(9x9x1) -> CONV(1, 3, dilation=1x2)", (7, 5, 1)),
    # padding valid = 0: (7 − 3) + 1 = 5
    ("INPUT(7x7x1) -> CONV(1, 3, padding=valid)", (5, 5, 1)),
    # pooling, the notes: 2x2 stride 2 halves 224 -> 112; (224 − 2)/2 + 1 = 112
    ("INPUT(224x224x64) -> POOL(2, S=2)", (112, 112, 64)),
    # a pool's stride defaults to its kernel: (9 − 3)/3 + 1 = 3
    ("INPUT(9x9x5) -> POOL(3)", (3, 3, 5)),
    # pool kernel defaults to 2: (8 − 2)/2 + 1 = 4
    ("INPUT(8x8x5) -> POOL", (4, 4, 5)),
    # the notes' overlapping pool F=3, S=2: (55 − 3)/2 + 1 = 27
    ("INPUT(55x55x96) -> POOL(3, S=2)", (27, 27, 96)),
]


@pytest.mark.parametrize("text, expected", EXACT)
def test_output_size_exact(text, expected):
    assert output(text) == expected


ASYMMETRIC = [
    # (input size, padding, kernel, stride, expected WxH)
    # left 0, right 1, top 2, bottom 1: width (10 + 0 + 1 − 3) + 1 = 9, height (10 + 2 + 1 − 3) + 1 = 11
    (10, {"left": 0, "right": 1, "top": 2, "bottom": 1}, 3, 1, (9, 11)),
    # stride 2, the extra one at the right and bottom only: (10 + 0 + 1 − 3)/2 + 1 = 5 both ways
    (10, {"left": 0, "right": 1, "top": 0, "bottom": 1}, 3, 2, (5, 5)),
    # sides left out default to 0: width (6 + 2 − 3) + 1 = 6, height (6 − 3) + 1 = 4
    (6, {"left": 2}, 3, 1, (6, 4)),
]


@pytest.mark.parametrize("size, padding, kernel, stride, expected", ASYMMETRIC)
def test_asymmetric_padding(size, padding, kernel, stride, expected):
    text = one_layer_yaml(f"{size}x{size}x1", "conv", {"filters": 1, "kernel": kernel, "stride": stride,
                                                         "padding": padding})
    assert output(text)[:2] == expected


SAME = [
    # TensorFlow's `same`: output ⌈W/S⌉ whatever the kernel
    ("INPUT(10x10x1) -> CONV(1, 3, S=2, padding=same)", (5, 5)),    # ⌈10/2⌉ = 5
    ("INPUT(7x7x1) -> CONV(1, 4, padding=same)", (7, 7)),           # ⌈7/1⌉ = 7 (an even kernel)
    ("INPUT(7x7x1) -> CONV(1, 3, S=2, padding=same)", (4, 4)),      # ⌈7/2⌉ = 4
    ("INPUT(224x224x3) -> CONV(64, 7, S=2, padding=same)", (112, 112)),  # ⌈224/2⌉ = 112
    ("INPUT(9x9x1) -> CONV(1, 3, dilation=2, padding=same)", (9, 9)),
    ("INPUT(3x3x1) -> CONV(1, 7, padding=same)", (3, 3)),           # a kernel larger than the input
    ("INPUT(10x10x1) -> CONV(1, 3, S=2x3, padding=same)", (5, 4)),  # ⌈10/2⌉ = 5, ⌈10/3⌉ = 4
    ("INPUT(11x11x1) -> POOL(3, S=2, padding=same)", (6, 6)),       # ⌈11/2⌉ = 6
]


@pytest.mark.parametrize("text, expected", SAME)
def test_same_padding_gives_ceil_of_size_over_stride(text, expected):
    assert output(text)[:2] == expected


SAME_PADDING = [
    # (W, F, S, d) -> (left, right): total max((⌈W/S⌉ − 1)·S + d(F − 1) + 1 − W, 0), the odd one at the right
    ((10, 3, 2, 1), (0, 1)),   # out 5: (4·2 + 3 − 10) = 1
    ((7, 4, 1, 1), (1, 2)),    # out 7: (6 + 4 − 7) = 3
    ((7, 3, 2, 1), (1, 1)),    # out 4: (3·2 + 3 − 7) = 2
    ((224, 7, 2, 1), (2, 3)),  # out 112: (111·2 + 7 − 224) = 5
    ((9, 3, 1, 2), (2, 2)),    # out 9: (8 + 5 − 9) = 4
    ((8, 1, 2, 1), (0, 0)),    # out 4: (3·2 + 1 − 8) = −1 -> 0
]


@pytest.mark.parametrize("axis, sides", SAME_PADDING)
def test_same_padding_puts_the_extra_one_at_the_end(axis, sides):
    assert same_padding(*axis) == sides


def test_same_padding_agrees_with_the_equivalent_explicit_padding():
    # ⌈10/2⌉ = 5 either way: `same` pads 0 left and 1 right for F=3, S=2 on 10
    explicit = one_layer_yaml("10x10x4", "conv", {"filters": 8, "kernel": 3, "stride": 2,
                                                  "padding": {"left": 0, "right": 1, "top": 0, "bottom": 1}})
    same = one_layer_yaml("10x10x4", "conv", {"filters": 8, "kernel": 3, "stride": 2, "padding": "same"})
    a, b = analyze(explicit), analyze(same)
    assert a.valid and b.valid
    assert a.output == b.output == (5, 5, 8)
    assert a.totals == b.totals


# -- rounding ------------------------------------------------------------------------------------

ROUNDED = [
    # (text, rounding, expected WxH)
    # (10 − 3)/2 + 1 = 4.5: floor 4, ceil 5 ((5 − 1)·2 = 8 < 10 + 0, so the last window stays)
    ("INPUT(10x10x1) -> CONV(1, 3, S=2)", "floor", (4, 4)),
    ("INPUT(10x10x1) -> CONV(1, 3, S=2)", "ceil", (5, 5)),
    # (112 + 2 − 3)/2 + 1 = 56.5: floor 56 (PyTorch's ResNet max pool)
    ("INPUT(112x112x64) -> POOL(3, S=2, P=1)", "floor", (56, 56)),
    # (112 − 3)/2 + 1 = 55.5: ceil 56 (Caffe); (56 − 1)·2 = 110 < 112, kept
    ("INPUT(112x112x64) -> POOL(3, S=2)", "ceil", (56, 56)),
    # PyTorch's ceil rule, pooling_output_shape: W=5, F=2, S=2, P=1
    #   div_rtn(5 + 2 − 1·(2 − 1) − 1 + (2 − 1), 2) + 1 = 6//2 + 1 = 4,
    #   then (4 − 1)·2 = 6 >= W + P = 6: the last window would start in the right padding -> 3
    ("INPUT(5x5x1) -> POOL(2, S=2, P=1)", "ceil", (3, 3)),
    ("INPUT(5x5x1) -> POOL(2, S=2, P=1)", "floor", (3, 3)),         # 5//2 + 1 = 3
    # W=8, F=3, S=3, P=1: ⌈7/3⌉ + 1 = 4, (4 − 1)·3 = 9 >= 8 + 1 -> 3; floor 7//3 + 1 = 3
    ("INPUT(8x8x1) -> POOL(3, S=3, P=1)", "ceil", (3, 3)),
    # W=8, F=3, S=3, P=0: ⌈5/3⌉ + 1 = 3, (3 − 1)·3 = 6 < 8, kept; floor 5//3 + 1 = 2
    ("INPUT(8x8x1) -> POOL(3, S=3)", "ceil", (3, 3)),
    ("INPUT(8x8x1) -> POOL(3, S=3)", "floor", (2, 2)),
    # W=6, F=3, S=3, P=1: ⌈5/3⌉ + 1 = 3, (3 − 1)·3 = 6 < 6 + 1, kept
    ("INPUT(6x6x1) -> POOL(3, S=3, P=1)", "ceil", (3, 3)),
    # ResNet's conv1: (224 + 6 − 7)/2 + 1 = 112.5 -> floor 112
    ("INPUT(224x224x3) -> CONV(64, 7, S=2, P=3)", "floor", (112, 112)),
    # only the width is fractional: width (10 − 3)/2 + 1 = 4.5, height (9 − 3)/2 + 1 = 4
    ("INPUT(10x9x1) -> CONV(1, 3, S=2)", "floor", (4, 4)),
    ("INPUT(10x9x1) -> CONV(1, 3, S=2)", "ceil", (5, 4)),
    # fractional and below 1 becomes 1 under ceil: (3 − 4)/2 + 1 = 0.5 -> 1; (1 − 1)·2 = 0 < 3, kept
    ("INPUT(3x3x1) -> CONV(1, 4, S=2)", "ceil", (1, 1)),
]


@pytest.mark.parametrize("text, rounding, expected", ROUNDED)
def test_output_size_rounded(text, rounding, expected):
    assert output(text, rounding=rounding)[:2] == expected


def test_pytorch_ceil_rule_also_holds_as_a_layer_rounding():
    # the same W=5, F=2, S=2, P=1 case as above, the rounding on the layer itself
    text = one_layer_yaml("5x5x1", "pool", {"kernel": 2, "stride": 2, "padding": 1, "rounding": "ceil"})
    assert output(text) == (3, 3, 1)


def dropped(message: str) -> dict[str, int]:
    """{'column': n, 'row': m} from a dropped-border message ("the last column", "the last 2 rows")."""
    return {what: int(n) if n else 1 for n, what in re.findall(r"(?:(\d+) )?\b(column|row)s?\b", message)}


DROPPED = [
    # (text, expected {'column': n, 'row': m}, or {} for no warning); floor rounding throughout
    # (10 − 3)/2 + 1 = 4.5 -> 4 windows at 0, 2, 4, 6 cover 0..8: column 9 and row 9 uncovered
    ("INPUT(10x10x1) -> CONV(1, 3, S=2)", {"column": 1, "row": 1}),
    # (13 − 3)/4 + 1 = 3.5 -> 3 windows at 0, 4, 8 cover 0..10: 11 and 12 uncovered
    ("INPUT(13x13x1) -> CONV(1, 3, S=4)", {"column": 2, "row": 2}),
    # (14 − 3)/4 + 1 = 3.75 -> 3 windows at 0, 4, 8 cover 0..10: 11, 12 and 13 uncovered
    ("INPUT(14x14x1) -> POOL(3, S=4)", {"column": 3, "row": 3}),
    # dilation 2 (span 5), S=2 on 10: (10 − 5)/2 + 1 = 3.5 -> 3 windows at 0, 2, 4; last tap 8, 9 uncovered
    ("INPUT(10x10x1) -> CONV(1, 3, S=2, dilation=2)", {"column": 1, "row": 1}),
    # width (10 − 3)/2 + 1 = 4.5 -> one column dropped; height (9 − 3)/2 + 1 = 4 exactly
    ("INPUT(10x9x1) -> CONV(1, 3, S=2)", {"column": 1}),
    # width (11 − 3)/4 + 1 = 3 exactly, height (13 − 3)/4 + 1 = 3.5 -> 2 rows dropped
    ("INPUT(11x13x1) -> CONV(1, 3, S=4)", {"column": 0, "row": 2}),
    # P=1 on 10: (10 + 2 − 3)/2 + 1 = 5.5 -> 5 windows at −1, 1, 3, 5, 7: the last covers 7..9, only the
    # right padding is left out, so no warning
    ("INPUT(10x10x1) -> CONV(1, 3, S=2, P=1)", {}),
    # PyTorch's ResNet max pool: (112 + 2 − 3)/2 + 1 = 56.5 -> 56; the last window covers 109..111
    ("INPUT(112x112x64) -> POOL(3, S=2, P=1)", {}),
    # ResNet's conv1: 112 windows from −3 step 2: the last covers 219..225, all of 0..223 is covered
    ("INPUT(224x224x3) -> CONV(64, 7, S=2, P=3)", {}),
    # ResNet's 1x1 stride-2 shortcut on 56: (56 − 1)/2 + 1 = 28.5 -> 28 taps at 0..54: column 55 uncovered
    ("INPUT(56x56x64) -> CONV(128, 1, S=2)", {"column": 1, "row": 1}),
]


@pytest.mark.parametrize("text, expected", DROPPED)
def test_dropped_border_under_floor(text, expected):
    report = analyze(text, rounding="floor")
    assert report.valid
    warnings = [d for d in report.diagnostics if d.code == "dropped-border"]
    if not expected:
        assert warnings == []
        return
    assert len(warnings) == 1
    assert warnings[0].severity is cnncalc.Severity.WARNING
    assert dropped(warnings[0].message) == {k: v for k, v in expected.items() if v}


def test_dropped_border_with_asymmetric_padding():
    # left 1, right 0 on 11, F=3, S=2: (11 + 1 − 3)/2 + 1 = 5.5 -> 5 windows from −1: last covers 7..9, 10 left
    text = one_layer_yaml("11x11x1", "conv", {"filters": 1, "kernel": 3, "stride": 2, "rounding": "floor",
                                              "padding": {"left": 1, "right": 0, "top": 1, "bottom": 0}})
    report = analyze(text)
    assert report.output == (5, 5, 1)
    [warning] = [d for d in report.diagnostics if d.code == "dropped-border"]
    assert dropped(warning.message) == {"column": 1, "row": 1}


def test_no_dropped_border_when_only_padding_is_uncovered():
    # left 0, right 1 on 10, F=4, S=3: (10 + 1 − 4)/3 + 1 = 3.33 -> 3 windows at 0, 3, 6: the last covers 6..9,
    # only the right padding column is left out
    text = one_layer_yaml("10x10x1", "conv", {"filters": 1, "kernel": 4, "stride": 3, "rounding": "floor",
                                              "padding": {"left": 0, "right": 1, "top": 0, "bottom": 1}})
    report = analyze(text)
    assert report.valid and report.output == (3, 3, 1)
    assert "dropped-border" not in codes(report)


SAME_DROPPED = [
    # (text with its kernel as {F}, F, output width and height, expected {'column': n, 'row': m}, the kernel
    # the warning suggests). `same` gives ⌈W/S⌉ and pads max((⌈W/S⌉ − 1)·S + d(F − 1) + 1 − W, 0): input is
    # left unread only when that clamps at 0; a kernel ⌈n/d⌉ larger makes the windows reach n columns further
    # ⌈10/4⌉ = 3, max(2·4 + 1 − 10, 0) = 0: windows at 0, 4, 8 read 0, 4, 8; column and row 9 unread.
    # Kernel 2: max(2·4 + 2 − 10, 0) = 0, windows 0..1, 4..5, 8..9
    ("INPUT(10x10x1) -> CONV(1, {F}, S=4, padding=same)", 1, (3, 3), {"column": 1, "row": 1}, "2"),
    # ⌈11/4⌉ = 3, max(2·4 + 1 − 11, 0) = 0: windows at 0, 4, 8; 9 and 10 unread. Kernel 3: 0..2, 4..6, 8..10
    ("INPUT(11x11x1) -> CONV(1, {F}, S=4, padding=same)", 1, (3, 3), {"column": 2, "row": 2}, "3"),
    # width as the first; height ⌈9/4⌉ = 3, 2·4 + 1 − 9 = 0: windows at 0, 4, 8 reach the last row, 8
    ("INPUT(10x9x1) -> POOL({F}, S=4, padding=same)", 1, (3, 3), {"column": 1}, "2x1"),
    # dilation 2, F=2 (span 3), S=5 on 14: ⌈14/5⌉ = 3, max(2·5 + 3 − 14, 0) = 0: taps 0, 2 / 5, 7 / 10, 12;
    # column 13 unread. Kernel 2 + ⌈1/2⌉ = 3 (span 5): padding max(10 + 5 − 14, 0) = 1, windows 0..4, 5..9, 10..14
    ("INPUT(14x14x1) -> CONV(1, {F}, S=5, dilation=2, padding=same)", 2, (3, 3), {"column": 1, "row": 1}, "3"),
    # TensorFlow's ResNet shortcut, 1x1 at stride 2 on 56: ⌈56/2⌉ = 28, max(27·2 + 1 − 56, 0) = 0: taps 0..54
    ("INPUT(56x56x64) -> CONV(128, {F}, S=2, padding=same)", 1, (28, 28), {"column": 1, "row": 1}, "2"),
    # ⌈10/3⌉ = 4, 3·3 + 1 − 10 = 0: windows at 0, 3, 6, 9 read the last column
    ("INPUT(10x10x1) -> CONV(1, {F}, S=3, padding=same)", 1, (4, 4), {}, None),
    # ⌈224/2⌉ = 112, 111·2 + 7 − 224 = 5 > 0: padded, every column read
    ("INPUT(224x224x3) -> CONV(64, {F}, S=2, padding=same)", 7, (112, 112), {}, None),
    # ⌈11/2⌉ = 6, 5·2 + 3 − 11 = 2 > 0
    ("INPUT(11x11x1) -> POOL({F}, S=2, padding=same)", 3, (6, 6), {}, None),
]


@pytest.mark.parametrize("text, kernel, size, expected, suggested", SAME_DROPPED)
def test_same_padding_dropped_border_under_floor(text, kernel, size, expected, suggested):
    report = analyze(text.format(F=kernel), rounding="floor")
    assert report.valid and tuple(report.output)[:2] == size
    warnings = [d for d in report.diagnostics if d.code == "dropped-border"]
    if not expected:
        assert warnings == []
        return
    [warning] = warnings
    assert warning.severity is cnncalc.Severity.WARNING and "same padding" in warning.message
    assert dropped(warning.message) == expected
    assert warning.suggestions == (f"kernel: {suggested} makes the windows reach the end of the input",)
    again = analyze(text.format(F=suggested), rounding="floor")
    assert again.valid and tuple(again.output)[:2] == size and again.diagnostics == ()


@pytest.mark.parametrize("rounding", ["exact", "ceil"])
@pytest.mark.parametrize("text, kernel, size, expected, suggested", SAME_DROPPED)
def test_same_padding_is_whole_and_silent_under_exact_and_ceil(text, kernel, size, expected, suggested, rounding):
    # ⌈W/S⌉ whatever the rounding; dropped-border is floor's warning, as for any other padding
    report = analyze(text.format(F=kernel), rounding=rounding)
    assert report.valid and tuple(report.output)[:2] == size
    assert report.diagnostics == ()


def test_exact_rounding_never_warns_of_dropped_border():
    report = analyze("INPUT(7x7x1) -> CONV(1, 3, S=2)")  # (7 − 3)/2 + 1 = 3 exactly
    assert report.valid and report.diagnostics == ()


# -- non-integer-output and its suggestions ------------------------------------------------------

def test_non_integer_output_shows_the_arithmetic():
    # the contract's example: (10 − 3 + 2·0)/2 + 1 = 4.5
    report = analyze("INPUT(10x10x3) -> CONV(8, 3, S=2, P=0)")
    assert not report.valid and report.output is None
    [error] = report.diagnostics
    assert error.code == "non-integer-output"
    assert "(10 − 3 + 2·0)/2 + 1 = 4.5" in error.message
    assert error.suggestions


NON_INTEGER = [
    # (input, layer type, parameters); each is fractional under exact rounding, worked out alongside
    ("10x10x3", "conv", {"filters": 8, "kernel": 3, "stride": 2}),                 # 7/2 + 1 = 4.5
    ("227x227x3", "conv", {"filters": 96, "kernel": 11, "stride": 4, "padding": 1}),  # 218/4 + 1 = 55.5
    ("224x224x3", "conv", {"filters": 64, "kernel": 7, "stride": 2, "padding": 3}),   # 223/2 + 1 = 112.5
    ("56x56x64", "conv", {"filters": 128, "kernel": 1, "stride": 2}),             # 55/2 + 1 = 28.5
    ("10x10x1", "conv", {"filters": 1, "kernel": 3, "stride": 2, "dilation": 2}),  # 5/2 + 1 = 3.5
    ("10x9x1", "conv", {"filters": 1, "kernel": 3, "stride": 2}),                  # width 4.5, height 4
    ("9x10x1", "conv", {"filters": 1, "kernel": 3, "stride": 2}),                  # width 4, height 4.5
    ("10x11x1", "conv", {"filters": 1, "kernel": "3x2", "stride": "2x3"}),          # width 4.5, height 4
    ("13x13x1", "conv", {"filters": 1, "kernel": 3, "stride": 4}),                 # 10/4 + 1 = 3.5
    ("112x112x64", "pool", {"kernel": 3, "stride": 2, "padding": 1}),              # 111/2 + 1 = 56.5
    ("6x6x1", "pool", {"kernel": 3, "stride": 2, "mode": "avg"}),                  # 3/2 + 1 = 2.5
    ("5x5x1", "pool", {"kernel": 2, "stride": 2, "padding": 1}),                   # 5/2 + 1 = 3.5
    ("7x7x1", "pool", {"kernel": 2}),                                              # stride 2: 5/2 + 1 = 3.5
    ("10x10x1", "local", {"filters": 2, "kernel": 3, "stride": 2}),                # 7/2 + 1 = 4.5
]

_SETTING = re.compile(r"^(padding|stride|kernel): (.+?) gives (\d+)(?: in (width|height))?(?: \(.*\))?$")
_INPUT = re.compile(r"^an input(?: (width|height))? of (\d+) instead of (\d+) to this layer gives (\d+)$")
_ROUNDING = re.compile(r"^rounding: (floor|ceil)(?: — PyTorch's rule —)? gives (\d+)(?:×(\d+))?")


def _apply(volume: str, kind: str, params: dict, suggestion: str) -> tuple[str, object]:
    """The spec with `suggestion` applied, and what it promises: an (axis, size) or a WxH."""
    w, h, d = (int(v) for v in volume.split("x"))
    if m := _SETTING.match(suggestion):
        key, value, size, axis = m.groups()
        return one_layer_yaml(volume, kind, {**params, key: yaml.safe_load(value)}), (axis, int(size))
    if m := _INPUT.match(suggestion):
        axis, new, old, size = m.group(1), int(m.group(2)), int(m.group(3)), int(m.group(4))
        if axis in (None, "width"):
            assert w == old
            w = new
        if axis in (None, "height"):
            assert h == old
            h = new
        return one_layer_yaml(f"{w}x{h}x{d}", kind, params), (axis, size)
    if m := _ROUNDING.match(suggestion):
        mode, width, height = m.group(1), int(m.group(2)), int(m.group(3) or m.group(2))
        return one_layer_yaml(volume, kind, {**params, "rounding": mode}), (width, height)
    raise AssertionError(f"a suggestion of an unknown form: {suggestion!r}")


def _suggestions(volume: str, kind: str, params: dict) -> list[str]:
    report = analyze(one_layer_yaml(volume, kind, params))
    [error] = report.diagnostics
    assert error.code == "non-integer-output"
    return list(error.suggestions)


SUGGESTIONS = [(volume, kind, params, s) for volume, kind, params in NON_INTEGER
               for s in _suggestions(volume, kind, params)]

def _suggestion_case(volume, kind, params, suggestion):
    return pytest.param(volume, kind, params, suggestion, id=f"{volume}-{kind}-{suggestion[:40]}")


def test_every_non_integer_case_has_suggestions_of_each_kind():
    # padding, stride or kernel, input size, and both roundings: at least a fix of each sort
    for volume, kind, params in NON_INTEGER:
        found = _suggestions(volume, kind, params)
        assert any(_SETTING.match(s) for s in found), found
        assert any(_INPUT.match(s) for s in found), found
        assert [m.group(1) for s in found if (m := _ROUNDING.match(s))] == ["floor", "ceil"], found
        if kind != "local":  # PyTorch's rule first: a port from PyTorch wants what PyTorch computes
            assert found[0].startswith("rounding: floor — PyTorch's rule — gives "), found


@pytest.mark.parametrize("volume, kind, params, suggestion", [_suggestion_case(*c) for c in SUGGESTIONS])
def test_each_suggestion_when_applied_gives_a_whole_output(volume, kind, params, suggestion):
    text, promise = _apply(volume, kind, params, suggestion)
    report = analyze(text)
    assert report.valid, (text, [d.message for d in report.diagnostics])
    assert not any(d.code == "non-integer-output" for d in report.diagnostics)
    width, height, _ = report.output
    if isinstance(promise[0], str) or promise[0] is None:
        axis, size = promise
        if axis in (None, "width"):
            assert width == size
        if axis in (None, "height"):
            assert height == size
    else:
        assert (width, height) == promise


# -- empty-output --------------------------------------------------------------------------------

EMPTY = [
    # (text, rounding); all below 1 after rounding
    ("INPUT(2x2x1) -> CONV(1, 3)", "exact"),           # (2 − 3)/1 + 1 = 0
    ("INPUT(2x2x1) -> CONV(1, 3)", "floor"),
    ("INPUT(2x2x1) -> CONV(1, 3)", "ceil"),            # ⌈−1⌉ + 1 = 0
    ("INPUT(3x3x1) -> CONV(1, 4, S=2)", "exact"),      # (3 − 4)/2 + 1 = 0.5: fractional and below 1
    ("INPUT(3x3x1) -> CONV(1, 4, S=2)", "floor"),      # ⌊0.5⌋ = 0
    ("INPUT(2x2x1) -> CONV(1, 5, S=2)", "exact"),      # (2 − 5)/2 + 1 = −0.5
    ("INPUT(2x2x1) -> CONV(1, 5, S=2)", "ceil"),       # ⌈−1.5⌉ + 1 = 0
    ("INPUT(3x3x1) -> POOL(4, S=2)", "exact"),         # 0.5 again, for a pool
    ("INPUT(5x5x1) -> CONV(1, 3, dilation=3)", "exact"),  # span 7: (5 − 7)/1 + 1 = −1
    ("INPUT(10x2x1) -> CONV(1, 3)", "exact"),          # height only: (2 − 3) + 1 = 0
]


@pytest.mark.parametrize("text, rounding", EMPTY)
def test_empty_output(text, rounding):
    report = analyze(text, rounding=rounding)
    assert not report.valid
    assert codes(report) == ["empty-output"]
    assert report.exit_code == 1


def test_empty_deconv_output():
    # (1 − 1)·1 − 2·1 + 1·(1 − 1) + 0 + 1 = −1
    report = analyze("INPUT(1x1x4) -> DECONV(6, 1, P=1)")
    assert codes(report) == ["empty-output"]


# -- a fault in one axis is told in that axis' words -------------------------------------------------

HEIGHT_FAULTS = [
    # (line, what the message says); each fault is in the height alone
    ("INPUT(32x31x3) -> CONV(8, 2, S=2)", "height: (31 − 2 + 2·0)/2 + 1 = 15.5"),
    ("INPUT(32x1x3) -> CONV(8, 3)", "height: (1 − 3 + 2·0)/1 + 1 = -1 (the window, 3, is larger than the padded "
                                    "input, 1)"),
    ("INPUT(32x31x3) -> CONV(8, 2, S=2, rounding=floor)", "leaves the last row of the input"),
    ("INPUT(32x32x3) -> POOL(4x2, P=1x2)", "must be at most half the kernel (4x2) in height"),
    ("INPUT(8x8x3) -> DECONV(8, 2, S=2, output_padding=0x2)", "the stride or the dilation in height"),
    ("INPUT(8x8x3) -> DECONV(8, 2, S=2, P=0x9)", "the output is empty (16×-2): in height, the padding"),
    ("INPUT(8x8x3) -> CROP(4x9)", "a crop cannot make the height larger"),
    ("INPUT(8x8x3) -> CROP(top=4, bottom=4)", "nothing is left of the height"),
]


@pytest.mark.parametrize("line, says", HEIGHT_FAULTS)
def test_a_fault_in_the_height_speaks_of_the_height(line, says, run_cli):
    result = run_cli("check", "-v", line)  # a note too
    message = result.stderr.splitlines()[0]
    assert says in message
    assert not re.search(r"width|wide|column", message), message


def test_a_fault_in_the_frames_speaks_of_the_frames():
    # frames: (10 − 3 + 2·0)/2 + 1 = 4.5, width and height (8 − 3 + 2·1)/1 + 1 = 8; one more frame of
    # padding at the back makes (10 − 3 + 0 + 1)/2 + 1 = 5
    [error] = analyze("INPUT(8x8x10x3) -> CONV(4, 3, S=1x1x2, P=1x1x0)").diagnostics
    assert error.message.endswith("frames: (10 − 3 + 2·0)/2 + 1 = 4.5")
    assert {"padding: {left: 1, right: 1, top: 1, bottom: 1, front: 0, back: 1} gives 5 in frames",
            "an input of 9 frames instead of 10 to this layer gives 4",
            "an input of 11 frames instead of 10 to this layer gives 5"} <= set(error.suggestions)
    # floor: windows at frames 0, 3 and 6 read up to frame 9 of 0..10: (11 − 4)/3 + 1 = 3.33 leaves one
    [warning] = analyze("INPUT(8x8x11x3) -> POOL(1x1x4, S=1x1x3, rounding=floor)").diagnostics
    assert "leaves the last frame of the input" in warning.message
    for message in [error.message, warning.message, *error.suggestions[:-2]]:
        assert not re.search(r"width|wide|column|height|row", message), message


# -- deconv ----------------------------------------------------------------------------------------

DECONV = [
    # (W − 1)S − 2P + d(F − 1) + output_padding + 1
    ("INPUT(7x7x3) -> DECONV(6, 4, S=2, P=1)", (14, 14, 6)),                    # 12 − 2 + 3 + 0 + 1 = 14
    ("INPUT(28x28x1024) -> DECONV(512, 2, S=2)", (56, 56, 512)),                # U-Net: 54 + 1 + 1 = 56
    ("INPUT(7x7x8) -> DECONV(4, 3, S=2, P=1, output_padding=1)", (14, 14, 4)),  # 12 − 2 + 2 + 1 + 1 = 14
    ("INPUT(5x5x2) -> DECONV(2, 3, dilation=2)", (9, 9, 2)),                    # 4 − 0 + 4 + 0 + 1 = 9
    ("INPUT(4x4x4) -> DECONV(6, 3, groups=2)", (6, 6, 6)),                      # 3 + 2 + 1 = 6
    ("INPUT(7x7x3) -> DECONV(5, 3, S=2, padding=same)", (14, 14, 5)),           # `same`: W·S = 14
    ("INPUT(4x6x1) -> DECONV(1, 3x1, S=2x1)", (9, 6, 1)),                       # width 6 + 2 + 1, height 5 + 0 + 1
]


@pytest.mark.parametrize("text, expected", DECONV)
def test_deconv_output_size(text, expected):
    assert output(text) == expected


def test_deconv_same_with_output_padding_says_why_not():
    # `same` makes a deconv's output W·S = 14 in TensorFlow; PyTorch's output_padding would add to it
    report = analyze("INPUT(7x7x8) -> DECONV(4, 3, S=2, padding=same, output_padding=1)")
    [error] = report.diagnostics
    assert error.code == "invalid-value" and "frameworks disagree" in error.message
    assert "TensorFlow" in error.suggestions[0] and "PyTorch" in error.suggestions[0]
    assert "remove output_padding" in error.suggestions[1]


def test_deconv_output_padding_must_be_below_stride_or_dilation():
    # PyTorch: "output padding must be smaller than either stride or dilation"
    report = analyze("INPUT(7x7x8) -> DECONV(4, 3, S=2, output_padding=2)")
    assert not report.valid
    assert codes(report) == ["invalid-value"]
    assert "output_padding" in report.diagnostics[0].message
