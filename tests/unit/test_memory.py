"""Memory in bytes (engine/memory.py): inference and training, by dtype, batch and optimizer; buffers count as
memory, not as parameters."""
from __future__ import annotations

import pytest

from conftest import SMALL, SPECS


def test_vgg16_inference_memory(check_json):
    # the cs231n notes' VGGNet rows add up to 15,237,608 activations; float32 is 4 bytes each. Inference peak
    # (src/cnncalc/memory.py): params and buffers plus the widest input + output of one layer, here
    # conv1_2: 224·224·64 in and out = 6,422,528; (6,422,528 + 138,357,544 params)·4 = 579,120,288
    _, data = check_json(str(SPECS / "vgg16.yaml"))
    memory = data["totals"]["memory"]
    assert data["totals"]["activations"] == 15_237_608
    assert memory["activations"] == 15_237_608 * 4
    assert memory["params"] == 138_357_544 * 4
    assert memory["gradients"] == memory["optimizer"] == 0
    assert memory["peak"] == 579_120_288


@pytest.mark.parametrize("optimizer, copies", [("adam", 2), ("momentum", 1), ("sgd", 0)])
def test_training_memory_by_hand(check_json, optimizer, copies):
    _, data = check_json(SMALL, "--training", "--optimizer", optimizer, "--batch", "8", "--dtype", "float16")
    assert (data["totals"]["activations"], data["totals"]["params"]) == (714, 2_682)
    memory = data["totals"]["memory"]
    activations = 714 * 2 * 8 * 2  # values and their gradients, a batch of 8, 2 bytes each: 22,848
    params = 2_682 * 2  # 5,364
    assert memory["activations"] == activations == 22_848
    assert memory["params"] == params == 5_364
    assert memory["gradients"] == params
    assert memory["optimizer"] == copies * params
    assert memory["buffers"] == 0
    assert memory["peak"] == activations + params + params + copies * params  # adam: 44,304
    assert data["memory_settings"]["bytes_per_element"] == 2


def test_batchnorm_buffers_are_memory_but_not_params(check_json):
    # bn over 8 channels: γ and β (16 params), running mean and variance (16 buffers); bfloat16: 2 bytes
    _, data = check_json("INPUT(4x4x8) -> BN", "--dtype", "bfloat16")
    totals = data["totals"]
    assert (totals["params"], totals["buffers"]) == (16, 16)
    assert totals["memory"]["buffers"] == 32 and totals["memory"]["params"] == 32
