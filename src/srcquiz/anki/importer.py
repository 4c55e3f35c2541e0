"""`srcquiz import`: an Anki package (.apkg) to YAML decks.

srcquiz's own notes carry the question as JSON in their hidden `Srcquiz` field
and come back exactly (plus any edit made in Anki to the prompt, cloze text,
answer, explanation or hint). Anki's Basic, Basic-and-reversed, type-in and
Cloze note types map to `card`, `short` and `cloze`; any other note type
becomes `card` from its first two fields, with a warning naming it.

The package is untrusted input (see `srcquiz.anki.package` for sizes, shapes
and media names): the import writes only the decks it reports, the images,
audio and video the package's media list names, and `deck.schema.json` if the
folder has none; it checks every target before writing any and replaces an
existing file only when asked. A note whose text holds a control character is
skipped with a warning naming it (see `_Converter`).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from srcquiz.anki.exporter import note_fields
from srcquiz.anki.html import DECK_META_RE, INLINE_RE, cloze_html, media_ext
from srcquiz.anki.html_text import ANKI_CLOZE_RE, anki_cloze_to_text, clean_text, html_to_text
from srcquiz.anki.modern_package import is_modern, legacy_copy
from srcquiz.anki.note_types import NOTE_TYPES, NoteType
from srcquiz.anki.package import (
    MAX_NAME_BYTES,
    OutFile,
    RawNote,
    RawPackage,
    find_control,
    media_files,
    read_package,
    shown_name,
    unpack,
)
from srcquiz.deck.codec import anchor_data, anchor_from_data, from_data
from srcquiz.deck.keys import ID_RE
from srcquiz.deck.kinds import Cloze, Flashcard, Match, Question, Short
from srcquiz.deck.loader import parse_deck
from srcquiz.deck.yaml_writer import MODELINE, item_lines, question_yaml_dict, value_lines
from srcquiz.errors import UserError

SPECIAL_REFS = {"FrontSide", "Tags", "Deck", "Subdeck", "Card", "CardFlag", "Type", "CardID"}
NOTE_TYPE_BY_FIELDS: dict[tuple[str, ...], NoteType] = {nt.fields: nt for nt in NOTE_TYPES.values()}


# -- notes to questions -------------------------------------------------------


@dataclass
class DeckDraft:
    id: str
    title: str
    meta: dict[str, Any] = field(default_factory=dict)
    questions: list[Question] = field(default_factory=list)
    anki_names: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    decks: list[tuple[Path, int]]
    media: int
    warnings: list[str]
    edits: int


def data_to_question(d: dict[str, Any]) -> Question:
    """A question from the `Srcquiz` field's JSON; raises on anything malformed."""
    return from_data(d, clean_text)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected text, found {type(value).__name__}")
    return clean_text(value)


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("expected a number")
    return float(value)


def _basename_media(ref: str) -> str | None:
    return PurePosixPath(ref).name if media_ext(ref) else None


def _flatten_media(text: str) -> str:
    """Media come back as files beside the deck: `![a](img/x.png)` -> `![a](x.png)`."""
    if "![" not in text:
        return text

    def fix(m: re.Match[str]) -> str:
        if m.group(3) is not None or not media_ext(m.group(2)):
            return m.group(0)
        return f"![{m.group(1)}]({PurePosixPath(m.group(2)).name})"

    return INLINE_RE.sub(fix, text)


Edited = Callable[[str], str | None]  # a note field's text if the learner changed it


def _cloze_text(q: Question, edited: Edited) -> dict[str, Any]:
    """A cloze's sentence, read back from Anki's {{c1::...}} form if it still has one."""
    if (v := edited("Text")) is not None:
        text = anki_cloze_to_text(v)
        if ANKI_CLOZE_RE.search(cloze_html(text)) and text != q.prompt:
            return {"prompt": text}
    return {}


def _prompt(q: Question, edited: Edited) -> dict[str, Any]:
    v = edited("Prompt")
    return {"prompt": html_to_text(v)} if v is not None and html_to_text(v) else {}


def _answer(q: Question, edited: Edited) -> dict[str, Any]:
    v = edited("Answer")
    return {"answer": html_to_text(v)} if v is not None and html_to_text(v) else {}


# The kind's own fields that an edit in Anki carries back (the rest of a kind's answer,
# options or pairs, is structured and kept from the deck).
_KIND_EDITS: dict[str, tuple[Callable[[Question, Edited], dict[str, Any]], ...]] = {
    "cloze": (_cloze_text,),
    "card": (_prompt, _answer),
    "short": (_prompt, _answer),
}


def apply_anki_edits(deck_id: str, q: Question, nt: NoteType, fields: list[str]) -> Question:
    """Take text edited in Anki: where a field differs from what the export would have
    written for the stored question, the field wins."""
    q = _with_flat_media(q)
    ours = dict(zip(nt.fields, note_fields(deck_id, q, q.id, _basename_media), strict=True))
    theirs = dict(zip(nt.fields, fields, strict=False))
    changes: dict[str, Any] = {}

    def edited(name: str) -> str | None:
        value = theirs.get(name)
        return value if value is not None and value != ours[name] else None

    for read in _KIND_EDITS.get(q.kind, (_prompt,)):
        changes.update(read(q, edited))
    if (v := edited("Explanation")) is not None:
        changes["explanation"] = html_to_text(v)
    if (v := edited("Hint")) is not None:
        changes["hint"] = html_to_text(v) or None
    changes = {k: v for k, v in changes.items() if getattr(q, k) != v}
    return replace(q, **changes) if changes else q


def _with_flat_media(q: Question) -> Question:
    changes: dict[str, Any] = {}
    for name in ("prompt", "explanation", "hint", "answer"):
        value = getattr(q, name, None)
        if isinstance(value, str) and "![" in value:
            changes[name] = _flatten_media(value)
    for name in ("options", "items", "accept"):
        value = getattr(q, name, None)
        if value and any("![" in v for v in value):
            changes[name] = tuple(_flatten_media(v) for v in value)
    if isinstance(q, Match) and any("![" in a + b for a, b in q.pairs):
        changes["pairs"] = tuple((_flatten_media(a), _flatten_media(b)) for a, b in q.pairs)
    return replace(q, **changes) if changes else q


# Anki's stock note types, recognised by shape so renamed or translated ones work.
_REF_RE = re.compile(r"\{\{([#^/]?)([^{}]+?)\}\}")


def _refs(template: str) -> tuple[set[str], set[str], set[str]]:
    """(fields shown, fields typed in, fields that are conditions) of a template."""
    shown: set[str] = set()
    typed: set[str] = set()
    conditions: set[str] = set()
    for sigil, body in _REF_RE.findall(template):
        name = body.rsplit(":", 1)[-1].strip()
        if sigil in ("#", "^"):
            conditions.add(name)
        elif not sigil and name not in SPECIAL_REFS:
            (typed if body.strip().startswith("type:") else shown).add(name)
    return shown, typed, conditions


@dataclass(frozen=True, slots=True)
class Mapping:
    kind: str  # card | short | cloze | other
    front: int = 0
    back: int = 1
    reverse_if: int | None = None  # field that switches the reverse card on
    reversed: bool = False


def classify(model: dict[str, Any]) -> Mapping:
    names = [f.get("name", "") for f in model.get("flds", [])]
    tmpls = model.get("tmpls", [])
    if not tmpls or len(names) < 1:
        return Mapping("other")
    idx = {n: i for i, n in enumerate(names)}
    qshown, qtyped, _ = _refs(tmpls[0].get("qfmt", ""))
    if model.get("type") == 1:
        m = re.search(r"\{\{(?:[^{}]*:)?cloze:([^{}]+)\}\}", tmpls[0].get("qfmt", ""))
        if m and m.group(1).strip() in idx:
            text = idx[m.group(1).strip()]
            extra = next((i for i in range(len(names)) if i != text), None)
            return Mapping("cloze", text, -1 if extra is None else extra)
        return Mapping("other")
    if len(names) < 2 or len(tmpls) > 2:
        return Mapping("other")
    if len(qtyped) == 1 and len(qshown - qtyped) == 1 and len(tmpls) == 1:
        (front,), (back,) = qshown - qtyped, qtyped
        if front in idx and back in idx:
            return Mapping("short", idx[front], idx[back])
        return Mapping("other")
    if qtyped or len(qshown) != 1:
        return Mapping("other")
    (front,) = qshown
    ashown, _, _ = _refs(tmpls[0].get("afmt", ""))
    backs = ashown - {front}
    if len(backs) != 1 or front not in idx:
        return Mapping("other")
    (back,) = backs
    if back not in idx:
        return Mapping("other")
    if len(tmpls) == 1:
        return Mapping("card", idx[front], idx[back])
    q2, t2, cond2 = _refs(tmpls[1].get("qfmt", ""))
    if q2 != {back} or t2:
        return Mapping("other")
    switch = next((idx[c] for c in cond2 if c in idx and c != back), None)
    return Mapping("card", idx[front], idx[back], reverse_if=switch, reversed=switch is None)


# Deck file names are `<id>.yaml`: a slug made from an Anki deck name is cut to a
# readable length; a srcquiz deck id is kept exact (progress is stored under it),
# so one too long for a file name refuses the package.
MAX_SLUG = 100
MAX_DECK_ID = MAX_NAME_BYTES - len(".yaml")


def slug(text: str, fallback: str = "deck") -> str:
    s = re.sub(r"[^a-z0-9]+", "-", text.casefold())[:MAX_SLUG].strip("-")
    return s or fallback


def _unique(base: str, taken: set[str]) -> str:
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    taken.add(name)
    return name


_META_TYPES: dict[str, type] = {
    "id": str,
    "title": str,
    "description": str,
    "sources": list,
    "tags": list,
    "shuffle": bool,
    "anchor": dict,
}


def _deck_metas(decks: dict[int, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The srcquiz settings exported into each Anki deck's description, keeping only
    values of the type the deck file takes and without control characters."""
    metas: dict[str, dict[str, Any]] = {}
    for d in decks.values():
        m = DECK_META_RE.search(d.get("desc", ""))
        if not m:
            continue
        try:
            meta = json.loads(m.group(1))
        except (ValueError, RecursionError):
            continue
        if not isinstance(meta, dict):
            continue
        meta = {
            k: meta[k]
            for k, kind in _META_TYPES.items()
            if isinstance(meta.get(k), kind) and find_control(meta[k]) is None
        }
        if "id" in meta:
            metas.setdefault(meta["id"], meta)
    return metas


def _deck_names(decks: dict[int, dict[str, Any]]) -> dict[int, str]:
    """Anki deck names; one holding a control character is replaced by `deck <id>`."""
    names: dict[int, str] = {}
    for did, d in decks.items():
        name = d.get("name", "")
        names[did] = name if name.strip() and find_control(name) is None else f"deck {did}"
    return names


def _control_warning(note: RawNote, found: str, qid: object = None) -> str:
    named = f"note {note.id}"
    if isinstance(qid, str) and find_control(qid) is None:
        named += f" (question `{qid[:60]}`)"
    return (
        f"{named} holds the control character U+{ord(found):04X} and was skipped; "
        "remove it in Anki and export again"
    )


@dataclass
class _Converter:
    """Notes to deck drafts: srcquiz's own notes first (they name their deck), then
    Anki's notes, into the deck of a srcquiz note from the same Anki deck if any.

    A note whose text holds a control character (other than tab, line feed and
    carriage return) is skipped with a warning naming it: such a character is
    invisible in Anki and in the deck file, so keeping it would hand the user a
    question they cannot read right, while stripping it would silently change their
    text; one bad note is no reason to refuse the rest of a collection."""

    pkg: RawPackage
    warnings: list[str] = field(default_factory=list)
    drafts: dict[str, DeckDraft] = field(default_factory=dict)
    home: dict[int, str] = field(default_factory=dict)  # Anki deck -> srcquiz deck id
    edits: int = 0
    retired: int = 0  # notes an export left behind (a changed kind, a removed question)

    def run(self) -> list[DeckDraft]:
        metas = _deck_metas(self.pkg.decks)
        names = _deck_names(self.pkg.decks)
        foreign: list[RawNote] = []
        damaged = 0
        for note in self.pkg.notes:
            if (found := find_control([note.fields, note.tags])) is not None:
                self.warnings.append(_control_warning(note, found))
                continue
            model = self.pkg.models.get(note.mid, {})
            nt = NOTE_TYPE_BY_FIELDS.get(tuple(f.get("name", "") for f in model.get("flds", [])))
            if nt is None:
                foreign.append(note)
            elif not self.ours(note, nt, metas, names):
                damaged += 1
        if damaged:
            self.warnings.append(
                f"{damaged} srcquiz note(s) had damaged data in their Srcquiz field "
                "and were skipped"
            )
        if self.retired:
            self.warnings.append(
                f"left out {self.retired} note(s) srcquiz no longer asks (tagged "
                "srcquiz::retired in Anki); delete them there when you like"
            )
        self.theirs(foreign, names)
        self.unique_ids()
        return list(self.drafts.values())

    def ours(
        self, note: RawNote, nt: NoteType, metas: dict[str, dict[str, Any]], names: dict[int, str]
    ) -> bool:
        """Add a srcquiz note; False if its data is damaged."""
        try:
            data = json.loads(note.fields[nt.fields.index("Srcquiz")])
            deck_id = data["deck"]
            if not isinstance(deck_id, str):
                raise ValueError("deck id is not text")
            if (found := find_control(data)) is not None:
                qid = data["q"].get("id") if isinstance(data["q"], dict) else None
                self.warnings.append(_control_warning(note, found, qid))
                return True
            if data.get("retired"):  # a note export left behind (`anki.previous`)
                self.retired += 1
                return True
            q = data_to_question(data["q"])
        except (ValueError, KeyError, TypeError, IndexError, RecursionError):
            return False
        before = q
        q = apply_anki_edits(deck_id, q, nt, note.fields)
        self.edits += q != _with_flat_media(before)
        if not ID_RE.fullmatch(deck_id):
            deck_id = slug(deck_id)
        if len(deck_id) > MAX_DECK_ID:
            raise UserError(
                f"the package's deck id `{deck_id[:40]}…` is {len(deck_id)} characters "
                f"long; srcquiz writes decks as <id>.yaml, so ids of at most {MAX_DECK_ID} fit."
            )
        draft = self.drafts.get(deck_id)
        if draft is None:
            meta = metas.get(deck_id, {})
            fallback = names.get(note.deck_id or 0, deck_id).split("::")[-1]
            draft = self.drafts[deck_id] = DeckDraft(deck_id, meta.get("title") or fallback, meta)
        draft.questions.append(q)
        if note.deck_id is not None:
            self.home.setdefault(note.deck_id, deck_id)
        return True

    def theirs(self, foreign: list[RawNote], names: dict[int, str]) -> None:
        taken = set(self.drafts)
        unknown: dict[str, int] = {}
        empty = 0
        for note in foreign:
            model = self.pkg.models.get(note.mid, {})
            mapping = classify(model)
            if mapping.kind == "other":
                name = model.get("name", "")
                if not name.strip() or find_control(name) is not None:
                    name = f"note type {note.mid}"
                unknown[name] = unknown.get(name, 0) + 1
            q = _foreign_question(note, mapping)
            if q is None:
                empty += 1
                continue
            did = note.deck_id or 0
            deck_id = self.home.get(did)
            if deck_id is None:
                full = names.get(did, "Imported")
                deck_id = self.home[did] = _unique(slug(full.replace("::", "-")), taken)
                title = full.split("::")[-1].strip() or deck_id
                self.drafts[deck_id] = DeckDraft(deck_id, title, {"sources": [full]})
            self.drafts[deck_id].questions.append(q)
        for name, count in sorted(unknown.items()):
            self.warnings.append(
                f"note type `{name}` is not one srcquiz knows: its {count} note(s) became "
                "`card` questions from their first two fields"
            )
        if empty:
            self.warnings.append(f"{empty} note(s) with an empty front or back were skipped")

    def unique_ids(self) -> None:
        for draft in self.drafts.values():
            seen: set[str] = set()
            fixed = []
            for q in draft.questions:
                if q.id in seen:
                    new_id = _unique(q.id, seen)
                    self.warnings.append(
                        f"deck `{draft.id}`: question id `{q.id}` repeats; renamed `{new_id}`"
                    )
                    q = replace(q, id=new_id)
                seen.add(q.id)
                fixed.append(q)
            draft.questions = fixed


def convert(pkg: RawPackage) -> tuple[list[DeckDraft], list[str], int]:
    """Group notes into deck drafts; returns (drafts, warnings, edits taken from Anki)."""
    converter = _Converter(pkg)
    drafts = converter.run()
    return drafts, converter.warnings, converter.edits


def _foreign_question(note: RawNote, m: Mapping) -> Question | None:
    fields = note.fields
    qid = f"note-{note.id}"
    tags = tuple(t for t in (clean_text(t) for t in note.tags) if t and not t.isspace())

    def get(i: int) -> str:
        return html_to_text(fields[i]) if 0 <= i < len(fields) else ""

    if m.kind == "cloze":
        prompt = anki_cloze_to_text(fields[m.front]) if m.front < len(fields) else ""
        if not ANKI_CLOZE_RE.search(prompt):
            return None
        return Cloze(id=qid, prompt=prompt, explanation=get(m.back), tags=tags)
    front, back = get(m.front), get(m.back)
    if not front or not back:
        return None
    if m.kind == "short":
        return Short(id=qid, prompt=front, answer=back, tags=tags)
    reverse = m.reversed or (m.reverse_if is not None and bool(get(m.reverse_if)))
    return Flashcard(id=qid, prompt=front, answer=back, reversed=reverse, tags=tags)


def deck_yaml(draft: DeckDraft, questions: Iterable[Question] | None = None) -> str:
    meta = draft.meta
    sources = [s for s in meta.get("sources", []) if isinstance(s, str) and s.strip()]
    if not sources:
        sources = list(dict.fromkeys(q.source for q in draft.questions if q.source))
    anchor = None
    if isinstance(meta.get("anchor"), dict):
        try:
            anchor = anchor_from_data(meta["anchor"], clean_text)
        except (TypeError, ValueError):
            anchor = None
    shuffle = meta["shuffle"] if isinstance(meta.get("shuffle"), bool) else True
    head: dict[str, Any] = {"id": draft.id, "title": draft.title}
    if isinstance(meta.get("description"), str) and meta["description"].strip():
        head["description"] = clean_text(meta["description"])
    if sources:
        head["sources"] = sources
    tags = [
        t
        for t in meta.get("tags", [])
        if isinstance(t, str) and t and not any(c.isspace() for c in t)
    ]
    if tags:
        head["tags"] = tags
    if not shuffle:
        head["shuffle"] = False
    if anchor is not None and anchor_data(anchor):
        head["anchor"] = anchor_data(anchor)
    lines = [MODELINE]
    for k, v in head.items():
        lines += value_lines(k, v, 0)
    lines.append("questions:")
    for i, q in enumerate(draft.questions if questions is None else questions):
        if i:
            lines.append("")
        lines += item_lines(question_yaml_dict(q, sources, anchor, shuffle), 2)
    return "\n".join(lines) + "\n"


def checked_yaml(draft: DeckDraft, path: Path, warnings: list[str]) -> tuple[str, int]:
    """The deck's YAML, proven loadable, and its question count; questions the
    loader rejects are dropped with a warning."""
    text = deck_yaml(draft)
    deck, diags = parse_deck(text, str(path), draft.id)
    if deck is not None:
        return text, len(deck.questions)
    kept = []
    for q in draft.questions:
        one, found = parse_deck(deck_yaml(draft, [q]), str(path), draft.id)
        if one is not None:
            kept.append(q)
            continue
        problem = next((d.message for d in found if d.severity == "error"), "invalid")
        warnings.append(f"deck `{draft.id}`: skipped question `{q.id}`: {problem}")
    if not kept:
        raise UserError(f"deck `{draft.id}` has no question srcquiz can load.")
    text = deck_yaml(draft, kept)
    deck, diags = parse_deck(text, str(path), draft.id)
    if deck is None:
        problem = next((str(d) for d in diags if d.severity == "error"), "invalid deck")
        raise UserError(f"deck `{draft.id}` cannot be written as a valid deck: {problem}")
    return text, len(deck.questions)


# -- the command --------------------------------------------------------------


def import_package(package: Path, out_dir: Path, overwrite: bool = False) -> ImportResult:
    """Write the package's decks and media into `out_dir`. Nothing is written until
    every deck has been proven loadable and every target checked; an existing file
    with other contents is replaced only with `overwrite`. A package in the format
    of Anki 2.1.50 and later is first read by Anki itself into a legacy copy."""
    if is_modern(package):
        with tempfile.TemporaryDirectory(prefix="srcquiz-import-") as scratch:
            legacy = legacy_copy(package, Path(scratch))
            return _import_legacy(legacy, out_dir, overwrite, shown_as=package)
    return _import_legacy(package, out_dir, overwrite, shown_as=package)


def _import_legacy(
    package: Path, out_dir: Path, overwrite: bool, shown_as: Path
) -> ImportResult:
    pkg = read_package(package)
    with pkg.archive:
        drafts, warnings, edits = convert(pkg)
        if not drafts:
            raise UserError(f"{shown_as} holds no notes srcquiz can import.")
        if out_dir.exists() and not out_dir.is_dir():
            raise UserError(f"{out_dir} is a file; give a folder to write the decks into.")
        files: list[OutFile] = []
        written: list[tuple[Path, int]] = []
        for d in drafts:
            path = out_dir / f"{d.id}.yaml"
            text, count = checked_yaml(d, path, warnings)
            files.append(OutFile.of_bytes(path.name, text.encode("utf-8")))
            written.append((path, count))
        files += media_files(package, pkg)
        if pkg.skipped_media:
            names = ", ".join(shown_name(n) for n in pkg.skipped_media[:5])
            more = len(pkg.skipped_media) - 5
            warnings.append(
                f"left out {len(pkg.skipped_media)} file(s) of the package's media that are "
                f"not images, audio or video, or are hidden: {names}"
                + (f" and {more} more" if more > 0 else "")
            )
        if not os.path.lexists(out_dir / "deck.schema.json"):
            from srcquiz.deck.schema import schema_json

            files.append(OutFile.of_bytes("deck.schema.json", (schema_json() + "\n").encode()))
        unpack(out_dir, files, overwrite)
    return ImportResult(written, len(pkg.media), warnings, edits)
