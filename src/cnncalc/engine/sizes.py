"""`cnncalc sizes`: the input sizes for which every layer of a network fits."""
from __future__ import annotations

from typing import NamedTuple

from ..model.arithmetic import Rounding
from ..model.geometry import Volume
from ..model.network import Network as Spec
from .trace import output_volume

AXES = ("both", "width", "height", "frames")  # "both": the same size along every spatial axis
MAX_SPAN = 100_000  # sizes tried in one call
NEAREST_REACH = 1024  # how far below and above its own size the nearest fitting sizes are sought


class AxisError(ValueError):
    """The axis to vary is not one the input has."""


class Fit(NamedTuple):
    size: int
    input: Volume
    output: Volume


class Sizes(NamedTuple):
    spec: Spec
    source: str
    axis: str
    low: int
    high: int
    fits: list[Fit]
    own: Fit | None  # the spec's own size, when it fits
    below: Fit | None  # the nearest fitting size below the spec's own, within NEAREST_REACH
    above: Fit | None  # the nearest above it, within NEAREST_REACH

    def to_dict(self) -> dict:
        def fit(f: Fit | None) -> dict | None:
            return None if f is None else {"size": f.size, "input": f.input.to_dict(), "output": f.output.to_dict()}

        return {"schema_version": 1, "name": self.spec.name, "source": self.source, "axis": self.axis,
                "range": [self.low, self.high], "sizes": [fit(f) for f in self.fits],
                "own": {"input": self.spec.input.to_dict(), "output": fit(self.own)["output"] if self.own else None},
                "below": fit(self.below), "above": fit(self.above)}


def _with_size(volume: Volume, axis: str, size: int) -> Volume:
    if axis == "both":
        return volume.with_spatial((size,) * volume.axes)
    spatial = list(volume.spatial)
    spatial[AXES.index(axis) - 1] = size
    return volume.with_spatial(spatial)


def _own_size(volume: Volume, axis: str) -> int:
    return volume[max(AXES.index(axis) - 1, 0)]


def try_size(spec: Spec, axis: str, size: int, rounding: Rounding | None) -> Fit | None:
    volume = _with_size(spec.input, axis, size)
    out = output_volume(spec.with_input(volume), rounding)
    return Fit(size, volume, out) if out is not None else None


def find_sizes(spec: Spec, source: str, low: int, high: int, axis: str = "both",
               rounding: Rounding | None = None) -> Sizes:
    """Every size in [low, high] for which the whole network fits, and the nearest around its own."""
    if axis not in AXES:
        raise ValueError(f"axis must be one of {', '.join(AXES)}")
    if AXES.index(axis) > spec.input.axes:
        raise AxisError(f"the input {spec.input} has no {axis}: it has {spec.input.axes} spatial "
                        f"ax{'is' if spec.input.axes == 1 else 'es'}")
    if not 1 <= low <= high or high - low >= MAX_SPAN:
        raise ValueError(f"the range must be LOW:HIGH with 1 <= LOW <= HIGH and at most {MAX_SPAN:,} sizes")
    fits = [fit for size in range(low, high + 1) if (fit := try_size(spec, axis, size, rounding))]
    own_size = _own_size(spec.input, axis)
    own_out = output_volume(spec, rounding)  # the spec's own input as it is, square or not
    own = Fit(own_size, spec.input, own_out) if own_out is not None else None
    below = next((f for s in range(own_size - 1, max(own_size - NEAREST_REACH, 0), -1)
                  if (f := try_size(spec, axis, s, rounding))), None)
    above = next((f for s in range(own_size + 1, own_size + NEAREST_REACH + 1)
                  if (f := try_size(spec, axis, s, rounding))), None)
    return Sizes(spec, source, axis, low, high, fits, own, below, above)
