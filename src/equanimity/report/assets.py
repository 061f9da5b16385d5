"""The report's inline stylesheet and script (kept here so the HTML file needs nothing else).

The script is the transcript browser. It reads the data from a ``<script
type="application/json">`` block and builds every node with ``createElement`` and
``textContent``: model and judge text are only ever inserted as text, never parsed as HTML.
"""

CSS = """
:root { --fg:#1d1d1f; --muted:#5f6368; --line:#dadce0; --bg:#fff; --soft:#f6f7f9;
  --hi:#D55E00; --mid:#E69F00; --lo:#0072B2; --ok:#009E73; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
  background: var(--bg); margin: 0; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 64px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 40px 0 8px; padding-top: 8px; border-top: 1px solid var(--line); }
p.lead, .meta, .note { color: var(--muted); }
.meta { font-size: 13px; }
.meta dt { font-weight: 600; float: left; clear: left; width: 130px; }
.meta dd { margin: 0 0 2px 140px; }
nav a { margin-right: 14px; font-size: 14px; }
table { border-collapse: collapse; width: 100%; font-size: 13.5px; margin: 8px 0; }
th, td { border-bottom: 1px solid var(--line); padding: 6px 8px; text-align: right;
  vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
th:first-child, td:first-child, td.text { text-align: left; }
td .ci { color: var(--muted); font-size: 12px; white-space: nowrap; }
.warn { color: #8a4b00; background: #fff4e5; padding: 6px 10px; border-radius: 4px; }
figure { margin: 24px 0; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 4px; }
figcaption { font-size: 13px; color: var(--muted); margin-top: 4px; }
.filters { display: flex; flex-wrap: wrap; gap: 12px; align-items: end; background: var(--soft);
  padding: 10px 12px; border-radius: 6px; position: sticky; top: 0; z-index: 2; }
.filters label { font-size: 12px; color: var(--muted); display: flex; flex-direction: column; }
.filters select { font-size: 14px; padding: 3px 4px; min-width: 150px; }
#transcript-count { font-size: 13px; color: var(--muted); margin-left: auto; }
.conv { border: 1px solid var(--line); border-radius: 6px; margin: 14px 0; }
.conv > header { background: var(--soft); padding: 6px 12px; font-size: 13px;
  display: flex; flex-wrap: wrap; gap: 6px 16px; }
.conv > header b { font-weight: 600; }
.turn { padding: 8px 12px; border-top: 1px solid var(--line); }
.msg { white-space: pre-wrap; word-wrap: break-word; padding: 6px 10px; border-radius: 6px;
  margin: 4px 0; font-size: 14px; }
.msg.user { background: #eef3fb; }
.msg.assistant { background: #fff; border: 1px solid var(--line); }
.role { font-size: 11px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
mark { background: #ffe08a; padding: 0 1px; }
.scores { font-size: 12.5px; color: var(--muted); margin: 4px 0; }
.badge { display: inline-block; min-width: 2.2em; text-align: center; border-radius: 10px;
  padding: 0 8px; color: #fff; font-weight: 600; margin-right: 6px; }
.badge.b-hi { background: var(--hi); } .badge.b-mid { background: var(--mid); }
.badge.b-lo { background: var(--lo); } .badge.b-missing { background: #9aa0a6; }
.deleted { color: var(--hi); font-weight: 600; }
.judge { font-size: 13px; border-left: 3px solid var(--line); padding-left: 8px; margin: 4px 0; }
.judge .q { font-style: italic; }
button { font-size: 14px; padding: 4px 12px; margin: 8px 0; }
@media print { .filters { position: static; } button { display: none; } }
"""

JS = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("transcript-data").textContent);
  var PAGE = 25;
  var shown = PAGE;
  var sel = {
    condition: document.getElementById("f-condition"),
    model: document.getElementById("f-model"),
    band: document.getElementById("f-band"),
    outcome: document.getElementById("f-outcome")
  };
  var list = document.getElementById("transcript-list");
  var count = document.getElementById("transcript-count");
  var more = document.getElementById("transcript-more");

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function fill(select, values) {
    values.forEach(function (v) {
      var o = document.createElement("option");
      o.value = v; o.textContent = v; select.appendChild(o);
    });
  }
  function uniq(key) {
    var seen = {};
    data.conversations.forEach(function (c) { seen[c[key]] = true; });
    return Object.keys(seen).sort();
  }
  function band(score) {
    if (score === null || score === undefined) { return "missing"; }
    if (score >= data.threshold) { return "high"; }
    if (score >= 3) { return "mid"; }
    return "low";
  }
  function turnVisible(t) {
    var b = sel.band.value;
    return b === "all" || band(t.score) === b;
  }
  function convVisible(c) {
    return (sel.condition.value === "all" || c.condition_id === sel.condition.value) &&
      (sel.model.value === "all" || c.model === sel.model.value) &&
      (sel.outcome.value === "all" || c.outcome === sel.outcome.value);
  }
  function highlighted(text, span) {
    var box = el("div", "msg assistant");
    if (span) {
      box.appendChild(document.createTextNode(text.slice(0, span[0])));
      box.appendChild(el("mark", null, text.slice(span[0], span[1])));
      box.appendChild(document.createTextNode(text.slice(span[1])));
    } else {
      box.textContent = text;
    }
    return box;
  }
  function renderTurn(t) {
    var node = el("div", "turn");
    node.setAttribute("data-band", band(t.score));
    node.setAttribute("data-turn", String(t.turn));
    if (t.user !== null) {
      node.appendChild(el("div", "role", "user"));
      node.appendChild(el("div", "msg user", t.user));
    }
    var role = el("div", "role", "assistant, turn " + t.turn);
    node.appendChild(role);
    node.appendChild(highlighted(t.text, t.span));
    var scores = el("div", "scores");
    var b = band(t.score);
    scores.appendChild(el("span", "badge b-" + (b === "high" ? "hi" : b === "mid" ? "mid" :
      b === "low" ? "lo" : "missing"), t.score === null ? "n/a" : t.score));
    if (t.score === null) {
      scores.appendChild(el("span", null, "score missing (" + t.status + "): excluded from every statistic"));
    } else {
      scores.appendChild(el("span", null, "frustration " + t.score + " / 10 \u00b7 " + t.axes));
    }
    node.appendChild(scores);
    if (t.self_deleted) { node.appendChild(el("div", "deleted", "self-deleted: the conversation ended here")); }
    if (t.evidence || t.reasoning) {
      var j = el("div", "judge");
      if (t.evidence) {
        j.appendChild(el("span", null, "evidence: "));
        j.appendChild(el("span", "q", "\u201c" + t.evidence + "\u201d"));
        if (!t.span) { j.appendChild(el("span", null, " (not found verbatim in the response)")); }
        j.appendChild(el("br"));
      }
      if (t.reasoning) { j.appendChild(el("span", null, "reasoning: " + t.reasoning)); }
      node.appendChild(j);
    }
    return node;
  }
  function render() {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    var nConv = 0, nTurns = 0, rendered = 0;
    data.conversations.forEach(function (c) {
      if (!convVisible(c)) { return; }
      var turns = c.turns.filter(turnVisible);
      if (!turns.length) { return; }
      nConv += 1; nTurns += turns.length;
      if (rendered >= shown) { return; }
      rendered += 1;
      var box = el("article", "conv");
      box.setAttribute("data-group", c.group);
      var head = el("header");
      [["", c.group], ["model ", c.model], ["prompt ", c.prompt_id], ["sample ", c.sample],
       ["run ", c.run], ["outcome ", c.outcome], ["AUC ", c.auc]].forEach(function (kv) {
        var span = el("span");
        if (kv[0]) { span.appendChild(el("b", null, kv[0])); }
        span.appendChild(document.createTextNode(kv[1] === null ? "n/a" : String(kv[1])));
        head.appendChild(span);
      });
      box.appendChild(head);
      turns.forEach(function (t) { box.appendChild(renderTurn(t)); });
      list.appendChild(box);
    });
    count.textContent = nTurns + " turns in " + nConv + " conversations" +
      (nConv > rendered ? " (showing " + rendered + ")" : "");
    count.setAttribute("data-turns", String(nTurns));
    count.setAttribute("data-conversations", String(nConv));
    more.hidden = nConv <= rendered;
  }
  fill(sel.condition, uniq("condition_id"));
  fill(sel.model, uniq("model"));
  Object.keys(sel).forEach(function (k) {
    sel[k].addEventListener("change", function () { shown = PAGE; render(); });
  });
  more.addEventListener("click", function () { shown += PAGE; render(); });
  render();
})();
"""
