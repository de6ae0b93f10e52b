"""Every value of a worked example as text: terminal table, JSON, CSV,
Markdown and LaTeX.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from qkmath.display import shown
from qkmath.lesson import WorkedExample

__all__ = ["FORMATS", "Table", "render_values", "tables"]


@dataclass(frozen=True)
class Table:
    """One named matrix with labelled rows and columns."""

    key: str
    title: str
    head: int | None
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    values: np.ndarray


def _labels(prefix: str, count: int) -> tuple[str, ...]:
    return tuple(f"{prefix}{i + 1}" for i in range(count))


def tables(example: WorkedExample) -> Iterator[Table]:
    """The values of a lesson in the order the lesson teaches them."""
    words = example.words
    dims = _labels("d", example.d_model)
    yield Table("embeddings", "Word embeddings", None, words, dims, example.embeddings)
    yield Table(
        "positional_encoding",
        "Positional encoding",
        None,
        words,
        dims,
        example.positional_encoding,
    )
    yield Table(
        "position_encoded",
        "Position-encoded values",
        None,
        words,
        dims,
        example.position_encoded,
    )
    multi = len(example.heads) > 1
    for index, head in enumerate(example.heads):
        number = index + 1
        suffix = f" (head {number})" if multi else ""
        for name, short in (("query", "q"), ("key", "k"), ("value", "v")):
            yield Table(
                f"weights.{name}",
                f"{name.capitalize()} weights{suffix}",
                number,
                dims,
                _labels(short, head.d_head),
                head.weights[name],
            )
        for name, short in (("queries", "q"), ("keys", "k"), ("values", "v")):
            projection = getattr(head, name)
            yield Table(
                name,
                f"{name.capitalize()}{suffix}",
                number,
                words,
                _labels(short, head.d_head),
                projection.totals,
            )
        yield Table(
            "scores",
            f"Similarity scores Q K^T{suffix}",
            number,
            words,
            words,
            head.scores,
        )
        yield Table(
            "scaled_scores",
            f"Scaled scores Q K^T / sqrt({head.d_head}){suffix}",
            number,
            words,
            words,
            head.scaled_scores,
        )
        yield Table(
            "attention_weights",
            f"Attention weights{suffix}",
            number,
            words,
            words,
            head.attention_weights,
        )
        yield Table(
            "head_output",
            f"Attention output{suffix}",
            number,
            words,
            _labels("o", head.d_head),
            head.output,
        )
    if multi:
        yield Table(
            "output",
            "Output of all heads, concatenated",
            None,
            words,
            _labels("o", example.output.shape[1]),
            example.output,
        )


# ---------------------------------------------------------------- formats


def _to_json(example: WorkedExample, decimals: int) -> str:
    return json.dumps(example.to_dict(), indent=2, ensure_ascii=False) + "\n"


def _cell_width(text: str) -> int:
    """Terminal columns that ``text`` takes: CJK characters take two,
    combining marks none.

    Examples
    --------
    >>> _cell_width("go"), _cell_width("日本語"), _cell_width("nai\u0308ve")
    (2, 6, 5)
    """
    return sum(
        0
        if unicodedata.combining(c)
        else 2
        if unicodedata.east_asian_width(c) in "WF"
        else 1
        for c in text
    )


def _pad(text: str, width: int, left: bool) -> str:
    padding = " " * (width - _cell_width(text))
    return text + padding if left else padding + text


def _to_table(example: WorkedExample, decimals: int) -> str:
    blocks = []
    for table in tables(example):
        cells = [["", *table.columns]]
        cells += [
            [row, *(shown(v, decimals, "-") for v in values)]
            for row, values in zip(table.rows, table.values, strict=True)
        ]
        widths = [
            max(_cell_width(line[i]) for line in cells) for i in range(len(cells[0]))
        ]
        lines = [table.title]
        for line in cells:
            first = _pad(line[0], widths[0], left=True)
            pairs = zip(line[1:], widths[1:], strict=True)
            rest = (_pad(cell, width, left=False) for cell, width in pairs)
            lines.append("  " + "  ".join([first, *rest]).rstrip())
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def _to_csv(example: WorkedExample, decimals: int) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["quantity", "head", "row", "column", "value"])
    for table in tables(example):
        for row, values in zip(table.rows, table.values, strict=True):
            for column, value in zip(table.columns, values, strict=True):
                head = "" if table.head is None else table.head
                writer.writerow(
                    [table.key, head, row, column, shown(value, decimals, "-")]
                )
    return buffer.getvalue()


def _markdown_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|")


def _to_markdown(example: WorkedExample, decimals: int) -> str:
    blocks = []
    for table in tables(example):
        header = ["", *map(_markdown_cell, table.columns)]
        lines = [
            f"**{table.title}**",
            "",
            "| " + " | ".join(header) + " |",
            "|" + "|".join([":--", *["--:"] * len(table.columns)]) + "|",
        ]
        for row, values in zip(table.rows, table.values, strict=True):
            cells = [_markdown_cell(row), *(shown(v, decimals, "−") for v in values)]
            lines.append("| " + " | ".join(cells) + " |")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def latex_escape(text: str) -> str:
    r"""Escape text so LaTeX prints it as typed.

    >>> latex_escape("a_b & {c}")
    'a\\_b \\& \\{c\\}'
    """
    return "".join(_LATEX_SPECIAL.get(char, char) for char in text)


def _to_latex(example: WorkedExample, decimals: int) -> str:
    blocks = ["% Tables of the self-attention lesson; needs no extra package."]
    for table in tables(example):
        title = latex_escape(table.title).replace("sqrt", r"\textsurd")
        spec = "l" + "r" * len(table.columns)
        lines = [
            r"\begin{table}[h]",
            r"\centering",
            rf"\caption{{{title}}}",
            rf"\begin{{tabular}}{{{spec}}}",
            r"\hline",
            " & ".join(["", *map(latex_escape, table.columns)]) + r" \\",
            r"\hline",
        ]
        for row, values in zip(table.rows, table.values, strict=True):
            cells = [
                latex_escape(row),
                *(f"${shown(v, decimals, '-')}$" for v in values),
            ]
            lines.append(" & ".join(cells) + r" \\")
        lines += [r"\hline", r"\end{tabular}", r"\end{table}"]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


FORMATS = {
    "table": _to_table,
    "json": _to_json,
    "csv": _to_csv,
    "markdown": _to_markdown,
    "latex": _to_latex,
}
"""Output format name to formatter; ``json`` ignores ``decimals``."""


def render_values(example: WorkedExample, fmt: str, decimals: int) -> str:
    """All values of ``example`` written in format ``fmt``."""
    return FORMATS[fmt](example, decimals)
