"""The result of an analysis, as data: rows, totals, diagnostics. `to_dict` is the JSON contract."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, NamedTuple

from ..diagnostics import Diagnostic, ExitCode
from ..model.geometry import AXIS_NAMES, Volume
from ..model.receptive import Field
from .memory import MemorySettings

SCHEMA_VERSION = 1
COUNTS = ("params", "weights", "biases", "macs", "flops", "backward_flops", "activations", "buffers")


def numbers(data: dict, prefix: str = ""):
    """(name, value) of every integer in a JSON dict, nested names joined by dots: `memory.params`."""
    for key, value in data.items():
        if isinstance(value, dict):
            yield from numbers(value, f"{prefix}{key}.")
        elif isinstance(value, int) and not isinstance(value, bool):
            yield prefix + key, value


class Row(NamedTuple):
    index: int
    path: str
    type: str
    label: str
    input: Volume | None
    output: Volume
    weights: int = 0
    biases: int = 0
    macs: int = 0
    flops: int = 0
    buffers: int = 0
    field: tuple[Field, ...] | None = None  # receptive field along each spatial axis
    layer: Any = None  # the layer that made the row (None for the input and merge rows); not in the JSON
    name: str | None = None  # the spec's `name:` of the layer or block
    branches: tuple[Volume, ...] = ()  # a merge row: what its branches put out; not in the JSON
    level: int = 1  # where it stands in the tree of blocks: 1 at the top, one more inside each block

    @property
    def params(self) -> int:
        return self.weights + self.biases

    @property
    def activations(self) -> int:
        return self.output.elements

    @property
    def backward_flops(self) -> int:
        """The common convention: a layer with parameters costs twice its forward pass backwards
        (the gradients of its input and of its weights), any other layer once."""
        return 2 * self.flops if self.params else self.flops

    def to_dict(self, memory: MemorySettings, roofline: Any = None) -> dict:
        """The row's JSON; `roofline` its Roof on the report's device (engine/roofline.py), if any."""
        row = {"index": self.index, "path": self.path, "level": self.level, "type": self.type, "label": self.label}
        if self.name is not None:
            row["name"] = self.name
        if self.input is not None:
            row["input"] = self.input.to_dict()
        row["output"] = self.output.to_dict()
        # the COUNTS, computed once each: the JSON of 10,000 rows is mostly this
        params, flops, activations = self.weights + self.biases, self.flops, self.output.elements
        row.update(params=params, weights=self.weights, biases=self.biases, macs=self.macs, flops=flops,
                   backward_flops=2 * flops if params else flops, activations=activations, buffers=self.buffers)
        row["memory"] = memory.of(activations, params, self.buffers)
        if self.field:
            row["receptive_field"] = self.field_dict()
        row["roofline"] = roofline.to_dict() if roofline is not None else None
        return row

    def field_dict(self) -> dict | None:
        """The receptive field as JSON: size, jump and start per spatial axis."""
        return {axis: f.to_dict() for axis, f in zip(AXIS_NAMES, self.field)} if self.field else None


class Totals(NamedTuple):
    params: int = 0
    weights: int = 0
    biases: int = 0
    macs: int = 0
    flops: int = 0
    backward_flops: int = 0
    activations: int = 0
    buffers: int = 0

    @classmethod
    def of(cls, rows: list[Row]) -> "Totals":
        weights, biases = sum(row.weights for row in rows), sum(row.biases for row in rows)
        return cls(params=weights + biases, weights=weights, biases=biases, macs=sum(row.macs for row in rows),
                   flops=sum(row.flops for row in rows), backward_flops=sum(row.backward_flops for row in rows),
                   activations=sum(row.activations for row in rows), buffers=sum(row.buffers for row in rows))

    def to_dict(self, memory: MemorySettings, rows) -> dict:
        totals = {k: getattr(self, k) for k in COUNTS}
        totals["memory"] = {**memory.of(self.activations, self.params, self.buffers),
                            "peak": memory.peak(rows, self)}
        return totals


@dataclass(frozen=True)
class Report:
    """What `cnncalc check` says of one spec."""

    name: str
    source: str
    input: Volume | None
    output: Volume | None
    rows: tuple[Row, ...]
    diagnostics: tuple[Diagnostic, ...]
    memory: MemorySettings = MemorySettings()
    unreadable: bool = False  # the file could not be read at all (exit 2)
    convention: str = "cnncalc"  # whose way of counting `flops` follows (conventions.py)
    trace: Any = None  # the walk's Trace: the tree of steps that export, the diagram and explain read
    roofline: Any = None  # with a device: each row's Roof on it (engine/roofline.py)
    note: str | None = None  # said beside the source in the title (an imported model's, e.g. folded BatchNorms)

    @property
    def title(self) -> str:
        """`name (source)`, with the note after the source."""
        return f"{self.name} ({self.source}{'; ' + self.note if self.note else ''})"

    @property
    def valid(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)

    @cached_property
    def totals(self) -> Totals:
        return Totals.of(self.rows)

    @cached_property
    def by_type(self) -> dict[str, tuple[int, Totals]]:
        """Layer type -> (how many rows, their totals), in the order the types first appear."""
        groups: dict[str, list[Row]] = {}
        for row in self.rows:
            groups.setdefault(row.type, []).append(row)
        return {kind: (len(rows), Totals.of(rows)) for kind, rows in groups.items()}

    @property
    def exit_code(self) -> ExitCode:
        """0 valid (warnings allowed), 1 any error in the spec, 2 the source could not be read."""
        return self.exit_status()

    def exit_status(self, strict: bool = False) -> ExitCode:
        """The exit code; `strict` (for CI) makes a warning fail as an error does, a note never."""
        if self.unreadable:
            return ExitCode.USAGE
        failed = not self.valid or (strict and any(d.is_warning for d in self.diagnostics))
        return ExitCode.INVALID_SPEC if failed else ExitCode.OK

    @property
    def bytes_per_element(self) -> int:
        return self.memory.bytes_per_element

    def to_json(self) -> str:
        """Exactly what `cnncalc check --format json` prints for this spec."""
        from ..render import render

        return render("json", [self])

    def to_markdown(self) -> str:
        """What `cnncalc check --format markdown` prints for this spec."""
        from ..render import render

        return render("markdown", [self])

    def _repr_html_(self) -> str:
        """A table in Jupyter."""
        from ..render.html_format import section

        return section(self)

    def layer_dicts(self):
        """Each row's JSON, in order."""
        roofs = self.roofline.rows if self.roofline else (None,) * len(self.rows)
        for row, roof in zip(self.rows, roofs):
            yield row.to_dict(self.memory, roof)

    def to_dict(self, layers: Any = None) -> dict:
        """The JSON contract. `layers` stands in for the list of rows when given: the JSON renderer
        writes each row as it makes it, so that they are never all held as dicts at once."""
        return {
            "schema_version": SCHEMA_VERSION,
            "name": self.name,
            "source": self.source,
            "valid": self.valid,
            "input": self.input.to_dict() if self.input else None,
            "output": self.output.to_dict() if self.output and self.valid else None,
            "flops_convention": self.convention,
            "memory_settings": self.memory.to_dict(),
            "device": self.roofline.device_dict() if self.roofline else None,
            "layers": list(self.layer_dicts()) if layers is None else layers,
            "totals": {**self.totals.to_dict(self.memory, self.rows),
                       "roofline": self.roofline.totals() if self.roofline else None},
            "by_type": {kind: {"layers": count, **{k: getattr(t, k) for k in ("params", "macs", "flops")}}
                        for kind, (count, t) in self.by_type.items()},
            "diagnostics": [d.to_dict() for d in self.diagnostics],
        }
