"""--format html: one self-contained page (no file or address outside it is needed to open it): per spec,
the summary, the layer table with its tree of blocks and columns that sort when their header is
clicked, the totals, the diagnostics and the diagram (render/diagram.py's SVG, inline).

Each cell that holds a number carries it whole in `data-value`, which the sorting reads. Clicking a
header sorts by it, again the other way; `#` (or the layer's header) puts the tree back. A page opened
as `report.html#sort=macs` (`#sort=-macs`: largest first) starts sorted so. While sorted, the lines
of open blocks (their rows are shown) are hidden. `Report._repr_html_` (Jupyter) is the same section
without the diagram and the script.
"""
from __future__ import annotations

from html import escape

from ..engine.outline import outline
from .columns import TREE, default_columns, guides, table
from .numbers import grouped, memory_summary, roofline_summary, si

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #1a1a1a; background: #ffffff; }
h1 { font-size: 1.4em; margin-bottom: 0.2em; } h1 small { font-weight: normal; color: #666666; }
h2 { font-size: 1.1em; margin-top: 1.6em; }
p.summary { margin: 0.2em 0; }
table.layers { border-collapse: collapse; font-family: ui-monospace, monospace; font-size: 13px; margin-top: 1em; }
table.layers th, table.layers td { padding: 2px 10px; white-space: pre; }
table.layers thead th { border-bottom: 2px solid #444444; position: sticky; top: 0; background: #ffffff; }
table.layers thead button { font: inherit; font-weight: bold; border: 0; background: none; cursor: pointer;
  padding: 0; color: #0b4f8a; }
table.layers tfoot th { border-top: 2px solid #444444; }
table.layers tbody tr:nth-child(even) { background: #f4f6f8; }
table.layers tr.block td { font-weight: bold; color: #3d3d3d; }
table.layers tr.folded td { font-weight: bold; }
table.layers span.guide { color: #9a9a9a; }
.left { text-align: left; } .right { text-align: right; }
ul.diagnostics li { margin: 0.3em 0; } .error { color: #b00020; } .warning { color: #8a5a00; } .note { color: #555555; }
ul.diagnostics code { font-size: 0.95em; } ul.diagnostics .help { color: #444444; margin-left: 1.5em; }
figure.diagram { margin: 1em 0; overflow-x: auto; }
"""

# sorts a table by a column's data-value (numbers) or its text; the tree's order is data-order
_SCRIPT = """
(function () {
  function sortTable(table, key, descending) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var column = heads.findIndex(function (th) { return th.dataset.key === key; });
    var tree = column < 0 || key === "index" || key === "label";
    function value(row) {
      var cell = row.cells[column];
      if (cell.dataset.value !== undefined) { return Number(cell.dataset.value); }
      return cell.textContent.trim();
    }
    rows.sort(function (a, b) {
      if (tree) { return (Number(a.dataset.order) - Number(b.dataset.order)) * (descending ? -1 : 1); }
      var x = value(a), y = value(b);
      if (x === "" || y === "") { return (x === "") - (y === "") || Number(a.dataset.order) - Number(b.dataset.order); }
      var order = (typeof x === "number" && typeof y === "number") ? x - y : String(x).localeCompare(String(y));
      return (descending ? -order : order) || Number(a.dataset.order) - Number(b.dataset.order);
    });
    rows.forEach(function (row) {
      row.hidden = !tree && row.classList.contains("block");
      body.appendChild(row);
    });
    table.dataset.sorted = (descending ? "-" : "") + key;
  }
  var tables = document.querySelectorAll("table.layers");
  tables.forEach(function (table) {
    table.querySelectorAll("thead button").forEach(function (button) {
      button.addEventListener("click", function () {
        var key = button.parentNode.dataset.key;
        sortTable(table, key, table.dataset.sorted === key);
      });
    });
  });
  var asked = /^#sort=(-?)([a-z_.]+)$/.exec(window.location.hash);
  if (asked && tables.length) {
    tables.forEach(function (table) { sortTable(table, asked[2], asked[1] === "-"); });
  }
})();
"""


def render(reports: list, *, depth: int | None = None, columns: tuple[str, ...] | None = None,
           verbose: bool = False, **_options) -> str:
    from .diagram import diagram_svg

    title = ", ".join(report.name for report in reports)
    sections = []
    for index, report in enumerate(reports):
        # the diagram reads only the network's name and input, which the report carries; ids are the page's
        picture = (diagram_svg(report, report, marker=f"cnncalc-arrow-{index}").split("\n", 1)[1]
                   if report.trace is not None else "")
        sections.append(section(report, depth, columns, verbose, picture))
    return "\n".join(["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
                      f"<title>cnncalc: {escape(title)}</title>", f"<style>{_STYLE}</style>", "</head>", "<body>",
                      *sections, f"<script>{_SCRIPT}</script>", "</body>", "</html>"])


def section(report, depth: int | None = None, keys: tuple[str, ...] | None = None, verbose: bool = False,
            picture: str = "") -> str:
    """One spec's part of the page: its summary, table, diagnostics and (given its SVG) diagram."""
    parts = [f'<section class="spec"><h1>{escape(report.name)} <small>({escape(report.source)})</small></h1>']
    parts += [f'<p class="summary">{escape(line)}</p>' for line in _summary(report)]
    parts.append(_table(report, depth, keys))
    shown = [d for d in report.diagnostics if verbose or not d.is_note]
    hidden = len(report.diagnostics) - len(shown)
    if shown or hidden:
        parts.append("<h2>Diagnostics</h2>")
    if shown:
        parts.append('<ul class="diagnostics">' + "".join(_diagnostic(d, report.source) for d in shown) + "</ul>")
    if hidden:
        parts.append(f"<p>{hidden} note{'s' * (hidden != 1)}: what the spec asked for (--verbose shows them)</p>")
    if picture:
        parts.append(f'<h2>Diagram</h2><figure class="diagram">{picture}</figure>')
    return "\n".join(parts + ["</section>"])


def _summary(report) -> list[str]:
    t = report.totals
    if not report.valid:
        errors = sum(d.is_error for d in report.diagnostics)
        return [f"invalid: {errors} error{'s' * (errors != 1)}" + ("; the table stops before the first error"
                                                                  if len(report.rows) > 1 else "")]
    lines = [f"{report.input} → {report.output}; {grouped(t.params)} params, {si(t.macs)} MACs, {si(t.flops)} FLOPs "
             f"({report.convention}'s count), {grouped(t.activations)} activations", memory_summary(report)]
    return lines + ([roofline_summary(report)] if report.roofline is not None else [])


def _table(report, depth: int | None, keys: tuple[str, ...] | None) -> str:
    lines = outline(report, depth)
    columns, _, footer = table(report, lines, keys or default_columns(report, lines))

    def align(column) -> str:
        return "left" if column.left else "right"

    head = "".join(f'<th class="{align(c)}" data-key="{escape(c.key)}"><button type="button">{escape(c.header)}'
                   "</button></th>" for c in columns)
    body = []
    for order, line in enumerate(lines):
        cells = []
        for column in columns:
            value = column.value(report, line)
            text = "" if value is None else column.show(value)
            number = f' data-value="{value}"' if isinstance(value, (int, float)) and not isinstance(value, bool) else ""
            if column.key == TREE:
                text = f'<span class="guide">{escape(guides(line))}</span>{escape(text)}'
            else:
                text = escape(text)
            cells.append(f'<td class="{align(column)}"{number}>{text}</td>')
        kind = "row" if line.row is not None else "folded" if line.folded else "block"
        body.append(f'<tr class="{kind}" data-level="{line.level}" data-order="{order}">{"".join(cells)}</tr>')
    foot = []
    for column, text in zip(columns, footer):
        value = column.total(report)
        number = f' data-value="{value}"' if isinstance(value, (int, float)) and not isinstance(value, bool) else ""
        foot.append(f'<th class="{align(column)}" data-key="{escape(column.key)}"{number}>{escape(text)}</th>')
    return (f'<table class="layers"><thead><tr>{head}</tr></thead><tbody>\n' + "\n".join(body)
            + f'\n</tbody><tfoot><tr>{"".join(foot)}</tr></tfoot></table>')


def _diagnostic(diagnostic, source: str) -> str:
    where = source + (f":{diagnostic.span.line}:{diagnostic.span.column}" if diagnostic.span else "")
    helps = "".join(f'<div class="help">help: {escape(s)}</div>' for s in diagnostic.suggestions)
    return (f'<li class="{diagnostic.severity.value}"><code>{escape(where)}</code> '
            f"<b>{diagnostic.severity.value}</b>[<code>{escape(diagnostic.code)}</code>]: "
            f"{escape(diagnostic.message)}{helps}</li>")
