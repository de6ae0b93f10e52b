"""How numbers are written on screen, and when a shown sum may use "="."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

import pytest

from qkmath.display import (
    INFINITY,
    MINUS,
    dot_relation,
    matrix_relation,
    root_relation,
    scaled_relation,
    shown,
    shown_or_infinity,
    shown_percent,
    sum_relation,
)
from qkmath.lesson import (
    DEFAULT_LESSON,
    SECOND_HEAD,
    compute,
    default_lesson,
    lesson_from_mapping,
)

APPROX = "\u2248"


class TestShown:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            pytest.param(3.14159, "3.14", id="rounds-down"),
            pytest.param(4.0969, "4.10", id="rounds-up-keeps-zero"),
            pytest.param(11.7256, "11.73", id="two-digits-before"),
            pytest.param(0.0, "0.00", id="zero"),
            pytest.param(7, "7.00", id="integer"),
            pytest.param(0.125, "0.12", id="exact-half-to-even"),
            pytest.param(0.375, "0.38", id="exact-half-to-even-up"),
            pytest.param(2.675, "2.67", id="binary-value-below-half"),
        ],
    )
    def test_rounds_to_two_decimals(self, value, expected):
        assert shown(value) == expected

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            pytest.param(-0.0499, "\u22120.05", id="small"),
            pytest.param(-2.62, "\u22122.62", id="score"),
            pytest.param(-1.2, "\u22121.20", id="padded"),
        ],
    )
    def test_negative_numbers_use_the_minus_sign(self, value, expected):
        text = shown(value)

        assert text == expected
        assert text.startswith(MINUS)
        assert "-" not in text

    @pytest.mark.parametrize(
        ("value", "decimals"),
        [
            pytest.param(-0.0, 2, id="negative-zero"),
            pytest.param(-0.001, 2, id="rounds-to-zero"),
            pytest.param(-0.004999, 2, id="just-above-half"),
            pytest.param(-0.4, 0, id="no-decimals"),
            pytest.param(-1e-9, 4, id="four-decimals"),
        ],
    )
    def test_negative_zero_has_no_sign(self, value, decimals):
        text = shown(value, decimals)

        assert text == "0" + ("." + "0" * decimals if decimals else "")

    @pytest.mark.parametrize(
        ("value", "decimals", "expected"),
        [
            pytest.param(3.14159, 0, "3", id="0"),
            pytest.param(3.14159, 1, "3.1", id="1"),
            pytest.param(3.14159, 3, "3.142", id="3"),
            pytest.param(3.14159, 4, "3.1416", id="4"),
            pytest.param(-2.5, 0, "\u22122", id="0-half-to-even"),
            pytest.param(-0.00051, 3, "\u22120.001", id="3-negative"),
        ],
    )
    def test_decimals(self, value, decimals, expected):
        assert shown(value, decimals) == expected

    def test_other_minus_sign(self):
        assert shown(-1.5, 1, minus="-") == "-1.5"
        assert shown(-0.0, 1, minus="-") == "0.0"


class TestDotRelation:
    @pytest.mark.parametrize(
        ("left", "right", "result"),
        [
            pytest.param(["1.87", "1.09"], ["2.22", "\u22120.05"], "4.10", id="lesson"),
            pytest.param(["2.00"], ["3.00"], "6.00", id="integers"),
            pytest.param(["0.50", "0.50"], ["0.50", "0.50"], "0.50", id="exact"),
            pytest.param(["\u22121.00"], ["1.00"], "\u22121.00", id="negative"),
            pytest.param(["0.10"], ["\u22120.01"], "0.00", id="rounds-to-zero"),
        ],
    )
    def test_equal_when_the_shown_operands_give_the_shown_result(
        self, left, right, result
    ):
        assert dot_relation(left, right, result) == "="

    @pytest.mark.parametrize(
        ("left", "right", "result"),
        [
            pytest.param(["1.34"], ["2.00"], "2.69", id="rounded-operand"),
            pytest.param(["0.55", "0.55"], ["1.00", "1.00"], "1.11", id="two-terms"),
            pytest.param(["1.00"], ["1.00"], "\u22121.00", id="wrong-sign"),
        ],
    )
    def test_approximately_when_they_do_not(self, left, right, result):
        assert dot_relation(left, right, result) == APPROX

    def test_operands_must_pair_up(self):
        with pytest.raises(ValueError):
            dot_relation(["1.00", "2.00"], ["1.00"], "1.00")

    @pytest.mark.parametrize(
        ("result", "expected"),
        [
            pytest.param("0.125", "=", id="3-decimals"),
            pytest.param("0.12", "=", id="2-decimals-half-to-even-like-shown"),
            pytest.param("0.13", APPROX, id="2-decimals-half-up"),
            pytest.param("0.1", "=", id="1-decimal"),
        ],
    )
    def test_other_decimals(self, result, expected):
        assert shown(0.125) == "0.12"
        assert dot_relation(["0.5"], ["0.25"], result) == expected

    def test_large_lesson_numbers(self):
        operand = shown(1e13)

        assert dot_relation([operand], [operand], shown(1e26)) == APPROX
        assert (
            dot_relation([operand], [operand], "100000000000000000000000000.00") == "="
        )


class TestSumRelation:
    @pytest.mark.parametrize(
        ("terms", "result", "expected"),
        [
            pytest.param(["1.87", "0.00"], "1.87", "=", id="exact"),
            pytest.param(["0.55", "0.55"], "1.10", "=", id="exact-of-shown"),
            pytest.param(["0.55", "0.55"], "1.11", APPROX, id="true-value-shown"),
            pytest.param(["1.00", "\u22122.50"], "\u22121.50", "=", id="minus"),
            pytest.param(["0.001", "0.004"], "0.00", "=", id="rounds-half-even"),
            pytest.param([], "0.00", "=", id="no-terms"),
        ],
    )
    def test_relation(self, terms, result, expected):
        assert sum_relation(terms, result) == expected

    def test_result_without_decimals_is_rounded_too(self):
        assert sum_relation(["1.4", "1.4"], "3") == "="


class TestShownOrInfinity:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            pytest.param(float("-inf"), MINUS + INFINITY, id="minus-infinity"),
            pytest.param(float("inf"), INFINITY, id="infinity"),
            pytest.param(-10.1422, "\u221210.14", id="finite"),
            pytest.param(-0.001, "0.00", id="negative-zero"),
        ],
    )
    def test_values(self, value, expected):
        assert shown_or_infinity(value) == expected


class TestShownPercent:
    @pytest.mark.parametrize(
        ("percentage", "expected"),
        [
            pytest.param(99.9960621, "100.00%", id="rounds-up"),
            pytest.param(0.0039379, "0.00%", id="tiny"),
            pytest.param(3.95160, "3.95%", id="two-decimals"),
            pytest.param(50.0, "50.00%", id="half"),
        ],
    )
    def test_values(self, percentage, expected):
        assert shown_percent(percentage) == expected

    def test_other_decimals(self):
        assert shown_percent(12.345, 1) == "12.3%"


class TestScaledRelation:
    @pytest.mark.parametrize(
        ("score", "d_head", "result", "expected"),
        [
            pytest.param("11.73", 2, "8.29", "=", id="default-lesson"),
            # dividing by the shown 1.41 instead would give 8.32
            pytest.param("11.73", 2, "8.32", APPROX, id="not-by-rounded-root"),
            pytest.param("8.00", 4, "4.00", "=", id="exact-root"),
            pytest.param("\u22122.62", 2, "\u22121.85", "=", id="minus"),
        ],
    )
    def test_relation(self, score, d_head, result, expected):
        assert scaled_relation(score, d_head, result) == expected


class TestRootRelation:
    @pytest.mark.parametrize(
        ("radicand", "result", "expected"),
        [
            pytest.param(4, "2.00", "=", id="exact"),
            pytest.param(1, "1.00", "=", id="one"),
            pytest.param(2, "1.41", APPROX, id="irrational"),
            pytest.param(3, "1.73", APPROX, id="irrational-3"),
        ],
    )
    def test_relation(self, radicand, result, expected):
        assert root_relation(radicand, result) == expected


class TestMatrixRelation:
    def test_equal_when_every_entry_is_true(self):
        assert matrix_relation([[1.0, 2.0]], [[3.0], [4.0]], [[11.0]]) == "="

    def test_one_rounded_entry_makes_it_approximate(self):
        left = [[1.0, 0.0], [0.554, 0.554]]
        right = [[1.0], [1.0]]

        assert matrix_relation(left, right, [[1.0], [1.108]]) == APPROX

    def test_default_value_vectors(self):
        values = compute(default_lesson()).heads[0].values
        expected = "="
        for row, totals in zip(values.inputs, values.totals, strict=True):
            for column, total in zip(values.weights.T, totals, strict=True):
                sign = dot_relation(
                    [shown(v) for v in row], [shown(v) for v in column], shown(total)
                )
                if sign != "=":
                    expected = APPROX

        assert matrix_relation(values.inputs, values.weights, values.totals) == expected


# ---------------------------------------------------------------- property


def _rounded(value: Decimal, places: int = 2) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def _weighted_sums(data):
    example = compute(lesson_from_mapping(data))
    for number, head in enumerate(example.heads):
        for name in ("query", "key", "value"):
            sums = head.projection(name)
            n_tokens, d_head, _ = sums.products.shape
            for token in range(n_tokens):
                for column in range(d_head):
                    where = f"head {number + 1} {name} [{token}, {column}]"
                    yield where, sums, token, column


def _lessons():
    two_heads = {
        **{key: value for key, value in DEFAULT_LESSON.items() if key != "weights"},
        "heads": [DEFAULT_LESSON["weights"], SECOND_HEAD],
    }
    return [
        pytest.param(DEFAULT_LESSON, id="default"),
        pytest.param(two_heads, id="two-heads"),
        pytest.param({"words": ["a", "b", "c", "d"], "d_model": 3}, id="drawn"),
    ]


@pytest.mark.parametrize("data", _lessons())
def test_shown_weighted_sums_are_never_contradicted(data):
    checked = 0
    for where, sums, token, column in _weighted_sums(data):
        inputs = [shown(v) for v in sums.inputs[token]]
        weights = [shown(v) for v in sums.weights[:, column]]
        total = shown(sums.totals[token, column])

        relation = dot_relation(inputs, weights, total)

        assert relation in ("=", APPROX), where
        if relation == "=":
            exact = sum(
                (
                    Decimal(a.replace(MINUS, "-")) * Decimal(b.replace(MINUS, "-"))
                    for a, b in zip(inputs, weights, strict=True)
                ),
                Decimal(0),
            )
            assert _rounded(exact) == Decimal(total.replace(MINUS, "-")), where
        checked += 1
    assert checked > 0


def test_default_lesson_first_query_is_shown_with_equals():
    head = compute(default_lesson()).heads[0]
    inputs = [shown(v) for v in head.queries.inputs[0]]
    weights = [shown(v) for v in head.queries.weights[:, 0]]

    total = shown(head.queries.totals[0, 0])

    assert inputs == ["1.87", "1.09"]
    assert weights == ["2.22", "\u22120.05"]
    assert total == "4.10"
    assert dot_relation(inputs, weights, total) == "="
