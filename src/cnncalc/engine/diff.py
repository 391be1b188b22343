"""`cnncalc diff A B`: totals and layer-by-layer deltas between two analysed specs, aligned by path."""
from __future__ import annotations

from typing import NamedTuple

from .report import Report, Row

COMPARED = ("params", "macs", "flops", "activations")


class RowDiff(NamedTuple):
    path: str
    a: Row | None  # None: the layer is only in B
    b: Row | None  # None: the layer is only in A

    def delta(self, key: str) -> int:
        return (getattr(self.b, key) if self.b else 0) - (getattr(self.a, key) if self.a else 0)

    @property
    def changed(self) -> bool:
        if self.a is None or self.b is None:
            return True
        return (self.a.label, self.a.output, self.a.field) != (self.b.label, self.b.output, self.b.field) or any(
            self.delta(k) for k in COMPARED)

    def to_dict(self) -> dict:
        def side(row: Row | None) -> dict | None:
            if row is None:
                return None
            return {"label": row.label, "type": row.type, "output": row.output.to_dict(),
                    **{k: getattr(row, k) for k in COMPARED}, "receptive_field": row.field_dict()}

        return {"path": self.path, "a": side(self.a), "b": side(self.b),
                "delta": {k: self.delta(k) for k in COMPARED}}


class Diff(NamedTuple):
    a: Report
    b: Report
    rows: list[RowDiff]

    def total_delta(self, key: str) -> int:
        return getattr(self.b.totals, key) - getattr(self.a.totals, key)

    def to_dict(self) -> dict:
        def side(report: Report) -> dict:
            return {"name": report.name, "source": report.source, "valid": report.valid,
                    "output": report.output.to_dict() if report.output else None}

        return {
            "schema_version": 1,
            "a": side(self.a), "b": side(self.b),
            "totals": {k: {"a": getattr(self.a.totals, k), "b": getattr(self.b.totals, k),
                           "delta": self.total_delta(k)} for k in ("params", "weights", "biases", *COMPARED[1:])},
            "layers": [r.to_dict() for r in self.rows if r.changed],
        }


def diff(a: Report, b: Report) -> Diff:
    """Rows of A and B matched by path, in A's order with B's extra rows after their predecessor."""
    b_by_path = {row.path: row for row in b.rows}
    a_paths = {row.path for row in a.rows}
    rows: list[RowDiff] = [RowDiff(row.path, row, b_by_path.get(row.path)) for row in a.rows]
    for i, row in enumerate(b.rows):
        if row.path not in a_paths:
            after = b.rows[i - 1].path if i else None
            at = next((j + 1 for j, r in enumerate(rows) if r.path == after), len(rows))
            rows.insert(at, RowDiff(row.path, None, row))
    return Diff(a, b, rows)
