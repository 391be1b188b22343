"""The layer types, one module per family, and the registry of the names they answer to.

Adding a type is one class in one of these modules (LAYER_TYPES finds it). The registry refuses,
at import, a type that lacks any of its declarations: a rule for every `--convention`, a diagram
kind, a way to export it to PyTorch.
"""
from __future__ import annotations

from typing import Any

from . import activation, channels, conv, dense, norm, pool, shape  # noqa: F401  (each module defines its types)
from .base import CONVENTION_NAMES, DIAGRAM_KINDS, Layer


def _types(cls: type[Layer]):
    """The layer types (the classes that name a TYPE) below `cls`, in the order they are defined."""
    for sub in cls.__subclasses__():
        if "TYPE" in vars(sub):
            yield sub
        yield from _types(sub)


LAYER_TYPES: tuple[type[Layer], ...] = tuple(dict.fromkeys(_types(Layer)))


def missing_declarations(cls: type[Layer]) -> list[str]:
    """What a layer type lacks of what every type must declare."""
    missing = [f"CONVENTIONS['{name}']" for name in CONVENTION_NAMES if name not in getattr(cls, "CONVENTIONS", {})]
    if getattr(cls, "DIAGRAM", None) not in DIAGRAM_KINDS:
        missing.append("DIAGRAM")
    if cls.torch is Layer.torch:
        missing.append("torch")
    return missing


for _cls in LAYER_TYPES:
    if missing_declarations(_cls):
        raise TypeError(f"layer type {_cls.__name__} lacks {', '.join(missing_declarations(_cls))}")

# every name a layer answers to (lower case) -> (its type, the parameters that name presets)
REGISTRY: dict[str, tuple[type[Layer], dict[str, Any]]] = {
    name: (cls, preset)
    for cls in LAYER_TYPES
    for name, preset in ((cls.TYPE, {}), *cls.ALIASES.items())
}

globals().update({cls.__name__: cls for cls in LAYER_TYPES})
__all__ = ["Layer", "LAYER_TYPES", "REGISTRY", *(cls.__name__ for cls in LAYER_TYPES)]
