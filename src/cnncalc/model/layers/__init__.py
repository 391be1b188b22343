"""The layer types, one module per family, and the registry of the names they answer to.

Adding a type is one class in one of these modules, listed in LAYER_TYPES. The registry refuses,
at import, a type that lacks any of its declarations: a rule for every `--convention`, a diagram
kind, a way to export it to PyTorch.
"""
from __future__ import annotations

from typing import Any

from .activation import ELU, GELU, Dropout, Identity, LeakyReLU, ReLU, ReLU6, Sigmoid, SiLU, Softmax, Tanh
from .base import CONVENTION_NAMES, DIAGRAM_KINDS, Layer
from .conv import Conv, Deconv, Local
from .dense import FC, Flatten
from .norm import LRN, BatchNorm
from .pool import AdaptivePool, GlobalPool, Pool
from .shape import Crop, Input, Upsample

LAYER_TYPES: tuple[type[Layer], ...] = (
    Input, Conv, Local, Deconv, Pool, GlobalPool, AdaptivePool, FC, Flatten, BatchNorm, LRN, Dropout,
    Upsample, Crop, ReLU, ReLU6, LeakyReLU, ELU, GELU, SiLU, Sigmoid, Tanh, Softmax, Identity,
)


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

__all__ = ["Layer", "LAYER_TYPES", "REGISTRY", *(cls.__name__ for cls in LAYER_TYPES)]
