"""Element-wise layers: activations, dropout and the identity. Each keeps the volume."""
from __future__ import annotations

from ..geometry import Volume
from ..params import FLOAT, PROBABILITY, Param
from .base import COMMON, CONVENTION_NAMES, Layer, Torch, call, inputs, outputs, scaled, zero

_UNCOUNTED = dict.fromkeys(CONVENTION_NAMES, zero)  # no peer counts it


def _counted(**rules) -> dict:
    return {**_UNCOUNTED, **rules}


class _Activation(Layer):
    DIAGRAM = "elementwise"
    FLAT_OK = True
    MODULE: str  # its PyTorch module, e.g. nn.ReLU()

    def torch(self, row, ceil: bool, flat: bool) -> list[Torch]:
        return [Torch(self.MODULE)]

    def flops(self, volume: Volume, out: Volume) -> int:
        return out.elements  # one operation per element


class ReLU(_Activation):
    """max(0, x)."""

    TYPE = "relu"
    MODULE = "nn.ReLU()"
    # ptflops counts nn.ReLU twice (module hook and patched functional); calflops once per input
    CONVENTIONS = _counted(ptflops=scaled(outputs, 2), calflops=inputs)


class ReLU6(_Activation):
    """min(max(0, x), 6): MobileNetV2's activation."""

    TYPE = "relu6"
    MODULE = "nn.ReLU6()"
    CONVENTIONS = _counted(ptflops=outputs)


class LeakyReLU(_Activation):
    """x, or slope·x below zero."""

    TYPE = "leaky_relu"
    PARAMS = {**COMMON, "slope": Param(FLOAT, 0.01, doc="the slope below zero")}
    POSITIONAL = ("slope",)
    CONVENTIONS = _counted(ptflops=outputs, calflops=inputs)

    def torch(self, row, ceil: bool, flat: bool) -> list[Torch]:
        return [Torch(call("nn.LeakyReLU", *([self.slope] if self.slope != 0.01 else [])))]


class ELU(_Activation):
    """x, or eˣ − 1 below zero."""

    TYPE = "elu"
    MODULE = "nn.ELU()"
    CONVENTIONS = _counted(ptflops=scaled(outputs, 2), calflops=inputs)


class GELU(_Activation):
    """x·Φ(x), the Gaussian error linear unit."""

    TYPE = "gelu"
    MODULE = "nn.GELU()"
    CONVENTIONS = _counted(ptflops=scaled(outputs, 2), calflops=inputs)


class SiLU(_Activation):
    """x·σ(x) (swish): EfficientNet's and MobileNetV3's activation."""

    TYPE = "silu"
    MODULE = "nn.SiLU()"
    ALIASES = {"swish": {}}
    # ptflops and calflops patch F.silu and count one per element; fvcore, thop and torchinfo see nothing
    CONVENTIONS = _counted(ptflops=outputs, calflops=inputs)


class Sigmoid(_Activation):
    """1 / (1 + e⁻ˣ)."""

    TYPE = "sigmoid"
    MODULE = "nn.Sigmoid()"
    CONVENTIONS = _UNCOUNTED


class Tanh(_Activation):
    """tanh(x)."""

    TYPE = "tanh"
    MODULE = "nn.Tanh()"
    CONVENTIONS = _UNCOUNTED


class Softmax(_Activation):
    """eˣ normalised over the depth at each position."""

    TYPE = "softmax"
    MODULE = "nn.Softmax(dim=1)"
    CONVENTIONS = _counted(
        ptflops=inputs, calflops=inputs,
        thop=lambda row: row.output.positions * (3 * row.output.depth - 1))  # 3n − 1 per position


class Identity(Layer):
    TYPE = "identity"
    DIAGRAM = "elementwise"
    CONVENTIONS = _UNCOUNTED
    FLAT_OK = True

    def torch(self, row, ceil: bool, flat: bool) -> list[Torch]:
        return [Torch("nn.Identity()")]


class Dropout(Layer):
    TYPE = "dropout"
    PARAMS = {**COMMON, "p": Param(PROBABILITY, 0.5, doc="the probability of zeroing an element")}
    POSITIONAL = ("p",)
    DIAGRAM = "elementwise"
    CONVENTIONS = _UNCOUNTED
    FLAT_OK = True

    def torch(self, row, ceil: bool, flat: bool) -> list[Torch]:
        return [Torch(call("nn.Dropout", *([self.p] if self.p != 0.5 else [])))]
