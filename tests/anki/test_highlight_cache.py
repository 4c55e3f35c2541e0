"""The highlight cache: a cached snippet is the fresh one, a damaged entry is rebuilt,
and an export of unchanged decks neither lexes nor compiles a lexer."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from srcquiz.anki import highlight, highlight_cache
from srcquiz.anki.highlight import highlight_html

FIXTURES = Path(__file__).parent.parent / "fixtures"
DECKS = Path(__file__).parent.parent.parent / "decks"
CODE = 'int main(void) { return a < b && c > "}"; } // {{c1::x}}\n'


@pytest.fixture(autouse=True)
def fresh_process_cache():
    """Each test starts as a new process would: nothing highlighted in memory."""
    highlight._highlight.cache_clear()
    highlight_cache._signature.cache_clear()
    yield
    highlight._highlight.cache_clear()
    highlight_cache._signature.cache_clear()


def _forbid_lexing(monkeypatch: pytest.MonkeyPatch) -> None:
    def lexes(code: str, lang: str) -> str:
        raise AssertionError(f"lexed {lang} again")

    monkeypatch.setattr(highlight, "fresh_html", lexes)


def test_a_cached_snippet_equals_a_fresh_one_and_is_not_lexed_again(monkeypatch):
    fresh = highlight.fresh_html(CODE, "c")
    assert highlight_html(CODE, "C ") == fresh  # the first time: lexed, then stored
    entry = highlight_cache.entry_path(highlight_cache.entry_key(CODE, "c"))
    assert entry.is_file()
    highlight._highlight.cache_clear()  # as in the next process
    _forbid_lexing(monkeypatch)
    assert highlight_html(CODE, "c") == fresh


def test_every_bundled_snippet_comes_back_from_the_cache_as_highlighted(monkeypatch):
    from srcquiz.deck.loader import load_decks

    decks, _ = load_decks([DECKS])
    snippets = {(q.code, q.lang) for d in decks for q in d.questions if q.code and q.lang}
    assert len(snippets) > 50
    fresh = {s: highlight_html(*s) for s in snippets}
    highlight._highlight.cache_clear()
    _forbid_lexing(monkeypatch)
    assert {s: highlight_html(*s) for s in snippets} == fresh


def test_the_key_covers_language_code_and_pygments_version(monkeypatch):
    import pygments

    key = highlight_cache.entry_key(CODE, "c")
    assert highlight_cache.entry_key(CODE, "cpp") != key
    assert highlight_cache.entry_key(CODE + " ", "c") != key
    assert highlight_cache.entry_key("c" + CODE, "") != highlight_cache.entry_key(CODE, "c")
    monkeypatch.setattr(pygments, "__version__", "0.0-other")
    highlight_cache._signature.cache_clear()
    assert highlight_cache.entry_key(CODE, "c") != key


def _damage_truncated(entry: Path) -> None:
    entry.write_bytes(entry.read_bytes()[:-20])


def _damage_body(entry: Path) -> None:
    entry.write_bytes(entry.read_bytes().replace(b"main", b"mane"))


def _damage_header(entry: Path) -> None:
    entry.write_bytes(b"garbage\n" + entry.read_bytes().partition(b"\n")[2])


def _inject_script(entry: Path) -> None:
    """A hand-made entry whose header and checksum are right but whose HTML runs code."""
    key = entry.stem
    body = b'<pre class="sq-pre" style="x"><code><script>alert(1)</script></code></pre>'
    header = b" ".join((highlight_cache.MAGIC, key.encode(), highlight_cache._checksum(body)))
    entry.write_bytes(header + b"\n" + body)


def _not_utf8(entry: Path) -> None:
    entry.write_bytes(entry.read_bytes() + b"\xff\xfe")


def _huge(entry: Path) -> None:
    with entry.open("ab") as f:
        f.truncate(highlight_cache.MAX_ENTRY_BYTES + 1)


def _a_folder(entry: Path) -> None:
    entry.unlink()
    entry.mkdir()


@pytest.mark.parametrize(
    "damage",
    [_damage_truncated, _damage_body, _damage_header, _inject_script, _not_utf8, _huge],
)
def test_a_damaged_entry_is_ignored_and_rebuilt(damage):
    fresh = highlight_html(CODE, "c")
    entry = highlight_cache.entry_path(highlight_cache.entry_key(CODE, "c"))
    good = entry.read_bytes()
    damage(entry)
    highlight._highlight.cache_clear()
    assert highlight_cache.load(entry.stem) is None
    assert highlight_html(CODE, "c") == fresh
    assert entry.read_bytes() == good  # written again


def test_an_entry_that_cannot_be_read_or_written_only_costs_the_lexing():
    fresh = highlight_html(CODE, "c")
    entry = highlight_cache.entry_path(highlight_cache.entry_key(CODE, "c"))
    _a_folder(entry)
    highlight._highlight.cache_clear()
    assert highlight_html(CODE, "c") == fresh and entry.is_dir()


def test_a_cache_folder_that_is_a_file_only_costs_the_lexing():
    root = highlight_cache.cache_root()
    root.parent.mkdir(parents=True, exist_ok=True)
    root.write_text("not a folder")
    assert highlight_html(CODE, "c") == highlight.fresh_html(CODE, "c")
    assert root.read_text() == "not a folder"


def test_temporary_files_of_killed_writes_are_swept(tmp_path):
    old = tmp_path / f"{highlight_cache.TMP_PREFIX}abc.html"
    new = tmp_path / f"{highlight_cache.TMP_PREFIX}def.html"
    old.write_text("x")
    new.write_text("x")
    os.utime(old, (0, 0))
    highlight_cache.sweep(tmp_path)
    assert not old.exists() and new.exists()



def test_past_the_entry_cap_the_oldest_written_entries_go(tmp_path, monkeypatch):
    monkeypatch.setattr(highlight_cache, "MAX_ENTRIES", 4)
    names = [f"{i:040x}.html" for i in range(6)]
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
