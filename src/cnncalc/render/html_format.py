"""An HTML table, for Report._repr_html_ in Jupyter."""
from __future__ import annotations

from html import escape

from .numbers import LEFT, layer_cells, memory_summary


def render(reports: list, **_options) -> str:
    return "\n".join(_one(report) for report in reports)


def _one(report) -> str:
    header, rows, footer = layer_cells(report)

    def cells(values, tag: str) -> str:
        return "".join(f'<{tag} style="text-align:{"left" if h in LEFT else "right"}">{escape(v)}</{tag}>'
                       for v, h in zip(values, header))

    body = "".join(f"<tr>{cells(row, 'td')}</tr>" for row in rows)
    problems = "".join(f"<li><b>{escape(d.severity.value)}</b> <code>{escape(d.code)}</code> "
                       f"{escape(d.path or '')}: {escape(d.message)}</li>" for d in report.diagnostics)
    summary = memory_summary(report) if report.valid else "invalid: see the diagnostics"
    return (f"<div><b>{escape(report.name)}</b> ({escape(report.source)})<table><thead><tr>{cells(header, 'th')}"
            f"</tr></thead><tbody>{body}</tbody><tfoot><tr>{cells(footer, 'th')}</tr></tfoot></table>"
            f"<p>{escape(summary)}</p>{f'<ul>{problems}</ul>' if problems else ''}</div>")
