"""The public layer and block classes, for building networks in Python:

    >>> from cnncalc.layers import Conv, ReLU, Residual
    >>> block = Residual([Conv(filters=8, kernel=3, padding=1), ReLU()])
"""
from .model.layers import LAYER_TYPES, REGISTRY, Layer  # noqa: F401
from .model.layers.activation import ELU, GELU, Dropout, Identity, LeakyReLU, ReLU, ReLU6, Sigmoid, SiLU, Softmax, Tanh
from .model.layers.conv import Conv, Deconv, Local
from .model.layers.dense import FC, Flatten
from .model.layers.norm import LRN, BatchNorm
from .model.layers.pool import AdaptivePool, GlobalPool, Pool
from .model.layers.shape import Crop, Input, Upsample
from .model.network import Add, Concat, From, Network, Repeat, Residual

__all__ = ["Layer", "LAYER_TYPES", "Input", "Conv", "Local", "Deconv", "Pool", "GlobalPool", "AdaptivePool", "FC",
           "Flatten", "BatchNorm", "LRN", "Dropout", "Upsample", "Crop", "ReLU", "ReLU6", "LeakyReLU", "ELU", "GELU",
           "SiLU", "Sigmoid", "Tanh", "Softmax", "Identity", "Add", "Concat", "From", "Network", "Repeat", "Residual"]
