"""The compact notation -> the same plain data and location index as a YAML spec.

Grammar (names case-insensitive, keys not):

    chain  := item (ARROW item)*            ARROW is '->', '→' or '-'
    item   := '[' chain ']' '*' INT  |  NAME ['(' [arg (',' arg)*] ')']
    arg    := [KEY '='] value
    value  := DIMS | NUMBER | WORD          DIMS is e.g. 227x227x3 or 7×1

`INPUT(…)` as the first item becomes the spec's `input`; `[ … ]*N` becomes a `repeat` block.
Positional arguments are named in the order of each layer type's parameters (layers.py). A parameter
given twice (positionally and by key, by one key twice, or by its letter and its name) is reported once
the whole text is read, as `duplicate-parameter` (params.repeated, which the YAML builder also uses).
"""
from __future__ import annotations

import re
from typing import Any, NamedTuple

from .diagnostics import Diagnostic, Span, SpecError, error
from .layers import REGISTRY
from .limits import MAX_NESTING
from .params import Given, repeated
from .source_yaml import KEY, Locations
from .volumes import to_int

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<arrow>->|→|-(?!\d))
  | (?P<dims>\d+(?:\s*[x×]\s*\d+)+)
  | (?P<number>-?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct>[\[\]()*,=])
""", re.VERBOSE)


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
        self.problems: list[Diagnostic] = []  # parameters given twice: reported when the whole text is read

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
        args: dict[str, Any] = {}
        if self.token.kind == "(":
            self.advance()
            args = self.arguments(name.lower(), path + (name.lower(),))
            self.expect(")")
        return {name.lower(): args} if args else name.lower()

    def arguments(self, name: str, path: tuple) -> dict[str, Any]:
        written: list[tuple[str | None, Any, Token]] = []  # (key, None when positional; value; where)
        while self.token.kind != ")":
            if written:
                self.expect(",")
            if self.token.kind == "word" and self.tokens[self.pos + 1].kind == "=":
                key = self.advance()
                self.advance()
                written.append((key.text, self.value(), key))
            else:
                if written and written[-1][0] is not None:
                    raise SpecError([error("compact-syntax", "a positional argument cannot follow a key=value one",
                                           span=self.span_of(self.token.column))])
                start = self.token
                written.append((None, self.value(), start))
        if name not in REGISTRY:  # the spec builder reports the unknown name
            return {}
        cls = REGISTRY[name][0]
        count = sum(key is None for key, _, _ in written)
        if name == "input" and count == 3:  # INPUT(32, 32, 3) is INPUT(32x32x3)
            written[:3] = [(None, [value for _, value, _ in written[:3]], written[0][2])]
            count = 1
        if count > len(cls.POSITIONAL):
            raise SpecError([error("compact-syntax", f"{name.upper()} takes at most {len(cls.POSITIONAL)} "
                                   f"positional arguments ({', '.join(cls.POSITIONAL) or 'none'}), got {count}",
                                   span=self.span_of(written[len(cls.POSITIONAL)][2].column))])
        given = [Given(cls.POSITIONAL[i], token.text, self.span_of(token.column), positional=True) if key is None
                 else Given(key, f"{key}=", self.span_of(token.column)) for i, (key, _, token) in enumerate(written)]
        repeats = repeated(cls.PARAMS, given)
        self.problems.extend(repeats.values())
        args: dict[str, Any] = {}
        for index, (item, (_, value, _)) in enumerate(zip(given, written)):
            if index in repeats or item.key in args:  # a key that is no parameter, twice: validation reports it
                continue
            args[item.key] = value
            self.locations[path + (item.key,)] = self.locations[path + (item.key, KEY)] = item.span
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
    if parser.problems:
        raise SpecError(parser.problems)
    locations = parser.locations
    data: dict[str, Any] = {}
    first = items[0]
    if first == "input" or (isinstance(first, dict) and "input" in first):
        data["input"] = first["input"].get("volume") if isinstance(first, dict) else None
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
    if parser.problems:
        raise SpecError(parser.problems)
    return item, parser.locations


def _shift(path: tuple) -> tuple:
    """Renumber top-level layer paths after INPUT(…) is taken out of the list."""
    if len(path) >= 2 and path[0] == "layers" and isinstance(path[1], int):
        return ("layers", path[1] - 1, *path[2:])
    return path


def render_call(name: str, values: list[Any]) -> str:
    return f"{name.upper()}({', '.join(map(str, values))})" if values else name.upper()
