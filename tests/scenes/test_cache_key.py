"""Cache keys: a change re-renders exactly the scenes it can affect."""

from __future__ import annotations

import shutil

import pytest

import qkmath
from scenes import render
from scenes.registry import SCENES


@pytest.fixture
def checkout(tmp_path, monkeypatch):
    """A copy of the sources that cache keys read, to edit freely."""
    for folder in ("scenes", "qkmath"):
        shutil.copytree(render.REPO / folder, tmp_path / folder)
    monkeypatch.setattr(render, "REPO", tmp_path)
    return tmp_path


def keys() -> dict[str, str]:
    job = render.RenderJob(qkmath.compute(qkmath.default_lesson()))
    return {info.name: render.cache_key(info.name, job) for info in SCENES}


def test_a_scene_depends_on_what_it_imports_only():
    sources = {
        str(p.relative_to(render.REPO))
        for p in render.scene_sources("ComputeQueryValues")
    }

    assert {"scenes/projections.py", "scenes/common.py", "scenes/glyphs.py"} <= sources
    assert {"scenes/softmax.py", "scenes/lesson.py"}.isdisjoint(sources)
    assert {"qkmath/attention.py", "qkmath/display.py"} <= sources


def test_editing_one_scene_changes_only_the_scenes_that_use_it(checkout):
    before = keys()
    with (checkout / "scenes" / "softmax.py").open("a") as file:
        file.write("\n# an edit\n")

    after = keys()

    changed = sorted(name for name in before if before[name] != after[name])
    assert changed == ["ApplySoftmax", "AttentionLesson", "MaskFutureWords"]


def test_editing_the_maths_changes_every_key(checkout):
    before = keys()
    with (checkout / "qkmath" / "display.py").open("a") as file:
        file.write("\n# an edit\n")

    after = keys()

    assert all(before[name] != after[name] for name in before)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"quality": "high"}, id="quality"),
        pytest.param({"fmt": "webm"}, id="format"),
        pytest.param({"transparent": True, "fmt": "mov"}, id="transparent"),
        pytest.param({"sections": True}, id="sections"),
    ],
)
def test_settings_change_the_key(change):
    example = qkmath.compute(qkmath.default_lesson())
    plain = render.RenderJob(example)
    changed = render.RenderJob(example, **change)

    assert render.cache_key("ComputeQueryValues", plain) != render.cache_key(
        "ComputeQueryValues", changed
    )


def test_every_format_has_its_own_key():
    # GIF and MOV once shared one: a MOV in the cache then broke `--format gif`
    example = qkmath.compute(qkmath.default_lesson())
    keys = {
        render.cache_key("ComputeQueryValues", render.RenderJob(example, fmt=fmt))
        for fmt in ("mp4", "webm", "gif", "mov", "png")
    }

    assert len(keys) == 5


def test_values_change_the_key():
    lesson = qkmath.default_lesson()
    other = qkmath.lesson_from_mapping({**qkmath.DEFAULT_LESSON, "scale": False})

    assert render.cache_key(
        "ApplySoftmax", render.RenderJob(qkmath.compute(lesson))
    ) != render.cache_key("ApplySoftmax", render.RenderJob(qkmath.compute(other)))
