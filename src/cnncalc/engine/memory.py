"""Memory in bytes, for inference or training, from a report's element counts.

As the cs231n notes count it, training keeps every layer's output for the backward pass and a
gradient of the same size beside it ("~*2 for bwd"); the parameters get a gradient each, and the
optimizer keeps copies of them: none for plain SGD, one for SGD with momentum, two for Adam.
"""
from __future__ import annotations

from typing import NamedTuple

# tfloat32 is stored as float32 is; only the roofline tells them apart (the TF32 tensor cores' peak)
DTYPE_BYTES = {"float32": 4, "tfloat32": 4, "float16": 2, "bfloat16": 2, "int8": 1}
OPTIMIZER_STATES = {"sgd": 0, "momentum": 1, "adam": 2}  # copies of the parameters each keeps


class MemorySettings(NamedTuple):
    batch: int = 1
    dtype: str = "float32"
    optimizer: str = "sgd"
    training: bool = False

    @property
    def bytes_per_element(self) -> int:
        return DTYPE_BYTES[self.dtype]

    def of(self, activations: int, params: int, buffers: int = 0) -> dict[str, int]:
        """Bytes of a layer (or a whole network) with these element counts."""
        size = self.bytes_per_element
        copies = 2 if self.training else 1
        return {
            "activations": activations * self.batch * size * copies,
            "params": params * size,
            "buffers": buffers * size,
            "gradients": params * size if self.training else 0,
            "optimizer": params * size * OPTIMIZER_STATES[self.optimizer] if self.training else 0,
        }

    @property
    def factor(self) -> int:
        """The most a row's count is multiplied by in its JSON: twice the FLOPs backwards, and bytes."""
        copies = 2 if self.training else 1
        return max(2, self.batch * self.bytes_per_element * copies,
                   self.bytes_per_element * max(1, OPTIMIZER_STATES[self.optimizer]))

    def peak(self, rows, totals) -> int:
        """What one accelerator must hold at once.

        Training: every activation and its gradient, the parameters, their gradients and the
        optimizer's state. Inference: the parameters and buffers, and the largest input and output
        of one layer (tensors held aside for a later skip or merge are not counted).
        """
        if self.training:
            return sum(self.of(totals.activations, totals.params, totals.buffers).values())
        widest = max((r.activations + (r.input.elements if r.input else 0) for r in rows), default=0)
        return sum(self.of(widest, totals.params, totals.buffers).values())

    def to_dict(self) -> dict:
        return {"batch": self.batch, "dtype": self.dtype, "bytes_per_element": self.bytes_per_element,
                "optimizer": self.optimizer, "training": self.training}
