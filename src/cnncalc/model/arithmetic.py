"""Pure integer arithmetic of sliding windows along one axis.

The output size of a window of F taps, dilation d, stride S over W inputs padded by P_lo and P_hi is
    (W + P_lo + P_hi - d(F - 1) - 1) / S + 1
(cs231n notes, "Spatial arrangement"; Dumoulin and Visin, arXiv 1603.07285, relationship 6;
PyTorch's Conv2d and MaxPool2d documentation). A transposed convolution inverts it:
    (W - 1)S - P_lo - P_hi + d(F - 1) + output_padding + 1.
"""
from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import NamedTuple


class Rounding(str, Enum):
    EXACT = "exact"
    FLOOR = "floor"
    CEIL = "ceil"


def as_rounding(value: "Rounding | str | None") -> "Rounding | None":
    """A rounding given by name, or None when none is given."""
    return Rounding(value) if value else None


class Axis(NamedTuple):
    """One axis of a sliding window: everything its output size depends on."""

    size: int
    kernel: int
    stride: int = 1
    pad_lo: int = 0
    pad_hi: int = 0
    dilation: int = 1

    @property
    def span(self) -> int:
        return self.dilation * (self.kernel - 1) + 1

    @property
    def numerator(self) -> int:
        return self.size + self.pad_lo + self.pad_hi - self.span

    @property
    def is_exact(self) -> bool:
        return self.numerator % self.stride == 0

    def formula(self) -> str:
        """The notes' arithmetic with the numbers in, e.g. `(10 − 3 + 2·0)/2 + 1 = 4.5`."""
        pad = f"2·{self.pad_lo}" if self.pad_lo == self.pad_hi else f"{self.pad_lo} + {self.pad_hi}"
        value = self.numerator / self.stride + 1
        return f"({self.size} − {self._span_terms()} + {pad})/{self.stride} + 1 = {value:.10g}"

    def transposed_formula(self, output_padding: int) -> str:
        """A transposed convolution's size with the numbers in, e.g. `(8 − 1)·2 − 0 + 3 + 0 = 17`."""
        return (f"({self.size} − 1)·{self.stride} − {self.pad_lo + self.pad_hi} + {self._span_terms()} + "
                f"{output_padding} = {transposed(self, output_padding)}")

    def _span_terms(self) -> str:
        """The window's span: the kernel, or `(d·(F − 1) + 1)` when dilated."""
        return str(self.kernel) if self.dilation == 1 else f"({self.dilation}·({self.kernel} − 1) + 1)"


class AxisResult(NamedTuple):
    size: int  # the rounded output size; below 1 means the output is empty
    exact: bool  # the division came out whole
    dropped: int  # input rows past the last window (only under floor rounding)


def slide(axis: Axis, rounding: Rounding) -> AxisResult:
    """Output size of a window sliding along `axis`, rounded as PyTorch rounds it.

    Under `ceil`, every window must start inside the input or its left padding (the contract's
    rule, ATen's pooling_output_shape: `if (out - 1) * S >= W + P_lo: out -= 1`). A pool's
    padding is at most half its kernel, so at most its last window can start in the right padding
    and ATen's one step is the rule; a conv's wider padding can hold several, and all are dropped.
    """
    num, stride = axis.numerator, axis.stride
    exact = num % stride == 0
    if rounding is Rounding.CEIL:
        starting_inside = -(-(axis.size + axis.pad_lo) // stride)
        out = min(-(-num // stride) + 1, starting_inside)
        return AxisResult(out, exact, 0)
    out = num // stride + 1
    dropped = 0
    if rounding is Rounding.FLOOR and out >= 1 and not exact:
        last_tap = (out - 1) * stride - axis.pad_lo + axis.span - 1
        dropped = max(0, axis.size - 1 - last_tap)
    return AxisResult(out, exact, dropped)


def same_size(size: int, stride: int) -> int:
    """TensorFlow's `same`: the output is ⌈W/S⌉, whatever the kernel."""
    return -(-size // stride)


def same_padding(size: int, kernel: int, stride: int, dilation: int) -> tuple[int, int]:
    """The padding of `same` (output ⌈W/S⌉), the odd extra padding at the end (right or bottom)."""
    out = same_size(size, stride)
    total = max((out - 1) * stride + dilation * (kernel - 1) + 1 - size, 0)
    return total // 2, total - total // 2


def transposed(axis: Axis, output_padding: int) -> int:
    """Output size of a transposed convolution (PyTorch ConvTranspose2d)."""
    return (axis.size - 1) * axis.stride - axis.pad_lo - axis.pad_hi + axis.span + output_padding


REACH = 16  # candidates of each kind tried on either side of the value: a stride in the millions
# would otherwise have millions, and its nearest fix, if that far, helps nobody


def suggest_fixes(axis: Axis, allowed: Callable[[Axis], bool] = lambda _: True,
                  stride_is_kernel: bool = False) -> list[tuple[str, int, Axis]]:
    """The nearest changes of padding, stride, kernel or input size that make `axis` whole.

    `allowed` says whether the layer accepts a candidate (a pool's padding is at most half its
    kernel); `stride_is_kernel` makes a kernel candidate move its stride along (a pool whose
    stride is left out). Each candidate is verified by recomputing its output with `slide`;
    returns (what, output, axis). Candidates are sought within REACH of the present values.
    """
    found: list[tuple[str, int, Axis]] = []

    def first(name: str, candidates) -> None:
        for candidate in candidates:
            if candidate.numerator >= 0 and candidate.is_exact and allowed(candidate):
                found.append((name, slide(candidate, Rounding.EXACT).size, candidate))
                return

    a = axis

    def by_distance(low: int, high: int, origin: int) -> list[int]:
        """The values from `low` to `high` (at least 1, and within REACH of `origin`), nearest first."""
        values = range(max(low, origin - REACH, 1), min(high, origin + REACH) + 1)
        return sorted((v for v in values if v != origin), key=lambda v: (abs(v - origin), -v))

    pads = range(max(a.pad_lo - REACH, 0), min(max(a.pad_lo, a.pad_hi) + a.stride, a.pad_lo + REACH) + 1)
    symmetric = sorted((p for p in pads if (p, p) != (a.pad_lo, a.pad_hi)), key=lambda p: (abs(p - a.pad_lo), p))
    end_changes = [d for d in range(-min(a.pad_hi, REACH), min(a.stride, REACH + 1)) if d]  # at the end only
    first("padding", [a._replace(pad_lo=p, pad_hi=p) for p in symmetric]
          + [a._replace(pad_hi=a.pad_hi + d) for d in sorted(end_changes, key=abs)])
    first("stride", [a._replace(stride=s) for s in by_distance(1, 2 * a.stride, a.stride)])
    first("kernel", [a._replace(kernel=k, stride=k if stride_is_kernel else a.stride)
                     for k in by_distance(1, a.kernel + a.stride, a.kernel)])
    first("input size", [a._replace(size=w) for w in range(a.size - 1, max(a.size - a.stride, a.size - 1 - REACH, 0),
                                                           -1)])
    first("input size", [a._replace(size=w) for w in range(a.size + 1, a.size + min(a.stride, REACH) + 1)])
    return found
