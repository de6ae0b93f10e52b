"""Multi-head attention: several heads, each with its own weights, side by
side, and their outputs concatenated into one output per word.

A lesson with one head gets the documented default second head of
:func:`qkmath.with_second_head`, and the scene says so on screen.
"""

from __future__ import annotations

from collections.abc import Sequence

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Arrow,
    FadeIn,
    FadeOut,
    Mobject,
    RoundedRectangle,
    SurroundingRectangle,
    TransformFromCopy,
    VGroup,
    VMobject,
    Write,
)

import qkmath
from qkmath.heads import most_attended
from scenes import style
from scenes.common import (
    LessonScene,
    fit_width,
    make_formula,
    make_number,
    make_text,
    make_title,
    make_vector,
    make_word,
)

# ---------------------------------------------------------------- colours

HEAD_COLORS = ("#FF8A65", "#9CCC65", "#7986CB")
"""One colour per head (coral, lime, indigo): a head's name, frame and
output are drawn in it, and each part of the concatenated output keeps the
colour of the head that wrote it."""

# ---------------------------------------------------------------- limits

MAX_HEADS = len(HEAD_COLORS)
"""Most heads shown side by side; more would shrink numbers below legibility."""

MAX_NUMBER_CHARS = 6
"""Longest number that fits the widest layout legibly, e.g. ``−12.34``."""

MATRICES = (
    ("query", "Q", style.QUERY_COLOR),
    ("key", "K", style.KEY_COLOR),
    ("value", "V", style.VALUE_COLOR),
)
"""The weight matrices of a head: name, letter and colour."""

# ---------------------------------------------------------------- layout

LEFT_EDGE, RIGHT_EDGE = -6.8, 6.8
"""Horizontal extent of every table."""

CONTENT_TOP = 2.95
"""Top of the tables, below the title."""

CAPTION_Y = -3.5
"""Height of the sentence at the bottom of a screen."""

CONTENT_BOTTOM = -3.15
"""Bottom of the tables, above the caption."""

CELL_GAP = 0.28
"""Horizontal space between two numbers of a grid."""

ROW_GAP = 0.16
"""Vertical space between two rows of a grid."""

HEAD_GAP = 0.6
"""Horizontal space between the columns of two heads."""

WORD_WIDTH = 1.6
"""Widest a word beside the rows of a table may be."""


def shown_example(
    example: qkmath.WorkedExample,
) -> tuple[qkmath.WorkedExample, bool]:
    """The example the scene shows, and whether its second head was added.

    A lesson with one head is shown with the default second head of
    :func:`qkmath.with_second_head`.
    """
    if len(example.heads) >= 2:
        return example, False
    return qkmath.compute(qkmath.with_second_head(example.lesson)), True


def fits(example: qkmath.WorkedExample) -> str | None:
    """None when the scene can show ``example`` legibly, else why not."""
    shown, _ = shown_example(example)
    d_head = max(head.d_head for head in shown.heads)
    limits = (
        (len(shown.heads), MAX_HEADS, "heads side by side"),
        (shown.n_tokens, style.MAX_WORDS, "words"),
        (shown.d_model, style.MAX_D_MODEL, "values per word (d_model)"),
        (d_head, style.MAX_D_HEAD, "values per head (d_head)"),
    )
    for count, most, what in limits:
        if count > most:
            return (
                f"the multi-head scene fits at most {most} {what}, "
                f"this lesson has {count}"
            )
    texts = [
        qkmath.shown(value)
        for head in shown.heads
        for array in (*head.weights.values(), head.attention_weights, head.output)
        for value in array.flat
    ]
    widest = max(texts, key=len)
    if len(widest) > MAX_NUMBER_CHARS:
        return (
            f"the multi-head scene fits numbers of at most {MAX_NUMBER_CHARS} "
            f"characters (such as −12.34), this lesson shows {widest}"
        )
    return None


# ---------------------------------------------------------------- builders


def make_grid(
    matrix, color: str | Sequence[str], size: int = style.NUMBER_SIZE
) -> VGroup:
    """A matrix of values in brackets, right-aligned in columns.

    ``color`` is one colour, or one per column. ``grid.entries[i][j]``
    holds the number of row ``i``, column ``j``.
    """
    colors = [color] * len(matrix[0]) if isinstance(color, str) else color
    rows = [
        [make_number(v, c, size) for v, c in zip(row, colors, strict=True)]
        for row in matrix
    ]
    width = max(entry.width for row in rows for entry in row) + CELL_GAP
    height = max(entry.height for row in rows for entry in row) + ROW_GAP
    for i, row in enumerate(rows):
        for j, entry in enumerate(row):
            entry.move_to([(j + 1) * width, -i * height, 0], aligned_edge=RIGHT)
    entries = VGroup(*(VGroup(*row) for row in rows))
    bracket_height = entries.height + 0.16
    left = make_bracket(bracket_height, 1).next_to(entries, LEFT, buff=0.1)
    right = make_bracket(bracket_height, -1).next_to(entries, RIGHT, buff=0.1)
    grid = VGroup(left, entries, right)
    grid.entries = entries
    return grid


def make_bracket(height: float, side: int) -> VMobject:
    """One square bracket; ``side`` 1 opens to the right, -1 to the left."""
    arm = 0.09 * side
    bracket = VMobject(stroke_color=style.MUTED_COLOR, stroke_width=2)
    top, bottom = height / 2, -height / 2
    bracket.set_points_as_corners(
        [[arm, top, 0], [0, top, 0], [0, bottom, 0], [arm, bottom, 0]]
    )
    return bracket


def fit_into(mobject: Mobject, width: float, height: float) -> Mobject:
    """Shrink ``mobject`` to fit a ``width`` by ``height`` box; never enlarge."""
    fit_width(mobject, width)
    if mobject.height > height:
        mobject.scale_to_fit_height(height)
    return mobject


def word_labels(words: Sequence[str], rows: VGroup, beside: Mobject) -> VGroup:
    """The words left of ``beside``, each at the height of its row."""
    labels = VGroup()
    for word, row in zip(words, rows, strict=True):
        label = fit_width(make_word(word, style.LABEL_SIZE), WORD_WIDTH)
        label.next_to(beside, LEFT, buff=0.25).match_y(row)
        labels.add(label)
    return labels


def caption(text: str) -> Mobject:
    """A sentence in the muted colour at the bottom of the screen."""
    line = make_text(text, style.MUTED_COLOR, style.SMALL_SIZE)
    return fit_width(line, RIGHT_EDGE - LEFT_EDGE).move_to([0, CAPTION_Y, 0])


# ---------------------------------------------------------------- scene


class MultiHeadPart:
    """The steps of multi-head attention, played on any lesson scene."""

    def __init__(self, scene: LessonScene) -> None:
        self.scene = scene
        self.example, self.added_head = shown_example(scene.example)
        self.heads = self.example.heads
        self.words = self.example.words

    def play(self) -> None:
        self.show_heads()
        self.show_weights()
        self.show_attention()
        self.show_outputs()
        self.concatenate()

    # ------------------------------------------------------------ steps

    def show_heads(self) -> None:
        self.scene.step("Several heads")
        # Send the same position-encoded values into every head
        title = make_title("Multi-head attention")
        inputs = VGroup(
            *(
                VGroup(
                    fit_width(make_word(word, style.SMALL_SIZE), WORD_WIDTH),
                    make_vector(values, style.ENCODED_COLOR, style.SMALL_SIZE),
                ).arrange(RIGHT, buff=0.3)
                for word, values in zip(
                    self.words, self.example.position_encoded, strict=True
                )
            )
        )
        header = make_text("position-encoded", style.ENCODED_COLOR, style.SMALL_SIZE)
        boxes = VGroup(*(self._head_box(h) for h in range(len(self.heads))))

        inputs.arrange(DOWN, buff=0.35, aligned_edge=RIGHT)
        fit_into(inputs, 6.2, 4.2).move_to([-3.2, -0.1, 0])
        header.next_to(inputs, UP, buff=0.35)
        boxes.arrange(DOWN, buff=0.45).move_to([3.9, -0.1, 0])
        arrows = VGroup(
            *(
                Arrow(
                    inputs.get_right() + RIGHT * 0.2,
                    box.get_left(),
                    buff=0.1,
                    stroke_width=3,
                    color=style.MUTED_COLOR,
                )
                for box in boxes
            )
        )
        note = caption(
            "This lesson has one head: head 2 is a default head, "
            "added to show several heads."
            if self.added_head
            else "The lesson's own heads, each with its own weights."
        )

        self.scene.narrate(self._heads_sentence())
        self.scene.play(FadeIn(title), FadeIn(header), FadeIn(inputs))
        self.scene.play(*(Write(a) for a in arrows), FadeIn(boxes), FadeIn(note))
        self.scene.wait(style.STEP_PAUSE)

    def show_weights(self) -> None:
        self.scene.step("Weights of each head")
        # Show W_Q, W_K and W_V of every head: one column per head
        title = make_title("Each head has its own weights")
        columns = [
            VGroup(
                *(make_grid(head.weights[name], color) for name, _, color in MATRICES)
            )
            for head in self.heads
        ]
        names = VGroup(
            *(
                make_formula(rf"W_{{{letter}}}", size=40).set_color(color)
                for _, letter, color in MATRICES
            )
        )

        for column in columns:
            column.arrange(DOWN, buff=0.4)
        table = VGroup(*columns).arrange(RIGHT, buff=HEAD_GAP, aligned_edge=UP)
        for index, name in enumerate(names):
            row = VGroup(*(column[index] for column in columns))
            name.next_to(table, LEFT, buff=0.4).match_y(row)
        frames, labels = self._head_frames(columns)
        body = VGroup(table, names, frames, labels)
        fit_into(body, RIGHT_EDGE - LEFT_EDGE, CONTENT_TOP - CONTENT_BOTTOM)
        body.move_to([0, (CONTENT_TOP + CONTENT_BOTTOM) / 2, 0])
        note = caption("rows: the values of a word; columns: the values the head makes")

        self.scene.clear_screen()
        self.scene.narrate(self._weights_sentence())
        self.scene.play(FadeIn(title), FadeIn(names), FadeIn(frames), FadeIn(labels))
        self.scene.play(*(FadeIn(column) for column in columns), FadeIn(note))
        self.scene.wait(style.STEP_PAUSE * 2)

    def show_attention(self) -> None:
        self.scene.step("Attention of each head")
        # Show every head's attention weights, where each looks most marked
        title = make_title("Each head attends in its own way")
        grids = [
            make_grid(head.attention_weights, style.TEXT_COLOR) for head in self.heads
        ]

        table = VGroup(*grids).arrange(RIGHT, buff=HEAD_GAP * 1.5)
        marks = VGroup(*(self._mark_most(h, grid) for h, grid in enumerate(grids)))
        columns = VGroup(*(self._column_words(grid) for grid in grids))
        frames, labels = self._head_frames(
            [VGroup(g, c) for g, c in zip(grids, columns, strict=True)]
        )
        rows = word_labels(self.words, grids[0].entries, frames[0])
        body = VGroup(table, marks, columns, rows, frames, labels)
        fit_into(body, RIGHT_EDGE - LEFT_EDGE, CONTENT_TOP - CONTENT_BOTTOM)
        body.move_to([0, (CONTENT_TOP + CONTENT_BOTTOM) / 2, 0])
        note = caption(
            "row: the word that looks; column: the word it looks at; "
            "boxed: where each head looks most"
        )

        self.scene.clear_screen()
        self.scene.narrate(self._attention_sentence())
        self.scene.play(
            FadeIn(title), FadeIn(frames), FadeIn(labels), FadeIn(rows), FadeIn(columns)
        )
        self.scene.play(*(FadeIn(grid) for grid in grids), FadeIn(note))
        self.scene.play(*(Write(mark) for mark in marks))
        self.scene.wait(style.STEP_PAUSE * 2)

    def show_outputs(self) -> None:
        self.scene.step("Output of each head")
        # Show each head's output: its attention weights times its values
        title = make_title("Each head gives its own output")
        grids = [
            make_grid(head.output, HEAD_COLORS[h]) for h, head in enumerate(self.heads)
        ]
        self.outputs = VGroup(*grids).arrange(RIGHT, buff=HEAD_GAP, aligned_edge=UP)
        frames, labels = self._head_frames(grids)
        rows = word_labels(self.words, grids[0].entries, frames[0])
        final, final_rows, final_header = self._concatenated()
        upper = VGroup(self.outputs, rows, frames, labels)
        lower = VGroup(final, final_rows, final_header)
        self._stack(upper, lower)
        self.final = (final, final_rows, final_header)
        note = caption("each head: its attention weights times its own value vectors")

        self.scene.clear_screen()
        self.scene.narrate(self._outputs_sentence())
        self.scene.play(FadeIn(title), FadeIn(frames), FadeIn(labels), FadeIn(rows))
        self.scene.play(*(FadeIn(grid) for grid in grids), FadeIn(note))
        self.scene.wait(style.STEP_PAUSE)
        self.note = note

    def concatenate(self) -> None:
        self.scene.step("Concatenate the heads")
        # Put the heads' outputs side by side, in head order, for each word
        final, rows, header = self.final
        moves = [
            TransformFromCopy(source, target)
            for h, grid in enumerate(self.outputs)
            for source, target in zip(
                (e for row in grid.entries for e in row),
                self._head_entries(final, h),
                strict=True,
            )
        ]
        why = caption(
            "Each head can attend to different words; "
            "concatenating keeps what each head found."
        )

        self.scene.narrate(self._concatenate_sentence())
        self.scene.play(FadeIn(header), FadeIn(rows), FadeIn(final[0], final[2]))
        self.scene.play(*moves, run_time=style.MOVE_TIME * 2)
        self.scene.play(FadeIn(why), FadeOut(self.note))
        self.scene.wait(style.STEP_PAUSE * 2)

    # ------------------------------------------------------------ parts

    def _head_name(self, h: int) -> str:
        added = self.added_head and h == 1
        return f"head {h + 1} (default)" if added else f"head {h + 1}"

    def _mark_most(self, h: int, grid: VGroup) -> VGroup:
        """Box and colour the largest weight of each row of head ``h``."""
        marks = VGroup()
        weights = self.heads[h].attention_weights
        for i, j in enumerate(most_attended(weights)):
            entry = grid.entries[i][j].set_color(HEAD_COLORS[h])
            marks.add(
                SurroundingRectangle(
                    entry, color=HEAD_COLORS[h], buff=0.07, stroke_width=2
                )
            )
        return marks

    def _head_box(self, h: int) -> VGroup:
        """A box standing for head ``h`` in the overview."""
        box = RoundedRectangle(
            corner_radius=0.15,
            width=4.6,
            height=1.0,
            stroke_color=HEAD_COLORS[h],
            stroke_width=3,
        )
        name = make_text(self._head_name(h), HEAD_COLORS[h], style.SMALL_SIZE)
        what = make_text(
            "own query, key and value weights", style.MUTED_COLOR, style.SMALL_SIZE
        )
        text = VGroup(name, what).arrange(DOWN, buff=0.1)
        fit_into(text, box.width - 0.3, box.height - 0.15).move_to(box)
        return VGroup(box, text)

    def _head_frames(self, columns: Sequence[Mobject]) -> tuple[VGroup, VGroup]:
        """A frame around each head's column and the head's name above it."""
        frames, labels = VGroup(), VGroup()
        top = max(column.get_top()[1] for column in columns)
        bottom = min(column.get_bottom()[1] for column in columns)
        for h, column in enumerate(columns):
            label = make_text(self._head_name(h), HEAD_COLORS[h], style.SMALL_SIZE)
            fit_width(label, max(column.width, 1.2))
            frame = RoundedRectangle(
                corner_radius=0.12,
                width=max(column.width, label.width) + 0.3,
                height=top - bottom + label.height + 0.5,
                stroke_color=HEAD_COLORS[h],
                stroke_width=2,
                stroke_opacity=0.6,
            )
            frame.move_to([column.get_x(), (top + bottom) / 2, 0])
            frame.shift(UP * (label.height + 0.2) / 2)
            label.move_to([column.get_x(), top + 0.1 + label.height / 2 + 0.1, 0])
            frames.add(frame)
            labels.add(label)
        return frames, labels

    def _column_words(self, grid: VGroup) -> VGroup:
        """Words above the columns of an attention grid, staggered when long."""
        entries = grid.entries[0]
        pitch = entries[1].get_x() - entries[0].get_x() if len(entries) > 1 else 3.0
        labels = [make_word(word, style.SMALL_SIZE) for word in self.words]
        stagger = any(label.width > pitch - 0.1 for label in labels)
        widest = 2 * pitch - 0.2 if stagger else pitch - 0.1
        for j, (label, entry) in enumerate(zip(labels, entries, strict=True)):
            fit_width(label, widest)
            raised = stagger and j % 2 == 1
            label.next_to(grid, UP, buff=0.12 + (label.height if raised else 0))
            label.set_x(entry.get_x())
        return VGroup(*labels)

    def _concatenated(self) -> tuple[VGroup, VGroup, Mobject]:
        """The final output grid, its words and its header."""
        colors = [
            HEAD_COLORS[h]
            for h, head in enumerate(self.heads)
            for _ in range(head.d_head)
        ]
        final = make_grid(self.example.output, colors)
        rows = word_labels(self.words, final.entries, final)
        header = make_text(
            "output: the heads' outputs concatenated, in head order",
            style.TEXT_COLOR,
            style.SMALL_SIZE,
        )
        header.next_to(final, UP, buff=0.3).align_to(rows, LEFT)
        return final, rows, header

    def _head_entries(self, final: VGroup, h: int) -> list[Mobject]:
        """The entries of the final grid that head ``h`` wrote, row by row."""
        start = sum(head.d_head for head in self.heads[:h])
        stop = start + self.heads[h].d_head
        return [entry for row in final.entries for entry in row[start:stop]]

    @staticmethod
    def _stack(upper: Mobject, lower: Mobject) -> None:
        """Fit two tables one above the other between title and caption."""
        gap = 0.45
        space = CONTENT_TOP - CONTENT_BOTTOM - gap
        scale = min(
            1.0,
            (RIGHT_EDGE - LEFT_EDGE) / upper.width,
            (RIGHT_EDGE - LEFT_EDGE) / lower.width,
            space / (upper.height + lower.height),
        )
        upper.scale(scale)
        lower.scale(scale)
        both = VGroup(upper, lower)
        lower.next_to(upper, DOWN, buff=gap).set_x(upper.get_x())
        both.move_to([0, (CONTENT_TOP + CONTENT_BOTTOM) / 2, 0])

    # ------------------------------------------------------------ narration

    def _heads_sentence(self) -> str:
        sentence = (
            f"Multi-head attention runs {len(self.heads)} heads on the same "
            "position-encoded values; each head has its own query, key and "
            "value weights."
        )
        if self.added_head:
            sentence += (
                " This lesson has one head, so a default second head is added "
                "for the demonstration."
            )
        return sentence

    def _weights_sentence(self) -> str:
        firsts = ", ".join(
            f"{qkmath.shown(head.weights['query'][0, 0])} in head {h + 1}"
            for h, head in enumerate(self.heads)
        )
        return (
            f"The first query weight is {firsts}: different weights give each "
            "head different queries, keys and values."
        )

    def _attention_sentence(self) -> str:
        word = self.words[0]
        looks = ", ".join(
            f"in head {h + 1} at “{self.words[j]}” "
            f"({qkmath.shown(head.attention_weights[0, j])})"
            for h, head in enumerate(self.heads)
            for j in [most_attended(head.attention_weights)[0]]
        )
        return f"“{word}” looks most {looks}."

    def _outputs_sentence(self) -> str:
        parts = ", ".join(
            f"head {h + 1} gives ({', '.join(map(qkmath.shown, head.output[0]))})"
            for h, head in enumerate(self.heads)
        )
        return (
            "Each head multiplies its attention weights by its own value "
            f"vectors: for “{self.words[0]}” {parts}."
        )

    def _concatenate_sentence(self) -> str:
        values = ", ".join(map(qkmath.shown, self.example.output[0]))
        return (
            "Concatenating the heads' outputs in head order gives each word "
            f"{self.example.output.shape[1]} values: “{self.words[0]}” becomes "
            f"({values}). Each head can attend to different words; "
            "concatenation keeps what each found."
        )


class ShowMultiHeadAttention(LessonScene):
    """Several heads side by side, their outputs concatenated."""

    def construct(self) -> None:
        MultiHeadPart(self).play()
