"""Small GIFs for web pages, made from a lossless render.

Manim's own GIF writer gave 57 MB for a 27-second scene at 480p. The scenes
are flat colours on a dark background in which little moves at a time, so
one palette for the whole video, taken from frames spread over it, lets
the GIF encoder store only what changed from frame to frame: about a
hundred times smaller. Frames are converted one at a time, so memory stays
flat however long the video.
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
from PIL import Image

from scenes import stopping

PALETTE_SAMPLES = 12
"""Frames, spread over the video, whose colours make the shared palette."""

PALETTE_COLORS = 255
"""Colours of the shared palette: the commonest of the sampled frames."""

MAX_RATE = 15
"""Most frames per second of a GIF: browsers play faster GIFs unevenly,
and each frame costs bytes, so higher qualities keep every n-th frame."""


def _shared_palette(source: Path) -> Image.Image:
    """A palette image made from frames spread over the whole video."""
    with av.open(str(source)) as container:
        stream = container.streams.video[0]
        count = stream.frames or sum(1 for _ in container.decode(stream))
    picks = set(np.linspace(0, max(count - 1, 0), PALETTE_SAMPLES).astype(int))
    # Colours are counted frame by frame, so that memory stays that of one
    # frame: at 4k, all samples at once took several GiB.
    found, tallies = [], []
    with av.open(str(source)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index in picks:
                colors, counts = _colour_counts(frame.to_ndarray(format="rgb24"))
                found.append(colors)
                tallies.append(counts)
    # The most frequent colours, exactly: flat fills and the commonest
    # antialiased edges; rarer colours go to their nearest neighbour.
    colors, where = np.unique(np.concatenate(found), return_inverse=True)
    counts = np.bincount(where, weights=np.concatenate(tallies)).astype(np.int64)
    top = colors[np.argsort(counts)[::-1][:PALETTE_COLORS]]
    rgb = np.stack([(top >> 16) & 255, (top >> 8) & 255, top & 255], axis=1)
    palette = Image.new("P", (1, 1))
    flat = rgb.astype(np.uint8).flatten().tolist()
    palette.putpalette(flat + flat[:3] * (256 - len(rgb)))
    return palette


def _colour_counts(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct colours of one frame, packed as ``0xRRGGBB``, and how
    many pixels have each.
    """
    rgb = pixels.reshape(-1, 3).astype(np.uint32)
    packed = (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]
    return np.unique(packed, return_counts=True)


def _av_palette(palette: Image.Image) -> np.ndarray:
    """The palette as PyAV wants it for ``pal8`` frames: rows of A, R, G, B."""
    colors = np.array(palette.getpalette()[: 3 * 256], dtype=np.uint8).reshape(-1, 3)
    table = np.zeros((256, 4), dtype=np.uint8)
    table[:, 0] = 255
    table[: len(colors), 1:] = colors
    return table


def write_gif(source: Path, target: Path) -> None:
    """Write the video ``source`` as a looping GIF at ``target``.

    The GIF keeps the video's size and plays at most :data:`MAX_RATE`
    frames per second.
    """
    palette = _shared_palette(source)
    table = _av_palette(palette)
    with av.open(str(source)) as container, av.open(str(target), "w") as gif:
        stream = container.streams.video[0]
        step = max(1, round(float(stream.average_rate) / MAX_RATE))
        output = gif.add_stream("gif", rate=stream.average_rate / step)
        output.pix_fmt = "pal8"
        output.width, output.height = stream.width, stream.height
        for index, frame in enumerate(container.decode(stream)):
            if index % step:
                continue
            stopping.check()
            image = Image.fromarray(frame.to_ndarray(format="rgb24"))
            indices = np.asarray(
                image.quantize(palette=palette, dither=Image.Dither.NONE)
            )
            gif.mux(output.encode(av.VideoFrame.from_ndarray((indices, table), "pal8")))
        gif.mux(output.encode(None))
