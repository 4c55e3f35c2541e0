"""Text from decks, answers and paths is shown to the user, never obeyed by the terminal.

A terminal takes control characters as commands: ESC starts sequences that set the
clipboard (OSC 52), retitle the window or clear the screen; CR and the bidi
overrides make a line read differently from what it holds. The deck linter refuses
them (`deck.text_rules`); every renderer still passes what it writes through
`printable` or `one_line`, so text from anywhere else (a typed or pasted answer, a
file name, a path) cannot do it either. Each such character is shown as a visible
escape, `\\x1b` or `\\u202e`, so it can be found and removed.
"""

from __future__ import annotations

import re

# C0 but tab and newline, DEL, C1, and the bidi embeddings, overrides and isolates.
_CONTROLS = "\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
CONTROL_RE = re.compile(f"[{_CONTROLS}]")
# The same plus tab and newline: for what must stay on one line (a file name, a path).
LINE_CONTROL_RE = re.compile(f"[\t\n{_CONTROLS}]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def escape_char(char: str) -> str:
    """`\\x1b`, `\\u202e`: how one control character is shown."""
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _escape(match: re.Match[str]) -> str:
    return escape_char(match.group())


def printable(text: str) -> str:
    """`text` with every control character but tab and newline shown as an escape."""
    if CONTROL_RE.search(text) is None:  # the usual case: no copy
        return text
    return CONTROL_RE.sub(_escape, text)


def one_line(text: str) -> str:
    """`text` as one line: tab and newline are shown as `\\t` and `\\n` too, so a
    name cannot start a line of its own (and pass for another line of output)."""
    if LINE_CONTROL_RE.search(text) is None:
        return text
    return LINE_CONTROL_RE.sub(_escape, text)


def first_control(text: str) -> str | None:
    """The first character `printable` would escape, or None."""
    found = CONTROL_RE.search(text)
    return None if found is None else found.group()
