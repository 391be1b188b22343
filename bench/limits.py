"""Whether cnncalc holds its documented limits: the largest spec each limit allows, timed.

    python bench/limits.py [--formats table,json,markdown,csv,github] [--only WORD] [--timeout 60]

For each limit of src/cnncalc/limits.py (README "Limits") it writes the largest specs that limit
allows (the most rows, the largest file, the most values, the deepest nesting, the largest integers,
each in the forms that cost the most) and specs just or far past it, runs `cnncalc check` on each
in a fresh child process for every output format, and prints the wall time and the peak memory
(the child's maximum resident set). A run over 2 s or 256 MiB, a traceback, or an exit status other
than the one expected is flagged, and the script then exits 1. Output goes to a pipe, so the table
is the plain one, as in CI.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Callable, NamedTuple

from cnncalc.limits import MAX_FILE_BYTES, MAX_INTEGER, MAX_LAYERS, MAX_NAME, MAX_NESTING
from cnncalc.limits import MAX_YAML_NODES as MAX_VALUES

SECONDS, MIB = 2.0, 256
FORMATS = ("table", "json", "markdown", "csv", "github")
BIG = MAX_INTEGER


class Case(NamedTuple):
    limit: str
    name: str
    text: Callable[[], str]  # made by a child process (see main), so that this one stays small
    status: int  # the exit status expected
    options: tuple[str, ...] = ()


def compact_chain(rows: int, layer: str = "RELU", separator: str = " -> ") -> str:
    """The input and rows − 1 layers on one line."""
    return "INPUT(8x8x8)" + (separator + layer) * (rows - 1) + "\n"


def yaml_list(items: list[str] | str, count: int = 0, head: str = "input: 16x16x8\n") -> str:
    lines = items if isinstance(items, list) else [items] * count
    return head + "layers:\n" + "".join(f"  - {item}\n" for item in lines)


def distinct_convs(rows: int) -> str:
    """rows − 1 convolutions, no two alike: 9 YAML values each."""
    return yaml_list([f"conv: {{filters: {8 + i % 57}, kernel: {1 + 2 * (i % 2)}, padding: {i % 2}}}"
                      for i in range(rows - 1)])


def spelled_out_convs(values: int) -> str:
    """Convolutions with every parameter written out, 17 YAML values each, as many as `values` allow."""
    return yaml_list([f"conv: {{filters: {8 + i % 57}, kernel: {1 + 2 * (i % 2)}, stride: 1, padding: {i % 2}, "
                      f"dilation: 1, groups: 1, bias: {'true' if i % 3 else 'false'}}}"
                      for i in range(min((values - 10) // 17, MAX_LAYERS - 1))])


def residuals(rows: int) -> str:
    block = ("residual: [conv: {filters: 8, kernel: 3, padding: 1}, bn, relu, conv: {filters: 8, kernel: 3, "
             "padding: 1}, bn]\n  - relu")
    return yaml_list(block, (rows - 1) // 7)  # 7 rows a block


def fractional_fields(rows: int) -> str:
    """An upsampling first, so that every receptive field after it is a fraction."""
    return compact_chain(rows - 1, "CONV(8, 3, P=1)").replace("INPUT(8x8x8)", "INPUT(8x8x8) -> UPSAMPLE(3)")


def nested_residuals(rows: int, depth: int) -> str:
    """`depth` residual blocks one inside the other (two YAML levels each), the layers in the innermost."""
    inner = ", ".join(["relu"] * (rows - 1 - depth))
    text = f"[{inner}]"
    for _ in range(depth):
        text = f"[residual: {text}]"
    return f"input: 8x8x8\nlayers: {text[1:-1]}\n".replace("layers: residual", "layers:\n  - residual", 1)


def unknown_values(values: int) -> str:
    """A valid network and one unknown key holding a flow list of `values` − 9 numbers."""
    return "input: 8x8x8\nlayers: [relu]\nextra: [" + ",".join(["1"] * (values - 9)) + "]\n"


def aliased_values(values: int) -> str:
    """One anchored list of 1,000 numbers used again and again: `values` values once expanded."""
    uses = (values - 1_012) // 1_001
    return ("input: 8x8x8\nlayers: [relu]\nextra:\n  a: &a [" + ",".join(["1"] * 1_000) + "]\n  b: ["
            + ",".join(["*a"] * uses) + "]\n")


def deep_values(values: int, depth: int) -> str:
    """An unknown key holding lists `depth` deep, the innermost holding the rest of `values`."""
    return ("input: 8x8x8\nlayers: [relu]\nextra: " + "[" * depth + ",".join(["1"] * (values - depth - 10))
            + "]" * depth + "\n")


def nested_anchors(values: int, depth: int) -> str:
    """Lists `depth` deep, each with an anchor, the innermost holding the rest of `values`."""
    text = "[" + ",".join(["1"] * (values - depth - 20)) + "]"
    for level in range(depth):
        text = f"&a{level} [{text}]"
    return "input: 8x8x8\nlayers: [relu]\nextra: " + text + "\n"


def compact_values(values: int) -> str:
    """Convolutions with every argument named: 12 values (words and numbers) a layer."""
    layer = "CONV(K=8, F=1, S=1, P=0, dilation=1, groups=1)"
    return compact_chain(min(values // 13, MAX_LAYERS), layer)


def padded(text: str, size: int) -> str:
    """`text` and a comment that makes the file `size` bytes long."""
    return text + "#" * (size - len(text.encode()) - 1) + "\n"


def cases() -> list[Case]:
    rows = MAX_LAYERS
    huge = f"INPUT({BIG}x{BIG}x{BIG})"
    return [
        Case("rows", "compact line of relus", lambda: compact_chain(rows), 0),
        Case("rows", "yaml flow list of relus", lambda: "input: 8x8x8\nlayers: [" + ", ".join(["relu"] * (rows - 1))
             + "]\n", 0),
        Case("rows", "yaml convs, no two alike", lambda: distinct_convs(rows), 0),
        Case("rows", "yaml residual blocks", lambda: residuals(rows), 0),
        Case("rows", "one repeat of a conv", lambda: yaml_list(f"repeat: {rows - 1}\n    layers: [conv: {{filters: 8, "
                                                               "kernel: 3, padding: 1}]", 1), 0),
        Case("rows", "froms and empty branches", lambda: "input: 8x8x8\nlayers:\n  - relu: {id: a}\n  - repeat: "
             f"{(rows - 2) // 100}\n    layers: [add: [[from: a], " + ", ".join(["[]"] * 98) + "]]\n", 0),
        Case("rows", "fractional receptive fields", lambda: fractional_fields(rows), 0),
        Case("rows", "a warning on every other layer", lambda: "input: 1x1x8\nrounding: floor\nlayers:\n  - repeat: "
             f"{(rows - 1) // 2}\n    layers: [upsample: 2, conv: {{filters: 8, kernel: 1, stride: 2}}]\n", 0),
        Case("rows", "an error on every layer", lambda: yaml_list("conv: {filtres: 8, kernel: 3}", rows - 1), 1),
        Case("rows", "past: one row more (repeat)", lambda: yaml_list(f"repeat: {rows}\n    layers: [relu]"), 1),
        Case("rows", "past: one row more (compact)", lambda: compact_chain(rows + 1), 1),
        Case("rows", "past: one row more (yaml list)", lambda: yaml_list("relu", rows), 1),
        Case("rows", "past: 8 MiB of compact relus", lambda: compact_chain(MAX_FILE_BYTES // 8, "RELU", "->"), 1),
        Case("rows", "past: 8 MiB of yaml relus", lambda: "input: 8x8x8\nlayers: [" + ",".join(
            ["relu"] * (MAX_FILE_BYTES // 5 - 10)) + "]\n", 1),
        Case("rows", "past: a billion repeats, nested",
             lambda: "INPUT(8x8x8) -> " + "[" * 9 + "RELU" + "]*10" * 9 + "\n", 1),
        Case("file", "8 MiB: a network and a comment", lambda: padded(distinct_convs(100), MAX_FILE_BYTES), 0),
        Case("file", "8 MiB: an unknown key of 8 MiB",
             lambda: "input: 8x8x8\nlayers: [relu]\n" + "k" * (MAX_FILE_BYTES - 40) + ": 1\n", 1),
        Case("file", "8 MiB: a compact item of 8 MiB", lambda: "input: 8x8x8\nlayers:\n  - 'CONV(8, 1, "
             + "x" * (MAX_FILE_BYTES - 50) + "=1)'\n", 1),
        Case("file", "8 MiB: a spaced-out compact line",
             lambda: compact_chain(rows, "RELU", " " * (MAX_FILE_BYTES // rows - 8) + "-> "), 0),
        Case("file", "a key of 100 KB, 2,000 times by an alias", lambda: "input: 8x8x8\nx: &p {filters: 8, kernel: 1, "
             "? " + "k" * 100_000 + "\n  : 1}\nlayers:\n" + "  - conv: *p\n" * 2_000, 1),
        Case("file", "the longest name, on every row", lambda: "name: " + "n" * MAX_NAME + "\n" + yaml_list(
            "relu", rows - 1), 0),
        Case("file", "past: a name of 8 MiB", lambda: "name: " + "n" * (MAX_FILE_BYTES - 100) + "\n"
             + yaml_list("relu", 1), 1),
        Case("file", "past: one byte more", lambda: padded(distinct_convs(100), MAX_FILE_BYTES + 1), 1),
        Case("values", "values under an unknown key", lambda: unknown_values(MAX_VALUES), 1),
        Case("values", "values made by aliases", lambda: aliased_values(MAX_VALUES), 1),
        Case("values", "convs with every parameter written", lambda: spelled_out_convs(MAX_VALUES), 0),
        Case("values", "compact values", lambda: compact_values(MAX_VALUES), 0),
        Case("values", "an unknown key per value", lambda: yaml_list(
            "conv: {filters: 8, kernel: 1, " + ", ".join(f"k{i}: 1" for i in range(MAX_VALUES // 2 - 20)) + "}",
            1), 1),
        Case("values", "an anchor in each of 95 nested lists", lambda: nested_anchors(MAX_VALUES, 95), 1),
        Case("values", "past: one value more", lambda: unknown_values(MAX_VALUES + 1), 1),
        Case("values", "past: 8 MiB of numbers", lambda: unknown_values(MAX_FILE_BYTES // 2 - 20), 1),
        Case("values", "past: an alias bomb", lambda: "a: &a [" + ",".join(["1"] * 10) + "]\n" + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 10) + "]\n" for i in range(9)), 1),
        Case("nesting", f"{MAX_NESTING} deep: nested residuals",
             lambda: nested_residuals(rows, MAX_NESTING // 2 - 1), 0),
        Case("nesting", f"{MAX_NESTING} deep: compact repeats",
             lambda: "INPUT(8x8x8) -> " + "[" * MAX_NESTING + " -> ".join(["RELU"] * (rows - 1))
             + "]*1" * MAX_NESTING + "\n", 0),
        Case("nesting", f"values {MAX_NESTING - 1} lists deep", lambda: deep_values(MAX_VALUES, MAX_NESTING - 1), 1),
        Case("nesting", "past: 10,000 deep",
             lambda: "input: 8x8x8\nlayers: " + "[" * 10_000 + "relu" + "]" * 10_000 + "\n", 1),
        Case("integers", "largest integers on every row", lambda: f"{huge} -> [CONV({BIG}, 1)]*{rows - 1}\n", 0,
             ("--batch", str(BIG), "--training", "--optimizer", "adam")),
        Case("integers", "largest strides, an error every other row",
             lambda: f"INPUT(1x1x8) -> [UPSAMPLE({BIG}) -> CONV(8, 2, S={BIG})]*{(rows - 1) // 2}\n", 1),
        Case("integers", "largest budgets", lambda: yaml_list("fc: 10", rows - 1, head=f"input: {BIG}x{BIG}x{BIG}\n"
             "budget: {params: 9223372036854775807, macs: 9223372036854775807, memory: 9223372036854775807}\n"),
             1, ("--max-params", "9223372036854775807")),
        Case("integers", "largest counts: the depth doubled", lambda: "input: 8x8x8\nlayers:\n  - repeat: "
             f"{(rows - 1) // 3}\n    layers: [concat: [[], []]]\n", 0),  # 3 rows a doubling: about 10^1000
        Case("integers", "past: receptive fields finer than 64 bits",
             lambda: f"{huge} -> [FC({BIG}) -> UPSAMPLE({BIG})]*{(rows - 1) // 2}\n", 1),
        Case("integers", "past: a number of 5,000 digits", lambda: yaml_list("fc: " + "9" * 5_000, 1), 1),
    ]


class Run(NamedTuple):
    wall: float  # seconds
    cpu: float  # seconds of the child's own, user and system: what other load on the machine changes least
    peak: int  # bytes of resident memory at most
    status: int
    stderr: str


def run(command: list[str], timeout: float) -> Run:
    """One child process, measured."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                child.kill()
                _, status, usage = os.wait4(child.pid, 0)
                break
            time.sleep(0.005)
        took = time.perf_counter() - start
        err.seek(0)
        stderr = err.read(100_000).decode(errors="replace")
    return Run(took, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024, os.waitstatus_to_exitcode(status),
               stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--only", default="", help="only the cases whose limit or name contains this")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--write", nargs=2, metavar=("CASE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write:  # a child's peak memory counts its parent's at the fork: the specs are made apart
        with open(args.write[1], "w", encoding="utf-8") as handle:
            handle.write(cases()[int(args.write[0])].text())
        return
    formats = args.formats.split(",")
    script = shutil.which("cnncalc", path=os.path.dirname(sys.executable)) or shutil.which("cnncalc")
    cnncalc = [script] if script else [sys.executable, "-m", "cnncalc"]
    print(f"limits: {MAX_LAYERS:,} rows, {MAX_FILE_BYTES // 2**20} MiB, {MAX_VALUES:,} values, "
          f"{MAX_NESTING} deep, integers up to {MAX_INTEGER:,}; budget {SECONDS:g} s and {MIB} MiB a run")
    print(f"load average at the start: {os.getloadavg()[0]:.1f}; each cell: wall s / CPU s, peak MiB")
    print(f"{'limit':<9}{'case':<40}" + "".join(f"{f:>19}" for f in formats))
    flagged: list[str] = []
    worst: dict[str, dict[str, tuple]] = {}  # limit -> {"wall"|"cpu"|"peak": (value, where)}
    with tempfile.TemporaryDirectory() as folder:
        for index, case in enumerate(cases()):
            if args.only and args.only not in f"{case.limit} {case.name}":
                continue
            path = os.path.join(folder, "spec.yaml")
            subprocess.run([sys.executable, __file__, "--write", str(index), path], check=True)
            cells = []
            for fmt in formats:
                result = run([*cnncalc, "check", path, "--format", fmt, *case.options], args.timeout)
                where = f"{case.name} ({fmt})"
                for key in ("wall", "cpu", "peak"):
                    mine = worst.setdefault(case.limit, {}).get(key, (0, ""))
                    worst[case.limit][key] = max(mine, (getattr(result, key), where))
                problems = [text for bad, text in (
                    (result.wall > SECONDS, f"{result.wall:.2f} s"),
                    (result.peak > MIB * 2**20, f"{result.peak / 2**20:.0f} MiB"),
                    (result.status != case.status, f"exit {result.status}, not {case.status}"),
                    ("Traceback" in result.stderr or "internal error" in result.stderr,
                     result.stderr.strip().splitlines()[-1:]))
                    if bad]
                if problems:
                    flagged.append(f"{case.limit}: {where}: {', '.join(map(str, problems))}")
                cells.append(f"{result.wall:4.2f}/{result.cpu:4.2f} s {result.peak / 2**20:3.0f}"
                             + ("!" if problems else " "))
            print(f"{case.limit:<9}{case.name:<40}" + "".join(f"{c:>19}" for c in cells), flush=True)
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    for limit, found in worst.items():
        (wall, slowest), (cpu, busiest), (peak, largest) = found["wall"], found["cpu"], found["peak"]
        print(f"{limit:<9}slowest {wall:4.2f} s: {slowest}; most CPU {cpu:4.2f} s: {busiest}; "
              f"largest {peak / 2**20:.0f} MiB: {largest}")
    if flagged:
        print(f"{len(flagged)} run(s) flagged:", *flagged, sep="\n  ")
        sys.exit(1)
    print(f"every run within {SECONDS:g} s and {MIB} MiB, with the exit status expected")


if __name__ == "__main__":
    main()
