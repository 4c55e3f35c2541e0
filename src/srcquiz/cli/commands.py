"""The command handlers: each turns parsed arguments into a call of the layers
below and prints the result. Domain modules never see argparse.

Each handler imports its domain module when it runs, so `srcquiz --help` and
`srcquiz lint` start without genanki, fsrs or anki loaded.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from srcquiz.cli.workspace import db_path, deck_paths, load_selected, open_store
from srcquiz.errors import UserError
from srcquiz.textsafe import one_line

if TYPE_CHECKING:
    from srcquiz.anki.sync_report import Progress, SyncSummary
    from srcquiz.cli.workspace import Args
    from srcquiz.deck.kinds import Question
    from srcquiz.deck.model import Deck
    from srcquiz.progress.backup import BackupInfo
    from srcquiz.study.grading import Grade


def cmd_lint(args: Args) -> int:
    import json

    from srcquiz.deck.diagnostics import Diagnostic
    from srcquiz.deck.loader import load_decks

    paths = args.paths or deck_paths(args)
    diags: list[Diagnostic] = []
    for p in paths:
        if not p.exists():
            diags.append(Diagnostic(str(p), 0, 0, "error", "no such file or folder"))
    decks, found = load_decks([p for p in paths if p.exists()])
    diags.extend(found)
    if any(q.examples for d in decks for q in d.questions):
        from srcquiz.study.grading import check_examples
        from srcquiz.study.terms import known_terms

        terms = known_terms(decks)
        for deck in decks:
            diags.extend(check_examples(deck, terms))
    errors = sum(d.severity == "error" for d in diags)
    warnings = len(diags) - errors
    if args.format == "json":
        print(
            json.dumps(
                {
                    "decks": len(decks),
                    "questions": sum(len(d.questions) for d in decks),
                    "errors": errors,
                    "warnings": warnings,
                    "diagnostics": [d.as_dict() for d in diags],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for d in diags:
            print(d)
        qcount = sum(len(d.questions) for d in decks)
        print(
            f"{len(decks)} deck(s), {qcount} question(s): {errors} error(s), {warnings} warning(s)",
            file=sys.stderr,
        )
    return 1 if errors or (args.strict and warnings) else 0


def cmd_schema(args: Args) -> int:
    from srcquiz.deck.schema import schema_json

    sys.stdout.write(schema_json())
    return 0


def cmd_list(args: Args) -> int:
    import json

    from srcquiz.deck.loader import load_decks

    decks, diags = load_decks(deck_paths(args), cache=True)
    for d in diags:
        if d.severity == "error":
            print(d, file=sys.stderr)
    rows: list[dict[str, Any]] = [
        {
            "id": d.id,
            "title": d.title,
            "path": d.path,
            "questions": d.question_count(),
            "cards": len(d.card_keys()),
            "kinds": d.counts_by_kind(),
        }
        for d in decks
    ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    width = max((len(r["id"]) for r in rows), default=4)
    for r in rows:
        kinds = " ".join(f"{k}:{v}" for k, v in r["kinds"].items())
        line = f"{r['id']:<{width}}  {r['questions']:>4}  {r['title']}  [{kinds}]"
        print(one_line(line))  # a deck's id may come from its file name
    print(f"{len(rows)} deck(s), {sum(r['questions'] for r in rows)} question(s)", file=sys.stderr)
    return 0


def cmd_paths(args: Args) -> int:
    from srcquiz import paths

    print(f"bundled decks: {paths.bundled_decks_dir()}")
    print(f"user decks:    {paths.user_decks_dir()}")
    print(f"database:      {db_path(args)}")
    print(f"cache:         {paths.cache_dir()}")
    return 0


def cmd_settings(args: Args) -> int:
    """Show or change the limits and the desired retention; nothing is written unless
    every value given is good."""
    from dataclasses import replace

    from srcquiz.study.limits import DeckOverride, load_limits, save_cap, save_deck_limits
    from srcquiz.study.scheduler import load_settings, save_settings

    deck_id = _settings_deck(args)
    new, reviews, cap, retention = _settings_given(args, deck_id is not None)
    with open_store(args) as store:
        for warning in store.warnings:
            print(f"srcquiz: {warning}", file=sys.stderr)
        settings = load_settings(store)
        if deck_id is not None and (new or reviews):
            was = load_limits(store, settings).decks.get(deck_id, DeckOverride())
            own = DeckOverride(new[0] if new else was[0], reviews[0] if reviews else was[1])
            save_deck_limits(store, deck_id, own)
        if cap:
            save_cap(store, cap[0] or 0)
        fields = ("new_per_day", "max_reviews_per_day", "desired_retention")
        given = (new, reviews, retention) if deck_id is None else (None, None, None)
        changes = {field: v[0] for field, v in zip(fields, given, strict=True) if v}
        if changes:
            settings = save_settings(store, replace(settings, **changes))
        limits = load_limits(store, settings)
    print(f"new cards a day:          {settings.new_per_day}")
    print(f"scheduled reviews a day:  {settings.max_reviews_per_day}")
    print(f"all decks together:       {limits.cap}")
    print(f"desired retention:        {settings.desired_retention:.2f}")
    shown = [deck_id] if deck_id is not None else sorted(limits.decks)
    if shown:
        print("decks with their own limits (new, reviews a day):")
    for one in shown:
        mine = limits.for_deck(one)
        note = "" if one in limits.decks else " (the limits of every deck)"
        print(one_line(f"  {one}: {mine.new_per_day}, {mine.reviews_per_day}{note}"))
    return 0


def _settings_deck(args: Args) -> str | None:
    """The deck `--deck` names (unique start, did you mean), or None."""
    if args.deck is None:
        return None
    from srcquiz.cli.workspace import load_all, resolve_deck_ids

    if args.cap is not None or args.retention is not None:
        raise UserError("--cap and --retention apply to every deck; give them without --deck.")
    decks, _skipped = load_all(args)
    return resolve_deck_ids(decks, [args.deck])[0]


_Given = tuple[Any, ...] | None  # None: not given; (value,): the value (None: `default`)


def _settings_given(args: Args, for_deck: bool) -> tuple[_Given, _Given, _Given, _Given]:
    """The values given, read and checked (a UserError before anything is written)."""
    from srcquiz.study.scheduler import RETENTION_MAX, RETENTION_MIN

    retention = args.retention
    if retention is not None and not RETENTION_MIN <= retention <= RETENTION_MAX:
        raise UserError(
            f"--retention must be between {RETENTION_MIN:.2f} and {RETENTION_MAX:.2f} "
            "(for example 0.9)."
        )
    return (
        _limit_arg("--new-per-day", args.new_per_day, for_deck),
        _limit_arg("--reviews-per-day", args.reviews_per_day, for_deck),
        _limit_arg("--cap", args.cap, False),
        None if retention is None else (retention,),
    )


def _limit_arg(flag: str, text: str | None, for_deck: bool) -> _Given:
    """None: not given; (None,): `default` for a deck; (n,): the number."""
    from srcquiz.study.limits import parse_limit

    if text is None:
        return None
    if text.strip().casefold() == "default":
        if not for_deck:
            raise UserError(f"{flag} default only applies with --deck (one deck's own limit).")
        return (None,)
    if text.strip().startswith("-") and text.strip()[1:].isdigit():
        raise UserError(f"{flag} must be 0 or more.")
    try:
        return (parse_limit(text, flag),)
    except ValueError as exc:
        raise UserError(str(exc)) from None


def cmd_stats(args: Args) -> int:
    """Only reads: no daily backup, no migration, so a read-only database works."""
    import json

    from srcquiz.progress.stats import collect
    from srcquiz.progress.store import Store

    decks = load_selected(args, ())
    store = Store.open_readonly(db_path(args))
    try:
        data = collect(store, decks)
        if args.json:
            _add_limits(store, data)
    finally:
        store.close()
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(_stats_text(data))
    return 0


def _add_limits(store: Any, data: dict[str, Any]) -> None:
    """Each deck's daily limits and what is left of them today, and the cap's."""
    from datetime import datetime

    from srcquiz.study.limits import todays_budget

    budget = todays_budget(store, datetime.now().astimezone())
    for row in data["decks"]:
        mine = budget.limits.for_deck(row["deck_id"])
        row["limits"] = {
            "new_per_day": mine.new_per_day,
            "reviews_per_day": mine.reviews_per_day,
            "new_left": budget.new_left(row["deck_id"]),
            "reviews_left": budget.reviews_left(row["deck_id"]),
        }
    data["cap"] = {"answers_per_day": budget.limits.cap, "left": budget.overall}


# `render` puts this blank line between the deck table and the forecast.
FORECAST_BREAK = "\n\n"


def _stats_text(data: dict[str, Any]) -> str:
    """The stats table, with forecast rows only for decks that have something due:
    two dozen rows of zeros hide the one that matters (issue 18)."""
    from srcquiz.progress.stats import FORECAST_DAYS, render

    everything = render(data)
    busy = [d for d in data["decks"] if any(f["due"] for f in d["forecast"])]
    quiet = len(data["decks"]) - len(busy)
    if not quiet:
        return everything
    table = everything.split(FORECAST_BREAK, 1)[0]
    if not busy:
        return f"{table}{FORECAST_BREAK}due over the next {FORECAST_DAYS} days: nothing"
    forecast = render({**data, "decks": busy}).split(FORECAST_BREAK, 1)[1]
    return f"{table}{FORECAST_BREAK}{forecast}\n({quiet} other deck(s): nothing due)"


def cmd_export(args: Args) -> int:
    from srcquiz.anki.exporter import export_decks

    decks = load_selected(args, args.deck_ids)
    output: Path = args.output.expanduser()
    summary = export_decks(decks, output, parent=args.parent)
    media = f", {summary.media} media file(s)" if summary.media else ""
    print(
        f"wrote {summary.path}: {summary.notes} note(s), {summary.cards} card(s) "
        f"in {summary.decks} deck(s){media}"
    )
    for notice in summary.notices:  # deck edits Anki cannot follow by itself
        print(f"warning: {notice}", file=sys.stderr)
    return 0


def cmd_import(args: Args) -> int:
    from srcquiz.anki.importer import import_package

    out_dir: Path = args.output.expanduser()
    result = import_package(args.package.expanduser(), out_dir, args.overwrite)
    for w in result.warnings:
        print(f"warning: {w}", file=sys.stderr)
    for path, count in result.decks:
        print(f"wrote {path} ({count} question(s))")
    if result.media:
        print(f"copied {result.media} media file(s) to {out_dir}")
    if result.edits:
        print(f"took {result.edits} edit(s) made in Anki")
    return 0


def cmd_anchors(args: Args) -> int:
    from srcquiz.deck.anchors import parse_checkouts, run_check, run_list

    if args.anchors_command == "list":
        return run_list(load_selected(args, args.deck_ids), args.json)
    repo_args = args.repo or _registered_repo_args()
    checkouts = parse_checkouts(repo_args)  # bad --repo values fail before decks are read
    return run_check(load_selected(args, args.deck_ids), checkouts)


def _registered_repo_args() -> list[str]:
    """The checkouts of `srcquiz repos`, as --repo values, for `anchors check` without one."""
    from srcquiz.deck.upstream import registered

    return [f"{name}={folder}" for name, folder in sorted(registered().values())]


def cmd_repos(args: Args) -> int:
    """`repos [list]`, `repos add OWNER/NAME PATH`, `repos remove OWNER/NAME`."""
    from srcquiz.deck.upstream import add_checkout, registered, registry_path, remove_checkout

    if args.repos_command == "add":
        top = add_checkout(args.repo, args.path)
        print(one_line(f"{args.repo}: {top}"))
        if top != args.path.expanduser().resolve():
            print(one_line(f"(the top of the git work tree holding {args.path})"))
        return 0
    if args.repos_command == "remove":
        folder = remove_checkout(args.repo)
        print(one_line(f"forgot {args.repo} (the folder {folder} is left as it is)"))
        return 0
    entries = sorted(registered().values())
    if not entries:
        print("no checkouts yet; add one with: srcquiz repos add OWNER/NAME PATH")
        return 0
    width = max(len(name) for name, _ in entries)
    for name, folder in entries:
        gone = "" if folder.is_dir() else "  (missing)"
        print(one_line(f"{name:<{width}}  {folder}{gone}"))
    print(one_line(f"kept in {registry_path()}"), file=sys.stderr)
    return 0


def _human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def _resolve(choice: str, backups: list[BackupInfo]) -> Path:
    if choice.isdigit() and 1 <= int(choice) <= len(backups):
        return backups[int(choice) - 1].path
    for b in backups:
        dated = (f"-{choice}.sqlite3", f"-{choice}.snapshot")  # a plain copy or a snapshot
        if choice in (b.name, b.path.stem) or b.name.endswith(dated):
            return b.path
    path = Path(choice).expanduser()
    if path.is_file():
        return path
    raise UserError(
        f"no backup called {choice}; run `srcquiz restore` to list them "
        "(give its number, name or date)."
    )


def cmd_restore(args: Args) -> int:
    from srcquiz.progress.backup import backups_dir, list_backups, restore

    db = db_path(args)
    backups = list_backups(db)
    if args.backup is None:
        if not backups:
            print(f"no backups of {db} yet (they are made daily in {backups_dir()}).")
            return 0
        print(f"backups of {db} (newest first):")
        for i, b in enumerate(backups, start=1):
            reviews = "unreadable" if b.reviews is None else f"{b.reviews} reviews"
            print(
                f"{i:>3}  {b.name}  {b.taken:%Y-%m-%d %H:%M}  {_human_size(b.size):>8}  "
                f"{reviews}{'  (saved before a restore)' if b.kind == 'before-restore' else ''}"
            )
        print("restore one with: srcquiz restore NUMBER (or its name or date)")
        return 0
    chosen = _resolve(args.backup, backups)
    with contextlib.suppress(OSError):
        if db.exists() and chosen.resolve() == db.resolve():
            raise UserError(f"{chosen} is the database itself, not a backup.")
    safety = restore(db, chosen)
    print(f"restored {chosen.name} into {db}.")
    if safety is not None:
        print(f"the progress it replaced is saved as {safety} (restore it the same way).")
    return 0


def _find_card(decks: list[Deck], target: str) -> tuple[Question, str]:
    """`DECK/QUESTION` (or `DECK/QUESTION#c2`) -> the question and its card key."""
    import difflib

    from srcquiz.deck.model import split_card_key

    def close(word: str, choices: list[str]) -> str:
        found = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
        return f" (did you mean {found[0]}?)" if found else ""

    deck_id, slash, key = target.partition("/")
    if not slash or not deck_id or not key:
        raise UserError(f"{target}: name the question as DECK/QUESTION.", code=2)
    by_id = {d.id: d for d in decks}
    deck = by_id.get(deck_id)
    if deck is None:
        raise UserError(f"no deck {deck_id}{close(deck_id, sorted(by_id))}.", code=2)
    qid, sub = split_card_key(key)
    question = deck.question(qid)
    if question is None:
        ids = [q.id for q in deck.questions]
        raise UserError(f"no question {qid} in {deck_id}{close(qid, ids)}.", code=2)
    if question.self_graded:
        raise UserError(f"{deck_id}/{qid} is a card: the learner grades it.", code=2)
    keys = question.card_keys()
    card_key = f"{qid}#{sub}" if sub else keys[0]
    if card_key not in keys:
        raise UserError(f"{deck_id}/{qid} has no card {sub} (cards: {', '.join(keys)}).", code=2)
    return question, card_key


def cmd_grade(args: Args) -> int:
    """Grade one answer as a session would: verdict, reading, rating; exit 0 if recalled."""
    import json

    from srcquiz.study.grading import AnswerFormatError, grade, parse_answer
    from srcquiz.study.scheduler import suggest_rating
    from srcquiz.study.terms import known_terms

    decks = load_selected(args, ())
    question, card_key = _find_card(decks, args.target)
    answer = " ".join(args.answer)
    try:
        response = parse_answer(question, answer)
    except AnswerFormatError as exc:
        raise UserError(f"{args.target}: {exc}.", code=2) from None
    result = grade(question, card_key, response, known_terms(decks))
    rating = suggest_rating(result, 0.0, question=question)
    if args.json:
        out = {
            "question": f"{args.target.partition('/')[0]}/{card_key}",
            "answer": answer,
            "passed": result.passed,
            "verdict": result.outcome,
            "score": result.score,
            "expected": result.expected,
            "read_as": result.read_as,
            "diff": result.diff,
            "details": list(result.details),
            "ask_again": result.ask_again,
            "rating": rating.label,
        }
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        for line in _grade_lines(result, rating.label):
            print(line)
    return 0 if result.passed else 1


def _grade_lines(result: Grade, rating: str) -> list[str]:
    if result.ask_again:
        head = "? not read: a session would ask again"
    else:
        head = {
            "right": "✓ right",
            "almost": "≈ almost: a typo, counts as recalled",
            "partial": f"✗ partly right ({result.score:.0%}): not recalled",
            "wrong": "✗ wrong",
        }[result.outcome]
    lines = [head, f"answer:  {result.expected}"]
    if result.read_as:
        lines.append(f"read as: {result.read_as}")
    if result.diff:
        lines.append(f"diff:    {result.diff}")
    lines += [f"  {d}" for d in result.details]
    lines.append(f"rating:  {rating}" + ("" if result.passed else " (not recalled)"))
    return lines


def cmd_sync(args: Args) -> int:
    """Imports the anki package only here (via srcquiz.anki.sync)."""
    from srcquiz.anki.sync import anki_available

    if args.server is not None and args.user is None:
        raise UserError("--server needs the account too: --user NAME.")
    if args.collection is None and args.user is None:
        raise UserError(
            "say what to sync with: --collection PATH for an Anki collection file, or "
            "--user NAME for a sync server (AnkiWeb unless --server URL)."
        )
    if args.collection is not None and args.user is not None:
        raise UserError("--user is for a sync server; a collection file needs no account.")
    if args.timeout < 1:
        raise UserError("--timeout must be 1 second or more.")
    anki_available()
    decks = load_selected(args, args.deck_ids)
    from srcquiz.cli.progress import progress_for

    show = progress_for(sys.stderr, sys.stdout)
    finished = False
    try:
        summary = _run_sync(args, decks, show)
        finished = True
    finally:
        show.close(finished=finished)
    for sentence in summary.details():
        print(one_line(sentence))
    print(summary.line())
    return 0


def _run_sync(args: Args, decks: list[Deck], show: Progress) -> SyncSummary:
    """The sync itself, with a collection file or a server; `show` hears its stages."""
    with open_store(args) as store:
        for warning in store.warnings:
            print(f"srcquiz: {warning}", file=sys.stderr)
        if args.collection is not None:
            from srcquiz.anki.sync import sync_file

            return sync_file(args.collection, store, decks, progress=show)
        from srcquiz.anki.sync_server import sync_server

        return sync_server(
            args.server,
            args.user,
            store,
            decks,
            accept_full=args.yes,
            progress=show,
            timeout_s=args.timeout,
        )


def cmd_review(args: Args) -> int:
    """`review` and `quiz`: the line mode with --plain, else the app."""
    if args.plain:
        from srcquiz.cli.plain import run_plain

        return run_plain(args)
    return cmd_app(args)


def cmd_app(args: Args) -> int:
    from srcquiz.tui.launch import run_app

    return run_app(args)


# The sub-command each handler answers; None is a bare `srcquiz` (the app).
COMMANDS = {
    None: cmd_app,
    "lint": cmd_lint,
    "grade": cmd_grade,
    "schema": cmd_schema,
    "list": cmd_list,
    "paths": cmd_paths,
    "settings": cmd_settings,
    "review": cmd_review,
    "quiz": cmd_review,
    "stats": cmd_stats,
    "export": cmd_export,
    "import": cmd_import,
    "anchors": cmd_anchors,
    "repos": cmd_repos,
    "restore": cmd_restore,
    "sync": cmd_sync,
}
