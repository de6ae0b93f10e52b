"""`list` and `render` through Click's runner, with real renders."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import av
import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from cli import cli
from scenes.registry import SCENES


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


@pytest.mark.slow
def test_query_scene_renders_to_a_real_video(tmp_path):
    out = tmp_path / "videos"

    result = run("render", "ComputeQueryValues", "--out", str(out))

    assert result.exit_code == 0, result.output
    path = out / "ComputeQueryValues.mp4"
    assert result.stdout.strip() == str(path)
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
    assert list(out.iterdir()) == [path]
