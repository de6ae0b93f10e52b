"""The scenes of the lesson, described without importing Manim.

``cli.py`` builds its choices and its ``list`` output from this table, so
that ``--help`` and ``list`` stay fast; each entry names the module that
defines the scene class.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_SCENE", "SCENES", "SceneInfo", "scene_info"]


@dataclass(frozen=True)
class SceneInfo:
    """Where a scene lives and what it shows."""

    name: str
    module: str
    description: str

    @property
    def path(self) -> str:
        """The scene file, relative to the repository root."""
        return self.module.replace(".", "/") + ".py"


SCENES: tuple[SceneInfo, ...] = (
    SceneInfo(
        "ShowPositionalEncoding",
        "scenes.positional_encoding",
        "Sine and cosine position values added to each word's embedding.",
    ),
    SceneInfo(
        "ComputeQueryValues",
        "scenes.projections",
        "Position-encoded values times the query weights, summed: the query "
        "values of each word.",
    ),
    SceneInfo(
        "ComputeKeyValues",
        "scenes.projections",
        "The same weighted sums with the key weights: the key values of each word.",
    ),
    SceneInfo(
        "CompareQueriesWithKeys",
        "scenes.similarity",
        "Dot products of each query with every key, scaled by the square "
        "root of the key size: the similarity scores.",
    ),
    SceneInfo(
        "ApplySoftmax",
        "scenes.softmax",
        "Softmax over each row of scores: exponentials, their sum, and the "
        "attention weights as percentages and bars.",
    ),
    SceneInfo(
        "CombineValues",
        "scenes.combine_values",
        "Value vectors scaled by the attention weights and added: the "
        "self-attention output of each word.",
    ),
    SceneInfo(
        "AttentionLesson",
        "scenes.lesson",
        "Positional encoding through the attention output: one video with a "
        "section per step.",
    ),
    SceneInfo(
        "MaskFutureWords",
        "scenes.softmax",
        "A causal mask: later words' scores set to minus infinity before "
        "softmax, as in a decoder.",
    ),
    SceneInfo(
        "ShowMultiHeadAttention",
        "scenes.multi_head",
        "Two or more heads with their own weights, side by side, their "
        "outputs concatenated.",
    ),
)
"""Every scene, in lesson order."""

DEFAULT_SCENE = "AttentionLesson"
"""What ``render`` renders when no scene is named."""


def scene_info(name: str) -> SceneInfo:
    """The entry called ``name``; raises KeyError if there is none."""
    for info in SCENES:
        if info.name == name:
            return info
    raise KeyError(name)
