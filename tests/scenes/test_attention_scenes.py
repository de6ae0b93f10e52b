"""Similarity, softmax, masking and value scenes show exactly qkmath's numbers."""

from __future__ import annotations

import re

import pytest

import qkmath
from tests.scenes import golden
from tests.scenes.test_shown_numbers import numbers_of, shown_numbers

SCENES = ["CompareQueriesWithKeys", "ApplySoftmax", "MaskFutureWords", "CombineValues"]

MINUS_INFINITY = "\u2212\u221e"

PERCENTAGE = re.compile(r"\u2212?[0-9]+(\.[0-9]+)?%")
"""A text that is one number followed by a percent sign."""


def softmax_steps(example: qkmath.WorkedExample) -> qkmath.SoftmaxSteps:
    """The softmax a scene of this example shows: scaled or not, masked or not."""
    head = example.heads[0]
    logits = head.scaled_scores if example.lesson.scale else head.scores
    mask = qkmath.causal_mask(example.n_tokens) if example.lesson.causal else None
    return qkmath.softmax_steps(logits, mask)


def attention_numbers(example: qkmath.WorkedExample) -> set[str]:
    """Every number the attention scenes may write, as they write it."""
    head = example.heads[0]
    steps = softmax_steps(example)
    arrays = [
        head.scores,
        head.scaled_scores,
        [qkmath.score_divisor(head.d_head)],
        steps.maxima,
        steps.exponentials,
        steps.sums,
        steps.weights,
        head.attention_weights,
        qkmath.weighted_values(head.attention_weights, head.values.totals),
        head.output,
    ]
    finite = [steps.logits, steps.shifted]
    numbers = {qkmath.shown(v) for array in arrays for v in _flat(array)}
    numbers |= {qkmath.shown(v) for array in finite for v in _flat(array) if v > -1e300}
    return numbers | numbers_of(example)


def percentages(example: qkmath.WorkedExample) -> set[str]:
    weights = example.heads[0].attention_weights
    return {qkmath.shown_percent(p) for p in qkmath.as_percentages(weights).flat}


def _flat(array):
    return [float(v) for v in getattr(array, "flat", array)]


@pytest.mark.parametrize("lesson", list(golden.LESSONS))
@pytest.mark.parametrize("scene_name", SCENES)
def test_every_shown_number_is_a_computed_value(last_frames, scene_name, lesson):
    _, scene = last_frames(scene_name, lesson)
    expected = attention_numbers(scene.example)

    shown = shown_numbers(scene.shown_texts)

    assert shown, "the scene showed no numbers at all"
    assert sorted(set(shown) - expected) == []


@pytest.mark.parametrize("lesson", list(golden.LESSONS))
@pytest.mark.parametrize("scene_name", SCENES)
def test_every_percentage_is_an_attention_weight(last_frames, scene_name, lesson):
    _, scene = last_frames(scene_name, lesson)

    shown = {t for t in scene.shown_texts if PERCENTAGE.fullmatch(t)}

    assert sorted(shown - percentages(scene.example)) == []


@pytest.mark.parametrize("lesson", list(golden.LESSONS))
@pytest.mark.parametrize("scene_name", SCENES)
def test_sections_are_named_and_unique(last_frames, scene_name, lesson):
    _, scene = last_frames(scene_name, lesson)
    names = scene.section_names

    assert len(names) >= scene.example.n_tokens + 2
    assert all(name.strip() for name in names)
    assert len(names) == len(set(names))


# ---------------------------------------------------------------- similarity


def test_default_lesson_shows_the_published_scores(last_frames):
    _, scene = last_frames("CompareQueriesWithKeys", "default")

    assert {"11.73", "\u22122.62", "1.41", "8.29"} <= set(scene.shown_texts)
    assert "\u221a2 \u2248" in scene.shown_texts


@pytest.mark.parametrize("lesson", list(golden.LESSONS))
def test_every_score_and_scaled_score_is_shown(last_frames, lesson):
    _, scene = last_frames("CompareQueriesWithKeys", lesson)
    head = scene.example.heads[0]
    wanted = [*head.scores.flat, *head.scaled_scores.flat]

    shown = set(scene.shown_texts)

    assert [v for v in map(qkmath.shown, wanted) if v not in shown] == []
    assert "so softmax does not saturate." in scene.shown_texts


@pytest.mark.parametrize("lesson", list(golden.LESSONS))
def test_each_word_has_its_scores_section(last_frames, lesson):
    _, scene = last_frames("CompareQueriesWithKeys", lesson)

    assert scene.section_names == [
        "Queries meet keys",
        *(f"Scores of {w}" for w in scene.example.words),
        "Scale by the key size",
    ]


def test_unscaled_lesson_says_softmax_uses_raw_scores(tmp_path):
    lesson = qkmath.lesson_from_mapping(
        {"words": ["solo"], "d_model": 2, "d_head": 3, "scale": False}
    )
    example = qkmath.compute(lesson)

    _, scene = golden.render_last_frame("CompareQueriesWithKeys", example, tmp_path)

    texts = scene.shown_texts
    assert "This lesson skips the scaling: softmax uses the raw scores." in texts
    assert qkmath.shown(example.heads[0].scores[0, 0]) in texts
    assert scene.section_names[-1] == "No scaling in this lesson"


# ---------------------------------------------------------------- softmax


@pytest.mark.parametrize("lesson", list(golden.LESSONS))
@pytest.mark.parametrize("scene_name", ["ApplySoftmax", "MaskFutureWords"])
def test_every_attention_weight_and_sum_is_shown(last_frames, scene_name, lesson):
    _, scene = last_frames(scene_name, lesson)
    steps = softmax_steps(scene.example)
    shown = set(scene.shown_texts)

    assert sorted(percentages(scene.example) - shown) == []
    assert [v for v in map(qkmath.shown, steps.sums) if v not in shown] == []
    assert [v for v in map(qkmath.shown, steps.maxima) if v not in shown] == []


def test_default_softmax_shows_the_exponentials_of_shifted_scores(last_frames):
    _, scene = last_frames("ApplySoftmax", "default")

    # 8.29 - 8.29 and -1.85 - 8.29, then e to those powers
    assert {"0.00", "\u221210.14", "1.00", "100.00%", "99.59%", "0.41%"} <= set(
        scene.shown_texts
    )
    assert MINUS_INFINITY not in scene.shown_texts


@pytest.mark.parametrize("lesson", list(golden.LESSONS))
def test_mask_hides_later_words_and_says_why(last_frames, lesson):
    _, scene = last_frames("MaskFutureWords", lesson)
    texts = scene.shown_texts
    hidden = scene.example.n_tokens * (scene.example.n_tokens - 1) // 2

    assert scene.example.lesson.causal
    assert texts.count(MINUS_INFINITY) >= hidden
    assert "the words that come after it: their scores become \u2212\u221e." in texts
    assert "Hide later words" in scene.section_names


def test_mask_on_a_lesson_that_is_not_causal_says_so(last_frames):
    _, scene = last_frames("MaskFutureWords", "default")
    note = "This lesson is not causal: the mask is applied here for the demonstration."

    assert note in scene.shown_texts
    # "Let's" may not look at "go": its weight is exactly 0
    assert scene.example.heads[0].attention_weights[0, 1] == 0.0
    assert "0.00%" in scene.shown_texts


def test_apply_softmax_masks_only_causal_lessons(last_frames):
    _, plain = last_frames("ApplySoftmax", "default")
    _, causal = last_frames("ApplySoftmax", "special")

    assert "Hide later words" not in plain.section_names
    assert "Hide later words" in causal.section_names
    assert MINUS_INFINITY in causal.shown_texts


# ---------------------------------------------------------------- values


@pytest.mark.parametrize("lesson", list(golden.LESSONS))
def test_every_output_product_and_value_is_shown(last_frames, lesson):
    _, scene = last_frames("CombineValues", lesson)
    head = scene.example.heads[0]
    products = qkmath.weighted_values(head.attention_weights, head.values.totals)
    wanted = [*head.output.flat, *products.flat, *head.values.totals.flat]
    weights = qkmath.as_percentages(head.attention_weights).flat

    shown = set(scene.shown_texts)

    assert [v for v in map(qkmath.shown, wanted) if v not in shown] == []
    assert [p for p in map(qkmath.shown_percent, weights) if p not in shown] == []


def test_weights_are_percentages_and_signs_follow_them(last_frames):
    _, scene = last_frames("CombineValues", "default")
    texts = scene.shown_texts

    # 99.59% of 1.50 is 1.49: "1.00 × 1.50 ≈ 1.49" would look like a mistake
    assert {"99.59%", "0.41%", "100.00%"} <= set(texts)
    assert "≈" not in texts


def test_default_outputs(last_frames):
    _, scene = last_frames("CombineValues", "default")

    assert {"1.50", "0.39", "1.49", "0.38"} <= set(scene.shown_texts)
    assert scene.section_names[-1] == "Self-attention outputs"


@pytest.mark.parametrize("lesson", list(golden.LESSONS))
def test_whole_lesson_shows_only_computed_values(last_frames, lesson):
    _, scene = last_frames("AttentionLesson", lesson)

    shown = shown_numbers(scene.shown_texts)
    percents = {t for t in scene.shown_texts if PERCENTAGE.fullmatch(t)}

    assert sorted(set(shown) - attention_numbers(scene.example)) == []
    assert sorted(percents - percentages(scene.example)) == []
    assert {qkmath.shown(v) for v in scene.example.heads[0].output.flat} <= set(
        scene.shown_texts
    )
