"""Every layer type is known to every place that maps types onto something else."""
from __future__ import annotations

import pytest

from cnncalc.engine.conventions import CONVENTIONS
from cnncalc.layers import LAYER_TYPES, Input, Layer, Local
from cnncalc.model.layers import missing_declarations
from cnncalc.model.layers.base import CONVENTION_NAMES
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


def test_every_type_declares_what_the_registry_requires():
    assert all(missing_declarations(cls) == [] for cls in LAYER_TYPES)

    class Bare(Layer):  # declares nothing: every missing declaration is named
        TYPE = "bare"

    assert missing_declarations(Bare) == [*(f"CONVENTIONS['{name}']" for name in CONVENTION_NAMES),
                                          "DIAGRAM", "torch"]


@pytest.mark.parametrize("axes, module", [("16x4", "nn.Conv1d(4, 8, 3)"), ("16x16x4", "nn.Conv2d(4, 8, 3)"),
                                          ("16x16x8x4", "nn.Conv3d(4, 8, 3)")])
def test_silu_and_conv_export_in_every_dimension(axes, module, run_cli):
    exported = run_cli("export", f"INPUT({axes}) -> CONV(8, 3) -> SILU -> POOL(2) -> BATCHNORM")
    assert exported.exit_code == 0
    n = axes.count("x")
    for call in (module, "nn.SiLU()", f"nn.MaxPool{n}d(2)", f"nn.BatchNorm{n}d(8)"):
        assert call in exported.stdout
