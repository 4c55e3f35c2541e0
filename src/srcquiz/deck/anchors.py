"""Upstream anchors: which questions point at code, and whether that code is still there.

Decks about fast-moving code rot silently. `anchors list` shows which code questions
carry no anchor; `anchors check` reads local checkouts and reports, compiler style,
every anchor whose file is gone or whose symbol no longer appears as a whole word.
"""

from __future__ import annotations

import codecs
import difflib
import json
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from srcquiz.deck.kinds import Question
from srcquiz.deck.model import Deck
from srcquiz.deck.parts import Anchor, Position
from srcquiz.errors import UserError
from srcquiz.files import NotAFile, TooLarge, open_regular, read_regular
from srcquiz.textsafe import one_line

# Tags that say a deck (or question) is about source code in that language.
CODE_TAGS = frozenset(
    {
        "code", "source-code", "asm", "assembly", "bash", "c", "c++", "clojure", "cpp",
        "csharp", "cuda", "elixir", "erlang", "go", "golang", "haskell", "java",
        "javascript", "js", "kotlin", "lua", "nodejs", "ocaml", "php", "python", "ruby",
        "rust", "scala", "shell", "swift", "typescript", "ts", "zig",
    }
)  # fmt: skip

CODE_RULE = (
    "A question counts as a code question when it has a `code` snippet, when its deck's "
    "default `anchor` names a `repo`, or when the deck or the question is tagged with a "
    "programming language (c, java, python, javascript, ...) or `code`."
)

REPO_ARG_RE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*)=(.+)$")
WORD = "A-Za-z0-9_"
SKIP_DIRS = {"node_modules", "__pycache__"}
MAX_SCAN_BYTES = 4 * 1024 * 1024  # files larger than this are not searched for hints
# An anchored file is searched in chunks, never read whole; past this size it is not
# source code anyone anchors (a generated amalgamation is a few MB) and is refused.
MAX_ANCHOR_BYTES = 64 * 1024 * 1024
CHUNK_BYTES = 1 << 20


# -- list ------------------------------------------------------------------


def code_reason(deck: Deck, q: Question) -> str | None:
    """Why `q` is about code (None when it is not); the rule is CODE_RULE."""
    if q.code:
        return "has a code snippet"
    if deck.anchor is not None and deck.anchor.repo:
        return f"the deck is anchored to {deck.anchor.repo}"
    for tag in (*deck.tags, *q.tags):
        if tag.lower() in CODE_TAGS:
            return f"tagged `{tag}`"
    return None


def is_anchored(q: Question) -> bool:
    return q.anchor is not None and bool(q.anchor.path)


@dataclass(frozen=True, slots=True)
class Unanchored:
    id: str
    pos: Position
    reason: str


@dataclass(frozen=True, slots=True)
class Coverage:
    """How well one deck ties its questions to upstream code."""

    deck: Deck
    anchored: int
    code_questions: int
    unanchored: tuple[Unanchored, ...]
    repos: dict[str, int]

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.deck.id,
            "path": self.deck.path,
            "questions": len(self.deck.questions),
            "anchored": self.anchored,
            "code_questions": self.code_questions,
            "repos": self.repos,
            "unanchored_code_questions": [
                {"id": u.id, "line": u.pos.line, "column": u.pos.column, "reason": u.reason}
                for u in self.unanchored
            ],
        }


def coverage(deck: Deck) -> Coverage:
    anchored = code = 0
    missing: list[Unanchored] = []
    repos: Counter[str] = Counter()
    for q in deck.questions:
        reason = code_reason(deck, q)
        code += reason is not None
        if is_anchored(q):
            anchored += 1
            repos[q.anchor.repo or "?"] += 1  # type: ignore[union-attr]
        elif reason is not None:
            missing.append(Unanchored(q.id, q.pos, reason))
    return Coverage(deck, anchored, code, tuple(missing), dict(sorted(repos.items())))


def display_path(path: str) -> str:
    """A deck path relative to the working directory when it is under it (editors jump)."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return path


def run_list(decks: Sequence[Deck], as_json: bool) -> int:
    rows = [coverage(d) for d in decks]
    if as_json:
        print(json.dumps([r.as_dict() for r in rows], ensure_ascii=False, indent=2))
        return 0
    width = max((len(r.deck.id) for r in rows), default=4)
    for r in rows:
        total = len(r.deck.questions)
        repos = ", ".join(r.repos) or "no repository"
        print(
            one_line(
                f"{r.deck.id:<{width}}  {r.anchored:>3}/{total:<3} anchored  "
                f"{len(r.unanchored):>3} of {r.code_questions} code question(s) not anchored  "
                f"[{repos}]"
            )
        )
        where = display_path(r.deck.path)
        for u in r.unanchored:
            where_u = f"{where}:{u.pos.line}:{u.pos.column}"
            print(one_line(f"  {where_u}: not anchored: {u.id} ({u.reason})"))
    anchored = sum(r.anchored for r in rows)
    total = sum(len(r.deck.questions) for r in rows)
    missing = sum(len(r.unanchored) for r in rows)
    print(
        f"{len(rows)} deck(s): {anchored} of {total} question(s) anchored; "
        f"{missing} code question(s) not anchored",
        file=sys.stderr,
    )
    return 0


# -- check -----------------------------------------------------------------


def parse_repo_arg(value: str) -> tuple[str, Path]:
    """`OWNER/NAME=PATH` -> (repo, checkout folder); a plain sentence when it is wrong."""
    m = REPO_ARG_RE.match(value.strip())
    if not m:
        raise UserError(
            f"--repo `{value}` must look like OWNER/NAME=PATH, e.g. "
            "--repo nginx/nginx=~/src/nginx (the repository as anchors name it, then "
            "the folder of its checkout)."
        )
    repo, raw = m.group(1), m.group(2)
    path = Path(raw).expanduser()
    if not path.exists():
        raise UserError(f"--repo {repo}: the checkout folder {raw} does not exist.")
    if not path.is_dir():
        raise UserError(f"--repo {repo}: {raw} is a file, not the folder of a checkout.")
    return repo, path


def symbol_pattern(symbol: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![{WORD}]){re.escape(symbol)}(?![{WORD}])")


def symbol_present(text: str, symbol: str) -> bool:
    """True when `symbol` appears as a whole word (not inside a longer identifier)."""
    return symbol_pattern(symbol).search(text) is not None


def read_text(path: Path, limit: int = MAX_SCAN_BYTES) -> str:
    """A regular file of at most `limit` bytes as text (OSError otherwise; never blocks)."""
    return read_regular(path, limit).decode("utf-8", errors="replace")


def symbol_in_file(
    path: Path, symbol: str, limit: int | None = None, chunk_bytes: int = CHUNK_BYTES
) -> bool:
    """`symbol_present` over a file read in chunks: memory stays flat for any size.

    Each chunk is searched after the last `len(symbol) + 1` characters of the text
    before it, so a name cut by a chunk boundary is still found whole. A match that
    touches the end of the text read so far is left for the next round (the next
    chunk may continue the word); the next round starts where such a match could
    begin, with the character before it kept for the whole-word check. Raises
    OSError (`NotAFile`, `TooLarge`, ...)."""
    pattern = symbol_pattern(symbol)
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    tail, start = "", 0
    with open_regular(path, MAX_ANCHOR_BYTES if limit is None else limit) as f:
        while True:
            chunk = f.read(chunk_bytes)
            final = not chunk
            text = tail + decoder.decode(chunk, final=final)
            for m in pattern.finditer(text, start):
                if final or m.end() < len(text):
                    return True
            if final:
                return False
            tail = text[-(len(symbol) + 1) :]
            start = max(0, len(tail) - len(symbol))  # earlier starts are decided


@dataclass(frozen=True, slots=True)
class CheckoutVersion:
    """What a git checkout is at: its commit and the names (tags, branch) of it."""

    commit: str
    names: tuple[str, ...]
    described: str

    def matches(self, version: str) -> bool:
        v = version.strip()
        if v in self.names:
            return True
        return (
            len(v) >= 7
            and re.fullmatch(r"[0-9a-fA-F]+", v) is not None
            and (self.commit.startswith(v.lower()))
        )


def _git(root: Path, *args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def checkout_version(root: Path) -> CheckoutVersion | None:
    """The version of a git work tree rooted exactly at `root`; None when unknown."""
    top = _git(root, "rev-parse", "--show-toplevel")
    if top is None or Path(top).resolve() != root.resolve():
        return None  # not git, or a folder inside some other repository
    commit = _git(root, "rev-parse", "HEAD")
    if not commit:
        return None
    names = [t for t in (_git(root, "tag", "--points-at", "HEAD") or "").splitlines() if t]
    branch = _git(root, "symbolic-ref", "-q", "--short", "HEAD")
    if branch:
        names.append(branch)
    described = _git(root, "describe", "--tags", "--always") or commit[:12]
    label = names[0] if names else described
    if label != commit[:12]:
        label = f"{label} ({commit[:12]})"
    return CheckoutVersion(commit.lower(), tuple(names), label)


@dataclass
class Checkout:
    """One local checkout given with --repo; lazily indexes its files for hints."""

    repo: str
    root: Path
    version: CheckoutVersion | None = None
    _files: list[str] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.root = self.root.resolve()

    def files(self) -> list[str]:
        if self._files is None:
            found: list[str] = []
            for dirpath, dirnames, filenames in os.walk(self.root):
                dirnames[:] = sorted(
                    d for d in dirnames if not d.startswith(".") and d not in SKIP_DIRS
                )
                rel = Path(dirpath).relative_to(self.root).as_posix()
                for name in sorted(filenames):
                    found.append(name if rel == "." else f"{rel}/{name}")
            self._files = found
        return self._files

    def files_named(self, name: str) -> list[str]:
        return [f for f in self.files() if PurePosixPath(f).name == name]

    def files_with(self, symbols: Iterable[str], suffix: str) -> dict[str, list[str]]:
        """Which files (of the same kind) hold each symbol as a whole word."""
        wanted = sorted(set(symbols), key=len, reverse=True)
        hits: dict[str, list[str]] = {s: [] for s in wanted}
        if not wanted:
            return hits
        combined = re.compile(
            rf"(?<![{WORD}])(?:{'|'.join(re.escape(s) for s in wanted)})(?![{WORD}])"
        )
        for rel in self.files():
            if PurePosixPath(rel).suffix != suffix:
                continue
            p = self.root / rel
            try:
                if p.is_symlink():
                    continue
                text = read_text(p)  # a pipe, a device or a file over MAX_SCAN_BYTES: skipped
            except OSError:
                continue
            for s in set(combined.findall(text)):
                hits[s].append(rel)
        return hits


HELD, STALE, REFUSED, SKIPPED = "held", "stale", "refused", "skipped"


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome for one question's anchor."""

    deck: Deck
    question: Question
    status: str  # held | stale | refused | skipped
    message: str = ""
    hint: str = ""
    checkout: Checkout | None = None  # None when skipped

    @property
    def anchor(self) -> Anchor:
        assert self.question.anchor is not None
        return self.question.anchor

    @property
    def pos(self) -> Position:
        return self.anchor.pos if self.anchor.pos.line else self.question.pos

    def line(self) -> str:
        where = f"{display_path(self.deck.path)}:{self.pos.line}:{self.pos.column}"
        hint = f" ({self.hint})" if self.hint else ""
        # File and folder names from the checkout and the deck: one line, escaped, so a
        # name holding a newline cannot forge a verdict line of its own.
        return one_line(f"{where}: {self.status}: {self.message}{hint}")


def _escapes(rel: str) -> bool:
    p = PurePosixPath(rel)
    return p.is_absolute() or ".." in p.parts or "\\" in rel or rel.startswith("~")


def judge(anchor: Anchor, checkout: Checkout) -> tuple[str, str]:
    """(status, message) for an anchor with a path, judged by the checkout's file content."""
    rel = anchor.path or ""
    repo = anchor.repo or checkout.repo
    if _escapes(rel):
        return REFUSED, f"path {rel} escapes the {repo} checkout; paths are relative to its root"
    target = checkout.root / rel
    try:
        resolved = target.resolve()
    except (OSError, RuntimeError):
        return REFUSED, f"path {rel} cannot be resolved in the {repo} checkout"
    if not resolved.is_relative_to(checkout.root):
        return REFUSED, f"path {rel} leads out of the {repo} checkout through a symlink"
    if not target.exists():
        return STALE, f"{rel} no longer exists in {repo}"
    if anchor.symbol is None:
        return HELD, ""
    if target.is_dir():
        return STALE, f"{rel} is a folder in {repo}; a `symbol` needs a file"
    try:
        found = symbol_in_file(target, anchor.symbol)
    except NotAFile as exc:
        return REFUSED, f"{rel} is {exc.kind} in {repo}, not a file; it was not read"
    except TooLarge as exc:
        return REFUSED, (
            f"{rel} in {repo} is {exc.size / 1048576:.0f} MB; anchored files over "
            f"{MAX_ANCHOR_BYTES // 1048576} MB are not searched"
        )
    except OSError as exc:
        return STALE, f"{rel} cannot be read in {repo}: {exc.strerror or exc}"
    if found:
        return HELD, ""
    return STALE, f"{anchor.symbol} not found in {rel}"


def _substring_hint(text: str, symbol: str) -> str:
    m = re.search(rf"[{WORD}]*{re.escape(symbol)}[{WORD}]*", text)
    return f"only inside a longer name such as `{m.group(0)}`" if m else ""


def _qualified_hint(text: str, symbol: str) -> str:
    parts = [p for p in re.split(r"\.|::|#|\(\)?", symbol) if p]
    if len(parts) > 1 and symbol_present(text, parts[-1]):
        return f"`{parts[-1]}` is there: anchor the plain name, not a qualified one"
    return ""


def _listing(paths: list[str], limit: int = 3) -> str:
    shown = ", ".join(paths[:limit])
    return shown + (f" and {len(paths) - limit} more" if len(paths) > limit else "")


def add_hints(verdicts: list[Verdict]) -> list[Verdict]:
    """Say where a missing file or symbol went, scanning each checkout at most once per kind."""
    wanted: dict[tuple[int, str], set[str]] = {}
    by_id: dict[int, Checkout] = {}
    for v in verdicts:
        a = v.anchor
        if v.status == STALE and a.symbol and a.path and v.checkout is not None:
            by_id[id(v.checkout)] = v.checkout
            wanted.setdefault((id(v.checkout), PurePosixPath(a.path).suffix), set()).add(a.symbol)
    found: dict[tuple[int, str], dict[str, list[str]]] = {
        key: by_id[key[0]].files_with(symbols, key[1]) for key, symbols in wanted.items()
    }
    out: list[Verdict] = []
    for v in verdicts:
        a, co = v.anchor, v.checkout
        if v.status != STALE or not a.path or co is None:
            out.append(v)
            continue
        hint = ""
        target = co.root / a.path
        if a.symbol and target.is_file():
            try:
                text = read_text(target)  # hints only from files up to MAX_SCAN_BYTES
            except OSError:
                text = ""
            hint = _qualified_hint(text, a.symbol) or _substring_hint(text, a.symbol)
        if not hint and a.symbol:
            elsewhere = [
                f
                for f in found.get((id(co), PurePosixPath(a.path).suffix), {}).get(a.symbol, [])
                if f != a.path
            ]
            if elsewhere:
                hint = f"`{a.symbol}` is in {_listing(elsewhere)}"
        if not hint and not target.exists():
            same = co.files_named(PurePosixPath(a.path).name)
            if same:
                hint = f"a file of that name is at {_listing(same)}"
        out.append(replace(v, hint=hint) if hint else v)
    return out


@dataclass(frozen=True, slots=True)
class Note:
    deck: Deck
    pos: Position
    message: str

    def line(self) -> str:
        where = f"{display_path(self.deck.path)}:{self.pos.line}:{self.pos.column}"
        return one_line(f"{where}: note: {self.message}")


def version_notes(verdicts: list[Verdict]) -> list[Note]:
    """One note per deck, checkout and anchored version that differs from the checkout's."""
    notes: list[Note] = []
    seen: set[tuple[str, str, str]] = set()
    for v in verdicts:
        a, co = v.anchor, v.checkout
        if co is None or not a.version:
            continue
        key = (v.deck.path, str(co.root), a.version if co.version else "")
        if key in seen:
            continue
        seen.add(key)
        if co.version is None:
            notes.append(
                Note(
                    v.deck,
                    v.pos,
                    f"the {co.repo} checkout {co.root} is not the top of a git work tree, so its "
                    f"version cannot be compared with the anchored {a.version}; "
                    "judged by the file content",
                )
            )
        elif not co.version.matches(a.version):
            notes.append(
                Note(
                    v.deck,
                    v.pos,
                    f"anchors name {a.repo} {a.version}, but the checkout is at "
                    f"{co.version.described}; judged by the file content",
                )
            )
    return notes


# Checkouts by casefolded `owner/name`; a repository may be given at several versions.
Checkouts = dict[str, list[Checkout]]


def pick(checkouts: Checkouts, anchor: Anchor) -> Checkout | None:
    """The checkout at the anchor's version if one was given, else the first of its repo."""
    given = checkouts.get((anchor.repo or "").casefold())
    if not given:
        return None
    if anchor.version:
        for co in given:
            if co.version is not None and co.version.matches(anchor.version):
                return co
    return given[0]


def check_decks(decks: Sequence[Deck], checkouts: Checkouts) -> tuple[list[Verdict], list[Note]]:
    """Judge every anchored question of `decks` against the given checkouts."""
    verdicts: list[Verdict] = []
    for deck in decks:
        for q in deck.questions:
            if not is_anchored(q):
                continue
            a = q.anchor
            assert a is not None
            co = pick(checkouts, a)
            if co is None:
                verdicts.append(Verdict(deck, q, SKIPPED))
                continue
            status, message = judge(a, co)
            verdicts.append(Verdict(deck, q, status, message, checkout=co))
    return add_hints(verdicts), version_notes(verdicts)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def summary(verdicts: list[Verdict]) -> str:
    counts = Counter(v.status for v in verdicts)
    checked = len(verdicts) - counts[SKIPPED]
    text = f"checked {_plural(checked, 'anchor')}: {counts[HELD]} held, {counts[STALE]} stale" + (
        f", {counts[REFUSED]} refused" if counts[REFUSED] else ""
    )
    skipped = Counter(v.anchor.repo or "?" for v in verdicts if v.status == SKIPPED)
    if skipped:
        per = ", ".join(f"{repo}: {n}" for repo, n in sorted(skipped.items()))
        text += f"; skipped {counts[SKIPPED]} with no --repo given ({per})"
    return text


def parse_checkouts(repo_args: Sequence[str]) -> Checkouts:
    """The --repo values as checkouts keyed by casefolded `owner/name`."""
    if not repo_args:
        raise UserError(
            "give at least one checkout to check against, e.g. "
            "--repo nginx/nginx=~/src/nginx (srcquiz anchors list shows the repositories)."
        )
    checkouts: Checkouts = {}
    for value in repo_args:
        repo, path = parse_repo_arg(value)
        given = checkouts.setdefault(repo.casefold(), [])
        co = Checkout(repo, path)
        if any(other.root == co.root for other in given):
            raise UserError(f"--repo {repo}={path} is given twice; give each checkout once.")
        given.append(co)
    return checkouts


def run_check(decks: Sequence[Deck], checkouts: Checkouts) -> int:
    named = {
        q.anchor.repo.casefold(): q.anchor.repo
        for d in decks
        for q in d.questions
        if is_anchored(q) and q.anchor and q.anchor.repo
    }
    for key, given in checkouts.items():
        if key not in named:
            close = difflib.get_close_matches(key, list(named), n=1, cutoff=0.6)
            hint = f" (did you mean {named[close[0]]}?)" if close else ""
            print(
                one_line(f"srcquiz: note: no anchor in these decks names {given[0].repo}{hint}"),
                file=sys.stderr,
            )
            continue
        for co in given:
            co.version = checkout_version(co.root)
    verdicts, notes = check_decks(decks, checkouts)
    by_deck: dict[str, list[str]] = {}
    for n in notes:
        by_deck.setdefault(n.deck.path, []).append(n.line())
    for v in verdicts:
        if v.status in (STALE, REFUSED):
            by_deck.setdefault(v.deck.path, []).append(v.line())
    for deck in decks:
        for line in by_deck.get(deck.path, []):
            print(line)
    print(one_line(summary(verdicts)), file=sys.stderr)
    return 1 if any(v.status in (STALE, REFUSED) for v in verdicts) else 0
