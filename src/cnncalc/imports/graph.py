"""A model's graph of layers -> the spec's list of layers and blocks.

Readers put each source layer into a `Graph` as a node: a chain of spec layers on one input, or a
merge (`add`, `concat`, `multiply`) of several. Where the graph is series-parallel (each merge closes
the branches that opened at its immediate dominator, and nothing else reads inside them) it becomes
nested blocks; otherwise every node is written once, in the order it runs, with `id` and `from`
where it does not continue from the one before.
"""
from __future__ import annotations

import re
from typing import Any

from ..diagnostics import Span, SpecError, error

MERGES = ("add", "concat", "multiply")


class Node:
    __slots__ = ("name", "kind", "layers", "inputs", "span")

    def __init__(self, name: str, kind: str, layers: list, inputs: list[int], span: Span | None) -> None:
        self.name, self.kind, self.layers, self.inputs, self.span = name, kind, layers, inputs, span


class Graph:
    """Nodes in the order the source gives them (each after its inputs); node 0 is the input."""

    def __init__(self) -> None:
        self.nodes: list[Node] = [Node("input", "input", [], [], None)]

    def layer(self, name: str, layers: list, source: int, span: Span | None = None) -> int:
        """A chain of spec layers on the output of node `source`; its node's index."""
        self.nodes.append(Node(name, "layers", layers, [source], span))
        return len(self.nodes) - 1

    def merge(self, name: str, kind: str, sources: list[int], span: Span | None = None) -> int:
        self.nodes.append(Node(name, kind, [], list(sources), span))
        return len(self.nodes) - 1

    def spec_layers(self, output: int) -> tuple[list, dict[tuple, Span]]:
        """The spec's layers that lead from the input to node `output`, and where each stands in the
        source, as paths under ('layers',). A node that does not lead to the output is an error."""
        live = self._live(output)
        dead = [n for i, n in enumerate(self.nodes) if i and i not in live]
        if dead:
            node = dead[0]
            raise SpecError([error("unsupported-graph", f"'{node.name}' does not lead to the output: the model has "
                                   "more than one output, and a spec has one", span=node.span,
                                   suggestions=["remove the layers that lead elsewhere, or split the model"])])
        try:
            items = _Nested(self, live).chain(0, output)
        except _Tangled:
            items = _Flat(self, live).items(output)
        locations: dict[tuple, Span] = {}
        _locate(items, ("layers",), self._spans(), locations)
        return items, locations

    def _live(self, output: int) -> set[int]:
        live, stack = {output}, [output]
        while stack:
            for source in self.nodes[stack.pop()].inputs:
                if source not in live:
                    live.add(source)
                    stack.append(source)
        return live

    def _spans(self) -> dict[int, Span]:
        """id() of each spec item -> the source position of its node."""
        spans = {}
        for node in self.nodes:
            if node.span is not None:
                for item in node.layers:
                    spans[id(item)] = node.span
        return spans


class _Tangled(Exception):
    """The graph is not series-parallel: a node would be written twice."""


class _Nested:
    """Series-parallel graphs as nested blocks, found from each merge's immediate dominator."""

    def __init__(self, graph: Graph, live: set[int]) -> None:
        self.nodes = graph.nodes
        self.idom: dict[int, int | None] = {0: None}
        self.depth = {0: 0}
        for i in sorted(live - {0}):
            dominator = None
            for source in self.nodes[i].inputs:
                dominator = source if dominator is None else self.common(dominator, source)
            self.idom[i], self.depth[i] = dominator, self.depth[dominator] + 1
        self.written: set[int] = set()
        self.spans: dict[int, Span] = {}

    def common(self, a: int, b: int) -> int:
        while a != b:
            if self.depth[a] < self.depth[b]:
                a, b = b, a
            a = self.idom[a]
        return a

    def chain(self, start: int, end: int) -> list:
        """The items that lead from node `start`'s output to node `end`'s (`start` dominates `end`)."""
        items: list = []
        while end != start:
            if end in self.written:
                raise _Tangled
            self.written.add(end)
            node = self.nodes[end]
            if node.kind == "layers":
                items[:0] = node.layers
                end = node.inputs[0]
                continue
            fork = self.idom[end]
            branches = [self.chain(fork, source) for source in node.inputs]
            items.insert(0, block(node, branches))
            end = fork
        return items


def block(node: Node, branches: list[list]) -> dict:
    """The block of a merge node: a residual where an add has one empty branch of two."""
    if node.kind == "add" and len(branches) == 2 and sum(not b for b in branches) == 1:
        item: dict[str, Any] = {"residual": branches[0] or branches[1]}
    else:
        item = {node.kind: branches}
    item["name"] = node.name
    if node.span is not None:
        item["@span"] = node.span
    return item


class _Flat:
    """Any graph: its nodes in order, `id` on each output read out of turn and `from` where it is read."""

    def __init__(self, graph: Graph, live: set[int]) -> None:
        self.graph, self.live = graph, live
        self.ids: dict[int, str] = {}

    def ident(self, index: int) -> str:
        if index not in self.ids:
            base = re.sub(r"[^A-Za-z0-9_]+", "_", self.graph.nodes[index].name).strip("_") or "node"
            taken, name, n = set(self.ids.values()), base, 1
            while name in taken:
                n += 1
                name = f"{base}_{n}"
            self.ids[index] = name
        return self.ids[index]

    def items(self, output: int) -> list:
        order = sorted(self.live)
        current, items, last_item = 0, [], {}
        for i in order[1:]:
            node = self.graph.nodes[i]
            if node.kind == "layers":
                if node.inputs[0] != current:
                    items.append({"from": self.ident(node.inputs[0])})
                items.extend(node.layers)
            else:
                branches = [[] if source == current else [{"from": self.ident(source)}] for source in node.inputs]
                items.append(block(node, branches))
            last_item[i] = items[-1]
            current = i
        for index, name in self.ids.items():
            if index == 0:  # the input itself is read out of turn: an identity names it
                items.insert(0, {"identity": {"id": name, "name": "input"}})
                continue
            item = last_item[index]
            kind = next(iter(item))
            if kind in MERGES or kind == "residual":
                item["id"] = name
            elif isinstance(item[kind], dict):
                item[kind]["id"] = name
            else:
                item[kind] = {"id": name}
        return items


def _locate(items: list, path: tuple, spans: dict[int, Span], locations: dict[tuple, Span]) -> None:
    for i, item in enumerate(items):
        where = path + (i,)
        if isinstance(item, dict) and "@span" in item:
            locations[where] = item.pop("@span")
        elif id(item) in spans:
            locations[where] = spans[id(item)]
        if not isinstance(item, dict):
            continue
        kind = next(iter(item))
        if kind == "residual":
            _locate(item[kind], where + (kind,), spans, locations)
        elif kind in MERGES:
            for b, branch in enumerate(item[kind]):
                _locate(branch, where + (kind, b), spans, locations)
