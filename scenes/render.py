"""Render scenes of a lesson to finished files, one Manim run per scene.

Manim writes its scratch files (TeX, partial movies) into a private folder
under the cache; only the finished file is moved to the output folder, under
a temporary name first and then renamed, so that an output path never holds
half a file.
"""

from __future__ import annotations

import importlib
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import qkmath
from scenes import style
from scenes.registry import scene_info

logger = logging.getLogger("qkanim.render")

QUALITY_SETTINGS = {
    "low": "low_quality",
    "medium": "medium_quality",
    "high": "high_quality",
    "4k": "fourk_quality",
}
"""Our quality names to Manim's."""

CACHE_DIR = Path(__file__).resolve().parent.parent / ".qkanim-cache"
"""Scratch space: a shared TeX folder and one private folder per render."""

TOOLS = {
    "latex": "texlive-latex-base",
    "dvisvgm": "dvisvgm",
}
"""Programs Manim runs for formulas, and the Debian package of each."""


class RenderError(Exception):
    """A render that cannot start or finish; the message is one line."""


@dataclass(frozen=True)
class RenderJob:
    """Everything a render needs besides the scene names."""

    example: qkmath.WorkedExample
    quality: str = "low"
    fmt: str = "mp4"
    transparent: bool = False
    out_dir: Path = Path("media")
    verbose: bool = False


def check_tools() -> None:
    """Refuse to start when a program that formulas need is missing."""
    for program, package in TOOLS.items():
        if shutil.which(program) is None:
            raise RenderError(
                f"{program} is not installed: run `make setup` or `apt-get "
                f"install --no-install-recommends {package}`"
            )


def check_fits(example: qkmath.WorkedExample) -> None:
    """Refuse lessons that the scenes cannot lay out legibly."""
    limits = (
        (example.n_tokens, style.MAX_WORDS, "words"),
        (example.d_model, style.MAX_D_MODEL, "values per word (d_model)"),
        (
            max(head.d_head for head in example.heads),
            style.MAX_D_HEAD,
            "values per query and key (d_head)",
        ),
    )
    for count, most, what in limits:
        if count > most:
            raise RenderError(
                f"the scenes fit at most {most} {what}, this lesson has {count}; "
                "use a smaller lesson (`values` prints any size)"
            )


def prepare_out_dir(out_dir: Path) -> Path:
    """Create the output folder, or say in one line why it cannot be used."""
    if out_dir.exists() and not out_dir.is_dir():
        raise RenderError(f"--out {out_dir} is a file, not a folder")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise RenderError(
            f"cannot create --out folder {out_dir}: {error.strerror}"
        ) from None
    if not os.access(out_dir, os.W_OK | os.X_OK):
        raise RenderError(f"--out folder {out_dir} is not writable")
    return out_dir


def scene_class(name: str) -> type:
    """Import the scene called ``name`` from its module."""
    info = scene_info(name)
    return getattr(importlib.import_module(info.module), name)


def manim_settings(job: RenderJob, name: str, scratch: Path) -> dict:
    """Manim config for one scene rendered into ``scratch``."""
    return {
        "quality": QUALITY_SETTINGS[job.quality],
        "format": job.fmt,
        "transparent": job.transparent,
        "media_dir": str(scratch),
        "tex_dir": str(CACHE_DIR / "tex"),
        "text_dir": str(CACHE_DIR / "text"),
        "output_file": name,
        "disable_caching": True,
        "progress_bar": "display" if job.verbose else "none",
        "verbosity": "INFO" if job.verbose else "ERROR",
        "notify_outdated_version": False,
        "write_to_movie": job.fmt != "png",
        "save_last_frame": job.fmt == "png",
    }


def render_scene(name: str, job: RenderJob) -> Path:
    """Render one scene and move the result to ``job.out_dir``."""
    from manim import tempconfig

    (CACHE_DIR / "runs").mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=CACHE_DIR / "runs"))
    try:
        with tempconfig(manim_settings(job, name, scratch)):
            scene = scene_class(name)(example=job.example)
            scene.render()
            writer = scene.renderer.file_writer
            produced = (
                writer.image_file_path if job.fmt == "png" else writer.movie_file_path
            )
        target = job.out_dir / f"{name}.{job.fmt}"
        publish(Path(produced), target)
        return target
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def publish(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` so that ``target`` is never partial."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        shutil.copyfile(source, temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def render_scenes(names: list[str], job: RenderJob) -> Iterator[Path]:
    """Render each scene in turn, yielding each finished path.

    Progress goes to stderr, one line per scene.
    """
    check_tools()
    check_fits(job.example)
    prepare_out_dir(job.out_dir)
    for index, name in enumerate(names, start=1):
        started = time.monotonic()
        print(
            f"[{index}/{len(names)}] rendering {name} ...", file=sys.stderr, flush=True
        )
        try:
            path = render_scene(name, job)
        except (RenderError, KeyboardInterrupt):
            raise
        except Exception as error:
            if job.verbose:
                raise
            reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
            raise RenderError(
                f"rendering {name} failed: {type(error).__name__}"
                f"{': ' + reason if reason else ''} (run with --verbose for details)"
            ) from None
        logger.debug("rendered %s to %s", name, path)
        print(
            f"[{index}/{len(names)}] {name} done in {time.monotonic() - started:.1f} s",
            file=sys.stderr,
            flush=True,
        )
        yield path
