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
from srcquiz.anki.importer import (
    DeckDraft,
    anki_cloze_to_text,
    deck_yaml,
    html_to_text,
    import_package,
)
from srcquiz.anki.package import unsafe_media_name
from srcquiz.cli.parser import main
from srcquiz.deck.loader import load_deck, load_deck_file, load_decks, parse_deck
from srcquiz.deck.model import Card, Choice, Cloze, Short
from srcquiz.errors import UserError

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent
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


# Any text but NUL (libyaml ends strings there; the importer drops it) and lone surrogates.
_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=1,
    max_size=120,
).filter(lambda s: s.strip())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prompt=_TEXT, answer=_TEXT, explanation=_TEXT, option=_TEXT)
def test_any_text_survives_the_yaml_writer(prompt, answer, explanation, option):
    card = Card(id="q", prompt=prompt, answer=answer, explanation=explanation, source="s")
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
    card = Card(id="q", prompt=text, answer=text, explanation=text, source=text.strip())
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
    assert isinstance(vocab, Card) and (vocab.prompt, vocab.answer) == ("信号", "signal")

    # The imported deck exports again, its image included.
    summary = export_decks([signals], tmp_path / "again.apkg")
    assert summary.media == 1


def test_packages_in_ankis_newer_format_get_a_clear_refusal(tmp_path):
    col = _stock_collection(tmp_path)
    try:
        package = anki_export(col, tmp_path / "modern.apkg", legacy=False)
    finally:
        col.close()
    with pytest.raises(UserError, match='"Support older Anki versions" ticked'):
        import_package(package, tmp_path / "out")
    assert not (tmp_path / "out").exists()


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
