"""Steps 2 and 3: weighted sums that turn position-encoded values into query
values and key values.

The query scene and the key scene are one construction; they differ only by
the :class:`Projection` each names as a class attribute.
"""

from __future__ import annotations

from dataclasses import dataclass

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    FadeIn,
    FadeOut,
    Line,
    ReplacementTransform,
    TransformFromCopy,
    VGroup,
    Write,
)

import qkmath
from scenes import style
from scenes.common import (
    LessonScene,
    column,
    fit_width,
    make_dot_equation,
    make_formula,
    make_node,
    make_number,
    make_text,
    make_title,
    make_vector,
    make_word,
    node_width,
    spoken_sum,
    spoken_vector,
    tex_matrix,
)

INPUT_X = -3.6
"""Centre of the column of position-encoded values."""

OUTPUT_X = 1.2
"""Centre of the column of results."""

NODES_Y = 0.2
"""Height of the middle of both columns."""

COLUMN_HEIGHT = 3.1
"""Most vertical distance between the first and last value of a column."""

NODE_SPACING = 1.2
"""Vertical distance between two values of a short column."""

EQUATION_Y = -2.3
"""Height of the written-out weighted sum."""

CAPTION_Y = -3.35
"""Height of the sentence that says what is being computed."""

TABLE_LEFT = 3.0
"""Left edge of the table of finished results."""

MATRIX_LABEL_WIDTH = 1.4
"""Widest a word beside the rows of X may be in the matrix form."""

MATRIX_HEIGHT = 4.2
"""Tallest the matrix form may be, between the formula and the caption."""

WEIGHT_POSITION = 0.28
"""Where along a connection its weight is written (0 = at the input)."""


@dataclass(frozen=True)
class Projection:
    """What makes a query scene a query scene.

    Attributes
    ----------
    name
        ``"query"``, ``"key"`` or ``"value"``: which weights of the head.
    plural
        How the results are called on screen ("query values").
    color
        The colour of these results in every scene.
    letter
        The matrix of results in the paper's notation ("Q").
    """

    name: str
    plural: str
    color: str
    letter: str

    @property
    def weights_tex(self) -> str:
        return rf"W_{{{self.letter}}}"


QUERY = Projection("query", "query values", style.QUERY_COLOR, "Q")
KEY = Projection("key", "key values", style.KEY_COLOR, "K")
VALUE = Projection("value", "value vectors", style.VALUE_COLOR, "V")


class ProjectionPart:
    """The steps of one projection, played on any lesson scene."""

    def __init__(self, scene: LessonScene, projection: Projection) -> None:
        self.scene = scene
        self.example = scene.example
        self.projection = projection
        self.head = scene.example.heads[0]
        self.sums = self.head.projection(projection.name)

    def play(self) -> None:
        self.show_network()
        for token in range(self.example.n_tokens):
            self.compute_word(token, detailed=token == 0)
        self.show_matrix_form()

    # ------------------------------------------------------------ steps

    def show_network(self) -> None:
        self.scene.step("Weighted connections")
        self.scene.narrate(
            f"Each {self.projection.name} value is a weighted sum of a word's "
            f"{self.example.d_model} position-encoded values: every line "
            f"carries one {self.projection.name} weight."
        )
        # Show the inputs, the empty results and the connections between them
        p = self.projection
        title = make_title(p.plural.capitalize()).set_color(p.color)
        d_model, d_head = self.sums.weights.shape
        width = node_width([*self.sums.inputs.flat, *self.sums.totals.flat])
        spacing = min(NODE_SPACING, COLUMN_HEIGHT / max(d_model - 1, d_head - 1, 1))
        self.inputs = column(
            [make_node(None, style.ENCODED_COLOR, width) for _ in range(d_model)],
            spacing,
        )
        self.inputs.move_to([INPUT_X, NODES_Y, 0])
        self.outputs = column(
            [make_node(None, p.color, width) for _ in range(d_head)], spacing
        )
        self.outputs.move_to([OUTPUT_X, NODES_Y, 0])
        self.lines = [
            [
                Line(
                    i.get_right(),
                    o.get_left(),
                    stroke_width=2,
                    color=style.WEIGHT_COLOR,
                    stroke_opacity=0.35,
                )
                for o in self.outputs
            ]
            for i in self.inputs
        ]
        input_header = make_text(
            "position-encoded", style.ENCODED_COLOR, style.SMALL_SIZE
        )
        input_header.next_to(self.inputs, UP, buff=0.3)
        output_header = make_text(p.plural, p.color, style.SMALL_SIZE)
        output_header.next_to(self.outputs, UP, buff=0.3).match_y(input_header)
        self.table = VGroup()
        self.table_header = make_text("every word", style.MUTED_COLOR, style.SMALL_SIZE)
        self.table_header.move_to([TABLE_LEFT, 0, 0], aligned_edge=LEFT)
        self.table_header.match_y(input_header)
        self.word = None
        self.values = None
        self.title = title

        self.scene.play(
            FadeIn(title),
            FadeIn(self.inputs),
            FadeIn(self.outputs),
            FadeIn(input_header),
        )
        self.scene.play(
            *(Write(line) for row in self.lines for line in row), FadeIn(output_header)
        )
        self.scene.wait(style.SHORT_PAUSE)

    def compute_word(self, token: int, detailed: bool) -> None:
        word = self.example.words[token]
        self.scene.step(f"{self.projection.plural.capitalize()} of {word}")
        if detailed:
            self.scene.narrate(
                f"Take the position-encoded values of “{word}”: "
                f"{spoken_vector(self.sums.inputs[token])}."
            )
        # Bring in this word's position-encoded values
        self._show_inputs(token)
        results = []
        for output in range(self.sums.weights.shape[1]):
            results.append(self._weighted_sum(token, output, detailed))
        # Name the results and keep them in the table
        self._store_results(token, results)
        self.scene.wait(style.SHORT_PAUSE if not detailed else style.STEP_PAUSE)

    def show_matrix_form(self) -> None:
        self.scene.step("Matrix form")
        self.scene.narrate(
            f"All words at once, in the paper's notation: {self.projection.letter} "
            f"= X × W_{self.projection.letter}. Each row of X is one word; each "
            f"column of the {self.projection.name} weights makes one "
            f"{self.projection.name} value."
        )
        # The same numbers in the paper's notation: Q = X W_Q
        p = self.projection
        x = self.sums.inputs
        relation = self._matrix_relation()
        symbolic = make_formula(p.letter, "=", "X", p.weights_tex, size=60)
        symbolic[0].set_color(p.color)
        symbolic[2].set_color(style.ENCODED_COLOR)
        symbolic[3].set_color(style.WEIGHT_COLOR)
        numeric = make_formula(
            tex_matrix(x),
            tex_matrix(self.sums.weights),
            relation,
            tex_matrix(self.sums.totals),
            size=48,
        )
        numeric[0].set_color(style.ENCODED_COLOR)
        numeric[1].set_color(style.WEIGHT_COLOR)
        numeric[3].set_color(p.color)
        words = VGroup(*(make_word(w, style.SMALL_SIZE) for w in self.example.words))
        symbolic.move_to([0, 2.45, 0])
        self._arrange_matrices(numeric)
        top, bottom = numeric[0].get_top()[1] - 0.15, numeric[0].get_bottom()[1] + 0.15
        step = (top - bottom) / len(words)
        for index, label in enumerate(words):
            label.scale_to_fit_height(min(label.height, step * 0.8))
            fit_width(label, MATRIX_LABEL_WIDTH)
            label.next_to(numeric[0], LEFT, buff=0.25)
            label.set_y(top - step * (index + 0.5))
        caption = make_text(
            f"each row of X (one word) times each column of the {p.name} "
            f"weights gives one {p.name} value",
            style.MUTED_COLOR,
            style.SMALL_SIZE,
        ).move_to([0, CAPTION_Y, 0])
        fit_width(caption, 13)

        self.scene.clear_screen()
        self.scene.play(FadeIn(self.title), Write(symbolic))
        self.scene.play(FadeIn(numeric), FadeIn(words), FadeIn(caption))
        self.scene.wait(style.STEP_PAUSE * 2)

    # ------------------------------------------------------------ parts

    @staticmethod
    def _arrange_matrices(numeric) -> None:
        """X W = Q on one line, or X W over = Q when one line is too wide."""
        width = 13.6 - MATRIX_LABEL_WIDTH
        if numeric.width <= width:
            numeric.move_to([MATRIX_LABEL_WIDTH / 2, -0.3, 0])
            return
        product = VGroup(numeric[0], numeric[1]).arrange(RIGHT, buff=0.2)
        result = VGroup(numeric[2], numeric[3]).arrange(RIGHT, buff=0.25)
        result.next_to(product, DOWN, buff=0.35)
        fit_width(numeric, width)
        if numeric.height > MATRIX_HEIGHT:
            numeric.scale_to_fit_height(MATRIX_HEIGHT)
        numeric.move_to([MATRIX_LABEL_WIDTH / 2, -0.35, 0])

    def _show_inputs(self, token: int) -> None:
        word = make_word(self.example.words[token])
        word.next_to(self.inputs, LEFT, buff=0.5)
        values = VGroup(
            *(
                make_number(v, style.ENCODED_COLOR).move_to(node)
                for v, node in zip(self.sums.inputs[token], self.inputs, strict=True)
            )
        )
        if self.word is None:
            self.scene.play(FadeIn(word), FadeIn(values))
        else:
            self.scene.play(
                ReplacementTransform(self.word, word),
                ReplacementTransform(self.values, values),
                FadeOut(self.results),
                run_time=style.FAST_MOVE_TIME,
            )
        self.word, self.values = word, values

    def _weighted_sum(self, token: int, output: int, detailed: bool):
        """Play one weighted sum and return the mobject of its result."""
        p = self.projection
        inputs = self.sums.inputs[token]
        weights = self.sums.weights[:, output]
        total = self.sums.totals[token, output]
        lines = [row[output] for row in self.lines]
        labels = VGroup(
            *(
                make_number(w, style.WEIGHT_COLOR, style.SMALL_SIZE)
                .move_to(line.point_from_proportion(WEIGHT_POSITION))
                .add_background_rectangle(
                    color=style.BACKGROUND_COLOR, opacity=1, buff=0.04
                )
                for w, line in zip(weights, lines, strict=True)
            )
        )
        colors = (style.ENCODED_COLOR, style.WEIGHT_COLOR, self.projection.color)
        equation = make_dot_equation(inputs, weights, total, colors, EQUATION_Y)
        caption = self._caption(token, output)
        ordinal = ("first", "second", "third", "fourth")[output]
        self.scene.narrate(
            f"Multiply each value by its weight and add: "
            f"{spoken_sum(inputs, weights, total)}, the {ordinal} "
            f"{p.name} value of “{self.example.words[token]}”."
        )
        run_time = style.MOVE_TIME if detailed else style.FAST_MOVE_TIME

        # Light up the connections into this result, with their weights
        self.scene.play(
            *(line.animate.set_stroke(style.HIGHLIGHT_COLOR, 3, 1) for line in lines),
            FadeIn(labels),
            FadeIn(caption),
            run_time=run_time,
        )
        # Multiply each value by its weight, then add the products
        if detailed:
            for k, term in enumerate(equation.terms):
                self.scene.play(
                    TransformFromCopy(self.values[k], term.left),
                    TransformFromCopy(labels[k], term.right),
                    FadeIn(term.times, *term.rest),
                    run_time=run_time,
                )
        else:
            self.scene.play(
                *(
                    anim
                    for k, term in enumerate(equation.terms)
                    for anim in (
                        TransformFromCopy(self.values[k], term.left),
                        TransformFromCopy(labels[k], term.right),
                        FadeIn(term.times, *term.rest),
                    )
                ),
                run_time=run_time,
            )
        self.scene.play(
            FadeIn(equation.sign), FadeIn(equation.total), run_time=run_time
        )
        result = make_number(total, p.color).move_to(self.outputs[output])
        self.scene.play(TransformFromCopy(equation.total, result), run_time=run_time)
        self.scene.play(
            FadeOut(equation),
            FadeOut(labels),
            FadeOut(caption),
            *(line.animate.set_stroke(style.WEIGHT_COLOR, 2, 0.35) for line in lines),
            run_time=0.4,
        )
        return result

    def _caption(self, token: int, output: int):
        word = self.example.words[token]
        ordinal = ("first", "second", "third", "fourth")[output]
        text = (
            f"multiply each value by its weight and add: the {ordinal} "
            f"{self.projection.name} value of “{word}”"
        )
        caption = make_text(text, style.MUTED_COLOR, style.SMALL_SIZE)
        return fit_width(caption, 13.2).move_to([0, CAPTION_Y, 0])

    def _store_results(self, token: int, results: list) -> None:
        p = self.projection
        row_y = self.table_header.get_y() - 0.75 * (token + 1)
        word = make_word(self.example.words[token], style.SMALL_SIZE)
        vector = make_vector(self.sums.totals[token], p.color, style.SMALL_SIZE)
        row = VGroup(word, vector).arrange(RIGHT, buff=0.3)
        fit_width(row, 6.9 - TABLE_LEFT)
        row.move_to([TABLE_LEFT, row_y, 0], aligned_edge=LEFT)
        brace_label = VGroup(*results)
        animations = [
            TransformFromCopy(r, e)
            for r, e in zip(results, vector.entries, strict=True)
        ]
        if token == 0:
            animations.append(FadeIn(self.table_header))
        self.scene.play(FadeIn(word), FadeIn(vector[0], vector[2]), *animations)
        self.table.add(row)
        self.results = brace_label

    def _matrix_relation(self) -> str:
        """``=`` if every shown entry of X W follows from the shown numbers."""
        x, w, totals = self.sums.inputs, self.sums.weights, self.sums.totals
        for t in range(x.shape[0]):
            for j in range(w.shape[1]):
                sign = qkmath.dot_relation(
                    [qkmath.shown(v) for v in x[t]],
                    [qkmath.shown(v) for v in w[:, j]],
                    qkmath.shown(totals[t, j]),
                )
                if sign != "=":
                    return r"\approx"
        return "="


class ProjectionScene(LessonScene):
    """A weighted-sum scene; subclasses choose the projection."""

    projection: Projection = QUERY

    def construct(self) -> None:
        ProjectionPart(self, self.projection).play()


class ComputeQueryValues(ProjectionScene):
    """Position-encoded values times the query weights: the query values."""

    projection = QUERY


class ComputeKeyValues(ProjectionScene):
    """Position-encoded values times the key weights: the key values."""

    projection = KEY
