"""Models made elsewhere (contract §8): an ONNX file, a Caffe prototxt or a Keras model, read into
the plain spec data that a YAML spec gives, with the positions of its layers where the source is text.

One module per format, each with `read(path, input=None) -> Imported`. They are imported only when a
model file is read: checking a YAML spec never pays for them, nor for the packages they need.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, NamedTuple

from ..diagnostics import ExitCode, Span, SpecError, error

if TYPE_CHECKING:  # pathlib and importlib.util cost a check of a YAML spec 10 ms: imported when a model is read
    from pathlib import Path

    from ..model.geometry import Volume

# a file's ending -> its format; Keras' JSON (`model.to_json()`) is told by `--from keras` alone
FORMATS = {".onnx": "onnx", ".prototxt": "caffe", ".keras": "keras"}
NAMES = ("onnx", "caffe", "keras")  # what --from takes
SPEC_ENDINGS = (".yaml", ".yml")  # files that are always specs, whatever --from says
_EXTRAS = {"onnx": ("onnx", "cnncalc[onnx]")}  # format -> (the package it needs, the extra that installs it)


class Imported(NamedTuple):
    """A model read from another format, as a spec."""

    data: dict[str, Any]  # the spec as plain data, in the YAML spec's form
    locations: dict[tuple, Span]  # path in `data` -> where it stands in the source (empty for binary formats)
    title_note: str | None  # said in the table's title, e.g. that BatchNorms were folded into convolutions
    source: str  # the file's name


def format_of(path: str, fmt: str | None = None) -> str | None:
    """The model format of the file `path` (`fmt`, from --from, for an ending that names none), or None
    for a spec."""
    ending = os.path.splitext(path)[1].lower()
    if ending in SPEC_ENDINGS:
        return None
    if ending in FORMATS:
        return FORMATS[ending]
    return fmt


def keras_config_hint(text: str) -> SpecError | None:
    """The error for a Keras model config read as a spec (a .json without --from keras), else None."""
    head = text[:4096]
    if text.lstrip().startswith("{") and '"class_name"' in head and '"config"' in head:
        return SpecError([error("invalid-spec", "this JSON is a Keras model config, not a cnncalc spec",
                                span=Span(1, 1), suggestions=["add --from keras to read it as a Keras model"])])
    return None


def read_model(path: str | Path, fmt: str, input: Volume | None = None) -> Imported:
    """Read the model file `path` in format `fmt`; SpecError (exit 2 when it cannot be read at all, or
    the package its format needs is missing) otherwise."""
    import importlib
    from importlib.util import find_spec
    from pathlib import Path

    path = Path(path)
    if fmt in _EXTRAS and find_spec(_EXTRAS[fmt][0]) is None:
        package, extra = _EXTRAS[fmt]
        raise SpecError([error("missing-dependency", f"reading {fmt.upper()} needs the {package} package: "
                               f"pip install '{extra}'")], ExitCode.USAGE)
    if path.is_dir():
        raise SpecError([error("unreadable", f"{path} is a directory, not a model file")], ExitCode.USAGE)
    if not path.exists():
        raise SpecError([error("unreadable", f"no such file: {path}")], ExitCode.USAGE)
    module = importlib.import_module(f"{__name__}.{fmt}")
    try:
        return module.read(path, input)
    except PermissionError as exc:
        raise SpecError([error("unreadable", f"cannot read {path}: {exc.strerror or exc}")], ExitCode.USAGE) from None
