"""Outlines of laid-out strings, kept between runs.

Pango lays a string out in a few milliseconds, but Manim then parses the
SVG it wrote into outlines, which costs tens of milliseconds per string:
with about thirty distinct strings, the largest fixed cost of a short
scene. The outlines of each distinct string are kept in the store as
arrays, keyed by the string, the font, the size and the Manim version, and
rebuilt from them in about a millisecond.

A file appears in the store whole or not at all (written under a temporary
name, then renamed), and one that cannot be read back is laid out again
and replaced, so a killed run never leaves a wrong outline behind.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import io
import os
import zipfile
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np

FORMAT = "1"
"""Bumped when the layout of a stored file changes."""


@cache
def _manim_version() -> str:
    return importlib.metadata.version("manim")


def glyphs_dir() -> Path:
    """Where outlines are kept: ``glyphs/`` in the shared store."""
    from scenes.render import store_dir

    return store_dir() / "glyphs"


def glyph_file(text: str, font: str, size: float) -> Path:
    """The file that holds the outlines of ``text`` in ``font`` at ``size``."""
    key = "\0".join([FORMAT, _manim_version(), font, repr(float(size)), text])
    return glyphs_dir() / (hashlib.sha256(key.encode()).hexdigest()[:40] + ".npz")


def load(path: Path) -> list[np.ndarray] | None:
    """The outlines kept in ``path``, one ``(n_points, 3)`` array per glyph.

    None when there is no such file or it cannot be read back whole.
    """
    try:
        with np.load(path, allow_pickle=False) as stored:
            count = int(stored["count"])
            outlines = [stored[f"glyph{i}"] for i in range(count)]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None
    for outline in outlines:
        if outline.ndim != 2 or outline.shape[1] != 3 or outline.dtype.kind != "f":
            return None
    return outlines


def save(path: Path, outlines: Sequence[np.ndarray]) -> None:
    """Keep ``outlines`` in ``path``, atomically; a failure only costs time."""
    buffer = io.BytesIO()
    arrays = {f"glyph{i}": np.asarray(o, dtype=float) for i, o in enumerate(outlines)}
    np.savez(buffer, count=np.array(len(outlines)), **arrays)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(buffer.getvalue())
        os.replace(temporary, path)
    except OSError:
        pass
    finally:
        temporary.unlink(missing_ok=True)
