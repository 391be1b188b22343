"""YAML text -> plain Python data plus an index of where each value and key stands.

Only PyYAML's safe parser is used: its events' marks give each value's line and column, and no tag
other than YAML's core types is accepted, so nothing in a file can construct Python objects.
"""
from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.events import AliasEvent, MappingEndEvent, ScalarEvent, SequenceEndEvent, SequenceStartEvent, StreamEndEvent

from ..diagnostics import Span, SpecError, error
from ..limits import MAX_NESTING, MAX_YAML_NODES
from ..model.geometry import Oversized
from . import yaml_limits

KEY = "@key"  # marker in a location path: the position of the mapping key, not of its value

Path = tuple
Locations = dict[Path, Span]

# libyaml's parser when PyYAML was built with it: the same events and marks, several times faster
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CORE = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_CORE + t for t in ("str", "int", "float", "bool", "null")}


def load(text: str) -> tuple[Any, Locations]:
    """Parse YAML `text`; raise SpecError with positioned diagnostics when it is not a plain document."""
    yaml_limits.check(text)  # before the parser, whose own limits differ between releases
    try:
        document = _Reader(text).document()
    except yaml.MarkedYAMLError as exc:
        raise SpecError([_syntax_error(exc, text)]) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, e.g. a control character
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        raise SpecError([error("yaml-syntax", f"the character {chr(exc.character)!r} is not allowed in YAML",
                               span=Span(line, column), suggestions=["remove it"])]) from None
    except yaml.YAMLError as exc:
        raise SpecError([error("yaml-syntax", f"not valid YAML: {exc}")]) from None
    if document is None:  # only comments
        raise empty_spec()
    return document


def empty_spec() -> SpecError:
    return SpecError([error("empty-spec", "the spec is empty", span=Span(1, 1), suggestions=[
        "start from: input: 32x32x3, then layers: [conv: {filters: 16, kernel: 3}]"])])


def _span(mark: yaml.Mark) -> Span:
    return Span(mark.line + 1, mark.column + 1)


def _syntax_error(exc: yaml.MarkedYAMLError, text: str) -> Any:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or "not valid YAML"
    if exc.context:
        problem = f"{problem} ({exc.context})"
    hints = []
    line = text.splitlines()[mark.line] if mark and mark.line < len(text.splitlines()) else ""
    if "\t" in line:
        hints.append("YAML indents with spaces only: replace the tab on this line with spaces")
    span = Span(mark.line + 1, mark.column + 1) if mark else None
    return error("yaml-syntax", f"not valid YAML: {problem}", span=span, suggestions=hints)


class _Reader:
    """Plain data and its locations, built straight from the parser's events.

    PyYAML's composer would first make a node of every value, at twice the cost; reading events,
    the values are also counted as they come, so that a document past MAX_YAML_NODES (an alias
    bomb, or megabytes of numbers) is refused after MAX_YAML_NODES values, not after all of them.
    """

    def __init__(self, text: str) -> None:
        self.next = _Loader(text).get_event
        self.locations: Locations = {}
        self.values = 0
        self.constructor = yaml.SafeLoader("")  # for floats, bools and nulls: YAML 1.1 has many spellings
        self.constructed: dict[tuple[str, str], Any] = {}  # (tag, text) -> the float, bool or null it is
        self.tags: dict[str, str] = {}  # a plain scalar's text -> its tag: most texts come again and again
        # anchor -> (its value, the range of the log it spans, its path's length, its size in values, its
        # height, its mark); None while it is being read
        self.anchors: dict[str, tuple | None] = {}
        # with anchors, every location in the order read, for an alias to copy its anchor's (an anchor keeps
        # only the range: copies at each anchor would cost a value once for each anchor around it)
        self.log: list[tuple[Path, Span]] | None = [] if "&" in text else None
        self.deepest = 0  # the deepest value read yet: how deep an anchor's value goes, for its aliases

    def document(self) -> tuple[Any, Locations] | None:
        self.next()  # the stream's start
        if isinstance(self.next(), StreamEndEvent):
            return None
        first = self.next()
        value = self.node(first, (), 0)
        self.next()  # the document's end
        event = self.next()
        if not isinstance(event, StreamEndEvent):
            raise ComposerError("expected a single document in the stream", first.start_mark,
                                "but found another document", event.start_mark)
        return value, self.locations

    def too_many(self, mark: yaml.Mark) -> SpecError:
        return SpecError([error("too-large", f"the YAML holds more than {MAX_YAML_NODES:,} values (an alias counts "
                                "as every value it stands for)", span=_span(mark),
                                suggestions=["use repeat blocks instead of writing layers out"])])

    def node(self, event: Any, path: Path, depth: int) -> Any:
        if type(event) is AliasEvent:
            return self.alias(event, path, depth)
        if event.anchor is not None:
            return self.anchored(event, path, depth)
        return self.value(event, path, depth)

    def value(self, event: Any, path: Path, depth: int) -> Any:
        """A scalar, a list or a mapping, counted and located."""
        kind, mark = type(event), event.start_mark
        quoted = kind is ScalarEvent and event.style in ('"', "'")  # a quoted text starts after its quote
        self.place(path, Span(mark.line + 1, mark.column + (2 if quoted else 1)))
        self.values += 1
        if self.values > MAX_YAML_NODES:
            raise self.too_many(mark)
        if depth > MAX_NESTING:
            raise _too_deep(mark)
        self.deepest = max(self.deepest, depth)
        if kind is ScalarEvent:
            return self.scalar(event)
        if kind is SequenceStartEvent:
            return self.sequence(event, path, depth)
        return self.mapping(event, path, depth)

    def place(self, path: Path, span: Span) -> None:
        self.locations[path] = span
        if self.log is not None:
            self.log.append((path, span))

    def anchored(self, event: Any, path: Path, depth: int) -> Any:
        """A value with an anchor: read, then kept with its size and its locations for its aliases."""
        anchor, mark = event.anchor, event.start_mark
        if anchor in self.anchors:
            first = self.anchors[anchor]
            raise ComposerError(f"found duplicate anchor {anchor!r}; first occurrence", first[5] if first else None,
                                "second occurrence", mark)
        self.anchors[anchor] = None
        start, values, deepest = len(self.log), self.values, self.deepest
        self.deepest = depth
        value = self.value(event, path, depth)
        self.anchors[anchor] = (value, (start, len(self.log)), len(path), self.values - values, self.deepest - depth,
                                mark)
        self.deepest = max(deepest, self.deepest)
        return value

    def alias(self, event: AliasEvent, path: Path, depth: int) -> Any:
        """The anchored value again, its values counted again and its locations copied to `path`."""
        mark = event.start_mark
        if event.anchor not in self.anchors:
            raise ComposerError(None, None, f"found undefined alias {event.anchor!r}", mark)
        anchored = self.anchors[event.anchor]
        if anchored is None:  # an alias inside its own anchor's value: it expands without end
            raise self.too_many(mark)
        value, (start, end), root, size, height, _ = anchored
        self.values += size
        if self.values > MAX_YAML_NODES:
            raise self.too_many(mark)
        if depth + height > MAX_NESTING:
            raise _too_deep(mark)
        self.deepest = max(self.deepest, depth + height)
        for where, span in self.log[start:end]:
            self.place(path + where[root:], span)
        return value

    def sequence(self, event: Any, path: Path, depth: int) -> list:
        if event.tag not in (None, "!", _CORE + "seq"):
            raise _bad_tag(event, event.tag)
        items: list = []
        next_event, node, depth = self.next, self.node, depth + 1
        while type(event := next_event()) is not SequenceEndEvent:
            items.append(node(event, path + (len(items),), depth))
        return items

    def mapping(self, event: Any, path: Path, depth: int) -> dict:
        if event.tag not in (None, "!", _CORE + "map"):
            raise _bad_tag(event, event.tag)
        result: dict = {}
        next_event, node, depth = self.next, self.node, depth + 1
        while type(event := next_event()) is not MappingEndEvent:
            mark = event.start_mark
            if type(event) is ScalarEvent and event.anchor is None:  # the common key, directly
                self.values += 1
                key = self.scalar(event)
            else:  # a key's own locations are not kept
                saved, self.locations = self.locations, {}
                key = node(event, path + (KEY,), depth)
                self.locations = saved
            if not isinstance(key, str):
                key = str(key)
            if key in result:
                raise SpecError([error("duplicate-key", f"the key '{key}' appears twice in one mapping",
                                       span=_span(mark), suggestions=["keep one of them"])])
            self.place(path + (key, KEY), Span(mark.line + 1, mark.column + 1))
            result[key] = node(next_event(), path + (key,), depth)
        return result

    def scalar(self, event: ScalarEvent) -> Any:
        text, tag = event.value, event.tag
        if tag is None:
            if not event.implicit[0]:  # quoted
                tag = _CORE + "str"
            elif (tag := self.tags.get(text)) is None:
                tag = self.tags[text] = resolve_tag(text)
        elif tag == "!":  # the non-specific tag: text
            tag = _CORE + "str"
        if tag == _CORE + "str":  # the common cases directly: the constructor is slow for thousands of layers
            value = text
        elif tag == _CORE + "int":  # plain decimals only: YAML 1.1's 0x1, 0b1, 1_0 or 0o7 would misread `0x1` (WxH)
            digits = text.lstrip("+-")
            value = text if not digits.isdigit() else Oversized(len(digits)) if len(digits) > 4000 else int(text)
        elif tag in _SCALAR_TAGS:
            key = (tag, text)
            if key not in self.constructed:
                self.constructed[key] = self.constructor.construct_object(yaml.ScalarNode(tag, text))
            value = self.constructed[key]
        else:
            raise _bad_tag(event, tag)
        if isinstance(value, str) and "\x00" in value:
            raise SpecError([error("invalid-value", "a NUL character is not allowed in a spec",
                                   span=_span(event.start_mark))])
        return value


_IMPLICIT = {first: tuple(rules) for first, rules in _Loader.yaml_implicit_resolvers.items()}


def resolve_tag(text: str) -> str:
    """The tag of a plain scalar, by YAML 1.1's rules as PyYAML's safe loader applies them."""
    for tag, pattern in _IMPLICIT.get(text[:1], ()):
        if pattern.match(text):
            return tag
    return _CORE + "str"


def _too_deep(mark: yaml.Mark) -> SpecError:
    return SpecError([error("too-deep", f"the YAML nests deeper than {MAX_NESTING} levels", span=_span(mark))])


def _bad_tag(event: Any, tag: str) -> SpecError:
    if tag == _CORE + "merge":  # the tag YAML gives a `<<` key: name the key, not the tag
        return SpecError([error("yaml-tag", "YAML's merge key '<<' is not allowed in a spec",
                                span=_span(event.start_mark),
                                suggestions=["write out the keys that '<<' would copy, or use a whole mapping "
                                             "again with its alias alone (conv: *base)"])])
    return SpecError([error("yaml-tag", f"the tag '{tag}' is not allowed: a spec holds plain "
                            "mappings, lists, numbers and strings", span=_span(event.start_mark),
                            suggestions=["remove the tag"])])
