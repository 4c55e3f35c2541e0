"""The study engine's tests share a store in the test's folder and the engine fixture
deck (one question of every kind)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from srcquiz.deck.loader import load_deck
from srcquiz.deck.model import Deck
from srcquiz.progress.store import Store

ENGINE_KINDS = Path(__file__).parent.parent / "fixtures" / "engine_kinds.yaml"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "progress.sqlite3")
    yield s
    s.close()


@pytest.fixture
def deck() -> Deck:
    return load_deck(ENGINE_KINDS)
