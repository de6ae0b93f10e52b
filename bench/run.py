"""Benchmark qkanim against its floor and against Manim's own command.

Run from the repository root (takes a while; the machine should be idle)::

    .venv/bin/python bench/run.py                 # everything, 3 runs each
    .venv/bin/python bench/run.py --runs 1 --qualities low

Prints one Markdown table per question; every figure is the median of
``--runs`` runs and every comparison a ratio of figures measured in this
run. Each render runs in its own process; peak memory is that process's
maximum resident set size.

The floor of a render is what any renderer of the same video must spend:
encoding the same number of frames at the same size with PyAV alone, plus
cairo drawing the scene's final frame that many times.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = str(REPO / ".venv" / "bin" / "python")
MANIM = str(REPO / ".venv" / "bin" / "manim")
QUALITY_FLAGS = {"low": "-ql", "medium": "-qm", "high": "-qh", "4k": "-qk"}


@dataclass(frozen=True)
class Run:
    """One process: wall-clock seconds and peak resident memory in MiB."""

    seconds: float
    peak_mib: float


def run(command: list[str], env: dict | None = None) -> Run:
    """Run ``command`` to completion; fail loudly if it fails."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    stderr = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    process.stderr.close()
    if process.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{stderr.decode(errors='replace')}")
    return Run(seconds, usage.ru_maxrss / 1024)


def median_run(command: list[str], runs: int, env: dict | None = None, before=None):
    """Median seconds and largest peak memory over ``runs`` runs."""
    results = []
    for _ in range(runs):
        if before is not None:
            before()
        results.append(run(command, env))
    return Run(
        statistics.median(r.seconds for r in results),
        max(r.peak_mib for r in results),
    )


def table(title: str, header: list[str], rows: list[list[str]]) -> None:
    print(f"\n### {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    sys.stdout.flush()


# ---------------------------------------------------------------- the floor


def video_facts(path: Path) -> tuple[int, int, int, float]:
    """(frames, width, height, frame rate) of a video, counted by decoding."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        return frames, stream.width, stream.height, float(stream.average_rate)


def encode_floor(poster: Path, frames: int, rate: float) -> float:
    """Seconds for PyAV alone to encode ``frames`` copies of the poster.

    With the encoder settings that ``render`` uses, so that the floor is
    what any renderer of the same file must spend.
    """
    import av
    import numpy as np
    from PIL import Image

    from scenes.render import ENCODER_OPTIONS

    with Image.open(poster) as image:
        pixels = np.array(image.convert("RGB"))
    with tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        with av.open(str(Path(scratch) / "floor.mp4"), mode="w") as container:
            stream = container.add_stream(
                "libx264", rate=round(rate), options=ENCODER_OPTIONS["mp4"]
            )
            stream.pix_fmt = "yuv420p"
            stream.height, stream.width = pixels.shape[:2]
            for _ in range(frames):
                frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
                container.mux(stream.encode(frame))
            container.mux(stream.encode(None))
        return time.perf_counter() - started


def draw_floor(scene_name: str, quality: str, frames: int, samples: int = 20) -> float:
    """Seconds for cairo to draw the scene's final frame ``frames`` times.

    The final frame is drawn ``samples`` times and the mean scaled up.
    """
    from manim import tempconfig

    import qkmath
    from scenes.render import QUALITY_SETTINGS, scene_class

    with (
        tempfile.TemporaryDirectory() as scratch,
        tempconfig(
            {
                "quality": QUALITY_SETTINGS[quality],
                "media_dir": scratch,
                "disable_caching": True,
                "progress_bar": "none",
                "verbosity": "ERROR",
                "write_to_movie": False,
                "save_last_frame": True,
                "format": "png",
                "output_file": scene_name,
            }
        ),
    ):
        scene = scene_class(scene_name)(example=qkmath.compute(qkmath.default_lesson()))
        scene.render()
        camera = scene.renderer.camera
        started = time.perf_counter()
        for _ in range(samples):
            camera.reset()
            camera.capture_mobjects(scene.mobjects)
        return (time.perf_counter() - started) / samples * frames


def floor_seconds(
    scene: str, quality: str, frames: int, rate: float, poster: Path
) -> float:
    """The floor of one render, measured in a process of its own.

    Measuring it here would grow this process by the size of a Manim
    render, and every process it starts afterwards would report that size
    as its own peak: Linux counts the memory of the process that ``exec``
    replaced in the peak of the new program.
    """
    command = [PYTHON, __file__, "--floor", scene, quality, str(frames), str(rate)]
    done = subprocess.run(
        [*command, str(poster)], cwd=REPO, capture_output=True, text=True, check=True
    )
    return float(done.stdout.split()[-1])


# ---------------------------------------------------------------- questions


def instant_commands(runs: int) -> None:
    baseline = median_run([PYTHON, "-c", "import click, numpy"], runs)
    rows = [['`python -c "import click, numpy"`', f"{baseline.seconds:.3f}", "1.00"]]
    for args in (["values"], ["--help"], ["list"]):
        result = median_run([PYTHON, "cli.py", *args], runs)
        rows.append(
            [
                f"`python cli.py {' '.join(args)}`",
                f"{result.seconds:.3f}",
                f"{result.seconds / baseline.seconds:.2f}",
            ]
        )
    table(
        "Commands that only compute (target: values at most 1.5x)",
        ["command", "seconds", "ratio to import click, numpy"],
        rows,
    )


def renders(scenes: list[str], qualities: list[str], runs: int, out: Path) -> None:
    rows = []
    for quality in qualities:
        for scene in scenes:
            target = out / quality
            command = [
                PYTHON,
                "cli.py",
                "render",
                scene,
                "--quality",
                quality,
                "--out",
                str(target),
                "--jobs",
                "1",
            ]
            cold = median_run([*command, "--no-cache"], runs)
            # The cold runs above refreshed the cache: this is a pure hit.
            again = median_run(command, runs)
            frames, _width, height, rate = video_facts(target / f"{scene}.mp4")
            floor = floor_seconds(scene, quality, frames, rate, target / f"{scene}.png")
            rows.append(
                [
                    scene,
                    f"{quality} {height}p{round(rate)}",
                    str(frames),
                    f"{cold.seconds:.1f}",
                    f"{cold.peak_mib:.0f}",
                    f"{floor:.1f}",
                    f"{cold.seconds / floor:.2f}",
                    f"{again.seconds:.2f}",
                    f"{again.seconds / cold.seconds:.1%}",
                ]
            )
    table(
        "Renders: cold (empty output cache, warm LaTeX), floor, and again "
        "with nothing changed (targets: lesson at low within 3x its floor, "
        "peak under 1 GiB at 1080p60, again at most 5%)",
        [
            "scene",
            "quality",
            "frames",
            "cold s",
            "peak MiB",
            "floor s",
            "cold / floor",
            "again s",
            "again / cold",
        ],
        rows,
    )


def latex_cold(scene: str, runs: int) -> None:
    """The same cold render with an empty SVG store as well."""
    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as out:

        def empty_cache():
            shutil.rmtree(cache, ignore_errors=True)
            os.makedirs(cache)

        result = median_run(
            [PYTHON, "cli.py", "render", scene, "--out", out, "--jobs", "1"],
            runs,
            env={"QKANIM_CACHE_DIR": cache},
            before=empty_cache,
        )
    table(
        "LaTeX cold: empty output cache, empty store of formulas and texts",
        ["scene", "quality", "seconds"],
        [[scene, "low", f"{result.seconds:.1f}"]],
    )


def parallel(runs: int, out: Path) -> None:
    times = {}
    for jobs in (1, 2):
        times[jobs] = median_run(
            [
                PYTHON,
                "cli.py",
                "render",
                "--all",
                "--no-cache",
                "--out",
                str(out / f"jobs{jobs}"),
                "--jobs",
                str(jobs),
            ],
            runs,
        )
    table(
        "Every scene at low quality (target: --jobs 2 at least 1.6x faster)",
        ["command", "seconds", "peak MiB", "speed-up"],
        [
            [
                f"`render --all --jobs {jobs}`",
                f"{times[jobs].seconds:.1f}",
                f"{times[jobs].peak_mib:.0f}",
                f"{times[1].seconds / times[jobs].seconds:.2f}x",
            ]
            for jobs in (1, 2)
        ],
    )


def against_manim(scenes: list[str], runs: int) -> None:
    from scenes.registry import scene_info

    rows = []
    for scene in scenes:
        with tempfile.TemporaryDirectory() as media:
            manim_command = [
                MANIM,
                "render",
                "-ql",
                "--disable_caching",
                "--media_dir",
                media,
                scene_info(scene).path,
                scene,
            ]
            run(manim_command)  # warm Manim's own TeX and text folders

            def empty_videos(media=media):
                shutil.rmtree(Path(media) / "videos", ignore_errors=True)

            theirs = median_run(manim_command, runs, before=empty_videos)
        with tempfile.TemporaryDirectory() as out:

            def empty_out(out=out):
                shutil.rmtree(out, ignore_errors=True)

            ours = median_run(
                [
                    PYTHON,
                    "cli.py",
                    "render",
                    scene,
                    "--out",
                    out,
                    "--no-cache",
                    "--jobs",
                    "1",
                ],
                runs,
                before=empty_out,
            )
        rows.append(
            [
                scene,
                f"{theirs.seconds:.1f}",
                f"{ours.seconds:.1f}",
                f"{ours.seconds / theirs.seconds:.2f}",
            ]
        )
    table(
        "One scene at low quality: `cli.py render` against "
        "`manim -ql --disable_caching` (target: at most 0.8)",
        ["scene", "manim s", "cli.py s", "ratio"],
        rows,
    )


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def main(argv: list[str] | None = None) -> int:
    from scenes.registry import SCENES

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure")
    parser.add_argument(
        "--qualities", default="low,high", help="comma-separated (default low,high)"
    )
    parser.add_argument(
        "--scenes", default="", help="comma-separated scene names (default: all)"
    )
    parser.add_argument(
        "--skip",
        default="",
        help="comma-separated parts to skip: commands,renders,latex,jobs,manim",
    )
    parser.add_argument("--floor", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.floor:
        scene, quality, frames, rate, poster = args.floor
        seconds = encode_floor(Path(poster), int(frames), float(rate))
        print(seconds + draw_floor(scene, quality, int(frames)))
        return 0
    scenes = args.scenes.split(",") if args.scenes else [i.name for i in SCENES]
    skip = set(filter(None, args.skip.split(",")))
    print(f"Measured on {machine()}, {time.strftime('%Y-%m-%d')}, {args.runs} runs.")
    with tempfile.TemporaryDirectory() as out:
        if "commands" not in skip:
            instant_commands(max(args.runs, 5))
        if "renders" not in skip:
            renders(scenes, args.qualities.split(","), args.runs, Path(out))
        if "latex" not in skip:
            latex_cold("ComputeQueryValues", args.runs)
        if "manim" not in skip:
            against_manim(["ShowPositionalEncoding", "ComputeQueryValues"], args.runs)
        if "jobs" not in skip:
            parallel(max(1, args.runs // 2), Path(out))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main())
