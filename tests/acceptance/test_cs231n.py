"""The cs231n acceptance cases (tests/acceptance/cs231n.yaml, a verbatim copy of the shared file),
judged as judge.py judges them: `check --format json [args] SPEC`, then the exit status, the final
volume, the totals, fields of given rows, diagnostic codes, text on stderr, and no traceback."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from conftest import volume

CASES = yaml.safe_load((Path(__file__).parent / "cs231n.yaml").read_text(encoding="utf-8"))


def test_the_case_file_is_not_empty():
    assert len(CASES) >= 15
    assert len({c["name"] for c in CASES}) == len(CASES)


def _get(data, dotted: str):
    for part in dotted.split("."):
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data


def _spec_argument(case: dict, tmp_path: Path) -> tuple[str, str | None]:
    """The SPEC argument and standard input of a case, as judge.py builds them."""
    path = tmp_path / f"{case['name']}.yaml"
    if "yaml" in case:
        path.write_text(case["yaml"], encoding="utf-8")
        return str(path), None
    if "bytes_hex" in case:
        path.write_bytes(bytes.fromhex(case["bytes_hex"]))
        return str(path), None
    if "generate" in case:
        path.write_text(eval(case["generate"]), encoding="utf-8")  # the case file's own expression
        return str(path), None
    if case.get("spec") == "<dir>":
        return str(tmp_path), None
    if "stdin" in case:
        return "-", case["stdin"]
    return case["spec"], None


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_acceptance_case(case, check_json, tmp_path):
    expect = case.get("expect", {})
    spec, stdin = _spec_argument(case, tmp_path)
    started = time.perf_counter()
    result, data = check_json(*case.get("args", []), spec, input=stdin)
    took = time.perf_counter() - started

    if "max_s" in expect:
        assert took <= expect["max_s"]
    assert "Traceback" not in result.stdout + result.stderr
    wanted_exit = expect.get("exit", 0)
    assert result.exit_code in (wanted_exit if isinstance(wanted_exit, list) else [wanted_exit]), result.stderr

    if "codes" in expect:
        got = {d["code"] for d in data.get("diagnostics", [])} if isinstance(data, dict) else set()
        for code in expect["codes"]:
            assert code in got or code in result.stderr + result.stdout, (code, got)
    for text in expect.get("stderr_has", []):
        assert text.lower() in result.stderr.lower()

    if not any(k in expect for k in ("output", "totals", "layer", "fields", "weighted")):
        return
    assert isinstance(data, (dict, list)), "no JSON on stdout"
    if isinstance(data, list):
        data = {"items": data}
    if "output" in expect:
        assert volume(data.get("output")) == expect["output"]
    for key, value in expect.get("totals", {}).items():
        assert data["totals"][key] == value, key
    for index, fields in expect.get("layer", {}).items():
        row = data["layers"][int(index)]
        for key, value in fields.items():
            got = volume(row.get(key)) if key in ("output", "input") else row.get(key)
            assert got == value, (index, key)
    for dotted, value in expect.get("fields", {}).items():
        assert _get(data, dotted) == value, dotted
    if "weighted" in expect:
        rows = [r for r in data["layers"] if r["type"] in {"conv", "local", "deconv", "fc"}]
        assert [volume(r["output"]) for r in rows] == expect["weighted"]
