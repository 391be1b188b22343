"""The command line: read the specs, call the library, pick a renderer, return an exit code."""
from __future__ import annotations

import errno
import functools
import gc
import io
import os
import sys
from dataclasses import replace

import click

from . import __version__, imports
from .api import (
    STDIN,
    STRING,
    Settings,
    analyze_model,
    analyze_network,
    analyze_text,
    decode,
    load,
    load_model,
    looks_like_path,
    read_file,
)
from .diagnostics import ExitCode, SpecError, error, format_diagnostic
from .engine.budget import Limit, parse_quantity
from .engine.conventions import CONVENTIONS
from .engine.conventions import DEFAULT as DEFAULT_CONVENTION
from .engine.memory import DTYPE_BYTES, OPTIMIZER_STATES, MemorySettings
from .engine.report import Report
from .limits import MAX_FILE_BYTES, MAX_INTEGER
from .model.arithmetic import Rounding
from .model.geometry import parse_volume
from .render import FORMATS, render
from .render.columns import parse_columns


class Parsed(click.ParamType):
    """An option's value read by one of cnncalc's own parsers, whose ValueError is the message."""

    def __init__(self, name: str, parse, example: str = "") -> None:
        self.name, self.parse, self.example = name, parse, example

    def convert(self, value, param, ctx):
        try:
            return self.parse(value)
        except ValueError as exc:
            self.fail(f"{exc}{self.example}", param, ctx)


def _read(argument: str) -> tuple[str, str]:
    """(text, source name) of one SPEC argument: a file, '-' for standard input, or a compact line."""
    if argument == "-":
        return _read_stdin(), STDIN
    if looks_like_path(argument):
        return read_file(argument), argument
    return argument, STRING


def _read_stdin() -> str:
    if sys.stdin is None:  # started with it closed (`<&-`)
        raise SpecError([error("unreadable", "standard input is closed")], ExitCode.USAGE)
    try:
        return decode(sys.stdin.buffer.read(MAX_FILE_BYTES + 1))
    except OSError as exc:  # e.g. opened for writing only (`0>file`)
        raise SpecError([error("unreadable", f"cannot read standard input: {exc.strerror or exc}")],
                        ExitCode.USAGE) from None


class DeviceParam(click.ParamType):
    """--device: a built-in device's name or a device file. A file's faults are printed as a spec's are
    (FILE:LINE:COL), and end the run with status 2; the device code is imported only when given."""

    name = "NAME|FILE.yaml"

    def convert(self, value, param, ctx):
        from .api import load_device

        try:
            return load_device(value)
        except SpecError as exc:
            if exc.diagnostics[0].code == "unknown-device":
                unknown = exc.diagnostics[0]
                self.fail("; ".join([unknown.message, *unknown.suggestions]), param, ctx)
            _print_diagnostics(exc.diagnostics, value)
            sys.exit(exc.exit_code)


def _source_name(argument: str) -> str:
    return STDIN if argument == "-" else argument if looks_like_path(argument) else STRING


def _model_format(argument: str, source_format: str | None) -> str | None:
    """The format of a SPEC argument that names a model file (by its ending, or --from), else None."""
    if argument == "-" or not looks_like_path(argument):
        return None
    return imports.format_of(argument, source_format)


_SHAPE_OPTIONS = [
    click.option("--from", "source_format", type=click.Choice(imports.NAMES),
                 help="Read SPEC files as models of this format where their ending does not say (Keras' .json)."),
    click.option("--input", "input", type=Parsed("WxHxD", parse_volume, " (e.g. --input 224x224x3)"),
                 help="Input volume WxHxD, over the spec's own."),
    click.option("--rounding", type=click.Choice([r.value for r in Rounding]),
                 help="Rounding of non-integer sizes, over the spec's (a block's or layer's own still wins)."),
]
_BATCH_OPTIONS = [
    click.option("--batch", type=click.IntRange(1, MAX_INTEGER), default=1, show_default=True,
                 help="Images per batch."),
    click.option("--dtype", type=click.Choice(list(DTYPE_BYTES)), default="float32", show_default=True,
                 help="Element type of activations and parameters (tfloat32: stored as float32, run at "
                      "the TF32 peak)."),
]
_DEVICE_OPTION = click.option("--device", type=DeviceParam(),
                              help="A roofline on this device: a name from `cnncalc devices`, or a device file.")
_COUNT_OPTIONS = [
    *_BATCH_OPTIONS,
    click.option("--optimizer", type=click.Choice(list(OPTIMIZER_STATES)), default="sgd", show_default=True,
                 help="Optimizer whose state --training counts."),
    click.option("--training", is_flag=True, help="Count training memory and backward FLOPs."),
    click.option("--max-params", type=Parsed("N", parse_quantity), help="Fail when params exceed N (e.g. 25M)."),
    click.option("--max-macs", type=Parsed("N", parse_quantity), help="Fail when MACs exceed N (e.g. 4.1G)."),
    click.option("--max-memory", type=Parsed("N", parse_quantity),
                 help="Fail when peak memory exceeds N bytes (e.g. 2GiB)."),
    click.option("--convention", type=click.Choice(list(CONVENTIONS)), default=DEFAULT_CONVENTION,
                 show_default=True, help="Count FLOPs as this tool does (README: what each counts)."),
]


def analysis_options(counts: bool = True, device: bool = False):
    """The options of the commands that analyse a spec (--input and --rounding; with `counts`, those
    of memory, budgets and FLOPs too; with `device`, --device and the --batch and --dtype it runs
    at); they arrive as one typed `settings`."""
    extra = (_COUNT_OPTIONS if counts else _BATCH_OPTIONS if device else []) + ([_DEVICE_OPTION] if device else [])

    def decorate(command):
        @functools.wraps(command)
        def wrapper(*args, input, rounding, batch=1, dtype="float32", optimizer="sgd", training=False,
                    max_params=None, max_macs=None, max_memory=None, convention=DEFAULT_CONVENTION, device=None,
                    source_format=None, **kwargs):
            limits = tuple(Limit(kind, value, None, f"--max-{kind}")
                           for kind, value in (("params", max_params), ("macs", max_macs), ("memory", max_memory))
                           if value is not None)
            try:
                settings = Settings(input, rounding, MemorySettings(batch, dtype, optimizer, training), limits,
                                    convention, device)
            except ValueError as exc:  # the device has no peak at this dtype
                raise click.BadParameter(str(exc), param_hint="'--dtype'") from None
            return command(*args, settings=settings, source_format=source_format, **kwargs)

        for option in reversed(_SHAPE_OPTIONS + extra):
            wrapper = option(wrapper)
        return wrapper

    return decorate


def build_reports(specs: tuple[str, ...], settings: Settings, source_format: str | None = None) -> list[Report]:
    reports = []
    for argument in specs:
        if fmt := _model_format(argument, source_format):
            reports.append(analyze_model(argument, fmt, settings))
            continue
        try:
            text, source = _read(argument)
        except SpecError as exc:
            reports.append(Report(argument, _source_name(argument), None, None, (), tuple(exc.diagnostics),
                                  unreadable=exc.exit_code == ExitCode.USAGE))
            continue
        reports.append(analyze_text(text, settings, source=source))
    return reports


def load_one(argument: str, settings: Settings, source_format: str | None = None):
    """(spec, report) of one SPEC (a model file imported), or exit with its diagnostics when it does not
    validate."""
    note = None
    try:
        if fmt := _model_format(argument, source_format):
            source = argument
            spec, imported = load_model(argument, fmt, input=settings.input)
            note = imported.title_note
        else:
            text, source = _read(argument)
            spec = load(text, source=source, input=settings.input)
    except SpecError as exc:
        _print_diagnostics(exc.diagnostics, _source_name(argument))
        sys.exit(exc.exit_code)
    return spec, replace(analyze_network(spec, source, settings), note=note)


def _print_diagnostics(diagnostics, source: str, verbose: bool = False) -> None:
    """Each diagnostic on standard error, in the contract's form; notes only when `verbose`."""
    for diagnostic in diagnostics:
        if verbose or not diagnostic.is_note:
            click.echo(format_diagnostic(diagnostic, source), err=True)


_CHUNK = 2**20  # characters written at a time


def _use_color(no_color: bool) -> bool:
    return not no_color and not os.environ.get("NO_COLOR") and sys.stdout.isatty()  # no-color.org: non-empty


def _format_option(formats=FORMATS):
    return click.option("--format", "fmt", type=click.Choice(formats), default=formats[0], show_default=True,
                        help="How to print the result.")


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
@_format_option()
@analysis_options(device=True)
@click.option("--by-type", is_flag=True, help="Add a breakdown of params, MACs and FLOPs by layer type.")
@click.option("--bars", is_flag=True, help="Add a bar per row showing its share of the params and the MACs.")
@click.option("--no-color", is_flag=True, help="Plain text even in a terminal (as does NO_COLOR).")
@click.option("--depth", type=click.IntRange(1), metavar="N",
              help="Fold the blocks N levels down into a line each (1: the spec's top level); JSON keeps every row.")
@click.option("--columns", type=Parsed("a,b,c", parse_columns), help="The table's columns, by their JSON names "
              "(e.g. label,output,params,macs).")
@click.option("-v", "--verbose", is_flag=True, help="Show notes too: what the spec asked for (a border its own "
              "floor rounding drops).")
@click.option("--strict", is_flag=True, help="Fail (status 1) on warnings too, not on notes (for CI).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the result here instead of to stdout.")
def check(specs: tuple[str, ...], fmt: str, settings: Settings, source_format: str | None, by_type: bool, bars: bool,
          no_color: bool, depth: int | None, columns: tuple[str, ...] | None, verbose: bool, strict: bool, output: str | None) -> None:
    """Check SPECs and print each layer's volume, parameters, MACs and memory.

    SPEC is a YAML file, - for standard input, or a line in the compact notation.
    Exit status: 0 all valid (warnings allowed), 1 a spec has an error or is over
    its budget (or, with --strict, a warning), 2 usage or an unreadable file.

    \b
    Examples:
      cnncalc check specs/vgg16.yaml
      cnncalc check "INPUT(32x32x3) -> [CONV(16, 3, P=1) -> RELU]*2 -> POOL(2) -> FC(10)"
      cnncalc check specs/*.yaml --format json --max-params 30M
      cnncalc check specs/resnet50.yaml --training --batch 32 --optimizer adam --dtype bfloat16
      cnncalc check specs/mobilenet_v2.yaml --device a100 --dtype float16 --batch 64
      cnncalc check specs/resnet50.yaml --depth 2
      cnncalc check specs/resnet50.yaml --format html -o resnet50.html
    """
    reports = build_reports(specs, settings, source_format)
    color = output is None and _use_color(no_color)
    for report in reports:
        _print_diagnostics(report.diagnostics, report.source, verbose)
    text = render(fmt, reports, color=color, width=None if output else _width(), by_type=by_type, bars=bars,
                  depth=depth, columns=columns, verbose=verbose)
    if output is not None:
        _write(text, output)
    else:
        for start in range(0, len(text), _CHUNK):  # in pieces: the stream encodes each, not a copy of it all
            click.echo(text[start:start + _CHUNK], nl=False)
        click.echo()
    sys.exit(max(r.exit_status(strict) for r in reports))


def _width() -> int | None:
    """The width the table must fit: the terminal's, elsewhere $COLUMNS when set, else none."""
    if sys.stdout.isatty():
        try:
            size = os.get_terminal_size(sys.stdout.fileno()).columns
        except OSError:
            size = 0
        if size > 0:  # a terminal that does not say its size (0 columns) is taken as elsewhere
            return size
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 0 else None


@cli.command()
@click.argument("spec", metavar="SPEC")
@click.option("--layer", "index", type=click.IntRange(0), help="Only the row with this index (0 is the input).")
@analysis_options()
def explain(spec: str, index: int | None, settings: Settings, source_format: str | None) -> None:
    """Show the worked arithmetic of every layer of SPEC, in the cs231n notes' notation.

    \b
    Example:
      cnncalc explain specs/alexnet-cs231n.yaml --layer 1
    """
    from .render.explain import explain as explain_rows

    _, report = load_one(spec, settings, source_format)
    _print_diagnostics(report.diagnostics, report.source)
    if index is not None and index >= len(report.rows):
        raise click.BadParameter(f"the table has rows 0 to {len(report.rows) - 1}", param_hint="--layer")
    for row, lines in explain_rows(report, index):
        click.echo(f"[{row.index}] {row.label} ({row.path})")
        click.echo("\n".join(f"    {line}" for line in lines))
    sys.exit(report.exit_code)


@cli.command()
@click.argument("spec", metavar="SPEC")
@click.option("--range", "span", default="32:1024", show_default=True, metavar="LOW:HIGH",
              help="The input sizes to try.")
@click.option("--width", "axis", flag_value="width", help="Vary the width only (the height stays the spec's).")
@click.option("--height", "axis", flag_value="height", help="Vary the height only (the width stays the spec's).")
@_format_option(("table", "json"))
@analysis_options(counts=False)
def sizes(spec: str, span: str, axis: str | None, fmt: str, settings: Settings, source_format: str | None) -> None:
    """List the input sizes for which every layer of SPEC fits.

    Square sizes by default; --width or --height varies one side only.

    \b
    Example:
      cnncalc sizes specs/unet.yaml --range 500:600
    """
    import json

    from .engine.sizes import AxisError, find_sizes

    try:
        low, high = (int(part) for part in span.split(":"))
    except ValueError:
        raise click.BadParameter(f"'{span}' is not LOW:HIGH, e.g. 32:1024", param_hint="--range") from None
    parsed, _ = load_one(spec, settings, source_format)
    try:
        found = find_sizes(parsed, _source_name(spec), low, high, axis or "both",
                           settings.rounding)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=f"--{axis}" if isinstance(exc, AxisError) else "--range") \
            from None
    if fmt == "json":
        click.echo(json.dumps(found.to_dict(), indent=2))
    else:
        from .render.views import sizes_text

        click.echo(sizes_text(found))


@cli.command()
@click.argument("spec_a", metavar="A")
@click.argument("spec_b", metavar="B")
@_format_option(("table", "json", "markdown"))
@analysis_options()
def diff(spec_a: str, spec_b: str, fmt: str, settings: Settings, source_format: str | None) -> None:
    """Compare two specs or models: totals and layer-by-layer deltas, aligned by path, then every
    difference of their weighted layers (volume, params, kernel geometry), aligned in the order they run.
    Exit status 1 when the networks differ (as diff does), so that CI can check a model against its spec.

    \b
    Example:
      cnncalc diff specs/resnet18.yaml specs/resnet50.yaml --format markdown
    """
    import json

    from .engine.diff import diff as diff_reports
    from .render.views import diff_markdown, diff_text

    a, b = build_reports((spec_a, spec_b), settings, source_format)
    for report in (a, b):
        _print_diagnostics(report.diagnostics, report.source)
    result = diff_reports(a, b)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        click.echo(diff_markdown(result) if fmt == "markdown" else diff_text(result))
    sys.exit(max(a.exit_code, b.exit_code, ExitCode.INVALID_SPEC if a.valid and b.valid and result.differ else 0))


@cli.command()
@click.argument("spec", metavar="SPEC")
@click.option("--to", "target", type=click.Choice(["pytorch"]), default="pytorch", show_default=True,
              help="The framework to write code for.")
@analysis_options(counts=False)
def export(spec: str, target: str, settings: Settings, source_format: str | None) -> None:
    """Print SPEC as a self-contained PyTorch module (torch is needed to run it, not to write it).

    \b
    Example:
      cnncalc export specs/resnet18.yaml --to pytorch > resnet18.py && python resnet18.py
    """
    from .render.pytorch import export_pytorch

    parsed, report = load_one(spec, settings, source_format)
    _print_diagnostics(report.diagnostics, report.source)
    if not report.valid:
        sys.exit(ExitCode.INVALID_SPEC)
    try:
        code = export_pytorch(parsed, report)
    except SpecError as exc:
        _print_diagnostics(exc.diagnostics, report.source)
        sys.exit(exc.exit_code)
    click.echo(code)


@cli.command()
@click.argument("spec", metavar="SPEC")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the SVG here instead of to stdout.")
@analysis_options(counts=False)
def diagram(spec: str, output: str | None, settings: Settings, source_format: str | None) -> None:
    """Draw SPEC as the cs231n notes draw networks: a box per volume, as a self-contained SVG.

    \b
    Example:
      cnncalc diagram specs/vgg16.yaml -o vgg16.svg
    """
    from .render.diagram import diagram_svg

    parsed, report = load_one(spec, settings, source_format)
    _print_diagnostics(report.diagnostics, report.source)
    _write(diagram_svg(parsed, report), output)  # an invalid spec is drawn up to its first error
    sys.exit(report.exit_code)


def _write(text: str, output: str | None) -> None:
    """`text` to the file `output`, or to standard output."""
    if output is None:
        click.echo(text)
        return
    try:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        unwritable = click.FileError(output, exc.strerror)
        unwritable.exit_code = ExitCode.USAGE  # output that cannot be written is status 2 (README)
        raise unwritable from None


@cli.command("import")
@click.argument("model", metavar="FILE")
@click.option("--from", "source_format", type=click.Choice(imports.NAMES),
              help="The model's format, where FILE's ending does not say (Keras' .json).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the spec here instead of to stdout.")
@click.option("--input", "input", type=Parsed("WxHxD", parse_volume, " (e.g. --input 224x224x3)"),
              help="Input volume WxHxD, for a model whose input size is not fixed (or over it).")
def import_model(model: str, source_format: str | None, output: str | None, input) -> None:
    """Write the spec of a model made elsewhere: ONNX (.onnx), Caffe (.prototxt), Keras (.keras, or
    the JSON of model.to_json() with --from keras).

    \b
    Example:
      cnncalc import deploy.prototxt -o alexnet.yaml && cnncalc check alexnet.yaml
    """
    from .imports.write import spec_yaml

    fmt = imports.format_of(model, source_format)
    if fmt is None:
        raise click.BadParameter(f"'{model}' does not end in .onnx, .prototxt or .keras: say its format with --from",
                                 param_hint="FILE")
    settings = Settings(input)
    try:
        spec, imported = load_model(model, fmt, input=input)
    except SpecError as exc:
        _print_diagnostics(exc.diagnostics, model)
        sys.exit(exc.exit_code)
    report = analyze_network(spec, model, settings)
    _print_diagnostics(report.diagnostics, model)
    if not report.valid:
        sys.exit(report.exit_code)
    text = spec_yaml(imported, fmt)
    if output is None:
        click.echo(text, nl=False)
    else:
        _write(text, output)


@cli.command()
@click.argument("spec", metavar="SPEC")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the SVG here instead of to stdout.")
@analysis_options(counts=False, device=True)
def roofline(spec: str, output: str | None, settings: Settings, source_format: str | None) -> None:
    """Draw SPEC's layers on a device's roofline (--device is needed), as a self-contained SVG.

    Each layer is a point at its arithmetic intensity under the device's roof; the ten
    with the largest bounds on time are named. A lower bound on time, not a prediction.

    \b
    Example:
      cnncalc roofline specs/resnet50.yaml --device a100 --dtype float16 -o roofline.svg
    """
    if settings.device is None:
        raise click.MissingParameter(param_hint="'--device'", param_type="option")
    from .render.roofline import roofline_svg

    _, report = load_one(spec, settings, source_format)
    _print_diagnostics(report.diagnostics, report.source)
    _write(roofline_svg(report), output)  # an invalid spec is drawn up to its first error
    sys.exit(report.exit_code)


@cli.command()
@click.argument("files", nargs=-1, metavar="[FILE.yaml]...")
@_format_option(("table", "json"))
def devices(files: tuple[str, ...], fmt: str) -> None:
    """List the devices --device knows, with their datasheets' figures; with FILEs, check device files
    (their faults as FILE:LINE:COL, status 2) and list them too.

    \b
    Examples:
      cnncalc devices
      cnncalc devices my-gpu.yaml
    """
    import json

    from .api import load_device
    from .engine.devices import BUILT_IN
    from .render.views import devices_text

    listed, status = list(BUILT_IN), ExitCode.OK
    for file in files:
        try:
            listed.append(load_device(file if looks_like_path(file) else os.path.join(".", file)))
        except SpecError as exc:
            _print_diagnostics(exc.diagnostics, file)
            status = ExitCode.USAGE
    if fmt == "json":
        click.echo(json.dumps([device.to_dict() for device in listed], indent=2))
    else:
        click.echo(devices_text(listed))
    sys.exit(status)


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the spec format, for editors and validators.

    \b
    Example (then open a spec with `# yaml-language-server: $schema=cnncalc-spec.schema.json`):
      cnncalc schema > cnncalc-spec.schema.json
    """
    import json

    from .model.schema import spec_schema

    click.echo(json.dumps(spec_schema(), indent=2, ensure_ascii=False))


class _ClosedOutput(io.TextIOBase):
    """Standard output when cnncalc was started without one (`>&-`): writing fails as on a closed descriptor
    (click would drop the text without a word)."""

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))


def _discard_output() -> None:
    """Point standard output at /dev/null, so that Python's flush at exit does not fail on it again."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)


def main() -> None:
    """Run the command line: no traceback for output that cannot be written, Ctrl-C, or a bug of cnncalc's own.
    The console script reaches it through cnncalc/__main__.py, which settles Ctrl-C first."""
    gc.freeze()  # a short-lived process: the collector's passes over the interpreter's own objects are waste
    gc.set_threshold(100_000, 50, 100)  # and a spec of 100,000 layers makes millions of small objects, none cyclic
    if sys.stdout is None:
        sys.stdout = _ClosedOutput()
    try:
        # not click's standalone mode, which would turn Ctrl-C into "Aborted!" and exit 1
        sys.exit(cli.main(prog_name="cnncalc", standalone_mode=False))
    except (KeyboardInterrupt, click.Abort):
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except BrokenPipeError:  # the reader went away (`| head`): it wants no more, and no message
        _discard_output()
        sys.exit(1)
    except OSError as exc:  # reading a spec turns its OSErrors into diagnostics: this one is from writing
        _discard_output()
        click.echo(f"cnncalc: cannot write the output: {exc.strerror or exc}", err=True)
        sys.exit(ExitCode.USAGE)
    except Exception as exc:  # say so in one line, not a traceback
        click.echo(f"cnncalc: internal error: {type(exc).__name__}: {exc} (please report it)", err=True)
        sys.exit(ExitCode.USAGE)
