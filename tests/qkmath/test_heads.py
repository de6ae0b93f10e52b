"""qkmath.heads, checked on cases worked by hand and on the lessons."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import qkmath
from qkmath.heads import most_attended, split_heads


class TestMostAttended:
    @pytest.mark.parametrize(
        ("weights", "expected"),
        [
            ([[1.0]], [0]),
            ([[0.2, 0.8], [0.7, 0.3]], [1, 0]),
            ([[1.0, 0.0, 0.0], [0.1, 0.1, 0.8], [0.3, 0.3, 0.4]], [0, 2, 2]),
        ],
        ids=["one word", "two words crossed", "three words"],
    )
    def test_hand_worked(self, weights, expected):
        assert_array_equal(most_attended(weights), expected)

    def test_a_tie_goes_to_the_first_word(self):
        assert_array_equal(most_attended([[0.5, 0.5], [0.25, 0.75]]), [0, 1])

    @pytest.mark.parametrize(
        "shape", [(2, 3), (2,), (0, 0)], ids=["not square", "1-d", "empty"]
    )
    def test_bad_shape_is_refused(self, shape):
        with pytest.raises(ValueError, match="n_tokens, n_tokens"):
            most_attended(np.zeros(shape))


class TestSplitHeads:
    def test_hand_worked(self):
        output = [[1.0, 2.0, 3.0, 4.0, 5.0], [6.0, 7.0, 8.0, 9.0, 10.0]]

        parts = split_heads(output, [2, 3])

        assert_array_equal(parts[0], [[1.0, 2.0], [6.0, 7.0]])
        assert_array_equal(parts[1], [[3.0, 4.0, 5.0], [8.0, 9.0, 10.0]])

    def test_undoes_the_concatenation_of_a_lesson(self):
        lesson = qkmath.lesson_from_mapping({"words": ["a", "b", "c"], "n_heads": 3})
        example = qkmath.compute(lesson)

        parts = split_heads(example.output, [h.d_head for h in example.heads])

        for part, head in zip(parts, example.heads, strict=True):
            assert_array_equal(part, head.output)

    @pytest.mark.parametrize(
        ("output", "d_heads", "match"),
        [
            (np.zeros((2, 4)), [2, 1], r"\(n_tokens, 3\)"),
            (np.zeros(4), [2, 2], r"got \(4,\)"),
            (np.zeros((1, 2)), [], "d_heads"),
            (np.zeros((1, 2)), [2, 0], "d_heads"),
        ],
        ids=["too many values", "1-d", "no heads", "empty head"],
    )
    def test_bad_shape_is_refused(self, output, d_heads, match):
        with pytest.raises(ValueError, match=match):
            split_heads(output, d_heads)
