"""Turn a read that would wait forever (a named pipe, a device) into a test failure.

Not a timing test: the limit is far above any honest run and only stops code that
blocks, so the suite reports the failure instead of hanging.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator


class Blocked(BaseException):  # noqa: N818 - not an Exception: no `except OSError` swallows it
    """The code under test blocked (on a pipe, a device, ...)."""


@contextlib.contextmanager
def fails_if_it_blocks(seconds: int = 60) -> Iterator[None]:
    def stop(signum: int, frame: object) -> None:
        raise Blocked(f"still blocked after {seconds} s: the code waited on a pipe or device")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
