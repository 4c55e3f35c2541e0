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
        description="Quiz and flashcard trainer for how real software works inside. "
        "With no command, opens the full-screen app.",
    )
    _add_common(parser, top=True)
    parser.add_argument("--version", action="version", version=f"srcquiz {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    for add in (
        _add_deck_commands,
        _add_study_commands,
        _add_progress_and_anki_commands,
        _add_anchor_commands,
        _add_settings_commands,
        _add_sync_command,
    ):
        add(sub, common)
    return parser


def _add_deck_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """lint, schema, list, paths: the deck files and where things live."""

    p = sub.add_parser("lint", parents=[common], help="check deck files and report problems")
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="deck files or folders")
    p.add_argument("--strict", action="store_true", help="warnings fail too")
    p.add_argument("--format", choices=("text", "json"), default="text")

    sub.add_parser("schema", parents=[common], help="print the deck JSON Schema")

    p = sub.add_parser(
        "grade",
        parents=[common],
        help="grade one answer as a study session would",
        description="Grade ANSWER to one question exactly as a session would; print the "
        "verdict, how the answer was read and the rating it would get. Exit 0 when it "
        "counts as recalled, 1 when not, 2 on a usage error. Choice: option numbers as "
        "written in the deck; order: the item numbers in your order (2 3 1); match: pairs "
        "like 1b 2a (left number, right letter, both in deck order); cloze: blanks "
        "separated by ' | '.",
    )
    p.add_argument("target", metavar="DECK/QUESTION", help="e.g. redis-event-loop/default-hz")
    p.add_argument("answer", nargs="+", metavar="ANSWER", help="the answer, as typed")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser("list", parents=[common], help="list decks with question counts by kind")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    sub.add_parser("paths", parents=[common], help="show where decks and progress are kept")


def _add_study_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """review and quiz: the two ways to study, in the app or line by line."""
    import argparse

    for name, help_text in (
        ("review", "review due cards, then new ones up to the daily limit"),
        ("quiz", "an exam: N shuffled questions, scored"),
    ):
        p = sub.add_parser(name, parents=[common], help=help_text)
        p.add_argument("deck_ids", nargs="*", metavar="DECK", help="deck ids (default: all)")
        p.add_argument("--limit", type=int, metavar="N", help="at most N questions")
        p.add_argument(
            "--mode",
            choices=("review", "quiz", "cram", "missed"),
            default=name,
            help="review: due then new; quiz: exam; cram: practice without moving due dates; "
            "missed: retry what you got wrong last session",
        )
        p.add_argument("--plain", action="store_true", help="line by line on stdin/stdout")
        p.add_argument("--seed", type=int, help=argparse.SUPPRESS)


def _add_progress_and_anki_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """stats, export and import."""

    p = sub.add_parser("stats", parents=[common], help="per-deck progress")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("export", parents=[common], help="write an Anki .apkg package")
    p.add_argument("deck_ids", nargs="*", metavar="DECK", help="deck ids (default: all)")
    p.add_argument("-o", "--output", type=Path, default=Path("srcquiz.apkg"), metavar="FILE")
    p.add_argument("--parent", default="srcquiz", help="parent Anki deck name (default: srcquiz)")

    p = sub.add_parser("import", parents=[common], help="turn an Anki .apkg into YAML decks")
    p.add_argument("package", type=Path, metavar="FILE.apkg")
    p.add_argument("-o", "--output", type=Path, default=Path("."), metavar="DIR")
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace files in DIR that the import would write and that differ",
    )


def _add_anchor_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """anchors list and anchors check."""

    p = sub.add_parser("anchors", parents=[common], help="upstream code anchors of questions")
    asub = p.add_subparsers(dest="anchors_command", metavar="ACTION", required=True)
    a = asub.add_parser(
        "list",
        parents=[common],
        help="how many questions are anchored",
        description="Per deck: how many questions are anchored to upstream code, and which "
        "code questions are not. A question counts as a code question when it has a `code` "
        "snippet, when its deck's default `anchor` names a `repo`, or when the deck or the "
        "question is tagged with a programming language (c, java, python, javascript, ...) "
        "or `code`.",
    )
    a.add_argument("deck_ids", nargs="*", metavar="DECK")
    a.add_argument("--json", action="store_true")
    a = asub.add_parser(
        "check",
        parents=[common],
        help="find anchors gone stale in a checkout",
        description="Report every anchor whose file is gone from the given checkout or whose "
        "`symbol` no longer appears in that file as a whole word; exit 1 if any is stale. "
        "Anchors of repositories without a --repo are skipped and counted. Give --repo again "
        "for the same repository at other versions: each anchor uses the git checkout at its "
        "`version` if there is one, else the first; a version mismatch is a note, but the file "
        "content decides.",
    )
    a.add_argument("deck_ids", nargs="*", metavar="DECK")
    a.add_argument(
        "--repo",
        action="append",
        default=[],
        metavar="OWNER/NAME=PATH",
        help="a local checkout of a repository (repeatable)",
    )


def _add_settings_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """settings and restore."""

    p = sub.add_parser(
        "settings",
        parents=[common],
        help="show or change the study settings",
        description="Daily limits count across all decks. With no option, show the settings.",
    )
    p.add_argument("--new-per-day", type=int, metavar="N", help="new cards a day (0 or more)")
    p.add_argument(
        "--reviews-per-day", type=int, metavar="N", help="scheduled reviews a day (0 or more)"
    )
    p.add_argument(
        "--retention",
        type=float,
        metavar="R",
        help="the chance of recall reviews are timed for, 0.70 to 0.99 (default 0.90); "
        "higher means more reviews",
    )

    p = sub.add_parser("restore", parents=[common], help="list or restore progress backups")
    p.add_argument("backup", nargs="?", help="the backup to restore (default: list them)")


def _add_sync_command(sub: Any, common: argparse.ArgumentParser) -> None:
    """sync: one schedule with Anki, through a collection file or a sync server."""
    p = sub.add_parser(
        "sync",
        parents=[common],
        help="merge progress with Anki both ways (a collection file or a sync server)",
        description="Notes follow the decks; reviews made on either side reach the other; "
        "each card's schedule is computed from the merged history. Give --collection for a "
        "collection file (Anki closed), or --user for a sync server (AnkiWeb unless --server). "
        "The password comes from $SRCQUIZ_SYNC_PASSWORD or is asked once; only the key the "
        "server returns is kept.",
    )
    p.add_argument("deck_ids", nargs="*", metavar="DECK", help="deck ids (default: all)")
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


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        from srcquiz.cli.commands import COMMANDS

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
