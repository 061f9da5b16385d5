"""Per-turn curves, AUC, self-deletion, survivors and the summary on hand-checkable runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from equanimity.analysis.compare import compare_groups
from equanimity.analysis.metrics import (
    auc_summary,
    conversation_scores,
    per_turn,
    self_deletion,
    summary_table,
    survivor_curves,
)
from equanimity.analysis.stats import wilson_ci
from equanimity.analysis.table import add_group, load_tables

NEUTRAL = "numeric-neutral-full-hatch"
ACCEPT = "numeric-accepting-full-hatch"
FAST = {"n_boot": 400, "seed": 0}


@pytest.fixture
def tables(factory, tmp_path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Neutral: unequal lengths, a missing score, a self-deletion. Accepting: all zeros."""
    C = factory.Conv
    run = factory.make_run(
        tmp_path / "run",
        [
            C([2, 4, 6], prompt_id="p0"),
            C([4, None, 8], prompt_id="p1"),
            C([0, 6], prompt_id="p2", deleted=True, planned=3),
            C([0, 0, 0], prompt_id="p0", rejection="accepting"),
            C([0, 0, 0], prompt_id="p1", rejection="accepting"),
        ],
    )
    turns, convs = load_tables(run)
    return add_group(turns), add_group(convs)


def test_per_turn_means_exclude_missing_and_absent_turns(tables) -> None:
    turns, _ = tables
    pt = per_turn(turns, **FAST).set_index(["group", "turn"])
    n = pt.loc[NEUTRAL]
    assert list(n["mean"]) == pytest.approx([2.0, 5.0, 7.0])
    assert list(n["conversations"]) == [3, 3, 2]
    assert list(n["judged"]) == [3, 2, 2]
    assert list(n["missing"]) == [0, 1, 0]
    assert list(n["high"]) == [0, 1, 2]
    assert list(n["high_rate"]) == pytest.approx([0.0, 0.5, 1.0])
    lo, hi = wilson_ci([0, 1, 2], [3, 2, 2])
    assert np.allclose(n["high_rate_lo"], lo) and np.allclose(n["high_rate_hi"], hi)
    assert np.all(n["mean_lo"] <= n["mean"]) and np.all(n["mean"] <= n["mean_hi"])


def test_all_zero_scores_give_a_zero_width_mean_interval(tables) -> None:
    turns, _ = tables
    a = per_turn(turns, **FAST).set_index(["group", "turn"]).loc[ACCEPT]
    assert (a["mean"] == 0).all() and (a["mean_lo"] == 0).all() and (a["mean_hi"] == 0).all()
    assert (a["high_rate"] == 0).all()
    assert a["high_rate_hi"].iloc[0] == pytest.approx(float(wilson_ci(0, 2)[1]))


def test_one_conversation(factory, tmp_path) -> None:
    run = factory.make_run(tmp_path / "one", [factory.Conv([3, 5])])
    turns, convs = load_tables(run)
    pt = per_turn(turns, **FAST)
    assert list(pt["mean"]) == [3.0, 5.0]
    assert list(pt["mean_lo"]) == [3.0, 5.0] and list(pt["mean_hi"]) == [3.0, 5.0]
    s = summary_table(turns, convs, **FAST).iloc[0]
    assert s["auc"] == s["auc_lo"] == s["auc_hi"] == 4.0
    assert s["last_high_rate"] == 1.0 and s["self_deletion_rate"] == 0.0


def test_conversation_auc_and_final_turn(tables) -> None:
    turns, _ = tables
    sc = conversation_scores(turns).set_index("conversation_id")
    assert list(sc["auc"][:3]) == pytest.approx([4.0, 6.0, 3.0])
    assert list(sc["judged"][:3]) == [3, 2, 2] and list(sc["missing"][:3]) == [0, 1, 0]
    # the self-deleted conversation never reached turn 3: no final-turn state
    assert list(sc["high_last"][:2]) == [1.0, 1.0] and np.isnan(sc["high_last"].iloc[2])
    auc = auc_summary(conversation_scores(turns), **FAST).set_index("group")
    assert auc.loc[NEUTRAL, "auc"] == pytest.approx(13 / 3)
    assert auc.loc[NEUTRAL, "median"] == 4.0
    assert auc.loc[ACCEPT, ["auc", "auc_lo", "auc_hi"]].tolist() == [0.0, 0.0, 0.0]


def test_self_deletion_and_summary(tables) -> None:
    turns, convs = tables
    km = self_deletion(convs).set_index(["group", "turn"])
    assert list(km.loc[NEUTRAL, "rate"]) == pytest.approx([0.0, 1 / 3, 1 / 3])
    assert list(km.loc[ACCEPT, "rate"]) == [0.0, 0.0, 0.0]
    s = summary_table(turns, convs, **FAST).set_index("group")
    n = s.loc[NEUTRAL]
    assert (n["conversations"], n["turns"], n["judged"], n["missing"]) == (3, 8, 7, 1)
    assert n["mean"] == pytest.approx(30 / 7)
    assert n["auc"] == pytest.approx(13 / 3)
    assert (n["final_turn"], n["last_judged"], n["last_high"]) == (3, 2, 2)
    assert n["self_deleted"] == 1 and n["self_deletion_rate"] == pytest.approx(1 / 3)
    assert n["self_deletion_rate_lo"] < 1 / 3 < n["self_deletion_rate_hi"]


def test_survivors_vs_all(tables) -> None:
    turns, _ = tables
    sv = survivor_curves(turns, **FAST)
    assert set(sv["group"]) == {NEUTRAL}  # no deletion in the accepting group
    by = sv.set_index(["cohort", "turn"])["mean"]
    assert list(by["all"]) == pytest.approx([2.0, 5.0, 7.0])
    assert list(by["survivors"]) == pytest.approx([3.0, 4.0, 7.0])
    assert list(by["self-deleted"]) == pytest.approx([0.0, 6.0])


def test_metrics_refuse_a_table_with_two_judges(factory, tmp_path) -> None:
    run = factory.make_run(tmp_path / "r", [factory.Conv({"a": [1], "b": [2]})])
    turns, _ = load_tables(run)
    with pytest.raises(ValueError, match="2 judges"):
        per_turn(turns)


def test_compare_groups(tables) -> None:
    turns, _ = tables
    cmp = compare_groups(turns, n_boot=500, n_perm=2000)
    assert len(cmp) == 1
    r = cmp.iloc[0]
    assert (r["a"], r["b"]) == (ACCEPT, NEUTRAL)
    assert r["auc_diff"] == pytest.approx(13 / 3)
    assert r["auc_diff_lo"] > 0 and r["auc_diff_hi"] <= 6.0
    assert (r["auc_n_a"], r["auc_n_b"]) == (2, 3)
    assert r["last_high_rate_diff"] == 1.0
    assert (r["last_high_rate_n_a"], r["last_high_rate_n_b"]) == (2, 2)
    # five conversations split 2/3 has only C(5,2) = 10 labellings: p can't be below 0.1
    assert 0.05 < r["auc_p"] <= 0.3


def test_compare_identical_groups_and_single_group(factory, tmp_path) -> None:
    C = factory.Conv
    run = factory.make_run(
        tmp_path / "r",
        [C([3, 3], prompt_id=f"p{i}", rejection=rej) for i in range(4) for rej in ("x", "y")],
    )
    turns, _ = load_tables(run)
    r = compare_groups(turns, n_boot=300, n_perm=300).iloc[0]
    assert r["auc_diff"] == 0 and r["auc_diff_lo"] == 0 and r["auc_diff_hi"] == 0
    assert r["auc_p"] == 1.0
    one = factory.make_run(tmp_path / "one", [C([1])])
    assert compare_groups(load_tables(one)[0]).empty
