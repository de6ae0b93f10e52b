"""Render scenes of a lesson to finished files.

What a user can rely on, and how it is kept:

* **Nothing half-written under an output's name.** Manim renders into a
  private scratch folder under the cache; finished files are copied into
  the output folder under a temporary name, then renamed.
* **Unchanged renders are copies.** Each scene's files are kept in an
  output cache keyed by everything that decides them (the lesson's values,
  the source of the scene and of what it imports, quality, format and the
  versions of the tools). A hit is verified byte for byte against its
  manifest and copied without importing Manim.
* **Renders do not share scratch space.** Each scene gets its own Manim
  media folder and its own TeX and text folders, seeded from a shared store
  of finished SVGs; new SVGs join the store only after a render succeeds,
  by an atomic link, so a killed run never leaves a half-written one there.
* **Parallel scenes.** With ``jobs > 1`` scenes render in worker processes,
  longest first; the parent prints one progress display.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import importlib
import importlib.metadata
import json
import multiprocessing
import os
import queue
import re
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import qkmath
from scenes import stopping
from scenes.registry import SCENES, scene_info

REPO = Path(__file__).resolve().parent.parent
"""The repository root: scene sources are read from here for cache keys."""

CACHE_DIR = REPO / ".qkanim-cache"
"""Scratch space, the SVG store and the output cache, unless
``QKANIM_CACHE_DIR`` names another folder (see :func:`cache_dir`)."""

QUALITY_SETTINGS = {
    "low": "low_quality",
    "medium": "medium_quality",
    "high": "high_quality",
    "4k": "fourk_quality",
}
"""Our quality names to Manim's."""

VIDEO_FORMATS = ("mp4", "webm", "gif", "mov")
"""Formats with motion; ``png`` is the last frame only."""

TOOLS = {
    "latex": "texlive-latex-base",
    "dvisvgm": "dvisvgm",
}
"""Programs Manim runs for formulas, and the Debian package of each."""

X264_OPTIONS = {"bf": "0"}
"""Settings every H.264 encode gets: no B-frames. With them, x264 (as built
into PyAV 18) gave other bytes for the same frames now and then on an idle
machine and in most renders on a busy one, always in one animation. Its
adaptive B-frame choice reads memory that nothing has written, so the
result depends on what earlier allocations left there, which depends on
how the threads happened to run. (Filling fresh memory with a fixed byte
also made the bytes steady, which points there, but cost a quarter of the
render time at 1080p.) Without B-frames every encode came out the same,
for about 6% larger files."""

ENCODER_OPTIONS = {
    "mp4": {"crf": "23", "preset": "veryfast", **X264_OPTIONS},
    "mov": X264_OPTIONS,
    "webm": {"crf": "30", "b": "0", "deadline": "good", "cpu-used": "5", "row-mt": "1"},
}
"""Encoder settings by format (a transparent MOV and the MOV behind a GIF
are qtrle, which needs none). x264's ``veryfast`` preset
encodes several times faster than its default for a few per cent more
bytes on these flat, mostly still frames."""

CACHE_FORMAT = "3"
"""Bumped when the layout of a cache entry changes."""

VERSIONED_PACKAGES = ("manim", "manimpango", "pycairo", "av", "numpy", "pillow")
"""Packages whose versions are part of every cache key."""


class RenderError(Exception):
    """A render that cannot start or finish; the message is one line."""


class Stopped(BaseException):
    """SIGTERM in a worker process: unwind so that cleanup runs."""


@dataclass(frozen=True)
class RenderJob:
    """Everything a render needs besides the scene names."""

    example: qkmath.WorkedExample
    quality: str = "low"
    fmt: str = "mp4"
    transparent: bool = False
    out_dir: Path = Path("media")
    verbose: bool = False
    sections: bool = False
    jobs: int = 1
    use_cache: bool = True


@dataclass(frozen=True)
class Rendered:
    """What one scene produced.

    Attributes
    ----------
    scene
        The scene's class name.
    files
        Every file written to the output folder; the video (or PNG) first.
    chapters
        ``(name, start, end)`` of each named step, in seconds.
    cached
        Whether the files were copied from the output cache.
    """

    scene: str
    files: tuple[Path, ...]
    chapters: tuple[tuple[str, float, float], ...] = ()
    cached: bool = False

    @property
    def path(self) -> Path:
        return self.files[0]

    def output(self, suffix: str) -> Path | None:
        """The written file whose name ends with ``suffix``, if any."""
        for path in self.files:
            if path.name == self.scene + suffix:
                return path
        return None


# ---------------------------------------------------------------- cache folders


def cache_dir() -> Path:
    """The folder of scratch space, the SVG store and the output cache.

    :data:`CACHE_DIR`, unless the environment variable ``QKANIM_CACHE_DIR``
    names another folder. The tests set it so that their renders, kills and
    corrupted entries stay out of the checkout's cache. Read at each call,
    so that importing this module reads nothing.
    """
    return Path(os.environ.get("QKANIM_CACHE_DIR") or CACHE_DIR)


def runs_dir() -> Path:
    """One private Manim media folder per scene being rendered."""
    return cache_dir() / "runs"


def store_dir() -> Path:
    """Finished TeX and text SVGs shared by every render on this machine."""
    return cache_dir() / "store"


def outputs_dir() -> Path:
    """Finished files of earlier renders, one folder per cache key."""
    return cache_dir() / "outputs"


# ---------------------------------------------------------------- checks


def check_tools() -> None:
    """Refuse to start when a program that formulas need is missing."""
    for program, package in TOOLS.items():
        if shutil.which(program) is None:
            raise RenderError(
                f"{program} is not installed: run `make setup` or `apt-get "
                f"install --no-install-recommends {package}`"
            )


def check_fits(example: qkmath.WorkedExample, names: Sequence[str] = ()) -> None:
    """Refuse lessons that the scenes cannot lay out legibly."""
    from scenes.limits import too_large

    reason = too_large(example, names)
    if reason is not None:
        raise RenderError(reason)


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


# ---------------------------------------------------------------- cache keys


def scene_class(name: str) -> type:
    """Import the scene called ``name`` from its module."""
    info = scene_info(name)
    return getattr(importlib.import_module(info.module), name)


def _module_path(module: str) -> Path:
    return REPO / (module.replace(".", "/") + ".py")


SCENES_IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+scenes(?:\.(?P<module>\w+))?[ \t]+import[ \t]+"
    r"(?P<names>\([^)]*\)|[^\n]*)|import[ \t]+scenes\.(?P<imported>\w+))",
    re.MULTILINE,
)
"""An import of a ``scenes`` module, at any indentation. Read with a regular
expression rather than by parsing: a cache hit must stay cheap, and a match
inside a string only makes a cache key depend on one file more."""


def _project_imports(path: Path) -> set[str]:
    """The ``scenes`` modules that the file at ``path`` imports."""
    found = set()
    for match in SCENES_IMPORT.finditer(path.read_text(encoding="utf-8")):
        module = match["module"] or match["imported"]
        if module:
            found.add(f"scenes.{module}")
        else:
            found.update(
                f"scenes.{name}" for name in re.findall(r"\w+", match["names"])
            )
    return {m for m in found if _module_path(m).exists()}


def scene_sources(name: str) -> list[Path]:
    """Every source file that decides what the scene draws.

    The scene's module, the ``scenes`` modules it imports (followed
    transitively), this module, and all of ``qkmath``.
    """
    todo = [scene_info(name).module, __name__]
    seen: set[str] = set()
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        todo.extend(_project_imports(_module_path(module)) - seen)
    paths = {_module_path(m) for m in seen}
    paths.update((REPO / "qkmath").glob("*.py"))
    return sorted(paths)


def _versions() -> dict[str, str]:
    versions = {}
    for package in VERSIONED_PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = "absent"
    return versions


def cache_key(name: str, job: RenderJob) -> str:
    """A digest of everything that decides the files of one scene."""
    digest = hashlib.sha256()
    facts = {
        "cache_format": CACHE_FORMAT,
        "scene": name,
        "values": job.example.to_dict(),
        "seed": job.example.lesson.seed,
        "quality": job.quality,
        "format": job.fmt,
        "transparent": job.transparent,
        "sections": job.sections,
        "versions": _versions(),
    }
    digest.update(json.dumps(facts, sort_keys=True).encode())
    for path in scene_sources(name):
        digest.update(str(path.relative_to(REPO)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:32]


# ---------------------------------------------------------------- cache entries


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _entry_files(entry: Path) -> list[Path]:
    return sorted(
        p for p in entry.rglob("*") if p.is_file() and p.name != "manifest.json"
    )


def seal_entry(
    entry: Path,
    chapters: Sequence[tuple[str, float, float]],
    section_files: Sequence[str] = (),
) -> None:
    """Write the manifest that makes a cache entry trusted: last, atomically."""
    manifest = {
        "files": {
            str(p.relative_to(entry)): [p.stat().st_size, _sha256(p)]
            for p in _entry_files(entry)
        },
        "chapters": [list(c) for c in chapters],
        "section_files": list(section_files),
    }
    _write_text_atomic(entry / "manifest.json", json.dumps(manifest, indent=1))


def read_entry(entry: Path) -> dict | None:
    """The manifest of a complete, intact cache entry, else None.

    Every file is checked against the size and digest in the manifest, so a
    file that a killed run half-wrote, or that was changed since, is never
    used.
    """
    try:
        manifest = json.loads((entry / "manifest.json").read_text(encoding="utf-8"))
        files = manifest["files"]
        present = {str(p.relative_to(entry)) for p in _entry_files(entry)}
        if present != set(files):
            return None
        for relative, (size, digest) in files.items():
            path = entry / relative
            if path.stat().st_size != size or _sha256(path) != digest:
                return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return manifest


def _write_text_atomic(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


# ---------------------------------------------------------------- publishing


def publish(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` so that ``target`` is never partial."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        shutil.copyfile(source, temporary)
        stopping.check()
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def publish_folder(source: Path, target: Path) -> None:
    """Replace the folder ``target`` by a copy of ``source``, whole."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.part")
    old = target.with_name(f".{target.name}.{os.getpid()}.old")
    try:
        shutil.copytree(source, temporary)
        stopping.check()
        if target.exists():
            os.replace(target, old)
        os.replace(temporary, target)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)


def publish_entry(name: str, entry: Path, manifest: dict, job: RenderJob) -> Rendered:
    """Copy a cache entry's files to the output folder under the scene's name."""
    out = job.out_dir
    chapters = tuple(tuple(c) for c in manifest["chapters"])
    written = []
    main = entry / f"video.{job.fmt}"
    target = out / f"{name}.{job.fmt}"
    publish(main, target)
    written.append(target)
    for role, suffix in (("poster.png", ".png"), ("captions.srt", ".srt")):
        if (entry / role).exists() and not (role == "poster.png" and job.fmt == "png"):
            target = out / f"{name}{suffix}"
            publish(entry / role, target)
            written.append(target)
    if (entry / "captions.vtt").exists():
        target = out / f"{name}.vtt"
        publish(entry / "captions.vtt", target)
        written.append(target)
    if (entry / "sections").is_dir():
        folder = out / f"{name}.sections"
        publish_folder(entry / "sections", folder)
        index = [
            {
                "name": chapter_name,
                "start": round(start, 3),
                "duration": round(end - start, 3),
                "file": f"{folder.name}/{clip}",
            }
            for (chapter_name, start, end), clip in zip(
                chapters, manifest.get("section_files", []), strict=False
            )
        ]
        target = out / f"{name}.sections.json"
        _write_text_atomic(target, json.dumps(index, indent=2, ensure_ascii=False))
        written.append(target)
    return Rendered(name, tuple(written), chapters, cached=False)


# ---------------------------------------------------------------- rendering


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_leftovers(out_dir: Path | None = None) -> None:
    """Delete scratch and temporary files of renders that no longer run."""
    pattern = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.(?:part|old)$")
    runs, store = runs_dir(), store_dir()
    places = [runs, outputs_dir(), store / "tex", store / "text", store / "glyphs"]
    if out_dir is not None:
        places.append(out_dir)
    for place in places:
        if not place.is_dir():
            continue
        for path in place.iterdir():
            match = pattern.match(path.name)
            pid = int(match["pid"]) if match else None
            if pid is None and place == runs:
                run = re.match(r"^(?P<pid>\d+)-", path.name)
                pid = int(run["pid"]) if run else None
            if pid is None or _alive(pid):
                continue
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def _seed_folder(kind: str, folder: Path) -> None:
    """Give a private TeX or text folder every finished SVG of the store."""
    folder.mkdir(parents=True, exist_ok=True)
    store = store_dir() / kind
    if not store.is_dir():
        return
    for svg in store.glob("*.svg"):
        try:
            os.link(svg, folder / svg.name)
        except OSError:
            shutil.copyfile(svg, folder / svg.name)


def _promote_svgs(kind: str, folder: Path) -> None:
    """Share the SVGs this render made; each appears whole or not at all."""
    store = store_dir() / kind
    store.mkdir(parents=True, exist_ok=True)
    for svg in folder.glob("*.svg"):
        target = store / svg.name
        if target.exists():
            continue
        temporary = store / f".{svg.name}.{os.getpid()}.part"
        try:
            shutil.copyfile(svg, temporary)
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)


def manim_settings(job: RenderJob, name: str, scratch: Path) -> dict:
    """Manim config for one scene rendered into ``scratch``."""
    return {
        "quality": QUALITY_SETTINGS[job.quality],
        # A GIF is made from a lossless MOV (see scenes/gif.py)
        "format": "mov" if job.fmt == "gif" else job.fmt,
        "transparent": job.transparent,
        "media_dir": str(scratch / "media"),
        "tex_dir": str(scratch / "tex"),
        "text_dir": str(scratch / "text"),
        "output_file": name,
        "disable_caching": True,
        "progress_bar": "display" if job.verbose else "none",
        "verbosity": "INFO" if job.verbose else "ERROR",
        "notify_outdated_version": False,
        "write_to_movie": job.fmt != "png",
        "save_last_frame": job.fmt == "png",
        "save_sections": job.sections,
        # A transparent MOV is qtrle, not H.264
        "video_encoder_options": (
            {}
            if job.fmt == "mov" and job.transparent
            else ENCODER_OPTIONS.get(job.fmt, {})
        ),
        **(
            {"video_codec": "qtrle", "pixel_format": "rgb24"}
            if job.fmt == "gif"
            else {}
        ),
    }


def srt_to_vtt(srt_text: str) -> str:
    """The same captions as WebVTT, for ``<track>`` on web pages."""
    lines = ["WEBVTT", ""]
    for block in srt_text.strip().split("\n\n"):
        rows = block.strip().splitlines()
        if len(rows) < 3:
            continue
        lines.append(rows[1].replace(",", "."))
        lines.extend(rows[2:])
        lines.append("")
    return "\n".join(lines)


def render_into_entry(name: str, job: RenderJob, entry: Path, scratch: Path) -> None:
    """Run Manim for one scene and gather its files into ``entry``."""
    from manim import tempconfig
    from PIL import Image

    for kind in ("tex", "text"):
        _seed_folder(kind, scratch / kind)
    with tempconfig(manim_settings(job, name, scratch)):
        scene = scene_class(name)(example=job.example)
        scene.render()
        writer = scene.renderer.file_writer
        if job.fmt == "png":
            shutil.copyfile(writer.image_file_path, entry / "video.png")
        else:
            _finish_video(Path(writer.movie_file_path), entry / f"video.{job.fmt}")
            frame = scene.renderer.get_frame()
            Image.fromarray(frame).save(entry / "poster.png")
            srt = Path(writer.movie_file_path).with_suffix(".srt")
            if srt.exists():
                text = srt.read_text(encoding="utf-8")
                (entry / "captions.srt").write_text(text, encoding="utf-8")
                (entry / "captions.vtt").write_text(srt_to_vtt(text), encoding="utf-8")
        section_files = []
        if job.sections and job.fmt != "png":
            (entry / "sections").mkdir()
            for number, section in enumerate(
                s for s in writer.sections if s.video is not None
            ):
                clip = f"{number + 1:02d}-{_slug(section.name)}.{job.fmt}"
                _finish_video(
                    writer.sections_output_dir / section.video,
                    entry / "sections" / clip,
                )
                section_files.append(clip)
        chapters = scene.chapters()
    for kind in ("tex", "text"):
        _promote_svgs(kind, scratch / kind)
    seal_entry(entry, chapters, section_files)


def _finish_video(produced: Path, target: Path) -> None:
    """Copy Manim's video, or turn its lossless MOV into a GIF."""
    if target.suffix == ".gif" and produced.suffix != ".gif":
        from scenes.gif import write_gif

        write_gif(produced, target)
    else:
        shutil.copyfile(produced, target)


def _slug(text: str) -> str:
    slug = re.sub(r"[^\w]+", "-", text.lower(), flags=re.UNICODE).strip("-")
    return slug[:60] or "section"


def cached(name: str, job: RenderJob) -> Rendered | None:
    """Publish the scene from the output cache if an intact entry exists."""
    if not job.use_cache:
        return None
    entry = outputs_dir() / cache_key(name, job)
    manifest = read_entry(entry)
    if manifest is None:
        return None
    rendered = publish_entry(name, entry, manifest, job)
    return Rendered(rendered.scene, rendered.files, rendered.chapters, cached=True)


def render_scene(name: str, job: RenderJob, look_in_cache: bool = True) -> Rendered:
    """Render one scene (or copy it from the cache) into ``job.out_dir``."""
    hit = cached(name, job) if look_in_cache else None
    if hit is not None:
        return hit
    runs_dir().mkdir(parents=True, exist_ok=True)
    outputs_dir().mkdir(parents=True, exist_ok=True)
    key = cache_key(name, job)
    scratch = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-{name}-", dir=runs_dir()))
    entry = scratch / "entry"
    entry.mkdir()
    try:
        render_into_entry(name, job, entry, scratch)
        stopping.check()
        # Kept even with use_cache off: --no-cache refreshes the cache
        _store_entry(entry, outputs_dir() / key)
        manifest = json.loads((entry / "manifest.json").read_text(encoding="utf-8"))
        return publish_entry(name, entry, manifest, job)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _store_entry(entry: Path, final: Path) -> None:
    """Keep a finished entry in the output cache, whole or not at all."""
    temporary = final.with_name(f".{final.name}.{os.getpid()}.part")
    try:
        shutil.copytree(entry, temporary)
        if final.exists() and read_entry(final) is None:
            shutil.rmtree(final, ignore_errors=True)
        with contextlib.suppress(OSError):
            # Fails when another render of the same inputs got there first.
            os.replace(temporary, final)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def _one_line(name: str, error: BaseException) -> str:
    reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return (
        f"rendering {name} failed: {type(error).__name__}"
        f"{': ' + reason if reason else ''} (run with --verbose for details)"
    )


# ---------------------------------------------------------------- many scenes


@dataclass
class Progress:
    """One progress display on stderr for every scene of a render."""

    total: int
    stream: object = field(default_factory=lambda: sys.stderr)
    started: dict[str, float] = field(default_factory=dict)
    finished: int = 0

    def start(self, name: str) -> None:
        self.started[name] = time.monotonic()
        self._say(f"{name}: rendering ...")

    def done(self, rendered: Rendered) -> None:
        self.finished += 1
        if rendered.cached:
            self._say(f"{rendered.scene}: unchanged, copied from the cache")
        else:
            took = time.monotonic() - self.started.get(rendered.scene, time.monotonic())
            self._say(f"{rendered.scene}: done in {took:.1f} s")

    def _say(self, text: str) -> None:
        print(f"[{self.finished}/{self.total}] {text}", file=self.stream, flush=True)


def render_scenes(names: Sequence[str], job: RenderJob) -> Iterator[Rendered]:
    """Render each scene, yielding each as soon as its files are written.

    Scenes whose inputs have not changed are copied from the cache first;
    the rest render in this process, or in ``job.jobs`` worker processes.
    """
    check_tools()
    check_fits(job.example, names)
    prepare_out_dir(job.out_dir)
    remove_leftovers(job.out_dir)
    progress = Progress(len(names))
    todo = []
    for name in names:
        hit = cached(name, job)
        if hit is None:
            todo.append(name)
        else:
            progress.done(hit)
            yield hit
    workers = min(job.jobs, len(todo))
    if workers <= 1:
        for name in todo:
            progress.start(name)
            rendered = _render_reporting(name, job)
            progress.done(rendered)
            yield rendered
    else:
        yield from _render_in_workers(todo, job, workers, progress)


def _render_reporting(name: str, job: RenderJob) -> Rendered:
    try:
        return render_scene(name, job, look_in_cache=False)
    except (RenderError, KeyboardInterrupt):
        raise
    except Exception as error:
        if job.verbose:
            raise
        raise RenderError(_one_line(name, error)) from None


def _longest_first(names: Sequence[str]) -> list[str]:
    order = {info.name: index for index, info in enumerate(SCENES)}
    return sorted(names, key=lambda n: (n != "AttentionLesson", order.get(n, 0)))


def _worker(tasks, results, job: RenderJob) -> None:
    """Render scenes from ``tasks`` until it gives None; report to ``results``.

    The blocking ``get`` matters: a queue's items reach a new process a
    moment after ``put``, so ``get_nowait`` could find it empty and leave
    scenes unrendered.
    """
    stopping.install(Stopped, ctrl_c=False)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        while (name := tasks.get()) is not None:
            stopping.check()
            results.put(("start", name, None))
            try:
                rendered = render_scene(name, job, look_in_cache=False)
                results.put(("done", name, rendered))
            except Exception as error:
                results.put(("error", name, _one_line(name, error)))
                return
    except Stopped:
        return
    finally:
        # Past this point there is nothing to clean up: a stop may just kill.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _render_in_workers(
    names: Sequence[str], job: RenderJob, workers: int, progress: Progress
) -> Iterator[Rendered]:
    context = multiprocessing.get_context("fork")
    tasks, results = context.Queue(), context.Queue()
    for name in _longest_first(names):
        tasks.put(name)
    for _ in range(workers):
        tasks.put(None)
    processes = [
        context.Process(target=_worker, args=(tasks, results, job), daemon=True)
        for _ in range(workers)
    ]
    # A worker starts as a copy of this process, garbage included. If the
    # worker's collector finalises objects it inherited, C state they point
    # to may not survive the fork: a worker forked from the test process,
    # after many renders there, crashed while collecting. Frozen, what
    # exists now is never collected in a worker.
    gc.collect()
    gc.freeze()
    try:
        for process in processes:
            process.start()
    finally:
        gc.unfreeze()
    remaining = set(names)
    finished = False
    try:
        while remaining:
            stopping.check()
            try:
                kind, name, payload = results.get(timeout=0.5)
            except queue.Empty:
                if not any(p.is_alive() for p in processes):
                    raise RenderError(
                        "a render worker stopped unexpectedly: "
                        + ", ".join(sorted(remaining))
                        + " not rendered (run with --jobs 1 --verbose for details)"
                    ) from None
                continue
            if kind == "start":
                progress.start(name)
            elif kind == "error":
                raise RenderError(payload)
            else:
                remaining.discard(name)
                progress.done(payload)
                yield payload
        finished = True
    finally:
        _stop_workers(processes, wait_first=finished)


def _stop_workers(
    processes: Sequence, grace: float = 10.0, wait_first: bool = False
) -> None:
    """Ask running workers to stop, wait for their cleanup, then kill.

    Workers that have finished their work (``wait_first``) get the time to
    exit by themselves first.
    """
    if wait_first:
        for process in processes:
            process.join(grace)
    for process in processes:
        if process.is_alive():
            process.terminate()
    deadline = time.monotonic() + grace
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join()


def default_jobs() -> int:
    """Worker processes by default: one per core."""
    return max(1, len(os.sched_getaffinity(0)))
