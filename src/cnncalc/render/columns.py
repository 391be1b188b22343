"""The columns of the layer table, as data: each is named as the JSON names its field (`--columns`),
with its header, its value for a line of the tree (engine/outline.py), how that value is written, and
its value under the table. The table, markdown and HTML read them from here.

A row's line shows the row; a folded block's line the sums of its rows (its roofline's totals, its
first and last row's index, its last row's receptive field); an open block's line (its rows follow)
only its kind, name and output.
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple

from ..engine.outline import Line
from .numbers import bar, binary_bytes, field_size, grouped, intensity, seconds


class Column(NamedTuple):
    key: str  # the JSON field's name
    header: str
    value: Callable[[Any, Line], Any]  # (report, line) -> the cell's value; None leaves it empty
    show: Callable[[Any], str] = str
    total: Callable[[Any], Any] = lambda report: None  # report -> the value under the column
    left: bool = False  # text, aligned left; numbers are aligned right


def _count(key: str) -> Callable[[Any, Line], Any]:
    """A row's count, or the sum of a folded block's rows."""
    def value(report, line: Line):
        counted = line.row if line.row is not None else line.totals
        return None if counted is None else getattr(counted, key)
    return value


def _index(report, line: Line) -> str | None:
    if line.row is not None:
        return str(line.row.index)
    return f"{line.rows.start}–{line.rows.stop - 1}" if line.folded else None


def _memory(report, line: Line) -> int | None:
    activations = _count("activations")(report, line)
    return None if activations is None else report.memory.of(activations, 0)["activations"]


def _field(report, line: Line) -> str | None:
    """A row's receptive field; a folded block's is its last row's (its merge, or the end of its sequence)."""
    if line.row is not None:
        return field_size(line.row)
    return field_size(report.rows[line.rows.stop - 1]) if line.folded else None


def _input(report, line: Line):
    if line.row is not None:
        return line.row.input
    return report.rows[line.rows.start].input if line.folded else None


def _roof(key: str, total: str) -> Callable[[Any, Line], Any]:
    """A row's roofline value (`key` of a Roof), or a folded block's (`total` of Roofline.totals)."""
    def value(report, line: Line):
        if report.roofline is None:
            return None
        if line.row is not None:
            roof = report.roofline.rows[line.row.index]
            return None if roof is None else getattr(roof, key)
        return line.roofline[total] if line.folded else None
    return value


def _bound(report, line: Line) -> str | None:
    if line.row is not None:
        return _roof("bound", "")(report, line)
    return _share(line.roofline["memory_bound_share"]) if line.folded and line.roofline else None


def _share(memory_share: float) -> str:
    """What binds a run of rows: one word when every row is bound alike."""
    return "memory" if memory_share == 1 else "compute" if memory_share == 0 else f"{memory_share:.0%} memory"


def _roof_total(key: str) -> Callable[[Any], Any]:
    return lambda report: report.roofline.totals()[key] if report.roofline else None


def _bar(key: str) -> Callable[[Any, Line], Any]:
    def value(report, line: Line):
        part = _count(key)(report, line)
        return None if part is None else bar(part, getattr(report.totals, key))
    return value


def _counted(key: str, header: str) -> Column:
    return Column(key, header, _count(key), grouped, lambda report: getattr(report.totals, key))


COLUMNS = {column.key: column for column in (
    Column("index", "#", _index),
    Column("path", "Path", lambda report, line: line.path, left=True),
    Column("level", "Level", lambda report, line: line.level),
    Column("type", "Type", lambda report, line: line.type, left=True),
    Column("label", "Layer", lambda report, line: line.label, total=lambda report: "TOTAL", left=True),
    Column("name", "Name", lambda report, line: line.name, left=True),
    Column("input", "Input", _input),
    Column("output", "Output", lambda report, line: line.output),
    Column("receptive_field", "RF", _field),
    _counted("activations", "Activations"),
    _counted("weights", "Weights"),
    _counted("biases", "Biases"),
    _counted("params", "Params"),
    _counted("buffers", "Buffers"),
    _counted("macs", "MACs"),
    _counted("flops", "FLOPs"),
    _counted("backward_flops", "Backward FLOPs"),
    Column("memory", "Memory", _memory, binary_bytes,
           lambda report: report.memory.of(report.totals.activations, 0)["activations"]),
    Column("params_share", "Params share", _bar("params"), left=True),
    Column("macs_share", "MACs share", _bar("macs"), left=True),
    Column("roofline.intensity", "FLOP/B", _roof("intensity", "intensity"), intensity, _roof_total("intensity")),
    Column("roofline.time_s", "Time ≥", _roof("time_s", "time_s"), seconds, _roof_total("time_s")),
    Column("roofline.bound", "Bound", _bound,
           total=lambda report: f"{report.roofline.memory_share:.0%} memory" if report.roofline else None),
)}
ROOFLINE = ("roofline.intensity", "roofline.time_s", "roofline.bound")
BARS = ("params_share", "macs_share")
TREE = "label"  # the column that draws the tree's guides

# The order in which columns give way to a narrow terminal, first to last (README says it): what
# another column also says (weights, activations beside memory) goes first, what places a row (the
# layer and its params) last.
GIVE_WAY = ("params_share", "macs_share", "biases", "buffers", "backward_flops", "flops", "weights", "activations",
            "receptive_field", "memory", "roofline.intensity", "roofline.bound", "level", "type", "path", "input",
            "index", "name", "output", "roofline.time_s", "macs", "params", "label")


def default_columns(report, lines: list[Line], bars: bool = False) -> tuple[str, ...]:
    """The table's columns: the Name column when any line has a name, the shares with `bars`, the
    roofline's with a device."""
    keys = ["index", "label", *(["name"] if any(line.name for line in lines) else []), "output",
            "receptive_field", "activations", "weights", "params", "macs", "memory"]
    return (*keys, *(BARS if bars else ()), *(ROOFLINE if report.roofline is not None else ()))


def parse_columns(text: str) -> tuple[str, ...]:
    """`--columns label,params,macs`: the names, checked; ValueError names the unknown one and the choices."""
    keys = tuple(key.strip() for key in text.split(",") if key.strip())
    for key in keys:
        if key not in COLUMNS:
            from ..model.network import did_you_mean

            hint = did_you_mean(key, COLUMNS)
            raise ValueError(f"no column is named '{key}'{f' ({hint})' if hint else ''}; the columns are "
                             f"{', '.join(COLUMNS)}")
    return keys if TREE in keys else (TREE, *keys)  # the layer's column is always there: it holds TOTAL


def guides(line: Line) -> str:
    """The tree's guides before a line's label: nothing at level 1; `├─ ` before a node that has a
    sibling after it, `└─ ` before the last, and `│  ` under each enclosing block that has one."""
    flags = line.last[1:]
    if not flags:
        return ""
    return "".join("   " if last else "│  " for last in flags[:-1]) + ("└─ " if flags[-1] else "├─ ")


def table(report, lines: list[Line], keys: tuple[str, ...]) -> tuple[list[Column], list[tuple[str, ...]],
                                                                     tuple[str, ...]]:
    """The columns of `keys`, the text of each line's cells (the tree's guides before the label), and the
    totals underneath."""
    columns = [COLUMNS[key] for key in keys]

    def text(column: Column, value) -> str:
        return "" if value is None else column.show(value)

    rows = [tuple((guides(line) if c.key == TREE else "") + text(c, c.value(report, line)) for c in columns)
            for line in lines]
    return columns, rows, tuple(text(c, c.total(report)) for c in columns)
