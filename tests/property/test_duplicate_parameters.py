"""A parameter given twice is an error, never an override (params.repeated, read by the compact parser
and the YAML builder): positional and by key, one key twice, or a cs231n letter beside its long name.
The compact notation, whether a whole line or a YAML list item, calls all of them `duplicate-parameter`;
a YAML mapping calls a letter beside its long name that, and the same key twice `duplicate-key`."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cnncalc
from cnncalc.layers import LAYER_TYPES, Input

TYPES = [cls for cls in LAYER_TYPES if cls is not Input]
SETTINGS = settings(derandomize=True, max_examples=12, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


def invalid(check_json, *args, input=None) -> list[dict]:
    """The diagnostics of a spec that `check --format json` finds invalid."""
    result, data = check_json(*args, input=input)
    assert result.exit_code == 1, result.stderr
    assert data["valid"] is False
    return data["diagnostics"]


def brief(diagnostics: list[dict]) -> list[tuple]:
    return [(d["code"], d["line"], d["column"], d["message"]) for d in diagnostics]


def yaml_spec(*layers: str) -> str:
    return "input: 8x8x4\nlayers:\n" + "".join(f"  {layer}\n" for layer in layers)


# -- the examples of the issue ---------------------------------------------------------------------

@pytest.mark.parametrize("line, column, message", [
    # "INPUT(32x32x3) -> " is 18 characters: the layer's name starts at column 19
    ("INPUT(32x32x3) -> CONV(8, 5, kernel=3)", 30,
     "kernel is given twice: positionally at column 27 (5) and as kernel= at column 30"),
    ("INPUT(32x32x3) -> POOL(3, stride=2, S=1)", 37,
     "stride is given twice: as stride= at column 27 and as S= at column 37"),
    ("INPUT(32x32x3) -> DROPOUT(0.2, p=0.5)", 32,
     "p is given twice: positionally at column 27 (0.2) and as p= at column 32"),
    ("INPUT(32x32x3) -> CONV(K=8, filters=3, F=3)", 29,
     "filters is given twice: as K= at column 24 and as filters= at column 29"),
    ("INPUT(32x32x3) -> CONV(8, kernel=3, kernel=3)", 37,
     "kernel is given twice: as kernel= at column 27 and as kernel= at column 37"),
])
def test_compact_line(line, column, message, check_json, run_cli):
    assert brief(invalid(check_json, line)) == [("duplicate-parameter", 1, column, message)]
    lines = run_cli("check", line).stderr.splitlines()
    assert lines[0] == f"<string>:1:{column}: error[duplicate-parameter]: {message}"
    assert lines[2].index("^") - lines[1].index("I") == column - 1  # the caret under the second


def test_every_repeat_is_reported_against_the_first():
    line = "INPUT(32x32x3) -> CONV(8, 3, K=8, K=8)"
    assert [(d.code, d.span.column) for d in cnncalc.analyze(line).diagnostics] == [
        ("duplicate-parameter", 30), ("duplicate-parameter", 35)]


def test_yaml_mapping_letter_beside_long_name(check_json, tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(yaml_spec("- conv: {F: 3, kernel: 5, filters: 8}"))
    # `  - conv: {` puts F at column 12 and kernel at 18, on line 3
    assert brief(invalid(check_json, path)) == [
        ("duplicate-parameter", 3, 18, "kernel is given twice: as F at line 3, column 12 and as kernel at line 3, "
                                       "column 18")]


def test_yaml_mapping_letter_is_never_called_unknown_and_other_faults_still_show(check_json, tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(yaml_spec("- conv:", "    K: 8", "    filters: 8", "    F: 3", "    stride: 0"))
    diagnostics = invalid(check_json, path)
    assert [(d["code"], d["line"], d["column"]) for d in diagnostics] == [
        ("duplicate-parameter", 5, 7), ("invalid-value", 7, 15)]
    assert diagnostics[0]["message"] == ("filters is given twice: as K at line 4, column 7 and as filters at "
                                         "line 5, column 7")


def test_yaml_mapping_same_key_twice_stays_duplicate_key(check_json, tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(yaml_spec("- conv: {filters: 8, kernel: 3, kernel: 5}"))
    [(code, line, column, _)] = brief(invalid(check_json, path))
    assert (code, line, column) == ("duplicate-key", 3, 35)  # `  - conv: {` 11, `filters: 8, ` 12, `kernel: 3, ` 11


@pytest.mark.parametrize("quote", ["", "'", '"'])
def test_compact_yaml_item(quote, check_json):
    # the item's text starts at column 5 + len(quote) of line 4; in it `5` stands at column 9, `kernel` at 12
    text = yaml_spec("- relu", f"- {quote}CONV(8, 5, kernel=3){quote}")
    at = 4 + len(quote)
    assert brief(invalid(check_json, "-", input=text)) == [
        ("duplicate-parameter", 4, at + 12, f"kernel is given twice: positionally at line 4, column {at + 9} (5) "
                                            f"and as kernel= at line 4, column {at + 12}")]


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
        assert brief(invalid(check_json, "-", input=yaml_spec("- relu", f"- {quote}{call}{quote}"))) == [
            ("duplicate-parameter", 4, at[1], message)]

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
            text = yaml_spec("- relu", f"- {cls.TYPE}:", *(f"    {e}" for e in entries))
            places = [(5 + len(entries) - 2, 7), (5 + len(entries) - 1, 7)]
            without = yaml_spec("- relu", f"- {cls.TYPE}:", *(f"    {e}" for e in entries[:-1]))
        else:  # `  - TYPE: {` then the entries, each followed by ", "
            head = f"  - {cls.TYPE}: {{"
            text = yaml_spec("- relu", f"- {cls.TYPE}: {{{', '.join(entries)}}}")
            starts = [len(head) + 1 + sum(len(e) + 2 for e in entries[:i]) for i in range(len(entries))]
            places = [(4, starts[-2]), (4, starts[-1])]
            without = yaml_spec("- relu", f"- {cls.TYPE}: {{{', '.join(entries[:-1])}}}")
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
        text = yaml_spec("- relu", f"- {cls.TYPE}: {{{key}: 1, {key}: 2}}")
        assert [(d["code"], d["line"], d["column"]) for d in invalid(check_json, "-", input=text)] == [
            ("duplicate-key", 4, len(head) + 1 + len(f"{key}: 1, "))]

    run()
