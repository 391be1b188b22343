"""Report -> text, one module per --format. Renderers format; they never compute."""
from __future__ import annotations

from importlib import import_module

FORMATS = ("table", "json", "markdown", "github", "csv", "html")


def render(fmt: str, reports: list, *, color: bool = False, width: int | None = None, by_type: bool = False,
           bars: bool = False, depth: int | None = None, columns: tuple[str, ...] | None = None,
           verbose: bool = False) -> str:
    """Render `reports` in `fmt`, importing only that renderer (rich is needed by the table alone).
    `width`: the table's lines fit it (None: no limit); `by_type` adds a breakdown by layer type to the
    table and markdown (JSON always has it); `bars` adds each row's share of the params and MACs to the
    table; `depth` folds the blocks at that level of the tree into a line each (JSON keeps every row);
    `columns` (JSON's names) picks the table's columns; `verbose` shows notes where diagnostics are shown."""
    return import_module(f".{fmt}_format", __name__).render(reports, color=color, width=width, by_type=by_type,
                                                            bars=bars, depth=depth, columns=columns, verbose=verbose)
