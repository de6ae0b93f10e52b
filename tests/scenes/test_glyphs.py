"""Outlines kept between runs: read back exactly, or not at all."""

from __future__ import annotations

import numpy as np
import pytest

from scenes import glyphs


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("QKANIM_CACHE_DIR", str(tmp_path))
    return tmp_path / "store" / "glyphs"


def outlines():
    rng = np.random.default_rng(3)
    return [rng.normal(size=(8, 3)), rng.normal(size=(4, 3))]


def test_saved_outlines_read_back_exactly(store):
    path = glyphs.glyph_file("1.87", "DejaVu Sans", 48)
    glyphs.save(path, outlines())

    loaded = glyphs.load(path)

    assert path.parent == store
    assert [o.tolist() for o in loaded] == [o.tolist() for o in outlines()]
    assert [p.name for p in store.iterdir()] == [path.name]


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda b: b[: len(b) // 2], id="truncated"),
        pytest.param(lambda b: b"", id="empty"),
        pytest.param(lambda b: b"not a numpy file", id="garbage"),
    ],
)
def test_damaged_file_is_not_used(store, damage):
    path = glyphs.glyph_file("go", "DejaVu Sans", 48)
    glyphs.save(path, outlines())
    path.write_bytes(damage(path.read_bytes()))

    assert glyphs.load(path) is None


def test_each_string_font_and_size_has_its_own_file(store):
    names = {
        glyphs.glyph_file("go", "DejaVu Sans", 48),
        glyphs.glyph_file("go ", "DejaVu Sans", 48),
        glyphs.glyph_file("go", "Noto Sans", 48),
        glyphs.glyph_file("go", "DejaVu Sans", 24),
    }

    assert len(names) == 4


def test_a_missing_file_is_not_an_error(store):
    assert glyphs.load(glyphs.glyph_file("absent", "DejaVu Sans", 48)) is None
