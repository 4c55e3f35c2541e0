"""The CLI as a user meets it: lint output and exit codes, schema, list, help."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from srcquiz import __version__
from srcquiz.cli.parser import main

FIXTURES = Path(__file__).parent.parent / "fixtures"
LINT = FIXTURES / "lint"


def test_lint_clean_deck_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(FIXTURES / "deck_all_kinds.yaml")]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert "1 deck(s), 9 question(s): 0 error(s), 0 warning(s)" in err


def test_lint_broken_deck_prints_compiler_style_and_exits_1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = LINT / "choice_answer_not_option.yaml"
    assert main(["lint", str(path)]) == 1
    out = capsys.readouterr().out.strip()
    assert out == (
        f'{path}:8:13: error: choice answer "SIGTERM" is not one of the options '
        "(did you mean `SIGTERMM`?)"
    )


def test_warnings_fail_only_with_strict(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(LINT / "warn_no_explanation.yaml")
    assert main(["lint", path]) == 0
    assert main(["lint", "--strict", path]) == 1


def test_lint_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "--format", "json", str(LINT)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["errors"] >= 20
    first = report["diagnostics"][0]
    assert set(first) == {"path", "line", "column", "severity", "message"}


def test_lint_missing_path(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "no/such/deck.yaml"]) == 1
    assert "no/such/deck.yaml: error: no such file or folder" in capsys.readouterr().out


def test_lint_defaults_to_the_bundled_decks(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "--strict"]) == 0
    err = capsys.readouterr().err
    assert "0 error(s), 0 warning(s)" in err
    assert not err.startswith("0 deck(s)")


def test_list_json_counts_kinds(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--decks", str(FIXTURES / "deck_all_kinds.yaml"), "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["id"] == "all-kinds"
    assert rows[0]["questions"] == 9
    assert rows[0]["cards"] == 12  # reverse card + three cloze numbers
    assert rows[0]["kinds"]["choice"] == 2


def test_schema_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "srcquiz deck"


def test_version_and_help_run_as_a_program() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "srcquiz", "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == f"srcquiz {__version__}"
    helptext = subprocess.run(
        [sys.executable, "-m", "srcquiz", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for command in ("lint", "schema", "list", "review", "quiz", "stats", "export", "import"):
        assert command in helptext


def test_garbage_input_never_tracebacks(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"title: [\x00\xff")
    proc = subprocess.run(
        [sys.executable, "-m", "srcquiz", "lint", str(bad), str(LINT)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    assert f"{bad}: error: is a binary file" in proc.stdout


def test_bare_srcquiz_skips_argparse_with_the_same_defaults() -> None:
    from srcquiz.cli.parser import NO_ARGUMENTS, build_parser, parse_args

    assert vars(build_parser().parse_args([])) == NO_ARGUMENTS
    assert vars(parse_args([])) == NO_ARGUMENTS
    assert parse_args(["list"]).command == "list"


def test_settings_show_change_and_govern_the_next_review(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from srcquiz.deck.loader import load_deck
    from srcquiz.progress.store import Store
    from srcquiz.study.session import Session

    db = ["--db", str(tmp_path / "progress.sqlite3")]
    assert main(["settings", *db]) == 0
    assert "new cards a day:          20" in capsys.readouterr().out
    assert main(["settings", "--new-per-day", "2", "--retention", "0.85", *db]) == 0
    out = capsys.readouterr().out
    assert "new cards a day:          2\n" in out and "desired retention:        0.85" in out
    assert main(["settings", *db]) == 0  # kept
    assert "new cards a day:          2\n" in capsys.readouterr().out

    deck = load_deck(FIXTURES / "deck_all_kinds.yaml")
    with Store.open(tmp_path / "progress.sqlite3") as store:
        session = Session.start(store, [deck], mode="review", seed=0)
        assert len(session.items) == 2
        assert session.settings.desired_retention == 0.85


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--retention", "2"], "--retention must be between 0.70 and 0.99"),
        (["--new-per-day", "-1"], "--new-per-day must be 0 or more"),
        (["--reviews-per-day", "-5"], "--reviews-per-day must be 0 or more"),
    ],
)
def test_settings_out_of_range_are_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["settings", *args, "--db", str(tmp_path / "p.sqlite3")]) == 1
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err
    assert not (tmp_path / "p.sqlite3").exists()  # nothing written


def _subparsers(parser):  # type: ignore[no-untyped-def]
    """(name, parser) of every command and sub-command, depth first."""
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield name, sub
                for inner, deeper in _subparsers(sub):
                    yield f"{name} {inner}", deeper


def test_every_command_has_a_description_an_example_and_helped_options() -> None:
    import argparse

    from srcquiz.cli.parser import build_parser

    commands = dict(_subparsers(build_parser()))
    assert {"lint", "review", "quiz", "export", "anchors check", "repos add"} <= set(commands)
    for name, sub in commands.items():
        assert sub.description, name
        assert f"example:\n  srcquiz {name.split()[0]}" in (sub.epilog or ""), name
        for action in sub._actions:
            if action.option_strings and action.help != argparse.SUPPRESS:
                assert action.help, f"{name} {action.option_strings}"
            if not action.option_strings and not isinstance(action, argparse._SubParsersAction):
                assert action.help, f"{name} {action.dest}"
    assert commands["review"].format_help() != commands["quiz"].format_help().replace(
        "quiz", "review"
    )
    assert "{review,cram,missed}" in commands["review"].format_help()
    assert "{quiz,cram,missed}" in commands["quiz"].format_help()


DECKS = ["--decks", str(FIXTURES / "tui_kinds.yaml"), "--decks", str(FIXTURES / "tui_second.yaml")]


@pytest.mark.parametrize("given", ["tui-events", "TUI-Events", "tui-e", "tui-ev"])
def test_a_deck_id_or_its_unique_start_is_taken(
    given: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*DECKS, "anchors", "list", given, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == ["tui-events"]


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ("tui-evnets", "no deck with id tui-evnets (did you mean tui-events?)"),
        ("events", "no deck with id events (did you mean tui-events?)"),
        ("tui", "`tui` starts 2 deck ids (tui-kinds, tui-events); give more of the id"),
        ("zzz", "no deck with id zzz (decks: tui-events, tui-kinds)"),
    ],
)
def test_an_unknown_or_ambiguous_deck_id_is_one_sentence_with_a_suggestion(
    given: str, said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*DECKS, "anchors", "list", given]) == 1
    err = capsys.readouterr().err.strip()
    assert err == f"srcquiz: {said}."


def test_the_line_mode_takes_a_unique_start_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    argv = ["quiz", "tui-ev", "--plain", "--limit", "1", *DECKS, "--db", str(tmp_path / "p.db")]
    main(argv)
    out = capsys.readouterr().out
    assert "Redis" in out or "事件循环" in out  # the tui-events deck's session started


def test_text_stats_forecast_skips_decks_with_nothing_due(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from srcquiz.deck.loader import load_deck
    from srcquiz.progress.store import Store
    from srcquiz.study.session import Session

    db = tmp_path / "progress.sqlite3"
    deck = load_deck(FIXTURES / "tui_second.yaml")
    with Store.open(db) as store:
        session = Session.start(store, [deck], mode="review", seed=0)
        session.answer("epoll_wait", 5.0)  # studied: due again within the fortnight
    assert main(["stats", *DECKS, "--db", str(db)]) == 0
    out = capsys.readouterr().out
    table, _, forecast = out.partition("due over the next")
    assert "tui-kinds" in table and "tui-events" in table
    assert "tui-events" in forecast and "tui-kinds" not in forecast
    assert "(1 other deck(s): nothing due)" in forecast
    assert main(["stats", "--decks", str(FIXTURES / "tui_kinds.yaml"), "--db", str(db)]) == 0
    assert capsys.readouterr().out.rstrip().endswith("due over the next 14 days: nothing")


def test_the_command_pauses_the_gc_for_start_up_and_resumes_it_to_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`srcquiz` (srcquiz.__main__) parses with the cyclic GC paused; the command itself
    runs with it on again, its argument errors too, and argparse's parser (reference
    cycles) is collected rather than frozen with what start-up keeps."""
    import gc

    from srcquiz import __main__ as entry
    from srcquiz.cli import commands
    from srcquiz.cli import parser as cli_parser

    seen: list[tuple[str, bool]] = []
    parse = cli_parser.parse_args

    def parse_args(argv: list[str] | None) -> object:
        seen.append(("parse", gc.isenabled()))
        return parse(argv)

    monkeypatch.setattr(cli_parser, "parse_args", parse_args)
    def run(args: object) -> int:
        seen.append(("run", gc.isenabled()))
        return 0

    monkeypatch.setitem(commands.COMMANDS, "list", run)
    try:
        monkeypatch.setattr(sys, "argv", ["srcquiz", "list"])
        assert entry.main() == 0
        assert seen == [("parse", False), ("run", True)]
        assert _frozen_argparse_garbage() == []
        monkeypatch.setattr(sys, "argv", ["srcquiz", "--no-such-option"])
        with pytest.raises(SystemExit):
            entry.main()
        assert gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()  # what start-up froze: this test process is not a short run


def _frozen_argparse_garbage() -> list[object]:
    """argparse's objects that start-up froze though nothing refers to them."""
    import gc

    gc.unfreeze()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        return [o for o in gc.garbage if type(o).__module__ == "argparse"]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
