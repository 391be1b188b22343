"""Normalisation layers: batchnorm and local response normalisation."""
from __future__ import annotations

from ..geometry import Volume
from ..params import POSITIVE_FLOAT, POSITIVE_INT, PROBABILITY, Param
from .base import COMMON, Layer, Term, Torch, call, inputs, params, scaled, torch_dims, zero


def _lrn_decomposed(row) -> int:
    """PyTorch's LocalResponseNorm as the patched ops see it: x·x, an avg_pool3d over the padded
    channels, ·alpha, +k (the power and the division are not counted)."""
    volume = row.input
    return 3 * volume.elements + (volume.depth + row.layer.size - 1) * volume.positions


class BatchNorm(Layer):
    TYPE = "batchnorm"
    ALIASES = {"bn": {}}
    PARAMS = {**COMMON, "eps": Param(POSITIVE_FLOAT, 1e-5), "momentum": Param(PROBABILITY, 0.1)}
    POSITIONAL = ("eps", "momentum")
    FLAT_OK = True

    def torch(self, row, ceil: bool, flat: bool) -> list[Torch]:
        kind = "nn.BatchNorm1d" if flat else f"nn.BatchNorm{torch_dims(row.input)}"
        return [Torch(call(kind, row.input.depth, eps=(self.eps, 1e-5), momentum=(self.momentum, 0.1)))]
    DIAGRAM = "elementwise"
    CONVENTIONS = {"torchvision": zero, "fvcore": scaled(inputs, 2), "ptflops": scaled(inputs, 2),
                   "thop": scaled(inputs, 4), "torchinfo": params, "calflops": scaled(inputs, 2),
                   "netscope": inputs}  # Netscope: Caffe's BatchNorm + Scale, one multiply–add per element

    def weights(self, volume: Volume, out: Volume) -> int:
        return volume.depth  # γ

    def biases(self, volume: Volume, out: Volume) -> int:
        return volume.depth  # β

    def buffers(self, volume: Volume, out: Volume) -> int:
        return 2 * volume.depth  # running mean and variance

    def flops(self, volume: Volume, out: Volume) -> int:
        return 2 * out.elements  # a scale and a shift per element, once folded

    def label(self) -> str:
        return "BN"

    def explain(self, volume: Volume, out: Volume) -> list[Term]:
        return [Term("same-volume", value=out),
                Term("affine", "2·D", (2, volume.depth), self.weights(volume, out) + self.biases(volume, out)),
                Term("buffers", "2·D", value=self.buffers(volume, out))]


class LRN(Layer):
    TYPE = "lrn"
    PARAMS = {**COMMON, "size": Param(POSITIVE_INT, 5), "alpha": Param(POSITIVE_FLOAT, 1e-4),
              "beta": Param(POSITIVE_FLOAT, 0.75), "k": Param(POSITIVE_FLOAT, 1.0)}
    POSITIONAL = ("size", "alpha", "beta", "k")

    def torch(self, row, ceil: bool, flat: bool) -> list[Torch]:
        return [Torch(call("nn.LocalResponseNorm", self.size, alpha=(self.alpha, 1e-4), beta=(self.beta, 0.75),
                           k=(self.k, 1.0)))]
    AXES = (2,)
    DIAGRAM = "elementwise"
    CONVENTIONS = {"torchvision": zero, "fvcore": zero, "thop": zero, "torchinfo": params, "netscope": zero,
                   "ptflops": _lrn_decomposed, "calflops": _lrn_decomposed}
    size: int

    def flops(self, volume: Volume, out: Volume) -> int:
        return 2 * self.size * out.elements  # a square and an add per neighbour

    def label(self) -> str:
        return f"LRN{self.size}"
