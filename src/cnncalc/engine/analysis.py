"""A network -> its Report: the trace's rows, counted as `--convention` says, judged by budgets."""
from __future__ import annotations

from dataclasses import replace

from ..diagnostics import error
from ..limits import INT64_MAX
from ..model.network import Network
from . import budget, conventions
from .huge import huge_count, printed_digits, too_long
from .report import Report, numbers
from .trace import trace


def analyze_network(network: Network, source: str, settings) -> Report:
    """Propagate `network`'s input through every layer, as `settings` (api.Settings) say: its
    rounding overrides the spec's, its limits are checked beside the spec's own budget, `flops`
    are counted as the tool named by its convention counts them, and with a device each row gets
    its roofline and each misaligned layer a warning."""
    memory, convention, limits = settings.memory, settings.convention, settings.limits
    walked = trace(network, settings.rounding, memory)
    report = Report(network.name, source, network.input, walked.output, conventions.apply(walked.rows, convention),
                    walked.diagnostics, memory, convention=convention, trace=walked)
    report = _check_totals(report)
    if settings.device is not None:  # imported only then: check without --device loads none of it
        from . import alignment, roofline

        report = replace(report, roofline=roofline.roofline(report, settings.device),
                         diagnostics=report.diagnostics + tuple(alignment.check(report, settings.device)))
    if report.valid and (network.budget or limits):
        over = budget.check(report, [*network.budget, *limits])
        report = replace(report, diagnostics=report.diagnostics + tuple(over))
    return report


def _check_totals(report: Report) -> Report:
    """The report with a warning for each total past int64, or, when one is too long to print, an
    error and no rows (nothing to add up under the table)."""
    found = dict(numbers(report.totals.to_dict(report.memory, report.rows)))
    huge = {name: value for name, value in found.items() if abs(value) > INT64_MAX}
    if not huge:
        return report
    too_long_names = [name for name, value in huge.items() if too_long(value)]
    if too_long_names:
        return replace(report, rows=(), diagnostics=report.diagnostics + (error(
            "too-large", f"the total {too_long_names[0]} has more than {printed_digits():,} digits, more than "
            "cnncalc prints", path="totals", suggestions=["make the input or the layers smaller"]),))
    return replace(report, diagnostics=report.diagnostics + (huge_count("totals", list(huge.items())),))
