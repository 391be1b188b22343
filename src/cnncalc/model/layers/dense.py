"""Fully connected layers and flatten: every output sees the whole input."""
from __future__ import annotations

from math import prod

from ..arithmetic import Rounding
from ..geometry import Volume
from ..params import BOOL, POSITIVE_INT, Param
from .base import (
    COMMON,
    CONVENTION_NAMES,
    AxisMap,
    DepthMap,
    Fields,
    Layer,
    Shape,
    Term,
    Torch,
    axis_symbols,
    bias_outputs,
    call,
    constant,
    macs,
    params,
    whole_input,
    zero,
)


class FC(Layer):
    TYPE = "fc"
    ALIASES = {"dense": {}, "linear": {}}
    PARAMS = {**COMMON, "units": Param(POSITIVE_INT, letter="K", doc="the number of outputs"),
              "bias": Param(BOOL, True)}
    POSITIONAL = ("units", "bias")
    EXAMPLE = (10,)
    DIAGRAM = "fc"
    CONVENTIONS = {"torchvision": macs, "fvcore": macs, "thop": macs, "netscope": macs, "torchinfo": params,
                   "ptflops": lambda row: row.macs + bias_outputs(row), "calflops": lambda row: 2 * row.macs}
    FLAT_OK = FLATTENS = True
    units: int
    bias: bool

    def torch(self, row, ceil: bool, flat: bool) -> list[Torch]:
        linear = Torch(call("nn.Linear", row.input.elements, self.units, bias=(self.bias, True)))
        return [linear] if flat else [Torch("nn.Flatten()"), linear]

    def shape(self, volume: Volume, rounding: Rounding) -> Shape:
        return Volume.of((1,) * volume.axes, self.units), []

    def axis_map(self, axes: int, axis: int, rounding: Rounding) -> AxisMap | None:
        return constant(1)

    def depth_map(self) -> DepthMap | None:
        units = self.units
        return lambda sizes: units

    def fields(self, volume: Volume, fields: Fields) -> Fields:
        return whole_input(volume, fields)

    def weights(self, volume: Volume, out: Volume) -> int:
        return volume.elements * self.units

    def biases(self, volume: Volume, out: Volume) -> int:
        return self.units if self.bias else 0

    def macs(self, volume: Volume, out: Volume) -> int:
        return volume.elements * self.units

    def label(self) -> str:
        return f"FC-{self.units}"

    def explain(self, volume: Volume, out: Volume) -> list[Term]:
        sizes = "·".join((*axis_symbols(volume.axes), "D"))
        return [
            Term("dense", value=out, extra={"inputs": volume.elements}),
            Term("weights", f"{sizes}·units", (*volume, self.units), self.weights(volume, out)),
            Term("biases", "units", value=self.biases(volume, out)) if self.bias else Term("no-bias"),
            Term("macs", f"{sizes}·units", (*volume, self.units), self.macs(volume, out)),
        ]


class Flatten(Layer):
    TYPE = "flatten"
    DIAGRAM = "shape"
    CONVENTIONS = dict.fromkeys(CONVENTION_NAMES, zero)
    FLAT_OK = FLATTENS = True

    def torch(self, row, ceil: bool, flat: bool) -> list[Torch]:
        return [Torch("nn.Flatten()")]

    def shape(self, volume: Volume, rounding: Rounding) -> Shape:
        return Volume.of((1,) * volume.axes, volume.elements), []

    def axis_map(self, axes: int, axis: int, rounding: Rounding) -> AxisMap | None:
        return constant(1)

    def depth_map(self) -> DepthMap | None:
        return prod  # the input's elements

    def fields(self, volume: Volume, fields: Fields) -> Fields:
        return whole_input(volume, fields)
