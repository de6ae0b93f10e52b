"""Golden last frames: render a scene's last frame and compare it with a
committed PNG.

Manim's own ``frames_comparison`` skips itself when cairo is older than
1.18 (Debian 12 has 1.16), so this harness does the same job and never
skips. Control images live in ``tests/scenes/control/<Scene>-<lesson>.png``.

Regenerate them after a deliberate visual change, then look at them::

    .venv/bin/python -m tests.scenes.golden --regenerate
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

import qkmath

CONTROL_DIR = Path(__file__).resolve().parent / "control"
REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"

LESSONS = {
    "default": None,
    "special": EXAMPLES / "special-words.json",
}
"""Lessons with golden frames: the default one and a 3-word lesson whose
words hold LaTeX's special characters and CJK."""

MAX_MEAN_DIFFERENCE = 1.0
"""Mean absolute difference (0-255 scale) tolerated over the whole frame."""

MAX_CHANGED_SHARE = 0.002
"""Share of pixels allowed to differ by more than 40 levels in a channel."""


def lesson_example(lesson: str) -> qkmath.WorkedExample:
    path = LESSONS[lesson]
    return qkmath.compute(qkmath.load_lesson(path) if path else qkmath.default_lesson())


def render_last_frame(scene_name: str, example, scratch: Path):
    """Render only the last frame (854x480) and return (pixels, scene)."""
    from manim import tempconfig

    from scenes.render import CACHE_DIR, scene_class

    settings = {
        "quality": "low_quality",
        "media_dir": str(scratch),
        "tex_dir": str(CACHE_DIR / "tex"),
        "text_dir": str(CACHE_DIR / "text"),
        "disable_caching": True,
        "progress_bar": "none",
        "verbosity": "ERROR",
        "notify_outdated_version": False,
        "write_to_movie": False,
        "save_last_frame": True,
        "format": "png",
        "output_file": scene_name,
    }
    with tempconfig(settings):
        scene = scene_class(scene_name)(example=example)
        scene.render()
        pixels = np.array(scene.renderer.get_frame())[:, :, :3]
    return pixels, scene


def control_path(scene_name: str, lesson: str) -> Path:
    return CONTROL_DIR / f"{scene_name}-{lesson}.png"


def read_png(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as image:
        return np.array(image.convert("RGB"))


def compare(actual: np.ndarray, expected: np.ndarray) -> str | None:
    """None when the frames match within tolerance, else what differs."""
    if actual.shape != expected.shape:
        return f"frame shape {actual.shape} differs from control {expected.shape}"
    difference = np.abs(actual.astype(int) - expected.astype(int))
    mean = difference.mean()
    changed = (difference.max(axis=2) > 40).mean()
    if mean > MAX_MEAN_DIFFERENCE or changed > MAX_CHANGED_SHARE:
        return (
            f"mean difference {mean:.2f} (at most {MAX_MEAN_DIFFERENCE}), "
            f"{changed:.2%} of pixels changed (at most {MAX_CHANGED_SHARE:.2%})"
        )
    return None


def regenerate(scene_names: list[str], scratch: Path) -> list[Path]:
    from PIL import Image

    CONTROL_DIR.mkdir(parents=True, exist_ok=True)
    written = []
    for lesson in LESSONS:
        example = lesson_example(lesson)
        for name in scene_names:
            pixels, _ = render_last_frame(name, example, scratch)
            path = control_path(name, lesson)
            Image.fromarray(pixels).save(path, optimize=True)
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    import tempfile

    from scenes.registry import SCENES

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regenerate", action="store_true", required=True)
    parser.add_argument("scenes", nargs="*", help="default: every scene")
    args = parser.parse_args(argv)
    names = args.scenes or [info.name for info in SCENES]
    with tempfile.TemporaryDirectory() as scratch:
        for path in regenerate(names, Path(scratch)):
            print(path.relative_to(REPO))
    return 0


if __name__ == "__main__":
    sys.exit(main())
