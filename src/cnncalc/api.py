"""The library's entry points: read a spec from wherever it is, validate it, analyse it."""
from __future__ import annotations

import os
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from . import imports
from .diagnostics import ExitCode, Span, SpecError, error
from .engine.analysis import analyze_network  # noqa: F401 (the CLI's entry to the engine)
from .engine.budget import Limit
from .engine.conventions import DEFAULT as DEFAULT_CONVENTION
from .engine.memory import MemorySettings
from .engine.report import Report
from .limits import MAX_FILE_BYTES
from .model import network as network_module
from .model.arithmetic import Rounding, as_rounding
from .model.geometry import Volume, parse_volume
from .model.network import Network
from .model.record import Record
from .source import compact as source_compact
from .source import yaml as source_yaml

if TYPE_CHECKING:  # imported with --device only: check without it loads no roofline code
    from .engine.devices import Device

STDIN = "<stdin>"
STRING = "<string>"
_YAML_SUFFIXES = (".yaml", ".yml", ".json")


def looks_like_path(argument: str) -> bool:
    """A command-line SPEC names a file unless it reads as the compact notation."""
    if os.path.exists(argument):
        return True
    return "(" not in argument and (os.sep in argument or "/" in argument
                                    or argument.lower().endswith((*_YAML_SUFFIXES, *imports.FORMATS)))


def read_file(path: str | os.PathLike) -> str:
    """The text of a spec file; SpecError (exit 2 when it cannot be read at all) otherwise."""
    where = os.fspath(path)
    try:
        if os.path.isdir(where):
            raise SpecError([error("unreadable", f"{where} is a directory, not a spec file",
                                   suggestions=[f"name the files: {where}/*.yaml"])], ExitCode.USAGE)
        with open(where, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise _no_such_file(where) from None
    except OSError as exc:
        raise SpecError([error("unreadable", f"cannot read {where}: {exc.strerror or exc}")], ExitCode.USAGE) from None
    return decode(data)


def _no_such_file(where: str) -> SpecError:
    """`no such file`, with the nearest existing name, or what else the argument may have meant."""
    near = _nearest_file(where)
    hint = f"did you mean {near}?" if near else "check the path" + (
        "" if where.lower().endswith((*_YAML_SUFFIXES, *imports.FORMATS))
        else "; a compact spec must contain parentheses, e.g. 'INPUT(32x32x3) -> CONV(16, 3)'")
    return SpecError([error("unreadable", f"no such file: {where}", suggestions=[hint])], ExitCode.USAGE)


def _nearest_file(path: str) -> str | None:
    """The existing file in `path`'s folder whose name is nearest to its name, if one is close: what a
    mistyped name was meant to be."""
    import difflib

    folder, name = os.path.split(path)
    try:
        names = [entry.name for entry in os.scandir(folder or ".") if entry.is_file()]
    except OSError:  # the folder is mistyped too
        return None
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.75)
    return os.path.join(folder, close[0]) if close else None


def decode(data: bytes) -> str:
    if len(data) > MAX_FILE_BYTES:
        raise SpecError([error("too-large", f"the spec is larger than the limit of {MAX_FILE_BYTES // 2**20} MiB",
                               suggestions=["use repeat blocks instead of writing layers out"])])
    try:
        return data.decode("utf-8-sig")  # a byte-order mark is harmless: drop it
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SpecError([error("not-utf8", f"the file is not UTF-8 text: byte 0x{data[exc.start]:02x} cannot "
                               "be decoded", span=Span(line, column),
                               suggestions=["save the file as UTF-8"])]) from None


def _is_compact(text: str) -> bool:
    """One line without a ':' is the compact notation, unless YAML's own marks begin it: '{', '#', or the
    '- ' of a list item (in the compact notation '-' is an arrow, which no line begins with)."""
    stripped = text.strip()
    return "\n" not in stripped and ":" not in stripped and not stripped.startswith(("{", "#", "- "))


def load(text: str, *, source: str = STRING, name: str | None = None,
         input: Volume | str | None = None) -> Network:
    """Parse and validate a spec's text (YAML or compact); raise SpecError with every fault found."""
    default_name = name or _stem(source)
    override = parse_volume(input) if input is not None else None
    if not text.strip():
        raise source_yaml.empty_spec()
    if source.lower().endswith(".json") and (keras := imports.keras_config_hint(text)):
        raise keras
    if _is_compact(text):
        data, locations = source_compact.parse(text.strip())
        compact_line = text.strip()
    else:
        data, locations = source_yaml.load(text)
        compact_line = None
        if isinstance(data, str):  # a YAML document that is one compact line
            base = locations[()]
            data, locations = source_compact.parse(data, lambda c: Span(base.line, base.column + c - 1))
    spec, diagnostics = network_module.build(data, locations, default_name, compact_line, override)
    if spec is None:
        raise SpecError(diagnostics)
    return spec


def load_model(path: str | os.PathLike, fmt: str, *, input: Volume | str | None = None
               ) -> tuple[Network, imports.Imported]:
    """Read a model file of format `fmt` (onnx, caffe, keras) and validate it as a spec; raise SpecError
    with every fault found."""
    override = parse_volume(input) if input is not None else None
    if not os.path.lexists(path):
        raise _no_such_file(os.fspath(path))
    imported = imports.read_model(path, fmt, override)
    spec, diagnostics = network_module.build(imported.data, imported.locations, _stem(os.fspath(path)), None,
                                             override)
    if spec is None:
        raise SpecError(diagnostics)
    return spec, imported


def analyze_model(path: str | os.PathLike, fmt: str, settings: Settings | None = None, **options: Any) -> Report:
    """Analyse a model file of format `fmt`; a model that cannot be read gives a Report with its diagnostics."""
    settings = _settings(settings, options)
    source = os.fspath(path)
    try:
        spec, imported = load_model(path, fmt, input=settings.input)
    except SpecError as exc:
        return _failed(source, None, exc)
    return replace(analyze_network(spec, source, settings), note=imported.title_note)


def analyze_text(text: str, settings: Settings | None = None, *, source: str = STRING,
                 name: str | None = None, **options: Any) -> Report:
    """Analyse a spec's text; a spec that does not validate gives a Report with its diagnostics.
    `settings` (or its fields as keywords) say how."""
    settings = _settings(settings, options)
    try:
        spec = load(text, source=source, name=name, input=settings.input)
    except SpecError as exc:
        return _failed(source, name, exc)
    return analyze_network(spec, source, settings)


class Settings(Record):
    """How to analyse: the command line's options, typed, over what the spec says."""

    input: Volume | None  # over the spec's own input
    rounding: Rounding | None  # over the spec's rounding (a block's or layer's own still wins)
    memory: MemorySettings
    limits: tuple[Limit, ...]  # beside the spec's own budget
    convention: str  # whose way of counting FLOPs
    device: Device | None  # the roofline's device (engine/devices.py), at memory.dtype's peak

    def __init__(self, input: Volume | str | None = None, rounding: Rounding | str | None = None,
                 memory: MemorySettings = MemorySettings(), limits: tuple[Limit, ...] = (),
                 convention: str = DEFAULT_CONVENTION, device: Device | str | os.PathLike | None = None) -> None:
        if device is not None:
            device = load_device(device)
            device.check_dtype(memory.dtype)
        self._fill(input=parse_volume(input) if input is not None else None, rounding=as_rounding(rounding),
                   memory=memory, limits=tuple(limits), convention=convention, device=device)


def load_device(device: Device | str | os.PathLike) -> Device:
    """A device: a built-in one by name (`a100`), a device file (YAML, README: "On a real device"), or a Device.
    SpecError (exit 2) with positioned diagnostics when the file cannot be read or does not validate.

    >>> load_device("a100").peak("float16")
    312000000000000
    """
    from .engine import devices

    if isinstance(device, devices.Device):
        return device
    where = os.fspath(device)
    if not isinstance(device, os.PathLike) and (where in devices.DEVICES or not looks_like_path(where)):
        return devices.named(where)
    try:
        text = read_file(where)
    except SpecError as exc:  # say what --device takes, not what a spec may be
        raise SpecError([d._replace(suggestions=(f"a built-in device ({', '.join(devices.DEVICES)}) or a device "
                                                 "file's path",)) for d in exc.diagnostics], ExitCode.USAGE) from None
    try:
        data, locations = source_yaml.load(text)
    except SpecError as exc:
        if exc.diagnostics[0].code != "empty-spec":  # an empty file is refused below, as a device file
            raise SpecError(exc.diagnostics, ExitCode.USAGE) from None
        data, locations = None, {}
    return devices.from_data(data, locations, _stem(where), where)


def analyze(spec: str | os.PathLike | dict[str, Any] | list | Network, settings: Settings | None = None, *,
            model_format: str | None = None, **options: Any) -> Report:
    """Analyse a spec given as a file path, YAML text, a compact line, a mapping, a list of layers
    and blocks, or a Network; `settings` (or its fields as keywords) say how. A path to a model file
    (.onnx, .prototxt, .keras, or any ending with `model_format`) is imported first.

    >>> analyze("INPUT(32x32x3) -> CONV(12, 3, P=1) -> RELU -> POOL(2) -> FC(10)").totals.params
    31066
    >>> from cnncalc.layers import Conv
    >>> analyze([Conv(filters=8, kernel=3)], input="32x32x3").totals.params
    224
    """
    settings = _settings(settings, options)
    if isinstance(spec, (list, tuple)):
        spec = Network(tuple(spec), settings.input)
    if isinstance(spec, Network):
        if settings.input is not None:
            spec = spec.with_input(settings.input)
        if spec.input is None:
            return _failed(STRING, spec.name, SpecError([error("missing-input", "the network has no input volume",
                                                               suggestions=["pass input='32x32x3'"])]))
        return analyze_network(spec, STRING, settings)
    if isinstance(spec, dict):
        built, diagnostics = network_module.build(spec, {}, "network", None, settings.input)
        if built is None:
            return _failed(STRING, None, SpecError(diagnostics))
        return analyze_network(built, STRING, settings)
    if isinstance(spec, os.PathLike) or (isinstance(spec, str) and "\n" not in spec and looks_like_path(spec)):
        if fmt := imports.format_of(os.fspath(spec), model_format):
            return analyze_model(spec, fmt, settings)
        try:
            text = read_file(spec)
        except SpecError as exc:
            return _failed(os.fspath(spec), None, exc)
        return analyze_text(text, settings, source=os.fspath(spec))
    return analyze_text(spec, settings)


def _settings(settings: Settings | None, options: dict[str, Any]) -> Settings:
    if not options:
        return settings or Settings()
    return Settings(**{**vars(settings or Settings()), **options})


def _failed(source: str, name: str | None, exc: SpecError) -> Report:
    default = name or _stem(source)
    return Report(default, source, None, None, (), tuple(exc.diagnostics),
                  unreadable=exc.exit_code == ExitCode.USAGE)


def _stem(source: str) -> str:
    """A spec's default name: its file's name without the extension."""
    if source in (STRING, STDIN):
        return "network"
    return os.path.splitext(os.path.basename(source))[0]
