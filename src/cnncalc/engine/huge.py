"""Numbers past what readers hold: cnncalc's ints are exact at any size, but a number past 2^63 − 1
is a `huge-count` warning (int64 readers cannot hold it exactly), and one too long to print
(MAX_DIGITS) a `too-large` error that ends the walk, as does a receptive field whose fraction
outgrows 64 bits."""
from __future__ import annotations

import sys

from ..diagnostics import Diagnostic, Span, warning
from ..limits import INT64_MAX, MAX_DIGITS


def printed_digits() -> int:
    """The most digits a number may have: MAX_DIGITS, or fewer if Python is set to convert fewer to text."""
    return min(MAX_DIGITS, sys.get_int_max_str_digits() or MAX_DIGITS)


def too_long(value: int) -> bool:
    digits = printed_digits()
    # 3.32 < log2(10): fewer bits than 3.32 a digit is fewer digits, and saves computing 10**digits
    return abs(value).bit_length() > 3.32 * digits and abs(value) >= 10 ** digits


def fits(fields) -> bool:
    """Whether every size, jump and start of a receptive field is an int64, or a fraction of int64s."""
    for field in fields:
        for value in field:
            if type(value) is int:  # the common case, directly
                if not -INT64_MAX <= value <= INT64_MAX:
                    return False
            elif not (-INT64_MAX <= value.numerator <= INT64_MAX and value.denominator <= INT64_MAX):
                return False
    return True


def huge_count(path: str, found: list[tuple[str, int]], span: Span | None = None, later: int = 0) -> Diagnostic:
    """`huge-count` for the numbers of a row (or the totals) past int64; `later` rows have some too."""
    return warning("huge-count", f"{path} has numbers past 2^63 − 1 ({INT64_MAX:,}), the most that int64 readers "
                   "(databases, most JSON parsers) hold exactly: " + ", ".join(f"{name} {_value(value)}"
                                                                             for name, value in found)
                   + (f"; so do {later:,} later rows" if later else ""), path, span)


def _value(value: int) -> str:
    """A number for a message: in full up to 40 digits, past that its order (the JSON has it in full)."""
    return f"{value:,}" if abs(value) < 10**40 else f"about 10^{int((abs(value).bit_length() - 1) * 0.30103)}"
