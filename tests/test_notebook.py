"""The notebook helper: what Jupyter would display, checked without Jupyter."""

from __future__ import annotations

import base64
import re

import pytest

import qkmath
from scenes.notebook import InlineVideo, show


def embedded(html_text: str, media_type: str) -> bytes:
    match = re.search(rf'"data:{media_type};base64,([A-Za-z0-9+/=]+)"', html_text)
    assert match, f"no embedded {media_type}"
    return base64.b64decode(match[1])


class TestInlineVideo:
    def test_player_embeds_video_poster_and_captions(self, tmp_path):
        video = tmp_path / "Scene.mp4"
        video.write_bytes(b"not really a video")
        poster = tmp_path / "Scene.png"
        poster.write_bytes(b"png bytes")
        captions = tmp_path / "Scene.vtt"
        captions.write_text("WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nHello\n")

        page = InlineVideo(video, poster, captions, width=640)._repr_html_()

        assert page.startswith("<video controls")
        assert 'width="640"' in page
        assert embedded(page, "video/mp4") == video.read_bytes()
        assert embedded(page, "image/png") == poster.read_bytes()
        assert b"Hello" in embedded(page, "text/vtt")

    def test_player_without_poster_or_captions(self, tmp_path):
        video = tmp_path / "Scene.mp4"
        video.write_bytes(b"x")

        page = InlineVideo(video)._repr_html_()

        assert "poster=" not in page
        assert "<track" not in page


class TestShowRefuses:
    def test_unknown_scene(self):
        with pytest.raises(ValueError, match="unknown scene 'Nope'"):
            show("Nope")

    def test_unknown_quality(self):
        with pytest.raises(ValueError, match="unknown quality"):
            show("ComputeQueryValues", quality="8k")

    def test_bad_lesson(self):
        with pytest.raises(ValueError, match="words"):
            show("ComputeQueryValues", lesson={"words": []})

    def test_lesson_too_big_to_show(self, tmp_path):
        lesson = {"words": ["a", "b", "c", "d", "e"]}

        with pytest.raises(ValueError, match="at most 4 words"):
            show("ComputeQueryValues", lesson=lesson, out_dir=tmp_path)
        assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_show_renders_a_playable_scene(tmp_path):
    import io

    import av

    lesson = {"words": ["Hello", "world"], "seed": 11}

    player = show("ShowPositionalEncoding", lesson=lesson, out_dir=tmp_path)
    page = player._repr_html_()

    video = embedded(page, "video/mp4")
    assert video == (tmp_path / "ShowPositionalEncoding.mp4").read_bytes()
    with av.open(io.BytesIO(video)) as container:
        stream = container.streams.video[0]
        assert (stream.width, stream.height) == (854, 480)
        assert sum(1 for _ in container.decode(stream)) > 30
    captions = embedded(page, "text/vtt").decode()
    example = qkmath.compute(qkmath.lesson_from_mapping(lesson))
    assert qkmath.shown(example.embeddings[0, 0]) in captions
