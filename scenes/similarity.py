"""Step 4: similarity scores. Each query meets every key in a dot product,
and the scores are divided by the square root of the key size.

The table of scores (rows = query words, columns = key words) is built by
:func:`make_grid`, which the softmax scene reuses.
"""

from __future__ import annotations

from collections.abc import Sequence

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    FadeIn,
    FadeOut,
    LaggedStart,
    Line,
    ReplacementTransform,
    SurroundingRectangle,
    TransformFromCopy,
    VectorizedPoint,
    VGroup,
)

import qkmath
from scenes import style
from scenes.common import (
    LessonScene,
    fit_width,
    make_dot_equation,
    make_number,
    make_text,
    make_title,
    make_vector,
    make_word,
    spoken_sum,
)

PANEL_LEFT, PANEL_RIGHT = -6.8, -0.6
"""Horizontal extent of the query and the keys, left of the table."""

QUERY_HEADER_Y, QUERY_Y = 2.75, 2.2
"""Heights of the word "query" and of the query being compared."""

KEYS_HEADER_Y, KEY_TOP, KEY_SPACING = 1.45, 0.9, 0.6
"""Heights of the word "keys" and of the first key; distance between keys."""

GRID_LEFT, GRID_RIGHT, GRID_TOP = 0.2, 6.8, 2.95
"""Where the table of scores sits while it is being filled."""

GRID_ROW_HEIGHT = 0.62
"""Vertical distance between two rows of a table of scores."""

GRID_LABEL_WIDTH = 1.5
"""Widest a word at the start of a table row may be."""

GRID_HEADER_WIDTH = 1.4
"""Widest a word heading a table column may be before it is shrunk."""

PANEL_LABEL_WIDTH = 2.0
"""Widest a word beside a query or key vector may be."""

EQUATION_Y = -2.1
"""Height of the written-out dot product."""

CAPTION_Y = -3.35
"""Height of the sentence that says what is being computed."""

HALF_WIDTH = 5.3
"""Widest one of two tables side by side may be."""


# ---------------------------------------------------------------- builders


def word_label(words: Sequence[str], token: int) -> str:
    """The word at ``token``, numbered when the same word occurs twice.

    Section names must be unique within a scene; "the (3)" tells two
    occurrences of "the" apart.
    """
    word = words[token]
    return word if words.count(word) == 1 else f"{word} ({token + 1})"


def align_columns(vectors: Sequence[VGroup]) -> None:
    """Give vectors made by ``make_vector`` the same spacing of entries.

    Vectors stacked in a column then have their entries under each other.
    """
    cell = max(
        (
            v.entries[1].get_x() - v.entries[0].get_x()
            for v in vectors
            if len(v.entries) > 1
        ),
        default=0,
    )
    for vector in vectors:
        left, entries, right = vector
        start = entries[0].get_x()
        for index, entry in enumerate(entries):
            entry.set_x(start + index * cell)
        left.next_to(entries, LEFT, buff=0.12)
        right.next_to(entries, RIGHT, buff=0.12)


def make_grid(
    rows: Sequence[str],
    columns: Sequence[str],
    cell_width: float,
    row_color: str = style.QUERY_COLOR,
    column_color: str = style.KEY_COLOR,
    legend: tuple[str, str] = ("query", "key"),
) -> VGroup:
    """An empty table with one word per row and one word per column.

    Parameters
    ----------
    rows, columns
        Words heading the rows (the words that ask) and the columns (the
        words they look at).
    cell_width
        Width of one column of values.
    row_color, column_color
        Colours of the row words and of the column words.
    legend
        What the row words and the column words stand for, written above
        the row words and above the column words.

    Returns
    -------
    VGroup
        With ``grid.slots[i][j]``, an invisible point at the centre of cell
        ``(i, j)`` that moves and scales with the grid, and
        ``grid.row_labels`` and ``grid.column_labels``. Give a cell's content
        its unscaled size (``grid.cell_width`` wide at most) and place it with
        :func:`put_in_cell`.
    """
    row_labels = VGroup(
        *(
            fit_width(
                make_word(w, style.SMALL_SIZE).set_color(row_color), GRID_LABEL_WIDTH
            )
            for w in rows
        )
    )
    column_labels = VGroup(
        *(
            fit_width(
                make_word(w, style.SMALL_SIZE).set_color(column_color), cell_width - 0.1
            )
            for w in columns
        )
    )
    label_width = max(label.width for label in row_labels)
    first_x = label_width + 0.3 + cell_width / 2
    for index, label in enumerate(row_labels):
        label.move_to(
            [label_width, -(index + 1) * GRID_ROW_HEIGHT, 0], aligned_edge=RIGHT
        )
    for index, label in enumerate(column_labels):
        label.move_to([first_x + index * cell_width, 0, 0])
    right_edge = first_x + (len(columns) - 0.5) * cell_width
    bottom = -(len(rows) + 0.5) * GRID_ROW_HEIGHT
    rules = VGroup(
        Line(
            [0, -GRID_ROW_HEIGHT / 2, 0],
            [right_edge, -GRID_ROW_HEIGHT / 2, 0],
            stroke_width=2,
            color=style.MUTED_COLOR,
        ),
        Line(
            [label_width + 0.15, GRID_ROW_HEIGHT / 2, 0],
            [label_width + 0.15, bottom, 0],
            stroke_width=2,
            color=style.MUTED_COLOR,
        ),
    )
    row_legend = make_text(legend[0], row_color, 20)
    row_legend.move_to([label_width, GRID_ROW_HEIGHT * 0.95, 0], aligned_edge=RIGHT)
    column_legend = make_text(legend[1], column_color, 20)
    column_legend.move_to([(first_x - cell_width / 2 + right_edge) / 2, 0, 0])
    column_legend.match_y(row_legend)
    slots = [
        [
            VectorizedPoint([first_x + j * cell_width, -(i + 1) * GRID_ROW_HEIGHT, 0])
            for j in range(len(columns))
        ]
        for i in range(len(rows))
    ]
    grid = VGroup(
        row_legend,
        column_legend,
        rules,
        row_labels,
        column_labels,
        *(slot for row in slots for slot in row),
    )
    grid.slots, grid.row_labels, grid.column_labels = slots, row_labels, column_labels
    grid.natural_width = grid.width
    grid.cell_width = cell_width
    return grid


def grid_number_size(n_tokens: int) -> int:
    """Font size of the values in a table of ``n_tokens`` rows."""
    return style.NUMBER_SIZE if n_tokens <= 2 else style.SMALL_SIZE


def cell_width_for(texts: Sequence[str], words: Sequence[str], size: int) -> float:
    """Width of a table column that holds the widest of ``texts``.

    Words heading the columns widen them up to ``GRID_HEADER_WIDTH``; longer
    words are shrunk to fit.
    """
    numbers = max(make_text(t, size=size).width for t in texts) + 0.35
    headers = max(make_word(w, style.SMALL_SIZE).width for w in words) + 0.15
    return max(numbers, min(headers, GRID_HEADER_WIDTH + 0.15))


def put_in_cell(grid: VGroup, row: int, column: int, mobject):
    """Scale ``mobject`` as the grid was scaled and centre it in a cell."""
    mobject.scale(grid.width / grid.natural_width)
    return mobject.move_to(grid.slots[row][column])


# ---------------------------------------------------------------- the part


class SimilarityPart:
    """The steps of the similarity scores, played on any lesson scene."""

    def __init__(self, scene: LessonScene) -> None:
        self.scene = scene
        self.example = scene.example
        self.head = scene.example.heads[0]
        self.queries = self.head.queries.totals
        self.keys = self.head.keys.totals
        self.size = grid_number_size(self.example.n_tokens)

    def play(self) -> None:
        self.show_queries_and_keys()
        for token in range(self.example.n_tokens):
            self.score_word(token, detailed=token == 0)
        if self.example.lesson.scale:
            self.scale_scores()
        else:
            self.keep_raw_scores()

    # ------------------------------------------------------------ steps

    def show_queries_and_keys(self) -> None:
        self.scene.step("Queries meet keys")
        # Show every key on the left and the empty table of scores
        words = self.example.words
        self.title = make_title("Similarity scores")
        self.key_rows = self._build_key_rows()
        keys_header = make_text("keys", style.KEY_COLOR, style.SMALL_SIZE)
        keys_header.move_to([PANEL_LEFT, KEYS_HEADER_Y, 0], aligned_edge=LEFT)
        query_header = make_text("query", style.QUERY_COLOR, style.SMALL_SIZE)
        query_header.move_to([PANEL_LEFT, QUERY_HEADER_Y, 0], aligned_edge=LEFT)
        self.grid = self._build_grid(self.head.scores)
        self.headers = VGroup(keys_header, query_header)
        self.cells = [[None] * len(words) for _ in words]
        self.query_row = None

        self.scene.narrate(
            "A word's query is compared with the key of every word, its own "
            "included; each comparison gives one similarity score."
        )
        self.scene.play(FadeIn(self.title), FadeIn(keys_header))
        self.scene.play(
            LaggedStart(*(FadeIn(row) for row in self.key_rows), lag_ratio=0.2),
            FadeIn(self.grid),
        )
        self.scene.wait(style.SHORT_PAUSE)

    def score_word(self, token: int, detailed: bool) -> None:
        words = self.example.words
        self.scene.step(f"Scores of {word_label(words, token)}")
        # Bring in this word's query, then take its dot product with each key
        self._show_query(token)
        if not detailed:
            scores = ", ".join(qkmath.shown(s) for s in self.head.scores[token])
            self.scene.narrate(
                f"The same for “{words[token]}”: its query against each key "
                f"gives {scores}."
            )
        for key in range(len(words)):
            self._dot_product(token, key, detailed, term_by_term=detailed and key == 0)
        self.scene.wait(style.STEP_PAUSE if detailed else style.SHORT_PAUSE)

    def scale_scores(self) -> None:
        self.scene.step("Scale by the key size")
        # Divide every score by the square root of the key size
        d_head = self.head.d_head
        scaled = self.head.scaled_scores
        root_value = qkmath.score_divisor(d_head)
        root = qkmath.shown(root_value)
        sign = qkmath.root_relation(d_head, root)
        raw_header = make_text("scores", style.SCORE_COLOR, style.SMALL_SIZE)
        scaled_header = make_text("scaled scores", style.SCORE_COLOR, style.SMALL_SIZE)
        scaled_grid = self._build_grid(scaled)
        divide = VGroup(
            make_text(f"÷ √{d_head}", style.TEXT_COLOR, style.LABEL_SIZE),
            VGroup(
                make_text(f"√{d_head} {sign}", style.MUTED_COLOR, style.SMALL_SIZE),
                make_number(root_value, style.MUTED_COLOR, style.SMALL_SIZE),
            ).arrange(RIGHT, buff=0.15),
        ).arrange(DOWN, buff=0.2)
        example = self._division_example()
        why = VGroup(
            make_text(
                f"Why: dividing by √{d_head} keeps the scores from growing with "
                "the key size,",
                style.MUTED_COLOR,
                style.SMALL_SIZE,
            ),
            make_text(
                "so softmax does not saturate.", style.MUTED_COLOR, style.SMALL_SIZE
            ),
        ).arrange(DOWN, buff=0.15)
        fit_width(why, 13.4).move_to([0, CAPTION_Y + 0.15, 0])

        target = self.grid.copy()
        self._place_half(target, -1)
        self._place_half(scaled_grid, 1)
        raw_header.next_to(target, UP, buff=0.2)
        scaled_header.next_to(scaled_grid, UP, buff=0.2).match_y(raw_header)
        divide.move_to([0, target.get_y(), 0])
        example.move_to([0, -1.9, 0])
        cells = VGroup(*(c for row in self.cells for c in row))
        cells_target = VGroup(
            *(
                self._number(self.head.scores[i, j], target, i, j)
                for i in range(len(self.cells))
                for j in range(len(self.cells))
            )
        )
        scaled_cells = VGroup(
            *(
                self._number(scaled[i, j], scaled_grid, i, j)
                for i in range(len(self.cells))
                for j in range(len(self.cells))
            )
        )

        self.scene.narrate(
            f"Divide every score by the square root of the key size, √{d_head}, "
            f"about {root}: {qkmath.shown(self.head.scores[0, 0])} becomes "
            f"{qkmath.shown(scaled[0, 0])}."
        )
        self.scene.play(
            FadeOut(self.headers, self.key_rows, self.query_row),
            ReplacementTransform(self.grid, target),
            ReplacementTransform(cells, cells_target),
        )
        self.scene.play(FadeIn(raw_header), FadeIn(divide))
        self.scene.play(FadeIn(example))
        self.scene.play(
            FadeIn(scaled_header),
            FadeIn(scaled_grid),
            LaggedStart(
                *(
                    TransformFromCopy(a, b)
                    for a, b in zip(cells_target, scaled_cells, strict=True)
                ),
                lag_ratio=0.15,
            ),
        )
        self.scene.narrate(
            "This keeps the scores from growing with the key size, so softmax "
            "does not saturate on one word."
        )
        self.scene.play(FadeIn(why))
        self.scene.wait(style.STEP_PAUSE * 2)

    def keep_raw_scores(self) -> None:
        self.scene.step("No scaling in this lesson")
        # Say that this lesson keeps the raw scores for softmax
        note = make_text(
            "This lesson skips the scaling: softmax uses the raw scores.",
            style.MUTED_COLOR,
            style.SMALL_SIZE,
        )
        fit_width(note, 13.4).move_to([0, CAPTION_Y, 0])
        cells = VGroup(*(c for row in self.cells for c in row))
        table = VGroup(self.grid, cells)
        target = table.copy()
        target.scale(min(1.4, 9 / target.width, 5 / target.height))
        target.move_to([0, 0.2, 0])

        self.scene.narrate(
            "This lesson skips the scaling: softmax will use the raw scores."
        )
        self.scene.play(
            FadeOut(self.headers, self.key_rows, self.query_row),
            ReplacementTransform(table, target),
        )
        self.scene.play(FadeIn(note))
        self.scene.wait(style.STEP_PAUSE * 2)

    # ------------------------------------------------------------ parts

    def _build_key_rows(self) -> VGroup:
        words = self.example.words
        size = style.NUMBER_SIZE if self.head.d_head <= 2 else style.SMALL_SIZE
        vectors = [make_vector(k, style.KEY_COLOR, size) for k in self.keys]
        self.query_vectors = [
            make_vector(q, style.QUERY_COLOR, size) for q in self.queries
        ]
        align_columns([*vectors, *self.query_vectors])
        labels = [
            fit_width(make_word(w, style.SMALL_SIZE), PANEL_LABEL_WIDTH) for w in words
        ]
        self.label_width = max(label.width for label in labels)
        rows = VGroup()
        for index, (label, vector) in enumerate(zip(labels, vectors, strict=True)):
            rows.add(self._panel_row(label, vector, KEY_TOP - index * KEY_SPACING))
        return rows

    def _panel_row(self, label, vector, y: float) -> VGroup:
        label.move_to([PANEL_LEFT, y, 0], aligned_edge=LEFT)
        vector.move_to([PANEL_LEFT + self.label_width + 0.35, y, 0], aligned_edge=LEFT)
        row = VGroup(label, vector)
        row.vector = vector
        if row.get_right()[0] > PANEL_RIGHT:
            row.scale((PANEL_RIGHT - PANEL_LEFT) / row.width, about_edge=LEFT)
        return row

    def _build_grid(self, values) -> VGroup:
        words = self.example.words
        texts = [qkmath.shown(v) for v in values.flat]
        grid = make_grid(words, words, cell_width_for(texts, words, self.size))
        fit_width(grid, GRID_RIGHT - GRID_LEFT)
        grid.move_to([GRID_RIGHT, GRID_TOP, 0], aligned_edge=UP + RIGHT)
        return grid

    def _number(self, value: float, grid: VGroup, row: int, column: int):
        number = make_number(value, style.SCORE_COLOR, self.size)
        return put_in_cell(grid, row, column, number)

    def _place_half(self, grid: VGroup, side: int) -> None:
        fit_width(grid, HALF_WIDTH)
        grid.move_to([side * (6.8 - grid.width / 2), 1.0, 0])

    def _show_query(self, token: int) -> None:
        label = make_word(self.example.words[token], style.SMALL_SIZE)
        fit_width(label, PANEL_LABEL_WIDTH)
        row = self._panel_row(label, self.query_vectors[token], QUERY_Y)
        if self.query_row is None:
            self.scene.play(FadeIn(self.headers[1]), FadeIn(row))
        else:
            self.scene.play(
                ReplacementTransform(self.query_row, row), run_time=style.FAST_MOVE_TIME
            )
        self.query_row = row

    def _dot_product(
        self, token: int, key: int, detailed: bool, term_by_term: bool
    ) -> None:
        """Write one dot product out and put its result in the table."""
        words = self.example.words
        query, key_vector = self.queries[token], self.keys[key]
        score = self.head.scores[token, key]
        colors = (style.QUERY_COLOR, style.KEY_COLOR, style.SCORE_COLOR)
        equation = make_dot_equation(query, key_vector, score, colors, EQUATION_Y)
        caption = make_text(
            f"multiply the query of “{words[token]}” and the key of "
            f"“{words[key]}” value by value, and add",
            style.MUTED_COLOR,
            style.SMALL_SIZE,
        )
        fit_width(caption, 13.2).move_to([0, CAPTION_Y, 0])
        frame = SurroundingRectangle(
            self.key_rows[key], color=style.KEY_COLOR, buff=0.08, corner_radius=0.1
        )
        cell = self._number(score, self.grid, token, key)
        run_time = style.MOVE_TIME if detailed else style.FAST_MOVE_TIME
        q_entries = self.query_row.vector.entries
        k_entries = self.key_rows[key].vector.entries

        if detailed:
            self.scene.narrate(
                f"Multiply the query of “{words[token]}” by the key of "
                f"“{words[key]}” value by value and add: "
                f"{spoken_sum(query, key_vector, score)}."
            )
        self.scene.play(FadeIn(frame), FadeIn(caption), run_time=run_time)
        moves = [
            [
                TransformFromCopy(q_entries[k], term.left),
                TransformFromCopy(k_entries[k], term.right),
                FadeIn(term.times, *term.rest),
            ]
            for k, term in enumerate(equation.terms)
        ]
        if term_by_term:
            for group in moves:
                self.scene.play(*group, run_time=run_time)
        else:
            self.scene.play(*(m for group in moves for m in group), run_time=run_time)
        self.scene.play(FadeIn(equation.sign, equation.total), run_time=run_time)
        self.scene.play(TransformFromCopy(equation.total, cell), run_time=run_time)
        self.scene.play(FadeOut(equation, frame, caption), run_time=0.4)
        self.cells[token][key] = cell

    def _division_example(self) -> VGroup:
        """``11.73 ÷ √2 = 8.29``: the first score, scaled."""
        d_head = self.head.d_head
        score, scaled = self.head.scores[0, 0], self.head.scaled_scores[0, 0]
        sign = qkmath.scaled_relation(qkmath.shown(score), d_head, qkmath.shown(scaled))
        return VGroup(
            make_number(score, style.SCORE_COLOR),
            make_text(f"÷ √{d_head}"),
            make_text(sign),
            make_number(scaled, style.SCORE_COLOR),
        ).arrange(RIGHT, buff=0.2)


class CompareQueriesWithKeys(LessonScene):
    """Dot products of each query with every key, then scaled."""

    def construct(self) -> None:
        SimilarityPart(self).play()
