"""How cnncalc scales: generated networks of 1,000 to 100,000 layers, and 1,000 specs in one call.

    python bench/scale.py [--sizes 1000,10000,100000]

Writes the specs to a temporary folder, runs `cnncalc check --format json` on each in a child
process, and prints its wall time and peak memory (the child's maximum resident set), then the
ratio of each size's figures to those of the size before it, ten times smaller: linear growth
gives a time ratio near 10. The layers are written out one by one (no `repeat`), so the YAML reader,
the validation and the analysis all see every layer.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

CONV = "  - conv: {filters: 16, kernel: 3, padding: 1}\n"


def sequential(layers: int) -> str:
    body = "".join(CONV if i % 2 == 0 else "  - relu\n" for i in range(layers))
    return f"name: sequential-{layers}\ninput: 32x32x16\nlayers:\n{body}"


def residual(layers: int) -> str:
    block = ("  - residual: [conv: {filters: 16, kernel: 3, padding: 1}, bn, relu,\n"
             "               conv: {filters: 16, kernel: 3, padding: 1}, bn]\n  - relu\n")
    return f"name: residual-{layers}\ninput: 32x32x16\nlayers:\n" + block * (layers // 7)  # 7 rows a block


def run(command: list[str]) -> tuple[float, int]:
    """Wall seconds and peak resident memory (bytes) of one child process."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    took = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        sys.exit(f"{' '.join(command[:3])} failed with {status}")
    return took, usage.ru_maxrss * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    sizes = [int(s) for s in parser.parse_args().sizes.split(",")]
    script = shutil.which("cnncalc", path=os.path.dirname(sys.executable)) or shutil.which("cnncalc")
    cnncalc = [script] if script else [sys.executable, "-m", "cnncalc"]
    results: dict[tuple[str, int], tuple[float, int]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for kind, make in (("sequential", sequential), ("residual", residual)):
            for size in sizes:
                path = os.path.join(folder, f"{kind}-{size}.yaml")
                with open(path, "w") as handle:
                    handle.write(make(size))
                results[kind, size] = run([*cnncalc, "check", "--format", "json", path])
                took, peak = results[kind, size]
                print(f"{kind:>10} {size:>7,} layers: {took:6.2f} s, peak {peak / 2**20:6.1f} MiB")
        many = os.path.join(folder, "many")
        os.mkdir(many)
        for i in range(1000):
            with open(os.path.join(many, f"net{i:04d}.yaml"), "w") as handle:
                handle.write(f"input: {32 + i % 8}x32x3\nlayers: [conv: {{filters: 8, kernel: 3}}, relu, fc: 10]\n")
        took, peak = run([*cnncalc, "check", "--format", "json",
                          *sorted(os.path.join(many, f) for f in os.listdir(many))])
        print(f"{'1,000 specs':>10} in one call:   {took:6.2f} s, peak {peak / 2**20:6.1f} MiB")
    for kind in ("sequential", "residual"):
        for small, large in zip(sizes, sizes[1:]):
            (t1, m1), (t2, m2) = results[kind, small], results[kind, large]
            print(f"{kind:>10} {large:,} / {small:,}: time x{t2 / t1:.1f}, memory x{m2 / m1:.1f}")


if __name__ == "__main__":
    main()
