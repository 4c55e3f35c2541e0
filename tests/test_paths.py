"""Where srcquiz keeps a user's things follows the environment of the moment, though
the folders are worked out once per environment."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from srcquiz.paths import cache_dir, data_dir, default_db_path


def test_srcquiz_home_moves_every_folder_and_a_change_is_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SRCQUIZ_HOME", str(tmp_path / "a"))
    assert (data_dir(), cache_dir()) == (tmp_path / "a", tmp_path / "a" / "cache")
    monkeypatch.setenv("SRCQUIZ_HOME", str(tmp_path / "b"))
    assert data_dir() == tmp_path / "b"
    assert default_db_path() == tmp_path / "b" / "progress.sqlite3"


@pytest.mark.skipif(sys.platform != "linux", reason="the XDG folders are Linux's")
def test_without_srcquiz_home_the_xdg_folders_are_followed_as_they_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The data and cache folders, and the highlight packs' folder under the cache."""
    from srcquiz.anki import highlight_cache

    monkeypatch.delenv("SRCQUIZ_HOME")
    for name in ("one", "two"):
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / name / "data"))
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / name / "cache"))
        assert data_dir() == tmp_path / name / "data" / "srcquiz"
        assert cache_dir() == tmp_path / name / "cache" / "srcquiz"
        assert highlight_cache.cache_root() == cache_dir() / "highlight"
