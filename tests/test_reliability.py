"""The reliability promises of `render` (issue 7), checked on real processes.

Renders run as ``cli.py`` subprocesses, each test with a cache folder of its
own (``QKANIM_CACHE_DIR``) seeded with the checkout's finished SVGs, so
that kills and corrupted entries never reach the checkout's cache. They are
interrupted at moments found by watching the folders they write, not after
fixed sleeps, and their videos are read back whole with PyAV.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cli import cli
from qkmath.export import FORMATS
from scenes.render import CACHE_DIR
from tests import processes
from tests.processes import (
    assert_complete_video,
    finish,
    interrupt,
    partial_movies,
    scratch_folders,
    snapshot,
    start,
    temporary_files,
)

SCENE = "ShowPositionalEncoding"
"""The shortest scene: about 27 s of video, rendered in 10 to 20 s."""

OTHER_SCENE = "ComputeQueryValues"
"""A second short scene, for renders of several scenes."""

OTHER_LESSON = ("--words", "x y z", "--seed", "4")
"""A lesson other than the default one, its numbers drawn from a seed."""

MID_PIECES = 5
"""Animation pieces written before a render counts as mid-animation."""

EXIT = {signal.SIGINT: (130, "Interrupted."), signal.SIGTERM: (143, "Terminated.")}
"""Exit status and the one line on stderr for each way of stopping."""


def run(*args: str, cache: Path) -> processes.Outcome:
    return processes.run(*args, cache=cache)


def stop_lines(outcome: processes.Outcome) -> list[str]:
    """Stderr without the progress lines printed before the stop.

    Blank lines are left out too: on Ctrl-C Click ends the terminal's
    ``^C`` line with an empty one of its own.
    """
    return [
        line
        for line in outcome.stderr_lines
        if line.strip() and not line.startswith("[")
    ]


def changed(before: dict[str, bytes], after: dict[str, bytes]) -> list[str]:
    """Names of files added, removed or rewritten with other bytes."""
    names = set(before) | set(after)
    return sorted(name for name in names if before.get(name) != after.get(name))


# ---------------------------------------------------------------- fixtures


@dataclass(frozen=True)
class Baseline:
    """A complete render of SCENE: its folder and the bytes of each file."""

    out: Path
    files: dict[str, bytes]


@pytest.fixture(scope="module")
def warm_cache(tmp_path_factory) -> Path:
    """A cache holding the checkout's finished SVGs (read, never written)."""
    cache = tmp_path_factory.mktemp("warm") / "cache"
    for kind in ("tex", "text"):
        store = CACHE_DIR / "store" / kind
        target = cache / "store" / kind
        if store.is_dir():
            shutil.copytree(store, target, ignore=shutil.ignore_patterns(".*"))
        target.mkdir(parents=True, exist_ok=True)
    return cache


@pytest.fixture(scope="module")
def baseline(warm_cache, tmp_path_factory) -> Baseline:
    """SCENE rendered once; its entry stays in the warm cache."""
    out = tmp_path_factory.mktemp("baseline")

    outcome = run("render", SCENE, "--out", str(out), cache=warm_cache)

    assert outcome.returncode == 0, outcome.stderr
    assert_complete_video(out / f"{SCENE}.mp4")
    return Baseline(out, snapshot(out))


@pytest.fixture
def cache(warm_cache, tmp_path) -> Path:
    """A private copy of the warm cache, for one test."""
    private = tmp_path / "cache"
    shutil.copytree(warm_cache, private)
    return private


@pytest.fixture
def previous(baseline, tmp_path) -> Path:
    """An output folder holding the complete files of an earlier render."""
    out = tmp_path / "out"
    shutil.copytree(baseline.out, out)
    return out


def start_and_wait(moment: str, cache: Path, out: Path) -> subprocess.Popen:
    """Start a render of SCENE into ``out``; return once ``moment`` comes.

    ``early``: its scratch folder exists (Manim is still loading).
    ``mid-animation``: Manim has written a few animation pieces.
    ``publishing``: a finished file is being copied into ``out``. This one
    is a cache hit with copies into ``out`` slowed to about a second, so
    that the moment lasts long enough to hit.
    """
    video = out / f"{SCENE}.mp4"
    first = processes.stat_key(video)

    def publishing():
        return temporary_files(out) or processes.stat_key(video) != first

    def early():
        return scratch_folders(cache, process.pid)

    def mid_animation():
        return len(partial_movies(cache, process.pid)) >= MID_PIECES

    if moment == "publishing":
        process = start(
            "render", SCENE, "--out", str(out), cache=cache, slow_copies_into=out
        )
        condition = publishing
    else:
        process = start("render", SCENE, "--no-cache", "--out", str(out), cache=cache)
        condition = early if moment == "early" else mid_animation
    processes.wait_for(condition, process, what=f"the {moment} moment")
    return process


def assert_no_temporaries(cache: Path, out: Path) -> None:
    """No scratch folder, temporary file or half-stored entry is left."""
    assert scratch_folders(cache) == []
    for folder in (out, cache / "outputs", cache / "store/tex", cache / "store/text"):
        assert temporary_files(folder) == [], folder


# ---------------------------------------------------------------- Ctrl-C, SIGTERM

INTERRUPTS = [
    pytest.param("early", signal.SIGINT, id="early-ctrl-c"),
    pytest.param("early", signal.SIGTERM, id="early-sigterm"),
    pytest.param("mid-animation", signal.SIGINT, id="mid-animation-ctrl-c"),
    pytest.param("mid-animation", signal.SIGTERM, id="mid-animation-sigterm"),
    pytest.param("publishing", signal.SIGINT, id="publishing-ctrl-c"),
    pytest.param("publishing", signal.SIGTERM, id="publishing-sigterm"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("moment", "signum"), INTERRUPTS)
def test_stopped_render_keeps_previous_output(cache, previous, moment, signum):
    before = snapshot(previous)
    process = start_and_wait(moment, cache, previous)

    interrupt(process, signum)
    outcome = finish(process, timeout=120)

    status, line = EXIT[signum]
    assert outcome.returncode == status, outcome.stderr
    assert stop_lines(outcome) == [line]
    assert changed(before, snapshot(previous)) == []
    assert_complete_video(previous / f"{SCENE}.mp4")
    assert_no_temporaries(cache, previous)
    assert processes.wait_until_group_gone(process.pid) == []

    again = run("render", SCENE, "--out", str(previous), cache=cache)

    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[0] == str(previous / f"{SCENE}.mp4")
    assert changed(before, snapshot(previous)) == []


@pytest.mark.slow
@pytest.mark.parametrize(
    "signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"]
)
def test_stopped_workers_clean_up_and_exit(cache, previous, signum):
    before = snapshot(previous)
    process = start(
        "render",
        SCENE,
        OTHER_SCENE,
        "--jobs",
        "2",
        "--no-cache",
        "--out",
        str(previous),
        cache=cache,
    )

    def both_animating():
        folders = scratch_folders(cache)
        return len(folders) == 2 and all(
            any(folder.rglob("partial_movie_files/**/*.mp4")) for folder in folders
        )

    processes.wait_for(both_animating, process, what="both workers animating")
    interrupt(process, signum)
    outcome = finish(process, timeout=120)

    status, line = EXIT[signum]
    assert outcome.returncode == status, outcome.stderr
    assert stop_lines(outcome) == [line]
    assert processes.wait_until_group_gone(process.pid) == []
    assert changed(before, snapshot(previous)) == []
    assert_no_temporaries(cache, previous)


# ---------------------------------------------------------------- SIGKILL


@pytest.mark.slow
def test_killed_render_is_cleaned_up_by_the_next(cache, previous):
    before = snapshot(previous)
    process = start_and_wait("mid-animation", cache, previous)

    interrupt(process, signal.SIGKILL)
    assert finish(process).returncode == -signal.SIGKILL

    assert changed(before, snapshot(previous)) == []
    leftovers = scratch_folders(cache, process.pid)
    assert leftovers, "a killed render cannot remove its scratch folder"

    again = run("render", SCENE, "--no-cache", "--out", str(previous), cache=cache)

    assert again.returncode == 0, again.stderr
    assert not any(path.exists() for path in leftovers)
    assert_complete_video(previous / f"{SCENE}.mp4")
    assert_no_temporaries(cache, previous)


@pytest.mark.slow
def test_render_killed_while_publishing_leaves_only_a_temporary(cache, previous):
    before = snapshot(previous)
    process = start_and_wait("publishing", cache, previous)

    interrupt(process, signal.SIGKILL)
    assert finish(process).returncode == -signal.SIGKILL

    leftovers = temporary_files(previous)
    assert [path.name.split(f".{process.pid}.")[0] for path in leftovers] == [
        f".{SCENE}.mp4"
    ]
    named = {name: data for name, data in snapshot(previous).items() if name in before}
    assert changed(before, named) == []
    assert_complete_video(previous / f"{SCENE}.mp4")

    again = run("render", SCENE, "--out", str(previous), cache=cache)

    assert again.returncode == 0, again.stderr
    assert changed(before, snapshot(previous)) == []
    assert_no_temporaries(cache, previous)


@pytest.mark.slow
def test_truncated_cache_entry_is_rendered_again(baseline, cache, tmp_path):
    # This render is also the check that renders are reproducible: made in
    # another process than the baseline, its files must be the same bytes.
    [entry_video] = (cache / "outputs").glob("*/video.mp4")
    whole = entry_video.read_bytes()
    entry_video.write_bytes(whole[: len(whole) // 2])
    out = tmp_path / "fresh"

    outcome = run("render", SCENE, "--out", str(out), cache=cache)

    assert outcome.returncode == 0, outcome.stderr
    assert "copied from the cache" not in outcome.stderr
    assert_complete_video(out / f"{SCENE}.mp4")
    assert entry_video.read_bytes() == whole
    assert changed(baseline.files, snapshot(out)) == []


# ---------------------------------------------------------------- concurrency

TOGETHER = [(SCENE,), (SCENE, *OTHER_LESSON), (OTHER_SCENE, *OTHER_LESSON)]
"""Renders started at once: the same scene with two lessons (both written
to one name), another scene with the same lesson as the second."""


@pytest.mark.slow
def test_renders_started_together_into_one_folder_all_succeed(cache, tmp_path):
    out = tmp_path / "shared"
    started = [
        start("render", *args, "--no-cache", "--out", str(out), cache=cache)
        for args in TOGETHER
    ]
    seen = set()
    deadline = time.monotonic() + 400
    while any(p.poll() is None for p in started) and time.monotonic() < deadline:
        seen.update(folder.name for folder in scratch_folders(cache))
        time.sleep(0.1)

    outcomes = [finish(process) for process in started]

    for outcome in outcomes:
        assert outcome.returncode == 0, outcome.stderr
        assert all(Path(line).is_file() for line in outcome.stdout.splitlines())
    for process in started:
        assert any(name.startswith(f"{process.pid}-") for name in seen)
    for name in (SCENE, OTHER_SCENE):
        assert_complete_video(out / f"{name}.mp4")
    assert_no_temporaries(cache, out)


# ---------------------------------------------------------------- reproducible


@pytest.mark.parametrize("fmt", FORMATS)
def test_values_are_byte_identical_across_processes(fmt, tmp_path):
    args = ("values", "--format", fmt, *OTHER_LESSON)

    first, second = (run(*args, cache=tmp_path / "cache") for _ in range(2))

    assert first.returncode == 0, first.stderr
    assert first.stdout
    assert first.stdout.encode() == second.stdout.encode()


@contextlib.contextmanager
def busy_cores():
    """Keep every core busy, as other jobs on a shared machine do."""
    spinners = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"])
        for _ in range(os.cpu_count() or 2)
    ]
    try:
        yield
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


@pytest.mark.slow
def test_mp4_is_byte_identical_on_a_busy_machine(baseline, cache, tmp_path):
    # With x264's macroblock tree on, most renders made like this differed
    # from the baseline in a few frames (see scenes.render.X264_OPTIONS)
    outs = [tmp_path / f"busy-{n}" for n in range(3)]
    with busy_cores():
        outcomes = [
            run("render", SCENE, "--no-cache", "--out", str(out), cache=cache)
            for out in outs
        ]

    for outcome, out in zip(outcomes, outs, strict=True):
        assert outcome.returncode == 0, outcome.stderr
        assert changed(baseline.files, snapshot(out)) == []


@pytest.mark.slow
def test_webm_is_a_valid_video(cache, tmp_path):
    out = tmp_path / "webm"

    outcome = run(
        "render",
        SCENE,
        "--format",
        "webm",
        "--no-cache",
        "--out",
        str(out),
        cache=cache,
    )

    assert outcome.returncode == 0, outcome.stderr
    assert_complete_video(out / f"{SCENE}.webm")


# ---------------------------------------------------------------- missing tools


def test_values_works_without_latex_and_dvisvgm(tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    env = {**os.environ, "PATH": str(empty), "QKANIM_CACHE_DIR": str(tmp_path / "c")}

    result = subprocess.run(
        [sys.executable, "cli.py", "values"],
        cwd=processes.REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "Let's" in result.stdout
    assert result.stderr == ""


# ---------------------------------------------------------------- bad input

SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=16,
)
"""Any JSON document, NaN and infinities included."""

NOT_INTEGERS = JSON.filter(lambda v: isinstance(v, bool) or not isinstance(v, int))

SIZES = st.integers(min_value=-2, max_value=6) | NOT_INTEGERS
"""Sizes stay small: see test_huge_sizes_are_refused_in_one_line."""

NUMBER = st.integers(min_value=-(10**20), max_value=10**20) | st.floats() | JSON
MATRIX = st.lists(st.lists(NUMBER, max_size=4), max_size=4) | JSON
HEAD = st.fixed_dictionaries(
    {}, optional={"query": MATRIX, "key": MATRIX, "value": MATRIX}
)
LESSONS = st.fixed_dictionaries(
    {},
    optional={
        "words": st.lists(st.text(max_size=6), max_size=5) | JSON,
        "embeddings": MATRIX,
        "weights": HEAD | JSON,
        "heads": st.lists(HEAD | JSON, max_size=3) | JSON,
        "scale": st.booleans() | JSON,
        "causal": st.booleans() | JSON,
        "seed": st.integers(min_value=-3, max_value=2**70) | NOT_INTEGERS,
        "d_model": SIZES,
        "d_head": SIZES,
        "n_heads": SIZES,
        "wieghts": JSON,
    },
)
"""Lesson-like objects: the known keys (and a misspelt one) holding any
value."""

DOCUMENTS = (LESSONS | JSON).map(json.dumps)
TEXTS = st.text() | st.binary()
"""Any text, and any bytes (mostly not UTF-8)."""

FUZZ = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def check_loads_or_refuses(result, refused_only: bool = False) -> None:
    """Exit 0 with output, or exit 2 with one ``Error:`` line; no traceback."""
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exception
    )
    assert "Traceback" not in result.output
    if result.exit_code == 0 and not refused_only:
        assert result.stdout
        return
    assert result.exit_code == 2, result.output
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("Error: ")


def invoke_on_lesson(command: list[str], content: str | bytes, **kwargs):
    """Run ``command --lesson FILE`` on a file holding ``content``.

    Gives the result and the names in the file's folder afterwards.
    """
    with tempfile.TemporaryDirectory() as folder:
        lesson = Path(folder) / "lesson.json"
        if isinstance(content, str):
            content = content.encode("utf-8")
        lesson.write_bytes(content)
        result = CliRunner().invoke(cli, [*command, "--lesson", str(lesson)], **kwargs)
        return result, sorted(p.name for p in Path(folder).iterdir())


@FUZZ
@given(document=DOCUMENTS | TEXTS)
@example(document='{"\\n": null}')
@example(document='{"words": ["a"], "weights": {"\\u2028": []}}')
def test_values_loads_or_refuses_any_lesson(document):
    result, names = invoke_on_lesson(["values", "--format", "json"], document)

    check_loads_or_refuses(result)
    assert names == ["lesson.json"]


@FUZZ
@given(words=st.text())
def test_values_loads_or_refuses_any_words(words):
    result = CliRunner().invoke(cli, ["values", "--words", words])

    check_loads_or_refuses(result)


@FUZZ
@given(document=DOCUMENTS | TEXTS, words=st.none() | st.text(max_size=30))
def test_render_refuses_bad_lessons_before_writing(document, words):
    # --out is a file, so a lesson that loads and fits is refused there:
    # every lesson reaches a one-line refusal and nothing is written.
    with tempfile.TemporaryDirectory() as folder:
        taken = Path(folder) / "taken"
        taken.write_text("x")
        cache = Path(folder) / "cache"
        command = ["render", SCENE, "--out", str(taken)]
        if words is not None:
            command += ["--words", words]

        result, names = invoke_on_lesson(
            command, document, env={"QKANIM_CACHE_DIR": str(cache)}
        )

        check_loads_or_refuses(result, refused_only=True)
        assert names == ["lesson.json"]
        assert taken.read_text() == "x"
        assert not cache.exists()


@pytest.mark.parametrize("key", ["d_model", "d_head", "n_heads"])
def test_huge_sizes_are_refused_in_one_line(tmp_path, key):
    lesson = tmp_path / "lesson.json"
    lesson.write_text(json.dumps({"words": ["a"], key: 10**12}), encoding="utf-8")

    result = CliRunner().invoke(cli, ["values", "--lesson", str(lesson)])

    check_loads_or_refuses(result, refused_only=True)


@pytest.fixture
def locked(tmp_path):
    """A folder that this user cannot write into, root included.

    Root ignores permission bits, so for root the folder is also made
    immutable with ``chattr +i`` (skipped where that is not possible).
    """
    folder = tmp_path / "locked"
    folder.mkdir(mode=0o555)
    immutable = os.geteuid() == 0
    if immutable:
        chattr = shutil.which("chattr")
        made = chattr and subprocess.run([chattr, "+i", str(folder)], check=False)
        if not made or made.returncode != 0:
            pytest.skip("cannot make a folder unwritable for root here")
    try:
        yield folder
    finally:
        if immutable:
            subprocess.run([shutil.which("chattr"), "-i", str(folder)], check=True)
        folder.chmod(0o755)


@pytest.mark.parametrize(
    ("where", "message"),
    [
        pytest.param("locked", "is not writable", id="unwritable"),
        pytest.param("locked/sub", "cannot create --out folder", id="in-unwritable"),
        pytest.param("lesson", "does not exist", id="missing-lesson"),
    ],
)
def test_unusable_paths_are_one_line(tmp_path, locked, where, message):
    out = tmp_path / "out" if where == "lesson" else tmp_path / where
    command = ["render", SCENE, "--format", "png", "--out", str(out)]
    if where == "lesson":
        command += ["--lesson", str(tmp_path / "missing.json")]

    outcome = run(*command, cache=tmp_path / "cache")

    assert outcome.returncode == 2, outcome.stderr
    assert len(outcome.stderr_lines) == 1, outcome.stderr
    assert message in outcome.stderr_lines[0]
    assert outcome.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["locked"]
    assert list(locked.iterdir()) == []
