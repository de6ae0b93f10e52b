"""The numbers each scene writes are exactly qkmath's, formatted for display."""

from __future__ import annotations

import pytest

import qkmath
from tests.scenes import golden


def numbers_of(example: qkmath.WorkedExample) -> set[str]:
    """Every value of the lesson written as the scenes write numbers."""
    arrays = [example.embeddings, example.positional_encoding, example.position_encoded]
    for head in example.heads:
        arrays += [head.weights[name] for name in ("query", "key", "value")]
        arrays += [head.queries.totals, head.keys.totals, head.values.totals]
    return {qkmath.shown(value) for array in arrays for value in array.flat}


def shown_numbers(texts: list[str]) -> list[str]:
    numbers = []
    for text in texts:
        try:
            float(text.replace("\u2212", "-"))
        except ValueError:
            continue
        numbers.append(text)
    return numbers


@pytest.mark.parametrize("lesson", list(golden.LESSONS))
@pytest.mark.parametrize(
    "scene_name",
    [
        "ShowPositionalEncoding",
        "ComputeQueryValues",
        "ComputeKeyValues",
    ],
)
def test_every_shown_number_is_a_computed_value(last_frames, scene_name, lesson):
    _, scene = last_frames(scene_name, lesson)
    expected = numbers_of(scene.example)

    shown = shown_numbers(scene.shown_texts)

    assert shown, "the scene showed no numbers at all"
    assert sorted(set(shown) - expected) == []


@pytest.mark.parametrize(
    ("scene_name", "projection"),
    [("ComputeQueryValues", "queries"), ("ComputeKeyValues", "keys")],
)
@pytest.mark.parametrize("lesson", list(golden.LESSONS))
def test_every_result_and_weight_is_shown(last_frames, scene_name, projection, lesson):
    _, scene = last_frames(scene_name, lesson)
    head = scene.example.heads[0]
    sums = getattr(head, projection)
    wanted = [*sums.totals.flat, *sums.weights.flat, *sums.inputs.flat]

    shown = set(scene.shown_texts)

    assert [v for v in map(qkmath.shown, wanted) if v not in shown] == []


def test_default_lesson_shows_the_published_numbers(last_frames):
    _, scene = last_frames("ComputeQueryValues", "default")

    assert {"4.10", "3.70", "1.87", "1.09", "2.22", "\u22120.05"} <= set(
        scene.shown_texts
    )


@pytest.mark.parametrize("lesson", list(golden.LESSONS))
def test_words_appear_as_typed(last_frames, lesson):
    _, scene = last_frames("ShowPositionalEncoding", lesson)

    assert set(scene.example.words) <= set(scene.shown_texts)


@pytest.mark.parametrize("lesson", list(golden.LESSONS))
def test_sections_name_each_step(last_frames, lesson):
    _, scene = last_frames("AttentionLesson", lesson)
    names = scene.section_names

    assert "Positional encoding: Word embeddings" in names
    assert "Query values: Matrix form" in names
    assert "Key values: Matrix form" in names
    for part in ("Similarity", "Softmax", "Output"):
        assert any(name.startswith(part + ": ") for name in names), part
    assert len(names) == len(set(names)) >= 10
