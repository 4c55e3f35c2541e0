"""The JavaScript inside srcquiz's Anki cards: answer checking, shuffles, picks, keys.

Three scripts, each a plain string a template includes:

- `CHECK_JS` holds no DOM code: srcquiz's grading rules for typed answers
  (`srcquiz.study.grading`: normalisation, accepted answers, small-typo "almost",
  number forms, units, tolerance) ported to ES5 plus `String.normalize`, so a card
  judges `sigsuspend(&set)` or `1,024` the way the app does. The tests run it with
  `node` against the Python rules on one shared table of cases.
- `FRONT_JS` shuffles the card's list afresh each time the front is shown
  (choice options, order items, the match column; an order or match list never
  shows its answer), lets options be picked by click or key, and remembers the
  shown order, the picks and the typed text for the back.
- `BACK_JS` shows the back in the front's order and letters, marks picks, counts
  them, and puts a one-line verdict above Anki's own typed-answer diff.

Without scripts every card still works: lists keep the order stored at export
(letters from CSS counters, so front and back agree), and the back marks the
right options. State passes from front to back in `window` (desktop, where the
page stays) and `sessionStorage` (clients that reload it), under a key that ties
it to one note, so a back never borrows another card's order. Every script is
wrapped in try/catch: a broken script must leave the plain card usable.
"""

from __future__ import annotations

# Keep `_PUNCT` in step with `srcquiz.deck.punctuation.PUNCT_MAP` (a test compares them).
CHECK_JS = r"""
var SQ = (function () {
  var PUNCT = {"\u3002": ".", "\uff61": ".", "\u3001": ",", "\u300c": '"', "\u300d": '"',
    "\u300e": '"', "\u300f": '"', "\u3010": "[", "\u3011": "]", "\u3014": "(", "\u3015": ")",
    "\u300a": "<", "\u300b": ">", "\u3008": "<", "\u3009": ">", "\u2018": "'", "\u2019": "'",
    "\u201b": "'", "\u201a": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"',
    "\u00ab": '"', "\u00bb": '"', "\u2039": "'", "\u203a": "'", "\u2026": "...",
    "\u2010": "-", "\u2011": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-"};
  var KEEP = "#%&*@/\\-_";
  // Python's str.isspace(), which JS's \s does not quite match.
  var SPACE = "\t\n\u000b\f\r\u001c\u001d\u001e\u001f \u0085\u00a0\u1680\u2000\u2001" +
    "\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000";
  var P = null, DIGIT = null, ALNUM = null;
  try {
    P = new RegExp("^\\p{P}$", "u");
    DIGIT = new RegExp("^\\p{Nd}$", "u");
    ALNUM = new RegExp("^[\\p{L}\\p{N}]+$", "u");
  } catch (e) {
    // Engines without Unicode property escapes: ASCII and common CJK punctuation.
    P = new RegExp("^[!-#%-*,-/:;?@\\[-\\]_{}\u00a1\u00a7\u00ab\u00b6\u00b7\u00bb\u00bf" +
      "\u2010-\u2027\u2030-\u205e\u3001-\u3003\u3008-\u3011\u3014-\u301f\uff01-\uff0f]$");
    DIGIT = /^[0-9]$/;
    ALNUM = /^[A-Za-z0-9\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff\u4e00-\u9fff]+$/;
  }
  function chars(s) { return Array.from ? Array.from(s) : s.split(""); }
  function nfkc(s) { return s.normalize ? s.normalize("NFKC") : s; }
  function isSpace(c) { return SPACE.indexOf(c) >= 0; }
  function mapPunct(s) {
    var cs = chars(s), out = "";
    for (var i = 0; i < cs.length; i++) {
      out += Object.prototype.hasOwnProperty.call(PUNCT, cs[i]) ? PUNCT[cs[i]] : cs[i];
    }
    return out;
  }
  // Python's casefold(): upper then lower folds ß, ſ, ᾳ alike; a final sigma is σ.
  function fold(s) { return s.toUpperCase().toLowerCase().replace(/\u03c2/g, "\u03c3"); }
  function words(s) {
    var out = [], cur = "", cs = chars(s);
    for (var i = 0; i < cs.length; i++) {
      if (isSpace(cs[i])) { if (cur) { out.push(cur); cur = ""; } } else { cur += cs[i]; }
    }
    if (cur) { out.push(cur); }
    return out;
  }
  function strippable(c, keep) {
    if (isSpace(c)) { return true; }
    if (KEEP.indexOf(c) >= 0 || (keep && keep.indexOf(c) >= 0)) { return false; }
    return P.test(c);
  }
  function stripEnds(s, keepLead) {
    var cs = chars(s), a = 0, b = cs.length;
    while (a < b && strippable(cs[a], keepLead)) { a++; }
    while (b > a && strippable(cs[b - 1], "")) { b--; }
    return cs.slice(a, b).join("");
  }
  function fold1(s, keepCase) {
    s = mapPunct(nfkc(s));
    if (!keepCase) { s = nfkc(fold(s)); }
    return words(stripEnds(s, "")).join(" ");
  }
  function normalize(s, keepCase) {
    for (var i = 0; i < 8; i++) {
      var f = fold1(s, keepCase);
      if (f === s) { break; }
      s = f;
    }
    return s;
  }
  function loose(s, keepCase) { return words(normalize(s, keepCase)).join(""); }
  function plainKey(s) { return words(mapPunct(nfkc(s))).join(""); }
  function caseMatters(answer) {
    var key = chars(loose(answer, true));
    return key.length === 1 || (key.length === 2 && !ALNUM.test(key.join("")));
  }
  // A short acronym (DDIM) tolerates no typo: one changed letter names another thing.
  function maxTypos(answer, key) {
    var n = chars(key).length;
    if (n < 4 || /^[A-Z][A-Z0-9]{1,4}$/.test(String(answer).trim())) { return 0; }
    return Math.min(3, 1 + Math.floor((n - 4) / 6));
  }
  // Written like a name in code: _apply, rfft2, AdamW, nn.Module.
  function identifierLike(text) {
    var t = String(text).trim();
    return t !== "" && t.indexOf(" ") < 0 && /[^\W\d_]/.test(t) &&
      /[_\d]|.[A-Z]|.\.(?=.)/.test(t);
  }
  // A leading _, i, r or a, or a trailing W or _, that turns one name into another
  // (apply/_apply, rfft2/irfft2, Adam/AdamW): never a typo (as grading's _affix).
  function affix(got, want, given, answer) {
    var short = got.length <= want.length ? got : want;
    var long = got.length <= want.length ? want : got;
    if (!short || long.length - short.length > 2) { return false; }
    if (long === "_" + short || long === "__" + short || long === short + "_") { return true; }
    if (!identifierLike(given) && !identifierLike(answer)) { return false; }
    return long === "i" + short || long === "r" + short || long === "a" + short ||
      long === short + "w";
  }
  // The same, name by name: torch.fft.irfft2 is not torch.fft.rfft2.
  function partAffix(given, answer, keep) {
    var sep = /\s+|::|->|[.\/]/, a = nfkc(String(given)).trim().split(sep);
    var b = nfkc(String(answer)).trim().split(sep);
    a = a.filter(Boolean); b = b.filter(Boolean);
    if (a.length !== b.length || a.length < 2) { return false; }
    for (var i = 0; i < a.length; i++) {
      var ka = loose(a[i], keep), kb = loose(b[i], keep);
      if (ka !== kb && affix(ka, kb, a[i], b[i])) { return true; }
    }
    return false;
  }
  function digits(s) {
    var cs = chars(s), out = "";
    for (var i = 0; i < cs.length; i++) { if (DIGIT.test(cs[i])) { out += cs[i]; } }
    return out;
  }
  // Unrestricted Damerau-Levenshtein distance (as rapidfuzz's), over code points.
  function distance(a, b) {
    a = chars(a); b = chars(b);
    var n = a.length, m = b.length, inf = n + m, last = {}, d = [], i, j;
    for (i = 0; i <= n + 1; i++) { d.push(new Array(m + 2)); }
    d[0][0] = inf;
    for (i = 0; i <= n; i++) { d[i + 1][0] = inf; d[i + 1][1] = i; }
    for (j = 0; j <= m; j++) { d[0][j + 1] = inf; d[1][j + 1] = j; }
    for (i = 1; i <= n; i++) {
      var db = 0;
      for (j = 1; j <= m; j++) {
        var k = last[b[j - 1]] || 0, l = db, cost = 1;
        if (a[i - 1] === b[j - 1]) { cost = 0; db = j; }
        d[i + 1][j + 1] = Math.min(d[i][j] + cost, d[i + 1][j] + 1, d[i][j + 1] + 1,
          d[k][l] + (i - k - 1) + 1 + (j - l - 1));
      }
      last[a[i - 1]] = i;
    }
    return d[n + 1][m + 1];
  }
  var HEDGE =
    /^(?:~|\u2248|about|around|approx\.?|approximately|roughly|circa|ca\.|some|exactly)\s*/i;
  function parseNumber(text) {
    var cs = chars(mapPunct(nfkc(String(text)))), a = 0, b = cs.length;
    while (a < b && isSpace(cs[a])) { a++; }
    while (b > a && isSpace(cs[b - 1])) { b--; }
    var s = stripEnds(cs.slice(a, b).join(""), "+.");
    // Hedges people type before a number (as grading's numbers.py): about 860, ~860.
    s = s.replace(HEDGE, "");
    s = s.replace(/(\d)[,_' \u00a0\u2009\u202f](?=\d{3}(?!\d))/g, "$1");
    s = s.replace(/^([+-]?\d+),(\d+)/, "$1.$2");  // what is left is a decimal comma: 7,5
    var m = /^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)\s*([\s\S]*?)\s*$/i.exec(s);
    if (!m) { return null; }
    var v = Number(m[1]);
    return isFinite(v) ? {value: v, unit: m[2]} : null;
  }
  function looksNumeric(key) { var p = parseNumber(key); return p !== null && !p.unit; }
  function matchText(given, accepted, fuzzy) {
    var best = null;
    for (var i = 0; i < accepted.length; i++) {
      var answer = accepted[i], keep = caseMatters(answer);
      var want = loose(answer, keep), got = loose(given, keep);
      if (!want) {
        want = plainKey(answer); got = plainKey(given);
        if (!keep) { want = fold(want); got = fold(got); }
      }
      if (got === want) { return {verdict: "right", closest: answer}; }
      if (!fuzzy || !got || looksNumeric(want) || digits(got) !== digits(want)) { continue; }
      var limit = maxTypos(answer, want);
      if (limit === 0 || affix(got, want, given, answer) || partAffix(given, answer, keep)) {
        continue;
      }
      var dist = distance(got, want);
      if (dist <= limit && (best === null || dist < best.dist)) {
        best = {dist: dist, answer: answer};
      }
    }
    // A name one affix away from any accepted answer is that other name, not a typo.
    for (var j = 0; best !== null && j < accepted.length; j++) {
      var k = caseMatters(accepted[j]);
      if (affix(loose(given, k), loose(accepted[j], k), given, accepted[j]) ||
          partAffix(given, accepted[j], k)) { best = null; }
    }
    if (best !== null) { return {verdict: "almost", closest: best.answer}; }
    return {verdict: "wrong", closest: accepted.length ? accepted[0] : ""};
  }
  function unitOk(typed, unit) {
    if (unit === null || unit === undefined) { return true; }
    var got = normalize(typed, false);
    if (!got) { return true; }
    function stems(s) {
      var out = {}, ws = words(normalize(s, false));
      for (var i = 0; i < ws.length; i++) {
        var w = ws[i];
        out[w.length > 1 && w.charAt(w.length - 1) === "s" ? w.slice(0, -1) : w] = true;
      }
      return out;
    }
    if (normalize(unit, false) === got) { return true; }
    var have = stems(unit), want = stems(got);
    for (var w in want) { if (!have[w]) { return false; } }
    return true;
  }
  function fmt(x) {
    var whole = Math.abs(x) < 1e16 && Math.floor(x) === x;
    var s = whole ? String(x) : String(Number(x.toPrecision(10)));
    var m = /^(-?)(\d+)(.*)$/.exec(s);
    return m ? m[1] + m[2].replace(/\B(?=(\d{3})+(?!\d))/g, ",") + m[3] : s;
  }
  function clip(s) { s = String(s).trim(); return s.length > 60 ? s.slice(0, 59) + "\u2026" : s; }
  function checkShort(q, typed) {
    var accepted = [q.answer].concat(q.accept || []);
    var m = matchText(typed, accepted, q.fuzzy !== false);
    var text;
    if (m.verdict === "right") {
      text = m.closest === q.answer ? "\u2713 right" : "\u2713 accepted answer: " + m.closest;
    } else if (m.verdict === "almost") {
      text = "\u2248 almost: a small typo of " + m.closest;
    } else {
      text = "\u2717 not an accepted answer";
    }
    return {verdict: m.verdict, closest: m.closest, text: text};
  }
  function checkNumber(q, typed) {
    var shown = q.written || fmt(q.answer), p = parseNumber(typed), tol = q.tolerance || 0;
    if (p === null) {
      var what = clip(typed) || "(nothing)";
      return {verdict: "wrong", text: "\u2717 " + what + " is not a number"};
    }
    if (!unitOk(p.unit, q.unit === undefined ? null : q.unit)) {
      return {verdict: "wrong", text: "\u2717 the unit is " + q.unit};
    }
    var off = p.value - q.answer, slack = tol + 1e-9 * Math.max(1, Math.abs(q.answer));
    if (Math.abs(off) <= slack) {
      if (off === 0 || !tol) { return {verdict: "right", text: "\u2713 right"}; }
      return {verdict: "right",
        text: "\u2713 " + fmt(p.value) + " is within \u00b1 " + fmt(tol) + " of " + shown};
    }
    return {verdict: "wrong", text: "\u2717 off by " + fmt(Math.abs(off)) +
      (off > 0 ? " (too high)" : " (too low)")};
  }
  function check(q, typed) {
    typed = typed === null || typed === undefined ? "" : String(typed);
    if (q.kind === "short") { return checkShort(q, typed); }
    if (q.kind === "number") { return checkNumber(q, typed); }
    return null;
  }
  return {check: check, normalize: normalize, parseNumber: parseNumber, distance: distance};
})();
"""

# The shared helpers both sides need: letters, state, the list a card shuffles.
_STATE_JS = r"""
  function letter(i, upper) {
    var s = "";
    for (i += 1; i > 0; i = Math.floor((i - 1) / 26)) {
      s = String.fromCharCode(97 + (i - 1) % 26) + s;
    }
    return upper ? s.toUpperCase() : s;
  }
  function items(list) {
    var out = [];
    for (var c = list.firstElementChild; c; c = c.nextElementSibling) {
      if (c.tagName === "LI") { out.push(c); }
    }
    return out;
  }
  function dataKey(root) {
    var el = root.querySelector("[data-key]");
    if (el) { return el.getAttribute("data-key"); }
    var q = question(root);
    return q ? "q:" + q.deck + "/" + q.q.id : "";
  }
  function question(root) {
    var el = root.querySelector(".sq-data");
    if (!el) { return null; }
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }
"""

FRONT_JS = (
    "<script>\n(function () {\ntry {\n"
    + _STATE_JS
    + r"""
  var root = document.querySelector(".sq-front");
  if (!root) { return; }
  var st = {key: dataKey(root), order: null, picks: [], typed: null};
  function save() {
    window.sqState = st;
    try { sessionStorage.setItem("sqState", JSON.stringify(st)); } catch (e) {}
  }
  function shuffled(n, derange) {
    for (var tries = 0; tries < 20; tries++) {
      var p = [], i;
      for (i = 0; i < n; i++) { p.push(i); }
      for (i = n - 1; i > 0; i--) {
        var j = Math.floor(Math.random() * (i + 1)), t = p[i];
        p[i] = p[j]; p[j] = t;
      }
      var same = true;
      for (i = 0; i < n; i++) { if (p[i] !== i) { same = false; } }
      if (!derange || !same || n < 2) { return p; }
    }
    return p.slice(1).concat(p.slice(0, 1));
  }
  var list = root.querySelector("ol[data-key]");
  if (list) {
    var lis = items(list);
    if (list.getAttribute("data-shuffle") === "1") {
      // A derangement of the right order (data-n), so an order or match list is never
      // shown as its own answer.
      var byN = [];
      for (var i = 0; i < lis.length; i++) { byN[Number(lis[i].getAttribute("data-n"))] = lis[i]; }
      var p = shuffled(lis.length, list.getAttribute("data-derange") === "1");
      for (i = 0; i < p.length; i++) { if (byN[p[i]]) { list.appendChild(byN[p[i]]); } }
      lis = items(list);
    }
    st.order = [];
    for (i = 0; i < lis.length; i++) { st.order.push(lis[i].getAttribute("data-n")); }
  }
  var opts = root.querySelector(".sq-opts");
  function pick(li) {
    var multi = opts.getAttribute("data-multi") === "1";
    var n = li.getAttribute("data-n"), at = st.picks.indexOf(n), all = items(opts);
    if (!multi) {
      for (var j = 0; j < all.length; j++) { all[j].classList.remove("sq-picked"); }
      st.picks = []; at = -1;
    }
    if (at >= 0) { st.picks.splice(at, 1); li.classList.remove("sq-picked"); }
    else { st.picks.push(n); li.classList.add("sq-picked"); }
    save();
  }
  if (opts) {
    var olis = items(opts);
    for (var k = 0; k < olis.length; k++) {
      olis[k].addEventListener("click", function (ev) { pick(ev.currentTarget); });
    }
  }
  var box = document.getElementById("typeans");
  if (box && box.tagName === "INPUT") {
    var typed = function () { st.typed = box.value; save(); };
    box.addEventListener("input", typed);
    box.addEventListener("keydown", typed);
    box.addEventListener("change", typed);
  }
  // Keys pick options: 1-9, or the letter shown (a-h; t/f on true/false). Bound once
  // per page: the desktop reviewer keeps the page between cards.
  window.sqPick = function (key) {
    var o = document.querySelector(".sq-front .sq-opts");
    if (!o) { return false; }
    var all = items(o), i = -1;
    if (/^[1-9]$/.test(key)) { i = Number(key) - 1; }
    else if (o.classList.contains("sq-tf")) { i = key === "t" ? 0 : key === "f" ? 1 : -1; }
    else if (/^[a-h]$/.test(key)) { i = key.charCodeAt(0) - 97; }
    if (i < 0 || i >= all.length) { return false; }
    pick(all[i]);
    return true;
  };
  if (!window.sqKeys) {
    window.sqKeys = true;
    document.addEventListener("keydown", function (ev) {
      var t = ev.target && ev.target.tagName;
      if (ev.ctrlKey || ev.metaKey || ev.altKey || t === "INPUT" || t === "TEXTAREA") { return; }
      if (window.sqPick && window.sqPick(String(ev.key).toLowerCase())) {
        ev.preventDefault();
        ev.stopPropagation();
      }
    }, true);
  }
  save();
} catch (e) {}
})();
</script>"""
)

BACK_JS = (
    "<script>\n(function () {\ntry {\n"
    + _STATE_JS
    + r"""
  var root = document.querySelector(".sq-back");
  if (!root) { return; }
  var key = dataKey(root), st = window.sqState;
  if (!st || st.key !== key) {
    try { st = JSON.parse(sessionStorage.getItem("sqState") || "null"); } catch (e) { st = null; }
  }
  if (!st || st.key !== key) { st = null; }
  var list = root.querySelector("ol[data-key]");
  var order = st && st.order ? st.order : null;
  if (list && order) {
    var byN = {}, lis = items(list), i;
    for (i = 0; i < lis.length; i++) { byN[lis[i].getAttribute("data-n")] = lis[i]; }
    for (i = 0; i < order.length; i++) { if (byN[order[i]]) { list.appendChild(byN[order[i]]); } }
  }
  if (order) {
    var lets = root.querySelectorAll(".sq-let[data-n]");
    for (i = 0; i < lets.length; i++) {
      var at = order.indexOf(lets[i].getAttribute("data-n"));
      if (at >= 0) { lets[i].textContent = letter(at, lets[i].getAttribute("data-abc") === "A"); }
    }
  }
  var opts = root.querySelector(".sq-opts");
  var picks = st ? st.picks || [] : [];
  if (opts && picks.length) {
    opts.classList.add("sq-has-picks");
    var all = items(opts), right = 0, hits = 0, wrong = 0;
    for (i = 0; i < all.length; i++) {
      var ok = all[i].classList.contains("sq-ok");
      var picked = picks.indexOf(all[i].getAttribute("data-n")) >= 0;
      if (picked) { all[i].classList.add("sq-picked"); }
      right += ok; hits += ok && picked; wrong += picked && !ok;
    }
    var tally = root.querySelector(".sq-tally"), multi = opts.getAttribute("data-multi") === "1";
    if (tally) {
      var text, good = hits === right && !wrong;
      if (!multi) { text = good ? "\u2713 right" : "\u2717 wrong pick"; }
      else if (good) { text = "\u2713 all " + right + " right"; }
      else {
        text = "\u2717 " + hits + " of " + right + " right";
        if (right - hits) { text += ", " + (right - hits) + " missed"; }
        if (wrong) { text += ", " + wrong + " wrong pick" + (wrong > 1 ? "s" : ""); }
      }
      tally.textContent = text;
      tally.className = "sq-tally sq-verdict " + (good ? "sq-v-right" : "sq-v-wrong");
    }
  }
  var q = question(root), shown = document.getElementById("typeans");
  if (q && q.q && shown && typeof SQ !== "undefined") {
    var typed = st ? st.typed : null;
    if (typed === null || typed === undefined) {
      // No word from the front: read what Anki's diff shows as typed.
      if (shown.querySelector("#typearrow")) {
        typed = "";
        for (var c = shown.firstChild; c && c.nodeName !== "BR"; c = c.nextSibling) {
          if (!(c.classList && c.classList.contains("typeMissed"))) { typed += c.textContent; }
        }
      } else {
        typed = shown.querySelector(".typeGood") ? shown.textContent : "";
      }
    }
    if (String(typed).trim()) {
      var r = SQ.check(q.q, typed);
      if (r) {
        var v = document.createElement("div");
        v.className = "sq-verdict sq-v-" + r.verdict;
        v.textContent = r.text;
        shown.parentNode.insertBefore(v, shown);
        if (r.verdict !== "wrong") { shown.classList.add("sq-overruled"); }
      }
    }
  }
} catch (e) {}
})();
</script>"""
)

CHECK_SCRIPT = "<script>" + CHECK_JS + "</script>"
