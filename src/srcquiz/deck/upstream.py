"""The upstream code a question is anchored to, read from the learner's own checkouts.

A learner registers a checkout once (`srcquiz repos add nginx/nginx ~/src/nginx`);
the registry is a small JSON file in the data folder. A file is read with
`git show VERSION:PATH`, so the checkout can be on any branch and the code shown
is the code at the anchored version, not whatever is checked out. Every git call
has a timeout, and a file over MAX_SOURCE_BYTES or holding NUL bytes is refused
before it is read. `find_definition` then finds the line that defines the
anchored symbol (heuristics that cover C, Python, Go, Rust, Java and JavaScript).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from srcquiz.deck.keys import REPO_RE
from srcquiz.deck.parts import Anchor
from srcquiz.errors import UserError
from srcquiz.files import read_regular

REGISTRY_NAME = "repos.json"
MAX_REGISTRY_BYTES = 1 << 20
GIT_TIMEOUT_S = 10.0
# Source files larger than this are not shown (a generated amalgamation is a few MB).
MAX_SOURCE_BYTES = 4 * 1024 * 1024
# No prompts for credentials, no index lock taken while reading.
GIT_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
# A version is a tag, branch or commit: no option, no `:` (it would split REV:PATH).
SAFE_REV = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./+@{}^~-]*")


class SourceUnavailable(UserError):  # noqa: N818 - a UserError: one sentence for the user
    """The anchored code cannot be shown; the message says why and what to do."""


# -- the registry ---------------------------------------------------------------


def registry_path() -> Path:
    from srcquiz.paths import data_dir

    return data_dir() / REGISTRY_NAME


def registered() -> dict[str, tuple[str, Path]]:
    """Checkouts by casefolded `owner/name`: (the name as added, the folder)."""
    path = registry_path()
    try:
        data = json.loads(read_regular(path, MAX_REGISTRY_BYTES).decode("utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise UserError(
            f"{path} cannot be read ({exc}); fix or delete it and add the checkouts again."
        ) from None
    repos = data.get("repos") if isinstance(data, dict) else None
    if not isinstance(repos, dict):
        raise UserError(f"{path} is not a list of checkouts; fix or delete it.")
    return {
        str(repo).casefold(): (str(repo), Path(str(folder)))
        for repo, folder in repos.items()
        if isinstance(folder, str)
    }


def _save(entries: dict[str, tuple[str, Path]]) -> None:
    from srcquiz.fsio import write_atomically

    path = registry_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    repos = {name: str(folder) for name, folder in sorted(entries.values())}
    body = json.dumps({"repos": repos}, ensure_ascii=False, indent=2) + "\n"
    write_atomically(path, lambda f: f.write(body.encode("utf-8")), example=REGISTRY_NAME)


def check_repo_name(repo: str) -> str:
    if REPO_RE.fullmatch(repo) is None:
        raise UserError(
            f"`{repo}` is not a repository name; give it as anchors do, OWNER/NAME "
            "(e.g. nginx/nginx)."
        )
    return repo


def add_checkout(repo: str, folder: Path) -> Path:
    """Register (or move) `repo`'s checkout; returns the top folder of its git work tree."""
    check_repo_name(repo)
    folder = folder.expanduser()
    if not folder.is_dir():
        what = "does not exist" if not folder.exists() else "is not a folder"
        raise UserError(f"{folder} {what}; give the folder of a git checkout of {repo}.")
    top = _git(folder, "rev-parse", "--show-toplevel")
    if top is None:
        raise UserError(
            f"{folder} is not a git checkout (srcquiz reads files with `git show`, "
            f"so clone it: git clone https://github.com/{repo} {folder})."
        )
    entries = registered()
    entries[repo.casefold()] = (repo, Path(top).resolve())
    _save(entries)
    return Path(top).resolve()


def remove_checkout(repo: str) -> Path:
    """Forget `repo`'s checkout; returns the folder it was (the folder is left alone)."""
    entries = registered()
    found = entries.pop(repo.casefold(), None)
    if found is None:
        known = ", ".join(name for name, _ in sorted(entries.values())) or "none"
        raise UserError(f"no checkout of {repo} is registered (registered: {known}).")
    _save(entries)
    return found[1]


def checkout_for(repo: str | None) -> Path | None:
    if not repo:
        return None
    found = registered().get(repo.casefold())
    return None if found is None else found[1]


# -- reading a file at a version -------------------------------------------------


def _git(root: Path, *args: str, timeout: float = GIT_TIMEOUT_S) -> str | None:
    """git's stdout, or None when git failed, is missing or took too long."""
    done = _run_git(root, args, timeout)
    return None if done is None or done.returncode else done.stdout.decode().strip()


def _run_git(
    root: Path, args: tuple[str, ...], timeout: float, stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes] | None:
    try:
        return subprocess.run(
            ["git", "-C", str(root), "--no-pager", *args],
            input=stdin,
            capture_output=True,
            timeout=timeout,
            env={**os.environ, **GIT_ENV},
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None


def _safe_path(path: str) -> str:
    p = PurePosixPath(path)
    odd = "\\" in path or path.startswith("~") or any(ord(ch) < 32 for ch in path)
    if not path or p.is_absolute() or ".." in p.parts or odd:
        shown = path.encode("unicode_escape").decode()
        raise SourceUnavailable(f"the anchored path {shown} is not a path inside the repository.")
    return p.as_posix()


def resolve_version(root: Path, version: str | None) -> tuple[str, str]:
    """(the name used, its commit) for the anchored version; HEAD when there is none.
    `1.2.3` and `v1.2.3` stand for each other when only one of them is a tag."""
    if not version:
        candidates = ["HEAD"]
    else:
        v = version.strip()
        candidates = [v, v[1:] if v.startswith("v") else f"v{v}"]
    for name in candidates:
        if SAFE_REV.fullmatch(name) is None:
            continue
        commit = _git(root, "rev-parse", "--verify", "--quiet", f"{name}^{{commit}}")
        if commit:
            return name, commit
    raise SourceUnavailable(
        f"the checkout {root} has no {version or 'HEAD'}: fetch it "
        f"(git -C {root} fetch --tags), then try again."
    )


def show_file(root: Path, rev: str, path: str, limit: int = MAX_SOURCE_BYTES) -> str:
    """The text of `path` at commit `rev` in the checkout at `root` (`git show REV:PATH`)."""
    spec = f"{rev}:{_safe_path(path)}"
    check = _run_git(root, ("cat-file", "--batch-check"), GIT_TIMEOUT_S, (spec + "\n").encode())
    if check is None or check.returncode:
        raise SourceUnavailable(f"git could not read {root} (is git installed?).")
    fields = check.stdout.decode(errors="replace").split()
    if len(fields) != 3 or fields[1] != "blob":
        what = "a folder" if len(fields) == 3 and fields[1] == "tree" else "not there"
        raise SourceUnavailable(f"{path} is {what} at {rev[:12]} in {root}.")
    size = int(fields[2])
    if size > limit:
        raise SourceUnavailable(
            f"{path} is {size / 1048576:.1f} MB at that version; files over "
            f"{limit // 1048576} MB are not shown."
        )
    shown = _run_git(root, ("show", spec), GIT_TIMEOUT_S)
    if shown is None or shown.returncode:
        raise SourceUnavailable(f"git show {spec} failed in {root}.")
    data = shown.stdout[: limit + 1]
    if b"\x00" in data:
        raise SourceUnavailable(f"{path} is a binary file.")
    return data.decode("utf-8", errors="replace")


@dataclass(frozen=True, slots=True)
class UpstreamFile:
    """One anchored file at its version, with the line that defines the symbol."""

    repo: str
    path: str
    version: str  # the name it was read at (a tag, branch, commit or HEAD)
    commit: str
    text: str
    line: int | None  # 1-based; None when the symbol's definition was not found
    checkout: Path


def read_anchored(anchor: Anchor, checkout: Path | None = None) -> UpstreamFile:
    """The anchored file at the anchored version, from `checkout` or the registered one.
    SourceUnavailable says why not (no checkout registered, version or file missing)."""
    if not anchor.repo or not anchor.path:
        raise SourceUnavailable("this anchor names no repository file.")
    root = checkout or checkout_for(anchor.repo)
    if root is None:
        raise SourceUnavailable(
            f"no checkout of {anchor.repo} is registered: add one once with "
            f"`srcquiz repos add {anchor.repo} PATH`."
        )
    if not root.is_dir():
        raise SourceUnavailable(
            f"the checkout of {anchor.repo} at {root} is gone; add it again with "
            f"`srcquiz repos add {anchor.repo} PATH`."
        )
    name, commit = resolve_version(root, anchor.version)
    text = show_file(root, commit, anchor.path)
    line = find_definition(text, anchor.symbol, anchor.path) if anchor.symbol else None
    return UpstreamFile(anchor.repo, anchor.path, name, commit, text, line, root)


def github_url(anchor: Anchor, line: int | None = None) -> str:
    """Where the anchored file is on GitHub, at the anchored version (HEAD without one)."""
    version = anchor.version or "HEAD"
    url = f"https://github.com/{anchor.repo}/blob/{version}/{anchor.path or ''}"
    return f"{url}#L{line}" if line else url


# -- finding the definition -------------------------------------------------------

# Keywords that introduce a definition in common languages, then the name.
_DEF_KEYWORDS = (
    r"def|class|struct|union|enum|interface|trait|impl|fn|func|function|type|typedef|"
    r"module|record|object|macro|sub|proc|procedure|namespace|let|const|var|val"
)
_WORD = r"[A-Za-z0-9_$]"


def _scorers(name: str) -> list[tuple[int, re.Pattern[str]]]:
    n = re.escape(name)
    return [
        # `def name`, `class Name`, `struct name {`, `async function name`, `#define NAME`
        (5, re.compile(rf"(?:^|[^{_WORD[1:-1]}.])(?:{_DEF_KEYWORDS})\s+[*&]*{n}(?!{_WORD})")),
        (5, re.compile(rf"^\s*#\s*define\s+{n}(?!{_WORD})")),
        # Go methods: `func (r *T) name(`
        (5, re.compile(rf"\bfunc\s*\([^)]*\)\s*{n}\s*[(\[]")),
        # `name = function`, `name: function`, `name = (a) =>`, `NAME = value` at the left
        (3, re.compile(rf"^\s*(?:export\s+)?(?:static\s+)?{n}\s*(?::|=(?!=))")),
    ]


# A C-like signature: only types and qualifiers before the name, then `(`.
_SIGNATURE_PREFIX = re.compile(r"^\s*(?:[A-Za-z_][\w:<>,\s]*[\s*&]+)?[*&]*$")
# What may stand between a parameter list and the body: `const`, `-> T`, `: T`, `throws E`.
_BEFORE_BODY = re.compile(
    r"\s*(?:const|override|noexcept|final|async|throws\s+[\w.,\s]+|->\s*[^{;()]+|"
    r":\s*[^{;=()]+)?\s*\{"
)
_COMMENT = re.compile(r"^\s*(?://|/\*|\*|#(?!\s*define)|--|;)")
SIGNATURE_LINES = 30


def _signature_score(lines: list[str], index: int, start: int, end: int) -> int:
    """5 for a function definition (`name(...)` and then its body `{`), 2 for a field or
    variable declaration (`type name;`), 1 for a call or a prototype, 0 otherwise."""
    line = lines[index]
    before = line[:start]
    if not _SIGNATURE_PREFIX.match(before) or before.strip() in ("return", "else", "new"):
        return 0
    rest = line[end:].lstrip()
    if rest.startswith("("):
        text = "\n".join([line[end:], *lines[index + 1 : index + SIGNATURE_LINES]])
        close = _matching_paren(text, text.index("("))
        if close is not None and _BEFORE_BODY.match(text, close + 1):
            return 5
        return 1
    if rest[:1] in (";", "[", ",", "=") and before.strip():
        return 2  # `ngx_uint_t  worker_processes;`, a field or a variable
    return 0


def _matching_paren(text: str, open_at: int) -> int | None:
    depth = 0
    for i in range(open_at, len(text)):
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
    return None


def find_definition(text: str, symbol: str | None, path: str = "") -> int | None:
    """The 1-based line where `symbol` is defined in `text` (its first whole-word use
    when no line looks like a definition); None when it is not there at all.
    `Outer.name`, `Outer::name` and `Outer#name` look for `name` after `Outer`."""
    if not symbol:
        return None
    parts = [p for p in re.split(r"\.|::|#", symbol.strip()) if p]
    if not parts:
        return None
    lines = text.splitlines()
    after = 0
    if len(parts) > 1:
        outer = _best_line(lines, parts[-2], 0)
        after = outer[0] if outer is not None else 0
    found = _best_line(lines, parts[-1], after) or _best_line(lines, parts[-1], 0)
    return None if found is None else found[0] + 1


def _best_line(lines: list[str], name: str, after: int) -> tuple[int, int] | None:
    """(index, score) of the best definition-looking line at or after `after`."""
    word = re.compile(rf"(?<!{_WORD}){re.escape(name)}(?!{_WORD})")
    scorers = _scorers(name)
    best: tuple[int, int] | None = None
    for index in range(after, len(lines)):
        line = lines[index]
        match = word.search(line)
        if match is None:
            continue
        if _COMMENT.match(line):
            score = 0
        else:
            score = max(
                (points for points, pattern in scorers if pattern.search(line)), default=1
            )
            score = max(score, _signature_score(lines, index, match.start(), match.end()))
        if best is None or score > best[1]:
            best = (index, score)
        if score >= 5:
            break
    return best


# -- opening it in an editor --------------------------------------------------------

# Editors that take `FILE:LINE` (after these options) rather than `+LINE FILE`.
COLON_LINE_EDITORS: dict[str, tuple[str, ...]] = {
    "code": ("-g",),
    "code-insiders": ("-g",),
    "codium": ("-g",),
    "cursor": ("-g",),
    "subl": (),
    "sublime_text": (),
    "zed": (),
    "hx": (),
    "helix": (),
}


def editor_command(editor: str, path: Path, line: int | None) -> list[str]:
    """The command that opens `path` at `line` in `editor` (a $EDITOR value)."""
    import shlex

    argv = shlex.split(editor)
    if not argv:
        raise UserError("$EDITOR is empty; set it to your editor (e.g. export EDITOR=vim).")
    name = Path(argv[0]).name.removesuffix(".exe")
    if line is None:
        return [*argv, str(path)]
    if name in COLON_LINE_EDITORS:
        return [*argv, *COLON_LINE_EDITORS[name], f"{path}:{line}"]
    return [*argv, f"+{line}", str(path)]


def file_to_edit(up: UpstreamFile) -> tuple[Path, str]:
    """The file an editor should open to show what the viewer showed, and a note.

    The checkout's own file when it holds exactly that version's text; else (the
    checkout is on another version) a read-only copy of the file at that version
    in the cache folder, so the line number still points at the definition."""
    own = up.checkout / up.path
    try:
        data = read_regular(own, MAX_SOURCE_BYTES)  # a regular file, of a readable size
        same = data.decode("utf-8", errors="replace") == up.text
    except OSError:
        same = False
    if same:
        return own, ""
    from srcquiz.fsio import write_atomically
    from srcquiz.paths import cache_dir

    copy = cache_dir() / "upstream" / up.repo / up.commit[:12] / up.path
    copy.parent.mkdir(parents=True, exist_ok=True)
    if copy.exists():
        copy.chmod(0o644)
    body = up.text.encode("utf-8")
    write_atomically(copy, lambda f: f.write(body), example=PurePosixPath(up.path).name)
    copy.chmod(0o444)
    note = (
        f"your checkout's {up.path} is not the one at {up.version}: "
        f"opened a read-only copy of it at {up.version}"
    )
    return copy, note
