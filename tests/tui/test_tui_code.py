"""`c` after an anchored answer: the anchored symbol in the upstream source at the anchored
version, highlighted and scrolled to; `e` opens $EDITOR there; without a checkout, how to
add one and the GitHub address."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from tui_support import make_app, open_store
from upstream_support import V1_LINE, V2_LINE, make_repo

from srcquiz.deck.loader import parse_deck
from srcquiz.deck.model import Deck
from srcquiz.deck.upstream import add_checkout
from srcquiz.progress.store import Store
from srcquiz.tui.app import SrcquizApp
from srcquiz.tui.screens.code import CodeScreen
from srcquiz.tui.screens.session import SessionScreen
from srcquiz.tui.widgets.codeview import CodeView

ANCHORED = """\
id: acme
title: Acme server
sources: [notes]
questions:
  - id: waits
    kind: truefalse
    prompt: The master waits in sigsuspend.
    answer: true
    explanation: It blocks signals first.
    anchor: {{repo: acme/server, path: src/cycle.c, symbol: master_cycle, version: {version}}}
"""


def anchored_deck(version: str = "v2") -> Deck:
    deck, diags = parse_deck(ANCHORED.format(version=version), "acme.yaml", "acme")
    assert deck is not None, diags
    return deck


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    yield from open_store(tmp_path)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = make_repo(tmp_path / "server")
    add_checkout("acme/server", root)
    return root


def screen_text(app: SrcquizApp) -> str:
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(seg.text for seg in strip) for strip in strips)


async def open_code(app: SrcquizApp, pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("enter", "t")  # review, answer
    assert isinstance(app.screen, SessionScreen) and app.screen.phase == "feedback"
    assert "c shows the code" in app.screen.query_one("#feedback-sheet").text()
    await pilot.press("c")
    assert isinstance(app.screen, CodeScreen)
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


@pytest.mark.parametrize(("version", "line"), [("v1", V1_LINE), ("v2", V2_LINE)])
@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 50)])
async def test_c_shows_the_definition_at_the_anchored_version(
    store: Store, repo: Path, version: str, line: int, size: tuple[int, int]
) -> None:
    app = make_app([anchored_deck(version)], store)
    async with app.run_test(size=size) as pilot:
        await open_code(app, pilot)
        view = app.screen.query_one(CodeView)
        assert view.target == line - 1
        assert view.line_text(view.target) == "master_cycle(int signo)"
        top = view.scroll_offset.y
        assert top <= view.target < top + view.size.height  # scrolled to it
        text = screen_text(app)
        assert f"▶{line}" in text.replace(" ", "") and "master_cycle(int signo)" in text
        assert f"acme/server · src/cycle.c @ {version}" in text and f"line {line}" in text
        await pilot.press("escape")
        assert isinstance(app.screen, SessionScreen) and app.screen.phase == "feedback"


async def test_e_opens_the_editor_at_the_definition(
    store: Store, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = tmp_path / "editor-args"
    editor = tmp_path / "editor.sh"
    editor.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {record}\n')
    editor.chmod(editor.stat().st_mode | stat.S_IXUSR)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", str(editor))
    app = make_app([anchored_deck("v1")], store)  # the checkout's work tree is at v1
    async with app.run_test(size=(100, 30)) as pilot:
        await open_code(app, pilot)
        await pilot.press("e")
        await pilot.pause()
    assert record.read_text().splitlines() == [f"+{V1_LINE}", str(repo / "src" / "cycle.c")]


async def test_without_an_editor_it_says_how_to_set_one(
    store: Store, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    app = make_app([anchored_deck()], store)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_code(app, pilot)
        await pilot.press("e")
        assert any("$EDITOR" in n.message for n in app._notifications)


async def test_without_a_checkout_it_says_how_to_add_one(store: Store) -> None:
    app = make_app([anchored_deck("v2")], store)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_code(app, pilot)
        text = screen_text(app)
        assert "srcquiz repos add acme/server ~/src/server" in text
        assert "https://github.com/acme/server/blob/v2/src/cycle.c" in text
        assert not app.screen.query(CodeView)
        await pilot.press("e")  # nothing to open: no crash, no editor
        assert isinstance(app.screen, CodeScreen)


async def test_c_means_nothing_before_the_answer_or_without_an_anchor(store: Store) -> None:
    deck = anchored_deck()
    app = make_app([deck], store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("enter", "c")  # asking: `c` is no answer to true/false, and no code
        assert isinstance(app.screen, SessionScreen) and app.screen.phase == "ask"
    assert os.environ.get("SRCQUIZ_HOME")  # the registry lives in the test's own home
