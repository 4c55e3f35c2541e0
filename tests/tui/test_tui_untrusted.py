"""Deck text, typed answers and paths are shown as written: never run as Textual markup
(a `[/]` must not crash, a `[@click=app.quit]` must not act) and never passed to the
terminal as control characters."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from textual import events
from tui_support import SIZE, kinds_deck, make_app, only, open_store

from srcquiz.deck.loader import load_deck
from srcquiz.progress.backup import open_with_backup
from srcquiz.progress.store import Store
from srcquiz.textsafe import CONTROL_RE
from srcquiz.tui.app import SrcquizApp, StartRequest
from srcquiz.tui.screens.decks import DecksScreen
from srcquiz.tui.screens.session import SessionScreen
from srcquiz.tui.screens.summary import SummaryScreen

LIVE_TITLE = "[/bold] [@click=app.quit]x[/]"
BALANCED = "[@click=app.quit]Quit now[/] [link='https://example.com']a link[/link]"
OSC52 = "\x1b]52;c;aGk=\x07"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    yield from open_store(tmp_path)


def screen_lines(app: SrcquizApp) -> list[str]:
    """What the terminal would be sent as text, line by line (control segments aside)."""
    strips = app.screen._compositor.render_strips()
    return ["".join(seg.text for seg in strip if not seg.control) for strip in strips]


def find(app: SrcquizApp, text: str) -> tuple[int, int]:
    """Screen (x, y) of the first cell of `text`; fails if it is not shown verbatim."""
    for y, line in enumerate(screen_lines(app)):
        if text in line:
            return line.index(text), y
    raise AssertionError(f"{text!r} is not on screen:\n" + "\n".join(screen_lines(app)))


def assert_no_control_characters(app: SrcquizApp) -> None:
    for line in screen_lines(app):
        assert CONTROL_RE.search(line) is None, repr(line)


async def click_text_and_stay(app: SrcquizApp, pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    """Click every cell of `text` where it is shown: nothing in it is an action."""
    x, y = find(app, text)
    for dx in range(len(text)):
        await pilot.click(offset=(x + dx, y))
        assert app.is_running and app.return_code is None, f"clicking {text[dx]!r} acted"
        if dx == 0 and text not in "\n".join(screen_lines(app)):
            break  # the click dismissed it (a notification): it did nothing else


# -- markup ---------------------------------------------------------------------------


async def test_a_deck_title_with_markup_is_shown_literally_in_the_notice(store: Store):
    """`[/bold]` crashed the "nothing to study" notice; a balanced `[@click=...]` acted."""
    deck = replace(kinds_deck(), title=LIVE_TITLE, questions=())
    app = make_app([deck], store)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("ctrl+t")  # a quiz of a deck with no questions: the notice
        await pilot.pause()
        assert isinstance(app.screen, DecksScreen)
        find(app, f"{LIVE_TITLE} has no questions")
        await click_text_and_stay(app, pilot, "x[/]")
    assert app.return_code is None


async def test_balanced_markup_in_deck_text_is_never_a_link_or_an_action(store: Store):
    title = "[@click=app.quit]q[/]"
    deck = replace(kinds_deck(), title=title, questions=())
    app = make_app([deck], store)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("ctrl+t")
        await pilot.pause()
        await click_text_and_stay(app, pilot, f"{title} has no questions")
    assert app.return_code is None


async def test_an_answer_of_markup_shows_in_the_summary(store: Store):
    """Typing `[/]` as an answer crashed the summary after the review was saved."""
    deck = only(kinds_deck(), "wait-call")
    question = replace(deck.questions[0], prompt=BALANCED)
    deck = replace(deck, questions=(question,))
    app = make_app([deck], store)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("enter")
        assert isinstance(app.screen, SessionScreen)
        await pilot.press("left_square_bracket", "slash", "right_square_bracket", "enter")
        await pilot.press("enter")  # the card comes back in its learning step: end here
        await pilot.press("escape", "y")
        assert isinstance(app.screen, SummaryScreen)
        await pilot.pause()
        find(app, "You: [/]")  # the details line under the table
        x, y = find(app, "[/]")  # the table's "Your answer" column
        assert y < find(app, "You: [/]")[1]
        await click_text_and_stay(app, pilot, "[@click=app.quit]Quit")
    assert app.return_code is None
    [row] = store.reviews(deck_id=deck.id)
    assert row.answer == "[/]"


async def test_a_data_path_with_markup_in_the_backup_warning(tmp_path: Path, monkeypatch):
    """The backup warning quotes the data path; `[/x]` in it crashed the app at start-up."""
    home = tmp_path / "data [/x] [@click=app.quit]here[/]"
    home.mkdir(parents=True)
    monkeypatch.setenv("SRCQUIZ_HOME", str(home))
    db = home / "progress.sqlite3"
    Store.open(db).close()
    (home / "backups").write_text("a file where the backup folder should be")
    store = open_with_backup(db)
    try:
        assert store.warnings and "[/x]" in store.warnings[0]
        app = SrcquizApp(
            [kinds_deck()], store, warnings=store.warnings, cursor_blink=False, prewarm=False
        )
        async with app.run_test(size=(160, 40), notifications=True) as pilot:
            await pilot.pause()
            find(app, "could not back up")
            find(app, "[/x]")
            await click_text_and_stay(app, pilot, "[@click=app.quit]")
        assert app.return_code is None
    finally:
        store.close()


# -- control characters ------------------------------------------------------------


async def test_a_deck_named_after_an_escape_sequence_is_shown_escaped(tmp_path: Path, store: Store):
    """A deck without `id:` takes its file's name, which the linter does not see."""
    source = (Path(__file__).parent.parent / "fixtures" / "tui_second.yaml").read_text()
    path = tmp_path / f"evil{OSC52}.yaml"
    path.write_text(re.sub(r"(?m)^id: .*\n", "", source))
    deck = load_deck(path)
    assert deck.id == f"evil{OSC52}"
    app = make_app([deck], store)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        find(app, "evil\\x1b]52;c;aGk=\\x07")  # the deck details line
        assert_no_control_characters(app)
        await pilot.press("ctrl+s")  # stats: the deck id is in the table
        await pilot.pause()
        find(app, "evil\\x1b]52")
        assert_no_control_characters(app)


async def test_deck_text_that_skipped_the_linter_reaches_the_screen_escaped(store: Store):
    """The second wall: a deck built some other way (an old cache, an import) with
    control characters in every field is still drawn with them escaped."""
    deck = only(kinds_deck(), "wait-call")
    q = deck.questions[0]
    q = replace(q, prompt=f"Prompt{OSC52}", explanation="Why\x1b[2J", hint="Hint\x9b31m")
    deck = replace(deck, title="Title\x1b]0;pwned\x07", questions=(q,))
    app = make_app([deck], store, start=StartRequest("review"))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SessionScreen)
        find(app, "Prompt\\x1b]52;c;aGk=\\x07")
        find(app, "Title\\x1b]0;pwned\\x07")
        await pilot.press("ctrl+g")  # the hint
        find(app, "Hint\\x9b31m")
        assert_no_control_characters(app)
        await pilot.press("w", "enter")
        await pilot.pause()
        find(app, "Why\\x1b[2J")
        assert_no_control_characters(app)
        await pilot.press("enter", "escape", "y")  # go on, and end as the card comes back
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        find(app, "Prompt\\x1b]52")
        assert_no_control_characters(app)


async def test_a_pasted_escape_sequence_never_reaches_the_terminal(store: Store):
    """A pasted answer holding ESC: not drawn raw in the box, the feedback or the summary."""
    deck = only(kinds_deck(), "wait-call")
    app = make_app([deck], store)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("enter")
        assert isinstance(app.screen, SessionScreen)
        await pilot.pause()
        focused = app.focused
        assert focused is not None
        focused.post_message(events.Paste(f"abc{OSC52}"))
        await pilot.pause()
        find(app, "abc")
        assert_no_control_characters(app)
        await pilot.press("enter")
        await pilot.pause()
        find(app, "abc\\x1b]52;c;aGk=\\x07")  # the feedback's "You" line
        assert_no_control_characters(app)
        await pilot.press("enter", "escape", "y")  # go on, and end as the card comes back
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        find(app, "abc\\x1b]52")
        assert_no_control_characters(app)
    [row] = store.reviews(deck_id=deck.id)
    assert row.answer == f"abc{OSC52}"  # kept as typed: only its display is escaped
