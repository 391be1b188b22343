"""Layers that move or pick channels: channel shuffle and slice, pixel shuffle and unshuffle (depth to
space and back). None of them learns or computes anything: they move data, which no tool counts."""
from __future__ import annotations

from math import gcd, isqrt

from ...diagnostics import error
from .. import receptive
from ..arithmetic import Rounding
from ..geometry import AXIS_NAMES, Volume
from ..params import NON_NEGATIVE_INT, POSITIVE_INT, Param
from .base import (
    COMMON,
    CONVENTION_NAMES,
    AxisMap,
    DepthMap,
    Fields,
    Layer,
    Refusal,
    Shape,
    Term,
    Torch,
    call,
    depth_divisible_by,
    groups_divide,
    zero,
)

_UNCOUNTED = dict.fromkeys(CONVENTION_NAMES, zero)  # moving data: no peer counts it


class ChannelShuffle(Layer):
    """The channels of `groups` groups interleaved: ShuffleNet's shuffle."""

    TYPE = "channel_shuffle"
    PARAMS = {**COMMON, "groups": Param(POSITIVE_INT, doc="groups whose channels are interleaved; divides the depth")}
    POSITIONAL = ("groups",)
    EXAMPLE = (2,)
    DIAGRAM = "elementwise"
    CONVENTIONS = _UNCOUNTED
    groups: int

    def shape(self, volume: Volume, rounding: Rounding) -> Shape:
        problems = groups_divide(self.groups, volume)
        return (None if problems else volume), problems

    def depth_map(self) -> DepthMap | None:
        return depth_divisible_by(self.groups)

    def explain(self, volume: Volume, out: Volume) -> list[Term]:
        return [Term("same-volume", value=out), Term("no-params", extra={"layer": "channel shuffle"})]

    def torch(self, row, ceil: bool, flat: bool) -> list[Torch]:
        return [Torch(call("nn.ChannelShuffle", self.groups))]

    def label(self) -> str:
        return f"SHUFFLE{self.groups}"


class ChannelSlice(Layer):
    """The channels from `start` up to `stop` (exclusive): ShuffleNet's split."""

    TYPE = "channel_slice"
    PARAMS = {**COMMON, "stop": Param(POSITIVE_INT, doc="the channel after the last one kept (exclusive)"),
              "start": Param(NON_NEGATIVE_INT, 0, doc="the first channel kept, counting from 0")}
    POSITIONAL = ("stop", "start")
    EXAMPLE = (2,)
    DIAGRAM = "shape"
    FLAT_OK = True
    CONVENTIONS = _UNCOUNTED
    stop: int
    start: int

    def check(self) -> None:
        if self.start >= self.stop:
            raise Refusal(f"the slice keeps no channel: start ({self.start}) must be less than stop ({self.stop}), "
                          "which is exclusive", f"stop: {self.start + 1} keeps channel {self.start} alone")

    def shape(self, volume: Volume, rounding: Rounding) -> Shape:
        if self.stop <= volume.depth:
            return volume.with_depth(self.stop - self.start), []
        keep = (f"stop: {volume.depth} keeps channels {self.start} to {volume.depth - 1}"
                if self.start < volume.depth else f"start and stop at most {volume.depth}")
        return None, [error("invalid-slice", f"the slice {self.start}:{self.stop} needs {self.stop} channels, and "
                            f"the input has {volume.depth} ({volume})", suggestions=[keep])]

    def depth_map(self) -> DepthMap | None:
        start, stop = self.start, self.stop
        return lambda sizes: stop - start if stop <= sizes[-1] else None

    def explain(self, volume: Volume, out: Volume) -> list[Term]:
        return [Term("volume", value=out), Term("depth", "stop − start", value=out.depth),
                Term("no-params", extra={"layer": "channel slice"})]

    def torch(self, row, ceil: bool, flat: bool) -> list[Torch]:
        return [Torch(f"ChannelSlice({self.start}, {self.stop})")]

    def label(self) -> str:
        return f"SLICE{self.start}:{self.stop}"


class PixelShuffle(Layer):
    """Depth to space: each r² channels become an r×r patch of one channel."""

    TYPE = "pixel_shuffle"
    PARAMS = {**COMMON, "factor": Param(POSITIVE_INT, doc="r: the width and height grow r times, the depth "
                                                          "shrinks r² times")}
    POSITIONAL = ("factor",)
    EXAMPLE = (2,)
    AXES = (2,)
    DIAGRAM = "shape"
    CONVENTIONS = _UNCOUNTED
    factor: int

    def shape(self, volume: Volume, rounding: Rounding) -> Shape:
        r, depth = self.factor, volume.depth
        if depth % (r * r) == 0:
            return Volume.of((size * r for size in volume.spatial), depth // (r * r)), []
        below, above = depth - depth % (r * r), depth - depth % (r * r) + r * r
        factors = [f"factor: {f} gives {depth // (f * f)} channels" for f in range(2, isqrt(depth) + 1)
                   if depth % (f * f) == 0]
        depths = [f"a depth of {d} before this layer gives {d // (r * r)}" for d in (below, above) if d]
        return None, [error("non-integer-output", f"the output depth is not a whole number: D/r² = {depth}/{r}² = "
                            f"{depth / (r * r):g}", suggestions=factors + depths)]

    def axis_map(self, axes: int, axis: int, rounding: Rounding) -> AxisMap | None:
        r = self.factor
        return lambda size: size * r

    def depth_map(self) -> DepthMap | None:
        square = self.factor ** 2
        return lambda sizes: None if sizes[-1] % square else sizes[-1] // square

    def fields(self, volume: Volume, fields: Fields) -> Fields:
        return tuple(receptive.upsample(f, self.factor) for f in fields)  # output o is input ⌊o/r⌋

    def explain(self, volume: Volume, out: Volume) -> list[Term]:
        return [Term("volume", value=out), Term("depth", "D/r²", value=out.depth),
                Term("no-params", extra={"layer": "pixel shuffle"})]

    def torch(self, row, ceil: bool, flat: bool) -> list[Torch]:
        return [Torch(call("nn.PixelShuffle", self.factor))]

    def label(self) -> str:
        return f"PIXELSHUFFLE{self.factor}"


class PixelUnshuffle(PixelShuffle):
    """Space to depth: each r×r patch of a channel becomes r² channels."""

    TYPE = "pixel_unshuffle"
    PARAMS = {**COMMON, "factor": Param(POSITIVE_INT, doc="r: divides the width and the height, which shrink r "
                                                          "times; the depth grows r² times")}

    def shape(self, volume: Volume, rounding: Rounding) -> Shape:
        r = self.factor
        if all(size % r == 0 for size in volume.spatial):
            return Volume.of((size // r for size in volume.spatial), volume.depth * r * r), []
        left = [(name, size) for name, size in zip(AXIS_NAMES, volume.spatial) if size % r]
        arithmetic = "; ".join(f"{name}: {size}/{r} = {size / r:g}" for name, size in left)
        common = gcd(*volume.spatial)
        factors = [f"factor: {f}" for f in range(2, common + 1) if common % f == 0][:2]
        sizes = "x".join(str(size - size % r) for size in volume.spatial)
        return None, [error("non-integer-output", f"the output size is not a whole number: {arithmetic}",
                            suggestions=factors + [f"an input of {sizes} to this layer divides by {r}"])]

    def axis_map(self, axes: int, axis: int, rounding: Rounding) -> AxisMap | None:
        r = self.factor
        return lambda size: None if size % r else size // r

    def depth_map(self) -> DepthMap | None:
        square = self.factor ** 2
        return lambda sizes: sizes[-1] * square

    def fields(self, volume: Volume, fields: Fields) -> Fields:
        return tuple(receptive.window(f, self.factor, self.factor, 0) for f in fields)  # an r×r patch, step r

    def explain(self, volume: Volume, out: Volume) -> list[Term]:
        return [Term("volume", value=out), Term("depth", "D·r²", value=out.depth),
                Term("no-params", extra={"layer": "pixel unshuffle"})]

    def torch(self, row, ceil: bool, flat: bool) -> list[Torch]:
        return [Torch(call("nn.PixelUnshuffle", self.factor))]

    def label(self) -> str:
        return f"PIXELUNSHUFFLE{self.factor}"
