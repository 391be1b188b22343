"""One pydantic model per layer type: its parameters, output volume and counts.

This module is the only registry of layer types: adding a type means adding one class here and
listing it in LAYER_TYPES. The compact notation, the YAML front end, the analysis and the JSON
schema all read the types from there.
"""
from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, PlainValidator, model_validator

from .arithmetic import Axis, Rounding, same_padding, slide, suggest_fixes, transposed
from .diagnostics import Diagnostic, error, warning
from .limits import MAX_INTEGER
from .volumes import Padding, Pair, Volume, parse_padding, parse_pair, parse_volume

PositiveInt = Annotated[int, Field(strict=True, ge=1, le=MAX_INTEGER)]
Probability = Annotated[float, Field(strict=True, ge=0, lt=1)]
PositiveFloat = Annotated[float, Field(strict=True, gt=0)]
PairSchema = int | str | list[int] | dict[str, int]
PairValue = Annotated[Pair, PlainValidator(parse_pair, json_schema_input_type=PairSchema)]
OutputPadding = Annotated[Pair, PlainValidator(lambda v: parse_pair(v, minimum=0), json_schema_input_type=PairSchema)]
PaddingValue = Annotated[Padding, PlainValidator(parse_padding, json_schema_input_type=PairSchema)]
VolumeValue = Annotated[Volume, PlainValidator(parse_volume, json_schema_input_type=PairSchema)]


def _dilation(value: Any) -> Pair:
    if value == 0 or (isinstance(value, (str, list, dict)) and 0 in parse_pair(value, minimum=0)):
        raise ValueError("must be at least 1: the cs231n notes call an ordinary filter 'dilation 0', "
                         "PyTorch and cnncalc call it dilation 1; write dilation: 1")
    return parse_pair(value)


DilationValue = Annotated[Pair, PlainValidator(_dilation, json_schema_input_type=PairSchema)]
Shape = tuple[Volume | None, list[Diagnostic]]


def _letter(name: str, letter: str) -> Any:
    """A field that also answers to the cs231n notes' letter (K, F, S, P)."""
    return AliasChoices(name, letter)


class Layer(BaseModel):
    """A layer: its validated parameters, and what it does to a volume."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    TYPE: ClassVar[str]
    ALIASES: ClassVar[dict[str, dict[str, Any]]] = {}  # alias -> parameters it presets
    POSITIONAL: ClassVar[tuple[str, ...]] = ()
    EXAMPLE: ClassVar[tuple[Any, ...]] = ()  # positional values for the required parameters, for hints
    HAS_WEIGHTS: ClassVar[bool] = False

    id: str | None = Field(default=None, min_length=1)
    rounding: Rounding | None = None

    def shape(self, volume: Volume, rounding: Rounding) -> Shape:
        return volume, []

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


class Input(Layer):
    TYPE = "input"
    POSITIONAL = ("volume",)
    EXAMPLE = ("32x32x3",)
    volume: VolumeValue


class _Windowed(Layer):
    """Shared by the layers that slide a window: conv, local, pool."""

    kernel: PairValue
    stride: PairValue | None = None
    padding: PaddingValue = Padding()
    dilation: DilationValue = Pair(1, 1)

    def _stride(self) -> Pair:
        return self.stride or Pair(1, 1)

    def axes(self, volume: Volume) -> tuple[Axis, Axis]:
        stride, pad = self._stride(), self.padding
        if pad.same:
            pad = Padding(*same_padding(volume.width, self.kernel.width, stride.width, self.dilation.width),
                          *same_padding(volume.height, self.kernel.height, stride.height, self.dilation.height))
        return (Axis(volume.width, self.kernel.width, stride.width, pad.left, pad.right, self.dilation.width),
                Axis(volume.height, self.kernel.height, stride.height, pad.top, pad.bottom, self.dilation.height))

    def spatial(self, volume: Volume, rounding: Rounding) -> tuple[Pair | None, list[Diagnostic]]:
        """Output width and height, or None with the diagnostics that say why not."""
        axes = self.axes(volume)
        if self.padding.same:  # TensorFlow's rule: ⌈W/S⌉ whatever the kernel
            return Pair(*(-(-a.size // a.stride) for a in axes)), []
        results = [slide(a, rounding) for a in axes]
        problems: list[Diagnostic] = []
        if any(r.size < 1 for r in results):
            bad = [a for a, r in zip(axes, results) if r.size < 1]
            problems.append(error("empty-output", f"the output is empty: {bad[0].formula()}; the window "
                                  f"({bad[0].span} wide with padding) is larger than the input ({bad[0].size})",
                                  suggestions=["use a smaller kernel or stride, more padding, or a larger input"]))
            return None, problems
        if rounding is Rounding.EXACT and not all(r.exact for r in results):
            problems.append(_non_integer(axes, [r.exact for r in results]))
            return None, problems
        dropped = [r.dropped for r in results]
        if any(dropped):
            where = " and ".join(f"{n} {what}" for n, what in zip(dropped, ("columns", "rows")) if n)
            problems.append(warning("dropped-border", f"floor rounding leaves the last {where} of the input "
                                    "uncovered by any window", suggestions=_rounding_hints(axes)))
        return Pair(results[0].size, results[1].size), problems


def _rounding_hints(axes: tuple[Axis, Axis]) -> list[str]:
    floor = Pair(*(slide(a, Rounding.FLOOR).size for a in axes))
    ceil = Pair(*(slide(a, Rounding.CEIL).size for a in axes))
    return [f"rounding: floor gives {floor.width}×{floor.height} (as PyTorch does by default)",
            f"rounding: ceil gives {ceil.width}×{ceil.height} (as Caffe and ceil_mode=True do)"]


def _non_integer(axes: tuple[Axis, Axis], exact: list[bool]) -> Diagnostic:
    """`non-integer-output` with the arithmetic and verified suggestions, per failing axis."""
    names = ("width", "height")
    square = axes[0] == axes[1]
    shown = [axes[0]] if square else [a for a, ok in zip(axes, exact) if not ok]
    arithmetic = "; ".join(a.formula() if square else f"{names[axes.index(a)]}: {a.formula()}" for a in shown)
    suggestions = []
    for axis in shown:
        which = "" if square else f" ({names[axes.index(axis)]})"
        for what, out, fixed in suggest_fixes(axis):
            suggestions.append(_describe_fix(what, axis, fixed, out) + which)
    suggestions += _rounding_hints(axes)
    return error("non-integer-output", f"the output size is not a whole number: {arithmetic}",
                 suggestions=suggestions)


def _describe_fix(what: str, old: Axis, new: Axis, out: int) -> str:
    if what == "padding":
        if new.pad_lo == new.pad_hi:
            return f"padding: {new.pad_lo} gives {out}"
        return f"padding: {{left: {new.pad_lo}, right: {new.pad_hi}, top: {new.pad_lo}, bottom: {new.pad_hi}}} " \
               f"gives {out} (the extra row and column at the end, as TensorFlow pads)"
    if what == "stride":
        return f"stride: {new.stride} gives {out}"
    if what == "kernel":
        return f"kernel: {new.kernel} gives {out}"
    return f"an input of {new.size} instead of {old.size} gives {out}"


class Conv(_Windowed):
    TYPE = "conv"
    ALIASES = {"convolution": {}}
    POSITIONAL = ("filters", "kernel", "stride", "padding", "dilation", "groups", "bias")
    EXAMPLE = (16, 3)
    HAS_WEIGHTS = True

    filters: PositiveInt = Field(validation_alias=_letter("filters", "K"))
    kernel: PairValue = Field(validation_alias=_letter("kernel", "F"))
    stride: PairValue = Field(default=Pair(1, 1), validation_alias=_letter("stride", "S"))
    padding: PaddingValue = Field(default=Padding(), validation_alias=_letter("padding", "P"))
    groups: PositiveInt = 1
    bias: bool = Field(default=True, strict=True)

    @model_validator(mode="after")
    def _groups_divide_filters(self) -> "Conv":
        if self.filters % self.groups:
            raise ValueError(f"groups ({self.groups}) must divide filters ({self.filters})")
        return self

    def shape(self, volume: Volume, rounding: Rounding) -> Shape:
        if volume.depth % self.groups:
            return None, [error("invalid-groups", f"groups ({self.groups}) must divide the input depth "
                                f"({volume.depth})", suggestions=[f"groups: {g}" for g in _divisors_near(
                                    volume.depth, self.filters, self.groups)])]
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
        return _window_label("CONV", self.kernel, self.stride, f"-{self.filters}")


def _divisors_near(depth: int, filters: int, groups: int) -> list[int]:
    fits = [g for g in range(1, min(depth, filters) + 1) if depth % g == 0 and filters % g == 0]
    return sorted(fits, key=lambda g: abs(g - groups))[:2]


def _window_label(name: str, kernel: Pair, stride: Pair | None, suffix: str = "") -> str:
    """The notes' style: CONV3-64, POOL2; a stride other than the default is shown as /2."""
    text = f"{name}{kernel}{suffix}"
    return f"{text}/{stride}" if stride is not None and stride != Pair(1, 1) else text


class Local(Conv):
    TYPE = "local"
    ALIASES = {"locally_connected": {}}
    POSITIONAL = ("filters", "kernel", "stride", "padding", "dilation", "bias")
    groups: Literal[1] = Field(default=1, exclude=True)

    def weights(self, volume: Volume, out: Volume) -> int:
        return out.elements * self._taps(volume)  # one filter per output position: no sharing

    def biases(self, volume: Volume, out: Volume) -> int:
        return out.elements if self.bias else 0

    def label(self) -> str:
        return _window_label("LOCAL", self.kernel, self.stride, f"-{self.filters}")


class Deconv(Conv):
    TYPE = "deconv"
    ALIASES = {"conv_transpose": {}}
    POSITIONAL = ("filters", "kernel", "stride", "padding", "dilation", "groups", "bias", "output_padding")
    output_padding: OutputPadding = Pair(0, 0)

    @model_validator(mode="after")
    def _output_padding_below_stride(self) -> "Deconv":
        for axis in (0, 1):  # PyTorch: "output padding must be smaller than either stride or dilation"
            if self.output_padding[axis] >= max(self.stride[axis], self.dilation[axis]):
                raise ValueError(f"output_padding ({self.output_padding}) must be smaller than the stride or "
                                 "the dilation, as PyTorch requires")
        return self

    def shape(self, volume: Volume, rounding: Rounding) -> Shape:
        if volume.depth % self.groups:
            return None, [error("invalid-groups", f"groups ({self.groups}) must divide the input depth "
                                f"({volume.depth})")]
        if self.padding.same:  # TensorFlow's conv2d_transpose with padding='SAME': W·S
            return Volume(volume.width * self.stride.width, volume.height * self.stride.height, self.filters), []
        size = Pair(*(transposed(a, op) for a, op in zip(self.axes(volume), self.output_padding)))
        if min(size) < 1:
            return None, [error("empty-output", f"the output is empty ({size.width}×{size.height}): the padding "
                                "cuts away more than the transposed convolution produces",
                                suggestions=["use less padding"])]
        return Volume(size.width, size.height, self.filters), []

    def weights(self, volume: Volume, out: Volume) -> int:
        return self.kernel.width * self.kernel.height * volume.depth * (self.filters // self.groups)

    def macs(self, volume: Volume, out: Volume) -> int:
        return volume.elements * self.kernel.width * self.kernel.height * (self.filters // self.groups)

    def label(self) -> str:
        return _window_label("DECONV", self.kernel, self.stride, f"-{self.filters}")


class Pool(_Windowed):
    TYPE = "pool"
    ALIASES = {"pooling": {}, "maxpool": {"mode": "max"}, "avgpool": {"mode": "avg"}, "l2pool": {"mode": "l2"}}
    POSITIONAL = ("kernel", "stride", "padding", "mode")
    kernel: PairValue = Field(default=Pair(2, 2), validation_alias=_letter("kernel", "F"))
    stride: PairValue | None = Field(default=None, validation_alias=_letter("stride", "S"))
    padding: PaddingValue = Field(default=Padding(), validation_alias=_letter("padding", "P"))
    mode: Literal["max", "avg", "l2"] = "max"

    @model_validator(mode="after")
    def _pytorch_limits(self) -> "Pool":
        if self.mode != "max" and self.dilation != Pair(1, 1):
            raise ValueError(f"{self.mode} pooling has no dilation in PyTorch; remove it")
        pad = self.padding
        if not pad.same and (max(pad.left, pad.right) > (self.dilation.width * (self.kernel.width - 1) + 1) // 2
                             or max(pad.top, pad.bottom) > (self.dilation.height * (self.kernel.height - 1) + 1) // 2):
            raise ValueError(f"padding ({pad}) must be at most half the kernel ({self.kernel}), as PyTorch requires")
        return self

    def _stride(self) -> Pair:
        return self.stride or self.kernel

    def shape(self, volume: Volume, rounding: Rounding) -> Shape:
        size, problems = self.spatial(volume, rounding)
        return (Volume(size.width, size.height, volume.depth) if size else None), problems

    def flops(self, volume: Volume, out: Volume) -> int:
        return out.elements * self.kernel.width * self.kernel.height

    def label(self) -> str:
        name = {"max": "POOL", "avg": "AVGPOOL", "l2": "L2POOL"}[self.mode]
        stride = None if self._stride() == self.kernel else self._stride()
        return _window_label(name, self.kernel, stride)


class GlobalPool(Layer):
    TYPE = "global_pool"
    ALIASES = {"gap": {"mode": "avg"}, "gmp": {"mode": "max"}}
    POSITIONAL = ("mode",)
    mode: Literal["avg", "max"] = "avg"

    def shape(self, volume: Volume, rounding: Rounding) -> Shape:
        return Volume(1, 1, volume.depth), []

    def flops(self, volume: Volume, out: Volume) -> int:
        return volume.elements

    def label(self) -> str:
        return "GAP" if self.mode == "avg" else "GMP"


def _adaptive_windows(size: int, out: int) -> int:
    """Total window length along an axis of PyTorch's adaptive pooling: [⌊iW/O⌋, ⌈(i+1)W/O⌉)."""
    return sum(-(-(i + 1) * size // out) - (i * size // out) for i in range(out))


class AdaptivePool(Layer):
    TYPE = "adaptive_pool"
    POSITIONAL = ("output", "mode")
    EXAMPLE = (7,)
    output: PairValue
    mode: Literal["avg", "max"] = "avg"

    def shape(self, volume: Volume, rounding: Rounding) -> Shape:
        return Volume(self.output.width, self.output.height, volume.depth), []

    def flops(self, volume: Volume, out: Volume) -> int:
        return (_adaptive_windows(volume.width, self.output.width)
                * _adaptive_windows(volume.height, self.output.height) * volume.depth)

    def label(self) -> str:
        return f"ADAPTIVE{'AVG' if self.mode == 'avg' else 'MAX'}POOL-{self.output}"


class FC(Layer):
    TYPE = "fc"
    ALIASES = {"dense": {}, "linear": {}}
    POSITIONAL = ("units", "bias")
    EXAMPLE = (10,)
    HAS_WEIGHTS = True
    units: PositiveInt = Field(validation_alias=_letter("units", "K"))
    bias: bool = Field(default=True, strict=True)

    def shape(self, volume: Volume, rounding: Rounding) -> Shape:
        return Volume(1, 1, self.units), []

    def weights(self, volume: Volume, out: Volume) -> int:
        return volume.elements * self.units

    def biases(self, volume: Volume, out: Volume) -> int:
        return self.units if self.bias else 0

    def macs(self, volume: Volume, out: Volume) -> int:
        return volume.elements * self.units

    def label(self) -> str:
        return f"FC-{self.units}"


class Flatten(Layer):
    TYPE = "flatten"

    def shape(self, volume: Volume, rounding: Rounding) -> Shape:
        return Volume(1, 1, volume.elements), []


class BatchNorm(Layer):
    TYPE = "batchnorm"
    ALIASES = {"bn": {}}
    POSITIONAL = ("eps", "momentum")
    eps: PositiveFloat = 1e-5
    momentum: Probability = 0.1

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


class LRN(Layer):
    TYPE = "lrn"
    POSITIONAL = ("size", "alpha", "beta", "k")
    size: PositiveInt = 5
    alpha: PositiveFloat = 1e-4
    beta: PositiveFloat = 0.75
    k: PositiveFloat = 1.0

    def flops(self, volume: Volume, out: Volume) -> int:
        return 2 * self.size * out.elements  # a square and an add per neighbour

    def label(self) -> str:
        return f"LRN{self.size}"


class Dropout(Layer):
    TYPE = "dropout"
    POSITIONAL = ("p",)
    p: Probability = 0.5


class Upsample(Layer):
    TYPE = "upsample"
    POSITIONAL = ("scale", "mode")
    scale: PairValue = Pair(2, 2)
    mode: Literal["nearest", "bilinear", "bicubic"] = "nearest"

    def shape(self, volume: Volume, rounding: Rounding) -> Shape:
        return Volume(volume.width * self.scale.width, volume.height * self.scale.height, volume.depth), []

    def label(self) -> str:
        return f"UPSAMPLE{self.scale}"


class Crop(Layer):
    TYPE = "crop"
    POSITIONAL = ("size",)
    size: PairValue | None = None
    left: Annotated[int, Field(strict=True, ge=0, le=MAX_INTEGER)] | None = None
    right: Annotated[int, Field(strict=True, ge=0, le=MAX_INTEGER)] | None = None
    top: Annotated[int, Field(strict=True, ge=0, le=MAX_INTEGER)] | None = None
    bottom: Annotated[int, Field(strict=True, ge=0, le=MAX_INTEGER)] | None = None

    @model_validator(mode="after")
    def _one_form(self) -> "Crop":
        sides = (self.left, self.right, self.top, self.bottom)
        if (self.size is None) == all(s is None for s in sides):
            raise ValueError("give either size (WxH to keep) or left, right, top, bottom (to cut away)")
        return self

    def cut(self, volume: Volume) -> Padding:
        """How much is cut on each side; a centre crop cuts an odd remainder at the right and bottom."""
        if self.size is None:
            return Padding(self.left or 0, self.right or 0, self.top or 0, self.bottom or 0)
        dw, dh = volume.width - self.size.width, volume.height - self.size.height
        return Padding(dw // 2, dw - dw // 2, dh // 2, dh - dh // 2)

    def shape(self, volume: Volume, rounding: Rounding) -> Shape:
        cut = self.cut(volume)
        width = volume.width - cut.left - cut.right
        height = volume.height - cut.top - cut.bottom
        if min(cut) < 0 or width < 1 or height < 1:
            return None, [error("empty-output" if min(cut) >= 0 else "invalid-crop",
                                f"cannot crop {volume} to {width}×{height}",
                                suggestions=[f"crop to at most {volume.width}x{volume.height}"])]
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
    POSITIONAL = ("slope",)
    slope: float = Field(default=0.01, strict=True)


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

# every name a layer answers to (lower case) -> (its model, the parameters that name presets)
REGISTRY: dict[str, tuple[type[Layer], dict[str, Any]]] = {
    name: (cls, preset)
    for cls in LAYER_TYPES
    for name, preset in ((cls.TYPE, {}), *cls.ALIASES.items())
}


def accepted_keys(cls: type[Layer]) -> list[str]:
    """Every key a layer's parameter mapping accepts, the notes' letters included."""
    keys = []
    for name, info in cls.model_fields.items():
        if info.exclude:
            continue
        alias = info.validation_alias
        keys.extend(alias.choices if isinstance(alias, AliasChoices) else [name])
    return keys
