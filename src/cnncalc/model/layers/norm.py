"""Normalisation layers: batchnorm, layer, group and instance normalisation, local response normalisation,
and ConvNeXt's layer scale."""
from __future__ import annotations

from ..geometry import Volume
from ..params import BOOL, POSITIVE_FLOAT, POSITIVE_INT, PROBABILITY, Param
from .base import (
    COMMON,
    CONVENTION_NAMES,
    DepthMap,
    Layer,
    Term,
    Torch,
    call,
    depth_divisible_by,
    groups_divide,
    inputs,
    outputs,
    params,
    scaled,
    torch_dims,
    zero,
)


def _lrn_decomposed(row) -> int:
    """PyTorch's LocalResponseNorm as the patched ops see it: x·x, an avg_pool3d over the padded
    channels, ·alpha, +k (the power and the division are not counted)."""
    volume = row.input
    return 3 * volume.elements + (volume.depth + row.layer.size - 1) * volume.positions


def _per_element(affine: int, plain: int):
    """A peer's count: `affine` operations per input element with PyTorch's affine, `plain` without."""
    return lambda row: (affine if row.layer.affine else plain) * inputs(row)


class BatchNorm(Layer):
    TYPE = "batchnorm"
    ALIASES = {"bn": {}}
    PARAMS = {**COMMON, "eps": Param(POSITIVE_FLOAT, 1e-5), "momentum": Param(PROBABILITY, 0.1),
              "scale": Param(BOOL, True, doc="a learned scale γ per channel (Keras' name)"),
              "center": Param(BOOL, True, doc="a learned shift β per channel (Keras' name)")}
    POSITIONAL = ("eps", "momentum", "scale", "center")
    FLAT_OK = True
    DIAGRAM = "elementwise"
    # eval mode, as each tool runs (fvcore traces the model as given: cnncalc's export is in eval mode);
    # Netscope: Caffe's BatchNorm + Scale, one multiply–add per element, and no Scale without γ
    CONVENTIONS = {"torchvision": zero, "fvcore": _per_element(2, 1), "ptflops": _per_element(2, 1),
                   "thop": _per_element(4, 2), "torchinfo": params, "calflops": _per_element(2, 1),
                   "netscope": lambda row: inputs(row) if row.layer.scale else 0}
    scale: bool
    center: bool

    @property
    def affine(self) -> bool:
        """PyTorch's affine: both γ and β (one of them alone exports as affine=False and a helper)."""
        return self.scale and self.center

    def torch(self, row, ceil: bool, flat: bool) -> list[Torch]:
        kind = "nn.BatchNorm1d" if flat else f"nn.BatchNorm{torch_dims(row.input)}"
        norm = Torch(call(kind, row.input.depth, eps=(self.eps, 1e-5), momentum=(self.momentum, 0.1),
                          affine=(self.affine, True)))
        if self.affine or not (self.scale or self.center):
            return [norm]
        return [norm, Torch(call("ChannelAffine", row.input.depth, scale=(self.scale, True),
                                 center=(self.center, True)))]

    def weights(self, volume: Volume, out: Volume) -> int:
        return volume.depth if self.scale else 0  # γ

    def biases(self, volume: Volume, out: Volume) -> int:
        return volume.depth if self.center else 0  # β

    def buffers(self, volume: Volume, out: Volume) -> int:
        return 2 * volume.depth  # running mean and variance

    def flops(self, volume: Volume, out: Volume) -> int:
        return 2 * out.elements  # a scale and a shift per element, once folded (with or without γ and β)

    def label(self) -> str:
        return "BN"

    def explain(self, volume: Volume, out: Volume) -> list[Term]:
        if self.scale and self.center:
            learned = Term("affine", "2·D", (2, volume.depth), 2 * volume.depth)
        elif self.scale or self.center:
            learned = Term("weights" if self.scale else "biases", "D", (), volume.depth)
        else:
            learned = Term("no-params", extra={"layer": "batchnorm without scale or center"})
        return [Term("same-volume", value=out), learned, Term("buffers", "2·D", value=self.buffers(volume, out))]


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


class _Normalise(Layer):
    """Each element less its group's mean, over its standard deviation; with `affine`, a learned scale
    γ and shift β per channel. cnncalc counts 4 operations per element (a sum, a squared difference,
    a subtraction and a division), 5 with affine: as fvcore and calflops count them."""

    DIAGRAM = "elementwise"
    affine: bool

    def weights(self, volume: Volume, out: Volume) -> int:
        return volume.depth if self.affine else 0  # γ

    def biases(self, volume: Volume, out: Volume) -> int:
        return volume.depth if self.affine else 0  # β

    def flops(self, volume: Volume, out: Volume) -> int:
        return (5 if self.affine else 4) * out.elements

    def explain(self, volume: Volume, out: Volume) -> list[Term]:
        if not self.affine:
            return [Term("same-volume", value=out), Term("no-params", extra={"layer": "normalisation without affine"})]
        return [Term("same-volume", value=out),
                Term("affine", "2·D", (2, volume.depth), self.weights(volume, out) + self.biases(volume, out))]


class GroupNorm(_Normalise):
    TYPE = "groupnorm"
    ALIASES = {"gn": {}}
    PARAMS = {**COMMON, "groups": Param(POSITIVE_INT, doc="channel groups normalised together; divides the depth"),
              "eps": Param(POSITIVE_FLOAT, 1e-5), "affine": Param(BOOL, True)}
    POSITIONAL = ("groups", "eps", "affine")
    EXAMPLE = (1,)
    # thop has no GroupNorm rule; ptflops counts I, and I more with affine
    CONVENTIONS = {"torchvision": zero, "fvcore": _per_element(5, 4), "ptflops": _per_element(2, 1), "thop": zero,
                   "torchinfo": params, "calflops": _per_element(5, 4), "netscope": zero}
    groups: int

    def shape(self, volume: Volume, rounding) -> tuple:
        problems = groups_divide(self.groups, volume)
        return (None if problems else volume), problems

    def depth_map(self) -> DepthMap | None:
        return depth_divisible_by(self.groups)

    def torch(self, row, ceil: bool, flat: bool) -> list[Torch]:
        return [Torch(call("nn.GroupNorm", self.groups, row.input.depth, eps=(self.eps, 1e-5),
                           affine=(self.affine, True)))]

    def label(self) -> str:
        return f"GN{self.groups}"


class InstanceNorm(_Normalise):
    TYPE = "instancenorm"
    PARAMS = {**COMMON, "eps": Param(POSITIVE_FLOAT, 1e-5), "affine": Param(BOOL, False)}
    POSITIONAL = ("eps", "affine")
    CONVENTIONS = {"torchvision": zero, "fvcore": _per_element(5, 4), "ptflops": _per_element(2, 1),
                   "thop": _per_element(4, 2), "torchinfo": params, "calflops": _per_element(5, 4), "netscope": zero}

    def torch(self, row, ceil: bool, flat: bool) -> list[Torch]:
        return [Torch(call(f"nn.InstanceNorm{torch_dims(row.input)}", row.input.depth, eps=(self.eps, 1e-5),
                           affine=(self.affine, False)))]

    def label(self) -> str:
        return "IN"


class LayerNorm(_Normalise):
    """Each position's D values normalised together: ConvNeXt's LayerNorm2d on a volume, PyTorch's
    LayerNorm(units) after fc."""

    TYPE = "layernorm"
    ALIASES = {"ln": {}}
    PARAMS = {**COMMON, "eps": Param(POSITIVE_FLOAT, 1e-5), "affine": Param(BOOL, True)}
    POSITIONAL = ("eps", "affine")
    FLAT_OK = True
    # as the tools count ConvNeXt's LayerNorm2d, a subclass of nn.LayerNorm: fvcore and calflops count
    # F.layer_norm; ptflops and thop look a module up by its exact type, and have no F.layer_norm rule
    CONVENTIONS = {"torchvision": zero, "fvcore": _per_element(5, 4), "ptflops": zero, "thop": zero,
                   "torchinfo": params, "calflops": _per_element(5, 4), "netscope": zero}

    def torch(self, row, ceil: bool, flat: bool) -> list[Torch]:
        options = {"eps": (self.eps, 1e-5), "elementwise_affine": (self.affine, True)}
        if flat:  # an N×C tensor, after fc: its last axis is the channels
            return [Torch(call("nn.LayerNorm", row.input.depth, **options))]
        return [Torch(call("ChannelLayerNorm", row.input.depth, **options))]

    def label(self) -> str:
        return "LN"


class LayerScale(Layer):
    """Each channel times a learned factor: ConvNeXt's layer scale γ."""

    TYPE = "layer_scale"
    DIAGRAM = "elementwise"
    FLAT_OK = True
    # ConvNeXt multiplies with `*`, which no tool patches, by a parameter that is not a leaf module's
    # weight (torchinfo); Netscope: Caffe's Scale layer, one multiply per element
    CONVENTIONS = {**dict.fromkeys(CONVENTION_NAMES, zero), "netscope": outputs}

    def weights(self, volume: Volume, out: Volume) -> int:
        return volume.depth

    def flops(self, volume: Volume, out: Volume) -> int:
        return out.elements  # a multiply per element

    def explain(self, volume: Volume, out: Volume) -> list[Term]:
        return [Term("same-volume", value=out), Term("weights", "D", (), volume.depth)]

    def torch(self, row, ceil: bool, flat: bool) -> list[Torch]:
        return [Torch(f"LayerScale({row.input.depth})")]

    def label(self) -> str:
        return "SCALE"


class Normalization(Layer):
    """Keras' Normalization: each channel less a fixed mean, over a fixed standard deviation, both adapted to
    data before training. Nothing is learned; the mean, the variance and the count of samples they came
    from are kept: 2·D + 1 buffers. Exported as PyTorch's BatchNorm without affine, which computes the same,
    so the peers count it as that."""

    TYPE = "normalization"
    DIAGRAM = "elementwise"
    FLAT_OK = True
    CONVENTIONS = {"torchvision": zero, "fvcore": inputs, "ptflops": inputs, "thop": scaled(inputs, 2),
                   "torchinfo": params, "calflops": inputs, "netscope": zero}

    def torch(self, row, ceil: bool, flat: bool) -> list[Torch]:
        kind = "nn.BatchNorm1d" if flat else f"nn.BatchNorm{torch_dims(row.input)}"
        return [Torch(call(kind, row.input.depth, affine=(False, True)), "Keras' Normalization: a fixed mean and "
                      "variance")]

    def buffers(self, volume: Volume, out: Volume) -> int:
        return 2 * volume.depth + 1  # mean, variance, and the count they were adapted on

    def flops(self, volume: Volume, out: Volume) -> int:
        return 2 * out.elements  # a subtraction and a division per element

    def explain(self, volume: Volume, out: Volume) -> list[Term]:
        return [Term("same-volume", value=out), Term("no-params", extra={"layer": "normalization"}),
                Term("buffers", "2·D + 1", value=self.buffers(volume, out))]
