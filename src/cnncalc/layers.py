"""One class per layer type: its parameters (validated by pydantic-core, see params.py), its
output volume, receptive field, counts and worked arithmetic.

The layer types and their names live here: adding one means a class here, listed in LAYER_TYPES.
The compact notation, the YAML front end, the analysis and the JSON schema read them from here.
Three other places map types onto what they are elsewhere, and a test checks each knows every
type: export_pytorch.py (the PyTorch module), diagram.py (how a box looks) and conventions.py
(each peer tool's FLOPs).
"""
from __future__ import annotations

from fractions import Fraction
from math import gcd, isqrt
from typing import Any, ClassVar

from pydantic_core import SchemaValidator

from . import receptive
from .arithmetic import Axis, Rounding, same_padding, slide, suggest_fixes, transposed
from .diagnostics import Diagnostic, error, warning
from .params import (
    BOOL,
    DILATION,
    FLOAT,
    ID,
    NON_NEGATIVE_INT,
    PADDING,
    PAIR,
    PAIR_FROM_ZERO,
    POSITIVE_FLOAT,
    POSITIVE_INT,
    PROBABILITY,
    ROUNDING,
    VOLUME,
    Param,
    choice,
    schema_for,
)
from .receptive import Field
from .volumes import Padding, Pair, Volume

Shape = tuple[Volume | None, list[Diagnostic]]
Fields = tuple[Field, Field]  # the receptive field along the width and along the height
COMMON = {"id": Param(ID, None, doc="a name for `from:` to refer to"),
          "rounding": Param(ROUNDING, None, doc="overrides the spec's rounding for this layer")}


class Refusal(ValueError):
    """Parameters that cannot go together, with help lines that say why or how to fix them."""

    def __init__(self, message: str, *suggestions: str) -> None:
        super().__init__(message)
        self.suggestions = suggestions


class Layer:
    """A layer: its validated parameters (as attributes), and what it does to a volume."""

    TYPE: ClassVar[str]
    PARAMS: ClassVar[dict[str, Param]] = COMMON
    ALIASES: ClassVar[dict[str, dict[str, Any]]] = {}  # alias -> parameters it presets
    POSITIONAL: ClassVar[tuple[str, ...]] = ()
    EXAMPLE: ClassVar[tuple[Any, ...]] = ()  # positional values for the required parameters, for hints
    _validator: ClassVar[SchemaValidator | None] = None

    id: str | None
    rounding: Rounding | None

    @classmethod
    def validate(cls, params: dict[str, Any]) -> "Layer":
        """Validate a parameter mapping; raises pydantic-core's ValidationError, or ValueError from `check`."""
        if cls.__dict__.get("_validator") is None:  # built on first use: start-up pays only for types in use
            cls._validator = SchemaValidator(schema_for(cls.PARAMS))
        values = cls._validator.validate_python(params)
        layer = cls.__new__(cls)
        layer.__dict__.update(values)
        layer.rounding = Rounding(values["rounding"]) if values["rounding"] else None
        layer.check()
        return layer

    def check(self) -> None:
        """Rules across parameters; raise ValueError (or a Refusal, with help lines) to refuse."""

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items() if v is not None)
        return f"{type(self).__name__}({shown})"

    def shape(self, volume: Volume, rounding: Rounding) -> Shape:
        return volume, []

    def fields(self, volume: Volume, fields: Fields) -> Fields:
        """The receptive field of an output unit, given that of an input unit (receptive.py)."""
        return fields

    def weights(self, volume: Volume, out: Volume) -> int:
        return 0

    def biases(self, volume: Volume, out: Volume) -> int:
        return 0

    def buffers(self, volume: Volume, out: Volume) -> int:
        return 0

    def macs(self, volume: Volume, out: Volume) -> int:
        return 0

    def flops(self, volume: Volume, out: Volume) -> int:
        """cnncalc's own convention; README's table of counts states it per type."""
        return 2 * self.macs(volume, out)

    def label(self) -> str:
        return self.TYPE.upper()

    def explain(self, volume: Volume, out: Volume) -> list[str]:
        """The worked arithmetic of this layer, in the cs231n notes' notation."""
        if out == volume:
            return [f"W2×H2×D2 = W×H×D = {out} (elementwise: no parameters)"]
        return [f"W2×H2×D2 = {out}"]


def equation(name: str, symbols: str, factors, value: int) -> str:
    """`weights = F·F·D·K = 11·11·3·96 = 34,848`."""
    return f"{name} = {symbols} = {'·'.join(map(str, factors))} = {value:,}"


class Input(Layer):
    TYPE = "input"
    PARAMS = {**COMMON, "volume": Param(VOLUME, doc="width x height x depth")}
    POSITIONAL = ("volume",)
    EXAMPLE = ("32x32x3",)


_WINDOW = {
    **COMMON,
    "kernel": Param(PAIR, letter="F", doc="F: the window's width and height"),
    "stride": Param(PAIR, Pair(1, 1), letter="S", doc="S"),
    "padding": Param(PADDING, Padding(), letter="P", doc="P: a number, WxH, same, valid or {left, right, top, bottom}"),
    "dilation": Param(DILATION, Pair(1, 1), doc="1 is an ordinary window"),
}


class _Windowed(Layer):
    """Shared by the layers that slide a window: conv, local, deconv, pool."""

    kernel: Pair
    stride: Pair
    padding: Padding
    dilation: Pair

    def axes(self, volume: Volume) -> tuple[Axis, Axis]:
        stride, pad = self.stride, self.padding
        if pad.same:
            pad = Padding(*same_padding(volume.width, self.kernel.width, stride.width, self.dilation.width),
                          *same_padding(volume.height, self.kernel.height, stride.height, self.dilation.height))
        return (Axis(volume.width, self.kernel.width, stride.width, pad.left, pad.right, self.dilation.width),
                Axis(volume.height, self.kernel.height, stride.height, pad.top, pad.bottom, self.dilation.height))

    def fields(self, volume: Volume, fields: Fields) -> Fields:
        return tuple(receptive.window(f, a.span, a.stride, a.pad_lo) for f, a in zip(fields, self.axes(volume)))

    def suggest(self, axis: Axis) -> list[tuple[str, int, Axis]]:
        """Verified changes that make `axis` whole (arithmetic.suggest_fixes), within this layer's rules."""
        return suggest_fixes(axis)

    def explain_size(self, volume: Volume, out: Volume) -> list[str]:
        axes = self.axes(volume)
        if self.padding.same:
            return [f"{n}2 = ⌈{a.size}/{a.stride}⌉ = {o} (same padding: {a.pad_lo} before, {a.pad_hi} after)"
                    for n, a, o in zip("WH", axes, out)]
        lines = [f"W2 = {axes[0].formula()}"]
        if axes[1] != axes[0]:
            lines.append(f"H2 = {axes[1].formula()}")
        else:
            lines.append(f"H2 = W2 = {out.height}")
        if not all(a.is_exact for a in axes):
            lines.append(f"not whole: rounded to {out.width}×{out.height}")
        return lines

    def spatial(self, volume: Volume, rounding: Rounding) -> tuple[Pair | None, list[Diagnostic]]:
        """Output width and height, or None with the diagnostics that say why not."""
        axes = self.axes(volume)
        if self.padding.same:  # TensorFlow's rule: ⌈W/S⌉ whatever the kernel and the rounding
            size = Pair(*(-(-a.size // a.stride) for a in axes))
            return size, self.same_dropped(axes) if rounding is Rounding.FLOOR else []
        results = [slide(a, rounding) for a in axes]
        problems: list[Diagnostic] = []
        if any(r.size < 1 for r in results):
            empty = [_named(i) + f"{a.formula()} (the window, {a.span}, is larger than the padded input, "
                     f"{a.size + a.pad_lo + a.pad_hi})" for i, a in _failing(axes, [r.size >= 1 for r in results])]
            problems.append(error("empty-output", f"the output is empty: {'; '.join(empty)}",
                                  suggestions=["use a smaller kernel or stride, more padding, or a larger input"]))
            return None, problems
        if rounding is Rounding.EXACT and not all(r.exact for r in results):
            problems.append(_non_integer(axes, [r.exact for r in results], self.suggest))
            return None, problems
        dropped = [r.dropped for r in results]
        if any(dropped):
            problems.append(_dropped_border("floor rounding", dropped, _rounding_hints(axes)[1:]))
        return Pair(results[0].size, results[1].size), problems

    def same_dropped(self, axes: tuple[Axis, Axis]) -> list[Diagnostic]:
        """`dropped-border` for same padding. Its output ⌈W/S⌉ is also the floored slide over its padding,
        which reads every input column unless the stride is wider than the window: then the padding
        max((⌈W/S⌉ − 1)·S + d(F−1) + 1 − W, 0) clamps at 0 and the windows stop short of the end."""
        dropped = [slide(a, Rounding.FLOOR).dropped for a in axes]
        if not any(dropped):
            return []
        # d more per kernel step: ⌈n/d⌉ steps make the window reach n columns further
        kernel = Pair(*(a.kernel - (-n // a.dilation) for a, n in zip(axes, dropped)))
        return [_dropped_border(f"same padding (the stride {self.stride} is wider than the window)", dropped,
                                [f"kernel: {kernel} makes the windows reach the end of the input"])]


def _dropped_border(cause: str, dropped: list[int], suggestions: list[str]) -> Diagnostic:
    where = " and ".join(what if n == 1 else f"{n} {what}s" for n, what in zip(dropped, ("column", "row")) if n)
    return warning("dropped-border", f"{cause} leaves the last {where} of the input uncovered by any window",
                   suggestions=suggestions)


def _rounding_hints(axes: tuple[Axis, Axis]) -> list[str]:
    floor = Pair(*(slide(a, Rounding.FLOOR).size for a in axes))
    ceil = Pair(*(slide(a, Rounding.CEIL).size for a in axes))
    return [f"rounding: floor gives {floor.width}×{floor.height} (as PyTorch does by default)",
            f"rounding: ceil gives {ceil.width}×{ceil.height} (as Caffe and ceil_mode=True do)"]


def _failing(axes: tuple[Axis, Axis], ok: list[bool]) -> list[tuple[int | None, Axis]]:
    """(index, axis) of each axis that is not `ok`; one (None, axis) when both axes are alike."""
    if axes[0] == axes[1]:
        return [(None, axes[0])]
    return [(i, axes[i]) for i in (0, 1) if not ok[i]]


def _named(index: int | None) -> str:
    """'width: ' or 'height: ' before one axis's arithmetic; nothing when it stands for both."""
    return "" if index is None else f"{_AXIS_NAMES[index]}: "


def _non_integer(axes: tuple[Axis, Axis], exact: list[bool], suggest) -> Diagnostic:
    """`non-integer-output` with the arithmetic and verified suggestions, per failing axis."""
    failing = _failing(axes, exact)
    arithmetic = "; ".join(_named(i) + a.formula() for i, a in failing)
    suggestions = [_describe_fix(what, i, axes, fixed, out) for i, a in failing for what, out, fixed in suggest(a)]
    return error("non-integer-output", f"the output size is not a whole number: {arithmetic}",
                 suggestions=suggestions + _rounding_hints(axes))


_AXIS_NAMES = ("width", "height")


def _describe_fix(what: str, index: int | None, axes: tuple[Axis, Axis], new: Axis, out: int) -> str:
    """A suggestion in the spec's own words; `index` None means both axes change alike."""
    old = axes[0 if index is None else index]
    where = "" if index is None else f" in {_AXIS_NAMES[index]}"
    if what == "input size":
        return f"an input{where.replace(' in', '')} of {new.size} instead of {old.size} to this layer gives {out}"
    both = [new, new] if index is None else [*axes]
    if index is not None:
        both[index] = new
    w, h = both
    if what == "padding":
        value = (str(Pair(w.pad_lo, h.pad_lo)) if w.pad_lo == w.pad_hi and h.pad_lo == h.pad_hi else
                 f"{{left: {w.pad_lo}, right: {w.pad_hi}, top: {h.pad_lo}, bottom: {h.pad_hi}}}")
    else:
        value = str(Pair(getattr(w, what), getattr(h, what)))
    follows = " (its stride follows the kernel)" if what == "kernel" and new.stride != old.stride else ""
    return f"{what}: {value} gives {out}{where}{follows}"


class Conv(_Windowed):
    TYPE = "conv"
    ALIASES = {"convolution": {}}
    PARAMS = {**_WINDOW,
              "filters": Param(POSITIVE_INT, letter="K", doc="K: the number of filters, the output depth"),
              "groups": Param(POSITIVE_INT, 1, doc="must divide the input depth and the filters"),
              "bias": Param(BOOL, True)}
    POSITIONAL = ("filters", "kernel", "stride", "padding", "dilation", "groups", "bias")
    EXAMPLE = (16, 3)

    filters: int
    groups: int
    bias: bool

    def check(self) -> None:
        if self.filters % self.groups:
            raise ValueError(f"groups ({self.groups}) must divide filters ({self.filters})")

    def shape(self, volume: Volume, rounding: Rounding) -> Shape:
        if volume.depth % self.groups:
            return None, [_groups_error(volume, self.filters, self.groups)]
        size, problems = self.spatial(volume, rounding)
        return (Volume(size.width, size.height, self.filters) if size else None), problems

    def _taps(self, volume: Volume) -> int:
        return self.kernel.width * self.kernel.height * (volume.depth // self.groups)

    def weights(self, volume: Volume, out: Volume) -> int:
        return self._taps(volume) * self.filters

    def biases(self, volume: Volume, out: Volume) -> int:
        return self.filters if self.bias else 0

    def macs(self, volume: Volume, out: Volume) -> int:
        return out.elements * self._taps(volume)

    def label(self) -> str:
        return _window_label(self.TYPE.upper(), self.kernel, self.stride, f"-{self.filters}")

    def _kernel_terms(self, volume: Volume) -> tuple[str, list[int]]:
        depth = volume.depth // self.groups
        symbols = ("F·F" if self.kernel.width == self.kernel.height else "Fw·Fh") + (
            "·D" if self.groups == 1 else "·(D/groups)")
        return symbols, [self.kernel.width, self.kernel.height, depth]

    def explain(self, volume: Volume, out: Volume) -> list[str]:
        kernel, factors = self._kernel_terms(volume)
        lines = self.explain_size(volume, out) + [f"D2 = K = {out.depth}"]
        lines.append(equation("weights", f"{kernel}·K", [*factors, self.filters], self.weights(volume, out)))
        lines.append(f"biases = K = {self.biases(volume, out):,}" if self.bias else "biases = 0 (bias: false)")
        lines.append(f"params = {self.weights(volume, out):,} + {self.biases(volume, out):,} = "
                     f"{self.weights(volume, out) + self.biases(volume, out):,}")
        lines.append(equation("MACs", f"W2·H2·K·{kernel}", [out.width, out.height, out.depth, *factors],
                              self.macs(volume, out)))
        unshared = out.elements * (self.kernel.width * self.kernel.height * volume.depth + int(self.bias))
        lines.append(f"without parameter sharing (a local layer): W2·H2·K·({kernel.replace('·(D/groups)', '·D')}"
                     f"{' + 1' if self.bias else ''}) = {out.width}·{out.height}·{out.depth}·("
                     f"{self.kernel.width}·{self.kernel.height}·{volume.depth}{' + 1' if self.bias else ''}) = "
                     f"{unshared:,} params, instead of {self.weights(volume, out) + self.biases(volume, out):,}")
        return lines


def _groups_error(volume: Volume, filters: int, groups: int) -> Diagnostic:
    common = gcd(volume.depth, filters)  # the groups that fit divide both: the divisors of their gcd
    fits = {d for i in range(1, isqrt(common) + 1) if common % i == 0 for d in (i, common // i)}
    nearest = sorted(fits, key=lambda g: (abs(g - groups), g))[:2]
    return error("invalid-groups", f"groups ({groups}) must divide the input depth ({volume.depth})",
                 suggestions=[f"groups: {g}" for g in nearest])


def _window_label(name: str, kernel: Pair, stride: Pair | None, suffix: str = "") -> str:
    """The notes' style: CONV3-64, POOL2; a stride other than the default is shown as /2."""
    text = f"{name}{kernel}{suffix}"
    return f"{text}/{stride}" if stride is not None and stride != Pair(1, 1) else text


class Local(Conv):
    TYPE = "local"
    ALIASES = {"locally_connected": {}}
    PARAMS = {k: v for k, v in Conv.PARAMS.items() if k != "groups"}
    POSITIONAL = ("filters", "kernel", "stride", "padding", "dilation", "bias")
    groups = 1

    def weights(self, volume: Volume, out: Volume) -> int:
        return out.elements * self._taps(volume)  # a filter of its own at every output position: no sharing

    def biases(self, volume: Volume, out: Volume) -> int:
        return out.elements if self.bias else 0

    def explain(self, volume: Volume, out: Volume) -> list[str]:
        kernel, factors = self._kernel_terms(volume)
        return self.explain_size(volume, out) + [
            f"D2 = K = {out.depth}",
            equation("weights", f"W2·H2·K·{kernel}", [out.width, out.height, out.depth, *factors],
                     self.weights(volume, out)) + " (a filter of its own at every position)",
            equation("biases", "W2·H2·K", [out.width, out.height, out.depth], self.biases(volume, out))
            if self.bias else "biases = 0 (bias: false)",
            equation("MACs", f"W2·H2·K·{kernel}", [out.width, out.height, out.depth, *factors], self.macs(volume, out)),
        ]


class Deconv(Conv):
    TYPE = "deconv"
    ALIASES = {"conv_transpose": {}}
    PARAMS = {**Conv.PARAMS, "output_padding": Param(PAIR_FROM_ZERO, Pair(0, 0),
                                                     doc="extra rows and columns at the end of the output")}
    POSITIONAL = ("filters", "kernel", "stride", "padding", "dilation", "groups", "bias", "output_padding")
    output_padding: Pair

    def check(self) -> None:
        super().check()
        if self.padding.same and self.output_padding != Pair(0, 0):
            raise Refusal(
                "output_padding cannot go with padding: same: frameworks disagree on what it would mean",
                "TensorFlow's conv2d_transpose with 'same' fixes the output at W·S, while PyTorch's output_padding "
                "adds to it (and Keras' Conv2DTranspose, given both, pads ⌊F/2⌋ and then adds it)",
                "remove output_padding for W·S, or write the padding as a number or {left, right, top, bottom}")
        square = all(p.width == p.height for p in (self.output_padding, self.stride, self.dilation))
        for axis in (0, 1):  # PyTorch: "output padding must be smaller than either stride or dilation"
            if self.output_padding[axis] >= max(self.stride[axis], self.dilation[axis]):
                where = "" if square else f" in {_AXIS_NAMES[axis]}"
                raise ValueError(f"output_padding ({self.output_padding}) must be smaller than the stride or "
                                 f"the dilation{where}, as PyTorch requires")

    def axes(self, volume: Volume) -> tuple[Axis, Axis]:
        """As a conv's, but `same` is TensorFlow's conv2d_transpose: the padding d(F−1)+1−S that makes
        the output W·S, split as a conv's (a negative total lengthens the output instead)."""
        if not self.padding.same:
            return super().axes(volume)
        return tuple(Axis(size, k, s, (k_eff - s) // 2, (k_eff - s) - (k_eff - s) // 2, d)
                     for size, k, s, d, k_eff in zip(volume[:2], self.kernel, self.stride, self.dilation,
                                                     (d * (k - 1) + 1 for k, d in zip(self.kernel, self.dilation))))

    def shape(self, volume: Volume, rounding: Rounding) -> Shape:
        if volume.depth % self.groups:
            return None, [_groups_error(volume, self.filters, self.groups)]
        size = Pair(*(transposed(a, op) for a, op in zip(self.axes(volume), self.output_padding)))
        if min(size) < 1:
            where = " and ".join(name for name, n in zip(_AXIS_NAMES, size) if n < 1)
            return None, [error("empty-output", f"the output is empty ({size.width}×{size.height}): in {where}, the "
                                "padding cuts away more than the transposed convolution produces",
                                suggestions=["use less padding"])]
        return Volume(size.width, size.height, self.filters), []

    def fields(self, volume: Volume, fields: Fields) -> Fields:
        return tuple(receptive.transposed(f, a.span, a.stride, a.pad_lo) for f, a in zip(fields, self.axes(volume)))

    def weights(self, volume: Volume, out: Volume) -> int:
        return self.kernel.width * self.kernel.height * volume.depth * (self.filters // self.groups)

    def macs(self, volume: Volume, out: Volume) -> int:
        return volume.elements * self.kernel.width * self.kernel.height * (self.filters // self.groups)

    def explain(self, volume: Volume, out: Volume) -> list[str]:
        lines = []
        for name, a, op, o in zip("WH", self.axes(volume), self.output_padding, out):
            kernel = str(a.kernel) if a.dilation == 1 else f"({a.dilation}·({a.kernel} − 1) + 1)"
            lines.append(f"{name}2 = ({a.size} − 1)·{a.stride} − {a.pad_lo + a.pad_hi} + {kernel} + {op} = {o}")
        per_group = self.filters // self.groups
        kernel = "F·F" if self.kernel.width == self.kernel.height else "Fw·Fh"
        k = "K" if self.groups == 1 else "(K/groups)"
        return lines + [
            f"D2 = K = {out.depth}",
            equation("weights", f"{kernel}·D·{k}", [self.kernel.width, self.kernel.height, volume.depth, per_group],
                     self.weights(volume, out)),
            f"biases = K = {self.biases(volume, out):,}" if self.bias else "biases = 0 (bias: false)",
            equation("MACs", f"W·H·D·{kernel}·{k}", [volume.width, volume.height, volume.depth, self.kernel.width,
                                                     self.kernel.height, per_group], self.macs(volume, out)),
        ]


class Pool(_Windowed):
    TYPE = "pool"
    ALIASES = {"pooling": {}, "maxpool": {"mode": "max"}, "avgpool": {"mode": "avg"}, "l2pool": {"mode": "l2"}}
    PARAMS = {**_WINDOW,
              "kernel": Param(PAIR, Pair(2, 2), letter="F", doc="F"),
              "stride": Param(PAIR, None, letter="S", doc="S; the kernel when left out"),
              "mode": Param(choice("max", "avg", "l2"), "max")}
    POSITIONAL = ("kernel", "stride", "padding", "mode")
    mode: str

    def check(self) -> None:
        self.stride_is_kernel = self.stride is None
        if self.stride is None:  # a pool's stride defaults to its kernel, which is only known now
            self.stride = self.kernel
        if self.mode != "max" and self.dilation != Pair(1, 1):
            raise ValueError(f"{self.mode} pooling has no dilation in PyTorch; remove it")
        pad, kernel = self.padding, self.kernel  # PyTorch bounds the padding by the kernel, not its dilated span
        over = [name for name, p, k in zip(_AXIS_NAMES, (max(pad.left, pad.right), max(pad.top, pad.bottom)), kernel)
                if p > k // 2]
        if not pad.same and over:
            where = f" in {over[0]}" if len(over) == 1 else ""
            raise ValueError(f"padding ({pad}) must be at most half the kernel ({self.kernel}){where}, as PyTorch "
                             "requires")

    def shape(self, volume: Volume, rounding: Rounding) -> Shape:
        size, problems = self.spatial(volume, rounding)
        return (Volume(size.width, size.height, volume.depth) if size else None), problems

    def suggest(self, axis: Axis) -> list[tuple[str, int, Axis]]:
        return suggest_fixes(axis, lambda a: max(a.pad_lo, a.pad_hi) <= a.kernel // 2, self.stride_is_kernel)

    def flops(self, volume: Volume, out: Volume) -> int:
        return out.elements * self.kernel.width * self.kernel.height  # one compare or add per window element

    def explain(self, volume: Volume, out: Volume) -> list[str]:
        return self.explain_size(volume, out) + [f"D2 = D = {out.depth}", "no parameters: a pool has nothing to learn"]

    def label(self) -> str:
        name = {"max": "POOL", "avg": "AVGPOOL", "l2": "L2POOL"}[self.mode]
        return _window_label(name, self.kernel, None if self.stride == self.kernel else self.stride)


class GlobalPool(Layer):
    TYPE = "global_pool"
    ALIASES = {"gap": {"mode": "avg"}, "gmp": {"mode": "max"}}
    PARAMS = {**COMMON, "mode": Param(choice("avg", "max"), "avg")}
    POSITIONAL = ("mode",)
    mode: str

    def shape(self, volume: Volume, rounding: Rounding) -> Shape:
        return Volume(1, 1, volume.depth), []

    def fields(self, volume: Volume, fields: Fields) -> Fields:
        return _whole_input(volume, fields)

    def flops(self, volume: Volume, out: Volume) -> int:
        return volume.elements

    def label(self) -> str:
        return "GAP" if self.mode == "avg" else "GMP"


def _whole_input(volume: Volume, fields: Fields) -> Fields:
    """A layer whose every output reads the whole input (fc, flatten, a global pool)."""
    return tuple(receptive.window(f, size, 1, 0) for f, size in zip(fields, volume[:2]))


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
    PARAMS = {**COMMON, "output": Param(PAIR, doc="the output's width and height"),
              "mode": Param(choice("avg", "max"), "avg")}
    POSITIONAL = ("output", "mode")
    EXAMPLE = (7,)
    output: Pair
    mode: str

    def shape(self, volume: Volume, rounding: Rounding) -> Shape:
        return Volume(self.output.width, self.output.height, volume.depth), []

    def fields(self, volume: Volume, fields: Fields) -> Fields:
        """PyTorch's windows are [⌊iW/O⌋, ⌈(i+1)W/O⌉): the widest of them, at a stride of W/O."""
        return tuple(receptive.window(f, _adaptive_widest(size, out), Fraction(size, out), 0)
                     for f, size, out in zip(fields, volume[:2], self.output))

    def flops(self, volume: Volume, out: Volume) -> int:
        return (_adaptive_total(volume.width, self.output.width)
                * _adaptive_total(volume.height, self.output.height) * volume.depth)

    def label(self) -> str:
        return f"ADAPTIVE{self.mode.upper()}POOL-{self.output}"


class FC(Layer):
    TYPE = "fc"
    ALIASES = {"dense": {}, "linear": {}}
    PARAMS = {**COMMON, "units": Param(POSITIVE_INT, letter="K", doc="the number of outputs"),
              "bias": Param(BOOL, True)}
    POSITIONAL = ("units", "bias")
    EXAMPLE = (10,)
    units: int
    bias: bool

    def shape(self, volume: Volume, rounding: Rounding) -> Shape:
        return Volume(1, 1, self.units), []

    def fields(self, volume: Volume, fields: Fields) -> Fields:
        return _whole_input(volume, fields)

    def weights(self, volume: Volume, out: Volume) -> int:
        return volume.elements * self.units

    def biases(self, volume: Volume, out: Volume) -> int:
        return self.units if self.bias else 0

    def macs(self, volume: Volume, out: Volume) -> int:
        return volume.elements * self.units

    def label(self) -> str:
        return f"FC-{self.units}"

    def explain(self, volume: Volume, out: Volume) -> list[str]:
        return [
            f"W2×H2×D2 = 1×1×{self.units}: every unit sees all {volume.elements:,} inputs",
            equation("weights", "W·H·D·units", [*volume, self.units], self.weights(volume, out)),
            f"biases = units = {self.biases(volume, out):,}" if self.bias else "biases = 0 (bias: false)",
            equation("MACs", "W·H·D·units", [*volume, self.units], self.macs(volume, out)),
        ]


class Flatten(Layer):
    TYPE = "flatten"

    def shape(self, volume: Volume, rounding: Rounding) -> Shape:
        return Volume(1, 1, volume.elements), []

    def fields(self, volume: Volume, fields: Fields) -> Fields:
        return _whole_input(volume, fields)


class BatchNorm(Layer):
    TYPE = "batchnorm"
    ALIASES = {"bn": {}}
    PARAMS = {**COMMON, "eps": Param(POSITIVE_FLOAT, 1e-5), "momentum": Param(PROBABILITY, 0.1)}
    POSITIONAL = ("eps", "momentum")

    def weights(self, volume: Volume, out: Volume) -> int:
        return volume.depth  # γ

    def biases(self, volume: Volume, out: Volume) -> int:
        return volume.depth  # β

    def buffers(self, volume: Volume, out: Volume) -> int:
        return 2 * volume.depth  # running mean and variance

    def flops(self, volume: Volume, out: Volume) -> int:
        return 2 * out.elements  # a scale and a shift per element, once folded

    def label(self) -> str:
        return "BN"

    def explain(self, volume: Volume, out: Volume) -> list[str]:
        return [f"W2×H2×D2 = W×H×D = {out}",
                f"params = 2·D = 2·{volume.depth} = {2 * volume.depth:,} (a scale γ and a shift β per channel)",
                f"buffers = 2·D = {2 * volume.depth:,} (the running mean and variance, not learned)"]


class LRN(Layer):
    TYPE = "lrn"
    PARAMS = {**COMMON, "size": Param(POSITIVE_INT, 5), "alpha": Param(POSITIVE_FLOAT, 1e-4),
              "beta": Param(POSITIVE_FLOAT, 0.75), "k": Param(POSITIVE_FLOAT, 1.0)}
    POSITIONAL = ("size", "alpha", "beta", "k")
    size: int

    def flops(self, volume: Volume, out: Volume) -> int:
        return 2 * self.size * out.elements  # a square and an add per neighbour

    def label(self) -> str:
        return f"LRN{self.size}"


class Dropout(Layer):
    TYPE = "dropout"
    PARAMS = {**COMMON, "p": Param(PROBABILITY, 0.5, doc="the probability of zeroing an element")}
    POSITIONAL = ("p",)


class Upsample(Layer):
    TYPE = "upsample"
    PARAMS = {**COMMON, "scale": Param(PAIR, Pair(2, 2), doc="a whole factor per axis"),
              "mode": Param(choice("nearest", "bilinear", "bicubic"), "nearest")}
    POSITIONAL = ("scale", "mode")
    scale: Pair

    def shape(self, volume: Volume, rounding: Rounding) -> Shape:
        return Volume(volume.width * self.scale.width, volume.height * self.scale.height, volume.depth), []

    def fields(self, volume: Volume, fields: Fields) -> Fields:
        return tuple(receptive.upsample(f, s) for f, s in zip(fields, self.scale))

    def label(self) -> str:
        return f"UPSAMPLE{self.scale}"


class Crop(Layer):
    TYPE = "crop"
    PARAMS = {**COMMON, "size": Param(PAIR, None, doc="the centre WxH to keep"),
              **{side: Param(NON_NEGATIVE_INT, None, doc="how much to cut away") for side in
                 ("left", "right", "top", "bottom")}}
    POSITIONAL = ("size",)
    size: Pair | None

    def check(self) -> None:
        sides = (self.left, self.right, self.top, self.bottom)
        if (self.size is None) == all(s is None for s in sides):
            raise ValueError("give either size (WxH to keep) or left, right, top, bottom (to cut away)")

    def cut(self, volume: Volume) -> Padding:
        """How much is cut on each side; a centre crop cuts an odd remainder at the right and bottom."""
        if self.size is None:
            return Padding(self.left or 0, self.right or 0, self.top or 0, self.bottom or 0)
        dw, dh = volume.width - self.size.width, volume.height - self.size.height
        return Padding(dw // 2, dw - dw // 2, dh // 2, dh - dh // 2)

    def fields(self, volume: Volume, fields: Fields) -> Fields:
        cut = self.cut(volume)
        return receptive.shift(fields[0], cut.left), receptive.shift(fields[1], cut.top)

    def shape(self, volume: Volume, rounding: Rounding) -> Shape:
        cut = self.cut(volume)
        width, height = volume.width - cut.left - cut.right, volume.height - cut.top - cut.bottom
        grown = [i for i, cuts in enumerate(((cut.left, cut.right), (cut.top, cut.bottom))) if min(cuts) < 0]
        if grown:
            return None, [error("invalid-crop", f"cannot crop {volume} to {width}×{height}: a crop cannot make the "
                                f"{' or '.join(_AXIS_NAMES[i] for i in grown)} larger",
                                suggestions=[f"crop to at most {volume.width}x{volume.height}"])]
        emptied = [i for i, kept in enumerate((width, height)) if kept < 1]
        if emptied:
            return None, [error("empty-output", f"cannot crop {volume} to {width}×{height}: nothing is left of the "
                                f"{' and '.join(_AXIS_NAMES[i] for i in emptied)}",
                                suggestions=[f"{('left + right', 'top + bottom')[i]} must be less than {volume[i]}"
                                             for i in emptied])]
        return Volume(width, height, volume.depth), []

    def label(self) -> str:
        return f"CROP{self.size}" if self.size else "CROP"


class _Activation(Layer):
    def flops(self, volume: Volume, out: Volume) -> int:
        return out.elements  # one operation per element


class ReLU(_Activation):
    TYPE = "relu"


class ReLU6(_Activation):
    TYPE = "relu6"


class LeakyReLU(_Activation):
    TYPE = "leaky_relu"
    PARAMS = {**COMMON, "slope": Param(FLOAT, 0.01, doc="the slope below zero")}
    POSITIONAL = ("slope",)


class ELU(_Activation):
    TYPE = "elu"


class GELU(_Activation):
    TYPE = "gelu"


class Sigmoid(_Activation):
    TYPE = "sigmoid"


class Tanh(_Activation):
    TYPE = "tanh"


class Softmax(_Activation):
    TYPE = "softmax"


class Identity(Layer):
    TYPE = "identity"


LAYER_TYPES: tuple[type[Layer], ...] = (
    Input, Conv, Local, Deconv, Pool, GlobalPool, AdaptivePool, FC, Flatten, BatchNorm, LRN, Dropout,
    Upsample, Crop, ReLU, ReLU6, LeakyReLU, ELU, GELU, Sigmoid, Tanh, Softmax, Identity,
)

# every name a layer answers to (lower case) -> (its type, the parameters that name presets)
REGISTRY: dict[str, tuple[type[Layer], dict[str, Any]]] = {
    name: (cls, preset)
    for cls in LAYER_TYPES
    for name, preset in ((cls.TYPE, {}), *cls.ALIASES.items())
}
