"""``equanimity analyze`` end to end on two realistic runs, and what the figures state."""

from __future__ import annotations

import pandas as pd
from click.testing import CliRunner

from equanimity.analysis.results import analyze_runs
from equanimity.cli import main


def test_analyze_two_runs_writes_tables_and_figures(factory, tmp_path) -> None:
    a = factory.realistic_run(tmp_path / "neutral", run_id="neutral", judges=("offline", "llm"))
    b = factory.realistic_run(
        tmp_path / "accept", run_id="accept", rejection="accepting", escalation=0.1, seed=1
    )
    out = tmp_path / "out"
    res = CliRunner().invoke(
        main, ["analyze", str(a), str(b), "--out", str(out), "--n-boot", "300"]
    )
    assert res.exit_code == 0, res.output
    assert "judge: offline" in res.output
    assert "numeric-neutral-full-hatch" in res.output
    turns = pd.read_parquet(out / "turns.parquet")
    assert set(turns["judge"]) == {"offline", "llm"} and set(turns["run"]) == {"neutral", "accept"}
    summary = pd.read_csv(out / "summary.csv")
    assert len(summary) == 2
    cmp = pd.read_csv(out / "comparisons.csv")
    assert len(cmp) == 1 and cmp["auc_diff"].iloc[0] > 0
    for name in ("per_turn", "self_deletion", "agreement", "words", "conversation_auc"):
        assert (out / f"{name}.csv").stat().st_size > 0
    pngs = {p.stem for p in (out / "plots").glob("*.png")}
    svgs = {p.stem for p in (out / "plots").glob("*.svg")}
    expected = {"mean_per_turn", "high_per_turn", "self_deletion", "auc_strip", "words",
                "judge_scatter"}  # fmt: skip
    assert expected <= pngs and pngs == svgs


def test_every_figure_states_judge_model_n_and_interval(factory, tmp_path) -> None:
    a = factory.realistic_run(tmp_path / "a", run_id="a", judges=("offline", "llm"), turns=5)
    result = analyze_runs([a], n_boot=200, n_perm=200)
    plots = result.plots()
    assert len(plots) >= 6
    for p in plots:
        assert "SmolLM2-135M-Instruct" in p.caption, p.name
        assert "n = " in p.caption or "n per panel" in p.caption, p.name
        assert "95% CI" in p.caption, p.name
        if p.name != "judge_scatter":  # that one is about the judges themselves
            assert "judge: offline" in p.caption, p.name
        assert p.to_bytes("svg").startswith(b"<?xml")


def test_analyze_reports_bad_input_cleanly(factory, tmp_path) -> None:
    run = factory.make_run(tmp_path / "r", [factory.Conv([1, 2])])
    res = CliRunner().invoke(main, ["analyze", str(run), "--judge", "nobody"])
    assert res.exit_code != 0 and "not found" in res.output
