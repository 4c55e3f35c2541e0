"""`srcquiz export`: decks to an Anki package (.apkg) that re-imports cleanly.

Re-import safety rests on three things: each note's GUID comes from (deck id,
question id), so edits update notes in place; note types keep fixed ids and
fields (`srcquiz.anki.note_types`); and genanki's timestamp is left to the
clock, because Anki only takes an incoming note that is newer than its own.

All deck text is HTML-escaped (and `{`/`}` become entities) before it reaches
a field, so a card shows exactly what the deck says and nothing in it runs or
reads as template or cloze syntax. The package is written to a temporary file
beside the target and renamed over it only once complete; its collection
database is a temporary file there too, zipped from disk
(`srcquiz.anki.package_writer`), so a large export never holds it in memory.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import IO, Any
from urllib.parse import quote

from srcquiz.anki.highlight import highlight_html, prepare
from srcquiz.anki.html import (
    MediaFn,
    cloze_html,
    data_json,
    esc,
    esc_attr,
    media_ext,
    text_html,
)
from srcquiz.anki.note_types import anki_cards
from srcquiz.anki.package_writer import AnkiDeck as AnkiDeck
from srcquiz.anki.package_writer import AnkiNote as AnkiNote
from srcquiz.anki.package_writer import collection_file
from srcquiz.anki.package_writer import package_bytes as package_bytes
from srcquiz.anki.package_writer import write_package as write_package
from srcquiz.anki.previous import (
    Previous,
    capped,
    choose_guid,
    leftovers,
    note_guid,
    read_previous,
    renamed_deck,
    retired_reverse,
)
from srcquiz.deck.codec import anchor_data, to_data
from srcquiz.deck.kinds import (
    Choice,
    Cloze,
    Flashcard,
    Match,
    Number,
    Order,
    Question,
    Short,
    TrueFalse,
)
from srcquiz.deck.model import Deck
from srcquiz.deck.parts import Anchor
from srcquiz.errors import UserError
from srcquiz.fsio import write_atomically

DATA_VERSION = 1
def number_text(value: float) -> str:
    """The number as a learner would type it (no thousands separators)."""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def number_answer(q: Number) -> str:
    """The answer as the deck wrote it (`24.10` keeps its zero) when that is a plain
    decimal a learner can type; otherwise (`0x10`, `1_000`) the value itself."""
    written = (q.written or "").strip()
    if _PLAIN_NUMBER.fullmatch(written) and float(written) == q.answer:
        return written
    return number_text(q.answer)


def anchor_url(anchor: Anchor) -> str | None:
    if not (anchor.repo and anchor.version):
        return None
    base = f"https://github.com/{anchor.repo}"
    if anchor.path:
        return f"{base}/blob/{quote(anchor.version, safe='')}/{quote(anchor.path)}"
    return f"{base}/tree/{quote(anchor.version, safe='')}"


def anchor_html(anchor: Anchor | None) -> str:
    if anchor is None or not anchor.label():
        return ""
    label = esc(anchor.label())
    url = anchor_url(anchor)
    return f'<a href="{esc_attr(url)}">{label}</a>' if url else label


def permutation(seed: str, n: int, derange: bool) -> list[int]:
    """A stable shuffle of range(n): the same note shows the same order every export.
    With `derange`, never the identity (an `order` question must not show its answer)."""
    perm = sorted(range(n), key=lambda i: zlib.crc32(f"{seed}\x1f{i}".encode()))
    if derange and n > 1 and perm == list(range(n)):
        perm = perm[1:] + perm[:1]
    return perm


@lru_cache(maxsize=1024)
def _let(n: int, at: int, upper: bool) -> str:
    """The letter the front shows for item n, at position `at` of the stored order
    (as the CSS counter spells it: a..z, aa..); the back's script rewrites it to the
    letter of the order shown this time."""
    letter, i = "", at + 1
    while i > 0:
        i, r = divmod(i - 1, 26)
        letter = chr(97 + r) + letter
    abc, shown = ("A", letter.upper()) if upper else ("a", letter)
    return f'<span class="sq-let" data-n="{n}" data-abc="{abc}">{shown}</span>'


def _shuffled_list(htmls: Sequence[str], order: Sequence[int], cls: str, key: str) -> str:
    """A list (of item HTML) the card's script shuffles afresh at each showing, never
    into the right order; `order` is the order stored for clients without scripts.
    `data-n` is each item's right position."""
    lis = "".join(f'<li data-n="{i}">{htmls[i]}</li>' for i in order)
    return (
        f'<ol class="sq-list {cls}" data-key="{key}" data-shuffle="1" '
        f'data-derange="1">{lis}</ol>'
    )


def _options(
    options: Sequence[str],
    right: set[int],
    order: Sequence[int],
    attrs: tuple[bool, bool, bool],
    key: str,
    media: MediaFn | None,
) -> str:
    """Options in `order`, the right ones marked for the back. `attrs` is (multi,
    shuffle, true/false): true/false shows no letters and keeps True first."""
    multi, shuffle, truefalse = attrs
    ok = ' class="sq-ok"'
    lis = "".join(
        f'<li data-n="{i}"{ok if i in right else ""}>{text_html(options[i], media)}</li>'
        for i in order
    )
    cls = "sq-opts sq-tf" if truefalse else "sq-opts"
    return (
        f'<ol class="{cls}" data-key="{key}" data-multi="{int(multi)}" '
        f'data-shuffle="{int(shuffle)}">{lis}</ol>'
    )


def _card_fields(q: Flashcard, prompt: str, seed: str, media: MediaFn | None) -> list[str]:
    return [prompt, text_html(q.answer, media), "y" if q.reversed else ""]


def _short_fields(q: Short, prompt: str, seed: str, media: MediaFn | None) -> list[str]:
    return [prompt, esc(q.answer), " &middot; ".join(esc(a) for a in q.accept)]


def _number_fields(q: Number, prompt: str, seed: str, media: MediaFn | None) -> list[str]:
    tol = number_text(q.tolerance) if q.tolerance else ""
    return [prompt, number_answer(q), esc(q.unit or ""), tol]


def _choice_fields(q: Choice, prompt: str, seed: str, media: MediaFn | None) -> list[str]:
    n = len(q.options)
    order = permutation(seed, n, False) if q.shuffle else list(range(n))
    answers = "<br>".join(text_html(q.options[i], media) for i in sorted(q.correct))
    attrs = (q.multi, q.shuffle, False)
    return [prompt, _options(q.options, set(q.correct), order, attrs, seed, media), answers]


def _truefalse_fields(q: TrueFalse, prompt: str, seed: str, media: MediaFn | None) -> list[str]:
    right = {0 if q.answer else 1}
    options = _options(("True", "False"), right, (0, 1), (False, False, True), seed, None)
    return [prompt, options, "True" if q.answer else "False"]


def _cloze_fields(q: Cloze, prompt: str, seed: str, media: MediaFn | None) -> list[str]:
    return [cloze_html(q.prompt, media)]  # the prompt is the cloze text itself


def _order_fields(q: Order, prompt: str, seed: str, media: MediaFn | None) -> list[str]:
    """The front letters the items A, B, C in a shuffled order; the back gives the
    key in those letters ("D → A → C → B") and the items in the right order."""
    items = [text_html(item, media) for item in q.items]
    shown = permutation(seed, len(items), True)
    lets = [""] * len(items)
    for pos, n in enumerate(shown):
        lets[n] = _let(n, pos, True)
    lis = "".join(
        f'<li><span class="sq-tag">({x})</span> {h}</li>'
        for x, h in zip(lets, items, strict=True)
    )
    return [
        prompt,
        _shuffled_list(items, shown, "sq-items sq-abc", seed),
        f'<div class="sq-key" data-key="{seed}">Answer: {" &rarr; ".join(lets)}</div>'
        f'<ol class="sq-list sq-order">{lis}</ol>',
    ]


def _match_fields(q: Match, prompt: str, seed: str, media: MediaFn | None) -> list[str]:
    """Left items numbered 1, 2, 3; right items lettered a, b, c in a shuffled order.
    The back gives the key ("1 → c, 2 → a") and each pair, stacked on a phone."""
    lefts = [text_html(left, media) for left, _ in q.pairs]
    rights = [text_html(right, media) for _, right in q.pairs]
    shown = permutation(seed, len(rights), True)
    lets = [""] * len(rights)
    for pos, n in enumerate(shown):
        lets[n] = _let(n, pos, False)
    key = ", ".join(f'<span class="sq-kp">{n} &rarr; {x}</span>' for n, x in enumerate(lets, 1))
    rows = "".join(
        f'<div class="sq-pair"><div class="sq-l"><span class="sq-num">{n}.</span>{left}</div>'
        f'<div class="sq-r"><span class="sq-arrow">&rarr;</span> {x}. {right}</div></div>'
        for n, (left, x, right) in enumerate(zip(lefts, lets, rights, strict=True), 1)
    )
    left_lis = "".join(f"<li>{left}</li>" for left in lefts)
    return [
        prompt,
        f'<ol class="sq-list sq-left">{left_lis}</ol>',
        _shuffled_list(rights, shown, "sq-right sq-abc-lower", seed),
        f'<div class="sq-key" data-key="{seed}">Answer: {key}</div>'
        f'<div class="sq-pairs">{rows}</div>',
    ]


# Each kind's own note fields (before the common ones), in the note type's order.
# `seed` is the note's GUID (base64) or, from the importer, a question id: neither
# holds a character that needs escaping in an attribute, so lists carry it as is.
_KIND_FIELDS: dict[str, Callable[[Any, str, str, MediaFn | None], list[str]]] = {
    "card": _card_fields,
    "short": _short_fields,
    "number": _number_fields,
    "choice": _choice_fields,
    "truefalse": _truefalse_fields,
    "cloze": _cloze_fields,
    "order": _order_fields,
    "match": _match_fields,
}


def kind_fields(q: Question, seed: str, media: MediaFn | None) -> list[str]:
    """The note type's own fields (before the common ones), in field order."""
    prompt = "" if q.kind == "cloze" else text_html(q.prompt, media)
    return _KIND_FIELDS[q.kind](q, prompt, seed, media)


def note_fields(deck_id: str, q: Question, seed: str, media: MediaFn | None) -> list[str]:
    """Every field of the question's note, in the note type's field order. A
    `code_after` snippet shows the answer, so it goes on the back, under the why."""
    why = text_html(q.explanation, media)
    code = highlight_html(q.code, q.lang) if q.code else ""
    if code and q.code_after:
        why, code = f'{why}<div class="sq-code">{code}</div>', ""
    return [
        *kind_fields(q, seed, media),
        why,
        code,
        text_html(q.hint, media) if q.hint else "",
        esc(q.source),
        anchor_html(q.anchor),
        data_json({"v": DATA_VERSION, "deck": deck_id, "q": question_data(q)}),
    ]


TAG_ROOT = "srcquiz"


@lru_cache(maxsize=4096)
def _tag(level: str, text: str) -> str:
    """`srcquiz::level::text`, the text as one level: no spaces (Anki splits tags on
    them) and no `::` (Anki's level separator), so a tag cannot open levels of its own."""
    part = "_".join(text.split()).replace("::", ":").strip(":")
    return f"{TAG_ROOT}::{level}::{part}" if part else ""


def note_tags(deck: Deck, q: Question) -> list[str]:
    """Tags under `srcquiz::`, apart from the learner's own: the deck
    (`srcquiz::deck::nginx-process-model`), the kind (`srcquiz::kind::short`) and
    each deck or question tag (`srcquiz::tag::signals`), without repeats."""
    return list(_tags(deck.id, deck.tags, q.kind, q.tags))


@lru_cache(maxsize=1024)  # questions of a deck share most of their tags
def _tags(
    deck_id: str, deck_tags: tuple[str, ...], kind: str, tags: tuple[str, ...]
) -> tuple[str, ...]:
    out = [_tag("deck", deck_id), _tag("kind", kind)]
    seen: set[str] = set()
    for tag in (*deck_tags, *tags):
        full = _tag("tag", tag)
        if full and full.casefold() not in seen:
            seen.add(full.casefold())
            out.append(full)
    return tuple(out)


# -- the hidden data field ----------------------------------------------------

def question_data(q: Question) -> dict[str, Any]:
    """The question in deck-file form (keys as in YAML), complete enough to rebuild it."""
    return to_data(q, ordered=False)


def deck_meta(deck: Deck) -> dict[str, Any]:
    meta: dict[str, Any] = {"v": DATA_VERSION, "id": deck.id, "title": deck.title}
    if deck.description:
        meta["description"] = deck.description
    meta["sources"] = list(deck.sources)
    meta["tags"] = list(deck.tags)
    meta["shuffle"] = deck.shuffle
    if deck.anchor is not None:
        meta["anchor"] = anchor_data(deck.anchor)
    return meta


def deck_description(deck: Deck) -> str:
    """Visible description plus the deck's settings in a comment, for `srcquiz import`."""
    shown = text_html(deck.description) if deck.description else ""
    return f"{shown}<!--srcquiz-deck {data_json(deck_meta(deck))}-->"


# -- media --------------------------------------------------------------------


class MediaCollector:
    """Resolves `![alt](file)` references against the deck's folder, refusing any
    that would reach outside it, and remembers the files to pack."""

    def __init__(self) -> None:
        self.files: dict[str, Path] = {}
        self.where = ""
        self.folder: Path | None = None

    def __call__(self, ref: str) -> str | None:
        if not media_ext(ref):
            return None
        where = self.where
        if "://" in ref or ref.startswith("//"):
            raise UserError(
                f"{where}: `{ref}` is a link, not a file; save it beside the deck and "
                "refer to it by name."
            )
        if ref.startswith(("/", "\\", "~")) or re.match(r"^[A-Za-z]:", ref) or "\\" in ref:
            raise UserError(
                f"{where}: media path `{ref}` is absolute; keep media files in the deck's "
                "folder and give their path relative to it."
            )
        if ".." in PurePosixPath(ref).parts:
            raise UserError(
                f"{where}: media path `{ref}` goes outside the deck's folder (`..`); keep "
                "media files in the deck's folder."
            )
        if self.folder is None:
            raise UserError(f"{where}: media file `{ref}` cannot be found: the deck has no folder.")
        folder = self.folder.resolve()
        path = (folder / ref).resolve()
        if not path.is_relative_to(folder):
            raise UserError(
                f"{where}: media file `{ref}` is a link to outside the deck's folder; "
                "copy the file into the folder instead."
            )
        if not path.is_file():
            raise UserError(f"{where}: media file `{ref}` does not exist in {self.folder}.")
        name = path.name
        known = self.files.get(name)
        if known is not None and known != path and known.read_bytes() != path.read_bytes():
            raise UserError(
                f"{where}: two different media files are named `{name}` ({known} and {path}); "
                "Anki keeps media in one folder, so rename one of them."
            )
        self.files.setdefault(name, path)
        return name


# -- the package --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExportSummary:
    path: Path
    decks: int
    notes: int
    cards: int
    media: int
    notices: tuple[str, ...] = ()  # one line per deck edit Anki cannot follow by itself


def anki_deck_name(parent: str, title: str) -> str:
    title = " ".join(title.split()).replace("::", ":")
    parent = "::".join(p.strip() for p in parent.split("::") if p.strip())
    return f"{parent}::{title}" if parent else title


def _deck_id(name: str) -> int:
    """Anki matches decks by name; the id only has to be stable and not 1 (Default)."""
    return (1 << 40) + int.from_bytes(hashlib.sha1(name.encode()).digest()[:5], "big")


def build_anki_decks(
    decks: Sequence[Deck],
    parent: str,
    media: MediaCollector,
    previous: Previous | None = None,
) -> list[AnkiDeck]:
    """One Anki deck per deck, `parent::title`, one note per question; with the
    previous export, followed by `follow_previous`."""
    out = []
    taken: set[str] = set()
    for deck in decks:
        name = anki_deck_name(parent, deck.title)
        if name.casefold() in taken:
            name = anki_deck_name(parent, f"{deck.title} ({deck.id})")
        taken.add(name.casefold())
        media.folder = Path(deck.path).parent if deck.path else None
        anki_deck = AnkiDeck(_deck_id(name), name, deck_description(deck), [])
        prepare(deck.id, ((q.code, q.lang) for q in deck.questions))  # one read, not one a snippet
        for q in deck.questions:
            media.where = f"{deck.path or deck.id}: question `{q.id}`"
            guid = note_guid(deck.id, q.id)
            fields = note_fields(deck.id, q, guid, media)
            ords = list(anki_cards(q))
            anki_deck.notes.append(AnkiNote(guid, q.kind, fields, note_tags(deck, q), ords))
        out.append(anki_deck)
    if previous is not None:
        follow_previous(out, decks, previous, media)
    return out


def follow_previous(
    anki_decks: list[AnkiDeck], decks: Sequence[Deck], prev: Previous, media: MediaCollector
) -> None:
    """Deck edits Anki cannot follow by itself, against the previous export
    (`srcquiz.anki.previous`): a changed kind gets a new GUID, a reverse card the
    deck turned off keeps a notice instead of going blank, notes left behind are
    exported once more as retired, and a renamed deck is reported; each is noted
    on the deck's `notices`."""
    kind_of = prev.kind_of
    for anki_deck, deck in zip(anki_decks, decks, strict=True):
        media.folder = Path(deck.path).parent if deck.path else None
        for q, note in zip(deck.questions, anki_deck.notes, strict=True):
            if kind_of(note.guid) != q.kind:  # new, or its kind changed
                guid = choose_guid(prev, deck.id, q.id, q.kind, note.guid)
                if guid != note.guid:  # the fields depend on the GUID
                    media.where = f"{deck.path or deck.id}: question `{q.id}`"
                    note.guid, note.fields = guid, note_fields(deck.id, q, guid, media)
            if isinstance(q, Flashcard) and not q.reversed and note.guid in prev.reverse:
                note.fields[2], notice = retired_reverse(prev, note.guid, f"{deck.id}/{q.id}")
                if notice:
                    anki_deck.notices.append(notice)
        if notice := renamed_deck(prev, deck.id, anki_deck.name):
            anki_deck.notices.append(notice)
        used = {n.guid for n in anki_deck.notes}
        kinds = {q.id: q.kind for q in deck.questions}
        for old, fields, tags, notice in leftovers(prev, deck.id, kinds, used):
            # Cards of a note Anki already holds are left alone by an import.
            anki_deck.notes.append(AnkiNote(old.guid, old.kind, fields, tags, [0]))
            anki_deck.notices.append(notice)


def export_decks(decks: Sequence[Deck], output: Path, parent: str = "srcquiz") -> ExportSummary:
    """Write the package; compared with the srcquiz package it replaces (if any), so
    that changed kinds, removed questions and reverse sides, and renamed decks
    reach Anki cleanly or are reported in `notices`."""
    media = MediaCollector()
    anki_decks = build_anki_decks(decks, parent, media)
    previous = read_previous(output)
    if previous is not None:
        try:
            follow_previous(anki_decks, decks, previous, media)
        finally:
            previous.close()
    write_atomically(output, lambda f: _write(f, output, anki_decks, media.files))
    return ExportSummary(
        path=output,
        decks=len(decks),
        notes=sum(len(d.questions) for d in decks),
        cards=sum(len(n.ords) for d in anki_decks for n in d.notes),
        media=len(media.files),
        notices=tuple(capped([line for d in anki_decks for line in d.notices])),
    )


def _write(out: IO[bytes], output: Path, decks: list[AnkiDeck], media: dict[str, Path]) -> None:
    """The collection as a temporary file beside `output`, zipped into `out` from disk."""
    with collection_file(decks, output.parent, output.name) as collection:
        write_package(out, collection, media)


# -- the command --------------------------------------------------------------
