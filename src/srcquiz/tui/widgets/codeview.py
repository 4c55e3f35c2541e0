"""A whole source file, highlighted, with line numbers and one line marked.

Lines are drawn only when they scroll into view (a ScrollView), so a file of
thousands of lines opens as fast as a short one once it is highlighted.
"""

from __future__ import annotations

from textual.content import Content
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.visual import Visual

MARK = "▶"
TARGET_STYLE = "bold reverse"
TARGET_LINE_STYLE = "on $accent 25%"
TAB_SIZE = 8  # as git, less and most terminals show a tab


def language_for(path: str) -> str:
    """The Pygments language of a file, by its name only (never guessed from the text,
    which tries every lexer and is slow on a large file)."""
    from pygments.lexers import find_lexer_class_for_filename

    try:
        lexer = find_lexer_class_for_filename(path)
    except Exception:  # a lexer that fails to load: show the file plain
        lexer = None
    if lexer is None:
        return "text"
    return lexer.aliases[0] if lexer.aliases else lexer.name


def expand_tabs(line: Content, size: int = TAB_SIZE) -> Content:
    """`line` with each tab turned into spaces up to the next tab stop, counted in
    terminal cells (a CJK character takes two).

    Textual measures a tab as no cell at all, then draws it as spaces: a line drawn
    at its measured width wrapped, and its last word (on a CJK line, every character
    up to the last space) fell off; its own expansion counts a CJK character as one
    column on an unstyled line. Here the line's width is what is drawn.
    """
    if "\t" not in line.plain:
        return line
    parts: list[Content] = []
    column = 0
    for part in line.split("\t", include_separator=True):
        if part.plain.endswith("\t"):
            head = part[:-1]
            column += head.cell_length
            spaces = size - column % size
            parts += [head, Content(" " * spaces)]
            column += spaces
        else:
            parts.append(part)
            column += part.cell_length
    return Content("").join(parts)


def highlighted_lines(text: str, path: str) -> list[Content]:
    """Each line of `text`, highlighted as the language its file name says, tabs
    expanded (highlighted first: a Makefile's recipe is known by its leading tab)."""
    from textual.highlight import highlight

    try:
        content = highlight(text, language=language_for(path))
    except Exception:  # a lexer that breaks on this input: plain text
        content = Content(text)
    lines = content.split("\n")
    if lines and not lines[-1].plain and text.endswith("\n"):
        lines.pop()  # the newline at the end of the file is not one more line
    return [expand_tabs(line) for line in lines]


class CodeView(ScrollView, can_focus=True):
    """The file; `target` (0-based) is marked in the gutter and scrolled to."""

    DEFAULT_CSS = """
    CodeView {
        background: $surface;
        text-wrap: nowrap;
        text-overflow: clip;
    }
    """

    def __init__(self, lines: list[Content], target: int | None, *, id: str | None = None):
        super().__init__(id=id)
        self.lines = lines
        self.target = target
        self._gutter = len(str(len(lines))) + 3
        width = max((line.cell_length for line in lines), default=0) + self._gutter
        self.virtual_size = Size(width, len(lines))
        self._strips: dict[int, Strip] = {}

    def on_mount(self) -> None:
        self._placed_at: float | None = None
        self.call_after_refresh(self.scroll_to_target)

    def on_resize(self) -> None:
        # The first placement can run before layout has given the view its height
        # (on a busy machine it then clamps to the top): place it again while the
        # learner has not scrolled away from where the view put itself.
        if self._placed_at is None or self.scroll_y == self._placed_at:
            self.call_after_refresh(self.scroll_to_target)

    def scroll_to_target(self) -> None:
        """Put the marked line a few lines below the top, with what leads up to it above."""
        if self.target is not None and self.size.height:
            top = max(0, self.target - max(2, self.size.height // 4))
            top = min(top, max(0, self.virtual_size.height - self.size.height))
            self.scroll_to(x=0, y=top, animate=False, immediate=True)
            self._placed_at = top

    def _line_strip(self, index: int) -> Strip:
        strip = self._strips.get(index)
        if strip is None:
            marked = index == self.target
            number = f"{MARK if marked else ' '}{index + 1:>{self._gutter - 3}}  "
            line = self.lines[index]
            if marked:
                line = line.stylize_before(TARGET_LINE_STYLE)
            content = Content.assemble((number, TARGET_STYLE if marked else "dim"), line)
            width = max(1, content.cell_length)
            strips = Visual.to_strips(
                self, content, width, 1, self.visual_style, apply_selection=False
            )
            strip = strips[0] if strips else Strip([])
            self._strips[index] = strip
        return strip

    def render_line(self, y: int) -> Strip:
        index = y + self.scroll_offset.y
        width = self.size.width
        style = self.visual_style.rich_style
        if not 0 <= index < len(self.lines):
            return Strip.blank(width, style)
        strip = self._line_strip(index)
        x = self.scroll_offset.x
        return strip.crop(x, x + width).extend_cell_length(width, style)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()  # a new theme: draw the lines again
        self.refresh()

    def line_text(self, index: int) -> str:
        """The plain text of a 0-based line (for tests and copying)."""
        return self.lines[index].plain
