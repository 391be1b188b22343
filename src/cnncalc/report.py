"""The result of an analysis, as data: rows, totals, diagnostics. `to_dict` is the JSON contract."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

from .diagnostics import Diagnostic, ExitCode
from .receptive import Field
from .volumes import Volume

SCHEMA_VERSION = 1
COUNTS = ("params", "weights", "biases", "macs", "flops", "activations", "buffers")


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
    field: tuple[Field, Field] | None = None  # receptive field along the width and the height

    @property
    def params(self) -> int:
        return self.weights + self.biases

    @property
    def activations(self) -> int:
        return self.output.elements

    def to_dict(self, bytes_per_element: int) -> dict:
        row = {"index": self.index, "path": self.path, "type": self.type, "label": self.label}
        if self.input is not None:
            row["input"] = self.input.to_dict()
        row["output"] = self.output.to_dict()
        row.update({k: getattr(self, k) for k in COUNTS})
        row["memory"] = {"activations": self.activations * bytes_per_element,
                         "params": self.params * bytes_per_element}
        if self.field:
            row["receptive_field"] = {"width": self.field[0].to_dict(), "height": self.field[1].to_dict()}
        return row


class Totals(NamedTuple):
    params: int = 0
    weights: int = 0
    biases: int = 0
    macs: int = 0
    flops: int = 0
    activations: int = 0
    buffers: int = 0

    @classmethod
    def of(cls, rows: list[Row]) -> "Totals":
        sums = dict.fromkeys(COUNTS, 0)
        for row in rows:
            for key in COUNTS:
                sums[key] += getattr(row, key)
        return cls(**sums)

    def to_dict(self, bytes_per_element: int) -> dict:
        totals = {k: getattr(self, k) for k in COUNTS}
        totals["memory"] = {"activations": self.activations * bytes_per_element,
                            "params": self.params * bytes_per_element}
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
    bytes_per_element: int = 4
    unreadable: bool = False  # the file could not be read at all (exit 2)

    @property
    def valid(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)

    @cached_property
    def totals(self) -> Totals:
        return Totals.of(self.rows)

    @property
    def exit_code(self) -> ExitCode:
        """0 valid (warnings allowed), 1 any error in the spec, 2 the source could not be read."""
        if self.unreadable:
            return ExitCode.USAGE
        return ExitCode.OK if self.valid else ExitCode.INVALID_SPEC

    def to_dict(self) -> dict:
        size = self.bytes_per_element
        return {
            "schema_version": SCHEMA_VERSION,
            "name": self.name,
            "source": self.source,
            "valid": self.valid,
            "input": self.input.to_dict() if self.input else None,
            "output": self.output.to_dict() if self.output and self.valid else None,
            "bytes_per_element": size,
            "layers": [row.to_dict(size) for row in self.rows],
            "totals": self.totals.to_dict(size),
            "diagnostics": [d.to_dict() for d in self.diagnostics],
        }
