"""qkanim: animate how self-attention turns words into query and key values.

Run from the repository root as ``python cli.py COMMAND``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

import qkmath
from qkmath.export import FORMATS, render_values
from scenes import stopping
from scenes.registry import DEFAULT_SCENE, SCENES

QUALITIES = ("low", "medium", "high", "4k")
VIDEO_FORMATS = ("mp4", "webm", "gif", "mov", "png")


LINE_BREAKS = re.compile("[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")
"""What ``str.splitlines`` breaks at: escaped in error messages."""


class InputError(click.ClickException):
    """A user mistake: one line on stderr and exit status 2.

    Line breaks that the message quotes from the input (a JSON key may hold
    one) are shown escaped, so that the message stays one line.
    """

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(
            LINE_BREAKS.sub(lambda m: m[0].encode("unicode_escape").decode(), message)
        )


class OneLineGroup(click.Group):
    """A group whose usage errors are one line, like every other error."""

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.exceptions.NoArgsIsHelpError:
            raise
        except click.UsageError as error:
            raise _one_line(error) from None

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except click.exceptions.NoArgsIsHelpError:
            raise
        except click.UsageError as error:
            raise _one_line(error) from None


def _one_line(error: click.UsageError) -> InputError:
    command = error.ctx.command_path if error.ctx else "cli.py"
    return InputError(f"{error.format_message()} (see: {command} --help)")


def lesson_options(function):
    """The options that choose a lesson, shared by every command."""
    function = click.option(
        "--seed",
        type=click.IntRange(min=0),
        default=None,
        help="Seed for the numbers the lesson leaves out (default: the "
        "lesson's own seed, else 0).",
    )(function)
    function = click.option(
        "--words",
        metavar="TEXT",
        help="Words of the lesson, separated by spaces. Without --lesson, "
        "their embeddings and weights are drawn from --seed.",
    )(function)
    function = click.option(
        "--lesson",
        "lesson_path",
        type=click.Path(path_type=Path),
        help='JSON lesson file (see README). Default: the "Let\'s go" lesson.',
    )(function)
    return function


quality_option = click.option(
    "--quality",
    type=click.Choice(QUALITIES),
    default="low",
    show_default=True,
    help="low 480p15, medium 720p30, high 1080p60, 4k 2160p60.",
)
"""The ``--quality`` option of every command that renders."""


def run_options(function):
    """How scenes are rendered, shared by every command that renders."""
    function = click.option(
        "--verbose", is_flag=True, help="Show Manim's own logs and bars."
    )(function)
    function = click.option(
        "--no-cache",
        is_flag=True,
        help="Render again even when nothing changed since the last render "
        "(the new files are kept in the cache for next time).",
    )(function)
    function = click.option(
        "--jobs",
        type=click.IntRange(min=1),
        default=None,
        help="Scenes rendered at once, in separate processes.  [default: the "
        "number of cores]",
    )(function)
    return function


def load_example(
    lesson_path: Path | None, words: str | None, seed: int | None
) -> qkmath.WorkedExample:
    """Build the worked example the options describe, or raise InputError.

    With no option this is the default lesson; ``--words`` alone or
    ``--seed`` alone draws the numbers of new words (or of "Let's go") from
    the seed; with ``--lesson``, ``--words`` renames the lesson's words.
    """
    try:
        if lesson_path is not None:
            data = qkmath.read_lesson_data(lesson_path)
        elif words is None and seed is None:
            data = qkmath.DEFAULT_LESSON
        else:
            data = {"words": list(qkmath.DEFAULT_LESSON["words"])}
        if words is not None and isinstance(data, dict):
            if not words.split():
                raise qkmath.LessonError("--words is empty: give at least one word")
            data = {**data, "words": words.split()}
        return qkmath.compute(qkmath.lesson_from_mapping(data, seed=seed))
    except qkmath.LessonError as error:
        raise InputError(str(error)) from None


@click.group(cls=OneLineGroup, context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Animate how self-attention turns words into query and key values.

    The default lesson is the two words "Let's go". Every number shown comes
    from the qkmath package; `values` prints them all.
    """


@cli.command()
@lesson_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(FORMATS)),
    default="table",
    show_default=True,
    help="table for a terminal, json (exact, full precision), csv, "
    "or markdown and latex to paste into lesson material.",
)
@click.option(
    "--decimals",
    type=click.IntRange(0, 12),
    default=2,
    show_default=True,
    help="Decimal places of every number (not used by json).",
)
def values(lesson_path, words, seed, fmt, decimals) -> None:
    """Print every value of the lesson, step by step."""
    example = load_example(lesson_path, words, seed)
    click.echo(render_values(example, fmt, decimals), nl=False)


@cli.command(name="list")
def list_scenes() -> None:
    """List the scenes with what each one shows."""
    width = max(len(info.name) for info in SCENES)
    for info in SCENES:
        click.echo(f"{info.name.ljust(width)}  {info.description}")


@cli.command()
@click.argument(
    "scene_names",
    metavar="[SCENE]...",
    nargs=-1,
    type=click.Choice([info.name for info in SCENES]),
)
@click.option(
    "--all", "render_all", is_flag=True, help="Render every scene (see `list`)."
)
@lesson_options
@quality_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(VIDEO_FORMATS),
    default="mp4",
    show_default=True,
    help="Video format; png writes the last frame only.",
)
@click.option(
    "--transparent",
    is_flag=True,
    help="Transparent background (webm, mov or png only).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path("media"),
    show_default=True,
    help="Folder for the finished files, named <Scene>.<format>.",
)
@click.option(
    "--sections",
    is_flag=True,
    help="Also write one clip per named step into DIR/<Scene>.sections/ and "
    "an index of them, DIR/<Scene>.sections.json.",
)
@run_options
def render(
    scene_names,
    render_all,
    lesson_path,
    words,
    seed,
    quality,
    fmt,
    transparent,
    out_dir,
    sections,
    jobs,
    no_cache,
    verbose,
) -> None:
    """Render scenes to DIR/<Scene>.<format> (default: AttentionLesson).

    Beside each video go its last frame as a poster (<Scene>.png) and its
    captions (<Scene>.srt and <Scene>.vtt). Scenes whose lesson, code and
    settings have not changed are copied from the cache instead of
    rendered. Prints each written path on stdout, one per line.
    """
    if render_all:
        names = [info.name for info in SCENES]
    else:
        names = list(dict.fromkeys(scene_names)) or [DEFAULT_SCENE]
    if transparent and fmt in ("mp4", "gif"):
        raise InputError(
            f"--transparent does not work with {fmt}: use --format webm, mov or png"
        )
    if sections and fmt == "png":
        raise InputError("--sections needs a video format: drop --format png")
    example = load_example(lesson_path, words, seed)
    for rendered in run_render(
        names,
        example,
        quality=quality,
        fmt=fmt,
        transparent=transparent,
        out_dir=out_dir,
        sections=sections,
        jobs=jobs,
        use_cache=not no_cache,
        verbose=verbose,
    ):
        for path in rendered.files:
            click.echo(str(path))


def run_render(names, example, *, jobs=None, **settings):
    """Render through :mod:`scenes.render`, turning its errors into one line."""
    from scenes.render import RenderError, RenderJob, default_jobs, render_scenes

    job = RenderJob(example, jobs=jobs or default_jobs(), **settings)
    try:
        yield from render_scenes(names, job)
    except RenderError as error:
        raise InputError(str(error)) from None


LESSON_PAGE_SKIPS = ("AttentionLesson",)
"""Scenes left off the lesson page: the page already has each step."""


@cli.command()
@lesson_options
@quality_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path("site"),
    show_default=True,
    help="Folder for index.html and the videos beside it.",
)
@run_options
def lesson(lesson_path, words, seed, quality, out_dir, jobs, no_cache, verbose):
    """Render every scene and write DIR/index.html: a lesson page.

    The page works offline, from the file system or a web server: each
    scene's video with its poster, captions and chapters, a step mode that
    plays one chapter at a time, the formulas, and tables of every value.
    Prints the page's path.
    """
    example = load_example(lesson_path, words, seed)
    names = [info.name for info in SCENES if info.name not in LESSON_PAGE_SKIPS]
    rendered = list(
        run_render(
            names,
            example,
            quality=quality,
            fmt="mp4",
            out_dir=out_dir,
            jobs=jobs,
            use_cache=not no_cache,
            verbose=verbose,
        )
    )
    from scenes.page import Chapter, PageVideo, write_lesson_page

    descriptions = {info.name: info.description for info in SCENES}
    by_name = {r.scene: r for r in rendered}
    videos = []
    for name in names:
        result = by_name[name]
        captions = result.output(".vtt")
        videos.append(
            PageVideo(
                scene=name,
                description=descriptions[name],
                video=result.path.name,
                poster=result.output(".png").name,
                captions=captions.name if captions else None,
                chapters=tuple(Chapter(*chapter) for chapter in result.chapters),
            )
        )
    click.echo(str(write_lesson_page(out_dir, example, videos)))


class Terminated(BaseException):
    """SIGTERM, raised where the program is so that cleanup runs."""


def main() -> None:
    """Run the command line.

    Ctrl-C ends it with one line and status 130, SIGTERM with status 143;
    both unwind normally, so temporary files are removed on the way out.
    """
    stopping.install(Terminated, ctrl_c=True)
    try:
        cli.main(prog_name="cli.py", standalone_mode=False)
        # A stop that Python dropped and no later check raised again
        stopping.check()
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except Terminated:
        click.echo("Terminated.", err=True)
        sys.exit(143)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)


if __name__ == "__main__":
    sys.exit(main())
