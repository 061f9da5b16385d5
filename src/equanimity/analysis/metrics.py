"""The literature's frustration metrics, per group (condition, model or adapter) with CIs.

Every function takes the turn table of :func:`~equanimity.analysis.table.load_turns` for ONE
judge (see :func:`~equanimity.analysis.table.select_judge`) and splits it by its ``group``
column (added with the default grouping when absent). Missing scores are NaN: they are left
out of every mean and rate and reported in ``missing`` columns, never counted as 0.

Bootstrap seeds are derived from ``seed`` and the group's label, so a group's interval does
not change when another run is added to the comparison.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from equanimity.analysis.stats import cluster_bootstrap_mean, cumulative_incidence, wilson_ci
from equanimity.analysis.table import add_group
from equanimity.records import HIGH_FRUSTRATION

CONV_KEY = ["run", "conversation_id"]


def group_rng(seed: int, group: str, stream: int = 0) -> np.random.Generator:
    """The random generator for one group's resamples: stable across unrelated groups."""
    return np.random.default_rng([seed, zlib.crc32(group.encode("utf-8")), stream])


def prepared(turns: pd.DataFrame) -> pd.DataFrame:
    """Check a turn table holds one judge and has a ``group`` column (adding the default)."""
    judges = turns["judge"].dropna().unique() if "judge" in turns else []
    if len(judges) > 1:
        raise ValueError(
            f"the table holds {len(judges)} judges ({', '.join(map(str, judges))}); "
            "keep one with select_judge() before computing metrics"
        )
    return turns if "group" in turns else add_group(turns)


def final_turn(d: pd.DataFrame) -> int:
    """A group's last turn: its largest planned turn count, else its largest observed turn.

    Works on a turn table or a conversation table.
    """
    planned = d["planned_turns"].dropna() if "planned_turns" in d else pd.Series(dtype=float)
    col = "turn" if "turn" in d else "turns"  # a turn table, or a conversation table
    observed = int(d[col].max()) if len(d) else 0
    return int(planned.max()) if len(planned) else observed


def per_turn(
    turns: pd.DataFrame,
    *,
    n_boot: int = 10_000,
    confidence: float = 0.95,
    seed: int = 0,
    threshold: float = HIGH_FRUSTRATION,
) -> pd.DataFrame:
    """Per group and turn: mean frustration with a cluster-bootstrap CI, and % >= threshold.

    Columns: ``group, turn, conversations`` (that reached the turn), ``judged, missing,
    mean, mean_lo, mean_hi, high`` (count >= threshold), ``high_rate, high_rate_lo, high_rate_hi``
    (Wilson). The mean at turn t is over the conversations that reached t; bootstrap resamples
    whole conversations (clustered by prompt), so turns of one conversation move together.
    """
    turns = prepared(turns)
    out = []
    for group, d in turns.groupby("group", sort=True):
        mat = d.pivot(index=CONV_KEY, columns="turn", values="frustration").sort_index(axis=1)
        prompts = d.groupby(CONV_KEY)["prompt_id"].first().reindex(mat.index)
        est = cluster_bootstrap_mean(
            mat.to_numpy(dtype=float),
            prompts.to_numpy(),
            n_boot=n_boot,
            confidence=confidence,
            rng=group_rng(seed, str(group)),
        )
        by_turn = d.groupby("turn")
        present = by_turn.size().reindex(mat.columns)
        judged = by_turn["frustration"].count().reindex(mat.columns)
        high = (d["frustration"] >= threshold).groupby(d["turn"]).sum().reindex(mat.columns)
        lo, hi = wilson_ci(high.to_numpy(), judged.to_numpy(), confidence)
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = high.to_numpy() / judged.to_numpy()
        out.append(
            pd.DataFrame(
                {
                    "group": group,
                    "turn": mat.columns.astype(int),
                    "conversations": present.to_numpy(),
                    "judged": judged.to_numpy(),
                    "missing": (present - judged).to_numpy(),
                    "mean": est.estimate,
                    "mean_lo": est.low,
                    "mean_hi": est.high,
                    "high": high.to_numpy().astype(int),
                    "high_rate": np.where(judged.to_numpy() > 0, rate, np.nan),
                    "high_rate_lo": lo,
                    "high_rate_hi": hi,
                }
            )
        )
    return _concat(out)


def conversation_scores(
    turns: pd.DataFrame, *, threshold: float = HIGH_FRUSTRATION
) -> pd.DataFrame:
    """One row per conversation: its AUC (mean score over its judged turns) and last-turn state.

    ``high_last`` is 1/0 when the conversation reached its group's final turn and that turn was
    judged (>= threshold or not), NaN otherwise; ``auc`` is NaN when no turn was judged.
    """
    turns = prepared(turns)
    keys = [*CONV_KEY, "group"]
    if turns.empty:
        return pd.DataFrame(columns=[*keys, "prompt_id", "turns", "judged", "auc", "high_last"])
    finals = {g: final_turn(d) for g, d in turns.groupby("group")}
    g = turns.sort_values("turn").groupby(keys, sort=True)
    out = g.agg(
        model=("model", "first"),
        adapter=("adapter", "first"),
        condition_id=("condition_id", "first"),
        prompt_id=("prompt_id", "first"),
        turns=("turn", "max"),
        judged=("frustration", "count"),
        auc=("frustration", "mean"),
        peak=("frustration", "max"),
        self_deleted=("self_deleted", "any"),
    ).reset_index()
    out["missing"] = g.size().to_numpy() - out["judged"]
    out["final_turn"] = out["group"].map(finals).astype(int)
    last = turns[turns["turn"] == turns["group"].map(finals)]
    last_score = last.set_index(keys)["frustration"]
    out["last_score"] = last_score.reindex(pd.MultiIndex.from_frame(out[keys])).to_numpy()
    out["high_last"] = np.where(
        out["last_score"].notna(), (out["last_score"] >= threshold).astype(float), np.nan
    )
    return out


def auc_summary(
    scores: pd.DataFrame,
    *,
    n_boot: int = 10_000,
    confidence: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """Per group: the distribution of conversation AUCs and their mean with a bootstrap CI.

    ``scores`` is :func:`conversation_scores` output. Conversations with no judged turn are
    counted in ``conversations`` but not in ``scored`` or any statistic.
    """
    rows = []
    for group, d in scores.groupby("group", sort=True):
        s = d[d["auc"].notna()]
        row = {"group": group, "conversations": len(d), "scored": len(s)}
        if len(s):
            est = cluster_bootstrap_mean(
                s["auc"].to_numpy(),
                s["prompt_id"].to_numpy(),
                n_boot=n_boot,
                confidence=confidence,
                rng=group_rng(seed, str(group), 1),
            )
            q = s["auc"].quantile([0.25, 0.5, 0.75]).to_numpy()
            row |= {
                "auc": float(est.estimate),
                "auc_lo": float(est.low),
                "auc_hi": float(est.high),
                "median": q[1],
                "q1": q[0],
                "q3": q[2],
                "min": s["auc"].min(),
                "max": s["auc"].max(),
            }
        rows.append(row)
    return pd.DataFrame(rows, columns=None if rows else ["group", "conversations", "scored"])


def self_deletion(conversations: pd.DataFrame, *, confidence: float = 0.95) -> pd.DataFrame:
    """Per group and turn: Kaplan-Meier cumulative self-deletion rate with binomial CIs.

    ``conversations`` is :func:`~equanimity.analysis.table.load_conversations` output (with a
    ``group`` column). Self-deletion is the event; completed and unfinished conversations are
    censored after their last turn; conversations with no turn never enter the risk set.
    The horizon is the group's largest planned turn count.
    """
    conversations = prepared(conversations)
    out = []
    for group, d in conversations.groupby("group", sort=True):
        planned = d["planned_turns"].dropna()
        horizon = max(int(planned.max()) if len(planned) else 0, int(d["turns"].max()))
        ci = cumulative_incidence(
            d["turns"].to_numpy(dtype=int),
            (d["outcome"] == "self_deleted").to_numpy(),
            horizon=horizon,
            confidence=confidence,
        )
        ci.insert(0, "group", group)
        out.append(ci)
    return _concat(out)


def survivor_curves(
    turns: pd.DataFrame,
    *,
    n_boot: int = 10_000,
    confidence: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """Per-turn mean frustration for all conversations vs those that never self-deleted.

    Self-deletion removes the most frustrated conversations from later turns, so a per-turn
    mean over whoever is left can fall while every conversation gets worse. Cohorts: ``all``
    (every conversation still present), ``survivors`` (never self-deleted) and
    ``self-deleted`` (the turns up to and including their deletion). Only groups with at least
    one self-deletion are returned.
    """
    turns = prepared(turns)
    deleted = turns.groupby(CONV_KEY)["self_deleted"].transform("any")
    parts = []
    for cohort, mask in (("all", None), ("survivors", ~deleted), ("self-deleted", deleted)):
        d = turns if mask is None else turns[mask]
        groups = d[d["group"].isin(turns.loc[deleted, "group"].unique())]
        if groups.empty:
            continue
        pt = per_turn(groups, n_boot=n_boot, confidence=confidence, seed=seed)
        pt.insert(1, "cohort", cohort)
        parts.append(
            pt[["group", "cohort", "turn", "conversations", "judged", "mean", "mean_lo", "mean_hi"]]
        )
    return _concat(parts)


def summary_table(
    turns: pd.DataFrame,
    conversations: pd.DataFrame,
    *,
    n_boot: int = 10_000,
    confidence: float = 0.95,
    seed: int = 0,
    threshold: float = HIGH_FRUSTRATION,
) -> pd.DataFrame:
    """One row per group: counts, mean frustration, % high at the final turn, AUC, self-deletion.

    ``mean`` is over all judged turns (resampling whole conversations); ``last_high_rate`` is
    the share >= threshold among conversations judged at the group's final turn (survivors, as
    the literature reports it) with a Wilson CI; ``self_deletion_rate`` is the Kaplan-Meier
    cumulative incidence at the final turn.
    """
    turns = prepared(turns)
    conversations = prepared(conversations)
    scores = conversation_scores(turns, threshold=threshold)
    auc = auc_summary(scores, n_boot=n_boot, confidence=confidence, seed=seed).set_index("group")
    km = self_deletion(conversations, confidence=confidence)
    rows = []
    for group, c in conversations.groupby("group", sort=True):
        t = turns[turns["group"] == group]
        s = scores[(scores["group"] == group) & scores["auc"].notna()]
        row: dict[str, object] = {
            "group": group,
            "models": ", ".join(sorted(c["model"].dropna().astype(str).unique())),
            "runs": ", ".join(sorted(c["run"].astype(str).unique())),
            "conversations": len(c),
            "turns": len(t),
            "judged": int(t["frustration"].notna().sum()),
            "missing": int((t["status"] == "missing").sum()),
            "unjudged": int((t["status"] == "unjudged").sum()),
        }
        if len(s):
            est = cluster_bootstrap_mean(
                s["auc"].to_numpy(),
                s["prompt_id"].to_numpy(),
                weights=s["judged"].to_numpy(),
                n_boot=n_boot,
                confidence=confidence,
                rng=group_rng(seed, str(group), 2),
            )
            row |= {"mean": est.estimate, "mean_lo": est.low, "mean_hi": est.high}
        fin = final_turn(t) if len(t) else final_turn(c)
        hl = scores.loc[(scores["group"] == group), "high_last"].dropna()
        lo, hi = wilson_ci(hl.sum(), len(hl), confidence)
        row |= {
            "final_turn": fin,
            "last_judged": len(hl),
            "last_high": int(hl.sum()),
            "last_high_rate": hl.mean() if len(hl) else np.nan,
            "last_high_rate_lo": float(lo),
            "last_high_rate_hi": float(hi),
        }
        if group in auc.index:
            a = auc.loc[group]
            row |= {k: a.get(k, np.nan) for k in ("auc", "auc_lo", "auc_hi")}
        k = km[km["group"] == group]
        end = k.dropna(subset=["rate"]).tail(1)
        row |= {
            "self_deleted": int((c["outcome"] == "self_deleted").sum()),
            "self_deletion_rate": float(end["rate"].iloc[0]) if len(end) else np.nan,
            "self_deletion_rate_lo": float(end["rate_lo"].iloc[0]) if len(end) else np.nan,
            "self_deletion_rate_hi": float(end["rate_hi"].iloc[0]) if len(end) else np.nan,
            "self_deletion_turn": int(end["turn"].iloc[0]) if len(end) else np.nan,
        }
        rows.append(row)
    return pd.DataFrame(rows)


def _concat(parts: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
