"""Report -> text, one module per --format. Renderers format; they never compute."""
from __future__ import annotations

from importlib import import_module

FORMATS = ("table", "json", "markdown", "github", "csv")


def render(fmt: str, reports: list, *, color: bool = False, width: int = 100, by_type: bool = False,
           bars: bool = False) -> str:
    """Render `reports` in `fmt`, importing only that renderer (rich is needed by the table alone).
    `by_type` adds a breakdown by layer type to the table and markdown (JSON always has it);
    `bars` adds each row's share of the params and MACs to the table."""
    return import_module(f".{fmt}_format", __name__).render(reports, color=color, width=width, by_type=by_type,
                                                            bars=bars)
