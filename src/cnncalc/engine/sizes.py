"""`cnncalc sizes`: the input sizes for which every layer of a network fits.

A walk per size would make a thousand sizes cost a thousand walks. Instead the network is walked
once (trace.Walker, carrying the index of a value instead of a volume) and compiled into a program
of plain integer steps: one per layer that changes the sizes, made of that layer's own `axis_map` per
spatial axis and its `depth_map`, and one per merge, the block's own (a multiply's gate broadcasts),
which checks that its branches meet. The program then runs once per size, and gives None exactly
where the walk reports an error (what `check --input` refuses). A fault that no size avoids (a
layer on a volume of the wrong number of axes, a `from` with no target) compiles to a program that
every size fails.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from ..model.arithmetic import Rounding
from ..model.geometry import Volume
from ..model.layers import Layer
from ..model.layers.base import AxisMap, DepthMap
from ..model.network import Block
from ..model.network import Network as Spec
from .trace import Stop, Walker

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


Dims = tuple[int, ...]  # a volume as plain numbers: the spatial sizes, width first, then the depth
Step = Callable[[list[Dims]], "Dims | None"]  # the values so far -> the next one; None: an error


def _layer_step(source: int, maps: list[AxisMap | None], depth: DepthMap | None) -> Step:
    def step(values: list[Dims]) -> Dims | None:
        sizes = values[source]
        out = []
        for size, output in zip(sizes, maps):  # the spatial sizes: the maps stop before the depth
            if output is not None:
                size = output(size)
                if size is None:
                    return None
            out.append(size)
        out.append(sizes[-1] if depth is None else depth(sizes))
        return None if out[-1] is None else tuple(out)
    return step


def _merge_step(block: Block, sources: list[int]) -> Step:
    """The block's own merge (model/network.py), on plain numbers: a multiply's broadcast included."""
    def step(values: list[Dims]) -> Dims | None:
        ends = [values[s] for s in sources]
        reference = ends[block.reference(ends)]
        return block.merged(ends) if all(block.meets(reference, end) for end in ends) else None
    return step


class Program(NamedTuple):
    """A network compiled for many input sizes: its steps (None when no size fits) and the index of
    the value it puts out (0 is the input; step i makes value i + 1)."""

    steps: tuple[Step, ...] | None
    output: int

    def __call__(self, volume: Volume) -> Volume | None:
        """The output volume for `volume` when every layer fits, else None: what the walk would say."""
        if self.steps is None:
            return None
        values = [tuple(volume)]
        for step in self.steps:
            value = step(values)
            if value is None:
                return None
            values.append(value)
        return Volume(*values[self.output])


class _Compiler(Walker):
    """The walk, writing the program as it goes: what flows from node to node is the index of a value."""

    def __init__(self, network: Spec, rounding: Rounding | None) -> None:
        super().__init__(network, rounding, rows=False)
        self.axes = network.input.axes
        self.steps: list[Step] = []

    def emit(self, step: Step) -> int:
        self.steps.append(step)
        return len(self.steps)

    def carry(self, layer: Layer, source: int, path: str, rounding: Rounding, steps) -> int:
        if self.axes not in layer.AXES:
            raise Stop  # the walk's wrong-axes, whatever the sizes
        try:
            maps = [layer.axis_map(self.axes, axis, rounding) for axis in range(self.axes)]
        except ValueError:
            raise Stop from None  # a value with another number of axes than the input's
        depth = layer.depth_map()
        return self.emit(_layer_step(source, maps, depth)) if depth or any(maps) else source

    def merge(self, block: Block, ends: list[tuple[int, str]], path: str, span) -> tuple[int, None]:
        sources = [source for source, _ in ends]
        return self.emit(_merge_step(block, sources)), None


def compile_sizes(spec: Spec, rounding: Rounding | None = None) -> Program:
    """`spec` as a program of plain arithmetic over its input's sizes; `rounding` overrides the spec's."""
    compiler = _Compiler(spec, rounding)
    try:
        output = compiler.sequence(spec.layers, 0, "layers", None, [])
    except Stop:
        return Program(None, 0)
    return Program(tuple(compiler.steps), output)


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
    program = compile_sizes(spec, rounding)

    def fit(size: int) -> Fit | None:
        volume = _with_size(spec.input, axis, size)
        out = program(volume)
        return Fit(size, volume, out) if out is not None else None

    fits = [f for size in range(low, high + 1) if (f := fit(size))]
    own_size = _own_size(spec.input, axis)
    own_out = program(spec.input)  # the spec's own input as it is, square or not
    own = Fit(own_size, spec.input, own_out) if own_out is not None else None
    below = next((f for s in range(own_size - 1, max(own_size - NEAREST_REACH, 0), -1) if (f := fit(s))), None)
    above = next((f for s in range(own_size + 1, own_size + NEAREST_REACH + 1) if (f := fit(s))), None)
    return Sizes(spec, source, axis, low, high, fits, own, below, above)
