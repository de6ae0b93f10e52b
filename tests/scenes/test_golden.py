"""Each scene's last frame matches its committed control image."""

from __future__ import annotations

import numpy as np
import pytest

from tests.scenes import golden

SCENES_WITH_CONTROL = sorted(
    {path.stem.rsplit("-", 1)[0] for path in golden.CONTROL_DIR.glob("*.png")}
)


@pytest.mark.parametrize("lesson", list(golden.LESSONS))
@pytest.mark.parametrize("scene_name", SCENES_WITH_CONTROL)
def test_last_frame_matches_control(last_frames, scene_name, lesson):
    control = golden.control_path(scene_name, lesson)
    assert control.exists(), f"no control image: run `make golden` ({control.name})"
    pixels, _ = last_frames(scene_name, lesson)

    problem = golden.compare(pixels, golden.read_png(control))

    assert problem is None, f"{scene_name} ({lesson}): {problem}"


def test_every_registered_scene_has_control_images():
    from scenes.registry import SCENES

    missing = [
        golden.control_path(info.name, lesson).name
        for info in SCENES
        for lesson in golden.LESSONS
        if not golden.control_path(info.name, lesson).exists()
    ]
    assert missing == []


class TestCompare:
    def test_identical_frames_match(self):
        frame = np.zeros((480, 854, 3), dtype=np.uint8)

        assert golden.compare(frame, frame.copy()) is None

    def test_a_changed_number_is_caught(self):
        frame = np.zeros((480, 854, 3), dtype=np.uint8)
        changed = frame.copy()
        changed[200:230, 300:360] = 255

        assert "pixels changed" in golden.compare(changed, frame)

    def test_a_different_size_is_caught(self):
        frame = np.zeros((480, 854, 3), dtype=np.uint8)

        assert "shape" in golden.compare(frame[:-1], frame)
