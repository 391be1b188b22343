"""YAML text -> plain Python data plus an index of where each value and key stands.

Only PyYAML's safe composer is used: node marks give 1-based line and column, and no tag other
than YAML's core types is accepted, so nothing in a file can construct Python objects.
"""
from __future__ import annotations

from typing import Any

import yaml

from ..diagnostics import Span, SpecError, error
from ..limits import MAX_NESTING, MAX_YAML_NODES
from ..model.geometry import Oversized
from . import yaml_limits

KEY = "@key"  # marker in a location path: the position of the mapping key, not of its value

Path = tuple
Locations = dict[Path, "Span | yaml.Mark"]  # a YAML mark becomes a Span only when a message needs it


def to_span(place: "Span | yaml.Mark | None") -> Span | None:
    """The 1-based Span of a location entry."""
    if place is None or isinstance(place, Span):
        return place
    return Span(place.line + 1, place.column + 1)

# libyaml's composer when PyYAML was built with it: same nodes and marks, several times faster
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CORE = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_CORE + t for t in ("str", "int", "float", "bool", "null")}


def load(text: str) -> tuple[Any, Locations]:
    """Parse YAML `text`; raise SpecError with positioned diagnostics when it is not a plain document."""
    yaml_limits.check(text)  # before the parser, whose own limits differ between releases
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        raise SpecError([_syntax_error(exc, text)]) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, e.g. a control character
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        raise SpecError([error("yaml-syntax", f"the character {chr(exc.character)!r} is not allowed in YAML",
                               span=Span(line, column), suggestions=["remove it"])]) from None
    except yaml.YAMLError as exc:
        raise SpecError([error("yaml-syntax", f"not valid YAML: {exc}")]) from None
    except RecursionError:
        raise SpecError([error("too-deep", f"the YAML nests deeper than {MAX_NESTING} levels")]) from None
    if node is None:  # only comments
        raise empty_spec()
    sizes: dict[int, int] = {}
    if "&" in text and _size(node, sizes, 0) > MAX_YAML_NODES:  # only anchors let a document expand
        raise SpecError([error("too-large", f"the YAML expands to more than {MAX_YAML_NODES:,} values "
                               "(anchors and aliases count each time they are used)", span=_span(node))])
    locations: Locations = {}
    data = _build(node, (), locations, yaml.SafeLoader(""), 0)
    if len(locations) > MAX_YAML_NODES:  # one entry a value; the scan counts them from below
        raise yaml_limits.too_many_values(_span(node))
    return data, locations


def empty_spec() -> SpecError:
    return SpecError([error("empty-spec", "the spec is empty", span=Span(1, 1), suggestions=[
        "start from: input: 32x32x3, then layers: [conv: {filters: 16, kernel: 3}]"])])



def _span(node: yaml.Node) -> Span:
    return Span(node.start_mark.line + 1, node.start_mark.column + 1)


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


def _size(node: yaml.Node, sizes: dict[int, int], depth: int) -> int:
    """Values the node expands to, memoised per node so that alias bombs are counted, not expanded."""
    if id(node) in sizes:
        return sizes[id(node)]
    if depth > MAX_NESTING:
        raise SpecError([error("too-deep", f"the YAML nests deeper than {MAX_NESTING} levels", span=_span(node))])
    sizes[id(node)] = MAX_YAML_NODES + 1  # a node that contains itself expands without end
    if isinstance(node, yaml.MappingNode):
        total = 1 + sum(_size(k, sizes, depth + 1) + _size(v, sizes, depth + 1) for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        total = 1 + sum(_size(v, sizes, depth + 1) for v in node.value)
    else:
        total = 1
    sizes[id(node)] = min(total, MAX_YAML_NODES + 1)
    return sizes[id(node)]


def _build(node: yaml.Node, path: Path, locations: Locations, constructor: yaml.SafeLoader, depth: int) -> Any:
    locations[path] = node.start_mark
    if depth > MAX_NESTING:
        raise SpecError([error("too-deep", f"the YAML nests deeper than {MAX_NESTING} levels", span=_span(node))])
    if isinstance(node, yaml.MappingNode):
        if node.tag != _CORE + "map":
            raise _bad_tag(node)
        result: dict = {}
        for key_node, value_node in node.value:
            key = _build(key_node, path + (KEY,), {}, constructor, depth + 1)
            if not isinstance(key, str):
                key = str(key)
            if key in result:
                raise SpecError([error("duplicate-key", f"the key '{key}' appears twice in one mapping",
                                       span=_span(key_node), suggestions=["keep one of them"])])
            locations[path + (key, KEY)] = key_node.start_mark
            result[key] = _build(value_node, path + (key,), locations, constructor, depth + 1)
        return result
    if isinstance(node, yaml.SequenceNode):
        if node.tag != _CORE + "seq":
            raise _bad_tag(node)
        return [_build(item, path + (i,), locations, constructor, depth + 1) for i, item in enumerate(node.value)]
    if node.tag not in _SCALAR_TAGS:
        raise _bad_tag(node)
    if node.tag == _CORE + "str":  # the common cases directly: the constructor is slow for 100,000 layers
        value = node.value
        if node.style in ('"', "'"):  # a quoted text starts after its quote: a compact item's columns count from there
            locations[path] = Span(node.start_mark.line + 1, node.start_mark.column + 2)
    elif node.tag == _CORE + "int":  # plain decimals only: YAML 1.1's 0x1, 0b1, 1_0 or 0o7 would misread `0x1` (WxH)
        digits = node.value.lstrip("+-")
        if not digits.isdigit():
            value = node.value
        elif len(digits) > 4000:
            value = Oversized(len(digits))
        else:
            value = int(node.value)
    else:
        value = constructor.construct_object(node)
    if isinstance(value, str) and "\x00" in value:
        raise SpecError([error("invalid-value", "a NUL character is not allowed in a spec", span=_span(node))])
    return value


def _bad_tag(node: yaml.Node) -> SpecError:
    if node.tag == _CORE + "merge":  # the tag YAML gives a `<<` key: name the key, not the tag
        return SpecError([error("yaml-tag", "YAML's merge key '<<' is not allowed in a spec", span=_span(node),
                                suggestions=["write out the keys that '<<' would copy, or use a whole mapping "
                                             "again with its alias alone (conv: *base)"])])
    return SpecError([error("yaml-tag", f"the tag '{node.tag}' is not allowed: a spec holds plain "
                            "mappings, lists, numbers and strings", span=_span(node),
                            suggestions=["remove the tag"])])
