"""The compact notation -> the same plain data and location index as a YAML spec.

Grammar (names case-insensitive, keys not):

    chain  := item (ARROW item)*            ARROW is '->', '→' or '-'
    item   := '[' chain ']' '*' INT  |  NAME ['(' [arg (',' arg)*] ')']
    arg    := [KEY '='] value
    value  := DIMS | NUMBER | WORD          DIMS is e.g. 227x227x3 or 7×1

`INPUT(…)` as the first item becomes the spec's `input`; `[ … ]*N` becomes a `repeat` block.
Positional arguments stay numbered (0, 1, …): the validator names them by the layer type's order.
"""
from __future__ import annotations

import re
from typing import Any, NamedTuple

from ..diagnostics import Span, SpecError, error
from ..limits import MAX_NESTING
from ..model.geometry import to_int
from .yaml import KEY, Locations

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<arrow>->|→|-(?!\d))
  | (?P<dims>\d+(?:\s*[x×]\s*\d+)+)
  | (?P<number>-?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct>[\[\]()*,=])
""", re.VERBOSE)


class Argument(NamedTuple):
    key: str | None  # None for a positional argument
    value: Any
    text: str  # as written: `kernel=`, or the positional value


class Call(list):
    """The arguments of `NAME(…)`, in the order written (Arguments)."""


class Token(NamedTuple):
    kind: str  # arrow, dims, number, word, end, or the punctuation character itself
    text: str
    column: int  # 1-based


def tokenize(text: str, span_of) -> list[Token]:
    tokens, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise SpecError([error("compact-syntax", f"unexpected character {text[pos]!r}", span=span_of(pos + 1),
                                   suggestions=["layers are written NAME(arguments) and joined by ->"])])
        kind = match.lastgroup
        if kind != "space":
            tokens.append(Token(kind if kind != "punct" else match.group(), match.group(), pos + 1))
        pos = match.end()
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


class _Parser:
    def __init__(self, text: str, span_of) -> None:
        self.span_of = span_of
        self.tokens = tokenize(text, span_of)
        self.pos = 0
        self.depth = 0  # of [ … ]*N groups
        self.locations: Locations = {}

    @property
    def token(self) -> Token:
        return self.tokens[self.pos]

    def advance(self) -> Token:
        token = self.token
        self.pos += 1
        return token

    def expect(self, *kinds: str) -> Token:
        if self.token.kind not in kinds:
            found = "the end of the line" if self.token.kind == "end" else repr(self.token.text)
            names = {"word": "a layer name", "number": "a number", "arrow": "'->'", "dims": "a size"}
            wanted = " or ".join(names.get(k, repr(k)) for k in kinds)
            raise SpecError([error("compact-syntax", f"expected {wanted}, found {found}",
                                   span=self.span_of(self.token.column))])
        return self.advance()

    def chain(self, path: tuple, closing: str) -> list[Any]:
        items = [self.item(path + (0,))]
        while self.token.kind == "arrow":
            self.advance()
            items.append(self.item(path + (len(items),)))
        if self.token.kind != closing:
            self.expect("arrow", closing)
        return items

    def item(self, path: tuple) -> Any:
        start = self.token
        self.locations[path] = self.span_of(start.column)
        if start.kind == "[":
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise SpecError([error("too-deep", f"repeats nest deeper than {MAX_NESTING} levels",
                                       span=self.span_of(start.column))])
            self.advance()
            body = self.chain(path + ("layers",), "]")
            self.expect("]")
            self.expect("*")
            self.depth -= 1
            count_token = self.expect("number")
            self.locations[path + ("repeat",)] = self.span_of(count_token.column)
            return {"repeat": _number(count_token.text), "layers": body}
        name = self.expect("word").text
        self.locations[path + (name.lower(), KEY)] = self.span_of(start.column)
        self.locations[path + (name.lower(),)] = self.span_of(start.column)
        args: Call | None = None
        if self.token.kind == "(":
            self.advance()
            args = self.arguments(path + (name.lower(),))
            self.expect(")")
        return {name.lower(): args} if args else name.lower()

    def arguments(self, path: tuple) -> "Call":
        """The arguments in the order written, argument j located at `path + (j,)`. Which parameter a
        position means, and whether one is given twice, is the validator's business, not the parser's."""
        args = Call()
        while self.token.kind != ")":
            if args:
                self.expect(",")
            start = self.token
            key = None
            if start.kind == "word" and self.tokens[self.pos + 1].kind == "=":
                key = self.advance().text
                self.advance()
            elif args and args[-1].key is not None:
                raise SpecError([error("compact-syntax", "a positional argument cannot follow a key=value one",
                                       span=self.span_of(start.column))])
            value = self.value()
            self.locations[path + (len(args), KEY)] = self.locations[path + (len(args),)] = self.span_of(start.column)
            args.append(Argument(key, value, f"{key}=" if key else self.tokens[self.pos - 1].text))
        return args

    def value(self) -> Any:
        token = self.expect("dims", "number", "word")
        if token.kind == "number":
            return _number(token.text)
        if token.kind == "word" and token.text.lower() in ("true", "false"):
            return token.text.lower() == "true"
        return token.text


def _number(text: str) -> int | float:
    return float(text) if any(c in text for c in ".eE") else to_int(text)


def parse(text: str, span_of=None) -> tuple[dict[str, Any], Locations]:
    """A whole compact line -> `{input?, layers}` and locations keyed like the YAML front end's."""
    span_of = span_of or (lambda column: Span(1, column, text))
    parser = _Parser(text, span_of)
    items = parser.chain(("layers",), "end")
    locations = parser.locations
    data: dict[str, Any] = {}
    first = items[0]
    if first == "input" or (isinstance(first, dict) and "input" in first):
        args = first["input"] if isinstance(first, dict) else Call()
        positional = [a.value for a in args if a.key is None]  # INPUT(32, 32, 3) is INPUT(32x32x3)
        named = {a.key: a.value for a in args if a.key}
        data["input"] = named.get("volume", positional[0] if len(positional) == 1 else positional or None)
        locations[("input",)] = locations[("layers", 0)]
        items = items[1:]
        locations = {_shift(k): v for k, v in locations.items()}
    data["layers"] = items
    return data, locations


def parse_item(text: str, span_of) -> tuple[Any, Locations]:
    """One layer in the compact notation, written as a YAML list item."""
    parser = _Parser(text, span_of)
    item = parser.item(())
    parser.expect("end")
    return item, parser.locations


def _shift(path: tuple) -> tuple:
    """Renumber top-level layer paths after INPUT(…) is taken out of the list."""
    if len(path) >= 2 and path[0] == "layers" and isinstance(path[1], int):
        return ("layers", path[1] - 1, *path[2:])
    return path


def render_call(name: str, values: list[Any]) -> str:
    return f"{name.upper()}({', '.join(map(str, values))})" if values else name.upper()
