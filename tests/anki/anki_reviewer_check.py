"""Show every card of a package in Anki's real reviewer and measure each side's layout.

Run by `tests/test_anki_export.py::test_every_bundled_card_fits_a_phone_in_ankis_reviewer`
with a Python that has `aqt` (Anki desktop, ~625 MB of Qt: not a test dependency):

    QT_QPA_PLATFORM=offscreen AQT_PYTHON tests/anki_reviewer_check.py PKG.apkg OUT.json --width 400

For each card it renders the question, then the answer (a type-in card gets a
wrong typed answer, so Anki's diff shows both lines), and records the page's
`scrollWidth` against its width plus every element that reaches past the right
edge. It imports nothing from srcquiz: the package is all it reads.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")

MEASURE_JS = """(() => {
  const side = document.querySelector('#qa .sq-%s');
  if (!side) { return null; }
  const d = document.documentElement, wide = [];
  for (const el of document.querySelectorAll('#qa *')) {
    const r = el.getBoundingClientRect();
    if (r.width && r.right > d.clientWidth + 1) {
      wide.push(el.tagName + '.' + el.className + '@' + Math.round(r.right));
    }
  }
  return JSON.stringify({width: d.clientWidth, scroll: d.scrollWidth, wide: wide.slice(0, 5),
    text: document.getElementById('qa').innerText.slice(0, 120)});
})()"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("pkg")
    ap.add_argument("out")
    ap.add_argument("--width", type=int, default=400)
    ap.add_argument("--night", action="store_true")
    args = ap.parse_args()

    import aqt
    import aqt.profiles
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest
    from aqt.qt import QTimer
    from aqt.theme import Theme

    aqt.profiles.ProfileManager.setDefaultLang = lambda self, idx: self.setLang("en_US")
    aqt.profiles.ProfileManager.check_for_updates = lambda self: False
    aqt._run(["anki", "-b", tempfile.mkdtemp(prefix="sq-anki-")], exec=False)
    mw = aqt.mw
    results: list[dict] = []
    queue: list[int] = []

    def later(ms: int, fn) -> None:
        QTimer.singleShot(ms, fn)

    def start() -> None:
        if mw.col is None:
            return later(300, start)
        mw.set_theme(Theme.DARK if args.night else Theme.LIGHT)
        mw.col.import_anki_package(
            ImportAnkiPackageRequest(
                package_path=os.path.abspath(args.pkg),
                options=ImportAnkiPackageOptions(with_scheduling=False),
            )
        )
        queue.extend(mw.col.find_cards(""))
        did = mw.col.get_card(queue[0]).did
        conf = mw.col.decks.config_dict_for_deck_id(did)
        conf["new"]["perDay"] = 9999
        mw.col.decks.update_config(conf)
        mw.col.decks.select(did)
        mw.moveToState("review")  # the reviewer's page, which then shows each card in turn
        later(3000, next_card)

    def next_card() -> None:
        if not queue:
            with open(args.out, "w", encoding="utf-8") as f:
                json.dump(results, f)
            os._exit(0)
        card = mw.col.get_card(queue.pop(0))
        r = mw.reviewer
        r.card = card
        r.typedAnswer = None
        r.web.eval("document.getElementById('qa').innerHTML = '';")
        r._showQuestion()
        poll(card, "front", 0)

    def poll(card, side: str, tries: int) -> None:
        def got(value) -> None:
            if value is None and tries < 40:
                return later(100, lambda: poll(card, side, tries + 1))
            entry = json.loads(value) if value else {"missing": True}
            note = card.note()
            data = json.loads(note["Srcquiz"]) if "Srcquiz" in note else {}
            entry.update(card=card.id, side=side, ord=card.ord, q=data.get("q", {}).get("id"))
            results.append(entry)
            if side == "front":
                r = mw.reviewer
                if r.typeCorrect:
                    r.typedAnswer = r.typeCorrect[::-1] or "x"
                r.web.eval("document.getElementById('qa').innerHTML = '';")
                r._showAnswer()
                later(50, lambda: poll(card, "back", 0))
            else:
                later(0, next_card)

        later(60, lambda: mw.reviewer.web.evalWithCallback(MEASURE_JS % side, got))

    mw.resize(args.width, 900)
    later(800, start)
    aqt.mw.app.exec()


if __name__ == "__main__":
    sys.exit(main())
