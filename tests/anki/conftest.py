"""The sync tests' common start: the all-kinds deck copied into the test's folder, an
empty Anki collection (the "phone") and a progress store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sync_support import deck_copy, new_collection

from srcquiz.progress.store import Store


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[Path, Path, Store]]:
    """(deck file, collection file, open store), the store closed afterwards."""
    deck_path = deck_copy(tmp_path)
    col_path = new_collection(tmp_path / "collection.anki2")
    store = Store.open(tmp_path / "progress.sqlite3")
    yield deck_path, col_path, store
    store.close()
