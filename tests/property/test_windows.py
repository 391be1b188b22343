"""The sliding-window arithmetic (model/arithmetic.py) against brute force: one axis, window by window, for
convolutions, pools, locally connected and transposed convolutions under every rounding, with every
suggestion of a `non-integer-output` applied and checked."""
from __future__ import annotations

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


class Axis1D:
    """One layer along the width of a W×1×1 input (height 1, kernel F×1): the spec and its brute force."""

    def __init__(self, kind, W, F, S, p_lo, p_hi, d, mode="max", stride_given=True, output_padding=0):
        self.kind, self.W, self.F, self.S, self.p_lo, self.p_hi, self.d = kind, W, F, S, p_lo, p_hi, d
        self.mode, self.stride_given, self.output_padding = mode, stride_given, output_padding

    @property
    def span(self) -> int:
        return self.d * (self.F - 1) + 1

    def spec(self, rounding: str) -> dict:
        params = {"kernel": [self.F, 1],
                  "padding": [self.p_lo, 0] if self.p_lo == self.p_hi else
                  {"left": self.p_lo, "right": self.p_hi, "top": 0, "bottom": 0},
                  "dilation": [self.d, 1]}
        if self.stride_given:
            params["stride"] = [self.S, 1]
        if self.kind == "pool":
            params["mode"] = self.mode
        else:
            params["filters"] = 1
        if self.kind == "deconv":
            params["output_padding"] = [self.output_padding, 0]
        return {"input": [self.W, 1, 1], "rounding": rounding, "layers": [{self.kind: params}]}

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
                f"mode={self.mode}, stride_given={self.stride_given}, op={self.output_padding})")


def applied(axis: Axis1D, suggestion: str) -> Axis1D | None:
    """The layer with a `non-integer-output` suggestion applied, or None for the rounding hints."""
    change = re.fullmatch(r"(padding|stride|kernel): (.+?) gives (\d+)( in width)?( \(its stride follows "
                          r"the kernel\))?", suggestion)
    size = re.fullmatch(r"an input (?:width )?of (\d+) instead of (\d+) to this layer gives (\d+)", suggestion)
    new = Axis1D(axis.kind, axis.W, axis.F, axis.S, axis.p_lo, axis.p_hi, axis.d, axis.mode, axis.stride_given,
                 axis.output_padding)
    if size:
        assert int(size[2]) == axis.W, suggestion
        new.W = int(size[1])
        return new
    if suggestion.startswith("rounding: "):
        return None
    assert change, f"unexpected suggestion: {suggestion!r}"
    what, value = change[1], yaml.safe_load(change[2])
    if isinstance(value, dict):
        assert (value["top"], value["bottom"]) == (0, 0)
        width = (value["left"], value["right"])
    else:
        parts = [int(p) for p in str(value).replace("×", "x").split("x")]
        width = (parts[0], parts[0])
        assert parts[-1] == (0 if what == "padding" else 1), suggestion  # the height (1, unpadded) stays
    if what == "padding":
        new.p_lo, new.p_hi = width
    elif what == "stride":
        new.S, new.stride_given = width[0], True
    else:
        new.F = width[0]
        if change[5]:  # a pool whose stride was left out: it stays the kernel
            assert axis.kind == "pool" and not axis.stride_given
            new.S = new.F
    return new


def diagnostic(report, code):
    found = [d for d in report.diagnostics if d.code == code]
    return found[0] if found else None


def check_axis(axis: Axis1D, rounding: str) -> str:
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
        assert report.valid and report.output == cnncalc.Volume(length, 1, 1)
        return "deconv"

    floor = floor_windows(axis.W, axis.F, axis.S, axis.p_lo, axis.p_hi, axis.d)
    exact = bool(floor) and floor[-1] + axis.span - 1 == axis.W - 1 + axis.p_hi  # the last window ends flush
    if rounding == "ceil":
        ceil = ceil_windows(axis.W, axis.F, axis.S, axis.p_lo, axis.p_hi, axis.d)
        if not ceil:
            assert diagnostic(report, "empty-output") and not report.valid
            return "empty"
        assert report.valid, report.diagnostics
        assert report.output.width == len(ceil)
        assert not report.diagnostics  # ceil leaves nothing uncovered: no dropped-border
        return "ceil-rule" if len(ceil) < len(floor) + (not exact) else "ceil"
    if not floor:
        assert diagnostic(report, "empty-output") and not report.valid, report.diagnostics
        return "empty"
    if rounding == "floor":
        assert report.valid and report.output.width == len(floor)
        dropped = dropped_after(axis.W, axis.F, axis.d, floor)
        warning = diagnostic(report, "dropped-border")
        if dropped:
            assert warning is not None and not warning.is_error
            assert re.search(rf"\blast {'' if dropped == 1 else f'{dropped} '}columns?\b", warning.message), \
                (dropped, warning.message)
            assert "row" not in warning.message  # the height is 1 and fully read
            return "dropped"
        assert warning is None
        return "floor"
    # exact
    if exact:
        assert report.valid and report.output.width == len(floor)
        return "exact"
    problem = diagnostic(report, "non-integer-output")
    assert problem is not None and not report.valid, report.diagnostics
    changes = 0
    for suggestion in problem.suggestions:
        if suggestion.startswith("rounding: "):
            mode, width = re.fullmatch(r"rounding: (floor|ceil)(?: — PyTorch's rule —)? gives (\d+)(?:×1)?(?: .*)?",
                                       suggestion).groups()
            windows = (floor if mode == "floor" else
                       ceil_windows(axis.W, axis.F, axis.S, axis.p_lo, axis.p_hi, axis.d))
            assert int(width) == len(windows), (suggestion, len(windows))
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
        assert again.valid and again.output.width == claimed, (suggestion, again.diagnostics)
    assert changes >= 1  # at least one change of padding, stride, kernel or input size
    return "non-integer"


AXIS_SETTINGS = settings(derandomize=True, max_examples=300, deadline=None, database=None,
                         suppress_health_check=[HealthCheck.too_slow])


@st.composite
def axes(draw, kind: str):
    W, F, S = draw(st.integers(1, 40)), draw(st.integers(1, 7)), draw(st.integers(1, 5))
    d = draw(st.integers(1, 3))
    if kind == "pool":
        mode = draw(st.sampled_from(["max", "max", "avg", "l2"]))
        stride_given = draw(st.booleans())
        if not stride_given:
            S = F
        P = draw(st.integers(0, 3))
        return Axis1D(kind, W, F, S, P, P, d, mode=mode, stride_given=stride_given)
    if kind == "deconv":
        op, P = draw(st.integers(0, max(S, d) - 1)), draw(st.integers(0, 3))
        return Axis1D(kind, W, F, S, P, P, d, output_padding=op)
    P = draw(st.integers(0, 3))
    return Axis1D(kind, W, F, S, P, P, d)


@pytest.mark.parametrize("kind, rounding", [("conv", r) for r in ("exact", "floor", "ceil")]
                         + [("pool", r) for r in ("exact", "floor", "ceil")]
                         + [("local", "floor"), ("deconv", "exact")])
def test_window_arithmetic_against_brute_force(kind, rounding):
    @AXIS_SETTINGS
    @given(axes(kind))
    def run(axis):
        check_axis(axis, rounding)

    run()


def test_deconv_output_padding_must_be_below_stride_or_dilation():
    for S, d in ((1, 1), (2, 1), (1, 3), (3, 2)):
        for op in range(0, max(S, d) + 2):
            check_axis(Axis1D("deconv", 5, 3, S, 1, 1, d, output_padding=op), "exact")


def test_every_kind_of_case_is_reached():
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
                                axis = Axis1D(kind, W, F, S, P, P, d, output_padding=(S - 1) % max(S, d))
                                outcome = check_axis(axis, rounding)
                                seen[kind, outcome] = seen.get((kind, outcome), 0) + 1
    for outcome in ("exact", "non-integer", "empty", "floor", "dropped", "ceil", "ceil-rule"):
        assert seen.get(("conv", outcome)), outcome
    for outcome in ("exact", "non-integer", "empty", "floor", "dropped", "ceil", "ceil-rule", "refused"):
        assert seen.get(("pool", outcome)), outcome
    assert seen.get(("deconv", "deconv")) and seen.get(("deconv", "empty"))


def test_asymmetric_padding_suggestions_apply():
    # (10 − 3 + 0 + 0)/2 + 1 = 4.5; one more column of padding on the right makes it 5 exactly
    axis = Axis1D("conv", 10, 3, 2, 0, 0, 1)
    assert check_axis(axis, "exact") == "non-integer"
    report = cnncalc.analyze(axis.spec("exact"))
    assert any(s.startswith("padding: {left: 0, right: 1, top: 0, bottom: 0} gives 5")
               for s in report.diagnostics[0].suggestions)
    assert check_axis(Axis1D("conv", 10, 3, 2, 0, 1, 1), "exact") == "exact"


def test_ceil_drops_a_window_in_the_right_padding():
    # INPUT(1x1x1) -> CONV(1, 1, P=1), ceil: the padded input is 3 wide, windows start at −1, 0, 1; the one
    # at 1 starts in the right padding, so PyTorch's ceil rule ((out − 1)·S >= W + P: 2·1 >= 1 + 1) gives 2
    axis = Axis1D("conv", 1, 1, 1, 1, 1, 1)
    assert len(ceil_windows(1, 1, 1, 1, 1, 1)) == 2
    report = cnncalc.analyze(axis.spec("ceil"))
    assert report.output == cnncalc.Volume(2, 1, 1)
