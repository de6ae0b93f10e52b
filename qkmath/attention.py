"""The formulas of self-attention, as small pure functions.

Shapes use one vocabulary throughout: ``(n_tokens, d_model)`` for the word
vectors, ``(d_model, d_head)`` for a weight matrix applied to row vectors, and
``(n_tokens, n_tokens)`` for scores and attention weights (row = the word that
asks, column = the word it looks at).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "SoftmaxSteps",
    "WeightedSums",
    "as_percentages",
    "attention_weights",
    "causal_mask",
    "position_divisors",
    "positional_curve",
    "positional_encoding",
    "project",
    "scaled_scores",
    "score_divisor",
    "similarity_scores",
    "softmax",
    "softmax_steps",
    "weighted_values",
]


def _matrix(name: str, values: np.ndarray | list, ndim: int = 2) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {array.shape}")
    return array


def positional_encoding(n_positions: int, d_model: int) -> np.ndarray:
    """Sinusoidal positional encoding of "Attention Is All You Need".

    Parameters
    ----------
    n_positions
        Number of positions (words), counted from 0.
    d_model
        Number of values per word; any size from 1 up, odd included.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_positions, d_model)``.

    Notes
    -----
    Sine and cosine are interleaved, not concatenated::

        PE[pos, 2i]     = sin(pos / 10000 ** (2i / d_model))
        PE[pos, 2i + 1] = cos(pos / 10000 ** (2i / d_model))

    With an odd ``d_model`` the last column is a sine with no partner.

    Examples
    --------
    >>> positional_encoding(2, 2).round(3).tolist()
    [[0.0, 1.0], [0.841, 0.54]]
    """
    if n_positions < 0 or d_model < 1:
        raise ValueError(
            "positional_encoding needs n_positions >= 0 and d_model >= 1, "
            f"got {n_positions} and {d_model}"
        )
    positions = np.arange(n_positions, dtype=float)
    return np.stack(
        [positional_curve(positions, d_model, j) for j in range(d_model)], axis=-1
    ).reshape(n_positions, d_model)


def position_divisors(d_model: int) -> np.ndarray:
    """The divisor of the position in each column of the encoding.

    Returns
    -------
    numpy.ndarray
        ``(d_model,)``: ``10000 ** (2i / d_model)`` for columns ``2i`` and
        ``2i + 1``.

    Examples
    --------
    >>> position_divisors(4).tolist()
    [1.0, 1.0, 100.0, 100.0]
    """
    pair_index = np.arange(d_model) // 2
    return 10000.0 ** (2 * pair_index / d_model)


def positional_curve(positions: np.ndarray | float, d_model: int, column: int):
    """Column ``column`` of the positional encoding at any (real) positions.

    This is the curve that the encoding samples at whole positions: a sine
    for even columns, a cosine for odd ones.

    Examples
    --------
    >>> float(positional_curve(1.0, 2, 1).round(3))
    0.54
    """
    angle = np.asarray(positions, dtype=float) / position_divisors(d_model)[column]
    return np.sin(angle) if column % 2 == 0 else np.cos(angle)


@dataclass(frozen=True)
class WeightedSums:
    """Every weighted sum of a projection, term by term.

    Attributes
    ----------
    inputs
        ``(n_tokens, d_model)``: the values that are multiplied.
    weights
        ``(d_model, d_head)``: column ``j`` is the set of weights of output
        ``j``.
    products
        ``(n_tokens, d_head, d_model)``: ``inputs[t, k] * weights[k, j]`` at
        ``[t, j, k]``.
    totals
        ``(n_tokens, d_head)``: the sums of the products, ``inputs @ weights``.
    """

    inputs: np.ndarray
    weights: np.ndarray
    products: np.ndarray
    totals: np.ndarray


def project(inputs: np.ndarray | list, weights: np.ndarray | list) -> WeightedSums:
    """Multiply row vectors by a weight matrix, keeping every product.

    Parameters
    ----------
    inputs
        ``(n_tokens, d_model)`` position-encoded values.
    weights
        ``(d_model, d_head)`` weights, one column per output value.

    Returns
    -------
    WeightedSums
        The products and their sums; ``totals`` has shape
        ``(n_tokens, d_head)``.

    Notes
    -----
    ``totals[t, j] = sum_k inputs[t, k] * weights[k, j]``, that is
    ``Q = X W_Q`` for queries (and likewise for keys and values).

    Examples
    --------
    >>> sums = project([[1.0, 2.0]], [[3.0], [4.0]])
    >>> sums.products.tolist(), sums.totals.tolist()
    ([[[3.0, 8.0]]], [[11.0]])
    """
    x = _matrix("inputs", inputs)
    w = _matrix("weights", weights)
    if x.shape[1] != w.shape[0]:
        raise ValueError(
            f"weights must have shape ({x.shape[1]}, d_head) to match inputs "
            f"of shape {x.shape}, got {w.shape}"
        )
    products = x[:, np.newaxis, :] * w.T[np.newaxis, :, :]
    return WeightedSums(x, w, products, x @ w)


def similarity_scores(queries: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Dot product of every query with every key.

    Parameters
    ----------
    queries, keys
        ``(n_tokens, d_head)`` each.

    Returns
    -------
    numpy.ndarray
        ``(n_tokens, n_tokens)``; row ``i`` holds the scores of query ``i``.

    Notes
    -----
    ``scores = Q K^T``.

    Examples
    --------
    >>> similarity_scores([[1.0, 0.0]], [[2.0, 5.0]]).tolist()
    [[2.0]]
    """
    q = _matrix("queries", queries)
    k = _matrix("keys", keys)
    if q.shape[1] != k.shape[1]:
        raise ValueError(
            f"queries and keys need the same d_head, got {q.shape} and {k.shape}"
        )
    return q @ k.T


def scaled_scores(scores: np.ndarray, d_head: int) -> np.ndarray:
    """Divide scores by the square root of the key size.

    Parameters
    ----------
    scores
        ``(n_tokens, n_tokens)``.
    d_head
        Number of values in a key.

    Returns
    -------
    numpy.ndarray
        ``(n_tokens, n_tokens)``.

    Notes
    -----
    ``scaled = scores / sqrt(d_head)``: it keeps the scores from growing with
    the key size, so that softmax does not saturate.

    Examples
    --------
    >>> scaled_scores([[8.0]], 4).tolist()
    [[4.0]]
    """
    if d_head < 1:
        raise ValueError(f"d_head must be at least 1, got {d_head}")
    return np.asarray(scores, dtype=float) / np.sqrt(d_head)


def causal_mask(n_tokens: int) -> np.ndarray:
    """Which words each word may attend to when later words are hidden.

    Returns
    -------
    numpy.ndarray
        ``(n_tokens, n_tokens)`` booleans, True on and below the diagonal:
        word ``i`` sees words ``0..i``.

    Examples
    --------
    >>> causal_mask(2).tolist()
    [[True, False], [True, True]]
    """
    return np.tril(np.ones((n_tokens, n_tokens), dtype=bool))


def softmax(scores: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Softmax over each row, computed stably, with optional hidden entries.

    Parameters
    ----------
    scores
        ``(n_rows, n_cols)``.
    mask
        ``(n_rows, n_cols)`` booleans, False where a score is replaced by
        minus infinity (its weight becomes exactly 0). Every row must keep at
        least one entry.

    Returns
    -------
    numpy.ndarray
        ``(n_rows, n_cols)``; each row sums to 1.

    Notes
    -----
    ``softmax(s)_j = exp(s_j - max(s)) / sum_k exp(s_k - max(s))``: subtracting
    the row maximum changes nothing mathematically and keeps ``exp`` from
    overflowing.

    Examples
    --------
    >>> softmax([[0.0, 0.0], [1000.0, 0.0]]).round(3).tolist()
    [[0.5, 0.5], [1.0, 0.0]]
    """
    return softmax_steps(scores, mask).weights


def attention_weights(
    scores: np.ndarray, d_head: int, *, scale: bool = True, causal: bool = False
) -> np.ndarray:
    """Attention weights from raw similarity scores.

    Parameters
    ----------
    scores
        ``(n_tokens, n_tokens)`` raw scores ``Q K^T``.
    d_head
        Number of values in a key, for the scaling.
    scale
        Divide by ``sqrt(d_head)`` before softmax.
    causal
        Hide later words: word ``i`` attends only to words ``0..i``.

    Returns
    -------
    numpy.ndarray
        ``(n_tokens, n_tokens)``; row ``i`` is how much word ``i`` attends to
        each word.

    Notes
    -----
    ``weights = softmax(mask(Q K^T / sqrt(d_head)))``.

    Examples
    --------
    >>> attention_weights([[2.0, 2.0], [2.0, 2.0]], 2, causal=True).tolist()
    [[1.0, 0.0], [0.5, 0.5]]
    """
    s = _matrix("scores", scores)
    if s.shape[0] != s.shape[1]:
        raise ValueError(f"scores must be square, got shape {s.shape}")
    logits = scaled_scores(s, d_head) if scale else s
    mask = causal_mask(s.shape[0]) if causal else None
    return softmax(logits, mask)


def score_divisor(d_head: int) -> float:
    """What the scores are divided by: the square root of the key size.

    Parameters
    ----------
    d_head
        Number of values in a key.

    Returns
    -------
    float
        ``sqrt(d_head)``.

    Notes
    -----
    ``scaled_scores(scores, d_head) == scores / score_divisor(d_head)``.

    Examples
    --------
    >>> round(score_divisor(2), 4), score_divisor(4)
    (1.4142, 2.0)
    """
    if d_head < 1:
        raise ValueError(f"d_head must be at least 1, got {d_head}")
    return float(np.sqrt(d_head))


@dataclass(frozen=True)
class SoftmaxSteps:
    """Every intermediate value of a row-wise softmax.

    Attributes
    ----------
    logits
        ``(n_rows, n_cols)``: the scores softmax starts from, minus infinity
        where a mask hides an entry.
    maxima
        ``(n_rows,)``: the largest logit of each row.
    shifted
        ``(n_rows, n_cols)``: ``logits - maxima``; 0 at each row's largest
        entry, minus infinity where hidden.
    exponentials
        ``(n_rows, n_cols)``: ``exp(shifted)``, between 0 and 1; exactly 0
        where hidden.
    sums
        ``(n_rows,)``: the sum of each row of ``exponentials``, at least 1.
    weights
        ``(n_rows, n_cols)``: ``exponentials / sums``; each row sums to 1.
    """

    logits: np.ndarray
    maxima: np.ndarray
    shifted: np.ndarray
    exponentials: np.ndarray
    sums: np.ndarray
    weights: np.ndarray


def softmax_steps(scores: np.ndarray, mask: np.ndarray | None = None) -> SoftmaxSteps:
    """Softmax over each row, keeping every value on the way.

    Parameters
    ----------
    scores
        ``(n_rows, n_cols)``.
    mask
        ``(n_rows, n_cols)`` booleans, False where a score is replaced by
        minus infinity. Every row must keep at least one entry.

    Returns
    -------
    SoftmaxSteps
        Logits, row maxima, shifted logits, exponentials, their row sums and
        the weights, which equal :func:`softmax` of the same arguments.

    Notes
    -----
    ``weights_j = exp(s_j - m) / sum_k exp(s_k - m)`` with ``m = max_k s_k``.
    Subtracting ``m`` leaves the weights unchanged (it divides numerator and
    denominator by ``exp(m)``) and keeps every exponential at most 1.

    Examples
    --------
    >>> steps = softmax_steps([[2.0, 0.0]], [[True, False]])
    >>> steps.shifted.tolist(), steps.exponentials.tolist()
    ([[0.0, -inf]], [[1.0, 0.0]])
    >>> steps.sums.tolist(), steps.weights.tolist()
    ([1.0], [[1.0, 0.0]])
    """
    logits = _matrix("scores", scores)
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != logits.shape:
            raise ValueError(f"mask must have shape {logits.shape}, got {mask.shape}")
        logits = np.where(mask, logits, -np.inf)
    maxima = logits.max(axis=1)
    shifted = logits - maxima[:, np.newaxis]
    exponentials = np.exp(shifted)
    sums = exponentials.sum(axis=1)
    weights = exponentials / sums[:, np.newaxis]
    return SoftmaxSteps(logits, maxima, shifted, exponentials, sums, weights)


def as_percentages(weights: np.ndarray) -> np.ndarray:
    """Attention weights as percentages.

    Parameters
    ----------
    weights
        Any shape, typically ``(n_tokens, n_tokens)``.

    Returns
    -------
    numpy.ndarray
        Same shape: ``100 * weights``.

    Examples
    --------
    >>> as_percentages([[0.25, 0.75]]).tolist()
    [[25.0, 75.0]]
    """
    return 100.0 * np.asarray(weights, dtype=float)


def weighted_values(weights: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Each value vector scaled by the attention weight it receives.

    Parameters
    ----------
    weights
        ``(n_tokens, n_tokens)`` attention weights; row ``i`` is how much
        word ``i`` attends to each word.
    values
        ``(n_tokens, d_head)`` value vectors.

    Returns
    -------
    numpy.ndarray
        ``(n_tokens, n_tokens, d_head)``: ``weights[i, j] * values[j]`` at
        ``[i, j]``. Summing over axis 1 gives the attention output.

    Notes
    -----
    ``output_i = sum_j weights[i, j] * values[j]``, that is ``A V``.

    Examples
    --------
    >>> weighted_values([[0.25, 0.75]], [[4.0, 0.0], [0.0, 8.0]]).tolist()
    [[[1.0, 0.0], [0.0, 6.0]]]
    """
    a = _matrix("weights", weights)
    v = _matrix("values", values)
    if a.shape[1] != v.shape[0]:
        raise ValueError(
            f"weights of shape {a.shape} need {a.shape[1]} value vectors, "
            f"got values of shape {v.shape}"
        )
    return a[:, :, np.newaxis] * v[np.newaxis, :, :]
