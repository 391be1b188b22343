"""Budgets for CI: limits on a network's params, MACs, activations and peak memory.

A limit is a number with an optional SI or binary suffix: `25M` (25·10⁶), `4.1G`, `2GiB` (2·2³⁰);
a trailing `B` (bytes) is allowed and ignored. It is at most 2^63 − 1, as counts are (limits.py).
"""
from __future__ import annotations

import re
from fractions import Fraction
from typing import NamedTuple

from ..diagnostics import Diagnostic, Span, error
from ..limits import INT64_MAX
from ..model.geometry import Oversized

KINDS = ("params", "macs", "activations", "memory")
QUANTITY = r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([kKMGTP]?)(i?)B?\s*$"  # 25M, 4.1G, 2GiB, 512MB
_QUANTITY = re.compile(QUANTITY)
_POWERS = {"": 0, "k": 1, "K": 1, "M": 2, "G": 3, "T": 4, "P": 5}


class Limit(NamedTuple):
    kind: str  # one of KINDS
    value: int
    span: Span | None  # where the spec sets it; None for a command-line flag
    origin: str  # `budget.params` in the spec, or the flag's name


def parse_quantity(value: object) -> int:
    """`25M` -> 25,000,000; `2GiB` -> 2,147,483,648; a plain whole number as itself."""
    too_large = ValueError(f"a limit is at most {INT64_MAX:,} (2^63 − 1), as counts are")
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        if isinstance(value, Oversized) or value > INT64_MAX:
            raise too_large
        return value
    match = _QUANTITY.match(str(value)) if isinstance(value, (str, float)) and not isinstance(value, bool) else None
    if not match:
        raise ValueError(f"'{value}' is not a quantity: write a number with an optional suffix, e.g. 25M, 4.1G, "
                         "2GiB")
    number, prefix, binary = match.groups()
    whole, _, decimals = number.partition(".")
    if len(whole.lstrip("0")) > 30:  # past the limit, and longer than Fraction() reads
        raise too_large
    quantity = round(Fraction(f"{whole or 0}.{decimals[:30] or 0}") * (1024 if binary else 1000) ** _POWERS[prefix])
    if quantity > INT64_MAX:
        raise too_large
    return quantity


def measure(report, kind: str) -> int:
    totals = report.totals
    if kind == "memory":
        return report.memory.peak(report.rows, totals)
    return getattr(totals, kind)


def check(report, limits: list[Limit]) -> list[Diagnostic]:
    """An `over-budget` error for every limit the report exceeds, saying by how much."""
    problems = []
    for limit in limits:
        used = measure(report, limit.kind)
        if used > limit.value:
            over = used - limit.value
            unit = " bytes" if limit.kind == "memory" else ""
            share = f" ({over / limit.value:.1%})" if 0 < limit.value and over < 10**6 * limit.value else ""
            what = "peak memory" if limit.kind == "memory" else limit.kind
            problems.append(error("over-budget", f"{what} {used:,}{unit} exceed the budget of {limit.value:,}{unit} "
                                  f"by {over:,}{unit}{share}", path=limit.origin, span=limit.span,
                                  suggestions=[f"raise {limit.origin} to at least {used:,}, or make the network "
                                               "smaller"]))
    return problems
