"""Pausing the cyclic garbage collector while many acyclic objects are built.

Parsing a deck or reading the cache makes hundreds of thousands of short-lived
objects with no reference cycles; collections triggered by their allocation
cost more than the work itself (1.5 s vs 0.6 s for 10k questions). Start-up is
paused the same way, from the command's first line (`srcquiz.__main__`) to the
command or the app's first frame, then resumed with `resume_after_start_up`.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Disable the cyclic GC inside the block; re-enable it only if it was on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def resume_after_start_up(*, collect: bool = False) -> None:
    """Resume the cyclic GC paused for start-up. What start-up built lives for the
    whole run (modules, decks, widgets), so it is frozen first: moved out of the
    collector's way, which also keeps later collections short. `collect`: start-up
    also left garbage in reference cycles (argparse's parser, ~800 objects), which
    is collected first (1.6 ms), not frozen for the rest of the run."""
    if collect:
        gc.collect()
    gc.freeze()
    gc.enable()
