"""The multi-head scene shows qkmath's numbers for every head, and refuses
lessons it cannot lay out legibly."""

from __future__ import annotations

import pytest

import qkmath
from scenes.limits import fits, shown_example
from scenes.style import MAX_HEADS
from tests.scenes import golden
from tests.scenes.test_shown_numbers import shown_numbers

SCENE = "ShowMultiHeadAttention"


def computed_numbers(example: qkmath.WorkedExample) -> set[str]:
    """Every value the scene may show, written as the scenes write numbers."""
    arrays = [example.position_encoded, example.output]
    for head in example.heads:
        arrays += list(head.weights.values())
        arrays += [head.output]
    return {qkmath.shown(value) for array in arrays for value in array.flat}


def attention_percentages(head: qkmath.HeadExample) -> list[str]:
    """A head's attention weights as the scene writes them: percentages."""
    return [
        qkmath.shown_percent(p)
        for p in qkmath.as_percentages(head.attention_weights).flat
    ]


def shown_percentages(texts: list[str]) -> list[str]:
    return [t for t in texts if t.endswith("%") and shown_numbers([t[:-1]])]


@pytest.fixture(params=list(golden.LESSONS))
def rendered(request, last_frames):
    _, scene = last_frames(SCENE, request.param)
    example, _ = shown_example(scene.example)
    return scene, example


def test_every_shown_number_is_a_computed_value(rendered):
    scene, example = rendered

    shown = shown_numbers(scene.shown_texts)
    percentages = shown_percentages(scene.shown_texts)
    computed = {p for head in example.heads for p in attention_percentages(head)}

    assert shown, "the scene showed no numbers at all"
    assert sorted(set(shown) - computed_numbers(example)) == []
    assert percentages, "the scene showed no attention weights"
    assert sorted(set(percentages) - computed) == []


def test_the_concatenated_output_is_shown_in_reading_order(rendered):
    scene, example = rendered
    texts = scene.shown_texts
    values = [qkmath.shown(v) for v in example.output.flat]

    runs = (texts[i : i + len(values)] for i in range(len(texts)))

    assert example.output.shape[1] == sum(head.d_head for head in example.heads)
    assert values in runs, "no grid shows every word's output, heads in order"


def test_the_concatenation_is_narrated_with_the_first_word(rendered):
    scene, example = rendered
    first = ", ".join(qkmath.shown(v) for v in example.output[0])

    assert f"({first})" in scene.narration[-1][2]


def test_each_head_shows_its_weights_attention_and_output(rendered):
    scene, example = rendered
    shown = set(scene.shown_texts)

    for index, head in enumerate(example.heads):
        arrays = [*head.weights.values(), head.output]
        wanted = [qkmath.shown(v) for array in arrays for v in array.flat]
        wanted += attention_percentages(head)
        missing = [v for v in wanted if v not in shown]
        assert missing == [], f"head {index + 1}"


def test_shows_at_least_two_heads(rendered):
    _, example = rendered

    assert len(example.heads) >= 2


def test_says_on_screen_whether_the_second_head_was_added(rendered):
    scene, _ = rendered
    added = len(scene.example.heads) == 1

    said = any("default head" in text for text in scene.shown_texts)

    assert said == added


def test_the_default_lesson_gets_the_documented_second_head(last_frames):
    _, scene = last_frames(SCENE, "default")
    example, added = shown_example(scene.example)

    assert added
    assert example.heads[1].weights["query"].tolist() == (qkmath.SECOND_HEAD["query"])


def test_words_appear_as_typed(rendered):
    scene, example = rendered

    assert set(example.words) <= set(scene.shown_texts)


def test_says_why_there_are_several_heads(rendered):
    scene, _ = rendered

    assert any("different words" in text for text in scene.shown_texts)


def test_sections_are_unique_and_narrated(rendered):
    scene, _ = rendered
    names = scene.section_names

    assert len(names) == len(set(names)) >= 5
    assert len(scene.narration) == len(names)


def lesson(**fields) -> qkmath.WorkedExample:
    return qkmath.compute(qkmath.lesson_from_mapping({"words": ["a", "b"], **fields}))


class TestFits:
    @pytest.mark.parametrize(
        "fields",
        [
            {},
            {"n_heads": MAX_HEADS},
            {"words": ["a", "b", "c", "d"], "d_model": 4, "d_head": 4, "n_heads": 3},
            {"words": ["one"]},
        ],
        ids=["default sizes", "most heads", "largest lesson", "one word"],
    )
    def test_lessons_that_fit(self, fields):
        assert fits(lesson(**fields)) is None

    def test_the_golden_lessons_fit(self):
        for name in golden.LESSONS:
            assert fits(golden.lesson_example(name)) is None, name

    @pytest.mark.parametrize(
        ("fields", "reason"),
        [
            ({"n_heads": MAX_HEADS + 1}, f"at most {MAX_HEADS} heads"),
            ({"words": list("abcde")}, "at most 4 words"),
            ({"d_model": 5}, "(d_model)"),
            ({"d_head": 5}, "(d_head)"),
            (
                {
                    "words": ["a"],
                    "embeddings": [[9.9, -9.9, 9.9, -9.9]],
                    "d_head": 4,
                    "n_heads": 3,
                },
                "characters of",
            ),
        ],
        ids=["too many heads", "too many words", "d_model", "d_head", "wide numbers"],
    )
    def test_lessons_that_do_not_fit_say_why(self, fields, reason):
        message = fits(lesson(**fields))

        assert message is not None
        assert reason in message
        assert "\n" not in message

    def test_one_head_is_judged_with_its_added_second_head(self):
        example = lesson(words=["a"], d_model=4, d_head=4)

        shown, added = shown_example(example)

        assert added and len(shown.heads) == 2
        assert fits(example) is None
