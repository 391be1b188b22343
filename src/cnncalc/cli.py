"""The command line: read the specs, call the library, pick a renderer, return an exit code."""
from __future__ import annotations

import os
import sys

import click

from . import __version__
from .analysis import analyze_spec
from .api import STDIN, STRING, analyze_text, decode, load, looks_like_path, read_file
from .arithmetic import Rounding
from .diagnostics import ExitCode, SpecError, format_diagnostic
from .limits import MAX_FILE_BYTES
from .render import FORMATS, render
from .report import Report
from .volumes import Volume, parse_volume


class VolumeParam(click.ParamType):
    name = "WxHxD"

    def convert(self, value, param, ctx) -> Volume:
        try:
            return parse_volume(value)
        except ValueError as exc:
            self.fail(f"{exc} (e.g. --input 224x224x3)", param, ctx)


def _read(argument: str) -> tuple[str, str]:
    """(text, source name) of one SPEC argument: a file, '-' for standard input, or a compact line."""
    if argument == "-":
        return decode(sys.stdin.buffer.read(MAX_FILE_BYTES + 1)), STDIN
    if looks_like_path(argument):
        return read_file(argument), argument
    return argument, STRING


def build_reports(specs: tuple[str, ...], input_volume: Volume | None, rounding: str | None) -> list[Report]:
    reports = []
    for argument in specs:
        try:
            text, source = _read(argument)
        except SpecError as exc:
            reports.append(Report(argument, argument if argument != "-" else STDIN, None, None, (),
                                  tuple(exc.diagnostics), unreadable=exc.exit_code == ExitCode.USAGE))
            continue
        reports.append(analyze_text(text, source=source, input=input_volume, rounding=rounding))
    return reports


def _use_color(no_color: bool) -> bool:
    return not no_color and "NO_COLOR" not in os.environ and sys.stdout.isatty()


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, invoke_without_command=True)
@click.version_option(__version__, prog_name="cnncalc")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Volumes, parameters, MACs and memory of a convolutional network, layer by layer.

    \b
    Example:
      cnncalc check "INPUT(227x227x3) -> CONV(96, 11, S=4) -> RELU -> POOL(3, S=2) -> FC(1000)"
    """
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


@cli.command()
@click.argument("specs", nargs=-1, required=True, metavar="SPEC...")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="How to print the analysis.")
@click.option("--input", "input_volume", type=VolumeParam(), help="Input volume WxHxD, over the spec's own.")
@click.option("--rounding", type=click.Choice([r.value for r in Rounding]),
              help="Rounding of non-integer sizes, over the spec's own (a layer's own rounding still wins).")
@click.option("--no-color", is_flag=True, help="Plain text even in a terminal (as does NO_COLOR).")
def check(specs: tuple[str, ...], fmt: str, input_volume: Volume | None, rounding: str | None,
          no_color: bool) -> None:
    """Check SPECs and print each layer's volume, parameters, MACs and memory.

    SPEC is a YAML file, - for standard input, or a line in the compact notation.
    Exit status: 0 all valid (warnings allowed), 1 a spec has an error, 2 usage or unreadable file.

    \b
    Examples:
      cnncalc check specs/vgg16.yaml
      cnncalc check "INPUT(32x32x3) -> [CONV(16, 3, P=1) -> RELU]*2 -> POOL(2) -> FC(10)"
      cnncalc check specs/*.yaml --format json
    """
    reports = build_reports(specs, input_volume, rounding)
    color = _use_color(no_color)
    for report in reports:
        _print_diagnostics(report.diagnostics, report.source)
    width = os.get_terminal_size().columns if color else 200
    click.echo(render(fmt, reports, color=color, width=width))
    sys.exit(max(r.exit_code for r in reports))


@cli.command()
@click.argument("spec", metavar="SPEC")
@click.option("--to", "target", type=click.Choice(["pytorch"]), default="pytorch", show_default=True,
              help="The framework to write code for.")
@click.option("--input", "input_volume", type=VolumeParam(), help="Input volume WxHxD, over the spec's own.")
@click.option("--rounding", type=click.Choice([r.value for r in Rounding]),
              help="Rounding of non-integer sizes, over the spec's own.")
def export(spec: str, target: str, input_volume: Volume | None, rounding: str | None) -> None:
    """Print SPEC as a self-contained PyTorch module (torch is needed to run it, not to write it).

    \b
    Example:
      cnncalc export specs/resnet18.yaml --to pytorch > resnet18.py && python resnet18.py
    """
    from .export_pytorch import export_pytorch

    try:
        text, source = _read(spec)
        parsed = load(text, source=source, input=input_volume)
    except SpecError as exc:
        _print_diagnostics(exc.diagnostics, spec if spec != "-" else STDIN)
        sys.exit(exc.exit_code)
    report = analyze_spec(parsed, source, Rounding(rounding) if rounding else None)
    _print_diagnostics(report.diagnostics, source)
    if not report.valid:
        sys.exit(ExitCode.INVALID_SPEC)
    try:
        code = export_pytorch(parsed, report)
    except SpecError as exc:
        _print_diagnostics(exc.diagnostics, source)
        sys.exit(exc.exit_code)
    click.echo(code)


def _print_diagnostics(diagnostics, source: str) -> None:
    for diagnostic in diagnostics:
        click.echo(format_diagnostic(diagnostic, source), err=True)


def main() -> None:
    """Console entry point: no traceback for a closed pipe or Ctrl-C."""
    try:
        cli.main(prog_name="cnncalc", standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # keep Python's exit-time flush from failing again
        sys.exit(1)
    except Exception as exc:  # a bug of cnncalc's own: say so in one line, not a traceback
        click.echo(f"cnncalc: internal error: {type(exc).__name__}: {exc} (please report it)", err=True)
        sys.exit(ExitCode.USAGE)
