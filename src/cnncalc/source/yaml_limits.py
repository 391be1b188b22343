"""cnncalc's own YAML limits, measured on the text in one pass before any parser reads it.

Parsers differ on deep nesting (PyYAML 6.0.4's libyaml stops at 1,000 flow levels with a syntax
error, earlier releases and the pure-Python composer recurse until Python's stack runs out), and
none counts values, so this scan finds the first node nested deeper than MAX_NESTING, and a
document past MAX_YAML_NODES values, before PyYAML is asked to compose it.

It follows what makes YAML nest: block indentation, `- ` entries, `key:` entries and flow
brackets, stepping over quoted strings, block scalars and comments. For well-formed YAML the depth
it finds is the composed tree's; values are counted from below (an alias once, a null that has no
text not at all), so source_yaml checks both again on the composed nodes.
"""
from __future__ import annotations

import re

from ..diagnostics import Span, SpecError, error
from ..limits import MAX_NESTING, MAX_YAML_NODES

_INDENT = re.compile(r" *")
_SPACES = re.compile(r"[ \t]*")
# what may stand between a flow collection's opening and its first node: spaces, line breaks, comments, a `? `
_GAP = re.compile(r"[ \t\r\n]*(?:(?:#[^\n]*|\?(?=[ \t\r\n]))[ \t\r\n]*)*")
_PROPERTY = re.compile(r"[&!][^ \t\r\n]*[ \t]*")  # an anchor or a tag before a node
_DOUBLE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_SINGLE = re.compile(r"'[^']*(?:''[^']*)*'?")
# flow text that cannot open, close or hide a bracket; in a sequence, nor make an entry a `key: value` pair
_MAPPING_TEXT = re.compile(r"[^\[\]{}\"'#]*")
_SEQUENCE_TEXT = re.compile(r"[^\[\]{}\"'#:]*")
# a word, or a flow collection in which nothing nests; the same on one line
_FLAT = r"""(?:[\w.+-]+|\{[^\[\]{}"'#]*\}|\[[^\[\]{}"'#:]*\])"""
_FLAT_LINE = r"""(?:[\w.+-]+|\{[^\[\]{}"'#\n]*\}|\[[^\[\]{}"'#:\n]*\])"""
_FLAT_MAPPING = re.compile(r"\{[^\[\]{}\"'#]*\}")
# a flow sequence of flat entries, each perhaps a `key: value` pair: at most three levels under it
_FLAT_SEQUENCE = re.compile(rf"\[\s*(?:(?:\w[\w.-]*:\s+)?{_FLAT}\s*(?:,\s*|(?=\])))*\]")
# lines at one column that each hold one entry of a sequence and at most two levels under it:
# `- relu`, `- conv: {filters: 16, kernel: 3}`, `- {fc: 10}`, `- pool: [2, 2]`
_ENTRY = rf"- (?:\w[\w.-]*: )?{_FLAT_LINE}[ \t]*\r?\n"
_ENTRIES = re.compile(rf"( *){_ENTRY}(?:\1{_ENTRY})*")
# The shortcuts over flat runs repeat a group once per entry, and Python's regular expressions keep
# state for each repetition: they look at 64 KiB at a time (a longer flat run is stepped over in
# several), or take the slow way, which keeps constant memory
_WINDOW = 64 * 1024
_KEY_REACH = 1024 + 8  # YAML's longest implicit key, its quotes and the spaces before its colon
# a block mapping key and its colon: quoted, plain up to the first ': ' before a comment, or none
_KEY = re.compile(r"""
    (?: "[^"\\\n]*(?:\\.[^"\\\n]*)*" [ \t]* | '[^'\n]*(?:''[^'\n]*)*' [ \t]*
      | (?:[^\s"'\#:]|:(?![ \t\r\n])) [^\n:\#]* (?:(?::(?![ \t\r\n])|(?<![ \t])\#) [^\n:\#]*)*
    )? :(?=[ \t\r\n]|$)""", re.VERBOSE)


def _key(text: str, at: int, eol: int) -> re.Match | None:
    """A block mapping key at `at`. YAML allows an implicit key at most 1,024 characters, so the
    search stops soon after: on a line of megabytes it would otherwise backtrack over all of it."""
    end = min(eol, at + _KEY_REACH)
    key = _KEY.match(text, at, end)
    return None if key is None or (key.end() == end < eol and text[end - 1] == ":") else key


def check(text: str) -> None:
    """Raise SpecError (too-deep, too-large) at the first node past cnncalc's YAML limits."""
    _Scan(text).run()


def too_many_values(span: Span) -> SpecError:
    return SpecError([error("too-large", f"the YAML has more than {MAX_YAML_NODES:,} values", span=span)])


def _after(text: str, start: int, end: int, count: int, *separators: str) -> int:
    """The position just after the `count`-th separator in text[start:end]."""
    low, high = start, end
    while low < high:
        middle = (low + high) // 2
        if sum(text.count(separator, start, middle) for separator in separators) >= count:
            high = middle
        else:
            low = middle + 1
    return low


def _span(text: str, at: int) -> Span:
    return Span(text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at))


class _Scan:
    def __init__(self, text: str) -> None:
        self.text = text
        self.values = 0
        # the open block collections: (column, is a sequence, is a sequence at its mapping's own column)
        self.blocks: list[tuple[int, bool, bool]] = []
        self.plain = False  # the last line read ended in a plain scalar, which more indented lines continue
        self.quoted = -1  # where the last quoted scalar in a flow collection ended
        self.properties = -1  # where the anchor or tag of the next block node starts: the node starts there

    def depth(self, at: int, depth: int) -> None:
        """A node starts at `at`, inside `depth` collections."""
        if depth > MAX_NESTING:
            raise SpecError([error("too-deep", f"the YAML nests deeper than {MAX_NESTING} levels",
                                   span=_span(self.text, at))])

    def node(self, at: int, depth: int) -> None:
        """A node to count starts at `at`, inside `depth` collections."""
        if self.properties >= 0:
            at, self.properties = self.properties, -1
        self.depth(at, depth)
        self.values += 1
        if self.values > MAX_YAML_NODES:
            self.too_many(at)

    def too_many(self, at: int) -> None:
        raise too_many_values(_span(self.text, at))

    def run(self) -> None:
        text, end, blocks = self.text, len(self.text), self.blocks
        pos = 0
        while pos < end:
            eol = text.find("\n", pos)
            eol = end if eol < 0 else eol
            start = _INDENT.match(text, pos).end()
            column = start - pos
            if start == eol or text[start] in "#\r" or (column == 0 and text[start] == "%"):
                pos = eol + 1  # blank, a comment or a directive
                continue
            plain, self.plain = self.plain, False
            marker = column == 0 and text.startswith(("---", "..."), start)
            if marker and (start + 3 == eol or text[start + 3] in " \t\r"):
                blocks.clear()  # a document marker: the root may follow on the same line
                start = _SPACES.match(text, start + 3).end()
                if start == eol or text[start] in "#\r":
                    pos = eol + 1
                    continue
            elif plain and column > (blocks[-1][0] if blocks else -1):
                self.plain = True  # the scalar goes on
                pos = eol + 1
                continue
            else:
                if blocks and blocks[-1][0] == column and blocks[-1][1] and len(blocks) + 2 <= MAX_NESTING:
                    pos = self.entries(pos, column)  # the common case of a long list, in one step
                    start, eol = pos + column, text.find("\n", pos)
                    eol = end if eol < 0 else eol
                entry = text[start] == "-" and (start + 1 == eol or text[start + 1] in " \t\r")
                while blocks and (blocks[-1][0] > column or (blocks[-1][0] == column and blocks[-1][2] and not entry)):
                    blocks.pop()
            pos = self.line(start, pos, eol)

    def entries(self, pos: int, column: int) -> int:
        """Step over lines that each hold a flat entry of the sequence at `column` but the last, which may
        open a mapping that the next lines go on; where that last line starts."""
        run = _ENTRIES.match(self.text, pos, pos + _WINDOW)  # a window at a time: see _WINDOW
        if not run or len(run[1]) != column:
            return pos
        last = self.text.rfind("\n", pos, run.end() - 1) + 1
        if last <= pos:
            return pos
        lines, room = self.text.count("\n", pos, last), MAX_YAML_NODES - self.values
        if lines > room:  # up to the limit: the slow way finds the value past it
            last, lines = _after(self.text, pos, last, room, "\n"), room
        self.values += lines  # each holds at least one node
        return last

    def line(self, at: int, line_start: int, eol: int) -> int:
        """Follow the nodes that start on one line from `at`; the position of the next line to read."""
        text, blocks = self.text, self.blocks
        while True:
            char, column = text[at], at - line_start
            if char in "-?" and (at + 1 == eol or text[at + 1] in " \t\r"):
                sequence = char == "-"  # `? ` opens an explicit key of a mapping
                top = blocks[-1] if blocks else None
                if not (top and top[0] == column and top[1] == sequence):
                    self.node(at, len(blocks))
                    blocks.append((column, sequence, sequence and top is not None and top[0] == column))
                at = _SPACES.match(text, at + 1, eol).end()
            elif char in "&!":
                self.properties = at if self.properties < 0 else self.properties
                at = _PROPERTY.match(text, at, eol).end()
            elif char in "[{":
                return self.next_line(self.flow(at, len(blocks)))
            elif char in "|>":
                self.node(at, len(blocks))
                return self.block_scalar(eol + 1, blocks[-1][0] if blocks else -1)
            elif key := _key(text, at, eol):
                top = blocks[-1] if blocks else None
                if not (top and top[0] == column and not top[1]):
                    self.node(at, len(blocks))
                    blocks.append((column, False, False))
                if key.end() - at > 1:  # `: value` alone is the value of a `? ` key
                    self.node(at, len(blocks))
                at = _SPACES.match(text, key.end(), eol).end()
            else:  # a scalar or an alias, perhaps quoted over several lines
                self.node(at, len(blocks))
                if char in "\"'":
                    return self.next_line((_DOUBLE if char == '"' else _SINGLE).match(text, at).end())
                self.plain = True
                return eol + 1
            if at >= eol or text[at] in "#\r":
                return eol + 1

    def next_line(self, at: int) -> int:
        eol = self.text.find("\n", at)
        return len(self.text) if eol < 0 else eol + 1

    def block_scalar(self, pos: int, parent: int) -> int:
        """Step over the lines of a `|` or `>` scalar: blank, or indented past the parent's column."""
        text, end = self.text, len(self.text)
        while pos < end:
            start = _INDENT.match(text, pos).end()
            eol = text.find("\n", start)
            eol = end if eol < 0 else eol
            if start < eol and text[start] != "\r" and start - pos <= parent:
                break
            pos = eol + 1
        return pos

    def flow(self, at: int, depth: int) -> int:
        """Follow the flow collection that opens at `at`, `depth` block collections deep; the position after it."""
        text, end = self.text, len(self.text)
        # per open collection: its depth, whether it is a sequence, whether its entry is a `key: value`
        # pair (an implicit mapping one level deeper), where its entry starts
        levels: list[list] = []
        while at < end:
            char = text[at]
            if char in "[{":
                inner = levels[-1] if levels else None
                nested = depth if inner is None else inner[0] + 1 + inner[2]
                self.node(at, nested)
                levels.append([nested, char == "[", False, at + 1])
                first = _GAP.match(text, at + 1).end()
                if nested + 1 > MAX_NESTING and first < end and text[first] not in "]}":
                    self.depth(first, nested + 1)
                if char == "{":
                    flat = _FLAT_MAPPING.match(text, at, at + _WINDOW)
                else:
                    flat = _FLAT_SEQUENCE.match(text, at, at + _WINDOW) if nested + 3 <= MAX_NESTING else None
                if flat:  # nothing nests in it too deep: count its entries and go on after it
                    self.count(at + 1, flat.end() - 1, char == "{", False)
                    at, char = flat.end() - 1, "]"
            if char in "]}":
                levels.pop()
                if not levels:
                    return at + 1
            elif char == ":":  # stopped at in a sequence only
                inner = levels[-1]
                if not inner[2] and self.is_value(at):
                    inner[2] = True
                    key = _GAP.match(text, inner[3]).end()
                    self.node(key, inner[0] + 1)
                    self.depth(key, inner[0] + 2)
            elif char == "#" and text[at - 1] in " \t\r\n[{,":
                at = self.next_line(at) - 1
            elif char in "\"'" and self.starts_token(at):
                at = (_DOUBLE if char == '"' else _SINGLE).match(text, at).end() - 1
                self.quoted = at
            sequence = levels[-1][1]
            after = (_SEQUENCE_TEXT if sequence else _MAPPING_TEXT).match(text, at + 1).end()
            comma = text.rfind(",", at + 1, after)
            if sequence and comma >= 0:
                levels[-1][2:] = [False, comma + 1]
            self.count(at + 1, after, not sequence, char in "]}")
            at = after
        return end

    def count(self, start: int, end: int, mapping: bool, after_collection: bool) -> None:
        """Count the values in flow text that holds no bracket: each comma, and in a mapping each `: `,
        stands after one, but for one after a collection, which is counted already."""
        text = self.text
        separators = (",", ": ") if mapping else (",",)
        found = sum(text.count(separator, start, end) for separator in separators)
        skip = int(found > 0 and after_collection and text.startswith((",", ":"), _SPACES.match(text, start).end()))
        if self.values + found - skip > MAX_YAML_NODES:  # where is the value that the passing separator ends?
            passing = _after(text, start, end, MAX_YAML_NODES - self.values + 1 + skip, *separators)
            passing -= 1 if text[passing - 1] == "," else 2
            entry = max(start, *(text.rfind(separator, start, passing) + len(separator) for separator in separators))
            self.too_many(_GAP.match(text, entry).end())
        self.values += found - skip

    def is_value(self, at: int) -> bool:
        """Whether a `:` in a flow sequence marks a value rather than stands in a plain scalar."""
        if at + 1 == len(self.text) or self.text[at + 1] in " \t\r\n,[]{}":
            return True
        before = self.before(at)
        return before == self.quoted or self.text[before] in "]}"

    def starts_token(self, at: int) -> bool:
        """Whether a quote at `at` opens a quoted scalar rather than stands in a plain one."""
        before = self.before(at)
        if self.text[before] in "\r\n[{,:?":
            return True
        while before != at - 1 and self.text[before] not in " \t\r\n[{,":
            before -= 1  # to the start of the word before: an anchor or a tag may stand there
        return self.text[before + 1] in "!&"

    def before(self, at: int) -> int:
        """The position of the last character before `at` that is not a space."""
        at -= 1
        while self.text[at] in " \t":
            at -= 1
        return at
