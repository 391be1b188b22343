"""--format table: a table per spec, a line per layer in the tree of its blocks, totals underneath,
then a summary, and a summary of the diagnostics.

In a terminal the table is drawn by rich, in colour; otherwise (a pipe, a file, NO_COLOR, or more
than RICH_ROWS rows) it is plain aligned text, and rich is not even imported. Every line fits
`width` (None: no limit): columns give way in the order of columns.GIVE_WAY, and the summaries
break at spaces; no cell is cut.
"""
from __future__ import annotations

from collections import Counter

from ..diagnostics import format_diagnostic
from ..engine.outline import outline
from .columns import GIVE_WAY, TREE, Column, default_columns, table
from .numbers import (
    BY_TYPE_HEADER,
    aligned,
    by_type_cells,
    grouped,
    memory_summary,
    roofline_summary,
    si,
    text_width,
    wrap,
)

RICH_ROWS = 1_000  # rich takes about half a millisecond a row: a longer table is plain, even in a terminal
SHOWN_IN_FULL = 3  # diagnostics written out in the summary under the table; the rest are counted
PLAIN_GAP, RICH_GAP = 2, 3  # spaces between two columns: plain text's, and rich's (a cell's padding each side)


def render(reports: list, *, color: bool = False, width: int | None = None, by_type: bool = False,
           bars: bool = False, depth: int | None = None, columns: tuple[str, ...] | None = None,
           verbose: bool = False) -> str:
    parts = []
    for report in reports:
        if report.rows:
            lines = outline(report, depth)
            keys = columns or default_columns(report, lines, bars)
            rich = color and len(report.rows) <= RICH_ROWS
            text = (_rich if rich else _plain)(report, *_fitted(report, lines, keys, width, rich), width)
        else:
            text = _summary(report, width)
        if by_type:
            text += "\n\n" + aligned(BY_TYPE_HEADER, by_type_cells(report), left={"Type"})
        parts.append("\n".join([text, *_diagnostics(report, width, verbose)]))
    return "\n\n".join(parts)


def _fitted(report, lines, keys: tuple[str, ...], width: int | None, rich: bool):
    """The table's columns, cells and totals, without the columns that must give way for it to fit `width`."""
    columns, rows, footer = table(report, lines, keys)
    if width is None:
        return columns, rows, footer
    sizes = _sizes(columns, rows, footer)
    gap = RICH_GAP if rich else PLAIN_GAP
    kept = list(range(len(columns)))
    for key in GIVE_WAY:
        if sum(sizes[i] for i in kept) + gap * (len(kept) - 1) <= width or len(kept) == 1:
            break
        kept = [i for i in kept if columns[i].key != key]
    return ([columns[i] for i in kept], [tuple(cells[i] for i in kept) for cells in rows],
            tuple(footer[i] for i in kept))


def _sizes(columns: list[Column], rows, footer) -> list[int]:
    """Each column's width: its widest cell, header and total included."""
    return [max(text_width(cells[i]) for cells in (*rows, footer, tuple(c.header for c in columns)))
            for i in range(len(columns))]


def _plain(report, columns: list[Column], rows, footer, width: int | None) -> str:
    header = tuple(c.header for c in columns)
    table_text = aligned(header, rows, footer, left={c.header for c in columns if c.left})
    return "\n".join([*wrap(report.title, width), table_text, _summary(report, width)])


def _rich(report, columns: list[Column], rows, footer, width: int | None) -> str:
    import io

    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(title=report.title, box=box.SIMPLE_HEAD, show_footer=True, show_edge=False, pad_edge=False,
                  header_style="bold cyan", footer_style="bold", title_style="bold")
    for column, total in zip(columns, footer):
        table.add_column(column.header, justify="left" if column.left else "right", footer=total, no_wrap=True,
                         style="magenta" if column.key.endswith("_share") else None)
    tree = next((i for i, c in enumerate(columns) if c.key == TREE), None)
    for cells in rows:
        cells = list(cells)
        if tree is not None:  # the tree's guides dimmed before the label
            label = cells[tree].lstrip("│├└─ ")
            cells[tree] = Text.assemble((cells[tree][:len(cells[tree]) - len(label)], "dim"), label)
        table.add_row(*cells)
    buffer = io.StringIO()
    needed = sum(_sizes(columns, rows, footer)) + RICH_GAP * (len(columns) - 1)
    # a table that cannot fit (a tree too deep for a very narrow terminal) runs past the edge: rich would elide cells
    console = Console(file=buffer, force_terminal=True, width=max(width or needed, needed), highlight=False,
                      emoji=False)
    console.print(table)
    console.print(_summary(report, width), style="green" if report.valid else "bold red", soft_wrap=True)
    return buffer.getvalue().rstrip("\n")


def _summary(report, width: int | None) -> str:
    """The verdict and the totals in one sentence, the memory (and the roofline) under it."""
    t = report.totals
    if not report.valid:
        errors = sum(d.is_error for d in report.diagnostics)
        stop = "; the table stops before the first error" if len(report.rows) > 1 else ""
        text = f"{report.name}: invalid, {errors} error{'s' * (errors != 1)} (on standard error){stop}"
    else:
        text = (f"{report.name}: {report.input} -> {report.output}; {grouped(t.params)} params, {si(t.macs)} MACs, "
                f"{si(t.flops)} FLOPs ({report.convention}'s count), {grouped(t.activations)} activations\n"
                + memory_summary(report) + ("\n" + roofline_summary(report) if report.roofline is not None else ""))
    return "\n".join(wrap(text, width))


def _diagnostics(report, width: int | None, verbose: bool) -> list[str]:
    """What the diagnostics (all on standard error) come to: their number of each severity by code,
    and the first few written out, where they are read, under the table. Notes only with `verbose`."""
    if not report.diagnostics:
        return []
    counts = []
    for severity in ("error", "warning", "note"):
        found = Counter(d.code for d in report.diagnostics if d.severity.value == severity)
        if found:
            total = sum(found.values())
            codes = ", ".join(code + (f" ×{n}" if n > 1 else "") for code, n in found.items())
            hidden = "; --verbose shows them" if severity == "note" and not verbose else ""
            counts.append(f"{total} {severity}{'s' * (total != 1)} ({codes}{hidden})")
    shown = [d for d in report.diagnostics if verbose or not d.is_note]
    lines = [f"diagnostics: {', '.join(counts)}"]
    for diagnostic in shown[:SHOWN_IN_FULL]:
        lines += [f"  {line}" for line in format_diagnostic(diagnostic, report.source, caret=False).split("\n")]
    if len(shown) > SHOWN_IN_FULL:
        lines.append(f"  and {len(shown) - SHOWN_IN_FULL:,} more on standard error")
    return [piece for line in lines for piece in wrap(line, width, "    ")]

