"""The decks screen, navigation, help, palette, theme, stats, and robustness (sizes, NO_COLOR)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tui_support import (
    SIZE,
    FakeClock,
    answer_history,
    answer_keys,
    kinds_deck,
    make_app,
    only,
    open_store,
    second_deck,
    text_keys,
)

from srcquiz.progress.store import Store
from srcquiz.study.session import Session
from srcquiz.tui.app import SCREENS_CSS, SrcquizApp, StartRequest
from srcquiz.tui.screens.base import TooSmall
from srcquiz.tui.screens.decks import ALL_KEY, DecksScreen
from srcquiz.tui.screens.help import HelpScreen, sections
from srcquiz.tui.screens.session import SessionScreen
from srcquiz.tui.screens.stats import StatsScreen
from srcquiz.tui.screens.summary import SummaryScreen
from srcquiz.tui.widgets.decklist import DeckList, DeckRow


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    yield from open_store(tmp_path)


def screen_text(app) -> str:  # type: ignore[no-untyped-def]
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(seg.text for seg in strip) for strip in strips)


def row_keys(app) -> list[str]:  # type: ignore[no-untyped-def]
    return app.screen.query_one(DeckList).keys


def deck_row(app, key: str) -> DeckRow:  # type: ignore[no-untyped-def]
    listing = app.screen.query_one(DeckList)
    return listing.rows[listing.keys.index(key)]


async def test_decks_screen_lists_every_deck_with_its_numbers(store: Store):
    app = make_app([kinds_deck(), second_deck()], store)
    async with app.run_test(size=SIZE):
        assert isinstance(app.screen, DecksScreen)
        assert row_keys(app) == [ALL_KEY, "tui-kinds", "tui-events"]
        text = screen_text(app)
        assert "All 2 decks" in text
        assert "Redis 事件循环 event loop (TUI fixture)" in text
        # 9 questions, 11 cards (a cloze with two numbers, a reversed card): all new;
        # a review starts one card a question, so New says 9 (#13).
        assert deck_row(app, "tui-kinds").numbers[:4] == ("9", "11", "9", "0")
        assert "Today: 0 answers" in text
        assert "streak 0 days" in text


def record_frames(app: SrcquizApp) -> list[tuple[int, str, int]]:
    """Each frame the app composes: (Textual's batch depth then, screen, deck rows)."""
    frames: list[tuple[int, str, int]] = []
    display = app._display

    def record(screen, update):  # type: ignore[no-untyped-def]
        if update is not None:
            rows = screen.query(DeckList)
            count = len(rows.first().rows) if rows else 0
            frames.append((app._batch_count, type(screen).__name__, count))
        display(screen, update)

    app._display = record  # type: ignore[method-assign]
    return frames


async def test_the_first_frame_reaches_the_terminal_with_the_deck_list(store: Store):
    """App._display drops every frame composed while Textual's mount batch is open:
    a screen laid out inside it is painted only a refresh tick later (#19). The
    first frame must be composed after the batch, and hold the filled list."""
    app = make_app([kinds_deck(), second_deck()], store)
    frames = record_frames(app)
    async with app.run_test(size=SIZE):
        assert frames
        assert frames[0] == (0, "DecksScreen", 3)
        assert app.screen_stack == [app.screen]  # nothing under it to lay out and paint


async def test_a_start_request_s_first_frame_is_the_session(store: Store):
    start = StartRequest(mode="quiz", deck_ids=("tui-kinds",), limit=3)
    app = make_app([kinds_deck(), second_deck()], store, start=start)
    frames = record_frames(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SessionScreen)
        assert frames[0][:2] == (0, "SessionScreen")  # not dropped, no decks frame first


async def test_other_screens_rules_are_read_when_one_opens_and_never_touch_decks(store: Store):
    app = make_app([kinds_deck(), second_deck()], store)
    async with app.run_test(size=SIZE) as pilot:
        assert not app.stylesheet.has_source(str(SCREENS_CSS), "")  # not parsed at start-up
        nodes = list(app.screen.walk_children(with_self=True))
        before = [node.styles.css for node in nodes]
        app.load_screens_css()
        app.stylesheet.update(app.screen)
        assert [node.styles.css for node in nodes] == before
        app.load_screens_css()  # once only
        await pilot.press("ctrl+r")  # cram
        assert isinstance(app.screen, SessionScreen)
        assert app.screen.query_one("#feedback-sheet").styles.layer == "sheet"


async def test_filter_as_you_type_and_escape_clears(store: Store):
    app = make_app([kinds_deck(), second_deck()], store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*text_keys("redis"))
        assert row_keys(app) == ["tui-events"]
        await pilot.press(*text_keys(" zzz"))
        assert row_keys(app) == []
        assert "No deck matches" in screen_text(app)
        await pilot.press("enter")  # nothing selected: a message, no session
        assert isinstance(app.screen, DecksScreen)
        await pilot.press("escape")
        assert row_keys(app) == [ALL_KEY, "tui-kinds", "tui-events"]


async def test_moving_the_cursor_repaints_the_details_without_a_layout(store: Store):
    """Narrow, the details are three lines whatever they say: moving the cursor repaints
    them and never lays the screen out again (a layout restyles and repaints every
    widget). Wide, their height follows the text, so a layout is right there."""
    app = make_app([kinds_deck(), second_deck()], store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DecksScreen) and not screen.has_class("-wide")
        layouts: list[bool] = []
        refresh_layout = screen._refresh_layout

        def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
            layouts.append(True)
            return refresh_layout(*args, **kwargs)

        screen._refresh_layout = counted  # type: ignore[method-assign]
        await pilot.press("down")
        await pilot.pause()
        assert "tui-kinds" in screen_text(app)  # the details name the highlighted deck
        await pilot.press("down", "up")
        await pilot.pause()
        assert layouts == []


async def test_enter_reviews_the_highlighted_deck_and_the_all_row_everything(store: Store):
    app = make_app([kinds_deck(), second_deck()], store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down", "down", "enter")
        screen = app.screen
        assert isinstance(screen, SessionScreen)
        assert {i.deck.id for i in screen.session.items} == {"tui-events"}
        assert screen.session.mode == "review"
        await pilot.press("escape")  # nothing answered: straight back
        assert isinstance(app.screen, DecksScreen)
        await pilot.press("up", "up", "enter")
        assert {i.deck.id for i in app.screen.session.items} == {"tui-kinds", "tui-events"}


async def test_marked_decks_are_studied_together(store: Store):
    app = make_app([kinds_deck(), second_deck()], store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down", "down", "tab")
        assert deck_row(app, "tui-events").marked
        assert "● Redis 事件循环" in screen_text(app)
        await pilot.press("up", "ctrl+r")  # highlighted kinds deck, but a deck is marked
        assert isinstance(app.screen, SessionScreen)
        assert app.screen.session.mode == "cram"
        assert {i.deck.id for i in app.screen.session.items} == {"tui-events"}


async def test_mark_is_tab_named_plainly_in_the_key_bar_and_help(store: Store):
    """Ctrl+Space switches input sources on macOS and showed as a cryptic `^␣`: Mark is
    Tab (fzf's multi-select key) or Insert, and both bars say so in words."""
    from srcquiz.tui.widgets.keybar import KeyBar

    app = make_app([kinds_deck(), second_deck()], store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        bar = str(app.screen.query_one(KeyBar).render())
        assert " Tab Mark " in bar and "␣" not in bar, bar
        await pilot.press("down", "insert")
        assert deck_row(app, "tui-kinds").marked
        await pilot.press("tab")
        assert not deck_row(app, "tui-kinds").marked
        assert app.screen.query_one("#filter").value == ""  # neither key typed anything
    decks = dict(next(rows for title, rows in sections() if title == "Decks"))
    assert decks["Tab / Ins"] == "Mark"


async def test_a_click_on_the_key_bar_does_what_the_key_does(store: Store):
    from srcquiz.tui.widgets.keybar import KeyBar

    app = make_app([kinds_deck()], store)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        bar = str(app.screen.query_one(KeyBar).render())
        await pilot.click(KeyBar, offset=(bar.index(" Stats") + 2, 0))
        await pilot.pause()
        assert isinstance(app.screen, StatsScreen)


def test_no_key_is_bound_twice_on_a_screen_nor_to_ctrl_space():
    """Within a screen (with the app's own keys) each key does one thing, and nothing
    is bound to ctrl+space, which macOS keeps for switching input sources."""
    from srcquiz.tui.app import SrcquizApp
    from srcquiz.tui.screens.answer import AnswerScreen
    from srcquiz.tui.screens.code import CodeScreen
    from srcquiz.tui.widgets.answer import WIDGETS

    def keys(cls: type) -> dict[str, str]:
        found: dict[str, str] = {}
        for binding in cls.__dict__.get("BINDINGS", []):
            for key in binding.key.split(","):
                assert key.strip() not in found, (cls.__name__, key)
                found[key.strip()] = binding.action
        return found

    app_keys = {**keys(SrcquizApp), "ctrl+p": "command_palette", "ctrl+q": "quit"}
    screens = [DecksScreen, SessionScreen, SummaryScreen, AnswerScreen, StatsScreen, CodeScreen]
    for cls in [*screens, *WIDGETS.values()]:
        own = keys(cls)
        assert not {"ctrl+space", "ctrl+@"} & own.keys(), cls.__name__
        if cls in screens:
            assert not app_keys.keys() & own.keys(), cls.__name__


async def test_quiz_key_starts_a_scored_quiz(store: Store):
    app = make_app([kinds_deck()], store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+t")
        assert isinstance(app.screen, SessionScreen)
        assert app.screen.session.mode == "quiz"
        assert len(app.screen.session.items) == 9  # one card per question


async def test_nothing_to_study_stays_on_decks_with_a_message(store: Store):
    app = make_app([kinds_deck()], store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+o")  # missed: there was no session yet
        assert isinstance(app.screen, DecksScreen)
        assert any("Nothing was missed" in n.message for n in app._notifications)


async def test_numbers_move_after_a_session(store: Store):
    deck = kinds_deck()
    app = make_app([deck], store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        item = app.screen.session.current()
        await pilot.press(*answer_keys(item), "enter", "escape", "y", "escape")
        assert isinstance(app.screen, DecksScreen)
        assert deck_row(app, "tui-kinds").numbers[2] == "8"  # questions left to start
        assert "Today: 1 answer · 1 right (100%)" in screen_text(app)
        assert "streak 1 day" in screen_text(app)


async def test_start_request_opens_straight_into_the_session(store: Store):
    start = StartRequest(mode="cram", deck_ids=("tui-kinds",), limit=3)
    app = make_app([kinds_deck(), second_deck()], store, start=start)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SessionScreen)
        assert len(app.screen.session.items) == 3
        assert {i.deck.id for i in app.screen.session.items} == {"tui-kinds"}


async def test_help_lists_every_binding_and_closes(store: Store):
    app = make_app([kinds_deck()], store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")  # typed into the filter, it opens help
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, DecksScreen)
        assert app.screen.query_one("#filter").value == ""
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)

    # Every binding's key is listed (runs such as 1-9 and a-z spelled out).
    listed: set[str] = set()
    for _, rows in sections():
        for keys, _desc in rows:
            for key in keys.split(" / "):
                first, dash, last = key.partition("-")
                if dash and len(first) == len(last) == 1:
                    listed.update(chr(c) for c in range(ord(first), ord(last) + 1))
                else:
                    listed.add(key)
    from srcquiz.tui.screens.answer import AnswerScreen
    from srcquiz.tui.screens.help import key_text
    from srcquiz.tui.widgets.answer import WIDGETS

    screens = [DecksScreen, SessionScreen, SummaryScreen, AnswerScreen, StatsScreen]
    classes = [*screens, *WIDGETS.values()]
    for cls in classes:
        for binding in getattr(cls, "BINDINGS", []):
            key = key_text(binding.key.split(",")[0])
            assert key in listed, (cls.__name__, binding.key)


async def test_palette_offers_the_main_actions(store: Store):
    app = make_app([kinds_deck()], store)
    async with app.run_test(size=SIZE) as pilot:
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Review", "Quiz", "Cram", "Missed", "Stats", "Help", "Theme"} <= titles
        await pilot.press("ctrl+r")
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"End session", "Hint", "Help"} & titles >= {"End session", "Help"}


async def test_theme_choice_is_remembered(store: Store):
    app = make_app([kinds_deck()], store)
    async with app.run_test(size=SIZE) as pilot:
        app.theme = "nord"
        await pilot.pause()
    assert store.get_setting("tui.theme") == "nord"
    again = make_app([kinds_deck()], store)
    async with again.run_test(size=SIZE):
        assert again.theme == "nord"


async def test_stats_screen_shows_table_and_charts(store: Store):
    deck = kinds_deck()
    clock = FakeClock()
    session = Session.start(store, [only(deck, "wait-call")], mode="review", now=clock())
    session.answer("sigsuspend", 5.0, at=clock())
    app = make_app([deck], store, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, StatsScreen)
        await pilot.pause()
        text = screen_text(app)
        assert "Reviews per day" in text and "Due in the next 14 days" in text
        assert "tui-kinds" in text
        await pilot.press("escape")
        assert isinstance(app.screen, DecksScreen)


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 50)])
async def test_every_chart_keeps_its_title(store: Store, size: tuple[int, int]):
    """plotext drops a title wider than its canvas: at 80 columns "Retention" vanished."""
    deck, clock = kinds_deck(), FakeClock()
    answer_history(store, deck, clock)
    app = make_app([deck], store, clock=clock)
    async with app.run_test(size=size) as pilot:
        await pilot.press("ctrl+s")
        await pilot.pause()
        text = screen_text(app)
        for title in ("Reviews per day (30d)", "Retention (% not Again)", "Due in the next 14"):
            assert title in text, (title, text)


@pytest.mark.parametrize("size", [(20, 5), (49, 30), (120, 11), (1, 1)])
async def test_tiny_terminal_shows_a_message_instead(store: Store, size: tuple[int, int]):
    app = make_app([kinds_deck()], store)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert app.screen.has_class("-too-small")
        assert app.screen.query_one(TooSmall).display
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert not app.screen.has_class("-too-small")
        assert "Today:" in screen_text(app)


async def test_resize_storm_on_every_screen(store: Store):
    deck = kinds_deck()
    app = make_app([deck], store)
    sizes = [(80, 24), (10, 3), (200, 60), (50, 12), (33, 40), (81, 7), (100, 32)]
    async with app.run_test(size=SIZE) as pilot:
        for keys in ([], ["ctrl+r"], ["escape"], ["ctrl+s"], ["escape", "f1"]):
            await pilot.press(*keys)
            for width, height in sizes:
                await pilot.resize_terminal(width, height)
            await pilot.pause()
            assert screen_text(app)
        await pilot.press("escape", "ctrl+r")
        await pilot.press(*answer_keys(app.screen.session.current()))
        for width, height in sizes:
            await pilot.resize_terminal(width, height)
        await pilot.pause()
        assert app.screen.phase == "feedback"


async def test_no_color_renders_in_grey_only(store: Store, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app([kinds_deck()], store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+r")
        await pilot.press(*answer_keys(app.screen.session.current(), right=False))
        assert app.no_color
        colours = set()
        for strip in app.screen._compositor.render_strips():
            for seg in strip:
                for colour in (seg.style and (seg.style.color, seg.style.bgcolor)) or ():
                    if colour is not None and colour.triplet is not None:
                        colours.add(tuple(colour.triplet))
        assert colours, "nothing rendered"
        assert all(r == g == b for r, g, b in colours)
        # The verdict still reads without colour.
        assert "✗ Wrong" in screen_text(app)


def test_start_up_does_not_import_the_heavy_machinery():
    code = (
        "import sys\n"
        "import srcquiz.tui.launch, srcquiz.tui.app, srcquiz.tui.screens.decks\n"
        "print('\\n'.join(sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(out.stdout.split())
    for heavy in ("fsrs", "plotext", "textual_plotext", "genanki", "anki", "srcquiz.study.session"):
        assert heavy not in loaded, heavy
