"""An imported model's spec as YAML to read and edit: a layer a line, blocks indented by their branches."""
from __future__ import annotations

import json
import re
from typing import Any

from ..source.yaml import resolve_tag
from . import Imported

_PLAIN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./+-]*")
_TEXT = "tag:yaml.org,2002:str"
_BLOCKS = ("residual", "add", "concat", "multiply")
FORMAT_NAMES = {"onnx": "ONNX", "caffe": "Caffe", "keras": "Keras"}


def spec_yaml(imported: Imported, fmt: str) -> str:
    """The spec of `imported` as YAML, under a comment that names the file it came from."""
    lines = [f"# imported by cnncalc from {imported.source} ({FORMAT_NAMES.get(fmt, fmt)})"]
    if imported.title_note:
        lines.append(f"# {imported.title_note}")
    for key, value in imported.data.items():
        if key != "layers":
            lines.append(f"{key}: {_scalar(value)}")
    lines.append("layers:")
    lines += _sequence(imported.data["layers"], 2)
    return "\n".join(lines) + "\n"


def _sequence(items: list, indent: int) -> list[str]:
    lines = []
    for item in items:
        lines += _item(item, indent)
    return lines


def _item(item: Any, indent: int) -> list[str]:
    pad = " " * indent
    if not isinstance(item, dict):
        return [f"{pad}- {_scalar(item)}"]
    kind = next(iter(item))
    if kind not in _BLOCKS:
        params = item[kind]
        return [f"{pad}- {kind}" + (f": {_scalar(params)}" if params not in ({}, None) else "")]
    lines = [f"{pad}- {kind}:"]
    if kind == "residual":
        lines += _sequence(item[kind], indent + 4)
        if "shortcut" in item:
            lines += [f"{pad}  shortcut:", *_sequence(item["shortcut"], indent + 4)]
    else:
        for branch in item[kind]:
            if not branch:
                lines.append(f"{pad}    - []")
                continue
            inner = _sequence(branch, indent + 6)
            lines.append(f"{pad}    - {inner[0].lstrip()}")
            lines += inner[1:]
    lines += [f"{pad}  {key}: {_scalar(value)}" for key, value in item.items() if key not in (kind, "shortcut")]
    return lines


def _scalar(value: Any) -> str:
    """A value in YAML's flow style, read back as the same value by cnncalc's YAML reader."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        mantissa, e, exponent = text.partition("e")
        if e and "." not in mantissa:  # YAML 1.1 reads 1e-05 as text, 1.0e-05 as a number
            text = f"{mantissa}.0e{exponent}"
        return text
    if isinstance(value, str):
        plain = _PLAIN.fullmatch(value) and resolve_tag(value) == _TEXT
        return value if plain else json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(_scalar, value)) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_scalar(v)}" for key, v in value.items()) + "}"
    return json.dumps(value, ensure_ascii=False)
