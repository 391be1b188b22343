"""Volumes of 1, 2 or 3 spatial axes and the per-axis values of layers (kernel, stride, padding …),
parsed from every form the contract allows.

A volume is its spatial sizes, width first, then its depth (channels): `16000x1` is a 1-D signal,
`224x224x3` an image, `112x112x16x3` a clip of 16 frames. A per-axis value is one number for every
axis, or one per spatial axis in the same order; which it is stays known until the input's axes are.
"""
from __future__ import annotations

import re
from math import prod
from typing import Any, NamedTuple

from ..limits import MAX_INTEGER

AXIS_NAMES = ("width", "height", "frames")
AXIS_ALIASES = {"length": "width", "time": "frames", "slices": "frames", "channels": "depth"}
SIDES = (("left", "right"), ("top", "bottom"), ("front", "back"))  # the two sides of each spatial axis
_DIMS = re.compile(r"^\s*\d+\s*(?:[x×]\s*\d+\s*)*$")


class Volume(tuple):
    """Spatial sizes (width first) and the depth last: `Volume(224, 224, 3)`, or by name as its repr
    writes it, `Volume(width=224, height=224, depth=3)`."""

    __slots__ = ()

    def __new__(cls, *sizes: int, **named: int) -> "Volume":
        if named:
            unknown = set(named) - {*AXIS_NAMES, "depth"}
            if sizes or unknown:
                raise TypeError(f"give a Volume its sizes by position or by name ({', '.join(AXIS_NAMES)}, depth)")
            sizes = tuple(named[k] for k in (*AXIS_NAMES, "depth") if k in named)
        return tuple.__new__(cls, sizes)

    @classmethod
    def of(cls, spatial, depth: int) -> "Volume":
        return tuple.__new__(cls, (*spatial, depth))

    @property
    def spatial(self) -> tuple[int, ...]:
        return self[:-1]

    @property
    def depth(self) -> int:
        return self[-1]

    @property
    def width(self) -> int:
        return self[0]

    @property
    def height(self) -> int | None:
        return self[1] if len(self) > 2 else None

    @property
    def frames(self) -> int | None:
        return self[2] if len(self) > 3 else None

    @property
    def axes(self) -> int:
        """How many spatial axes: 1, 2 or 3."""
        return len(self) - 1

    @property
    def elements(self) -> int:
        return prod(self)

    @property
    def positions(self) -> int:
        """Spatial positions: W·H (or W, or W·H·T)."""
        return prod(self[:-1])

    def with_spatial(self, spatial) -> "Volume":
        return Volume.of(spatial, self[-1])

    def with_depth(self, depth: int) -> "Volume":
        return Volume.of(self[:-1], depth)

    def __str__(self) -> str:
        return "×".join(map(str, self))

    def __repr__(self) -> str:
        return f"Volume({', '.join(f'{n}={v}' for n, v in zip(axis_names(self.axes) + ('depth',), self))})"

    def to_dict(self) -> dict:
        return dict(zip(axis_names(self.axes) + ("depth",), self))


def axis_names(count: int) -> tuple[str, ...]:
    return AXIS_NAMES[:count]


def axes_needed(name: str, count: int) -> str:
    """`kernel needs 2 values (width, height)`: the message of a value with the wrong number of axes."""
    return f"{name} needs {count} value{'s' if count > 1 else ''} ({', '.join(axis_names(count))}) or one number"


class PerAxis(NamedTuple):
    """A value per spatial axis; `uniform` when one number was given for every axis."""

    values: tuple[int, ...]
    uniform: bool = False

    def resolve(self, count: int, name: str) -> tuple[int, ...]:
        """The value on each of `count` axes; ValueError when the spec gave another number of axes."""
        if self.uniform:
            return self.values[:1] * count
        if len(self.values) != count:
            raise ValueError(f"{axes_needed(name, count)}, got {len(self.values)}")
        return self.values

    def __str__(self) -> str:
        return shown_axes(self.values)

    def __repr__(self) -> str:
        return f"PerAxis({self})"


def uniform(value: int) -> PerAxis:
    return PerAxis((value,), True)


def shown_axes(values) -> str:
    """Per-axis values as the spec writes them: `3` when they agree, `7x1` when not."""
    return str(values[0]) if len(set(values)) == 1 else "x".join(map(str, values))


class Oversized(int):
    """A whole number too long to convert (Python refuses past 4,300 digits): over every limit."""

    def __new__(cls, digits: int) -> "Oversized":
        number = super().__new__(cls, MAX_INTEGER + 1)
        number.digits = digits
        return number

    def __repr__(self) -> str:
        return f"a number of {self.digits:,} digits"


def to_int(text: str) -> int:
    """int(text), or an Oversized stand-in for thousands of digits."""
    digits = len(text.lstrip("+-"))
    return Oversized(digits) if digits > 4000 else int(text)


def shown(value: Any) -> str:
    """A value for a message, spelled as in YAML; a huge integer by its size, since printing it
    could take a while."""
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, int) and not isinstance(value, Oversized) and abs(value) > MAX_INTEGER:
        return f"a number of about {int(value.bit_length() * 0.30103) + 1} digits"
    return repr(value)


def integer(value: Any, what: str, minimum: int) -> int:
    """`value` if it is a whole number in [minimum, MAX_INTEGER]; `what` names it in the message."""
    subject = f"{what} must" if what else "must"
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{subject} be a whole number, got {shown(value)}")
    if value < minimum:
        raise ValueError(f"{subject} be at least {minimum}, got {value}")
    if value > MAX_INTEGER:
        raise ValueError(f"{subject} be at most {MAX_INTEGER:,}, got {shown(value)}")
    return value


def _split(value: str) -> list[int]:
    return [to_int(p) for p in re.split(r"\s*[x×]\s*", value.strip())]


def _from_mapping(value: dict, names: tuple[str, ...], what: str) -> list[Any]:
    """The values of a `{width, height, …}` mapping in axis order; the axes end at the last one given."""
    keys = {AXIS_ALIASES.get(k, k): v for k, v in value.items()}
    unknown = sorted(set(keys) - set(names))
    if unknown:
        raise ValueError(f"unknown key '{unknown[0]}' in {what or 'the mapping'}; the keys are {', '.join(names)}")
    count = max(names.index(k) for k in keys) + 1 if keys else 0
    missing = [n for n in names[:count] if n not in keys]
    if missing or not count:
        raise ValueError(f"'{(missing or names)[0]}' is missing; the keys are {', '.join(names[:max(count, 1)])}")
    return [keys[n] for n in names[:count]]


def parse_volume(value: Any) -> Volume:
    """`227x227x3`, `[227, 227, 3]`, `{width: 227, height: 227, depth: 3}`; 2 to 4 numbers, depth last."""
    if isinstance(value, Volume):
        return value
    if isinstance(value, str):
        if not _DIMS.match(value):
            raise ValueError(f"'{value}' is not a volume; write it like 224x224x3 (width x height x depth), "
                             "16000x1 (length x channels) or 112x112x16x3 (with frames)")
        parts = _split(value)
    elif isinstance(value, list):
        parts = value
    elif isinstance(value, dict):
        keys = {AXIS_ALIASES.get(k, k): v for k, v in value.items()}
        if "depth" not in keys:
            raise ValueError("'depth' is missing; a volume is {width, height, depth} (or {width, depth}, "
                             "{width, height, frames, depth})")
        depth = keys.pop("depth")
        parts = [*_from_mapping(keys, AXIS_NAMES, "a volume"), depth] if keys else [depth]
    else:
        raise ValueError(f"expected a volume such as 224x224x3, got {shown(value)}")
    if not 2 <= len(parts) <= 4:
        raise ValueError(f"a volume has 1 to 3 spatial sizes and a depth (2 to 4 numbers, e.g. 224x224x3), "
                         f"got {len(parts)}")
    names = axis_names(len(parts) - 1) + ("depth",)
    return Volume(*(integer(v, n, 1) for v, n in zip(parts, names)))


def parse_per_axis(value: Any, what: str = "", minimum: int = 1) -> PerAxis:
    """One integer for every axis, `WxH[xT]` (width first), `[w, h, …]` or `{width, height, frames}`."""
    if isinstance(value, PerAxis):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return uniform(integer(value, what, minimum))
    if isinstance(value, float):
        raise ValueError(f"{what} must be a whole number, got {value!r}".strip())
    if isinstance(value, str):
        if not _DIMS.match(value):
            raise ValueError(f"'{value}' is not a size; write one number, or one per axis like 3x3 (width first)")
        parts = _split(value)
    elif isinstance(value, list):
        parts = value
    elif isinstance(value, dict):
        parts = _from_mapping(value, AXIS_NAMES, what)
    else:
        raise ValueError(f"expected a number or one per axis (e.g. 3x3), got {shown(value)}")
    if not 1 <= len(parts) <= 3:
        raise ValueError(f"{what or 'a size'} takes 1 to 3 values (width, height, frames), got {len(parts)}".strip())
    names = [f"{what} {n}".strip() for n in AXIS_NAMES] if len(set(map(repr, parts))) > 1 else [what] * 3
    return PerAxis(tuple(integer(v, n, minimum) for v, n in zip(parts, names)))


class Padding(NamedTuple):
    """Explicit padding before and after each axis, or `same` (computed from the input: TensorFlow's rule).
    `sides`: written as `{left, right, …}`, whose sides left out are 0 on any axis the input has."""

    before: PerAxis = PerAxis((0,), True)
    after: PerAxis = PerAxis((0,), True)
    same: bool = False
    sides: bool = False

    def resolve(self, count: int, name: str = "padding") -> tuple[tuple[int, ...], tuple[int, ...]]:
        if self.sides:  # the sides left out are 0, but no side of a missing axis may be given
            given = len(self.before.values)
            if given > count:
                raise ValueError(f"{name} sets '{SIDES[given - 1][0]}'/'{SIDES[given - 1][1]}', an axis the input "
                                 "does not have")
            return self.before.values + (0,) * (count - given), self.after.values + (0,) * (count - given)
        return self.before.resolve(count, name), self.after.resolve(count, name)

    def __str__(self) -> str:
        if self.same:
            return "same"
        if self.before == self.after:
            return str(self.before)
        count = max(len(self.before.values), len(self.after.values), 2)
        before, after = self.resolve(count) if self.sides else (self.before.resolve(count, ""),
                                                                self.after.resolve(count, ""))
        sides = [f"{lo_name}: {lo}, {hi_name}: {hi}" for (lo_name, hi_name), lo, hi in zip(SIDES, before, after)]
        return "{" + ", ".join(sides) + "}"

    def __repr__(self) -> str:
        return f"Padding({self})"


def parse_padding(value: Any, allow_same: bool = True) -> Padding:
    """An integer, a per-axis value, `same`, `valid`, or `{left, right, top, bottom, front, back}`."""
    if isinstance(value, Padding):
        return value
    if isinstance(value, str) and value.strip().lower() in ("same", "valid"):
        if not allow_same:
            raise ValueError(f"'{value.strip()}' is a window's padding (conv, pool), and this layer has no window: "
                             "give the padding as numbers, e.g. 1, 2x1 or {left: 1, right: 2}")
        return Padding(same=True) if value.strip().lower() == "same" else Padding()
    flat = [side for pair in SIDES for side in pair]
    if isinstance(value, dict) and set(value) & set(flat):
        unknown = sorted(set(value) - set(flat))
        if unknown:
            raise ValueError(f"unknown key '{unknown[0]}'; the sides are {', '.join(flat)}")
        count = max(i + 1 for i, pair in enumerate(SIDES) if set(pair) & set(value))
        before = [integer(value.get(lo, 0), f"padding {lo}", 0) for lo, _ in SIDES[:count]]
        after = [integer(value.get(hi, 0), f"padding {hi}", 0) for _, hi in SIDES[:count]]
        return Padding(PerAxis(tuple(before)), PerAxis(tuple(after)), sides=True)
    try:
        both = parse_per_axis(value, "padding", minimum=0)
    except ValueError as exc:
        if isinstance(value, str):
            raise ValueError("padding must be a number, one per axis (WxH), same, valid or "
                             f"{{left, right, top, bottom}}; got '{value}'") from None
        raise exc
    return Padding(both, both)
