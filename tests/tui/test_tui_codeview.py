"""The upstream-code view draws every glyph of a line: tabs are expanded in terminal
cells before the line is measured, so a tab no longer makes a line wrap and drop its
end (on a CJK line, every character after the last space), at any width."""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.content import Content

from srcquiz.tui.widgets.codeview import CodeView, expand_tabs, highlighted_lines

SOURCE = (
    "int main(void)\n"
    "{\n"
    "\t/* 主进程与工作进程: master 等待信号 */\n"
    "\tif (ready) {\t// 制表符之后的注释\n"
    "    // 事件循环在这里阻塞，直到有事件到达为止，"
    "然后处理所有的就绪事件并返回调用者继续执行下一轮\n"
    "\t\treturn 0;\t/* 结束 */\n"
    "}\n"
)
SIZES = [(80, 24), (120, 40), (200, 50)]


class CodeApp(App[None]):
    def compose(self) -> ComposeResult:
        yield CodeView(highlighted_lines(SOURCE, "main.c"), 2, id="code-view")


def screen_lines(app: App[None]) -> list[str]:
    strips = app.screen._compositor.render_strips()
    return ["".join(seg.text for seg in strip) for strip in strips]


def shown(line: str, width: int) -> str:
    """`line` as far as it fits in `width` cells (a wide glyph cut in half: not shown)."""
    out, used = "", 0
    for char in line:
        used += cell_len(char)
        if used > width:
            break
        out += char
    return out


@pytest.mark.parametrize(
    ("text", "expanded"),
    [
        ("ab\tc", "ab      c"),
        ("中\tx", "中      x"),  # 中 takes two cells: six spaces to the stop at 8
        ("a中文\t|", "a中文   |"),
        ("\t\tx", " " * 16 + "x"),
        ("abcdefgh\tx", "abcdefgh" + " " * 8 + "x"),
        ("no tab", "no tab"),
    ],
)
def test_tabs_expand_to_stops_counted_in_cells(text: str, expanded: str) -> None:
    line = expand_tabs(Content(text))
    assert line.plain == expanded
    assert line.cell_length == cell_len(expanded)


def test_highlighting_survives_the_expansion() -> None:
    line = highlighted_lines("\tif (ready) {\t// 注释\n", "main.c")[0]
    assert line.plain == "        if (ready) {    // 注释"
    assert line.spans  # still highlighted


@pytest.mark.parametrize("size", SIZES)
async def test_every_glyph_of_a_line_is_drawn_and_stays_after_a_repaint(size) -> None:
    expected = [line.expandtabs(8) for line in SOURCE.splitlines()]  # ASCII before tabs
    app = CodeApp()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        view = app.query_one(CodeView)
        gutter = view._gutter
        first = screen_lines(app)
        for index, text in enumerate(expected):
            drawn = first[index][gutter:].rstrip()
            assert drawn == shown(text, view.size.width - gutter).rstrip(), (index, drawn)
        # A forced repaint (resize away and back, scroll right and back) changes nothing.
        await pilot.resize_terminal(size[0] + 1, size[1])
        await pilot.pause()
        await pilot.resize_terminal(*size)
        view.scroll_to(x=10, animate=False)
        await pilot.pause()
        view.scroll_to(x=0, animate=False)
        await pilot.pause()
        assert screen_lines(app) == first


async def test_scrolling_right_reaches_the_end_of_the_longest_line() -> None:
    app = CodeApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        view = app.query_one(CodeView)
        view.scroll_to(x=view.max_scroll_x, animate=False)
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        assert "执行下一轮" in text  # the end of the CJK comment line
        assert "/* 结束 */" in text  # after two tabs and a third
