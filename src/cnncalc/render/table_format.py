"""--format table: a rich table per spec, a row per layer, totals underneath, then a summary."""
from __future__ import annotations

import io

from rich import box
from rich.console import Console
from rich.table import Table

from .numbers import binary_bytes, grouped, si

COLUMNS = (("#", "right"), ("Layer", "left"), ("Output", "right"), ("Activations", "right"),
           ("Weights", "right"), ("Params", "right"), ("MACs", "right"), ("Memory", "right"))


def render(reports: list, *, color: bool = False, width: int = 100) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=max(width, 60),
                      highlight=False, emoji=False)
    for i, report in enumerate(reports):
        if i:
            console.print()
        if report.rows:
            console.print(_table(report, color))
        console.print(_summary(report))
    return buffer.getvalue().rstrip("\n")


def _table(report, color: bool) -> Table:
    size = report.bytes_per_element
    table = Table(title=f"{report.name} ({report.source})", box=box.SIMPLE_HEAD if color else box.ASCII2,
                  show_footer=True, header_style="bold" if color else "", footer_style="bold" if color else "",
                  title_style="bold" if color else "")
    totals = report.totals
    footers = ("", "TOTAL", "", grouped(totals.activations), grouped(totals.weights), grouped(totals.params),
               grouped(totals.macs), binary_bytes(totals.activations * size))
    for (name, justify), footer in zip(COLUMNS, footers):
        table.add_column(name, justify=justify, footer=footer, no_wrap=True)
    for row in report.rows:
        table.add_row(str(row.index), row.label, f"{row.output.width}×{row.output.height}×{row.output.depth}",
                      grouped(row.activations), grouped(row.weights), grouped(row.params), grouped(row.macs),
                      binary_bytes(row.activations * size))
    return table


def _summary(report) -> str:
    t, size = report.totals, report.bytes_per_element
    if not report.valid:
        errors = sum(d.is_error for d in report.diagnostics)
        return f"{report.name}: invalid, {errors} error{'s' * (errors != 1)} (see above)" + (
            f"; the table stops at {report.rows[-1].label}" if len(report.rows) > 1 else "")
    warnings = len(report.diagnostics)
    return (f"{report.name}: {report.input} -> {report.output}; {grouped(t.params)} params "
            f"({binary_bytes(t.params * size)}), {si(t.macs)} MACs, {si(t.flops)} FLOPs; activations "
            f"{grouped(t.activations)} ({binary_bytes(t.activations * size)} per image at {size} bytes each)"
            + (f"; {warnings} warning{'s' * (warnings != 1)}" if warnings else ""))
