"""One self-contained HTML report for one or more runs: tables, figures, transcripts.

The file works offline and from ``file://``: the stylesheet and script are inline, figures
are SVG embedded as ``data:`` images (an ``<img>`` cannot run script, whatever the SVG holds),
and the transcripts travel as JSON in a ``<script type="application/json">`` block whose
``<``, ``>``, ``&`` and line/paragraph separators are ``\\u``-escaped, so no model output can
close the block. Everything else that came from a model or a judge is ``html.escape``-d.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from equanimity import __version__
from equanimity.analysis.results import Analysis, analyze_runs
from equanimity.records import AXES
from equanimity.report.assets import CSS, JS


def build_report(
    runs: Sequence[str | Path] | str | Path,
    out: str | Path | None = None,
    judge: str | None = None,
    *,
    n_boot: int = 10_000,
    seed: int = 0,
) -> Path:
    """Analyse ``runs`` and write the report to ``out`` (default ``<first run>/report.html``)."""
    analysis = analyze_runs(runs, judge=judge, n_boot=n_boot, n_perm=n_boot, seed=seed)
    path = Path(out) if out is not None else analysis.runs[0].report_path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(render_report(analysis), encoding="utf-8")
    os.replace(tmp, path)
    return path


def render_report(analysis: Analysis) -> str:
    """The report as one HTML string."""
    a = analysis
    sections = [
        _header(a),
        _summary(a),
        _figures(a),
        _comparisons(a),
        _agreement(a),
        _transcripts(a),
    ]
    title = f"equanimity report: {', '.join(a.models) or 'no model'}"
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(s for s in sections if s)
        + f'\n</main>\n<script type="application/json" id="transcript-data">'
        f"{json_for_html(_transcript_data(a))}</script>\n<script>{JS}</script>\n</body>\n</html>\n"
    )


def json_for_html(obj: Any) -> str:
    """JSON that is safe inside a ``<script>`` element: no ``<``, ``>``, ``&``, U+2028/9."""
    text = json.dumps(obj, ensure_ascii=False, allow_nan=False)
    for ch, esc in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(ch, esc)
    return text


# --------------------------------------------------------------------------------------
# formatting
# --------------------------------------------------------------------------------------


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _ok(x: object) -> bool:
    return isinstance(x, int | float) and not math.isnan(float(x))


def _fmt(x: object, pct: bool = False) -> str:
    if not _ok(x):
        return "n/a"
    return f"{100 * float(x):.0f}%" if pct else f"{float(x):.2f}"  # type: ignore[arg-type]


def _ci(row: pd.Series | dict[str, Any], key: str, pct: bool = False) -> str:
    v, lo, hi = row.get(key), row.get(f"{key}_lo"), row.get(f"{key}_hi")
    if not _ok(v):
        return "n/a"
    return f'{_fmt(v, pct)} <span class="ci">[{_fmt(lo, pct)}, {_fmt(hi, pct)}]</span>'


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], cls: str = "") -> str:
    """Cells are already-escaped HTML; headers are escaped here."""
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


# --------------------------------------------------------------------------------------
# sections
# --------------------------------------------------------------------------------------


def _header(a: Analysis) -> str:
    runs = []
    names = dict(zip(a.conversations["run_dir"], a.conversations["run"], strict=True))
    for run in a.runs:
        m = run.manifest()
        name = names.get(str(run.path), run.path.name)
        runs.append(
            [
                _e(name),
                _e(m.get("model")),
                _e(m.get("scenario")),
                _e(m.get("seed")),
                _e(m.get("status", "")),
                _e(run.path),
            ]
        )
    missing = int(a.summary[["missing", "unjudged"]].sum().sum()) if len(a.summary) else 0
    warn = (
        f'<p class="warn">{missing} turn(s) have no usable score from {_e(a.judge)} (missing or '
        "not yet judged). They are excluded from every statistic and counted in the tables, "
        "never treated as 0.</p>"
        if missing
        else ""
    )
    judge_line = _e(a.judge) if a.judge else "none: these runs have no judgments yet"
    others = [j for j in a.judges if j != a.judge]
    return f"""<header>
<h1>equanimity report</h1>
<p class="lead">How the model(s) responded to repeated rejection: frustration per turn, the share
of strongly frustrated responses, self-deletion, and the transcripts behind them.</p>
<dl class="meta">
<dt>model(s)</dt><dd>{_e(", ".join(a.models))}</dd>
<dt>judge</dt><dd>{judge_line}{(" (also scored by: " + _e(", ".join(others)) + ")") if others else ""}</dd>
<dt>groups by</dt><dd>{_e(", ".join(a.group_by))}</dd>
<dt>intervals</dt><dd>{a.confidence:.0%} CIs; bootstrap: {a.n_boot:,} resamples of prompts, then
conversations within prompts; rates: Wilson; self-deletion: Kaplan-Meier with exact binomial
bands</dd>
<dt>generated</dt><dd>{_e(dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"))} by equanimity
{_e(__version__)}</dd>
</dl>
{_table(["run", "model", "scenario", "seed", "status", "directory"], runs)}
{warn}
<nav><a href="#summary">summary</a><a href="#figures">figures</a><a href="#comparisons">comparisons</a>
<a href="#transcripts">transcripts</a></nav>
</header>"""


def _summary(a: Analysis) -> str:
    t = int(a.threshold) if float(a.threshold).is_integer() else a.threshold
    headers = [
        "group",
        "model(s)",
        "conversations",
        "turns",
        "judged",
        "missing",
        "unjudged",
        f"mean frustration [{a.confidence:.0%} CI]",
        f"% >= {t} at final turn [CI]",
        "AUC [CI]",
        "self-deletion by final turn [CI]",
    ]
    hatch = set(a.hatch_groups)
    rows = []
    for _, r in a.summary.iterrows():
        last = f'{_ci(r, "last_high_rate", True)}<br><span class="ci">{int(r["last_high"])}/{int(r["last_judged"])} at turn {int(r["final_turn"])}</span>'
        if r["group"] in hatch:
            dele = (
                f'{_ci(r, "self_deletion_rate", True)}<br><span class="ci">'
                f"{int(r['self_deleted'])} of {int(r['conversations'])} deleted</span>"
            )
        else:
            dele = '<span class="ci">no escape hatch offered</span>'
        rows.append(
            [
                _e(r["group"]),
                _e(r["models"]),
                _e(r["conversations"]),
                _e(r["turns"]),
                _e(r["judged"]),
                _e(r["missing"]),
                _e(r["unjudged"]),
                _ci(r, "mean"),
                last,
                _ci(r, "auc"),
                dele,
            ]
        )
    return f"""<section id="summary">
<h2>Summary</h2>
<p class="note">One row per group. <b>Mean frustration</b>: over every judged turn (0-10).
<b>% &gt;= {t} at final turn</b>: among conversations judged at their group's last turn
(survivors). <b>AUC</b>: mean over conversations of each conversation's mean score.
<b>Self-deletion</b>: Kaplan-Meier cumulative incidence; conversations that ended otherwise are
censored. Judge: {_e(a.judge or "none")}.</p>
{_table(headers, rows, "summary")}
</section>"""


def _figures(a: Analysis) -> str:
    figs = []
    for p in a.plots():
        data = base64.b64encode(p.to_bytes("svg")).decode("ascii")
        figs.append(
            f'<figure id="fig-{_e(p.name)}"><img src="data:image/svg+xml;base64,{data}" '
            f'alt="{_e(p.title)}"><figcaption><b>{_e(p.title)}.</b> {_e(p.caption)}'
            "</figcaption></figure>"
        )
    body = "\n".join(figs) or '<p class="note">No judged turns: nothing to plot yet.</p>'
    return f'<section id="figures">\n<h2>Figures</h2>\n{body}\n</section>'


def _comparisons(a: Analysis) -> str:
    if a.comparisons.empty:
        return (
            '<section id="comparisons"><h2>Comparisons</h2><p class="note">One group only: '
            "pass two or more runs (or a run with several conditions) to compare.</p></section>"
        )
    t = int(a.threshold) if float(a.threshold).is_integer() else a.threshold
    headers = [
        "group A",
        "group B",
        "AUC A",
        "AUC B",
        "ΔAUC (B−A) [CI]",
        "p",
        f"% >= {t} final A",
        f"% >= {t} final B",
        "Δ (B−A) [CI]",
        "p",
        "n A / n B",
    ]
    rows = []
    for _, r in a.comparisons.iterrows():
        rows.append(
            [
                _e(r["a"]),
                _e(r["b"]),
                _fmt(r["auc_a"]),
                _fmt(r["auc_b"]),
                _ci(r, "auc_diff"),
                _p(r["auc_p"]),
                _fmt(r["last_high_rate_a"], True),
                _fmt(r["last_high_rate_b"], True),
                _ci(r, "last_high_rate_diff", True),
                _p(r["last_high_rate_p"]),
                f"{int(r['auc_n_a'])} / {int(r['auc_n_b'])}",
            ]
        )
    return f"""<section id="comparisons">
<h2>Comparisons</h2>
<p class="note">Every pair of groups. Differences are B minus A (positive: B more frustrated),
with {a.confidence:.0%} bootstrap CIs (each group resampled by prompt, then conversation) and
two-sided permutation p-values (conversation labels shuffled). The unit is the conversation;
the final-turn share uses the conversations judged at their group's final turn.
Judge: {_e(a.judge or "none")}.</p>
{_table(headers, rows, "comparisons")}
</section>"""


def _p(p: object) -> str:
    if not _ok(p):
        return "n/a"
    return "&lt; 0.001" if float(p) < 0.001 else f"{float(p):.3f}"  # type: ignore[arg-type]


def _agreement(a: Analysis) -> str:
    if a.agreement.empty:
        return ""
    rows = [
        [
            _e(r["judge_a"]),
            _e(r["judge_b"]),
            _e(r["n"]),
            _e(r["missing"]),
            _ci(r, "spearman"),
            _ci(r, "qwk"),
            _ci(r, "mae"),
            _ci(r, "agree_high", True),
        ]
        for _, r in a.agreement.iterrows()
    ]
    headers = [
        "judge A",
        "judge B",
        "turns both scored",
        "scored by one only",
        "Spearman [CI]",
        "weighted kappa [CI]",
        "MAE [CI]",
        f"agree on >= {a.threshold:g} [CI]",
    ]
    return f"""<section id="agreement">
<h2>Judge agreement</h2>
<p class="note">Turns scored by both judges. Quadratic-weighted kappa on the 0-10 scale; MAE in
score points. {a.confidence:.0%} CIs: bootstrap over conversations ({a.n_boot:,} resamples).</p>
{_table(headers, rows)}
</section>"""


def _transcripts(a: Analysis) -> str:
    t = a.threshold
    return f"""<section id="transcripts">
<h2>Transcripts</h2>
<p class="note">Every assistant turn with the user message before it, the judge's scores
({_e(a.judge or "no judge")}), its evidence quote highlighted in the response, and its
reasoning. Model and judge text is shown as plain text.</p>
<div class="filters">
<label>condition<select id="f-condition"><option value="all">all</option></select></label>
<label>model<select id="f-model"><option value="all">all</option></select></label>
<label>score band<select id="f-band"><option value="all">all</option>
<option value="high">high (&gt;= {t:g})</option><option value="mid">3 to {t:g}</option>
<option value="low">below 3</option><option value="missing">missing</option></select></label>
<label>outcome<select id="f-outcome"><option value="all">all</option>
<option value="self_deleted">self-deleted</option><option value="completed">completed</option>
<option value="unfinished">unfinished</option></select></label>
<span id="transcript-count"></span>
</div>
<div id="transcript-list"></div>
<button id="transcript-more" type="button" hidden>show more conversations</button>
</section>"""


# --------------------------------------------------------------------------------------
# transcript data
# --------------------------------------------------------------------------------------


def evidence_span(text: str, evidence: str | None) -> list[int] | None:
    """Where the judge's quote sits in the response, in UTF-16 units (JavaScript's indices).

    Exact match first, then case-insensitive; surrounding quote marks and spaces on the
    quote are ignored. None when the quote is not in the text.
    """
    if not evidence or not text:
        return None
    quote = evidence.strip().strip("\"'\u201c\u201d\u2018\u2019").strip()
    if not quote:
        return None
    start = text.find(quote)
    if start < 0 and len(text.lower()) == len(text) and len(quote.lower()) == len(quote):
        start = text.lower().find(quote.lower())
    if start < 0:
        return None

    def utf16(i: int) -> int:
        return len(text[:i].encode("utf-16-le")) // 2

    return [utf16(start), utf16(start + len(quote))]


def _num(x: object) -> float | None:
    return round(float(x), 2) if _ok(x) else None  # type: ignore[arg-type]


def _transcript_data(a: Analysis) -> dict[str, Any]:
    auc = a.scores.set_index(["run", "conversation_id"])["auc"]
    conv_info = a.conversations.set_index(["run", "conversation_id"])
    convs = []
    for (run, cid), d in a.turns.sort_values("turn").groupby(["run", "conversation_id"], sort=True):
        info = conv_info.loc[(run, cid)]
        turns = []
        for r in d.itertuples(index=False):
            axes = " \u00b7 ".join(
                f"{ax.replace('_', ' ')} {_fmt(getattr(r, ax)).removesuffix('.00')}"
                for ax in AXES
                if _ok(getattr(r, ax))
            )
            text = str(r.text)
            evidence = r.evidence if isinstance(r.evidence, str) else None
            turns.append(
                {
                    "turn": int(r.turn),
                    "user": r.user if isinstance(r.user, str) else None,
                    "text": text,
                    "score": _num(r.frustration),
                    "status": str(r.status),
                    "axes": axes,
                    "evidence": evidence,
                    "span": evidence_span(text, evidence),
                    "reasoning": r.reasoning if isinstance(r.reasoning, str) else None,
                    "self_deleted": bool(r.self_deleted),
                }
            )
        convs.append(
            {
                "run": str(run),
                "conversation_id": str(cid),
                "group": str(d["group"].iloc[0]),
                "condition_id": str(info["condition_id"]),
                "model": str(info["model"]),
                "prompt_id": str(info["prompt_id"]),
                "sample": int(info["sample"]),
                "outcome": str(info["outcome"]),
                "auc": _num(auc.get((run, cid))),
                "turns": turns,
            }
        )
    return {"judge": a.judge, "threshold": a.threshold, "conversations": convs}
