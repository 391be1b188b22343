"""What every layer type declares, and the typed, frozen, validated base they share.

A layer type is one class in one module of this package. It declares its parameters (`PARAMS`,
validated by pydantic-core), what it does to a volume (`shape`, and the same as plain arithmetic
for `cnncalc sizes`: `axis_map` per spatial axis, `depth_map`), its receptive-field step
(`fields`), its counts (`weights`, `biases`, `buffers`, `macs`, and `FLOPS`, its element-wise
cost), how the peer tools count it (`CONVENTIONS`, one rule per `--convention`), how the diagram
draws it (`DIAGRAM`), the PyTorch module it exports to (`torch`), its label, and the terms of its
worked arithmetic (`explain`: numbers and the notes' symbols, which render/explain.py words and lays
out). The registry (`__init__.py`) refuses a type that lacks any of them.
"""
from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Callable, ClassVar, NamedTuple

from pydantic_core import CoreConfig, SchemaValidator

from ...diagnostics import Diagnostic, error
from .. import receptive
from ..arithmetic import Rounding
from ..geometry import Volume
from ..params import ROUNDING, TEXT, Param, schema_for
from ..receptive import Field
from ..record import Record

Shape = tuple[Volume | None, list[Diagnostic]]
Fields = tuple[Field, ...]  # the receptive field along each spatial axis
Rule = Callable[[Any], int]  # a trace row -> the FLOPs one peer tool counts for it
AxisMap = Callable[[int], "int | None"]  # an input size along one axis -> the output size there; None: an error
DepthMap = Callable[[tuple[int, ...]], "int | None"]  # the input's sizes, depth last -> the output depth; None: error

COMMON = {"id": Param(TEXT, None, doc="a name for `from:` to refer to"),
          "rounding": Param(ROUNDING, None, doc="overrides the spec's rounding for this layer"),
          "name": Param(TEXT, None, doc="a free label shown in the table (e.g. a PyTorch module path)")}

# The peer tools whose FLOP counts `--convention` reproduces; every layer type gives a rule for each.
CONVENTION_NAMES = ("torchvision", "fvcore", "ptflops", "thop", "torchinfo", "calflops", "netscope")
DIAGRAM_KINDS = ("input", "conv", "pool", "fc", "elementwise", "shape", "merge")


class Refusal(ValueError):
    """Parameters that cannot go together, with help lines that say why or how to fix them."""

    def __init__(self, message: str, *suggestions: str) -> None:
        super().__init__(message)
        self.suggestions = suggestions


class Torch(NamedTuple):
    """A PyTorch module call for export, e.g. `nn.Conv2d(3, 64, 3)`, and a comment."""

    call: str
    comment: str = ""


class Term(NamedTuple):
    """One line of a layer's worked arithmetic, as data: render/explain.py gives it its words, its
    number formats and its place. TERM_KINDS says what each kind holds."""

    kind: str
    symbols: str = ""  # the notes' symbols of its formula (`F·F·D·K`), or the output axis of a size (`W2`)
    factors: tuple = ()  # the numbers the symbols stand for
    value: Any = None  # what they come to
    extra: Mapping[str, Any] = MappingProxyType({})  # what the kind needs besides


# The kinds of Term a layer's `explain` may give, and what each holds (a new kind needs its wording
# in render/explain.py).
TERM_KINDS = {
    "size": "an output axis's size: symbols the axis (`W2`), factors its Axis, value the (rounded) size",
    "same-padding": "an output axis's size under `same` padding: as size, the Axis with the padding chosen",
    "transposed-size": "a transposed convolution's output axis: as size; extra output_padding",
    "rounded": "the sizes did not divide: value the rounded spatial sizes",
    "depth": "the output depth: symbols what it equals (`K`, `D`), value it",
    "weights": "symbols = factors (multiplied) = value; no factors when the symbols are a single count",
    "local-weights": "as weights, for a filter of its own at every output position",
    "biases": "as weights",
    "no-bias": "the layer has no biases (bias: false)",
    "params": "factors the weights and the biases, value their sum",
    "macs": "as weights",
    "unshared": "the params without weight sharing: symbols and factors the output's (`W2·H2·K`), value the "
                "count; extra kernel (the symbols per output unit, `F·F·D`), taps (their numbers), bias "
                "(a bias per unit), shared (the params with sharing)",
    "affine": "a scale and a shift per channel: as weights",
    "buffers": "statistics kept but not learned: as weights",
    "no-params": "the layer has nothing to learn; extra layer (its type)",
    "elementwise": "value the volume, kept as it was, with no parameters",
    "same-volume": "value the volume, kept as it was",
    "volume": "value the output volume",
    "dense": "value the output volume, every unit of which sees the whole input; extra inputs (its elements)",
}


class Unexportable(Exception):
    """A layer type PyTorch has no module for; the arguments are the suggestions."""


def call(name: str, *args, **options: tuple) -> str:
    """`name(args, key=value)`, leaving out each option equal to its default: options are (value, default).
    A per-axis value is written as torch takes it: one number when it is the same on every axis,
    else a tuple with the last spatial axis first."""
    shown = [_literal(a) for a in args]
    shown += [f"{key}={_literal(value)}" for key, (value, default) in options.items() if value != default]
    return f"{name}({', '.join(shown)})"


def _literal(value) -> str:
    if isinstance(value, tuple):
        return str(value[0]) if len(set(value)) == 1 else repr(torch_order(value))
    return f'"{value}"' if isinstance(value, str) else repr(value)


# Rules shared by many types (a row has input, output, macs, params, biases and layer).
def zero(row) -> int:
    return 0


def macs(row) -> int:
    return row.macs


def inputs(row) -> int:
    return row.input.elements if row.input else 0


def outputs(row) -> int:
    return row.output.elements


def scaled(rule: Rule, factor: int) -> Rule:
    return lambda row: factor * rule(row)


def params(row) -> int:
    return row.params


def bias_outputs(row) -> int:
    """Output elements that get a bias added."""
    return row.output.elements if row.biases else 0


class Layer(Record):
    """A layer: its validated parameters (as attributes), and what it does to a volume.

    Layers are built from keyword arguments and validated at once; they cannot be changed after:

        >>> from cnncalc.layers import Conv
        >>> Conv(filters=64, kernel=3).filters
        64
    """

    TYPE: ClassVar[str]
    PARAMS: ClassVar[dict[str, Param]] = COMMON
    ALIASES: ClassVar[dict[str, dict[str, Any]]] = {}  # alias -> parameters it presets
    POSITIONAL: ClassVar[tuple[str, ...]] = ()
    EXAMPLE: ClassVar[tuple[Any, ...]] = ()  # positional values for the required parameters, for hints
    NOT_PARAMS: ClassVar[dict[str, str]] = {}  # keys people expect (from PyTorch) that are not parameters -> why
    AXES: ClassVar[tuple[int, ...]] = (1, 2, 3)  # the spatial axes it works on
    DIAGRAM: ClassVar[str]
    CONVENTIONS: ClassVar[dict[str, Rule]]
    FLAT_OK: ClassVar[bool] = False  # exported, it runs as well on the N×C tensor that fc and flatten leave
    FLATTENS: ClassVar[bool] = False  # exported, it leaves an N×C tensor
    _validator: ClassVar[SchemaValidator | None] = None

    id: str | None
    rounding: Rounding | None
    name: str | None

    def __init__(self, **params: Any) -> None:
        """Validate `params`; raises pydantic-core's ValidationError (titled with the type) or ValueError."""
        cls = type(self)
        if cls.__dict__.get("_validator") is None:  # built on first use: start-up pays only for types in use
            cls._validator = SchemaValidator(schema_for(cls.PARAMS), config=CoreConfig(title=cls.__name__))
        values = cls._validator.validate_python(params)
        if values["rounding"]:
            values["rounding"] = Rounding(values["rounding"])
        self._fill(**values)
        self.check()

    @classmethod
    def validate(cls, params: dict[str, Any]) -> "Layer":
        return cls(**params)

    def check(self) -> None:
        """Rules across parameters; raise ValueError (or a Refusal, with help lines) to refuse."""

    def shape(self, volume: Volume, rounding: Rounding) -> Shape:
        return volume, []

    def axis_map(self, axes: int, axis: int, rounding: Rounding) -> AxisMap | None:
        """`shape` along one spatial axis (`axis`, of an input of `axes` spatial axes) as a plain function,
        for `cnncalc sizes` to run over many sizes without a walk: it gives None for a size exactly where
        `shape` reports an error. None when the layer keeps every size; ValueError when `shape` errs
        whatever the sizes (values with another number of axes)."""
        return None

    def depth_map(self) -> DepthMap | None:
        """`shape`'s output depth as a plain function of the input's sizes (None where `shape` reports an
        error for that depth); None when the layer keeps the depth."""
        return None

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
        """cnncalc's own convention: 2 per MAC plus the element-wise cost README's table states."""
        return 2 * self.macs(volume, out)

    def label(self) -> str:
        return self.TYPE.upper()

    def explain(self, volume: Volume, out: Volume) -> list[Term]:
        """The terms of this layer's worked arithmetic, in the cs231n notes' notation."""
        return [Term("elementwise" if out == volume else "volume", value=out)]

    def torch(self, row, ceil: bool, flat: bool) -> list[Torch]:
        """The PyTorch modules that give this layer's row (its volumes) on an N×C×… tensor, or on the
        N×C tensor fc leaves when `flat`; `ceil` when the layer's rounding is ceil. Unexportable
        when PyTorch has no module for it."""
        raise NotImplementedError


def any_volume(axes: int) -> Volume:
    """A volume of `axes` spatial axes, to resolve per-axis values that do not depend on its sizes."""
    return Volume.of((1,) * axes, 1)


def constant(size: int) -> AxisMap:
    """The axis map of a layer whose output size does not depend on its input's (fc, a global pool)."""
    return lambda _: size


def whole_input(volume: Volume, fields: Fields) -> Fields:
    """A layer whose every output reads the whole input (fc, flatten, a global pool)."""
    return tuple(receptive.window(f, size, 1, 0) for f, size in zip(fields, volume.spatial))


def axis_symbols(count: int, suffix: object = "") -> tuple[str, ...]:
    """The notes' symbols of the spatial sizes: `W`, `H` (and `T` for a third axis); `W2`, `H2` with suffix 2."""
    return tuple(f"{n}{suffix}" for n in "WHT"[:count])


def groups_divide(groups: int, volume: Volume) -> list[Diagnostic]:
    """`invalid-groups` unless `groups` divide the input depth, with the divisors nearest to them."""
    if volume.depth % groups == 0:
        return []
    near = [g for g in range(1, volume.depth + 1) if volume.depth % g == 0]
    near = sorted(near, key=lambda g: (abs(g - groups), g))[:2]
    return [error("invalid-groups", f"groups ({groups}) must divide the input depth ({volume.depth})",
                  suggestions=[f"groups: {g}" for g in near])]


def depth_divisible_by(groups: int) -> DepthMap:
    """The depth map of a layer that keeps the depth and needs `groups` to divide it."""
    return lambda sizes: None if sizes[-1] % groups else sizes[-1]


def torch_dims(volume: Volume) -> str:
    """`2d` for an image: PyTorch's class suffix for the volume's spatial axes."""
    return f"{volume.axes}d"


def torch_order(values) -> tuple:
    """Per-axis values width first -> PyTorch's order, the last spatial axis first (…, height, width)."""
    return tuple(reversed(tuple(values)))


def axis_word(index: int, plural: bool = False) -> str:
    """`column`, `row` or `frame`: what one unit of the axis is called."""
    return ("column", "row", "frame")[index] + ("s" if plural else "")


