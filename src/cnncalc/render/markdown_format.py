"""--format markdown: a pipe table per spec, for a README or a pull-request comment."""
from __future__ import annotations

from .numbers import binary_bytes, field_size, grouped, memory_summary, si

HEADER = ("#", "Layer", "Output", "RF", "Activations", "Weights", "Params", "MACs", "Memory")


def render(reports: list, **_) -> str:
    return "\n\n".join(_one(report) for report in reports)


def _one(report) -> str:
    lines = [f"### {report.name} (`{report.source}`)", "",
             "| " + " | ".join(HEADER) + " |", "|" + "|".join(["---:", "---", "---:", "---:"] + ["---:"] * 5) + "|"]
    for row in report.rows:
        lines.append(f"| {row.index} | {row.label} | {row.output.width}×{row.output.height}×{row.output.depth} | {field_size(row)} | "
                     f"{grouped(row.activations)} | {grouped(row.weights)} | {grouped(row.params)} | "
                     f"{grouped(row.macs)} | {binary_bytes(report.memory.of(row.activations, 0)["activations"])} |")
    t = report.totals
    lines.append(f"| | **total** | | | **{grouped(t.activations)}** | **{grouped(t.weights)}** | "
                 f"**{grouped(t.params)}** | **{grouped(t.macs)}** | **{binary_bytes(report.memory.of(t.activations, 0)["activations"])}** |")
    lines += ["", _verdict(report)]
    lines += [f"- **{d.severity.value}** `{d.code}` at `{d.path}`: {d.message}" for d in report.diagnostics]
    return "\n".join(lines)


def _verdict(report) -> str:
    t = report.totals
    if not report.valid:
        return "**invalid**: see the diagnostics below."
    return (f"Output {report.output}; {grouped(t.params)} params, {si(t.macs)} MACs, {si(t.flops)} FLOPs; "
            f"{memory_summary(report)}.")
