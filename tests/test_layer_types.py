"""Every layer type is known to every place that maps types onto something else."""
from __future__ import annotations

import pytest

from cnncalc.engine.conventions import CONVENTIONS
from cnncalc.layers import LAYER_TYPES, Input, Local
from cnncalc.source.compact import render_call

# a positional value for the types whose required parameters have no EXAMPLE
EXTRA_ARGUMENTS = {"crop": [4]}


def one_layer(cls) -> str:
    call = render_call(cls.TYPE, list(cls.EXAMPLE) or EXTRA_ARGUMENTS.get(cls.TYPE, []))
    return f"INPUT(16x16x4) -> {call}"


@pytest.mark.parametrize("cls", [c for c in LAYER_TYPES if c is not Input], ids=lambda c: c.TYPE)
def test_every_type_exports_draws_and_counts(cls, run_cli):
    spec = one_layer(cls)
    assert run_cli("check", spec).exit_code == 0
    exported = run_cli("export", spec)
    if cls is Local:  # PyTorch has no locally connected layer: refused, never wrong code
        assert exported.exit_code == 1 and "export-unsupported" in exported.stderr
    else:
        assert exported.exit_code == 0 and "class Network(nn.Module)" in exported.stdout
    drawn = run_cli("diagram", spec)
    assert drawn.exit_code == 0 and drawn.stdout.lstrip().startswith("<?xml")
    for convention in CONVENTIONS:
        assert run_cli("check", "--convention", convention, "--format", "json", spec).exit_code == 0
