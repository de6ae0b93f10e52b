"""What each scene can lay out, decided without importing Manim.

``render`` checks a lesson against these limits before it starts, so that
a lesson too large to show legibly is refused in one line.
"""

from __future__ import annotations

from collections.abc import Sequence

import qkmath
from scenes import style

MAX_ROW_CHARS = 60
"""Most characters of numbers side by side in one row of every head of the
multi-head scene: 3 heads of 4 values of 5 characters (``−1.23``) still
show at about 17 points."""


def too_large(example: qkmath.WorkedExample, scenes: Sequence[str]) -> str | None:
    """None when every scene in ``scenes`` can show ``example``, else why not."""
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
            return (
                f"the scenes fit at most {most} {what}, this lesson has {count}; "
                "use a smaller lesson (`values` prints any size)"
            )
    if "ShowMultiHeadAttention" in scenes:
        return fits(example)
    return None


def shown_example(
    example: qkmath.WorkedExample,
) -> tuple[qkmath.WorkedExample, bool]:
    """The example the scene shows, and whether its second head was added.

    A lesson with one head is shown with the default second head of
    :func:`qkmath.with_second_head`.
    """
    if len(example.heads) >= 2:
        return example, False
    return qkmath.compute(qkmath.with_second_head(example.lesson)), True


def fits(example: qkmath.WorkedExample) -> str | None:
    """None when the scene can show ``example`` legibly, else why not."""
    shown, _ = shown_example(example)
    d_head = max(head.d_head for head in shown.heads)
    limits = (
        (len(shown.heads), style.MAX_HEADS, "heads side by side"),
        (shown.n_tokens, style.MAX_WORDS, "words"),
        (shown.d_model, style.MAX_D_MODEL, "values per word (d_model)"),
        (d_head, style.MAX_D_HEAD, "values per head (d_head)"),
    )
    for count, most, what in limits:
        if count > most:
            return (
                f"the multi-head scene fits at most {most} {what}, "
                f"this lesson has {count}"
            )
    tables = {
        "weights": [list(head.weights.values()) for head in shown.heads],
        "outputs": [[head.output] for head in shown.heads],
    }
    for what, per_head in tables.items():
        chars = sum(row_chars(matrices) for matrices in per_head)
        if chars > MAX_ROW_CHARS:
            return (
                f"the multi-head scene fits {MAX_ROW_CHARS} characters of {what} "
                f"side by side, this lesson needs {chars}; use fewer heads, "
                "a smaller d_head or smaller numbers"
            )
    return None


def row_chars(matrices: Sequence) -> int:
    """Characters of a row of a head's grid: its columns times its widest number."""
    widest = max(len(qkmath.shown(v)) for matrix in matrices for v in matrix.flat)
    return matrices[0].shape[1] * widest
