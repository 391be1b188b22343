"""Layers that only change the spatial sizes: the input, upsampling and cropping."""
from __future__ import annotations

from ...diagnostics import error
from .. import receptive
from ..arithmetic import Rounding
from ..geometry import AXIS_NAMES, SIDES, PerAxis, Volume, uniform
from ..params import NON_NEGATIVE_INT, PER_AXIS, VOLUME, Param, choice
from .base import COMMON, CONVENTION_NAMES, AxisMap, Fields, Layer, Shape, Torch, any_volume, call, outputs, zero
from .window import axes_error


class Input(Layer):
    TYPE = "input"
    PARAMS = {**COMMON, "volume": Param(VOLUME, doc="width x height x depth (1 to 3 spatial sizes, depth last)")}
    POSITIONAL = ("volume",)
    EXAMPLE = ("32x32x3",)
    DIAGRAM = "input"
    CONVENTIONS = dict.fromkeys(CONVENTION_NAMES, zero)

    def torch(self, row, ceil: bool, flat: bool) -> list[Torch]:
        return []  # the model's input: nothing to compute


# Per output element: fvcore counts nearest 1 and bilinear 4; thop nearest 1, bilinear 11, bicubic 259
_FVCORE_UPSAMPLE = {"nearest": 1, "bilinear": 4}
_THOP_UPSAMPLE = {"nearest": 1, "bilinear": 11, "bicubic": 259}


class Upsample(Layer):
    TYPE = "upsample"
    PARAMS = {**COMMON, "scale": Param(PER_AXIS, uniform(2), doc="a whole factor per axis"),
              "mode": Param(choice("nearest", "bilinear", "bicubic"), "nearest")}
    POSITIONAL = ("scale", "mode")
    DIAGRAM = "shape"
    CONVENTIONS = {**dict.fromkeys(CONVENTION_NAMES, zero),
                   "fvcore": lambda row: _FVCORE_UPSAMPLE.get(row.layer.mode, 0) * row.output.elements,
                   "thop": lambda row: _THOP_UPSAMPLE[row.layer.mode] * row.output.elements,
                   "ptflops": lambda row: 2 * row.output.elements, "calflops": outputs}
    scale: PerAxis
    mode: str

    def shape(self, volume: Volume, rounding: Rounding) -> Shape:
        try:
            scale = self.scale.resolve(volume.axes, "scale")
        except ValueError as exc:
            return None, [axes_error(exc)]
        return Volume.of((size * s for size, s in zip(volume.spatial, scale)), volume.depth), []

    def axis_map(self, axes: int, axis: int, rounding: Rounding) -> AxisMap | None:
        scale = self.scale.resolve(axes, "scale")[axis]
        return lambda size: size * scale

    def fields(self, volume: Volume, fields: Fields) -> Fields:
        return tuple(receptive.upsample(f, s) for f, s in zip(fields, self.scale.resolve(volume.axes, "scale")))

    def label(self) -> str:
        return f"UPSAMPLE{self.scale}"

    def torch(self, row, ceil: bool, flat: bool) -> list[Torch]:
        scale = self.scale.resolve(row.input.axes, "scale")
        return [Torch(call("nn.Upsample", scale_factor=(scale, None), mode=(self.mode, "nearest")))]


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



