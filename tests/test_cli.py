"""The CLI as a user meets it: lint output and exit codes, schema, list, help."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from srcquiz import __version__
from srcquiz.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
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
    from srcquiz.cli import NO_ARGUMENTS, build_parser, parse_args

    assert vars(build_parser().parse_args([])) == NO_ARGUMENTS
    assert vars(parse_args([])) == NO_ARGUMENTS
    assert parse_args(["list"]).command == "list"
