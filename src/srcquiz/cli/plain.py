"""`srcquiz review|quiz --plain`: a session line by line on stdin/stdout.

For scripts, pipes and screen readers: no full-screen UI, every prompt and
every piece of feedback is a plain line, options are numbered and answers are
typed. End of input (Ctrl-D, or the pipe closing) ends the session cleanly with
a summary. Each answer is committed before its feedback is printed.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TYPE_CHECKING, TextIO

from srcquiz.cli.plain_kinds import KIND_LINES, Retry, parse_response
from srcquiz.deck.kinds import Match, Order
from srcquiz.errors import UserError
from srcquiz.fsio import reason
from srcquiz.progress.rows import MAX_ANSWER_CHARS
from srcquiz.study.grading import ALMOST_MARK, RIGHT_MARK, WRONG_MARK, clip
from srcquiz.study.responses import Response
from srcquiz.study.scheduler import Rating
from srcquiz.study.session import (
    AnswerResult,
    AskAgain,
    Session,
    StudyItem,
    Summary,
    SummaryRow,
)
from srcquiz.textsafe import printable

if TYPE_CHECKING:
    from srcquiz.cli.workspace import Args

RATING_KEYS = "1 again, 2 hard, 3 good, 4 easy"


class EndOfInput(Exception):
    """stdin closed: finish the session with its summary."""


class PlainUI:
    """The line protocol: one instance per session run."""

    def __init__(self, stdin: TextIO, stdout: TextIO, interactive: bool):
        self.stdin = stdin
        self.stdout = stdout
        self.interactive = interactive

    def say(self, text: str = "") -> None:
        """Every line goes out here, control characters shown escaped: the text
        comes from decks, file names and typed answers."""
        self._write(printable(text) + "\n")

    def _write(self, text: str) -> None:
        """Write and flush; a full disk or a closed pipe becomes one sentence (every
        answer committed before this line is kept)."""
        try:
            self.stdout.write(text)
            self.stdout.flush()
        except OSError as exc:
            _silence(self.stdout)
            raise UserError(
                f"cannot write to standard output ({reason(exc)}); the answers given so "
                "far are saved."
            ) from None

    def ask(self, instruction: str) -> str:
        """Print the instruction line, read one line; EndOfInput at EOF."""
        self.say(instruction)
        if self.interactive:
            self._write("> ")
        line = self.stdin.readline(MAX_ANSWER_CHARS + 1)
        if line == "":
            if self.interactive:
                self.say()
            raise EndOfInput
        if not line.endswith("\n") and len(line) > MAX_ANSWER_CHARS:
            self._skip_rest_of_line()  # an answer longer than the store keeps: cut, not held
        return line.rstrip("\r\n")[:MAX_ANSWER_CHARS]

    def _skip_rest_of_line(self) -> None:
        while (chunk := self.stdin.readline(1 << 16)) and not chunk.endswith("\n"):
            pass

    # --- one card ----------------------------------------------------------

    def show(self, item: StudyItem, index: int, total: int, again: bool = False) -> None:
        """The card; `again`: it came back in a learning step (missed, or still new)."""
        q = item.question
        kind = q.kind + (" (reverse)" if item.is_reverse else "")
        if getattr(q, "multi", False):
            kind += ", choose all that apply"
        self.say()
        back = " · again (learning step)" if again else ""
        self.say(f"[{index}/{total}] {item.deck.title} · {kind}{back}")
        for line in item.prompt_text().splitlines() or [""]:
            self.say(line)
        if q.code and not q.code_after:  # `code_after`: shown with the feedback instead
            self.say(f"code ({q.lang or 'text'}):")
            for line in q.code.rstrip("\n").splitlines():
                self.say("    " + line)
        for line in KIND_LINES[q.kind].listing(item):
            self.say(line)

    def instruction(self, item: StudyItem) -> str:
        q = item.question
        text = KIND_LINES[q.kind].instruction(item)
        text += " (empty line: I don't know"
        if item.hint_lines(1) is not None:
            text += "; ? for a hint"
        return text + ")"

    def read_answer(self, item: StudyItem) -> tuple[Response, float, bool]:
        """(response, seconds taken, hint used); re-asks on unreadable input."""
        presses = 0
        started = time.monotonic()
        instruction = self.instruction(item)
        while True:
            line = self.ask(instruction)
            if line.strip() == "?":
                hints = item.hint_lines(presses + 1)
                if hints is None:
                    self.say(
                        "nothing more to reveal." if presses else "no hint: nothing to reveal."
                    )
                else:
                    presses += 1
                    self.say(f"hint: {hints[-1]}")
                continue
            try:
                response = parse_response(item, line)
            except Retry as exc:
                self.say(str(exc))
                continue
            return response, time.monotonic() - started, presses > 0

    def feedback(self, result: AnswerResult) -> None:
        g = result.grade
        if g.verdict == "right":
            self.say(f"{RIGHT_MARK} Right." + (f" ({g.expected})" if g.given != g.expected else ""))
        elif g.verdict == "almost":
            self.say(f"{ALMOST_MARK} Almost (a typo): {g.diff}")
        else:
            self.say(f"{WRONG_MARK} Wrong" + (f": {g.diff}" if g.diff else "."))
            if not g.details and g.expected not in g.diff:
                self.say(f"  answer: {g.expected}")
        if g.read_as and g.read_as not in g.diff:
            self.say(f"  read as {g.read_as}")
        for line in g.details:
            self.say(f"  {line}")
        q = result.item.question
        if q.code and q.code_after:
            self.say(f"code ({q.lang or 'text'}):")
            for line in q.code.rstrip("\n").splitlines():
                self.say("    " + line)
        if q.explanation:
            self.say(f"why: {' '.join(q.explanation.split())}")
        if q.anchor and q.anchor.label():
            self.say(f"see: {q.anchor.label()}")

    def override(self, session: Session, result: AnswerResult) -> AnswerResult:
        """Enter keeps the suggested rating, a digit changes it. Practice (cram,
        missed) has no rating: it goes straight on."""
        if not session.scheduled:
            return result
        line = self.ask(f"rated {result.rating.label}: Enter keeps it, or type {RATING_KEYS}")
        choice = line.strip()
        if choice in ("1", "2", "3", "4") and int(choice) != result.rating:
            result = session.rate(Rating(int(choice)))
            self.say(f"rated {result.rating.label}.")
        elif choice and choice not in ("1", "2", "3", "4"):
            self.say(f"kept {result.rating.label} (type 1-4 to change a rating).")
        return result

    def self_graded(self, session: Session, item: StudyItem) -> AnswerResult:
        started = time.monotonic()
        self.ask("press Enter to show the answer")
        elapsed = time.monotonic() - started
        self.say(f"answer: {item.expected_text()}")
        q = item.question
        if q.explanation:
            self.say(f"why: {' '.join(q.explanation.split())}")
        rating = self._self_rating(session)
        result = session.self_grade(rating, elapsed)
        if session.scheduled:
            self.say(f"rated {result.rating.label}.")
        return result

    def _self_rating(self, session: Session) -> Rating:
        """The learner's own rating of a card; practice asks only knew / did not."""
        if not session.scheduled:
            while True:
                line = self.ask("did you know it? Enter: yes, n: no").strip().lower()
                if line in ("", "y", "yes", "n", "no"):
                    return Rating.AGAIN if line.startswith("n") else Rating.GOOD
                self.say("press Enter if you knew it, or type n.")
        while True:
            line = self.ask(f"how well did you know it? {RATING_KEYS} (Enter: good)").strip()
            if line in ("", "1", "2", "3", "4"):
                return Rating(int(line or "3"))
            self.say("type 1, 2, 3 or 4.")

    def summary(self, summary: Summary, session: Session) -> None:
        self.say()
        if not summary.rows:
            self.say("session over: nothing answered.")
            return
        minutes, seconds = divmod(round(summary.elapsed_s), 60)
        self.say(
            f"session over: {summary.answered} answered · {summary.right} right · "
            f"{summary.almost} almost · {summary.wrong} wrong · score {summary.score:.0%} · "
            f"{minutes}m{seconds:02d}s answering"
            + (f" · {summary.came_back} came back" if summary.came_back else "")
        )
        missed = session.missed_items()
        if missed:
            self.say("missed:")
            last_rows = {row.item: row for row in summary.rows}
            for item in missed:
                row = last_rows[item]
                self.say(f"  {WRONG_MARK} {item.deck.id}/{item.card_key}: {_brief(row)}")
            self.say("retry them with: srcquiz review --plain --mode missed")


def _brief(row: SummaryRow) -> str:
    """One line for a missed card: what was typed and what was right."""
    if isinstance(row.item.question, (Order, Match)):
        return f"right: {row.expected}"
    return f"{clip(row.given) or '(nothing)'} → {row.expected}"


def _empty_message(session: Session) -> str:
    if session.mode == "review":
        return (
            "nothing to review now: no cards are due and today's new cards are done; "
            "practise anyway with --mode cram, or take a quiz."
        )
    if session.mode == "missed":
        return "nothing to retry: the last session had no wrong answers."
    return "no questions to ask in these decks."


def run_session(session: Session, ui: PlainUI) -> int:
    """Ask every card; returns the exit code (0 also when input ends early)."""
    if session.notice:  # a quiz held back by today's new-card limits
        ui.say(session.notice)
    if not session.items:
        if not session.notice:
            ui.say(_empty_message(session))
        return 0
    ui.say(f"{session.mode}: {len(session.items)} card(s). Ctrl-D ends the session with a summary.")
    code = 0
    try:
        while not session.done:
            item = session.current()
            assert item is not None
            # Cards that come back in a learning step join the count as they do.
            again = session.asked_before(item)
            ui.show(item, session.position + 1, len(session.items), again)
            if item.self_graded:
                ui.self_graded(session, item)
            else:
                try:
                    response, elapsed, hint_used = ui.read_answer(item)
                    result = session.answer(response, elapsed, hint_used)  # committed here
                except AskAgain as exc:
                    ui.say(str(exc))
                    continue  # the same card, asked again; nothing was recorded
                ui.feedback(result)
                ui.override(session, result)
            session.advance()
    except EndOfInput:
        pass
    except KeyboardInterrupt:
        code = 130
    except UserError:
        # e.g. the disk filled up: show what was saved, then the one-sentence error.
        ui.summary(session.summary(), session)
        raise
    ui.summary(session.summary(), session)
    return code


def run_plain(args: Args, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    from srcquiz.cli.workspace import finish_backup, load_selected, open_store

    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    if stdin is None or stdout is None:  # started with `<&-` or `>&-`
        where = "input" if stdin is None else "output"
        raise UserError(
            f"standard {where} is closed; --plain reads answers from stdin and "
            "writes questions to stdout."
        )
    for stream in (stdin, stdout):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")
    decks = load_selected(args, args.deck_ids)
    limit = args.limit
    if limit is not None and limit < 1:
        raise UserError(f"--limit must be at least 1, not {limit}.")
    store = open_store(args, background=True)
    try:
        for warning in store.warnings:
            print(f"srcquiz: {printable(warning)}", file=sys.stderr)
        session = Session.start(store, decks, mode=args.mode, limit=limit, seed=args.seed)
        if store.pending_backup is not None:  # today's copy, while the first card is read
            store.pending_backup.start()
        ui = PlainUI(stdin, stdout, interactive=stdin.isatty())
        return run_session(session, ui)
    finally:
        finish_backup(store)
        store.close()


def _silence(stream: TextIO) -> None:
    """Point a failed stream at /dev/null, so the interpreter's final flush of what is
    still buffered does not fail a second time with a traceback."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
    except (OSError, ValueError):
        pass
