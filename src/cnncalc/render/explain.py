"""`cnncalc explain`: the worked arithmetic of each layer, in the cs231n notes' notation."""
from __future__ import annotations

from ..engine.report import Report, Row
from ..model.geometry import shown_axes
from ..model.layers.base import dims
from .numbers import binary_bytes, field_size


def explain_row(row: Row, bytes_per_element: int) -> list[str]:
    """The lines that explain one row, numbers included."""
    if row.layer is None:  # the input and the merge rows
        if row.type == "input":
            return [f"{dims(row.output)} = {row.output} (the input)",
                    f"activations = {'·'.join(map(str, row.output))} = {row.activations:,}"]
        how = "summed element by element" if row.type == "add" else "stacked along the depth"
        return [f"the branches are {how}: {dims(row.output, 2)} = {row.output}"]
    lines = row.layer.explain(row.input, row.output)
    lines.append(f"activations = {dims(row.output, 2).replace('×', '·')} = {'·'.join(map(str, row.output))} = "
                 f"{row.activations:,} "
                 f"({binary_bytes(row.activations * bytes_per_element)} at {bytes_per_element} bytes each)")
    if row.field:
        lines.append(f"receptive field: {field_size(row)} input pixels, jump {shown_axes([f.jump for f in row.field])}")
    return lines


def explain(report: Report, index: int | None = None) -> list[tuple[Row, list[str]]]:
    """Every row (or the row at `index`) with its explanation."""
    rows = report.rows if index is None else [report.rows[index]]
    return [(row, explain_row(row, report.bytes_per_element)) for row in rows]
