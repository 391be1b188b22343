"""Layers that only change the spatial sizes: the input, upsampling, cropping and padding."""
from __future__ import annotations

from fractions import Fraction
from math import prod

from ...diagnostics import Diagnostic, error
from .. import receptive
from ..arithmetic import Rounding
from ..geometry import AXIS_NAMES, SIDES, Padding, PerAxis, Volume, parse_padding, uniform
from ..params import FLOAT, NON_NEGATIVE_INT, NUMERIC_PADDING, PER_AXIS, VOLUME, Param, choice
from .base import (
    COMMON,
    CONVENTION_NAMES,
    AxisMap,
    Fields,
    Layer,
    Refusal,
    Shape,
    Torch,
    any_volume,
    call,
    constant,
    inputs,
    zero,
)
from .window import axes_error, pad_module


class Input(Layer):
    TYPE = "input"
    PARAMS = {**COMMON, "volume": Param(VOLUME, doc="width x height x depth (1 to 3 spatial sizes, depth last)")}
    POSITIONAL = ("volume",)
    EXAMPLE = ("32x32x3",)
    DIAGRAM = "input"
    CONVENTIONS = dict.fromkeys(CONVENTION_NAMES, zero)

    def torch(self, row, ceil: bool, flat: bool) -> list[Torch]:
        return []  # the model's input: nothing to compute


# The spatial axes each interpolating mode works over (nearest: any number)
_MODE_AXES = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}
# Per output element: fvcore counts nearest 1 and bilinear 4, in 2-D only (it has no handle for the 1-D
# and 3-D ops, nor for bicubic); thop nearest 1, linear 5, bilinear 11, bicubic 259, and trilinear 0
# (outside the modes its hook knows)
_FVCORE_UPSAMPLE = {"nearest": 1, "bilinear": 4}
_THOP_UPSAMPLE = {"nearest": 1, "linear": 5, "bilinear": 11, "bicubic": 259}


def _calflops_upsample(row) -> int:
    """calflops: the output size it is given, without the batch and the channels (an int size is counted
    as itself); I when given a scale, whose product it computes and drops."""
    if row.layer.output is None:
        return inputs(row)
    sizes = row.output.spatial
    return sizes[0] if len(set(sizes)) == 1 else prod(sizes)  # the export writes one number when all agree


class Upsample(Layer):
    TYPE = "upsample"
    PARAMS = {**COMMON, "scale": Param(PER_AXIS, None, doc="a whole factor per axis; 2 when no output is given"),
              "mode": Param(choice("nearest", *_MODE_AXES), "nearest",
                            doc="linear works on 1 spatial axis, bilinear and bicubic on 2, trilinear on 3, "
                                "nearest on any"),
              "output": Param(PER_AXIS, None, doc="the output's size per axis, instead of a scale")}
    POSITIONAL = ("scale", "mode", "output")
    NOT_PARAMS = {"align_corners": "it changes no size and no count"}
    DIAGRAM = "shape"
    CONVENTIONS = {**dict.fromkeys(CONVENTION_NAMES, zero),
                   "fvcore": lambda row: (_FVCORE_UPSAMPLE.get(row.layer.mode, 0) * row.output.elements
                                          if row.input.axes == 2 else 0),
                   "thop": lambda row: _THOP_UPSAMPLE.get(row.layer.mode, 0) * row.output.elements,
                   # its hook counts the output and its patched F.interpolate the output again
                   "ptflops": lambda row: 2 * row.output.elements, "calflops": _calflops_upsample}
    scale: PerAxis | None
    mode: str
    output: PerAxis | None

    def check(self) -> None:
        if self.scale is not None and self.output is not None:
            raise Refusal(f"give scale or output, not both: an output of {self.output} fixes the size that the "
                          f"scale {self.scale} would compute", "remove scale or output")
        if self.output is None and self.scale is None:
            self._fill(scale=uniform(2))

    def sizes(self, volume: Volume) -> tuple[int, ...]:
        """The output's spatial sizes; ValueError when a mode or a per-axis value does not fit the volume."""
        need = _MODE_AXES.get(self.mode)
        if need not in (None, volume.axes):
            raise ModeError(self.mode, volume)
        if self.output is not None:
            return self.output.resolve(volume.axes, "output")
        return tuple(size * s for size, s in zip(volume.spatial, self.scale.resolve(volume.axes, "scale")))

    def shape(self, volume: Volume, rounding: Rounding) -> Shape:
        try:
            sizes = self.sizes(volume)
        except ModeError as exc:
            return None, [exc.diagnostic()]
        except ValueError as exc:
            return None, [axes_error(exc)]
        return Volume.of(sizes, volume.depth), []

    def axis_map(self, axes: int, axis: int, rounding: Rounding) -> AxisMap | None:
        self.sizes(any_volume(axes))  # ValueError where the mode or a value does not fit
        if self.output is not None:
            return constant(self.output.resolve(axes, "output")[axis])
        scale = self.scale.resolve(axes, "scale")[axis]
        return lambda size: size * scale

    def fields(self, volume: Volume, fields: Fields) -> Fields:
        return tuple(receptive.upsample(f, Fraction(out, size))
                     for f, size, out in zip(fields, volume.spatial, self.sizes(volume)))

    def label(self) -> str:
        return f"UPSAMPLE{self.scale}" if self.output is None else f"UPSAMPLE-{self.output}"

    def torch(self, row, ceil: bool, flat: bool) -> list[Torch]:
        mode = (self.mode, "nearest")
        if self.output is not None:
            return [Torch(call("nn.Upsample", size=(row.output.spatial, None), mode=mode))]
        scale = self.scale.resolve(row.input.axes, "scale")
        return [Torch(call("nn.Upsample", scale_factor=(scale, None), mode=mode))]


class ModeError(ValueError):
    """An interpolating mode on a volume of another number of spatial axes."""

    def __init__(self, mode: str, volume: Volume) -> None:
        super().__init__(f"mode {mode} works on {_MODE_AXES[mode]}-D volumes")
        self.mode, self.volume = mode, volume

    def diagnostic(self) -> Diagnostic:
        axes, need = self.volume.axes, _MODE_AXES[self.mode]
        fits = [mode for mode, count in _MODE_AXES.items() if count == axes] + ["nearest"]
        return error("wrong-axes", f"upsample's mode {self.mode} interpolates over {need} spatial "
                     f"ax{'is' if need == 1 else 'es'}, and {self.volume} has {axes}",
                     suggestions=[f"mode: {' or '.join(fits)} on a {axes}-D volume"])


_CROP_SIDES = [side for pair in SIDES for side in pair]


class Crop(Layer):
    TYPE = "crop"
    PARAMS = {**COMMON, "size": Param(PER_AXIS, None, doc="the centre size to keep, per axis"),
              **{side: Param(NON_NEGATIVE_INT, None, doc="how much to cut away") for side in _CROP_SIDES}}
    POSITIONAL = ("size",)
    DIAGRAM = "shape"
    CONVENTIONS = dict.fromkeys(CONVENTION_NAMES, zero)
    size: PerAxis | None

    def check(self) -> None:
        if (self.size is None) == all(getattr(self, s) is None for s in _CROP_SIDES):
            raise ValueError("give either size (WxH to keep) or left, right, top, bottom (to cut away)")

    def cut(self, volume: Volume) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """How much is cut before and after each axis; a centre crop cuts an odd remainder after."""
        if self.size is None:
            return self._sides(volume)
        extra = [size - keep for size, keep in zip(volume.spatial, self.size.resolve(volume.axes, "size"))]
        return tuple(e // 2 for e in extra), tuple(e - e // 2 for e in extra)

    def _sides(self, volume: Volume) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The cuts given side by side (before, after), whatever the volume's sizes."""
        given = [i for i, pair in enumerate(SIDES) if any(getattr(self, s) is not None for s in pair)]
        if given and given[-1] >= volume.axes:
            raise ValueError(f"crop: '{SIDES[given[-1]][0]}' and '{SIDES[given[-1]][1]}' cut an axis "
                             f"that a volume of {volume.axes} spatial axes ({volume}) does not have")
        return (tuple(getattr(self, lo) or 0 for lo, _ in SIDES[:volume.axes]),
                tuple(getattr(self, hi) or 0 for _, hi in SIDES[:volume.axes]))

    def axis_map(self, axes: int, axis: int, rounding: Rounding) -> AxisMap | None:
        if self.size is not None:  # `shape`'s error: a crop cannot make the axis larger
            keep = self.size.resolve(axes, "size")[axis]
            return lambda size: keep if size >= keep else None
        before, after = self._sides(any_volume(axes))
        cut = before[axis] + after[axis]
        return lambda size: size - cut if size > cut else None  # `shape`'s error: nothing left

    def torch(self, row, ceil: bool, flat: bool) -> list[Torch]:
        return [Torch(f"Crop{self.cut(row.input)}")]

    def fields(self, volume: Volume, fields: Fields) -> Fields:
        before, _ = self.cut(volume)
        return tuple(receptive.shift(f, c) for f, c in zip(fields, before))

    def shape(self, volume: Volume, rounding: Rounding) -> Shape:
        try:
            before, after = self.cut(volume)
        except ValueError as exc:
            return None, [axes_error(exc)]
        sizes = tuple(size - lo - hi for size, lo, hi in zip(volume.spatial, before, after))
        shown = "×".join(map(str, sizes))
        grown = [AXIS_NAMES[i] for i, cuts in enumerate(zip(before, after)) if min(cuts) < 0]
        if grown:
            return None, [error("invalid-crop", f"cannot crop {volume} to {shown}: a crop cannot make the "
                                f"{' or '.join(grown)} larger",
                                suggestions=[f"crop to at most {'x'.join(map(str, volume.spatial))}"])]
        emptied = [i for i, kept in enumerate(sizes) if kept < 1]
        if emptied:
            return None, [error("empty-output", f"cannot crop {volume} to {shown}: nothing is left of the "
                                f"{' and '.join(AXIS_NAMES[i] for i in emptied)}",
                                suggestions=[f"{' + '.join(SIDES[i])} must be less than {volume[i]}"
                                             for i in emptied])]
        return Volume.of(sizes, volume.depth), []

    def label(self) -> str:
        return f"CROP{self.size}" if self.size else "CROP"


# PyTorch's bounds on a side's padding, against the input's size along that axis: a reflection cannot
# reach past the far edge, and a circular pad wraps around the input once at most
_PAD_FITS = {"reflect": lambda pad, size: pad < size, "circular": lambda pad, size: pad <= size}
_PAD_MODULES = {"reflect": "ReflectionPad", "replicate": "ReplicationPad", "circular": "CircularPad"}


class Pad(Layer):
    """Rows and columns added around each spatial axis: a constant, or the input reflected, replicated
    (its edge repeated) or wrapped around (circular)."""

    TYPE = "pad"
    PARAMS = {**COMMON,
              "padding": Param(NUMERIC_PADDING, None, letter="P", doc="P: a number, WxH, or {left, right, top, "
                                                                      "bottom, front, back}"),
              "mode": Param(choice("constant", "zeros", "reflect", "replicate", "circular"), "constant",
                            doc="zeros is constant with value 0"),
              "value": Param(FLOAT, 0.0, doc="what constant padding fills with"),
              # the sides as keys of their own, as crop takes them: PAD(left=2) pads causally
              **{side: Param(NON_NEGATIVE_INT, None, doc="how much to add on this side") for side in _CROP_SIDES}}
    POSITIONAL = ("padding", "mode", "value")
    EXAMPLE = (1,)
    DIAGRAM = "shape"
    CONVENTIONS = dict.fromkeys(CONVENTION_NAMES, zero)  # no tool counts a pad
    padding: Padding
    mode: str
    value: float

    def check(self) -> None:
        sides = {side: getattr(self, side) for side in _CROP_SIDES if getattr(self, side) is not None}
        if (self.padding is None) == (not sides):
            raise ValueError("give either padding (a number, WxH or a mapping) or the sides to pad "
                             "(left, right, top, bottom, front, back)")
        if sides:
            self._fill(padding=parse_padding(sides, allow_same=False))
        if self.value != 0 and self.mode != "constant":
            raise Refusal(f"value ({self.value:g}) is what constant padding fills with: {self.mode} padding "
                          + ("fills with 0" if self.mode == "zeros" else "takes its values from the input"),
                          "remove value, or write mode: constant")
        if self.mode == "zeros":
            self._fill(mode="constant")

    def sides(self, volume: Volume) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The padding before and after each axis; ValueError when it has another number of axes."""
        return self.padding.resolve(volume.axes)

    def shape(self, volume: Volume, rounding: Rounding) -> Shape:
        try:
            before, after = self.sides(volume)
        except ValueError as exc:
            return None, [axes_error(exc)]
        fits = _PAD_FITS.get(self.mode)
        over = [(i, size, max(lo, hi)) for i, (size, lo, hi) in enumerate(zip(volume.spatial, before, after))
                if fits and not fits(max(lo, hi), size)]
        if over:
            rule = ("less than the input's size, as PyTorch requires (a reflection cannot reach past the far edge)"
                    if self.mode == "reflect" else
                    "at most the input's size, as PyTorch requires (it wraps around the input once at most)")
            where = "; ".join(f"the {AXIS_NAMES[i]} is {size}, padded by {pad}" for i, size, pad in over)
            most = [f"at most {size - 1 if self.mode == 'reflect' else size} on each side of the {AXIS_NAMES[i]}"
                    for i, size, _ in over]
            return None, [error("invalid-padding", f"{self.mode} padding must be {rule}: {where}",
                                suggestions=[*most, "mode: replicate or constant pads any amount"])]
        return Volume.of((size + lo + hi for size, lo, hi in zip(volume.spatial, before, after)), volume.depth), []

    def axis_map(self, axes: int, axis: int, rounding: Rounding) -> AxisMap | None:
        before, after = self.sides(any_volume(axes))
        lo, hi = before[axis], after[axis]
        if lo == hi == 0:
            return None
        fits = _PAD_FITS.get(self.mode, lambda pad, size: True)
        return lambda size: size + lo + hi if fits(max(lo, hi), size) else None

    def fields(self, volume: Volume, fields: Fields) -> Fields:
        before, _ = self.sides(volume)
        return tuple(receptive.shift(f, -lo) for f, lo in zip(fields, before))  # the first unit is padding

    def torch(self, row, ceil: bool, flat: bool) -> list[Torch]:
        before, after = self.sides(row.input)
        if self.mode != "constant":
            return [pad_module(row, before, after, fill=_PAD_MODULES[self.mode])]
        if self.value == 0:
            return [pad_module(row, before, after)]
        return [pad_module(row, before, after, fill="ConstantPad", value=repr(self.value))]

    def label(self) -> str:
        name = "PAD" if self.mode == "constant" else f"{self.mode.upper()}PAD"
        return name if self.padding.sides else f"{name}{self.padding}"
