"""Issue 5: the JSON Schema, the pre-commit hook, the CI formats (github, csv), the Python API and the
command-line conventions (--version, --help, colour, streams)."""
from __future__ import annotations

import csv
import io
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

import cnncalc
from cnncalc.cli import cli
from conftest import SPECS, assert_no_crash, diagnostics_in, volume

ROOT = SPECS.parent
SCHEMA_FILE = ROOT / "schema" / "cnncalc-spec.schema.json"
CNNCALC = Path(sys.executable).parent / "cnncalc"  # the console script of this environment
ANSI = re.compile(r"\x1b\[")

# the cs231n notes' CIFAR-10 walkthrough: conv 3·3·3·12 + 12 = 336 params, fc 16·16·12·10 + 10 = 30,730;
# MACs 32·32·12·27 = 331,776 + 16·16·12·10 = 30,720
WALKTHROUGH = "INPUT(32x32x3) -> CONV(12, 3, P=1) -> RELU -> POOL(2) -> FC(10)"
WALKTHROUGH_PARAMS, WALKTHROUGH_MACS = 336 + 30_730, 331_776 + 30_720

# (10 − 3 + 2·0)/2 + 1 = 4.5 at the conv, which stands on line 4; its key `conv` is at column 5
NON_INTEGER = "input: 10x10x3\nlayers:\n  - relu\n  - conv: {filters: 8, kernel: 3, stride: 2}\n"
# the same under floor: 4 windows at 0, 2, 4, 6 read columns 0..8, so column 9 is dropped (a warning)
DROPPED = "input: 10x10x3\nlayers:\n  - relu\n  - conv: {filters: 8, kernel: 3, stride: 2, rounding: floor}\n"


@pytest.fixture(scope="module")
def schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def validator(schema):
    return jsonschema.Draft202012Validator(schema)


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# -- the JSON Schema -------------------------------------------------------------------------------------

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


# -- the pre-commit hook -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def hook() -> dict:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    [found] = [h for h in hooks if h["id"] == "cnncalc-check"]
    return found


def test_hook_declaration(hook):
    assert hook["language"] == "python"
    assert set(hook) >= {"id", "name", "entry", "language", "files"}


@pytest.mark.parametrize("path, matches", [
    ("model.cnn.yaml", True), ("nets/model.cnn.yml", True), ("specs/x.yaml", True), ("specs/a/b.yml", True),
    ("other/x.yaml", False), ("x.yaml", False), ("model.cnn.yaml.bak", False), ("notspecs/x.yaml", False),
])
def test_hook_files_regex(hook, path, matches):
    # pre-commit applies `files` with re.search to paths relative to the repository root
    assert bool(re.search(hook["files"], path)) is matches


def test_hook_entry_runs_cnncalc(hook, tmp_path):
    program, *args = shlex.split(hook["entry"])
    assert program == "cnncalc" and args == ["check"]
    runner = CliRunner()
    good = runner.invoke(cli, [*args, str(SPECS / "lenet5.yaml"), str(SPECS / "cs231n-cifar10.yaml")])
    assert_no_crash(good)
    assert good.exit_code == 0
    bad = runner.invoke(cli, [*args, str(SPECS / "lenet5.yaml"), write(tmp_path, "bad.cnn.yaml", NON_INTEGER)])
    assert_no_crash(bad)
    assert bad.exit_code == 1
    assert "non-integer-output" in bad.stderr


# -- --format github ---------------------------------------------------------------------------------------

def test_github_error_command(run_cli, tmp_path):
    path = write(tmp_path, "bad.yaml", NON_INTEGER)
    result = run_cli("check", path, "--format", "github")
    assert result.exit_code == 1
    first = result.stdout.splitlines()[0]
    assert first.startswith(f"::error file={path},line=4,col=5,title=non-integer-output::")
    # the whole message on one line: its newlines escaped as %0A
    assert "(10 − 3 + 2·0)/2 + 1 = 4.5%0Ahelp: " in first
    assert "\r" not in first


def test_github_warning_command(run_cli, tmp_path):
    path = write(tmp_path, "warn.yaml", DROPPED)
    result = run_cli("check", path, "--format", "github")
    assert result.exit_code == 0
    commands = [line for line in result.stdout.splitlines() if line.startswith("::")]
    assert commands == [line for line in commands if line.startswith(
        f"::warning file={path},line=4,col=5,title=dropped-border::")]
    assert len(commands) == 1


def test_github_escapes_the_file_property_and_percent_signs(run_cli, tmp_path):
    # https://docs.github.com/actions/reference/workflow-commands-for-github-actions: in a property value
    # `,` is %2C and `:` is %3A; in the message `%` is %25, CR %0D and LF %0A
    # 3,073,000 params (32·32·3·1000 + 1000) over a budget of 1,000,000: "(207.3%)"
    text = "input: 32x32x3\nbudget: {params: 1M}\nlayers:\n  - fc: 1000\n"
    path = write(tmp_path, "a,b:c.yaml", text)
    result = run_cli("check", path, "--format", "github")
    assert result.exit_code == 1
    escaped = str(tmp_path).replace(",", "%2C").replace(":", "%3A") + "/a%2Cb%3Ac.yaml"
    [command] = [line for line in result.stdout.splitlines() if line.startswith("::")]
    assert command.startswith(f"::error file={escaped},line=2,col=10,title=over-budget::")
    assert "(207.3%25)" in command and "%0Ahelp: " in command


def test_github_ends_with_the_markdown_table(run_cli, tmp_path):
    path = write(tmp_path, "warn.yaml", DROPPED)
    github = run_cli("check", path, "--format", "github").stdout
    markdown = run_cli("check", path, "--format", "markdown").stdout
    lines = github.splitlines()
    commands = [line for line in lines if line.startswith("::")]
    assert lines[:len(commands)] == commands  # the workflow commands first
    assert "\n".join(lines[len(commands):]) == markdown.rstrip("\n")
    assert "| CONV3-8/2 | 4×4×8 |" in markdown


def test_github_command_without_a_file_for_a_compact_line(run_cli):
    result = run_cli("check", "INPUT(10x10x3) -> CONV(8, 3, S=2)", "--format", "github")
    assert result.exit_code == 1
    assert result.stdout.startswith("::error line=1,col=19,title=non-integer-output::")


# -- --format csv ------------------------------------------------------------------------------------------

def test_csv_rows_equal_the_json(run_cli, check_json):
    spec = str(SPECS / "resnet18.yaml")
    _, data = check_json(spec)
    result = run_cli("check", spec, "--format", "csv")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == len(data["layers"])
    for row, layer in zip(rows, data["layers"]):
        assert row["spec"] == "resnet18"
        assert {k: row[k] for k in ("path", "type", "label")} == {k: layer[k] for k in ("path", "type", "label")}
        assert int(row["index"]) == layer["index"]
        assert [int(row[f"output_{k}"]) for k in ("width", "height", "depth")] == volume(layer["output"])
        for key in ("params", "weights", "biases", "macs", "flops", "activations", "buffers"):
            assert int(row[key]) == layer[key], key
    assert sum(int(r["params"]) for r in rows) == 11_689_512  # torchvision resnet18's num_params


def test_csv_has_one_header_for_several_specs(run_cli):
    result = run_cli("check", WALKTHROUGH, str(SPECS / "lenet5.yaml"), "--format", "csv")
    lines = list(csv.reader(io.StringIO(result.stdout)))
    assert lines[0][:5] == ["spec", "index", "path", "type", "label"]
    assert sum(line[:2] == ["spec", "index"] for line in lines) == 1
    assert {line[0] for line in lines[1:]} == {"network", "lenet5"}


# -- the Python API ----------------------------------------------------------------------------------------

def test_analyze_accepts_every_form(tmp_path):
    yaml_text = ("input: 32x32x3\nlayers:\n  - conv: {filters: 12, kernel: 3, padding: 1}\n  - relu\n"
                 "  - pool: 2\n  - fc: 10\n")
    data = {"input": "32x32x3", "layers": [{"conv": {"filters": 12, "kernel": 3, "padding": 1}}, "relu",
                                           {"pool": 2}, {"fc": 10}]}
    path = write(tmp_path, "walk.yaml", yaml_text)
    reports = [cnncalc.analyze(path), cnncalc.analyze(Path(path)), cnncalc.analyze(yaml_text),
               cnncalc.analyze(WALKTHROUGH), cnncalc.analyze(data)]
    for report in reports:
        assert report.valid
        assert report.totals.params == WALKTHROUGH_PARAMS
        assert report.totals.macs == WALKTHROUGH_MACS
        assert report.output == cnncalc.Volume(1, 1, 10)
    assert len({r.totals for r in reports}) == 1
    assert reports[0].source == path


def test_report_to_json_is_the_cli_output(run_cli):
    spec = str(SPECS / "resnet18.yaml")
    cli_output = run_cli("check", spec, "--format", "json").stdout
    assert cnncalc.analyze(spec).to_json() == cli_output.rstrip("\n")


def test_report_to_markdown_is_the_cli_output(run_cli):
    spec = str(SPECS / "lenet5.yaml")
    cli_output = run_cli("check", spec, "--format", "markdown").stdout
    assert cnncalc.analyze(spec).to_markdown() == cli_output.rstrip("\n")


def test_repr_html_is_a_table_with_every_label():
    from html import escape

    report = cnncalc.analyze(str(SPECS / "googlenet.yaml"))
    html = report._repr_html_()
    assert "<table" in html and "</table>" in html
    assert html.count("<tr>") == len(report.rows) + 2  # the header, a row per layer, the totals
    for row in report.rows:
        assert f">{escape(row.label)}<" in html


def _readme_python_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### From Python", 1)[1]
    section = re.split(r"\n#{1,3} ", section, maxsplit=1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.DOTALL)


def test_readme_python_example_runs(monkeypatch):
    blocks = _readme_python_blocks()
    assert blocks
    monkeypatch.chdir(ROOT)  # the example names specs/… relative to the repository
    for block in blocks:
        namespace: dict = {}
        exec(compile(block, "README.md", "exec"), namespace)
        # a line `expression   # value` states the value: check it where the comment is a Python value
        checked = 0
        for line in block.splitlines():
            code, _, comment = line.partition("  #")
            if not comment.strip() or "=" in code.replace("==", ""):
                continue
            try:
                stated = eval(comment.strip(), {"Volume": cnncalc.Volume})
            except SyntaxError:
                continue
            actual = eval(code.strip(), namespace)
            assert actual == stated if not isinstance(stated, tuple) else tuple(actual) == stated, line
            checked += 1
        assert checked >= 1


# -- conventions -------------------------------------------------------------------------------------------

def test_version(run_cli):
    tomllib = pytest.importorskip("tomllib")  # Python 3.11 and later; cnncalc itself runs on 3.10
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    result = run_cli("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"cnncalc, version {project}"
    assert cnncalc.__version__ == project


@pytest.mark.parametrize("command", [None, *sorted(cli.commands)])
def test_help_of_every_command_shows_an_example(run_cli, command):
    result = run_cli(*([command] if command else []), "--help")
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: ")
    assert re.search(r"^\s*Examples?( \(.*\))?:", result.stdout, re.MULTILINE), result.stdout
    assert result.stderr == ""


def test_no_arguments_prints_usage_and_exits_0(run_cli):
    result = run_cli()
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: ")
    for command in ("check", "explain", "sizes", "diff", "export", "schema"):
        assert re.search(rf"^\s+{command}\s", result.stdout, re.MULTILINE)


def test_errors_on_stderr_data_on_stdout(run_cli, tmp_path):
    path = write(tmp_path, "bad.yaml", NON_INTEGER)
    result = run_cli("check", path, "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)  # stdout is the data alone
    assert data["valid"] is False
    [diagnostic] = diagnostics_in(result.stderr)
    assert (diagnostic["source"], diagnostic["line"], diagnostic["column"], diagnostic["code"]) == (
        path, "4", "5", "non-integer-output")
    assert diagnostics_in(result.stdout) == []  # the human-readable diagnostic is not mixed into the data
    # a usage error: a message on stderr, nothing on stdout, exit 2
    usage = run_cli("check", WALKTHROUGH, "--format", "yaml")
    assert usage.exit_code == 2
    assert usage.stdout == "" and "--format" in usage.stderr
    # an unreadable file: exit 2, stderr only
    missing = run_cli("explain", str(tmp_path / "missing.yaml"))
    assert missing.exit_code == 2
    assert missing.stdout == "" and "error[unreadable]" in missing.stderr


def test_not_a_terminal_gives_no_ansi(run_cli):
    for args in (("check", WALKTHROUGH), ("check", WALKTHROUGH, "--by-type"), ("explain", WALKTHROUGH),
                 ("diff", WALKTHROUGH, str(SPECS / "cs231n-cifar10.yaml")), ("sizes", WALKTHROUGH, "--range", "30:34")):
        result = run_cli(*args)
        assert not ANSI.search(result.stdout) and not ANSI.search(result.stderr), args


def _in_a_terminal(args: list[str], env: dict[str, str]) -> str:
    """stdout of the console script run with a pseudo-terminal as its standard output."""
    pty = pytest.importorskip("pty")
    master, slave = pty.openpty()
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "TERM")}
    environment.update({"TERM": "xterm-256color", **env})
    process = subprocess.Popen([str(CNNCALC), *args], stdout=slave, stderr=subprocess.PIPE, env=environment,
                               cwd=ROOT)
    os.close(slave)
    chunks = []
    try:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # the terminal's other end closed: the program ended
                break
            if not data:
                break
            chunks.append(data)
        process.wait(timeout=30)
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.skipif(not CNNCALC.exists() or sys.platform == "win32", reason="needs the console script and a pty")
def test_colour_only_in_a_terminal_without_no_color():
    spec = "specs/lenet5.yaml"
    coloured = _in_a_terminal(["check", spec], {})
    assert ANSI.search(coloured), "a terminal should get colour (otherwise the checks below prove nothing)"
    assert not ANSI.search(_in_a_terminal(["check", spec], {"NO_COLOR": "1"}))
    assert not ANSI.search(_in_a_terminal(["check", "--no-color", spec], {}))
    plain = _in_a_terminal(["check", "--no-color", spec], {})
    assert "61,706" in plain  # lenet5's params, in the plain table as well
