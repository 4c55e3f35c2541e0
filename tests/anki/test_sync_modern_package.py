"""Anki packages in the current format through `srcquiz.anki.modern_package`: the
same YAML as the legacy package of the same collection (the importer can call it)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sync_support import answer_in_anki, card_id, deck_copy, load, open_col

from srcquiz.anki.exporter import export_decks
from srcquiz.anki.importer import import_package
from srcquiz.anki.modern_package import is_modern, legacy_copy
from srcquiz.errors import UserError


def _export(col, out: Path, legacy: bool) -> Path:
    from anki.collection import ExportAnkiPackageOptions

    options = ExportAnkiPackageOptions(
        with_scheduling=True, with_deck_configs=True, with_media=True, legacy=legacy
    )
    col.export_anki_package(out_path=str(out), options=options, limit=None)
    return out


def _yaml(package: Path, out: Path) -> dict[str, str]:
    import_package(package, out)
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(out.glob("*.yaml"))}


def test_a_modern_package_gives_the_same_yaml_as_the_legacy_one(tmp_path) -> None:
    from anki.collection import ImportAnkiPackageRequest

    from srcquiz.anki.exporter import note_guid

    deck_path = deck_copy(tmp_path)
    export_decks([load(deck_path)], tmp_path / "srcquiz.apkg")
    col = open_col(tmp_path / "collection.anki2")
    try:
        col.import_anki_package(
            ImportAnkiPackageRequest(package_path=str(tmp_path / "srcquiz.apkg"))
        )
        note = col.get_note(
            col.db.scalar("SELECT id FROM notes WHERE guid = ?", note_guid("all-kinds", "tf-1"))
        )
        note["Prompt"] = "Workers never handle SIGHUP."  # an edit made in Anki comes along
        col.update_note(note)
        answer_in_anki(col, card_id(col, note.guid), 3)
        legacy = _export(col, tmp_path / "legacy.apkg", legacy=True)
        modern = _export(col, tmp_path / "modern.apkg", legacy=False)
    finally:
        col.close()
    assert is_modern(modern) and not is_modern(legacy)
    expected = _yaml(legacy, tmp_path / "from-legacy")
    assert _yaml(modern, tmp_path / "from-modern") == expected  # srcquiz import reads it
    assert "Workers never handle SIGHUP." in expected["all-kinds.yaml"]


def test_a_damaged_modern_package_gets_one_sentence(tmp_path) -> None:
    import zipfile

    bad = tmp_path / "bad.apkg"
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("collection.anki21b", b"not zstd at all")
        z.writestr("collection.anki2", b"")
    assert is_modern(bad)
    (tmp_path / "scratch").mkdir()
    with pytest.raises(UserError) as caught:
        import_package(legacy_copy(bad, tmp_path / "scratch"), tmp_path / "out")
    assert "\n" not in str(caught.value)
    assert not (tmp_path / "out").exists()
