"""What the multi-head lesson reads from several heads: where each head looks
most, and which part of the concatenated output each head wrote.

Shapes use the vocabulary of :mod:`qkmath.attention`: ``(n_tokens,
n_tokens)`` for attention weights (row = the word that asks), ``(n_tokens,
d_head)`` for one head's output.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["most_attended", "split_heads"]


def most_attended(weights: np.ndarray | list) -> np.ndarray:
    """The word each word gives the largest attention weight.

    Parameters
    ----------
    weights
        ``(n_tokens, n_tokens)`` attention weights of one head.

    Returns
    -------
    numpy.ndarray
        ``(n_tokens,)`` integers: entry ``i`` is the column of the largest
        weight in row ``i``; the first such column on a tie.

    Notes
    -----
    ``most[i] = argmax_j weights[i, j]``.

    Examples
    --------
    >>> most_attended([[0.9, 0.1], [0.5, 0.5]]).tolist()
    [0, 0]
    """
    array = np.asarray(weights, dtype=float)
    if array.ndim != 2 or array.shape[0] != array.shape[1] or array.size == 0:
        raise ValueError(
            f"weights must have shape (n_tokens, n_tokens), got {array.shape}"
        )
    return np.argmax(array, axis=1)


def split_heads(output: np.ndarray | list, d_heads: Sequence[int]) -> list[np.ndarray]:
    """Cut a concatenated output back into the part each head wrote.

    Parameters
    ----------
    output
        ``(n_tokens, sum of d_heads)``: the heads' outputs side by side.
    d_heads
        The ``d_head`` of each head, in head order.

    Returns
    -------
    list of numpy.ndarray
        One ``(n_tokens, d_heads[h])`` array per head.

    Notes
    -----
    The inverse of ``output = concat(head_1, ..., head_h)`` along the values
    of each word: head ``h`` owns columns ``sum(d_heads[:h])`` up to
    ``sum(d_heads[:h + 1])``.

    Examples
    --------
    >>> [part.tolist() for part in split_heads([[1.0, 2.0, 3.0]], [2, 1])]
    [[[1.0, 2.0]], [[3.0]]]
    """
    array = np.asarray(output, dtype=float)
    sizes = [int(size) for size in d_heads]
    if not sizes or min(sizes) < 1:
        raise ValueError(
            f"d_heads must be one or more sizes of at least 1, got {sizes}"
        )
    if array.ndim != 2 or array.shape[1] != sum(sizes):
        raise ValueError(
            f"output must have shape (n_tokens, {sum(sizes)}) for d_heads "
            f"{sizes}, got {array.shape}"
        )
    return np.split(array, np.cumsum(sizes)[:-1], axis=1)
