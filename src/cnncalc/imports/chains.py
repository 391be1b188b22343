"""The graph of a model whose layers stand at positions in a text (a prototxt, a Keras JSON): nodes of
chained spec layers or merges, laid out as the spec's layers and blocks by graph.structure, with the
index of where each item stands in the source."""
from __future__ import annotations

from ..diagnostics import Span, SpecError, error
from .graph import MERGES, Unit, structure


class Node:
    __slots__ = ("name", "kind", "layers", "inputs", "span")

    def __init__(self, name: str, kind: str, layers: list, inputs: list[int], span: Span | None) -> None:
        self.name, self.kind, self.layers, self.inputs, self.span = name, kind, layers, inputs, span


class Graph:
    """Nodes in the order the source gives them (each after its inputs); node 0 is the input."""

    def __init__(self) -> None:
        self.nodes: list[Node] = [Node("input", "input", [], [], None)]

    def layer(self, name: str, layers: list, source: int, span: Span | None = None) -> int:
        """A chain of spec layers (each a mapping) on the output of node `source`; its node's index."""
        self.nodes.append(Node(name, "layers", layers, [source], span))
        return len(self.nodes) - 1

    def merge(self, name: str, kind: str, sources: list[int], span: Span | None = None) -> int:
        self.nodes.append(Node(name, kind, [], list(sources), span))
        return len(self.nodes) - 1

    def spec_layers(self, output: int) -> tuple[list, dict[tuple, Span]]:
        """The spec's layers that lead from the input to node `output`, and where each stands in the
        source, as paths under ('layers',). A node that does not lead to the output is an error: a spec
        has one output, and nothing of the model is left out unsaid."""
        live, stack = {output}, [output]
        while stack:
            for source in self.nodes[stack.pop()].inputs:
                if source not in live:
                    live.add(source)
                    stack.append(source)
        dead = [n for i, n in enumerate(self.nodes) if i and i not in live]
        if dead:
            raise SpecError([error("unsupported-graph", f"'{dead[0].name}' does not lead to the output: the model "
                                   "has more than one output, and a spec has one", span=dead[0].span,
                                   suggestions=["remove the layers that lead elsewhere, or split the model"])])
        tensors = self._tensors()
        units = []
        for i, node in enumerate(self.nodes[1:], 1):
            sources = [tensors[s] for s in node.inputs]
            if node.kind in MERGES:
                units.append(Unit(sources, tensors[i], node.name, merge=node.kind))
                continue
            for j, item in enumerate(node.layers):
                last = j == len(node.layers) - 1
                written = tensors[i] if last else f"{tensors[i]}#{j}"
                units.append(Unit(sources, written, node.name, layer=item))
                sources = [written]
        items = structure(units, tensors[0], tensors[output])
        spans = {id(item): node.span for node in self.nodes for item in node.layers if node.span}
        merges = {node.name: node.span for node in self.nodes if node.kind in MERGES and node.span}
        locations: dict[tuple, Span] = {}
        _locate(items, ("layers",), spans, merges, locations)
        return items, locations

    def _tensors(self) -> list[str]:
        """A name for each node's output, unique: the node's own name, numbered when it is taken."""
        names, taken = [], set()
        for node in self.nodes:
            name, n = node.name, 1
            while name in taken:
                n += 1
                name = f"{node.name}_{n}"
            taken.add(name)
            names.append(name)
        return names


def _locate(items: list, path: tuple, spans: dict, merges: dict, locations: dict) -> None:
    for i, item in enumerate(items):
        where = path + (i,)
        kind = next(iter(item))
        if kind in ("residual", *MERGES):
            if item.get("name") in merges:
                locations[where] = merges[item["name"]]
            branches = [(kind, item[kind])] + ([("shortcut", item["shortcut"])] if "shortcut" in item else []) \
                if kind == "residual" else [((kind, b), branch) for b, branch in enumerate(item[kind])]
            for key, branch in branches:
                _locate(branch, where + (key if isinstance(key, tuple) else (key,)), spans, merges, locations)
        elif id(item) in spans:
            locations[where] = spans[id(item)]
