"""What every scene shares: how it gets its lesson, and builders of the
mobjects that show words, numbers, vectors and formulas.

Builders return mobjects or animations; scenes decide when to play them.
Numbers are always written by :func:`make_number`, from values computed by
``qkmath`` and formatted by :func:`qkmath.shown`, never computed here.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from functools import cache

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    FadeOut,
    Line,
    MathTex,
    Mobject,
    RoundedRectangle,
    Scene,
    Text,
    TexTemplate,
    VGroup,
    VMobject,
    config,
)

import qkmath
from scenes import glyphs, stopping, style

LESSON_ENV = "QKANIM_LESSON"
"""Environment variable naming a lesson file for scenes rendered by
Manim's own ``manim`` command; ``cli.py`` hands the lesson over directly."""

MIN_CAPTION_TIME = 1.0
"""Shortest time the last caption of a scene stays up, in seconds."""

SECTION_SEPARATOR = ": "
"""Between a scene's name and a step's name in a combined video."""


def example_from_environment() -> qkmath.WorkedExample:
    """The lesson named by ``$QKANIM_LESSON``, else the default lesson."""
    path = os.environ.get(LESSON_ENV)
    lesson = qkmath.load_lesson(path) if path else qkmath.default_lesson()
    return qkmath.compute(lesson)


class LessonScene(Scene):
    """A scene that shows one worked example.

    Parameters
    ----------
    example
        The values to show. Default: the lesson of ``$QKANIM_LESSON`` or the
        default "Let's go" lesson, read when the scene is created.
    section_prefix
        Put before each section name; a combined lesson uses it to say
        which part a section belongs to.
    """

    def __init__(
        self,
        example: qkmath.WorkedExample | None = None,
        section_prefix: str = "",
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.example = example if example is not None else example_from_environment()
        self.section_prefix = section_prefix
        self.shown_texts: list[str] = []
        self.section_names: list[str] = []
        self.chapter_starts: list[float] = []
        self.narration: list[tuple[float, float, str]] = []
        self._pending_narration: tuple[float, str] | None = None

    def setup(self) -> None:
        self.camera.background_color = style.BACKGROUND_COLOR
        if config.transparent:
            self.camera.background_opacity = 0

    def update_to_time(self, t: float) -> None:
        # Once per frame: a stop that Python dropped is raised again here
        stopping.check()
        super().update_to_time(t)

    def step(self, name: str) -> None:
        """Start a named section: one chapter of the video."""
        self.section_names.append(self.section_prefix + name)
        self.chapter_starts.append(self.time)
        self.next_section(self.section_names[-1])

    def narrate(self, text: str) -> None:
        """Say ``text`` in the subtitles from now until the next narration.

        Each caption lasts until the next one starts (or the scene ends),
        so scenes never have to guess how long a step takes. The captions
        become ``<Scene>.srt`` beside the video.
        """
        self._flush_narration(last=False)
        self._pending_narration = (self.time, " ".join(text.split()))

    def _flush_narration(self, last: bool = True) -> None:
        if self._pending_narration is None:
            return
        start, text = self._pending_narration
        self._pending_narration = None
        end = max(self.time, start + MIN_CAPTION_TIME) if last else self.time
        if end <= start:
            return
        self.narration.append((start, end, text))
        self.add_subcaption(text, duration=end - start, offset=start - self.time)

    def chapters(self) -> list[tuple[str, float, float]]:
        """Each named step as (name, start, end), in seconds of the video."""
        ends = [*self.chapter_starts[1:], self.time]
        return list(zip(self.section_names, self.chapter_starts, ends, strict=True))

    def tear_down(self) -> None:
        self._flush_narration()
        super().tear_down()

    def play(self, *args, **kwargs) -> None:
        super().play(*args, **kwargs)
        self._record_texts()

    def add(self, *mobjects: Mobject) -> Scene:
        result = super().add(*mobjects)
        self._record_texts(mobjects)
        return result

    def _record_texts(self, mobjects: Iterable[Mobject] | None = None) -> None:
        """Keep every text put on screen, so tests can check the numbers."""
        for mobject in self.mobjects if mobjects is None else mobjects:
            for part in mobject.get_family():
                text = getattr(part, "qk_text", None)
                if text is not None:
                    self.shown_texts.append(text)

    def clear_screen(self, run_time: float = 0.6) -> None:
        """Fade out everything on screen."""
        if self.mobjects:
            self.play(FadeOut(*self.mobjects), run_time=run_time)


# ---------------------------------------------------------------- builders


@cache
def tex_template() -> TexTemplate:
    """LaTeX template with the ``article`` class.

    Manim's default (``standalone``) needs texlive-latex-extra; this one
    needs only texlive-latex-base and gives formulas of the same size.
    """
    return TexTemplate(
        documentclass=r"\documentclass[12pt]{article}",
        preamble="\\usepackage{amsmath}\n\\usepackage{amssymb}\n\\pagestyle{empty}",
    )


GLYPH_SIZE = 48
"""Font size at which each distinct string is laid out once per process."""


@cache
def _glyphs(text: str) -> VGroup:
    """The outlines of ``text``, built once and then only copied.

    Building a ``Text`` (Pango, then parsing its SVG) costs tens of
    milliseconds; a copy of a built one costs a few. Outlines scale exactly,
    so one size serves every size, and colour is set on the copy. The
    outlines are also kept between runs (see :mod:`scenes.glyphs`).
    """
    path = glyphs.glyph_file(text, style.FONT, GLYPH_SIZE)
    outlines = glyphs.load(path)
    if outlines is None:
        built = Text(text, font=style.FONT, font_size=GLYPH_SIZE)
        outlines = [part.points for part in built.submobjects]
        glyphs.save(path, outlines)
    return VGroup(
        *(VMobject(fill_opacity=1.0, stroke_width=0).set_points(o) for o in outlines)
    )


def _copy_glyphs(text: str, color: str, size: float) -> VGroup:
    mobject = _glyphs(text).copy().scale(size / GLYPH_SIZE)
    return mobject.set_color(color)


def make_text(
    text: str, color: str = style.TEXT_COLOR, size: int = style.LABEL_SIZE
) -> VGroup:
    """A line of text, written as typed (no markup, no LaTeX)."""
    mobject = _copy_glyphs(text, color, size)
    mobject.qk_text = text
    return mobject


def make_title(text: str) -> VGroup:
    """A scene title at the top edge."""
    return make_text(text, size=style.TITLE_SIZE).to_edge(UP, buff=0.35)


def make_word(word: str, size: int = style.LABEL_SIZE) -> VGroup:
    """A word as typed, shrunk if it is wider than ``MAX_WORD_WIDTH``.

    The label's height runs from ascender to descender whatever the letters,
    so that words placed at the same height share a baseline.
    """
    strut_text = "Ag"
    full = _copy_glyphs(strut_text + word, style.TEXT_COLOR, size)
    glyphs = VGroup(*full.submobjects[len(strut_text) :])
    if len(glyphs) == 0:
        glyphs = VGroup(*full.submobjects)
    strut = Line(
        [glyphs.get_x(), full.get_top()[1], 0],
        [glyphs.get_x(), full.get_bottom()[1], 0],
        stroke_opacity=0,
    )
    label = VGroup(strut, glyphs)
    label.qk_text = word
    if label.width > style.MAX_WORD_WIDTH:
        label.scale_to_fit_width(style.MAX_WORD_WIDTH)
    return label


def make_number(
    value: float, color: str = style.TEXT_COLOR, size: int = style.NUMBER_SIZE
) -> VGroup:
    """A value as shown on screen (see :mod:`qkmath.display`)."""
    return make_text(qkmath.shown(value), color=color, size=size)


def make_vector(
    values: Sequence[float], color: str, size: int = style.NUMBER_SIZE
) -> VGroup:
    """A row of values in brackets; ``vector.entries`` holds the numbers."""
    entries = VGroup(*(make_number(v, color, size) for v in values))
    cell = max(entry.width for entry in entries) + 0.25
    for index, entry in enumerate(entries):
        entry.move_to(RIGHT * index * cell)
    height = max(entry.height for entry in entries) + 0.2
    left = make_bracket(height, 1).next_to(entries, LEFT, buff=0.12)
    right = make_bracket(height, -1).next_to(entries, RIGHT, buff=0.12)
    vector = VGroup(left, entries, right)
    vector.entries = entries
    return vector


def make_bracket(height: float, side: int, arm: float = 0.1) -> VMobject:
    """One square bracket; ``side`` 1 opens to the right, -1 to the left."""
    arm *= side
    bracket = VMobject(stroke_color=style.MUTED_COLOR, stroke_width=2)
    bracket.set_points_as_corners(
        [
            [arm, height / 2, 0],
            [0, height / 2, 0],
            [0, -height / 2, 0],
            [arm, -height / 2, 0],
        ]
    )
    return bracket


def make_node(value: float | None, color: str, width: float = 1.1) -> VGroup:
    """A box holding one value (empty when ``value`` is None)."""
    box = RoundedRectangle(
        corner_radius=0.12,
        width=width,
        height=0.7,
        stroke_color=color,
        stroke_width=3,
        fill_color=style.BACKGROUND_COLOR,
        fill_opacity=1,
    )
    node = VGroup(box)
    node.box = box
    if value is not None:
        node.add(make_number(value, color).move_to(box))
    return node


def node_width(values: Iterable[float]) -> float:
    """Width of a box that holds the widest of ``values``."""
    return max(make_number(v).width for v in values) + 0.4


def make_formula(*parts: str, size: float = 36) -> MathTex:
    """A LaTeX formula, compiled with the project's template."""
    return MathTex(
        *parts, tex_template=tex_template(), font_size=size, color=style.TEXT_COLOR
    )


def spoken_vector(values: Iterable[float]) -> str:
    """Values as a caption says them: ``(1.87, 0.09)``."""
    return "(" + ", ".join(qkmath.shown(v) for v in values) + ")"


def spoken_rows(words: Sequence[str], rows: Iterable[Iterable[float]]) -> str:
    """Each word with its values, as a caption says them:
    ``“Let's” is (1.87, 0.09); “go” is (0.50, −1.20)``.
    """
    return "; ".join(
        f"“{word}” is {spoken_vector(row)}"
        for word, row in zip(words, rows, strict=True)
    )


def make_dot_equation(
    left: Sequence[float],
    right: Sequence[float],
    total: float,
    colors: tuple[str, str, str],
    y: float,
) -> VGroup:
    """``l0 × r0 + l1 × r1 = total``, with a sign true to the shown digits.

    ``colors`` are those of the left operands, the right operands and the
    total. ``equation.terms`` holds one group per product, with its
    ``left``, ``times`` and ``right`` parts and ``rest``, the ``+`` after it
    (empty for the last); ``equation.sign`` and ``equation.total`` follow.
    """
    left_color, right_color, total_color = colors
    sign = qkmath.dot_relation(
        [qkmath.shown(v) for v in left],
        [qkmath.shown(v) for v in right],
        qkmath.shown(total),
    )
    terms, parts = [], []
    for index, (a, b) in enumerate(zip(left, right, strict=True)):
        term = VGroup()
        term.left = make_number(a, left_color)
        term.times = make_text("×")
        term.right = make_number(b, right_color)
        term.rest = [make_text("+")] if index < len(left) - 1 else []
        term.add(term.left, term.times, term.right, *term.rest)
        terms.append(term)
        parts += [term.left, term.times, term.right, *term.rest]
    equation = VGroup(*parts)
    equation.sign = make_text(sign)
    equation.total = make_number(total, total_color)
    equation.add(equation.sign, equation.total)
    equation.arrange(RIGHT, buff=0.18)
    fit_width(equation, 13.2).move_to([0, y, 0])
    equation.terms = terms
    return equation


def spoken_sum(values: Sequence[float], weights: Sequence[float], total: float) -> str:
    """A weighted sum as a caption says it, with a sign true to the digits."""
    left = [qkmath.shown(v) for v in values]
    right = [qkmath.shown(w) for w in weights]
    result = qkmath.shown(total)
    products = " + ".join(f"{a} × {b}" for a, b in zip(left, right, strict=True))
    return f"{products} {qkmath.dot_relation(left, right, result)} {result}"


def tex_number(value: float) -> str:
    """A value written for LaTeX, with the same digits as on screen."""
    return qkmath.shown(value, minus="-")


def tex_matrix(matrix: Sequence[Sequence[float]]) -> str:
    """A ``bmatrix`` of values, for one LaTeX compile per matrix."""
    rows = (" & ".join(tex_number(v) for v in row) for row in matrix)
    return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"


def fit_width(mobject: Mobject, width: float) -> Mobject:
    """Shrink ``mobject`` to ``width`` if it is wider; never enlarge."""
    if mobject.width > width:
        mobject.scale_to_fit_width(width)
    return mobject


def column(mobjects: Sequence[Mobject], spacing: float) -> VGroup:
    """Mobjects stacked top to bottom, centred, ``spacing`` apart."""
    group = VGroup(*mobjects)
    for index, mobject in enumerate(mobjects):
        mobject.move_to(DOWN * index * spacing)
    return group.move_to([0, 0, 0])
