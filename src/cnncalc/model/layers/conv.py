"""Convolutions: conv, local (no weight sharing) and deconv (transposed), over 1 to 3 spatial axes."""
from __future__ import annotations

from math import gcd, isqrt, prod

from ...diagnostics import Diagnostic, error
from .. import receptive
from ..arithmetic import Axis, Rounding, transposed
from ..geometry import AXIS_NAMES, PerAxis, Volume, uniform
from ..params import BOOL, PER_AXIS_FROM_ZERO, POSITIVE_INT, Param
from .base import (
    AxisMap,
    DepthMap,
    Fields,
    Refusal,
    Shape,
    Term,
    Torch,
    Unexportable,
    any_volume,
    axis_symbols,
    bias_outputs,
    call,
    macs,
    torch_dims,
)
from .window import WINDOW, Windowed, axes_error, kernel_symbols, pad_module, torch_sides, window_label

# How the peer tools count a convolution (README's table of conventions links each tool's source).
_CONV_CONVENTIONS = {
    "torchvision": macs, "fvcore": macs, "thop": macs, "netscope": macs,
    "ptflops": lambda row: row.macs + bias_outputs(row),
    "torchinfo": lambda row: row.params * row.output.positions,  # parameters times output positions
    "calflops": lambda row: 2 * row.macs + bias_outputs(row),
}


class Conv(Windowed):
    TYPE = "conv"
    ALIASES = {"convolution": {}}
    PARAMS = {**WINDOW,
              "filters": Param(POSITIVE_INT, letter="K", doc="K: the number of filters, the output depth"),
              "groups": Param(POSITIVE_INT, 1, doc="must divide the input depth and the filters"),
              "bias": Param(BOOL, True)}
    POSITIONAL = ("filters", "kernel", "stride", "padding", "dilation", "groups", "bias")
    EXAMPLE = (16, 3)
    DIAGRAM = "conv"
    CONVENTIONS = _CONV_CONVENTIONS

    filters: int
    groups: int
    bias: bool

    def check(self) -> None:
        if self.filters % self.groups:
            raise ValueError(f"groups ({self.groups}) must divide filters ({self.filters})")

    def shape(self, volume: Volume, rounding: Rounding) -> Shape:
        if volume.depth % self.groups:
            return None, [groups_error(volume, self.filters, self.groups)]
        size, problems = self.spatial(volume, rounding)
        return (Volume.of(size, self.filters) if size else None), problems

    def depth_map(self) -> DepthMap | None:
        groups, filters = self.groups, self.filters
        return lambda sizes: None if sizes[-1] % groups else filters

    def _taps(self, volume: Volume) -> int:
        return prod(self.kernel.resolve(volume.axes, "kernel")) * (volume.depth // self.groups)

    def weights(self, volume: Volume, out: Volume) -> int:
        return self._taps(volume) * self.filters

    def biases(self, volume: Volume, out: Volume) -> int:
        return self.filters if self.bias else 0

    def macs(self, volume: Volume, out: Volume) -> int:
        return out.elements * self._taps(volume)

    def label(self) -> str:
        return window_label(self.TYPE.upper(), self.kernel, self.stride, f"-{self.filters}")

    def torch(self, row, ceil: bool, flat: bool) -> list[Torch]:
        count = row.input.axes
        before, after, why = torch_sides(self, row)
        modules = [] if before == after else [pad_module(row, before, after, why)]
        padding = before if before == after else (0,) * count
        return modules + [Torch(call(
            f"nn.Conv{torch_dims(row.input)}", row.input.depth, self.filters, self.kernel.resolve(count, "kernel"),
            stride=(self.stride.resolve(count, "stride"), (1,) * count), padding=(padding, (0,) * count),
            dilation=(self.dilation.resolve(count, "dilation"), (1,) * count), groups=(self.groups, 1),
            bias=(self.bias, True)))]

    def _kernel_terms(self, volume: Volume) -> tuple[str, tuple[int, ...]]:
        """The symbols of one filter's taps (`F·F·D`, `F·F·(D/groups)`) and their numbers."""
        kernel = self.kernel.resolve(volume.axes, "kernel")
        symbols = kernel_symbols(kernel) + ("·D" if self.groups == 1 else "·(D/groups)")
        return symbols, (*kernel, volume.depth // self.groups)

    def explain(self, volume: Volume, out: Volume) -> list[Term]:
        kernel, factors = self._kernel_terms(volume)
        positions = _positions(out)
        weights, biases = self.weights(volume, out), self.biases(volume, out)
        full_kernel = self.kernel.resolve(volume.axes, "kernel")
        unshared = out.elements * (prod(full_kernel) * volume.depth + int(self.bias))
        return self.size_terms(volume, out) + [
            Term("depth", "K", value=out.depth),
            Term("weights", f"{kernel}·K", (*factors, self.filters), weights),
            Term("biases", "K", value=biases) if self.bias else Term("no-bias"),
            Term("params", factors=(weights, biases), value=weights + biases),
            Term("macs", f"{positions}·K·{kernel}", (*out, *factors), self.macs(volume, out)),
            Term("unshared", f"{positions}·K", tuple(out), unshared,
                 {"kernel": kernel_symbols(full_kernel) + "·D", "taps": (*full_kernel, volume.depth),
                  "bias": self.bias, "shared": weights + biases}),
        ]


def _positions(out: Volume) -> str:
    """`W2·H2`: the notes' symbols of the output's spatial sizes."""
    return "·".join(axis_symbols(out.axes, 2))


def groups_error(volume: Volume, filters: int, groups: int) -> Diagnostic:
    common = gcd(volume.depth, filters)  # the groups that fit divide both: the divisors of their gcd
    fits = {d for i in range(1, isqrt(common) + 1) if common % i == 0 for d in (i, common // i)}
    nearest = sorted(fits, key=lambda g: (abs(g - groups), g))[:2]
    return error("invalid-groups", f"groups ({groups}) must divide the input depth ({volume.depth})",
                 suggestions=[f"groups: {g}" for g in nearest])


class Local(Conv):
    TYPE = "local"
    ALIASES = {"locally_connected": {}}
    PYTORCH_FLOORS = False  # PyTorch has no such layer
    PARAMS = {k: v for k, v in Conv.PARAMS.items() if k != "groups"}
    POSITIONAL = ("filters", "kernel", "stride", "padding", "dilation", "bias")
    AXES = (2,)
    CONVENTIONS = {**_CONV_CONVENTIONS, "torchinfo": lambda row: row.macs + bias_outputs(row)}
    groups = 1

    def weights(self, volume: Volume, out: Volume) -> int:
        return out.elements * self._taps(volume)  # a filter of its own at every output position: no sharing

    def torch(self, row, ceil: bool, flat: bool) -> list[Torch]:
        raise Unexportable("conv shares one filter across positions and exports as nn.Conv2d",
                           "write it by hand: torch.nn.functional.unfold, then a weight per output position")

    def biases(self, volume: Volume, out: Volume) -> int:
        return out.elements if self.bias else 0

    def explain(self, volume: Volume, out: Volume) -> list[Term]:
        kernel, factors = self._kernel_terms(volume)
        positions = _positions(out)
        return self.size_terms(volume, out) + [
            Term("depth", "K", value=out.depth),
            Term("local-weights", f"{positions}·K·{kernel}", (*out, *factors), self.weights(volume, out)),
            Term("biases", f"{positions}·K", tuple(out), self.biases(volume, out)) if self.bias else Term("no-bias"),
            Term("macs", f"{positions}·K·{kernel}", (*out, *factors), self.macs(volume, out)),
        ]


class Deconv(Conv):
    TYPE = "deconv"
    ALIASES = {"conv_transpose": {}}
    PARAMS = {**Conv.PARAMS, "output_padding": Param(PER_AXIS_FROM_ZERO, uniform(0),
                                                     doc="extra rows and columns at the end of the output")}
    POSITIONAL = ("filters", "kernel", "stride", "padding", "dilation", "groups", "bias", "output_padding")
    CONVENTIONS = {
        **_CONV_CONVENTIONS,
        # thop applies the forward conv's formula to the transposed conv's output
        "thop": lambda row: row.output.elements * (row.input.depth // row.layer.groups)
        * prod(row.layer.kernel.resolve(row.input.axes, "kernel")),
        # Netscope: C_in·C_out·W2·H2·(F/S)², rounded
        "netscope": lambda row: round(
            row.input.depth * row.output.elements * prod(row.layer.kernel.resolve(row.input.axes, "kernel"))
            / (prod(row.layer.stride.resolve(row.input.axes, "stride")) * row.layer.groups)),
    }
    output_padding: PerAxis

    def check(self) -> None:
        super().check()
        if self.padding.same and set(self.output_padding.values) != {0}:
            raise Refusal(
                "output_padding cannot go with padding: same: frameworks disagree on what it would mean",
                "TensorFlow's conv2d_transpose with 'same' fixes the output at W·S, while PyTorch's output_padding "
                "adds to it (and Keras' Conv2DTranspose, given both, pads ⌊F/2⌋ and then adds it)",
                "remove output_padding for W·S, or write the padding as a number or {left, right, top, bottom}")
        count = max(len(p.values) for p in (self.output_padding, self.stride, self.dilation))
        try:
            pads, strides, dilations = (p.resolve(count, n) for p, n in (
                (self.output_padding, "output_padding"), (self.stride, "stride"), (self.dilation, "dilation")))
        except ValueError:
            return  # the walk reports a mismatch of axes with the input's
        alike = len({(p, s, d) for p, s, d in zip(pads, strides, dilations)}) == 1
        for axis, (pad, stride, dilation) in enumerate(zip(pads, strides, dilations)):  # PyTorch's rule
            if pad >= max(stride, dilation):
                where = "" if alike else f" in {AXIS_NAMES[axis]}"
                raise ValueError(f"output_padding ({self.output_padding}) must be smaller than the stride or "
                                 f"the dilation{where}, as PyTorch requires")

    def axes(self, volume: Volume) -> tuple[Axis, ...]:
        """As a conv's, but `same` is TensorFlow's conv2d_transpose: the padding d(F−1)+1−S that makes
        the output W·S, split as a conv's (a negative total lengthens the output instead)."""
        if not self.padding.same:
            return super().axes(volume)
        conv_axes = super().axes(volume)  # for the kernel, stride and dilation per axis
        return tuple(a._replace(pad_lo=(a.span - a.stride) // 2, pad_hi=(a.span - a.stride) - (a.span - a.stride) // 2)
                     for a in conv_axes)

    def shape(self, volume: Volume, rounding: Rounding) -> Shape:
        if volume.depth % self.groups:
            return None, [groups_error(volume, self.filters, self.groups)]
        try:
            axes = self.axes(volume)
            extra = self.output_padding.resolve(volume.axes, "output_padding")
        except ValueError as exc:
            return None, [axes_error(exc)]
        size = tuple(transposed(a, op) for a, op in zip(axes, extra))
        if min(size) < 1:
            where = " and ".join(name for name, n in zip(AXIS_NAMES, size) if n < 1)
            return None, [error("empty-output", f"the output is empty ({'×'.join(map(str, size))}): in {where}, the "
                                "padding cuts away more than the transposed convolution produces",
                                suggestions=["use less padding"])]
        return Volume.of(size, self.filters), []

    def axis_map(self, axes: int, axis: int, rounding: Rounding) -> AxisMap | None:
        rest = self.axes(any_volume(axes))[axis][1:]  # every value resolved; the size is left to the map
        extra = self.output_padding.resolve(axes, "output_padding")[axis]

        def output(size: int) -> int | None:  # `shape`'s error: an empty output
            out = transposed(Axis(size, *rest), extra)
            return out if out >= 1 else None
        return output

    def fields(self, volume: Volume, fields: Fields) -> Fields:
        return tuple(receptive.transposed(f, a.span, a.stride, a.pad_lo) for f, a in zip(fields, self.axes(volume)))

    def weights(self, volume: Volume, out: Volume) -> int:
        return prod(self.kernel.resolve(volume.axes, "kernel")) * volume.depth * (self.filters // self.groups)

    def torch(self, row, ceil: bool, flat: bool) -> list[Torch]:
        """ConvTranspose pads both sides alike and adds output_padding at the end only: `same` and
        asymmetric padding are written as the padding and output_padding that give the row's size,
        with a crop of one at the end where output_padding cannot be used (stride and dilation 1)."""
        count = row.input.axes
        axes = self.axes(row.input)
        if not self.padding.same and all(a.pad_lo == a.pad_hi for a in axes):
            padding = tuple(a.pad_lo for a in axes)
            output_padding, crop = self.output_padding.resolve(count, "output_padding"), (0,) * count
        else:
            fitted = [_transposed_fit(a.size, a.stride, a.span, a.dilation, out)
                      for a, out in zip(axes, row.output.spatial)]
            padding, output_padding, crop = zip(*fitted)
        zero, one = (0,) * count, (1,) * count
        modules = [Torch(call(
            f"nn.ConvTranspose{torch_dims(row.input)}", row.input.depth, self.filters,
            self.kernel.resolve(count, "kernel"), stride=(self.stride.resolve(count, "stride"), one),
            padding=(tuple(padding), zero), output_padding=(tuple(output_padding), zero), groups=(self.groups, 1),
            bias=(self.bias, True), dilation=(self.dilation.resolve(count, "dilation"), one)))]
        if any(crop):
            modules.append(Torch(f"Crop({zero}, {tuple(crop)})"))
        return modules

    def macs(self, volume: Volume, out: Volume) -> int:
        return volume.elements * prod(self.kernel.resolve(volume.axes, "kernel")) * (self.filters // self.groups)

    def explain(self, volume: Volume, out: Volume) -> list[Term]:
        extra = self.output_padding.resolve(volume.axes, "output_padding")
        sizes = [Term("transposed-size", name, axis, size, {"output_padding": pad})
                 for name, axis, pad, size in zip(axis_symbols(volume.axes, 2), self.axes(volume), extra, out)]
        kernel = self.kernel.resolve(volume.axes, "kernel")
        taps, per_group = kernel_symbols(kernel), self.filters // self.groups
        k = "K" if self.groups == 1 else "(K/groups)"
        inputs = "·".join(axis_symbols(volume.axes))
        return sizes + [
            Term("depth", "K", value=out.depth),
            Term("weights", f"{taps}·D·{k}", (*kernel, volume.depth, per_group), self.weights(volume, out)),
            Term("biases", "K", value=self.biases(volume, out)) if self.bias else Term("no-bias"),
            Term("macs", f"{inputs}·D·{taps}·{k}", (*volume, *kernel, per_group), self.macs(volume, out)),
        ]


def _transposed_fit(size: int, stride: int, span: int, dilation: int, out: int) -> tuple[int, int, int]:
    """(padding, output_padding, crop at the end) for one axis of ConvTranspose to give `out`."""
    cut = (size - 1) * stride + span - out  # what padding must take away from the full output
    if cut <= 0:
        return 0, -cut, 0
    padding = (cut + 1) // 2
    if 2 * padding - cut < max(stride, dilation):  # PyTorch's bound on output_padding
        return padding, 2 * padding - cut, 0
    return cut // 2, 0, 1
