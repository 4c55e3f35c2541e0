"""The Textual application: owns the decks, the store and the clock; screens stay thin.

Everything a test needs to make a run deterministic is injected: the decks, an
open store, a shuffle seed and the clock (`now`, also used for elapsed times).
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, NamedTuple

from rich.segment import Segment
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.filter import LineFilter

from srcquiz.gc_pause import resume_after_start_up
from srcquiz.textsafe import CONTROL_RE, one_line, printable

if TYPE_CHECKING:
    from textual.color import Color
    from textual.screen import Screen
    from textual.theme import Theme

    from srcquiz.cli.workspace import SkippedDeck
    from srcquiz.deck.model import Deck
    from srcquiz.progress.queries import DeckStats, TodayStats
    from srcquiz.progress.store import Store
    from srcquiz.study.deck_numbers import DeckNumbers
    from srcquiz.study.limits import Budget
    from srcquiz.study.scheduler import Settings
    from srcquiz.study.session import Session

Clock = Callable[[], datetime]
THEME_SETTING = "tui.theme"
# After the decks screen is up, import the session machinery in the background so
# the first answer does not pay for it.
PREWARM_DELAY_S = 0.5
# Every screen's rules but the decks screen's (srcquiz.tcss): see load_screens_css.
SCREENS_CSS = Path(__file__).with_name("screens.tcss")
# Asked to stop by the system (kill, a closed terminal window): leave like ctrl+q.
EXIT_SIGNALS = ("SIGTERM", "SIGHUP")


def system_clock() -> datetime:
    return datetime.now().astimezone()


class StartRequest(NamedTuple):
    """`srcquiz review X` / `srcquiz quiz X --limit 5`: open straight into a session."""

    mode: str
    deck_ids: tuple[str, ...] = ()
    limit: int | None = None


class ControlCharacterFilter(LineFilter):
    """The last wall: no control character in a widget's text reaches the terminal.

    Deck text, answers and paths are escaped where they enter a widget (`printable`);
    this drops whatever still holds one (an answer pasted into an input box). Control
    characters take no cells, so dropping them leaves every line's layout as it was.
    """

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if CONTROL_RE.search("".join([seg[0] for seg in segments])) is None:
            return segments  # the usual case (one search a line, ~2 µs): nothing to copy
        out = []
        for seg in segments:
            if not seg.control and CONTROL_RE.search(seg.text):
                seg = Segment(CONTROL_RE.sub("", seg.text), seg.style)
                if not seg.text:
                    continue
            out.append(seg)
        return out


CONTROL_FILTER = ControlCharacterFilter()


@contextmanager
def exit_on_signals(
    loop: asyncio.AbstractEventLoop, on_signal: Callable[[int], object]
) -> Iterator[None]:
    """While inside: SIGTERM and SIGHUP call `on_signal(signum)` in the event loop
    instead of killing the process. Left at once, a full-screen app leaves the
    terminal in its alternate screen with mouse reporting on and no cursor; through
    the app's own exit, the driver restores it. The handlers there before come back."""
    installed: list[tuple[int, Any]] = []
    for name in EXIT_SIGNALS:
        signum = getattr(signal, name, None)
        if signum is None:  # Windows has no SIGHUP
            continue
        previous = signal.getsignal(signum)
        try:
            loop.add_signal_handler(signum, on_signal, signum)
        except (NotImplementedError, RuntimeError, ValueError):
            continue  # no loop signal handlers here (Windows, or not the main thread)
        installed.append((signum, previous))
    try:
        yield
    finally:
        for signum, previous in installed:
            loop.remove_signal_handler(signum)
            if previous is not None:
                signal.signal(signum, previous)


class SrcquizApp(App[int]):
    CSS_PATH = "srcquiz.tcss"
    TITLE = "srcquiz"
    BINDINGS = [
        Binding("f1", "help", "Help"),
        Binding("question_mark", "help", "Help", key_display="?", show=False),
    ]

    def __init__(
        self,
        decks: Sequence[Deck],
        store: Store,
        *,
        seed: int | None = None,
        clock: Clock | None = None,
        start: StartRequest | None = None,
        settings: Settings | None = None,
        cursor_blink: bool = True,
        prewarm: bool = True,
        warnings: Sequence[str] = (),
        skipped: Sequence[SkippedDeck] = (),
        resume_gc: bool = False,
    ) -> None:
        super().__init__()
        self.decks: list[Deck] = list(decks)
        self.store = store
        self.seed = seed
        self.clock: Clock = clock or system_clock
        self.start_request = start
        self.settings = settings
        self.cursor_blink = cursor_blink
        self.prewarm = prewarm
        self.startup_warnings = list(warnings)
        self.skipped_decks = list(skipped)
        self.resume_gc = resume_gc
        self.deck_stats: dict[str, DeckStats] = {}
        self.due_now: dict[str, int] = {}
        self.today_stats: TodayStats | None = None
        self.budget: Budget | None = None  # what today's daily limits leave
        self.startable: dict[str, int] = {}  # new cards a review could start, per deck
        self.numbers: DeckNumbers | None = None
        self._screens_css_loaded = False

    # -- lifecycle ----------------------------------------------------------

    async def run_async(self, *args: Any, **kwargs: Any) -> int | None:
        """Run (`App.run` comes here); SIGTERM and SIGHUP exit like ctrl+q does."""
        with exit_on_signals(asyncio.get_running_loop(), self._exit_on_signal):
            return await super().run_async(*args, **kwargs)

    def _exit_on_signal(self, signum: int) -> None:
        # Answers are committed as they are given: nothing is left to save.
        self.exit(return_code=128 + signum)

    def get_line_filters(self) -> Sequence[LineFilter]:
        return [*super().get_line_filters(), CONTROL_FILTER]

    def on_load(self) -> None:
        # Before the first screen is styled, so it is not styled twice.
        saved = self.store.get_setting(THEME_SETTING)
        if saved and saved in self.available_themes:
            self.theme = saved

    def get_default_screen(self) -> Screen:
        from srcquiz.tui.screens.decks import DecksScreen

        return DecksScreen()

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        for warning in self.startup_warnings:  # they quote paths: plain text, not markup
            self.notify(printable(warning), severity="warning", timeout=10, markup=False)
        if self.skipped_decks:
            self.notify(
                skipped_notice(self.skipped_decks),
                title="Decks skipped",
                severity="error",
                timeout=12,
                markup=False,  # file names
            )
        if self.start_request is not None:
            # After Textual's mount batch (a message, not a call now): a screen laid out
            # inside the batch has its first frame dropped and painted a tick later.
            self.call_later(self._open_start_request, self.start_request)
        elif self.prewarm:
            self.set_timer(PREWARM_DELAY_S, self._prewarm)
        if self.resume_gc:
            # launch.prepare_app paused the cyclic GC for start-up.
            self.call_after_refresh(resume_after_start_up)
        if self.store.pending_backup is not None:
            # Today's snapshot, in a thread of its own once the first frame is out;
            # the launcher waits for it before the process exits.
            self.call_after_refresh(self.store.pending_backup.start)

    def _remember_theme(self, theme: Theme) -> None:
        self.store.set_setting(THEME_SETTING, theme.name)

    def load_screens_css(self) -> None:
        """Add the other screens' rules (screens.tcss) to the stylesheet, once.

        Start-up parses only what the decks screen needs: Textual's CSS parser took
        about 10 ms for the whole stylesheet, most of it rules for screens not yet
        shown. Added as a later source, the rules keep their order (and so their
        precedence) from the single stylesheet they were; only nodes styled from
        now on see them, which is why none of them may match the decks screen.
        Called before any other screen is pushed, and in the idle time after the
        first frame (`_prewarm`), so opening a session usually finds it parsed."""
        if self._screens_css_loaded:
            return
        self._screens_css_loaded = True
        self.stylesheet.read(SCREENS_CSS)
        if self.css_monitor is not None:  # `textual run --dev` reloads it on edits too
            self.css_monitor.add_paths([SCREENS_CSS])
        self.stylesheet.parse()  # the new source only: the others come from the cache

    def push_screen(self, screen: Any, *args: Any, **kwargs: Any) -> Any:
        self.load_screens_css()
        return super().push_screen(screen, *args, **kwargs)

    def switch_screen(self, screen: Any) -> Any:
        self.load_screens_css()
        return super().switch_screen(screen)

    def _prewarm(self) -> None:
        self.load_screens_css()
        self.run_worker(_import_session_machinery, thread=True, exit_on_error=False)

    def _open_start_request(self, request: StartRequest) -> None:
        by_id = {d.id: d for d in self.decks}
        decks = [by_id[i] for i in request.deck_ids if i in by_id] or list(self.decks)
        self.start_session(decks, request.mode, limit=request.limit)

    # -- data the screens show ------------------------------------------------

    def refresh_stats(self) -> None:
        """The decks screen's numbers: re-read only for decks a session studied, or
        all of them when the day turned or another process wrote (`DeckNumbers`)."""
        numbers = self.deck_numbers().read(self.decks, self.clock(), self.settings)
        self.deck_stats, self.due_now, self.today_stats = numbers[:3]
        self.startable, self.budget = numbers.startable, numbers.budget

    def deck_numbers(self) -> DeckNumbers:
        """The numbers kept per deck, shared by the decks and stats screens."""
        if self.numbers is None:
            from srcquiz.study.deck_numbers import DeckNumbers

            self.numbers = DeckNumbers(self.store)
        return self.numbers

    # -- navigation -----------------------------------------------------------

    def start_session(self, decks: Sequence[Deck], mode: str, limit: int | None = None) -> None:
        from srcquiz.study.session import Session

        session = Session.start(
            self.store,
            list(decks),
            mode=mode,  # type: ignore[arg-type]
            limit=limit,
            seed=self.seed,
            settings=self.settings,
            now=self.clock(),
        )
        self.open_session(session, decks)

    def open_session(self, session: Session, decks: Sequence[Deck]) -> None:
        if not session.items:
            self.notify(
                printable(session.notice or _nothing_to_study(session.mode, decks)),
                title="Nothing to study",
                markup=False,  # it quotes the deck's title
            )
            return
        if session.notice:  # a quiz held back by today's new-card limits
            self.notify(session.notice, title="Daily limits", markup=False, timeout=8)
        from srcquiz.tui.screens.session import SessionScreen

        if self.numbers is not None:  # what the session answers changes these decks' numbers
            self.numbers.touched(d.id for d in decks)
        self.push_screen(SessionScreen(session))

    def show_stats(self, decks: Sequence[Deck]) -> None:
        from srcquiz.tui.screens.stats import StatsScreen

        self.push_screen(StatsScreen(list(decks)))

    def action_help(self) -> None:
        from srcquiz.tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
            return
        self.push_screen(HelpScreen())

    async def action_quit(self) -> None:
        """Quit, after a confirmation when a session is under way (answers are saved)."""
        in_session = getattr(self.screen, "answered_count", None)
        if in_session is None:
            self.exit(0)
            return
        from srcquiz.tui.screens.confirm import ConfirmScreen

        answered = in_session()
        question = "Quit srcquiz in the middle of this session?"
        note = (
            f"Your {answered} answer{'s' if answered != 1 else ''} so far "
            f"{'are' if answered != 1 else 'is'} saved."
            if answered
            else "Nothing has been answered yet."
        )

        def done(confirmed: bool | None) -> None:
            if confirmed:
                self.exit(0)

        self.push_screen(ConfirmScreen(question, note, yes="Quit"), done)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Help", "Every key binding", self.action_help)
        from srcquiz.tui.screens.decks import DecksScreen

        if isinstance(screen, DecksScreen):
            for mode, text in (
                ("review", "Review due cards, then new ones, of the selected decks"),
                ("quiz", "Quiz: 20 shuffled questions of the selected decks, scored"),
                ("cram", "Cram: practise the selected decks without moving due dates"),
                ("missed", "Retry what you got wrong in your last session"),
            ):
                yield SystemCommand(mode.capitalize(), text, _bind(screen.action_study, mode))
            yield SystemCommand("Stats", "Charts and per-deck numbers", screen.action_stats)
            yield SystemCommand(
                "Settings",
                "Daily limits (each deck's and all decks together) and desired retention",
                screen.action_settings,
            )
        palette_actions = getattr(screen, "palette_actions", None)
        if palette_actions is not None:
            for title, help_text, callback in palette_actions():
                yield SystemCommand(title, help_text, callback)


def _bind(fn: Callable[[str], Any], arg: str) -> Callable[[], Any]:
    return lambda: fn(arg)


def skipped_notice(skipped: Sequence[SkippedDeck]) -> str:
    """`2 decks were not loaded: a.yaml, b.yaml have errors. ctrl+e shows them.`"""
    names = [one_line(PurePath(s.path).name) for s in skipped]
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    if len(names) == 1:
        return f"{shown} was not loaded: it has errors. ctrl+e shows them."
    return f"{len(names)} decks were not loaded: {shown} have errors. ctrl+e shows them."


def _nothing_to_study(mode: str, decks: Sequence[Deck]) -> str:
    which = decks[0].title if len(decks) == 1 else f"these {len(decks)} decks"
    if mode == "missed":
        return "Nothing was missed in your last session."
    if mode == "review":
        return f"Nothing is due in {which} and today's new cards are done: try a quiz (ctrl+t)."
    return f"{which} has no questions to ask."


def _import_session_machinery() -> None:
    import fsrs  # noqa: F401  (the scheduler imports it on the first answer)

    import srcquiz.tui.screens.session  # noqa: F401
