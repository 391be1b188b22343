"""A parameter given twice, for every layer type and every way of giving it twice, drawn by hypothesis: the
compact notation, whether a whole line or a YAML list item, calls it `duplicate-parameter` at the second; a YAML
mapping calls a letter beside its long name that, and the same key twice `duplicate-key`. The rule and its
examples: unit/test_network.py."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnncalc.layers import LAYER_TYPES, Input
from conftest import brief, invalid, yaml_spec

TYPES = [cls for cls in LAYER_TYPES if cls is not Input]
SETTINGS = settings(derandomize=True, max_examples=12, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


# -- every layer type, every way of giving a parameter twice -----------------------------------------

def forms(cls) -> list[str]:
    found = ["named twice"]  # every type takes id and rounding
    if cls.POSITIONAL:
        found.append("positional and named")
    if any(p.letter for p in cls.PARAMS.values()):
        found.append("letter and long name")
    return found


CASES = [(cls, form) for cls in TYPES for form in forms(cls)]


class Written:
    """One layer written out piece by piece, remembering the column each argument starts at."""

    def __init__(self, name: str) -> None:
        self.text = f"{name}("

    def add(self, piece: str) -> int:
        if not self.text.endswith("("):
            self.text += ", "
        column = len(self.text) + 1
        self.text += piece
        return column

    def close(self) -> str:
        return self.text + ")"


@st.composite
def twice(draw, cls, form: str):
    """(the parameter's name, the arguments as [(key, or None when positional; value)], the indices of the
    two that give it)."""
    letters = {name: p.letter for name, p in cls.PARAMS.items() if p.letter}
    value = st.sampled_from(["1", "2", "3"])
    if form == "positional and named":
        index = draw(st.integers(0, len(cls.POSITIONAL) - 1))
        name = cls.POSITIONAL[index]
        args = [(None, draw(value)) for _ in range(index + 1)]
        key = draw(st.sampled_from([name, letters[name]] if name in letters else [name]))
        return name, args + [(key, draw(value))], (index, index + 1)
    if form == "letter and long name":
        name = draw(st.sampled_from(sorted(letters)))
        keys = draw(st.permutations([name, letters[name]]))
    else:
        keys = [draw(st.sampled_from([k for n, p in cls.PARAMS.items() for k in (n, p.letter) if k]))] * 2
        name = next(n for n, p in cls.PARAMS.items() if keys[0] in (n, p.letter))
    # positional arguments before the keys, none of them the parameter itself
    before = cls.POSITIONAL.index(name) if name in cls.POSITIONAL else len(cls.POSITIONAL)
    args = [(None, draw(value)) for _ in range(draw(st.integers(0, before)))]
    return name, args + [(k, draw(value)) for k in keys], (len(args), len(args) + 1)


def described(key: str | None, value: str, place: str) -> str:
    return f"positionally at {place} ({value})" if key is None else f"as {key}= at {place}"


@pytest.mark.parametrize("cls, form", CASES, ids=[f"{c.TYPE}: {f}" for c, f in CASES])
def test_every_type_in_the_compact_notation(cls, form, check_json):
    @SETTINGS
    @given(case=twice(cls, form), upper=st.booleans(), quote=st.sampled_from(["", "'", '"']))
    def run(case, upper, quote):
        name, args, (first, second) = case
        layer = Written(cls.TYPE.upper() if upper else cls.TYPE)
        columns = [layer.add(value if key is None else f"{key}={value}") for key, value in args]
        call = layer.close()

        # a whole line: "INPUT(8x8x4) -> " is 16 characters
        message = (f"{name} is given twice: {described(*args[first], f'column {16 + columns[first]}')} and "
                   f"{described(*args[second], f'column {16 + columns[second]}')}")
        assert brief(invalid(check_json, f"INPUT(8x8x4) -> {call}")) == [
            ("duplicate-parameter", 1, 16 + columns[second], message)]

        # a YAML list item on line 4: `  - ` and the quote before its first character
        at = [4 + len(quote) + columns[i] for i in (first, second)]
        message = (f"{name} is given twice: {described(*args[first], f'line 4, column {at[0]}')} and "
                   f"{described(*args[second], f'line 4, column {at[1]}')}")
        text = yaml_spec("input: 8x8x4", "- relu", f"- {quote}{call}{quote}")
        assert brief(invalid(check_json, "-", input=text)) == [("duplicate-parameter", 4, at[1], message)]

    run()


@pytest.mark.parametrize("cls", [cls for cls in TYPES if "letter and long name" in forms(cls)],
                         ids=lambda cls: cls.TYPE)
def test_every_type_in_a_yaml_mapping(cls, check_json):
    @SETTINGS
    @given(case=twice(cls, "letter and long name"), block=st.booleans())
    def run(case, block):
        name, args, _ = case
        keys = [key for key, _ in args if key is not None]
        example = {p: e for p, e in zip(cls.POSITIONAL, cls.EXAMPLE) if p != name}
        # the example's required parameters, then the two keys: the second last, so leaving it out moves nothing
        entries = [*(f"{p}: {e}" for p, e in example.items()), f"{keys[0]}: 1", f"{keys[1]}: 2"]
        if block:  # one key a line from line 5, at column 7
            text = yaml_spec("input: 8x8x4", "- relu", f"- {cls.TYPE}:", *(f"    {e}" for e in entries))
            places = [(5 + len(entries) - 2, 7), (5 + len(entries) - 1, 7)]
            without = yaml_spec("input: 8x8x4", "- relu", f"- {cls.TYPE}:", *(f"    {e}" for e in entries[:-1]))
        else:  # `  - TYPE: {` then the entries, each followed by ", "
            head = f"  - {cls.TYPE}: {{"
            text = yaml_spec("input: 8x8x4", "- relu", f"- {cls.TYPE}: {{{', '.join(entries)}}}")
            starts = [len(head) + 1 + sum(len(e) + 2 for e in entries[:i]) for i in range(len(entries))]
            places = [(4, starts[-2]), (4, starts[-1])]
            without = yaml_spec("input: 8x8x4", "- relu", f"- {cls.TYPE}: {{{', '.join(entries[:-1])}}}")
        message = (f"{name} is given twice: as {keys[0]} at line {places[0][0]}, column {places[0][1]} and "
                   f"as {keys[1]} at line {places[1][0]}, column {places[1][1]}")
        found = invalid(check_json, "-", input=text)
        assert brief(found[:1]) == [("duplicate-parameter", *places[1], message)]
        # the rest is validated as if the second were not there: never an unknown key, other faults still shown
        _, alone = check_json("-", input=without)
        assert found[1:] == alone["diagnostics"]
        assert "unknown-key" not in {d["code"] for d in found}

    run()


@pytest.mark.parametrize("cls", TYPES, ids=lambda cls: cls.TYPE)
def test_every_type_in_a_yaml_mapping_same_key_twice(cls, check_json):
    @SETTINGS
    @given(key=st.sampled_from([k for n, p in cls.PARAMS.items() for k in (n, p.letter) if k]))
    def run(key):
        # `  - TYPE: {KEY: 1, KEY: 2}` on line 4: the second key after "KEY: 1, "
        head = f"  - {cls.TYPE}: {{"
        text = yaml_spec("input: 8x8x4", "- relu", f"- {cls.TYPE}: {{{key}: 1, {key}: 2}}")
        assert [(d["code"], d["line"], d["column"]) for d in invalid(check_json, "-", input=text)] == [
            ("duplicate-key", 4, len(head) + 1 + len(f"{key}: 1, "))]

    run()
