"""srcquiz's Anki note types: ids, fields, card templates and their phone-first CSS.

Anki matches a note type by id and refuses to update notes whose note type
changed its fields (it logs them as conflicting and adds a copy named "X+"),
so every id and field list below is fixed forever. Templates and CSS may be
improved later: they travel with each export and Anki updates them in place.
To change fields, add a new note type with a new id and name instead.

Field content is always built by `srcquiz.anki.exporter`: deck text arrives
HTML-escaped, so the templates may insert fields as HTML.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from srcquiz.anki.card_script import BACK_JS, CHECK_SCRIPT, FRONT_JS
from srcquiz.deck.kinds import Question
from srcquiz.deck.model import split_card_key

# Shared by every note type, after the kind's own fields. `Srcquiz` holds the
# question as compact JSON (never shown) so `srcquiz import` maps it back exactly.
COMMON_FIELDS = ("Explanation", "Code", "Hint", "Source", "Upstream", "Srcquiz")


@dataclass(frozen=True, slots=True)
class NoteType:
    kind: str
    id: int
    name: str
    own_fields: tuple[str, ...]
    templates: tuple[tuple[str, str, str], ...]  # (name, front, back)
    cloze: bool = False

    @property
    def fields(self) -> tuple[str, ...]:
        return self.own_fields + COMMON_FIELDS


# Which template makes each study card, where it is not the card's place in
# `card_keys()`: a cloze note's card N comes from template ord N-1, and a cloze
# with deletions 1 and 3 has no card 2.
_ORDS: dict[str, Callable[[tuple[str, ...]], Sequence[int]]] = {
    "cloze": lambda keys: [int(split_card_key(k)[1].removeprefix("c")) - 1 for k in keys],
}


def anki_cards(q: Question) -> dict[int, str]:
    """The cards Anki makes of the question's note, as template ord -> srcquiz card key:
    one per cloze number, the reverse template's (ord 1) only for a reversed card.
    The export's card list and the sync's card-to-history map both read this."""
    keys = q.card_keys()  # a cloze's ords from its keys (`#c3`): parsed once
    ords = _ORDS[q.kind](keys) if q.kind in _ORDS else range(len(keys))
    return dict(zip(ords, keys, strict=True))


# Phone first: the base rules fit a 400 px screen; wider screens get side-by-side
# match columns and code that scrolls inside its own box instead of wrapping.
CSS = """\
.card {
  font-family: -apple-system, "Segoe UI", Roboto, "Liberation Sans", Arial, sans-serif;
  font-size: 18px; line-height: 1.45; text-align: left;
  --sq-ok: #1a7f37; --sq-bad: #cf222e; --sq-warn: #9a6700; --sq-muted: #59636e;
  --sq-line: #d0d7de; --sq-pick: #ddf4ff; --sq-pick-line: #0969da; --sq-cloze: #0969da;
  --sq-ok-bg: #dafbe1; --sq-bad-bg: #ffebe9;
}
.card.nightMode, .card.night_mode, .nightMode .card, .night_mode .card {
  --sq-ok: #3fb950; --sq-bad: #f85149; --sq-warn: #d29922; --sq-muted: #9198a1;
  --sq-line: #3d444d; --sq-pick: #14304f; --sq-pick-line: #58a6ff; --sq-cloze: #58a6ff;
  --sq-ok-bg: #12261e; --sq-bad-bg: #2d1214;
}
.sq { max-width: 46em; margin: 0 auto; text-align: left; overflow-wrap: anywhere; }
.sq-prompt { margin-bottom: .6em; }
.sq code { font-family: ui-monospace, Menlo, Consolas, "Liberation Mono", monospace;
  font-size: .9em; background: rgba(127, 127, 127, .16); padding: 0 .2em; border-radius: 3px; }
.sq img { max-width: 100%; height: auto; }
.sq-pre { margin: .6em 0; padding: .55em .7em; border-radius: 6px; text-align: left;
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  font-size: .78em; line-height: 1.4; tab-size: 4; -moz-tab-size: 4;
  white-space: pre-wrap; overflow-wrap: anywhere; word-break: normal; }
.sq .sq-pre code { background: none; padding: 0; font-size: 1em; border-radius: 0;
  font-family: inherit; white-space: inherit; }
.sq-hint, .sq-unit { color: var(--sq-muted); font-size: .85em; margin: .4em 0; }
.sq-answer { font-weight: bold; margin: .4em 0; }
.sq-accept, .sq-tolerance { color: var(--sq-muted); font-size: .85em; margin: .3em 0; }
.sq-list, .sq-opts { list-style: none; padding-left: 0; margin: .4em 0; counter-reset: sq-n; }
.sq-list > li, .sq-opts > li { counter-increment: sq-n; position: relative; }
.sq-list > li { margin: .25em 0; padding-left: 1.8em; }
.sq-list > li::before { content: counter(sq-n) "."; position: absolute; left: 0;
  color: var(--sq-muted); }
.sq-list.sq-abc > li::before { content: counter(sq-n, upper-alpha) "."; font-weight: bold; }
.sq-list.sq-abc-lower > li::before { content: counter(sq-n, lower-alpha) "."; font-weight: bold; }
.sq-opts > li { padding: .4em .6em .4em 2.3em; margin: .35em 0; border: 1px solid var(--sq-line);
  border-radius: 6px; cursor: pointer; -webkit-tap-highlight-color: transparent; }
.sq-opts > li::before { content: counter(sq-n, upper-alpha); position: absolute; left: .65em;
  top: .4em; font-weight: bold; color: var(--sq-muted); }
.sq-opts.sq-tf > li { padding-left: .8em; }
.sq-opts.sq-tf > li::before { content: none; }
.sq-opts > li.sq-picked { background: var(--sq-pick); border-color: var(--sq-pick-line);
  box-shadow: inset 0 0 0 1px var(--sq-pick-line); }
.sq-back .sq-opts > li { cursor: default; }
.sq-back .sq-opts > li.sq-ok { border: 2px solid var(--sq-ok); font-weight: bold; }
.sq-back .sq-opts > li.sq-ok::after { content: " \\2713"; color: var(--sq-ok); }
.sq-back .sq-has-picks > li.sq-ok.sq-picked { background: var(--sq-ok-bg); box-shadow: none; }
.sq-back .sq-has-picks[data-multi="1"] > li.sq-ok:not(.sq-picked) {
  border: 2px dashed var(--sq-warn); }
.sq-back .sq-has-picks[data-multi="1"] > li.sq-ok:not(.sq-picked)::after {
  content: "\\2713\\00a0missed"; color: var(--sq-warn); font-size: .85em; margin-left: .4em; }
.sq-back .sq-opts > li.sq-picked:not(.sq-ok) { border: 2px solid var(--sq-bad);
  background: var(--sq-bad-bg); box-shadow: none; text-decoration: line-through; }
.sq-back .sq-opts > li.sq-picked:not(.sq-ok)::after { content: "\\2717\\00a0your pick";
  color: var(--sq-bad); display: inline-block; text-decoration: none; font-size: .85em;
  margin-left: .4em; }
.sq-verdict { font-weight: bold; margin: .4em 0; }
.sq-v-right { color: var(--sq-ok); }
.sq-v-almost { color: var(--sq-warn); }
.sq-v-wrong { color: var(--sq-bad); }
.sq-tally:empty { display: none; }
#typeans { box-sizing: border-box; max-width: 100%; overflow-wrap: anywhere; }
code#typeans { white-space: pre-wrap; }
#typeans.sq-overruled { opacity: .75; }
.sq-match > ol { margin: .3em 0 .6em; }
.sq-key { font-weight: bold; margin: .4em 0 .6em; }
.sq-kp { white-space: nowrap; }
.sq-let { font-weight: bold; }
.sq-pair { padding: .35em 0; border-bottom: 1px solid var(--sq-line); }
.sq-pair .sq-r { padding-left: 1.8em; }
.sq-arrow { color: var(--sq-muted); }
.sq-num { color: var(--sq-muted); display: inline-block; min-width: 1.8em; }
.sq-expl { margin-top: .8em; }
.sq-meta { margin-top: .5em; color: var(--sq-muted); font-size: .75em; }
.sq-meta a { color: inherit; text-decoration: underline dotted; }
.sq-flag { display: none; }
.sq-flag:has(.sq-retired) { display: block; }
.sq-retired { border: 2px dashed var(--sq-bad); border-radius: 6px; padding: .4em .6em;
  margin-bottom: .6em; font-size: .85em; }
.cloze { font-weight: bold; color: var(--sq-cloze); }
@media (min-width: 601px) {
  .card { font-size: 20px; }
  .sq-pre { white-space: pre; overflow-wrap: normal; overflow-x: auto; font-size: .85em;
    scrollbar-width: thin; scrollbar-color: #484f58 transparent; }
  .sq-pre::-webkit-scrollbar { height: 8px; background: transparent; }
  .sq-pre::-webkit-scrollbar-thumb { background: #484f58; border-radius: 4px; }
  .sq-pre::-webkit-scrollbar-track, .sq-pre::-webkit-scrollbar-corner { background: transparent; }
  .sq-match { display: flex; gap: 0 2em; }
  .sq-match > ol { flex: 1 1 0; min-width: 0; }
  .sq-pair { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1em; }
  .sq-pair .sq-r { padding-left: 0; }
}
"""

_CODE = '{{#Code}}<div class="sq-code">{{Code}}</div>{{/Code}}'
_HINT = '{{#Hint}}<div class="sq-hint">{{hint:Hint}}</div>{{/Hint}}'
_PROMPT = '<div class="sq-prompt">{{Prompt}}</div>'
_ABOUT = (
    '{{#Explanation}}<div class="sq-expl">{{Explanation}}</div>{{/Explanation}}'
    '{{#Source}}<div class="sq-meta sq-source">Source: {{Source}}</div>{{/Source}}'
    '{{#Upstream}}<div class="sq-meta sq-upstream">Upstream: {{Upstream}}</div>{{/Upstream}}'
)
_HR = '<hr id="answer">'
# The question as JSON (no `<`, `>` or `&` in it: see `html.data_json`), inert
# data for the typed-answer checker.
_DATA = '<script type="application/json" class="sq-data">{{Srcquiz}}</script>'


def _front(body: str, script: bool = True) -> str:
    return f'<div class="sq sq-front">{body}</div>' + (FRONT_JS if script else "")


def _back(body: str, script: bool = True, check: bool = False) -> str:
    scripts = (CHECK_SCRIPT if check else "") + (BACK_JS if script else "")
    return f'<div class="sq sq-back">{body}{_ABOUT}</div>' + scripts


_UNIT = '{{#Unit}}<div class="sq-unit">Answer in {{Unit}}</div>{{/Unit}}'
_TYPED = '<div class="sq-typed">{{type:Answer}}</div>'
_CHOICE = (
    (
        "Choice",
        _front(_PROMPT + _CODE + _HINT + '<div class="sq-choice">{{Options}}</div>'),
        _back(
            _PROMPT
            + _CODE
            + '<div class="sq-choice">{{Options}}</div>'
            + _HR
            + '<div class="sq-tally"></div><div class="sq-answer">{{Answer}}</div>'
        ),
    ),
)
# `Reverse` is "y" for a reversed card, or a notice once the deck turned `reversed`
# off (the card exists in Anki and must not turn blank): shown only then, by CSS.
_REVERSE_FRONT = (
    '{{#Reverse}}<div class="sq sq-front"><div class="sq-flag">{{Reverse}}</div>'
    '<div class="sq-prompt">{{Answer}}</div></div>{{/Reverse}}'
)

NOTE_TYPES: dict[str, NoteType] = {
    nt.kind: nt
    for nt in (
        NoteType(
            "card",
            1721004101,
            "srcquiz card",
            ("Prompt", "Answer", "Reverse"),
            (
                (
                    "Card",
                    _front(_PROMPT + _CODE + _HINT, script=False),
                    _back(
                        _PROMPT + _CODE + _HR + '<div class="sq-answer">{{Answer}}</div>',
                        script=False,
                    ),
                ),
                (
                    "Reverse",
                    _REVERSE_FRONT,
                    _back(
                        '<div class="sq-flag">{{Reverse}}</div>'
                        '<div class="sq-prompt">{{Answer}}</div>'
                        + _HR
                        + '<div class="sq-answer">{{Prompt}}</div>'
                        + _CODE,
                        script=False,
                    ),
                ),
            ),
        ),
        NoteType(
            "short",
            1721004102,
            "srcquiz short",
            ("Prompt", "Answer", "Accept"),
            (
                (
                    "Type in",
                    _front(_PROMPT + _CODE + _HINT + _TYPED + _DATA),
                    _back(
                        _PROMPT
                        + _CODE
                        + _HR
                        + _TYPED
                        + '{{#Accept}}<div class="sq-accept">Also accepted: {{Accept}}</div>'
                        "{{/Accept}}"
                        + _DATA,
                        check=True,
                    ),
                ),
            ),
        ),
        NoteType(
            "number",
            1721004103,
            "srcquiz number",
            ("Prompt", "Answer", "Unit", "Tolerance"),
            (
                (
                    "Type in",
                    _front(_PROMPT + _CODE + _HINT + _UNIT + _TYPED + _DATA),
                    _back(
                        _PROMPT
                        + _CODE
                        + _UNIT
                        + _HR
                        + _TYPED
                        + '{{#Tolerance}}<div class="sq-tolerance">Accepted within '
                        "&plusmn; {{Tolerance}}</div>{{/Tolerance}}"
                        + _DATA,
                        check=True,
                    ),
                ),
            ),
        ),
        NoteType("choice", 1721004104, "srcquiz choice", ("Prompt", "Options", "Answer"), _CHOICE),
        NoteType(
            "truefalse",
            1721004105,
            "srcquiz truefalse",
            ("Prompt", "Options", "Answer"),
            _CHOICE,
        ),
        NoteType(
            "cloze",
            1721004106,
            "srcquiz cloze",
            ("Text",),
            (
                (
                    "Cloze",
                    _front(
                        '<div class="sq-prompt">{{cloze:Text}}</div>' + _CODE + _HINT, script=False
                    ),
                    _back(
                        '<div class="sq-prompt">{{cloze:Text}}</div>' + _CODE + _HR, script=False
                    ),
                ),
            ),
            cloze=True,
        ),
        NoteType(
            "order",
            1721004107,
            "srcquiz order",
            ("Prompt", "Items", "Order"),
            (
                (
                    "Order",
                    _front(_PROMPT + _CODE + _HINT + '<div class="sq-items">{{Items}}</div>'),
                    _back(_PROMPT + _CODE + _HR + '<div class="sq-order">{{Order}}</div>'),
                ),
            ),
        ),
        NoteType(
            "match",
            1721004108,
            "srcquiz match",
            ("Prompt", "Left", "Right", "Pairs"),
            (
                (
                    "Match",
                    _front(
                        _PROMPT + _CODE + _HINT + '<div class="sq-match">{{Left}}{{Right}}</div>'
                    ),
                    _back(_PROMPT + _CODE + _HR + '<div class="sq-pairs-box">{{Pairs}}</div>'),
                ),
            ),
        ),
    )
}

NOTE_TYPE_BY_NAME: dict[str, NoteType] = {nt.name: nt for nt in NOTE_TYPES.values()}
NOTE_TYPE_BY_ID: dict[int, NoteType] = {nt.id: nt for nt in NOTE_TYPES.values()}


def genanki_models() -> dict[str, Any]:
    """One genanki.Model per kind (imports genanki: call only when exporting)."""
    import genanki

    return {
        nt.kind: genanki.Model(
            nt.id,
            nt.name,
            fields=[{"name": f} for f in nt.fields],
            templates=[{"name": n, "qfmt": q, "afmt": a} for n, q, a in nt.templates],
            css=CSS,
            model_type=genanki.Model.CLOZE if nt.cloze else genanki.Model.FRONT_BACK,
        )
        for nt in NOTE_TYPES.values()
    }
