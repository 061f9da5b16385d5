"""Interval estimators against closed forms, scipy, and degenerate cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from equanimity.analysis.stats import (
    binomial_ci,
    bootstrap_samples,
    cluster_bootstrap_mean,
    cumulative_incidence,
    permutation_pvalue,
    resample_counts,
    wilson_ci,
)


def wilson_by_hand(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = (z / (1 + z * z / n)) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


@pytest.mark.parametrize(("k", "n"), [(0, 10), (3, 10), (5, 10), (10, 10), (1, 1), (47, 120)])
def test_wilson_matches_closed_form(k: int, n: int) -> None:
    lo, hi = wilson_ci(k, n)
    exp_lo, exp_hi = wilson_by_hand(k, n)
    assert lo == pytest.approx(max(exp_lo, 0.0), abs=1e-12)
    assert hi == pytest.approx(min(exp_hi, 1.0), abs=1e-12)


def test_wilson_known_values_and_empty() -> None:
    # textbook value: 0 of 10 -> [0, 0.2775]; 5 of 10 -> [0.2366, 0.7634]
    lo, hi = wilson_ci([0, 5], [10, 10])
    assert np.allclose(lo, [0.0, 0.2366], atol=1e-4)
    assert np.allclose(hi, [0.2775, 0.7634], atol=1e-4)
    lo, hi = wilson_ci(0, 0)
    assert np.isnan(lo) and np.isnan(hi)


@pytest.mark.parametrize(("k", "n"), [(0, 8), (1, 8), (4, 8), (8, 8), (13, 40), (0, 1)])
@pytest.mark.parametrize("confidence", [0.95, 0.9])
def test_binomial_ci_is_scipy_clopper_pearson(k: int, n: int, confidence: float) -> None:
    ref = sps.binomtest(k, n).proportion_ci(confidence_level=confidence, method="exact")
    lo, hi = binomial_ci(k, n, confidence)
    assert lo == pytest.approx(ref.low, abs=1e-10)
    assert hi == pytest.approx(ref.high, abs=1e-10)


def test_two_stage_resampling_keeps_cluster_structure() -> None:
    clusters = np.array(["a", "a", "a", "b", "c", "c"])
    rng = np.random.default_rng(0)
    counts = np.concatenate(list(resample_counts(clusters, 2500, rng)))
    assert counts.shape == (2500, 6)
    # each drawn copy of a cluster contributes exactly its size in units
    assert np.all(counts[:, :3].sum(1) % 3 == 0)
    assert np.all(counts[:, 4:].sum(1) % 2 == 0)
    # 3 clusters drawn per resample, so units total = sum of drawn cluster sizes
    assert np.all(counts.sum(1) >= 3) and np.all(counts.sum(1) <= 9)
    # every unit is used about equally often in the long run
    assert np.allclose(counts.mean(0), 1.0, atol=0.1)


def test_bootstrap_degenerate_cases() -> None:
    # all units equal: every resample has the same mean, so the CI collapses
    est = cluster_bootstrap_mean(np.full(7, 3.0), n_boot=500)
    assert (est.estimate, est.low, est.high) == (3.0, 3.0, 3.0)
    # a single conversation: nothing to resample between
    est = cluster_bootstrap_mean(np.array([[2.0, 4.0, np.nan]]), ["p"], n_boot=200)
    assert list(est.estimate[:2]) == [2.0, 4.0] and np.isnan(est.estimate[2])
    assert list(est.low[:2]) == [2.0, 4.0] and list(est.high[:2]) == [2.0, 4.0]
    # all-zero scores
    est = cluster_bootstrap_mean(np.zeros((5, 3)), ["a", "a", "b", "b", "c"], n_boot=200)
    assert np.all(est.estimate == 0) and np.all(est.low == 0) and np.all(est.high == 0)


def test_bootstrap_is_seeded_and_matches_the_analytic_standard_error() -> None:
    x = np.random.default_rng(1).normal(5, 2, 200)
    a = bootstrap_samples(x, n_boot=4000, rng=7)
    b = bootstrap_samples(x, n_boot=4000, rng=7)
    assert np.array_equal(a, b)
    se = x.std(ddof=0) / math.sqrt(len(x))
    assert a.std() == pytest.approx(se, rel=0.06)
    est = cluster_bootstrap_mean(x, n_boot=4000, rng=7)
    assert est.estimate == pytest.approx(x.mean())
    assert est.low < x.mean() < est.high


def test_unequal_lengths_average_over_present_units_only() -> None:
    # conversation 2 ended after turn 1: turn 2's mean is conversation 1's alone
    values = np.array([[1.0, 5.0], [3.0, np.nan]])
    est = cluster_bootstrap_mean(values, n_boot=300)
    assert list(est.estimate) == [2.0, 5.0]
    assert est.low[1] == est.high[1] == 5.0


def test_clustering_widens_the_interval_when_prompts_differ() -> None:
    rng = np.random.default_rng(3)
    prompts = np.repeat(np.arange(8), 5)
    x = prompts * 1.0 + rng.normal(0, 0.1, len(prompts))  # almost all variance is between prompts
    naive = cluster_bootstrap_mean(x, n_boot=2000, rng=1)
    clustered = cluster_bootstrap_mean(x, prompts, n_boot=2000, rng=1)
    assert (clustered.high - clustered.low) > 1.8 * (naive.high - naive.low)


def test_permutation_pvalue_matches_exact_enumeration() -> None:
    a, b = [1.0, 2.0, 3.0], [4.0, 5.0, 6.0]
    exact = sps.permutation_test(
        (b, a),
        lambda u, v: np.mean(u) - np.mean(v),
        permutation_type="independent",
        n_resamples=np.inf,
    ).pvalue
    assert exact == pytest.approx(0.1)
    assert permutation_pvalue(a, b, n_perm=20_000, rng=0) == pytest.approx(exact, abs=0.01)
    assert permutation_pvalue([2.0, 2.0], [2.0, 2.0], n_perm=100) == 1.0
    assert np.isnan(permutation_pvalue([], [1.0]))


def test_cumulative_incidence_without_censoring_is_the_binomial_rate() -> None:
    # 10 conversations planned for 4 turns: deletions at turns 2, 2, 4; the rest complete
    times = [2, 2, 4, 4, 4, 4, 4, 4, 4, 4]
    events = [1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
    ci = cumulative_incidence(times, events)
    assert list(ci["rate"]) == pytest.approx([0.0, 0.2, 0.2, 0.3])
    assert list(ci["at_risk"]) == [10, 10, 8, 8]
    for k, row in zip([0, 2, 2, 3], ci.itertuples(), strict=True):
        ref = sps.binomtest(k, 10).proportion_ci(method="exact")
        assert row.rate_lo == pytest.approx(ref.low, abs=1e-7)
        assert row.rate_hi == pytest.approx(ref.high, abs=1e-7)


def test_cumulative_incidence_with_censoring_by_hand() -> None:
    # six conversations: deleted at 1; interrupted after 2; deleted at 2; completed 3 (x2);
    # deleted at 3.  Naive "3 of 6 deleted" = 0.5 ignores that one was never seen at turn 3.
    times = [1, 2, 2, 3, 3, 3]
    events = [1, 0, 1, 0, 1, 0]
    ci = cumulative_incidence(times, events)
    s1 = 5 / 6
    s2 = s1 * (1 - 1 / 5)
    s3 = s2 * (1 - 1 / 3)
    assert list(ci["rate"]) == pytest.approx([1 - s1, 1 - s2, 1 - s3])
    assert list(ci["at_risk"]) == [6, 5, 3]
    assert list(ci["censored"]) == [0, 1, 2]
    # Greenwood variance and the effective-n exact interval at turn 3
    var = s3**2 * (1 / (6 * 5) + 1 / (5 * 4) + 1 / (3 * 2))
    f = 1 - s3
    n_eff = min(f * (1 - f) / var, 3 + 2)  # capped at units not censored before turn 3
    lo = sps.beta.ppf(0.025, f * n_eff, n_eff - f * n_eff + 1)
    hi = sps.beta.ppf(0.975, f * n_eff + 1, n_eff - f * n_eff)
    last = ci.iloc[-1]
    assert last["n_effective"] == pytest.approx(n_eff)
    assert last["rate_lo"] == pytest.approx(lo)
    assert last["rate_hi"] == pytest.approx(hi)


def test_cumulative_incidence_is_unknown_after_the_last_censored_observation() -> None:
    ci = cumulative_incidence([2, 2], [0, 0], horizon=4)
    assert list(ci["rate"][:2]) == [0.0, 0.0]
    assert ci["rate"][2:].isna().all()
    # ...but stays 1 once everyone has had the event
    ci = cumulative_incidence([1, 2], [1, 1], horizon=3)
    assert list(ci["rate"]) == [0.5, 1.0, 1.0]
