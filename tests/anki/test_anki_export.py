"""`srcquiz export`: packages checked in real Anki (the `anki` package), escaping,
stable GUIDs and note types, re-import safety, media paths and safe writes."""

from __future__ import annotations

import dataclasses
import errno
import html
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import time
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from srcquiz import fsio
from srcquiz.anki import card_script
from srcquiz.anki import exporter as anki_export
from srcquiz.anki import note_types as anki_templates
from srcquiz.anki.exporter import (
    MediaCollector,
    anki_deck_name,
    build_anki_decks,
    export_decks,
    note_guid,
    note_tags,
    permutation,
)
from srcquiz.anki.highlight import highlight_html
from srcquiz.anki.html import cloze_html, data_json, text_html
from srcquiz.anki.note_types import COMMON_FIELDS, CSS, NOTE_TYPES
from srcquiz.anki.previous import kind_guid
from srcquiz.cli.parser import main
from srcquiz.deck.kinds import Flashcard, Number, Short
from srcquiz.deck.loader import load_deck
from srcquiz.deck.model import Deck
from srcquiz.deck.punctuation import PUNCT_MAP
from srcquiz.errors import UserError
from srcquiz.study.grading import grade

FIXTURES = Path(__file__).parent.parent / "fixtures"
KINDS = FIXTURES / "anki_kinds.yaml"
HOSTILE = FIXTURES / "anki_hostile.yaml"
DECKS = Path(__file__).parent.parent.parent / "decks"


# -- helpers ------------------------------------------------------------------


def visible(markup: str) -> str:
    """What a learner reads: no style or script, tags gone, entities decoded."""
    text = re.sub(r"<style>.*?</style>|<script>.*?</script>", " ", markup, flags=re.S)
    text = re.sub(r"</?(?:br|div|p|li|ol|ul|td|tr|table|hr|pre)\b[^>]*>", " ", text)
    text = re.sub(r"<[^>]+>", "", text)
    return " ".join(html.unescape(text).split())


DATA_SCRIPT = re.compile(r'<script type="application/json" class="sq-data">([^<]*)</script>')


def without_ours(markup: str) -> str:
    """The card HTML minus the note type's own <style> and <script> blocks (the data
    block holds JSON without a `<`, so it cannot end early)."""
    markup = re.sub(r"<style>.*?</style>", "", markup, flags=re.S)
    for script in (card_script.FRONT_JS, card_script.BACK_JS, card_script.CHECK_SCRIPT):
        markup = markup.replace(script, "")
    return DATA_SCRIPT.sub("", markup)


def open_collection(path: Path):
    from anki.collection import Collection

    return Collection(str(path))


def anki_import(col, apkg: Path):
    from anki.collection import ImportAnkiPackageRequest

    return col.import_anki_package(ImportAnkiPackageRequest(package_path=str(apkg))).log


@pytest.fixture
def col(tmp_path: Path):
    (tmp_path / "anki").mkdir()
    collection = open_collection(tmp_path / "anki" / "collection.anki2")
    yield collection
    collection.close()


def notes_by_qid(col, deck_id: str) -> dict[str, object]:
    """Anki notes keyed by question id, found through the GUIDs srcquiz gives them."""
    out = {}
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        data = json.loads(html.unescape(note["Srcquiz"]))
        if data["deck"] == deck_id:
            assert note.guid == note_guid(deck_id, data["q"]["id"])
            out[data["q"]["id"]] = note
    return out


def typed_answer(col, field: str) -> str:
    """The text Anki compares a typed answer with (the field as one line of text)."""
    return col._backend.html_to_text_line(text=field, preserve_media_filenames=True)


def package_rows(apkg: Path, sql: str) -> list[tuple]:
    with zipfile.ZipFile(apkg) as z:
        data = z.read("collection.anki2")
    conn = sqlite3.connect(":memory:")
    conn.deserialize(data)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


# -- in real Anki ---------------------------------------------------------------


def test_every_kind_imports_into_anki_with_the_right_notes_cards_and_names(tmp_path, col):
    deck = load_deck(KINDS)
    apkg = tmp_path / "kinds.apkg"
    summary = export_decks([deck], apkg)

    log = anki_import(col, apkg)
    assert len(log.new) == len(deck.questions) == 11
    assert not log.conflicting and not log.duplicate and not log.updated
    assert col.note_count() == 11
    assert col.card_count() == summary.cards == 13

    names = [d.name for d in col.decks.all_names_and_ids()]
    assert "srcquiz::Anki export, every kind" in names
    model_names = {m.name for m in col.models.all_names_and_ids()}
    assert {nt.name for nt in NOTE_TYPES.values()} <= model_names

    notes = notes_by_qid(col, "anki-kinds")
    assert set(notes) == {q.id for q in deck.questions}
    per_type = Counter(n.note_type()["name"] for n in notes.values())
    assert per_type == {
        "srcquiz card": 2,
        "srcquiz short": 1,
        "srcquiz number": 2,
        "srcquiz choice": 2,
        "srcquiz truefalse": 1,
        "srcquiz cloze": 1,
        "srcquiz order": 1,
        "srcquiz match": 1,
    }
    cards = {qid: len(n.cards()) for qid, n in notes.items()}
    assert cards["card-reversed"] == 2 and cards["card-plain"] == 1
    assert cards["cloze-vector"] == 2  # c1 (twice in the text) and c2
    assert sum(cards.values()) == 13
    assert sorted(notes["card-reversed"].tags) == [
        "srcquiz::deck::anki-kinds",
        "srcquiz::kind::card",
        "srcquiz::tag::anki-test",
        "srcquiz::tag::c++",
        "srcquiz::tag::signals",
    ]
    assert "srcquiz::kind::order" in notes["order-quit"].tags
    # The tags nest under one root in Anki's browser, apart from the learner's own.
    assert {t.split("::")[0] for t in col.tags.all()} == {"srcquiz"}


def test_each_card_shows_its_question_and_answer(tmp_path, col):
    apkg = tmp_path / "kinds.apkg"
    export_decks([load_deck(KINDS)], apkg)
    anki_import(col, apkg)
    notes = notes_by_qid(col, "anki-kinds")

    def sides(qid: str, ord_: int = 0) -> tuple[str, str, str, str]:
        card = next(c for c in notes[qid].cards() if c.ord == ord_)
        q, a = card.question(), card.answer()
        return q, a, visible(q), visible(a)

    q, a, vq, va = sides("card-plain")
    assert "What does ngx_http_request_t *r point to in a handler?" in vq
    assert "<code>ngx_http_request_t *r</code>" in q
    assert "The request being processed" not in vq
    assert "The request being processed (not a List<T> & not a copy)." in va
    assert "Every phase handler receives the request object." in va
    assert "Source: Anki fixture article" in va
    assert "Upstream: nginx/nginx · src/http/ngx_http_request.h · ngx_http_request_t" in va
    assert (
        'href="https://github.com/nginx/nginx/blob/release-1.27.3/src/http/ngx_http_request.h"' in a
    )

    _, _, vq, va = sides("card-reversed", 1)
    assert "Waits for a signal with a temporary signal mask." in vq and "sigsuspend" not in vq
    assert "sigsuspend" in va and "Source: 第二篇文章：信号" in va

    q, a, vq, va = sides("short-array")
    assert "[[type:Answer]]" in q and "[[type:Answer]]" in a
    assert "template <typename T, std::size_t N>" in vq  # the snippet, highlighted
    assert 'style="color:' in q
    assert "The size is part of the type." in vq  # behind Anki's hint link
    assert "Also accepted: array · std::array<T, N>" in va
    assert typed_answer(col, notes["short-array"]["Answer"]) == "std::array"

    _, _, vq, va = sides("number-workers")
    assert "Answer in connections" in vq
    assert notes["number-workers"]["Answer"] == "4096"
    assert "Accepted within ± 0.5" in sides("number-ratio")[3]

    q, a, vq, va = sides("choice-single")
    for option in ("SIGHUP", "SIGUSR1", "SIGUSR2", "SIGQUIT"):
        assert option in vq
    marked = re.findall(r'<li data-n="\d" class="sq-ok">([^<]+)</li>', a)
    assert marked == ["SIGHUP"]
    assert card_script.FRONT_JS in q and card_script.BACK_JS in a

    q, _, vq, _ = sides("choice-multi")  # shuffle: false keeps the written order
    assert vq.index("ngx_exiting") < vq.index("ngx_terminate") < vq.index("ngx_reap")
    assert 'data-multi="1"' in q
    assert sides("choice-multi")[1].count('class="sq-ok"') == 2

    q, a, vq, va = sides("truefalse-usr2")
    assert '<li data-n="0" class="sq-ok">True</li>' in a and "True" in va
    assert 'class="sq-opts sq-tf"' in q and "A." not in vq  # no letters on true/false

    _, _, vq, va = sides("cloze-vector", 0)
    assert vq.count("[...]") == 2 and "doubling" in vq and "std::vector" not in vq
    assert "std::vector" in va and "push_back" in va
    _, _, vq, va = sides("cloze-vector", 1)
    assert "[how?]" in vq and "std::vector" in vq and "doubling" not in vq
    assert "doubling" in va

    items = [
        "the master receives SIGQUIT",
        "the master tells each worker over its channel",
        "each worker stops accepting",
        "workers exit once idle",
    ]
    _, _, vq, va = sides("order-quit")
    front_positions = [vq.index(i) for i in items]
    assert front_positions != sorted(front_positions)  # shown shuffled
    back = va.split("Order what happens on nginx -s quit.")[1]
    assert [back.index(i) for i in items] == sorted(back.index(i) for i in items)

    _, _, vq, va = sides("match-signals")
    for side in ("SIGCHLD", "SIGHUP", "SIGUSR1", "ngx_reap", "ngx_reconfigure", "ngx_reopen"):
        assert side in vq
    for left, right in (("SIGCHLD", "ngx_reap"), ("SIGHUP", "ngx_reconfigure")):
        assert re.search(rf"{left} → [a-c]\. {right}", va)


def test_hostile_deck_text_shows_literally_and_runs_nothing(tmp_path, col):
    deck = load_deck(HOSTILE)
    apkg = tmp_path / "hostile.apkg"
    export_decks([deck], apkg, parent="study::srcquiz")
    log = anki_import(col, apkg)
    assert len(log.new) == len(deck.questions) and not log.conflicting

    assert "study::srcquiz::Hostile <b>text</b> & {{Deck}}" in [
        d.name for d in col.decks.all_names_and_ids()
    ]
    notes = notes_by_qid(col, "anki-hostile")
    assert len(notes["cloze-lookalikes"].cards()) == 2  # {{C1::upper}} made no card
    for qid, note in notes.items():
        for card in note.cards():
            for side in (card.question(), card.answer()):
                ours = without_ours(side)
                assert "<script" not in ours and "<img" not in ours and "<b>" not in ours, qid
                assert "<i>" not in ours and "<tags>" not in ours and "<first>" not in ours

    def text(qid: str, ord_: int = 0, side: str = "answer") -> str:
        card = next(c for c in notes[qid].cards() if c.ord == ord_)
        return visible(without_ours(getattr(card, side)()))

    assert "<script>document.title='pwned'</script> What runs here?" in text("script-prompt")
    assert '<img src=x onerror="alert(1)"> nothing at all' in text("script-prompt")
    assert "Both are <i>text</i>, not markup." in text("script-prompt")
    front = text("template-syntax", side="question")
    assert "What does {{FrontSide}} mean in a template, and is {{c1::this}} a cloze here?" in front
    assert "{{type:Answer}} and {{#Tags}}x{{/Tags}} are template syntax" in text("template-syntax")
    assert typed_answer(col, notes["template-syntax"]["Answer"]) == "{{Front}}"
    options = text("choice-markup", side="question")
    for option in ("<script>alert(1)</script>", "{{c1::x}}", "a & b", "</li></ol><script>x()"):
        assert option in options
    c1 = text("cloze-lookalikes", 0, "question")
    assert "In {{Text}} and {{C1::upper}}, only [...] and a}b are blanks." in c1
    assert "only std::map<K, V> and a}b are blanks" in text("cloze-lookalikes", 0)
    assert "only std::map<K, V> and [...] are blanks" in text("cloze-lookalikes", 1, "question")
    assert all(i in text("order-markup") for i in ("<first>", "{{second}}", "&third;"))
    assert re.search(r"<a> → [a-c]\. \{\{b\}\}", text("match-markup"))
    assert re.search(r"&c; → [ab]\. </td>", text("match-markup"))
    for note in notes.values():  # the question data on the card stays inert text
        for card in note.cards():
            for block in DATA_SCRIPT.findall(card.question() + card.answer()):
                assert json.loads(block)["deck"] == "anki-hostile"


def test_reexport_updates_notes_in_place_and_keeps_review_state(tmp_path, col):
    deck_file = tmp_path / "anki_kinds.yaml"
    deck_file.write_text(KINDS.read_text(encoding="utf-8"), encoding="utf-8")
    first = tmp_path / "first.apkg"
    export_decks([load_deck(deck_file)], first)
    anki_import(col, first)
    note_ids = {qid: n.id for qid, n in notes_by_qid(col, "anki-kinds").items()}

    col.decks.select(col.decks.id_for_name("srcquiz::Anki export, every kind"))
    reviewed = {}
    for _ in range(3):
        card = col.sched.getCard()
        col.sched.answerCard(card, 3)
        card.load()
        reviewed[card.id] = (card.type, card.queue, card.due, card.ivl, card.reps)
    assert all(state[4] == 1 for state in reviewed.values())

    text = deck_file.read_text(encoding="utf-8")
    text = text.replace("Which signal does `nginx -s reload` send?", "Which signal reloads nginx?")
    text = text.replace("Capacity doubles when it runs out.", "Capacity grows geometrically.")
    text += (
        "\n  - id: added-later\n    kind: truefalse\n    prompt: Workers share one epoll set.\n"
        "    answer: false\n    explanation: Each worker has its own.\n"
        "    source: Anki fixture article\n"
    )
    deck_file.write_text(text, encoding="utf-8")
    time.sleep(1.05)  # Anki only takes notes newer than its own (whole seconds)
    second = tmp_path / "second.apkg"
    export_decks([load_deck(deck_file)], second)
    log = anki_import(col, second)

    assert len(log.new) == 1 and len(log.updated) == 11
    assert not log.duplicate and not log.conflicting
    assert col.note_count() == 12 and col.card_count() == 14
    notes = notes_by_qid(col, "anki-kinds")
    assert {qid: n.id for qid, n in notes.items() if qid != "added-later"} == note_ids
    assert visible(notes["choice-single"]["Prompt"]) == "Which signal reloads nginx?"
    assert notes["number-ratio"]["Explanation"] == "Capacity grows geometrically."
    for card_id, state in reviewed.items():
        card = col.get_card(card_id)
        assert (card.type, card.queue, card.due, card.ivl, card.reps) == state
    assert not [m.name for m in col.models.all_names_and_ids() if m.name.endswith("+")]


def test_improved_templates_update_the_note_types_without_conflicts(tmp_path, col, monkeypatch):
    deck = load_deck(KINDS)
    export_decks([deck], tmp_path / "a.apkg")
    anki_import(col, tmp_path / "a.apkg")
    monkeypatch.setattr(anki_templates, "CSS", anki_templates.CSS + "\n.sq { color: teal; }\n")
    time.sleep(1.05)
    export_decks([deck], tmp_path / "b.apkg")
    log = anki_import(col, tmp_path / "b.apkg")
    assert len(log.updated) == 11 and not log.conflicting and not log.new
    model = col.models.by_name("srcquiz card")
    assert "color: teal" in model["css"]
    assert len(col.models.all_names_and_ids()) == len(
        [m for m in col.models.all_names_and_ids() if not m.name.endswith("+")]
    )


# -- note types and GUIDs -------------------------------------------------------


def test_note_type_ids_and_fields_stay_fixed_forever():
    """Changing one of these makes Anki log every note as conflicting instead of
    updating it; add a new note type (new id and name) instead."""
    assert COMMON_FIELDS == ("Explanation", "Code", "Hint", "Source", "Upstream", "Srcquiz")
    assert {k: (nt.id, nt.name, nt.own_fields) for k, nt in NOTE_TYPES.items()} == {
        "card": (1721004101, "srcquiz card", ("Prompt", "Answer", "Reverse")),
        "short": (1721004102, "srcquiz short", ("Prompt", "Answer", "Accept")),
        "number": (1721004103, "srcquiz number", ("Prompt", "Answer", "Unit", "Tolerance")),
        "choice": (1721004104, "srcquiz choice", ("Prompt", "Options", "Answer")),
        "truefalse": (1721004105, "srcquiz truefalse", ("Prompt", "Options", "Answer")),
        "cloze": (1721004106, "srcquiz cloze", ("Text",)),
        "order": (1721004107, "srcquiz order", ("Prompt", "Items", "Order")),
        "match": (1721004108, "srcquiz match", ("Prompt", "Left", "Right", "Pairs")),
    }
    assert NOTE_TYPES["cloze"].cloze and not NOTE_TYPES["card"].cloze


def test_guid_comes_from_deck_and_question_id_only(tmp_path):
    assert note_guid("nginx-process-model", "master-idle-wait") == "ZCB1L62Nom8"
    assert note_guid("a", "b") != note_guid("a", "c") != note_guid("b", "c")
    deck = load_deck(KINDS)
    export_decks([deck], tmp_path / "a.apkg")
    edited = deck.questions[0]
    assert isinstance(edited, Flashcard)
    changed = Deck(
        id=deck.id,
        title="Renamed deck",
        questions=(Flashcard(id=edited.id, prompt="Reworded?", answer="Yes."), *deck.questions[1:]),
        sources=deck.sources,
    )
    export_decks([changed], tmp_path / "b.apkg")
    guids = "SELECT guid FROM notes ORDER BY guid"
    assert package_rows(tmp_path / "a.apkg", guids) == package_rows(tmp_path / "b.apkg", guids)


def test_package_timestamp_is_the_current_time(tmp_path):
    before = int(time.time())
    export_decks([load_deck(KINDS)], tmp_path / "a.apkg")
    mods = {m for (m,) in package_rows(tmp_path / "a.apkg", "SELECT mod FROM notes")}
    assert len(mods) == 1 and before <= mods.pop() <= int(time.time())


def test_tags_nest_under_srcquiz_by_deck_kind_and_tag_without_spaces():
    q = Flashcard(id="q", prompt="p", answer="a", tags=("unix processes", "Signals", "a::b"))
    deck = Deck(id="d", title="t", questions=(q,), tags=("nginx", "signals", "c\tlang"))
    assert note_tags(deck, q) == [
        "srcquiz::deck::d",
        "srcquiz::kind::card",
        "srcquiz::tag::nginx",
        "srcquiz::tag::signals",
        "srcquiz::tag::c_lang",
        "srcquiz::tag::unix_processes",
        "srcquiz::tag::a:b",  # a deck's `::` cannot open a level of its own
    ]


def test_anki_deck_names_nest_under_the_parent_and_never_collide():
    assert anki_deck_name("srcquiz", "nginx::internals") == "srcquiz::nginx:internals"
    assert anki_deck_name(" study :: srcquiz ", "Redis  event loop") == (
        "study::srcquiz::Redis event loop"
    )
    assert anki_deck_name("", "T") == "T"
    q = Flashcard(id="q", prompt="p", answer="a")
    decks = [Deck(id=i, title="Same title", questions=(q,)) for i in ("one", "two")]
    names = [d.name for d in build_anki_decks(decks, "srcquiz", MediaCollector())]
    assert names == ["srcquiz::Same title", "srcquiz::Same title (two)"]


# -- HTML building ---------------------------------------------------------------


def test_text_is_escaped_and_braces_become_entities():
    assert text_html("List<T> & ngx_http_request_t *r") == (
        "List&lt;T&gt; &amp; ngx_http_request_t *r"
    )
    assert text_html("{{Front}}\n<script>") == "&#123;&#123;Front&#125;&#125;<br>&lt;script&gt;"
    assert text_html("call `f(<a>)` now") == "call <code>f(&lt;a&gt;)</code> now"
    assert text_html("![x](pic.png)") == "![x](pic.png)"  # no media resolver: literal


def test_cloze_answers_keep_double_colons_and_braces():
    assert cloze_html("Use {{c1::std\\::vector}} here") == "Use {{c1::std&#58;&#58;vector}} here"
    assert cloze_html("{{c2::a}b::hint: x}} and {{Text}}") == (
        "{{c2::a&#125;b::hint&#58; x}} and &#123;&#123;Text&#125;&#125;"
    )


def test_code_is_highlighted_with_inline_colours_and_laid_out_by_the_note_css():
    out = highlight_html("int main(void) { return 0; }\n", "c")
    assert out.startswith('<pre class="sq-pre" style="background:#0d1117;color:#e6edf3">')
    # Layout is the note type's, so a phone can wrap what a desktop scrolls.
    assert "white-space" not in out and "padding" not in out
    assert re.search(r"@media \(min-width: 601px\) \{[^@]*\.sq-pre \{ white-space: pre;", CSS)
    assert re.search(r"\.sq-pre \{[^}]*white-space: pre-wrap; overflow-wrap: anywhere;", CSS)
    assert 'style="color:' in out and "class=" not in out.split(">", 1)[1]
    assert "{" not in out.split(">", 1)[1] and "&#123;" in out
    plain = highlight_html("<tag> {x}", "no-such-language")
    assert "&lt;tag&gt; &#123;x&#125;" in plain and 'style="color' not in plain


def test_shuffled_fronts_are_stable_and_never_the_answer():
    for n in range(2, 8):
        for seed in ("a", "b", "c", "d"):
            perm = permutation(seed, n, derange=True)
            assert sorted(perm) == list(range(n)) and perm != list(range(n))
            assert perm == permutation(seed, n, derange=True)


# -- media -----------------------------------------------------------------------


def _media_deck(folder: Path, ref: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "media.yaml"
    path.write_text(
        "title: Media\nsources: [s]\nquestions:\n"
        f"  - id: pic\n    kind: card\n    prompt: 'What is in ![the diagram]({ref})?'\n"
        "    answer: A worker.\n    explanation: See the picture.\n",
        encoding="utf-8",
    )
    return path


def test_media_beside_the_deck_goes_into_the_package(tmp_path):
    deck_file = _media_deck(tmp_path / "decks", "img/diagram.png")
    (tmp_path / "decks" / "img").mkdir()
    (tmp_path / "decks" / "img" / "diagram.png").write_bytes(b"\x89PNG fake")
    apkg = tmp_path / "m.apkg"
    summary = export_decks([load_deck(deck_file)], apkg)
    assert summary.media == 1
    with zipfile.ZipFile(apkg) as z:
        assert json.loads(z.read("media")) == {"0": "diagram.png"}
        assert z.read("0") == b"\x89PNG fake"
    (fields,) = package_rows(apkg, "SELECT flds FROM notes")
    assert 'What is in <img src="diagram.png" alt="the diagram">?' in fields[0]


@pytest.mark.parametrize(
    ("ref", "says"),
    [
        ("../secret.png", "outside the deck's folder"),
        ("/etc/secret.png", "absolute"),
        ("link.png", "link to outside"),
        ("https://example.com/x.png", "is a link, not a file"),
        ("missing.png", "does not exist"),
    ],
)
def test_media_paths_out_of_the_deck_folder_are_refused(tmp_path, ref, says):
    (tmp_path / "secret.png").write_bytes(b"secret")
    deck_file = _media_deck(tmp_path / "decks", ref)
    (tmp_path / "decks" / "link.png").symlink_to(tmp_path / "secret.png")
    out = tmp_path / "out.apkg"
    out.write_bytes(b"previous")
    with pytest.raises(UserError, match=re.escape(says)):
        export_decks([load_deck(deck_file)], out)
    assert out.read_bytes() == b"previous"


def test_two_different_media_files_with_one_name_are_refused(tmp_path):
    first = _media_deck(tmp_path / "a", "pic.png")
    (tmp_path / "a" / "pic.png").write_bytes(b"one")
    second = _media_deck(tmp_path / "b", "pic.png")
    (tmp_path / "b" / "pic.png").write_bytes(b"two")
    decks = [load_deck(first), dataclasses.replace(load_deck(second), id="other")]
    with pytest.raises(UserError, match="two different media files are named `pic.png`"):
        export_decks(decks, tmp_path / "out.apkg")
    assert not (tmp_path / "out.apkg").exists()


# -- writing safely ----------------------------------------------------------------


def _no_temp_files(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_export_into_a_missing_folder_says_so(tmp_path):
    with pytest.raises(UserError, match=r"the folder .*nope does not exist\.$"):
        export_decks([load_deck(KINDS)], tmp_path / "nope" / "x.apkg")


def test_export_into_a_read_only_folder_keeps_the_old_file(tmp_path, monkeypatch):
    folder = tmp_path / "ro"
    folder.mkdir()
    out = folder / "srcquiz.apkg"
    out.write_bytes(b"previous package")
    folder.chmod(0o555)
    if os.geteuid() == 0:  # root ignores permissions: refuse the way the kernel would

        def denied(*args, **kwargs):
            raise PermissionError(errno.EACCES, "Permission denied")

        monkeypatch.setattr(fsio.tempfile, "mkstemp", denied)
    try:
        with pytest.raises(UserError) as err:
            export_decks([load_deck(KINDS)], out)
    finally:
        folder.chmod(0o755)
    assert str(err.value) == (
        f"cannot write {out}: permission denied. The previous file is unchanged."
    )
    assert out.read_bytes() == b"previous package" and _no_temp_files(folder)


def test_a_full_disk_mid_write_leaves_the_old_file_intact(tmp_path, monkeypatch):
    out = tmp_path / "srcquiz.apkg"
    export_decks([load_deck(KINDS)], out)
    old = out.read_bytes()
    real = anki_export.write_package

    def fills_up(f: io.BufferedWriter, collection: bytes, media: dict) -> None:
        real(f, collection, media)
        f.truncate(100)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(anki_export, "write_package", fills_up)
    with pytest.raises(UserError) as err:
        export_decks([load_deck(KINDS)], out)
    assert str(err.value) == (
        f"cannot write {out}: no space left on the device. The previous file is unchanged."
    )
    assert out.read_bytes() == old and _no_temp_files(tmp_path)


def test_the_collection_goes_to_a_file_beside_the_package_not_memory(tmp_path, monkeypatch):
    """The zip is written from a collection file in the output's folder (so a large
    export never holds the database in memory), and that file is gone afterwards."""
    seen: list[object] = []
    real = anki_export.write_package

    def spy(f: io.BufferedWriter, collection: object, media: dict) -> None:
        seen.append(collection)
        assert isinstance(collection, Path) and collection.parent == tmp_path
        assert collection.stat().st_size > 0
        real(f, collection, media)

    monkeypatch.setattr(anki_export, "write_package", spy)
    out = tmp_path / "srcquiz.apkg"
    export_decks([load_deck(KINDS)], out)
    assert len(seen) == 1 and not Path(str(seen[0])).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["srcquiz.apkg"]
    assert len(package_rows(out, "SELECT id FROM notes")) == 11


@pytest.mark.parametrize("on_disk", [True, False])
def test_a_large_previous_package_is_compared_from_a_copy_on_disk(tmp_path, monkeypatch, on_disk):
    """The package an export replaces is compared from a copy of its collection
    beside it when large (SQLite reads pages as needed: a 100k-note collection
    never sits in memory), in memory when small; the copy is gone once the export
    is written, and the comparison finds the same either way."""
    import types

    from srcquiz.anki import previous as previous_module

    if on_disk:
        monkeypatch.setattr(previous_module, "IN_MEMORY_BYTES", 0)
    out = tmp_path / "srcquiz.apkg"
    deck = load_deck(KINDS)
    export_decks([deck], out)
    opened: list[object] = []
    real_connect = sqlite3.connect

    def connect(database: object, *args: object, **kwargs: object) -> sqlite3.Connection:
        opened.append(database)
        return real_connect(database, *args, **kwargs)  # type: ignore[arg-type]

    fake = types.SimpleNamespace(**{**vars(sqlite3), "connect": connect})
    monkeypatch.setattr(previous_module, "sqlite3", fake)
    fewer = dataclasses.replace(deck, questions=deck.questions[1:])
    summary = export_decks([fewer], out)
    assert len(opened) == 1
    if on_disk:
        assert isinstance(opened[0], Path) and opened[0].parent == tmp_path
        assert opened[0].name.endswith(".tmp")
    else:
        assert opened[0] == ":memory:"
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]
    assert [n for n in summary.notices if "no longer in the deck" in n] == [
        f"`anki-kinds/{deck.questions[0].id}` is no longer in the deck: Anki keeps its note, "
        "tagged srcquiz::retired; delete it there."
    ]


def test_a_full_disk_while_the_collection_is_written_leaves_the_old_file(tmp_path, monkeypatch):
    """SQLite's own "disk full" is a sentence like any file's, and nothing is left."""
    from srcquiz.anki import package_writer

    out = tmp_path / "srcquiz.apkg"
    export_decks([load_deck(KINDS)], out)
    old = out.read_bytes()
    real = package_writer._fill

    def small_disk(conn: sqlite3.Connection, decks: list) -> None:
        conn.execute("PRAGMA max_page_count=8")  # SQLITE_FULL a few pages in
        real(conn, decks)

    monkeypatch.setattr(package_writer, "_fill", small_disk)
    with pytest.raises(UserError) as err:
        export_decks([load_deck(KINDS)], out)
    assert str(err.value) == (
        f"cannot write {out}: no space left on the device. The previous file is unchanged."
    )
    assert out.read_bytes() == old and sorted(p.name for p in tmp_path.iterdir()) == [out.name]


def test_note_and_card_ids_follow_one_counter_in_deck_order(tmp_path):
    """A note's cards take the ids right after its own, and new cards come in the
    order of the export (`due`), as genanki numbers them."""
    out = tmp_path / "k.apkg"
    export_decks([load_deck(KINDS), load_deck(HOSTILE)], out)
    notes = package_rows(out, "SELECT id FROM notes ORDER BY id")
    cards = package_rows(out, "SELECT id, nid, ord, due FROM cards ORDER BY id")
    ids = sorted([n for (n,) in notes] + [c[0] for c in cards])
    assert ids == list(range(ids[0], ids[0] + len(ids)))  # one counter, nothing skipped
    note_index = {nid: i for i, (nid,) in enumerate(notes)}
    for cid, nid, _, due in cards:
        assert due == note_index[nid] and nid < cid
    per_note = Counter(nid for _, nid, _, _ in cards)
    for cid, nid, _, _ in cards:
        assert cid - nid <= per_note[nid]


def test_the_bundled_decks_import_into_anki_with_exactly_the_notes_built(tmp_path, col):
    from srcquiz.deck.loader import load_decks

    decks, _ = load_decks([DECKS])
    export_decks(decks, tmp_path / "all.apkg")
    built = build_anki_decks(decks, "srcquiz", MediaCollector())
    want = {n.guid: (n.fields, sorted(n.tags), len(n.ords)) for d in built for n in d.notes}
    log = anki_import(col, tmp_path / "all.apkg")
    assert len(log.new) == len(want) > 500
    got = {}
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        got[note.guid] = (list(note.fields), sorted(note.tags), len(note.cards()))
    assert got == want

def test_cli_export_reports_problems_in_one_sentence(tmp_path, capsys):
    out = tmp_path / "kinds.apkg"
    assert main(["export", "--decks", str(KINDS), "-o", str(out)]) == 0
    assert capsys.readouterr().out.startswith(f"wrote {out}: 11 note(s), 13 card(s) in 1 deck(s)")
    assert zipfile.ZipFile(out).namelist() == ["collection.anki2", "media"]

    assert main(["export", "--decks", str(KINDS), "-o", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    example = tmp_path / "srcquiz.apkg"
    assert err == f"srcquiz: {tmp_path} is a folder; give a file name such as {example}.\n"

    assert main(["export", "--decks", str(KINDS), "-o", str(tmp_path / "no" / "x.apkg")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("srcquiz: cannot write") and "Traceback" not in err

    assert main(["export", "nope", "--decks", str(KINDS), "-o", str(out)]) == 1
    assert "no deck with id nope" in capsys.readouterr().err


# -- the card's typed-answer checker against srcquiz's grading ---------------------

_SIG = Short(id="sig", prompt="p", answer="sigsuspend", accept=("sigsuspend(&set)",))
_ARR = Short(id="arr", prompt="p", answer="std::array", accept=("array", "std::array<T, N>"))
_FLAG = Short(id="flag", prompt="p", answer="-t")
_GO = Short(id="go", prompt="p", answer="Go")
_ARROW = Short(id="arrow", prompt="p", answer="->")
_STRICT = Short(id="strict", prompt="p", answer="epoll_wait", fuzzy=False)
_PORT = Short(id="port", prompt="p", answer="port 8080")
_DE = Short(id="de", prompt="p", answer="Straße")
_CJK = Short(id="cjk", prompt="p", answer="信号")
_THREADS = Number(id="threads", prompt="p", answer=860.0, tolerance=10.0, unit="threads")
_KB = Number(id="kb", prompt="p", answer=1024.0)
_PCT = Number(id="pct", prompt="p", answer=24.1, tolerance=0.05, unit="%", written="24.10")
_SMALL = Number(id="small", prompt="p", answer=1e-05, written="0.00001")
_NEG = Number(id="neg", prompt="p", answer=-3.0, unit="conv layers")
_ACT = Short(id="act", prompt="p", answer="sigaction")  # 9 characters: 1 typo allowed
_CREATE = Short(id="create", prompt="p", answer="epoll_create")  # 12: 2 typos

# (question, typed, verdict): both the Python rules and the card's JS must agree.
CHECK_CASES = [
    (_SIG, "sigsuspend", "right"),
    (_SIG, "sigsuspend(&set)", "right"),  # an accepted answer, red in Anki's own compare
    (_SIG, "SigSuspend", "right"),
    (_SIG, " sigsuspend. ", "right"),
    (_SIG, "“sigsuspend”", "right"),
    (_SIG, "ｓｉｇｓｕｓｐｅｎｄ", "right"),
    (_SIG, "sigsuspnd", "almost"),
    (_SIG, "sigsupsend", "almost"),  # a transposition is one typo
    (_SIG, "sigsuspend(&st)", "almost"),
    (_SIG, "sigprocmask", "wrong"),
    (_SIG, "", "wrong"),
    (_SIG, "sig", "wrong"),
    (_ARR, "std::array", "right"),
    (_ARR, "STD::ARRAY", "right"),
    (_ARR, "array", "right"),
    (_ARR, "std::array<T,N>", "right"),
    (_ARR, "std :: array", "right"),
    (_ARR, "std::arary", "almost"),
    (_ARR, "stdarray", "almost"),
    (_ARR, "aray", "almost"),
    (_ARR, "std::vector", "wrong"),
    (_ARR, "vector", "wrong"),
    (_FLAG, "-t", "right"),
    (_FLAG, "-T", "wrong"),  # short flags keep their case
    (_FLAG, "t", "wrong"),
    (_GO, "go", "right"),  # short words do not
    (_GO, "GO!", "right"),
    (_GO, "g", "wrong"),
    (_ARROW, "->", "right"),
    (_ARROW, "- >", "right"),
    (_ARROW, "=>", "wrong"),
    (_STRICT, "epoll_wait", "right"),
    (_STRICT, "epol_wait", "wrong"),  # fuzzy: false turns typos off
    (_PORT, "port 8080", "right"),
    (_PORT, "prot 8080", "almost"),
    (_PORT, "port 8081", "wrong"),  # a different digit is never a typo
    (_DE, "STRASSE", "right"),
    (_DE, "strasse", "right"),
    (_DE, "strase", "almost"),
    (_ACT, "sigacton", "almost"),
    (_ACT, "sgacton", "wrong"),
    (_CREATE, "epol_crate", "almost"),
    (_CREATE, "epl_crate", "wrong"),
    (_CJK, "信号", "right"),
    (_CJK, "「信号」", "right"),
    (_CJK, "信", "wrong"),
    (_THREADS, "860", "right"),
    (_THREADS, "854", "right"),  # within ± 10
    (_THREADS, "870", "right"),
    (_THREADS, "871", "wrong"),
    (_THREADS, "820", "wrong"),  # off by 40
    (_THREADS, "860 threads", "right"),
    (_THREADS, "860 thread", "right"),
    (_THREADS, "16 threads", "wrong"),
    (_THREADS, "860 cores", "wrong"),
    (_THREADS, "8.6e2", "right"),
    (_THREADS, "about 860", "right"),  # a hedge word is not part of the number
    (_KB, "1024", "right"),
    (_KB, "1,024", "right"),
    (_KB, "1_024", "right"),
    (_KB, "1.024e3", "right"),
    (_KB, "1e3", "wrong"),
    (_KB, "+1024", "right"),
    (_KB, "1024.0", "right"),
    (_KB, "1024.", "right"),
    (_KB, "1 024", "right"),  # a space between digit groups
    (_KB, "0x400", "wrong"),
    (_KB, "", "wrong"),
    (_PCT, "24.10", "right"),  # the author's trailing zero, red in Anki's own compare
    (_PCT, "24.1", "right"),
    (_PCT, "24.1%", "right"),
    (_PCT, "24.15", "right"),
    (_PCT, "24.16", "wrong"),
    (_PCT, "24,1", "right"),  # a decimal comma
    (_SMALL, "0.00001", "right"),
    (_SMALL, "1e-5", "right"),
    (_SMALL, ".00001", "right"),
    (_SMALL, "0.0001", "wrong"),
    (_NEG, "-3", "right"),
    (_NEG, "−3 layers", "right"),  # a typographic minus, and part of the unit
    (_NEG, "3", "wrong"),
    (_NEG, "-3 heads", "wrong"),
]


def run_card_checker(rows: list[tuple[dict, str]]) -> list[dict]:
    """The card's own checker (`CHECK_JS`) run by node over (question data, typed)."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    program = card_script.CHECK_JS + (
        "const rows = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n"
        "console.log(JSON.stringify(rows.map(([q, typed]) => SQ.check(q, typed))));\n"
    )
    out = subprocess.run(
        [node, "-e", program], input=json.dumps(rows), capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_card_checker_and_grading_agree_on_the_shared_table():
    assert len(CHECK_CASES) >= 60
    for q, typed, verdict in CHECK_CASES:
        assert grade(q, q.id, typed).verdict == verdict, (q.id, typed)
    results = run_card_checker([(anki_export.question_data(q), t) for q, t, _ in CHECK_CASES])
    got = [(q.id, t, r["verdict"]) for (q, t, _), r in zip(CHECK_CASES, results, strict=True)]
    assert got == [(q.id, t, v) for q, t, v in CHECK_CASES]


def test_card_checker_says_why_in_one_line():
    cases = [
        (_SIG, "sigsuspend(&set)", "✓ accepted answer: sigsuspend(&set)"),
        (_SIG, "sigsuspnd", "≈ almost: a small typo of sigsuspend"),
        (_THREADS, "854", "✓ 854 is within ± 10 of 860"),
        (_THREADS, "820", "✗ off by 40 (too low)"),
        (_THREADS, "860 cores", "✗ the unit is threads"),
        (_PCT, "24.15", "✓ 24.15 is within ± 0.05 of 24.10"),
        (_KB, "1,000,000", "✗ off by 998,976 (too high)"),
        (_KB, "lots", "✗ lots is not a number"),
    ]
    results = run_card_checker([(anki_export.question_data(q), t) for q, t, _ in cases])
    assert [r["text"] for r in results] == [text for _, _, text in cases]


def test_card_checker_agrees_with_grading_on_every_bundled_typed_question():
    """Each bundled short and number question, typed as its answer, each accepted
    form, with a typo, and as a near number: the card judges as the app does."""
    rows, want = [], []
    for path in sorted(DECKS.glob("*.yaml")):
        for q in load_deck(path).questions:
            if isinstance(q, Short):
                typed = [q.answer, *q.accept, q.answer.upper(), q.answer[1:], q.answer[:-1] + "x"]
            elif isinstance(q, Number):
                a, tol = q.answer, q.tolerance
                typed = [str(a), f"{a:,}", f"{a:e}", f"{a + tol:g}", f"{a + 2 * tol + 1:g}"]
                typed += [f"{a:g} {q.unit}" if q.unit else f"{a:g} widgets"]
            else:
                continue
            for t in typed:
                rows.append((anki_export.question_data(q), t))
                want.append((q.id, t, grade(q, q.id, t).verdict))
    assert len(rows) > 300
    results = run_card_checker(rows)
    got = [(d["id"], t, r["verdict"]) for (d, t), r in zip(rows, results, strict=True)]
    assert got == want


def test_card_checker_folds_punctuation_as_grading_does():
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    js = re.search(r"var PUNCT = (\{.*?\});", card_script.CHECK_JS, re.S)
    assert js is not None
    program = f"console.log(JSON.stringify({js.group(1)}))"
    out = subprocess.run(["node", "-e", program], capture_output=True, text=True, check=True)
    python_map = {chr(k): v for k, v in PUNCT_MAP.items()}
    assert json.loads(out.stdout) == python_map


# -- in Anki's own reviewer (opt in: needs Anki desktop's `aqt`) --------------------

AQT_PYTHON = os.environ.get("SRCQUIZ_AQT_PYTHON", "")
REVIEWER_CHECK = Path(__file__).parent / "anki_reviewer_check.py"


@pytest.mark.skipif(
    not AQT_PYTHON, reason="set SRCQUIZ_AQT_PYTHON to a Python with aqt (Anki desktop)"
)
def test_every_bundled_card_fits_a_phone_in_ankis_reviewer(tmp_path):
    """Every side of every bundled card, shown in Anki's reviewer 400 px wide: the
    page never scrolls sideways and nothing (code, match pairs, a typed-answer
    diff) reaches past the right edge, not even inside a scrolling box."""
    apkg = tmp_path / "bundled.apkg"
    summary = export_decks([load_deck(p) for p in sorted(DECKS.glob("*.yaml"))], apkg)
    out = tmp_path / "layout.json"
    subprocess.run(
        [AQT_PYTHON, str(REVIEWER_CHECK), str(apkg), str(out), "--width", "400"],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        check=True,
        timeout=1800,
    )
    sides = json.loads(out.read_text(encoding="utf-8"))
    assert len(sides) == 2 * summary.cards
    assert [s for s in sides if s.get("missing")] == []
    assert all(s["width"] >= 380 for s in sides)  # the window really was phone-sized
    wide = [(s["q"], s["side"], s["scroll"], s["wide"]) for s in sides]
    assert [w for w in wide if w[2] > 400 or w[3]] == []


# -- deck edits Anki cannot follow by itself -----------------------------------------


def _deck_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "edits.yaml"
    path.write_text(text, encoding="utf-8")
    return path


EDITS = """\
id: edits
title: Deck edits
sources: [s]
questions:
  - id: workers
    kind: short
    prompt: How many worker processes does `worker_processes auto;` start?
    answer: one per core
  - id: sigsuspend
    kind: card
    prompt: sigsuspend
    answer: Waits for a signal with a temporary mask.
    reversed: true
  - id: gone-later
    kind: truefalse
    prompt: The master accepts connections.
    answer: false
"""


def _export_and_import(col, deck_file: Path, apkg: Path):
    time.sleep(1.05)  # Anki only takes notes newer than its own (whole seconds)
    summary = export_decks([load_deck(deck_file)], apkg)
    return summary, anki_import(col, apkg)


def _blank_cards(col) -> list[int]:
    return [cid for n in col.get_empty_cards().notes for cid in n.card_ids]


def test_a_changed_kind_gets_a_new_note_and_the_old_one_is_retired_not_silent(tmp_path, col):
    deck_file = _deck_file(tmp_path, EDITS)
    apkg = tmp_path / "srcquiz.apkg"
    first, log = _export_and_import(col, deck_file, apkg)
    assert first.notices == () and len(log.new) == 3
    old_id = notes_by_qid(col, "edits")["workers"].id

    deck_file.write_text(
        EDITS.replace("    kind: short\n", "    kind: number\n").replace(
            "answer: one per core", "answer: 4\n    unit: workers"
        ),
        encoding="utf-8",
    )
    summary, log = _export_and_import(col, deck_file, apkg)
    assert not log.conflicting and len(log.new) == 1  # the number note is new
    assert summary.notices == (
        "`edits/workers` changed kind (short → number): Anki gets a new note and keeps "
        "the old short note and its history, tagged srcquiz::retired; delete it there.",
    )
    old = col.get_note(old_id)
    assert "srcquiz::retired" in old.tags
    assert "is a number question now" in visible(old.cards()[0].question())
    new = [col.get_note(n) for n in col.find_notes("note:srcquiz*number")]
    assert [n["Answer"] for n in new] == ["4"] and "srcquiz::retired" not in new[0].tags
    assert new[0].guid == kind_guid("edits", "workers", "number")
    assert _blank_cards(col) == []

    # The next export keeps the new note's GUID and says nothing more.
    again, log = _export_and_import(col, deck_file, apkg)
    assert again.notices == () and not log.new and not log.conflicting
    assert col.note_count() == 4


def test_a_removed_question_is_retired_in_anki_and_reported(tmp_path, col):
    deck_file = _deck_file(tmp_path, EDITS)
    apkg = tmp_path / "srcquiz.apkg"
    _export_and_import(col, deck_file, apkg)
    deck_file.write_text(EDITS.split("  - id: gone-later")[0], encoding="utf-8")
    summary, log = _export_and_import(col, deck_file, apkg)
    assert summary.notices == (
        "`edits/gone-later` is no longer in the deck: Anki keeps its note, tagged "
        "srcquiz::retired; delete it there.",
    )
    (retired,) = col.find_notes("tag:srcquiz::retired")
    assert "no longer in its srcquiz deck" in visible(col.get_note(retired).cards()[0].question())
    again, _ = _export_and_import(col, deck_file, apkg)
    assert again.notices == ()


def test_turning_reversed_off_leaves_no_blank_card(tmp_path, col):
    deck_file = _deck_file(tmp_path, EDITS)
    apkg = tmp_path / "srcquiz.apkg"
    _export_and_import(col, deck_file, apkg)
    note = notes_by_qid(col, "edits")["sigsuspend"]
    assert len(note.cards()) == 2

    deck_file.write_text(EDITS.replace("reversed: true", "reversed: false"), encoding="utf-8")
    summary, log = _export_and_import(col, deck_file, apkg)
    assert summary.notices == (
        "`edits/sigsuspend` no longer has a reverse side: an import cannot delete that card "
        "in Anki, so the card now asks to be suspended.",
    )
    assert _blank_cards(col) == []
    reverse = next(c for c in col.get_note(note.id).cards() if c.ord == 1)
    assert "srcquiz no longer asks this side" in visible(reverse.question())
    assert "Waits for a signal" in visible(reverse.question())

    again, _ = _export_and_import(col, deck_file, apkg)
    assert again.notices == () and _blank_cards(col) == []
    deck_file.write_text(EDITS, encoding="utf-8")  # on again: the same card, as before
    _export_and_import(col, deck_file, apkg)
    assert "srcquiz no longer asks" not in visible(reverse.question(reload=True))
    assert len(col.get_note(note.id).cards()) == 2


def test_a_new_note_whose_reverse_is_off_makes_no_reverse_card(tmp_path, col):
    deck_file = _deck_file(tmp_path, EDITS.replace("reversed: true", "reversed: false"))
    apkg = tmp_path / "srcquiz.apkg"
    _export_and_import(col, deck_file, apkg)
    assert len(notes_by_qid(col, "edits")["sigsuspend"].cards()) == 1


def test_a_renamed_deck_is_reported_with_what_to_do_in_anki(tmp_path, col):
    deck_file = _deck_file(tmp_path, EDITS)
    apkg = tmp_path / "srcquiz.apkg"
    _export_and_import(col, deck_file, apkg)
    deck_file.write_text(EDITS.replace("title: Deck edits", "title: Edits"), encoding="utf-8")
    time.sleep(1.05)
    summary = export_decks([load_deck(deck_file)], apkg)
    assert summary.notices == (
        'deck `edits` is now "srcquiz::Edits", was "srcquiz::Deck edits": Anki leaves '
        'existing cards in "srcquiz::Deck edits", so rename that deck to "srcquiz::Edits" '
        "in Anki before importing (or move its cards there and delete the empty one after).",
    )
    # Doing what it says: every card ends in the new deck, and no deck is left empty.
    col.decks.rename(col.decks.id_for_name("srcquiz::Deck edits"), "srcquiz::Edits")
    log = anki_import(col, apkg)
    assert not log.conflicting and len(log.updated) == 3
    names = {d.name for d in col.decks.all_names_and_ids()} - {"Default", "srcquiz"}
    assert names == {"srcquiz::Edits"}
    assert {col.decks.name(col.get_card(c).did) for c in col.find_cards("")} == {"srcquiz::Edits"}


def test_a_package_that_is_not_a_previous_export_is_simply_replaced(tmp_path):
    out = tmp_path / "srcquiz.apkg"
    out.write_bytes(b"not a zip")
    summary = export_decks([load_deck(KINDS)], out)
    assert summary.notices == () and zipfile.is_zipfile(out)
    with zipfile.ZipFile(tmp_path / "other.apkg", "w") as z:
        z.writestr("collection.anki2", b"garbage")
    (tmp_path / "other.apkg").replace(out)
    assert export_decks([load_deck(KINDS)], out).notices == ()


def test_cli_export_prints_each_notice_on_stderr(tmp_path, capsys):
    deck_file = _deck_file(tmp_path, EDITS)
    out = tmp_path / "srcquiz.apkg"
    assert main(["export", "--decks", str(deck_file), "-o", str(out)]) == 0
    capsys.readouterr()
    deck_file.write_text(EDITS.split("  - id: gone-later")[0], encoding="utf-8")
    assert main(["export", "--decks", str(deck_file), "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith(f"wrote {out}: 2 note(s)")
    assert captured.err == (
        "warning: `edits/gone-later` is no longer in the deck: Anki keeps its note, tagged "
        "srcquiz::retired; delete it there.\n"
    )


def test_number_answers_keep_the_authors_digits(tmp_path, col):
    deck_file = _deck_file(
        tmp_path,
        "id: nums\ntitle: Numbers\nsources: [s]\nquestions:\n"
        "  - {id: map, kind: number, prompt: mAP?, answer: 24.10, tolerance: 0.05, unit: '%'}\n"
        "  - {id: lr, kind: number, prompt: LR?, answer: 0.00001}\n"
        "  - {id: hex, kind: number, prompt: Mask?, answer: 0x10}\n",
    )
    _export_and_import(col, deck_file, tmp_path / "n.apkg")
    notes = notes_by_qid(col, "nums")
    answers = {k: n["Answer"] for k, n in notes.items()}
    assert answers == {"map": "24.10", "lr": "0.00001", "hex": "16"}
    assert json.loads(notes["map"]["Srcquiz"])["q"]["written"] == "24.10"


def test_data_json_is_the_json_module_output_without_html_specials():
    values = [
        {"q": {"prompt": "a < b && c > d", "tags": ["x"], "n": 1e-05, "ok": True, "no": None}},
        {"text": "é \u2028 \"quoted\" \\ </script>", "list": [1, 2.5, [], {}]},
    ]
    for value in values:
        out = data_json(value)
        assert not set(out) & set("<>&")
        assert json.loads(out) == value
        assert out == json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace(
            "&", "\\u0026"
        ).replace("<", "\\u003c").replace(">", "\\u003e")


@pytest.mark.parametrize("on_disk", [False, True])
def test_a_previous_package_rewritten_compressed_is_still_followed(
    tmp_path, col, monkeypatch, on_disk
):
    from srcquiz.anki import previous as previous_module

    if on_disk:  # as a large collection is: decompressed into a copy beside the package
        monkeypatch.setattr(previous_module, "IN_MEMORY_BYTES", 0)
    deck_file = _deck_file(tmp_path, EDITS)
    apkg = tmp_path / "srcquiz.apkg"
    _export_and_import(col, deck_file, apkg)
    with zipfile.ZipFile(apkg) as z:
        members = {n: z.read(n) for n in z.namelist()}
    with zipfile.ZipFile(apkg, "w", zipfile.ZIP_DEFLATED) as z:  # as a zip tool might
        for name, data in members.items():
            z.writestr(name, data)
    deck_file.write_text(EDITS.split("  - id: gone-later")[0], encoding="utf-8")
    summary, _ = _export_and_import(col, deck_file, apkg)
    assert [n.split(":")[0] for n in summary.notices] == [
        "`edits/gone-later` is no longer in the deck"
    ]


def test_without_scripts_the_back_uses_the_letters_the_front_shows(tmp_path, col):
    """Clients that run no card script show the order stored at export: the back's
    key must name items by the letters that order gives them on the front."""
    apkg = tmp_path / "kinds.apkg"
    export_decks([load_deck(KINDS)], apkg)
    anki_import(col, apkg)
    notes = notes_by_qid(col, "anki-kinds")
    kinds = (("order-quit", "sq-items", True), ("match-signals", "sq-right", False))
    for qid, front_list, upper in kinds:
        card = notes[qid].cards()[0]
        pattern = rf'<ol class="sq-list {front_list}[^"]*"[^>]*>(.*?)</ol>'
        listed = re.search(pattern, card.question())
        assert listed is not None
        shown = re.findall(r'<li data-n="(\d+)">', listed.group(1))
        letters = "ABCDEFGH" if upper else "abcdefgh"
        front = {n: letters[pos] for pos, n in enumerate(shown)}
        assert shown != sorted(shown)  # never in the right order
        key = re.search(r'<div class="sq-key"[^>]*>(.*?)</div>', card.answer())
        assert key is not None
        let = r'<span class="sq-let" data-n="(\d+)"[^>]*>([A-Za-z]+)</span>'
        back = dict(re.findall(let, key.group(1)))
        assert back == front, qid
    # the key reads in the front's letters, in the right order
    order_back = visible(notes["order-quit"].cards()[0].answer())
    assert re.search(r"Answer: [A-D] → [A-D] → [A-D] → [A-D]", order_back)


def test_every_card_script_parses(tmp_path):
    """A syntax error would silently drop a card's shuffles, picks or verdict (the
    scripts catch runtime errors, not parse errors)."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    scripts = {
        name: re.fullmatch(r"<script>(.*)</script>", script, re.S)
        for name, script in (
            ("front", card_script.FRONT_JS),
            ("back", card_script.BACK_JS),
            ("check", card_script.CHECK_SCRIPT),
        )
    }
    for name, body in scripts.items():
        assert body is not None, name
        path = tmp_path / f"{name}.js"
        path.write_text(body.group(1), encoding="utf-8")
        subprocess.run([node, "--check", str(path)], check=True, capture_output=True)
    for kind in ("choice", "truefalse", "order", "match", "short", "number"):
        ((_, front, back),) = NOTE_TYPES[kind].templates
        assert card_script.FRONT_JS in front and back.endswith(card_script.BACK_JS), kind
    for kind in ("short", "number"):  # the checker is defined before the back uses it
        back = NOTE_TYPES[kind].templates[0][2]
        assert back.index(card_script.CHECK_SCRIPT) < back.index(card_script.BACK_JS)


def test_a_code_after_snippet_is_on_the_back_not_the_front(tmp_path):
    """`code_after: true`: the snippet shows the answer, so the card's front (which
    shows the Code field) has none, and the back shows it under the explanation; the
    question comes back from the package unchanged."""
    from srcquiz.anki.importer import import_package
    from srcquiz.anki.note_types import NOTE_TYPES
    from srcquiz.deck.model import Deck

    q = Short(
        id="s", prompt="Which call?", answer="sigsuspend", explanation="It sleeps there.",
        code="sigsuspend(&set);", lang="c", code_after=True, source="src",
    )  # fmt: skip
    values = anki_export.note_fields("d", q, "s", None)
    fields = dict(zip(NOTE_TYPES["short"].fields, values, strict=True))
    assert fields["Code"] == "" and "sigsuspend" in fields["Explanation"]
    deck = Deck(id="d", title="D", questions=(q,), sources=("src",))
    export_decks([deck], tmp_path / "d.apkg")
    result = import_package(tmp_path / "d.apkg", tmp_path / "out")
    back = load_deck(tmp_path / "out" / "d.yaml").questions[0]
    assert result.edits == 0 and back == q and back.code_after
