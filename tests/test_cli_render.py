"""`list` and `render` through Click's runner, with real renders."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest
import srt
from click.testing import CliRunner
from PIL import Image

from cli import cli
from scenes.registry import SCENES
from tests.scenes import golden


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=env)


def write_lesson(tmp_path: Path, lesson: dict) -> str:
    path = tmp_path / "lesson.json"
    path.write_text(json.dumps(lesson), encoding="utf-8")
    return str(path)


def test_list_describes_every_scene():
    result = run("list")

    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert [line.split()[0] for line in lines] == [info.name for info in SCENES]
    assert all(len(line.split()) > 4 for line in lines)


REFUSALS = [
    pytest.param(["NoSuchScene"], "NoSuchScene", id="unknown-scene"),
    pytest.param(
        ["--transparent"], "--transparent does not work with mp4", id="transparent-mp4"
    ),
    pytest.param(
        ["--transparent", "--format", "gif"],
        "does not work with gif",
        id="transparent-gif",
    ),
    pytest.param(["--quality", "ultra"], "ultra", id="unknown-quality"),
    pytest.param(["--format", "avi"], "avi", id="unknown-format"),
    pytest.param(
        ["--words", "a b c d e"], "at most 4 words, this lesson has 5", id="five-words"
    ),
]


@pytest.mark.parametrize(("args", "message"), REFUSALS)
def test_refusals_are_one_line_and_write_nothing(tmp_path, args, message):
    out = tmp_path / "out"

    result = run("render", *args, "--out", str(out))

    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert not out.exists()


def test_refuses_a_lesson_too_wide_for_the_screen(tmp_path):
    lesson = write_lesson(tmp_path, {"words": ["a"], "d_model": 5})

    result = run("render", "--lesson", lesson, "--out", str(tmp_path / "out"))

    assert result.exit_code == 2
    assert "at most 4 values per word (d_model), this lesson has 5" in result.stderr


def test_out_that_is_a_file_is_refused(tmp_path):
    target = tmp_path / "taken"
    target.write_text("x")

    result = run("render", "--format", "png", "--out", str(target))

    assert result.exit_code == 2
    assert "is a file, not a folder" in result.stderr
    assert target.read_text() == "x"


def test_out_below_a_file_is_refused(tmp_path):
    (tmp_path / "taken").write_text("x")

    result = run("render", "--format", "png", "--out", str(tmp_path / "taken" / "sub"))

    assert result.exit_code == 2
    assert "cannot create --out folder" in result.stderr


@pytest.mark.parametrize("program", ["latex", "dvisvgm"])
def test_missing_tex_program_is_named_before_rendering(tmp_path, program):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for other in {"latex", "dvisvgm"} - {program}:
        (bin_dir / other).symlink_to(shutil.which(other))
    out = tmp_path / "out"

    result = run("render", "--out", str(out), env={"PATH": str(bin_dir)})

    assert result.exit_code == 2
    assert f"{program} is not installed" in result.stderr
    assert "apt-get install" in result.stderr
    assert not out.exists()


def test_png_renders_last_frames_and_prints_only_paths(tmp_path):
    out = tmp_path / "out"

    result = run(
        "render",
        "ShowPositionalEncoding",
        "ComputeKeyValues",
        "--format",
        "png",
        "--out",
        str(out),
    )

    assert result.exit_code == 0, result.output
    expected = [out / "ShowPositionalEncoding.png", out / "ComputeKeyValues.png"]
    assert result.stdout.splitlines() == [str(p) for p in expected]
    for path in expected:
        with Image.open(path) as image:
            assert image.size == (854, 480)
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in expected)


DECIMAL = re.compile(r"[−-]?\d+\.\d+")


def read_vtt(path: Path) -> list[tuple[float, float, str]]:
    """Cues of a WebVTT file as (start, end, text); fails on a malformed one."""
    blocks = path.read_text(encoding="utf-8").strip().split("\n\n")
    assert blocks[0] == "WEBVTT"
    cues = []
    for block in blocks[1:]:
        timing, *text = block.splitlines()
        start, end = (_seconds(t) for t in timing.split(" --> "))
        cues.append((start, end, " ".join(text)))
    return cues


def _seconds(stamp: str) -> float:
    hours, minutes, seconds = stamp.strip().split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


@pytest.mark.slow
def test_query_scene_renders_video_poster_captions_and_sections(tmp_path):
    out = tmp_path / "videos"

    result = run(
        "render", "ComputeQueryValues", "--sections", "--no-cache", "--out", str(out)
    )

    assert result.exit_code == 0, result.output
    path = out / "ComputeQueryValues.mp4"
    names = ["mp4", "png", "srt", "vtt", "sections.json"]
    assert result.stdout.splitlines() == [
        str(out / f"ComputeQueryValues.{n}") for n in names
    ]
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert (stream.width, stream.height) == (854, 480)
        duration = float(container.duration) / av.time_base
        frames = [
            frame.to_ndarray(format="rgb24") for frame in container.decode(stream)
        ]
    assert 10 < duration < 60
    assert len(frames) == pytest.approx(duration * 15, abs=2)
    middle = frames[len(frames) // 2]
    assert middle.std() > 10, "the middle frame is blank"
    assert not np.array_equal(frames[len(frames) // 4], frames[len(frames) // 2])

    # The poster is the last frame
    with Image.open(out / "ComputeQueryValues.png") as image:
        poster = np.array(image.convert("RGB")).astype(int)
    assert np.abs(poster - frames[-1].astype(int)).mean() < 3

    # Captions: SRT and VTT agree, cues in order, numbers are the lesson's
    srt_cues = list(srt.parse((out / "ComputeQueryValues.srt").read_text()))
    vtt_cues = read_vtt(out / "ComputeQueryValues.vtt")
    assert len(srt_cues) == len(vtt_cues) >= 5
    for cue, (start, end, text) in zip(srt_cues, vtt_cues, strict=True):
        assert cue.start.total_seconds() == pytest.approx(start)
        assert cue.end.total_seconds() == pytest.approx(end)
        assert cue.content.replace("\n", " ") == text
    starts = [start for start, _, _ in vtt_cues]
    assert starts == sorted(starts)
    assert all(
        end <= next_start + 1e-6
        for (_, end, _), next_start in zip(vtt_cues, starts[1:], strict=False)
    )
    assert vtt_cues[-1][1] <= duration + 1
    table = run("values").stdout.replace("-", "−")
    spoken = {n for _, _, text in vtt_cues for n in DECIMAL.findall(text)}
    assert {"4.10", "3.70", "2.22", "−0.05"} <= spoken
    assert sorted(n for n in spoken if n not in table) == []

    # Sections: one clip per step, timed like the chapters of the video
    index = json.loads((out / "ComputeQueryValues.sections.json").read_text())
    assert [s["name"] for s in index] == [
        "Weighted connections",
        "Query values of Let's",
        "Query values of go",
        "Matrix form",
    ]
    assert sum(s["duration"] for s in index) == pytest.approx(duration, abs=0.2)
    for section in index:
        with av.open(str(out / section["file"])) as clip:
            seconds = float(clip.duration) / av.time_base
        assert seconds == pytest.approx(section["duration"], abs=0.2)


@pytest.mark.slow
def test_unchanged_render_is_copied_from_the_cache(tmp_path):
    # A seed never used before, so that the first render is not a hit
    seed = secrets.randbelow(10**12)
    first, second = tmp_path / "first", tmp_path / "second"
    args = ["render", "ShowPositionalEncoding", "--words", "cache test", "--seed"]
    assert run(*args, str(seed), "--out", str(first)).exit_code == 0

    again = run(*args, str(seed), "--out", str(second))
    changed = run(*args, str(seed + 1), "--out", str(tmp_path / "third"))

    assert "unchanged, copied from the cache" in again.stderr
    assert "copied from the cache" not in changed.stderr
    for name in ("mp4", "png", "srt", "vtt"):
        target = f"ShowPositionalEncoding.{name}"
        assert (first / target).read_bytes() == (second / target).read_bytes()


@pytest.mark.slow
def test_no_cache_renders_again_and_refreshes_the_cache(tmp_path):
    seed = str(secrets.randbelow(10**12))
    args = ["render", "ShowPositionalEncoding", "--words", "refresh", "--seed", seed]

    fresh = run(*args, "--no-cache", "--out", str(tmp_path / "a"))
    again = run(*args, "--out", str(tmp_path / "b"))
    forced = run(*args, "--no-cache", "--out", str(tmp_path / "c"))

    assert fresh.exit_code == 0, fresh.output
    assert "copied from the cache" not in fresh.stderr
    assert "unchanged, copied from the cache" in again.stderr
    assert "copied from the cache" not in forced.stderr


@pytest.mark.slow
def test_gif_is_small_and_true_to_the_scene(tmp_path):
    out = tmp_path / "gif"

    result = run(
        "render", "ShowPositionalEncoding", "--format", "gif", "--out", str(out)
    )

    assert result.exit_code == 0, result.output
    gif = out / "ShowPositionalEncoding.gif"
    assert gif.stat().st_size < 4 * 2**20, "too big for a web page"
    with Image.open(gif) as image:
        assert image.size == (854, 480)
        assert image.info["loop"] == 0
        frames = image.n_frames
        image.seek(frames - 1)
        last = np.array(image.convert("RGB")).astype(int)
    assert frames > 15 * 10
    with Image.open(out / "ShowPositionalEncoding.png") as poster:
        expected = np.array(poster.convert("RGB")).astype(int)
    assert np.abs(last - expected).mean() < 2


@pytest.mark.slow
def test_transparent_mov_has_an_alpha_channel(tmp_path):
    out = tmp_path / "slides"

    result = run(
        "render",
        "ShowPositionalEncoding",
        "--format",
        "mov",
        "--transparent",
        "--out",
        str(out),
    )

    assert result.exit_code == 0, result.output
    with av.open(str(out / "ShowPositionalEncoding.mov")) as container:
        stream = container.streams.video[0]
        frames = list(container.decode(stream))
        last = frames[-1].to_ndarray(format="rgba")
    alpha = last[:, :, 3]
    assert alpha[0, 0] == 0, "the background is not transparent"
    assert alpha.max() == 255, "nothing is drawn"
    with Image.open(out / "ShowPositionalEncoding.png") as poster:
        assert poster.mode == "RGBA"
        assert poster.getpixel((0, 0))[3] == 0


@pytest.mark.slow
def test_lesson_command_writes_a_page_with_its_videos(tmp_path, monkeypatch):
    import cli

    keep = {"ShowPositionalEncoding", "ComputeQueryValues"}
    monkeypatch.setattr(
        cli, "LESSON_PAGE_SKIPS", tuple(i.name for i in SCENES if i.name not in keep)
    )
    site = tmp_path / "site"

    result = run("lesson", "--out", str(site))

    assert result.exit_code == 0, result.output
    page = site / "index.html"
    assert result.stdout.splitlines()[-1] == str(page)
    text = page.read_text(encoding="utf-8")
    for name in keep:
        assert f'src="{name}.mp4"' in text
        assert f'poster="{name}.png"' in text
        assert (site / f"{name}.vtt").exists()
    assert text.count("data:text/vtt;charset=utf-8;base64,") == 2
    assert "Weighted connections" in text  # a chapter of ComputeQueryValues
    assert "http://" not in text and "https://" not in text


def test_multi_head_scene_refuses_too_many_heads_but_others_render(tmp_path):
    lesson = write_lesson(tmp_path, {"words": ["a", "b"], "n_heads": 4})
    out = tmp_path / "out"

    refused = run(
        "render", "ShowMultiHeadAttention", "--lesson", lesson, "--out", str(out)
    )
    allowed = run(
        "render",
        "ComputeKeyValues",
        "--lesson",
        lesson,
        "--format",
        "png",
        "--out",
        str(out),
    )

    assert refused.exit_code == 2
    assert "at most 3 heads" in refused.stderr
    assert allowed.exit_code == 0, allowed.output


# ---------------------------------------------------------------- manim's own command


@pytest.mark.slow
@pytest.mark.parametrize("lesson", ["default", "special"])
def test_manims_own_command_renders_the_scene_and_the_lesson(tmp_path, lesson):
    env = {k: v for k, v in os.environ.items() if k != "QKANIM_LESSON"}
    if golden.LESSONS[lesson]:
        env["QKANIM_LESSON"] = str(golden.LESSONS[lesson])
    command = [
        str(Path(sys.executable).with_name("manim")),
        "render",
        "-ql",
        "-s",
        "--disable_caching",
        "--media_dir",
        str(tmp_path / "media"),
        "scenes/projections.py",
        "ComputeQueryValues",
    ]

    done = subprocess.run(
        command, cwd=golden.REPO, env=env, capture_output=True, text=True, timeout=600
    )

    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    [frame] = (tmp_path / "media" / "images").rglob("ComputeQueryValues*.png")
    # The same last frame as the golden one of that lesson
    control = golden.read_png(golden.control_path("ComputeQueryValues", lesson))
    assert golden.compare(golden.read_png(frame), control) is None
