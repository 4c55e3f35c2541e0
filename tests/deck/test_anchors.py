"""`srcquiz anchors list|check` against small fake upstream trees in tests/fixtures/anchors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import tracemalloc
from pathlib import Path

import pytest
from hang_guard import fails_if_it_blocks
from hypothesis import given, settings
from hypothesis import strategies as st

from srcquiz.cli.parser import main
from srcquiz.deck import anchors
from srcquiz.deck.anchors import (
    HELD,
    REFUSED,
    STALE,
    Checkout,
    checkout_version,
    judge,
    symbol_in_file,
    symbol_present,
)
from srcquiz.deck.loader import load_deck
from srcquiz.deck.parts import Anchor

FIXTURES = Path(__file__).parent.parent / "fixtures" / "anchors"
WIDGET = FIXTURES / "decks" / "widget.yaml"


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SRCQUIZ_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("SRCQUIZ_DB", raising=False)
    monkeypatch.chdir(FIXTURES)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], str]:
    code = main(["anchors", *argv])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def anchor_at(qid: str) -> str:
    """`decks/widget.yaml:L:C`, where question `qid`'s `anchor:` value starts."""
    lines = WIDGET.read_text().splitlines()
    start = lines.index(f"  - id: {qid}")
    for i in range(start + 1, len(lines)):
        if lines[i].lstrip().startswith("anchor:"):
            return f"decks/widget.yaml:{i + 1}:{lines[i].index('{') + 1}"
    raise AssertionError(f"{qid} has no anchor in the fixture")


def check(capsys, *extra: str, upstream: Path = FIXTURES / "upstream"):
    return run(capsys, "check", "--decks", "decks", "--repo", f"acme/widget={upstream}", *extra)


# -- the whole-word rule -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "symbol", "present"),
    [
        ("int engine_start(int n)", "engine_start", True),
        ("void engine_stop_all(void)", "engine_stop", False),
        ("x = my_engine_start;", "engine_start", False),
        ("call2engine_start()", "engine_start", False),
        ("#define ENGINE_MAX 4", "ENGINE_MAX", True),
        ("(engine_start)", "engine_start", True),
        ("def __setattr__(self, name, value):", "__setattr__", True),
        ("a.b", "a.b", True),
        ("axb", "a.b", False),  # the symbol is literal text, not a regex
        ("Ünïcode engine_start", "engine_start", True),
    ],
)
def test_symbol_must_appear_as_a_whole_word(text: str, symbol: str, present: bool) -> None:
    assert symbol_present(text, symbol) is present


# -- reading anchored files: bounded, never blocking ------------------------------

_PIECES = st.sampled_from(["eng", "ine", "_start", "engine_start", " ", "(", "x", "é", "\n", "."])


@settings(max_examples=300, deadline=None)
@given(
    text=st.lists(_PIECES, max_size=12).map("".join),
    symbol=st.sampled_from(["engine_start", "e", "a.b", "é"]),
    chunk=st.integers(min_value=1, max_value=9),
)
def test_a_file_read_in_chunks_agrees_with_the_whole_text(text: str, symbol: str, chunk: int):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "f.c"
        path.write_bytes(text.encode("utf-8"))
        assert symbol_in_file(path, symbol, chunk_bytes=chunk) is symbol_present(text, symbol)


def test_an_anchored_file_is_searched_without_reading_it_whole(tmp_path: Path) -> None:
    big = tmp_path / "big.c"
    with big.open("wb") as f:
        f.truncate(24 * 1024 * 1024)  # sparse: 24 MB of zero bytes, then the symbol
        f.seek(0, os.SEEK_END)
        f.write(b"\nint engine_start;\n")
    co = Checkout("acme/widget", tmp_path)
    tracemalloc.start()
    try:
        assert judge(Anchor("acme/widget", "big.c", "engine_start"), co) == (HELD, "")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024


def test_an_anchored_file_over_the_limit_is_refused_in_one_sentence(tmp_path: Path) -> None:
    huge = tmp_path / "huge.c"
    with huge.open("wb") as f:
        f.truncate(8 * 1024**3)  # sparse: takes no disk, and would take 8 GB to read whole
    status, message = judge(
        Anchor("acme/widget", "huge.c", "engine_start"), Checkout("acme/widget", tmp_path)
    )
    assert status == REFUSED
    assert message.startswith("huge.c in acme/widget is 8192 MB;") and "not searched" in message


def test_a_lower_limit_applies_to_anchored_files(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(anchors, "MAX_ANCHOR_BYTES", 1024)
    (tmp_path / "a.c").write_text("int engine_start;\n" * 100)
    status, message = judge(
        Anchor("acme/widget", "a.c", "engine_start"), Checkout("acme/widget", tmp_path)
    )
    assert status == REFUSED and "not searched" in message


def test_a_named_pipe_as_the_anchored_file_is_refused_not_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.c")
    with fails_if_it_blocks():
        status, message = judge(
            Anchor("acme/widget", "pipe.c", "engine_start"), Checkout("acme/widget", tmp_path)
        )
    assert (status, message) == (
        REFUSED,
        "pipe.c is a named pipe (FIFO) in acme/widget, not a file; it was not read",
    )


def test_a_named_pipe_in_the_checkout_does_not_stop_the_hints(capsys, tmp_path: Path) -> None:
    upstream = tmp_path / "upstream"
    shutil.copytree(FIXTURES / "upstream", upstream)
    expected = check(capsys, upstream=upstream)
    os.mkfifo(upstream / "src" / "pipe.c")  # scanned for hints: same suffix as the anchors
    os.mkfifo(upstream / "src" / "old_name.c")  # a stale anchor's file, read for its hint
    with fails_if_it_blocks():
        code, out, _ = check(capsys, upstream=upstream)
    assert code == 1
    renamed = anchor_at("stale-renamed")
    assert out == [
        f"{renamed}: refused: src/old_name.c is a named pipe (FIFO) in acme/widget, not a "
        "file; it was not read"
        if line.startswith(f"{renamed}:")
        else line
        for line in expected[1]
    ]


# -- verdicts for each kind of upstream change ----------------------------------


def test_each_fixture_anchor_gets_the_right_verdict(capsys) -> None:
    code, out, err = check(capsys)
    assert code == 1
    stale = [line for line in out if ": stale: " in line]
    assert stale == [
        f"{anchor_at('stale-renamed')}: stale: src/old_name.c no longer exists in acme/widget "
        "(`spawn_worker` is in src/new_name.c)",
        f"{anchor_at('stale-removed')}: stale: engine_reload not found in src/engine.c",
        f"{anchor_at('stale-substring')}: stale: engine_stop not found in src/engine.c "
        "(only inside a longer name such as `engine_stop_all`)",
        f"{anchor_at('stale-moved')}: stale: moved_helper not found in src/engine.c "
        "(`moved_helper` is in src/helpers.c)",
        f"{anchor_at('stale-file-moved')}: stale: src/codec.c no longer exists in acme/widget "
        "(a file of that name is at lib/codec.c)",
    ]
    # held-start, held-macro, held-file-only, and the two anchors of widget-clean
    assert "checked 10 anchors: 5 held, 5 stale" in err
    assert "skipped 1 with no --repo given (acme/vendored: 1)" in err


def test_all_anchors_holding_exits_zero(capsys) -> None:
    code, out, err = check(capsys, "widget-clean")
    assert code == 0
    assert not [line for line in out if "stale" in line]
    assert "checked 2 anchors: 2 held, 0 stale" in err


def test_a_file_whose_symbol_was_removed_goes_stale_after_an_edit(capsys, tmp_path) -> None:
    upstream = tmp_path / "upstream"
    shutil.copytree(FIXTURES / "upstream", upstream)
    assert check(capsys, "widget-clean", upstream=upstream)[0] == 0
    helpers = upstream / "src" / "helpers.c"
    helpers.write_text(helpers.read_text().replace("moved_helper", "moved_helper_v2"))
    code, out, _ = check(capsys, "widget-clean", upstream=upstream)
    assert code == 1
    assert out == [
        "decks/widget-clean.yaml:16:13: stale: moved_helper not found in src/helpers.c "
        "(only inside a longer name such as `moved_helper_v2`)"
    ]


def test_judge_reads_invalid_utf8_with_replacement(tmp_path: Path) -> None:
    (tmp_path / "latin1.c").write_bytes(b"/* caf\xe9 */\nint latin_symbol;\n")
    co = Checkout("acme/widget", tmp_path)
    assert judge(Anchor("acme/widget", "latin1.c", "latin_symbol"), co) == (HELD, "")
    # The undecodable byte becomes U+FFFD, which is not part of a word.
    assert judge(Anchor("acme/widget", "latin1.c", "caf"), co) == (HELD, "")
    assert judge(Anchor("acme/widget", "latin1.c", "café"), co)[0] == STALE


def test_a_symbol_on_a_folder_is_stale(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    co = Checkout("acme/widget", tmp_path)
    assert judge(Anchor("acme/widget", "src"), co) == (HELD, "")
    status, message = judge(Anchor("acme/widget", "src", "main"), co)
    assert status == STALE and "is a folder" in message


# -- paths that leave the checkout ----------------------------------------------


@pytest.mark.parametrize("path", ["../outside.c", "src/../../outside.c", "/etc/passwd"])
def test_paths_escaping_the_checkout_are_refused(tmp_path: Path, path: str) -> None:
    root = tmp_path / "checkout"
    root.mkdir()
    (tmp_path / "outside.c").write_text("int secret;\n")
    status, message = judge(Anchor("acme/widget", path, "secret"), Checkout("acme/widget", root))
    assert status == REFUSED
    assert "escapes the acme/widget checkout" in message


def test_a_symlink_out_of_the_checkout_is_refused(capsys, tmp_path: Path) -> None:
    upstream = tmp_path / "upstream"
    shutil.copytree(FIXTURES / "upstream", upstream)
    outside = tmp_path / "elsewhere.c"
    outside.write_text("int moved_helper;\n")
    (upstream / "src" / "helpers.c").unlink()
    (upstream / "src" / "helpers.c").symlink_to(outside)
    code, out, err = check(capsys, "widget-clean", upstream=upstream)
    assert code == 1
    assert out == [
        "decks/widget-clean.yaml:16:13: refused: path src/helpers.c leads out of the "
        "acme/widget checkout through a symlink"
    ]
    assert "1 held, 0 stale, 1 refused" in err


def test_checkout_file_names_cannot_forge_or_colour_a_line(capsys, tmp_path: Path) -> None:
    """Hints list file names from the checkout; a name holding a newline printed a
    line of its own (a forged verdict), one holding ESC a terminal command."""
    upstream = tmp_path / "upstream"
    shutil.copytree(FIXTURES / "upstream", upstream)
    forged = "x\ndecks/widget.yaml:1:1: held: forged\n\x1b[2J"
    (upstream / forged).mkdir(parents=True)
    (upstream / forged / "codec.c").write_text("int codec;\n")
    code, out, err = check(capsys, upstream=upstream)
    assert code == 1
    assert not [line for line in out if ": held: " in line.split(" (")[0]]
    assert all(line.startswith("decks/widget.yaml:") for line in out), out
    assert not any("\x1b" in line for line in out + err.splitlines())
    [moved] = [line for line in out if line.startswith(anchor_at("stale-file-moved"))]
    assert moved.endswith(
        "(a file of that name is at lib/codec.c, "
        "x\\ndecks/widget.yaml:1:1: held: forged\\n\\x1b[2J/codec.c)"
    )


def test_the_loader_already_refuses_dotdot_in_deck_anchors(tmp_path: Path) -> None:
    deck = tmp_path / "bad.yaml"
    deck.write_text(
        "title: t\nsources: [s]\nquestions:\n  - id: q\n    kind: truefalse\n"
        "    prompt: p\n    answer: true\n    explanation: e\n"
        "    anchor: {repo: acme/widget, path: ../x.c}\n"
    )
    from srcquiz.deck.diagnostics import DeckError

    with pytest.raises(DeckError, match="must be relative to the repository root"):
        load_deck(deck)


# -- versions -------------------------------------------------------------------


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c",
         "commit.gpgsign=false", "-c", "tag.gpgsign=false", *args],
        cwd=root, check=True, capture_output=True,
    )  # fmt: skip


def _tagged_checkout(root: Path, tag: str, engine_c: str | None = None) -> Path:
    shutil.copytree(FIXTURES / "upstream", root)
    if engine_c is not None:
        (root / "src" / "engine.c").write_text(engine_c)
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "fake upstream")
    _git(root, "tag", tag)
    return root


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_version_mismatch_is_a_note_but_content_decides(capsys, tmp_path: Path) -> None:
    upstream = _tagged_checkout(tmp_path / "upstream", "v1.0")
    version = checkout_version(upstream)
    assert version is not None and version.matches("v1.0") and not version.matches("v0.9")
    assert version.matches(version.commit[:7]) and not version.matches(version.commit[:6])
    code, out, err = check(capsys, "widget", upstream=upstream)
    notes = [line for line in out if ": note: " in line]
    # The deck anchors v1.0 (the checkout's tag): no note; held-macro says v0.9: one note.
    assert notes == [
        f"{anchor_at('held-macro')}: note: anchors name acme/widget v0.9, but the checkout "
        f"is at v1.0 ({version.commit[:12]}); judged by the file content"
    ]
    assert code == 1 and "3 held, 5 stale" in err  # held-macro still holds by content


def test_a_folder_that_is_not_a_git_top_is_noted_once_per_deck(capsys) -> None:
    # The fixture tree sits inside srcquiz's own repository, so its version is unknown.
    assert checkout_version(FIXTURES / "upstream") is None
    _, out, _ = check(capsys, "widget")
    notes = [line for line in out if ": note: " in line]
    assert len(notes) == 1
    assert "is not the top of a git work tree" in notes[0]
    assert out.index(notes[0]) == 0  # notes come before the deck's stale lines


# -- bad --repo values ----------------------------------------------------------


@pytest.mark.parametrize(
    ("repo", "message"),
    [
        ("nginx", "--repo `nginx` must look like OWNER/NAME=PATH"),
        ("nginx/nginx", "--repo `nginx/nginx` must look like OWNER/NAME=PATH"),
        ("nginx/nginx=", "--repo `nginx/nginx=` must look like OWNER/NAME=PATH"),
        ("=upstream", "--repo `=upstream` must look like OWNER/NAME=PATH"),
        ("acme/widget=no/such/dir", "--repo acme/widget: the checkout folder no/such/dir does"),
        ("acme/widget=decks/widget.yaml", "is a file, not the folder of a checkout"),
    ],
)
def test_bad_repo_values_are_one_sentence(capsys, repo: str, message: str) -> None:
    code, out, err = run(capsys, "check", "--decks", "decks", "--repo", repo)
    assert code != 0
    assert out == []
    assert err.startswith("srcquiz: ") and message in err
    assert "Traceback" not in err and err.count("\n") == 1


def test_no_repo_at_all_is_explained(capsys) -> None:
    code, _, err = run(capsys, "check", "--decks", "decks")
    assert code == 1 and "give at least one checkout" in err


def test_the_same_checkout_twice_is_refused(capsys) -> None:
    code, _, err = run(
        capsys, "check", "--decks", "decks", "--repo", "acme/widget=upstream",
        "--repo", "ACME/Widget=upstream/",
    )  # fmt: skip
    assert code == 1 and "--repo ACME/Widget=upstream is given twice" in err


def test_a_repo_no_anchor_names_gets_a_did_you_mean(capsys) -> None:
    code, _, err = run(
        capsys, "check", "--decks", "decks", "widget-clean", "--repo", "acme/widget=upstream",
        "--repo", "acme/widgit=upstream",
    )  # fmt: skip
    assert code == 0
    assert "no anchor in these decks names acme/widgit (did you mean acme/widget?)" in err


def test_repo_names_match_case_insensitively(capsys) -> None:
    code, _, err = run(capsys, "check", "--decks", "decks", "widget-clean", "--repo",
                       "Acme/Widget=upstream")  # fmt: skip
    assert code == 0 and "2 held" in err


# -- list -----------------------------------------------------------------------


def test_list_counts_anchored_and_names_unanchored_code_questions(capsys) -> None:
    code, out, err = run(capsys, "list", "--decks", "decks")
    assert code == 0
    rows = {line.split()[0]: line for line in out if not line.startswith(" ")}
    assert "9/10" in rows["widget"] and "1 of 10 code question(s) not anchored" in rows["widget"]
    assert "[acme/vendored, acme/widget]" in rows["widget"]
    assert "2/2" in rows["widget-clean"] and "0 of 2 code" in rows["widget-clean"]
    assert "0/3" in rows["essay"] and "2 of 2 code question(s)" in rows["essay"]
    details = [line.strip() for line in out if line.startswith(" ")]
    assert details == [
        "decks/essay.yaml:10:5: not anchored: snippet (has a code snippet)",
        "decks/essay.yaml:17:5: not anchored: tagged (tagged `code`)",
        "decks/widget.yaml:62:5: not anchored: not-anchored (the deck is anchored to acme/widget)",
    ]
    assert "3 deck(s): 11 of 15 question(s) anchored; 3 code question(s) not anchored" in err


def test_list_json_for_selected_decks(capsys) -> None:
    code, out, _ = run(capsys, "list", "--decks", "decks", "--json", "essay", "widget")
    assert code == 0
    data = json.loads("\n".join(out))
    assert [d["id"] for d in data] == ["essay", "widget"]
    essay, widget = data
    assert essay["anchored"] == 0 and essay["code_questions"] == 2 and essay["repos"] == {}
    # "founded" is neither tagged as code nor has a snippet: not a code question.
    assert [u["id"] for u in essay["unanchored_code_questions"]] == ["snippet", "tagged"]
    assert widget["repos"] == {"acme/vendored": 1, "acme/widget": 8}
    assert widget["unanchored_code_questions"] == [
        {
            "id": "not-anchored",
            "line": 62,
            "column": 5,
            "reason": "the deck is anchored to acme/widget",
        }
    ]


def test_unknown_deck_id_is_a_sentence(capsys) -> None:
    code, _, err = run(capsys, "list", "--decks", "decks", "nope")
    assert code == 1 and "no deck with id nope" in err


def test_anchor_position_is_where_the_anchor_is_written() -> None:
    deck = load_deck(WIDGET)
    q = deck.question("held-start")
    assert q is not None and q.anchor is not None
    where = f"decks/widget.yaml:{q.anchor.pos.line}:{q.anchor.pos.column}"
    assert where == anchor_at("held-start")
    assert q.anchor.version == "v1.0" and q.anchor.repo == "acme/widget"  # merged default


def test_list_help_states_the_code_question_rule(capsys) -> None:
    from srcquiz.deck.anchors import CODE_RULE

    with pytest.raises(SystemExit):
        main(["anchors", "list", "--help"])
    assert CODE_RULE in " ".join(capsys.readouterr().out.split())


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_each_anchor_uses_the_checkout_at_its_version(capsys, tmp_path: Path) -> None:
    # v0.9 still had engine_reload but no ENGINE_MAX yet.
    old_engine = "int engine_reload(void);\nint engine_start;\n"
    old = _tagged_checkout(tmp_path / "old", "v0.9", old_engine)
    new = _tagged_checkout(tmp_path / "new", "v1.0")
    code, out, err = run(
        capsys, "check", "--decks", "decks", "widget",
        "--repo", f"acme/widget={old}", "--repo", f"acme/widget={new}",
    )  # fmt: skip
    assert code == 1
    assert not [line for line in out if ": note: " in line]  # every anchor found its version
    stale = [line.split(": stale: ")[1] for line in out if ": stale: " in line]
    assert "ENGINE_MAX not found in src/engine.c" in stale  # held-macro, judged in v0.9
    assert "engine_reload not found in src/engine.c" in stale  # v1.0 anchors, judged in v1.0
    assert "2 held, 6 stale" in err
