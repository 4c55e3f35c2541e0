"""`srcquiz stats`: per-deck progress as a table, or JSON for scripts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from srcquiz.deck.model import Deck
from srcquiz.progress.store import Store

FORECAST_DAYS = 14


def collect(store: Store, decks: list[Deck], now: datetime | None = None) -> dict[str, Any]:
    """Everything `stats` shows, as plain data."""
    now = now or datetime.now().astimezone()
    rows = []
    for deck in decks:
        stats = store.deck_stats(deck, now)
        forecast = store.deck_forecast(deck, FORECAST_DAYS, now)
        row = {"title": deck.title, **stats._asdict()}
        row["forecast"] = [{"date": d.isoformat(), "due": n} for d, n in forecast]
        rows.append(row)
    today = store.today(now)
    return {"date": now.date().isoformat(), "today": today._asdict(), "decks": rows}


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def render(data: dict[str, Any]) -> str:
    """A readable table: one row per deck, then the 14-day due forecast."""
    decks = data["decks"]
    lines = _deck_table(decks)
    lines.append("retention: share of reviews of studied cards in the last 30 days not rated Again")
    today = data["today"]
    practice = f", {today['practice']} practice (cram, missed)" if today["practice"] else ""
    lines.append(
        f"today: {today['reviews']} review(s), {today['right']} right, "
        f"{today['new']} new{practice}; streak {today['streak']} day(s)"
    )
    if decks:
        lines.append("")
        lines.extend(_forecast(decks))
    return "\n".join(lines)


_HEADERS = ("deck", "questions", "new", "learning", "due today", "reviews", "retention", "streak")


def _deck_table(decks: list[dict[str, Any]]) -> list[str]:
    """The per-deck rows under aligned headers, and a total row for several decks."""
    table = [
        (
            d["deck_id"],
            str(d["questions"]),
            str(d["new"]),
            str(d["learning"]),
            str(d["due_today"]),
            str(d["reviews"]),
            _pct(d["retention_30d"]),
            f"{d['streak']}d",
        )
        for d in decks
    ]
    widths = [
        max(len(h), *(len(r[i]) for r in table)) if table else len(h)
        for i, h in enumerate(_HEADERS)
    ]

    def line(cells: tuple[str, ...]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest]).rstrip()

    lines = [line(_HEADERS), *(line(r) for r in table)]
    if len(decks) > 1:
        total = tuple(
            str(sum(d[k] for d in decks))
            for k in ("questions", "new", "learning", "due_today", "reviews")
        )
        lines.append(line(("all", *total, "", "")))
    return lines


def _forecast(decks: list[dict[str, Any]]) -> list[str]:
    """Cards due on each coming day, one row per deck."""
    days = [date.fromisoformat(f["date"]) for f in decks[0]["forecast"]]
    lines = [f"due over the next {len(days)} days (today includes overdue):"]
    id_width = max(len("date"), *(len(d["deck_id"]) for d in decks))
    day_cells = [d.strftime("%d") for d in days]
    lines.append("date".ljust(id_width) + " " + " ".join(c.rjust(3) for c in day_cells))
    for d in decks:
        counts = " ".join(str(f["due"]).rjust(3) for f in d["forecast"])
        lines.append(d["deck_id"].ljust(id_width) + " " + counts)
    if days:
        lines.append(f"(from {days[0]:%a %d %b} to {days[-1]:%a %d %b})")
    return lines
