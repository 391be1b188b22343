"""--format github: GitHub Actions workflow commands for the diagnostics, then a markdown summary.

https://docs.github.com/actions/reference/workflow-commands-for-github-actions
"""
from __future__ import annotations

from . import markdown_format


def _escape(text: str, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property_value else text


def command(diagnostic, source: str) -> str:
    """`::error file=specs/a.yaml,line=3,col=5,title=non-integer-output::message`."""
    properties = [] if source.startswith("<") else [f"file={_escape(source, True)}"]
    if diagnostic.span:
        properties += [f"line={diagnostic.span.line}", f"col={diagnostic.span.column}"]
    properties.append(f"title={_escape(diagnostic.code, True)}")
    message = diagnostic.message + "".join(f"\nhelp: {s}" for s in diagnostic.suggestions)
    kind = "notice" if diagnostic.is_note else diagnostic.severity.value  # GitHub's word for a note
    return f"::{kind} {','.join(properties)}::{_escape(message)}"


def render(reports: list, **options) -> str:
    commands = [command(d, r.source) for r in reports for d in r.diagnostics if options["verbose"] or not d.is_note]
    return "\n".join([*commands, markdown_format.render(reports, **options)])
