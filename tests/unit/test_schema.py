"""The JSON Schema of the spec format (model/schema.py, schema/cnncalc-spec.schema.json, `cnncalc schema`):
a valid Draft 2020-12 schema that the shipped specs pass and broken specs fail, as cnncalc does."""
from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

import cnncalc
from conftest import ROOT, SPECS, WALKTHROUGH, volume

SCHEMA_FILE = ROOT / "schema" / "cnncalc-spec.schema.json"


@pytest.fixture(scope="module")
def schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def validator(schema):
    return jsonschema.Draft202012Validator(schema)


def test_schema_command_prints_the_committed_schema(run_cli, schema):
    result = run_cli("schema")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == schema


def test_schema_is_a_valid_draft_2020_12_schema(schema):
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("path", sorted(SPECS.glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_spec_validates(path, validator):
    errors = [e.message for e in validator.iter_errors(yaml.safe_load(path.read_text(encoding="utf-8")))]
    assert errors == []


BROKEN = {
    "misspelt key": "input: 8x8x1\nlayers:\n  - conv: {filters: 8, kernal: 3}\n",
    "no layers": "input: 8x8x1\n",
    "empty layers": "input: 8x8x1\nlayers: []\n",
    "repeat 0": "input: 8x8x1\nlayers:\n  - repeat: 0\n    layers: [relu]\n",
    "unknown top-level key": "input: 8x8x1\nlayers: [relu]\nlayer: [relu]\n",
    "lower-case s": "input: 8x8x1\nlayers:\n  - conv: {filters: 8, kernel: 3, s: 2}\n",
    "a letter beside its long name": "input: 8x8x1\nlayers:\n  - conv: {filters: 8, kernel: 3, F: 3}\n",
    "an empty group": "input: 8x8x1\nlayers:\n  - group: []\n",
    "a multiply of no branches": "input: 8x8x1\nlayers:\n  - multiply: []\n",
    "a misspelt key beside a group": "input: 8x8x1\nlayers:\n  - group: [relu]\n    nmae: layer1\n",
}


@pytest.mark.parametrize("text", BROKEN.values(), ids=BROKEN.keys())
def test_broken_specs_fail_the_schema_and_cnncalc_alike(text, validator):
    assert not validator.is_valid(yaml.safe_load(text))
    assert not cnncalc.analyze(text).valid


def test_compact_strings_as_list_items_validate(validator):
    text = ('input: 32x32x3\nlayers:\n  - "CONV(16, 3, P=1)"\n  - RELU\n  - POOL(2)\n  - "FC(10)"\n'
            '  - conv: {filters: 8, kernel: 1}\n')
    assert validator.is_valid(yaml.safe_load(text))
    report = cnncalc.analyze(text)
    assert report.valid and volume(report.output.to_dict()) == [1, 1, 8]
    # a whole spec in the compact notation is a YAML string: valid as well
    assert validator.is_valid(yaml.safe_load(WALKTHROUGH))


def test_schema_accepts_the_cs231n_letters(validator):
    text = "input: 8x8x1\nlayers:\n  - conv: {K: 8, F: 3, S: 1, P: 1}\n  - fc: {K: 10}\n"
    assert cnncalc.analyze(text).valid
    assert validator.is_valid(yaml.safe_load(text))


def test_schema_accepts_type_names_in_any_case(validator):
    text = "input: 8x8x1\nlayers:\n  - Conv: {filters: 8, kernel: 3}\n  - MaxPool: 2\n"
    assert cnncalc.analyze(text).valid
    assert validator.is_valid(yaml.safe_load(text))


def test_schema_accepts_a_number_with_an_exponent(validator):
    # YAML 1.1 (yaml.safe_load here) reads 1e-6 as text, YAML 1.2 (yaml-language-server) as a number
    text = "input: 8x8x1\nlayers:\n  - bn: {eps: 1e-6, momentum: 1.0e-2}\n"
    assert cnncalc.analyze(text).valid
    assert validator.is_valid(yaml.safe_load(text))
    assert validator.is_valid({"input": "8x8x1", "layers": [{"bn": {"eps": 1e-6}}]})
    assert not validator.is_valid({"input": "8x8x1", "layers": [{"bn": {"eps": "small"}}]})


def test_schema_accepts_multiply_and_group(validator):
    text = ("input: 8x8x4\nlayers:\n"
            "  - group: [conv: {filters: 4, kernel: 3, padding: 1, name: 'layer1.{i}'}]\n"
            "    name: layer1\n    id: l1\n    rounding: floor\n"
            "  - multiply: [[], [gap, conv: {filters: 4, kernel: 1}, sigmoid]]\n    name: se\n")
    assert cnncalc.analyze(text).valid
    assert validator.is_valid(yaml.safe_load(text))
