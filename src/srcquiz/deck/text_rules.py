"""Rules every text field of a deck obeys, whatever its key.

Deck text is data: it is shown in a terminal, exported, compared with answers. A
control character written with a YAML escape (`"\\e]52;c;…"`) would be a command
to the terminal instead (set the clipboard, retitle the window, clear the screen),
and a bidi override makes text read differently from what it holds. So any of
them is an error, and a deck holding one does not load. Tab and newline stay
allowed: code snippets and long explanations need them.
"""

from __future__ import annotations

import unicodedata

from srcquiz.textsafe import first_control

# Names for the characters unicodedata has none for (C0, DEL and C1 are unnamed).
_SHORT_NAMES = {0x1B: "ESC", 0x7F: "DEL", 0x0D: "carriage return", 0x00: "NUL", 0x07: "BEL"}


def describe_char(char: str) -> str:
    """`U+001B (ESC)`, `U+202E (RIGHT-TO-LEFT OVERRIDE)`."""
    code = ord(char)
    name = _SHORT_NAMES.get(code) or unicodedata.name(char, "")
    return f"U+{code:04X}" + (f" ({name})" if name else "")


def control_problem(text: str, what: str) -> str | None:
    """The lint message for the first control character in `text`, or None.

    Only the code point is named, never the text itself: the message is printed too.
    """
    char = first_control(text)
    if char is None:
        return None
    return (
        f"{what} holds the control character {describe_char(char)}, which terminals obey "
        f"rather than show; remove the control character U+{ord(char):04X}"
    )
