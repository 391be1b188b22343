"""The public layer and block classes, for building networks in Python:

    >>> from cnncalc.layers import Conv, ReLU, Residual
    >>> block = Residual([Conv(filters=8, kernel=3, padding=1), ReLU()])
"""
from .model import layers as _types
from .model.network import Add, Concat, From, Group, Multiply, Network, Repeat, Residual

Layer, LAYER_TYPES = _types.Layer, _types.LAYER_TYPES
globals().update({cls.__name__: cls for cls in LAYER_TYPES})  # Conv, Pool, ReLU, …: every type, by class name
__all__ = ["Layer", "LAYER_TYPES", *(cls.__name__ for cls in LAYER_TYPES), "Add", "Concat", "From", "Group",
           "Multiply", "Network", "Repeat", "Residual"]
