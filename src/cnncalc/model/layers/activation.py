"""Element-wise layers: activations, dropout and the identity. Each keeps the volume."""
from __future__ import annotations

from ..geometry import Volume
from ..params import BOOL, FLOAT, PROBABILITY, Param
from .base import COMMON, CONVENTION_NAMES, Layer, Term, Torch, call, inputs, outputs, params, scaled, zero

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


def _activation(name: str, type_: str, module: str, doc: str, aliases: tuple[str, ...] = (),
                **rules) -> type[_Activation]:
    """A parameterless activation: its type, its PyTorch module, and the peers that count it (the others say 0)."""
    return type(name, (_Activation,), {"__doc__": doc, "__module__": __name__, "TYPE": type_, "MODULE": module,
                                      "ALIASES": dict.fromkeys(aliases, {}), "CONVENTIONS": _counted(**rules)})


# ptflops counts an nn.ReLU, ELU or GELU twice (its module hook, then the functional it calls, also
# patched), an nn.ReLU6 once (F.hardtanh is not patched), an nn.SiLU once (only F.silu is patched)
ReLU = _activation("ReLU", "relu", "nn.ReLU()", "max(0, x).", ptflops=scaled(outputs, 2), calflops=inputs)
ReLU6 = _activation("ReLU6", "relu6", "nn.ReLU6()", "min(max(0, x), 6): MobileNetV2's activation.",
                    ptflops=outputs)
ELU = _activation("ELU", "elu", "nn.ELU()", "x, or eˣ − 1 below zero.", ptflops=scaled(outputs, 2), calflops=inputs)
GELU = _activation("GELU", "gelu", "nn.GELU()", "x·Φ(x), the Gaussian error linear unit.",
                   ptflops=scaled(outputs, 2), calflops=inputs)
SiLU = _activation("SiLU", "silu", "nn.SiLU()", "x·σ(x) (swish): EfficientNet's and MobileNetV3's activation.",
                   aliases=("swish",), ptflops=outputs, calflops=inputs)
# hardswish, hardsigmoid, mish and softplus: no peer counts them (none has a hook or a patched
# functional for them; fvcore has no handle for their aten ops)
Hardswish = _activation("Hardswish", "hardswish", "nn.Hardswish()", "x·relu6(x + 3)/6: MobileNetV3's activation.",
                        aliases=("hswish",))
Hardsigmoid = _activation("Hardsigmoid", "hardsigmoid", "nn.Hardsigmoid()",
                          "relu6(x + 3)/6: MobileNetV3's squeeze-excitation gate.", aliases=("hsigmoid",))
Mish = _activation("Mish", "mish", "nn.Mish()", "x·tanh(softplus(x)).")
Softplus = _activation("Softplus", "softplus", "nn.Softplus()", "log(1 + eˣ).")
Sigmoid = _activation("Sigmoid", "sigmoid", "nn.Sigmoid()", "1 / (1 + e⁻ˣ).")
Tanh = _activation("Tanh", "tanh", "nn.Tanh()", "tanh(x).")


class LeakyReLU(_Activation):
    """x, or slope·x below zero."""

    TYPE = "leaky_relu"
    PARAMS = {**COMMON, "slope": Param(FLOAT, 0.01, doc="the slope below zero")}
    POSITIONAL = ("slope",)
    CONVENTIONS = _counted(ptflops=outputs, calflops=inputs)

    def torch(self, row, ceil: bool, flat: bool) -> list[Torch]:
        return [Torch(call("nn.LeakyReLU", *([self.slope] if self.slope != 0.01 else [])))]


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
    """Elements zeroed at random in training; the identity at inference."""

    TYPE = "dropout"
    PARAMS = {**COMMON, "p": Param(PROBABILITY, 0.5, doc="the probability of zeroing an element")}
    POSITIONAL = ("p",)
    DIAGRAM = "elementwise"
    CONVENTIONS = _UNCOUNTED
    FLAT_OK = True

    def torch(self, row, ceil: bool, flat: bool) -> list[Torch]:
        return [Torch(call("nn.Dropout", *([self.p] if self.p != 0.5 else [])))]


class PReLU(_Activation):
    """x, or a·x below zero, with the slope a learned: one for the whole layer, or one per channel."""

    TYPE = "prelu"
    PARAMS = {**COMMON, "shared": Param(BOOL, True, doc="one learned slope for every channel (false: one each)")}
    POSITIONAL = ("shared",)
    # ptflops: its module hook and the patched F.prelu it calls; thop and calflops one per element
    CONVENTIONS = _counted(ptflops=scaled(outputs, 2), thop=inputs, calflops=inputs, torchinfo=params)
    shared: bool

    def weights(self, volume: Volume, out: Volume) -> int:
        return 1 if self.shared else volume.depth

    def explain(self, volume: Volume, out: Volume) -> list[Term]:
        slopes = Term("weights", "1", (), 1) if self.shared else Term("weights", "D", (), volume.depth)
        return [Term("same-volume", value=out), slopes]

    def torch(self, row, ceil: bool, flat: bool) -> list[Torch]:
        return [Torch(call("nn.PReLU", *([] if self.shared else [row.input.depth])))]


class DropPath(Dropout):
    """Stochastic depth: a whole sample's branch dropped in training, the identity at inference."""

    TYPE = "drop_path"
    ALIASES = {"stochastic_depth": {}}
    PARAMS = {**COMMON, "p": Param(PROBABILITY, 0.0, doc="the probability of dropping the branch (changes no count)")}

    def torch(self, row, ceil: bool, flat: bool) -> list[Torch]:
        return [Torch("nn.Identity()", "drop_path: the identity at inference")]
