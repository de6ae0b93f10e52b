"""Ctrl-C and SIGTERM that stop a render even when Python drops the first raise.

A Python signal handler runs in the main thread between two bytecodes, and
whatever it raises appears there. Most of the time that is ordinary code,
and the exception unwinds the render so that its ``finally`` blocks remove
temporary files. But when the main thread is inside a weakref callback or a
``__del__`` method (Manim and numpy create and drop many objects per frame),
Python cannot propagate the exception: it prints "Exception ignored in ..."
with a traceback and carries on as if nothing happened.

So the handlers here also remember the request. :func:`check`, called once
per frame and between the steps of a render, raises it again, and the hook
for such dropped exceptions stays silent about the ones we raised.
"""

from __future__ import annotations

import signal
import sys

_requested: type[BaseException] | None = None
"""The exception a signal asked for, once one has arrived."""


def _raising(exception: type[BaseException]):
    def handle(signum, frame) -> None:
        global _requested
        _requested = exception
        raise exception

    return handle


def _quiet_about_stops(unraisable) -> None:
    if _requested is not None and isinstance(unraisable.exc_value, _requested):
        return
    sys.__unraisablehook__(unraisable)


def install(on_sigterm: type[BaseException], *, ctrl_c: bool) -> None:
    """Raise ``on_sigterm`` on SIGTERM and, with ``ctrl_c``, KeyboardInterrupt
    on SIGINT, in a way :func:`check` repeats if Python drops it.

    SIGINT is left alone when it is not at Python's default: a program
    started in the background inherits it ignored, and should stay deaf.
    """
    global _requested
    _requested = None
    signal.signal(signal.SIGTERM, _raising(on_sigterm))
    if ctrl_c and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _raising(KeyboardInterrupt))
    sys.unraisablehook = _quiet_about_stops


def check() -> None:
    """Raise the stop a signal asked for, if any (again, if it was dropped)."""
    if _requested is not None:
        raise _requested
