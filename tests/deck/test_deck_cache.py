"""The deck cache: unchanged decks come back identical; anything doubtful is reparsed."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hang_guard import fails_if_it_blocks

from srcquiz.deck import cache as deck_cache
from srcquiz.deck import vocabulary
from srcquiz.deck.cache_decode import KindTable, kind_tables
from srcquiz.deck.loader import Diagnostic, load_deck_file, load_decks
from srcquiz.deck.model import KINDS

FIXTURES = Path(__file__).parent.parent / "fixtures"


@pytest.fixture
def deck_path(tmp_path: Path) -> Path:
    p = tmp_path / "all-kinds.yaml"
    shutil.copy(FIXTURES / "deck_all_kinds.yaml", p)
    return p


def _entries() -> list[Path]:
    root = deck_cache.cache_root()
    found = root.glob("*.json") if root.exists() else []
    return sorted(p for p in found if not p.name.startswith("."))  # not temp files


def test_second_load_is_a_hit_and_identical(deck_path: Path, monkeypatch) -> None:
    first, diags1 = load_deck_file(deck_path, cache=True)
    assert first is not None and len(_entries()) == 1
    monkeypatch.setattr("srcquiz.deck.loader.parse_deck", _must_not_parse)
    second, diags2 = load_deck_file(deck_path, cache=True)
    assert second == first and diags2 == diags1
    assert [q.pos for q in second.questions] == [q.pos for q in first.questions]
    assert second.path == str(deck_path)


def _must_not_parse(*args, **kwargs):
    raise AssertionError("parsed although the cache should have answered")


def test_changed_content_is_reparsed_even_with_same_size_and_mtime(deck_path: Path) -> None:
    load_deck_file(deck_path, cache=True)
    st = deck_path.stat()
    text = deck_path.read_text(encoding="utf-8").replace("Manages workers.", "Manages worker!.")
    deck_path.write_text(text, encoding="utf-8")
    os.utime(deck_path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert deck_path.stat().st_size == st.st_size
    deck, _ = load_deck_file(deck_path, cache=True)
    assert deck is not None and deck.questions[0].answer == "Manages worker!."


def test_corrupt_entry_is_ignored_and_rebuilt(deck_path: Path) -> None:
    good, _ = load_deck_file(deck_path, cache=True)
    for garbage in (b"{not json", b'{"fingerprint": 1}', b"\x00\xff" * 10, b"[]"):
        _entries()[0].write_bytes(garbage)
        deck, _ = load_deck_file(deck_path, cache=True)
        assert deck == good
    # ...and the rebuilt entry is valid again.
    assert (
        deck_cache._read(
            _entries()[0], deck_cache._fingerprint(deck_path, deck_path.read_bytes()), deck_path
        )
        is not None
    )


def _first_row(doc: dict, kind: str) -> dict:
    return doc["rows"][doc["kinds"].index(KINDS.index(kind))]


def kind_table(kind: str) -> KindTable:
    return kind_tables()[KINDS.index(kind)]


def _set(kind: str, field: str, value: object) -> Callable[[dict], None]:
    """Set the field of the first question of `kind`, in its row (plain fields) or its
    kind's column (the others; a column left out at its default is filled in)."""

    def edit(doc: dict) -> None:
        if field in kind_table(kind).row_fields:
            _first_row(doc, kind)[field] = value
            return
        columns = doc["columns"][KINDS.index(kind)]
        i = kind_table(kind).fields.index(field)
        if columns[i] is None:  # every question had the default: the column was left out
            columns[i] = [value] * doc["kinds"].count(KINDS.index(kind))
        columns[i][0] = value

    return edit


def _drop(kind: str, field: str) -> Callable[[dict], None]:
    def edit(doc: dict) -> None:
        if field in kind_table(kind).row_fields:
            del _first_row(doc, kind)[field]
        else:
            doc["columns"][KINDS.index(kind)][kind_table(kind).fields.index(field)] = None

    return edit


# Entries lint never saw: each would build a question that could crash a session
# or that the deck file does not hold.
HAND_MADE = {
    "choice answer out of range": _set("choice", "correct", [99]),
    "prompt not text": _set("card", "prompt", 5),
    "tags a string": _set("short", "tags", "abc"),
    "tag not text": _set("short", "tags", [1]),
    "id with a #": _set("card", "id", "a#b"),
    "id with a newline": _set("card", "id", "q\n"),
    "id used twice": lambda doc: _set("card", "id", _first_row(doc, "short")["id"])(doc),
    "number not finite": _set("number", "answer", float("nan")),
    "number as text": _set("number", "answer", "16"),
    "truefalse as text": _set("truefalse", "answer", "true"),
    "position cut short": _set("card", "pos", [1]),
    "anchor cut short": _set("card", "anchor", ["acme/widget", "x.c"]),
    "pair of one": _set("match", "pairs", [["a"]]),
    "order items not a list": _set("order", "items", {"a": 1}),
    "one column longer": lambda doc: doc["columns"][KINDS.index("card")][
        kind_table("card").fields.index("pos")
    ].append([1, 1]),
    "one row more": lambda doc: doc["rows"].append({"id": "x", "prompt": "y"}),
    "required field left out": _drop("card", "prompt"),
    "required column left out": _drop("choice", "options"),
    "a field the model lacks": lambda doc: _first_row(doc, "card").__setitem__("injected", "x"),
    "a row not an object": lambda doc: doc["rows"].__setitem__(0, ["q", "p"]),
    "unknown kind": lambda doc: doc["kinds"].append(99),
    "kind as a boolean": lambda doc: doc["kinds"].__setitem__(0, True),
    "deck shuffle as text": lambda doc: doc["deck"].__setitem__("shuffle", "yes"),
    "deck tags a string": lambda doc: doc["deck"].__setitem__("tags", "abc"),
    "diagnostic severity": lambda doc: doc["diags"].append([1, 1, "fatal", "x"]),
}


@pytest.mark.parametrize("edit", HAND_MADE.values(), ids=HAND_MADE.keys())
def test_entry_that_does_not_fit_the_model_is_a_miss(
    deck_path: Path, edit: Callable[[dict], None]
) -> None:
    good, diags = load_deck_file(deck_path, cache=True)
    entry = _entries()[0]
    doc = deck_cache.entry_doc(entry.read_bytes())
    edit(doc)
    entry.write_text(json.dumps(doc), "utf-8")
    assert deck_cache._read(entry, doc["fingerprint"], deck_path) is None
    deck, again = load_deck_file(deck_path, cache=True)
    assert deck == good and again == diags


@pytest.mark.parametrize("edit", HAND_MADE.values(), ids=HAND_MADE.keys())
def test_the_write_time_check_refuses_what_does_not_fit(
    deck_path: Path, edit: Callable[[dict], None]
) -> None:
    """The structure is checked once, when an entry is written: these checks are what
    the MAC then vouches for."""
    load_deck_file(deck_path, cache=True)
    doc = deck_cache.entry_doc(_entries()[0].read_bytes())
    deck_cache.decode(doc, str(deck_path), checked=True)  # as written: fits
    edit(doc)
    with pytest.raises((ValueError, TypeError, KeyError, IndexError)):
        deck_cache.decode(doc, str(deck_path), checked=True)


def _resign(entry: Path, doc: dict, key: bytes) -> None:
    """Write `doc` as an entry signed with `key`, exactly as the cache lays one out."""
    entry.write_bytes(deck_cache.entry_bytes(doc, key))


def test_a_forged_entry_without_the_secret_is_a_miss(deck_path: Path) -> None:
    """A planted entry that fits the layout and carries a MAC made with any key but
    this user's (here a guessed one) is refused and the deck parsed again."""
    good, _ = load_deck_file(deck_path, cache=True)
    entry = _entries()[0]
    doc = deck_cache.entry_doc(entry.read_bytes())
    _set("choice", "correct", [99])(doc)
    _resign(entry, doc, b"\0" * 32)
    assert deck_cache._read(entry, doc["fingerprint"], deck_path) is None
    deck, _ = load_deck_file(deck_path, cache=True)
    assert deck == good
    # The same layout signed with the real secret is read: the MAC is what decides.
    doc = deck_cache.entry_doc(entry.read_bytes())
    _set("card", "prompt", "signed by this user")(doc)
    _resign(entry, doc, deck_cache._key())
    hit = deck_cache._read(entry, doc["fingerprint"], deck_path)
    assert hit is not None and hit[0] is not None
    assert hit[0].questions[0].prompt == "signed by this user"


def test_the_secret_is_private_and_outside_the_cache(deck_path: Path, srcquiz_home: Path) -> None:
    load_deck_file(deck_path, cache=True)
    key = srcquiz_home / deck_cache.KEY_NAME
    assert key.is_file() and key.stat().st_mode & 0o077 == 0
    assert deck_cache.cache_root() not in key.parents
    assert len(key.read_bytes()) == 32
    assert deck_cache._key() == key.read_bytes()


def test_a_code_change_under_the_same_version_invalidates_entries(
    deck_path: Path, tmp_path: Path, srcquiz_home: Path
) -> None:
    """A parser fix shipped without a version bump must still reach cached decks."""
    package = Path(deck_cache.__file__).parent.parent
    before, after = tmp_path / "before", tmp_path / "after"
    for copy in (before, after):
        shutil.copytree(package, copy / "srcquiz", ignore=shutil.ignore_patterns("__pycache__"))
    (after / "srcquiz" / "deck" / "parser.py").open("a").write(
        "\n_parse_deck = parse_deck\n\n\n"
        "def parse_deck(text, path, default_id, **kw):  # a stricter parser, same __version__\n"
        "    return None, [Diagnostic(path, 1, 1, 'error', 'refused by the new rules')]\n"
    )
    probe = (
        "import sys; from pathlib import Path; from srcquiz.deck.loader import load_deck_file\n"
        "deck, diags = load_deck_file(Path(sys.argv[1]), cache=True)\n"
        "print(deck is not None, [d.message for d in diags])"
    )

    def load_with(code: Path) -> str:
        env = {**os.environ, "PYTHONPATH": str(code), "SRCQUIZ_HOME": str(srcquiz_home)}
        run = subprocess.run(
            [sys.executable, "-c", probe, str(deck_path)],
            capture_output=True, text=True, env=env, check=True,
        )  # fmt: skip
        return run.stdout.strip()

    assert load_with(before) == "True []"
    assert load_with(after) == "False ['refused by the new rules']"


def test_a_named_pipe_in_the_cache_is_a_miss(deck_path: Path) -> None:
    good, _ = load_deck_file(deck_path, cache=True)
    entry = _entries()[0]
    entry.unlink()
    os.mkfifo(entry)
    with fails_if_it_blocks():
        deck, _ = load_deck_file(deck_path, cache=True)
    assert deck == good
    assert entry.is_file()  # replaced by a real entry


def test_an_entry_over_the_size_limit_is_not_read(deck_path: Path, monkeypatch) -> None:
    load_deck_file(deck_path, cache=True)
    monkeypatch.setattr(deck_cache, "MAX_ENTRY_BYTES", 1024)
    monkeypatch.setattr("srcquiz.deck.loader.parse_deck", _refused)
    deck, diags = load_deck_file(deck_path, cache=True)
    assert deck is None and diags[0].message == "parsed again"


def _refused(text: str, path: str, default_id: str, **kw: object):
    return None, [Diagnostic(path, 1, 1, "error", "parsed again")]


def test_temp_files_of_killed_writes_are_swept(deck_path: Path) -> None:
    root = deck_cache.cache_root()
    root.mkdir(parents=True)
    killed = root / ".tmp-killed.json"
    killed.write_bytes(b"{" * 1000)
    two_hours_ago = time.time() - 7200
    os.utime(killed, (two_hours_ago, two_hours_ago))
    writing = root / ".tmp-another-process.json"  # a write going on right now
    writing.write_bytes(b"{")
    load_deck_file(deck_path, cache=True)
    assert sorted(p.name for p in root.iterdir()) == sorted([writing.name, _entries()[0].name])


def test_a_failed_write_leaves_no_temp_file(deck_path: Path, monkeypatch) -> None:
    real_fdopen = os.fdopen

    class FullDisk(io.BufferedWriter):
        def write(self, data: object) -> int:
            super().write(b'{"fingerprint":')
            raise OSError(28, "No space left on device")

    def fdopen(fd: int, mode: str = "r", *args: object, **kwargs: object) -> object:
        if mode != "wb":  # reads go on as usual
            return real_fdopen(fd, mode, *args, **kwargs)
        return FullDisk(real_fdopen(fd, mode, buffering=0))

    deck_cache._key()  # the secret is made before the disk fills
    monkeypatch.setattr(deck_cache.os, "fdopen", fdopen)
    deck, _ = load_deck_file(deck_path, cache=True)
    assert deck is not None
    assert list(deck_cache.cache_root().iterdir()) == []


def test_unwritable_cache_dir_still_loads(deck_path: Path, monkeypatch, tmp_path: Path) -> None:
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    monkeypatch.setattr(deck_cache, "cache_root", lambda: blocker / "decks")
    deck, diags = load_deck_file(deck_path, cache=True)
    assert deck is not None and not diags


def test_broken_deck_is_never_cached(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    shutil.copy(FIXTURES / "lint" / "duplicate_id.yaml", bad)
    for _ in range(2):
        decks, diags = load_decks([bad], cache=True)
        assert decks == [] and "duplicate question id" in diags[0].message
    assert _entries() == []


def test_positions_survive_the_cache(deck_path: Path) -> None:
    cold, _ = load_deck_file(deck_path, cache=True)
    warm, _ = load_deck_file(deck_path, cache=True)
    pairs = [(c.anchor, w.anchor) for c, w in zip(cold.questions, warm.questions, strict=True)]
    assert any(c is not None for c, _ in pairs)
    for c, w in pairs:
        assert (c and c.pos) == (w and w.pos)
    assert (cold.anchor and cold.anchor.pos) == (warm.anchor and warm.anchor.pos)


def test_a_warm_load_brings_the_vocabulary_without_reading_the_texts(
    deck_path: Path, monkeypatch
) -> None:
    """Grading's known terms come with the deck from its entry: nothing is tokenized."""
    cold, _ = load_deck_file(deck_path, cache=True)
    assert cold is not None
    expected = vocabulary.vocabulary(cold.questions)
    assert expected  # the fixture names terms
    vocabulary._DECK_CACHE.clear()

    def must_not_tokenize(questions: object) -> dict[str, str]:
        raise AssertionError("the vocabulary was gathered again on a warm load")

    monkeypatch.setattr(vocabulary, "vocabulary", must_not_tokenize)
    warm, _ = load_deck_file(deck_path, cache=True)
    assert warm is not None and warm is not cold
    got = vocabulary.deck_vocabulary(warm)
    assert got == expected and list(got) == list(expected)  # same terms, same first spellings


def test_an_entry_whose_vocabulary_was_edited_is_a_miss(deck_path: Path) -> None:
    load_deck_file(deck_path, cache=True)
    entry = _entries()[0]
    raw = entry.read_bytes()
    doc = deck_cache.entry_doc(raw)
    doc["vocab"]["sigterm"] = "SIGKILL"
    forged = deck_cache.entry_bytes(doc, b"\0" * 32)[: -deck_cache._MAC_TAIL] + raw[
        -deck_cache._MAC_TAIL :
    ]  # the vocabulary edited, the MAC kept
    assert forged != raw and deck_cache.entry_doc(forged)["vocab"]["sigterm"] == "SIGKILL"
    entry.write_bytes(forged)
    assert deck_cache._read(entry, doc["fingerprint"], deck_path) is None


def _counting_reads(monkeypatch) -> list[Path]:
    from srcquiz.deck import loader

    reads: list[Path] = []
    real = loader.read_deck_bytes

    def counting(path: Path) -> tuple[bytes | None, Diagnostic | None]:
        reads.append(path)
        return real(path)

    monkeypatch.setattr(loader, "read_deck_bytes", counting)
    return reads


def test_an_unchanged_settled_deck_is_not_even_read(deck_path: Path, monkeypatch) -> None:
    """A deck whose size, times, inode and device are those its entry recorded, and
    that was last changed well before it was read for the entry, comes from the entry
    without its bytes being read or hashed."""
    monkeypatch.setattr(deck_cache, "RACY_NS", 0)  # as if the file were hours old
    first, _ = load_deck_file(deck_path, cache=True)
    reads = _counting_reads(monkeypatch)
    monkeypatch.setattr("srcquiz.deck.loader.parse_deck", _must_not_parse)
    again, _ = load_deck_file(deck_path, cache=True)
    assert again == first and reads == []


def test_a_deck_changed_just_before_it_was_cached_is_always_hashed(
    deck_path: Path, monkeypatch
) -> None:
    """Racily clean (as git calls it): an edit within the same coarse timestamp tick
    could keep every stat field, so such an entry is checked by content each time."""
    first, _ = load_deck_file(deck_path, cache=True)  # the fixture was copied just now
    reads = _counting_reads(monkeypatch)
    again, _ = load_deck_file(deck_path, cache=True)
    assert again == first and reads == [deck_path]


def test_a_warm_load_decodes_no_question_until_one_is_asked_for(deck_path: Path) -> None:
    """The decks screen's numbers (card keys, counts) come from the entry's head; one
    question is decoded with its chunk; every question on first access to `questions`;
    each way gives what the deck file says."""
    cold, _ = load_deck_file(deck_path, cache=True)
    warm, _ = load_deck_file(deck_path, cache=True)
    assert isinstance(warm, deck_cache.LazyDeck) and not isinstance(cold, deck_cache.LazyDeck)
    assert warm._decoded() is None
    assert warm.card_keys() == cold.card_keys() and warm.keyed_count() == cold.keyed_count()
    assert warm.counts_by_kind() == cold.counts_by_kind()
    assert warm.question_count() == len(cold.questions)
    last = cold.questions[-1]
    assert warm.question(last.id) == last and warm.question("no-such-id") is None
    assert warm.question_at(0) == cold.questions[0]
    assert warm._decoded() is None  # one chunk each, not the deck
    cards = [cold.card_at(i) for i in range(cold.card_count())]
    assert [warm.card_at(i) for i in range(warm.card_count())] == cards
    assert [key for key, _ in cards] == cold.card_keys()
    assert warm.questions == cold.questions and warm == cold and cold == warm
    assert warm.question(last.id) == last and hash(warm) == hash(cold)


def test_chunks_split_and_merge_back_to_the_whole_doc(deck_path: Path, monkeypatch) -> None:
    """A deck longer than a chunk: every question comes back, in order, by any way in."""
    from srcquiz.deck import lazy_deck

    monkeypatch.setattr(lazy_deck, "CHUNK", 3)
    cold, _ = load_deck_file(deck_path, cache=True)
    assert cold is not None and len(cold.questions) > 2 * lazy_deck.CHUNK
    doc = deck_cache.entry_doc(_entries()[0].read_bytes())
    assert len(doc["at"]) - 2 == -(-len(cold.questions) // 3)  # chunks of three
    warm, _ = load_deck_file(deck_path, cache=True)
    assert [warm.question_at(i) for i in range(len(cold.questions))] == list(cold.questions)
    assert warm.questions == cold.questions


def test_a_deck_of_one_card_a_question_finds_card_i_as_question_i(tmp_path: Path) -> None:
    """Card keys equal to the ids are left out of the head; card i is question i."""
    path = tmp_path / "plain.yaml"
    lines = ["title: Plain", "questions:"]
    lines += [f"  - {{id: q{i}, kind: short, prompt: p {i}, answer: a {i}}}" for i in range(7)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cold, _ = load_deck_file(path, cache=True)
    warm, _ = load_deck_file(path, cache=True)
    assert cold is not None and isinstance(warm, deck_cache.LazyDeck)
    assert deck_cache.entry_doc(_entries()[0].read_bytes())["keys"] is None
    assert [warm.card_at(i) for i in range(7)] == [(q.id, q) for q in cold.questions]
    assert warm.card_keys() == cold.card_keys() == [f"q{i}" for i in range(7)]


@pytest.mark.parametrize(
    "vocab",
    [
        {},
        {"a": "A"},
        {"epoll": "epoll", "sigsuspend": "sigsuspend()"},
        {"x": "two\nlines", "y": "Y"},  # a newline: kept as a dict
    ],
)
def test_the_vocabulary_comes_back_as_written_in_order(vocab: dict[str, str]) -> None:
    from srcquiz.deck import lazy_deck

    back = lazy_deck._unpacked(json.loads(json.dumps(lazy_deck._packed(vocab))))
    assert back == vocab and list(back) == list(vocab)
