"""How fast, and in how much memory, `cnncalc check` reads an ONNX model, next to onnx-tool's profile.

    python bench/import.py [--runs 5] [--model resnet50.onnx] [--onnx-tool /tmp/onnxtool]

The model is ResNet-50 as an ONNX file with its weights inside (about 100 MB): specs/resnet50.yaml
exported by `cnncalc export`, then by torch.onnx.export (the dynamo exporter; it needs torch and
onnxscript), unless --model names a file. Each tool runs --runs times in fresh processes, the two
alternated so that both see the same machine, and the script prints the median wall time and the
median peak memory (the child's maximum resident set) of each, and the file's size: cnncalc's
target is to be as fast as onnx-tool and to stay under the file's size plus 100 MB (contract §8).

onnx-tool is not a dependency of cnncalc: install it apart, where only this script looks for it,
    pip install --target /tmp/onnxtool onnx-tool tabulate
(it uses the onnx and numpy of the running Python). `cnncalc check` needs cnncalc with its onnx extra
in the running Python's environment. Output goes to a pipe, as in CI.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIB = 2**20

EXPORT = """
import contextlib, io, subprocess, sys, warnings
import torch
code = subprocess.run([sys.executable, "-m", "cnncalc", "export", "specs/resnet50.yaml"], capture_output=True,
                      text=True, check=True).stdout
namespace = {"__name__": "exported"}
exec(compile(code, "<exported>", "exec"), namespace)
model = [v for v in namespace.values() if isinstance(v, type) and issubclass(v, torch.nn.Module)][-1]().eval()
with torch.no_grad():
    for tensor in (*model.parameters(), *model.buffers()):
        if tensor.is_floating_point():
            tensor.uniform_(0.5, 1.5)
with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
    warnings.simplefilter("ignore")
    torch.onnx.export(model, (torch.randn(1, 3, 224, 224),), sys.argv[1], dynamo=True, external_data=False)
"""

PROFILE = """
import sys
sys.path.insert(0, sys.argv[1])
import onnx_tool
onnx_tool.model_profile(sys.argv[2])
"""


def cnncalc_command() -> list[str]:
    script = shutil.which("cnncalc", path=os.path.dirname(sys.executable)) or shutil.which("cnncalc")
    return [script] if script else [sys.executable, "-m", "cnncalc"]


def measure(command: list[str]) -> tuple[float, int]:
    """(wall seconds, peak resident bytes) of one child process; it must exit 0."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        took = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            sys.exit(f"{' '.join(command)} failed:\n{err.read(20_000).decode(errors='replace')}")
    return took, usage.ru_maxrss * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--model", help="an ONNX file with its weights inside (default: ResNet-50, exported)")
    parser.add_argument("--onnx-tool", default="/tmp/onnxtool", help="where onnx-tool is installed (--target)")
    args = parser.parse_args()
    if not os.path.isdir(os.path.join(args.onnx_tool, "onnx_tool")):
        sys.exit(f"onnx-tool is not in {args.onnx_tool}: pip install --target {args.onnx_tool} onnx-tool tabulate")
    with tempfile.TemporaryDirectory() as folder:
        model = args.model
        if model is None:  # made by a child: a parent's peak memory would count in its children's
            model = os.path.join(folder, "resnet50.onnx")
            subprocess.run([sys.executable, "-c", EXPORT, model], cwd=ROOT, check=True)
        commands = {"cnncalc check": [*cnncalc_command(), "check", model],
                    "onnx-tool profile": [sys.executable, "-c", PROFILE, args.onnx_tool, model]}
        results: dict[str, list[tuple[float, int]]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, command in commands.items():
                results[name].append(measure(command))
        size = os.path.getsize(model)
    print(f"{os.path.basename(model)}: {size / MIB:.1f} MiB; median of {args.runs} runs each, alternated")
    for name, runs in results.items():
        took = statistics.median(t for t, _ in runs)
        peak = statistics.median(m for _, m in runs)
        print(f"{name:>18}: {took:6.2f} s  {peak / MIB:7.1f} MiB peak")
    limit = size + 100 * MIB
    peak = max(m for _, m in results["cnncalc check"])
    print(f"cnncalc's highest peak {peak / MIB:.1f} MiB against the file's size plus 100 MB, "
          f"{limit / MIB:.1f} MiB: {'within' if peak <= limit else 'OVER'}")


if __name__ == "__main__":
    main()
