"""Interval estimates for rates, cluster-bootstrap means, a permutation test, and censored
cumulative incidence. Pure numpy/scipy, vectorised over resamples, and seeded.

Why these choices:

- Turns of one conversation are not independent (a frustrated turn 5 predicts a frustrated
  turn 6), and samples of one prompt are not either, so means are bootstrapped by resampling
  *prompts, then conversations within each drawn prompt* (a two-stage cluster bootstrap). With
  one conversation per prompt it is the ordinary bootstrap over conversations.
- Proportions use the Wilson interval, which behaves at 0% and 100% where the normal
  approximation collapses to a zero-width interval.
- A conversation that stops before its last planned turn without self-deleting (interrupted,
  or a shorter plan) says nothing about later turns, so the self-deletion curve is a
  Kaplan-Meier cumulative incidence, not "deletions / conversations".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import stats as sps

FloatArray = NDArray[np.float64]

#: Resamples per bootstrap chunk: bounds memory to about chunk x units x 8 bytes.
_CHUNK = 1000


class Estimate(NamedTuple):
    """A point estimate with its confidence interval (arrays of matching shape)."""

    estimate: FloatArray
    low: FloatArray
    high: FloatArray


def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    return float(sps.norm.ppf(0.5 + confidence / 2))


def wilson_ci(
    k: ArrayLike, n: ArrayLike, confidence: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """Wilson score interval for ``k`` successes in ``n`` trials (NaN where ``n`` is 0)."""
    z = _z(confidence)
    k_ = np.asarray(k, dtype=float)
    n_ = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k_ / n_
        denom = 1 + z**2 / n_
        centre = (p + z**2 / (2 * n_)) / denom
        half = z * np.sqrt(p * (1 - p) / n_ + z**2 / (4 * n_**2)) / denom
        lo = np.where(n_ > 0, np.clip(centre - half, 0, 1), np.nan)
        hi = np.where(n_ > 0, np.clip(centre + half, 0, 1), np.nan)
    return lo, hi


def binomial_ci(
    k: ArrayLike, n: ArrayLike, confidence: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """Exact (Clopper-Pearson) interval; ``k`` and ``n`` may be non-integer effective counts.

    For integer counts this equals ``scipy.stats.binomtest(k, n).proportion_ci(confidence)``.
    """
    _z(confidence)
    alpha = 1 - confidence
    k_ = np.asarray(k, dtype=float)
    n_ = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        lo = np.where(k_ > 0, sps.beta.ppf(alpha / 2, k_, n_ - k_ + 1), 0.0)
        hi = np.where(k_ < n_, sps.beta.ppf(1 - alpha / 2, k_ + 1, n_ - k_), 1.0)
    bad = ~(n_ > 0)
    return np.where(bad, np.nan, lo), np.where(bad, np.nan, hi)


# --------------------------------------------------------------------------------------
# cluster bootstrap
# --------------------------------------------------------------------------------------


def resample_counts(
    clusters: ArrayLike, n_boot: int, rng: np.random.Generator
) -> Iterator[NDArray[np.int64]]:
    """Yield chunks of ``(resamples, units)`` counts from a two-stage cluster bootstrap.

    Stage one draws as many clusters as there are, with replacement; stage two draws, for each
    drawn copy of a cluster, as many units as it has, with replacement, from its own units.
    Each yielded row says how often each unit appears in one resample.
    """
    _, inverse = np.unique(np.asarray(clusters, dtype=object).astype(str), return_inverse=True)
    n_units, n_clusters = len(inverse), int(inverse.max()) + 1 if len(inverse) else 0
    if n_units == 0:
        raise ValueError("cannot bootstrap zero units")
    members = [np.flatnonzero(inverse == c) for c in range(n_clusters)]
    sizes = np.array([len(m) for m in members])
    singles = np.flatnonzero(sizes == 1)
    single_units = np.array([members[c][0] for c in singles], dtype=int)
    uniform = np.full(n_clusters, 1 / n_clusters)
    done = 0
    while done < n_boot:
        b = min(_CHUNK, n_boot - done)
        drawn = rng.multinomial(n_clusters, uniform, size=b)
        counts = np.zeros((b, n_units), dtype=np.int64)
        counts[:, single_units] = drawn[:, singles]
        for c in np.flatnonzero(sizes > 1):
            m = sizes[c]
            counts[:, members[c]] = rng.multinomial(drawn[:, c] * m, np.full(m, 1 / m))
        done += b
        yield counts


def _weighted_mean(
    counts: NDArray[np.float64], values: FloatArray, weights: FloatArray
) -> FloatArray:
    """Per-column mean of ``values`` (units x k, NaN = absent) weighted by ``counts x weights``."""
    present = ~np.isnan(values)
    w = weights[:, None] * present
    num = counts @ (np.where(present, values, 0.0) * w)
    den = counts @ w
    with np.errstate(invalid="ignore", divide="ignore"):
        return num / den


def bootstrap_samples(
    values: ArrayLike,
    clusters: ArrayLike | None = None,
    *,
    weights: ArrayLike | None = None,
    n_boot: int = 10_000,
    rng: np.random.Generator | int | None = 0,
) -> FloatArray:
    """Bootstrap distribution ``(n_boot, k)`` of the per-column weighted mean of ``values``.

    ``values`` is units x k (a 1-D array is one column); NaN marks a unit absent from a column
    (a conversation that ended before that turn), so each column's mean is over the units it
    has. ``clusters`` (default: each unit its own) groups units that are resampled together.
    A resample in which a column has no units gives NaN for that column.
    """
    x = np.asarray(values, dtype=float)
    x = x[:, None] if x.ndim == 1 else x
    w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=float)
    cl = np.arange(len(x)) if clusters is None else np.asarray(clusters)
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    chunks = [_weighted_mean(c.astype(float), x, w) for c in resample_counts(cl, n_boot, gen)]
    return np.concatenate(chunks, axis=0)


def percentile_interval(
    samples: FloatArray, confidence: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """Percentile interval over axis 0 of bootstrap samples, ignoring NaN resamples."""
    _z(confidence)
    alpha = (1 - confidence) / 2
    out = np.full((2, *samples.shape[1:]), np.nan)
    ok = ~np.all(np.isnan(samples), axis=0)
    if np.any(ok):
        out[:, ok] = np.nanquantile(samples[:, ok], [alpha, 1 - alpha], axis=0)
    return out[0], out[1]


def cluster_bootstrap_mean(
    values: ArrayLike,
    clusters: ArrayLike | None = None,
    *,
    weights: ArrayLike | None = None,
    n_boot: int = 10_000,
    confidence: float = 0.95,
    rng: np.random.Generator | int | None = 0,
) -> Estimate:
    """Weighted mean of each column of ``values`` with a percentile cluster-bootstrap CI.

    See :func:`bootstrap_samples` for the arguments. With weights, the mean is
    ``sum(w * x) / sum(w)``: pass per-conversation means and their turn counts to get the mean
    over all turns while still resampling whole conversations.
    """
    x = np.asarray(values, dtype=float)
    x2 = x[:, None] if x.ndim == 1 else x
    w = np.ones(len(x2)) if weights is None else np.asarray(weights, dtype=float)
    point = _weighted_mean(np.ones((1, len(x2))), x2, w)[0]
    samples = bootstrap_samples(x2, clusters, weights=w, n_boot=n_boot, rng=rng)
    lo, hi = percentile_interval(samples, confidence)
    if x.ndim == 1:
        return Estimate(point[0], lo[0], hi[0])
    return Estimate(point, lo, hi)


def permutation_pvalue(
    a: ArrayLike,
    b: ArrayLike,
    *,
    n_perm: int = 10_000,
    rng: np.random.Generator | int | None = 0,
) -> float:
    """Two-sided permutation p-value for ``mean(b) - mean(a)``, shuffling unit labels.

    Uses ``(1 + #{|d*| >= |d|}) / (1 + n_perm)`` so it is never 0. NaN when a side is empty.
    """
    x = np.asarray(a, dtype=float)
    y = np.asarray(b, dtype=float)
    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    if len(x) == 0 or len(y) == 0:
        return float("nan")
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    pooled = np.concatenate([x, y])
    observed = y.mean() - x.mean()
    labels = np.concatenate([np.zeros(len(x)), np.ones(len(y))])
    tol = 1e-12 * max(1.0, float(np.abs(pooled).max()))
    extreme, done = 0, 0
    while done < n_perm:
        b = min(_CHUNK, n_perm - done)
        perm = gen.permuted(np.broadcast_to(labels, (b, len(labels))), axis=1)
        diff = perm @ pooled / len(y) - (1 - perm) @ pooled / len(x)
        extreme += int(np.sum(np.abs(diff) >= abs(observed) - tol))
        done += b
    return (1 + extreme) / (1 + n_perm)


# --------------------------------------------------------------------------------------
# censored cumulative incidence
# --------------------------------------------------------------------------------------


def cumulative_incidence(
    times: ArrayLike,
    events: ArrayLike,
    *,
    horizon: int | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Kaplan-Meier cumulative incidence ``1 - S(t)`` at turns ``1..horizon`` with binomial CIs.

    ``times[i]`` is the last turn unit ``i`` was observed at (its event turn if ``events[i]``,
    else the turn it was censored after); a unit with time 0 never entered the risk set. Units
    censored at turn t are still at risk at t. The interval is exact binomial (Clopper-Pearson)
    on the effective sample size ``F(1-F) / Var_greenwood(F)`` (Dorey & Korn 1987), capped at the
    units not censored before t; with no censoring this is exactly the binomial interval for
    ``deleted / n``. Where Greenwood's variance is 0 (no events yet, or all) the effective size
    is that cap.
    """
    t = np.asarray(times, dtype=int)
    e = np.asarray(events, dtype=bool)
    last = int(t.max()) if len(t) else 0
    horizon = last if horizon is None else horizon
    turns = np.arange(1, horizon + 1)
    at_risk = np.array([(t >= k).sum() for k in turns])
    deaths = np.array([((t == k) & e).sum() for k in turns])
    censored = np.array([((t == k) & ~e).sum() for k in turns])
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard = np.where(at_risk > 0, deaths / at_risk, 0.0)
        surv = np.cumprod(1 - hazard)
        gw_terms = np.where(at_risk > deaths, deaths / (at_risk * (at_risk - deaths)), 0.0)
        var = surv**2 * np.cumsum(gw_terms)
        rate = 1 - surv
        observed = at_risk + np.concatenate([[0], np.cumsum(deaths)[:-1]])
        n_eff = np.where(var > 0, rate * (1 - rate) / var, observed)
        n_eff = np.minimum(n_eff, observed)
    lo, hi = binomial_ci(rate * n_eff, n_eff, confidence)
    # past the last observation, S(t) is unknown unless everyone had already had the event
    unknown = (at_risk == 0) & (surv > 0)
    rate, lo, hi = (np.where(unknown, np.nan, a) for a in (rate, lo, hi))
    return pd.DataFrame(
        {
            "turn": turns,
            "at_risk": at_risk,
            "events": deaths,
            "censored": censored,
            "cumulative_events": np.cumsum(deaths),
            "rate": rate,
            "rate_lo": lo,
            "rate_hi": hi,
            "n_effective": n_eff,
        }
    )
