"""Pools: windowed (max, avg, l2), global, and adaptive (PyTorch's AdaptiveAvgPool/AdaptiveMaxPool)."""
from __future__ import annotations

from fractions import Fraction
from math import gcd, prod

from .. import receptive
from ..arithmetic import Axis, Rounding, slide, suggest_fixes
from ..geometry import AXIS_NAMES, PerAxis, Volume, uniform
from ..params import PER_AXIS, Param, choice
from .base import (
    COMMON,
    AxisMap,
    Fields,
    Layer,
    Shape,
    Term,
    Torch,
    call,
    constant,
    inputs,
    outputs,
    scaled,
    torch_dims,
    whole_input,
    zero,
)
from .window import WINDOW, Windowed, axes_error, pad_module, torch_sides, window_label


def _mode(row) -> str:
    return row.layer.mode


class Pool(Windowed):
    TYPE = "pool"
    ALIASES = {"pooling": {}, "maxpool": {"mode": "max"}, "avgpool": {"mode": "avg"}, "l2pool": {"mode": "l2"}}
    PARAMS = {**WINDOW,
              "kernel": Param(PER_AXIS, uniform(2), letter="F", doc="F"),
              "stride": Param(PER_AXIS, None, letter="S", doc="S; the kernel when left out"),
              "mode": Param(choice("max", "avg", "l2"), "max")}
    POSITIONAL = ("kernel", "stride", "padding", "mode")
    DIAGRAM = "pool"
    CONVENTIONS = {
        "torchvision": zero, "torchinfo": zero, "netscope": zero, "calflops": inputs,
        "fvcore": zero,
        "ptflops": lambda row: inputs(row) if _mode(row) == "l2" else 2 * inputs(row),
        "thop": lambda row: outputs(row) if _mode(row) == "avg" else 0,
    }
    mode: str
    stride_is_kernel: bool

    def check(self) -> None:
        self._fill(stride_is_kernel=self.stride is None)
        if self.stride is None:  # a pool's stride defaults to its kernel, which is only known now
            self._fill(stride=self.kernel)
        if self.mode != "max" and set(self.dilation.values) != {1}:
            raise ValueError(f"{self.mode} pooling has no dilation in PyTorch; remove it")
        if self.padding.same:
            return
        count = max(len(p.values) for p in (self.kernel, self.padding.before, self.padding.after))
        try:
            kernel = self.kernel.resolve(count, "kernel")
            before, after = self.padding.resolve(count)
        except ValueError:
            return  # the walk reports a mismatch of axes with the input's
        # PyTorch bounds the padding by the kernel, not its dilated span
        over = [name for name, k, lo, hi in zip(AXIS_NAMES, kernel, before, after) if max(lo, hi) > k // 2]
        if over:
            where = f" in {over[0]}" if len(over) == 1 and count > 1 else ""
            raise ValueError(f"padding ({self.padding}) must be at most half the kernel ({self.kernel}){where}, "
                             "as PyTorch requires")

    def shape(self, volume: Volume, rounding: Rounding) -> Shape:
        size, problems = self.spatial(volume, rounding)
        return (Volume.of(size, volume.depth) if size else None), problems

    def suggest(self, axis: Axis) -> list[tuple[str, int, Axis]]:
        return suggest_fixes(axis, lambda a: max(a.pad_lo, a.pad_hi) <= a.kernel // 2, self.stride_is_kernel)

    def flops(self, volume: Volume, out: Volume) -> int:
        return out.elements * prod(self.kernel.resolve(volume.axes, "kernel"))  # one compare or add per tap

    def explain(self, volume: Volume, out: Volume) -> list[Term]:
        return self.size_terms(volume, out) + [Term("depth", "D", value=out.depth),
                                               Term("no-params", extra={"layer": self.TYPE})]

    def label(self) -> str:
        name = {"max": "POOL", "avg": "AVGPOOL", "l2": "L2POOL"}[self.mode]
        return window_label(name, self.kernel, None if self.stride == self.kernel else self.stride)

    def torch(self, row, ceil: bool, flat: bool) -> list[Torch]:
        count, n = row.input.axes, torch_dims(row.input)
        axes = self.axes(row.input)
        kernel = self.kernel.resolve(count, "kernel")
        stride = (self.stride.resolve(count, "stride"), kernel)
        dilation = (self.dilation.resolve(count, "dilation"), (1,) * count)
        module = {"max": "MaxPool", "avg": "AvgPool"}.get(self.mode)
        # ATen's avg_pool3d refuses an input smaller than the kernel on any axis, whatever its padding;
        # padded first, it is not (the padding's zeros count in the average either way)
        refused = module == "AvgPool" and count == 3 and any(a.size < a.kernel for a in axes)
        if module and not refused and all(a.pad_lo == a.pad_hi <= a.kernel // 2 for a in axes):
            # PyTorch's own padding (at most half the undilated kernel) and ceil_mode round exactly as
            # cnncalc does (arithmetic.slide)
            ceil = ceil or tuple(slide(a, Rounding.FLOOR).size for a in axes) != row.output.spatial
            padding = tuple(a.pad_lo for a in axes)
            return [Torch(call(f"nn.{module}{n}", kernel, stride=stride, padding=(padding, (0,) * count),
                               dilation=dilation, ceil_mode=(ceil, False)))]
        # asymmetric, `same` or wider padding, LPPool (which takes none), or an input that AvgPool3d refuses:
        # pad first, to the sides that give the row's size under PyTorch's floor rounding
        before, after, why = torch_sides(self, row)
        why = why or ("AvgPool3d takes no input smaller than its kernel" if refused else "")
        fill = ("ConstantPad", 'float("-inf")') if self.mode == "max" else ("ZeroPad",)  # max pools pad with -inf
        modules = [pad_module(row, before, after, why, *fill)] if any(before + after) else []
        if module is None:
            return modules + [Torch(call(f"nn.LPPool{n}", 2, kernel, stride=stride))]
        return modules + [Torch(call(f"nn.{module}{n}", kernel, stride=stride, dilation=dilation))]


class GlobalPool(Layer):
    TYPE = "global_pool"
    ALIASES = {"gap": {"mode": "avg"}, "gmp": {"mode": "max"}}
    PARAMS = {**COMMON, "mode": Param(choice("avg", "max"), "avg")}
    POSITIONAL = ("mode",)
    DIAGRAM = "pool"
    CONVENTIONS = {
        "torchvision": zero, "torchinfo": zero, "netscope": zero, "calflops": inputs,
        "fvcore": lambda row: inputs(row) if _mode(row) == "avg" else 0,
        "ptflops": scaled(inputs, 2),
        "thop": lambda row: _thop_adaptive(row) if _mode(row) == "avg" else 0,
    }
    mode: str

    def shape(self, volume: Volume, rounding: Rounding) -> Shape:
        return Volume.of((1,) * volume.axes, volume.depth), []

    def axis_map(self, axes: int, axis: int, rounding: Rounding) -> AxisMap | None:
        return constant(1)

    def fields(self, volume: Volume, fields: Fields) -> Fields:
        return whole_input(volume, fields)

    def flops(self, volume: Volume, out: Volume) -> int:
        return volume.elements

    def label(self) -> str:
        return "GAP" if self.mode == "avg" else "GMP"

    def torch(self, row, ceil: bool, flat: bool) -> list[Torch]:
        return [Torch(f"nn.Adaptive{self.mode.capitalize()}Pool{torch_dims(row.input)}(1)")]


def _thop_adaptive(row) -> int:
    """thop: (the window ⌊W/O⌋·⌊H/O⌋ + 1) per output element."""
    window = prod(size // out for size, out in zip(row.input.spatial, row.output.spatial))
    return (window + 1) * row.output.elements


# PyTorch's adaptive pooling reads windows [⌊iW/O⌋, ⌈(i+1)W/O⌉) for i < O. In closed form, so that
# a huge O costs nothing: with q, r = divmod(W, O) and g = gcd(W, O), the windows add up to
# W + O − g, and the widest is q when r = 0, q + 1 when r = g, q + 2 otherwise.
def _adaptive_total(size: int, out: int) -> int:
    return size + out - gcd(size, out)


def _adaptive_widest(size: int, out: int) -> int:
    q, r = divmod(size, out)
    return q if r == 0 else q + 1 if r == gcd(size, out) else q + 2


class AdaptivePool(Layer):
    TYPE = "adaptive_pool"
    PARAMS = {**COMMON, "output": Param(PER_AXIS, doc="the output's size per spatial axis"),
              "mode": Param(choice("avg", "max"), "avg")}
    POSITIONAL = ("output", "mode")
    EXAMPLE = (7,)
    DIAGRAM = "pool"
    CONVENTIONS = GlobalPool.CONVENTIONS
    output: PerAxis
    mode: str

    def shape(self, volume: Volume, rounding: Rounding) -> Shape:
        try:
            return Volume.of(self.output.resolve(volume.axes, "output"), volume.depth), []
        except ValueError as exc:
            return None, [axes_error(exc)]

    def axis_map(self, axes: int, axis: int, rounding: Rounding) -> AxisMap | None:
        return constant(self.output.resolve(axes, "output")[axis])

    def fields(self, volume: Volume, fields: Fields) -> Fields:
        """PyTorch's windows are [⌊iW/O⌋, ⌈(i+1)W/O⌉): the widest of them, at a stride of W/O."""
        sizes = self.output.resolve(volume.axes, "output")
        return tuple(receptive.window(f, _adaptive_widest(size, out), Fraction(size, out), 0)
                     for f, size, out in zip(fields, volume.spatial, sizes))

    def flops(self, volume: Volume, out: Volume) -> int:
        return prod(_adaptive_total(size, o) for size, o in zip(volume.spatial, out.spatial)) * volume.depth

    def label(self) -> str:
        return f"ADAPTIVE{self.mode.upper()}POOL-{self.output}"

    def torch(self, row, ceil: bool, flat: bool) -> list[Torch]:
        output = self.output.resolve(row.input.axes, "output")
        return [Torch(call(f"nn.Adaptive{self.mode.capitalize()}Pool{torch_dims(row.input)}", output))]
