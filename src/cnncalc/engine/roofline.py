"""The roofline of each layer on a device: a lower bound on its time, and what binds it.

A layer cannot run faster than its FLOPs at the device's peak rate, nor faster than its bytes at
the device's memory bandwidth (Williams, Waterman and Patterson, "Roofline: an insightful visual
performance model for multicore architectures", CACM 52(4), 2009). For each row, at `--dtype`'s
size and `--batch`:

    bytes     = (elements read + elements written) · batch · size + (params + buffers) · size
    flops     = cnncalc's own FLOP count (README, "What is counted") · batch, whatever --convention
    intensity = flops / bytes
    time      = max(flops / peak, bytes / bandwidth), bound by compute when the first is larger

Every input element is read once and every output element written once (a merge reads each of
its branches; a concat reads what it writes); weights and buffers are read once a batch. Nothing
is assumed of caches, fusion or kernels, which is why this is a bound and not a prediction.
"""
from __future__ import annotations

from typing import NamedTuple

from .devices import Device


def ratio(a: int, b: int) -> float:
    """a / b as a float, or, past a float's range (counts of hundreds of digits), a whole number."""
    try:
        return a / b
    except OverflowError:
        return a // b


class Roof(NamedTuple):
    """One row on the roofline."""

    bytes: int
    flops: int
    time_s: float  # the lower bound on the row's time
    bound: str  # "compute" or "memory"

    @property
    def intensity(self) -> float:
        return ratio(self.flops, self.bytes)

    def to_dict(self) -> dict:
        return {"bytes": self.bytes, "flops": self.flops, "intensity": self.intensity, "time_s": self.time_s,
                "bound": self.bound}


class Roofline(NamedTuple):
    device: Device
    dtype: str
    peak: int  # FLOP/s at dtype
    rows: tuple[Roof | None, ...]  # one per report row; None for the input row, which runs nothing

    @property
    def bandwidth(self) -> int:
        return self.device.bandwidth

    @property
    def ridge(self) -> float:
        """The intensity (FLOP/byte) at which a layer stops being memory-bound."""
        return self.peak / self.bandwidth

    def time_s(self, bound: str | None = None) -> float:
        """The summed bound, or the part of it that rows bound by `bound` make."""
        return sum((r.time_s for r in self.rows if r is not None and bound in (None, r.bound)), 0.0)

    @property
    def memory_share(self) -> float:
        total = self.time_s()
        return self.time_s("memory") / total if total else 0.0

    def totals(self) -> dict:
        roofs = [r for r in self.rows if r is not None]
        data, flops = sum(r.bytes for r in roofs), sum(r.flops for r in roofs)
        return {"bytes": data, "flops": flops, "intensity": ratio(flops, data) if data else 0.0,
                "time_s": self.time_s(), "memory_bound_time_s": self.time_s("memory"),
                "memory_bound_share": self.memory_share}

    def device_dict(self) -> dict:
        """The device as the JSON gives it: what the bounds were computed with."""
        return {**self.device.to_dict(), "dtype": self.dtype, "peak": self.peak, "ridge": self.ridge}


def roofline(report, device: Device) -> Roofline:
    """The roofline of each of `report`'s rows on `device`, at the report's dtype and batch."""
    memory = report.memory
    peak, bandwidth = device.peak(memory.dtype), device.bandwidth
    size, batch = memory.bytes_per_element, memory.batch
    own = report.trace.rows if report.trace is not None else report.rows  # cnncalc's counts, before --convention
    branches = _branches(report.trace.steps) if report.trace is not None else {}
    roofs = []
    for row in report.rows:
        if row.input is None:  # the input row
            roofs.append(None)
            continue
        read = row.output.elements if row.type == "concat" else branches.get(row.index, 1) * row.input.elements
        moved = (read + row.output.elements) * batch * size + (row.params + row.buffers) * size
        flops = own[row.index].flops * batch
        compute = flops * bandwidth > moved * peak  # flops/peak > bytes/bandwidth, in whole numbers
        roofs.append(Roof(moved, flops, ratio(flops, peak) if compute else ratio(moved, bandwidth),
                          "compute" if compute else "memory"))
    return Roofline(device, memory.dtype, peak, tuple(roofs))


def _branches(steps) -> dict[int, int]:
    """Row index -> how many branches a merge row (add, concat) reads."""
    found: dict[int, int] = {}
    for step in steps:
        if step.row is not None and step.row.layer is None and step.branches:
            found[step.row.index] = len(step.branches)
        for branch in step.branches:
            found.update(_branches(branch))
    return found
