"""The rows as a tree of blocks, as the table shows them (torchinfo's module tree): each row where
it stands, a line for each block above its rows, and at a depth, each block there folded into one
line with the sums of its rows.

A line's level is its rows' `Row.level`: 1 for the spec's top level (the input included), one more
inside each block; a block's merge row stands inside it, one level below the block's own line.
A block with no rows (a group of `from`s, or one the walk never reached) has no line.
"""
from __future__ import annotations

from typing import Any, NamedTuple

from ..model.geometry import Volume
from ..model.network import Block, From, Repeat
from .report import Row, Totals


class Line(NamedTuple):
    level: int
    last: tuple[bool, ...]  # for each level from 1 to this one: is the node there the last of its siblings
    path: str
    type: str  # the row's type, or the block's kind
    label: str  # the row's label, or the block's kind in capitals (REPEAT×3)
    name: str | None
    rows: range  # the indices of the report's rows it stands for: one row, or every row of a block
    output: Volume | None
    row: Row | None = None  # a row's line: the row
    folded: bool = False  # a block's line that stands for its rows (they are deeper than the depth shown)
    totals: Totals | None = None  # a folded block: the sums of its rows
    roofline: dict | None = None  # a folded block on a device: its rows' roofline totals (Roofline.totals)

    @property
    def block(self) -> bool:
        return self.row is None


class _Node(NamedTuple):
    line: Line
    children: tuple["_Node", ...] = ()


def outline(report: Any, depth: int | None = None) -> list[Line]:
    """The lines of `report` (an engine.report.Report) in the order they run; `depth` (1 or more) folds
    every block at that level into one line, and shows nothing deeper. The totals never change."""
    if report.trace is None or not report.rows:  # no walk, or its rows dropped (a total too long to print)
        return [_row_line(row) for row in report.rows]
    lines: list[Line] = []
    _flatten(_nodes(report.trace.steps, report.rows, 1, None, {}), depth, (), report, lines)
    return lines


def _row_line(row: Row) -> Line:
    return Line(row.level, (), row.path, row.type, row.label, row.name, range(row.index, row.index + 1), row.output,
                row)


def _nodes(steps, rows: tuple[Row, ...], level: int, copy: int | None, outputs: dict) -> list[_Node]:
    """The nodes of `steps` that hold rows. `copy` is the innermost repeat's copy, for `{i}` in a block's
    name; `outputs` gathers each step's output volume by path (a from's is its source's)."""
    nodes = []
    for step in steps:
        node = step.node
        if isinstance(node, From):
            outputs[step.path] = outputs.get(step.source)
        elif isinstance(node, Block):
            children: list[_Node] = []
            for k, branch in enumerate(step.branches):
                children += _nodes(branch, rows, level + 1, k if isinstance(node, Repeat) else copy, outputs)
            if step.row is not None:  # a merge row
                children.append(_Node(_row_line(rows[step.row.index])))
                output = step.row.output
            else:  # a sequence: what its last step put out
                last = step.branches[-1] if step.branches else ()
                output = outputs.get(last[-1].path) if last else None
            outputs[step.path] = output
            if not children:
                continue
            name = node.name.replace("{i}", str(copy)) if node.name and copy is not None else node.name
            label = f"REPEAT×{node.count}" if isinstance(node, Repeat) else node.KIND.upper()
            span = range(children[0].line.rows.start, children[-1].line.rows.stop)
            nodes.append(_Node(Line(level, (), step.path, node.KIND, label, name, span, output), tuple(children)))
        elif step.row is not None:  # a layer (or the input) that the walk reached
            outputs[step.path] = step.row.output
            nodes.append(_Node(_row_line(rows[step.row.index])))
    return nodes


def _flatten(nodes: list[_Node] | tuple[_Node, ...], depth: int | None, above: tuple[bool, ...], report,
             lines: list[Line]) -> None:
    for i, node in enumerate(nodes):
        line = node.line._replace(last=above + (i == len(nodes) - 1,))
        if node.children and depth is not None and line.level >= depth:
            part = report.rows[line.rows.start:line.rows.stop]
            roofline = report.roofline
            roof = roofline._replace(rows=roofline.rows[line.rows.start:line.rows.stop]).totals() if roofline else None
            lines.append(line._replace(folded=True, totals=Totals.of(part), roofline=roof))
            continue
        lines.append(line)
        _flatten(node.children, depth, line.last, report, lines)
