"""Every zoo spec, exported to PyTorch by `cnncalc export`, then to ONNX by torch.onnx.export (the dynamo
exporter), then imported: the imported spec has the zoo spec's output volume and MACs, and as many
parameters as the ONNX file has weights.

The file's weights are the elements of its floating-point initializers of rank 1 or more (its integer
shape constants and the scalars of an expression, such as Clip's bounds, are not weights). The
exporter folds a BatchNorm that follows a convolution into it (the conv gains a bias, the BN's four
vectors go), so the file has fewer weights than the spec: the imported spec counts what the file holds,
and a BatchNorm it could not fold (DenseNet's, after a concat) keeps its running statistics, which
cnncalc counts as buffers. Every parameter and statistic is given random values before the export:
with PyTorch's defaults the folded biases are all zeros, which the exporter drops, and equal tensors
(a BatchNorm's ones and zeros) are stored once.
"""
from __future__ import annotations

import math

import pytest

from cnncalc import analyze
from conftest import SPECS, build, export_onnx, run_export, torch_modules

torch = torch_modules()[0]
ZOO = sorted(SPECS.glob("*.yaml"))
# What the exporter leaves out because nothing reads it: WaveNet's last residual 1×1 conv, whose sum goes
# nowhere (the head reads the skips), 32·32 weights at each of its 16,000 samples: its MACs
DROPPED_MACS = {"wavenet": 16_000 * 32 * 32}
FLOAT_TYPES = {1, 10, 11, 16}  # float, float16, double, bfloat16


def export_spec(spec: str, path) -> None:
    model = build(run_export(spec))
    with torch.no_grad():
        for tensor in (*model.parameters(), *model.buffers()):
            if tensor.is_floating_point():
                tensor.uniform_(0.5, 1.5)  # positive: a running variance must be
    report = analyze(spec)
    export_onnx(model, torch.randn(1, report.input.depth, *reversed(report.input.spatial)), path)


def weights_in(path) -> int:
    import onnx
    model = onnx.load(str(path), load_external_data=False)
    return sum(math.prod(t.dims) for t in model.graph.initializer if t.data_type in FLOAT_TYPES and t.dims)


@pytest.mark.torch
@pytest.mark.onnx
@pytest.mark.parametrize("spec", ZOO, ids=lambda p: p.stem)
def test_zoo_spec_through_onnx_and_back(spec, tmp_path):
    from cnncalc.imports import onnx as reader

    path = tmp_path / f"{spec.stem}.onnx"
    export_spec(str(spec), path)
    imported = reader.read(path)
    assert imported.source == path.name
    result = analyze(imported.data)
    assert result.valid, [d.message for d in result.diagnostics if d.is_error]
    zoo = analyze(str(spec))
    assert tuple(result.input) == tuple(zoo.input)
    assert tuple(result.output) == tuple(zoo.output)
    assert result.totals.macs == zoo.totals.macs - DROPPED_MACS.get(spec.stem, 0)
    assert result.totals.params + result.totals.buffers == weights_in(path)
    has_batchnorm = any(row.type == "batchnorm" for row in zoo.rows)
    folded = has_batchnorm and sum(r.type == "batchnorm" for r in result.rows) < sum(r.type == "batchnorm"
                                                                                       for r in zoo.rows)
    assert (imported.title_note == "BatchNorm folded into the convolutions") == folded
