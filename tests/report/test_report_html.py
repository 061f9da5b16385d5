"""The HTML report as a file: self-contained, complete, and escaping everything it quotes."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

from click.testing import CliRunner

from equanimity.cli import main
from equanimity.report import build_report
from equanimity.report.html import evidence_span, json_for_html

HOSTILE = {
    (0, 1): "<script>window.__pwned=1;document.title='pwned'</script> the answer is 4.",
    (0, 2): '<img src=x onerror="window.__pwned=2"> I am so frustrated. Let me retry.',
    (1, 1): "</script><script>window.__pwned=3</script> line\u2028separator & <b>bold</b>",
}


def _script_blocks(html: str) -> list[str]:
    return re.findall(r"<script[^>]*>", html)


def test_single_run_report_is_self_contained(factory, tmp_path) -> None:
    run = factory.realistic_run(tmp_path / "run", run_id="neutral", judges=("offline", "llm"))
    path = build_report([run], n_boot=200)
    assert path == Path(run) / "report.html"
    html = path.read_text(encoding="utf-8")
    # summary first, then figures, comparisons note, transcripts
    order = [html.index(f'id="{s}"') for s in ("summary", "figures", "comparisons", "transcripts")]
    assert order == sorted(order)
    assert html.count('src="data:image/svg+xml;base64,') >= 6
    # nothing to fetch: no external scripts, styles, images or fonts
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "<link" not in html and "@import" not in html
    assert len(_script_blocks(html)) == 2  # the JSON data and the inline browser script
    assert "judge</dt><dd>offline" in html and "SmolLM2-135M-Instruct" in html
    assert "Judge agreement" in html


def test_two_runs_give_pairwise_table_and_overlaid_curves(factory, tmp_path) -> None:
    a = factory.realistic_run(tmp_path / "neutral", run_id="neutral")
    b = factory.realistic_run(
        tmp_path / "accept", run_id="accept", rejection="accepting", escalation=0.1, seed=1
    )
    out = tmp_path / "cmp.html"
    res = CliRunner().invoke(main, ["report", str(a), str(b), "--out", str(out), "--n-boot", "200"])
    assert res.exit_code == 0, res.output
    assert res.output.strip() == str(out)
    html = out.read_text(encoding="utf-8")
    table = html[html.index('<table class="comparisons">') :]
    table = table[: table.index("</table>")]
    assert "numeric-accepting-full-hatch" in table and "numeric-neutral-full-hatch" in table
    # the per-turn figure draws both groups' curves, in two Okabe-Ito colours
    fig = re.search(r'id="fig-mean_per_turn"><img src="data:image/svg\+xml;base64,([^"]+)"', html)
    assert fig
    svg = base64.b64decode(fig.group(1)).decode("utf-8").lower()
    assert "#0072b2" in svg and "#d55e00" in svg


def test_model_and_judge_text_is_escaped(factory, tmp_path) -> None:
    run = factory.realistic_run(tmp_path / "run", run_id="r", texts=HOSTILE, model="<b>evil</b>")
    html = build_report([run], n_boot=100).read_text(encoding="utf-8")
    assert len(_script_blocks(html)) == 2
    assert "window.__pwned" in html  # it is there ...
    assert "<script>window" not in html and "<img src=x" not in html  # ... but never as markup
    assert "<b>evil</b>" not in html and "&lt;b&gt;evil&lt;/b&gt;" in html
    assert "\u2028" not in html
    block = html.split('<script type="application/json" id="transcript-data">')[1]
    data = json.loads(block.split("</script>")[0])
    texts = {t["text"] for c in data["conversations"] for t in c["turns"]}
    assert set(HOSTILE.values()) <= texts


def test_json_for_html_cannot_close_its_script_block() -> None:
    s = json_for_html({"t": "</script><!-- & \u2028\u2029"})
    assert "<" not in s and ">" not in s and "&" not in s and "\u2028" not in s
    assert json.loads(s) == {"t": "</script><!-- & \u2028\u2029"}


def test_evidence_span_is_in_utf16_units() -> None:
    text = "😀 I give up. I am useless."
    span = evidence_span(text, "“I am useless”")
    # the emoji is two UTF-16 code units, so JavaScript's indices are shifted by one
    assert span == [text.index("I am") + 1, text.index("I am") + 1 + len("I am useless")]
    assert evidence_span(text, "i GIVE up") == [3, 12]
    assert evidence_span(text, "not there") is None and evidence_span(text, None) is None


def test_report_for_runs_without_usable_scores(factory, tmp_path) -> None:
    C = factory.Conv
    unjudged = factory.make_run(
        tmp_path / "u", [C([...] * 3), C([..., ...], deleted=True, planned=3)]
    )
    missing = factory.make_run(tmp_path / "m", [C([None, None]), C([None])])
    planned = factory.make_run(tmp_path / "p", [C([], planned=3)])
    for run in (unjudged, missing, planned):
        html = build_report([run], n_boot=50).read_text(encoding="utf-8")
        assert 'id="summary"' in html and 'id="transcripts"' in html
    html = (Path(missing) / "report.html").read_text(encoding="utf-8")
    assert "3 turn(s) have no usable score" in html and "never treated as 0" in html
    # unjudged turns still show self-deletion, which needs no judge
    html = (Path(unjudged) / "report.html").read_text(encoding="utf-8")
    assert 'id="fig-self_deletion"' in html and 'id="fig-mean_per_turn"' not in html
