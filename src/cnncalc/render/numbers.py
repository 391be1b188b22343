"""Number formatting shared by the renderers."""
from __future__ import annotations

import functools
import unicodedata
from fractions import Fraction

_BINARY = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")
_SI = ("", "K", "M", "G", "T", "P", "E")


def field_size(row) -> str:
    """A row's receptive field, `7` when the same along every axis, else `7x3` (width first)."""
    if row.field is None:
        return ""
    sizes = [str(f.size.numerator) if f.size.denominator == 1 else f"{float(f.size):.1f}" for f in row.field]
    return sizes[0] if len(set(sizes)) == 1 else "x".join(sizes)


def text_width(text: str) -> int:
    """The columns a terminal gives `text`: two for each wide (East Asian) character, none for a combining one."""
    if text.isascii():
        return len(text)
    return _wide_text_width(text)


@functools.lru_cache(maxsize=4096)  # a table repeats its volumes (`56×56×256`) and tree guides row after row
def _wide_text_width(text: str) -> int:
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap(text: str, width: int | None, indent: str = "  ") -> list[str]:
    """`text`'s lines, each broken at spaces to fit `width` (None: as they are), the lines it breaks
    into indented by `indent` more than the line; a word is never cut, so a number stays whole (a word
    longer than the width stands on a line of its own)."""
    if width is None:
        return text.split("\n")
    import textwrap

    pieces = []
    for line in text.split("\n"):
        lead = line[:len(line) - len(line.lstrip(" "))]
        pieces += textwrap.wrap(line.strip(" "), width, initial_indent=lead, subsequent_indent=lead + indent,
                                break_long_words=False, break_on_hyphens=False) or [""]
    return pieces


def grouped(n: int) -> str:
    return f"{n:,}"


def scientific(n: int) -> str:
    """10**40 -> '1.00e+40', at any size: float() ends at 1.8e308 and str() at 4,300 digits."""
    exponent = max(0, int((n.bit_length() - 1) * 0.30102999566398120))  # log10(2): a guess, at most one short
    if 10 ** (exponent + 1) <= n:
        exponent += 1
    mantissa = round(Fraction(n, 10 ** exponent), 2)
    if mantissa >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"{float(mantissa):.2f}e+{exponent}"


def binary_bytes(n: int) -> str:
    """1,234,567 bytes -> '1.2 MiB'."""
    if n >= 1024 ** len(_BINARY):
        return f"{scientific(n)} B"
    value, unit = float(n), 0
    while value >= 1024 and unit < len(_BINARY) - 1:
        value /= 1024
        unit += 1
    return f"{value:.0f} B" if unit == 0 else f"{value:.1f} {_BINARY[unit]}"


def si(n: int) -> str:
    """15,470,264,320 -> '15.47G'."""
    if abs(n) >= 1000 ** len(_SI):
        return ("-" if n < 0 else "") + scientific(abs(n))
    value, unit = float(n), 0
    while abs(value) >= 1000 and unit < len(_SI) - 1:
        value /= 1000
        unit += 1
    return f"{n}" if unit == 0 else f"{value:.2f}{_SI[unit]}"


_TIME_UNITS = ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns"))


def seconds(value: float) -> str:
    """0.000123 -> '123 µs': three significant digits."""
    for scale, unit in _TIME_UNITS:
        if value >= scale or unit == "ns":
            return f"{value / scale:.3g} {unit}"


def intensity(value: float) -> str:
    """FLOP per byte, to three significant digits at least: 0.25, 12.5, 1,330."""
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def tflops(value: int) -> str:
    """312,000,000,000,000 FLOP/s -> '312 TFLOP/s', as datasheets write it."""
    return f"{value / 10**12:,g} TFLOP/s"


def gbps(value: int) -> str:
    """2,039,000,000,000 bytes a second -> '2,039 GB/s'."""
    return f"{value / 10**9:,g} GB/s"


def roofline_summary(report) -> str:
    """The device, its roof at the dtype, and the network's bound: a lower bound, said so."""
    roofline, settings = report.roofline, report.memory
    device = roofline.device
    return (f"roofline on {device.name} ({device.label}) at {settings.dtype}: peak {tflops(roofline.peak)}, "
            f"memory {gbps(device.bandwidth)}, ridge {intensity(roofline.ridge)} FLOP/B; at least "
            f"{seconds(roofline.time_s())} a batch of {settings.batch}, {roofline.memory_share:.0%} of it "
            "memory-bound (a lower bound on time, not a prediction)")


_EIGHTHS = " ▏▎▍▌▋▊▉"


def bar(part: int, whole: int, width: int = 12) -> str:
    """A horizontal bar of `width` characters, filled in eighths by part/whole."""
    eighths = round(8 * width * part / whole) if whole else 0
    full, rest = divmod(eighths, 8)
    return ("█" * full + (_EIGHTHS[rest] if rest else "")).ljust(width)


def aligned(header: tuple[str, ...], rows: list[tuple[str, ...]], footer: tuple[str, ...] | None = None,
             left: set[str] = frozenset()) -> str:
    """Plain columns, numbers to the right and the columns headed in `left` to the left, with a rule
    under the header (and above a footer)."""
    every = [header, *rows, *([footer] if footer else [])]
    measured = [[text_width(c) for c in cells] for cells in every]  # each cell measured once
    widths = [max(sizes[i] for sizes in measured) for i in range(len(header))]
    at_left = [h in left for h in header]

    def line(cells, sizes) -> str:
        padded = (c + " " * (w - n) if leftward else " " * (w - n) + c
                  for c, n, w, leftward in zip(cells, sizes, widths, at_left))
        return "  ".join(padded).rstrip()

    lines = [line(cells, sizes) for cells, sizes in zip(every, measured)]
    rule = "  ".join("-" * w for w in widths)
    return "\n".join([lines[0], rule, *lines[1:len(rows) + 1], *([rule, lines[-1]] if footer else [])])


BY_TYPE_HEADER = ("Type", "Layers", "Params", "MACs", "FLOPs", "MACs %")


def by_type_cells(report) -> list[tuple[str, ...]]:
    """A row per layer type: how many layers, their params, MACs, FLOPs and share of the MACs."""
    total = report.totals.macs or 1
    return [(kind, str(count), grouped(t.params), grouped(t.macs), grouped(t.flops), f"{100 * t.macs / total:.1f}")
            for kind, (count, t) in report.by_type.items()]


def memory_summary(report) -> str:
    """The memory a network needs, in the settings it was analysed with, in MiB/GiB."""
    settings, t = report.memory, report.totals
    parts = report.memory.of(t.activations, t.params, t.buffers)
    mode = f"training with {settings.optimizer}" if settings.training else "inference"
    text = (f"memory (batch {settings.batch}, {settings.dtype}, {mode}): activations "
            f"{binary_bytes(parts['activations'])}" + (" (their gradients included)" if settings.training else "")
            + f", params {binary_bytes(parts['params'])}")
    if parts["buffers"]:
        text += f", buffers {binary_bytes(parts['buffers'])}"
    if settings.training:
        text += f", gradients {binary_bytes(parts['gradients'])}, optimizer state {binary_bytes(parts['optimizer'])}"
        text += (f"; compute per batch: forward {si(t.flops * settings.batch)} FLOPs, backward "
                 f"{si(t.backward_flops * settings.batch)} FLOPs")
    return text + f"; peak {binary_bytes(settings.peak(report.rows, t))}"
