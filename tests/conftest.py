"""Shared test set-up: every test gets its own srcquiz home, never the real one."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent


@pytest.fixture(autouse=True)
def srcquiz_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("srcquiz-home")
    monkeypatch.setenv("SRCQUIZ_HOME", str(home))
    monkeypatch.delenv("SRCQUIZ_DB", raising=False)
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    return home


@pytest.fixture
def home(srcquiz_home: Path) -> Path:
    """The test's srcquiz home (data dir, backups, caches), by its short name."""
    return srcquiz_home


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
