"""Text and markdown for `sizes`, `diff` and `devices` (their JSON is their own `to_dict`)."""
from __future__ import annotations

from .numbers import aligned, field_size, gbps, grouped, tflops


def _sizes_line(sizes: list[int]) -> str:
    """Runs of consecutive sizes shortened: 32, 40, 48–50."""
    runs, start = [], None
    for i, size in enumerate(sizes):
        if start is None:
            start = size
        if i + 1 == len(sizes) or sizes[i + 1] != size + 1:
            runs.append(str(start) if start == size else f"{start}–{size}")
            start = None
    return ", ".join(runs)


_VARIED = {"width": "widths W", "height": "heights H", "frames": "frames T"}


def sizes_text(found) -> str:
    spec = found.spec
    sizes = spec.input.to_dict()
    if found.axis == "both":
        varied = ("lengths W" if spec.input.axes == 1 else
                  ("square" if spec.input.axes == 2 else "cubic") + " inputs " + "×".join("W" * spec.input.axes))
    else:
        others = ", ".join(f"{name} {size}" for name, size in sizes.items() if name not in (found.axis, "depth"))
        varied = _VARIED[found.axis] + (f" with {others}" if others else "")
    lines = [f"{spec.name} ({found.source}): {varied}, depth {spec.input.depth}, from {found.low} to {found.high}"]
    if found.fits:
        lines.append(f"every layer fits for {len(found.fits)} sizes: {_sizes_line([f.size for f in found.fits])}")
        lines += [f"  {f.size} -> {f.output}" for f in found.fits]
    else:
        lines.append(f"no size from {found.low} to {found.high} fits every layer")
    own = "×".join(map(str, spec.input.spatial))
    lines.append(f"the spec's own {own} gives {found.own.output}" if found.own else
                 f"the spec's own {own} does not fit (cnncalc check says where)")
    lines.append("nearest that fit: " + ", ".join(
        f"{label} {f.size} (-> {f.output})" if f else f"none {label} within reach"
        for label, f in (("below", found.below), ("above", found.above))))
    return "\n".join(lines)


def _signed(n: int) -> str:
    return f"{n:+,}" if n else "0"


def _side(row) -> str:
    return "—" if row is None else f"{row.label} {row.output} RF {field_size(row)}"


def _diff_rows(result) -> list[tuple[str, ...]]:
    return [(r.path, _side(r.a), _side(r.b), _signed(r.delta("params")), _signed(r.delta("macs")))
            for r in result.rows if r.changed]


def _totals(result) -> list[tuple[str, ...]]:
    return [(key, grouped(getattr(result.a.totals, key)), grouped(getattr(result.b.totals, key)),
             _signed(result.total_delta(key))) for key in ("params", "macs", "flops", "activations")]


def _place(place, source: str) -> str:
    """`conv2 layers[3] CONV3-64 (spec.yaml:12:5)`: a weighted layer, where it stands."""
    if place is None:
        return "—"
    row, where = place.row, source + (f":{place.span.line}:{place.span.column}" if place.span else "")
    return " ".join(part for part in (row.name, row.path, row.label, f"({where})") if part)


def _mismatch_lines(result) -> list[str]:
    """Each weighted layer that differs or has no counterpart, with both places; a line that says so when none."""
    if not result.mismatches:
        output = "" if result.a.output == result.b.output else f", but the outputs differ: {result.a.output} vs " \
            f"{result.b.output}"
        return [f"the weighted layers match{output}"]
    lines = [f"{len(result.mismatches)} weighted layer{'s' * (len(result.mismatches) != 1)} differ:"]
    for m in result.mismatches:
        if m.a is None or m.b is None:
            side, place, source = ("B", m.b, result.b.source) if m.a is None else ("A", m.a, result.a.source)
            lines.append(f"  only in {side}: {_place(place, source)}")
            continue
        lines.append(f"  A {_place(m.a, result.a.source)}")
        lines.append(f"  B {_place(m.b, result.b.source)}")
        lines += [f"      {what}: {a} vs {b}" for what, a, b in m.differences]
    return lines


def diff_text(result) -> str:
    lines = [f"A: {result.a.name} ({result.a.source})    B: {result.b.name} ({result.b.source})", ""]
    lines += [aligned(("total", "A", "B", "B − A"), _totals(result), left={"total"}), ""]
    rows = _diff_rows(result)
    if not rows:
        return "\n".join(lines + ["the layers are the same"])
    lines += [aligned(("path", "A", "B", "Δ params", "Δ MACs"), rows, left={"path", "A", "B"}), ""]
    return "\n".join(lines + _mismatch_lines(result))


def diff_markdown(result) -> str:
    lines = [f"### {result.a.name} → {result.b.name}", "", "| total | A | B | B − A |", "|---|---:|---:|---:|"]
    lines += [f"| {' | '.join(row)} |" for row in _totals(result)]
    rows = _diff_rows(result)
    if rows:
        lines += ["", "| path | A | B | Δ params | Δ MACs |", "|---|---|---|---:|---:|"]
        lines += [f"| `{row[0]}` | {' | '.join(row[1:])} |" for row in rows]
    return "\n".join(lines + ["", *_mismatch_lines(result)])


_DTYPE_COLUMNS = ("float32", "tfloat32", "float16", "bfloat16", "int8")


def devices_text(devices) -> str:
    """The devices --device knows: dense peak rates (TFLOP/s; int8 TOPS), bandwidth, and sources."""
    header = ("Device", "Name", "Memory", *_DTYPE_COLUMNS, "Tensor cores")
    rows = [(d.name, d.label, gbps(d.bandwidth),
             *(tflops(d.peak(dtype)).removesuffix(" TFLOP/s") if d.peak(dtype) else "—" for dtype in _DTYPE_COLUMNS),
             "yes" if d.tensor_cores else "no") for d in devices]
    sources = [f"{d.name}: {d.source}" for d in devices]
    return "\n".join([aligned(header, rows, left={"Device", "Name"}),
                      "peak rates are dense, in TFLOP/s (int8: TOPS); the roofline runs at --dtype's", "",
                      "sources:", *sources])
