"""Run ``cli.py`` in real processes, watch what they write, stop them.

The reliability tests start renders with :func:`start`, wait for a moment
worth interrupting with :func:`wait_for`, send a signal with
:func:`interrupt` and collect the outcome with :func:`finish`.

Run as ``python -m tests.processes ARGS...`` this module is ``cli.py`` with
one difference: when ``QKANIM_TEST_SLOW_COPIES`` names a folder, every copy
into that folder is written in small blocks with a pause after each, so
that publishing a file takes about a second and a test can interrupt it
midway. Nothing else changes: the same code publishes, the same signal
handlers run.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

REPO = Path(__file__).resolve().parent.parent

SLOW_COPIES_VARIABLE = "QKANIM_TEST_SLOW_COPIES"
"""Names the folder whose incoming copies are slowed down."""

SLOW_BLOCK = 32 * 1024
"""Bytes written between two pauses of a slowed copy."""

SLOW_PAUSE = 0.05
"""Seconds of each pause: a 640 KiB video takes about a second to publish."""

POLL = 0.02
"""Seconds between two looks at the folders a render writes."""

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome:
    """How a finished ``cli.py`` process ended."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def stderr_lines(self) -> list[str]:
        return self.stderr.strip().splitlines()


def start(
    *args: str, cache: Path, slow_copies_into: Path | None = None
) -> subprocess.Popen:
    """Start ``cli.py ARGS`` in its own session, with ``cache`` as its cache.

    Its own session makes it the leader of a process group that holds it
    and its workers, like a command typed in a terminal. Like such a
    command, it starts with Ctrl-C at its default even when the tests run
    as a background job, which inherits SIGINT ignored.
    """
    env = {**os.environ, "QKANIM_CACHE_DIR": str(cache)}
    env.pop(SLOW_COPIES_VARIABLE, None)
    command = [sys.executable, "cli.py", *args]
    if slow_copies_into is not None:
        env[SLOW_COPIES_VARIABLE] = str(slow_copies_into.resolve())
        command = [sys.executable, "-m", "tests.processes", *args]
    return subprocess.Popen(
        command,
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=_default_interrupt,
    )


def _default_interrupt() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run(*args: str, cache: Path, timeout: float = 300) -> Outcome:
    """Run ``cli.py ARGS`` to the end."""
    return finish(start(*args, cache=cache), timeout)


def finish(process: subprocess.Popen, timeout: float = 300) -> Outcome:
    """Wait for ``process`` to end; kill its whole group if it does not."""
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(process)
        stdout, stderr = process.communicate()
        raise AssertionError(
            f"cli.py did not end within {timeout} s; stderr:\n{stderr}"
        ) from None
    return Outcome(process.returncode, stdout, stderr)


def wait_for(
    condition: Callable[[], T],
    process: subprocess.Popen,
    timeout: float = 180,
    what: str = "the condition",
) -> T:
    """Poll ``condition`` until it gives a true value, and return that value.

    Fails when ``process`` ends first or ``timeout`` seconds pass, with the
    process's stderr in the message.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        if process.poll() is not None:
            outcome = finish(process)
            raise AssertionError(
                f"cli.py ended (status {outcome.returncode}) before {what}; "
                f"stderr:\n{outcome.stderr}"
            )
        time.sleep(POLL)
    kill_group(process)
    raise AssertionError(f"{what} did not happen within {timeout} s")


def interrupt(process: subprocess.Popen, signum: int) -> None:
    """Send ``signum`` as a user would.

    SIGINT goes to the whole process group, as Ctrl-C in a terminal does;
    SIGTERM and SIGKILL go to the main process only, as ``kill PID`` does.
    """
    if signum == signal.SIGINT:
        os.killpg(process.pid, signum)
    else:
        os.kill(process.pid, signum)


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL every process of the group that ``process`` leads."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def live_group_members(group: int) -> list[int]:
    """Processes of the process group ``group`` that have not exited.

    Zombies do not count: they have exited and only wait to be reaped.
    """
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        state, process_group = fields[0], int(fields[2])
        if process_group == group and state not in ("Z", "X"):
            members.append(int(stat.parent.name))
    return members


def wait_until_group_gone(group: int, timeout: float = 30) -> list[int]:
    """Wait for every process of ``group`` to exit; return any still alive."""
    deadline = time.monotonic() + timeout
    while (alive := live_group_members(group)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive


# ---------------------------------------------------------------- folders


def scratch_folders(cache: Path, pid: int | None = None) -> list[Path]:
    """The scratch folders in ``cache``, all or those of process ``pid``."""
    runs = cache / "runs"
    if not runs.is_dir():
        return []
    prefix = f"{pid}-" if pid is not None else ""
    return sorted(p for p in runs.iterdir() if p.name.startswith(prefix))


def partial_movies(cache: Path, pid: int) -> list[Path]:
    """Animation pieces Manim has started writing for process ``pid``."""
    return [
        path
        for folder in scratch_folders(cache, pid)
        for path in folder.rglob("partial_movie_files/**/*.mp4")
    ]


def temporary_files(folder: Path) -> list[Path]:
    """Files and folders that a publisher names ``.<name>.<pid>.part|old``."""
    if not folder.is_dir():
        return []
    pattern = re.compile(r"^\..+\.\d+\.(part|old)$")
    return sorted(p for p in folder.iterdir() if pattern.match(p.name))


def snapshot(folder: Path) -> dict[str, bytes]:
    """The name and bytes of every file directly in ``folder``."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def stat_key(path: Path) -> tuple[int, int, int] | None:
    """What changes when a file is rewritten or replaced."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns)


# ---------------------------------------------------------------- videos


@dataclass(frozen=True)
class VideoFacts:
    """What reading a whole video back with PyAV found."""

    width: int
    height: int
    frames: int
    duration: float


def read_video(path: Path) -> VideoFacts:
    """Decode every frame of ``path``; raises if any part of it is broken."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        duration = float(container.duration or 0) / av.time_base
        return VideoFacts(stream.width, stream.height, frames, duration)


def assert_complete_video(path: Path, fps: int = 15) -> VideoFacts:
    """Check ``path`` is a whole 480p video: every frame decodes, none lack."""
    facts = read_video(path)
    assert (facts.width, facts.height) == (854, 480), facts
    assert facts.duration > 1, facts
    assert abs(facts.frames - facts.duration * fps) <= 2, facts
    return facts


# ---------------------------------------------------------------- slow copies


def _slow_copies(folder: Path) -> None:
    """Make every copy into ``folder`` take about a second (see module doc)."""
    original = shutil.copyfile

    def copyfile(source, target, *, follow_symlinks=True):
        if Path(target).resolve().parent != folder:
            return original(source, target, follow_symlinks=follow_symlinks)
        with open(source, "rb") as reader, open(target, "wb") as writer:
            while block := reader.read(SLOW_BLOCK):
                writer.write(block)
                writer.flush()
                time.sleep(SLOW_PAUSE)
        return target

    shutil.copyfile = copyfile


if __name__ == "__main__":
    slow_folder = os.environ.get(SLOW_COPIES_VARIABLE)
    if slow_folder:
        _slow_copies(Path(slow_folder))
    sys.path.insert(0, str(REPO))
    import cli

    sys.exit(cli.main())
