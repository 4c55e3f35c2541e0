"""The settings screen (ctrl+l, the palette) and the decks screen's numbers under the
daily limits (#13)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Input, Select
from tui_support import FakeClock, kinds_deck, make_app, open_store, second_deck, text_keys

from srcquiz.progress.store import Store
from srcquiz.study.limits import DeckOverride, save_deck_limits
from srcquiz.study.scheduler import Rating, Settings, review
from srcquiz.tui.screens.decks import DecksScreen
from srcquiz.tui.screens.help import sections
from srcquiz.tui.screens.settings import SettingsScreen
from srcquiz.tui.widgets.decklist import DeckList

SIZE = (100, 32)
NEW, DUE = 2, 3  # columns of a deck row's numbers


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    yield from open_store(tmp_path)


def screen_text(app) -> str:  # type: ignore[no-untyped-def]
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(seg.text for seg in strip) for strip in strips)


def numbers(app, deck_id: str) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    listing = app.screen.query_one(DeckList)
    return next(row.numbers for row in listing.rows if row.key == deck_id)


async def test_the_settings_screen_changes_a_deck_limit_and_the_decks_show_it(store: Store):
    app = make_app([kinds_deck(), second_deck()], store)
    async with app.run_test(size=SIZE) as pilot:
        assert numbers(app, "tui-kinds")[NEW] == "9"
        await pilot.press("down", "ctrl+l")  # the highlighted deck is the one to edit
        screen = app.screen
        assert isinstance(screen, SettingsScreen)
        assert screen.query_one("#settings-deck", Select).value == "tui-kinds"
        screen.query_one("#deck-new", Input).focus()
        await pilot.press(*text_keys("3"), "enter")
        assert isinstance(app.screen, DecksScreen)
        assert numbers(app, "tui-kinds")[NEW] == "3"
        assert numbers(app, "tui-events")[NEW] == "2"  # its own limit is unchanged
        assert store.get_setting("deck:tui-kinds:new_per_day") == "3"
        assert "All 2 decks" in screen_text(app)
        await pilot.press("enter")  # the review asks what the decks screen said
        items = app.screen.session.items
        assert sum(i.deck.id == "tui-kinds" for i in items) == 3


async def test_global_limits_cap_and_retention_are_saved(store: Store):
    app = make_app([kinds_deck(), second_deck()], store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+l")
        for field, value in (("new-per-day", "1"), ("cap", "150"), ("retention", "0.85")):
            box = app.screen.query_one(f"#{field}", Input)
            box.value = ""
            box.focus()
            await pilot.press(*text_keys(value))
        await pilot.press("ctrl+s")  # saves and stays
        assert isinstance(app.screen, SettingsScreen)
        await pilot.press("escape")
        assert numbers(app, "tui-kinds")[NEW] == "1"
        assert store.get_setting("study.new_per_day") == "1"
        assert store.get_setting("study.daily_cap") == "150"
        assert app.settings is not None and app.settings.desired_retention == 0.85
        assert app.settings.fuzz is False  # what the app was given is kept


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("cap", "lots", "All decks together must be a whole number"),
        ("reviews-per-day", "", "Reviews a day needs a number"),
        ("retention", "1.5", "Desired retention must be a number from 0.70 to 0.99"),
        ("deck-reviews", "-4", "This deck's reviews a day must be a whole number"),
    ],
)
async def test_a_bad_value_is_named_and_nothing_is_saved(
    store: Store, field: str, typed: str, message: str
):
    app = make_app([kinds_deck(), second_deck()], store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+l")
        app.screen.query_one("#new-per-day", Input).value = "7"  # a good change beside it
        box = app.screen.query_one(f"#{field}", Input)
        box.value = ""
        box.focus()
        await pilot.press(*text_keys(typed), "enter")
        assert isinstance(app.screen, SettingsScreen)
        assert message in screen_text(app)
        rows = store.connection.execute("SELECT key FROM setting").fetchall()
        assert [r for r in rows if not r[0].startswith("tui.")] == []


async def test_escape_closes_without_saving(store: Store):
    app = make_app([kinds_deck(), second_deck()], store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+l")
        app.screen.query_one("#new-per-day", Input).value = "2"
        await pilot.press("escape")
        assert isinstance(app.screen, DecksScreen)
        assert numbers(app, "tui-kinds")[NEW] == "9"
        assert store.get_setting("study.new_per_day") is None


async def test_edits_of_several_decks_are_kept_until_saved(store: Store):
    app = make_app([kinds_deck(), second_deck()], store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down", "ctrl+l")
        screen = app.screen
        screen.query_one("#deck-new", Input).value = "4"
        screen.query_one("#settings-deck", Select).value = "tui-events"
        await pilot.pause()
        assert screen.query_one("#deck-new", Input).value == ""
        screen.query_one("#deck-reviews", Input).value = "1"
        screen.query_one("#settings-deck", Select).value = "tui-kinds"
        await pilot.pause()
        assert screen.query_one("#deck-new", Input).value == "4"
        await pilot.press("ctrl+s", "escape")
        assert numbers(app, "tui-kinds")[NEW] == "4"
        assert numbers(app, "tui-events")[NEW] == "1"  # its 1 review a day holds it


async def test_the_palette_and_help_offer_the_settings(store: Store):
    app = make_app([kinds_deck(), second_deck()], store)
    async with app.run_test(size=SIZE):
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Settings" in titles
        decks_keys = dict(sections())["Decks"]
        assert ("ctrl+l", "Settings: daily limits, retention") in decks_keys
        assert any(title.startswith("Settings") for title, _ in sections())


async def test_a_deck_whose_limit_is_used_up_shows_0_and_says_why(store: Store):
    clock = FakeClock()
    deck = kinds_deck()
    save_deck_limits(store, deck.id, DeckOverride(new_per_day=2, reviews_per_day=3))
    for key in deck.card_keys()[:2]:  # two new cards today, both due again now
        state = review(None, Rating.AGAIN, clock.now, Settings(fuzz=False))
        store.record_review(
            deck_id=deck.id, card_key=key, reviewed_at=clock.now, rating=1, verdict="wrong",
            score=0.0, answer="", duration_s=5, mode="anki", session_id=None,
            state_before=None, state_after=state,
        )  # fmt: skip
    clock.advance(3600)
    app = make_app([deck, second_deck()], store, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        # 2 of 3 reviews used (by Anki): one of the two due cards, no new one.
        assert numbers(app, deck.id)[NEW] == "0"
        assert numbers(app, deck.id)[DUE] == "1"
        await pilot.press("down")
        text = screen_text(app)
        assert "Daily limit: this deck's 3 reviews a day are used up" in text
        save_deck_limits(store, deck.id, DeckOverride(new_per_day=2, reviews_per_day=50))
        app.screen.refresh_decks()
        await pilot.pause()
        assert numbers(app, deck.id)[NEW] == "0" and numbers(app, deck.id)[DUE] == "2"
        assert "Daily limit: this deck's 2 new cards a day are used up" in screen_text(app)


async def test_a_quiz_held_back_by_the_new_card_limit_says_so(store: Store):
    save_deck_limits(store, "tui-kinds", DeckOverride(new_per_day=2))
    app = make_app([kinds_deck()], store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+t")
        assert len(app.screen.session.items) == 2
        assert any("This quiz has 2 questions, not 9" in n.message for n in app._notifications)
        await pilot.press("escape")
        save_deck_limits(store, "tui-kinds", DeckOverride(new_per_day=0))
        await pilot.press("ctrl+t")
        assert isinstance(app.screen, DecksScreen)  # nothing to ask: it says why
        assert any("This quiz has 0 questions" in n.message for n in app._notifications)
