"""`srcquiz review|quiz --plain`: line by line over pipes, safe to kill at any moment."""

from __future__ import annotations

import io
import os
import re
import signal
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from srcquiz.cli import parser as cli
from srcquiz.cli.plain_kinds import Retry, parse_response
from srcquiz.deck.loader import load_deck
from srcquiz.progress.store import Store
from srcquiz.study.session import StudyItem

FIXTURE = Path(__file__).parent.parent / "fixtures" / "engine_kinds.yaml"
FEEDBACK_MARKS = ("✓", "≈", "✗")


@pytest.fixture(scope="module")
def deck():
    return load_deck(FIXTURE)


def item(deck, qid, order=(), key=None):
    return StudyItem(deck, deck.question(qid), key or qid, tuple(order))


def reviews(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT card_key, answer, verdict, rating FROM review ORDER BY id"
        ).fetchall()
    finally:
        conn.close()


def run_plain(argv, text, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    code = cli.main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


# --- reading typed answers -----------------------------------------------------------


def test_choice_numbers_follow_the_order_shown(deck):
    shown = item(deck, "reload-choice", order=(2, 0, 3, 1))
    assert parse_response(shown, "2") == frozenset({0})
    assert parse_response(shown, " 1 ") == frozenset({2})
    assert parse_response(shown, "") == frozenset()
    for bad in ("5", "0", "one", "1 2"):
        with pytest.raises(Retry):
            parse_response(shown, bad)
    multi = item(deck, "worker-flags", order=(3, 2, 1, 0))
    assert parse_response(multi, "4 3, 2") == frozenset({0, 1, 2})


def test_single_choice_never_speaks_of_several_numbers(deck):
    """One option is asked for: neither the instruction nor the retry sentence may say
    "separated by spaces" (only a multi-choice takes several numbers)."""
    from srcquiz.cli.plain_kinds import KIND_LINES

    single = item(deck, "reload-choice", order=(2, 0, 3, 1))
    assert KIND_LINES["choice"].instruction(single) == "answer: the number of the option (1-4)"
    with pytest.raises(Retry) as typed_a_word:
        parse_response(single, "one")
    assert str(typed_a_word.value) == "type the number of one option, from 1 to 4."
    multi = item(deck, "worker-flags", order=(3, 2, 1, 0))
    with pytest.raises(Retry, match="separated by spaces"):
        parse_response(multi, "one")


@pytest.mark.parametrize("count", [2, 4, 6, 9])
def test_the_order_example_is_a_whole_answer(deck, count):
    """The example lists each of the n numbers once (a permutation that is not 1..n),
    so it can be typed as it stands: "e.g. 2 3 4 5" for six items could not."""
    from dataclasses import replace

    from srcquiz.cli.plain_kinds import KIND_LINES

    base = deck.question("shutdown-steps")
    question = replace(base, items=tuple(f"step {n}" for n in range(count)))
    shown = StudyItem(deck, question, question.id, tuple(range(count)))
    line = KIND_LINES["order"].instruction(shown)
    example = line.rpartition("e.g. ")[2].split()
    assert sorted(example) == sorted(str(n) for n in range(1, count + 1)), line
    assert example != [str(n) for n in range(1, count + 1)]
    parse_response(shown, " ".join(example))  # typed as shown, it is read (no Retry)


def test_order_is_typed_as_numbers(deck):
    shown = item(deck, "shutdown-steps", order=(2, 0, 3, 1))
    assert parse_response(shown, "2 4 1 3") == (0, 1, 2, 3)
    for bad in ("1 2 3", "1 1 2 3", "1 2 3 5", "a b c d"):
        with pytest.raises(Retry):
            parse_response(shown, bad)


def test_match_is_typed_as_number_letter_pairs(deck):
    shown = item(deck, "signal-to-flag", order=(2, 0, 1))  # a=ngx_reopen b=ngx_reap c=ngx_reconf
    assert parse_response(shown, "1b 2c 3a") == {
        "SIGCHLD": "ngx_reap",
        "SIGHUP": "ngx_reconfigure",
        "SIGUSR1": "ngx_reopen",
    }
    assert parse_response(shown, "1-b, 2 c") == {"SIGCHLD": "ngx_reap", "SIGHUP": "ngx_reconfigure"}
    for bad in ("hello", "4a", "1z", "1b nonsense"):
        with pytest.raises(Retry):
            parse_response(shown, bad)


def test_cloze_blanks_are_separated_by_bars(deck):
    two = item(deck, "idle-cloze", key="idle-cloze#c2")
    assert parse_response(two, "sigsuspend | loops") == ("sigsuspend", "loops")
    with pytest.raises(Retry):
        parse_response(two, "sigsuspend")
    one = item(deck, "idle-cloze", key="idle-cloze#c1")
    assert parse_response(one, " sigprocmask ") == ("sigprocmask",)


def test_truefalse_and_text(deck):
    tf = item(deck, "usr2-ignored")
    assert parse_response(tf, "yes") is True
    assert parse_response(tf, "F") is False
    with pytest.raises(Retry):
        parse_response(tf, "perhaps")
    assert parse_response(item(deck, "reload-signal-name"), "  SIGHUP ") == "SIGHUP"


# --- whole sessions over a pipe ---------------------------------------------------------


def test_a_quiz_over_a_pipe(tmp_path, monkeypatch, capsys, deck):
    db = tmp_path / "p.sqlite3"
    argv = ["review", "--plain", "--decks", str(FIXTURE), "--db", str(db), "--limit", "3"]
    # Review mode asks new cards in deck order: two short answers and a strict one.
    text = "SIGHPU\n\n-T\n1\nngx_spawn_process\n2\n"
    code, out, err = run_plain(argv, text, monkeypatch, capsys)
    assert code == 0, err
    lines = out.splitlines()
    assert "[1/3] Engine test deck (one question of every kind) · short" in lines
    assert "≈ Almost (a typo): SIGHPU → SIGHUP" in lines
    assert "✗ Wrong: -T → -t" in lines
    assert "✓ Right." in lines
    assert "rated Hard." in lines  # the override of the third answer (suggested: Good)
    assert any(
        line.startswith("session over: 3 answered · 1 right · 1 almost · 1 wrong") for line in lines
    )
    assert "  ✗ engine-kinds/test-flag: -T → -t" in lines
    assert reviews(db) == [
        ("reload-signal-name", "SIGHPU", "almost", 2),
        ("test-flag", "-T", "wrong", 1),
        ("strict-name", "ngx_spawn_process", "right", 2),
    ]


def test_a_hint_on_request_rates_hard_at_best(tmp_path, monkeypatch, capsys):
    db = tmp_path / "p.sqlite3"
    argv = ["review", "--plain", "--limit", "1", "--decks", str(FIXTURE), "--db", str(db)]
    code, out, _ = run_plain(argv, "?\nHUP\n\n", monkeypatch, capsys)
    assert code == 0
    lines = out.splitlines()
    first_pass = out.split("rated Hard")[0].splitlines()  # the card comes back after it
    assert (
        first_pass.count("answer: (empty line: I don't know; ? for a hint)") == 2
    )  # asked again after the hint
    assert "hint: it is also sent when a terminal hangs up" in lines
    assert "rated Hard: Enter keeps it, or type 1 again, 2 hard, 3 good, 4 easy" in lines
    with Store.open(db) as store:
        (row,) = store.reviews()
    assert (row.card_key, row.answer, row.hint_used, row.rating) == (
        "reload-signal-name",
        "HUP",
        True,
        2,
    )


def test_every_kind_can_be_answered_line_by_line(tmp_path, monkeypatch, capsys, deck):
    db = tmp_path / "p.sqlite3"
    argv = ["quiz", "--plain", "--mode", "cram", "--decks", str(FIXTURE), "--db", str(db)]
    argv += ["--seed", "9"]
    # First pass: find the order the seed gives, then answer every card right.
    from srcquiz.study.session import Session

    with Store.open(tmp_path / "probe.sqlite3") as probe:
        items = Session.start(probe, [deck], mode="cram", seed=9).items
    lines = []
    for it in items:
        q = it.question
        if q.kind == "card":
            lines += ["", ""]  # show the back; Enter: I knew it (practice has no rating)
            continue
        if q.kind == "choice":
            picks = [str(it.order.index(i) + 1) for i in q.correct]
            lines.append(" ".join(picks))
        elif q.kind == "order":
            lines.append(" ".join(str(it.order.index(i) + 1) for i in range(len(q.items))))
        elif q.kind == "match":
            rights = it.shown_rights()
            lines.append(
                " ".join(f"{n}{'abc'[rights.index(r)]}" for n, (_, r) in enumerate(q.pairs, 1))
            )
        elif q.kind == "cloze":
            lines.append(" | ".join(q.answers_for(it.cloze_number)))
        elif q.kind == "truefalse":
            lines.append("t" if q.answer else "f")
        elif q.kind == "number":
            lines.append(f"{q.answer:g} {q.unit or ''}")
        else:
            lines.append(q.answer)
    code, out, err = run_plain(argv, "\n".join(lines) + "\n", monkeypatch, capsys)
    assert code == 0, err
    assert "session over: 14 answered · 14 right · 0 almost · 0 wrong · score 100%" in out
    assert "answer: pair each number with a letter, e.g. 1c 2b 3a" in out
    assert "answer: the item numbers in the right order, e.g. 2 3 4 1" in out
    assert "answer: the 2 blanks in order, separated by ' | '" in out
    assert (
        "answer: the numbers of all right options (1-4), e.g. 1 3 (empty line: I don't know)" in out
    )
    assert re.search(r"^  [1-4]\. the master receives SIGQUIT$", out, re.MULTILINE)
    assert re.search(r"^  [a-c]\. ngx_reopen$", out, re.MULTILINE)
    assert len(reviews(db)) == 14


def test_end_of_input_ends_cleanly_with_a_summary(tmp_path, monkeypatch, capsys):
    db = tmp_path / "p.sqlite3"
    argv = ["review", "--plain", "--decks", str(FIXTURE), "--db", str(db)]
    code, out, err = run_plain(argv, "SIGHUP\n", monkeypatch, capsys)
    assert code == 0 and err == ""
    assert out.rstrip().splitlines()[-1].startswith("session over: 1 answered · 1 right")
    assert len(reviews(db)) == 1
    code, out, _ = run_plain(argv, "", monkeypatch, capsys)
    assert code == 0 and out.rstrip().endswith("session over: nothing answered.")


def test_nothing_to_study_says_so(tmp_path, monkeypatch, capsys):
    db = tmp_path / "p.sqlite3"
    argv = ["review", "--plain", "--mode", "missed", "--decks", str(FIXTURE), "--db", str(db)]
    code, out, _ = run_plain(argv, "", monkeypatch, capsys)
    assert code == 0 and "nothing to retry" in out


def test_bad_limit_is_one_sentence(tmp_path, monkeypatch, capsys):
    argv = ["quiz", "--plain", "--limit", "0", "--decks", str(FIXTURE), "--db", str(tmp_path / "p")]
    code, _, err = run_plain(argv, "", monkeypatch, capsys)
    assert code != 0 and err.strip() == "srcquiz: --limit must be at least 1, not 0."


def test_a_full_disk_mid_session(tmp_path, monkeypatch, capsys):
    db = tmp_path / "p.sqlite3"
    real_open = Store.open.__func__

    def tight_open(cls, path, **kw):
        store = real_open(cls, path, **kw)
        pages = store.connection.execute("PRAGMA page_count").fetchone()[0]
        # Two spare pages: the compact review log (#19) fits several answers in a third.
        store.connection.execute(f"PRAGMA max_page_count = {pages + 2}")
        return store

    monkeypatch.setattr(Store, "open", classmethod(tight_open))
    argv = ["review", "--plain", "--decks", str(FIXTURE), "--db", str(db)]
    answer = "1." + "0" * 3000  # big rows (typed answers are logged, numbers read) fill the pages
    text = f"{answer}\n\n" * 40
    code, out, err = run_plain(argv, text, monkeypatch, capsys)
    assert code == 1
    assert err.count("\n") == 1 and err.startswith("srcquiz: could not save to ")
    assert "disk is full" in err and "Traceback" not in err
    assert "session over:" in out
    answered = sum(
        line.startswith(FEEDBACK_MARKS) or line.startswith("rated ") for line in out.splitlines()
    )
    monkeypatch.undo()
    saved = reviews(db)
    assert 0 < len(saved) <= answered
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


# --- killed and concurrent sessions ----------------------------------------------------------


def _env(tmp_path):
    return {**os.environ, "SRCQUIZ_HOME": str(tmp_path / "home"), "PYTHONIOENCODING": "utf-8"}


def test_sigkill_loses_no_answered_question(tmp_path):
    db = tmp_path / "p.sqlite3"
    answers = iter(["SIGHUP", "-T", "ngx_spawn_proces", "16", "0.5"])
    proc = subprocess.Popen(
        [sys.executable, "-m", "srcquiz", "review", "--plain", "--decks", str(FIXTURE)]
        + ["--db", str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env=_env(tmp_path),
    )
    typed: list[str] = []
    feedback = 0
    try:
        for line in proc.stdout:
            if line.startswith("answer"):
                typed.append(next(answers))
                proc.stdin.write(typed[-1] + "\n")
                proc.stdin.flush()
            elif line.startswith(FEEDBACK_MARKS):
                feedback += 1
                if feedback == 3:
                    # Killed right after the feedback, before the rating question is answered.
                    proc.send_signal(signal.SIGKILL)
                    break
            elif line.startswith("rated "):
                proc.stdin.write("\n")
                proc.stdin.flush()
    finally:
        proc.wait(timeout=30)
        proc.stdout.close()
        proc.stdin.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    assert [(k, a) for k, a, _, _ in reviews(db)] == [
        ("reload-signal-name", "SIGHUP"),
        ("test-flag", "-T"),
        ("strict-name", "ngx_spawn_proces"),
    ]
    with Store.open(db) as store:  # and the database is healthy afterwards
        assert store.connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert len(store.card_states("engine-kinds")) == 3


def test_two_plain_sessions_on_one_database_at_once(tmp_path):
    db = tmp_path / "p.sqlite3"
    Store.open(db).close()
    base = [sys.executable, "-m", "srcquiz", "quiz", "--plain", "--mode", "cram"]
    base += ["--decks", str(FIXTURE), "--db", str(db)]
    text = "wrong\n\n" * 40
    procs = [
        subprocess.Popen(
            base + ["--seed", str(seed)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env=_env(tmp_path),
        )
        for seed in (1, 2)
    ]
    # Feed both before reading either, so they really run at the same time.
    for p in procs:
        p.stdin.write(text)
        p.stdin.close()
    outputs = [(p.stdout.read(), p.stderr.read(), p.wait(timeout=120)) for p in procs]
    for out, err, code in outputs:
        assert code == 0, err
        assert "locked" not in err and "session over: 14 answered" in out
    assert len(reviews(db)) == 28
    with Store.open(db) as store:
        sessions = {r.session_id for r in store.reviews()}
        assert len(sessions) == 2


# --- untrusted text: shown, never obeyed by the terminal ------------------------------

OSC52 = "\x1b]52;c;aGk=\x07"  # sets the clipboard in many terminals
ONE_QUESTION = (
    "title: T\nsources: [S]\nquestions:\n"
    "  - {id: q1, kind: short, prompt: Say hi, answer: hi, explanation: E}\n"
)


def test_file_names_and_typed_answers_are_printed_escaped(tmp_path, monkeypatch, capsys):
    """A deck without `id:` is named after its file, and a typed answer is echoed
    back: neither reaches the terminal as a command."""
    from srcquiz.textsafe import CONTROL_RE

    folder = tmp_path / "decks"
    folder.mkdir()
    (folder / f"evil{OSC52}.yaml").write_text(ONE_QUESTION)
    db = tmp_path / "p.sqlite3"
    argv = ["quiz", "--plain", "--decks", str(folder), "--db", str(db)]
    code, out, err = run_plain(argv, f"nope{OSC52}\n\n", monkeypatch, capsys)
    assert code == 0, err
    assert CONTROL_RE.search(out + err) is None, repr(out)
    assert "✗ Wrong: nope\\x1b]52;c;aGk=\\x07 → hi" in out
    assert "evil\\x1b]52;c;aGk=\\x07/q1: nope\\x1b]52;c;aGk=\\x07 → hi" in out
    [row] = reviews(db)
    assert row[1] == f"nope{OSC52}"  # saved as typed; only the display is escaped


def test_a_deck_with_an_escaped_control_character_does_not_load(tmp_path, monkeypatch, capsys):
    deck = tmp_path / "evil.yaml"
    deck.write_text(ONE_QUESTION.replace("Say hi", '"Say hi\\e]52;c;aGk=\\a"'))
    db = tmp_path / "p.sqlite3"
    argv = ["quiz", "--plain", "--decks", str(deck), "--db", str(db)]
    code, out, err = run_plain(argv, "hi\n\n", monkeypatch, capsys)
    assert code != 0 and out == ""
    assert f"{deck}:4:" in err and "remove the control character U+001B" in err
    assert "\x1b" not in err
    assert not db.exists()


class _NoUnboundedLines(io.StringIO):
    """stdin that refuses to hand out a line of unbounded length."""

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        assert size is not None and 0 < size <= 1 << 17, "an unbounded readline"
        return super().readline(size)


def test_a_huge_answer_line_is_cut_without_holding_it(tmp_path, monkeypatch, capsys):
    """A 20 MB line (a paste gone wrong) is read in bounded pieces, stored cut, and the
    next line is still the next answer."""
    from srcquiz.progress.rows import MAX_ANSWER_CHARS

    db = tmp_path / "p.sqlite3"
    argv = ["quiz", "--plain", "--limit", "2", "--seed", "1"]
    argv += ["--decks", str(FIXTURE), "--db", str(db)]
    text = "y" * 20_000_000 + "\n\n" + "t\n\n" * 4
    monkeypatch.setattr(sys, "stdin", _NoUnboundedLines(text))
    code = cli.main(argv)
    out = capsys.readouterr().out
    assert code == 0 and "session over:" in out
    with Store.open(db) as store:
        answers = [r.answer for r in store.reviews()]
    assert len(answers) == 2 and max(len(a) for a in answers) <= MAX_ANSWER_CHARS


@pytest.mark.parametrize("closed", ["stdin", "stdout"])
def test_a_closed_stream_is_one_sentence(tmp_path, closed):
    """`srcquiz review --plain <&-` (or `>&-`): one sentence, exit 1, no traceback."""
    import subprocess

    argv = [sys.executable, "-m", "srcquiz", "review", "--plain", "--decks", str(FIXTURE)]
    argv += ["--db", str(tmp_path / "p.sqlite3")]
    kwargs = {"stdin": subprocess.DEVNULL, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    fd = 0 if closed == "stdin" else 1
    proc = subprocess.run(argv, **kwargs, preexec_fn=lambda: os.close(fd))  # noqa: PLW1509
    err = proc.stderr.decode()
    assert proc.returncode == 1 and "Traceback" not in err
    stream = "input" if closed == "stdin" else "output"
    assert err.startswith(f"srcquiz: standard {stream} is closed")


def test_a_full_output_device_is_one_sentence(tmp_path):
    """stdout on /dev/full: one sentence on stderr, exit 1, nothing lost, no traceback."""
    import subprocess

    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    argv = [sys.executable, "-m", "srcquiz", "review", "--plain", "--decks", str(FIXTURE)]
    argv += ["--db", str(tmp_path / "p.sqlite3")]
    with open("/dev/full", "w") as full:
        proc = subprocess.run(argv, input=b"x\n", stdout=full, stderr=subprocess.PIPE)
    err = proc.stderr.decode()
    assert proc.returncode == 1 and "Traceback" not in err and err.count("\n") == 1
    assert "cannot write to standard output" in err


THREE_TRUE = """\
id: three-true
title: Three statements
sources: [test]
questions:
  - id: tf1
    kind: truefalse
    prompt: The nginx master process accepts connections itself.
    answer: true
  - id: tf2
    kind: truefalse
    prompt: Workers are forked by the master.
    answer: true
  - id: tf3
    kind: truefalse
    prompt: SIGHUP reloads the configuration.
    answer: true
"""


def deck_folder(tmp_path: Path, name: str, text: str) -> tuple[Path, Path]:
    """(a decks folder holding one deck file `name`, where its progress goes)."""
    decks = tmp_path / "decks"
    decks.mkdir()
    (decks / name).write_text(text, encoding="utf-8")
    return decks, tmp_path / "p.sqlite3"


def test_a_missed_card_comes_back_and_nothing_is_pushed_days_out(tmp_path, monkeypatch, capsys):
    """Issue 13's done-when: three new true/false cards, the first answered wrong. It
    is asked again before the session ends, and afterwards no card is due three or more
    days out (a quick guess on a new card is no longer Easy, 8-10 days away)."""
    decks, db = deck_folder(tmp_path, "three-true.yaml", THREE_TRUE)
    argv = ["review", "--plain", "--decks", str(decks), "--db", str(db)]
    answers = ["f", ""] + ["t", ""] * 20  # wrong first, then right (Enter keeps each rating)
    code, out, _ = run_plain(argv, "\n".join(answers) + "\n", monkeypatch, capsys)
    assert code == 0
    lines = out.splitlines()
    shown = [line for line in lines if line.startswith("[")]
    tf1 = "The nginx master process accepts connections itself."
    assert lines.count(tf1) >= 2  # asked again before the session ended
    assert any("again (learning step)" in line for line in shown)
    summary = next(line for line in out.splitlines() if line.startswith("session over"))
    assert "3 answered" in summary and "came back" in summary
    with Store.open(db) as store:
        rows = store.reviews()
        assert [r.card_key for r in rows[:4]] == ["tf1", "tf2", "tf3", "tf1"]
        assert rows[3].state_before is not None  # the return is a real review
        now = rows[-1].reviewed_at
        for key in ("tf1", "tf2", "tf3"):
            state = store.card_state("three-true", key)
            assert state is not None
            assert state.due - now < timedelta(days=3), (key, state.due)


def test_practice_asks_for_no_rating(tmp_path, monkeypatch, capsys):
    decks, db = deck_folder(tmp_path, "three-true.yaml", THREE_TRUE)
    argv = ["quiz", "--plain", "--mode", "cram", "--decks", str(decks), "--db", str(db)]
    code, out, _ = run_plain(argv, "f\nt\nt\n", monkeypatch, capsys)
    assert code == 0
    assert "rated" not in out and "Enter keeps it" not in out
    assert "again (learning step)" not in out
    with Store.open(db) as store:
        assert [(r.mode, r.verdict) for r in store.reviews()] == [
            ("cram", "wrong"),
            ("cram", "right"),
            ("cram", "right"),
        ]


ONE_SHORT = """\
id: one-short
title: One short answer
sources: [test]
questions:
  - id: master-idle-wait
    kind: short
    prompt: Which system call does the nginx master block in while it waits for signals?
    answer: sigsuspend
"""


def test_a_question_without_a_hint_reveals_letters(tmp_path, monkeypatch, capsys):
    decks, db = deck_folder(tmp_path, "one.yaml", ONE_SHORT)
    argv = ["quiz", "--plain", "--mode", "cram", "--decks", str(decks), "--db", str(db)]
    code, out, _ = run_plain(argv, "?\n?\nsigsuspend\n", monkeypatch, capsys)
    assert code == 0
    assert "(empty line: I don't know; ? for a hint)" in out
    assert "hint: s_________ (10 letters)" in out
    assert "hint: si________ (10 letters)" in out
    with Store.open(db) as store:
        (row,) = store.reviews()
    assert row.hint_used and row.rating == 2  # revealed letters: Hard at best


def test_nothing_to_reveal_is_said(tmp_path, monkeypatch, capsys):
    decks, db = deck_folder(tmp_path, "three-true.yaml", THREE_TRUE)
    argv = ["quiz", "--plain", "--mode", "cram", "--limit", "1", "--decks", str(decks)]
    argv += ["--db", str(db)]
    code, out, _ = run_plain(argv, "?\nt\n", monkeypatch, capsys)
    assert code == 0
    assert "no hint: nothing to reveal." in out
    assert "? for a hint" not in out
