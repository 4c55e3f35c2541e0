"""One answer widget per question kind."""

from __future__ import annotations

from typing import TYPE_CHECKING

from srcquiz.tui.widgets.answer.base import AnswerWidget
from srcquiz.tui.widgets.answer.card import CardAnswer
from srcquiz.tui.widgets.answer.choice import ChoiceAnswer, TrueFalseAnswer
from srcquiz.tui.widgets.answer.cloze import ClozeAnswer
from srcquiz.tui.widgets.answer.match import MatchAnswer
from srcquiz.tui.widgets.answer.order import OrderAnswer
from srcquiz.tui.widgets.answer.text import TextAnswer

if TYPE_CHECKING:
    from srcquiz.study.session import StudyItem

WIDGETS: dict[str, type[AnswerWidget]] = {
    "card": CardAnswer,
    "short": TextAnswer,
    "number": TextAnswer,
    "choice": ChoiceAnswer,
    "truefalse": TrueFalseAnswer,
    "cloze": ClozeAnswer,
    "order": OrderAnswer,
    "match": MatchAnswer,
}


def answer_widget_for(item: StudyItem) -> AnswerWidget:
    return WIDGETS[item.question.kind](item, id="answer")


__all__ = ["WIDGETS", "AnswerWidget", "answer_widget_for"]
