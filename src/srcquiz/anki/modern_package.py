"""Anki packages in the current format (Anki 2.1.50 and later), for `srcquiz import`.

Anki desktop now writes `collection.anki21b` (a zstd-compressed collection) with
a protobuf media map and zstd-compressed media files, plus a stub legacy
collection that only says "please update Anki". Rather than a second reader of
that format, Anki itself (the optional `anki` package, the one `srcquiz sync`
uses) reads the package into a scratch collection and writes it back in the
legacy format the importer reads; nothing about the learner's own collection
is touched. The package is untrusted input: Anki's importer, not srcquiz,
parses it, and the legacy copy then goes through the importer's own checks.

`srcquiz.anki.importer` can call `legacy_copy` when `is_modern` says so.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from srcquiz.errors import UserError

MODERN_COLLECTION = "collection.anki21b"


def is_modern(package: Path) -> bool:
    """Whether the package holds a collection in the current (zstd) format."""
    try:
        with zipfile.ZipFile(package) as archive:
            return MODERN_COLLECTION in archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return False


def legacy_copy(package: Path, folder: Path) -> Path:
    """The same package in the legacy format, written into `folder` (a scratch folder
    the caller owns and removes); one sentence if the package cannot be read."""
    try:
        from anki.collection import (
            Collection,
            ExportAnkiPackageOptions,
            ImportAnkiPackageOptions,
            ImportAnkiPackageRequest,
        )
        from anki.errors import AnkiException
    except ImportError:
        raise UserError(
            f"{package} is in the format of Anki 2.1.50 and later, which srcquiz reads with "
            "the anki package: install it with pip install 'srcquiz[anki]' (or tick "
            '"Support older Anki versions" when exporting from Anki).'
        ) from None
    out = folder / "legacy.apkg"
    col = Collection(str(folder / "scratch.anki2"))
    try:
        options = ImportAnkiPackageOptions(with_scheduling=False, merge_notetypes=False)
        col.import_anki_package(
            ImportAnkiPackageRequest(package_path=str(package), options=options)
        )
        col.export_anki_package(
            out_path=str(out),
            options=ExportAnkiPackageOptions(
                with_scheduling=False, with_deck_configs=False, with_media=True, legacy=True
            ),
            limit=None,
        )
    except AnkiException as exc:
        detail = " ".join(str(exc).replace("\u2068", "").replace("\u2069", "").split())
        raise UserError(f"cannot read the Anki package {package}: {detail.rstrip('.')}.") from None
    finally:
        col.close()
    return out
