"""The deck cache: unchanged decks come back identical; anything doubtful is reparsed."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from srcquiz.deck import cache as deck_cache
from srcquiz.deck.loader import load_deck_file, load_decks

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def deck_path(tmp_path: Path) -> Path:
    p = tmp_path / "all-kinds.yaml"
    shutil.copy(FIXTURES / "deck_all_kinds.yaml", p)
    return p


def _entries() -> list[Path]:
    root = deck_cache.cache_root()
    return sorted(root.glob("*.json")) if root.exists() else []


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


def test_entry_that_does_not_fit_the_model_is_a_miss(deck_path: Path) -> None:
    good, _ = load_deck_file(deck_path, cache=True)
    entry = _entries()[0]
    entry.write_text(entry.read_text().replace('"questions":[[', '"questions":[[0,'), "utf-8")
    deck, _ = load_deck_file(deck_path, cache=True)
    assert deck == good


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
