"""`cli.py values` and `cli.py list`: (arguments, expected output) tables."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
from scenes.registry import SCENES

REPO = Path(__file__).resolve().parent.parent


def run(*args: str):
    return CliRunner().invoke(cli.cli, list(args))


# ---------------------------------------------------------------- good input


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        pytest.param(["values"], "Let's", id="table-words"),
        pytest.param(["values"], "3.70", id="table-query"),
        pytest.param(["values"], "11.73", id="table-score"),
        pytest.param(["values"], "Similarity scores Q K^T", id="table-title"),
        pytest.param(["values"], "-2.62", id="table-ascii-minus"),
        pytest.param(
            ["values", "--format", "csv"],
            "quantity,head,row,column,value\n",
            id="csv-header",
        ),
        pytest.param(
            ["values", "--format", "csv"], "queries,1,Let's,q2,3.70", id="csv-row"
        ),
        pytest.param(["values", "--format", "markdown"], "| Let's |", id="markdown"),
        pytest.param(["values", "--format", "markdown"], "|:--|--:|", id="md-align"),
        pytest.param(
            ["values", "--format", "latex"], r"\begin{tabular}", id="latex-tabular"
        ),
        pytest.param(["values", "--format", "latex"], "$11.73$", id="latex-number"),
        pytest.param(["values", "--decimals", "4"], "11.7266", id="decimals-4"),
        pytest.param(["values", "--decimals", "0"], "  12", id="decimals-0"),
        pytest.param(["values", "--words", "a b c"], "Word embeddings", id="words"),
        pytest.param(["values", "-h"], "--decimals", id="help"),
        pytest.param(["list"], "ShowPositionalEncoding", id="list-first"),
        pytest.param(["list"], "AttentionLesson", id="list-last"),
    ],
)
def test_output_contains(args, fragment):
    result = run(*args)

    assert result.exit_code == 0, result.output
    assert fragment in result.stdout
    assert result.stderr == ""


def test_csv_header_is_the_first_line():
    result = run("values", "--format", "csv")

    rows = list(csv.reader(io.StringIO(result.stdout)))

    assert rows[0] == ["quantity", "head", "row", "column", "value"]
    assert all(len(row) == 5 for row in rows)


def test_json_parses_and_has_the_shape_of_the_lesson():
    result = run("values", "--format", "json")

    values = json.loads(result.stdout)

    assert values["words"] == ["Let's", "go"]
    assert values["d_model"] == 2
    assert len(values["heads"]) == 1
    assert [len(row) for row in values["heads"][0]["scores"]] == [2, 2]
    assert round(values["heads"][0]["scores"][0][0], 2) == 11.73
    assert [len(row) for row in values["output"]] == [2, 2]


def test_json_ignores_decimals():
    assert run("values", "--format", "json", "--decimals", "0").stdout == (
        run("values", "--format", "json").stdout
    )


def test_markdown_is_a_pipe_table():
    lines = run("values", "--format", "markdown").stdout.splitlines()

    table = [line for line in lines if line.startswith("|")]

    assert table
    assert all(line.endswith("|") for line in table)


@pytest.mark.parametrize(
    ("words", "n_rows"),
    [
        pytest.param("a b c", 3, id="three"),
        pytest.param("solo", 1, id="one"),
        pytest.param("  spaced   out  ", 2, id="extra-spaces"),
    ],
)
def test_words_give_one_row_each(words, n_rows):
    result = run("values", "--words", words, "--format", "json")

    values = json.loads(result.stdout)

    assert values["words"] == words.split()
    assert len(values["embeddings"]) == n_rows
    assert len(values["heads"][0]["attention_weights"]) == n_rows


def test_words_table_has_one_line_per_word():
    result = run("values", "--words", "a b c")

    block = result.stdout.split("\n\n")[0].splitlines()

    assert block[0] == "Word embeddings"
    assert [line.split()[0] for line in block[2:]] == ["a", "b", "c"]


def test_table_columns_line_up_with_wide_and_combining_characters():
    # 日本語 takes six terminal columns and "nai\u0308ve" five
    result = run("values", "--words", "日本語 nai\u0308ve go")

    block = result.stdout.split("\n\n")[0].splitlines()[1:]
    ends = {
        len(line) + sum(ord(c) > 0x3000 for c in line) - line.count("\u0308")
        for line in block
    }

    assert len(ends) == 1, block


def test_seed_changes_the_numbers():
    first = run("values", "--seed", "1", "--format", "json").stdout
    again = run("values", "--seed", "1", "--format", "json").stdout
    other = run("values", "--seed", "2", "--format", "json").stdout

    assert first == again
    assert json.loads(first)["embeddings"] != json.loads(other)["embeddings"]
    assert json.loads(first)["words"] == ["Let's", "go"]


def test_lesson_file_and_words_rename(tmp_path):
    path = tmp_path / "lesson.json"
    path.write_text(json.dumps({"words": ["x", "y"], "seed": 3}), encoding="utf-8")

    renamed = run("values", "--lesson", str(path), "--words", "p q", "--format", "json")
    original = run("values", "--lesson", str(path), "--format", "json")

    assert renamed.exit_code == 0, renamed.output
    renamed_values = json.loads(renamed.stdout)
    assert renamed_values.pop("words") == ["p", "q"]
    original_values = json.loads(original.stdout)
    assert original_values.pop("words") == ["x", "y"]
    assert renamed_values == original_values


def test_list_prints_every_scene_of_the_lesson():
    result = run("list")

    names = [line.split()[0] for line in result.stdout.splitlines()]

    assert names == [info.name for info in SCENES]
    assert {
        "ShowPositionalEncoding",
        "ComputeQueryValues",
        "ComputeKeyValues",
        "CompareQueriesWithKeys",
        "ApplySoftmax",
        "CombineValues",
        "AttentionLesson",
        "MaskFutureWords",
        "ShowMultiHeadAttention",
    } == set(names)


# ---------------------------------------------------------------- bad input

HUGE_INT = "1" + "0" * 400


def _lesson_file(tmp_path: Path, content: str | bytes | None) -> str:
    if content is None:
        return str(tmp_path / "missing.json")
    if content == "<folder>":
        folder = tmp_path / "folder.json"
        folder.mkdir()
        return str(folder)
    path = tmp_path / "lesson.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return str(path)


BAD_LESSONS = [
    pytest.param(None, ["missing.json", "does not exist"], id="missing-file"),
    pytest.param("<folder>", ["folder.json", "folder"], id="folder"),
    pytest.param(b'{"words": ["\xff\xfe"]}', ["UTF-8"], id="invalid-utf8"),
    pytest.param(
        '{"words": ["a",\n ]}', ["not valid JSON", "line 2", "column 2"], id="json"
    ),
    pytest.param("", ["not valid JSON", "line 1", "column 1"], id="empty-file"),
    pytest.param("[1, 2]", ["JSON object", "a list"], id="list"),
    pytest.param('"words"', ["JSON object", "a string"], id="string"),
    pytest.param(
        '{"words": ["a"], "wieghts": {}}',
        ['"wieghts"', 'did you mean "weights"'],
        id="unknown-key",
    ),
    pytest.param(
        '{"words": ["a"], "weights": {"qeury": [[1]]}}',
        ['"qeury"', 'did you mean "query"'],
        id="unknown-weights-key",
    ),
    pytest.param(
        '{"words": ["a"], "zzz": 1}', ['"zzz"', "allowed keys"], id="unknown-far"
    ),
    pytest.param(
        '{"words": ["a", "b"], "embeddings": [[1, 2], [3, 4], [5, 6]]}',
        ["(2, 2)", "(3, 2)"],
        id="embeddings-shape",
    ),
    pytest.param(
        '{"words": ["a", "b"], "weights": {"query": [[1, 2], [3, 4]],'
        ' "key": [[1, 2], [3, 4], [5, 6]]}}',
        ["key", "(2, 2)", "(3, 2)"],
        id="weights-shape",
    ),
    pytest.param(
        '{"words": ["a", "b"], "embeddings": [[1, 2], [3]]}',
        ["different lengths", "row 2"],
        id="ragged",
    ),
    pytest.param(
        '{"words": ["a"], "embeddings": [[1, "2"]]}',
        ['"2"', "not a number", "column 2"],
        id="string-number",
    ),
    pytest.param(
        '{"words": ["a"], "embeddings": [[1, true]]}',
        ["true", "not a number"],
        id="bool-number",
    ),
    pytest.param('{"words": ["a"], "embeddings": [[NaN, 1]]}', ["NaN"], id="nan"),
    pytest.param(
        '{"words": ["a"], "embeddings": [[Infinity, 1]]}', ["Infinity"], id="inf"
    ),
    pytest.param(
        '{"words": ["a"], "embeddings": [[-Infinity, 1]]}', ["-Infinity"], id="-inf"
    ),
    pytest.param(
        '{"words": ["a"], "embeddings": [[1e999, 1]]}', ["finite"], id="1e999"
    ),
    pytest.param(
        '{"words": ["a"], "embeddings": [[1e16, 1]]}', ["at most 1e15"], id="1e16"
    ),
    pytest.param(
        '{"words": ["a"], "embeddings": [[' + HUGE_INT + ", 1]]}",
        ["finite"],
        id="huge-integer",
    ),
    pytest.param(
        '{"words": ["a"], "embeddings": [[1' + "0" * 5000 + ", 1]]}",
        ["number"],
        id="integer-over-4300-digits",
    ),
    pytest.param('{"scale": true}', ['no "words"'], id="no-words"),
    pytest.param('{"words": []}', ['"words" is empty'], id="empty-words"),
    pytest.param('{"words": "a b"}', ["list of strings"], id="words-string"),
    pytest.param('{"words": ["a", ""]}', ["word 2 is empty"], id="empty-word"),
    pytest.param('{"words": ["  "]}', ["word 1 is empty"], id="whitespace-word"),
    pytest.param(
        '{"words": ["a"], "weights": {}, "heads": [{}]}',
        ['"weights"', '"heads"', "not both"],
        id="weights-and-heads",
    ),
    pytest.param('{"words": ["a"], "heads": []}', ['"heads"'], id="no-heads"),
    pytest.param(
        '{"words": ["a"], "scale": "yes"}', ['"scale"', "true or false"], id="scale"
    ),
    pytest.param(
        '{"words": ["a"], "causal": 1}', ['"causal"', "true or false"], id="causal"
    ),
    pytest.param('{"words": ["a"], "seed": -1}', ['"seed"', "whole number"], id="seed"),
    pytest.param(
        '{"words": ["a"], "d_head": 0}', ['"d_head"', "at least 1"], id="d_head"
    ),
]


def _check_one_line_error(result, fragments):
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    for fragment in fragments:
        assert fragment in lines[0]
    assert result.stdout == ""


@pytest.mark.parametrize(("content", "fragments"), BAD_LESSONS)
def test_bad_lesson_is_one_line_and_exit_2(tmp_path, content, fragments):
    path = _lesson_file(tmp_path, content)

    result = run("values", "--lesson", path)

    _check_one_line_error(result, fragments)


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        pytest.param(["values", "--bogus"], ["--bogus"], id="unknown-option"),
        pytest.param(["--bogus", "values"], ["--bogus"], id="unknown-group-option"),
        pytest.param(["nosuch"], ["nosuch"], id="unknown-command"),
        pytest.param(
            ["values", "--format", "bogus"], ["--format", "bogus"], id="format"
        ),
        pytest.param(
            ["values", "--decimals", "-1"], ["--decimals", "-1"], id="decimals-neg"
        ),
        pytest.param(
            ["values", "--decimals", "13"], ["--decimals", "13"], id="decimals-13"
        ),
        pytest.param(
            ["values", "--decimals", "two"], ["--decimals", "two"], id="decimals-text"
        ),
        pytest.param(["values", "--seed", "-1"], ["--seed", "-1"], id="seed-neg"),
        pytest.param(["values", "--words", ""], ["--words is empty"], id="words"),
        pytest.param(["values", "--words", "   "], ["--words is empty"], id="blank"),
        pytest.param(["values", "--lesson"], ["--lesson"], id="lesson-no-path"),
    ],
)
def test_bad_option_is_one_line_and_exit_2(args, fragments):
    result = run(*args)

    _check_one_line_error(result, fragments)


def test_non_object_lesson_with_words(tmp_path):
    path = _lesson_file(tmp_path, "[1]")

    result = run("values", "--lesson", path, "--words", "a b")

    _check_one_line_error(result, ["JSON object"])


# ---------------------------------------------------------------- layering

NO_MANIM = """
import sys
import cli
try:
    cli.cli.main(["values"], prog_name="cli.py")
except SystemExit as stop:
    assert stop.code in (0, None), stop.code
loaded = sorted(name for name in sys.modules if name.split(".")[0] == "manim")
print("MANIM_MODULES", loaded, file=sys.stderr)
"""


def test_values_does_not_import_manim():
    result = subprocess.run(
        [sys.executable, "-c", NO_MANIM],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "Let's" in result.stdout
    assert "MANIM_MODULES []" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["values"],
        ["list"],
        ["--help"],
        ["render", "--help"],
        ["lesson", "--help"],
        ["values", "--help"],
    ],
    ids=" ".join,
)
def test_commands_that_only_compute_never_import_manim(args):
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "cli.py", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    imported = [line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()]
    assert "click" in imported
    assert not [name for name in imported if name.split(".")[0] == "manim"]
