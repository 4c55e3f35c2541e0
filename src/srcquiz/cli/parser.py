"""Command line: `srcquiz [command]`.

Every command's module is imported only when that command runs, so `--help`,
`lint` and the TUI start without genanki, fsrs or anki loaded. A bare `srcquiz`
does not even build the argparse tree: start-up time is a budget (issue 5).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from srcquiz import __version__
from srcquiz.errors import UserError

if TYPE_CHECKING:
    import argparse

    from srcquiz.cli.workspace import Args

# What `build_parser().parse_args([])` gives; a test keeps the two equal.
NO_ARGUMENTS = {"decks": None, "db": None, "command": None}


def _add_common(p: argparse.ArgumentParser, *, top: bool = False) -> None:
    """`--decks`/`--db` work before or after the command; a sub-command's copy
    must not reset what was given before it, hence SUPPRESS below the top."""
    import argparse

    default = None if top else argparse.SUPPRESS
    p.add_argument(
        "--decks",
        metavar="DIR",
        action="append",
        type=Path,
        default=default,
        help="deck folder or file (repeatable; default: the bundled decks plus your user decks)",
    )
    p.add_argument(
        "--db",
        metavar="PATH",
        type=Path,
        default=default,
        help="progress database (default: progress.sqlite3 in the data dir, or $SRCQUIZ_DB)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The whole argparse tree; built only when there are arguments to parse."""
    import argparse

    common = argparse.ArgumentParser(add_help=False)
    _add_common(common)
    parser = argparse.ArgumentParser(
        prog="srcquiz",
        description="Quiz and flashcard trainer for how real software works inside.\n"
        "With no command, opens the full-screen app.",
        epilog="examples:\n  srcquiz                  open the app\n"
        "  srcquiz review --plain   study line by line\n"
        "  srcquiz COMMAND --help   one command's options and an example",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_common(parser, top=True)
    parser.add_argument("--version", action="version", version=f"srcquiz {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    for add in (
        _add_deck_commands,
        _add_study_commands,
        _add_progress_and_anki_commands,
        _add_anchor_commands,
        _add_repos_commands,
        _add_settings_commands,
        _add_sync_command,
    ):
        add(sub, common)
    return parser


def _command(
    sub: Any, name: str, common: argparse.ArgumentParser, summary: str, about: str, example: str
) -> argparse.ArgumentParser:
    """A sub-command with a one-line summary (in `srcquiz --help`), a description and an
    example (in `srcquiz NAME --help`)."""
    import argparse
    import textwrap

    return sub.add_parser(
        name,
        parents=[common],
        help=summary,
        description=textwrap.fill(about, HELP_WIDTH),
        epilog=f"example:\n  {example}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


# Descriptions are wrapped here (the raw formatter keeps the examples' lines as written).
HELP_WIDTH = 78
DECK_IDS_HELP = "deck ids, or the start of one (default: all decks; srcquiz list shows them)"


def _add_deck_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """lint, schema, list, paths: the deck files and where things live."""

    p = _command(
        sub, "lint", common, "check deck files and report problems",
        "Check deck files compiler style (file:line:col: error: ...). Exit 1 on an error, "
        "or on a warning with --strict.",
        "srcquiz lint --strict decks/",
    )  # fmt: skip
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="deck files or folders")
    p.add_argument("--strict", action="store_true", help="warnings fail too")
    p.add_argument(
        "--format", choices=("text", "json"), default="text",
        help="text: one problem a line (default); json: counts and every problem, for tools",
    )  # fmt: skip

    _command(
        sub, "schema", common, "print the deck JSON Schema",
        "Print the JSON Schema of the deck format, for editors and CI.",
        "srcquiz schema > deck.schema.json",
    )  # fmt: skip

    p = _command(
        sub, "grade", common, "grade one answer as a study session would",
        "Grade ANSWER to one question exactly as a session would; print the verdict, how "
        "the answer was read and the rating it would get. Exit 0 when it counts as "
        "recalled, 1 when not, 2 on a usage error. Choice: option numbers as written in "
        "the deck; order: the item numbers in your order (2 3 1); match: pairs like 1b 2a "
        "(left number, right letter, both in deck order); cloze: blanks separated by ' | '.",
        "srcquiz grade redis-event-loop/default-hz 10 Hz",
    )  # fmt: skip
    p.add_argument("target", metavar="DECK/QUESTION", help="e.g. redis-event-loop/default-hz")
    p.add_argument("answer", nargs="+", metavar="ANSWER", help="the answer, as typed")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = _command(
        sub, "list", common, "list decks with question counts by kind",
        "One line per deck: its id (what commands take), question count, title and kinds.",
        "srcquiz list --json",
    )  # fmt: skip
    p.add_argument("--json", action="store_true", help="print JSON (id, title, path, counts)")

    _command(
        sub, "paths", common, "show where decks and progress are kept",
        "Show the folders of the bundled and your own decks, the progress database and caches.",
        "srcquiz paths",
    )  # fmt: skip


def _add_study_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """review and quiz: the two ways to study, in the app or line by line."""
    import argparse

    for name, summary, about, example in (
        (
            "review", "review due cards, then new ones up to the daily limit",
            "Spaced repetition: the cards due now, then new ones up to the daily limits "
            "(srcquiz settings). Answers move each card's next due date.",
            "srcquiz review nginx --plain",
        ),
        (
            "quiz", "an exam: N shuffled questions, scored",
            "An exam: up to --limit shuffled questions (default 20), a score at the end. "
            "Answers count as reviews too.",
            "srcquiz quiz koa --limit 10",
        ),
    ):  # fmt: skip
        p = _command(sub, name, common, summary, about, example)
        p.add_argument("deck_ids", nargs="*", metavar="DECK", help=DECK_IDS_HELP)
        p.add_argument("--limit", type=int, metavar="N", help="at most N questions")
        p.add_argument(
            "--mode",
            choices=(name, "cram", "missed"),
            default=name,
            help=f"{name} (default); cram: practise every card without moving due dates; "
            "missed: retry what you got wrong in your last session",
        )
        p.add_argument("--plain", action="store_true", help="line by line on stdin/stdout")
        p.add_argument("--seed", type=int, help=argparse.SUPPRESS)


def _add_progress_and_anki_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """stats, export and import."""

    p = _command(
        sub, "stats", common, "per-deck progress",
        "Per deck: cards new, learning and due, answers, 30-day retention and streak, and "
        "the reviews due in the coming days. Reads only.",
        "srcquiz stats --json",
    )  # fmt: skip
    p.add_argument("--json", action="store_true", help="print JSON, for scripts")

    p = _command(
        sub, "export", common, "write an Anki .apkg package",
        "Write the decks as an Anki package; importing it again updates notes in place.",
        "srcquiz export nginx -o nginx.apkg",
    )  # fmt: skip
    p.add_argument("deck_ids", nargs="*", metavar="DECK", help=DECK_IDS_HELP)
    p.add_argument(
        "-o", "--output", type=Path, default=Path("srcquiz.apkg"), metavar="FILE",
        help="the package to write (default: srcquiz.apkg)",
    )  # fmt: skip
    p.add_argument("--parent", default="srcquiz", help="parent Anki deck name (default: srcquiz)")

    p = _command(
        sub, "import", common, "turn an Anki .apkg into YAML decks",
        "Turn an Anki package (srcquiz's own or another's) into YAML decks, one per Anki deck.",
        "srcquiz import srcquiz.apkg -o ~/decks",
    )  # fmt: skip
    p.add_argument("package", type=Path, metavar="FILE.apkg", help="the Anki package to read")
    p.add_argument(
        "-o", "--output", type=Path, default=Path("."), metavar="DIR",
        help="the folder to write the decks into (default: the current folder)",
    )  # fmt: skip
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace files in DIR that the import would write and that differ",
    )


def _add_anchor_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """anchors list and anchors check."""

    p = _command(
        sub, "anchors", common, "upstream code anchors of questions",
        "Questions can be anchored to upstream code (repo, path, symbol, version): "
        "list shows how many are, check finds anchors gone stale in a checkout.",
        "srcquiz anchors check --repo nginx/nginx=~/src/nginx",
    )  # fmt: skip
    asub = p.add_subparsers(dest="anchors_command", metavar="ACTION", required=True)
    a = _command(
        asub, "list", common, "how many questions are anchored",
        "Per deck: how many questions are anchored to upstream code, and which code "
        "questions are not. A question counts as a code question when it has a `code` "
        "snippet, when its deck's default `anchor` names a `repo`, or when the deck or the "
        "question is tagged with a programming language (c, java, python, javascript, ...) "
        "or `code`.",
        "srcquiz anchors list nginx",
    )  # fmt: skip
    a.add_argument("deck_ids", nargs="*", metavar="DECK", help=DECK_IDS_HELP)
    a.add_argument("--json", action="store_true", help="print JSON, for scripts")
    a = _command(
        asub, "check", common, "find anchors gone stale in a checkout",
        "Report every anchor whose file is gone from the given checkout or whose "
        "`symbol` no longer appears in that file as a whole word; exit 1 if any is stale. "
        "Without --repo, the checkouts added with `srcquiz repos add` are used. "
        "Anchors of repositories without a checkout are skipped and counted. Give --repo again "
        "for the same repository at other versions: each anchor uses the git checkout at its "
        "`version` if there is one, else the first; a version mismatch is a note, but the file "
        "content decides.",
        "srcquiz anchors check nginx --repo nginx/nginx=~/src/nginx",
    )  # fmt: skip
    a.add_argument("deck_ids", nargs="*", metavar="DECK", help=DECK_IDS_HELP)
    a.add_argument(
        "--repo",
        action="append",
        default=[],
        metavar="OWNER/NAME=PATH",
        help="a local checkout of a repository (repeatable; default: srcquiz repos)",
    )


def _add_repos_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """repos: the local checkouts the app reads upstream code from."""

    p = _command(
        sub, "repos", common, "local checkouts of upstream repositories",
        "The checkouts srcquiz reads anchored code from: after an answer, the app shows "
        "the anchored symbol at the anchored version (read with git, so the checkout can be "
        "on any branch). With no action, list them.",
        "srcquiz repos add nginx/nginx ~/src/nginx",
    )  # fmt: skip
    rsub = p.add_subparsers(dest="repos_command", metavar="ACTION")
    _command(
        rsub, "list", common, "list the checkouts",
        "Each repository with its checkout folder.", "srcquiz repos list",
    )  # fmt: skip
    a = _command(
        rsub, "add", common, "add (or move) a repository's checkout",
        "Remember where a repository is checked out; anchors name it OWNER/NAME "
        "(srcquiz anchors list shows them).",
        "srcquiz repos add redis/redis ~/src/redis",
    )  # fmt: skip
    a.add_argument("repo", metavar="OWNER/NAME", help="the repository as anchors name it")
    a.add_argument("path", type=Path, metavar="PATH", help="the folder of its git checkout")
    a = _command(
        rsub, "remove", common, "forget a repository's checkout",
        "Forget a checkout (the folder itself is left alone).",
        "srcquiz repos remove redis/redis",
    )  # fmt: skip
    a.add_argument("repo", metavar="OWNER/NAME", help="the repository to forget")


def _add_settings_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """settings and restore."""

    p = _command(
        sub, "settings", common, "show or change the study settings",
        "Every deck gets its own daily limits: the ones given here, unless --deck gave it "
        "others. A deck's reviews count every answer that moves a due date, new cards "
        "included; --cap bounds all decks together. Reviews synced from Anki count too. "
        "With no option, show the settings.",
        "srcquiz settings --deck nginx --new-per-day 5",
    )  # fmt: skip
    p.add_argument(
        "--new-per-day", metavar="N", help="new cards a day, each deck (0 or more)"
    )
    p.add_argument(
        "--reviews-per-day", metavar="N", help="scheduled reviews a day, each deck (0 or more)"
    )
    p.add_argument(
        "--deck",
        metavar="DECK",
        help="set --new-per-day / --reviews-per-day for this deck only (an id or the start "
        "of one); N may be `default` to follow the limits of every deck again",
    )
    p.add_argument(
        "--cap", metavar="N", help="all decks together: answers a day, new cards included"
    )
    p.add_argument(
        "--retention",
        type=float,
        metavar="R",
        help="the chance of recall reviews are timed for, 0.70 to 0.99 (default 0.90); "
        "higher means more reviews",
    )

    p = _command(
        sub, "restore", common, "list or restore progress backups",
        "A copy of the progress database is taken each day (the last 7 are kept). With no "
        "argument, list them; with one, restore it (the replaced progress is saved first).",
        "srcquiz restore 2",
    )  # fmt: skip
    p.add_argument(
        "backup", nargs="?", help="the backup's number, name or date (default: list them)"
    )


def _add_sync_command(sub: Any, common: argparse.ArgumentParser) -> None:
    """sync: one schedule with Anki, through a collection file or a sync server."""
    p = _command(
        sub, "sync", common, "merge progress with Anki both ways (a collection file or a server)",
        "Notes follow the decks; reviews made on either side reach the other; each card's "
        "schedule is computed from the merged history. Give --collection for a collection "
        "file (Anki closed), or --user for a sync server (AnkiWeb unless --server). The "
        "password comes from $SRCQUIZ_SYNC_PASSWORD or is asked once; only the key the "
        "server returns is kept.",
        "srcquiz sync --server http://127.0.0.1:8080/ --user me",
    )  # fmt: skip
    p.add_argument("deck_ids", nargs="*", metavar="DECK", help=DECK_IDS_HELP)
    where = p.add_mutually_exclusive_group()
    where.add_argument("--collection", type=Path, metavar="PATH", help="an Anki collection file")
    where.add_argument("--server", metavar="URL", help="a sync server (default: AnkiWeb)")
    p.add_argument("--user", metavar="NAME", help="the sync server account")
    p.add_argument(
        "--yes", action="store_true", help="accept a one-way full sync the server asks for"
    )
    p.add_argument(
        "--timeout",
        type=int,
        default=60,
        metavar="S",
        help="seconds to wait for the sync server to answer (default 60)",
    )


def parse_args(argv: Sequence[str] | None = None) -> Args:
    """Parsed arguments; no arguments at all (the usual way to open the app) skip argparse."""
    if argv is None:
        argv = sys.argv[1:]
    if not argv:
        return SimpleNamespace(**NO_ARGUMENTS)
    return build_parser().parse_args(argv)


def main(argv: Sequence[str] | None = None, *, gc_paused: bool = False) -> int:
    """Run the command `argv` asks for. `gc_paused`: the entry point paused the cyclic
    GC for start-up (`srcquiz.__main__`); it is resumed once the command is known
    (the app pauses it again until its first frame)."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = parse_args(argv)
        from srcquiz.cli.commands import COMMANDS
    finally:
        if gc_paused:
            from srcquiz.gc_pause import resume_after_start_up

            resume_after_start_up(collect=bool(argv))  # argparse ran: its parser is garbage
    try:
        return COMMANDS[args.command](args)
    except UserError as exc:
        from srcquiz.textsafe import printable

        print(f"srcquiz: {printable(str(exc))}", file=sys.stderr)  # it may quote paths, ids
        return exc.code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`srcquiz list | head`); nothing more to say.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
