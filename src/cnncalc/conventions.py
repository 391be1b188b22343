"""The FLOP-counting conventions of the tools users compare cnncalc with, by name.

Each convention is a rule per row: what that tool adds up for such a layer. The rules were read
from each tool's source (named in README's table of conventions) and checked by running the
tool on torchvision's vgg16, resnet50 and googlenet: the totals agree to the last digit, but for
ptflops on googlenet (README says why).
Notation: MAC is the row's multiply–accumulates of its weights, I and O its input and output
element counts, B the output elements that get a bias added (O for a layer with a bias, else 0).
"""
from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from .report import Row

DEFAULT = "cnncalc"
WEIGHTED = {"conv", "local", "deconv", "fc"}
POOLS = {"pool", "global_pool", "adaptive_pool"}


def _inputs(row: Row) -> int:
    return row.input.elements if row.input else 0


def _bias_outputs(row: Row) -> int:
    return row.output.elements if row.biases else 0


def _mode(row: Row) -> str | None:
    return getattr(row.layer, "mode", None)


def _lrn_decomposed(row: Row) -> int:
    """PyTorch's LocalResponseNorm as the patched ops see it: x·x, an avg_pool3d over the padded
    channels, ·alpha, +k (the power and the division are not counted)."""
    volume = row.input
    return 3 * volume.elements + (volume.depth + row.layer.size - 1) * volume.width * volume.height


def torchvision(row: Row) -> int:
    """The "GFLOPS" of torchvision's model tables: MACs of convolutions and linear layers only."""
    return row.macs if row.type in WEIGHTED else 0


def fvcore(row: Row) -> int:
    """fvcore's FlopCountAnalysis: one flop per MAC; BN 2·I; adaptive average pools I; upsampling O."""
    if row.type in WEIGHTED:
        return row.macs
    if row.type == "batchnorm":
        return 2 * _inputs(row)
    if row.type in ("global_pool", "adaptive_pool") and _mode(row) == "avg":
        return _inputs(row)
    if row.type == "upsample":
        return {"nearest": 1, "bilinear": 4}.get(_mode(row), 0) * row.output.elements
    return 0


def ptflops(row: Row) -> int:
    """ptflops' default `pytorch` backend: MAC + bias; modules whose forward calls a patched
    functional (ReLU, ELU, GELU, pools, Upsample) are counted twice, as it does."""
    kind, inputs, outputs = row.type, _inputs(row), row.output.elements
    if kind in WEIGHTED:
        return row.macs + _bias_outputs(row)
    if kind == "batchnorm":
        return 2 * inputs
    if kind in ("relu", "elu", "gelu", "upsample"):
        return 2 * outputs
    if kind in ("relu6", "leaky_relu"):
        return outputs
    if kind == "softmax":
        return inputs
    if kind in POOLS:
        return inputs if _mode(row) == "l2" else 2 * inputs
    if kind == "lrn":
        return _lrn_decomposed(row)
    return 0


def thop(row: Row) -> int:
    """thop's profile: MACs from module hooks; a transposed conv by its output, BN 4·I, average
    pools per output, softmax 3n − 1 per row, upsampling per output."""
    kind, outputs = row.type, row.output.elements
    layer = row.layer
    if kind == "deconv":  # thop applies the forward conv's formula to the transposed conv's output
        return outputs * (row.input.depth // layer.groups) * layer.kernel.width * layer.kernel.height
    if kind in WEIGHTED:
        return row.macs
    if kind == "batchnorm":
        return 4 * _inputs(row)
    if kind == "softmax":
        return row.output.width * row.output.height * (3 * row.output.depth - 1)
    if kind == "pool" and _mode(row) == "avg":
        return outputs
    if kind in ("global_pool", "adaptive_pool") and _mode(row) == "avg":
        volume = row.input
        window = (volume.width // row.output.width) * (volume.height // row.output.height)
        return (window + 1) * outputs
    if kind == "upsample":
        return {"nearest": 1, "bilinear": 11, "bicubic": 259}[_mode(row)] * outputs
    return 0


def torchinfo(row: Row) -> int:
    """torchinfo's mult-adds: a conv's parameters times its output positions, any other layer's
    parameters once (so BN counts 2·C, and a bias is one add per output)."""
    if row.type in ("conv", "deconv"):
        return row.params * row.output.width * row.output.height
    if row.type == "local":
        return row.macs + _bias_outputs(row)
    return row.params


def calflops(row: Row) -> int:
    """calflops and DeepSpeed's flops profiler: 2 per MAC, a conv's bias, BN 2·I, activations and
    pools one per input element (ReLU6, sigmoid and tanh are not seen)."""
    kind, inputs = row.type, _inputs(row)
    if kind in ("conv", "local", "deconv"):
        return 2 * row.macs + _bias_outputs(row)
    if kind == "fc":
        return 2 * row.macs
    if kind == "batchnorm":
        return 2 * inputs
    if kind in ("relu", "leaky_relu", "elu", "gelu", "softmax") or kind in POOLS:
        return inputs
    if kind == "lrn":
        return _lrn_decomposed(row)
    if kind == "upsample":
        return row.output.elements
    return 0


def netscope(row: Row) -> int:
    """Netscope's macc column: conv and fc MACs; a deconvolution as C_in·C_out·W2·H2·(F/S)²; a
    BatchNorm as Caffe's BatchNorm + Scale pair, whose Scale is one multiply–add per element."""
    if row.type == "deconv":
        layer = row.layer
        exact = Fraction(row.input.depth * row.output.elements * layer.kernel.width * layer.kernel.height,
                         layer.stride.width * layer.stride.height * layer.groups)
        return round(exact)
    if row.type in WEIGHTED:
        return row.macs
    if row.type == "batchnorm":
        return _inputs(row)
    return 0


CONVENTIONS: dict[str, Callable[[Row], int] | None] = {
    DEFAULT: None,  # the rows' own FLOPs
    "torchvision": torchvision,
    "fvcore": fvcore,
    "ptflops": ptflops,
    "thop": thop,
    "torchinfo": torchinfo,
    "calflops": calflops,
    "netscope": netscope,
}


def apply(rows: tuple[Row, ...], name: str) -> tuple[Row, ...]:
    """The rows with `flops` counted as the tool `name` counts them."""
    rule = CONVENTIONS[name]
    return rows if rule is None else tuple(row._replace(flops=rule(row)) for row in rows)
