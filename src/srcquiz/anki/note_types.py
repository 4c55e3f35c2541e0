"""srcquiz's Anki note types: ids, fields, card templates, CSS and the choice-card script.

Anki matches a note type by id and refuses to update notes whose note type
changed its fields (it logs them as conflicting and adds a copy named "X+"),
so every id and field list below is fixed forever. Templates and CSS may be
improved later: they travel with each export and Anki updates them in place.
To change fields, add a new note type with a new id and name instead.

Field content is always built by `srcquiz.anki.exporter`: deck text arrives
HTML-escaped, so the templates may insert fields as HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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


CSS = """\
.card {
  font-family: -apple-system, "Segoe UI", Roboto, "Liberation Sans", Arial, sans-serif;
  font-size: 20px; line-height: 1.45; text-align: left;
  --sq-ok: #1a7f37; --sq-bad: #cf222e; --sq-muted: #59636e;
  --sq-line: #d0d7de; --sq-pick: #ddf4ff; --sq-pick-line: #0969da; --sq-cloze: #0969da;
}
.card.nightMode, .card.night_mode, .nightMode .card, .night_mode .card {
  --sq-ok: #3fb950; --sq-bad: #f85149; --sq-muted: #9198a1;
  --sq-line: #3d444d; --sq-pick: #14304f; --sq-pick-line: #58a6ff; --sq-cloze: #58a6ff;
}
.sq { max-width: 46em; margin: 0 auto; text-align: left; }
.sq-prompt { margin-bottom: .6em; }
.sq code { font-family: ui-monospace, Menlo, Consolas, "Liberation Mono", monospace;
  font-size: .9em; background: rgba(127, 127, 127, .16); padding: 0 .2em; border-radius: 3px; }
.sq pre code { background: none; padding: 0; font-size: 1em; }
.sq img { max-width: 100%; }
.sq-code { margin: .6em 0; }
.sq-hint, .sq-unit { color: var(--sq-muted); font-size: .85em; margin: .4em 0; }
.sq-answer { font-weight: bold; margin: .4em 0; }
.sq-accept, .sq-tolerance { color: var(--sq-muted); font-size: .85em; }
.sq-list { padding-left: 1.6em; }
.sq-list li { margin: .2em 0; }
.sq-opts { list-style-type: upper-alpha; padding-left: 0; list-style-position: inside; }
.sq-opts li { padding: .3em .6em; margin: .3em 0; border: 1px solid var(--sq-line);
  border-radius: 6px; cursor: pointer; -webkit-tap-highlight-color: transparent; }
.sq-opts li.sq-picked { background: var(--sq-pick); border-color: var(--sq-pick-line); }
.sq-back .sq-opts li { cursor: default; }
.sq-back .sq-opts li.sq-ok { border: 2px solid var(--sq-ok); font-weight: bold; }
.sq-back .sq-opts li.sq-ok::after { content: " \\2713"; color: var(--sq-ok); }
.sq-back .sq-opts li.sq-picked:not(.sq-ok) { border: 2px solid var(--sq-bad);
  text-decoration: line-through; background: none; }
.sq-back .sq-opts li.sq-picked:not(.sq-ok)::after { content: " \\2717"; color: var(--sq-bad); }
.sq-match { display: flex; flex-wrap: wrap; gap: 0 2em; }
.sq-match ol { padding-left: 1.8em; margin: .3em 0; }
.sq-pairs { border-collapse: collapse; }
.sq-pairs td { padding: .25em .6em; border-bottom: 1px solid var(--sq-line); vertical-align: top; }
.sq-pairs td.sq-arrow { color: var(--sq-muted); }
.sq-expl { margin-top: .8em; }
.sq-meta { margin-top: .5em; color: var(--sq-muted); font-size: .75em; }
.sq-meta a { color: inherit; text-decoration: underline dotted; }
.cloze { font-weight: bold; color: var(--sq-cloze); }
"""

# Clicking options on the front marks them; the back then shows what was
# picked next to the right answers. Without scripts both sides still work:
# the front is a plain list and the back marks the right options by CSS.
# `window` survives between sides on desktop; sessionStorage on mobile.
FRONT_SCRIPT = """\
<script>
(function () {
  var picks = [];
  function save() {
    window.sqPicks = picks.slice();
    try { sessionStorage.setItem("sqPicks", picks.join(",")); } catch (e) {}
  }
  save();
  var box = document.querySelector(".sq-front .sq-opts");
  if (!box) { return; }
  var multi = box.getAttribute("data-multi") === "1";
  var items = box.getElementsByTagName("li");
  function pick(ev) {
    var li = ev.currentTarget, n = li.getAttribute("data-n"), at = picks.indexOf(n);
    if (!multi) {
      for (var j = 0; j < items.length; j++) { items[j].classList.remove("sq-picked"); }
      picks = []; at = -1;
    }
    if (at >= 0) { picks.splice(at, 1); li.classList.remove("sq-picked"); }
    else { picks.push(n); li.classList.add("sq-picked"); }
    save();
  }
  for (var i = 0; i < items.length; i++) { items[i].addEventListener("click", pick); }
})();
</script>"""

BACK_SCRIPT = """\
<script>
(function () {
  var box = document.querySelector(".sq-back .sq-opts");
  if (!box) { return; }
  var picks = window.sqPicks;
  if (!picks) {
    try { var s = sessionStorage.getItem("sqPicks"); picks = s ? s.split(",") : []; }
    catch (e) { picks = []; }
  }
  var items = box.getElementsByTagName("li");
  for (var i = 0; i < items.length; i++) {
    if (picks.indexOf(items[i].getAttribute("data-n")) >= 0) {
      items[i].classList.add("sq-picked");
    }
  }
})();
</script>"""

_CODE = '{{#Code}}<div class="sq-code">{{Code}}</div>{{/Code}}'
_HINT = '{{#Hint}}<div class="sq-hint">{{hint:Hint}}</div>{{/Hint}}'
_PROMPT = '<div class="sq-prompt">{{Prompt}}</div>'
_ABOUT = (
    '{{#Explanation}}<div class="sq-expl">{{Explanation}}</div>{{/Explanation}}'
    '{{#Source}}<div class="sq-meta sq-source">Source: {{Source}}</div>{{/Source}}'
    '{{#Upstream}}<div class="sq-meta sq-upstream">Upstream: {{Upstream}}</div>{{/Upstream}}'
)
_HR = '<hr id="answer">'


def _front(body: str, extra: str = "") -> str:
    return f'<div class="sq sq-front">{body}</div>{extra}'


def _back(body: str, extra: str = "") -> str:
    return f'<div class="sq sq-back">{body}{_ABOUT}</div>{extra}'


_UNIT = '{{#Unit}}<div class="sq-unit">Answer in {{Unit}}</div>{{/Unit}}'
_CHOICE = (
    (
        "Choice",
        _front(_PROMPT + _CODE + _HINT + '<div class="sq-choice">{{Options}}</div>', FRONT_SCRIPT),
        _back(
            _PROMPT
            + _CODE
            + '<div class="sq-choice">{{Options}}</div>'
            + _HR
            + '<div class="sq-answer">{{Answer}}</div>',
            BACK_SCRIPT,
        ),
    ),
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
                    _front(_PROMPT + _CODE + _HINT),
                    _back(_PROMPT + _CODE + _HR + '<div class="sq-answer">{{Answer}}</div>'),
                ),
                (
                    "Reverse",
                    '{{#Reverse}}<div class="sq sq-front"><div class="sq-prompt">{{Answer}}</div>'
                    "</div>{{/Reverse}}",
                    _back(
                        '<div class="sq-prompt">{{Answer}}</div>'
                        + _HR
                        + '<div class="sq-answer">{{Prompt}}</div>'
                        + _CODE
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
                    _front(_PROMPT + _CODE + _HINT + "{{type:Answer}}"),
                    _back(
                        _PROMPT
                        + _CODE
                        + _HR
                        + "{{type:Answer}}"
                        + '{{#Accept}}<div class="sq-accept">Also accepted: {{Accept}}</div>'
                        "{{/Accept}}"
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
                    _front(_PROMPT + _CODE + _HINT + _UNIT + "{{type:Answer}}"),
                    _back(
                        _PROMPT
                        + _CODE
                        + _UNIT
                        + _HR
                        + "{{type:Answer}}"
                        + '{{#Tolerance}}<div class="sq-tolerance">Accepted within '
                        "&plusmn; {{Tolerance}}</div>{{/Tolerance}}"
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
                    _front('<div class="sq-prompt">{{cloze:Text}}</div>' + _CODE + _HINT),
                    _back('<div class="sq-prompt">{{cloze:Text}}</div>' + _CODE + _HR),
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
