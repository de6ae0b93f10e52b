"""Step 1: add sinusoidal position values to each word's embedding."""

from __future__ import annotations

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Axes,
    DashedLine,
    Dot,
    FadeIn,
    FadeOut,
    Indicate,
    LaggedStart,
    TransformFromCopy,
    VGroup,
    Write,
)

import qkmath
from scenes import style
from scenes.common import (
    LessonScene,
    fit_width,
    make_number,
    make_text,
    make_title,
    make_vector,
    make_word,
)

ROW_SPACING = 1.1
"""Vertical distance between the rows of two words."""

TABLE_LEFT = -6.7
"""Left edge of the table of words and values."""

TABLE_MIDDLE = 0.2
"""Height of the middle of the table of words."""

PLOT_LEFT, PLOT_RIGHT = 0.4, 6.7
"""Horizontal extent of the sine and cosine plots."""

PLOT_TOP, PLOT_BOTTOM = 2.75, -2.9
"""Vertical extent of the stacked plots."""


def curve_name(example: qkmath.WorkedExample, column: int) -> str:
    """``sin(pos)``, ``cos(pos / 100)``: the formula of one column."""
    divisor = qkmath.position_divisors(example.d_model)[column]
    function = "sin" if column % 2 == 0 else "cos"
    if divisor == 1:
        return f"{function}(pos)"
    return f"{function}(pos / {qkmath.shown(divisor, 0 if divisor >= 100 else 2)})"


class PositionalEncodingPart:
    """The steps of positional encoding, played on any lesson scene."""

    def __init__(self, scene: LessonScene) -> None:
        self.scene = scene
        self.example = scene.example

    def play(self) -> None:
        self.show_embeddings()
        self.draw_curves()
        self.read_positions()
        self.add_positions()
        self.show_result()

    # ------------------------------------------------------------ steps

    def show_embeddings(self) -> None:
        self.scene.step("Word embeddings")
        # Show each word with its embedding values
        title = make_title("Positional encoding")
        self.rows = self._build_rows()
        self.words = VGroup(*(row.word for row in self.rows))
        self.embeddings = VGroup(*(row.embedding for row in self.rows))
        header = make_text("word embedding", style.EMBEDDING_COLOR, style.SMALL_SIZE)
        header.next_to(self.embeddings, UP, buff=0.3)
        self.header = header
        self.title = title

        self.scene.play(FadeIn(title), FadeIn(self.words, shift=RIGHT * 0.3))
        self.scene.play(
            Write(header),
            LaggedStart(
                *(FadeIn(e, shift=LEFT * 0.2) for e in self.embeddings), lag_ratio=0.3
            ),
        )
        self.scene.wait(style.STEP_PAUSE)

    def draw_curves(self) -> None:
        self.scene.step("Sine and cosine curves")
        # Draw one curve per value of a word: sine and cosine, interleaved
        self.plots = self._build_plots()
        note = make_text(
            "one curve per value: sine, cosine, sine, ... ever slower",
            style.MUTED_COLOR,
            style.SMALL_SIZE,
        ).to_edge(DOWN, buff=0.25)

        self.scene.play(
            LaggedStart(*(FadeIn(p.axes, p.label) for p in self.plots), lag_ratio=0.2),
            FadeIn(self.position_labels),
        )
        self.scene.play(
            *(Write(p.curve) for p in self.plots), FadeIn(note), run_time=1.5
        )
        self.scene.wait(style.STEP_PAUSE)
        self.note = note

    def read_positions(self) -> None:
        self.scene.step("Read off the position values")
        # Read each curve at each word's position
        pe = self.example.positional_encoding
        self.readings = []
        for position in range(self.example.n_tokens):
            line, dots, values = self._build_reading(position, pe[position])
            self.readings.append(values)
            self.scene.play(FadeIn(line), FadeIn(dots), run_time=style.FAST_MOVE_TIME)
            self.scene.play(
                LaggedStart(*(FadeIn(v) for v in values), lag_ratio=0.2),
                run_time=style.WRITE_TIME,
            )
        self.scene.wait(style.STEP_PAUSE)

    def add_positions(self) -> None:
        self.scene.step("Add position values to embeddings")
        # Clear the plots and lay out embedding + position = encoded
        plot_parts = VGroup(
            *(VGroup(p.axes, p.label, p.curve) for p in self.plots),
            self.position_labels,
            self.reading_marks,
            self.note,
        )
        self.scene.play(FadeOut(plot_parts))
        headers = self._build_sum_headers()

        self.scene.play(
            FadeIn(headers), *(FadeIn(row.plus, row.equals) for row in self.rows)
        )
        for position, row in enumerate(self.rows):
            self.scene.play(
                *(
                    TransformFromCopy(reading, entry)
                    for reading, entry in zip(
                        self.readings[position], row.position.entries, strict=True
                    )
                ),
                FadeIn(row.position[0], row.position[2]),
                run_time=style.MOVE_TIME,
            )
        self.scene.play(
            FadeOut(VGroup(*(VGroup(*r) for r in self.readings))), run_time=0.3
        )
        for position, row in enumerate(self.rows):
            self._add_row(position, row, detailed=position == 0)
        self.scene.wait(style.STEP_PAUSE)
        self.sum_headers = headers

    def show_result(self) -> None:
        self.scene.step("Position-encoded values")
        # Keep only each word and its position-encoded values
        fading = VGroup(
            self.header,
            self.sum_headers,
            *(
                VGroup(row.embedding, row.plus, row.position, row.equals)
                for row in self.rows
            ),
        )
        label = make_text(
            "position-encoded values", style.ENCODED_COLOR, style.SMALL_SIZE
        )

        self.scene.play(FadeOut(fading))
        moves = [
            row.encoded.animate.next_to(row.word, RIGHT, buff=0.5).align_to(
                self.embeddings, LEFT
            )
            for row in self.rows
        ]
        self.scene.play(*moves)
        label.next_to(VGroup(*(row.encoded for row in self.rows)), UP, buff=0.3)
        self.scene.play(FadeIn(label))
        self.scene.wait(style.STEP_PAUSE)

    # ------------------------------------------------------------ builders

    def _build_rows(self) -> list[VGroup]:
        example = self.example
        rows = []
        words = [make_word(w) for w in example.words]
        word_width = max(w.width for w in words)
        for index, word in enumerate(words):
            row = VGroup()
            row.word = word
            row.embedding = make_vector(
                example.embeddings[index], style.EMBEDDING_COLOR
            )
            row.plus = make_text("+")
            row.position = make_vector(
                example.positional_encoding[index], style.POSITION_COLOR
            )
            row.equals = make_text("=")
            row.encoded = make_vector(
                example.position_encoded[index], style.ENCODED_COLOR
            )
            parts = [
                row.word,
                row.embedding,
                row.plus,
                row.position,
                row.equals,
                row.encoded,
            ]
            row.add(*parts)
            rows.append(row)
        # Align the columns of all rows, then shrink the table to fit.
        table = VGroup(*rows)
        y = TABLE_MIDDLE + ROW_SPACING * (len(rows) - 1) / 2
        for row in rows:
            row.word.move_to([TABLE_LEFT + word_width / 2, y, 0])
            row.embedding.next_to(row.word, RIGHT, buff=0.4)
            row.embedding.set_x(TABLE_LEFT + word_width + 0.4 + row.embedding.width / 2)
            row.plus.next_to(row.embedding, RIGHT, buff=0.3)
            row.position.next_to(row.plus, RIGHT, buff=0.3)
            row.equals.next_to(row.position, RIGHT, buff=0.3)
            row.encoded.next_to(row.equals, RIGHT, buff=0.3)
            y -= ROW_SPACING
        fit_width(table, 13.4)
        table.align_to([TABLE_LEFT, 0, 0], LEFT)
        left_part = VGroup(*(VGroup(r.word, r.embedding) for r in rows))
        if left_part.get_right()[0] > PLOT_LEFT - 0.3:
            raise ValueError("embedding table overlaps the plots")
        return rows

    def _build_plots(self) -> list[VGroup]:
        example = self.example
        d_model = example.d_model
        last = max(example.n_tokens - 1, 3)
        slot = (PLOT_TOP - PLOT_BOTTOM) / d_model
        label_width = 1.9
        plots = []
        for column in range(d_model):
            axes = Axes(
                x_range=[0, last + 0.3, 1],
                y_range=[-1, 1, 1],
                x_length=PLOT_RIGHT - PLOT_LEFT - label_width,
                y_length=min(1.5, slot - 0.35),
                tips=False,
                axis_config={"color": style.MUTED_COLOR, "stroke_width": 2},
            )
            center_y = PLOT_TOP - slot * (column + 0.5)
            axes.move_to([PLOT_LEFT + label_width + axes.width / 2, center_y, 0])
            curve = axes.plot(
                lambda x, c=column: float(qkmath.positional_curve(x, d_model, c)),
                x_range=[0, last + 0.3],
                color=style.POSITION_COLOR,
                stroke_width=3,
            )
            label = make_text(
                curve_name(example, column), style.POSITION_COLOR, style.SMALL_SIZE
            )
            fit_width(label, label_width - 0.2)
            label.next_to(axes, LEFT, buff=0.15)
            plot = VGroup(axes, curve, label)
            plot.axes, plot.curve, plot.label = axes, curve, label
            plots.append(plot)
        bottom = plots[-1].axes
        spacing = bottom.x_axis.get_unit_size()
        self.position_labels = VGroup()
        for position, word in enumerate(example.words):
            label = make_word(word, style.SMALL_SIZE)
            fit_width(label, spacing * 0.9)
            label.next_to(bottom.c2p(position, -1), DOWN, buff=0.15)
            self.position_labels.add(label)
        self.reading_marks = VGroup()
        return plots

    def _build_reading(self, position: int, values) -> tuple:
        top = self.plots[0].axes.c2p(position, 1.15)
        bottom = self.plots[-1].axes.c2p(position, -1)
        line = DashedLine(top, bottom, color=style.MUTED_COLOR, stroke_width=2)
        dots = VGroup()
        readings = []
        for plot, value in zip(self.plots, values, strict=True):
            point = plot.axes.c2p(position, value)
            dots.add(Dot(point, radius=0.06, color=style.POSITION_COLOR))
            number = make_number(value, style.POSITION_COLOR, style.SMALL_SIZE)
            number.next_to(point, RIGHT + (DOWN if value > 0 else UP), buff=0.08)
            number.add_background_rectangle(
                color=style.BACKGROUND_COLOR, opacity=0.85, buff=0.03
            )
            readings.append(number)
        self.reading_marks.add(line, dots)
        return line, dots, readings

    def _build_sum_headers(self) -> VGroup:
        first = self.rows[0]
        headers = VGroup()
        for part, text, color in (
            (first.position, "position", style.POSITION_COLOR),
            (first.encoded, "position-encoded", style.ENCODED_COLOR),
        ):
            header = make_text(text, color, style.SMALL_SIZE)
            header.next_to(part, UP, buff=0.3).match_y(self.header)
            headers.add(header)
        return headers

    def _sum_equations(self, position: int, columns: list[int]) -> VGroup:
        """``1.87 + 0.00 = 1.87`` for the given columns of one word."""
        example = self.example
        equations = VGroup()
        for column in columns:
            embedding = example.embeddings[position, column]
            pe = example.positional_encoding[position, column]
            total = example.position_encoded[position, column]
            sign = qkmath.sum_relation(
                [qkmath.shown(embedding), qkmath.shown(pe)], qkmath.shown(total)
            )
            equation = VGroup(
                make_number(embedding, style.EMBEDDING_COLOR),
                make_text("+"),
                make_number(pe, style.POSITION_COLOR),
                make_text(sign),
                make_number(total, style.ENCODED_COLOR),
            ).arrange(RIGHT, buff=0.2)
            equation.total = equation[-1]
            equations.add(equation)
        equations.arrange(RIGHT, buff=0.8)
        fit_width(equations, 13.4)
        return equations.move_to([0, -2.6, 0])

    def _add_row(self, position: int, row: VGroup, detailed: bool) -> None:
        # Add value by value for the first word, a whole word at once after
        d_model = self.example.d_model
        groups = [[c] for c in range(d_model)] if detailed else [list(range(d_model))]
        self.scene.play(FadeIn(row.encoded[0], row.encoded[2]), run_time=0.3)
        for columns in groups:
            equations = self._sum_equations(position, columns)
            highlights = [
                Indicate(part.entries[c], color=style.HIGHLIGHT_COLOR)
                for c in columns
                for part in (row.embedding, row.position)
            ]
            run_time = style.MOVE_TIME if detailed else style.FAST_MOVE_TIME
            self.scene.play(FadeIn(equations), *highlights, run_time=run_time)
            self.scene.play(
                *(
                    TransformFromCopy(eq.total, row.encoded.entries[c])
                    for eq, c in zip(equations, columns, strict=True)
                ),
                run_time=run_time,
            )
            self.scene.play(FadeOut(equations), run_time=0.3)


class ShowPositionalEncoding(LessonScene):
    """Sine and cosine position values added to each word's embedding."""

    def construct(self) -> None:
        PositionalEncodingPart(self).play()
