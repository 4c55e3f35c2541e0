"""The highlight cache: a cached snippet is the fresh one, a damaged or forged pack
is a miss and is written again, concurrent writers never leave half a pack, and
an export of unchanged decks neither lexes nor compiles a lexer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from srcquiz.anki import highlight, highlight_cache
from srcquiz.anki.highlight import highlight_html, prepare
from srcquiz.deck import cache as deck_cache

FIXTURES = Path(__file__).parent.parent / "fixtures"
DECKS = Path(__file__).parent.parent.parent / "decks"
CODE = 'int main(void) { return a < b && c > "}"; } // {{c1::x}}\n'
OTHER = "static int counter = 0;\n"
DECK = "some-deck"


@pytest.fixture(autouse=True)
def fresh_process_cache():
    """Each test starts as a new process would: nothing highlighted in memory."""
    highlight.forget()
    highlight_cache._signature.cache_clear()
    highlight_cache._swept.clear()
    yield
    highlight.forget()
    highlight_cache._signature.cache_clear()


def _count_lexing(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """The snippets lexed from now on (each one is still highlighted)."""
    lexed: list[tuple[str, str]] = []
    real = highlight.fresh_html

    def counting(code: str, lang: str) -> str:
        lexed.append((code, lang))
        return real(code, lang)

    monkeypatch.setattr(highlight, "fresh_html", counting)
    return lexed


def _pack() -> Path:
    return highlight_cache.pack_path(DECK)


def test_a_cached_snippet_equals_a_fresh_one_and_is_not_lexed_again(monkeypatch):
    fresh = highlight.fresh_html(CODE, "c")
    prepare(DECK, [(CODE, "C "), (OTHER, "c"), ("x = 1", None)])
    assert highlight_html(CODE, "C ") == fresh  # the first time: lexed, then packed
    assert _pack().is_file()
    highlight.forget()  # as in the next process
    lexed = _count_lexing(monkeypatch)
    prepare(DECK, [(CODE, "c"), (OTHER, "c")])
    assert highlight_html(CODE, "c") == fresh
    assert highlight_html(OTHER, "c") == highlight.fresh_html(OTHER, "c")
    assert lexed == [(OTHER, "c")]  # only the direct call above, never the prepared ones


def test_a_pack_is_written_only_when_the_decks_snippets_change(monkeypatch):
    prepare(DECK, [(CODE, "c"), (OTHER, "c")])
    highlight.forget()
    writes: list[dict[str, str]] = []
    real_store = highlight_cache.store_pack
    monkeypatch.setattr(
        highlight_cache, "store_pack", lambda d, e: (writes.append(e), real_store(d, e))
    )
    lexed = _count_lexing(monkeypatch)
    prepare(DECK, [(CODE, "c"), (OTHER, "c")])
    assert writes == [] and lexed == []
    highlight.forget()
    edited = OTHER.replace("0", "1")
    prepare(DECK, [(CODE, "c"), (edited, "c")])
    assert lexed == [(edited, "c")]  # the unchanged snippet still comes from the pack
    keys = {highlight_cache.entry_key(CODE, "c"), highlight_cache.entry_key(edited, "c")}
    assert len(writes) == 1 and set(writes[0]) == keys  # the old snippet is gone
    assert set(highlight_cache.load_pack(DECK)) == keys


def test_every_bundled_snippet_comes_back_from_the_cache_as_highlighted(monkeypatch):
    from srcquiz.deck.loader import load_decks

    decks, _ = load_decks([DECKS])
    snippets = {(q.code, q.lang) for d in decks for q in d.questions if q.code and q.lang}
    assert len(snippets) > 50
    fresh = {s: highlight.fresh_html(s[0], s[1].strip().lower()) for s in snippets}
    for d in decks:
        prepare(d.id, [(q.code, q.lang) for q in d.questions])
    highlight.forget()
    lexed = _count_lexing(monkeypatch)
    for d in decks:
        prepare(d.id, [(q.code, q.lang) for q in d.questions])
    assert {s: highlight_html(*s) for s in snippets} == fresh
    assert lexed == []


def test_the_key_covers_language_code_and_pygments_version(monkeypatch):
    import pygments

    key = highlight_cache.entry_key(CODE, "c")
    assert highlight_cache.entry_key(CODE, "cpp") != key
    assert highlight_cache.entry_key(CODE + " ", "c") != key
    assert highlight_cache.entry_key("c" + CODE, "") != highlight_cache.entry_key(CODE, "c")
    monkeypatch.setattr(pygments, "__version__", "0.0-other")
    highlight_cache._signature.cache_clear()
    assert highlight_cache.entry_key(CODE, "c") != key


def test_a_pack_of_another_highlighter_is_a_miss(monkeypatch):
    prepare(DECK, [(CODE, "c")])
    assert highlight_cache.load_pack(DECK)
    monkeypatch.setattr(highlight_cache, "FORMAT", highlight_cache.FORMAT + 1)
    highlight_cache._signature.cache_clear()
    assert highlight_cache.load_pack(DECK) == {}


def _damage_truncated(pack: Path) -> None:
    pack.write_bytes(pack.read_bytes()[:-20])


def _damage_body(pack: Path) -> None:
    pack.write_bytes(pack.read_bytes().replace(b"main", b"mane"))


def _damage_header(pack: Path) -> None:
    pack.write_bytes(b"garbage\n" + pack.read_bytes().partition(b"\n")[2])


def _not_utf8(pack: Path) -> None:
    """Signed bytes that do not decode: only a holder of the key could make them."""
    body = pack.read_bytes()[: -highlight_cache._MAC_HEX - 1] + b"\xff\xfe"
    pack.write_bytes(body + b"\n" + deck_cache.sign(body))


def _signed_not_a_table(pack: Path) -> None:
    body = highlight_cache._header() + b'["a list"]'
    pack.write_bytes(body + b"\n" + deck_cache.sign(body))


def _huge(pack: Path) -> None:
    with pack.open("ab") as f:
        f.truncate(highlight_cache.MAX_PACK_BYTES + 1)


def _forged_script(pack: Path) -> None:
    """A hand-made pack, header right, whose HTML runs code; signed with the old
    format's public checksum, since the secret is not in the cache folder."""
    import hashlib

    key = highlight_cache.entry_key(CODE, "c")
    html = '<pre class="sq-pre" style="x"><code><script>alert(1)</script></code></pre>'
    body = highlight_cache._header() + json.dumps({key: html}).encode()
    mac = hashlib.sha256(body).hexdigest().encode()
    pack.write_bytes(body + b"\n" + mac)


def _signed_with_another_key(pack: Path) -> None:
    """A well-formed pack signed by another user's secret (or a guessed one)."""
    body = pack.read_bytes()[: -highlight_cache._MAC_HEX - 1]
    body = body.replace(b"main", b"mane")
    pack.write_bytes(body + b"\n" + deck_cache._mac(body, b"k" * 32))


def _a_deck_cache_entry(pack: Path) -> None:
    """Bytes the same secret signed for the deck cache are not a pack."""
    body = b'{"fingerprint":{}'
    pack.write_bytes(body + b"\n" + deck_cache.sign(body))


@pytest.mark.parametrize(
    "damage",
    [
        _damage_truncated,
        _damage_body,
        _damage_header,
        _not_utf8,
        _signed_not_a_table,
        _huge,
        _forged_script,
        _signed_with_another_key,
        _a_deck_cache_entry,
    ],
)
def test_a_damaged_or_forged_pack_is_a_miss_and_is_written_again(damage, monkeypatch):
    fresh = highlight.fresh_html(CODE, "c")
    prepare(DECK, [(CODE, "c")])
    good = _pack().read_bytes()
    damage(_pack())
    assert highlight_cache.load_pack(DECK) == {}
    highlight.forget()
    lexed = _count_lexing(monkeypatch)
    prepare(DECK, [(CODE, "c")])
    assert highlight_html(CODE, "c") == fresh and lexed == [(CODE, "c")]
    assert _pack().read_bytes() == good  # written again


def test_html_the_highlighter_would_not_write_is_never_packed():
    """Even a holder of the key cannot get markup other than the highlighter's
    shape into a pack through `store_pack` (a bug upstream stays a miss)."""
    good = highlight.fresh_html(CODE, "c")
    bad = {
        "a": '<pre class="sq-pre" style="x"><code><img src=x onerror=alert(1)></code></pre>',
        "b": '<pre class="sq-pre" style="x"><code>{{Front}}</code></pre>',
        "c": "<script>alert(1)</script>",
    }
    highlight_cache.store_pack(DECK, {"ok": good, **bad})
    assert highlight_cache.load_pack(DECK) == {"ok": good}


def test_a_pack_that_cannot_be_read_or_written_only_costs_the_lexing():
    fresh = highlight.fresh_html(CODE, "c")
    _pack().parent.mkdir(parents=True)
    _pack().mkdir()
    prepare(DECK, [(CODE, "c")])
    assert highlight_html(CODE, "c") == fresh and _pack().is_dir()


def test_a_cache_folder_that_is_a_file_only_costs_the_lexing():
    root = highlight_cache.cache_root()
    root.parent.mkdir(parents=True, exist_ok=True)
    root.write_text("not a folder")
    prepare(DECK, [(CODE, "c")])
    assert highlight_html(CODE, "c") == highlight.fresh_html(CODE, "c")
    assert root.read_text() == "not a folder"


def test_a_write_that_fails_leaves_the_previous_pack_and_no_temporary_file(monkeypatch):
    prepare(DECK, [(CODE, "c")])
    before = _pack().read_bytes()

    def refuse(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(highlight_cache.os, "replace", refuse)
    highlight_cache.store_pack(DECK, {highlight_cache.entry_key(OTHER, "c"): "x"})
    assert _pack().read_bytes() == before
    assert [p.name for p in _pack().parent.iterdir()] == [_pack().name]


_WRITER = """
import sys
from srcquiz.anki import highlight_cache
entries = {k: sys.argv[1] for k in ("a", "b", "c")}
for _ in range(int(sys.argv[2])):
    highlight_cache.store_pack("some-deck", entries)
"""


def test_concurrent_writers_never_leave_half_a_pack(tmp_path):
    """Two processes rewrite the same deck's pack over and over while this one reads
    it: every read is one writer's whole pack (or a miss before the first write)."""
    from srcquiz.anki.highlight import BOX_STYLE

    htmls = [
        f'<pre class="sq-pre" style="{BOX_STYLE}"><code>{w * 20_000}</code></pre>' for w in "xy"
    ]
    writers = [
        subprocess.Popen([sys.executable, "-c", _WRITER, html, "150"], env=os.environ.copy())
        for html in htmls
    ]
    seen = []
    while any(w.poll() is None for w in writers):
        seen.append(highlight_cache.load_pack(DECK))
    assert [w.wait() for w in writers] == [0, 0]
    seen.append(highlight_cache.load_pack(DECK))
    whole = [{k: html for k in "abc"} for html in htmls]
    assert all(pack in ({}, *whole) for pack in seen)
    assert seen[-1] in whole
    assert [p.name for p in _pack().parent.iterdir()] == [_pack().name]  # no temp left


def test_two_exports_at_once_both_write_whole_packages_and_a_whole_pack(tmp_path):
    code = (
        "import sys; from pathlib import Path\n"
        "from srcquiz.anki.exporter import export_decks\n"
        "from srcquiz.deck.loader import load_deck\n"
        "export_decks([load_deck(Path(sys.argv[1]))], Path(sys.argv[2]))\n"
    )
    deck = FIXTURES / "anki_kinds.yaml"
    runs = [
        subprocess.Popen([sys.executable, "-c", code, str(deck), str(tmp_path / f"{i}.apkg")])
        for i in range(2)
    ]
    assert [r.wait() for r in runs] == [0, 0]
    from srcquiz.deck.loader import load_deck

    d = load_deck(deck)
    snippets = {(q.code, q.lang.strip().lower()) for q in d.questions if q.code and q.lang}
    assert snippets
    pack = highlight_cache.load_pack(d.id)
    assert set(pack) == {highlight_cache.entry_key(*s) for s in snippets}
    assert sorted(pack.values()) == sorted(highlight.fresh_html(*s) for s in snippets)


def test_temporary_files_of_killed_writes_and_first_format_entries_are_swept(tmp_path):
    old = tmp_path / f"{highlight_cache.TMP_PREFIX}abc.pack"
    new = tmp_path / f"{highlight_cache.TMP_PREFIX}def.pack"
    entry = tmp_path / f"{'0' * 40}.html"  # one snippet's file, as FORMAT 1 wrote it
    for p in (old, new, entry):
        p.write_text("x")
    os.utime(old, (0, 0))
    highlight_cache.sweep(tmp_path)
    assert not old.exists() and new.exists() and not entry.exists()


def test_past_the_pack_cap_the_least_recently_written_go(tmp_path, monkeypatch):
    monkeypatch.setattr(highlight_cache, "MAX_PACKS", 4)
    names = [f"{i:024x}.pack" for i in range(6)]
    for age, name in enumerate(names):
        (tmp_path / name).write_text("x")
        os.utime(tmp_path / name, (1000 - age, 1000 - age))  # names[0] is the newest
    highlight_cache.sweep(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[:3])


def test_an_export_of_unchanged_decks_compiles_no_lexer(tmp_path):
    """The second export of the same decks, as a new process, imports none of
    Pygments' lexers or formatters: every snippet comes from the cache."""
    code = (
        "import sys; from pathlib import Path\n"
        "from srcquiz.anki.exporter import export_decks\n"
        "from srcquiz.deck.loader import load_decks\n"
        "decks, _ = load_decks([Path(sys.argv[1])], cache=True)\n"
        "assert any(q.code and q.lang for d in decks for q in d.questions)\n"
        "export_decks(decks, Path(sys.argv[2]))\n"
        "print(sorted(m for m in sys.modules if m.startswith('pygments.')))"
    )
    env = {**os.environ, "SRCQUIZ_HOME": str(tmp_path / "home")}
    runs = [
        subprocess.run(
            [sys.executable, "-c", code, str(DECKS), str(tmp_path / f"{i}.apkg")],
            capture_output=True, text=True, check=True, env=env,
        ).stdout  # fmt: skip
        for i in range(2)
    ]
    assert "pygments.lexers" in runs[0]
    assert runs[1].strip() == "[]"
