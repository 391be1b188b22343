"""How long `cnncalc sizes` takes over 1,000 sizes next to one `cnncalc check` of the same network.

    python bench/sizes.py [--runs 5]

Runs `cnncalc sizes specs/resnet50.yaml --range 32:1031` and `cnncalc check specs/resnet50.yaml`
--runs times each, interleaved and each in a fresh process with its output to a pipe, and prints
the median wall time of each and their ratio (the target is at most 3: the sizes cost about one walk).
Needs cnncalc installed in the running Python's environment (or PYTHONPATH set to its src).
"""
from __future__ import annotations

import argparse

from startup import cnncalc_command, median_times

SPEC = "specs/resnet50.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    cnncalc = cnncalc_command()
    commands = {f"cnncalc sizes {SPEC} --range 32:1031": [*cnncalc, "sizes", SPEC, "--range", "32:1031"],
                f"cnncalc check {SPEC}": [*cnncalc, "check", SPEC]}
    medians = median_times(commands, runs)
    for label, seconds in medians.items():
        print(f"{seconds * 1000:8.1f} ms  {label}")
    sizes, check = medians.values()
    print(f"ratio sizes (1,000 sizes) / check: {sizes / check:.2f} (target <= 3)")


if __name__ == "__main__":
    main()
