"""`?` / F1: every key binding, read from the screens' and widgets' own BINDINGS so the
list cannot drift from what the keys really do."""

from __future__ import annotations

import re
from collections.abc import Iterable

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from srcquiz.tui.screens.base import BaseModal

KEY_NAMES = {
    "up": "↑",
    "down": "↓",
    "left": "←",
    "right": "→",
    "enter": "Enter",
    "escape": "Esc",
    "space": "Space",
    "backspace": "Backspace",
    "delete": "Del",
    "pageup": "PgUp",
    "pagedown": "PgDn",
    "question_mark": "?",
    "tab": "Tab",
    "insert": "Ins",
}
KEY_WIDTH = 22
_NUMBERED = re.compile(r"^(.*) (\w)$")
# Neighbouring rows shown as one: (first, second) descriptions -> the merged one.
PAIRS = {
    ("Up", "Down"): "Move the highlight",
    ("Page up", "Page down"): "Move a page",
    ("Move up", "Move down"): "Move the item up / down",
    ("Left column", "Right column"): "Switch column",
    ("Previous answer", "Next answer"): "Previous / next answer",
}


def key_text(key: str) -> str:
    parts = []
    for one in key.split(","):
        one = one.strip()
        name = KEY_NAMES.get(one)
        if name is None:
            mods, _, base = one.rpartition("+")
            base = KEY_NAMES.get(base, base)
            name = f"{mods}+{base}" if mods else base
        if name and name not in parts:
            parts.append(name)
    return " / ".join(parts)


def binding_rows(bindings: Iterable[Binding | tuple[str, ...]]) -> list[tuple[str, str]]:
    """(keys, what they do); runs like `Option 1`..`Option 9` become one `1-9` row."""
    rows: list[tuple[str, str]] = []
    run: list[tuple[str, str]] = []

    def flush() -> None:
        if len(run) > 2:
            span = f"{run[0][0]}-{run[-1][0]}"
            prefix = _NUMBERED.sub(r"\1", run[0][1])
            rows.append((span, f"{prefix} {span}"))
        else:
            rows.extend(run)
        run.clear()

    for b in bindings:
        binding = b if isinstance(b, Binding) else Binding(b[0], b[1], b[2] if len(b) > 2 else "")
        if rows and not run and (rows[-1][1], binding.description) in PAIRS:
            keys, first = rows.pop()
            ours = key_text(binding.key).split(" / ")
            theirs = keys.split(" / ")
            desc = PAIRS[(first, binding.description)]
            others = [k for pair in zip(theirs[1:], ours[1:], strict=False) for k in pair]
            if others:
                mods = dict.fromkeys(o.rpartition("+")[0] or o for o in others)
                desc += f" ({'/'.join(mods)} too)"
            rows.append((f"{theirs[0]} / {ours[0]}", desc))
            continue
        if rows and not run and rows[-1][1] == binding.description:
            keys, desc = rows.pop()
            rows.append((f"{keys} / {key_text(binding.key)}", desc))
            continue
        keys = key_text(binding.key)
        desc = binding.description or binding.action
        m = _NUMBERED.match(desc)
        if m and len(keys) == 1 and run and _NUMBERED.sub(r"\1", run[-1][1]) == m.group(1):
            run.append((keys, desc))
            continue
        flush()
        if m and len(keys) == 1:
            run.append((keys, desc))
        else:
            rows.append((keys, desc))
    flush()
    return rows


def sections() -> list[tuple[str, list[tuple[str, str]]]]:
    from srcquiz.tui.app import SrcquizApp
    from srcquiz.tui.screens.answer import AnswerScreen
    from srcquiz.tui.screens.code import CodeScreen
    from srcquiz.tui.screens.decks import DecksScreen
    from srcquiz.tui.screens.session import SessionScreen
    from srcquiz.tui.screens.settings import SettingsScreen
    from srcquiz.tui.screens.stats import StatsScreen
    from srcquiz.tui.screens.summary import SummaryScreen
    from srcquiz.tui.widgets.answer import WIDGETS
    from srcquiz.tui.widgets.answer.choice import PickList

    everywhere = [
        *binding_rows(SrcquizApp.BINDINGS),
        ("ctrl+p", "Command palette: every action, themes"),
        ("ctrl+q", "Quit (asks first during a session)"),
    ]
    out = [
        ("Everywhere", everywhere),
        ("Decks", [("type", "Filter the decks"), *binding_rows(DecksScreen.BINDINGS)]),
        ("Session", binding_rows(SessionScreen.BINDINGS)),
    ]
    seen: set[type] = set()
    for _kind, cls in WIDGETS.items():
        if cls in seen:
            continue
        seen.add(cls)
        chain = [c for c in cls.__mro__ if "BINDINGS" in c.__dict__ and c is not object]
        if PickList in chain and cls is not PickList:
            # Subclass keys first, then the shared list keys.
            chain = [cls, PickList]
        bindings = [b for c in chain for b in c.__dict__["BINDINGS"]]
        kinds = [k for k, c in WIDGETS.items() if c is cls]
        rows = [*getattr(cls, "HELP_KEYS", ()), *binding_rows(bindings)]
        out.append((f"Answering: {' / '.join(kinds)}", rows))
    out.append(("Upstream code (c after an anchored answer)", binding_rows(CodeScreen.BINDINGS)))
    out.append(("Summary", binding_rows(SummaryScreen.BINDINGS)))
    out.append(("One answer again (Enter on a summary row)", binding_rows(AnswerScreen.BINDINGS)))
    out.append(("Stats", binding_rows(StatsScreen.BINDINGS)))
    out.append(("Settings (ctrl+l on the decks)", binding_rows(SettingsScreen.BINDINGS)))
    return out


def render_section(title: str, rows: list[tuple[str, str]]) -> Text:
    text = Text()
    text.append(title, style="bold underline")
    for keys, desc in rows:
        text.append("\n")
        text.append(keys, style="bold")
        text.append(" " * max(1, KEY_WIDTH - cell_len(keys)))
        text.append(desc)
    return text


class HelpScreen(BaseModal):
    BINDINGS = [Binding("escape,q,f1,question_mark", "close", "Close")]

    def __init__(self) -> None:
        super().__init__(id="help")

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box", classes="body"):
            yield Static("srcquiz keys  (Esc closes)", id="help-title", markup=False)
            for title, rows in sections():
                yield Static(render_section(title, rows), classes="help-section")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#help-box").focus()

    def action_close(self) -> None:
        self.dismiss()
