"""--format markdown: a pipe table per spec, for a README or a pull-request comment."""
from __future__ import annotations

from .numbers import (
    BY_TYPE_HEADER,
    LEFT,
    by_type_cells,
    grouped,
    layer_cells,
    memory_summary,
    si,
)


def render(reports: list, *, by_type: bool = False, **_options) -> str:
    return "\n\n".join(_one(report) + (_by_type(report) if by_type else "") for report in reports)


def _by_type(report) -> str:
    lines = ["", "", "| " + " | ".join(BY_TYPE_HEADER) + " |", "|---|" + "---:|" * (len(BY_TYPE_HEADER) - 1)]
    return "\n".join(lines + [_row(cells) for cells in by_type_cells(report)])


def _one(report) -> str:
    header, rows, footer = layer_cells(report)
    align = ["---:" if h not in LEFT else "---" for h in header]
    note = f"; {report.note}" if report.note else ""
    lines = [f"### {report.name} (`{report.source}`{note})", "", _row(header), "|" + "|".join(align) + "|"]
    lines += [_row(cells) for cells in rows]
    lines.append(_row(tuple(f"**{c}**" if c else "" for c in footer)))
    lines += ["", _verdict(report)]
    lines += [f"- **{d.severity.value}** `{d.code}` at `{d.path}`: {d.message}" for d in report.diagnostics]
    return "\n".join(lines)


def _row(cells) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"  # a name may hold a pipe


def _verdict(report) -> str:
    t = report.totals
    if not report.valid:
        return "**invalid**: see the diagnostics below."
    return (f"Output {report.output}; {grouped(t.params)} params, {si(t.macs)} MACs, "
            f"{si(t.flops)} FLOPs ({report.convention}'s count); "
            f"{memory_summary(report)}.")
