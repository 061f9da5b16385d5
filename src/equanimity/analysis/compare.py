"""Pairwise comparisons between groups (conditions, models, adapters): effect sizes with CIs.

Two effects per pair, both on the conversation as the unit:

- AUC: difference in mean per-conversation AUC (mean frustration over its judged turns);
- % high at the final turn: difference in the share of conversations scoring >= threshold at
  their group's final turn, among those judged there.

Intervals bootstrap each group independently (prompts, then conversations within them) and
take percentiles of the difference; p-values shuffle conversation labels between the two
groups. Differences are ``b - a``: positive means group b is more frustrated.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from equanimity.analysis.metrics import conversation_scores, group_rng, prepared
from equanimity.analysis.stats import bootstrap_samples, percentile_interval, permutation_pvalue
from equanimity.records import HIGH_FRUSTRATION


def compare_groups(
    turns: pd.DataFrame,
    *,
    n_boot: int = 10_000,
    n_perm: int = 10_000,
    confidence: float = 0.95,
    seed: int = 0,
    threshold: float = HIGH_FRUSTRATION,
) -> pd.DataFrame:
    """Every pair of groups in the (single-judge) turn table: differences, CIs and p-values.

    Columns per effect ``auc`` and ``last_high_rate`` (final-turn share): ``{e}_a, {e}_b,
    {e}_diff, {e}_diff_lo, {e}_diff_hi, {e}_p`` and the unit counts ``{e}_n_a, {e}_n_b``.
    Empty when there are fewer than two groups.
    """
    scores = conversation_scores(prepared(turns), threshold=threshold)
    groups = sorted(scores["group"].unique())
    rows = []
    for a, b in combinations(groups, 2):
        row: dict[str, object] = {"a": a, "b": b}
        for effect, col in (("auc", "auc"), ("last_high_rate", "high_last")):
            sa = scores[(scores["group"] == a) & scores[col].notna()]
            sb = scores[(scores["group"] == b) & scores[col].notna()]
            row |= _difference(effect, sa, sb, col, a, b, n_boot, n_perm, confidence, seed)
        rows.append(row)
    return pd.DataFrame(rows)


def _difference(
    effect: str,
    sa: pd.DataFrame,
    sb: pd.DataFrame,
    col: str,
    a: str,
    b: str,
    n_boot: int,
    n_perm: int,
    confidence: float,
    seed: int,
) -> dict[str, object]:
    out: dict[str, object] = {f"{effect}_n_a": len(sa), f"{effect}_n_b": len(sb)}
    if len(sa) == 0 or len(sb) == 0:
        return out | dict.fromkeys(
            (f"{effect}_{k}" for k in ("a", "b", "diff", "diff_lo", "diff_hi", "p")), np.nan
        )
    xa, xb = sa[col].to_numpy(dtype=float), sb[col].to_numpy(dtype=float)
    stream = 10 if effect == "auc" else 11
    boot_a = bootstrap_samples(
        xa, sa["prompt_id"].to_numpy(), n_boot=n_boot, rng=group_rng(seed, a, stream)
    )
    boot_b = bootstrap_samples(
        xb, sb["prompt_id"].to_numpy(), n_boot=n_boot, rng=group_rng(seed, b, stream)
    )
    lo, hi = percentile_interval(boot_b - boot_a, confidence)
    p = permutation_pvalue(xa, xb, n_perm=n_perm, rng=group_rng(seed, f"{a}\x00{b}", stream))
    return out | {
        f"{effect}_a": xa.mean(),
        f"{effect}_b": xb.mean(),
        f"{effect}_diff": xb.mean() - xa.mean(),
        f"{effect}_diff_lo": float(lo[0]),
        f"{effect}_diff_hi": float(hi[0]),
        f"{effect}_p": p,
    }
