"""A stop that Python drops is raised again, silently (scenes/stopping.py).

Each case runs in a child process, since it installs signal handlers and
sends itself signals.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.processes import REPO

DROPPED_IN_CALLBACK = """
import os, signal, weakref
from scenes import stopping

class Stop(BaseException):
    pass

stopping.install(Stop, ctrl_c={ctrl_c})

class Thing:
    pass

def callback(ref):
    # The handler runs here, inside a weakref callback: Python cannot
    # propagate what it raises, it can only report it as ignored.
    os.kill(os.getpid(), signal.{signal})

thing = Thing()
ref = weakref.ref(thing, callback)
del thing
print("carried on")
try:
    stopping.check()
except {expected}:
    print("raised again")
"""


def run_child(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_dropped_sigterm_is_raised_again_and_not_printed():
    outcome = run_child(
        DROPPED_IN_CALLBACK.format(ctrl_c=False, signal="SIGTERM", expected="Stop")
    )

    assert outcome.stdout.split("\n")[:2] == ["carried on", "raised again"]
    assert outcome.stderr == ""
    assert outcome.returncode == 0


def test_dropped_ctrl_c_is_raised_again_and_not_printed():
    outcome = run_child(
        DROPPED_IN_CALLBACK.format(
            ctrl_c=True, signal="SIGINT", expected="KeyboardInterrupt"
        )
    )

    assert outcome.stdout.split("\n")[:2] == ["carried on", "raised again"]
    assert outcome.stderr == ""
    assert outcome.returncode == 0


def test_other_dropped_exceptions_are_still_reported():
    outcome = run_child(
        """
        import weakref
        from scenes import stopping

        class Stop(BaseException):
            pass

        stopping.install(Stop, ctrl_c=False)

        class Thing:
            pass

        def callback(ref):
            raise ValueError("a real bug")

        thing = Thing()
        ref = weakref.ref(thing, callback)
        del thing
        stopping.check()
        print("no stop asked for")
        """
    )

    assert outcome.stdout.strip() == "no stop asked for"
    assert "ValueError: a real bug" in outcome.stderr


def test_ctrl_c_ignored_at_start_stays_ignored():
    outcome = run_child(
        """
        import os, signal
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        from scenes import stopping

        class Stop(BaseException):
            pass

        stopping.install(Stop, ctrl_c=True)
        os.kill(os.getpid(), signal.SIGINT)
        stopping.check()
        print("still here")
        """
    )

    assert outcome.stdout.strip() == "still here"
    assert outcome.returncode == 0
