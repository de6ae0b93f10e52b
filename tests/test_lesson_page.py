"""The lesson page, written from synthetic videos and checked in Chromium.

The videos, posters and captions are made here with PyAV and Pillow, so
these tests need no Manim. Chromium is Debian's (``/usr/bin/chromium``,
installed by ``make system``); Playwright drives it and never downloads a
browser of its own.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import BrowserContext, Page, sync_playwright

import qkmath
from qkmath.export import render_values
from scenes.page import SCENE_FORMULAS, Chapter, PageVideo, write_lesson_page

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--mute-audio",
    # Chromium's own background traffic (updates, sync) has no network here
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

FPS = 15
SECONDS = 6
SIZE = (426, 240)
CHAPTER_LENGTH = 1.5
CHAPTERS = tuple(
    Chapter(name, i * CHAPTER_LENGTH, (i + 1) * CHAPTER_LENGTH)
    for i, name in enumerate(
        ["Embeddings & positions", "Queries <and> keys", "Scores", "Output"]
    )
)

SPECIAL_WORD = '</script><script>alert("x")</script>'
"""A word that would run as script if the page did not escape it."""

# Seconds of slack when comparing a video's time with a chapter boundary
BOUNDARY_SLACK = 0.25


# ---------------------------------------------------------------- media


def write_video(path: Path) -> None:
    """A 6 s H.264 video whose colour and bar move with time."""
    width, height = SIZE
    with av.open(str(path), "w", options={"movflags": "faststart"}) as container:
        stream = container.add_stream("h264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for index in range(FPS * SECONDS):
            frame = np.zeros((height, width, 3), np.uint8)
            frame[:, :, 2] = 60 + index
            frame[:, (index * 4) % width : (index * 4) % width + 12] = 255
            image = av.VideoFrame.from_ndarray(frame, format="rgb24")
            container.mux(stream.encode(image))
        container.mux(stream.encode())


def write_poster(path: Path, title: str) -> None:
    image = Image.new("RGB", SIZE, "#111318")
    ImageDraw.Draw(image).text((20, 20), title, fill="#ECEFF4")
    image.save(path)


def write_captions(path: Path) -> None:
    cues = [
        f"{i + 1}\n00:00:{c.start:06.3f} --> 00:00:{c.end:06.3f}\n{c.name}\n"
        for i, c in enumerate(CHAPTERS)
    ]
    path.write_text("WEBVTT\n\n" + "\n".join(cues), encoding="utf-8")


@pytest.fixture(scope="module")
def video_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("media") / "video.mp4"
    write_video(path)
    return path


PAGE_SCENES = (
    ("AttentionLesson", True, CHAPTERS),
    ("ComputeQueryValues", False, CHAPTERS),
    ("UnlistedScene", False, ()),
)
"""Scene, whether it has captions, and its chapters: the last scene has no
chapters and no formulas."""


def build_page(
    folder: Path, example: qkmath.WorkedExample, video_file: Path
) -> tuple[Path, list[PageVideo]]:
    """A page with the videos of PAGE_SCENES, all made from one file."""
    folder.mkdir(parents=True, exist_ok=True)
    videos = []
    for scene, captioned, chapters in PAGE_SCENES:
        shutil.copy(video_file, folder / f"{scene}.mp4")
        write_poster(folder / f"{scene}.png", scene)
        if captioned:
            write_captions(folder / f"{scene}.vtt")
        videos.append(
            PageVideo(
                scene=scene,
                description=f"What {scene} shows & why.",
                video=f"{scene}.mp4",
                poster=f"{scene}.png",
                captions=f"{scene}.vtt" if captioned else None,
                chapters=chapters,
            )
        )
    return write_lesson_page(folder, example, videos), videos


def default_example() -> qkmath.WorkedExample:
    return qkmath.compute(qkmath.default_lesson())


def special_example() -> qkmath.WorkedExample:
    data = qkmath.read_lesson_data(ROOT / "examples" / "special-words.json")
    data["words"].append(SPECIAL_WORD)
    return qkmath.compute(qkmath.lesson_from_mapping(data))


# ---------------------------------------------------------------- server


class RangeHandler(SimpleHTTPRequestHandler):
    """Static files with HTTP range requests, as web hosts serve videos.

    Without ranges Chromium cannot seek in a video, and neither could the
    page's chapters; ``http.server`` alone does not answer them.
    """

    def do_GET(self) -> None:
        match = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", ""))
        path = Path(self.translate_path(self.path))
        if not match or not path.is_file():
            super().do_GET()
            return
        data = path.read_bytes()
        first, last = match.groups()
        if first:
            start, end = int(first), min(int(last or len(data) - 1), len(data) - 1)
        else:
            start, end = max(len(data) - int(last or 0), 0), len(data) - 1
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
        self.send_header("Content-Length", str(end - start + 1))
        self.end_headers()
        self.wfile.write(data[start : end + 1])

    def end_headers(self) -> None:
        self.send_header("Accept-Ranges", "bytes")
        super().end_headers()

    def log_message(self, format, *args) -> None:
        pass


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # Chromium drops media connections it no longer needs
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@pytest.fixture(scope="module")
def site(tmp_path_factory, video_file) -> Iterator[dict[str, str]]:
    """Both pages, served on 127.0.0.1 and on disk: folder URL of each.

    Keys are a page and how it is opened, such as ``"special-file"``.
    """
    root = tmp_path_factory.mktemp("site")
    build_page(root / "default", default_example(), video_file)
    build_page(root / "special", special_example(), video_file)
    server = QuietServer(("127.0.0.1", 0), partial(RangeHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address
    yield {
        f"{name}-{scheme}": (
            f"http://{host}:{port}/{name}/"
            if scheme == "http"
            else (root / name).as_uri() + "/"
        )
        for name in ("default", "special")
        for scheme in ("http", "file")
    }
    server.shutdown()
    server.server_close()


# ---------------------------------------------------------------- browser


@pytest.fixture(scope="module")
def browser_context() -> Iterator[BrowserContext]:
    """One Chromium context; each test opens its own pages in it."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        context = browser.new_context()
        yield context
        context.close()
        browser.close()


class Visit:
    """A page opened in Chromium, with what it logged and requested."""

    def __init__(
        self,
        context: BrowserContext,
        folder_url: str,
        viewport: dict[str, int] | None = None,
        color_scheme: str = "light",
    ) -> None:
        self.page: Page = context.new_page()
        if viewport:
            self.page.set_viewport_size(viewport)
        self.page.emulate_media(color_scheme=color_scheme)
        self.folder_url = folder_url
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("dialog", lambda dialog: self.errors.append(dialog.message))
        self.page.goto(folder_url + "index.html", wait_until="domcontentloaded")
        self.page.wait_for_function(
            "[...document.querySelectorAll('video')].every(v => v.readyState >= 1)",
            timeout=10_000,
        )

    def _console(self, message) -> None:
        if message.type in ("error", "warning"):
            self.errors.append(f"{message.type}: {message.text}")

    def video(self, expression: str, index: int = 0):
        return self.page.evaluate(
            f"(v => {expression})(document.querySelectorAll('video')[{index}])"
        )

    def wait_paused_after(self, seconds: float, index: int = 0) -> float:
        self.page.wait_for_function(
            f"(v => v.paused && v.currentTime > {seconds})"
            f"(document.querySelectorAll('video')[{index}])",
            timeout=10_000,
        )
        return self.video("v.currentTime", index)

    def close(self) -> None:
        self.page.close()


@pytest.fixture
def visit(browser_context, site) -> Iterator[Callable[..., Visit]]:
    """Open a page of ``site`` by name; closed after the test."""
    opened = []

    def open_page(name: str, **context) -> Visit:
        opened.append(Visit(browser_context, site[name], **context))
        return opened[-1]

    yield open_page
    for page in opened:
        page.close()


PAGES = ["default-http", "default-file", "special-http", "special-file"]


# ---------------------------------------------------------------- tests


@pytest.mark.slow
@pytest.mark.parametrize("name", PAGES)
def test_page_loads_offline_without_errors(visit, name):
    lesson = visit(name)
    lesson.page.wait_for_timeout(300)

    outside = [
        url
        for url in lesson.requests
        if not url.startswith(lesson.folder_url) and not url.startswith("data:")
    ]
    assert outside == []
    assert lesson.errors == []


@pytest.mark.slow
@pytest.mark.parametrize("name", ["default-http", "default-file"])
def test_videos_have_sources_and_captions(visit, name):
    lesson = visit(name)

    for index in range(len(PAGE_SCENES)):
        assert lesson.video("v.duration", index) == pytest.approx(SECONDS, abs=0.2)
    lesson.page.wait_for_function(
        "(t => t.cues && t.cues.length > 0)"
        "(document.querySelector('video').textTracks[0])",
        timeout=5_000,
    )
    cues = lesson.video("[...v.textTracks[0].cues].map(c => [c.startTime, c.text])")
    assert cues == [[c.start, c.name] for c in CHAPTERS]
    assert lesson.video("v.textTracks.length", 1) == 0


@pytest.mark.slow
@pytest.mark.parametrize("name", ["default-http", "default-file"])
def test_video_plays_and_chapters_jump(visit, name):
    lesson = visit(name)
    lesson.video("v.play()")
    lesson.page.wait_for_timeout(600)
    assert lesson.video("v.currentTime") > 0.2
    lesson.video("v.pause()")

    chapter = CHAPTERS[2]
    lesson.page.get_by_role("button", name=re.compile(r"^Chapter 3,")).first.click()
    lesson.page.wait_for_function(
        "(v => !v.seeking)(document.querySelector('video'))", timeout=5_000
    )
    time = lesson.video("v.currentTime")
    assert chapter.start <= time < chapter.start + 0.5
    current = lesson.page.locator(".chapter[aria-current='true']").first
    assert chapter.name in current.inner_text()


@pytest.mark.slow
def test_step_mode_pauses_at_each_chapter_end(visit):
    lesson = visit("default-http")
    keyboard = lesson.page.keyboard

    keyboard.press("s")
    toggle = lesson.page.locator("[data-action='step']").first
    assert toggle.get_attribute("aria-pressed") == "true"
    keyboard.press("ArrowRight")
    assert lesson.wait_paused_after(1.0) == pytest.approx(1.5, abs=BOUNDARY_SLACK)
    lesson.page.wait_for_timeout(400)
    assert lesson.video("v.paused")
    status = lesson.page.locator("[data-status]").first.inner_text()
    assert "End of chapter 1 of 4" in status

    keyboard.press("Space")
    assert lesson.wait_paused_after(2.5) == pytest.approx(3.0, abs=BOUNDARY_SLACK)
    keyboard.press("ArrowLeft")
    lesson.page.wait_for_function(
        "(v => !v.paused)(document.querySelector('video'))", timeout=5_000
    )
    assert lesson.video("v.currentTime") < 1.0
    assert lesson.wait_paused_after(1.0) == pytest.approx(1.5, abs=BOUNDARY_SLACK)

    lesson.page.get_by_role("button", name="Next chapter").first.click()
    assert lesson.wait_paused_after(2.5) == pytest.approx(3.0, abs=BOUNDARY_SLACK)
    current = lesson.page.locator(".chapter[aria-current='true']").first
    assert CHAPTERS[1].name in current.inner_text()
    assert lesson.errors == []


def shown_tables(example: qkmath.WorkedExample) -> list[list[str]]:
    """Each table as `values --format csv` writes it: title row, then rows."""
    rows = list(csv.reader(io.StringIO(render_values(example, "csv", 2))))[1:]
    grouped: dict[tuple[str, str], list[list[str]]] = {}
    for quantity, head, row, _column, value in rows:
        cells = grouped.setdefault((quantity, head), [])
        if not cells or cells[-1][0] != row:
            cells.append([row])
        cells[-1].append(value)
    return [[key, *map("|".join, cells)] for key, cells in grouped.items()]


PAGE_TABLES = """
[...document.querySelectorAll('table[data-key]')].map(t => [
  [t.dataset.key, t.dataset.head || ''],
  ...[...t.tBodies[0].rows].map(r => [...r.cells].map(c => c.textContent).join('|')),
])
"""


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "example"),
    [("default-file", default_example), ("special-file", special_example)],
    ids=["default", "special"],
)
def test_tables_hold_the_values_numbers(visit, name, example):
    lesson = visit(name)
    on_page = [
        [tuple(key), *(row.replace("\u2212", "-") for row in rows)]
        for key, *rows in lesson.page.evaluate(PAGE_TABLES)
    ]

    assert on_page == shown_tables(example())


@pytest.mark.slow
def test_special_words_appear_as_typed(visit):
    lesson = visit("special-http")
    words = list(special_example().words)

    chips = lesson.page.locator(".words .word").all_inner_texts()
    assert chips == words
    assert SPECIAL_WORD in lesson.page.title()
    first_table = lesson.page.locator("table[data-key='embeddings'] tbody th")
    assert first_table.all_inner_texts() == words
    assert lesson.page.evaluate("document.scripts.length") == 1
    assert lesson.errors == []


@pytest.mark.slow
def test_page_fits_a_phone_and_a_laptop(visit):
    for viewport in ({"width": 390, "height": 844}, {"width": 1366, "height": 800}):
        lesson = visit("special-http", viewport=viewport, color_scheme="dark")
        width = lesson.page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"]


# ---------------------------------------------------------------- no browser


def test_page_escapes_words_and_leaves_no_temporary_file(tmp_path, video_file):
    path, _ = build_page(tmp_path, special_example(), video_file)
    (tmp_path / "index.html").write_text("old")
    path, _ = build_page(tmp_path, special_example(), video_file)
    text = path.read_text(encoding="utf-8")

    assert path == tmp_path / "index.html"
    assert text.count("<script") == text.count("</script") == 1
    assert "&lt;/script&gt;&lt;script&gt;alert(&quot;x&quot;)" in text
    assert "50% &amp; $5" in text and "naïve_{x}^2" in text and "日本語" in text
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    assert path.stat().st_mode & 0o777 == 0o644


def test_formulas_follow_the_scene_table(tmp_path, video_file):
    path, _ = build_page(tmp_path, default_example(), video_file)
    text = path.read_text(encoding="utf-8")
    sections = text.split('<section class="scene"')[1:]

    for section, (scene, _, chapters) in zip(sections, PAGE_SCENES, strict=True):
        assert section.count("<math") == len(SCENE_FORMULAS.get(scene, ()))
        assert section.count("<button") == (3 + len(chapters) if chapters else 0)
    assert "http://" not in text and "https://" not in text


def test_missing_video_file_is_named(tmp_path):
    video = PageVideo("AttentionLesson", "x", "gone.mp4", "gone.png", None, ())
    with pytest.raises(FileNotFoundError, match=r"gone\.mp4, gone\.png"):
        write_lesson_page(tmp_path, default_example(), [video])


def test_importing_the_page_module_does_not_import_manim():
    code = "import sys, scenes.page; sys.exit('manim' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=os.environ.copy(), check=False
    )
    assert result.returncode == 0
