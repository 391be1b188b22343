"""A model's graph as the spec's layers and blocks.

A reader turns each operator into a Unit: a layer (its spec item) or a merge (`add`, `concat`,
`multiply`) that reads data tensors and writes one. `structure` lays the units out as the spec
writes a network: a chain of layers where each tensor feeds the next unit only; where a tensor
forks, a block whose branches run from the fork to the merge where they meet again (found with the
graph's post-dominators), nested as deep as the graph nests. Where branches share units or a
tensor inside one is read outside it, that stretch is written flat, the merges reading earlier
outputs through `id` and `from`; so is a block that would nest deeper than MAX_BLOCKS.
"""
from __future__ import annotations

import re
from typing import Any

from ..diagnostics import SpecError, error
from ..limits import MAX_NESTING

MERGES = ("add", "concat", "multiply")
# blocks inside blocks: each takes three YAML levels (its mapping, its branches, a branch), and the spec's
# top and a layer's parameters five more, so that `cnncalc import`'s YAML stays within MAX_NESTING
MAX_BLOCKS = (MAX_NESTING - 5) // 3


class Unit:
    """One row of the spec to be: `layer` a spec item ({"conv": {...}}) or `merge` a block kind."""

    __slots__ = ("inputs", "output", "layer", "merge", "name")

    def __init__(self, inputs: list[str], output: str, name: str, layer: dict | None = None,
                 merge: str | None = None) -> None:
        self.inputs, self.output, self.name, self.layer, self.merge = inputs, output, name, layer, merge


def structure(units: list[Unit], source: str, sink: str) -> list:
    """The spec's `layers` for `units` (in an order where each reads what earlier ones wrote), which
    take the tensor `source` to `sink`. Units that `sink` does not depend on are left out."""
    return _Layout(units, source, sink).items()


class _Layout:
    END = -1  # after the last unit

    def __init__(self, units: list[Unit], source: str, sink: str) -> None:
        producer = {source: 0}
        for index, unit in enumerate(units, 1):
            producer[unit.output] = index
        self.source = Unit([], source, "input")
        needed = _ancestors(units, producer, sink)
        self.units = [self.source] + [u for i, u in enumerate(units, 1) if i in needed]
        self.producer = {u.output: i for i, u in enumerate(self.units)}
        self.consumers: list[list[int]] = [[] for _ in self.units]
        for index, unit in enumerate(self.units):
            for tensor in dict.fromkeys(unit.inputs):
                self.consumers[self.producer[tensor]].append(index)
        self.sink = self.producer[sink]
        self.after = self._post_dominators()
        self.emitted: dict[int, dict] = {}  # unit -> its item, to give it an id when it is referred to
        self.ids: dict[int, str] = {}

    def _post_dominators(self) -> list[int]:
        """Each unit's nearest unit that every path from it to the sink runs through (END for the sink)."""
        after = [self.END] * len(self.units)
        for index in range(len(self.units) - 1, -1, -1):
            following = self.consumers[index]
            if index == self.sink or not following:
                continue
            meet = following[0]
            for other in following[1:]:
                meet = self._meet(meet, other, after)
            after[index] = meet
        return after

    def _meet(self, a: int, b: int, after: list[int]) -> int:
        """The first unit at which the paths onward from units a and b meet (units are in run order)."""
        while a != b:
            if a == self.END or b == self.END:
                return self.END
            if a < b:
                a = after[a]
            else:
                b = after[b]
        return a

    # -- laying out ------------------------------------------------------------------------------
    def items(self) -> list:
        items = self._chain(0, self.consumers[0], self.END)
        if 0 in self.ids:  # a later unit reads the network's input again: name it with an identity row
            items.insert(0, {"identity": {"name": "input", "id": self.ids[0]}})
        return items

    def _chain(self, at: int, starts: list[int], end: int, depth: int = 0) -> list:
        """The items that take unit `at`'s output, read by `starts` on this stretch, to unit `end`;
        `depth` blocks hold them."""
        items: list = []
        starts = [s for s in starts if s != end]
        while starts:
            if len(starts) == 1 and self.units[starts[0]].merge is None:
                at = starts[0]
                items.append(self._layer(at))
            else:
                merge = starts[0]
                for other in starts[1:]:
                    merge = self._meet(merge, other, self.after)
                items.extend(self._block(at, starts, merge, depth))
                at = merge
            starts = [s for s in self.consumers[at] if s != end]
        return items

    def _layer(self, index: int) -> dict:
        item = self.units[index].layer
        self.emitted[index] = item
        return item

    def _block(self, at: int, starts: list[int], merge: int, depth: int) -> list:
        """The fork at unit `at`'s output that `merge` joins: one block, or the stretch written flat."""
        unit = self.units[merge]
        if unit.merge is None:  # not a join: cannot happen in a graph whose units are single-input layers
            raise SpecError([error("internal-error", f"the graph forks before {unit.name} without a merge")])
        inside = self._between(starts, merge)
        if depth >= MAX_BLOCKS:
            return self._flat(at, inside, merge)
        branches, claimed = [], set()
        for tensor in unit.inputs:
            start = self.producer[tensor]
            if start == at:
                branches.append([])
                continue
            if start not in inside:
                branches.append([{"from": self._ref(start)}])
                continue
            members = self._reaching(start, inside)
            if members & claimed or not self._closed(members, start, merge):
                return self._flat(at, inside, merge)
            claimed |= members
            branches.append(self._chain(at, [s for s in starts if s in members], merge, depth + 1))
        if claimed != inside:
            return self._flat(at, inside, merge)
        item = _block_item(unit, branches)
        self.emitted[merge] = item
        return [item]

    def _between(self, starts: list[int], merge: int) -> set[int]:
        """The units on paths from `starts` up to (not including) `merge`."""
        seen, todo = set(), [s for s in starts if s != merge]
        while todo:
            index = todo.pop()
            if index in seen:
                continue
            seen.add(index)
            todo.extend(c for c in self.consumers[index] if c != merge)
        return seen

    def _reaching(self, last: int, inside: set[int]) -> set[int]:
        """The units of `inside` from which `last` is reached (it included)."""
        seen, todo = set(), [last]
        while todo:
            index = todo.pop()
            if index in seen or index not in inside:
                continue
            seen.add(index)
            todo.extend(self.producer[t] for t in self.units[index].inputs)
        return seen

    def _closed(self, members: set[int], last: int, merge: int) -> bool:
        """Whether the branch `members` is read only inside itself, and only its `last` unit by the merge."""
        for index in members:
            readers = set(self.consumers[index])
            if index == last and readers != {merge}:
                return False
            if index != last and not readers <= members:
                return False
        return True

    def _flat(self, at: int, inside: set[int], merge: int) -> list:
        """The units from the fork to the merge in run order, each reading an earlier output by `from`."""
        items, current = [], self.units[at].output
        for index in sorted(inside) + [merge]:
            unit = self.units[index]
            if unit.merge is None:
                if unit.inputs[0] != current:
                    items.append({"from": self._ref(self.producer[unit.inputs[0]])})
                items.append(self._layer(index))
            else:
                branches = [[] if t == current else [{"from": self._ref(self.producer[t])}] for t in unit.inputs]
                item = _block_item(unit, branches)
                self.emitted[index] = item
                items.append(item)
            current = unit.output
        return items

    def _ref(self, index: int) -> str:
        """The id of unit `index` (given it on first use), for a `from:` to read its output."""
        if index not in self.ids:
            taken = set(self.ids.values())
            base = _identifier(self.units[index].output)
            ident, n = base, 1
            while ident in taken:
                n += 1
                ident = f"{base}_{n}"
            self.ids[index] = ident
            if index in self.emitted:
                _set_id(self.emitted[index], ident)
        return self.ids[index]


def _ancestors(units: list[Unit], producer: dict[str, int], sink: str) -> set[int]:
    needed, todo = set(), [producer[sink]]
    while todo:
        index = todo.pop()
        if index in needed or index == 0:
            continue
        needed.add(index)
        todo.extend(producer[t] for t in units[index - 1].inputs)
    return needed


def _block_item(unit: Unit, branches: list[list]) -> dict:
    """A merge's block: an add of two branches is a residual, unless a branch only reads an earlier
    output (`add: [[], [from: x]]` says that more plainly than a residual whose body is a `from`)."""
    if unit.merge == "add" and len(branches) == 2 and not any(len(b) == 1 and "from" in b[0] for b in branches):
        body, shortcut = branches if branches[0] or not branches[1] else branches[::-1]
        item: dict[str, Any] = {"residual": body}
        if shortcut:
            item["shortcut"] = shortcut
    else:
        item = {unit.merge: branches}
    item["name"] = unit.name
    return item


def _set_id(item: dict, ident: str) -> None:
    kind = next(iter(item))
    if kind in ("residual", *MERGES):
        item["id"] = ident
    else:
        item[kind]["id"] = ident


def _identifier(text: str) -> str:
    """An id from a tensor's name: its letters, digits, dots and underscores."""
    return re.sub(r"[^A-Za-z0-9_.]+", "_", text).strip("_") or "t"
