"""How long `cnncalc check` takes next to the import of its own dependencies.

    python bench/startup.py [--runs 21]

Runs each command --runs times, interleaved so that both see the same machine, and prints the
median wall time of each and the ratios:
  - `cnncalc check specs/vgg16.yaml` against `python -c "import click, pydantic, yaml, rich"`
    (the target is at most 1.5), and against the imports check really makes in a pipe
    (`click, yaml, pydantic_core`: pydantic's own package is lazy, and rich draws only in a terminal);
  - `cnncalc check specs/*.yaml` (the whole zoo) against one network (the target is at most 3).
Output goes to a pipe, as in CI. Needs cnncalc installed in the running Python's environment. Bytecode
is compiled first and the children may use it, as an installed package does (PYTHONDONTWRITEBYTECODE
would otherwise make every run compile cnncalc's sources again).
"""
from __future__ import annotations

import argparse
import compileall
import glob
import os
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cnncalc_command() -> list[str]:
    script = shutil.which("cnncalc", path=os.path.dirname(sys.executable)) or shutil.which("cnncalc")
    return [script] if script else [sys.executable, "-m", "cnncalc"]


def median_times(commands: dict[str, list[str]], runs: int) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            start = time.perf_counter()
            subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False, env=env)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    runs = parser.parse_args().runs
    cnncalc = cnncalc_command()
    import cnncalc as package

    compileall.compile_dir(os.path.dirname(package.__file__), quiet=1)
    zoo = sorted(glob.glob(os.path.join(ROOT, "specs", "*.yaml")))
    medians = median_times({
        "imports": [sys.executable, "-c", "import click, pydantic, yaml, rich"],
        "used": [sys.executable, "-c", "import click, yaml, pydantic_core"],
        "vgg16": [*cnncalc, "check", "specs/vgg16.yaml"],
        "zoo": [*cnncalc, "check", *zoo],
    }, runs)
    for name, label in (("imports", 'python -c "import click, pydantic, yaml, rich"'),
                        ("used", 'python -c "import click, yaml, pydantic_core"'),
                        ("vgg16", "cnncalc check specs/vgg16.yaml"),
                        ("zoo", f"cnncalc check specs/*.yaml ({len(zoo)} specs)")):
        print(f"{medians[name] * 1000:8.1f} ms  {label}")
    print(f"ratio check vgg16 / imports: {medians['vgg16'] / medians['imports']:.2f} (target <= 1.5)")
    print(f"ratio check vgg16 / used:    {medians['vgg16'] / medians['used']:.2f}")
    print(f"ratio check zoo / vgg16:     {medians['zoo'] / medians['vgg16']:.2f} (target <= 3)")


if __name__ == "__main__":
    main()
