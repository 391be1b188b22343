"""cnncalc: volumes, parameters, MACs and memory of convolutional networks, layer by layer.

    >>> import cnncalc
    >>> cnncalc.analyze("INPUT(227x227x3) -> CONV(96, 11, S=4)").output
    Volume(width=55, height=55, depth=96)

The names below are imported on first use, so that the command line starts without them.
"""
__version__ = "0.1.0"

# name -> the module that defines it; imported on first use, so that the command line can set up its
# Ctrl-C handling (cnncalc/__main__.py) before pydantic and the rest are loaded
_PUBLIC = {
    "analyze": "api", "analyze_text": "api", "load": "api", "Settings": "api",
    "Report": "engine.report", "Row": "engine.report", "Totals": "engine.report",
    "Diagnostic": "diagnostics", "Severity": "diagnostics", "ExitCode": "diagnostics", "SpecError": "diagnostics",
    "Rounding": "model.arithmetic", "Volume": "model.geometry", "MemorySettings": "engine.memory",
}
__all__ = [*_PUBLIC, "__version__"]  # and every name of cnncalc.layers: the layer and block classes


def __getattr__(name: str):
    from importlib import import_module

    if name in _PUBLIC:
        value = getattr(import_module(f".{_PUBLIC[name]}", __name__), name)
    elif not name.startswith("_") and name in (layers := import_module(".layers", __name__)).__all__:
        value = getattr(layers, name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
