"""`srcquiz grade` and deck `examples` as a deck author uses them: one answer graded as a
session would, exit codes, JSON, and lint reporting examples judged otherwise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from srcquiz.cli.parser import main
from srcquiz.deck.loader import load_deck_file
from srcquiz.deck.parts import Example, Position

FIXTURES = Path(__file__).parent.parent / "fixtures"
KINDS = FIXTURES / "engine_kinds.yaml"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def grade_json(capsys: pytest.CaptureFixture[str], target: str, answer: str) -> dict:
    code, out, _ = run(capsys, "grade", "--decks", str(KINDS), target, answer, "--json")
    data = json.loads(out)
    assert code == (0 if data["passed"] else 1)
    return data


def test_right_answer_exits_0_and_prints_verdict_reading_and_rating(capsys) -> None:
    code, out, _ = run(capsys, "grade", "--decks", str(KINDS), "engine-kinds/thread-count", "16")
    assert code == 0
    assert out.splitlines()[0] == "✓ right"
    assert "read as: 16 threads" in out
    assert "rating:  Good" in out


def test_answer_may_be_several_words_without_quotes(capsys) -> None:
    argv = ["grade", "--decks", str(KINDS), "engine-kinds/reload-signal-name", "signal", "hangup"]
    code, out, _ = run(capsys, *argv)
    assert code == 0 and out.startswith("✓ right")


def test_typo_passes_as_almost_rated_hard(capsys) -> None:
    data = grade_json(capsys, "engine-kinds/reload-signal-name", "SIGHPU")
    assert (data["passed"], data["verdict"], data["rating"]) == (True, "almost", "Hard")
    assert data["score"] == 1.0


def test_wrong_answer_exits_1(capsys) -> None:
    data = grade_json(capsys, "engine-kinds/reload-signal-name", "SIGTERM")
    assert {"passed": False, "verdict": "wrong", "score": 0.0}.items() <= data.items()
    assert data["rating"] == "Again"


def test_number_says_how_it_was_read(capsys) -> None:
    data = grade_json(capsys, "engine-kinds/thread-count", "sixteen")
    assert data["passed"] and data["read_as"] == "sixteen = 16 threads"


def test_unreadable_number_is_flagged_to_ask_again(capsys) -> None:
    code, out, _ = run(capsys, "grade", "--decks", str(KINDS), "engine-kinds/thread-count", "lots")
    assert code == 1
    assert out.startswith("? not read: a session would ask again")


def test_order_answer_is_the_decks_item_numbers_and_partial_credit_shows(capsys) -> None:
    assert grade_json(capsys, "engine-kinds/shutdown-steps", "1 2 3 4")["verdict"] == "right"
    data = grade_json(capsys, "engine-kinds/shutdown-steps", "2 3 4 1")
    assert data["verdict"] == "partial" and data["score"] == 0.75
    assert "move “the master receives SIGQUIT” to the start" in data["diff"]


def test_match_answer_is_number_letter_pairs(capsys) -> None:
    assert grade_json(capsys, "engine-kinds/signal-to-flag", "1a 2b 3c")["verdict"] == "right"
    assert grade_json(capsys, "engine-kinds/signal-to-flag", "1a 2c 3b")["verdict"] == "partial"


def test_choice_and_cloze_and_truefalse(capsys) -> None:
    assert grade_json(capsys, "engine-kinds/worker-flags", "1 2 3")["passed"]
    assert grade_json(capsys, "engine-kinds/reload-choice", "SIGHUP")["passed"]
    assert grade_json(capsys, "engine-kinds/idle-cloze", "sigprocmask")["passed"]
    assert grade_json(capsys, "engine-kinds/idle-cloze#c2", "sigsuspend | loops")["passed"]
    assert not grade_json(capsys, "engine-kinds/usr2-ignored", "f")["passed"]


@pytest.mark.parametrize(
    ("target", "answer", "says"),
    [
        ("engine-kinds/reload-signal-nam", "SIGHUP", "did you mean reload-signal-name?"),
        ("engine-kind/reload-signal-name", "SIGHUP", "did you mean engine-kinds?"),
        ("reload-signal-name", "SIGHUP", "DECK/QUESTION"),
        ("engine-kinds/shutdown-steps", "1 2", "from 1 to 4"),
        ("engine-kinds/signal-to-flag", "1x", "letters"),
        ("engine-kinds/what-is-master", "anything", "the learner grades it"),
        ("engine-kinds/idle-cloze#c9", "x", "no card c9"),
    ],
)
def test_usage_errors_exit_2_with_one_sentence(capsys, target, answer, says) -> None:
    code, out, err = run(capsys, "grade", "--decks", str(KINDS), target, answer)
    assert code == 2
    assert out == ""
    assert says in err and "Traceback" not in err and err.count("\n") == 1


def test_grade_knows_the_terms_of_every_loaded_deck(capsys) -> None:
    code, _, _ = run(capsys, "grade", "stable-diffusion/compvis-default-sampler", "DDPM")
    assert code == 1
    code, _, _ = run(capsys, "grade", "pytorch-nn-module/to-funnels-into-apply", "apply")
    assert code == 1
    code, _, _ = run(capsys, "grade", "nginx-process-model/master-idle-wait", "sigsuspnd")
    assert code == 0


# --- examples in decks ------------------------------------------------------------------

DECK = """\
title: Examples
sources: [s]
questions:
  - id: sampler
    kind: short
    prompt: Which sampler?
    answer: DDIM
    explanation: e.
    examples:
      right: [ddim, DDIM.]
      wrong: [DDPM, DDIM]
  - id: hz
    kind: number
    prompt: How often?
    answer: 10
    unit: times per second
    explanation: e.
    examples:
      right: [10 Hz, "10/s"]
      wrong: [10 ms]
  - id: steps
    kind: order
    prompt: Order them.
    items: [read, parse, run]
    explanation: e.
    examples:
      right: [1 2 3]
      wrong: [3 2 1, 1 2]
"""


def test_examples_are_part_of_the_model_with_their_lines(tmp_path: Path) -> None:
    path = tmp_path / "examples.yaml"
    path.write_text(DECK, encoding="utf-8")
    deck, diags = load_deck_file(path)
    assert deck is not None and not diags
    sampler = deck.question("sampler")
    assert sampler is not None
    assert sampler.examples[:3] == (
        Example("ddim", True, Position(10, 15)),
        Example("DDIM.", True, Position(10, 21)),
        Example("DDPM", False, Position(11, 15)),
    )
    cached_first, _ = load_deck_file(path, cache=True)
    cached, _ = load_deck_file(path, cache=True)  # from the cache
    assert cached == deck == cached_first
    assert cached is not None and cached.questions[0].examples == sampler.examples


def test_lint_reports_each_example_judged_otherwise_at_its_line(tmp_path: Path, capsys) -> None:
    path = tmp_path / "examples.yaml"
    path.write_text(DECK, encoding="utf-8")
    code, out, _ = run(capsys, "lint", str(path))
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith(
        f"{path}:11:21: error: example `DDIM` of `sampler` is listed as wrong but is judged right"
    )
    assert lines[1].startswith(f"{path}:28:22: error: example `1 2` of `steps` cannot be read")
    assert len(lines) == 2


def test_lint_rejects_examples_on_cards_and_unknown_keys(tmp_path: Path, capsys) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "title: t\nsources: [s]\nquestions:\n"
        "  - id: c\n    kind: card\n    prompt: p\n    answer: a\n    explanation: e.\n"
        "    examples: {right: [a]}\n"
        "  - id: s\n    kind: short\n    prompt: p\n    answer: a\n    explanation: e.\n"
        "    examples: {rigth: [a]}\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "lint", str(path))
    assert code == 1
    assert "a `card` is graded by the learner; `examples` do not apply" in out
    assert "unknown key `rigth` in `examples` (did you mean `right`?)" in out


def test_the_bundled_examples_hold(capsys) -> None:
    code, _, err = run(capsys, "lint")
    assert code == 0, err
