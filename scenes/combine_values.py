"""Step 6: each word's output is the value vectors of all words, each scaled
by the attention weight the word gives it, added together.
"""

from __future__ import annotations

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    FadeIn,
    LaggedStart,
    Line,
    TransformFromCopy,
    VGroup,
    Write,
)

import qkmath
from scenes import style
from scenes.common import (
    LessonScene,
    fit_width,
    make_formula,
    make_text,
    make_title,
    make_vector,
    make_word,
    tex_matrix,
)
from scenes.similarity import align_columns, word_label

FORMULA_Y = 2.45
"""Height of ``V = X W_V``."""

MATRIX_WIDTH, MATRIX_HEIGHT = 11.6, 3.9
"""Largest the matrix form may be, between the formula and the caption."""

MATRIX_LABEL_WIDTH = 1.4
"""Widest a word beside a row of X may be."""

CAPTION_Y = -3.3
"""Height of the sentence that says what is shown."""

SUM_LEFT, SUM_RIGHT = -6.8, 6.8
"""Horizontal extent of the written-out weighted sum of value vectors."""

SUM_TOP, SUM_SPACING = 1.8, 0.72
"""Height of the first term of a weighted sum; distance between terms."""

HEADER_Y = 2.65
"""Height of the line naming the word whose output is computed."""

WORD_WIDTH = 1.6
"""Widest a word beside a term of the sum may be."""

TABLE_SPACING = 0.8
"""Vertical distance between two rows of the table of outputs."""


class CombineValuesPart:
    """The steps of combining value vectors, played on any lesson scene."""

    def __init__(self, scene: LessonScene) -> None:
        self.scene = scene
        self.example = scene.example
        self.head = scene.example.heads[0]
        self.values = self.head.values.totals
        self.weights = self.head.attention_weights
        self.products = qkmath.weighted_values(self.weights, self.values)
        self.size = style.NUMBER_SIZE if self.head.d_head <= 2 else style.SMALL_SIZE

    def play(self) -> None:
        self.show_values()
        for token in range(self.example.n_tokens):
            self.combine_word(token, detailed=token == 0)
        self.show_outputs()

    # ------------------------------------------------------------ steps

    def show_values(self) -> None:
        self.scene.step("Value vectors")
        # Recall that value vectors are made like queries and keys: V = X W_V
        values = self.head.values
        self.title = make_title("Combine the values")
        symbolic = make_formula("V", "=", "X", r"W_{V}", size=60)
        symbolic[0].set_color(style.VALUE_COLOR)
        symbolic[2].set_color(style.ENCODED_COLOR)
        symbolic[3].set_color(style.WEIGHT_COLOR)
        sign = qkmath.matrix_relation(values.inputs, values.weights, values.totals)
        numeric = make_formula(
            tex_matrix(values.inputs),
            tex_matrix(values.weights),
            "=" if sign == "=" else r"\approx",
            tex_matrix(values.totals),
            size=44,
        )
        numeric[0].set_color(style.ENCODED_COLOR)
        numeric[1].set_color(style.WEIGHT_COLOR)
        numeric[3].set_color(style.VALUE_COLOR)
        caption = make_text(
            "made like the queries and keys, with the value weights: "
            "one value vector per word",
            style.MUTED_COLOR,
            style.SMALL_SIZE,
        )

        symbolic.move_to([0, FORMULA_Y, 0])
        self._arrange_matrices(numeric)
        words = self._row_words(numeric[0])
        fit_width(caption, 13.2).move_to([0, CAPTION_Y, 0])

        rows = "; ".join(
            f"“{w}” gets [{', '.join(map(qkmath.shown, v))}]"
            for w, v in zip(self.example.words, values.totals, strict=True)
        )
        self.scene.narrate(
            "Value vectors are made exactly like queries and keys, with the "
            f"value weights: {rows}."
        )
        self.scene.play(FadeIn(self.title), Write(symbolic))
        self.scene.play(FadeIn(numeric), FadeIn(words), FadeIn(caption))
        self.scene.wait(style.STEP_PAUSE * 2)

    def combine_word(self, token: int, detailed: bool) -> None:
        words = self.example.words
        self.scene.step(f"Output of {word_label(words, token)}")
        # Scale each value vector by this word's attention weight, then add
        terms = self._build_terms(token)
        total = self._build_total(token, terms)
        body = VGroup(*terms, total)
        fit_width(body, SUM_RIGHT - SUM_LEFT).set_x(0)
        header = self._header(token).align_to(body, LEFT)
        caption = make_text(
            f"each value vector times the attention weight “{words[token]}” "
            "gives it, then added",
            style.MUTED_COLOR,
            style.SMALL_SIZE,
        )
        fit_width(caption, 13.2).move_to([0, CAPTION_Y, 0])
        run_time = style.MOVE_TIME if detailed else style.FAST_MOVE_TIME

        self.scene.clear_screen()
        self.scene.narrate(self._spoken(token))
        self.scene.play(FadeIn(self.title), FadeIn(header), FadeIn(caption))
        groups = [
            (
                FadeIn(term.word, term.weight, term.times, term.value),
                FadeIn(term.sign, *term.result[0::2]),
                TransformFromCopy(term.value.entries, term.result.entries),
            )
            for term in terms
        ]
        if detailed:
            for fade, sign, move in groups:
                self.scene.play(fade, run_time=run_time)
                self.scene.play(sign, move, run_time=run_time)
        else:
            self.scene.play(*(g[0] for g in groups), run_time=run_time)
            self.scene.play(*(a for g in groups for a in g[1:]), run_time=run_time)
        # Every term flows into the sum; one target per term, then keep one
        targets = [total.vector.entries] + [
            total.vector.entries.copy() for _ in terms[1:]
        ]
        self.scene.play(
            FadeIn(total.rule, total.label, total.sign, *total.vector[0::2]),
            *(
                TransformFromCopy(term.result.entries, target)
                for term, target in zip(terms, targets, strict=True)
            ),
            run_time=run_time,
        )
        self.scene.remove(*targets[1:])
        self.scene.wait(style.STEP_PAUSE if detailed else style.SHORT_PAUSE)

    def show_outputs(self) -> None:
        self.scene.step("Self-attention outputs")
        # End on every word beside its output
        words = self.example.words
        labels = [fit_width(make_word(w), 2.0) for w in words]
        vectors = [
            make_vector(row, style.OUTPUT_COLOR, self.size) for row in self.head.output
        ]
        align_columns(vectors)
        rows = VGroup()
        for index, (label, vector) in enumerate(zip(labels, vectors, strict=True)):
            y = -index * TABLE_SPACING
            label.move_to([0, y, 0], aligned_edge=RIGHT)
            vector.move_to([0.4, y, 0], aligned_edge=LEFT)
            rows.add(VGroup(label, vector))
        fit_width(rows, 12).move_to([0, 0.2, 0])
        header = make_text(
            "self-attention output", style.OUTPUT_COLOR, style.SMALL_SIZE
        )
        header.next_to(rows, UP, buff=0.45)
        caption = make_text(
            "each word's output mixes the value vectors of the words it attends to",
            style.MUTED_COLOR,
            style.SMALL_SIZE,
        )
        fit_width(caption, 13.2).move_to([0, CAPTION_Y, 0])

        outputs = "; ".join(
            f"“{w}”: [{', '.join(map(qkmath.shown, v))}]"
            for w, v in zip(words, self.head.output, strict=True)
        )
        self.scene.clear_screen()
        self.scene.narrate(f"The self-attention output of every word: {outputs}.")
        self.scene.play(FadeIn(self.title), FadeIn(header))
        self.scene.play(
            LaggedStart(*(FadeIn(row) for row in rows), lag_ratio=0.3), FadeIn(caption)
        )
        self.scene.wait(style.STEP_PAUSE * 2)

    # ------------------------------------------------------------ parts

    @staticmethod
    def _arrange_matrices(numeric) -> None:
        """X W = V on one line, or X W over = V when one line is too wide."""
        if numeric.width > MATRIX_WIDTH:
            product = VGroup(numeric[0], numeric[1]).arrange(RIGHT, buff=0.2)
            result = VGroup(numeric[2], numeric[3]).arrange(RIGHT, buff=0.25)
            result.next_to(product, DOWN, buff=0.35)
        fit_width(numeric, MATRIX_WIDTH)
        if numeric.height > MATRIX_HEIGHT:
            numeric.scale_to_fit_height(MATRIX_HEIGHT)
        numeric.move_to([MATRIX_LABEL_WIDTH / 2, -0.4, 0])

    def _row_words(self, matrix) -> VGroup:
        """The words beside the rows of X, one per row."""
        words = VGroup(*(make_word(w, style.SMALL_SIZE) for w in self.example.words))
        top, bottom = matrix.get_top()[1] - 0.15, matrix.get_bottom()[1] + 0.15
        step = (top - bottom) / len(words)
        for index, label in enumerate(words):
            label.scale_to_fit_height(min(label.height, step * 0.8))
            fit_width(label, MATRIX_LABEL_WIDTH)
            label.next_to(matrix, LEFT, buff=0.25)
            label.set_y(top - step * (index + 0.5))
        return words

    def _header(self, token: int) -> VGroup:
        header = VGroup(
            make_text("output of", style.MUTED_COLOR, style.SMALL_SIZE),
            make_word(self.example.words[token]).set_color(style.QUERY_COLOR),
        ).arrange(RIGHT, buff=0.2)
        fit_width(header, 6)
        return header.move_to([SUM_LEFT, HEADER_Y, 0], aligned_edge=LEFT)

    def _build_terms(self, token: int) -> list[VGroup]:
        """``99.59% × [1.50 0.39] = [1.49 0.39]``, one line per word.

        Weights are written as the softmax scene wrote them, as percentages:
        with two decimals as fractions, 0.9959 would read ``1.00``, and
        ``1.00 × 1.50 ≈ 1.49`` looks like a mistake.
        """
        words = self.example.words
        value_vectors = [
            make_vector(v, style.VALUE_COLOR, self.size) for v in self.values
        ]
        results = [
            make_vector(p, style.VALUE_COLOR, self.size) for p in self.products[token]
        ]
        align_columns(value_vectors)
        align_columns(results)
        terms = []
        for j, (value, result) in enumerate(zip(value_vectors, results, strict=True)):
            term = VGroup()
            term.word = fit_width(make_word(words[j], style.SMALL_SIZE), WORD_WIDTH)
            term.weight = make_text(
                self._shown_weight(token, j), style.ATTENTION_COLOR, self.size
            )
            term.times = make_text("×", size=self.size)
            term.value = value
            term.sign = make_text(self._product_sign(token, j), size=self.size)
            term.result = result
            y = SUM_TOP - j * SUM_SPACING
            term.word.move_to([SUM_LEFT, y, 0], aligned_edge=LEFT)
            term.weight.move_to([SUM_LEFT + WORD_WIDTH + 0.3, y, 0], aligned_edge=LEFT)
            term.times.next_to(term.weight, RIGHT, buff=0.2)
            value.move_to([0, y, 0]).next_to(term.times, RIGHT, buff=0.2)
            term.sign.next_to(value, RIGHT, buff=0.25)
            result.move_to([0, y, 0]).next_to(term.sign, RIGHT, buff=0.25)
            term.add(term.word, term.weight, term.times, value, term.sign, result)
            terms.append(term)
        # Line up the columns of the terms, and keep them on screen
        left = max(t.weight.get_right()[0] for t in terms)
        for term in terms:
            term.times.next_to([left, term.weight.get_y(), 0], RIGHT, buff=0.2)
            term.value.next_to(term.times, RIGHT, buff=0.2)
        value_right = max(t.value.get_right()[0] for t in terms)
        for term in terms:
            term.sign.next_to([value_right, term.value.get_y(), 0], RIGHT, buff=0.25)
            term.result.next_to(term.sign, RIGHT, buff=0.25)
        return terms

    def _build_total(self, token: int, terms: list[VGroup]) -> VGroup:
        """A rule under the products, then their sum: the output."""
        output = self.head.output[token]
        vector = make_vector(output, style.OUTPUT_COLOR, self.size)
        last = terms[-1].result
        align_columns([*(t.result for t in terms), vector])
        vector.next_to(last, DOWN, buff=0.55).align_to(last, LEFT)
        rule = Line(
            last.get_corner(DOWN + LEFT) + DOWN * 0.22,
            last.get_corner(DOWN + RIGHT) + DOWN * 0.22,
            stroke_width=2,
            color=style.MUTED_COLOR,
        )
        sign = make_text(self._sum_sign(token), size=self.size)
        sign.next_to(vector, LEFT, buff=0.25)
        label = make_text("added", style.MUTED_COLOR, style.SMALL_SIZE)
        label.next_to(sign, LEFT, buff=0.3)
        total = VGroup(rule, label, sign, vector)
        total.rule, total.label, total.sign, total.vector = rule, label, sign, vector
        return total

    def _shown_weight(self, token: int, j: int) -> str:
        return qkmath.shown_percent(100 * self.weights[token, j])

    def _product_sign(self, token: int, j: int) -> str:
        """``=`` if every shown product of this term is true, else ``≈``."""
        weight = qkmath.percent_as_fraction(self._shown_weight(token, j))
        for value, product in zip(self.values[j], self.products[token, j], strict=True):
            shown = [qkmath.shown(value)], qkmath.shown(product)
            if qkmath.dot_relation([weight], *shown) != "=":
                return "≈"
        return "="

    def _sum_sign(self, token: int) -> str:
        """``=`` if every shown entry of the output is the sum of the shown terms."""
        for k, total in enumerate(self.head.output[token]):
            terms = [qkmath.shown(p) for p in self.products[token, :, k]]
            if qkmath.sum_relation(terms, qkmath.shown(total)) != "=":
                return "≈"
        return "="

    def _spoken(self, token: int) -> str:
        words = self.example.words
        parts = ", ".join(
            f"{self._shown_weight(token, j)} of the value of “{word}”"
            for j, word in enumerate(words)
        )
        output = ", ".join(map(qkmath.shown, self.head.output[token]))
        return f"The output of “{words[token]}” is {parts}, added: [{output}]."


class CombineValues(LessonScene):
    """Value vectors weighted by attention and added: the outputs."""

    def construct(self) -> None:
        CombineValuesPart(self).play()
