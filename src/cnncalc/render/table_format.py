"""--format table: a table per spec, a row per layer, totals underneath, then a summary line.

In a terminal the table is drawn by rich, in colour; otherwise (a pipe, a file, NO_COLOR, or more
than RICH_ROWS rows) it is plain aligned text, and rich is not even imported.
"""
from __future__ import annotations

from .numbers import (
    BAR_HEADER,
    BY_TYPE_HEADER,
    LEFT,
    ROOFLINE_HEADER,
    aligned,
    bar_cells,
    by_type_cells,
    grouped,
    layer_cells,
    memory_summary,
    roofline_cells,
    roofline_summary,
    si,
)

RICH_ROWS = 1_000  # rich takes about half a millisecond a row: a longer table is plain, even in a terminal


def render(reports: list, *, color: bool = False, width: int = 100, by_type: bool = False, bars: bool = False) -> str:
    parts = []
    for report in reports:
        if not report.rows:
            parts.append(_summary(report))
            continue
        parts.append(_rich(report, width, bars) if color and len(report.rows) <= RICH_ROWS else _plain(report, bars))
        if by_type:
            parts.append(aligned(BY_TYPE_HEADER, by_type_cells(report), left={"Type"}))
    return "\n\n".join(parts)


def _with_bars(report, bars: bool):
    """The layer cells, with the share columns appended when asked for, and the roofline's with a device."""
    header, rows, footer = layer_cells(report)
    if bars:
        header, rows, footer = header + BAR_HEADER, [r + b for r, b in zip(rows, bar_cells(report))], footer + ("", "")
    if report.roofline is not None:
        cells, totals = roofline_cells(report)
        header, rows, footer = header + ROOFLINE_HEADER, [r + c for r, c in zip(rows, cells)], footer + totals
    return header, rows, footer


def _plain(report, bars: bool) -> str:
    header, rows, footer = _with_bars(report, bars)
    return "\n".join([report.title, aligned(header, rows, footer), _summary(report)])


def _rich(report, width: int, bars: bool) -> str:
    import io

    from rich import box
    from rich.console import Console
    from rich.table import Table

    header, rows, footer = _with_bars(report, bars)
    table = Table(title=report.title, box=box.SIMPLE_HEAD, show_footer=True,
                  header_style="bold cyan", footer_style="bold", title_style="bold")
    for name, total in zip(header, footer):
        table.add_column(name, justify="left" if name in LEFT or name in BAR_HEADER else "right", footer=total,
                         no_wrap=True, style="magenta" if name in BAR_HEADER else None)
    for row in rows:
        table.add_row(*row)
    buffer = io.StringIO()
    needed = sum(max(len(row[i]) for row in (header, footer, *rows)) + 3 for i in range(len(header)))
    console = Console(file=buffer, force_terminal=True, width=max(width, needed), highlight=False, emoji=False)
    console.print(table)
    console.print(_summary(report), style="green" if report.valid else "bold red")
    return buffer.getvalue().rstrip("\n")


def _summary(report) -> str:
    t = report.totals
    if not report.valid:
        errors = sum(d.is_error for d in report.diagnostics)
        stop = "; the table stops before the first error" if len(report.rows) > 1 else ""
        return f"{report.name}: invalid, {errors} error{'s' * (errors != 1)} (on standard error){stop}"
    warnings = len(report.diagnostics)
    return (f"{report.name}: {report.input} -> {report.output}; {grouped(t.params)} params, {si(t.macs)} MACs, "
            f"{si(t.flops)} FLOPs ({report.convention}'s count), {grouped(t.activations)} activations"
            + (f"; {warnings} warning{'s' * (warnings != 1)}" if warnings else "") + "\n" + memory_summary(report)
            + ("\n" + roofline_summary(report) if report.roofline is not None else ""))
