"""What a network is: a tree of layers and blocks, public and typed, and the builder that makes
it from plain spec data (YAML or the compact notation).

The builder collects every fault, each with the source position the location index gives it, so
that one run reports all of them (up to MAX_DIAGNOSTICS); a spec past the row limit is refused at the
item that passes it, and nothing after it is built; it records where each node stands (`Network.spans`) for the
walk's diagnostics. Library users build the same tree directly:

    >>> from cnncalc.layers import Conv, ReLU
    >>> Network(input=Volume(32, 32, 3), layers=(Conv(filters=8, kernel=3), ReLU())).layers[1]
    ReLU()
"""
from __future__ import annotations

import re
from math import prod
from typing import Any, ClassVar, Union

from pydantic_core import ValidationError

from ..diagnostics import Diagnostic, Span, SpecError, error
from ..engine.budget import KINDS, Limit, parse_quantity
from ..limits import MAX_DIAGNOSTICS, MAX_INTEGER, MAX_LAYERS, MAX_NAME, MAX_YAML_NODES
from ..source.compact import Call, parse_item, render_call
from ..source.yaml import KEY, Locations
from .arithmetic import Rounding
from .geometry import Volume, parse_volume
from .geometry import shown as shown_value
from .layers import REGISTRY, Input, Layer
from .layers.base import CONVENTION_NAMES, Rule, zero
from .params import Given, accepted_keys, repeated
from .record import Record

TOP_KEYS = ("name", "input", "rounding", "layers", "budget")
_BLOCK_COMMON = ("id", "rounding", "name")
BLOCK_KEYS = {"repeat": ("repeat", "layers", *_BLOCK_COMMON),
              "residual": ("residual", "shortcut", *_BLOCK_COMMON),
              "add": ("add", *_BLOCK_COMMON),
              "concat": ("concat", *_BLOCK_COMMON),
              "multiply": ("multiply", *_BLOCK_COMMON),
              "group": ("group", *_BLOCK_COMMON),
              "from": ("from",)}
BLOCK_EXAMPLES = {
    "repeat": "repeat: 3\n  layers: [conv: {filters: 64, kernel: 3, padding: 1}, relu]  ([ … ]*3 when compact)",
    "residual": "residual: [conv: {filters: 64, kernel: 3, padding: 1}, bn]  (a shortcut: list is optional)",
    "add": "add: [[conv: {filters: 64, kernel: 1}], []]  (branches on the same input, summed)",
    "concat": "concat: [[conv: {filters: 64, kernel: 1}], []]  (branches on the same input, stacked)",
    "multiply": "multiply: [[], [global_pool, conv: {filters: 64, kernel: 1}, sigmoid]]  (branches on the same "
                "input, multiplied; one 1 on every spatial axis broadcasts)",
    "group": "group: [conv: {filters: 64, kernel: 3, padding: 1}, relu]  (with name: layer1 beside it)",
    "from": "from: enc3  (the output of the layer or block with id enc3)",
}
_COMPACT_HINT = re.compile(r"[()]|->|→")


def _sequence(value: Any, what: str) -> tuple:
    if not isinstance(value, (list, tuple)) or not all(isinstance(n, (Layer, Block, From)) for n in value):
        raise ValueError(f"{what} must be a list of layers and blocks")
    return tuple(value)


class From(Record):
    """Continue from the output of the layer or block whose id is `ref` (U-Net's skips)."""

    ref: str

    def __init__(self, ref: str) -> None:
        if not isinstance(ref, str) or not ref:
            raise ValueError("From: ref must be the id of an earlier layer or block")
        self._fill(ref=ref)


class Block(Record):
    """Branches of layers on one input, joined by `MERGE` (None: a sequence, whose output goes on).

    A merge reads its branches' outputs as plain tuples (spatial sizes, then the depth), so that the
    walk and `cnncalc sizes` (engine/sizes.py) merge alike: the branches meet when each `meets` the
    one at `reference`, and then make `merged`.
    """

    KIND: ClassVar[str] = ""
    MERGE: ClassVar[str | None] = None  # the merge row's type
    AGREE: ClassVar[str] = ""  # what the branches must agree on, as the mismatch error says it
    CONVENTIONS: ClassVar[dict[str, Rule]] = {}  # the merge row's FLOPs as each peer tool counts them

    branches: tuple[tuple, ...]
    id: str | None
    rounding: Rounding | None
    name: str | None

    def __init__(self, branches, *, id: str | None = None, rounding: Rounding | str | None = None,
                 name: str | None = None) -> None:
        branches = tuple(_sequence(b, f"each branch of {self.KIND}") for b in branches)
        if not branches:
            raise ValueError(f"{self.KIND} needs at least one branch")
        self._fill(branches=branches, id=id, rounding=Rounding(rounding) if rounding else None, name=name)

    def reference(self, ends: list[tuple]) -> int:
        """The branch the others must meet."""
        return 0

    def meets(self, reference: tuple, other: tuple) -> bool:
        return other == reference

    def merged(self, ends: list[tuple]) -> tuple:
        """The merge's output, once every branch meets the reference."""
        return ends[self.reference(ends)]

    def flops(self, ends: list[tuple], out: tuple) -> int:
        """cnncalc's own count: one operation per output element for each branch after the first."""
        return (len(ends) - 1) * prod(out)

    def hint(self, reference: tuple, other: tuple) -> str:
        """How to make `other` meet `reference`."""
        return "make the branches' strides and paddings agree"


_NO_PEER_COUNTS = dict.fromkeys(CONVENTION_NAMES, zero)  # a `+`, a `*` or a cat in forward() is not a module


class Add(Block):
    """Branches on the same input, summed element by element: `Add([[Conv(...)], []])`."""

    KIND = "add"
    MERGE = "add"
    AGREE = "volume"
    CONVENTIONS = _NO_PEER_COUNTS


class Concat(Block):
    """Branches on the same input, stacked along the depth."""

    KIND = "concat"
    MERGE = "concat"
    AGREE = "spatial size"
    CONVENTIONS = _NO_PEER_COUNTS

    def meets(self, reference: tuple, other: tuple) -> bool:
        return other[:-1] == reference[:-1]

    def merged(self, ends: list[tuple]) -> tuple:
        return (*ends[0][:-1], sum(end[-1] for end in ends))

    def flops(self, ends: list[tuple], out: tuple) -> int:
        return 0


def _single(volume: tuple) -> bool:
    """1 on every spatial axis: a multiply broadcasts such a branch over the others' positions."""
    return all(size == 1 for size in volume[:-1])


def _scales(row) -> int:
    """Netscope reads Caffe, where a product with a per-channel gate is a Scale layer (O multiplies each)
    and a product of equal volumes an Eltwise PROD, which its analyzer reads as a SUM (0)."""
    return row.output.elements * sum(volume != row.output for volume in row.branches)


class Multiply(Block):
    """Branches on the same input, multiplied element by element; a branch 1 on every spatial axis,
    of the others' depth, broadcasts over their positions (squeeze-and-excitation's gate):
    `Multiply([[], [GlobalPool(), Conv(filters=8, kernel=1), ReLU(), Conv(filters=32, kernel=1), Sigmoid()]])`."""

    KIND = "multiply"
    MERGE = "multiply"
    AGREE = "volume, or branches 1 on every spatial axis with the same depth (gates, which broadcast)"
    CONVENTIONS = {**_NO_PEER_COUNTS, "netscope": _scales}

    def reference(self, ends: list[tuple]) -> int:
        return next((i for i, end in enumerate(ends) if not _single(end)), 0)

    def meets(self, reference: tuple, other: tuple) -> bool:
        return other == reference or (_single(other) and other[-1] == reference[-1])

    def hint(self, reference: tuple, other: tuple) -> str:
        if _single(other):
            return f"depth never broadcasts: end the gate with a depth of {reference[-1]} (a 1x1 conv of " \
                   f"{reference[-1]} filters)"
        return "make the branches' strides and paddings agree, or end the gate with a global_pool so that it " \
               "is 1 on every spatial axis and broadcasts"


class Residual(Add):
    """`body` plus `shortcut` (the identity when empty): an add whose body runs first."""

    KIND = "residual"

    def __init__(self, body, shortcut=(), *, id: str | None = None, rounding: Rounding | str | None = None,
                 name: str | None = None) -> None:
        super().__init__((body, shortcut), id=id, rounding=rounding, name=name)

    @property
    def body(self) -> tuple:
        return self.branches[0]

    @property
    def shortcut(self) -> tuple:
        return self.branches[1]

    def hint(self, reference: tuple, other: tuple) -> str:
        return "give the shortcut a 1x1 conv with the body's depth and stride"


class Repeat(Block):
    """`layers`, `count` times over."""

    KIND = "repeat"
    count: int

    def __init__(self, count: int, layers, *, id: str | None = None, rounding: Rounding | str | None = None,
                 name: str | None = None) -> None:
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_INTEGER:
            raise ValueError(f"Repeat: count must be a whole number of at least 1, got {count!r}")
        super().__init__((layers,), id=id, rounding=rounding, name=name)
        self._fill(count=count)

    @property
    def layers(self) -> tuple:
        return self.branches[0]


class Group(Block):
    """`layers`, once: a sequence that is there for structure alone (a module such as torchvision's
    `layer1`), with a name, an id or a rounding for all of them; it makes no row of its own."""

    KIND = "group"

    def __init__(self, layers, *, id: str | None = None, rounding: Rounding | str | None = None,
                 name: str | None = None) -> None:
        super().__init__((layers,), id=id, rounding=rounding, name=name)

    @property
    def layers(self) -> tuple:
        return self.branches[0]


MERGES = {cls.MERGE: cls for cls in (Add, Concat, Multiply)}  # a merge row's type -> its block

Node = Union[Layer, Block, From]


class Network(Record):
    """A whole spec: its input, its layers and blocks, and what the spec says of rounding and budget."""

    layers: tuple
    input: Volume | None
    name: str
    rounding: Rounding
    budget: tuple[Limit, ...]

    def __init__(self, layers, input: Volume | str | None = None, name: str = "network",
                 rounding: Rounding | str = Rounding.EXACT, budget: tuple[Limit, ...] = (),
                 ids: dict | None = None, spans: dict | None = None) -> None:
        self._fill(layers=_sequence(layers, "layers"),
                   input=parse_volume(input) if input is not None else None, name=name,
                   rounding=Rounding(rounding), budget=tuple(budget),
                   _ids=ids or {},  # id -> path of the node that carries it
                   _spans=spans or {})  # id(node) -> where it stands in the source

    @property
    def ids(self) -> dict:
        return self._ids

    def span(self, node) -> Span | None:
        return self._spans.get(id(node))

    def with_input(self, volume: Volume) -> "Network":
        return self.replace(input=volume)


def did_you_mean(word: str, choices) -> str:
    import difflib  # only an error needs it
    if len(word) > 100:  # no name is that long, and difflib's time grows with the word's length
        return ""
    choices = list(choices)
    lowered = {c.lower(): c for c in choices}
    if word.lower() in lowered and lowered[word.lower()] != word:
        return f"did you mean '{lowered[word.lower()]}'?"
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6) or \
        difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return f"did you mean '{lowered.get(close[0], close[0])}'?" if close else ""


class _Stop(Exception):
    """Building ends here: the spec is past a limit, or has more errors than are worth listing."""


class _Builder:
    def __init__(self, locations: Locations, compact_line: str | None) -> None:
        self.spans: dict[int, Span | None] = {}
        self.locations = locations
        self.compact_line = compact_line
        self.diagnostics: list[Diagnostic] = []
        self.ids: dict[str, str] = {}
        self.layer_count = 0
        self.compact_values = 0  # words and numbers of the compact layers read so far

    def span(self, path: tuple, key: bool = False) -> Span | None:
        """The position of `path` (its key when `key`), or of the nearest enclosing value that has one."""
        if key and path + (KEY,) in self.locations:
            return self.locations[path + (KEY,)]
        while path:
            if path in self.locations:
                return self.locations[path]
            path = path[:-1]
        return self.locations.get(())

    def placed(self, node: Node, span: Span | None) -> Node:
        """Record where `node` stands in the source."""
        self.spans[id(node)] = span
        return node

    def fail(self, code: str, message: str, where: tuple, key: bool = False, suggestions=(), path=None) -> None:
        self.diagnostics.append(error(code, message, path, self.span(where, key), [s for s in suggestions if s]))
        self.stop_when_full()

    def stop_when_full(self) -> None:
        if len(self.diagnostics) >= MAX_DIAGNOSTICS:
            self.diagnostics.append(error("too-many-diagnostics", f"cnncalc stops after {MAX_DIAGNOSTICS:,} errors",
                                          suggestions=["fix these first"]))
            raise _Stop

    def refuse_rows(self, message: str, where: tuple, path: str, suggestion: str) -> None:
        """Past the row limit: one error, and nothing more is built."""
        self.diagnostics.append(error("too-large", f"{message} (the input row included, a from or an empty branch "
                                      f"counted as one), more than the limit of {MAX_LAYERS:,}", path,
                                      self.span(where), [suggestion]))
        raise _Stop

    # -- the document -------------------------------------------------------------------------
    def spec(self, data: Any, default_name: str, input_override: Volume | None) -> Network | None:
        if isinstance(data, list):
            self.fail("invalid-spec", "a spec is a mapping with 'input' and 'layers'; this list looks like the "
                      "layers: put it under 'layers:'", (),
                      suggestions=["write 'input: 32x32x3' and 'layers:' above the list, then indent the list"])
            return None
        if not isinstance(data, dict):
            self.fail("invalid-spec", "a spec is a mapping with 'input' and 'layers' (or one compact line)", (),
                      suggestions=["input: 32x32x3\nlayers: [conv: {filters: 16, kernel: 3}, relu]"])
            return None
        for key in data:
            if key not in TOP_KEYS:
                self.fail("unknown-key", f"unknown key '{key}' at the top of the spec", (key,), key=True,
                          suggestions=[did_you_mean(key, TOP_KEYS), f"the keys are {', '.join(TOP_KEYS)}"])
        name = data.get("name", default_name)
        if not isinstance(name, str):
            self.fail("invalid-value", "'name' must be text", ("name",))
            name = default_name
        elif len(name) > MAX_NAME:
            self.fail("too-large", f"the name is {len(name):,} characters long, more than the limit of {MAX_NAME:,}",
                      ("name",), suggestions=["a name is printed with every row of --format csv: keep it short"])
            name = default_name
        rounding = self.rounding(data.get("rounding", "exact"), ("rounding",)) or Rounding.EXACT
        volume = input_override
        if volume is None:
            if data.get("input") is None:
                self.fail("missing-input", "the spec has no input volume", ("input",) if "input" in data else (),
                          suggestions=["add input: 32x32x3 (width x height x depth), INPUT(32x32x3) in the compact "
                                       "notation, or pass --input"])
            else:
                try:
                    volume = parse_volume(data["input"])
                except ValueError as exc:
                    self.fail("invalid-value", f"input: {exc}", ("input",),
                              suggestions=["write the input as WxHxD, e.g. input: 224x224x3"])
        layers = data.get("layers")
        nodes: tuple[Node, ...] = ()
        if not isinstance(layers, list) or not layers:
            self.fail("missing-layers", "the spec has no layers: 'layers' must be a non-empty list",
                      ("layers",) if "layers" in data else (),
                      suggestions=["layers:\n  - conv: {filters: 16, kernel: 3, padding: 1}\n  - relu"])
        else:
            nodes = self.sequence(layers, ("layers",), "layers")
        if self.compact_line is not None and any(d.code == "missing-parameter" for d in self.diagnostics):
            self.diagnostics.append(error("missing-parameter", "a complete line would read: "
                                          + self.completed_line(data), span=Span(1, 1, self.compact_line)))
        budget = self.budget(data["budget"]) if "budget" in data else ()
        return Network(nodes, volume, name, rounding, budget, self.ids, self.spans)

    def budget(self, value: Any) -> tuple[Limit, ...]:
        if not isinstance(value, dict):
            self.fail("invalid-value", "budget is a mapping of limits, e.g. budget: {params: 25M, memory: 2GiB}",
                      ("budget",))
            return ()
        limits = []
        for kind, quantity in value.items():
            if kind not in KINDS:
                self.fail("unknown-key", f"unknown key '{kind}' in budget", ("budget", kind), key=True,
                          suggestions=[did_you_mean(kind, KINDS), f"the budget keys are {', '.join(KINDS)}"])
                continue
            try:
                limits.append(Limit(kind, parse_quantity(quantity), self.span(("budget", kind), key=True),
                                    f"budget.{kind}"))
            except ValueError as exc:
                self.fail("invalid-value", f"budget.{kind}: {exc}", ("budget", kind))
        return tuple(limits)

    def completed_line(self, data: dict) -> str:
        """The compact line with an example value for every missing required parameter."""
        parts = [render_call("input", [data.get("input") or Input.EXAMPLE[0]])]

        def render(item: Any) -> str:
            if isinstance(item, dict) and "repeat" in item:
                return f"[{' -> '.join(render(i) for i in item.get('layers', []))}]*{item['repeat']}"
            name, args = (item, {}) if isinstance(item, str) else next(iter(item.items()))
            cls = REGISTRY.get(name, (None,))[0]
            if cls is None:
                return name.upper()
            if isinstance(args, Call):
                positional = iter(cls.POSITIONAL)
                args = {a.key or next(positional, "?"): a.value for a in args}
            values = [args.get(p, e) for p, e in zip(cls.POSITIONAL, cls.EXAMPLE)]
            extra = [f"{k}={v}" for k, v in args.items() if k not in cls.POSITIONAL[:len(cls.EXAMPLE)]]
            return render_call(name, values + extra)

        parts += [render(item) for item in data.get("layers", [])]
        return " -> ".join(parts)

    def rounding(self, value: Any, where: tuple) -> Rounding | None:
        try:
            return Rounding(value)
        except ValueError:
            self.fail("invalid-value", f"rounding must be exact, floor or ceil, got {value!r}", where,
                      suggestions=[did_you_mean(str(value), [r.value for r in Rounding])])
            return None

    # -- lists of layers and blocks -----------------------------------------------------------
    def sequence(self, items: Any, where: tuple, path: str, in_repeat: bool = False
                 ) -> tuple[Node, ...]:
        if not isinstance(items, list):
            self.fail("invalid-spec", f"expected a list of layers, got {_kind(items)}", where, path=path)
            return ()
        nodes = []
        for i, item in enumerate(items):
            node = self.node(item, where + (i,), f"{path}[{i}]", in_repeat)
            if node is not None:
                nodes.append(node)
            if self.layer_count + 1 > MAX_LAYERS:  # refused as soon as it is known, before the rest is built
                self.refuse_rows(f"the spec is {self.layer_count + 1:,} rows long by here", where + (i,),
                                 f"{path}[{i}]", "split the network into specs of fewer layers")
            self.stop_when_full()
        return tuple(nodes)

    def node(self, item: Any, where: tuple, path: str, in_repeat: bool) -> Node | None:
        if isinstance(item, str) and _COMPACT_HINT.search(item):
            item = self.compact_item(item, where)
            if item is None:
                return None
        if isinstance(item, dict) and any(k in BLOCK_KEYS for k in item):
            return self.block(item, where, path, in_repeat)
        if isinstance(item, str):
            return self.layer(item, {}, where, path, in_repeat)
        if isinstance(item, dict) and len(item) == 1:
            name, params = next(iter(item.items()))
            return self.layer(name, params, where, path, in_repeat)
        if isinstance(item, dict) and item:
            names = [k for k in item if k.lower() in REGISTRY]
            hint = ""
            if names and ("id" in item or "rounding" in item):
                hint = f"put id and rounding inside the layer's mapping: {names[0]}: {{..., id: NAME}}"
            self.fail("invalid-layer", f"a layer is a mapping with one key, its type; this one has "
                      f"{len(item)}: {', '.join(map(str, item))}", where, suggestions=[hint], path=path)
            return None
        self.fail("invalid-layer", f"expected a layer (a name, a one-key mapping or a compact string), "
                  f"got {_kind(item)}", where, suggestions=["e.g. - relu, - fc: 10, - 'CONV(64, 3, P=1)'"], path=path)
        return None

    def compact_item(self, text: str, where: tuple) -> Any:
        base = self.span(where)

        def span_of(column: int) -> Span:
            if base is None:
                return Span(1, column, text)
            return Span(base.line, base.column + column - 1)

        try:
            item, locations, values = parse_item(text, span_of, MAX_YAML_NODES - self.compact_values)
        except SpecError as exc:
            self.diagnostics.extend(exc.diagnostics)
            if any(d.code == "too-large" for d in exc.diagnostics):
                raise _Stop from None
            return None
        self.compact_values += values
        for key, span in locations.items():
            self.locations[where + key] = span
        return item

    def layer(self, name: Any, params: Any, where: tuple, path: str, in_repeat: bool) -> Layer | None:
        if isinstance(name, str) and name.lower() in BLOCK_KEYS:
            self.fail("invalid-layer", f"'{name}' is a block, not a layer: it needs its layers", where + (name,),
                      key=True, path=path, suggestions=[BLOCK_EXAMPLES[name.lower()]])
            return None
        if not isinstance(name, str) or name.lower() not in REGISTRY:
            choices = list(REGISTRY) + list(BLOCK_KEYS)
            self.fail("unknown-layer", f"unknown layer type '{name}'", where + (name,), key=True, path=path,
                      suggestions=[did_you_mean(str(name), choices),
                                   "the types are " + ", ".join(sorted({c.TYPE for c, _ in REGISTRY.values()}))])
            return None
        cls, preset = REGISTRY[name.lower()]
        at = where + (name,)
        if params is None:
            params = {}
        elif not isinstance(params, (dict, Call)):
            if not cls.POSITIONAL:
                self.fail("invalid-value", f"{cls.TYPE} takes no value", at, path=path,
                          suggestions=[f"write just - {cls.TYPE}"])
                return None
            self.locations.setdefault(at + (cls.POSITIONAL[0],), self.span(at))
            params = {cls.POSITIONAL[0]: params}
        if cls is Input:
            self.fail("misplaced-input", "an input layer may only open the spec", at, key=True, path=path,
                      suggestions=["set the volume with the top-level input: key"])
            return None
        params = self.named(cls, params, at, path)
        if params is None:
            return None
        if in_repeat and "id" in params:
            self.fail("id-in-repeat", "a layer inside a repeat cannot carry an id: it would name every copy",
                      at + ("id",), key=True, path=path, suggestions=["move the layer out of the repeat"])
            return None
        self.layer_count += 1
        try:
            layer = cls.validate({**preset, **params})
        except ValidationError as exc:
            self.validation_errors(cls, exc, at, path)
            return None
        except ValueError as exc:
            self.fail("invalid-value", f"{cls.TYPE}: {exc}", at, key=True, path=path,
                      suggestions=getattr(exc, "suggestions", ()))
            return None
        self.claim_id(layer.id, at + ("id",), path)
        return self.placed(layer, self.span(at, key=True))

    def named(self, cls: type[Layer], params: dict | Call, at: tuple, path: str) -> dict | None:
        """`params` under the parameters' names: a compact call's positions named in the type's order.
        A parameter given twice (a position and a key, one key twice, a letter beside its long name) is
        `duplicate-parameter`, naming both places; the rest of a mapping is validated without the second."""
        if isinstance(params, Call):
            positions = [j for j, argument in enumerate(params) if argument.key is None]
            if len(positions) > len(cls.POSITIONAL):
                order = cls.POSITIONAL
                self.fail("compact-syntax", f"{cls.TYPE.upper()} takes at most {len(order)} positional arguments "
                          f"({', '.join(order) or 'none'}), got {len(positions)}", at + (positions[len(order)],),
                          path=path)
                return None
            keys = [argument.key or cls.POSITIONAL[positions.index(j)] for j, argument in enumerate(params)]
            given = [Given(key, argument.text, self.span(at + (j,)), argument.key is None)
                     for j, (key, argument) in enumerate(zip(keys, params))]
            values = [argument.value for argument in params]
            for j, key in enumerate(keys):  # locate each parameter where it is written
                self.locations.setdefault(at + (key,), self.locations.get(at + (j,)))
                self.locations.setdefault(at + (key, KEY), self.locations.get(at + (j,)))
        else:
            keys, values = [str(key) for key in params], list(params.values())
            given = [Given(key, key, self.span(at + (key,), key=True)) for key in keys]
        repeats = repeated(cls.PARAMS, given, path)
        self.diagnostics.extend(repeats.values())
        if repeats and isinstance(params, Call):  # a call is checked no further, as a syntax error would be
            return None
        named: dict[str, Any] = {}
        for index, (key, value) in enumerate(zip(keys, values)):
            if index not in repeats and key not in named:  # a key twice that is no parameter: validation says so
                named[key] = value
        return named

    def claim_id(self, ident: str | None, where: tuple, path: str) -> None:
        if ident is None:
            return
        if ident in self.ids:
            self.fail("duplicate-id", f"the id '{ident}' is already used by {self.ids[ident]}", where, path=path,
                      suggestions=["give each layer and block its own id"])
        self.ids[ident] = path

    def validation_errors(self, cls: type[Layer], exc: ValidationError, at: tuple, path: str) -> None:
        name = cls.TYPE
        missing = sorted((e["loc"][0] for e in exc.errors() if e["type"] == "missing"),
                         key=lambda k: cls.POSITIONAL.index(k) if k in cls.POSITIONAL else len(cls.POSITIONAL))
        if missing:
            example = [f"{p}: {e}" for p, e in zip(cls.POSITIONAL, cls.EXAMPLE) if p in missing]
            compact = render_call(name, list(cls.EXAMPLE))
            self.fail("missing-parameter", f"{name} needs {' and '.join(map(str, missing))}", at, key=True,
                      path=path, suggestions=[f"e.g. {name}: {{{', '.join(example)}}}, or {compact}"])
        keys = accepted_keys(cls.PARAMS)
        for err in exc.errors():
            kind, loc = err["type"], err["loc"]
            field_name = str(loc[0]) if loc else None
            where = at + (field_name,) if field_name else at
            if kind == "missing":
                continue
            if kind == "extra_forbidden":
                why = cls.NOT_PARAMS.get(field_name)  # a key from elsewhere (PyTorch) that cnncalc has no use for
                self.fail("unknown-key", f"unknown key '{field_name}' for {name}" + (f": {why}" if why else ""),
                          where, key=True, path=path, suggestions=["leave it out"] if why else
                          [did_you_mean(field_name, keys), f"{name} takes {', '.join(keys)}"])
                continue
            self.fail("invalid-value", f"{name}: {_describe(field_name, err)}", where, path=path)

    # -- blocks --------------------------------------------------------------------------------
    def block(self, item: dict, where: tuple, path: str, in_repeat: bool) -> Block | From | None:
        kind = next(k for k in item if k in BLOCK_KEYS)
        allowed = BLOCK_KEYS[kind]
        for key in item:
            if key not in allowed:
                self.fail("unknown-key", f"unknown key '{key}' in a {kind} block", where + (key,), key=True,
                          path=path, suggestions=[did_you_mean(key, allowed), f"a {kind} block takes "
                                                  f"{', '.join(allowed)}"])
        value = item[kind]
        if kind == "from":
            if not isinstance(value, str) or not value:
                self.fail("invalid-value", "from: names the id of an earlier layer or block", where + (kind,),
                          path=path)
                return None
            self.layer_count += 1  # no row, but a step of the walk: repeats of it are bounded as rows are
            return self.placed(From(value), self.span(where + (kind,)))
        rounding = self.rounding(item["rounding"], where + ("rounding",)) if "rounding" in item else None
        ident = item.get("id")
        if ident is not None and (not isinstance(ident, str) or not ident):
            self.fail("invalid-value", "id must be text", where + ("id",), path=path)
            ident = None
        if ident is not None and in_repeat:
            self.fail("id-in-repeat", "a block inside a repeat cannot carry an id", where + ("id",), key=True,
                      path=path)
            ident = None
        label = item.get("name")
        if label is not None and (not isinstance(label, str) or not label):
            self.fail("invalid-value", "name must be text", where + ("name",), path=path)
            label = None
        span = self.span(where + (kind,), key=True)
        if kind == "repeat":
            return self.repeat(item, value, where, path, span, ident, rounding, label)
        if kind == "group":
            if not isinstance(value, list) or not value:
                self.fail("invalid-value" if value else "missing-layers", "group: takes a non-empty list of layers",
                          where + (kind,), path=path, suggestions=[BLOCK_EXAMPLES["group"]])
                return None
            body = self.sequence(value, where + (kind,), f"{path}.group", in_repeat=in_repeat)
            self.claim_id(ident, where + ("id",), path)
            return self.placed(Group(body, id=ident, rounding=rounding, name=label), span)
        if kind == "residual":
            body = self.sequence(value, where + ("residual",), f"{path}.residual", in_repeat=in_repeat)
            shortcut = self.sequence(item.get("shortcut", []), where + ("shortcut",), f"{path}.shortcut",
                                     in_repeat=in_repeat)
            self.layer_count += 1  # the add row
            self.claim_id(ident, where + ("id",), path)
            return self.placed(Residual(body, shortcut, id=ident, rounding=rounding, name=label), span)
        if not isinstance(value, list) or not value or not all(isinstance(b, list) for b in value):
            self.fail("invalid-value", f"{kind}: takes a list of branches, each a list of layers "
                      "(an empty list is the identity)", where + (kind,), path=path,
                      suggestions=[f"{kind}: [[conv: {{filters: 64, kernel: 1}}], []]"])
            return None
        branches = tuple(self.sequence(b, where + (kind, i), f"{path}.{kind}[{i}]", in_repeat=in_repeat)
                         for i, b in enumerate(value))
        self.layer_count += 1 + sum(not branch for branch in branches)  # the merge row; an empty branch as a from
        self.claim_id(ident, where + ("id",), path)
        return self.placed(MERGES[kind](branches, id=ident, rounding=rounding, name=label), span)

    def repeat(self, item: dict, count: Any, where: tuple, path: str, span: Span | None, ident: str | None,
               rounding: Rounding | None, label: str | None) -> Block | None:
        if isinstance(count, bool) or not isinstance(count, int) or count < 1 or count > MAX_INTEGER:
            self.fail("invalid-value", f"repeat must be a whole number of at least 1, got {shown_value(count)}",
                      where + ("repeat",), path=path,
                      suggestions=["remove the block to leave its layers out" if count == 0 else ""])
            return None
        if "layers" not in item:
            self.fail("missing-parameter", "a repeat block needs its layers", where + ("repeat",), key=True,
                      path=path, suggestions=[BLOCK_EXAMPLES["repeat"]])
            return None
        before = self.layer_count
        body = self.sequence(item["layers"], where + ("layers",), f"{path}.repeat", in_repeat=True)
        if not body and not self.diagnostics:
            self.fail("missing-layers", "a repeat block needs at least one layer", where + ("layers",), path=path)
        self.layer_count = before + (self.layer_count - before) * count
        if self.layer_count + 1 > MAX_LAYERS:
            self.refuse_rows(f"this repeat makes the spec {self.layer_count + 1:,} rows long", where + ("repeat",),
                             path, "lower the count")
        self.claim_id(ident, where + ("id",), path)
        return self.placed(Repeat(count, body, id=ident, rounding=rounding, name=label), span)


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false", int: "a number",
            float: "a number", type(None): "nothing"}.get(type(value), type(value).__name__)


def _describe(field_name: str | None, err: dict) -> str:
    """pydantic's error, said in the spec's own words."""
    kind, value, ctx = err["type"], err.get("input"), err.get("ctx") or {}
    subject = f"'{field_name}'" if field_name else "the layer"
    shown = shown_value(value)
    if kind in ("int_type", "int_from_float", "int_parsing"):
        return f"{subject} must be a whole number, got {shown}"
    if kind in ("float_type", "float_parsing"):
        return f"{subject} must be a number, got {shown}"
    if kind in ("bool_type", "bool_parsing"):
        return f"{subject} must be true or false, got {shown}"
    if kind in ("greater_than_equal", "greater_than"):
        bound = ctx.get("ge", ctx.get("gt"))
        return f"{subject} must be {'at least' if kind == 'greater_than_equal' else 'more than'} {bound}, got {shown}"
    if kind in ("less_than_equal", "less_than"):
        bound = ctx.get("le", ctx.get("lt"))
        bound = f"{bound:,}" if isinstance(bound, int) else bound
        return f"{subject} must be {'at most' if kind == 'less_than_equal' else 'less than'} {bound}, got {shown}"
    if kind in ("literal_error", "enum"):
        return f"{subject} must be {ctx.get('expected', '')}, got {shown}"
    if kind == "string_type":
        return f"{subject} must be text, got {shown}"
    message = str(err.get("msg", "")).removeprefix("Value error, ")
    if field_name is None:
        return message
    return f"{subject} {message}" if message.startswith("must") else f"{subject}: {message}"


def build(data: Any, locations: Locations, default_name: str, compact_line: str | None = None,
          input_override: Volume | None = None) -> tuple[Network | None, list[Diagnostic]]:
    """Validate plain spec data. Returns the spec (None when it cannot be built) and every fault found."""
    builder = _Builder(locations, compact_line)
    try:
        spec = builder.spec(data, default_name, input_override)
    except _Stop:
        spec = None
    return (None if builder.diagnostics else spec), builder.diagnostics
