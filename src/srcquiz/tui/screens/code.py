"""`c` after an anchored answer: the anchored symbol in the real upstream source.

The file is read at the anchored version from the learner's registered checkout
(`srcquiz repos add`), with git, in a worker thread (git and highlighting a large
file take a moment; the screen says so meanwhile); then it is shown highlighted,
scrolled to the symbol's definition. `e` opens $EDITOR there. Without a checkout
the screen says how to add one and where the file is on GitHub.
"""

from __future__ import annotations

import os
import subprocess
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Static

from srcquiz.deck.upstream import (
    UpstreamFile,
    checkout_for,
    editor_command,
    file_to_edit,
    github_url,
    read_anchored,
)
from srcquiz.errors import UserError
from srcquiz.textsafe import one_line, printable
from srcquiz.tui.screens.base import BaseScreen
from srcquiz.tui.widgets.codeview import CodeView, highlighted_lines
from srcquiz.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from textual.worker import Worker

    from srcquiz.deck.parts import Anchor


def anchor_title(anchor: Anchor, up: UpstreamFile | None = None) -> str:
    """`nginx/nginx · src/core/nginx.c @ release-1.25.3 · main, line 201`."""
    parts = [p for p in (anchor.repo, anchor.path) if p]
    text = " · ".join(parts)
    version = up.version if up is not None else anchor.version
    if version:
        text += f" @ {version}"
    if up is not None and up.commit and version != up.commit:
        text += f" ({up.commit[:12]})"
    if anchor.symbol:
        text += f" · {anchor.symbol}"
        if up is not None:
            text += f", line {up.line}" if up.line else " (its definition was not found)"
    return one_line(text)


class CodeScreen(BaseScreen):
    # Here rather than in srcquiz.tcss: parsed only when the screen is first opened.
    DEFAULT_CSS = """
    #code-title {
        height: 1;
        padding: 0 1;
        background: $panel;
        text-style: bold;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    #code-message {
        height: auto;
        padding: 1 2;
    }
    #code-view {
        height: 1fr;
    }
    """
    BINDINGS = [
        Binding("escape,q", "back", "Back"),
        Binding("e", "editor", "Open in $EDITOR"),
        Binding("g", "to_definition", "To the definition"),
        Binding("home", "scroll_home", "Top", show=False),
        Binding("end", "scroll_end", "Bottom", show=False),
    ]

    def __init__(self, anchor: Anchor) -> None:
        super().__init__(id="code-screen")
        self.code_anchor = anchor
        self.upstream: UpstreamFile | None = None
        self.problem: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(anchor_title(self.code_anchor), id="code-title", markup=False)
        yield Static("Reading the file with git…", id="code-message", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        super().on_mount()
        if checkout_for(self.code_anchor.repo) is None:
            self._show_no_checkout()
            return
        self.run_worker(self._load, thread=True, exit_on_error=False, name="read-upstream")

    def _show_no_checkout(self) -> None:
        """How to add the checkout (once), and where the file is on GitHub meanwhile."""
        repo = one_line(self.code_anchor.repo or "")
        name = repo.rpartition("/")[2] or "repo"
        url = github_url(self.code_anchor)
        self.problem = f"no checkout of {repo}"
        self.query_one("#code-message", Static).update(
            Content.assemble(
                (f"No checkout of {repo} is registered.", "bold"),
                " Clone it and add it once; every question anchored to it then shows "
                "its code here:\n\n",
                (f"    git clone https://github.com/{repo} ~/src/{name}\n", "$text-accent"),
                (f"    srcquiz repos add {repo} ~/src/{name}", "bold $text-accent"),
                "\n\nMeanwhile, the file on GitHub at that version:\n    ",
                (one_line(url), "underline"),
            )
        )

    def _load(self) -> tuple[UpstreamFile, list[Content]]:
        up = read_anchored(self.code_anchor)
        return up, highlighted_lines(printable(up.text), up.path)

    async def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.name != "read-upstream" or not worker.is_finished:
            return
        if worker.error is not None:
            error = worker.error
            reason = str(error) if isinstance(error, UserError) else f"git failed: {error}"
            self._show_problem(reason)
            return
        up, lines = worker.result  # type: ignore[misc]
        self.upstream = up
        self.query_one("#code-title", Static).update(anchor_title(self.code_anchor, up))
        message = self.query_one("#code-message", Static)
        if up.line is None and self.code_anchor.symbol:
            message.update(f"{self.code_anchor.symbol} was not found in this file at {up.version}.")
        else:
            message.display = False
        target = None if up.line is None else up.line - 1
        view = CodeView(lines, target, id="code-view")
        await self.mount(view, before=self.query_one(KeyBar))
        view.focus()
        self.refresh_bindings()

    def _show_problem(self, reason: str) -> None:
        self.problem = reason
        url = github_url(self.code_anchor)
        self.query_one("#code-message", Static).update(
            Content.assemble(
                (printable(reason[:1].upper() + reason[1:]), "bold"),
                "\n\nThe file on GitHub at that version:\n    ",
                (one_line(url), "underline"),
            )
        )
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("editor", "to_definition", "scroll_home", "scroll_end"):
            return True if self.upstream is not None else None
        return True

    def action_back(self) -> None:
        self.dismiss()

    def action_to_definition(self) -> None:
        self.query_one(CodeView).scroll_to_target()

    def action_scroll_home(self) -> None:
        self.query_one(CodeView).scroll_home(animate=False)

    def action_scroll_end(self) -> None:
        self.query_one(CodeView).scroll_end(animate=False)

    def action_editor(self) -> None:
        up = self.upstream
        if up is None:
            return
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
        if not editor:
            self.notify(
                "Set $EDITOR to your editor (for example: export EDITOR=vim) to open the code.",
                severity="warning",
            )
            return
        try:
            path, note = file_to_edit(up)
            command = editor_command(editor, path, up.line)
        except UserError as exc:
            self.notify(printable(str(exc)), severity="error", markup=False)
            return
        failed = run_editor(self.app, command)
        if failed:
            self.notify(failed, title="The editor did not start", severity="error", markup=False)
        elif note:
            self.notify(printable(note), markup=False)


def run_editor(app: object, command: list[str]) -> str:
    """Run the editor with the terminal handed over to it; an error sentence, or ""."""
    from textual.app import App, SuspendNotSupported

    assert isinstance(app, App)
    try:
        with app.suspend():
            return _run(command)
    except SuspendNotSupported:  # headless or in a browser: nothing to hand over
        return _run(command)


def _run(command: list[str]) -> str:
    try:
        subprocess.run(command, check=False)
    except OSError as exc:
        return one_line(f"{command[0]}: {exc.strerror or exc}")
    return ""
