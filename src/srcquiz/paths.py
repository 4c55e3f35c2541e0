"""Where srcquiz keeps things: bundled decks, user decks, the database, caches.

`SRCQUIZ_HOME` moves every per-user path under one folder (tests use it so they
never touch the real home directory); `SRCQUIZ_DB` overrides the database alone.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

APP = "srcquiz"
# What the per-user folders depend on: platformdirs works them out from these on
# every call, and start-up asks twice per deck (its cache entry, the entry's key).
_FOLDER_ENV = ("SRCQUIZ_HOME", "HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "APPDATA",
               "LOCALAPPDATA")  # fmt: skip


def bundled_decks_dir() -> Path:
    """The repository's `decks/` (editable install) or the copy shipped in the package."""
    here = Path(__file__).resolve().parent
    repo_decks = here.parent.parent / "decks"
    if repo_decks.is_dir():
        return repo_decks
    return here / "decks"


def data_dir() -> Path:
    return _folders(*map(os.environ.get, _FOLDER_ENV))[0]


def cache_dir() -> Path:
    return _folders(*map(os.environ.get, _FOLDER_ENV))[1]


@lru_cache(maxsize=8)
def _folders(home: str | None, *_rest: str | None) -> tuple[Path, Path]:
    """The data and cache folders for this environment (`_FOLDER_ENV`'s values)."""
    if home:
        return Path(home), Path(home) / "cache"
    import platformdirs

    return (
        Path(platformdirs.user_data_dir(APP, appauthor=False)),
        Path(platformdirs.user_cache_dir(APP, appauthor=False)),
    )


def user_decks_dir() -> Path:
    return data_dir() / "decks"


def default_db_path() -> Path:
    env = os.environ.get("SRCQUIZ_DB")
    if env:
        return Path(env)
    return data_dir() / "progress.sqlite3"


def default_deck_dirs() -> list[Path]:
    dirs = [bundled_decks_dir()]
    user = user_decks_dir()
    if user.is_dir():
        dirs.append(user)
    return dirs
