"""qkmath: every number of the self-attention lesson, computed with numpy.

This package is the single source of truth for anything the scenes show. It
imports numpy and nothing else outside the standard library.
"""

from __future__ import annotations

from qkmath.attention import (
    WeightedSums,
    attention_weights,
    causal_mask,
    position_divisors,
    positional_curve,
    positional_encoding,
    project,
    scaled_scores,
    similarity_scores,
    softmax,
)
from qkmath.display import DEFAULT_DECIMALS, dot_relation, shown, sum_relation
from qkmath.lesson import (
    DEFAULT_LESSON,
    DEFAULT_SEED,
    SECOND_HEAD,
    HeadExample,
    Lesson,
    LessonError,
    WorkedExample,
    as_causal,
    compute,
    default_lesson,
    lesson_from_mapping,
    load_lesson,
    parse_json,
    read_lesson_data,
    with_second_head,
)

__all__ = [
    "DEFAULT_DECIMALS",
    "DEFAULT_LESSON",
    "DEFAULT_SEED",
    "SECOND_HEAD",
    "HeadExample",
    "Lesson",
    "LessonError",
    "WeightedSums",
    "WorkedExample",
    "as_causal",
    "attention_weights",
    "causal_mask",
    "compute",
    "default_lesson",
    "dot_relation",
    "lesson_from_mapping",
    "load_lesson",
    "parse_json",
    "position_divisors",
    "positional_curve",
    "positional_encoding",
    "project",
    "read_lesson_data",
    "scaled_scores",
    "shown",
    "similarity_scores",
    "softmax",
    "sum_relation",
    "with_second_head",
]
