"""The FLOP-counting conventions of the tools users compare cnncalc with, by name.

Each layer type declares, in its own module, a rule per convention: what that tool adds up for
such a layer (`CONVENTIONS`). The rules were read
from each tool's source (named in README's table of conventions) and checked by running the
tool on torchvision's vgg16, resnet50 and googlenet: the totals agree to the last digit, but for
ptflops on googlenet (README says why).
Notation: MAC is the row's multiply–accumulates of its weights, I and O its input and output
element counts, B the output elements that get a bias added (O for a layer with a bias, else 0).
"""
from __future__ import annotations

from ..model.layers.base import CONVENTION_NAMES
from .report import Row

DEFAULT = "cnncalc"

CONVENTIONS = (DEFAULT, *CONVENTION_NAMES)


def apply(rows: tuple[Row, ...], name: str) -> tuple[Row, ...]:
    """The rows with `flops` counted as the tool `name` counts them."""
    if name == DEFAULT:
        return rows
    # the input and merge rows have no layer: no peer counts them (a `+` in forward is not a module)
    return tuple(row._replace(flops=row.layer.CONVENTIONS[name](row) if row.layer else 0) for row in rows)
