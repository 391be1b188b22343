"""Frozen values: what a layer, a block, a network and the analysis settings have in common.

A plain class rather than a dataclass: `check` builds none of them at start-up, and each frozen
dataclass costs about a millisecond of code generation when it is defined.
"""
from __future__ import annotations

from typing import Any


class Record:
    """Fields set once, when it is made; compared, hashed and shown by value."""

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen: make a new one instead")

    def _fill(self, **fields: Any) -> None:
        """For constructors (and a layer's `check`) alone."""
        self.__dict__.update(fields)

    def replace(self, **changes: Any) -> "Record":
        """A copy with `changes`, not validated again."""
        copy = object.__new__(type(self))
        copy.__dict__.update(self.__dict__, **changes)
        return copy

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.__dict__ == self.__dict__

    def __hash__(self) -> int:
        return hash((type(self), tuple(map(repr, self.__dict__.values()))))

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items() if v is not None and not k.startswith("_"))
        return f"{type(self).__name__}({shown})"
