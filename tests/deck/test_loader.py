"""The loader: every kind parses into the model; every lint rule reports file:line:col."""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest
from hang_guard import fails_if_it_blocks

from srcquiz.cli.parser import main
from srcquiz.deck import kinds
from srcquiz.deck.diagnostics import DeckError
from srcquiz.deck.keys import MAX_DECK_BYTES
from srcquiz.deck.kinds import Choice, Cloze, Flashcard, Match, Number, Order, Short, TrueFalse
from srcquiz.deck.loader import (
    load_deck,
    load_deck_file,
    load_decks,
    parse_deck,
)
from srcquiz.deck.parts import Anchor

FIXTURES = Path(__file__).parent.parent / "fixtures"
LINT = FIXTURES / "lint"


def test_every_kind_parses_into_the_model() -> None:
    deck = load_deck(FIXTURES / "deck_all_kinds.yaml")
    assert deck.id == "all-kinds"
    assert deck.title == "Every kind of question"
    assert deck.sources == ("Test article",)
    q = {x.id: x for x in deck.questions}

    card = q["card-1"]
    assert isinstance(card, Flashcard) and card.reversed and card.answer == "Manages workers."
    assert card.card_keys() == ("card-1", "card-1#reverse")
    assert card.source == "Test article"  # the deck's only source is the default
    assert card.tags == ("process",)

    short = q["short-1"]
    assert isinstance(short, Short)
    assert short.answer == "SIGHUP" and short.accept == ("HUP",)
    assert short.lang == "c" and "ngx_reconfigure = 1;" in (short.code or "")
    assert short.hint and short.hint.startswith("It is")
    # The question's anchor is merged over the deck's default.
    assert short.anchor == Anchor(
        repo="nginx/nginx",
        path="src/os/unix/ngx_process.c",
        symbol="ngx_signal_handler",
        version="release-1.27.3",
    )
    assert short.anchor.label() == "nginx/nginx · src/os/unix/ngx_process.c · ngx_signal_handler"
    assert card.anchor is None  # a deck default with only repo/version anchors nothing

    number = q["number-1"]
    assert isinstance(number, Number)
    assert number.answer == 16 and number.unit == "threads" and number.answer_text() == "16 threads"

    single, multi = q["choice-single"], q["choice-multi"]
    assert isinstance(single, Choice) and not single.multi and single.answers == ("ngx_reap",)
    assert single.shuffle  # the deck default
    assert isinstance(multi, Choice) and multi.multi and not multi.shuffle
    assert multi.correct == (0, 1)

    tf = q["tf-1"]
    assert isinstance(tf, TrueFalse) and tf.answer is True

    cloze = q["cloze-1"]
    assert isinstance(cloze, Cloze)
    assert cloze.card_keys() == ("cloze-1#c1", "cloze-1#c2", "cloze-1#c3")
    assert cloze.answers_for(3) == ("std::vector",)
    assert cloze.masked(2).startswith("The master waits in sigsuspend after [a syscall]")
    assert "[...]" in cloze.masked(1)

    order = q["order-1"]
    assert isinstance(order, Order) and order.items == ("tokenize", "encode", "denoise", "decode")

    match = q["match-1"]
    assert isinstance(match, Match)
    # Scalars keep the text the author wrote: `no: yes` is not turned into booleans.
    assert match.pairs[-1] == ("no", "yes")
    assert match.pairs[0] == ("SIGHUP", "ngx_reconfigure")

    assert q["short-1"].pos.line == 16
    assert deck.counts_by_kind() == {
        "card": 1, "short": 1, "number": 1, "choice": 2, "truefalse": 1, "cloze": 1,
        "order": 1, "match": 1,
    }


def _expectation(path: Path) -> tuple[int, int, str, str]:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    m = re.match(r"# expect: (\d+):(\d+): (error|warning): (.*)", first)
    assert m, f"{path.name} lacks an '# expect:' line"
    return int(m[1]), int(m[2]), m[3], m[4]


NOT_TEXT = ("binary", "not_utf8")  # no room for an expect line: see test_files_that_are_not_decks


@pytest.mark.parametrize(
    "path", [p for p in sorted(LINT.glob("*.yaml")) if p.stem not in NOT_TEXT], ids=lambda p: p.stem
)
def test_each_lint_rule_reports_its_position(path: Path) -> None:
    line, col, severity, message = _expectation(path)
    deck, diags = load_deck_file(path)
    matching = [d for d in diags if message in d.message and d.severity == severity]
    assert matching, f"expected {message!r}, got {[str(d) for d in diags]}"
    assert (matching[0].line, matching[0].column) == (line, col), str(matching[0])
    assert matching[0].path == str(path)
    if severity == "error":
        assert deck is None
    else:
        assert deck is not None


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("binary.yaml", "is a binary file"),
        ("not_utf8.yaml", "is not UTF-8 text (byte 0xe9)"),
    ],
)
def test_files_that_are_not_decks(name: str, message: str) -> None:
    deck, diags = load_deck_file(LINT / name)
    assert deck is None
    assert len(diags) == 1 and message in diags[0].message
    assert str(diags[0]).startswith(str(LINT / name))


def test_directory_and_missing_file(tmp_path: Path) -> None:
    folder = tmp_path / "x.yaml"
    folder.mkdir()
    _, diags = load_deck_file(folder)
    assert "is a directory" in diags[0].message
    _, diags = load_deck_file(tmp_path / "gone.yaml")
    assert diags[0].message == "no such file"


def test_a_named_pipe_is_refused_not_read(tmp_path: Path, capsys) -> None:
    pipe = tmp_path / "pipe.yaml"
    os.mkfifo(pipe)
    with fails_if_it_blocks():
        deck, diags = load_deck_file(pipe)
        assert deck is None
        assert [d.message for d in diags] == ["is a named pipe (FIFO), not a deck file"]
        # A folder of decks holding one is read all the same, and so is `lint`.
        shutil.copy(FIXTURES / "deck_all_kinds.yaml", tmp_path / "good.yaml")
        decks, diags = load_decks([tmp_path], cache=True)
        assert [d.id for d in decks] == ["all-kinds"] and len(diags) == 1
        assert main(["lint", str(pipe)]) == 1
    assert capsys.readouterr().out == f"{pipe}: error: is a named pipe (FIFO), not a deck file\n"


def test_a_device_is_refused_not_read() -> None:
    deck, diags = load_deck_file(Path("/dev/null"))  # /dev/zero would never end
    assert deck is None
    assert [d.message for d in diags] == ["is a character device, not a deck file"]


def test_an_oversized_deck_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as f:
        f.truncate(MAX_DECK_BYTES + 1)  # sparse
    deck, diags = load_deck_file(big)
    assert deck is None and "decks are limited to 48 MB" in diags[0].message


@pytest.mark.parametrize("where", ["question", "deck"])
def test_an_id_ending_in_a_newline_is_refused(where: str) -> None:
    qid, deck_id = ('"q\\n"', "d") if where == "question" else ("q", '"d\\n"')
    text = (
        f"id: {deck_id}\ntitle: x\nsources: [a]\nquestions:\n"
        f"  - {{id: q, kind: truefalse, prompt: p, answer: true, explanation: e}}\n"
        f"  - {{id: {qid}, kind: truefalse, prompt: p, answer: true, explanation: e}}\n"
    )
    deck, diags = parse_deck(text, "d.yaml", "d")
    assert deck is None
    assert any(f"{where} id `" in d.message and "must be lowercase" in d.message for d in diags)


def test_utf16_with_bom_is_read(tmp_path: Path) -> None:
    text = (FIXTURES / "deck_all_kinds.yaml").read_text(encoding="utf-8")
    p = tmp_path / "utf16.yaml"
    p.write_bytes(text.encode("utf-16"))
    deck = load_deck(p)
    assert len(deck.questions) == 9


def test_load_deck_raises_with_every_error(tmp_path: Path) -> None:
    with pytest.raises(DeckError) as exc:
        load_deck(LINT / "duplicate_id.yaml")
    assert "duplicate question id" in str(exc.value)


def test_several_errors_are_all_reported(tmp_path: Path) -> None:
    text = """title: x
sources: [a]
questions:
  - {id: a, kind: order, prompt: p, items: [x, y], explanation: e}
  - {id: b, kind: choice, prompt: p, options: [x, x], answer: z, explanation: e}
  - {id: c, kind: nope, prompt: p}
"""
    deck, diags = parse_deck(text, "d.yaml", "d")
    assert deck is None
    messages = [d.message for d in diags]
    assert any("at least 3 items" in m for m in messages)
    assert any("duplicate option" in m for m in messages)
    assert any('choice answer "z"' in m for m in messages)
    assert any("unknown kind `nope`" in m for m in messages)


def test_duplicate_deck_ids_name_both_files(tmp_path: Path) -> None:
    body = "id: same\ntitle: t\nsources: [a]\nquestions:\n  - {id: a, kind: truefalse, prompt: p, answer: true, explanation: e}\n"  # noqa: E501
    (tmp_path / "a.yaml").write_text(body)
    (tmp_path / "b.yaml").write_text(body)
    decks, diags = load_decks([tmp_path])
    assert len(decks) == 1
    assert "also used by" in diags[0].message and "a.yaml" in diags[0].message


def test_deep_nesting_is_refused_not_crashed() -> None:
    text = "title: x\nquestions: " + "[" * 100_000 + "]" * 100_000
    deck, diags = parse_deck(text, "deep.yaml", "deep")
    assert deck is None and "nests deeper than" in diags[0].message


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 12)]
    lines += ["title: t", "questions:", "  - {id: q, kind: order, prompt: p, items: *a11}"]
    start = time.perf_counter()
    deck, diags = parse_deck("\n".join(lines), "bomb.yaml", "bomb")
    assert deck is None and diags
    # 10**12 items if expanded; the loader never expands anything.
    assert time.perf_counter() - start < 1.0


def test_scalar_text_is_kept_as_written() -> None:
    text = """title: x
sources: [a]
questions:
  - {id: a, kind: short, prompt: p, answer: 1.10, accept: [no, "0x10"], explanation: e}
"""
    deck, diags = parse_deck(text, "d.yaml", "d")
    assert deck is not None, diags
    q = deck.questions[0]
    assert isinstance(q, Short)
    assert q.answer == "1.10" and q.accept == ("no", "0x10")


# -- reading a deck question by question (memory: issue 7) ---------------------

FIXTURES = Path(__file__).parent.parent / "fixtures"
BUNDLED = Path(__file__).parent.parent.parent / "decks"
ALL_YAML = sorted([*FIXTURES.rglob("*.yaml"), *BUNDLED.glob("*.yaml")])


@pytest.mark.parametrize("path", ALL_YAML, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_streamed_and_whole_document_parses_agree(path: Path) -> None:
    """A deck built while reading it (each question's nodes freed after use) is the
    same deck, with the same problems at the same places, as one composed whole."""
    from srcquiz.deck.parser import _parse_deck

    text = path.read_bytes().decode("utf-8", errors="replace")
    streamed = _parse_deck(text, str(path), path.stem)
    whole = _parse_deck(text, str(path), path.stem, stream=False)
    assert streamed[0] == whole[0]
    assert [str(d) for d in streamed[1]] == [str(d) for d in whole[1]]


STREAM_CASES = {
    "keys after the questions set their defaults": (
        "title: T\nquestions:\n  - {id: a, kind: short, prompt: P?, answer: x,"
        " explanation: E}\nsources: [S]\nanchor: {repo: o/r, path: f.c}\n"
    ),
    "an anchor reused in a later question": (
        "title: T\nsources: [S]\nquestions:\n"
        "  - {id: a, kind: order, prompt: P?, items: &i [x, y, z], explanation: E}\n"
        "  - {id: b, kind: order, prompt: Q?, items: *i, explanation: E}\n"
    ),
    "a flow-style list of questions": (
        "title: T\nsources: [S]\nquestions: [{id: a, kind: truefalse, prompt: P?, answer: true,"
        " explanation: E}]\n"
    ),
    "an anchored list of questions": (
        "title: T\nsources: [S]\nquestions: &q\n  - {id: a, kind: truefalse, prompt: P?,"
        " answer: true, explanation: E}\n"
    ),
    "two documents": "title: T\nsources: [S]\nquestions: []\n---\ntitle: U\n",
    "an undefined alias": "title: T\nsources: [S]\nquestions:\n  - *nope\n",
    "no questions": "title: T\nsources: [S]\nquestions: []\n",
    "a list of questions that is not a list": "title: T\nsources: [S]\nquestions: {a: 1}\n",
    "questions given twice": (
        "title: T\nsources: [S]\nquestions: 5\nquestions:\n  - {id: a, kind: truefalse,"
        " prompt: P?, answer: maybe, explanation: E}\n"
    ),
}


@pytest.mark.parametrize("text", list(STREAM_CASES.values()), ids=list(STREAM_CASES))
def test_streaming_edge_cases_match_the_whole_document(text: str) -> None:
    from srcquiz.deck.parser import _parse_deck

    streamed = _parse_deck(text, "d.yaml", "d")
    whole = _parse_deck(text, "d.yaml", "d", stream=False)
    assert streamed[0] == whole[0]
    assert len(streamed[1]) == len(whole[1])
    for ours, theirs in zip(streamed[1], whole[1], strict=True):
        where = (ours.line, ours.column, ours.severity)
        assert where == (theirs.line, theirs.column, theirs.severity)
        # PyYAML's composer also names an undefined alias; libyaml's does not.
        assert ours.message.startswith(theirs.message)


def test_keys_after_the_questions_still_give_them_their_defaults() -> None:
    text = STREAM_CASES["keys after the questions set their defaults"]
    deck, diags = parse_deck(text, "d.yaml", "d")
    assert deck is not None, diags
    [q] = deck.questions
    assert q.source == "S" and q.anchor is not None and q.anchor.repo == "o/r"


def test_an_alias_across_questions_is_still_refused() -> None:
    deck, diags = parse_deck(STREAM_CASES["an anchor reused in a later question"], "d.yaml", "d")
    assert deck is None
    assert any("reused with an alias" in d.message and d.line == 4 for d in diags)


# -- control characters: deck text is data, never a command to the terminal -----------

CONTROL_DECK = """\
title: {title}
sources: [{source}]
tags: [{tag}]
anchor: {{repo: o/r, path: {path}}}
questions:
  - id: a
    kind: choice
    prompt: {prompt}
    options: [{option}, other]
    answer: {option}
    explanation: {explanation}
  - id: b
    kind: match
    prompt: Pair them.
    pairs: {{{left}: one, two: {right}}}
    explanation: Because.
"""
PLAIN_FIELDS = {
    "title": "T",
    "source": "S",
    "tag": "t",
    "path": "f.c",
    "prompt": "P?",
    "option": "opt",
    "explanation": "E",
    "left": "l",
    "right": "r",
}


@pytest.mark.parametrize(
    ("field", "escaped", "code", "line", "column"),
    [
        ("title", r'"T\e]52;c;aGk=\a"', "U+001B", 1, 8),  # OSC 52: sets the clipboard
        ("source", r'"S\e]0;title\a"', "U+001B", 2, 11),
        ("tag", r'"t\x7f"', "U+007F", 3, 8),
        ("path", r'"f\x00.c"', "U+0000", 4, 27),
        ("prompt", r'"P\x9b2J?"', "U+009B", 8, 13),  # C1 CSI: clears the screen
        ("option", r'"o\rpt"', "U+000D", 9, 15),
        ("explanation", r'"E\u202Ereversed"', "U+202E", 11, 18),
        ("left", r'"l\x1b[2J"', "U+001B", 15, 13),
        ("right", r'"r\u2066"', "U+2066", 15, 26),
    ],
)
def test_a_control_character_in_any_text_field_is_an_error(
    field: str, escaped: str, code: str, line: int, column: int
) -> None:
    text = CONTROL_DECK.format(**{**PLAIN_FIELDS, field: escaped})
    deck, diags = parse_deck(text, "d.yaml", "d")
    assert deck is None  # the deck does not load
    errors = [d for d in diags if d.severity == "error" and code in d.message]
    assert errors, [str(d) for d in diags]
    assert (errors[0].line, errors[0].column) == (line, column)
    assert f"remove the control character {code}" in errors[0].message


def test_tab_and_newline_are_text_not_control() -> None:
    text = CONTROL_DECK.format(**{**PLAIN_FIELDS, "explanation": r'"line one\n\tindented"'})
    deck, diags = parse_deck(text, "d.yaml", "d")
    assert deck is not None, [str(d) for d in diags]
    assert deck.questions[0].explanation == "line one\n\tindented"


def test_diagnostics_show_quoted_text_escaped_on_one_line() -> None:
    """Messages quote the deck (an unknown key, a file name): printed, they must not
    become terminal commands or lines of their own."""
    text = 'title: T\nsources: [S]\nquestions:\n  - {id: a, kind: short, "\\e[2J\\nx": 1}\n'
    deck, diags = parse_deck(text, "evil\n\x1b]0;t\x07.yaml", "d")
    assert deck is None
    shown = "\n".join(str(d) for d in diags)
    assert "\x1b" not in shown and "\x07" not in shown
    assert len(shown.splitlines()) == len(diags)
    assert "unknown key `\\x1b[2J\\nx`" in shown
    assert shown.startswith("evil\\n\\x1b]0;t\\x07.yaml:4:")


# -- give-aways (issue 17) ------------------------------------------------------


def _deck(*questions: str) -> str:
    return "title: x\nsources: [a]\nquestions:\n" + "".join(questions)


def _warnings(text: str) -> list[str]:
    deck, diags = parse_deck(text, "d.yaml", "d")
    assert deck is not None, [str(d) for d in diags]
    return [d.message for d in diags if d.severity == "warning"]


SLEEP_SNIPPET = """  - id: a
    kind: short
    prompt: Which call does the master sleep in?
    answer: sigsuspend
    lang: c
    code: |
      for (;;) { sigsuspend(&set); }
    explanation: e
"""


def test_code_after_shows_the_snippet_with_the_feedback_instead_of_warning() -> None:
    """A snippet that must show the answer is marked rather than silenced: the
    snippet rule no longer applies to it, and the model carries the mark."""
    assert any("gives the answer away" in m for m in _warnings(_deck(SLEEP_SNIPPET)))
    marked = SLEEP_SNIPPET.replace("    lang: c\n", "    lang: c\n    code_after: true\n")
    deck, diags = parse_deck(_deck(marked), "d.yaml", "d")
    assert deck is not None and diags == []
    assert deck.questions[0].code_after is True
    assert parse_deck(_deck(SLEEP_SNIPPET), "d.yaml", "d")[0].questions[0].code_after is False


def test_code_after_does_not_excuse_the_prompt() -> None:
    text = SLEEP_SNIPPET.replace(
        "prompt: Which call does the master sleep in?",
        "prompt: Does the master sleep in sigsuspend? Name the call.",
    ).replace("    lang: c\n", "    lang: c\n    code_after: true\n")
    assert [m for m in _warnings(_deck(text)) if "gives the answer away" in m] == [
        "the prompt gives the answer away: it contains `sigsuspend`; reword it"
    ]


def test_a_code_after_snippet_is_not_a_cross_question_leak() -> None:
    """The snippet is shown with the feedback, like the explanation, not before
    any question is answered."""
    other = """  - id: b
    kind: truefalse
    prompt: The master sleeps between signals.
    answer: true
    explanation: e
"""
    leak = other.replace("    explanation: e\n", "    lang: c\n    code: |\n"
                         "      sigsuspend(&set);\n    explanation: e\n")
    assert any("the answer of question `a`" in m for m in _warnings(_deck(SLEEP_SNIPPET, leak)))
    after = leak.replace("    lang: c\n", "    lang: c\n    code_after: true\n")
    assert not any("the answer of question" in m for m in _warnings(_deck(SLEEP_SNIPPET, after)))


NEAR_MISSES = {
    # One identifier part inside a longer name is not the answer.
    "part of a name": """  - id: a
    kind: short
    prompt: What does each NioEventLoop run forever?
    answer: loop
    explanation: e
""",
    # A snippet naming a wrong option too does not say which one is right.
    "right and wrong option": """  - id: a
    kind: choice
    prompt: What does newChild return?
    options: [NioEventLoop, NioEventLoopGroup, DefaultEventLoop]
    answer: NioEventLoop
    lang: java
    code: |
      NioEventLoopGroup group = ...; // builds each NioEventLoop
    explanation: e
""",
    # 1x1, 3x3, 1x1: numbers that are not a count of steps.
    "numbers that do not count": """  - id: a
    kind: order
    prompt: Order a Bottleneck's convolutions.
    items:
      - the conv 1x1 that reduces
      - the conv 3x3 that carries the stride
      - the conv 1x1 that expands
    explanation: e
""",
    # The items appear in the code, but not in the answer's order.
    "items out of order": """  - id: a
    kind: order
    prompt: In what order are the lines logged?
    items: [A before, B before, B after, A after]
    lang: javascript
    code: |
      app.use(async (ctx, next) => { log('A before'); await next(); log('A after'); });
      app.use(async (ctx, next) => { log('B before'); await next(); log('B after'); });
    explanation: e
""",
    # Words under four letters never count.
    "short answer": """  - id: a
    kind: short
    prompt: Which signal does the HUP handler react to, as kill -l names it?
    answer: HUP
    explanation: e
""",
}


@pytest.mark.parametrize("name", list(NEAR_MISSES))
def test_near_misses_are_not_give_aways(name: str) -> None:
    assert _warnings(_deck(NEAR_MISSES[name])) == []


def _short(qid: str, answer: str, prompt: str = "What is it called?") -> str:
    return (f"  - id: {qid}\n    kind: short\n    prompt: {prompt}\n"
            f"    answer: {answer!r}\n    explanation: e\n")


def test_a_word_the_whole_deck_uses_is_vocabulary_not_a_leak() -> None:
    """`module` in three other prompts of a DataParallel deck is its subject; in
    one or two it is a leak. Boolean literals are never one."""
    uses = [_short(f"u{i}", f"thing{i}", f"What does the module compute, step {i}?")
            for i in range(3)]
    asker = _short("prefix", "module")
    assert _warnings(_deck(asker, *uses)) == []
    leaks = _warnings(_deck(asker, *uses[:2]))
    assert len(leaks) == 2 and all("the answer of question `prefix`" in m for m in leaks)
    cloze = ("  - id: c\n    kind: cloze\n    prompt: 'persistent={{c1::False}}'\n"
             "    explanation: e\n")
    strict = _short("s", "shape checks", "What does strict=False skip?")
    assert _warnings(_deck(cloze, strict)) == []


def test_a_prefix_answer_leaks_only_where_it_is_a_prefix() -> None:
    asker = _short("prefix", "module.")
    prose = _short("p", "one", "Who owns the module. Then what?")
    code = _short("q", "two", "What is model.module.counter after a step?")
    assert _warnings(_deck(asker, prose)) == []
    assert any("shows `module.`" in m for m in _warnings(_deck(asker, code)))


def test_authoring_rules_run_for_lint_not_for_a_study_load(tmp_path, monkeypatch):
    """Give-away warnings are lint's: a cached load (the app, --plain, export) skips
    them, since they cost as much as the rest of the parse; errors are never skipped."""
    monkeypatch.setenv("SRCQUIZ_HOME", str(tmp_path / "home"))
    deck = tmp_path / "leak.yaml"
    deck.write_text(
        "title: Leak\nsources: [s]\nquestions:\n"
        "  - id: q\n    kind: short\n    prompt: Which call does sigsuspend replace?\n"
        "    answer: sigsuspend\n    explanation: The prompt names the answer itself.\n"
    )
    _, linted = load_deck_file(deck)
    assert any("gives the answer away" in d.message for d in linted)
    studied, quiet = load_deck_file(deck, cache=True)
    assert studied is not None and not any("away" in d.message for d in quiet)


def test_a_decks_card_keys_are_worked_out_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The decks screen asks for every deck's keys each time it comes back: each cloze
    is parsed once per deck, and callers get their own list."""
    deck = load_deck(FIXTURES / "deck_all_kinds.yaml")
    first = deck.card_keys()
    parsed = []
    real = kinds.parse_cloze

    def counting(text: str) -> tuple[kinds.Deletion, ...]:
        parsed.append(text)
        return real(text)

    monkeypatch.setattr(kinds, "parse_cloze", counting)
    first.append("changed by a caller")
    again = deck.card_keys()
    assert parsed == [] and "changed by a caller" not in again
    assert again == [k for q in deck.questions for k in q.card_keys()]
    assert parsed  # the questions themselves still work them out (for this check)
