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
    ReplacementTransform,
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
    spoken_rows,
    spoken_vector,
)

ROW_SPACING = 1.0
"""Vertical distance between the rows of two words."""

TABLE_LEFT, TABLE_RIGHT = -6.8, -0.2
"""Horizontal extent of the table of words and their values."""

TABLE_MIDDLE = 0.1
"""Height of the middle of the table."""

PLOT_LEFT, PLOT_RIGHT = 0.3, 6.8
"""Horizontal extent of the sine and cosine plots and of the sums."""

PLOT_TOP, PLOT_BOTTOM = 2.75, -2.6
"""Vertical extent of the stacked plots."""

SUM_TOP = 1.6
"""Height of the first line of a written-out vector sum."""

SUM_SPACING = 0.9
"""Vertical distance between the lines of a vector sum."""

EQUATION_Y = -2.0
"""Height of the element-by-element equations."""


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
        self.scene.narrate(
            f"Each word starts as a word embedding of {self.example.d_model} "
            "numbers: " + spoken_rows(self.example.words, self.example.embeddings) + "."
        )
        # Show each word with its embedding values
        title = make_title("Positional encoding")
        self.words, self.embeddings = self._build_table()
        header = make_text("word embeddings", style.EMBEDDING_COLOR, style.SMALL_SIZE)
        header.next_to(self.embeddings, UP, buff=0.35)

        self.scene.play(FadeIn(title), FadeIn(self.words, shift=RIGHT * 0.3))
        self.scene.play(
            Write(header),
            LaggedStart(
                *(FadeIn(e, shift=LEFT * 0.2) for e in self.embeddings),
                lag_ratio=0.3,
            ),
        )
        self.scene.wait(style.STEP_PAUSE)
        self.header = header

    def draw_curves(self) -> None:
        self.scene.step("Sine and cosine curves")
        self.scene.narrate(
            "Positional encoding gives each value of a word its own curve: "
            "sine, then cosine, each pair slower than the one before."
        )
        # Draw one curve per value of a word: sine and cosine, interleaved
        self.plots = self._build_plots()
        note = make_text(
            "one curve per value: sine, cosine, sine, ... each pair slower",
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
        marks = VGroup()
        for position in range(self.example.n_tokens):
            self.scene.narrate(
                f"At position {position}, “{self.example.words[position]}” reads "
                f"{spoken_vector(self.example.positional_encoding[position])} "
                "off the curves."
            )
            line, dots, values = self._build_reading(position)
            marks.add(line, dots, values)
            self.scene.play(FadeIn(line), FadeIn(dots), run_time=style.FAST_MOVE_TIME)
            self.scene.play(
                LaggedStart(*(FadeIn(v) for v in values), lag_ratio=0.2),
                run_time=style.WRITE_TIME,
            )
        self.scene.wait(style.STEP_PAUSE)
        self.marks = marks

    def add_positions(self) -> None:
        self.scene.step("Add position values to embeddings")
        # Make room: the sums are written where the curves were
        plots = VGroup(*self.plots, self.position_labels, self.marks, self.note)
        legend = self._build_legend()

        self.scene.play(FadeOut(plots), FadeIn(legend))
        for position in range(self.example.n_tokens):
            self._add_word(position, detailed=position == 0)
        self.scene.play(FadeOut(legend))
        self.scene.wait(style.SHORT_PAUSE)

    def show_result(self) -> None:
        self.scene.step("Position-encoded values")
        self.scene.narrate(
            "Each word now carries its meaning and its place: "
            + spoken_rows(self.example.words, self.example.position_encoded)
            + "."
        )
        # End on each word beside its position-encoded values
        header = make_text(
            "position-encoded values", style.ENCODED_COLOR, style.SMALL_SIZE
        ).move_to(self.header)

        table = VGroup(self.words, self.embeddings)
        shift = RIGHT * (-table.get_x())

        self.scene.play(ReplacementTransform(self.header, header))
        self.scene.play(table.animate.shift(shift), header.animate.shift(shift))
        self.scene.wait(style.STEP_PAUSE * 2)

    # ------------------------------------------------------------ builders

    def _build_table(self) -> tuple[VGroup, VGroup]:
        """Words and embedding vectors, one row per word, columns aligned."""
        example = self.example
        words = VGroup(*(make_word(w) for w in example.words))
        size = style.NUMBER_SIZE if example.d_model <= 2 else style.SMALL_SIZE
        vectors = VGroup(
            *(
                make_vector(row, style.EMBEDDING_COLOR, size)
                for row in example.embeddings
            )
        )
        word_width = max(w.width for w in words)
        top = TABLE_MIDDLE + ROW_SPACING * (len(words) - 1) / 2
        for index, (word, vector) in enumerate(zip(words, vectors, strict=True)):
            y = top - index * ROW_SPACING
            word.move_to([TABLE_LEFT + word_width / 2, y, 0])
            vector.move_to([0, y, 0], aligned_edge=LEFT)
            vector.set_x(TABLE_LEFT + word_width + 0.35 + vector.width / 2)
        table = VGroup(words, vectors)
        fit_width(table, TABLE_RIGHT - TABLE_LEFT)
        table.align_to([TABLE_LEFT, 0, 0], LEFT)
        return words, vectors

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
        return plots

    def _build_reading(self, position: int) -> tuple:
        """A dashed line at a word's position, a dot and a value per curve."""
        values = self.example.positional_encoding[position]
        top = self.plots[0].axes.c2p(position, 1.15)
        bottom = self.plots[-1].axes.c2p(position, -1)
        line = DashedLine(top, bottom, color=style.MUTED_COLOR, stroke_width=2)
        dots = VGroup()
        readings = VGroup()
        for plot, value in zip(self.plots, values, strict=True):
            point = plot.axes.c2p(position, value)
            dots.add(Dot(point, radius=0.07, color=style.POSITION_COLOR))
            number = make_number(value, style.POSITION_COLOR, style.SMALL_SIZE)
            number.next_to(point, RIGHT + (DOWN if value > 0 else UP), buff=0.08)
            number.add_background_rectangle(
                color=style.BACKGROUND_COLOR, opacity=0.85, buff=0.03
            )
            readings.add(number)
        return line, dots, readings

    def _build_legend(self) -> VGroup:
        legend = VGroup(
            make_text("embedding", style.EMBEDDING_COLOR, style.SMALL_SIZE),
            make_text("+", size=style.SMALL_SIZE),
            make_text("position", style.POSITION_COLOR, style.SMALL_SIZE),
            make_text("=", size=style.SMALL_SIZE),
            make_text("position-encoded", style.ENCODED_COLOR, style.SMALL_SIZE),
        ).arrange(RIGHT, buff=0.15)
        fit_width(legend, PLOT_RIGHT - PLOT_LEFT)
        return legend.move_to([(PLOT_LEFT + PLOT_RIGHT) / 2, SUM_TOP + 0.85, 0])

    def _build_sum(self, position: int) -> VGroup:
        """Embedding over position over their sum, column under column."""
        example = self.example
        lines = VGroup()
        for sign, values, color in (
            ("", example.embeddings[position], style.EMBEDDING_COLOR),
            ("+", example.positional_encoding[position], style.POSITION_COLOR),
            ("=", example.position_encoded[position], style.ENCODED_COLOR),
        ):
            vector = make_vector(values, color)
            operator = make_text(sign or "+").set_opacity(1 if sign else 0)
            operator.next_to(vector, LEFT, buff=0.25)
            line = VGroup(operator, vector)
            line.vector = vector
            lines.add(line)
        cell = max(
            line.vector.entries[1].get_x() - line.vector.entries[0].get_x()
            if len(line.vector.entries) > 1
            else 0
            for line in lines
        )
        for index, line in enumerate(lines):
            for column, entry in enumerate(line.vector.entries):
                entry.set_x(column * cell)
            line.vector[0].next_to(line.vector.entries, LEFT, buff=0.12)
            line.vector[2].next_to(line.vector.entries, RIGHT, buff=0.12)
            line.vector[0].set_y(line.vector.entries.get_y())
            line.vector[2].set_y(line.vector.entries.get_y())
            line[0].next_to(line.vector, LEFT, buff=0.25)
            line.move_to([0, -index * SUM_SPACING, 0], coor_mask=[0, 1, 0])
        fit_width(lines, PLOT_RIGHT - PLOT_LEFT - 0.3)
        lines.move_to([(PLOT_LEFT + PLOT_RIGHT) / 2, 0, 0], coor_mask=[1, 0, 0])
        lines.shift(UP * (SUM_TOP - lines[0].get_y()))
        return lines

    def _equations(self, position: int, columns: list[int]) -> VGroup:
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
            equations.add(equation)
        equations.arrange(RIGHT, buff=0.7)
        fit_width(equations, PLOT_RIGHT - PLOT_LEFT)
        return equations.move_to([(PLOT_LEFT + PLOT_RIGHT) / 2, EQUATION_Y, 0])

    def _add_word(self, position: int, detailed: bool) -> None:
        # Write the sum out; value by value for the first word only
        embedding, pe, encoded = self._build_sum(position)
        self.scene.narrate(self._spoken_addition(position))
        row = self.embeddings[position]
        run_time = style.MOVE_TIME if detailed else style.FAST_MOVE_TIME

        self.scene.play(
            Indicate(self.words[position], color=style.HIGHLIGHT_COLOR),
            TransformFromCopy(row, embedding.vector),
            run_time=run_time,
        )
        self.scene.play(FadeIn(pe, shift=DOWN * 0.2), run_time=run_time)
        self.scene.play(
            FadeIn(encoded[0], encoded.vector[0], encoded.vector[2]), run_time=0.3
        )
        columns = range(self.example.d_model)
        for group in [[c] for c in columns] if detailed else [list(columns)]:
            equations = self._equations(position, group)
            self.scene.play(FadeIn(equations), run_time=run_time)
            self.scene.play(
                *(
                    TransformFromCopy(equation[-1], encoded.vector.entries[c])
                    for equation, c in zip(equations, group, strict=True)
                ),
                run_time=run_time,
            )
            self.scene.play(FadeOut(equations), run_time=0.3)
        # The word now carries its position-encoded values
        result = encoded.vector.copy()
        result.generate_target()
        result.target.match_height(row).move_to(row, aligned_edge=LEFT)
        self.scene.play(
            FadeOut(row),
            ReplacementTransform(encoded.vector, result.target),
            FadeOut(embedding, pe, encoded[0]),
            run_time=run_time,
        )
        self.embeddings.submobjects[position] = result.target

    def _spoken_addition(self, position: int) -> str:
        example = self.example
        sums = []
        for e, p, x in zip(
            example.embeddings[position],
            example.positional_encoding[position],
            example.position_encoded[position],
            strict=True,
        ):
            terms = [qkmath.shown(e), qkmath.shown(p)]
            result = qkmath.shown(x)
            sums.append(
                f"{terms[0]} + {terms[1]} {qkmath.sum_relation(terms, result)} {result}"
            )
        return (
            f"Add the position values to the embedding of "
            f"“{example.words[position]}”, value by value: " + ", ".join(sums) + "."
        )


class ShowPositionalEncoding(LessonScene):
    """Sine and cosine position values added to each word's embedding."""

    def construct(self) -> None:
        PositionalEncodingPart(self).play()
