"""A network -> its Report: the trace's rows, counted as `--convention` says, judged by budgets."""
from __future__ import annotations

from dataclasses import replace

from ..model.network import Network
from . import budget, conventions
from .report import Report
from .trace import trace


def analyze_network(network: Network, source: str, settings) -> Report:
    """Propagate `network`'s input through every layer, as `settings` (api.Settings) say: its
    rounding overrides the spec's, its limits are checked beside the spec's own budget, and `flops`
    are counted as the tool named by its convention counts them."""
    memory, convention, limits = settings.memory, settings.convention, settings.limits
    walked = trace(network, settings.rounding)
    report = Report(network.name, source, network.input, walked.output, conventions.apply(walked.rows, convention),
                    walked.diagnostics, memory, convention=convention, trace=walked)
    if report.valid and (network.budget or limits):
        over = budget.check(report, [*network.budget, *limits])
        report = replace(report, diagnostics=report.diagnostics + tuple(over))
    return report
