"""`srcquiz settings --deck DECK` and `--cap`: per-deck limits and the cap on all decks (#13)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from srcquiz.cli.parser import main
from srcquiz.deck.loader import load_deck
from srcquiz.progress.store import Store
from srcquiz.study.session import Session

FIXTURE = Path(__file__).parent.parent / "fixtures" / "engine_kinds.yaml"


def settings(tmp_path: Path, *args: str) -> list[str]:
    return ["settings", "--decks", str(FIXTURE), "--db", str(tmp_path / "p.sqlite3"), *args]


def test_a_deck_gets_its_own_limits_by_the_start_of_its_id(tmp_path, capsys):
    assert main(settings(tmp_path, "--deck", "ENGINE", "--new-per-day", "3")) == 0
    out = capsys.readouterr().out
    assert "  engine-kinds: 3, 200\n" in out
    assert main(settings(tmp_path, "--cap", "40")) == 0
    out = capsys.readouterr().out
    assert "all decks together:       40" in out and "  engine-kinds: 3, 200" in out
    deck = load_deck(FIXTURE)
    other = dataclasses.replace(deck, id="other")
    with Store.open(tmp_path / "p.sqlite3") as store:
        s = Session.start(store, [deck, other], mode="review", seed=0)
        by_deck = [i.deck.id for i in s.items]
        assert by_deck.count("engine-kinds") == 3 and by_deck.count("other") == 12
    assert main(settings(tmp_path, "--deck", "engine-kinds", "--new-per-day", "default")) == 0
    assert "(the limits of every deck)" in capsys.readouterr().out
    assert main(settings(tmp_path)) == 0
    assert "engine-kinds" not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--deck", "engin-kinds", "--new-per-day", "3"], "did you mean engine-kinds?"),
        (["--deck", "engine-kinds", "--cap", "3"], "give them without --deck"),
        (["--cap", "-2"], "--cap must be 0 or more."),
        (["--cap", "lots"], "--cap must be a whole number"),
        (["--new-per-day", "default"], "only applies with --deck"),
        (["--deck", "engine-kinds", "--reviews-per-day", "1e3"], "must be a whole number"),
    ],
)
def test_bad_limits_are_one_sentence_and_write_nothing(tmp_path, capsys, args, message):
    assert main(settings(tmp_path, *args)) == 1
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err
    assert not (tmp_path / "p.sqlite3").exists()


def test_stats_json_reports_each_deck_limits_and_what_is_left(tmp_path, capsys):
    assert main(settings(tmp_path, "--deck", "engine", "--new-per-day", "4")) == 0
    capsys.readouterr()
    stats = ["stats", "--json", "--decks", str(FIXTURE), "--db", str(tmp_path / "p.sqlite3")]
    assert main(stats) == 0
    data = json.loads(capsys.readouterr().out)
    limits = data["decks"][0]["limits"]
    assert limits == {"new_per_day": 4, "reviews_per_day": 200, "new_left": 4, "reviews_left": 200}
    assert data["cap"] == {"answers_per_day": 200, "left": 200}


def test_a_plain_quiz_says_when_the_limits_held_new_cards_back(tmp_path, capsys, monkeypatch):
    import io
    import sys

    assert main(settings(tmp_path, "--new-per-day", "2")) == 0
    capsys.readouterr()
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    argv = ["quiz", "--plain", "--decks", str(FIXTURE), "--db", str(tmp_path / "p.sqlite3")]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "This quiz has 2 questions, not 12: the others would be new cards" in out
    assert "quiz: 2 card(s)." in out
