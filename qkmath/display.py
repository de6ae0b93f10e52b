"""How numbers are written on screen, and how the arithmetic shown stays true.

Rounding rule
-------------
Every number shown is the exact value rounded to ``decimals`` places (two
by default), half to even on the binary value, with ``-0.00`` written as
``0.00``. A shown operation such as ``1.87 × 2.22 + 1.09 × −0.05 = 4.10``
uses the shown operands and the shown result. The sign between them is
``=`` when the operation done exactly on the shown operands rounds to the
shown result, and ``≈`` otherwise. That happens when an operand was itself
rounded: 0.554 + 0.554 = 1.108 is shown as 0.55 + 0.55 ≈ 1.11. The viewer is
never shown an equality that the shown numbers contradict.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, localcontext

__all__ = [
    "DEFAULT_DECIMALS",
    "INFINITY",
    "MINUS",
    "dot_relation",
    "matrix_relation",
    "percent_as_fraction",
    "root_relation",
    "scaled_relation",
    "shown",
    "shown_or_infinity",
    "shown_percent",
    "sum_relation",
]

DEFAULT_DECIMALS = 2
"""Decimal places of every number on screen unless the user asks otherwise."""

MINUS = "\u2212"
"""The typographic minus sign used on screen."""

INFINITY = "\u221e"
"""How an infinite value (a hidden score) is written on screen."""

PRECISION = 100
"""Significant digits of the exact arithmetic behind a relation sign."""


def shown(value: float, decimals: int = DEFAULT_DECIMALS, minus: str = MINUS) -> str:
    """Write a number as it appears on screen.

    Examples
    --------
    >>> shown(-0.0499), shown(-0.001), shown(3.14159, 3, minus="-")
    ('−0.05', '0.00', '3.142')
    """
    text = f"{value:.{decimals}f}"
    if text.startswith("-"):
        text = text[1:] if float(text) == 0 else minus + text[1:]
    return text


def shown_or_infinity(
    value: float, decimals: int = DEFAULT_DECIMALS, minus: str = MINUS
) -> str:
    """Like :func:`shown`, but minus infinity is written ``−∞``.

    Examples
    --------
    >>> shown_or_infinity(float("-inf")), shown_or_infinity(-1.234)
    ('−∞', '−1.23')
    """
    if value == float("inf"):
        return INFINITY
    if value == float("-inf"):
        return minus + INFINITY
    return shown(value, decimals, minus)


def shown_percent(percentage: float, decimals: int = DEFAULT_DECIMALS) -> str:
    """A percentage as shown on screen: the number, then ``%``.

    Parameters
    ----------
    percentage
        Already multiplied by 100 (see :func:`qkmath.as_percentages`).

    Examples
    --------
    >>> shown_percent(99.5893674), shown_percent(0.0039)
    ('99.59%', '0.00%')
    """
    return shown(percentage, decimals) + "%"


def percent_as_fraction(text: str) -> str:
    """The fraction that a shown percentage stands for, exactly.

    A shown weight of ``99.59%`` is multiplied as ``0.9959``, so that the
    sign after ``99.59% × 1.50`` is decided by the number the viewer sees.

    Examples
    --------
    >>> percent_as_fraction("99.59%"), percent_as_fraction("0.41%")
    ('0.9959', '0.0041')
    """
    return str(_decimal(text.removesuffix("%")).scaleb(-2))


def _decimal(text: str) -> Decimal:
    return Decimal(text.replace(MINUS, "-"))


def _relation(exact: Decimal, result: str) -> str:
    target = _decimal(result)
    with localcontext() as context:
        context.prec = 100
        exponent = target.as_tuple().exponent
        rounded = exact.quantize(target) if exponent <= 0 else exact
    return "=" if rounded == target else "\u2248"


def dot_relation(left: Sequence[str], right: Sequence[str], result: str) -> str:
    """``=`` or ``≈`` between ``l0 × r0 + l1 × r1 + ...`` and ``result``.

    Parameters
    ----------
    left, right
        Shown operands, as returned by :func:`shown`.
    result
        Shown result.

    Examples
    --------
    >>> dot_relation(["1.87", "1.09"], ["2.22", "−0.05"], "4.10")
    '='
    >>> dot_relation(["1.34"], ["2.00"], "2.69")
    '≈'
    """
    with localcontext() as context:
        context.prec = 100
        exact = sum(
            (_decimal(a) * _decimal(b) for a, b in zip(left, right, strict=True)),
            Decimal(0),
        )
    return _relation(exact, result)


def sum_relation(terms: Sequence[str], result: str) -> str:
    """``=`` or ``≈`` between ``t0 + t1 + ...`` and ``result``.

    Examples
    --------
    >>> sum_relation(["1.87", "0.00"], "1.87"), sum_relation(["0.55", "0.55"], "1.11")
    ('=', '≈')
    """
    with localcontext() as context:
        context.prec = 100
        exact = sum((_decimal(t) for t in terms), Decimal(0))
    return _relation(exact, result)


def scaled_relation(score: str, d_head: int, result: str) -> str:
    """``=`` or ``≈`` between ``score ÷ √d_head`` and ``result``.

    The square root is exact here, not the rounded divisor on screen.

    Examples
    --------
    >>> scaled_relation("11.73", 2, "8.29"), scaled_relation("11.73", 2, "8.32")
    ('=', '≈')
    """
    with localcontext() as context:
        context.prec = PRECISION
        exact = _decimal(score) / Decimal(d_head).sqrt()
    return _relation(exact, result)


def root_relation(radicand: int, result: str) -> str:
    """``=`` when ``result`` is exactly ``√radicand``, else ``≈``.

    Unlike the other relations this one does not accept a rounded result:
    a square root is usually irrational, and ``√2 = 1.41`` reads as false.

    Examples
    --------
    >>> root_relation(4, "2.00"), root_relation(2, "1.41")
    ('=', '≈')
    """
    return "=" if _decimal(result) ** 2 == radicand else "\u2248"


def matrix_relation(
    left: Sequence[Sequence[float]],
    right: Sequence[Sequence[float]],
    result: Sequence[Sequence[float]],
) -> str:
    """``=`` if every entry of the shown ``left @ right`` is true, else ``≈``.

    Parameters
    ----------
    left, right, result
        Matrices of exact values, ``(n, m)``, ``(m, p)`` and ``(n, p)``;
        each is compared as shown by :func:`shown`.

    Examples
    --------
    >>> matrix_relation([[1.0, 2.0]], [[3.0], [4.0]], [[11.0]])
    '='
    >>> matrix_relation([[1.0 / 3]], [[3.0]], [[1.0]])
    '≈'
    """
    columns = list(zip(*right, strict=True))
    for row, result_row in zip(left, result, strict=True):
        shown_row = [shown(v) for v in row]
        for column, value in zip(columns, result_row, strict=True):
            sign = dot_relation(shown_row, [shown(v) for v in column], shown(value))
            if sign != "=":
                return "\u2248"
    return "="
