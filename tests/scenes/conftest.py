from __future__ import annotations

import pytest

from tests.scenes import golden


@pytest.fixture(scope="session")
def last_frames(tmp_path_factory):
    """Render each (scene, lesson) once per test session, on demand."""
    cache = {}
    scratch = tmp_path_factory.mktemp("golden")

    def get(scene_name: str, lesson: str):
        key = (scene_name, lesson)
        if key not in cache:
            example = golden.lesson_example(lesson)
            cache[key] = golden.render_last_frame(scene_name, example, scratch)
        return cache[key]

    return get
