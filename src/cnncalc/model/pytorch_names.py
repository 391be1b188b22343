"""PyTorch's keyword arguments that a spec writes otherwise, or not at all: an unknown key copied from
a PyTorch module is answered with the key to write (`out_channels` -> `filters`), or with why the spec
needs none (`in_channels`: the volume that reaches the layer says it)."""
from __future__ import annotations

from typing import Any

from .geometry import shown as shown_value

RENAMED = {
    "out_channels": "filters",
    "kernel_size": "kernel",
    "out_features": "units",
    "negative_slope": "slope",
    "num_groups": "groups",
    "upscale_factor": "factor",
    "downscale_factor": "factor",
    "scale_factor": "scale",
    "output_size": "output",
    "size": "output",  # nn.Upsample(size=...)
    "elementwise_affine": "affine",
    "num_parameters": "shared",
    "ceil_mode": "rounding",
}
IMPLIED = {
    "in_channels": "the depth of the volume that reaches the layer says it",
    "in_features": "the volume that reaches the layer says it (its width·height·depth)",
    "num_features": "the depth of the volume that reaches the layer says it",
    "num_channels": "the depth of the volume that reaches the layer says it",
    "normalized_shape": "the depth of the volume that reaches the layer says it",
    "inplace": "it changes no size and no count",
    "padding_mode": "it changes the values in the padding, not the sizes or the counts",
    "count_include_pad": "it changes the values, not the sizes or the counts",
    "return_indices": "it changes no size and no count",
}
_PER_AXIS = ("kernel_size", "scale_factor", "output_size", "size")  # PyTorch's tuples run height first


def answer(key: str, value: Any, accepted: list[str]) -> tuple[str, str] | None:
    """(why, what to write) for `key`, a keyword of PyTorch's that the layer (which takes `accepted`)
    does not, given `value`; None when `key` is no such keyword."""
    if key in IMPLIED:
        return f"PyTorch's {key}, which a spec needs not write: {IMPLIED[key]}", "leave it out"
    ours = RENAMED.get(key)
    if ours is None or ours not in accepted:
        return None
    why = f"PyTorch's {key} is {ours} here"
    if key == "ceil_mode":
        return why, f"rounding: {'ceil' if value is True else 'floor'}"
    if key == "num_parameters":
        return why, f"shared: {'true' if value == 1 else 'false'} (one slope, or one per channel)"
    if key in _PER_AXIS and isinstance(value, (list, tuple)) and len(value) > 1:
        flipped = "x".join(map(str, reversed(value)))
        return f"{why}, width first: PyTorch's {tuple(value)} is height first", f"{ours}: {flipped}"
    return why, f"{ours}: {shown_value(value)}"
