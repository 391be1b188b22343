"""Every layer type is known to every place that maps types onto something else."""
from __future__ import annotations

import pytest

from cnncalc.engine.conventions import CONVENTIONS
from cnncalc.layers import LAYER_TYPES, Input, Layer, Local
from cnncalc.model.layers import missing_declarations
from cnncalc.model.layers.base import CONVENTION_NAMES
from cnncalc.source.compact import render_call
from conftest import analyze, codes, valid, yaml_spec

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


# -- type names and aliases ------------------------------------------------------------------------

ALIASES = [
    # (name as written, parameters, the type it is)
    ("conv", "{filters: 4, kernel: 1}", "conv"),
    ("convolution", "{filters: 4, kernel: 1}", "conv"),
    ("CONVOLUTION", "{filters: 4, kernel: 1}", "conv"),
    ("local", "{filters: 4, kernel: 1}", "local"),
    ("locally_connected", "{filters: 4, kernel: 1}", "local"),
    ("deconv", "{filters: 4, kernel: 1}", "deconv"),
    ("conv_transpose", "{filters: 4, kernel: 1}", "deconv"),
    ("pool", "2", "pool"),
    ("pooling", "2", "pool"),
    ("maxpool", "2", "pool"),
    ("avgpool", "2", "pool"),
    ("l2pool", "2", "pool"),
    ("global_pool", "{}", "global_pool"),
    ("gap", "{}", "global_pool"),
    ("gmp", "{}", "global_pool"),
    ("adaptive_pool", "2", "adaptive_pool"),
    ("fc", "10", "fc"),
    ("dense", "10", "fc"),
    ("linear", "10", "fc"),
    ("Linear", "10", "fc"),
    ("batchnorm", "{}", "batchnorm"),
    ("bn", "{}", "batchnorm"),
    ("BN", "{}", "batchnorm"),
    ("lrn", "{}", "lrn"),
    ("dropout", "0.5", "dropout"),
    ("upsample", "2", "upsample"),
    ("crop", "2", "crop"),
    ("flatten", "{}", "flatten"),
    *[(name, "{}", name) for name in ("relu", "relu6", "leaky_relu", "elu", "gelu", "sigmoid", "tanh", "softmax",
                                       "identity")],
    ("RELU", "{}", "relu"),
    ("Leaky_ReLU", "{slope: 0.2}", "leaky_relu"),
]


@pytest.mark.parametrize("name, params, kind", ALIASES)
def test_type_names_and_aliases(name, params, kind):
    report = valid(yaml_spec("input: 4x4x4", f"- {name}: {params}"))
    assert report.rows[1].type == kind


@pytest.mark.parametrize("alias, mode_word", [("maxpool", "POOL"), ("avgpool", "AVG"), ("l2pool", "L2"),
                                              ("gap", "GAP"), ("gmp", "GMP")])
def test_pool_aliases_set_the_mode(alias, mode_word):
    report = valid(yaml_spec("input: 4x4x4", f"- {alias}: {{}}"))
    assert mode_word in report.rows[1].label


def test_avgpool_alias_really_is_average():
    # max pooling takes a dilation, average pooling has none in PyTorch: the alias decides which rule applies
    assert valid(yaml_spec("input: 9x9x1", "- maxpool: {kernel: 2, dilation: 2}")).output == (4, 4, 1)
    assert not analyze(yaml_spec("input: 9x9x1", "- avgpool: {kernel: 2, dilation: 2}")).valid


# -- parameters of one type --------------------------------------------------------------------------

def test_local_takes_no_groups():
    report = analyze(yaml_spec("input: 8x8x4", "- local: {filters: 2, kernel: 3, groups: 2}"))
    assert codes(report) == ["unknown-key"]


@pytest.mark.parametrize("layer, expected", [
    ("- crop: 4x2", (4, 2)),                                          # a centre crop to 4 wide, 2 high
    ("- crop: {size: 6}", (6, 6)),
    ("- crop: {left: 1, right: 2, top: 3, bottom: 0}", (7, 7)),       # 10 − 1 − 2, 10 − 3 − 0
    ("- crop: {left: 1}", (9, 10)),
])
def test_crop_forms(layer, expected):
    assert valid(yaml_spec("input: 10x10x3", layer)).output == (*expected, 3)


@pytest.mark.parametrize("layer", ["- crop: 12", "- crop: {left: 5, right: 5}", "- crop: {size: 4, left: 1}"])
def test_impossible_crops(layer):
    report = analyze(yaml_spec("input: 10x10x3", layer))
    assert not report.valid and len(report.diagnostics) == 1
