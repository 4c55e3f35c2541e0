"""Hostile deck files: whatever the bytes, the loader returns a deck or located errors.
Hostile Anki packages: whatever their collection holds, `srcquiz import` writes decks
or refuses in one sentence, and writes nothing outside its output folder.

`make fuzz` runs these with many more examples (SRCQUIZ_FUZZ=long).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import time
import zipfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from srcquiz.anki.exporter import export_decks
from srcquiz.anki.importer import import_package
from srcquiz.anki.note_types import NOTE_TYPES
from srcquiz.anki.package import copied_media_name
from srcquiz.deck.diagnostics import Diagnostic
from srcquiz.deck.loader import load_deck, load_deck_file, parse_deck
from srcquiz.deck.model import KINDS
from srcquiz.errors import UserError

LONG = os.environ.get("SRCQUIZ_FUZZ") == "long"
SETTINGS = settings(
    max_examples=5000 if LONG else 150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _check(deck, diags: list[Diagnostic]) -> None:
    assert deck is not None or any(d.severity == "error" for d in diags)
    for d in diags:
        assert isinstance(d, Diagnostic) and d.message and d.severity in ("error", "warning")
        assert d.line >= 0 and d.column >= 0


@SETTINGS
@given(st.binary(max_size=2000))
def test_random_bytes(tmp_path_factory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "deck.yaml"
    path.write_bytes(data)
    start = time.perf_counter()
    _check(*load_deck_file(path))
    assert time.perf_counter() - start < 2


YAML_ALPHABET = st.sampled_from(
    list("abc: -[]{}&*!|>'\"#%@`,?\n\t ") + ["\n  ", "\n- ", "---", "!!python/object:os.system",
                                            "{{c1::", "}}", "kind: ", "questions:\n"]
)


@SETTINGS
@given(st.lists(YAML_ALPHABET, max_size=200).map("".join))
def test_random_yaml_text(text: str) -> None:
    _check(*parse_deck(text, "f.yaml", "f"))


scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    st.text(max_size=30))
values = st.recursive(scalars, lambda c: st.lists(c, max_size=4) | st.dictionaries(
    st.text(max_size=8), c, max_size=4), max_leaves=20)
question = st.fixed_dictionaries(
    {"id": st.one_of(st.text(max_size=10), st.integers()), "kind": st.sampled_from(KINDS)},
    optional={k: values for k in ("prompt", "answer", "options", "items", "pairs", "accept",
                                  "explanation", "anchor", "tolerance", "reversed", "shuffle")},
)
deck_shape = st.fixed_dictionaries(
    {"title": values, "questions": st.lists(question, max_size=5)},
    optional={"sources": values, "anchor": values, "tags": values, "id": values},
)


@SETTINGS
@given(deck_shape)
def test_random_structures_in_deck_shape(data: dict) -> None:
    text = yaml.safe_dump(data, allow_unicode=True)
    _check(*parse_deck(text, "f.yaml", "f"))


def test_unsafe_tags_execute_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = f"""title: x
sources: [a]
questions:
  - id: a
    kind: short
    prompt: !!python/object/apply:os.system ["touch {marker}"]
    answer: !!python/name:os.system
    explanation: e
"""
    deck, diags = parse_deck(text, "f.yaml", "f")
    assert deck is None and not marker.exists()
    assert any("is not allowed" in d.message for d in diags)


def test_huge_file_is_refused_by_size(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as f:
        f.truncate(50 * 1024 * 1024)
    start = time.perf_counter()
    deck, diags = load_deck_file(path)
    assert deck is None and "50.0 MB" in diags[0].message
    assert time.perf_counter() - start < 0.5


def test_control_characters_and_tabs(tmp_path: Path) -> None:
    text = "title: x\nsources: [a]\nquestions:\n\t- id: a\n"
    deck, diags = parse_deck(text, "f.yaml", "f")
    assert deck is None and diags[0].line == 4
    deck, diags = parse_deck("title: \x07bell\n", "f.yaml", "f")
    assert deck is None and "control character U+0007" in diags[0].message
    assert (diags[0].line, diags[0].column) == (1, 8)


# -- hostile Anki packages ----------------------------------------------------------
#
# Each example starts from a real package (srcquiz's own notes and notes of Anki's
# Basic, reversed and Cloze shapes) and damages it: values anywhere in the note types,
# decks and srcquiz data replaced by random JSON, note fields, tags and ids replaced,
# random notes added, a hostile media list, files already in the output folder.

PACKAGE_SETTINGS = settings(
    max_examples=3000 if LONG else 100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
STOCK_MODELS = {
    "1": {"name": "Basic", "type": 0, "flds": [{"name": "Front"}, {"name": "Back"}],
          "tmpls": [{"qfmt": "{{Front}}", "afmt": "{{FrontSide}}<hr id=answer>{{Back}}"}]},
    "2": {"name": "Cloze", "type": 1, "flds": [{"name": "Text"}, {"name": "Back Extra"}],
          "tmpls": [{"qfmt": "{{cloze:Text}}", "afmt": "{{cloze:Text}}<br>{{Back Extra}}"}]},
    "3": {"name": "Basic (optional reversed card)", "type": 0,
          "flds": [{"name": "Front"}, {"name": "Back"}, {"name": "Add Reverse"}],
          "tmpls": [{"qfmt": "{{Front}}", "afmt": "{{FrontSide}}<hr id=answer>{{Back}}"},
                    {"qfmt": "{{#Add Reverse}}{{Back}}{{/Add Reverse}}",
                     "afmt": "{{FrontSide}}<hr id=answer>{{Front}}"}]},
    "4": {"name": "Basic (type in the answer)", "type": 0,
          "flds": [{"name": "Front"}, {"name": "Back"}],
          "tmpls": [{"qfmt": "{{Front}}<br>{{type:Back}}", "afmt": "{{Front}}<hr>{{type:Back}}"}]},
}
MIDS = [1, 2, 3, 4, *(nt.id for nt in NOTE_TYPES.values())]
STOCK_NOTES = [(1, "What is <b>SIGHUP</b>?\x1fHang up <img src=\"hup.png\">"),
               (2, "C++ {{c1::std::vector}} and {{c2::<code>epoll</code>::syscall}}\x1fTwo."),
               (3, "SIGINT\x1finterrupt\x1fy"), (4, "Signal number of SIGKILL?\x1f9")]
FIELD_BITS = ["<b>", "</div>", "<br>", "&nbsp;", "&#7;", "{{c1::", "::", "}}", "![a](x.png)",
              "`code`", "\x07", "\x1b[2J", "\r\n", "\x00", "\ud800", "a", " ", "\n", "\x1f"]
SAFE_MEDIA = ["x.png", "hup.png", "Diagram 1.JPG", "a.mp3", "信号.webm"]
HOSTILE_MEDIA = [".bashrc", "progress.sqlite3", "deck.schema.json", "anki-kinds.yaml",
                 ".x.png", "../x.png", "a/b.png", "..", "", "a.js", "\ud800.png", 3, None,
                 "a" * 250 + ".png"]
field_text = st.lists(st.sampled_from(FIELD_BITS), max_size=6).map("".join) | st.text(max_size=20)
sql_int = st.integers(min_value=-(2**63), max_value=2**63 - 1)
sql_value = st.text(max_size=10) | sql_int | st.binary(max_size=4) | values.map(json.dumps)


@pytest.fixture(scope="module")
def anki_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The collection of a real package: srcquiz's notes plus notes of Anki's stock
    note types, in the Anki deck srcquiz made."""
    folder = tmp_path_factory.mktemp("base")
    export_decks([load_deck(Path(__file__).parent / "fixtures" / "anki_kinds.yaml")],
                 folder / "base.apkg")
    with zipfile.ZipFile(folder / "base.apkg") as z:
        data = z.read("collection.anki2")
    conn = sqlite3.connect(":memory:")
    conn.deserialize(data)
    (models,) = conn.execute("SELECT models FROM col").fetchone()
    conn.execute("UPDATE col SET models = ?", (json.dumps({**json.loads(models),
                                                           **STOCK_MODELS}),))
    (did,) = conn.execute("SELECT did FROM cards LIMIT 1").fetchone()
    for i, (mid, flds) in enumerate(STOCK_NOTES, 1):
        conn.execute("INSERT INTO notes VALUES (?, 'g', ?, 0, 0, 'anki', ?, '', 0, 0, '')",
                     (i, mid, flds))
        conn.execute("INSERT INTO cards VALUES (?, ?, ?, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,"
                     " 0, 0, '')", (i, i, did))
    conn.commit()
    (folder / "base.anki2").write_bytes(conn.serialize())
    conn.close()
    return folder / "base.anki2"


def _rarely(data: st.DataObject, one_in: int) -> bool:
    return data.draw(st.integers(1, one_in)) == one_in


def _damage(tree: object, data: st.DataObject) -> object:
    """`tree` with one value somewhere in it (perhaps all of it) replaced."""
    if isinstance(tree, dict) and tree and not _rarely(data, 5):
        key = data.draw(st.sampled_from(sorted(tree)))
        return {**tree, key: _damage(tree[key], data)}
    if isinstance(tree, list) and tree and not _rarely(data, 5):
        i = data.draw(st.integers(0, len(tree) - 1))
        return [*tree[:i], _damage(tree[i], data), *tree[i + 1 :]]
    return data.draw(values | question | st.text(max_size=300))


def _sql(value: object) -> tuple[str, object]:
    """A placeholder and value for SQLite; text goes in as UTF-8 bytes read as text,
    so a lone surrogate becomes the invalid UTF-8 a crafted collection can hold."""
    if isinstance(value, str):
        return "CAST(? AS TEXT)", value.encode("utf-8", "surrogatepass")
    return "?", value


def _damage_column(conn: sqlite3.Connection, column: str, data: st.DataObject) -> None:
    (raw,) = conn.execute(f"SELECT {column} FROM col").fetchone()
    try:
        new = json.dumps(_damage(json.loads(raw), data))
    except (ValueError, TypeError):  # damaged already
        new = data.draw(sql_value)
    if _rarely(data, 10):
        new = data.draw(sql_value)
    mark, value = _sql(new)
    conn.execute(f"UPDATE col SET {column} = {mark}", (value,))


def _damage_note(conn: sqlite3.Connection, data: st.DataObject) -> None:
    nids = [nid for (nid,) in conn.execute("SELECT id FROM notes")]
    nid = data.draw(st.sampled_from(nids)) if nids else 1
    what = data.draw(st.sampled_from(["field", "field", "srcquiz", "tags", "mid", "did", "add"]))
    if what == "add":
        conn.execute("INSERT OR REPLACE INTO notes VALUES (?, 'g', 1, 0, 0, '', '', '', 0, 0, '')",
                     (nid + 10**6,))
        conn.execute("INSERT OR REPLACE INTO cards VALUES (?, ?, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,"
                     " 0, 0, 0, 0, 0, '')", (nid + 10**6, nid + 10**6))
        nid += 10**6
        what = "field"
    if what in ("field", "srcquiz"):
        (flds,) = conn.execute("SELECT flds FROM notes WHERE id = ?", (nid,)).fetchone() or ("",)
        fields = flds.split("\x1f")
        i = data.draw(st.integers(0, len(fields)))
        new = data.draw(field_text)
        if what == "srcquiz" and fields[-1].startswith('{"v":1,'):
            i, new = len(fields) - 1, json.dumps(_damage(json.loads(fields[-1]), data))
        fields[i : i + 1] = [new]
        mark, value = _sql("\x1f".join(fields))
        conn.execute(f"UPDATE notes SET flds = {mark} WHERE id = ?", (value, nid))
    elif what == "tags":
        mark, value = _sql(data.draw(sql_value))
        conn.execute(f"UPDATE notes SET tags = {mark} WHERE id = ?", (value, nid))
    elif what == "mid":
        mark, value = _sql(data.draw(st.sampled_from(MIDS) | sql_value))
        conn.execute(f"UPDATE notes SET {what} = {mark} WHERE id = ?", (value, nid))
    else:
        mark, value = _sql(data.draw(st.sampled_from([1, 2, 3]) | sql_value))
        conn.execute(f"UPDATE cards SET did = {mark} WHERE nid = ?", (value, nid))


def _build(base: Path, data: st.DataObject, path: Path) -> dict[object, bytes]:
    conn = sqlite3.connect(":memory:")
    conn.text_factory = lambda b: b.decode("utf-8", "surrogatepass")
    conn.deserialize(base.read_bytes())
    for _ in range(data.draw(st.integers(0, 4))):
        if not _rarely(data, 4):
            _damage_note(conn, data)
        else:
            _damage_column(conn, data.draw(st.sampled_from(["models", "decks"])), data)
    conn.commit()
    collection = conn.serialize()
    conn.close()
    media = [
        (data.draw(st.sampled_from(HOSTILE_MEDIA) | st.text(max_size=8) if _rarely(data, 8)
                   else st.sampled_from(SAFE_MEDIA)), data.draw(st.binary(max_size=16)))
        for _ in range(data.draw(st.integers(0, 3)))
    ]
    if not _rarely(data, 10):  # a media list naming a file twice is refused
        media = list(dict(media).items())
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("collection.anki2", collection)
        z.writestr("media", json.dumps({str(i): n for i, (n, _) in enumerate(media)}))
        for i, (_, content) in enumerate(media):
            z.writestr(str(i), content)
    return dict(media)


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() if not p.is_symlink() else b"-> link"
        for p in folder.rglob("*")
        if p.is_file() or p.is_symlink()
    }


@PACKAGE_SETTINGS
@given(st.data())
def test_damaged_packages_import_or_refuse_in_one_sentence(
    anki_base: Path, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    root = tmp_path_factory.mktemp("apkg")
    apkg = root / "in.apkg"
    media = _build(anki_base, data, apkg)
    (root / ".bashrc").write_text("mine")
    out = root / "out"
    if data.draw(st.booleans()):  # files already in the folder: same, different, links
        out.mkdir()
        for name in data.draw(st.lists(st.sampled_from(SAFE_MEDIA + ["anki-kinds.yaml"]))):
            (out / name).unlink(missing_ok=True)
            if data.draw(st.booleans()):
                (out / name).symlink_to(root / ".bashrc")
            else:
                (out / name).write_bytes(data.draw(st.sampled_from([b"x", *media.values()])))
    overwrite = data.draw(st.booleans())
    before = _tree(root)
    try:
        result = import_package(apkg, out, overwrite)
    except UserError as exc:
        event("refused: " + re.sub(r"\S*in\.apkg|`[^`]*`|\"[^\"]*\"|\d+", "…", str(exc))[:70])
        assert str(exc).strip() and "\n" not in str(exc)
        assert _tree(root) == before  # a refusal writes nothing
        return
    event(f"imported {len(result.decks)} deck(s)")
    for warning in result.warnings:
        event("warned: " + re.sub(r"`[^`]*`|\"[^\"]*\"|\d+", "…", warning)[:60])
    after = _tree(root)
    written = {path.name for path, _ in result.decks} | {"deck.schema.json"}
    written |= {n for n in media if isinstance(n, str) and copied_media_name(n)}
    for name, content in before.items():
        if not name.startswith("out/") or not overwrite or name[4:] not in written:
            assert after.get(name) == content, name  # nothing else changed
    for name in after.keys() - before.keys():
        assert name.startswith("out/") and name[4:] in written, name
        assert not name[4:].startswith("."), name
    for path, count in result.decks:
        deck, diags = load_deck_file(path)
        assert deck is not None and len(deck.questions) == count, [str(d) for d in diags]
