"""cnncalc: volumes, parameters, MACs and memory of convolutional networks, layer by layer.

    >>> import cnncalc
    >>> cnncalc.analyze("INPUT(227x227x3) -> CONV(96, 11, S=4)").output
    Volume(width=55, height=55, depth=96)
"""
from .api import analyze, analyze_text, load
from .arithmetic import Rounding
from .diagnostics import Diagnostic, ExitCode, Severity, SpecError
from .memory import MemorySettings
from .report import Report, Row, Totals
from .volumes import Volume

__version__ = "0.1.0"
__all__ = ["analyze", "analyze_text", "load", "Report", "Row", "Totals", "Diagnostic", "Severity", "ExitCode",
           "SpecError", "Rounding", "Volume", "MemorySettings", "__version__"]
