"""Receptive fields along one axis, after Araujo, Norris and Sim, "Computing Receptive Fields of
Convolutional Neural Networks", Distill 2019 (https://distill.pub/2019/computing-receptive-fields/).

A unit's field is carried as its size r (in input pixels), the jump j between neighbouring units'
fields (the effective stride) and the centre of the first unit's field, in input pixel indices
(0 is the first pixel's centre; padding makes it negative). Through a window of effective size
k = d(F − 1) + 1, stride s and left padding p:
    r' = r + (k − 1)·j,   j' = j·s,   centre' = centre + ((k − 1)/2 − p)·j.
"""
from __future__ import annotations

from fractions import Fraction
from typing import NamedTuple


class Field(NamedTuple):
    size: int | Fraction
    jump: int | Fraction
    start: int | Fraction  # centre of the first output unit's field

    def to_dict(self) -> dict:
        return {"size": _number(self.size), "jump": _number(self.jump), "start": _number(self.start)}


INPUT_FIELD = Field(1, 1, 0)


def _number(value: int | Fraction) -> int | float:
    return int(value) if value.denominator == 1 else float(value)


def _exact(numerator: int, denominator: int) -> int | Fraction:
    """numerator/denominator, kept an int when it is whole: Fractions are slow, and most fields are whole."""
    return numerator // denominator if numerator % denominator == 0 else Fraction(numerator, denominator)


def window(field: Field, span: int, stride: int | Fraction, pad_lo: int) -> Field:
    """Through a window `span` units wide (dilation included), moving by `stride`."""
    size, jump, start = field
    reach = span - 1
    if type(size) is int and type(jump) is int and type(start) is int:  # the common case
        return Field(size + reach * jump, jump * stride, start + _exact((reach - 2 * pad_lo) * jump, 2))
    # the same over common denominators: a third of the Fraction operations (each one normalises)
    (sn, sd), (jn, jd), (tn, td) = (v.as_integer_ratio() for v in field)
    return Field(_exact(sn * jd + reach * jn * sd, sd * jd),
                 _exact(jn * stride, jd) if type(stride) is int else jump * stride,
                 _exact(2 * tn * jd + (reach - 2 * pad_lo) * jn * td, 2 * td * jd))


def transposed(field: Field, span: int, stride: int, pad_lo: int) -> Field:
    """Through a transposed convolution: each output reads ⌈span/stride⌉ neighbouring inputs and the
    jump shrinks by the stride; output 0 sits at input position (p − (span − 1)/2)/stride."""
    reach = -(-span // stride)
    return Field(field.size + (reach - 1) * field.jump, Fraction(field.jump, stride),
                 field.start + (pad_lo - Fraction(span - 1, 2)) / stride * field.jump)


def upsample(field: Field, scale: int | Fraction) -> Field:
    """Nearest-neighbour upsampling: output o repeats input ⌊o/scale⌋, so only the jump changes (a scale
    of out/in when an output size is given)."""
    return Field(field.size, Fraction(field.jump, scale), field.start)


def shift(field: Field, cut_lo: int) -> Field:
    """A crop that cuts `cut_lo` units at the start moves the first unit, nothing else."""
    return Field(field.size, field.jump, field.start + cut_lo * field.jump)


def widest(fields: list[Field]) -> Field:
    """The field of a merge: the largest over its branches."""
    return max(fields, key=lambda f: f.size)
