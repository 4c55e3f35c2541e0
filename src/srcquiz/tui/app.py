"""The Textual application: owns the decks, the store and the clock; screens stay thin.

Everything a test needs to make a run deterministic is injected: the decks, an
open store, a shuffle seed and the clock (`now`, also used for elapsed times).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from textual.app import App, SystemCommand
from textual.binding import Binding

if TYPE_CHECKING:
    from textual.screen import Screen
    from textual.theme import Theme

    from srcquiz.deck.model import Deck
    from srcquiz.progress.queries import DeckStats, TodayStats
    from srcquiz.progress.store import Store
    from srcquiz.study.scheduler import Settings
    from srcquiz.study.session import Session

Clock = Callable[[], datetime]
THEME_SETTING = "tui.theme"
# After the decks screen is up, import the session machinery in the background so
# the first answer does not pay for it.
PREWARM_DELAY_S = 0.5


def system_clock() -> datetime:
    return datetime.now().astimezone()


class StartRequest(NamedTuple):
    """`srcquiz review X` / `srcquiz quiz X --limit 5`: open straight into a session."""

    mode: str
    deck_ids: tuple[str, ...] = ()
    limit: int | None = None


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
        self.resume_gc = resume_gc
        self.deck_stats: dict[str, DeckStats] = {}
        self.today_stats: TodayStats | None = None

    # -- lifecycle ----------------------------------------------------------

    def on_mount(self) -> None:
        saved = self.store.get_setting(THEME_SETTING)
        if saved and saved in self.available_themes:
            self.theme = saved
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        from srcquiz.tui.screens.decks import DecksScreen

        self.push_screen(DecksScreen())
        for warning in self.startup_warnings:
            self.notify(warning, severity="warning", timeout=10)
        if self.start_request is not None:
            self._open_start_request(self.start_request)
        elif self.prewarm:
            self.set_timer(PREWARM_DELAY_S, self._prewarm)
        if self.resume_gc:
            self.call_after_refresh(_resume_gc)

    def _remember_theme(self, theme: Theme) -> None:
        self.store.set_setting(THEME_SETTING, theme.name)

    def _prewarm(self) -> None:
        self.run_worker(_import_session_machinery, thread=True, exit_on_error=False)

    def _open_start_request(self, request: StartRequest) -> None:
        by_id = {d.id: d for d in self.decks}
        decks = [by_id[i] for i in request.deck_ids if i in by_id] or list(self.decks)
        self.start_session(decks, request.mode, limit=request.limit)

    # -- data the screens show ------------------------------------------------

    def refresh_stats(self) -> None:
        now = self.clock()
        self.deck_stats = {d.id: self.store.deck_stats(d, now=now) for d in self.decks}
        self.today_stats = self.store.today(now=now)

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
            self.notify(_nothing_to_study(session.mode, decks), title="Nothing to study")
            return
        from srcquiz.tui.screens.session import SessionScreen

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
        palette_actions = getattr(screen, "palette_actions", None)
        if palette_actions is not None:
            for title, help_text, callback in palette_actions():
                yield SystemCommand(title, help_text, callback)


def _bind(fn: Callable[[str], Any], arg: str) -> Callable[[], Any]:
    return lambda: fn(arg)


def _nothing_to_study(mode: str, decks: Sequence[Deck]) -> str:
    which = decks[0].title if len(decks) == 1 else f"these {len(decks)} decks"
    if mode == "missed":
        return "Nothing was missed in your last session."
    if mode == "review":
        return f"Nothing is due in {which} and today's new cards are done: try a quiz (ctrl+t)."
    return f"{which} has no questions to ask."


def _resume_gc() -> None:
    """After the first frame: launch.prepare_app paused the cyclic GC for start-up.
    Everything built so far lives for the whole run, so it is frozen (moved out of
    the collector's way, which also keeps later collections short) before resuming."""
    gc.freeze()
    gc.enable()


def _import_session_machinery() -> None:
    import fsrs  # noqa: F401  (the scheduler imports it on the first answer)

    import srcquiz.tui.screens.session  # noqa: F401
