"""Diagnostics: what went wrong or looks suspicious, and where in the source it stands."""
from __future__ import annotations

from enum import Enum, IntEnum
from typing import NamedTuple


class ExitCode(IntEnum):
    OK = 0
    INVALID_SPEC = 1
    USAGE = 2


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"  # what the spec itself asked for (a dropped border under its own floor): shown with --verbose


class Span(NamedTuple):
    """A 1-based position in a source. `text` is the whole line for one-line (compact) sources."""

    line: int
    column: int
    text: str | None = None


class Diagnostic(NamedTuple):
    severity: Severity
    code: str
    message: str
    path: str | None = None
    span: Span | None = None
    suggestions: tuple[str, ...] = ()

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    @property
    def is_warning(self) -> bool:
        return self.severity is Severity.WARNING

    @property
    def is_note(self) -> bool:
        return self.severity is Severity.NOTE

    def to_dict(self) -> dict:
        return {
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
            "path": self.path,
            "line": self.span.line if self.span else None,
            "column": self.span.column if self.span else None,
            "suggestions": list(self.suggestions),
        }


LONGEST = 2_000  # characters of a message or suggestion; past it, its middle is left out


def _cut(text: str) -> str:
    """`text`, its middle left out when it is long: a message may quote the spec, and a key of a
    megabyte used a thousand times through an alias would otherwise be printed a thousand times."""
    if len(text) <= LONGEST:
        return text
    return f"{text[:LONGEST // 2]} … ({len(text) - LONGEST:,} characters left out) … {text[-LONGEST // 2:]}"


def error(code: str, message: str, path: str | None = None, span: Span | None = None,
          suggestions: tuple[str, ...] | list[str] = ()) -> Diagnostic:
    return Diagnostic(Severity.ERROR, code, _cut(message), path, span, tuple(map(_cut, suggestions)))


def warning(code: str, message: str, path: str | None = None, span: Span | None = None,
            suggestions: tuple[str, ...] | list[str] = ()) -> Diagnostic:
    return Diagnostic(Severity.WARNING, code, _cut(message), path, span, tuple(map(_cut, suggestions)))


class SpecError(Exception):
    """Raised when a source cannot be read or validated; carries every diagnostic found."""

    def __init__(self, diagnostics: list[Diagnostic], exit_code: ExitCode = ExitCode.INVALID_SPEC) -> None:
        super().__init__("; ".join(d.message for d in diagnostics))
        self.diagnostics = diagnostics
        self.exit_code = exit_code


def format_diagnostic(diag: Diagnostic, source: str, caret: bool = True) -> str:
    """`FILE:LINE:COL: error[CODE]: message`, a caret line for one-line sources (unless `caret` is
    false), then suggestions."""
    where = source
    if diag.span:
        where = f"{source}:{diag.span.line}:{diag.span.column}"
    lines = [f"{where}: {diag.severity.value}[{diag.code}]: {diag.message}"]
    if caret and diag.span and diag.span.text is not None:
        text, caret = diag.span.text, diag.span.column - 1
        if len(text) > 100:  # show the part around the fault of a long line
            start = max(0, caret - 40)
            text = ("…" if start else "") + text[start:start + 80] + ("…" if start + 80 < len(text) else "")
            caret = caret - start + (1 if start else 0)
        lines.append(f"    {text}")
        lines.append("    " + " " * caret + "^")
    lines.extend(f"  help: {s}" for s in diag.suggestions)
    return "\n".join(lines)
