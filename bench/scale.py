"""How cnncalc scales: generated networks of a tenth of the row limit and of the row limit itself, and
1,000 specs in one call.

    python bench/scale.py [--sizes 1000,10000] [--runs 3]

Writes the specs to a temporary folder, runs `cnncalc check --format json` on each in a child
process (the best of --runs), and prints its wall time, its CPU time (its own, user and system:
what other work on the machine changes least) and its peak memory (the child's maximum resident
set), then each size's cost per row net of start-up (a one-layer spec's CPU time and memory), and
the ratio of each size's figures to those of the size before it: linear growth gives a ratio of
the net CPU times near the ratio of the sizes. The layers are written out one by one (no
`repeat`), so the YAML reader, the validation and the analysis all see every layer.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

from cnncalc.limits import MAX_LAYERS

CONV = "  - conv: {filters: 16, kernel: 3, padding: 1}\n"


def sequential(rows: int) -> str:
    body = "".join(CONV if i % 2 == 0 else "  - relu\n" for i in range(rows - 1))  # and the input row
    return f"name: sequential-{rows}\ninput: 32x32x16\nlayers:\n{body}"


def residual(rows: int) -> str:
    block = ("  - residual: [conv: {filters: 16, kernel: 3, padding: 1}, bn, relu,\n"
             "               conv: {filters: 16, kernel: 3, padding: 1}, bn]\n  - relu\n")
    return f"name: residual-{rows}\ninput: 32x32x16\nlayers:\n" + block * ((rows - 1) // 7)  # 7 rows a block


def run(command: list[str], runs: int = 1) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and peak resident memory (bytes) of a child process, the best of `runs`."""
    best = (float("inf"), float("inf"), 0)
    for _ in range(runs):
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        took = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) not in (0, 1):
            sys.exit(f"{' '.join(command[:3])} failed with {status}")
        best = min(best[0], took), min(best[1], usage.ru_utime + usage.ru_stime), max(best[2], usage.ru_maxrss * 1024)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=f"{MAX_LAYERS // 10},{MAX_LAYERS}", help="rows, the input's included")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    script = shutil.which("cnncalc", path=os.path.dirname(sys.executable)) or shutil.which("cnncalc")
    cnncalc = [script] if script else [sys.executable, "-m", "cnncalc"]
    results: dict[tuple[str, int], tuple[float, float, int]] = {}
    with tempfile.TemporaryDirectory() as folder:
        def check(name: str, text: str) -> tuple[float, float, int]:
            path = os.path.join(folder, name)
            with open(path, "w") as handle:
                handle.write(text)
            return run([*cnncalc, "check", "--format", "json", path], args.runs)

        base_wall, base_cpu, base_memory = check("one.yaml", sequential(2))
        print(f"{'start-up':>10} {'one layer':>13}: {base_wall:5.2f} s ({base_cpu:5.2f} s CPU), peak "
              f"{base_memory / 2**20:6.1f} MiB")
        for kind, make in (("sequential", sequential), ("residual", residual)):
            for size in sizes:
                took, cpu, peak = results[kind, size] = check(f"{kind}-{size}.yaml", make(size))
                per_row = (cpu - base_cpu) / size * 1e6, (peak - base_memory) / size / 1024
                print(f"{kind:>10} {size:>7,} rows: {took:5.2f} s ({cpu:5.2f} s CPU), peak {peak / 2**20:6.1f} MiB; "
                      f"a row {per_row[0]:3.0f} µs CPU, {per_row[1]:3.1f} KiB")
        many = os.path.join(folder, "many")
        os.mkdir(many)
        for i in range(1000):
            with open(os.path.join(many, f"net{i:04d}.yaml"), "w") as handle:
                handle.write(f"input: {32 + i % 8}x32x3\nlayers: [conv: {{filters: 8, kernel: 3}}, relu, fc: 10]\n")
        took, cpu, peak = run([*cnncalc, "check", "--format", "json",
                               *sorted(os.path.join(many, f) for f in os.listdir(many))], args.runs)
        print(f"{'1,000 specs':>10} in one call:  {took:5.2f} s ({cpu:5.2f} s CPU), peak {peak / 2**20:6.1f} MiB")
    for kind in ("sequential", "residual"):
        for small, large in zip(sizes, sizes[1:]):
            (_, c1, m1), (_, c2, m2) = results[kind, small], results[kind, large]
            print(f"{kind:>10} {large:,} / {small:,}: CPU time x{c2 / c1:.1f} (net of start-up x"
                  f"{(c2 - base_cpu) / (c1 - base_cpu):.1f}), memory x{m2 / m1:.1f} (net x"
                  f"{(m2 - base_memory) / (m1 - base_memory):.1f})")


if __name__ == "__main__":
    main()
