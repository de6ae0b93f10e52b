"""Show a scene inline in a Jupyter notebook.

In a notebook started from the repository root::

    from scenes.notebook import show
    show("ComputeQueryValues")                       # the default lesson
    show("ApplySoftmax", lesson="examples/special-words.json")
    show("CompareQueriesWithKeys", lesson={"words": ["Hello", "world"]})

The scene is rendered as ``render`` would (same cache, so a repeat is
instant) and shown as a video player with its poster and captions. The
video is embedded in the notebook, so the notebook keeps it when shared.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import qkmath
from scenes.registry import DEFAULT_SCENE, SCENES


@dataclass(frozen=True)
class InlineVideo:
    """A rendered video that a notebook shows as a player.

    Attributes
    ----------
    path
        The video file.
    poster, captions
        Its last frame (PNG) and its WebVTT captions, when there are any.
    width
        Width of the player in CSS pixels.
    """

    path: Path
    poster: Path | None = None
    captions: Path | None = None
    width: int = 720

    def _repr_html_(self) -> str:
        video = _data_url(self.path, "video/mp4")
        poster = ""
        if self.poster:
            poster = f' poster="{_data_url(self.poster, "image/png")}"'
        track = (
            f'<track kind="subtitles" srclang="en" label="English" '
            f'src="{_data_url(self.captions, "text/vtt")}" default>'
            if self.captions
            else ""
        )
        return (
            f'<video controls width="{self.width}"{poster} '
            f'aria-label="{html.escape(self.path.stem)}">'
            f'<source src="{video}" type="video/mp4">{track}</video>'
        )


def _data_url(path: Path, media_type: str) -> str:
    return f"data:{media_type};base64," + base64.b64encode(path.read_bytes()).decode()


def _example(lesson) -> qkmath.WorkedExample:
    if lesson is None:
        return qkmath.compute(qkmath.default_lesson())
    if isinstance(lesson, qkmath.WorkedExample):
        return lesson
    if isinstance(lesson, qkmath.Lesson):
        return qkmath.compute(lesson)
    if isinstance(lesson, Mapping):
        return qkmath.compute(qkmath.lesson_from_mapping(lesson))
    return qkmath.compute(qkmath.load_lesson(lesson))


def show(
    scene: str = DEFAULT_SCENE,
    lesson=None,
    *,
    quality: str = "low",
    out_dir: str | Path = "media/notebook",
    width: int = 720,
) -> InlineVideo:
    """Render ``scene`` for ``lesson`` and return a player for the notebook.

    Parameters
    ----------
    scene
        A scene name from ``python cli.py list``.
    lesson
        None for the default lesson, a path to a lesson file, a mapping
        with the same keys as a lesson file, a :class:`qkmath.Lesson` or a
        :class:`qkmath.WorkedExample`.
    quality
        ``low``, ``medium``, ``high`` or ``4k``.
    out_dir
        Where the video, poster and captions are written.

    Raises
    ------
    ValueError
        An unknown scene or quality, a lesson that cannot be used or shown.
    """
    from scenes.render import QUALITY_SETTINGS, RenderError, RenderJob, render_scenes

    names = [info.name for info in SCENES]
    if scene not in names:
        raise ValueError(f"unknown scene {scene!r}: choose one of {', '.join(names)}")
    if quality not in QUALITY_SETTINGS:
        raise ValueError(
            f"unknown quality {quality!r}: choose one of {', '.join(QUALITY_SETTINGS)}"
        )
    job = RenderJob(_example(lesson), quality=quality, out_dir=Path(out_dir))
    try:
        (rendered,) = render_scenes([scene], job)
    except RenderError as error:
        raise ValueError(str(error)) from None
    return InlineVideo(
        rendered.path, rendered.output(".png"), rendered.output(".vtt"), width
    )
