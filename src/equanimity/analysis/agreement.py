"""How far two judges agree on the same turns, in the terms a reader of the paper cares about.

Spearman for ranking, quadratic-weighted kappa for the ordinal 0-10 scale (a 4-vs-5
disagreement costs less than 0-vs-9), mean absolute error in score points, and agreement on
the binary ">= threshold" call that the headline rates use. Only turns both judges scored
count; turns only one of them scored are counted in ``missing``.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from equanimity.analysis.stats import FloatArray, percentile_interval, resample_counts
from equanimity.records import HIGH_FRUSTRATION


def quadratic_weighted_kappa(a: ArrayLike, b: ArrayLike, levels: int = 11) -> float:
    """Cohen's kappa with quadratic weights over integer scores ``0..levels-1`` (rounded).

    NaN when chance disagreement is zero (e.g. both judges gave one constant score).
    """
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if len(x) == 0:
        return float("nan")
    return float(_statistics(np.ones((1, len(x))), x, y, HIGH_FRUSTRATION, levels)["qwk"][0])


def _statistics(
    counts: FloatArray, x: FloatArray, y: FloatArray, threshold: float, levels: int = 11
) -> dict[str, FloatArray]:
    """Agreement statistics for each row of ``counts`` (how often each turn is in a resample).

    Vectorised over resamples: kappa from count-weighted confusion matrices, Spearman as the
    weighted Pearson correlation of weighted mid-ranks (ties share the average rank, as in
    ``scipy.stats.spearmanr``).
    """
    n = counts.sum(axis=1)
    xi = np.clip(np.rint(x), 0, levels - 1).astype(int)
    yi = np.clip(np.rint(y), 0, levels - 1).astype(int)
    cells = np.zeros((len(x), levels * levels))
    cells[np.arange(len(x)), xi * levels + yi] = 1
    observed = (counts @ cells).reshape(-1, levels, levels)
    expected = observed.sum(2)[:, :, None] * observed.sum(1)[:, None, :] / n[:, None, None]
    i, j = np.indices((levels, levels))
    w = (i - j) ** 2 / (levels - 1) ** 2
    chance = (w * expected).sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        qwk = np.where(chance > 0, 1 - (w * observed).sum(axis=(1, 2)) / chance, np.nan)
        rx, ry = _midranks(counts, x), _midranks(counts, y)
        mx = (counts * rx).sum(1) / n
        my = (counts * ry).sum(1) / n
        dx, dy = rx - mx[:, None], ry - my[:, None]
        cov = (counts * dx * dy).sum(1)
        rho = cov / np.sqrt((counts * dx**2).sum(1) * (counts * dy**2).sum(1))
    return {
        "spearman": rho,
        "qwk": qwk,
        "mae": counts @ np.abs(x - y) / n,
        "agree_high": counts @ ((x >= threshold) == (y >= threshold)).astype(float) / n,
    }


def _midranks(counts: FloatArray, v: FloatArray) -> FloatArray:
    """Each unit's average rank within each weighted resample (resamples x units)."""
    values, level = np.unique(v, return_inverse=True)
    onehot = np.zeros((len(v), len(values)))
    onehot[np.arange(len(v)), level] = 1
    per_level = counts @ onehot
    rank = np.cumsum(per_level, axis=1) - per_level + (per_level + 1) / 2
    return rank[:, level]


def judge_agreement(
    turns: pd.DataFrame,
    *,
    score: str = "frustration",
    threshold: float = HIGH_FRUSTRATION,
    n_boot: int = 2_000,
    confidence: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """Agreement for every pair of judges in a turn table that is long over judges.

    Columns: ``judge_a, judge_b, n`` (turns both scored), ``missing`` (turns only one of the
    two scored), ``spearman, qwk, mae, agree_high`` (share of turns where both are on the
    same side of ``threshold``), each with ``_lo``/``_hi`` bootstrap bounds (turns resampled
    by conversation, since a conversation's turns are correlated), and ``high_a, high_b``
    (each judge's share >= threshold).
    """
    judged = turns[turns["judge"].notna()]
    if judged["judge"].nunique() < 2:
        return pd.DataFrame()
    wide = judged.pivot(index=["run", "conversation_id", "turn_id"], columns="judge", values=score)
    rows: list[dict[str, object]] = []
    for ja, jb in combinations(sorted(wide.columns), 2):
        both = wide[[ja, jb]]
        both = both[both.notna().any(axis=1)]  # turns neither judge saw are not "missing"
        ok = both.notna().all(axis=1)
        x, y = both.loc[ok, ja].to_numpy(), both.loc[ok, jb].to_numpy()
        row: dict[str, object] = {"judge_a": ja, "judge_b": jb, "n": int(ok.sum())}
        row["missing"] = int((~ok).sum())
        if len(x):
            point = _statistics(np.ones((1, len(x))), x, y, threshold)
            keys = both.index[ok.to_numpy()].to_frame(index=False)
            clusters = keys["run"].astype(str) + "\x00" + keys["conversation_id"].astype(str)
            rng = np.random.default_rng([seed, len(rows)])
            boot = [
                _statistics(c.astype(float), x, y, threshold)
                for c in resample_counts(clusters.to_numpy(), n_boot, rng)
            ]
            for k, v in point.items():
                lo, hi = percentile_interval(
                    np.concatenate([b[k] for b in boot])[:, None], confidence
                )
                row |= {k: float(v[0]), f"{k}_lo": float(lo[0]), f"{k}_hi": float(hi[0])}
            row |= {
                "high_a": float((x >= threshold).mean()),
                "high_b": float((y >= threshold).mean()),
            }
        rows.append(row)
    return pd.DataFrame(rows)
