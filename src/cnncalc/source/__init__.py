"""Text -> plain data and an index of where each value stands; no parser knows a layer type."""
