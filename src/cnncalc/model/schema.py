"""The JSON Schema of the spec format, generated from the layer types' parameter schemas.

`cnncalc schema` prints it; a YAML editor with yaml-language-server completes and checks a spec
that opens with `# yaml-language-server: $schema=<path or URL of the schema>`.
"""
from __future__ import annotations

from typing import Any

from ..engine.budget import KINDS, QUANTITY
from .geometry import Padding, PerAxis
from .layers import LAYER_TYPES, REGISTRY, Input
from .params import ROUNDING, VOLUME, schema_for

# a bare layer name, or one layer in the compact notation: NAME(arguments)
COMPACT_ITEM = r"^\s*[A-Za-z_][A-Za-z0-9_]*\s*(\(.*\))?\s*$"


def spec_schema() -> dict[str, Any]:
    from pydantic.json_schema import GenerateJsonSchema  # only this command needs pydantic itself

    class Generate(GenerateJsonSchema):
        def encode_default(self, dft: Any) -> Any:
            return super().encode_default(_as_written(dft))
        def typed_dict_schema(self, schema):
            json_schema = super().typed_dict_schema(schema)
            if schema.get("extra_behavior") == "forbid":  # pydantic 2.10 reads it from a class config only
                json_schema["additionalProperties"] = False
            return json_schema

    def generate(core) -> dict[str, Any]:
        return Generate(by_alias=True).generate(core)

    layer_params = {}
    for cls in LAYER_TYPES:
        if cls is Input:
            continue
        params = generate(schema_for(cls.PARAMS))
        rules = []
        for name, param in cls.PARAMS.items():
            if param.letter:  # the cs231n letter is a second name of the same parameter: one of them, not both
                params["properties"][param.letter] = params["properties"][name]
                rules.append({"not": {"required": [name, param.letter]}})
                if name in params.get("required", []):
                    params["required"].remove(name)
                    rules.append({"anyOf": [{"required": [name]}, {"required": [param.letter]}]})
        if rules:
            params["allOf"] = rules
        if not params.get("required"):
            params.pop("required", None)
        forms = [params, {"type": "null"}]
        if cls.POSITIONAL:  # `pool: 2`: a scalar is the first parameter
            forms.insert(1, params["properties"][cls.POSITIONAL[0]])
        layer_params[cls.TYPE] = {"anyOf": forms}
    layer_forms: list[dict[str, Any]] = [{"type": "string", "pattern": COMPACT_ITEM,
                                          "description": "a bare layer name or one layer in the compact notation"}]
    for name, (cls, _) in REGISTRY.items():
        if cls is not Input:  # the lower-case name for completion; any other case by pattern
            reference = {"$ref": f"#/$defs/{cls.TYPE}"}
            layer_forms.append({"type": "object", "properties": {name: reference},
                                "patternProperties": {_any_case(name): reference},
                                "minProperties": 1, "maxProperties": 1, "additionalProperties": False})
    rounding = generate(ROUNDING)
    block_extras = {"id": {"type": "string", "minLength": 1}, "rounding": rounding,
                    "name": {"type": "string", "minLength": 1}}
    branches = {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/layers"}}
    blocks = [
        _object({"repeat": {"type": "integer", "minimum": 1}, "layers": {"$ref": "#/$defs/layers"},
                 **block_extras}, ["repeat", "layers"]),
        _object({"residual": {"$ref": "#/$defs/layers"}, "shortcut": {"$ref": "#/$defs/layers"}, **block_extras},
                ["residual"]),
        _object({"add": branches, **block_extras}, ["add"]),
        _object({"concat": branches, **block_extras}, ["concat"]),
        _object({"multiply": branches, **block_extras}, ["multiply"]),
        _object({"group": {"$ref": "#/$defs/layers", "minItems": 1}, **block_extras}, ["group"]),
        _object({"from": {"type": "string", "minLength": 1}}, ["from"]),
    ]
    quantity = {"anyOf": [{"type": "integer", "minimum": 0},
                          {"type": "string", "pattern": QUANTITY}]}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "cnncalc spec",
        "description": "A convolutional network for cnncalc: an input volume (width x height x depth) and its layers.",
        "anyOf": [
            _object({
                "name": {"type": "string"},
                "input": generate(VOLUME),
                "rounding": rounding,
                "budget": _object({kind: quantity for kind in KINDS}, []),
                "layers": {"$ref": "#/$defs/layers", "minItems": 1},
            }, ["layers"]),
            {"type": "string", "description": "the whole network in the compact notation"},
        ],
        "$defs": {
            "layers": {"type": "array", "items": {"$ref": "#/$defs/layer"}},
            "layer": {"anyOf": layer_forms + blocks},
            **layer_params,
        },
    }


def _as_written(default: Any) -> Any:
    """A default as a spec writes it: `1` for a stride of 1 on every axis, `0` for no padding."""
    if isinstance(default, PerAxis):
        return default.values[0] if default.uniform else list(default.values)
    if isinstance(default, Padding):
        return "same" if default.same else _as_written(default.before)  # a default pads both sides alike
    return default


def _any_case(name: str) -> str:
    """A pattern matching `name` in any mix of upper and lower case (JSON Schema has no flag for it)."""
    return "^" + "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in name) + "$"


def _object(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}
