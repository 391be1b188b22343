"""--format json: the contract's schema_version 1; one object per spec, an array for several.

Each layer row is written on a line of its own by the C encoder: as readable as full
indentation, and many times faster for networks of thousands of layers.
"""
from __future__ import annotations

import json


def _row_lines(rows: list, indent: str) -> str:
    if not rows:
        return "[]"
    inner = indent + "  "
    return "[\n" + ",\n".join(inner + json.dumps(row, ensure_ascii=False) for row in rows) + f"\n{indent}]"


def _report(data: dict, indent: str) -> str:
    layers = data["layers"]
    text = json.dumps({**data, "layers": "\0layers\0"}, indent=2, ensure_ascii=False)
    text = text.replace("\n", "\n" + indent)
    return text.replace('"\\u0000layers\\u0000"', _row_lines(layers, indent + "  "))


def render(reports: list, **_options) -> str:
    if len(reports) == 1:
        return _report(reports[0].to_dict(), "")
    return "[\n" + ",\n".join("  " + _report(r.to_dict(), "  ") for r in reports) + "\n]"
