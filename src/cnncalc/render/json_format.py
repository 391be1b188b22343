"""--format json: the contract's schema_version 1; one object per spec, an array for several.

Each layer row is written on a line of its own by the C encoder: as readable as full
indentation, and many times faster for networks of thousands of layers.
"""
from __future__ import annotations

import json

_ENCODE = json.JSONEncoder(ensure_ascii=False).encode  # one encoder: json.dumps would make one per row
_ROWS = "\0layers\0"


def _pieces(report, indent: str):
    """The report's JSON in pieces, joined once by `render`: the rows are never all held as dicts,
    nor their text twice."""
    text = json.dumps(report.to_dict(layers=_ROWS), indent=2, ensure_ascii=False).replace("\n", "\n" + indent)
    head, tail = text.split(_ENCODE(_ROWS), 1)
    yield head
    if not report.rows:
        yield "[]"
    else:
        separator = "[\n"
        for layer in report.layer_dicts():
            yield separator + indent + "    " + _ENCODE(layer)
            separator = ",\n"
        yield f"\n{indent}  ]"
    yield tail


def _document(reports: list):
    if len(reports) == 1:
        yield from _pieces(reports[0], "")
        return
    for i, report in enumerate(reports):
        yield ",\n  " if i else "[\n  "
        yield from _pieces(report, "  ")
    yield "\n]"


def render(reports: list, **_options) -> str:
    return "".join(_document(reports))
