"""Step 5: softmax turns each row of scores into attention weights; a decoder
first hides the words that come later.

``ApplySoftmax`` and ``MaskFutureWords`` are one construction; they differ
only by the class attribute ``always_masked``.
"""

from __future__ import annotations

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    UR,
    FadeIn,
    FadeOut,
    GrowFromEdge,
    LaggedStart,
    Rectangle,
    ReplacementTransform,
    TransformFromCopy,
    VGroup,
)

import qkmath
from scenes import style
from scenes.common import (
    LessonScene,
    fit_width,
    make_number,
    make_text,
    make_title,
    make_word,
)
from scenes.similarity import (
    cell_width_for,
    make_grid,
    put_in_cell,
    word_label,
)

LABEL_LEFT, LABEL_WIDTH = -6.8, 4.0
"""Left edge and widest extent of the names of the rows of a softmax."""

VALUES_LEFT, VALUES_RIGHT = -2.4, 6.8
"""Horizontal extent of the columns of a softmax, one per word."""

MAX_CELL = 2.3
"""Widest column of a softmax."""

HEADER_Y = 2.5
"""Height of the words heading the columns of a softmax."""

ROW_Y = {"scores": 1.75, "shifted": 1.0, "exps": 0.25, "sum": -0.5, "weights": -1.3}
"""Height of each row of a softmax."""

BAR_Y = -1.85
"""Height of the bars under the weights."""

BAR_HEIGHT = 0.22
"""Thickness of a bar of a softmax."""

CAPTION_Y = -2.55
"""Height of the top of the sentence that explains what is shown."""

TABLE_TOP = 2.35
"""Top edge of a table of scores or weights shown alone."""

TABLE_MAX_WIDTH, TABLE_MAX_HEIGHT = 10.0, 4.4
"""Largest a table of scores or weights may grow to when it is alone."""

BAR_OPACITY = 0.35
"""Opacity of the bar behind a percentage in the table of weights."""


def make_power(exponent: float, size: int = style.NUMBER_SIZE) -> VGroup:
    """``e`` raised to a value (``−∞`` included), written without LaTeX."""
    base = make_text("e", size=size)
    power = make_text(qkmath.shown_or_infinity(exponent), size=int(size * 0.7))
    power.next_to(base, UR, buff=0.03).shift(DOWN * 0.15 * base.height)
    return VGroup(base, power)


def make_bar(weight: float, width: float, height: float = BAR_HEIGHT) -> VGroup:
    """A horizontal bar filled to ``weight`` (0 to 1) of its ``width``."""
    track = Rectangle(
        width=width, height=height, stroke_color=style.MUTED_COLOR, stroke_width=1
    )
    fill = Rectangle(
        width=max(weight * width, 1e-3),
        height=height,
        stroke_width=0,
        fill_color=style.ATTENTION_COLOR,
        fill_opacity=1,
    )
    fill.align_to(track, LEFT)
    bar = VGroup(track, fill)
    bar.fill = fill
    return bar


class SoftmaxPart:
    """The steps of softmax, played on any lesson scene.

    Parameters
    ----------
    scene
        The scene to play on. When ``masked`` is True its example should be
        causal, so that these weights are the ones the lesson goes on with.
    masked
        Hide later words (set their scores to minus infinity) first.
    demonstration
        Say on screen that the lesson itself is not causal and that the mask
        is applied only to show it.
    """

    def __init__(
        self, scene: LessonScene, masked: bool, demonstration: bool = False
    ) -> None:
        self.scene = scene
        self.example = scene.example
        self.head = scene.example.heads[0]
        self.masked = masked
        self.demonstration = demonstration
        scaled = self.example.lesson.scale
        self.scores = self.head.scaled_scores if scaled else self.head.scores
        self.scores_name = "scaled scores" if scaled else "scores"
        n_tokens = self.example.n_tokens
        mask = qkmath.causal_mask(n_tokens) if masked else None
        self.steps = qkmath.softmax_steps(self.scores, mask)
        self.percentages = qkmath.as_percentages(self.steps.weights)
        self.cell = min(MAX_CELL, (VALUES_RIGHT - VALUES_LEFT) / n_tokens)

    def play(self) -> None:
        self.show_scores()
        if self.masked:
            self.mask_future_words()
        for token in range(self.example.n_tokens):
            self.softmax_row(token, detailed=token == 0)
        self.show_weights()

    # ------------------------------------------------------------ steps

    def show_scores(self) -> None:
        self.scene.step("Scores to weights")
        # Show the table of scores that softmax starts from
        title = make_title("Masked softmax" if self.masked else "Softmax")
        words = self.example.words
        texts = [qkmath.shown(v) for v in self.scores.flat]
        size = style.SMALL_SIZE
        grid = make_grid(words, words, cell_width_for(texts, words, size))
        cells = VGroup(
            *(
                put_in_cell(
                    grid, i, j, make_number(self.scores[i, j], style.SCORE_COLOR, size)
                )
                for i in range(len(words))
                for j in range(len(words))
            )
        )
        table = VGroup(grid, cells)
        table.scale(
            min(1.4, TABLE_MAX_WIDTH / table.width, TABLE_MAX_HEIGHT / table.height)
        )
        table.move_to([0, TABLE_TOP, 0], aligned_edge=UP)
        header = make_text(self.scores_name, style.SCORE_COLOR, style.SMALL_SIZE)
        header.next_to(table, UP, buff=0.25)
        caption = self._caption(
            "softmax turns each row of scores into weights: "
            "all positive, adding up to 100%"
        )
        self.title, self.grid, self.cells = title, grid, cells

        self.scene.narrate(
            f"Softmax turns each row of {self.scores_name} into attention "
            "weights: positive numbers that add up to 100 percent."
        )
        self.scene.play(FadeIn(title), FadeIn(header), FadeIn(table))
        self.scene.play(FadeIn(caption))
        self.scene.wait(style.STEP_PAUSE)
        self.caption = caption

    def mask_future_words(self) -> None:
        self.scene.step("Hide later words")
        # Replace the scores of later words by minus infinity
        n_tokens = self.example.n_tokens
        hidden = [(i, j) for i in range(n_tokens) for j in range(i + 1, n_tokens)]
        size = style.SMALL_SIZE
        infinities = [
            put_in_cell(
                self.grid,
                i,
                j,
                make_text(qkmath.shown_or_infinity(self.steps.logits[i, j]), size=size),
            ).set_color(style.MUTED_COLOR)
            for i, j in hidden
        ]
        why = self._caption(
            "A decoder predicts the next word, so a word may not look at",
            "the words that come after it: their scores become −∞.",
        )
        note = make_text(
            "This lesson is not causal: the mask is applied here for the "
            "demonstration.",
            style.MUTED_COLOR,
            style.SMALL_SIZE,
        )
        fit_width(note, 13.4).next_to(why, DOWN, buff=0.15)

        self.scene.narrate(
            "A decoder predicts the next word, so each word may only look at "
            "itself and the words before it: the scores of later words become "
            "minus infinity, and their weights will be exactly zero."
        )
        self.scene.play(FadeOut(self.caption), FadeIn(why))
        if self.demonstration:
            self.scene.play(FadeIn(note))
        if hidden:
            n = n_tokens
            self.scene.play(
                LaggedStart(
                    *(
                        ReplacementTransform(self.cells[i * n + j], infinity)
                        for (i, j), infinity in zip(hidden, infinities, strict=True)
                    ),
                    lag_ratio=0.2,
                )
            )
        self.scene.wait(style.STEP_PAUSE * 2)

    def softmax_row(self, token: int, detailed: bool) -> None:
        words = self.example.words
        self.scene.step(f"Softmax of {word_label(words, token)}")
        # Lay out the row of this word: its scores under the words they concern
        steps = self.steps
        header = self._row_header(token)
        labels = self._row_labels(token)
        scores = self._row_values(steps.logits[token], "scores", style.SCORE_COLOR)
        shifted = self._row_values(steps.shifted[token], "shifted", style.SCORE_COLOR)
        powers = VGroup(
            *(
                fit_width(make_power(x), self.cell - 0.2).move_to(self._spot(j, "exps"))
                for j, x in enumerate(steps.shifted[token])
            )
        )
        exps = self._row_values(steps.exponentials[token], "exps", style.TEXT_COLOR)
        total = self._sum(token)
        percents, bars = self._weights(token)
        run_time = style.MOVE_TIME if detailed else style.FAST_MOVE_TIME
        shown = qkmath.shown
        largest = shown(steps.maxima[token])

        self.scene.clear_screen()
        self.scene.narrate(
            f"Take the row of “{words[token]}”: "
            f"{', '.join(map(qkmath.shown_or_infinity, steps.logits[token]))}."
        )
        self.scene.play(FadeIn(self.title), FadeIn(header), FadeIn(labels[0]))
        self.scene.play(FadeIn(scores), run_time=run_time)
        if detailed:
            self.scene.narrate(
                f"First subtract the largest score, {largest}, from each: the "
                "weights stay the same, and the exponentials cannot overflow."
            )
            caption = self._caption(
                f"subtract the largest score, {largest}: same weights, no overflow"
            )
            self.scene.play(FadeIn(caption), run_time=run_time)
        self.scene.play(
            FadeIn(labels[1]),
            *(TransformFromCopy(a, b) for a, b in zip(scores, shifted, strict=True)),
            run_time=run_time,
        )
        if detailed:
            self.scene.narrate(
                "Raise e to the power of each: the largest gives 1, the others "
                "less than 1"
                + (", and minus infinity gives 0." if self.masked else ".")
            )
            self.scene.play(
                FadeIn(labels[2]),
                *(
                    TransformFromCopy(a, b)
                    for a, b in zip(shifted, powers, strict=True)
                ),
                run_time=run_time,
            )
            self.scene.play(ReplacementTransform(powers, exps), run_time=run_time)
        else:
            self.scene.play(
                FadeIn(labels[2]),
                *(TransformFromCopy(a, b) for a, b in zip(shifted, exps, strict=True)),
                run_time=run_time,
            )
        self.scene.narrate(
            f"Add them up: {shown(steps.sums[token])}. Each exponential divided "
            "by this sum is one attention weight: "
            + ", ".join(
                f"{qkmath.shown_percent(p)} for “{w}”"
                for p, w in zip(self.percentages[token], words, strict=True)
            )
            + "."
        )
        self.scene.play(
            FadeIn(labels[3]),
            *(
                TransformFromCopy(e, term)
                for e, term in zip(exps, total.terms, strict=True)
            ),
            FadeIn(*total.rest),
            run_time=run_time,
        )
        self.scene.play(
            FadeIn(labels[4]),
            *(TransformFromCopy(e, p) for e, p in zip(exps, percents, strict=True)),
            FadeIn(*(bar[0] for bar in bars)),
            run_time=run_time,
        )
        self.scene.play(
            *(GrowFromEdge(bar.fill, LEFT) for bar in bars), run_time=run_time
        )
        self.scene.wait(style.STEP_PAUSE if detailed else style.SHORT_PAUSE)

    def show_weights(self) -> None:
        self.scene.step("Attention weights")
        # End on the table of weights: one row per word, adding up to 100%
        words = self.example.words
        texts = [qkmath.shown_percent(p) for p in self.percentages.flat]
        size = style.SMALL_SIZE
        grid = make_grid(words, words, cell_width_for(texts, words, size))
        rows = VGroup()
        for i in range(len(words)):
            row = VGroup()
            for j in range(len(words)):
                row.add(self._weight_cell(grid, i, j, size))
            rows.add(row)
        table = VGroup(grid, rows)
        table.scale(
            min(1.4, TABLE_MAX_WIDTH / table.width, TABLE_MAX_HEIGHT / table.height)
        )
        table.move_to([0, TABLE_TOP, 0], aligned_edge=UP)
        header = make_text("attention weights", style.ATTENTION_COLOR, style.SMALL_SIZE)
        header.next_to(table, UP, buff=0.25)
        later = " Later words get 0%." if self.masked else ""
        caption = self._caption(
            "Each row adds up to 100%: how much each word looks at every word.",
            *([later.strip()] if later else []),
        )

        self.scene.clear_screen()
        self.scene.narrate(
            "Every word now has one attention weight per word; each row adds "
            "up to 100 percent." + later
        )
        self.scene.play(FadeIn(self.title), FadeIn(header), FadeIn(grid))
        self.scene.play(
            LaggedStart(*(FadeIn(row) for row in rows), lag_ratio=0.3), FadeIn(caption)
        )
        self.scene.wait(style.STEP_PAUSE * 2)

    # ------------------------------------------------------------ parts

    def _caption(self, *lines: str):
        """Muted sentence at the bottom, one line per argument."""
        caption = VGroup(
            *(make_text(line, style.MUTED_COLOR, style.SMALL_SIZE) for line in lines)
        ).arrange(DOWN, buff=0.15)
        return fit_width(caption, 13.4).move_to([0, CAPTION_Y, 0], aligned_edge=UP)

    def _column_x(self, column: int) -> float:
        return VALUES_LEFT + self.cell * (column + 0.5)

    def _spot(self, column: int, row: str) -> list[float]:
        return [self._column_x(column), ROW_Y[row], 0]

    def _row_header(self, token: int) -> VGroup:
        """The asking word on the left, the words it looks at on top."""
        words = self.example.words
        asking = VGroup(
            make_text("row of", style.MUTED_COLOR, style.SMALL_SIZE),
            make_word(words[token]).set_color(style.QUERY_COLOR),
        ).arrange(RIGHT, buff=0.2)
        fit_width(asking, LABEL_WIDTH)
        asking.move_to([LABEL_LEFT, HEADER_Y, 0], aligned_edge=LEFT)
        columns = VGroup(
            *(
                fit_width(
                    make_word(w).set_color(style.KEY_COLOR), self.cell - 0.2
                ).move_to([self._column_x(j), HEADER_Y, 0])
                for j, w in enumerate(words)
            )
        )
        return VGroup(asking, columns)

    def _row_labels(self, token: int) -> VGroup:
        largest = qkmath.shown(self.steps.maxima[token])
        texts = [
            self.scores_name,
            f"minus the largest, {largest}",
            "e to that power",
            "their sum",
            "÷ sum: the weights",
        ]
        labels = VGroup()
        for text, row in zip(texts, ROW_Y, strict=True):
            label = make_text(text, style.MUTED_COLOR, style.SMALL_SIZE)
            fit_width(label, LABEL_WIDTH)
            labels.add(label.move_to([LABEL_LEFT, ROW_Y[row], 0], aligned_edge=LEFT))
        return labels

    def _row_values(self, values, row: str, color: str) -> VGroup:
        return VGroup(
            *(
                fit_width(
                    make_text(qkmath.shown_or_infinity(v), color, style.NUMBER_SIZE),
                    self.cell - 0.2,
                ).move_to(self._spot(j, row))
                for j, v in enumerate(values)
            )
        )

    def _sum(self, token: int) -> VGroup:
        """``1.00 + 0.00 = 1.00`` with a sign that is true."""
        exps = [qkmath.shown(v) for v in self.steps.exponentials[token]]
        total = self.steps.sums[token]
        sign = qkmath.sum_relation(exps, qkmath.shown(total))
        terms = [
            make_number(v, size=style.NUMBER_SIZE)
            for v in self.steps.exponentials[token]
        ]
        parts = []
        for index, term in enumerate(terms):
            parts.append(term)
            if index < len(terms) - 1:
                parts.append(make_text("+"))
        result = make_number(total, style.HIGHLIGHT_COLOR)
        equation = VGroup(*parts, make_text(sign), result).arrange(RIGHT, buff=0.18)
        fit_width(equation, VALUES_RIGHT - VALUES_LEFT)
        equation.move_to([VALUES_LEFT + 0.1, ROW_Y["sum"], 0], aligned_edge=LEFT)
        equation.terms = terms
        equation.rest = [p for p in equation if p not in terms]
        return equation

    def _weights(self, token: int) -> tuple[VGroup, VGroup]:
        """The weights of one row as percentages, each with its bar."""
        percents, bars = VGroup(), VGroup()
        for j, (p, w) in enumerate(
            zip(self.percentages[token], self.steps.weights[token], strict=True)
        ):
            text = make_text(
                qkmath.shown_percent(p), style.ATTENTION_COLOR, style.NUMBER_SIZE
            )
            percents.add(
                fit_width(text, self.cell - 0.2).move_to(self._spot(j, "weights"))
            )
            bar = make_bar(w, self.cell - 0.3)
            bars.add(bar.move_to([self._column_x(j), BAR_Y, 0]))
        return percents, bars

    def _weight_cell(self, grid: VGroup, row: int, column: int, size: int) -> VGroup:
        """A percentage over a faint bar as long as the weight."""
        weight = self.steps.weights[row, column]
        text = make_text(
            qkmath.shown_percent(self.percentages[row, column]),
            style.ATTENTION_COLOR,
            size,
        )
        bar = make_bar(weight, grid.cell_width - 0.1, text.height + 0.2)
        bar.fill.set_fill(opacity=BAR_OPACITY)
        bar[0].set_stroke(opacity=0.5)
        cell = VGroup(bar, text)
        return put_in_cell(grid, row, column, cell)


class SoftmaxScene(LessonScene):
    """A softmax scene; subclasses say whether later words are hidden."""

    always_masked: bool = False
    """Hide later words even when the lesson is not causal."""

    def construct(self) -> None:
        lesson = self.example.lesson
        demonstration = self.always_masked and not lesson.causal
        if demonstration:
            self.example = qkmath.compute(qkmath.as_causal(lesson))
        masked = self.always_masked or lesson.causal
        SoftmaxPart(self, masked, demonstration).play()


class ApplySoftmax(SoftmaxScene):
    """Softmax over each row of scores: the attention weights."""

    always_masked = False


class MaskFutureWords(SoftmaxScene):
    """Later words hidden before softmax, as in a decoder."""

    always_masked = True
