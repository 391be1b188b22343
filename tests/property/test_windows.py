"""The sliding-window arithmetic (model/arithmetic.py) against brute force: one axis, window by window, for
convolutions, pools, locally connected and transposed convolutions under every rounding, with every
suggestion of a `non-integer-output` applied and checked. The axis under test is the width, the height or
the frames of a 1-D, 2-D or 3-D volume (local: of a 2-D one only), whose other axes are 1 and whose
parameters there are neutral (kernel 1, stride 1, no padding)."""
from __future__ import annotations

import copy
import re

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cnncalc

# A window of F taps, dilation d and stride S over W inputs padded by p_lo and p_hi: window i starts at input
# position i·S − p_lo and reads taps i·S − p_lo + t·d, t = 0..F−1. Positions −p_lo..−1 and W..W+p_hi−1 are
# padding. Nothing below uses the closed-form (W + 2P − d(F − 1) − 1)/S + 1.


def floor_windows(W, F, S, p_lo, p_hi, d) -> list[int]:
    """Start positions of the windows that fit in the padded input (PyTorch's default, floor)."""
    starts, i = [], 0
    while (i * S - p_lo) + (F - 1) * d <= W - 1 + p_hi:
        starts.append(i * S - p_lo)
        i += 1
    return starts


def ceil_windows(W, F, S, p_lo, p_hi, d) -> list[int]:
    """ceil_mode=True: windows are added while the one a stride earlier (for the first window, the one
    that would start a stride before it) has not reached the end of the padded input; then PyTorch's rule:
    a window must start inside the input or its left padding (at most W − 1)."""
    starts, i = [], 0
    while True:
        start = i * S - p_lo
        if (start - S) + (F - 1) * d >= W - 1 + p_hi:  # the window a stride earlier covered the rest
            break
        if start > W - 1:  # it would start in the right padding
            break
        starts.append(start)
        i += 1
    return starts


def dropped_after(W, F, d, starts: list[int]) -> int:
    """Input positions after the last tap of the last window (padding is not counted)."""
    if not starts:
        return 0
    last_tap = max(starts) + (F - 1) * d
    return max(0, W - 1 - last_tap)


def transposed_length(W, F, S, P, d, output_padding) -> int:
    """A transposed convolution: input i spreads to output positions i·S + t·d; the output runs from the
    first position any tap reaches to the last, output_padding more at the end, P cut from each side."""
    reached = {i * S + t * d for i in range(W) for t in range(F)}
    return max(reached) + 1 - min(reached) + output_padding - 2 * P


AXES = ("width", "height", "frames")  # the contract's names of the spatial axes (§8)
SIDES = (("left", "right"), ("top", "bottom"), ("front", "back"))
UNITS = ("column", "row", "frame")  # what a dropped-border warning counts along each axis


class OneAxis:
    """One layer along axis `index` of a volume of `axes` spatial axes, W on that axis and 1 on the others
    (where the kernel, stride and dilation are 1 and the padding 0): the spec and its brute force."""

    def __init__(self, kind, W, F, S, p_lo, p_hi, d, mode="max", stride_given=True, output_padding=0,
                 axes=2, index=0):
        self.kind, self.W, self.F, self.S, self.p_lo, self.p_hi, self.d = kind, W, F, S, p_lo, p_hi, d
        self.mode, self.stride_given, self.output_padding = mode, stride_given, output_padding
        self.axes, self.index = axes, index

    @property
    def span(self) -> int:
        return self.d * (self.F - 1) + 1

    def along(self, value: int, neutral: int) -> list[int]:
        """`value` on the axis under test, `neutral` on the others."""
        return [value if i == self.index else neutral for i in range(self.axes)]

    def volume(self, size: int) -> cnncalc.Volume:
        return cnncalc.Volume(*self.along(size, 1), 1)

    def spec(self, rounding: str) -> dict:
        params = {"kernel": self.along(self.F, 1),
                  "padding": self.along(self.p_lo, 0) if self.p_lo == self.p_hi else
                  {side: (self.p_lo, self.p_hi)[k] if i == self.index else 0
                   for i, pair in enumerate(SIDES[:self.axes]) for k, side in enumerate(pair)},
                  "dilation": self.along(self.d, 1)}
        if self.stride_given:
            params["stride"] = self.along(self.S, 1)
        if self.kind == "pool":
            params["mode"] = self.mode
        else:
            params["filters"] = 1
        if self.kind == "deconv":
            params["output_padding"] = self.along(self.output_padding, 0)
        return {"input": [*self.along(self.W, 1), 1], "rounding": rounding, "layers": [{self.kind: params}]}

    def refused_by_pytorch(self) -> bool:
        if self.kind == "pool":
            # PyTorch: "pad should be at most half of kernel size" (the kernel, not its dilated span), and
            # avg_pool2d has no dilation
            return max(self.p_lo, self.p_hi) > self.F // 2 or (self.mode != "max" and self.d != 1)
        if self.kind == "deconv":  # "output padding must be smaller than either stride or dilation"
            return self.output_padding >= max(self.S, self.d)
        return False

    def __repr__(self) -> str:
        return (f"{self.kind}(W={self.W}, F={self.F}, S={self.S}, P=({self.p_lo}, {self.p_hi}), d={self.d}, "
                f"mode={self.mode}, stride_given={self.stride_given}, op={self.output_padding}, "
                f"along {AXES[self.index]} of {self.axes})")


def applied(axis: OneAxis, suggestion: str) -> OneAxis | None:
    """The layer with a `non-integer-output` suggestion applied, or None for the rounding hints. A suggestion
    names the axis it changes (`gives 5 in frames`, `an input height of 9`, `an input of 9 frames`) unless the
    volume has one axis; it gives its value on every axis, where the others must keep theirs."""
    change = re.fullmatch(r"(padding|stride|kernel): (.+?) gives (\d+)(?: in (\w+))?( \(its stride follows "
                          r"the kernel\))?", suggestion)
    size = re.fullmatch(r"an input (?:(width|height) )?of (\d+)( frames)? instead of (\d+) to this layer gives "
                        r"(\d+)", suggestion)
    named = AXES[axis.index] if axis.axes > 1 else None
    new = copy.copy(axis)
    if size:
        assert (size[1] or ("frames" if size[3] else None)) == named, suggestion
        assert int(size[4]) == axis.W, suggestion
        new.W = int(size[2])
        return new
    if suggestion.startswith("rounding: "):
        return None
    assert change, f"unexpected suggestion: {suggestion!r}"
    assert change[4] == named, suggestion
    what, value = change[1], change[2]
    if value.startswith("{"):
        sides = yaml.safe_load(value)
        assert list(sides) == [side for pair in SIDES[:axis.axes] for side in pair], suggestion
        lo, hi = SIDES[axis.index]
        assert sum(sides.values()) == sides[lo] + sides[hi], suggestion  # the other axes stay unpadded
        values = (sides[lo], sides[hi])
    else:  # one value for every axis, or one per axis: `3`, `1x3x1` (not YAML: `0x1` would be a hex number)
        parts = [int(p) for p in value.split("x")]
        parts = parts * axis.axes if len(parts) == 1 else parts
        assert parts == axis.along(parts[axis.index], 0 if what == "padding" else 1), suggestion
        values = (parts[axis.index],) * 2
    if what == "padding":
        new.p_lo, new.p_hi = values
    elif what == "stride":
        new.S, new.stride_given = values[0], True
    else:
        new.F = values[0]
        if change[5]:  # a pool whose stride was left out: it stays the kernel
            assert axis.kind == "pool" and not axis.stride_given
            new.S = new.F
    return new


def diagnostic(report, code):
    found = [d for d in report.diagnostics if d.code == code]
    return found[0] if found else None


def check_axis(axis: OneAxis, rounding: str) -> str:
    """Compare cnncalc with the brute force on one case; returns what kind of case it was."""
    report = cnncalc.analyze(axis.spec(rounding))
    assert report.exit_code in (0, 1)
    if axis.refused_by_pytorch():
        assert not report.valid
        assert [d.code for d in report.diagnostics] == ["invalid-value"], report.diagnostics
        return "refused"
    assert not diagnostic(report, "invalid-value"), report.diagnostics

    if axis.kind == "deconv":
        length = transposed_length(axis.W, axis.F, axis.S, axis.p_lo, axis.d, axis.output_padding)
        assert length == (axis.W - 1) * axis.S - 2 * axis.p_lo + axis.d * (axis.F - 1) + axis.output_padding + 1
        if length < 1:
            assert diagnostic(report, "empty-output") and not report.valid
            return "empty"
        assert report.valid and report.output == axis.volume(length)
        return "deconv"

    floor = floor_windows(axis.W, axis.F, axis.S, axis.p_lo, axis.p_hi, axis.d)
    exact = bool(floor) and floor[-1] + axis.span - 1 == axis.W - 1 + axis.p_hi  # the last window ends flush
    if rounding == "ceil":
        ceil = ceil_windows(axis.W, axis.F, axis.S, axis.p_lo, axis.p_hi, axis.d)
        if not ceil:
            assert diagnostic(report, "empty-output") and not report.valid
            return "empty"
        assert report.valid, report.diagnostics
        assert report.output == axis.volume(len(ceil))
        assert not report.diagnostics  # ceil leaves nothing uncovered: no dropped-border
        return "ceil-rule" if len(ceil) < len(floor) + (not exact) else "ceil"
    if not floor:
        assert diagnostic(report, "empty-output") and not report.valid, report.diagnostics
        return "empty"
    if rounding == "floor":
        assert report.valid and report.output == axis.volume(len(floor))
        dropped = dropped_after(axis.W, axis.F, axis.d, floor)
        warning = diagnostic(report, "dropped-border")
        if dropped:
            assert warning is not None and not warning.is_error
            unit = UNITS[axis.index]
            counted = unit if dropped == 1 else f"{dropped} {unit}s"
            assert re.search(rf"\blast {counted} of the input\b", warning.message), (dropped, warning.message)
            others = [u for u in UNITS if u != unit]
            assert not any(u in warning.message for u in others), warning.message  # each other axis is 1, fully read
            return "dropped"
        assert warning is None
        return "floor"
    # exact
    if exact:
        assert report.valid and report.output == axis.volume(len(floor))
        return "exact"
    problem = diagnostic(report, "non-integer-output")
    assert problem is not None and not report.valid, report.diagnostics
    changes = 0
    for suggestion in problem.suggestions:
        if suggestion.startswith("rounding: "):
            mode, sizes = re.fullmatch(r"rounding: (floor|ceil)(?: — PyTorch's rule —)? gives ([\d×]+)(?: .*)?",
                                       suggestion).groups()
            windows = (floor if mode == "floor" else
                       ceil_windows(axis.W, axis.F, axis.S, axis.p_lo, axis.p_hi, axis.d))
            spatial = axis.along(len(windows), 1)  # one number when every axis gives the same, else each
            assert sizes == (str(spatial[0]) if len(set(spatial)) == 1 else "×".join(map(str, spatial))), \
                (suggestion, len(windows))
            continue
        fixed = applied(axis, suggestion)
        changes += 1
        claimed = int(re.search(r"gives (\d+)", suggestion)[1])
        # the suggestion makes the spec exact: checked by brute force and by cnncalc itself
        windows = floor_windows(fixed.W, fixed.F, fixed.S, fixed.p_lo, fixed.p_hi, fixed.d)
        assert windows and windows[-1] + fixed.span - 1 == fixed.W - 1 + fixed.p_hi, (suggestion, fixed)
        assert len(windows) == claimed, suggestion
        assert not fixed.refused_by_pytorch(), suggestion
        again = cnncalc.analyze(fixed.spec("exact"))
        assert again.valid and again.output == axis.volume(claimed), (suggestion, again.diagnostics)
    assert changes >= 1  # at least one change of padding, stride, kernel or input size
    return "non-integer"


# (spatial axes, the axis under test): each axis of each dimensionality; local takes 2-D volumes only
PLACEMENTS = [(axes, index) for axes in (1, 2, 3) for index in range(axes)]
AXIS_SETTINGS = settings(derandomize=True, max_examples=300, deadline=None, database=None,
                         suppress_health_check=[HealthCheck.too_slow])


@st.composite
def cases(draw, kind: str):
    axes, index = draw(st.sampled_from([(2, 0), (2, 1)] if kind == "local" else PLACEMENTS))
    W, F, S = draw(st.integers(1, 40)), draw(st.integers(1, 7)), draw(st.integers(1, 5))
    d = draw(st.integers(1, 3))
    P = draw(st.integers(0, 3))
    if kind == "deconv":  # the brute force pads a transposed convolution alike on both sides
        op = draw(st.integers(0, max(S, d) - 1))
        return OneAxis(kind, W, F, S, P, P, d, output_padding=op, axes=axes, index=index)
    P_hi = draw(st.sampled_from([P, P, draw(st.integers(0, 3))]))  # now and then another padding at the end
    if kind == "pool":
        mode = draw(st.sampled_from(["max", "max", "avg", "l2"]))
        stride_given = draw(st.booleans())
        if not stride_given:
            S = F
        return OneAxis(kind, W, F, S, P, P_hi, d, mode=mode, stride_given=stride_given, axes=axes, index=index)
    return OneAxis(kind, W, F, S, P, P_hi, d, axes=axes, index=index)


@pytest.mark.parametrize("kind, rounding", [("conv", r) for r in ("exact", "floor", "ceil")]
                         + [("pool", r) for r in ("exact", "floor", "ceil")]
                         + [("local", "floor"), ("deconv", "exact")])
def test_window_arithmetic_against_brute_force(kind, rounding):
    @AXIS_SETTINGS
    @given(cases(kind))
    def run(axis):
        check_axis(axis, rounding)

    run()


def test_deconv_output_padding_must_be_below_stride_or_dilation():
    for S, d in ((1, 1), (2, 1), (1, 3), (3, 2)):
        for op in range(0, max(S, d) + 2):
            check_axis(OneAxis("deconv", 5, 3, S, 1, 1, d, output_padding=op), "exact")


@pytest.mark.parametrize("axes, index", [(2, 0), (3, 2)], ids=["width of 2-D", "frames of 3-D"])
def test_every_kind_of_case_is_reached(axes, index):
    """A small exhaustive grid: each outcome the brute force distinguishes occurs and agrees."""
    seen: dict[tuple[str, str], int] = {}
    for kind, roundings in (("conv", ("exact", "floor", "ceil")), ("pool", ("exact", "floor", "ceil")),
                            ("deconv", ("exact",))):
        for rounding in roundings:
            for W in range(1, 13):
                for F in range(1, 5):
                    for S in range(1, 4):
                        for P in range(0, 3):
                            for d in (1, 2):
                                axis = OneAxis(kind, W, F, S, P, P, d, output_padding=(S - 1) % max(S, d),
                                               axes=axes, index=index)
                                outcome = check_axis(axis, rounding)
                                seen[kind, outcome] = seen.get((kind, outcome), 0) + 1
    for outcome in ("exact", "non-integer", "empty", "floor", "dropped", "ceil", "ceil-rule"):
        assert seen.get(("conv", outcome)), outcome
    for outcome in ("exact", "non-integer", "empty", "floor", "dropped", "ceil", "ceil-rule", "refused"):
        assert seen.get(("pool", outcome)), outcome
    assert seen.get(("deconv", "deconv")) and seen.get(("deconv", "empty"))


@pytest.mark.parametrize("axes, index, suggested", [
    (1, 0, "padding: {left: 0, right: 1} gives 5"),
    (2, 0, "padding: {left: 0, right: 1, top: 0, bottom: 0} gives 5 in width"),
    (3, 2, "padding: {left: 0, right: 0, top: 0, bottom: 0, front: 0, back: 1} gives 5 in frames"),
])
def test_asymmetric_padding_suggestions_apply(axes, index, suggested):
    # (10 − 3 + 0 + 0)/2 + 1 = 4.5; one more column (or frame) of padding at the end makes it 5 exactly
    axis = OneAxis("conv", 10, 3, 2, 0, 0, 1, axes=axes, index=index)
    assert check_axis(axis, "exact") == "non-integer"
    report = cnncalc.analyze(axis.spec("exact"))
    assert suggested in report.diagnostics[0].suggestions
    assert check_axis(OneAxis("conv", 10, 3, 2, 0, 1, 1, axes=axes, index=index), "exact") == "exact"


def test_ceil_drops_a_window_in_the_right_padding():
    # INPUT(1x1x1) -> CONV(1, 1, P=1), ceil: the padded input is 3 wide, windows start at −1, 0, 1; the one
    # at 1 starts in the right padding, so PyTorch's ceil rule ((out − 1)·S >= W + P: 2·1 >= 1 + 1) gives 2
    axis = OneAxis("conv", 1, 1, 1, 1, 1, 1)
    assert len(ceil_windows(1, 1, 1, 1, 1, 1)) == 2
    report = cnncalc.analyze(axis.spec("ceil"))
    assert report.output == cnncalc.Volume(2, 1, 1)
