"""Settings (ctrl+l on the decks screen, or the palette): the daily limits and the
desired retention, the same values `srcquiz settings` shows and changes.

Every field is checked before anything is written: a bad value is named in one
sentence and nothing is saved. A deck's own limits are edited one deck at a time
(pick it in the list); an empty field means the limits of every deck.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, NamedTuple

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, Select, Static

from srcquiz.textsafe import printable
from srcquiz.tui.screens.base import BaseScreen
from srcquiz.tui.widgets.inputs import BlinkAwareInput
from srcquiz.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from srcquiz.study.limits import DeckOverride, Limits
    from srcquiz.study.scheduler import Settings
    from srcquiz.tui.app import SrcquizApp


class Field(NamedTuple):
    id: str
    label: str


GLOBAL_FIELDS = (
    Field("new-per-day", "New cards a day, each deck"),
    Field("reviews-per-day", "Reviews a day, each deck"),
    Field("cap", "All decks together, a day"),
    Field("retention", "Desired retention, 0.70-0.99"),
)
DECK_FIELDS = (
    Field("deck-new", "New cards a day"),
    Field("deck-reviews", "Reviews a day"),
)


class Values(NamedTuple):
    """What the fields hold, read and checked."""

    settings: Settings
    cap: int
    decks: dict[str, DeckOverride]


class SettingsScreen(BaseScreen):
    BINDINGS = [
        Binding("enter", "save(True)", "Save and close", key_display="⏎"),
        Binding("ctrl+s", "save(False)", "Save"),
        Binding("escape", "close", "Close without saving"),
        Binding("down", "app.focus_next", "Next field", show=False),
        Binding("up", "app.focus_previous", "Previous field", show=False),
    ]

    app: SrcquizApp

    def __init__(self, deck_id: str | None = None) -> None:
        super().__init__(id="settings")
        self.deck_id = deck_id
        # Typed per-deck values of decks picked before the one shown, kept until saved.
        self.pending: dict[str, tuple[str, str]] = {}

    def _stored(self) -> tuple[Settings, Limits]:
        from srcquiz.study.limits import load_limits
        from srcquiz.study.scheduler import load_settings

        settings = self.app.settings or load_settings(self.app.store)
        return settings, load_limits(self.app.store, settings)

    def compose(self) -> ComposeResult:
        settings, limits = self._stored()
        decks = self.app.decks
        if self.deck_id not in {d.id for d in decks}:
            self.deck_id = decks[0].id if decks else None
        with VerticalScroll(classes="body", id="settings-box"):
            yield Static("Settings", id="settings-title")
            yield Static(
                "Each deck gets these daily limits unless it has its own; a deck's reviews "
                "count its new cards too. Enter saves and closes.",
                classes="settings-note",
            )
            values = (
                settings.new_per_day,
                settings.max_reviews_per_day,
                limits.cap,
                f"{settings.desired_retention:.2f}",
            )
            for field, value in zip(GLOBAL_FIELDS, values, strict=True):
                yield _row(field, str(value))
            yield Static("One deck's own limits (empty: the ones above)", classes="settings-head")
            if decks:
                yield Select(
                    [(printable(d.title), d.id) for d in decks],
                    value=self.deck_id or decks[0].id,
                    allow_blank=False,
                    id="settings-deck",
                )
                own = self._deck_texts(limits, self.deck_id or "")
                defaults = (settings.new_per_day, settings.max_reviews_per_day)
                for field, text, default in zip(DECK_FIELDS, own, defaults, strict=True):
                    yield _row(field, text, str(default))
            yield Static("", id="settings-today")
            yield Static("", id="settings-error")
        yield KeyBar()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(f"#{GLOBAL_FIELDS[0].id}", Input).focus()
        self._show_today()

    def _deck_texts(self, limits: Limits, deck_id: str) -> tuple[str, str]:
        if deck_id in self.pending:
            return self.pending[deck_id]
        own = limits.decks.get(deck_id)
        if own is None:
            return "", ""
        return tuple("" if v is None else str(v) for v in own)  # type: ignore[return-value]

    def _typed(self, field_id: str) -> str:
        return self.query_one(f"#{field_id}", Input).value

    def _show_today(self) -> None:
        budget, deck_id = self.app.budget, self.deck_id
        if budget is None or deck_id is None:
            return
        used, mine = budget.used(deck_id), budget.limits.for_deck(deck_id)
        self.query_one("#settings-today", Static).update(
            f"Today in this deck: {used.new} of {mine.new_per_day} new cards, "
            f"{used.reviews} of {mine.reviews_per_day} reviews."
        )

    @on(Select.Changed, "#settings-deck")
    def _deck_picked(self, event: Select.Changed) -> None:
        picked = event.value
        if not isinstance(picked, str) or picked == self.deck_id:
            return
        if self.deck_id is not None:
            self.pending[self.deck_id] = (self._typed("deck-new"), self._typed("deck-reviews"))
        self.deck_id = picked
        new, reviews = self._deck_texts(self._stored()[1], picked)
        self.query_one("#deck-new", Input).value = new
        self.query_one("#deck-reviews", Input).value = reviews
        self._show_today()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save(True)

    def read_values(self) -> Values:
        """Every field, checked; ValueError names the first bad one (nothing saved)."""
        from srcquiz.study.limits import DeckOverride, parse_limit

        settings, limits = self._stored()
        texts = {f.id: self._typed(f.id) for f in GLOBAL_FIELDS}
        new = parse_limit(texts["new-per-day"], "New cards a day")
        reviews = parse_limit(texts["reviews-per-day"], "Reviews a day")
        cap = parse_limit(texts["cap"], "All decks together")
        retention = _retention(texts["retention"])
        settings = replace(
            settings,
            new_per_day=new or 0,
            max_reviews_per_day=reviews or 0,
            desired_retention=retention,
        )
        typed = dict(self.pending)
        if self.deck_id is not None:
            typed[self.deck_id] = (self._typed("deck-new"), self._typed("deck-reviews"))
        decks = {}
        for deck_id, (own_new, own_reviews) in typed.items():
            decks[deck_id] = DeckOverride(
                parse_limit(own_new, "This deck's new cards a day", blank=True),
                parse_limit(own_reviews, "This deck's reviews a day", blank=True),
            )
        return Values(settings, cap or 0, decks)

    def action_save(self, close: bool) -> None:
        from srcquiz.study.limits import save_cap, save_deck_limits
        from srcquiz.study.scheduler import save_settings

        error = self.query_one("#settings-error", Static)
        try:
            values = self.read_values()
        except ValueError as exc:
            error.update(printable(str(exc)))
            error.add_class("-shown")
            return
        store = self.app.store
        saved = save_settings(store, values.settings)
        save_cap(store, values.cap)
        for deck_id, own in values.decks.items():
            save_deck_limits(store, deck_id, own)
        if self.app.settings is not None:  # the app was given its settings: keep them in step
            self.app.settings = saved
        self.pending.clear()
        error.update("")
        error.remove_class("-shown")
        self.app.refresh_stats()
        self._show_today()
        if close:
            self.dismiss()
        else:
            self.notify("Settings saved.", timeout=3)

    def action_close(self) -> None:
        self.dismiss()


def _row(field: Field, value: str, placeholder: str = "") -> Horizontal:
    label = Static(field.label, classes="settings-label")
    box = BlinkAwareInput(value, placeholder=placeholder, id=field.id, classes="setting")
    return Horizontal(label, box, classes="settings-row")


def _retention(text: str) -> float:
    from srcquiz.study.scheduler import RETENTION_MAX, RETENTION_MIN

    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        value = -1.0
    if not RETENTION_MIN <= value <= RETENTION_MAX:
        raise ValueError(
            f"Desired retention must be a number from {RETENTION_MIN:.2f} to "
            f"{RETENTION_MAX:.2f} (for example 0.90)."
        )
    return value
