"""--format table: a table per spec, a row per layer, totals underneath, then a summary line.

In a terminal the table is drawn by rich, in colour; otherwise (a pipe, a file, NO_COLOR) it is
plain aligned text, and rich is not even imported.
"""
from __future__ import annotations

from .numbers import binary_bytes, field_size, grouped, memory_summary, si

HEADER = ("#", "Layer", "Output", "RF", "Activations", "Weights", "Params", "MACs", "Memory")
LEFT = {"Layer"}


def render(reports: list, *, color: bool = False, width: int = 100) -> str:
    draw = _rich if color else _plain
    return "\n\n".join(draw(report, width) if report.rows else _summary(report) for report in reports)


def _cells(report) -> tuple[list[tuple[str, ...]], tuple[str, ...]]:
    memory = report.memory
    rows = [(str(r.index), r.label, f"{r.output.width}×{r.output.height}×{r.output.depth}", field_size(r),
             grouped(r.activations),
             grouped(r.weights), grouped(r.params), grouped(r.macs), binary_bytes(memory.of(r.activations, 0)["activations"]))
            for r in report.rows]
    t = report.totals
    footer = ("", "TOTAL", "", "", grouped(t.activations), grouped(t.weights), grouped(t.params), grouped(t.macs),
              binary_bytes(memory.of(t.activations, 0)["activations"]))
    return rows, footer


def _plain(report, width: int) -> str:
    rows, footer = _cells(report)
    widths = [max(len(row[i]) for row in (HEADER, footer, *rows)) for i in range(len(HEADER))]

    def line(cells) -> str:
        return "  ".join(c.ljust(w) if h in LEFT else c.rjust(w) for c, w, h in zip(cells, widths, HEADER)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([f"{report.name} ({report.source})", line(HEADER), rule, *map(line, rows), rule, line(footer),
                      _summary(report)])


def _rich(report, width: int) -> str:
    import io

    from rich import box
    from rich.console import Console
    from rich.table import Table

    rows, footer = _cells(report)
    table = Table(title=f"{report.name} ({report.source})", box=box.SIMPLE_HEAD, show_footer=True,
                  header_style="bold cyan", footer_style="bold", title_style="bold")
    for name, total in zip(HEADER, footer):
        table.add_column(name, justify="left" if name in LEFT else "right", footer=total, no_wrap=True)
    for row in rows:
        table.add_row(*row)
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=max(width, 60), highlight=False, emoji=False)
    console.print(table)
    console.print(_summary(report), style="green" if report.valid else "bold red")
    return buffer.getvalue().rstrip("\n")


def _summary(report) -> str:
    t = report.totals
    if not report.valid:
        errors = sum(d.is_error for d in report.diagnostics)
        stop = f"; the table stops before the first error" if len(report.rows) > 1 else ""
        return f"{report.name}: invalid, {errors} error{'s' * (errors != 1)} (on standard error){stop}"
    warnings = len(report.diagnostics)
    return (f"{report.name}: {report.input} -> {report.output}; {grouped(t.params)} params, {si(t.macs)} MACs, "
            f"{si(t.flops)} FLOPs, {grouped(t.activations)} activations"
            + (f"; {warnings} warning{'s' * (warnings != 1)}" if warnings else "") + "\n" + memory_summary(report))
