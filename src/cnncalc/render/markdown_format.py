"""--format markdown: a pipe table per spec, for a README or a pull-request comment."""
from __future__ import annotations

from ..engine.outline import outline
from .columns import default_columns, table
from .numbers import (
    BY_TYPE_HEADER,
    by_type_cells,
    grouped,
    memory_summary,
    si,
)


def render(reports: list, *, by_type: bool = False, depth: int | None = None, columns: tuple[str, ...] | None = None,
           verbose: bool = False, **_options) -> str:
    return "\n\n".join(_one(report, depth, columns, verbose) + (_by_type(report) if by_type else "")
                       for report in reports)


def _by_type(report) -> str:
    lines = ["", "", "| " + " | ".join(BY_TYPE_HEADER) + " |", "|---|" + "---:|" * (len(BY_TYPE_HEADER) - 1)]
    return "\n".join(lines + [_row(cells) for cells in by_type_cells(report)])


def _one(report, depth: int | None, keys: tuple[str, ...] | None, verbose: bool) -> str:
    lines = outline(report, depth)
    columns, rows, footer = table(report, lines, keys or default_columns(report, lines))
    align = ["---" if c.left else "---:" for c in columns]
    note = f"; {report.note}" if report.note else ""
    text = [f"### {report.name} (`{report.source}`{note})", "", _row(tuple(c.header for c in columns)),
            "|" + "|".join(align) + "|"]
    text += [_row(cells) for cells in rows]
    text.append(_row(tuple(f"**{c}**" if c else "" for c in footer)))
    text += ["", _verdict(report)]
    text += [f"- **{d.severity.value}** `{d.code}` at `{d.path}`: {d.message}" for d in report.diagnostics
             if verbose or not d.is_note]
    return "\n".join(text)


def _row(cells) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"  # a name may hold a pipe


def _verdict(report) -> str:
    t = report.totals
    if not report.valid:
        return "**invalid**: see the diagnostics below."
    return (f"Output {report.output}; {grouped(t.params)} params, {si(t.macs)} MACs, "
            f"{si(t.flops)} FLOPs ({report.convention}'s count); "
            f"{memory_summary(report)}.")
