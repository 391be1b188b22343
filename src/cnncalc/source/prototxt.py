"""Protocol Buffers' text format (Caffe's .prototxt) -> messages of fields, each with its position.

No schema is needed: a field is `name: value`, `name { … }` or `name < … >`; a repeated field is the
same name again. As Netscope does, `name: { … }` (a colon before the brace) is accepted too, and a
`,` or `;` may end any field. Scalars are numbers, identifiers (enum values, true/false) and quoted
strings (adjacent ones joined); `[a, b]` lists a repeated scalar field's values.
"""
from __future__ import annotations

import re
from typing import Any, NamedTuple

from ..diagnostics import Span, SpecError, error
from ..limits import MAX_NESTING, MAX_YAML_NODES

_TOKEN = re.compile(r"""
    (?P<space>[ \t\r\f\v]+|\#[^\n]*)
  | (?P<newline>\n)
  | (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<number>[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?[fF]?(?![A-Za-z0-9_]))
  | (?P<word>[-+]?[A-Za-z_][A-Za-z0-9_.]*)
  | (?P<punct>[{}<>:,;\[\]])
  | (?P<other>.)""", re.VERBOSE)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "'": "'", "\\": "\\"}
_CLOSING = {"{": "}", "<": ">"}


class Token(NamedTuple):
    kind: str  # string, number, word, end, or the punctuation character itself
    value: Any
    span: Span


class Message:
    """A message's fields, in order: (name, value, span), a value being a scalar or a Message."""

    __slots__ = ("fields", "span")

    def __init__(self, span: Span) -> None:
        self.fields: list[tuple[str, Any, Span]] = []
        self.span = span

    def all(self, name: str) -> list:
        return [value for key, value, _ in self.fields if key == name]

    def get(self, name: str, default: Any = None) -> Any:
        """The field's value (its last, as protobuf's parser keeps for a field given twice)."""
        values = self.all(name)
        return values[-1] if values else default

    def where(self, name: str) -> Span:
        """Where the field stands, or the message when it has no such field."""
        return next((span for key, _, span in reversed(self.fields) if key == name), self.span)

    def __contains__(self, name: str) -> bool:
        return any(key == name for key, _, _ in self.fields)


def _tokens(text: str) -> list[Token]:
    tokens, line, line_start = [], 1, 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "newline":
            line, line_start = line + 1, match.end()
            continue
        if kind == "space":
            continue
        span = Span(line, match.start() - line_start + 1)
        value: Any = match[kind]
        if kind == "other":
            raise SpecError([error("prototxt-syntax", f"unexpected character {value!r}", span=span)])
        if kind == "string":
            value = re.sub(r"\\(.)", lambda m: _ESCAPES.get(m[1], m[1]), value[1:-1])
            if tokens and tokens[-1].kind == "string":  # "a" "b" is "ab"
                tokens[-1] = tokens[-1]._replace(value=tokens[-1].value + value)
                continue
        elif kind == "number":
            number = value.rstrip("fF")
            value = int(number) if re.fullmatch(r"[-+]?\d+", number) else float(number)
        elif kind == "punct":
            kind = value
        tokens.append(Token(kind, value, span))
        if len(tokens) > 4 * MAX_YAML_NODES:
            raise SpecError([error("too-large", f"the file holds more than {4 * MAX_YAML_NODES:,} tokens", span=span)])
    tokens.append(Token("end", None, Span(line, len(text) - line_start + 1)))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.at = 0

    def fail(self, token: Token, expected: str) -> SpecError:
        found = "the end of the file" if token.kind == "end" else repr(str(token.value))
        return SpecError([error("prototxt-syntax", f"expected {expected}, found {found}", span=token.span)])

    def message(self, closing: str | None, span: Span, depth: int) -> Message:
        if depth > MAX_NESTING:
            raise SpecError([error("too-deep", f"the messages nest deeper than {MAX_NESTING} levels", span=span)])
        message = Message(span)
        while True:
            token = self.tokens[self.at]
            if token.kind == (closing or "end"):
                self.at += 1
                return message
            if token.kind != "word":
                raise self.fail(token, "a field name" + (f" or '{closing}'" if closing else ""))
            self.at += 1
            self.field(message, token, depth)
            if self.tokens[self.at].kind in (",", ";"):
                self.at += 1

    def field(self, message: Message, name: Token, depth: int) -> None:
        token = self.tokens[self.at]
        colon = token.kind == ":"
        if colon:
            self.at += 1
            token = self.tokens[self.at]
        if token.kind in _CLOSING:
            self.at += 1
            message.fields.append((name.value, self.message(_CLOSING[token.kind], token.span, depth + 1), name.span))
        elif not colon:
            raise self.fail(token, f"':' or '{{' after {name.value}")
        elif token.kind == "[":
            self.at += 1
            while self.tokens[self.at].kind != "]":
                message.fields.append((name.value, self.scalar(), name.span))
                if self.tokens[self.at].kind == ",":
                    self.at += 1
            self.at += 1
        else:
            message.fields.append((name.value, self.scalar(), name.span))

    def scalar(self) -> Any:
        token = self.tokens[self.at]
        if token.kind not in ("string", "number", "word"):
            raise self.fail(token, "a value")
        self.at += 1
        return token.value


def parse(text: str) -> Message:
    """The top-level message of a text-format file; SpecError with the position of a syntax error."""
    return _Parser(text).message(None, Span(1, 1), 0)
