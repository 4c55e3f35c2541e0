"""Reading anchored code from a registered checkout: the right definition at each version
(read with git, whatever the checkout is on), the registry, and every refusal a sentence."""

from __future__ import annotations

from pathlib import Path

import pytest
from upstream_support import V1_LINE, V2_LINE, git, make_repo

from srcquiz.cli.parser import main
from srcquiz.deck.parts import Anchor
from srcquiz.deck.upstream import (
    SourceUnavailable,
    add_checkout,
    checkout_for,
    editor_command,
    file_to_edit,
    find_definition,
    github_url,
    read_anchored,
    registered,
    show_file,
)
from srcquiz.errors import UserError


def anchor(version: str | None, symbol: str = "master_cycle") -> Anchor:
    return Anchor(repo="acme/server", path="src/cycle.c", symbol=symbol, version=version)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "server")


@pytest.mark.parametrize(("version", "line"), [("v1", V1_LINE), ("v2", V2_LINE)])
def test_the_definition_is_found_at_each_version(repo: Path, version: str, line: int) -> None:
    up = read_anchored(anchor(version), checkout=repo)
    assert up.line == line
    assert up.text.splitlines()[line - 1] == "master_cycle(int signo)"
    assert up.commit == git(repo, "rev-parse", f"{version}^{{commit}}")


def test_the_version_is_read_whatever_the_checkout_is_on(repo: Path) -> None:
    assert git(repo, "rev-parse", "--abbrev-ref", "HEAD") == "elsewhere"
    (repo / "src" / "cycle.c").write_text("uncommitted edits\n")  # the work tree is not read
    up = read_anchored(anchor("v2"), checkout=repo)
    assert up.line == V2_LINE and "uncommitted" not in up.text
    commit = git(repo, "rev-parse", "v2")
    assert read_anchored(anchor(commit[:10]), checkout=repo).line == V2_LINE
    assert read_anchored(anchor("2"), checkout=repo).version == "v2"  # `2` finds the tag v2
    assert read_anchored(anchor(None), checkout=repo).version == "HEAD"


def test_the_registered_checkout_is_used(repo: Path, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SourceUnavailable, match="srcquiz repos add acme/server PATH"):
        read_anchored(anchor("v1"))
    assert main(["repos", "add", "acme/server", str(repo / "src")]) == 0  # a folder inside
    assert checkout_for("ACME/Server") == repo.resolve()  # the top of the work tree
    assert read_anchored(anchor("v1")).line == V1_LINE
    assert main(["repos"]) == 0
    assert f"acme/server  {repo.resolve()}" in capsys.readouterr().out
    assert main(["repos", "remove", "acme/server"]) == 0
    assert registered() == {}


@pytest.mark.parametrize(
    ("given", "said"),
    [
        (anchor("v9"), "has no v9: fetch it"),
        (Anchor(repo="acme/server", path="src/gone.c", version="v1"), "src/gone.c is not there"),
        (Anchor(repo="acme/server", path="src", version="v1"), "src is a folder"),
        (Anchor(repo="acme/server", path="../etc/passwd", version="v1"), "not a path inside"),
        (Anchor(repo="acme/server", path="/etc/passwd", version="v1"), "not a path inside"),
        (Anchor(repo="acme/server", path="src/cycle.c\nv2:src/cycle.c", version="v1"), "inside"),
        (anchor("--output=/tmp/x"), "has no --output=/tmp/x"),
    ],
)
def test_what_cannot_be_shown_is_one_sentence(repo: Path, given: Anchor, said: str) -> None:
    with pytest.raises(SourceUnavailable, match=said.replace("?", r"\?")) as caught:
        read_anchored(given, checkout=repo)
    assert "\n" not in str(caught.value)


def test_large_and_binary_files_are_refused_before_reading(repo: Path) -> None:
    with pytest.raises(SourceUnavailable, match="files over"):
        show_file(repo, "v1", "src/cycle.c", limit=10)
    (repo / "blob.bin").write_bytes(b"\x00\x01binary")
    git(repo, "add", "blob.bin")
    git(repo, "commit", "-q", "-m", "bin")
    with pytest.raises(SourceUnavailable, match="binary"):
        show_file(repo, "HEAD", "blob.bin")


def test_adding_a_checkout_checks_it(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="not a repository name"):
        add_checkout("server", tmp_path)
    with pytest.raises(UserError, match="does not exist"):
        add_checkout("acme/server", tmp_path / "nope")
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(UserError, match="not a git checkout"):
        add_checkout("acme/server", plain)


@pytest.mark.parametrize(
    ("text", "symbol", "line"),
    [
        ("int f(void);\nvoid g(void) { f(); }\nint\nf(void)\n{\n}\n", "f", 4),
        ("class Server:\n    def run(self):\n        pass\ndef run():\n    pass\n", "Server.run", 2),  # noqa: E501
        ("  compose(mw, () => {\n  })\nfunction compose(mw) {\n}\n", "compose", 3),
        ("func (s *Server) Serve(l Listener) error {\n}\n", "Serve", 1),
        ("struct conf {\n    int  worker_processes;\n};\n", "worker_processes", 2),
        ("#define NGX_OK 0\nreturn NGX_OK;\n", "NGX_OK", 1),
        ("// only a comment: run\nx = run + 1\n", "run", 2),
        ("nothing here\n", "missing", None),
    ],
)
def test_find_definition(text: str, symbol: str, line: int | None) -> None:
    assert find_definition(text, symbol) == line


def test_github_url_and_editor_command() -> None:
    assert github_url(anchor("v1"), 4) == "https://github.com/acme/server/blob/v1/src/cycle.c#L4"
    assert github_url(anchor(None)).endswith("/blob/HEAD/src/cycle.c")
    path = Path("/src/cycle.c")
    assert editor_command("vim", path, 4) == ["vim", "+4", "/src/cycle.c"]
    assert editor_command("code --wait", path, 4) == ["code", "--wait", "-g", "/src/cycle.c:4"]
    assert editor_command("nano", path, None) == ["nano", "/src/cycle.c"]


def test_the_editor_gets_the_checkout_file_only_when_it_is_that_version(repo: Path) -> None:
    up = read_anchored(anchor("v1"), checkout=repo)  # the work tree is at v1
    assert file_to_edit(up) == (repo / "src" / "cycle.c", "")
    up = read_anchored(anchor("v2"), checkout=repo)
    copy, note = file_to_edit(up)
    assert copy != repo / "src" / "cycle.c" and "read-only copy" in note
    assert copy.read_text() == up.text
    assert copy.read_text().splitlines()[V2_LINE - 1] == "master_cycle(int signo)"
