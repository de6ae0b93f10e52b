"""The formulas of qkmath.attention, checked on cases worked by hand."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from qkmath.attention import (
    SoftmaxSteps,
    WeightedSums,
    as_percentages,
    attention_weights,
    causal_mask,
    position_divisors,
    positional_curve,
    positional_encoding,
    project,
    scaled_scores,
    score_divisor,
    similarity_scores,
    softmax,
    softmax_steps,
    weighted_values,
)

EXACT = {"rtol": 0, "atol": 1e-12}
"""Tolerance for values that are exact up to floating point rounding."""


def _random_scores(n_tokens: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-20, 20, (n_tokens, n_tokens))


class TestPositionalEncoding:
    def test_d_model_2_matches_the_lesson(self):
        expected = [[0.0, 1.0], [0.841, 0.540]]

        assert_allclose(positional_encoding(2, 2), expected, rtol=0, atol=5e-4)

    def test_d_model_2_is_sine_and_cosine_of_the_position(self):
        expected = [[0.0, 1.0], [math.sin(1.0), math.cos(1.0)]]

        assert_allclose(positional_encoding(2, 2), expected, **EXACT)

    def test_d_model_4_at_position_1_matches_the_paper(self):
        row = positional_encoding(2, 4)[1]

        assert_allclose(row, [0.8415, 0.5403, 0.0100, 0.99995], rtol=0, atol=1e-4)

    def test_d_model_4_at_position_1_exactly(self):
        # The second pair turns 10000 ** (2 / 4) = 100 times slower.
        expected = [math.sin(1), math.cos(1), math.sin(0.01), math.cos(0.01)]

        assert_allclose(positional_encoding(2, 4)[1], expected, **EXACT)

    @pytest.mark.parametrize(
        ("d_model", "rate"),
        [
            pytest.param(1, 1.0, id="d_model=1"),
            pytest.param(3, 10000 ** (-2 / 3), id="d_model=3"),
            pytest.param(5, 10000 ** (-4 / 5), id="d_model=5"),
        ],
    )
    def test_odd_d_model_ends_with_a_sine(self, d_model, rate):
        positions = np.arange(6)

        encoding = positional_encoding(6, d_model)

        assert encoding.shape == (6, d_model)
        assert_allclose(encoding[:, -1], np.sin(positions * rate), **EXACT)

    def test_d_model_3_at_position_2(self):
        slow = 2 * 10000 ** (-2 / 3)
        expected = [math.sin(2), math.cos(2), math.sin(slow)]

        assert_allclose(positional_encoding(3, 3)[2], expected, **EXACT)

    def test_position_0_is_zero_sines_and_unit_cosines(self):
        expected = [0.0, 1.0, 0.0, 1.0, 0.0]

        assert_array_equal(positional_encoding(1, 5)[0], expected)

    @pytest.mark.parametrize("d_model", range(2, 9), ids=lambda d: f"d_model={d}")
    def test_each_sine_cosine_pair_has_unit_norm(self, d_model):
        encoding = positional_encoding(10, d_model)
        n_pairs = d_model // 2

        sines = encoding[:, 0 : 2 * n_pairs : 2]
        cosines = encoding[:, 1 : 2 * n_pairs : 2]

        assert_allclose(sines**2 + cosines**2, np.ones((10, n_pairs)), **EXACT)

    @pytest.mark.parametrize("d_model", range(2, 9), ids=lambda d: f"d_model={d}")
    def test_sine_and_cosine_are_interleaved(self, d_model):
        positions = np.arange(10, dtype=float)

        encoding = positional_encoding(10, d_model)

        assert_allclose(encoding[:, 0], np.sin(positions), **EXACT)
        assert_allclose(encoding[:, 1], np.cos(positions), **EXACT)

    def test_no_positions_gives_an_empty_matrix(self):
        assert positional_encoding(0, 4).shape == (0, 4)

    @pytest.mark.parametrize(
        ("n_positions", "d_model"),
        [
            pytest.param(-1, 2, id="negative-positions"),
            pytest.param(2, 0, id="zero-d_model"),
        ],
    )
    def test_impossible_sizes_raise(self, n_positions, d_model):
        with pytest.raises(ValueError, match=f"{n_positions} and {d_model}"):
            positional_encoding(n_positions, d_model)


class TestPositionDivisors:
    @pytest.mark.parametrize(
        ("d_model", "expected"),
        [
            pytest.param(1, [1.0], id="d_model=1"),
            pytest.param(2, [1.0, 1.0], id="d_model=2"),
            pytest.param(3, [1.0, 1.0, 10000 ** (2 / 3)], id="d_model=3"),
            pytest.param(4, [1.0, 1.0, 100.0, 100.0], id="d_model=4"),
        ],
    )
    def test_by_hand(self, d_model, expected):
        assert_allclose(position_divisors(d_model), expected, rtol=1e-12, atol=0)


class TestPositionalCurve:
    @pytest.mark.parametrize("d_model", [1, 2, 3, 4, 5], ids=lambda d: f"d_model={d}")
    def test_samples_the_encoding_at_whole_positions(self, d_model):
        encoding = positional_encoding(6, d_model)

        for column in range(d_model):
            curve = positional_curve(np.arange(6.0), d_model, column)
            assert_allclose(curve, encoding[:, column], **EXACT)

    @pytest.mark.parametrize(
        ("column", "expected"),
        [
            pytest.param(0, math.sin(0.5), id="sine"),
            pytest.param(1, math.cos(0.5), id="cosine"),
            pytest.param(2, math.sin(0.005), id="slow-sine"),
            pytest.param(3, math.cos(0.005), id="slow-cosine"),
        ],
    )
    def test_between_positions(self, column, expected):
        value = positional_curve(0.5, 4, column)

        assert_allclose(value, expected, **EXACT)


class TestWeightedSums:
    def test_is_frozen(self):
        sums = project([[1.0]], [[2.0]])

        with pytest.raises(dataclasses.FrozenInstanceError):
            sums.totals = np.zeros((1, 1))  # type: ignore[misc]

    def test_keeps_inputs_and_weights_as_float_arrays(self):
        sums = project([[1, 2]], [[3], [4]])

        assert isinstance(sums, WeightedSums)
        assert sums.inputs.dtype == float
        assert_array_equal(sums.inputs, [[1.0, 2.0]])
        assert_array_equal(sums.weights, [[3.0], [4.0]])


class TestProject:
    INPUTS = ((1.0, 2.0), (3.0, -1.0))
    WEIGHTS = ((1.0, 0.0, 2.0), (0.5, -1.0, 1.0))

    def test_products_by_hand(self):
        # products[t, j, k] = inputs[t, k] * weights[k, j]
        expected = [
            [[1.0, 1.0], [0.0, -2.0], [2.0, 2.0]],
            [[3.0, -0.5], [0.0, 1.0], [6.0, -1.0]],
        ]

        sums = project(self.INPUTS, self.WEIGHTS)

        assert_allclose(sums.products, expected, **EXACT)

    def test_totals_by_hand(self):
        expected = [[2.0, -2.0, 4.0], [2.5, 1.0, 5.0]]

        assert_allclose(project(self.INPUTS, self.WEIGHTS).totals, expected, **EXACT)

    @pytest.mark.parametrize(
        ("n_tokens", "d_model", "d_head"),
        [
            pytest.param(1, 1, 1, id="1x1x1"),
            pytest.param(2, 2, 2, id="2x2x2"),
            pytest.param(3, 4, 2, id="3x4x2"),
            pytest.param(5, 3, 4, id="5x3x4"),
        ],
    )
    def test_products_sum_to_totals_and_totals_are_the_matrix_product(
        self, n_tokens, d_model, d_head
    ):
        rng = np.random.default_rng(n_tokens * 100 + d_model * 10 + d_head)
        inputs = rng.uniform(-3, 3, (n_tokens, d_model))
        weights = rng.uniform(-2, 2, (d_model, d_head))

        sums = project(inputs, weights)

        assert sums.products.shape == (n_tokens, d_head, d_model)
        assert sums.totals.shape == (n_tokens, d_head)
        assert_allclose(sums.products.sum(axis=2), sums.totals, **EXACT)
        assert_allclose(sums.totals, inputs @ weights, **EXACT)

    def test_shape_mismatch_names_both_shapes(self):
        inputs = np.zeros((2, 2))
        weights = np.zeros((3, 1))

        with pytest.raises(ValueError, match=r"\(2, 2\)") as error:
            project(inputs, weights)

        assert "(3, 1)" in str(error.value)

    @pytest.mark.parametrize(
        ("inputs", "weights"),
        [
            pytest.param([1.0, 2.0], [[1.0], [2.0]], id="inputs-1d"),
            pytest.param([[1.0, 2.0]], [1.0, 2.0], id="weights-1d"),
        ],
    )
    def test_vectors_instead_of_matrices_raise(self, inputs, weights):
        with pytest.raises(ValueError, match="2 dimensions"):
            project(inputs, weights)


class TestSimilarityScores:
    def test_by_hand(self):
        queries = [[1.0, 0.0], [0.0, 2.0]]
        keys = [[3.0, 4.0], [1.0, -1.0]]

        scores = similarity_scores(queries, keys)

        assert_allclose(scores, [[3.0, 1.0], [8.0, -2.0]], **EXACT)

    def test_equals_queries_times_keys_transposed(self):
        rng = np.random.default_rng(7)
        queries = rng.normal(size=(4, 3))
        keys = rng.normal(size=(4, 3))

        assert_allclose(similarity_scores(queries, keys), queries @ keys.T, **EXACT)

    def test_different_d_head_names_both_shapes(self):
        with pytest.raises(ValueError, match=r"\(2, 3\) and \(2, 2\)"):
            similarity_scores(np.zeros((2, 3)), np.zeros((2, 2)))


class TestScaledScores:
    def test_by_hand(self):
        assert_allclose(scaled_scores([[8.0, -2.0]], 4), [[4.0, -1.0]], **EXACT)

    @pytest.mark.parametrize("d_head", [1, 2, 3, 4, 9], ids=lambda d: f"d_head={d}")
    def test_divides_by_the_square_root_of_d_head(self, d_head):
        scores = _random_scores(3, d_head)

        scaled = scaled_scores(scores, d_head)

        assert_allclose(scaled, scores / math.sqrt(d_head), **EXACT)

    def test_d_head_1_changes_nothing(self):
        scores = _random_scores(3, 0)

        assert_array_equal(scaled_scores(scores, 1), scores)

    def test_d_head_0_raises(self):
        with pytest.raises(ValueError, match="got 0"):
            scaled_scores([[1.0]], 0)


class TestCausalMask:
    @pytest.mark.parametrize(
        ("n_tokens", "expected"),
        [
            pytest.param(1, [[True]], id="one-word"),
            pytest.param(2, [[True, False], [True, True]], id="two-words"),
            pytest.param(
                3,
                [[True, False, False], [True, True, False], [True, True, True]],
                id="three-words",
            ),
        ],
    )
    def test_word_i_sees_words_0_to_i(self, n_tokens, expected):
        mask = causal_mask(n_tokens)

        assert mask.dtype == bool
        assert_array_equal(mask, expected)

    def test_no_words(self):
        assert causal_mask(0).shape == (0, 0)


class TestSoftmax:
    @pytest.mark.parametrize(
        ("scores", "expected"),
        [
            pytest.param([[0.0, 0.0]], [[0.5, 0.5]], id="equal"),
            pytest.param([[0.0, math.log(3.0)]], [[0.25, 0.75]], id="one-to-three"),
            pytest.param([[5.0]], [[1.0]], id="single"),
            pytest.param(
                [[1.0, 1.0, 1.0, 1.0]], [[0.25, 0.25, 0.25, 0.25]], id="four-equal"
            ),
        ],
    )
    def test_by_hand(self, scores, expected):
        assert_allclose(softmax(scores), expected, **EXACT)

    @pytest.mark.parametrize(
        ("scores", "expected"),
        [
            pytest.param([[1000.0, 0.0]], [[1.0, 0.0]], id="large-positive"),
            pytest.param(
                [[-1000.0, -1001.0]],
                [[1 / (1 + math.exp(-1)), 1 / (1 + math.e)]],
                id="large-negative",
            ),
        ],
    )
    def test_is_stable_for_large_scores(self, scores, expected):
        weights = softmax(scores)

        assert np.all(np.isfinite(weights))
        assert_allclose(weights, expected, **EXACT)

    @pytest.mark.parametrize("n_tokens", [1, 2, 3, 6], ids=lambda n: f"{n}x{n}")
    def test_rows_sum_to_one(self, n_tokens):
        weights = softmax(_random_scores(n_tokens, n_tokens))

        assert_allclose(weights.sum(axis=1), np.ones(n_tokens), rtol=0, atol=1e-12)
        assert np.all(weights >= 0)

    def test_rows_are_independent(self):
        weights = softmax([[0.0, 0.0], [0.0, math.log(3.0)]])

        assert_allclose(weights, [[0.5, 0.5], [0.25, 0.75]], **EXACT)

    def test_masked_entries_are_exactly_zero(self):
        scores = [[1.0, 50.0, 1.0], [3.0, 2.0, 1.0]]
        mask = [[True, False, True], [False, False, True]]

        weights = softmax(scores, mask)

        assert weights[0, 1] == 0.0
        assert weights[1, 0] == 0.0
        assert weights[1, 1] == 0.0
        assert_allclose(weights, [[0.5, 0.0, 0.5], [0.0, 0.0, 1.0]], **EXACT)

    def test_mask_of_another_shape_raises(self):
        with pytest.raises(ValueError, match=r"\(1, 2\), got \(2, 2\)"):
            softmax([[0.0, 0.0]], np.ones((2, 2), dtype=bool))


class TestAttentionWeights:
    LOG3 = math.log(3.0)

    @pytest.mark.parametrize(
        ("scores", "d_head", "scale", "causal", "expected"),
        [
            pytest.param(
                [[2.0, 2.0], [2.0, 2.0]],
                2,
                True,
                True,
                [[1.0, 0.0], [0.5, 0.5]],
                id="equal-causal",
            ),
            pytest.param(
                [[0.0, 2 * LOG3], [0.0, 0.0]],
                4,
                True,
                False,
                [[0.25, 0.75], [0.5, 0.5]],
                id="scaled-by-2",
            ),
            pytest.param(
                [[0.0, 2 * LOG3], [0.0, 0.0]],
                4,
                False,
                False,
                [[0.1, 0.9], [0.5, 0.5]],
                id="unscaled",
            ),
            pytest.param(
                [[0.0, 2 * LOG3], [0.0, 2 * LOG3]],
                4,
                True,
                True,
                [[1.0, 0.0], [0.25, 0.75]],
                id="scaled-causal",
            ),
        ],
    )
    def test_by_hand(self, scores, d_head, scale, causal, expected):
        weights = attention_weights(scores, d_head, scale=scale, causal=causal)

        assert_allclose(weights, expected, **EXACT)

    def test_is_softmax_of_scaled_scores(self):
        scores = _random_scores(4, 11)

        weights = attention_weights(scores, 3)

        assert_allclose(weights, softmax(scores / math.sqrt(3)), **EXACT)

    @pytest.mark.parametrize("n_tokens", [1, 2, 3, 5], ids=lambda n: f"{n}-words")
    def test_causal_upper_triangle_is_exactly_zero(self, n_tokens):
        weights = attention_weights(_random_scores(n_tokens, 3), 2, causal=True)

        assert_array_equal(weights[np.triu_indices(n_tokens, k=1)], 0.0)
        assert_allclose(weights.sum(axis=1), np.ones(n_tokens), rtol=0, atol=1e-12)

    @pytest.mark.parametrize("n_tokens", [1, 2, 4], ids=lambda n: f"{n}-words")
    def test_causal_first_word_sees_only_itself(self, n_tokens):
        weights = attention_weights(_random_scores(n_tokens, 5), 2, causal=True)

        assert_array_equal(weights[0], [1.0] + [0.0] * (n_tokens - 1))

    def test_non_square_scores_raise(self):
        with pytest.raises(ValueError, match=r"square, got shape \(1, 2\)"):
            attention_weights([[1.0, 2.0]], 2)


class TestScoreDivisor:
    @pytest.mark.parametrize(
        ("d_head", "expected"),
        [
            pytest.param(1, 1.0, id="d_head=1"),
            pytest.param(2, 1.4142135623730951, id="d_head=2"),
            pytest.param(4, 2.0, id="d_head=4"),
            pytest.param(9, 3.0, id="d_head=9"),
        ],
    )
    def test_by_hand(self, d_head, expected):
        assert score_divisor(d_head) == expected

    @pytest.mark.parametrize("d_head", [1, 2, 3, 4], ids=lambda d: f"d_head={d}")
    def test_scaled_scores_divide_by_it(self, d_head):
        scores = _random_scores(3, d_head)

        assert_allclose(
            scaled_scores(scores, d_head), scores / score_divisor(d_head), **EXACT
        )

    def test_d_head_0_raises(self):
        with pytest.raises(ValueError, match="got 0"):
            score_divisor(0)


class TestSoftmaxSteps:
    def test_by_hand(self):
        # Row 1: 2 and 2 - ln 3; row 2: one score only
        steps = softmax_steps([[2.0, 2.0 - math.log(3.0)], [-1.0, 5.0]])

        assert_allclose(steps.maxima, [2.0, 5.0], **EXACT)
        assert_allclose(steps.shifted, [[0.0, -math.log(3.0)], [-6.0, 0.0]], **EXACT)
        assert_allclose(
            steps.exponentials, [[1.0, 1 / 3], [math.exp(-6.0), 1.0]], **EXACT
        )
        assert_allclose(steps.sums, [4 / 3, 1 + math.exp(-6.0)], **EXACT)
        assert_allclose(steps.weights[0], [0.75, 0.25], **EXACT)

    def test_masked_entries_by_hand(self):
        steps = softmax_steps([[1.0, 50.0], [3.0, 1.0]], [[True, False], [True, True]])

        assert steps.logits[0, 1] == -np.inf
        assert steps.shifted[0, 1] == -np.inf
        assert steps.exponentials[0, 1] == 0.0
        assert_allclose(steps.maxima, [1.0, 3.0], **EXACT)
        assert_allclose(steps.sums, [1.0, 1 + math.exp(-2.0)], **EXACT)
        assert_array_equal(steps.weights[0], [1.0, 0.0])

    @pytest.mark.parametrize("causal", [False, True], ids=["open", "causal"])
    @pytest.mark.parametrize("n_tokens", [1, 2, 4], ids=lambda n: f"{n}-words")
    def test_weights_equal_softmax(self, n_tokens, causal):
        scores = _random_scores(n_tokens, 21)
        mask = causal_mask(n_tokens) if causal else None

        steps = softmax_steps(scores, mask)

        assert_allclose(steps.weights, softmax(scores, mask), **EXACT)

    def test_each_value_follows_from_the_one_before(self):
        scores = _random_scores(4, 8)

        steps = softmax_steps(scores)

        assert_array_equal(steps.logits, scores)
        assert_array_equal(steps.maxima, [max(row) for row in scores.tolist()])
        assert_allclose(steps.shifted, scores - steps.maxima[:, None], **EXACT)
        assert_allclose(steps.exponentials, np.exp(steps.shifted), **EXACT)
        assert_allclose(steps.sums, steps.exponentials.sum(axis=1), **EXACT)
        assert_allclose(
            steps.weights, steps.exponentials / steps.sums[:, None], **EXACT
        )

    def test_largest_exponential_of_each_row_is_one(self):
        steps = softmax_steps(_random_scores(3, 4) * 100)

        assert_array_equal(steps.exponentials.max(axis=1), [1.0, 1.0, 1.0])
        assert np.all(np.isfinite(steps.exponentials))

    def test_is_frozen(self):
        steps = softmax_steps([[0.0]])

        assert isinstance(steps, SoftmaxSteps)
        with pytest.raises(dataclasses.FrozenInstanceError):
            steps.sums = np.zeros(1)

    def test_mask_of_another_shape_raises(self):
        with pytest.raises(ValueError, match=r"\(1, 2\), got \(2, 2\)"):
            softmax_steps([[0.0, 0.0]], np.ones((2, 2), dtype=bool))


class TestAsPercentages:
    def test_by_hand(self):
        assert_allclose(
            as_percentages([[0.25, 0.75], [1.0, 0.0]]), [[25, 75], [100, 0]]
        )

    def test_rows_of_weights_add_up_to_100(self):
        weights = softmax(_random_scores(3, 2))

        assert_allclose(as_percentages(weights).sum(axis=1), [100.0] * 3, atol=1e-10)


class TestWeightedValues:
    def test_by_hand(self):
        weights = [[1.0, 0.0], [0.25, 0.75]]
        values = [[4.0, -8.0], [2.0, 12.0]]

        products = weighted_values(weights, values)

        expected = [
            [[4.0, -8.0], [0.0, 0.0]],
            [[1.0, -2.0], [1.5, 9.0]],
        ]
        assert_allclose(products, expected, **EXACT)

    def test_sums_to_the_attention_output(self):
        rng = np.random.default_rng(5)
        weights = softmax(rng.normal(size=(4, 4)))
        values = rng.normal(size=(4, 3))

        products = weighted_values(weights, values)

        assert products.shape == (4, 4, 3)
        assert_allclose(products.sum(axis=1), weights @ values, rtol=0, atol=1e-12)

    def test_one_value_vector_per_column_of_weights(self):
        with pytest.raises(ValueError, match=r"\(2, 2\).*\(3, 1\)"):
            weighted_values(np.eye(2), np.zeros((3, 1)))
