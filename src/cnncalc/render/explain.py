"""`cnncalc explain`: the worked arithmetic of each layer, in the cs231n notes' notation.

A layer gives the numbers and symbols of its lines as Terms (model/layers/base.py, TERM_KINDS);
every word, number format and the layout are here, one entry per kind of term.
"""
from __future__ import annotations

from collections.abc import Callable

from ..engine.report import Report, Row
from ..model.geometry import Volume, shown_axes
from ..model.layers.base import Term, axis_symbols
from .numbers import binary_bytes, field_size


def _names(volume: Volume, suffix: object = "") -> tuple[str, ...]:
    """The notes' names of a volume's sizes: W, H, D; W2, H2, D2 with suffix 2 (T for a third axis)."""
    return (*axis_symbols(volume.axes, suffix), f"D{suffix}")


def _dims(volume: Volume, suffix: object = "") -> str:
    """`W×H×D`, or `W2×H2×D2` with suffix 2 (`W×D` in 1-D)."""
    return "×".join(_names(volume, suffix))


def _product(factors) -> str:
    """`11·11·3·96`: the factors as written in a formula, without thousands separators."""
    return "·".join(map(str, factors))


def _equation(name: str, term: Term) -> str:
    """`weights = F·F·D·K = 11·11·3·96 = 34,848`; `biases = K = 96` when the term has no factors."""
    factors = f" = {_product(term.factors)}" if term.factors else ""
    return f"{name} = {term.symbols}{factors} = {term.value:,}"


def _unshared(term: Term) -> str:
    plus = " + 1" if term.extra["bias"] else ""
    return (f"without parameter sharing (a local layer): {term.symbols}·({term.extra['kernel']}{plus}) = "
            f"{_product(term.factors)}·({_product(term.extra['taps'])}{plus}) = {term.value:,} params, "
            f"instead of {term.extra['shared']:,}")


def _same_padding(term: Term) -> str:
    axis = term.factors
    return (f"{term.symbols} = ⌈{axis.size}/{axis.stride}⌉ = {term.value} "
            f"(same padding: {axis.pad_lo} before, {axis.pad_hi} after)")


# kind -> its line
LINES: dict[str, Callable[[Term], str]] = {
    "size": lambda t: f"{t.symbols} = {t.factors.formula()}",
    "same-padding": _same_padding,
    "transposed-size": lambda t: f"{t.symbols} = {t.factors.transposed_formula(t.extra['output_padding'])}",
    "rounded": lambda t: f"not whole: rounded to {'×'.join(map(str, t.value))}",
    "depth": lambda t: f"D2 = {t.symbols} = {t.value}",
    "weights": lambda t: _equation("weights", t),
    "local-weights": lambda t: f"{_equation('weights', t)} (a filter of its own at every position)",
    "biases": lambda t: _equation("biases", t),
    "no-bias": lambda t: "biases = 0 (bias: false)",
    "params": lambda t: f"params = {' + '.join(f'{n:,}' for n in t.factors)} = {t.value:,}",
    "macs": lambda t: _equation("MACs", t),
    "unshared": _unshared,
    "affine": lambda t: f"{_equation('params', t)} (a scale γ and a shift β per channel)",
    "buffers": lambda t: f"{_equation('buffers', t)} (the running mean and variance, not learned)",
    "no-params": lambda t: f"no parameters: a {t.extra['layer']} has nothing to learn",
    "elementwise": lambda t: f"{_dims(t.value, 2)} = {_dims(t.value)} = {t.value} (elementwise: no parameters)",
    "same-volume": lambda t: f"{_dims(t.value, 2)} = {_dims(t.value)} = {t.value}",
    "volume": lambda t: f"{_dims(t.value, 2)} = {t.value}",
    "dense": lambda t: f"{_dims(t.value, 2)} = {t.value}: every unit sees all {t.extra['inputs']:,} inputs",
}


# a merge row's type -> how its branches are joined
JOINED = {"add": "summed element by element", "concat": "stacked along the depth",
          "multiply": "multiplied element by element"}


def term_lines(terms: list[Term]) -> list[str]:
    """A line per term; a size alike in every number to the first (the width's) is said to equal
    it (`H2 = W2 = 55`) rather than worked out again."""
    lines, width = [], None
    for term in terms:
        if term.kind == "size" and width is not None and term.factors == width.factors:
            lines.append(f"{term.symbols} = {width.symbols} = {term.value}")
            continue
        if term.kind == "size" and width is None:
            width = term
        lines.append(LINES[term.kind](term))
    return lines


def explain_row(row: Row, bytes_per_element: int) -> list[str]:
    """The lines that explain one row, numbers included."""
    if row.layer is None:  # the input and the merge rows
        if row.type == "input":
            return [f"{_dims(row.output)} = {row.output} (the input)",
                    f"activations = {_product(row.output)} = {row.activations:,}"]
        how = JOINED[row.type]
        if row.type == "multiply":
            gates = dict.fromkeys(str(v) for v in row.branches if v != row.output)
            how += "".join(f", {gate} broadcast over every position" for gate in gates)
        return [f"the branches are {how}: {_dims(row.output, 2)} = {row.output}"]
    lines = term_lines(row.layer.explain(row.input, row.output))
    lines.append(f"activations = {'·'.join(_names(row.output, 2))} = {_product(row.output)} = "
                 f"{row.activations:,} "
                 f"({binary_bytes(row.activations * bytes_per_element)} at {bytes_per_element} bytes each)")
    if row.field:
        size = field_size(row)
        pixels = "pixel" if size == "1" else "pixels"
        lines.append(f"receptive field: {size} input {pixels}, jump {shown_axes([f.jump for f in row.field])}")
    return lines


def explain(report: Report, index: int | None = None) -> list[tuple[Row, list[str]]]:
    """Every row (or the row at `index`) with its explanation."""
    rows = report.rows if index is None else [report.rows[index]]
    return [(row, explain_row(row, report.bytes_per_element)) for row in rows]
