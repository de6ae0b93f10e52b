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
    "MINUS",
    "dot_relation",
    "shown",
    "sum_relation",
]

DEFAULT_DECIMALS = 2
"""Decimal places of every number on screen unless the user asks otherwise."""

MINUS = "\u2212"
"""The typographic minus sign used on screen."""


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
