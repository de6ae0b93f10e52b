"""Lessons: what the user gives (words, embeddings, weights) and every value
computed from it.

A lesson file is JSON::

    {"words": ["Let's", "go"],
     "embeddings": [[1.87, 0.09], [0.5, -1.2]],
     "weights": {"query": [[...]], "key": [[...]], "value": [[...]]},
     "scale": true, "causal": false}

Only ``words`` is required. Missing numbers are drawn, rounded to two
decimals, from ``numpy.random.default_rng`` seeded with the lesson's ``seed``
(default 0): embeddings uniform in [-2, 2], weights uniform in [-1.5, 1.5].
Embeddings and each head's weights use separate streams, so giving one never
changes the numbers drawn for another.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from qkmath.attention import (
    WeightedSums,
    attention_weights,
    positional_encoding,
    project,
    scaled_scores,
    similarity_scores,
)

__all__ = [
    "DEFAULT_LESSON",
    "DEFAULT_SEED",
    "HeadExample",
    "Lesson",
    "LessonError",
    "WorkedExample",
    "as_causal",
    "compute",
    "default_lesson",
    "lesson_from_mapping",
    "load_lesson",
    "parse_json",
    "read_lesson_data",
    "with_second_head",
]

# ---------------------------------------------------------------- defaults

DEFAULT_SEED = 0
"""Seed of the numbers a lesson does not give."""

DEFAULT_D_MODEL = 2
"""Values per word when a lesson gives neither embeddings nor weights."""

DEFAULT_D_HEAD = 2
"""Values per query, key and value vector when no weights are given."""

EMBEDDING_RANGE = 2.0
"""Drawn embeddings are uniform in [-EMBEDDING_RANGE, EMBEDDING_RANGE]."""

WEIGHT_RANGE = 1.5
"""Drawn weights are uniform in [-WEIGHT_RANGE, WEIGHT_RANGE]."""

MAX_MAGNITUDE = 1e15
"""Largest number a lesson may hold: past it, floats lose the decimals shown."""

MATRIX_NAMES = ("query", "key", "value")
"""The weight matrices of one head, in the order they are drawn."""

DEFAULT_LESSON: dict[str, Any] = {
    "words": ["Let's", "go"],
    "embeddings": [[1.87, 0.09], [0.50, -1.20]],
    "weights": {
        "query": [[2.22, 1.54], [-0.05, 0.75]],
        "key": [[0.37, 0.08], [0.64, 1.36]],
        "value": [[0.62, -0.45], [0.31, 1.13]],
    },
    "scale": True,
    "causal": False,
}
"""The worked example "Let's go": d_model 2, one head of size 2.

Its numbers reproduce the public lesson it comes from, to one decimal: the
query of "Let's" is (4.1, 3.7), its raw similarity with its own key is 11.7
and with the key of "go" -2.6, so "Let's" puts about 100% of its attention
on itself.
"""

SECOND_HEAD: dict[str, list[list[float]]] = {
    "query": [[-0.81, 0.47], [1.12, 0.26]],
    "key": [[0.58, -1.07], [0.94, 0.33]],
    "value": [[-0.36, 0.88], [1.05, 0.14]],
}
"""A second head for the default lesson, used to show multi-head attention."""

_KEYS = (
    "words",
    "embeddings",
    "weights",
    "heads",
    "scale",
    "causal",
    "seed",
    "d_model",
    "d_head",
    "n_heads",
)


class LessonError(ValueError):
    """A lesson that cannot be used; the message says what and how to fix."""


# ---------------------------------------------------------------- types


@dataclass(frozen=True)
class Lesson:
    """The inputs of a worked example, validated and complete.

    Attributes
    ----------
    words
        The ``n_tokens`` words, in order.
    embeddings
        ``(n_tokens, d_model)``.
    heads
        One mapping per head from ``"query"``, ``"key"`` and ``"value"`` to a
        ``(d_model, d_head)`` matrix.
    scale, causal
        Whether scores are divided by ``sqrt(d_head)``, and whether later
        words are hidden.
    seed
        The seed that drew any number the lesson did not give.
    """

    words: tuple[str, ...]
    embeddings: np.ndarray
    heads: tuple[Mapping[str, np.ndarray], ...]
    scale: bool = True
    causal: bool = False
    seed: int = DEFAULT_SEED


@dataclass(frozen=True)
class HeadExample:
    """Every value of one attention head."""

    weights: Mapping[str, np.ndarray]
    queries: WeightedSums
    keys: WeightedSums
    values: WeightedSums
    scores: np.ndarray
    scaled_scores: np.ndarray
    attention_weights: np.ndarray
    output: np.ndarray

    @property
    def d_head(self) -> int:
        """Number of values in each query, key and value vector."""
        return self.weights["query"].shape[1]

    def projection(self, name: str) -> WeightedSums:
        """The weighted sums for ``"query"``, ``"key"`` or ``"value"``."""
        return {"query": self.queries, "key": self.keys, "value": self.values}[name]


@dataclass(frozen=True)
class WorkedExample:
    """One lesson with every intermediate value: what the scenes read."""

    lesson: Lesson
    positional_encoding: np.ndarray
    position_encoded: np.ndarray
    heads: tuple[HeadExample, ...]
    output: np.ndarray

    @property
    def words(self) -> tuple[str, ...]:
        return self.lesson.words

    @property
    def embeddings(self) -> np.ndarray:
        return self.lesson.embeddings

    @property
    def d_model(self) -> int:
        return self.lesson.embeddings.shape[1]

    @property
    def n_tokens(self) -> int:
        return len(self.lesson.words)

    def to_dict(self) -> dict[str, Any]:
        """All values as plain lists of rows, full precision."""
        return {
            "words": list(self.words),
            "d_model": self.d_model,
            "embeddings": self.embeddings.tolist(),
            "positional_encoding": self.positional_encoding.tolist(),
            "position_encoded": self.position_encoded.tolist(),
            "scale": self.lesson.scale,
            "causal": self.lesson.causal,
            "heads": [_head_dict(head) for head in self.heads],
            "output": self.output.tolist(),
        }


def _head_dict(head: HeadExample) -> dict[str, Any]:
    return {
        "weights": {name: head.weights[name].tolist() for name in MATRIX_NAMES},
        "queries": head.queries.totals.tolist(),
        "keys": head.keys.totals.tolist(),
        "values": head.values.totals.tolist(),
        "scores": head.scores.tolist(),
        "scaled_scores": head.scaled_scores.tolist(),
        "attention_weights": head.attention_weights.tolist(),
        "output": head.output.tolist(),
    }


# ---------------------------------------------------------------- compute


def compute(lesson: Lesson) -> WorkedExample:
    """Compute every value of a lesson.

    Parameters
    ----------
    lesson
        Words, ``(n_tokens, d_model)`` embeddings and per-head
        ``(d_model, d_head)`` weights.

    Returns
    -------
    WorkedExample
        Positional encoding and position-encoded values
        ``(n_tokens, d_model)``; per head the projections
        ``(n_tokens, d_head)``, scores and attention weights
        ``(n_tokens, n_tokens)`` and output ``(n_tokens, d_head)``; and the
        heads' outputs concatenated, ``(n_tokens, sum of d_head)``.

    Notes
    -----
    ``X = E + PE``; per head ``Q = X W_Q``, ``K = X W_K``, ``V = X W_V``,
    ``A = softmax(Q K^T / sqrt(d_head))`` (optionally unscaled and masked),
    ``output = A V``.

    Examples
    --------
    >>> example = compute(default_lesson())
    >>> example.heads[0].queries.totals[0].round(1).tolist()
    [4.1, 3.7]
    """
    n_tokens, d_model = lesson.embeddings.shape
    pe = positional_encoding(n_tokens, d_model)
    x = lesson.embeddings + pe
    heads = tuple(_compute_head(x, weights, lesson) for weights in lesson.heads)
    output = np.concatenate([head.output for head in heads], axis=1)
    return WorkedExample(lesson, pe, x, heads, output)


def _compute_head(
    x: np.ndarray, weights: Mapping[str, np.ndarray], lesson: Lesson
) -> HeadExample:
    queries = project(x, weights["query"])
    keys = project(x, weights["key"])
    values = project(x, weights["value"])
    scores = similarity_scores(queries.totals, keys.totals)
    d_head = keys.totals.shape[1]
    attention = attention_weights(
        scores, d_head, scale=lesson.scale, causal=lesson.causal
    )
    return HeadExample(
        weights=weights,
        queries=queries,
        keys=keys,
        values=values,
        scores=scores,
        scaled_scores=scaled_scores(scores, d_head),
        attention_weights=attention,
        output=attention @ values.totals,
    )


def as_causal(lesson: Lesson) -> Lesson:
    """The same lesson with later words hidden (``"causal": true``)."""
    return replace(lesson, causal=True)


def with_second_head(lesson: Lesson) -> Lesson:
    """The lesson with at least two heads, for showing multi-head attention.

    A lesson with one head gets :data:`SECOND_HEAD` when its sizes fit
    (d_model 2, d_head 2, as in the default lesson), else a second head
    drawn from the lesson's seed like any weights the lesson leaves out.
    """
    if len(lesson.heads) >= 2:
        return lesson
    d_model = lesson.embeddings.shape[1]
    d_head = lesson.heads[0]["query"].shape[1]
    if (d_model, d_head) == (2, 2):
        second = {name: np.array(SECOND_HEAD[name]) for name in MATRIX_NAMES}
    else:
        second = _complete_head({}, 1, d_model, d_head, lesson.seed)
    return replace(lesson, heads=(*lesson.heads, second))


# ---------------------------------------------------------------- loading


def default_lesson() -> Lesson:
    """The "Let's go" lesson of :data:`DEFAULT_LESSON`."""
    return lesson_from_mapping(DEFAULT_LESSON)


def load_lesson(path: str | Path, *, seed: int | None = None) -> Lesson:
    """Read and check a JSON lesson file.

    Raises
    ------
    LessonError
        With a one-line message naming the file and what is wrong.
    """
    return lesson_from_mapping(read_lesson_data(path), seed=seed)


def read_lesson_data(path: str | Path) -> Any:
    """The decoded JSON of a lesson file, not yet checked as a lesson."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LessonError(f"lesson file {path} does not exist") from None
    except IsADirectoryError:
        raise LessonError(f"lesson file {path} is a folder, not a file") from None
    except UnicodeDecodeError:
        raise LessonError(f"lesson file {path} is not UTF-8 text") from None
    except OSError as error:
        reason = error.strerror or "cannot be read"
        raise LessonError(f"lesson file {path} cannot be read: {reason}") from None
    return parse_json(text, str(path))


def parse_json(text: str, source: str) -> Any:
    """Parse JSON, refusing NaN and infinity, with a one-line error."""

    def refuse_constant(name: str) -> None:
        raise LessonError(f"{source}: {name} is not allowed; write a finite number")

    try:
        return json.loads(text, parse_constant=refuse_constant)
    except json.JSONDecodeError as error:
        raise LessonError(
            f"{source} is not valid JSON: {error.msg} at line {error.lineno}, "
            f"column {error.colno}"
        ) from None
    except LessonError:
        raise
    except ValueError:
        # json refuses integers of more than 4300 digits this way
        raise LessonError(f"{source} holds a number too long to read") from None
    except RecursionError:
        raise LessonError(f"{source} is nested too deeply to read") from None


def lesson_from_mapping(data: Any, *, seed: int | None = None) -> Lesson:
    """Check a decoded lesson and fill in what it leaves out.

    Parameters
    ----------
    data
        A mapping as described in the module docstring.
    seed
        Overrides the lesson's own ``seed``.

    Raises
    ------
    LessonError
        With a one-line message: unknown keys (with the likely intended
        key), wrong types, ragged rows, non-finite numbers, wrong shapes
        (expected and received).
    """
    if not isinstance(data, Mapping):
        raise LessonError(
            f'a lesson must be a JSON object with a "words" list, '
            f"got {_json_type(data)}"
        )
    _check_keys(data, _KEYS, "lesson")
    words = _words(data.get("words"))
    if seed is None:
        seed = _int(data, "seed", DEFAULT_SEED, minimum=0)
    scale = _bool(data, "scale", True)
    causal = _bool(data, "causal", False)
    if "weights" in data and "heads" in data:
        raise LessonError(
            'a lesson has either "weights" (one head) or "heads" (several), not both'
        )
    heads_given = _heads_given(data)
    d_model = _d_model(data, heads_given)
    embeddings = _embeddings(data, len(words), d_model, seed)
    d_head = _int(data, "d_head", DEFAULT_D_HEAD, minimum=1, maximum=MAX_SIZE)
    heads = tuple(
        _complete_head(given, index, d_model, d_head, seed)
        for index, given in enumerate(heads_given)
    )
    return Lesson(words, embeddings, heads, scale, causal, seed)


def _json_type(value: Any) -> str:
    names = {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "true/false",
        type(None): "null",
    }
    for kind, name in names.items():
        if isinstance(value, kind):
            return name
    return "a number"


def _check_keys(data: Mapping, allowed: Sequence[str], where: str) -> None:
    for key in data:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = (
                f'; did you mean "{close[0]}"?'
                if close
                else f"; allowed keys: {', '.join(allowed)}"
            )
            raise LessonError(f'unknown key "{key}" in {where}{hint}')


def _words(value: Any) -> tuple[str, ...]:
    if value is None:
        raise LessonError('the lesson has no "words": give a list of words')
    if not isinstance(value, list) or not all(isinstance(w, str) for w in value):
        raise LessonError(f'"words" must be a list of strings, got {_json_type(value)}')
    if not value:
        raise LessonError('"words" is empty: give at least one word')
    if len(value) > MAX_SIZE:
        raise LessonError(f'"words" holds {len(value)} words: at most {MAX_SIZE}')
    for index, word in enumerate(value):
        if not word.strip():
            raise LessonError(
                f"word {index + 1} is empty: every word needs "
                "at least one visible character"
            )
    return tuple(value)


def _bool(data: Mapping, key: str, default: bool) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise LessonError(f'"{key}" must be true or false, got {value!r}')
    return value


MAX_SIZE = 1024
"""Largest ``d_model``, ``d_head``, number of heads and number of words: far
beyond what a lesson shows, small enough that every value fits in memory."""


def _int(
    data: Mapping, key: str, default: int, minimum: int, maximum: int | None = None
) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise LessonError(
            f'"{key}" must be a whole number of at least {minimum}, got {value!r}'
        )
    if maximum is not None and value > maximum:
        raise LessonError(f'"{key}" must be at most {maximum}, got {value}')
    return value


def _matrix(value: Any, name: str) -> np.ndarray:
    """A list of rows of finite numbers, as a float array."""
    if not isinstance(value, list) or not value:
        raise LessonError(f"{name} must be a non-empty list of rows")
    for index, row in enumerate(value):
        if not isinstance(row, list) or not row:
            raise LessonError(
                f"{name}: row {index + 1} must be a non-empty list of numbers"
            )
        if len(row) != len(value[0]):
            raise LessonError(
                f"{name}: rows have different lengths (row 1 has "
                f"{len(value[0])} numbers, row {index + 1} has {len(row)})"
            )
        for column, number in enumerate(row):
            if isinstance(number, bool) or not isinstance(number, (int, float)):
                raise LessonError(
                    f"{name}: row {index + 1}, column {column + 1} is "
                    f"{json.dumps(number)}, not a number"
                )
            if not _finite_and_small(number):
                raise LessonError(
                    f"{name}: row {index + 1}, column {column + 1} is "
                    f"{str(number)[:20]}; numbers must be finite and at most 1e15"
                )
    return np.array(value, dtype=float)


def _finite_and_small(number: float) -> bool:
    try:
        return math.isfinite(float(number)) and abs(number) <= MAX_MAGNITUDE
    except OverflowError:
        return False


def _check_shape(array: np.ndarray, expected: tuple, name: str) -> None:
    if array.shape != expected:
        wanted = "(" + ", ".join(str(n) for n in expected) + ")"
        got = "(" + ", ".join(str(n) for n in array.shape) + ")"
        raise LessonError(f"{name} must have shape {wanted}, got {got}")


def _heads_given(data: Mapping) -> list[Mapping]:
    if "weights" in data:
        heads = [data["weights"]]
        names = ['"weights"']
    elif "heads" in data:
        heads = data["heads"]
        if not isinstance(heads, list) or not heads:
            raise LessonError(
                '"heads" must be a non-empty list of objects '
                'with "query", "key" and "value"'
            )
        names = [f"head {i + 1}" for i in range(len(heads))]
    else:
        count = _int(data, "n_heads", 1, minimum=1, maximum=MAX_SIZE)
        return [{} for _ in range(count)]
    for head, name in zip(heads, names, strict=True):
        if not isinstance(head, Mapping):
            raise LessonError(
                f'{name} must be an object with "query", '
                f'"key" and "value", got {_json_type(head)}'
            )
        _check_keys(head, MATRIX_NAMES, name)
    return [
        {key: _matrix(matrix, f"{name} {key}") for key, matrix in head.items()}
        for head, name in zip(heads, names, strict=True)
    ]


def _d_model(data: Mapping, heads: list[Mapping[str, np.ndarray]]) -> int:
    """d_model from the embeddings, else from the weights, else the default."""
    if "embeddings" in data:
        embeddings = data["embeddings"]
        if (
            isinstance(embeddings, list)
            and embeddings
            and isinstance(embeddings[0], list)
        ):
            return len(embeddings[0])
    for head in heads:
        for matrix in head.values():
            return matrix.shape[0]
    return _int(data, "d_model", DEFAULT_D_MODEL, minimum=1, maximum=MAX_SIZE)


def _embeddings(data: Mapping, n_tokens: int, d_model: int, seed: int) -> np.ndarray:
    if "embeddings" in data:
        embeddings = _matrix(data["embeddings"], '"embeddings"')
        _check_shape(embeddings, (n_tokens, d_model), '"embeddings" (one row per word)')
        return embeddings
    rng = np.random.default_rng([seed, 0])
    drawn = rng.uniform(-EMBEDDING_RANGE, EMBEDDING_RANGE, (n_tokens, d_model))
    return drawn.round(2)


def _complete_head(
    given: Mapping[str, np.ndarray],
    index: int,
    d_model: int,
    default_d_head: int,
    seed: int,
) -> dict[str, np.ndarray]:
    d_head = next((m.shape[1] for m in given.values()), default_d_head)
    # Every matrix is drawn, given or not, so that a drawn matrix does not
    # depend on which others were given; a complete head needs no drawing.
    rng = (
        None
        if set(MATRIX_NAMES) <= set(given)
        else np.random.default_rng([seed, 1, index])
    )
    head = {}
    for name in MATRIX_NAMES:
        shape = (d_model, d_head)
        drawn = rng.uniform(-WEIGHT_RANGE, WEIGHT_RANGE, shape) if rng else None
        if name in given:
            _check_shape(
                given[name],
                (d_model, d_head),
                f"head {index + 1} {name} weights (d_model, d_head)",
            )
            head[name] = given[name]
        else:
            head[name] = drawn.round(2)
    return head
