"""Colours, sizes and timings of every scene, named for what they mean.

A colour stands for one thing in every scene: a query is always
``QUERY_COLOR``. This module imports nothing from Manim, so the command
line can read it cheaply.
"""

from __future__ import annotations

# ---------------------------------------------------------------- colours
# What each colour stands for, the same in every scene.

BACKGROUND_COLOR = "#111318"
"""Dark background that keeps thin lines readable at 480p."""

TEXT_COLOR = "#ECEFF4"
"""Words, titles and operators."""

MUTED_COLOR = "#7B8394"
"""Explanations, axis labels and anything in the background of a step."""

EMBEDDING_COLOR = "#81C784"
"""Word-embedding values."""

POSITION_COLOR = "#FFB74D"
"""Positional-encoding values and their sine and cosine curves."""

ENCODED_COLOR = "#FFF176"
"""Position-encoded values: embedding plus position."""

WEIGHT_COLOR = "#B0BEC5"
"""Weights on the connections of a weighted sum."""

QUERY_COLOR = "#F06292"
"""Query values and the query weights that make them."""

KEY_COLOR = "#4FC3F7"
"""Key values and the key weights that make them."""

VALUE_COLOR = "#BA68C8"
"""Value vectors and the value weights that make them."""

SCORE_COLOR = "#FFD54F"
"""Similarity scores, raw or scaled, and the steps of softmax that still
hold scores (minus the largest)."""

ATTENTION_COLOR = "#FF8A65"
"""Attention weights: percentages, their bars and the weights that scale
value vectors."""

OUTPUT_COLOR = "#4DB6AC"
"""Self-attention outputs: value vectors mixed by the attention weights."""

HEAD_COLORS = ("#9FA8DA", "#AED581", "#BCAAA4")
"""One colour per head (periwinkle, lime, taupe), used by the
multi-head scene only: a head's name, frame and output are drawn in it, and
each part of the concatenated output keeps the colour of its head. None of
them is a colour that means something else."""

HIGHLIGHT_COLOR = "#FFFFFF"
"""The connection or number the viewer should look at now."""

# ---------------------------------------------------------------- type
# Font and sizes, chosen to stay readable at 854x480.

FONT = "DejaVu Sans"
"""Pango font of words and numbers: covers Latin, Greek and Cyrillic, with
same-width digits so that columns of numbers line up."""

TITLE_SIZE = 44
"""Font size of a scene's title."""

LABEL_SIZE = 34
"""Font size of words and names of things."""

NUMBER_SIZE = 32
"""Font size of values."""

SMALL_SIZE = 24
"""Font size of weights on connections and of axis labels."""

MAX_WORD_WIDTH = 2.0
"""Widest a word label may be, in scene units; longer words are scaled."""

# ---------------------------------------------------------------- timing
# Durations in seconds, named for their purpose.

STEP_PAUSE = 1.0
"""Pause after a step, so that the viewer can read its result."""

SHORT_PAUSE = 0.4
"""Pause between the parts of one step."""

WRITE_TIME = 0.8
"""Time to write a new label or formula."""

MOVE_TIME = 0.8
"""Time for a value to travel to where it is used."""

FAST_MOVE_TIME = 0.5
"""Travel time for repeats the viewer has already seen once."""

# ---------------------------------------------------------------- limits
# What fits on screen; ``render`` refuses larger lessons.

MAX_WORDS = 4
"""Most words a scene can lay out."""

MAX_D_MODEL = 4
"""Most values per word a scene can lay out."""

MAX_D_HEAD = 4
"""Most query, key or value values per word a scene can lay out."""

MAX_HEADS = len(HEAD_COLORS)
"""Most attention heads the multi-head scene can lay out: one per colour."""
