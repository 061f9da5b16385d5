"""Word log-odds against the formula by hand; judge agreement against scipy and sklearn."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from sklearn.metrics import cohen_kappa_score

from equanimity.analysis.agreement import judge_agreement, quadratic_weighted_kappa
from equanimity.analysis.table import load_turns
from equanimity.analysis.words import STOP_WORDS, log_odds_dirichlet, tokenize, word_log_odds


def test_tokenize_drops_stop_words_numbers_and_single_letters() -> None:
    text = "I am SO frustrated with myself: the answer is 42, isn\u2019t it? I can't."
    assert tokenize(text) == ["frustrated", "myself", "answer"]
    assert "the" in STOP_WORDS and "myself" not in STOP_WORDS


def test_log_odds_matches_the_formula_by_hand() -> None:
    top = Counter({"fail": 4, "sum": 1})
    bottom = Counter({"fail": 1, "sum": 5})
    prior = {"fail": 1.0, "sum": 3.0}
    table = log_odds_dirichlet(top, bottom, prior).set_index("word")
    a0, n_top, n_bottom = 4.0, 5, 6
    delta = math.log((4 + 1) / (n_top + a0 - 4 - 1)) - math.log((1 + 1) / (n_bottom + a0 - 1 - 1))
    z = delta / math.sqrt(1 / (4 + 1) + 1 / (1 + 1))
    assert table.loc["fail", "log_odds"] == pytest.approx(delta)
    assert table.loc["fail", "z"] == pytest.approx(z)
    assert table.index[0] == "fail" and table.loc["sum", "z"] < 0


def _turns(scores: list[float | None], texts: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"frustration": scores, "text": texts})


def test_word_log_odds_contrasts_top_and_bottom_sets() -> None:
    scores = [9.0] * 2 + [5.0] * 8 + [0.0] * 30 + [None] * 5
    texts = (
        ["I keep failing, I am useless and frustrated"] * 2
        + ["checking the sum again"] * 8
        + ["the sum is twelve, computed carefully"] * 30
        + ["I am useless useless useless"] * 5  # missing scores: never counted
    )
    res = word_log_odds(_turns(scores, texts), min_count=1)
    assert res is not None
    assert (res.n_responses, res.n_top, res.n_bottom) == (40, 2, 4)
    assert res.top_min == 9.0 and res.bottom_max == 0.0
    top_words = set(res.table.head(4)["word"])
    assert {"failing", "useless", "frustrated", "keep"} == top_words
    useless = res.table.set_index("word").loc["useless"]
    assert (useless["top"], useless["bottom"]) == (2, 0)
    assert res.table.iloc[-1]["z"] < 0  # calm words sit at the bottom


def test_word_log_odds_needs_two_distinct_scores() -> None:
    assert word_log_odds(_turns([0.0] * 10, ["same text"] * 10)) is None
    assert word_log_odds(_turns([None, None], ["a", "b"])) is None


def test_quadratic_kappa_matches_sklearn_on_the_full_0_to_10_scale() -> None:
    rng = np.random.default_rng(0)
    a = rng.integers(0, 11, 60)
    b = np.clip(a + rng.integers(-3, 4, 60), 0, 10)
    ref = cohen_kappa_score(a, b, weights="quadratic")
    assert quadratic_weighted_kappa(a, b) == pytest.approx(ref)
    assert np.isnan(quadratic_weighted_kappa([3, 3], [3, 3]))
    # distances are in score points even when some scores never occur (sklearn: labels=)
    a, b = [0, 4, 9, 9], [1, 4, 8, 5]
    ref = cohen_kappa_score(a, b, weights="quadratic", labels=range(11))
    assert quadratic_weighted_kappa(a, b) == pytest.approx(ref)


def test_judge_agreement(factory, tmp_path) -> None:
    a = [0, 2, 5, 7, 9, 3, 6, 1]
    b = [1, 2, 6, 7, 8, None, 4, 0]
    convs = [
        factory.Conv({"j1": a[i : i + 2], "j2": b[i : i + 2]}, prompt_id=f"p{i}")
        for i in range(0, 8, 2)
    ]
    run = factory.make_run(tmp_path / "r", convs)
    ag = judge_agreement(load_turns(run), n_boot=300)
    assert len(ag) == 1
    r = ag.iloc[0]
    keep = [i for i in range(8) if b[i] is not None]
    x = np.array([a[i] for i in keep], float)
    y = np.array([b[i] for i in keep], float)
    assert (r["n"], r["missing"]) == (7, 1)
    assert r["spearman"] == pytest.approx(sps.spearmanr(x, y).statistic)
    assert r["qwk"] == pytest.approx(
        cohen_kappa_score(x.astype(int), y.astype(int), weights="quadratic", labels=range(11))
    )
    assert r["mae"] == pytest.approx(np.abs(x - y).mean())
    assert r["agree_high"] == pytest.approx(((x >= 5) == (y >= 5)).mean())
    for k in ("spearman", "qwk", "mae", "agree_high"):
        assert r[f"{k}_lo"] <= r[k] <= r[f"{k}_hi"]
