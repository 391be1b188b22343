"""`cnncalc diff A B`: totals and layer-by-layer deltas between two analysed specs, aligned by path; and
their weighted layers aligned in the order they run, each difference of volume, params or kernel
geometry named with both places (the check that a model still matches its spec, whatever the formats)."""
from __future__ import annotations

from difflib import SequenceMatcher
from typing import NamedTuple

from ..diagnostics import Span
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


class Place(NamedTuple):
    """Where a weighted layer stands: its row, and its position in the source when known."""

    row: Row
    span: Span | None

    def to_dict(self) -> dict:
        return {"index": self.row.index, "path": self.row.path, "name": self.row.name, "type": self.row.type,
                "label": self.row.label, "line": self.span.line if self.span else None,
                "column": self.span.column if self.span else None}


class Mismatch(NamedTuple):
    """Two weighted layers aligned (or one with no counterpart: None) and how they differ: (what, in A, in B)."""

    a: Place | None
    b: Place | None
    differences: tuple[tuple[str, str, str], ...]

    def to_dict(self) -> dict:
        return {"a": self.a.to_dict() if self.a else None, "b": self.b.to_dict() if self.b else None,
                "differences": [{"what": what, "a": a, "b": b} for what, a, b in self.differences]}


class Diff(NamedTuple):
    a: Report
    b: Report
    rows: list[RowDiff]
    mismatches: list[Mismatch]

    @property
    def differ(self) -> bool:
        """The networks differ: in a weighted layer, or in their output."""
        return bool(self.mismatches) or self.a.output != self.b.output

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
            "differ": self.differ,
            "weighted": [m.to_dict() for m in self.mismatches],
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
    return Diff(a, b, rows, align(a, b))


def _weighted(report: Report) -> list[Place]:
    """The rows of layers that learn or keep numbers (conv, fc, batchnorm, …), with their source positions."""
    spans = {}
    if report.trace is not None:
        stack = list(report.trace.steps)
        while stack:
            step = stack.pop()
            if step.row is not None:
                spans[step.row.index] = step.span
            stack.extend(step for branch in step.branches for step in branch)
    return [Place(row, spans.get(row.index)) for row in report.rows
            if row.layer is not None and (row.params or row.buffers)]


def _geometry(row: Row) -> dict[str, str]:
    """A weighted layer's shape of computation: its filters or units, kernel, stride, padding, dilation, groups."""
    layer, shown = row.layer, {}
    for key in ("filters", "units"):
        if hasattr(layer, key):
            shown[key] = str(getattr(layer, key))
    if hasattr(layer, "axes") and row.input is not None:
        axes = layer.axes(row.input)
        for key in ("kernel", "stride", "dilation"):
            shown[key] = "x".join(str(getattr(axis, key)) for axis in axes)
        shown["padding"] = "x".join(str(a.pad_lo) if a.pad_lo == a.pad_hi else f"{a.pad_lo}+{a.pad_hi}" for a in axes)
    if hasattr(layer, "groups"):
        shown["groups"] = str(layer.groups)
    return shown


def _differences(a: Row, b: Row) -> tuple[tuple[str, str, str], ...]:
    found = []
    if a.type != b.type:
        found.append(("type", a.type, b.type))
    if a.output != b.output:
        found.append(("output", str(a.output), str(b.output)))
    for key in ("weights", "biases", "buffers"):
        if getattr(a, key) != getattr(b, key):
            found.append((key, f"{getattr(a, key):,}", f"{getattr(b, key):,}"))
    geometry_a, geometry_b = _geometry(a), _geometry(b)
    for key in geometry_a.keys() & geometry_b.keys():
        if geometry_a[key] != geometry_b[key]:
            found.append((key, geometry_a[key], geometry_b[key]))
    return tuple(sorted(found, key=lambda f: _ORDER.index(f[0])))


_ORDER = ("type", "output", "weights", "biases", "buffers", "filters", "units", "kernel", "stride",
          "padding", "dilation", "groups")


def align(a: Report, b: Report) -> list[Mismatch]:
    """The weighted layers of A and B matched in the order they run (by type, as difflib aligns two
    sequences), and every pair that differs or layer that has no counterpart."""
    left, right = _weighted(a), _weighted(b)
    matcher = SequenceMatcher(None, [p.row.type for p in left], [p.row.type for p in right], autojunk=False)
    found: list[Mismatch] = []
    for _, i1, i2, j1, j2 in matcher.get_opcodes():
        pairs = min(i2 - i1, j2 - j1)
        for x, y in zip(left[i1:i1 + pairs], right[j1:j1 + pairs]):
            differences = _differences(x.row, y.row)
            if differences:
                found.append(Mismatch(x, y, differences))
        found += [Mismatch(x, None, ()) for x in left[i1 + pairs:i2]]
        found += [Mismatch(None, y, ()) for y in right[j1 + pairs:j2]]
    return found
