"""`srcquiz` (no command), `srcquiz review|quiz` without --plain: check the terminal,
load the decks, open the store, run the app.

Every failure before the app starts (no terminal, a dumb one, a bad deck id, a
damaged database) is one sentence via UserError, never a half-drawn screen.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
from typing import TYPE_CHECKING

from srcquiz.errors import UserError

if TYPE_CHECKING:
    from srcquiz.cli.workspace import Args
    from srcquiz.progress.store import Store
    from srcquiz.tui.app import SrcquizApp

PLAIN_HINT = "use `srcquiz review --plain` (or `srcquiz quiz --plain`) to study line by line"


def check_terminal() -> None:
    if os.environ.get("TERM", "") == "dumb":
        raise UserError(f"this terminal (TERM=dumb) cannot show the full-screen app; {PLAIN_HINT}.")
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UserError(f"the full-screen app needs a terminal, not a pipe or file; {PLAIN_HINT}.")


def prepare_app(args: Args) -> SrcquizApp:
    """Load the decks, open the store and build the app (not yet running).

    The cyclic GC stays paused from here to the app's first frame: start-up only
    builds objects that live on (modules, decks, widgets), and collecting while
    they pile up cost about 23 ms of a 274 ms start. The app resumes it after its
    first frame (`SrcquizApp.on_mount`).
    """
    from srcquiz.cli.workspace import load_all, no_decks_error, resolve_deck_ids

    gc.disable()
    opening = _Opening(args)
    try:
        from srcquiz.tui.app import SrcquizApp, StartRequest

        # Broken decks are not printed (the app's screen would hide stderr): the
        # app names them in a notice and on the decks screen.
        decks, skipped = load_all(args)
        if not decks:
            raise no_decks_error(skipped)
        start = None
        if getattr(args, "command", None) in ("review", "quiz"):
            # All decks stay loaded: back to decks works.
            wanted = tuple(resolve_deck_ids(decks, args.deck_ids or ()))
            if args.limit is not None and args.limit < 1:
                raise UserError("--limit must be at least 1.")
            start = StartRequest(mode=args.mode, deck_ids=wanted, limit=args.limit)
    except BaseException:
        gc.enable()
        opening.discard()
        raise
    try:
        store = opening.store()
        try:
            return SrcquizApp(
                decks,
                store,
                seed=getattr(args, "seed", None),
                start=start,
                warnings=store.warnings,
                skipped=skipped,
                resume_gc=True,
            )
        except BaseException:
            store.close()
            raise
    except BaseException:
        gc.enable()
        raise


class _Opening:
    """The store, opened in a thread while the decks load on the day's first open:
    its check then reads every page of the database (over a second at 1M reviews),
    in SQLite with the GIL released, while loading the decks is Python's. Today's
    snapshot itself waits for the app's first frame (`SrcquizApp.on_mount`). Any
    other open takes a few milliseconds and is made by the caller, after the decks:
    a second thread importing and opening beside Textual's imports cost 12 ms of a
    180 ms start in GIL hand-offs. A file not there yet is created after the decks
    load, as before (not for a bad deck id).
    """

    def __init__(self, args: Args) -> None:
        from srcquiz.cli.workspace import check_due

        self._args = args
        self._result: Store | BaseException | None = None
        self._thread: threading.Thread | None = None
        if check_due(args):
            self._thread = threading.Thread(target=self._open, name="srcquiz-open")
            self._thread.start()

    def _open(self) -> None:
        from srcquiz.cli.workspace import open_store

        try:
            self._result = open_store(self._args, background=True)
        except BaseException as exc:  # raised again in the caller's thread
            self._result = exc

    def store(self) -> Store:
        if self._thread is None:
            self._open()
        else:
            self._thread.join()
        if isinstance(self._result, BaseException):
            raise self._result
        assert self._result is not None
        return self._result

    def discard(self) -> None:
        """The decks failed first: theirs is the error to report."""
        if self._thread is not None:
            self._thread.join()
            if self._result is not None and not isinstance(self._result, BaseException):
                self._result.close()


def utf8_output() -> None:
    """Draw in UTF-8 whatever the locale says: under LANG=C or PYTHONIOENCODING=ascii
    Python escapes each box or dash character as `\\u2014`, six cells for one, and
    every line after it is drawn out of place. Terminals today are UTF-8."""
    streams = (sys.stdout, sys.__stdout__, sys.__stderr__)  # Textual draws on stderr
    for stream in {id(s): s for s in streams if s is not None}.values():
        encoding = (getattr(stream, "encoding", "") or "").lower().replace("-", "")
        reconfigure = getattr(stream, "reconfigure", None)
        if encoding != "utf8" and reconfigure is not None:
            reconfigure(encoding="utf-8", errors="replace")


# Textual writes each frame to the terminal from a thread of its own, which needs
# the GIL; under CPython's default 5 ms switch interval a frame queued while the
# event loop goes on working (the screen's resume restyles every widget right
# after the first frame) waits that long to be written. 1 ms: the deck list
# reaches a real terminal ~3 ms sooner at start-up (bench_tui's pty row).
FRAME_SWITCH_INTERVAL_S = 0.001


def run_app(args: Args) -> int:
    check_terminal()
    utf8_output()
    from srcquiz.cli.workspace import finish_backup

    app = prepare_app(args)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, FRAME_SWITCH_INTERVAL_S))
    try:
        app.run()
    finally:
        sys.setswitchinterval(interval)
        gc.enable()  # in case the app stopped before its first frame
        finish_backup(app.store)  # after the app has given the terminal back
        app.store.close()
    return app.return_code or 0
