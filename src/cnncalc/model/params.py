"""Layer parameters, declared once and validated by pydantic-core.

Each layer type lists its parameters as `Param`s; from them `schema_for` builds one pydantic-core
typed-dict schema per type, which validates a parameter mapping (unknown keys forbidden, the
cs231n letters as aliases) and also yields the JSON Schema of the spec format. The core validator
is used directly because pydantic's BaseModel machinery doubles the start-up time of `check`.
"""
from __future__ import annotations

import math
import re
from typing import Any, NamedTuple

from pydantic_core import core_schema as cs

from ..diagnostics import Diagnostic, Span, error
from ..limits import MAX_INTEGER
from .geometry import AXIS_NAMES, SIDES, parse_padding, parse_per_axis, parse_volume


def _per_axis_input(minimum: int) -> cs.CoreSchema:
    """What a per-axis value may be written as: one number, `WxH[xT]`, `[w, h, t]` or `{width, height, frames}`."""
    number = cs.int_schema(ge=minimum)
    return cs.union_schema([
        number, cs.str_schema(pattern=r"^\s*\d+\s*([x×]\s*\d+\s*){0,2}$"),
        cs.list_schema(number, min_length=1, max_length=3),
        cs.typed_dict_schema({axis: cs.typed_dict_field(number, required=False) for axis in AXIS_NAMES},
                             extra_behavior="forbid"),
    ])


_PER_AXIS_INPUT = _per_axis_input(1)
_SIDES = cs.typed_dict_schema({side: cs.typed_dict_field(cs.int_schema(ge=0), required=False)
                               for pair in SIDES for side in pair}, extra_behavior="forbid")


def _dilation(value: Any):
    if isinstance(value, (int, str, list, dict)) and not isinstance(value, bool):
        try:
            zero = 0 in parse_per_axis(value, minimum=0).values
        except ValueError:
            zero = False
        if zero:
            raise ValueError("must be at least 1: the cs231n notes call an ordinary filter 'dilation 0', "
                             "PyTorch and cnncalc call it dilation 1; write dilation: 1")
    return parse_per_axis(value)


def _function(fn, input_schema) -> cs.CoreSchema:
    return cs.no_info_plain_validator_function(fn, json_schema_input_schema=input_schema)


# A decimal number as text: YAML 1.1 (PyYAML) reads `1e-6`, without a dot, as text, where YAML 1.2 and
# the compact notation read a number
_DECIMAL = r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$"


def _decimal(value: Any) -> Any:
    """`value`, or the number its text writes; an infinite or undefined number refused."""
    if isinstance(value, str) and re.match(_DECIMAL, value):
        value = float(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"must be a finite number, got {value}")
    return value


def _float(**bounds) -> cs.CoreSchema:
    number = cs.float_schema(strict=True, **bounds)
    return cs.no_info_before_validator_function(
        _decimal, number, json_schema_input_schema=cs.union_schema([number, cs.str_schema(pattern=_DECIMAL)]))


POSITIVE_INT = cs.int_schema(strict=True, ge=1, le=MAX_INTEGER)
NON_NEGATIVE_INT = cs.int_schema(strict=True, ge=0, le=MAX_INTEGER)
PROBABILITY = _float(ge=0, lt=1)
POSITIVE_FLOAT = _float(gt=0)
FLOAT = _float()
BOOL = cs.bool_schema(strict=True)
PER_AXIS = _function(parse_per_axis, _PER_AXIS_INPUT)
PER_AXIS_FROM_ZERO = _function(lambda v: parse_per_axis(v, minimum=0), _per_axis_input(0))
DILATION = _function(_dilation, _PER_AXIS_INPUT)
PADDING = _function(parse_padding, cs.union_schema([_per_axis_input(0), cs.literal_schema(["same", "valid"]), _SIDES]))
NUMERIC_PADDING = _function(lambda v: parse_padding(v, allow_same=False), cs.union_schema([_per_axis_input(0), _SIDES]))
VOLUME = _function(parse_volume, cs.union_schema([
    cs.str_schema(pattern=r"^\s*\d+\s*([x×]\s*\d+\s*){1,3}$"),
    cs.list_schema(cs.int_schema(ge=1), min_length=2, max_length=4),
    cs.dict_schema(cs.str_schema(), cs.int_schema(ge=1)),
]))
TEXT = cs.str_schema(strict=True, min_length=1)
ROUNDING = cs.literal_schema(["exact", "floor", "ceil"])


def choice(*values: str) -> cs.CoreSchema:
    return cs.literal_schema(list(values))


_REQUIRED = object()


class Param(NamedTuple):
    """One parameter of a layer type: its schema, its default, and a cs231n letter it answers to."""

    schema: cs.CoreSchema
    default: Any = _REQUIRED
    letter: str | None = None
    doc: str = ""

    @property
    def required(self) -> bool:
        return self.default is _REQUIRED


def schema_for(params: dict[str, Param]) -> cs.CoreSchema:
    """The typed-dict schema of a parameter mapping: unknown keys are errors, letters are aliases."""
    fields = {}
    for name, param in params.items():
        schema = param.schema if param.required else cs.with_default_schema(
            cs.nullable_schema(param.schema) if param.default is None else param.schema, default=param.default)
        aliases = [[name], [param.letter]] if param.letter else None
        fields[name] = cs.typed_dict_field(schema, required=param.required, validation_alias=aliases,
                                           metadata={"pydantic_js_updates": {"description": param.doc}}
                                           if param.doc else None)
    return cs.typed_dict_schema(fields, extra_behavior="forbid")


def accepted_keys(params: dict[str, Param]) -> list[str]:
    """Every key a parameter mapping accepts, the notes' letters included."""
    return [key for name, p in params.items() for key in ((name, p.letter) if p.letter else (name,))]


class Given(NamedTuple):
    """One parameter as a layer writes it: its key (for a positional value, the name it stands for),
    its text (`F`, `kernel=`, or the positional value), and where it stands."""

    key: str
    text: str
    span: Span | None
    positional: bool = False

    def described(self) -> str:
        """`as F at line 3, column 12`, `positionally at column 17 (5)`."""
        at = ""
        if self.span:
            at = f" at column {self.span.column}" if self.span.text is not None else \
                f" at line {self.span.line}, column {self.span.column}"
        return f"positionally{at} ({self.text})" if self.positional else f"as {self.text}{at}"


def repeated(params: dict[str, Param], given: list[Given], path: str | None = None) -> dict[int, Diagnostic]:
    """`duplicate-parameter` for each item of `given` naming a parameter that an earlier one named (a
    letter beside its long name, a key twice, a value both positional and by key), keyed by its index.

    Checked before validation, which would keep one of the two silently or call a letter beside its
    long name unknown. Keys that name no parameter are left to validation.
    """
    owner = {key: name for name, p in params.items() for key in (name, p.letter) if key}
    first: dict[str, Given] = {}
    found = {}
    for index, item in enumerate(given):
        name = owner.get(item.key)
        if name is None:
            continue
        if name not in first:
            first[name] = item
            continue
        found[index] = error("duplicate-parameter", f"{name} is given twice: {first[name].described()} and "
                             f"{item.described()}", path, item.span, [f"give {name} once: remove one of them"])
    return found
