"""Multi-head attention: several heads, each with its own weights, side by
side, and their outputs concatenated into one output per word.

A lesson with one head gets the documented default second head of
:func:`qkmath.with_second_head`, and the scene says so on screen.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from manim import (
    DOWN,
    LEFT,
    PI,
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
    Write,
)

import qkmath
from qkmath.heads import most_attended
from scenes import style
from scenes.common import (
    LessonScene,
    fit_width,
    make_bracket,
    make_formula,
    make_text,
    make_title,
    make_word,
)
from scenes.limits import shown_example

MATRICES = (
    ("query", "Q", style.QUERY_COLOR),
    ("key", "K", style.KEY_COLOR),
    ("value", "V", style.VALUE_COLOR),
)
"""The weight matrices of a head: name, letter and colour."""
"""Most heads shown side by side: one colour each (see scenes/limits.py)."""

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

MARK_GAP = 0.3
"""Vertical space between two rows of a grid whose entries may be boxed."""

HEAD_GAP = 0.6
"""Horizontal space between the columns of two heads."""

LINE_GAP = 0.5
"""Vertical distance between two lines of heads."""

MAX_ZOOM = 1.25
"""Most a small table is enlarged to use the screen."""

INPUTS_RIGHT = 0.3
"""Right edge of the position-encoded values in the overview."""

WORD_WIDTH = 1.6
"""Widest a word beside the rows of a table may be."""


# ---------------------------------------------------------------- builders


def make_grid(
    matrix,
    color: str | Sequence[str],
    size: int = style.NUMBER_SIZE,
    row_gap: float = ROW_GAP,
    written: Callable[[float], str] = qkmath.shown,
) -> VGroup:
    """A matrix of values in brackets, right-aligned in columns.

    ``color`` is one colour, or one per column. ``grid.entries[i][j]``
    holds the number of row ``i``, column ``j``, as ``written`` writes it.
    """
    colors = [color] * len(matrix[0]) if isinstance(color, str) else color
    rows = [
        [make_text(written(v), c, size) for v, c in zip(row, colors, strict=True)]
        for row in matrix
    ]
    widths = [
        max(entry.width for entry in column) for column in zip(*rows, strict=True)
    ]
    rights = [sum(widths[: j + 1]) + j * CELL_GAP for j in range(len(widths))]
    height = max(entry.height for row in rows for entry in row) + row_gap
    for i, row in enumerate(rows):
        for entry, right in zip(row, rights, strict=True):
            entry.move_to([right, -i * height, 0], aligned_edge=RIGHT)
    entries = VGroup(*(VGroup(*row) for row in rows))
    bracket_height = entries.height + 0.16
    left = make_bracket(bracket_height, 1, arm=0.09).next_to(entries, LEFT, buff=0.1)
    right = make_bracket(bracket_height, -1, arm=0.09).next_to(entries, RIGHT, buff=0.1)
    grid = VGroup(left, entries, right)
    grid.entries = entries
    return grid


def fit_into(mobject: Mobject, width: float, height: float) -> Mobject:
    """Shrink ``mobject`` to fit a ``width`` by ``height`` box; never enlarge."""
    fit_width(mobject, width)
    if mobject.height > height:
        mobject.scale_to_fit_height(height)
    return mobject


def word_labels(words: Sequence[str], rows: VGroup, beside: Mobject) -> VGroup:
    """The words left of ``beside``, each at the height of its row.

    A word is never taller than the distance between two rows, so that the
    words of neighbouring rows never touch.
    """
    pitch = rows[0].get_y() - rows[1].get_y() if len(rows) > 1 else 1.0
    labels = VGroup()
    for word, row in zip(words, rows, strict=True):
        label = fit_width(make_word(word), WORD_WIDTH)
        if label.height > 0.95 * pitch:
            label.scale_to_fit_height(0.95 * pitch)
        label.next_to(beside, LEFT, buff=0.25).match_y(row)
        labels.add(label)
    return labels


def words_width(words: Sequence[str]) -> float:
    """Room to keep left of a table for :func:`word_labels`."""
    return min(WORD_WIDTH, max(make_word(word).width for word in words)) + 0.25


def column_words(words: Sequence[str], grid: VGroup) -> VGroup:
    """The words above the columns of a grid; slanted when one is too wide.

    Slanted words run up and to the right from their column, like the
    column labels of a heat map, so that long words never overlap.
    """
    entries = grid.entries[0]
    pitch = entries[1].get_x() - entries[0].get_x() if len(entries) > 1 else 9.0
    labels = [fit_width(make_word(word), WORD_WIDTH) for word in words]
    slant = any(label.width > pitch - 0.1 for label in labels)
    for label, entry in zip(labels, entries, strict=True):
        if slant:
            width, height = label.width, label.height
            label.rotate(PI / 4)
            offset = (width - height) / (2 * math.sqrt(2))
            label.next_to(grid, UP, buff=0.1).set_x(entry.get_x() + offset)
        else:
            label.next_to(grid, UP, buff=0.12).set_x(entry.get_x())
    return VGroup(*labels)


def caption(text: str) -> Mobject:
    """A sentence in the muted colour at the bottom of the screen."""
    line = make_text(text, style.MUTED_COLOR, style.SMALL_SIZE)
    return fit_width(line, RIGHT_EDGE - LEFT_EDGE).move_to([0, CAPTION_Y, 0])


def fitting_scale(body: Mobject, reserve: float = 0.0) -> float:
    """The scale at which :func:`place` shows ``body``."""
    width = RIGHT_EDGE - LEFT_EDGE - reserve
    height = CONTENT_TOP - CONTENT_BOTTOM
    return min(MAX_ZOOM, width / body.width, height / body.height)


def place(body: Mobject, reserve: float = 0.0) -> Mobject:
    """Fit ``body`` between title and caption, ``reserve`` left free on its left.

    A small body is enlarged, at most by ``MAX_ZOOM``.
    """
    body.scale(fitting_scale(body, reserve))
    return body.move_to([reserve / 2, (CONTENT_TOP + CONTENT_BOTTOM) / 2, 0])


def stack(upper: Mobject, header: Mobject, lower: Mobject, reserve: float) -> None:
    """Fit two tables one above the other, ``header`` unscaled between them."""
    gap = 0.25
    width = RIGHT_EDGE - LEFT_EDGE - reserve
    height = CONTENT_TOP - CONTENT_BOTTOM - header.height - 3 * gap
    scale = min(
        MAX_ZOOM,
        width / upper.width,
        width / lower.width,
        height / (upper.height + lower.height),
    )
    upper.scale(scale)
    lower.scale(scale)
    header.next_to(upper, DOWN, buff=gap * 1.5).align_to(upper, LEFT)
    lower.next_to(header, DOWN, buff=gap).align_to(upper, LEFT)
    group = VGroup(upper, header, lower)
    group.move_to([reserve / 2, (CONTENT_TOP + CONTENT_BOTTOM) / 2, 0])


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
        inputs = make_grid(self.example.position_encoded, style.ENCODED_COLOR)
        header = make_text("position-encoded", style.ENCODED_COLOR, style.SMALL_SIZE)
        boxes = VGroup(*(self._head_box(h) for h in range(len(self.heads))))
        note = caption(
            "This lesson has one head: head 2 is a default head, "
            "added to show several heads."
            if self.added_head
            else "The lesson's own heads, each with its own weights."
        )

        left = LEFT_EDGE + words_width(self.words)
        fit_into(inputs, INPUTS_RIGHT - left, 3.6)
        inputs.move_to([(left + INPUTS_RIGHT) / 2, -0.1, 0])
        words = word_labels(self.words, inputs.entries, inputs)
        header.next_to(inputs, UP, buff=0.3)
        boxes.arrange(DOWN, buff=0.45)
        boxes.move_to([RIGHT_EDGE - boxes.width / 2, -0.1, 0])
        arrows = VGroup(
            *(
                Arrow(
                    inputs.get_right(),
                    box.get_left(),
                    buff=0.2,
                    stroke_width=3,
                    color=style.MUTED_COLOR,
                )
                for box in boxes
            )
        )

        self.scene.narrate(self._heads_sentence())
        self.scene.play(FadeIn(title), FadeIn(header), FadeIn(inputs), FadeIn(words))
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
                make_formula(rf"W_{{{letter}}}", size=48).set_color(color)
                for _, letter, color in MATRICES
            )
        )
        note = caption("rows: the values of a word; columns: the values the head makes")

        for column in columns:
            column.arrange(DOWN, buff=0.45)
        table = VGroup(*columns).arrange(RIGHT, buff=HEAD_GAP, aligned_edge=UP)
        for index, name in enumerate(names):
            row = VGroup(*(column[index] for column in columns))
            name.next_to(table, LEFT, buff=0.4).match_y(row)
        frames, labels = self._head_frames(columns)
        place(VGroup(table, names, frames, labels))

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
            make_grid(
                qkmath.as_percentages(head.attention_weights),
                style.TEXT_COLOR,
                row_gap=MARK_GAP,
                written=qkmath.shown_percent,
            )
            for head in self.heads
        ]
        marks = VGroup(*(self._mark_most(h, grid) for h, grid in enumerate(grids)))
        columns = VGroup(*(column_words(self.words, grid) for grid in grids))
        note = caption(
            "row: the word that looks; column: the word it looks at; "
            "boxed: where each head looks most"
        )

        units = VGroup(
            *(VGroup(*parts) for parts in zip(grids, marks, columns, strict=True))
        )
        frames, labels, firsts = self._lay_out_in_lines(units)
        rows = VGroup(
            *(word_labels(self.words, grids[h].entries, frames[h]) for h in firsts)
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
            make_grid(head.output, style.HEAD_COLORS[h])
            for h, head in enumerate(self.heads)
        ]
        colors = [
            style.HEAD_COLORS[h]
            for h, head in enumerate(self.heads)
            for _ in range(head.d_head)
        ]
        final = make_grid(self.example.output, colors)
        header = make_text(
            "output: the heads' outputs concatenated, in head order",
            size=style.SMALL_SIZE,
        )
        note = caption("each head: its attention weights times its own value vectors")

        outputs = VGroup(*grids).arrange(RIGHT, buff=HEAD_GAP, aligned_edge=UP)
        frames, labels = self._head_frames(grids)
        upper = VGroup(outputs, frames, labels)
        stack(upper, header, final, words_width(self.words))
        rows = word_labels(self.words, grids[0].entries, frames[0])
        final_rows = word_labels(self.words, final.entries, final)
        self.final = (final, final_rows, header)
        self.outputs = outputs
        self.note = note

        self.scene.clear_screen()
        self.scene.narrate(self._outputs_sentence())
        self.scene.play(FadeIn(title), FadeIn(frames), FadeIn(labels), FadeIn(rows))
        self.scene.play(*(FadeIn(grid) for grid in grids), FadeIn(note))
        self.scene.wait(style.STEP_PAUSE)

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
        # Hold the finished grid as one mobject, entries in reading order
        self.scene.remove(*final.get_family())
        self.scene.add(final)
        self.scene.play(FadeIn(why), FadeOut(self.note))
        self.scene.wait(style.STEP_PAUSE * 2)

    # ------------------------------------------------------------ parts

    def _head_name(self, h: int) -> str:
        added = self.added_head and h == 1
        return f"head {h + 1} (default)" if added else f"head {h + 1}"

    def _head_label(self, h: int) -> VGroup:
        """``head 2`` in the head's colour, over ``default`` if it was added."""
        label = VGroup(make_text(f"head {h + 1}", style.HEAD_COLORS[h]))
        if self.added_head and h == 1:
            label.add(make_text("default", style.MUTED_COLOR, style.SMALL_SIZE))
        return label.arrange(DOWN, buff=0.06)

    def _mark_most(self, h: int, grid: VGroup) -> VGroup:
        """Box and colour the largest weight of each row of head ``h``."""
        marks = VGroup()
        weights = self.heads[h].attention_weights
        for i, j in enumerate(most_attended(weights)):
            entry = grid.entries[i][j].set_color(style.HEAD_COLORS[h])
            marks.add(
                SurroundingRectangle(
                    entry, color=style.HEAD_COLORS[h], buff=0.06, stroke_width=2
                )
            )
        return marks

    def _head_box(self, h: int) -> VGroup:
        """A box standing for head ``h`` in the overview."""
        box = RoundedRectangle(
            corner_radius=0.15,
            width=3.4,
            height=1.0,
            stroke_color=style.HEAD_COLORS[h],
            stroke_width=3,
        )
        name = make_text(self._head_name(h), style.HEAD_COLORS[h], style.SMALL_SIZE)
        what = make_text("its own weights", style.MUTED_COLOR, style.SMALL_SIZE)
        text = VGroup(name, what).arrange(DOWN, buff=0.1)
        fit_into(text, box.width - 0.3, box.height - 0.15).move_to(box)
        return VGroup(box, text)

    def _lay_out_in_lines(self, units: VGroup) -> tuple[VGroup, VGroup, list[int]]:
        """Place the heads side by side, or in two lines when that shows
        three or more heads larger; frame each one.

        Returns the frames, the head names, and the first head of each line
        (where the words of the rows go).
        """
        reserve = words_width(self.words)
        choices = [len(units)]
        if len(units) >= 3:
            choices.append(math.ceil(len(units) / 2))

        def lay_out(per_line: int) -> tuple[VGroup, VGroup, VGroup, list[int]]:
            firsts = list(range(0, len(units), per_line))
            lines, frames, labels = VGroup(), VGroup(), VGroup()
            for first in firsts:
                line = VGroup(*units[first : first + per_line])
                line.arrange(RIGHT, buff=HEAD_GAP, aligned_edge=DOWN)
                line_frames, line_labels = self._head_frames(line, first)
                lines.add(VGroup(line, line_frames, line_labels))
                frames.add(*line_frames)
                labels.add(*line_labels)
            lines.arrange(DOWN, buff=LINE_GAP)
            return lines, frames, labels, firsts

        tried = []
        for per_line in choices:
            layout = lay_out(per_line)
            tried.append((fitting_scale(layout[0], reserve), per_line, layout))
        # Of equally large layouts the first, one line, wins
        _, best, layout = max(tried, key=lambda attempt: attempt[0])
        if best != choices[-1]:
            layout = lay_out(best)  # the later attempts moved the heads
        body, frames, labels, firsts = layout
        place(body, reserve)
        return frames, labels, firsts

    def _head_frames(
        self, columns: Sequence[Mobject], first: int = 0
    ) -> tuple[VGroup, VGroup]:
        """A frame around each head's column, with the head's name on top.

        The columns are those of heads ``first``, ``first + 1``, ...
        """
        labels = VGroup(
            *(
                fit_width(self._head_label(first + h), column.width)
                for h, column in enumerate(columns)
            )
        )
        top = max(column.get_top()[1] for column in columns) + 0.2
        bottom = min(column.get_bottom()[1] for column in columns)
        ceiling = top + max(label.height for label in labels)
        frames = VGroup()
        for h, (column, label) in enumerate(zip(columns, labels, strict=True)):
            label.move_to([column.get_x(), (top + ceiling) / 2, 0])
            frame = RoundedRectangle(
                corner_radius=0.12,
                width=column.width + 0.4,
                height=ceiling - bottom + 0.3,
                stroke_color=style.HEAD_COLORS[first + h],
                stroke_width=2,
                stroke_opacity=0.6,
            )
            frame.move_to([column.get_x(), (ceiling + bottom) / 2, 0])
            frames.add(frame)
        return frames, labels

    def _head_entries(self, final: VGroup, h: int) -> list[Mobject]:
        """The entries of the final grid that head ``h`` wrote, row by row."""
        start = sum(head.d_head for head in self.heads[:h])
        stop = start + self.heads[h].d_head
        return [entry for row in final.entries for entry in row[start:stop]]

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
            f"({qkmath.shown_percent(100 * head.attention_weights[0, j])})"
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
