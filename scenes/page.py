"""The lesson page: one HTML file that presents the rendered videos.

``write_lesson_page`` writes ``index.html`` beside the videos, posters and
captions of a lesson. The page needs nothing from the network: its style
and script are inline, its formulas are MathML (which browsers draw
natively) and its tables hold the same numbers as ``python cli.py values``.
A folder with the page and its videos can be opened from the file system or
put on a web site as it is.

Each video gets a chapter list and a *step mode*: the video plays one
chapter, pauses at the chapter's end and waits for the right-arrow key,
Space or the "Next" button; the left-arrow key goes back one chapter.

Captions are embedded in the page as ``data:`` URLs. Chromium refuses to
load a ``<track>`` file next to a page opened from the file system, so a
``src`` naming the ``.vtt`` file would leave such a page without captions;
the ``.vtt`` file is still linked for download.

Known shortcoming: the web server must answer HTTP range requests for the
videos to be seekable, so chapters and step mode need one. Course web sites
and common servers (nginx, Apache, GitHub Pages) do; ``python -m
http.server`` does not, and with it a chapter button restarts the video.

This module does not import Manim, so the command line can import it cheaply.
"""

from __future__ import annotations

import base64
import html
import logging
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from qkmath.display import DEFAULT_DECIMALS, shown
from qkmath.export import Table, tables
from qkmath.lesson import WorkedExample

__all__ = [
    "SCENE_FORMULAS",
    "Chapter",
    "Formula",
    "PageVideo",
    "write_lesson_page",
]

logger = logging.getLogger(__name__)

PAGE_NAME = "index.html"
"""File name of the page inside the output folder."""

VIDEO_TYPES = {
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".mov": "video/quicktime",
}
"""Media type announced for each video file extension the page can play."""


# ---------------------------------------------------------------- types


@dataclass(frozen=True)
class Chapter:
    """One named part of a video, in seconds from its start."""

    name: str
    start: float
    end: float


@dataclass(frozen=True)
class PageVideo:
    """One scene's video and the files that go with it.

    Attributes
    ----------
    scene
        Scene class name, such as ``"AttentionLesson"``.
    description
        One line saying what the scene shows, from ``scenes.registry``.
    video, poster, captions
        File names relative to the page's folder; ``captions`` is a WebVTT
        file, or None when the video has no captions.
    chapters
        The video's chapters in order.
    """

    scene: str
    description: str
    video: str
    poster: str
    captions: str | None
    chapters: tuple[Chapter, ...]


@dataclass(frozen=True)
class Formula:
    """A formula of the lesson: what it computes, and its MathML."""

    meaning: str
    mathml: str


# ---------------------------------------------------------------- MathML
# Tiny builders, so that a formula below reads close to how it is written.


def _mi(name: str) -> str:
    return f"<mi>{html.escape(name)}</mi>"


def _mo(operator: str) -> str:
    return f"<mo>{html.escape(operator)}</mo>"


def _mn(number: str) -> str:
    return f"<mn>{number}</mn>"


def _row(*parts: str) -> str:
    return f"<mrow>{''.join(parts)}</mrow>"


def _sub(base: str, index: str) -> str:
    return f"<msub>{base}{index}</msub>"


def _sup(base: str, power: str) -> str:
    return f"<msup>{base}{power}</msup>"


def _frac(numerator: str, denominator: str) -> str:
    return f"<mfrac>{numerator}{denominator}</mfrac>"


def _sqrt(radicand: str) -> str:
    return f"<msqrt>{radicand}</msqrt>"


def _under(base: str, below: str) -> str:
    return f"<munder>{base}{below}</munder>"


def _mtext(text: str) -> str:
    return f"<mtext>{html.escape(text)}</mtext>"


def _mspace() -> str:
    return '<mspace width="0.5em"></mspace>'


def _fence(char: str) -> str:
    return f'<mo stretchy="false" lspace="0" rspace="0">{char}</mo>'


def _paren(*parts: str) -> str:
    return _row(_fence("("), *parts, _fence(")"))


def _slash() -> str:
    return '<mo lspace="0.1em" rspace="0.1em">/</mo>'


def _math(*parts: str) -> str:
    return f'<math display="block">{_row(*parts)}</math>'


def _weights(letter: str) -> str:
    return _sub(_mi("W"), _mi(letter))


def _positional(function: str, index: str) -> Formula:
    exponent = _row(_mn("2"), _mi("i"), _slash(), _sub(_mi("d"), _mi("model")))
    angle = _row(_mi("pos"), _slash(), _sup(_mn("10000"), exponent))
    left = _row(_mi("PE"), _paren(_mi("pos"), _mo(","), index))
    return Formula(
        f"the {'even' if function == 'sin' else 'odd'} values of a position",
        _math(left, _mo("="), _mi(function), _paren(angle)),
    )


# ---------------------------------------------------------------- formulas

PE_EVEN = _positional("sin", _row(_mn("2"), _mi("i")))
"""Sine of the position at even indices of the encoding."""

PE_ODD = _positional("cos", _row(_mn("2"), _mi("i"), _mo("+"), _mn("1")))
"""Cosine of the position at odd indices of the encoding."""

ENCODED = Formula(
    "each word's embedding plus its position",
    _math(_mi("X"), _mo("="), _mi("E"), _mo("+"), _mi("PE")),
)
"""Position-encoded values."""

QUERIES = Formula(
    "the query values of every word",
    _math(_mi("Q"), _mo("="), _mi("X"), _weights("Q")),
)
"""Queries as a matrix product."""

KEYS = Formula(
    "the key values of every word",
    _math(_mi("K"), _mo("="), _mi("X"), _weights("K")),
)
"""Keys as a matrix product."""

VALUES = Formula(
    "the value vectors of every word",
    _math(_mi("V"), _mo("="), _mi("X"), _weights("V")),
)
"""Values as a matrix product."""

SCORES = Formula(
    "each query compared with every key, scaled",
    _math(
        _mi("scores"),
        _mo("="),
        _frac(
            _row(_mi("Q"), _sup(_mi("K"), _mi("T"))),
            _sqrt(_sub(_mi("d"), _mi("head"))),
        ),
    ),
)
"""Scaled dot-product scores."""

SOFTMAX = Formula(
    "each row of scores turned into weights that add up to 1",
    _math(
        _sub(_mi("A"), _row(_mi("i"), _mi("j"))),
        _mo("="),
        _frac(
            _sup(_mi("e"), _sub(_mi("s"), _row(_mi("i"), _mi("j")))),
            _row(
                _under(_mo("∑"), _mi("k")),
                _sup(_mi("e"), _sub(_mi("s"), _row(_mi("i"), _mi("k")))),
            ),
        ),
    ),
)
"""Softmax over one row of scores."""

OUTPUT = Formula(
    "the values mixed by the attention weights",
    _math(_mi("output"), _mo("="), _mi("A"), _mi("V")),
)
"""Attention output."""

MASK = Formula(
    "later words hidden before softmax",
    _math(
        _sub(_mi("s"), _row(_mi("i"), _mi("j"))),
        _mo("="),
        _mo("−"),
        _mi("∞"),
        _mspace(),
        _mtext("when"),
        _mspace(),
        _mi("j"),
        _mo(">"),
        _mi("i"),
    ),
)
"""The causal mask."""

MULTI_HEAD = Formula(
    "every head's output side by side",
    _math(
        _mi("MultiHead"),
        _mo("="),
        _mi("concat"),
        _paren(
            _sub(_mi("head"), _mn("1")),
            _mo(","),
            _mo("…"),
            _mo(","),
            _sub(_mi("head"), _mi("h")),
        ),
    ),
)
"""Concatenated heads."""

SCENE_FORMULAS: dict[str, tuple[Formula, ...]] = {
    "ShowPositionalEncoding": (PE_EVEN, PE_ODD, ENCODED),
    "ComputeQueryValues": (QUERIES,),
    "ComputeKeyValues": (KEYS,),
    "CompareQueriesWithKeys": (SCORES,),
    "ApplySoftmax": (SOFTMAX,),
    "CombineValues": (VALUES, OUTPUT),
    "AttentionLesson": (
        PE_EVEN,
        PE_ODD,
        ENCODED,
        QUERIES,
        KEYS,
        SCORES,
        SOFTMAX,
        VALUES,
        OUTPUT,
    ),
    "MaskFutureWords": (SCORES, MASK, SOFTMAX),
    "ShowMultiHeadAttention": (MULTI_HEAD,),
}
"""The formulas shown under each scene's video; other scenes show none."""


# ---------------------------------------------------------------- writing


def write_lesson_page(
    out_dir: Path, example: WorkedExample, videos: Sequence[PageVideo]
) -> Path:
    """Write the lesson page beside its videos and return its path.

    Parameters
    ----------
    out_dir
        Folder that already holds every file the videos name.
    example
        The lesson whose words and values the page shows.
    videos
        The scenes in the order the page presents them.

    Returns
    -------
    Path
        ``out_dir / "index.html"``, replaced atomically.

    Raises
    ------
    FileNotFoundError
        When a video, poster or captions file is not in ``out_dir``.
    """
    out_dir = Path(out_dir)
    _check_files(out_dir, videos)
    text = _page(out_dir, example, videos)
    target = out_dir / PAGE_NAME
    _write_atomically(target, text)
    logger.info("wrote lesson page to %s", target)
    return target


def _check_files(out_dir: Path, videos: Sequence[PageVideo]) -> None:
    names = [name for v in videos for name in (v.video, v.poster, v.captions)]
    missing = [name for name in names if name and not (out_dir / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"the lesson page needs {', '.join(missing)} in {out_dir}"
        )


def _write_atomically(target: Path, text: str) -> None:
    descriptor, name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
    )
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        # A web server must be able to read the page, unlike a private temp file
        os.chmod(name, 0o644)
        os.replace(name, target)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------- the page


def _escape(text: object) -> str:
    """Text made safe for HTML, inside elements and quoted attributes."""
    return html.escape(str(text), quote=True)


def _page(out_dir: Path, example: WorkedExample, videos: Sequence[PageVideo]) -> str:
    words = " ".join(example.words)
    parts = [
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="color-scheme" content="light dark">',
        '<meta name="generator" content="qkanim">',
        f"<title>Self-attention, step by step: “{_escape(words)}”</title>",
        # An empty icon, so that browsers ask the server for no favicon.ico
        '<link rel="icon" href="data:,">',
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        '<a class="skip" href="#main">Skip to the videos</a>',
        _header(example, videos),
        '<main id="main">',
        *(_scene_section(out_dir, video) for video in videos),
        _values_section(example),
        "</main>",
        _footer(),
        f"<script>{SCRIPT}</script>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def _header(example: WorkedExample, videos: Sequence[PageVideo]) -> str:
    chips = "".join(
        f'<li class="word" lang="und">{_escape(word)}</li>' for word in example.words
    )
    contents = "".join(
        f'<li><a href="#{_anchor(v.scene)}">{_escape(_title(v.scene))}</a></li>'
        for v in videos
    )
    contents += '<li><a href="#values">Every value</a></li>'
    return (
        '<header class="masthead"><div class="wrap">'
        '<p class="kicker">Transformer self-attention, step by step</p>'
        '<h1>How attention reads <span class="visually-hidden">the words '
        f"{_escape(' '.join(example.words))}</span></h1>"
        f'<ul class="words" aria-hidden="true">{chips}</ul>'
        f'<p class="intro">{_intro(example)}</p>'
        f'<p class="how">{HOW_TO}</p>'
        f'<nav aria-label="Contents"><ol class="contents">{contents}</ol></nav>'
        "</div></header>"
    )


HOW_TO = (
    "The chapter buttons beside a video jump to each step. Turn on "
    "<strong>step mode</strong> (button or <kbd>S</kbd>) to play one chapter "
    "at a time: the video pauses at the end of each chapter; <kbd>→</kbd> or "
    "<kbd>Space</kbd> plays the next one and <kbd>←</kbd> goes back one."
)
"""How to use the videos, under the introduction."""


def _intro(example: WorkedExample) -> str:
    n_heads = len(example.heads)
    d_heads = sorted({head.d_head for head in example.heads})
    sizes = " or ".join(str(d) for d in d_heads)
    heads = "one attention head" if n_heads == 1 else f"{n_heads} attention heads"
    words = "word" if example.n_tokens == 1 else f"{example.n_tokens} words"
    mask = (
        " Each word attends only to itself and the words before it, as in a decoder."
        if example.lesson.causal
        else ""
    )
    return (
        f"These videos follow {words}, each described by {example.d_model} "
        f"numbers, through {heads} whose queries, keys and values have "
        f"{sizes} numbers each. Each word's embedding "
        "gets its position added; weighted sums turn it into a query, a key "
        "and a value; every query is compared with every key; softmax turns "
        "the scores into attention weights; and the weights mix the values "
        f"into each word's output.{mask} Every number is computed for these "
        "words, and all of them are in the tables at the end."
    )


def _footer() -> str:
    return (
        '<footer class="colophon"><div class="wrap"><p>Generated by '
        "<strong>qkanim</strong>. Numbers are rounded to "
        f"{DEFAULT_DECIMALS} decimals; <code>python cli.py values --format "
        "json</code> gives them at full precision.</p></div></footer>"
    )


def _title(scene: str) -> str:
    """``"ComputeQueryValues"`` → ``"Compute query values"``."""
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+", scene) or [scene]
    return " ".join([words[0], *(w.lower() for w in words[1:])])


def _anchor(scene: str) -> str:
    return "scene-" + re.sub(r"[^A-Za-z0-9_-]", "-", scene)


# ---------------------------------------------------------------- scenes


def _scene_section(out_dir: Path, video: PageVideo) -> str:
    anchor = _anchor(video.scene)
    formulas = SCENE_FORMULAS.get(video.scene, ())
    return (
        f'<section class="scene" id="{anchor}" aria-labelledby="{anchor}-title">'
        '<div class="wrap">'
        f'<h2 id="{anchor}-title">{_escape(_title(video.scene))}</h2>'
        f'<p class="description">{_escape(video.description)}</p>'
        f"{_player(out_dir, video)}"
        f"{_formula_list(formulas)}"
        "</div></section>"
    )


def _player(out_dir: Path, video: PageVideo) -> str:
    title = _title(video.scene)
    poster = _escape(video.poster)
    kind = VIDEO_TYPES.get(Path(video.video).suffix.lower())
    source = f'<source src="{_escape(video.video)}"' + (
        f' type="{kind}">' if kind else ">"
    )
    return (
        '<div class="player" data-player>'
        '<div class="screen">'
        f'<video controls preload="metadata" playsinline poster="{poster}" '
        f'aria-label="Video: {_escape(title)}">{source}{_track(out_dir, video)}'
        f'<p>This browser cannot play the video; <a href="{_escape(video.video)}">'
        "download it</a>.</p></video>"
        "</div>"
        f'<div class="side">{_chapter_list(video, title)}{_downloads(video)}</div>'
        "</div>"
    )


def _track(out_dir: Path, video: PageVideo) -> str:
    if video.captions is None:
        return ""
    encoded = base64.b64encode((out_dir / video.captions).read_bytes()).decode()
    return (
        '<track kind="subtitles" srclang="en" label="English" '
        f'src="data:text/vtt;charset=utf-8;base64,{encoded}" default>'
    )


def _step_controls(title: str) -> str:
    label = f"Step through {_escape(title)}"
    return (
        f'<div class="controls" role="group" aria-label="{label}">'
        '<button type="button" class="step-toggle" data-action="step" '
        'aria-pressed="false">Step mode</button>'
        '<button type="button" data-action="prev" aria-label="Previous chapter">'
        '<span aria-hidden="true">←</span> Back</button>'
        '<button type="button" data-action="next" aria-label="Next chapter">'
        'Next <span aria-hidden="true">→</span></button>'
        "</div>"
        '<p class="status" data-status aria-live="polite"></p>'
    )


def _chapter_list(video: PageVideo, title: str) -> str:
    if not video.chapters:
        return ""
    items = []
    for number, chapter in enumerate(video.chapters, start=1):
        time = _clock(chapter.start)
        items.append(
            '<li><button type="button" class="chapter" data-chapter '
            f'data-start="{chapter.start:.3f}" data-end="{chapter.end:.3f}" '
            f'data-name="{_escape(chapter.name)}" '
            f'aria-label="Chapter {number}, {_escape(chapter.name)}, at {time}">'
            f'<span class="time">{time}</span>'
            f'<span class="name">{_escape(chapter.name)}</span></button></li>'
        )
    return _step_controls(title) + (
        f'<nav class="chapters" aria-label="Chapters of {_escape(title)}">'
        f"<h3>Chapters</h3><ol>{''.join(items)}</ol></nav>"
    )


def _downloads(video: PageVideo) -> str:
    links = [f'<a href="{_escape(video.video)}" download>video</a>']
    if video.captions:
        links.append(
            f'<a href="{_escape(video.captions)}" download>captions (WebVTT)</a>'
        )
    return f'<p class="downloads">Download: {" · ".join(links)}</p>'


def _clock(seconds: float) -> str:
    whole = int(max(seconds, 0.0))
    return f"{whole // 60}:{whole % 60:02d}"


def _formula_list(formulas: Sequence[Formula]) -> str:
    if not formulas:
        return ""
    items = "".join(
        f'<div class="formula">{formula.mathml}<p>{_escape(formula.meaning)}</p></div>'
        for formula in formulas
    )
    return (
        '<div class="formulas"><h3>The formulas</h3>'
        f'<div class="formula-grid">{items}</div></div>'
    )


# ---------------------------------------------------------------- values


def _values_section(example: WorkedExample) -> str:
    groups = "".join(
        f'<div class="group"><h3>{_escape(name)}</h3><div class="tables">'
        + "".join(_values_table(table, example.lesson.causal) for table in group)
        + "</div></div>"
        for name, group in _grouped(example)
    )
    return (
        '<section class="values" id="values" aria-labelledby="values-title">'
        '<div class="wrap"><h2 id="values-title">Every value of the lesson</h2>'
        '<p class="description">The numbers of the videos, rounded to '
        f"{DEFAULT_DECIMALS} decimals. Rows are words; in the score and "
        "attention tables, each row is a query and each column a key.</p>"
        f"{groups}</div></section>"
    )


def _grouped(example: WorkedExample) -> Iterator[tuple[str, list[Table]]]:
    """The tables in lesson order, gathered by the head they belong to."""
    single = len(example.heads) == 1
    current: tuple[str, list[Table]] | None = None
    heads_seen = False
    for table in tables(example):
        heads_seen = heads_seen or table.head is not None
        name = _group_name(table.head, heads_seen, single)
        if current is None or current[0] != name:
            if current is not None:
                yield current
            current = (name, [])
        current[1].append(table)
    if current is not None:
        yield current


def _group_name(head: int | None, after_heads: bool, single: bool) -> str:
    if head is not None:
        return "The attention head" if single else f"Attention head {head}"
    return "All heads together" if after_heads else "Words and positions"


def _values_table(table: Table, causal: bool) -> str:
    weights = table.key == "attention_weights"
    header = "".join(
        f'<th scope="col">{_escape(column)}</th>' for column in table.columns
    )
    rows = []
    for i, (label, values) in enumerate(zip(table.rows, table.values, strict=True)):
        cells = "".join(
            _value_cell(value, weights, hidden=causal and weights and j > i)
            for j, value in enumerate(values)
        )
        rows.append(f'<tr><th scope="row">{_escape(label)}</th>{cells}</tr>')
    head = "" if table.head is None else f' data-head="{table.head}"'
    return (
        f'<div class="table-box" role="region" tabindex="0" '
        f'aria-label="{_escape(_pretty(table.title))}">'
        f'<table data-key="{_escape(table.key)}"{head}>'
        f"<caption>{_escape(_pretty(table.title))}</caption>"
        f"<thead><tr><td></td>{header}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _value_cell(value: float, weight: bool, hidden: bool) -> str:
    text = shown(value, DEFAULT_DECIMALS)
    if hidden:
        return f'<td class="masked" title="hidden by the causal mask">{text}</td>'
    if weight:
        return f'<td class="weight" style="--w:{min(max(value, 0), 1):.3f}">{text}</td>'
    return f"<td>{text}</td>"


def _pretty(title: str) -> str:
    """Export titles with a superscript T and a root sign."""
    title = title.replace("K^T", "Kᵀ")
    return re.sub(r"sqrt\(([^)]*)\)", r"√\1", title)


# ---------------------------------------------------------------- resources
# The page's style and script, inline so the page works without a network.

STYLE = """
:root {
  --bg: #f8f7f4; --surface: #ffffff; --text: #1b2130; --muted: #566074;
  --line: #dde1e8; --accent: #0b69a3; --on-accent: #ffffff;
  --accent-soft: rgb(11 105 163 / 0.1); --heat: 11 105 163;
  --query: #c2185b; --focus: #d9480f; --video-bg: #111318;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #111318; --surface: #1a1e26; --text: #eceff4; --muted: #a4adbd;
    --line: #2e3440; --accent: #4fc3f7; --on-accent: #0b1a24;
    --accent-soft: rgb(79 195 247 / 0.14); --heat: 79 195 247;
    --query: #f06292; --focus: #ffb74d;
  }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--text);
  font: 1.0625rem/1.6 system-ui, -apple-system, "Segoe UI", Roboto,
    "Noto Sans", "DejaVu Sans", "Helvetica Neue", Arial, sans-serif;
}
a { color: var(--accent); text-underline-offset: 0.15em; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.wrap { max-width: 74rem; margin: 0 auto; padding: 0 clamp(1rem, 4vw, 2.5rem); }
.skip { position: absolute; left: -100vw; top: 0.5rem; z-index: 1;
  background: var(--surface); padding: 0.5rem 1rem; border-radius: 0.5rem; }
.skip:focus { left: 0.5rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip-path: inset(50%); white-space: nowrap; }
kbd {
  font: 600 0.85em/1 ui-monospace, "DejaVu Sans Mono", monospace;
  padding: 0.15em 0.4em; border: 1px solid var(--line);
  border-bottom-width: 2px; border-radius: 0.35em; background: var(--surface);
}
code { font: 0.9em ui-monospace, "DejaVu Sans Mono", monospace; }

.masthead { padding: clamp(2rem, 6vw, 4rem) 0 2rem;
  border-bottom: 1px solid var(--line); }
.kicker { margin: 0; color: var(--accent); font-size: 0.8rem; font-weight: 700;
  letter-spacing: 0.09em; text-transform: uppercase; }
h1 { margin: 0.4rem 0 0.9rem; font-size: clamp(1.7rem, 4.5vw, 2.7rem);
  line-height: 1.15; letter-spacing: -0.01em; }
.words { display: flex; flex-wrap: wrap; gap: 0.6rem; margin: 0 0 1.6rem;
  padding: 0; list-style: none; }
.word {
  padding: 0.15em 0.7em; border: 1px solid var(--line); border-radius: 0.5em;
  background: var(--surface); box-shadow: 0 1px 2px rgb(0 0 0 / 0.06);
  font-size: clamp(1.3rem, 3.5vw, 2rem); font-weight: 700;
  overflow-wrap: anywhere; white-space: pre-wrap;
}
.intro { max-width: 68ch; margin: 0 0 0.8rem; font-size: 1.1rem; }
.how { max-width: 68ch; margin: 0 0 1.4rem; color: var(--muted); }
.contents { display: flex; flex-wrap: wrap; gap: 0.5rem; margin: 0; padding: 0;
  list-style: none; counter-reset: part; }
.contents li { counter-increment: part; }
.contents a {
  display: inline-block; padding: 0.3rem 0.75rem; border: 1px solid var(--line);
  border-radius: 999px; background: var(--surface); font-size: 0.9rem;
  text-decoration: none;
}
.contents a::before { content: counter(part) ". "; color: var(--muted); }

.scene { padding: 2.6rem 0; border-bottom: 1px solid var(--line); }
h2 { margin: 0 0 0.25rem; font-size: clamp(1.35rem, 3vw, 1.7rem); line-height: 1.25; }
h3 { margin: 0 0 0.6rem; color: var(--muted); font-size: 0.8rem;
  font-weight: 700; letter-spacing: 0.08em; text-transform: uppercase; }
.description { max-width: 70ch; margin: 0 0 1.3rem; color: var(--muted); }
.player { display: grid; gap: 1rem 1.75rem; }
@media (min-width: 60rem) {
  .player { grid-template-columns: minmax(0, 1fr) 19rem; align-items: start; }
}
video {
  display: block; width: 100%; height: auto; aspect-ratio: 16 / 9;
  border: 1px solid var(--line); border-radius: 0.75rem;
  background: var(--video-bg); box-shadow: 0 6px 24px rgb(0 0 0 / 0.18);
}
.controls { display: flex; flex-wrap: wrap; gap: 0.5rem; }
button {
  min-height: 2.6rem; padding: 0.4rem 0.9rem; border: 1px solid var(--line);
  border-radius: 0.55rem; background: var(--surface); color: var(--text);
  font: inherit; font-size: 0.95rem; cursor: pointer;
}
button:hover { border-color: var(--accent); }
.step-toggle[aria-pressed="true"] {
  border-color: var(--accent); background: var(--accent); color: var(--on-accent);
  font-weight: 600;
}
.status { min-height: 1.6em; margin: 0.5rem 0 0.9rem; color: var(--muted);
  font-size: 0.9rem; }
.chapters ol { display: grid; gap: 0.2rem; margin: 0; padding: 0; list-style: none; }
.chapter {
  display: flex; gap: 0.8rem; align-items: baseline; width: 100%;
  border-color: transparent; background: transparent; text-align: left;
}
.chapter .time { min-width: 2.6em; color: var(--muted);
  font-variant-numeric: tabular-nums; }
.chapter[aria-current="true"] { border-color: var(--accent);
  background: var(--accent-soft); }
.downloads { margin: 0.9rem 0 0; color: var(--muted); font-size: 0.85rem; }

.formulas { margin-top: 1.8rem; }
.formula-grid { display: flex; flex-wrap: wrap; gap: 0.8rem; }
.formula { flex: 1 1 auto; min-width: min(100%, 14rem); max-width: 100%;
  padding: 0.7rem 1rem; border: 1px solid var(--line);
  border-radius: 0.75rem; background: var(--surface); }
.formula math { margin: 0.2rem 0 0.4rem; font-size: clamp(1rem, 3.4vw, 1.2rem);
  overflow-x: auto; }
.formula p { margin: 0; color: var(--muted); font-size: 0.85rem; }

.values { padding: 2.6rem 0; }
.group { margin-top: 1.8rem; }
.tables { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
.table-box { flex: 0 1 auto; min-width: min(100%, 15rem); max-width: 100%;
  overflow-x: auto; padding: 0.5rem 0.8rem 0.7rem;
  border: 1px solid var(--line); border-radius: 0.75rem; background: var(--surface); }
@media (max-width: 36rem) { .table-box { flex-grow: 1; } }
table { width: 100%; border-collapse: collapse; font-size: 0.95rem;
  font-variant-numeric: tabular-nums; }
caption { padding: 0.2rem 0 0.5rem; font-weight: 650; text-align: left; }
th, td { padding: 0.25rem 0.5rem; text-align: right; white-space: nowrap; }
thead th { border-bottom: 1px solid var(--line); color: var(--muted);
  font-weight: 500; }
tbody th { font-weight: 600; text-align: left; }
td.weight { background: rgb(var(--heat) / calc(var(--w) * 0.45)); }
td.masked { color: var(--muted);
  background: repeating-linear-gradient(135deg, transparent 0 5px,
    var(--line) 5px 6px); }

.colophon { padding: 2rem 0 3rem; color: var(--muted); font-size: 0.9rem; }

@media print {
  :root { --bg: #fff; --surface: #fff; --text: #000; --muted: #333;
    --line: #999; --accent: #000; }
  .skip, .how, .controls, .status, .downloads, nav[aria-label="Contents"] {
    display: none; }
  video { max-width: 70%; box-shadow: none; }
  .scene, .table-box, .formula { break-inside: avoid; }
  .scene { border: 0; }
  .chapter { min-height: 0; padding: 0; }
  td.weight { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
}
"""
"""The page's CSS: light and dark, one column on phones, printable."""

SCRIPT = """
"use strict";
(() => {
  // Seconds: a time this close to a chapter's start belongs to that chapter
  const NEAR = 0.04;
  // Seconds before a chapter's end at which step mode pauses
  const EARLY = 0.02;
  const players = Array.from(document.querySelectorAll("[data-player]"), setUp);
  let active = players[0] || null;

  function setUp(root) {
    const p = {
      root,
      video: root.querySelector("video"),
      buttons: Array.from(root.querySelectorAll("[data-chapter]")),
      status: root.querySelector("[data-status]"),
      toggle: root.querySelector('[data-action="step"]'),
      step: false, index: 0, finished: false, watching: false,
    };
    p.chapters = p.buttons.map((b) => ({
      start: Number(b.dataset.start), end: Number(b.dataset.end),
      name: b.dataset.name,
    }));
    const on = (selector, handler) => {
      const element = root.querySelector(selector);
      if (element) element.addEventListener("click", handler);
    };
    on('[data-action="step"]', () => setStep(p, !p.step));
    on('[data-action="next"]', () => next(p));
    on('[data-action="prev"]', () => previous(p));
    p.buttons.forEach((b, i) => b.addEventListener("click", () => jump(p, i)));
    p.video.addEventListener("play", () => started(p));
    p.video.addEventListener("seeked", () => { follow(p); mark(p); });
    p.video.addEventListener("timeupdate", () => { check(p); mark(p); });
    p.video.addEventListener("ended", () => { p.finished = true; ended(p); });
    root.addEventListener("focusin", () => { active = p; });
    root.addEventListener("pointerdown", () => { active = p; });
    return p;
  }

  function chapterAt(p, time) {
    let index = 0;
    p.chapters.forEach((c, i) => { if (c.start <= time + NEAR) index = i; });
    return index;
  }

  function say(p, text) { if (p.status) p.status.textContent = text; }

  function describe(p, i) {
    const name = p.chapters[i].name;
    return `chapter ${i + 1} of ${p.chapters.length}, \\u201c${name}\\u201d`;
  }

  function mark(p) {
    if (!p.chapters.length) return;
    const current = p.step ? p.index : chapterAt(p, p.video.currentTime);
    p.buttons.forEach((b, i) => {
      if (i === current) b.setAttribute("aria-current", "true");
      else b.removeAttribute("aria-current");
    });
  }

  function follow(p) {
    if (p.chapters.length && !p.video.paused) {
      p.index = chapterAt(p, p.video.currentTime);
    }
  }

  function play(p) {
    const promise = p.video.play();
    // A play() cut short by a pause rejects; that is not an error here
    if (promise) promise.catch(() => {});
  }

  function seek(p, time) { p.video.currentTime = time; }

  function started(p) {
    active = p;
    players.forEach((o) => { if (o !== p && !o.video.paused) o.video.pause(); });
    p.finished = false;
    follow(p);
    if (!p.step || !p.chapters.length) return;
    say(p, `Playing ${describe(p, p.index)}.`);
    watch(p);
  }

  function watch(p) {
    if (p.watching) return;
    p.watching = true;
    const tick = () => {
      check(p);
      if (p.step && !p.video.paused) requestAnimationFrame(tick);
      else p.watching = false;
    };
    requestAnimationFrame(tick);
  }

  function check(p) {
    if (!p.step || p.video.paused || !p.chapters.length) return;
    const chapter = p.chapters[p.index];
    if (p.video.currentTime < chapter.end - EARLY) return;
    p.video.pause();
    p.finished = true;
    mark(p);
    const keys = "\\u2192 or Space: next; \\u2190: back.";
    if (p.index === p.chapters.length - 1) ended(p);
    else say(p, `End of ${describe(p, p.index)}. ${keys}`);
  }

  function ended(p) {
    if (p.step) say(p, "End of the video. \\u2190 goes back one chapter.");
  }

  function playChapter(p, i) {
    p.index = i;
    p.finished = false;
    seek(p, p.chapters[i].start);
    mark(p);
    play(p);
    if (p.step) {
      say(p, `Playing ${describe(p, i)}.`);
      watch(p);
    }
  }

  function jump(p, i) {
    if (p.step) playChapter(p, i);
    else { seek(p, p.chapters[i].start); play(p); }
  }

  function next(p) {
    if (!p.chapters.length) return;
    const last = p.chapters.length - 1;
    if (!p.step) {
      const i = chapterAt(p, p.video.currentTime);
      if (i < last) seek(p, p.chapters[i + 1].start);
    } else if (p.video.paused && !p.finished && !p.video.ended) {
      play(p);
    } else if (p.index < last) {
      playChapter(p, p.index + 1);
    } else {
      ended(p);
    }
  }

  function previous(p) {
    if (!p.chapters.length) return;
    const current = p.step ? p.index : chapterAt(p, p.video.currentTime);
    const i = Math.max(current - 1, 0);
    if (p.step) playChapter(p, i);
    else seek(p, p.chapters[i].start);
  }

  function setStep(p, on) {
    if (!p.chapters.length) return;
    p.step = on;
    p.toggle.setAttribute("aria-pressed", String(on));
    p.index = chapterAt(p, p.video.currentTime);
    p.finished = false;
    mark(p);
    if (!on) { say(p, ""); return; }
    if (p.video.paused) {
      say(p, `Step mode: \\u2192 or Space plays ${describe(p, p.index)}.`);
    } else {
      say(p, `Step mode: pausing at the end of ${describe(p, p.index)}.`);
      watch(p);
    }
  }

  // Keys act on the player that holds the focus, or was used last
  window.addEventListener("keydown", (event) => {
    if (!active || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    const inPlayer = players.find((p) => p.root.contains(target));
    if (inPlayer) active = inPlayer;
    else if (target !== document.body && target !== document.documentElement) return;
    const onButton = target instanceof Element && target.closest("button, a");
    let act = null;
    const key = event.key;
    if (key === "s" || key === "S") act = () => setStep(active, !active.step);
    else if (!active.step) return;
    else if (key === "ArrowRight") act = () => next(active);
    else if (key === " " && !onButton) act = () => next(active);
    else if (key === "ArrowLeft") act = () => previous(active);
    if (!act) return;
    event.preventDefault();
    event.stopPropagation();
    act();
  }, true);
})();
"""
"""The page's script: chapters, step mode and its keys."""
