"""The FLOP-counting conventions of the tools users compare cnncalc with, by name.

Each layer type declares, in its own module, a rule per convention: what that tool adds up for
such a layer (`CONVENTIONS`), and each merging block for its merge row (model/network.py). The
rules were read from each tool's source (named in README's table of conventions) and checked by
running the tool on torchvision's vgg16, resnet50 and googlenet: the totals agree to the last
digit, but for ptflops on googlenet (README says why).
Notation: MAC is the row's multiply–accumulates of its weights, I and O its input and output
element counts, B the output elements that get a bias added (O for a layer with a bias, else 0).
"""
from __future__ import annotations

from ..model.layers.base import CONVENTION_NAMES
from ..model.network import MERGES
from .report import Row

DEFAULT = "cnncalc"

CONVENTIONS = (DEFAULT, *CONVENTION_NAMES)


def apply(rows: tuple[Row, ...], name: str) -> tuple[Row, ...]:
    """The rows with `flops` counted as the tool `name` counts them."""
    if name == DEFAULT:
        return rows
    return tuple(row._replace(flops=_rules(row)[name](row) if row.type != "input" else 0) for row in rows)


def _rules(row: Row) -> dict:
    """The rules of the row's layer type, or of its block for a merge row."""
    return row.layer.CONVENTIONS if row.layer else MERGES[row.type].CONVENTIONS
