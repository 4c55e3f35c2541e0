"""A deck with errors is not loaded, and the app says so: a notice, a line on the decks
screen naming each skipped file with its first error, and ctrl+e listing every problem."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tui_support import kinds_deck, make_app, open_store

from srcquiz.cli import parser as cli
from srcquiz.cli.workspace import load_all
from srcquiz.progress.store import Store
from srcquiz.tui.app import SrcquizApp
from srcquiz.tui.screens.decks import DecksScreen
from srcquiz.tui.screens.problems import ProblemsScreen

FIXTURES = Path(__file__).parent.parent / "fixtures"
BROKEN = """\
title: Broken deck
questions:
  - id: q1
    kind: short
    prompt: What?
    answr: typo
  - id: q2
    kind: choice
    prompt: Which?
    options: [a, b]
    answer: c
"""


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    yield from open_store(tmp_path)


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    path = tmp_path / "decks" / "broken.yaml"
    path.parent.mkdir()
    path.write_text(BROKEN)
    return path


def screen_text(app: SrcquizApp) -> str:
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(seg.text for seg in strip) for strip in strips)


def _skipped(broken: Path):  # type: ignore[no-untyped-def]
    args = cli.parse_args(["--decks", str(FIXTURES / "tui_kinds.yaml"), "--decks", str(broken)])
    decks, skipped = load_all(args)
    assert [d.id for d in decks] == ["tui-kinds"]
    return skipped


def test_the_app_is_given_the_skipped_decks_with_their_errors(
    broken: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    from srcquiz.tui import launch

    app = launch.prepare_app(
        cli.parse_args(["--decks", str(FIXTURES / "tui_kinds.yaml"), "--decks", str(broken)])
    )
    app.store.close()
    assert [s.path for s in app.skipped_decks] == [str(broken)]
    problems = app.skipped_decks[0].problems
    assert len(problems) >= 2 and all(p.severity == "error" for p in problems[:2])
    assert capsys.readouterr().err == ""  # nothing printed behind the app's screen


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 50)])
async def test_a_broken_deck_is_named_with_its_first_error(
    store: Store, broken: Path, size: tuple[int, int]
) -> None:
    app = make_app([kinds_deck()], store, skipped=_skipped(broken))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, DecksScreen)
        text = screen_text(app)
        assert "1 deck file not loaded for errors (ctrl+e shows every problem)" in text
        first = app.skipped_decks[0].first_error
        assert f"✗ broken.yaml  line {first.line}: " in text
        notices = [n.message for n in app._notifications]
        assert any("broken.yaml was not loaded" in m and "ctrl+e" in m for m in notices)
        assert "f1 Help" in text  # the key bar still fits


async def test_ctrl_e_lists_every_problem_and_escape_closes(store: Store, broken: Path) -> None:
    app = make_app([kinds_deck()], store, skipped=_skipped(broken))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+e")
        assert isinstance(app.screen, ProblemsScreen)
        text = screen_text(app)
        assert str(broken.name) in text
        for problem in app.skipped_decks[0].problems:
            assert f"{problem.line}:{problem.column}" in text
        assert "choice answer" in text  # the second error, not shown on the decks screen
        await pilot.press("escape")
        assert isinstance(app.screen, DecksScreen)


async def test_without_skipped_decks_there_is_no_line_and_no_key(store: Store) -> None:
    app = make_app([kinds_deck()], store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+e")
        assert isinstance(app.screen, DecksScreen)
        text = screen_text(app)
        assert "not loaded" not in text


def test_only_broken_decks_is_one_sentence_naming_the_first_error(
    broken: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    from srcquiz.tui import launch

    monkeypatch.setattr(launch, "check_terminal", lambda: None)
    assert cli.main(["--decks", str(broken)]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "no decks to study" in err
    assert f"{broken}:" in err and "srcquiz lint" in err
