"""Models made elsewhere (contract §8): each reader turns a model file into plain spec data."""
from __future__ import annotations

from typing import Any, NamedTuple


class Imported(NamedTuple):
    """A model file read as a spec: `data` in the contract's YAML form, where its values stand in the
    file (`locations`, as source/ gives them), a note for the table's title, and the file's name."""

    data: dict[str, Any]
    locations: dict
    title_note: str | None
    source: str
