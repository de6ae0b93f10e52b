"""The default lesson, seeded defaults, and every value against a reference."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any, ClassVar

import numpy as np
import pytest
from click.testing import CliRunner
from numpy.testing import assert_allclose, assert_array_equal

import cli
from qkmath.lesson import (
    DEFAULT_LESSON,
    SECOND_HEAD,
    compute,
    default_lesson,
    lesson_from_mapping,
)

EXACT = {"rtol": 0, "atol": 1e-12}
"""Tolerance for values that are exact up to floating point rounding."""

REFERENCE = {"rtol": 0, "atol": 1e-9}
"""Tolerance between qkmath and the reference written below."""


def _decimal_places(number: float) -> int:
    """Decimal places of the shortest text that reads back as ``number``."""
    return max(0, -Decimal(repr(float(number))).as_tuple().exponent)


def _all_numbers(value: Any) -> list[float]:
    """Every number inside nested lists and mappings."""
    if isinstance(value, dict):
        return [n for item in value.values() for n in _all_numbers(item)]
    if isinstance(value, (list, tuple, np.ndarray)):
        return [n for item in value for n in _all_numbers(item)]
    if isinstance(value, (int, float, np.floating)) and not isinstance(value, bool):
        return [float(value)]
    return []


def _two_heads() -> dict[str, Any]:
    lesson = {key: value for key, value in DEFAULT_LESSON.items() if key != "weights"}
    return {**lesson, "heads": [DEFAULT_LESSON["weights"], SECOND_HEAD]}


# ---------------------------------------------------------------- default


@pytest.fixture(scope="module")
def example():
    return compute(default_lesson())


class TestDefaultLesson:
    def test_words(self, example):
        assert example.words == ("Let's", "go")

    def test_positional_encoding(self, example):
        assert example.positional_encoding.round(3).tolist() == [
            [0.0, 1.0],
            [0.841, 0.540],
        ]

    def test_queries_of_lets(self, example):
        assert example.heads[0].queries.totals[0].round(1).tolist() == [4.1, 3.7]

    def test_second_query_value_of_lets_is_3_7(self, example):
        assert round(example.heads[0].queries.totals[0, 1], 1) == 3.7

    @pytest.mark.parametrize(
        ("key_word", "expected"),
        [pytest.param(0, 11.7, id="own-key"), pytest.param(1, -2.6, id="key-of-go")],
    )
    def test_raw_scores_of_lets(self, example, key_word, expected):
        assert round(example.heads[0].scores[0, key_word], 1) == expected

    def test_lets_attends_to_itself(self, example):
        percent = (example.heads[0].attention_weights[0] * 100).round()

        assert percent.tolist() == [100.0, 0.0]

    def test_scores_equal_queries_times_keys_transposed(self, example):
        head = example.heads[0]

        expected = head.queries.totals @ head.keys.totals.T

        assert_allclose(head.scores, expected, **EXACT)

    def test_attention_rows_sum_to_one(self, example):
        row_sums = example.heads[0].attention_weights.sum(axis=1)

        assert_allclose(row_sums, [1.0, 1.0], **EXACT)

    @pytest.mark.parametrize(
        "numbers",
        [
            pytest.param(DEFAULT_LESSON, id="DEFAULT_LESSON"),
            pytest.param(SECOND_HEAD, id="SECOND_HEAD"),
        ],
    )
    def test_numbers_have_at_most_two_decimals(self, numbers):
        found = _all_numbers(numbers)

        assert found
        assert [n for n in found if _decimal_places(n) > 2] == []

    def test_second_head_scores_and_rows(self):
        example = compute(lesson_from_mapping(_two_heads()))

        for head in example.heads:
            expected = head.queries.totals @ head.keys.totals.T
            assert_allclose(head.scores, expected, **EXACT)
            row_sums = head.attention_weights.sum(axis=1)
            assert_allclose(row_sums, np.ones(2), **EXACT)


# ---------------------------------------------------------------- to_dict

HEAD_KEYS = {
    "weights",
    "queries",
    "keys",
    "values",
    "scores",
    "scaled_scores",
    "attention_weights",
    "output",
}
LESSON_KEYS = {
    "words",
    "d_model",
    "embeddings",
    "positional_encoding",
    "position_encoded",
    "scale",
    "causal",
    "heads",
    "output",
}


def _shape(rows: Any) -> tuple[int, int]:
    """Shape of a list of rows, checking it is one."""
    assert isinstance(rows, list)
    assert all(isinstance(row, list) for row in rows)
    assert all(len(row) == len(rows[0]) for row in rows)
    assert all(isinstance(n, float) for row in rows for n in row)
    return (len(rows), len(rows[0]) if rows else 0)


class TestToDict:
    @pytest.mark.parametrize(
        ("data", "n_tokens", "d_model", "d_heads"),
        [
            pytest.param(DEFAULT_LESSON, 2, 2, [2], id="default"),
            pytest.param(_two_heads(), 2, 2, [2, 2], id="two-heads"),
            pytest.param(
                {"words": ["a", "b", "c"], "d_model": 3, "d_head": 4, "n_heads": 2},
                3,
                3,
                [4, 4],
                id="drawn-3-words",
            ),
            pytest.param(
                {
                    "words": ["x"],
                    "heads": [
                        {"query": [[1.0], [2.0]]},
                        {"key": [[1.0, 0.0, 2.0], [0.0, 1.0, 1.0]]},
                    ],
                },
                1,
                2,
                [1, 3],
                id="heads-of-different-sizes",
            ),
        ],
    )
    def test_keys_nesting_and_shapes(self, data, n_tokens, d_model, d_heads):
        result = compute(lesson_from_mapping(data)).to_dict()

        assert set(result) == LESSON_KEYS
        assert len(result["words"]) == n_tokens
        assert result["d_model"] == d_model
        assert isinstance(result["scale"], bool)
        assert isinstance(result["causal"], bool)
        for key in ("embeddings", "positional_encoding", "position_encoded"):
            assert _shape(result[key]) == (n_tokens, d_model), key
        assert len(result["heads"]) == len(d_heads)
        for head, d_head in zip(result["heads"], d_heads, strict=True):
            assert set(head) == HEAD_KEYS
            assert set(head["weights"]) == {"query", "key", "value"}
            for matrix in head["weights"].values():
                assert _shape(matrix) == (d_model, d_head)
            for key in ("queries", "keys", "values", "output"):
                assert _shape(head[key]) == (n_tokens, d_head), key
            for key in ("scores", "scaled_scores", "attention_weights"):
                assert _shape(head[key]) == (n_tokens, n_tokens), key
        assert _shape(result["output"]) == (n_tokens, sum(d_heads))

    def test_is_plain_json(self):
        result = compute(default_lesson()).to_dict()

        assert json.loads(json.dumps(result)) == result


# ---------------------------------------------------------------- seeded


def _drawn(data: dict[str, Any], seed: int | None = None) -> list[np.ndarray]:
    lesson = lesson_from_mapping(data, seed=seed)
    weights = [head[name] for head in lesson.heads for name in sorted(head)]
    return [lesson.embeddings, *weights]


def _assert_same(first: list[np.ndarray], second: list[np.ndarray]) -> None:
    assert len(first) == len(second)
    for a, b in zip(first, second, strict=True):
        assert_array_equal(a, b)


class TestSeededDefaults:
    WORDS: ClassVar[dict[str, Any]] = {"words": ["the", "cat", "sat"]}

    def test_same_seed_same_numbers(self):
        _assert_same(_drawn(self.WORDS, 5), _drawn(self.WORDS, 5))

    def test_default_seed_is_zero(self):
        _assert_same(_drawn(self.WORDS), _drawn(self.WORDS, 0))

    def test_seed_key_and_seed_argument_agree(self):
        _assert_same(_drawn({**self.WORDS, "seed": 9}), _drawn(self.WORDS, 9))

    def test_another_seed_other_numbers(self):
        pairs = zip(_drawn(self.WORDS, 5), _drawn(self.WORDS, 6), strict=True)

        for first, second in pairs:
            assert not np.array_equal(first, second)

    @pytest.mark.parametrize("seed", [0, 1, 123, 2**40], ids=lambda s: f"seed={s}")
    def test_drawn_numbers_have_two_decimals_and_stay_in_range(self, seed):
        embeddings, *weights = _drawn({**self.WORDS, "n_heads": 2}, seed)

        numbers = _all_numbers([embeddings, weights])
        assert [n for n in numbers if _decimal_places(n) > 2] == []
        assert np.all(np.abs(embeddings) <= 2.0)
        assert all(np.all(np.abs(matrix) <= 1.5) for matrix in weights)

    def test_giving_embeddings_keeps_the_drawn_weights(self):
        words = {"words": ["a", "b"]}
        with_embeddings = {**words, "embeddings": [[0.1, 0.2], [0.3, 0.4]]}

        drawn = lesson_from_mapping(words).heads
        kept = lesson_from_mapping(with_embeddings).heads

        for name in ("query", "key", "value"):
            assert_array_equal(drawn[0][name], kept[0][name])

    def test_giving_weights_keeps_the_drawn_embeddings(self):
        words = {"words": ["a", "b"]}
        with_weights = {**words, "weights": DEFAULT_LESSON["weights"]}

        drawn = lesson_from_mapping(words).embeddings
        kept = lesson_from_mapping(with_weights).embeddings

        assert_array_equal(drawn, kept)

    def test_giving_one_matrix_keeps_the_others(self):
        words = {"words": ["a", "b"], "n_heads": 2}
        query = [[1.0, 0.0], [0.0, 1.0]]
        with_query = {"words": ["a", "b"], "heads": [{"query": query}, {}]}

        drawn = lesson_from_mapping(words).heads
        kept = lesson_from_mapping(with_query).heads

        assert_array_equal(kept[0]["query"], query)
        assert_array_equal(drawn[0]["key"], kept[0]["key"])
        assert_array_equal(drawn[0]["value"], kept[0]["value"])
        for name in ("query", "key", "value"):
            assert_array_equal(drawn[1][name], kept[1][name])


# ---------------------------------------------------------------- reference
# Written with loops and the math module only, so that a mistake in qkmath
# cannot hide behind the same mistake here.

Matrix = list[list[float]]


def ref_positional_encoding(n_tokens: int, d_model: int) -> Matrix:
    rows = []
    for pos in range(n_tokens):
        row = []
        for column in range(d_model):
            pair = column // 2
            angle = pos / 10000 ** (2 * pair / d_model)
            row.append(math.sin(angle) if column % 2 == 0 else math.cos(angle))
        rows.append(row)
    return rows


def ref_add(a: Matrix, b: Matrix) -> Matrix:
    return [
        [x + y for x, y in zip(ra, rb, strict=True)]
        for ra, rb in zip(a, b, strict=True)
    ]


def ref_matmul(a: Matrix, b: Matrix) -> Matrix:
    inner = len(b)
    columns = len(b[0])
    return [
        [sum(row[k] * b[k][j] for k in range(inner)) for j in range(columns)]
        for row in a
    ]


def ref_transpose(a: Matrix) -> Matrix:
    return [[a[i][j] for i in range(len(a))] for j in range(len(a[0]))]


def ref_softmax_row(row: list[float], visible: int) -> list[float]:
    top = max(row[:visible])
    exps = [math.exp(x - top) for x in row[:visible]]
    total = sum(exps)
    return [e / total for e in exps] + [0.0] * (len(row) - visible)


def ref_head(x: Matrix, weights: dict, scale: bool, causal: bool) -> dict:
    queries = ref_matmul(x, weights["query"])
    keys = ref_matmul(x, weights["key"])
    values = ref_matmul(x, weights["value"])
    d_head = len(weights["key"][0])
    scores = ref_matmul(queries, ref_transpose(keys))
    scaled = [[s / math.sqrt(d_head) for s in row] for row in scores]
    logits = scaled if scale else scores
    n_tokens = len(x)
    attention = [
        ref_softmax_row(row, i + 1 if causal else n_tokens)
        for i, row in enumerate(logits)
    ]
    return {
        "weights": weights,
        "queries": queries,
        "keys": keys,
        "values": values,
        "scores": scores,
        "scaled_scores": scaled,
        "attention_weights": attention,
        "output": ref_matmul(attention, values),
    }


def ref_lesson(data: dict[str, Any]) -> dict[str, Any]:
    embeddings = data["embeddings"]
    heads = data["heads"] if "heads" in data else [data["weights"]]
    scale = data.get("scale", True)
    causal = data.get("causal", False)
    pe = ref_positional_encoding(len(embeddings), len(embeddings[0]))
    x = ref_add(embeddings, pe)
    head_values = [ref_head(x, weights, scale, causal) for weights in heads]
    output = [
        [n for head in head_values for n in head["output"][row]]
        for row in range(len(x))
    ]
    return {
        "words": data["words"],
        "d_model": len(embeddings[0]),
        "embeddings": embeddings,
        "positional_encoding": pe,
        "position_encoded": x,
        "scale": scale,
        "causal": causal,
        "heads": head_values,
        "output": output,
    }


# ---------------------------------------------------------------- random lessons


def _matrix(rng: np.random.Generator, rows: int, columns: int, size: float) -> Matrix:
    return rng.uniform(-size, size, (rows, columns)).tolist()


def _random_lessons(count: int, seed: int) -> list[Any]:
    rng = np.random.default_rng(seed)
    lessons = []
    for index in range(count):
        n_tokens = int(rng.integers(1, 6))
        d_model = int(rng.integers(2, 5))
        d_head = int(rng.integers(1, 5))
        n_heads = int(rng.integers(1, 4))
        scale = bool(rng.integers(2))
        causal = bool(rng.integers(2))
        names = ("query", "key", "value")
        heads = [
            {name: _matrix(rng, d_model, d_head, 1.5) for name in names}
            for _ in range(n_heads)
        ]
        data: dict[str, Any] = {
            "words": [f"w{i}" for i in range(n_tokens)],
            "embeddings": _matrix(rng, n_tokens, d_model, 2.0),
            "scale": scale,
            "causal": causal,
        }
        if n_heads == 1:
            data["weights"] = heads[0]
        else:
            data["heads"] = heads
        name = (
            f"{index:02d}-{n_tokens}w-dm{d_model}-dh{d_head}-{n_heads}h"
            f"-{'scaled' if scale else 'unscaled'}"
            f"-{'causal' if causal else 'full'}"
        )
        lessons.append(pytest.param(data, id=name))
    return lessons


def _compare(got: Any, expected: Any, where: str) -> None:
    if isinstance(expected, dict):
        assert set(got) == set(expected), where
        for key in expected:
            _compare(got[key], expected[key], f"{where}.{key}")
    elif isinstance(expected, list) and expected and isinstance(expected[0], dict):
        assert len(got) == len(expected), where
        for index, (a, b) in enumerate(zip(got, expected, strict=True)):
            _compare(a, b, f"{where}[{index}]")
    elif isinstance(expected, list) and expected and isinstance(expected[0], list):
        assert_allclose(np.array(got), np.array(expected), **REFERENCE, err_msg=where)
    else:
        assert got == expected, where


@pytest.mark.parametrize("data", _random_lessons(40, seed=20240611))
def test_cli_json_matches_the_reference(tmp_path, data):
    path = tmp_path / "lesson.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    result = CliRunner().invoke(
        cli.cli, ["values", "--lesson", str(path), "--format", "json"]
    )

    assert result.exit_code == 0, result.output
    _compare(json.loads(result.stdout), ref_lesson(data), "values")


def test_reference_reproduces_the_default_lesson():
    expected = ref_lesson(DEFAULT_LESSON)

    result = compute(default_lesson()).to_dict()

    _compare(result, expected, "default")
