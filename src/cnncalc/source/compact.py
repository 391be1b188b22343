"""The compact notation -> the same plain data and location index as a YAML spec.

Grammar (names case-insensitive, keys not):

    chain  := item (ARROW item)*            ARROW is '->', '→' or '-'
    item   := '[' chain ']' '*' INT  |  NAME ['(' [arg (',' arg)*] ')']
    arg    := [KEY '='] value
    value  := DIMS | NUMBER | WORD          DIMS is e.g. 227x227x3 or 7×1; a WORD may hold dots and {i}
                                            (name=layer1.{i}.conv1)

`INPUT(…)` as the first item becomes the spec's `input`; `[ … ]*N` becomes a `repeat` block.
Positional arguments stay numbered (0, 1, …): the validator names them by the layer type's order.
"""
from __future__ import annotations

import re
from typing import Any, NamedTuple

from ..diagnostics import Span, SpecError, error
from ..limits import MAX_LAYERS, MAX_NESTING, MAX_YAML_NODES
from ..model.geometry import to_int
from .yaml import KEY, Locations

_PART = r"[A-Za-z0-9_]*(?:\{i\}[A-Za-z0-9_]*)*"  # letters, digits, _ and {i} (a repeat's copy, in a name)
_WORD = rf"[A-Za-z_]{_PART}(?:\.(?=[A-Za-z0-9_]|\{{i\}}){_PART})*"  # dotted, as PyTorch's layer1.0.conv1
_TOKEN = re.compile(r"""\s*(?:
    (?P<arrow>->|→|-(?!\d))
  | (?P<dims>\d+(?:\s*[x×]\s*\d+)+)
  | (?P<number>-?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?)
  | (?P<word>""" + _WORD + r""")
  | (?P<punct>[\[\]()*,=])
  | (?P<other>\S))""", re.VERBOSE)


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


_ARROW = re.compile(r"->|→|-(?!\d)")
_VALUES = {"word", "number", "dims"}  # the tokens that count against MAX_YAML_NODES


def tokenize(text: str, span_of, limit: int = MAX_YAML_NODES) -> list[Token]:
    """The tokens of `text`; too-large once more than `limit` of them are words, numbers or sizes, or
    more than 4·`limit` are tokens at all (a line needs at most 3 marks a word or number, and a few
    more for its brackets: megabytes of commas are refused before they are read as tokens)."""
    tokens, values = [], 0
    for match in _TOKEN.finditer(text):  # each match is a token and the spaces before it
        kind, start, value = match.lastgroup, match.start(match.lastgroup), match[match.lastgroup]
        if kind == "other":
            raise SpecError([error("compact-syntax", f"unexpected character {value!r}", span=span_of(start + 1),
                                   suggestions=["layers are written NAME(arguments) and joined by ->"])])
        if kind in _VALUES:
            values += 1
        if values > limit or len(tokens) > 4 * limit:
            raise SpecError([error("too-large", f"the spec has more than {MAX_YAML_NODES:,} names and values (or "
                                   f"{4 * MAX_YAML_NODES:,} tokens, marks included)",
                                   span=span_of(start + 1),
                                   suggestions=["use [ … ]*N instead of writing layers out"])])
        tokens.append(Token(value if kind == "punct" else kind, value, start + 1))
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


def _count_rows(text: str, span_of) -> None:
    """Refuse a line of more layers than MAX_LAYERS rows before reading it: each layer but the first
    follows an arrow, and each written layer is at least a row."""
    if text.count("-") + text.count("→") < MAX_LAYERS:  # the arrows are fewer: no need to find them
        return
    for count, arrow in enumerate(_ARROW.finditer(text), start=2):
        if count > MAX_LAYERS:
            raise SpecError([error("too-large", f"the line has more than {MAX_LAYERS:,} layers (the input's "
                                   "included), the limit of rows", span=span_of(arrow.start() + 1),
                                   suggestions=["split the network into specs of fewer layers"])])


class _Parser:
    def __init__(self, text: str, span_of, limit: int = MAX_YAML_NODES) -> None:
        self.span_of = span_of
        self.tokens = tokenize(text, span_of, limit)
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

    def chain(self, path: tuple, closing: str, first: int = 0) -> list[Any]:
        """The items up to `closing`, numbered from `first`."""
        items = [self.item(path + (first,))]
        while self.token.kind == "arrow":
            self.advance()
            items.append(self.item(path + (first + len(items),)))
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
        name = self.expect("word").text  # at the item's own location, which a lookup of the name falls back to
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
    _count_rows(text, span_of)
    parser = _Parser(text, span_of)
    opens_with_input = parser.token.kind == "word" and parser.token.text.lower() == "input"
    # INPUT(…) becomes the spec's `input`, so the layers after it are numbered from 0
    items = parser.chain(("layers",), "end", -1 if opens_with_input else 0)
    data: dict[str, Any] = {}
    if opens_with_input:
        first = items.pop(0)
        args = first["input"] if isinstance(first, dict) else Call()
        positional = [a.value for a in args if a.key is None]  # INPUT(32, 32, 3) is INPUT(32x32x3)
        named = {a.key: a.value for a in args if a.key}
        data["input"] = named.get("volume", positional[0] if len(positional) == 1 else positional or None)
        parser.locations[("input",)] = parser.locations[("layers", -1)]
    data["layers"] = items
    return data, parser.locations


def parse_item(text: str, span_of, limit: int = MAX_YAML_NODES) -> tuple[Any, Locations, int]:
    """One layer in the compact notation, written as a YAML list item; with it, how many of `limit`
    words and numbers it used."""
    parser = _Parser(text, span_of, limit)
    item = parser.item(())
    parser.expect("end")
    return item, parser.locations, sum(token.kind in _VALUES for token in parser.tokens)


def render_call(name: str, values: list[Any]) -> str:
    return f"{name.upper()}({', '.join(map(str, values))})" if values else name.upper()
