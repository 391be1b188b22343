"""Volumes (width × height × depth), 2-D pairs and padding, parsed from every form the contract allows."""
from __future__ import annotations

import re
from typing import Any, NamedTuple

from .limits import MAX_INTEGER


class Volume(NamedTuple):
    width: int
    height: int
    depth: int

    @property
    def elements(self) -> int:
        return self.width * self.height * self.depth

    def __str__(self) -> str:
        return f"{self.width}×{self.height}×{self.depth}"

    def to_dict(self) -> dict:
        return {"width": self.width, "height": self.height, "depth": self.depth}


class Pair(NamedTuple):
    width: int
    height: int

    def __str__(self) -> str:
        return str(self.width) if self.width == self.height else f"{self.width}x{self.height}"


class Padding(NamedTuple):
    """Explicit padding per side, or `same` (computed from the input, TensorFlow's rule)."""

    left: int = 0
    right: int = 0
    top: int = 0
    bottom: int = 0
    same: bool = False

    def __str__(self) -> str:
        if self.same:
            return "same"
        if self.left == self.right and self.top == self.bottom:
            return str(Pair(self.left, self.top))
        return f"{{left: {self.left}, right: {self.right}, top: {self.top}, bottom: {self.bottom}}}"


_DIMS = re.compile(r"^\s*(\d+)\s*(?:[x×]\s*(\d+)\s*)?(?:[x×]\s*(\d+)\s*)?$")


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
    if isinstance(value, int) and not isinstance(value, (bool, Oversized)) and abs(value) > MAX_INTEGER:
        return f"a number of about {int(value.bit_length() * 0.30103) + 1} digits"
    return repr(value)


def _integer(value: Any, what: str, minimum: int) -> int:
    """`value` if it is a whole number in [minimum, MAX_INTEGER]; `what` names it in the message."""
    subject = f"{what} must" if what else "must"
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{subject} be a whole number, got {shown(value)}")
    if value < minimum:
        raise ValueError(f"{subject} be at least {minimum}, got {value}")
    if value > MAX_INTEGER:
        raise ValueError(f"{subject} be at most {MAX_INTEGER:,}, got {shown(value)}")
    return value


def _parts(value: Any, names: tuple[str, ...], aliases: dict[str, str]) -> list[Any]:
    """Split `value` (`WxH[xD]`, a list or a mapping) into as many parts as `names`."""
    count = len(names)
    if isinstance(value, str):
        match = _DIMS.match(value)
        parts = [g for g in match.groups() if g is not None] if match else []
        if len(parts) != count:
            shape = "x".join(n[0].upper() for n in names)
            raise ValueError(f"'{value}' is not a {shape} size; write it like {'x'.join(['3', '3', '64'][:count])}")
        return [to_int(p) for p in parts]
    if isinstance(value, list):
        if len(value) != count:
            raise ValueError(f"a list of {count} numbers ({', '.join(names)}) is needed, got {len(value)}")
        return value
    if isinstance(value, dict):
        keys = {aliases.get(k, k): v for k, v in value.items()}
        unknown = sorted(set(keys) - set(names))
        if unknown:
            raise ValueError(f"unknown key '{unknown[0]}'; the keys are {', '.join(names)}")
        missing = [n for n in names if n not in keys]
        if missing:
            raise ValueError(f"'{missing[0]}' is missing; the keys are {', '.join(names)}")
        return [keys[n] for n in names]
    raise ValueError(f"expected {' x '.join(names)}, got {value!r}")


def parse_volume(value: Any) -> Volume:
    """`227x227x3`, `227×227×3`, `[227, 227, 3]` or `{width: 227, height: 227, depth: 3}`."""
    if isinstance(value, Volume):
        return value
    parts = _parts(value, ("width", "height", "depth"), {"channels": "depth"})
    return Volume(*(_integer(v, n, 1) for v, n in zip(parts, ("width", "height", "depth"))))


def parse_pair(value: Any, what: str = "", minimum: int = 1) -> Pair:
    """One integer for both axes, `WxH` (width first), `[w, h]` or `{width: w, height: h}`."""
    if isinstance(value, Pair):
        return value
    if type(value) is int and minimum <= value <= MAX_INTEGER:  # the common case, directly
        return Pair(value, value)
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value, value]
    if isinstance(value, float) and not isinstance(value, bool):
        raise ValueError(f"{what} must be a whole number, got {value!r}".strip())
    parts = _parts(value, ("width", "height"), {})
    square = parts[0] == parts[1]
    names = (what, what) if square else (f"{what} width".strip(), f"{what} height".strip())
    return Pair(*(_integer(v, name, minimum) for v, name in zip(parts, names)))


def parse_padding(value: Any) -> Padding:
    """An integer, a pair, `same`, `valid`, or `{left, right, top, bottom}`."""
    if isinstance(value, Padding):
        return value
    if isinstance(value, str) and value.strip().lower() in ("same", "valid"):
        return Padding(same=True) if value.strip().lower() == "same" else Padding()
    if isinstance(value, dict) and set(value) & {"left", "right", "top", "bottom"}:
        sides = ("left", "right", "top", "bottom")
        unknown = sorted(set(value) - set(sides))
        if unknown:
            raise ValueError(f"unknown key '{unknown[0]}'; the sides are {', '.join(sides)}")
        return Padding(*(_integer(value.get(s, 0), f"padding {s}", 0) for s in sides))
    try:
        pair = parse_pair(value, "padding", minimum=0)
    except ValueError as exc:
        if isinstance(value, str):
            raise ValueError(f"padding must be a number, WxH, same, valid or {{left, right, top, bottom}}; "
                             f"got '{value}'") from None
        raise exc
    return Padding(pair.width, pair.width, pair.height, pair.height)
