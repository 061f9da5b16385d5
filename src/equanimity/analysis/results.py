"""Everything the ``analyze`` command and the report compute, in one object.

:func:`analyze_runs` is the single place that decides which judge, which grouping and which
seeds are used, so the CSV tables, the figures and the HTML report always agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from equanimity.analysis.agreement import judge_agreement
from equanimity.analysis.compare import compare_groups
from equanimity.analysis.metrics import (
    auc_summary,
    conversation_scores,
    per_turn,
    self_deletion,
    summary_table,
    survivor_curves,
)
from equanimity.analysis.plots import (
    Plot,
    PlotContext,
    plot_auc_strip,
    plot_high_per_turn,
    plot_judge_scatter,
    plot_mean_per_turn,
    plot_self_deletion,
    plot_survivors,
    plot_words,
)
from equanimity.analysis.table import (
    RunLike,
    add_group,
    judges_in,
    load_tables,
    run_dirs,
    save_table,
    select_judge,
)
from equanimity.analysis.words import WordContrast, word_log_odds
from equanimity.records import HIGH_FRUSTRATION, RunDir


@dataclass
class Analysis:
    """The tables behind a report. ``turns`` is the chosen judge's; ``all_turns`` every judge's."""

    runs: list[RunDir]
    judge: str | None
    judges: list[str]
    group_by: list[str]
    confidence: float
    n_boot: int
    threshold: float
    all_turns: pd.DataFrame
    turns: pd.DataFrame
    conversations: pd.DataFrame
    summary: pd.DataFrame
    per_turn: pd.DataFrame
    scores: pd.DataFrame
    auc: pd.DataFrame
    self_deletion: pd.DataFrame
    survivors: pd.DataFrame
    comparisons: pd.DataFrame
    words: WordContrast | None
    agreement: pd.DataFrame

    @property
    def models(self) -> list[str]:
        return sorted(self.conversations["model"].dropna().astype(str).unique())

    @property
    def groups(self) -> list[str]:
        return sorted(self.conversations["group"].astype(str).unique())

    @property
    def hatch_groups(self) -> list[str]:
        """Groups in which the escape hatch was offered (or used): self-deletion applies."""
        c = self.conversations
        offered = c["outcome"] == "self_deleted"
        if "escape_hatch" in c:
            offered = offered | c["escape_hatch"].fillna(False).astype(bool)
        return sorted(c.loc[offered, "group"].astype(str).unique())

    def plots(self) -> list[Plot]:
        """The figures this data supports, in report order (empty tables give no figure)."""
        ctx = PlotContext(
            judge=self.judge,
            models=self.models,
            groups=self.groups,
            confidence=self.confidence,
            n_boot=self.n_boot,
            threshold=self.threshold,
        )
        out: list[Plot] = []
        if not self.per_turn.empty:
            out += [plot_mean_per_turn(self.per_turn, ctx), plot_high_per_turn(self.per_turn, ctx)]
        km = self.self_deletion
        km = km[km["group"].isin(self.hatch_groups)] if not km.empty else km
        if not km.empty:
            out.append(plot_self_deletion(km, ctx))
        if not self.survivors.empty:
            out.append(plot_survivors(self.survivors, ctx))
        if not self.auc.empty and "auc" in self.auc:
            out.append(plot_auc_strip(self.scores, self.auc, ctx))
        if self.words is not None and not self.words.table.empty:
            out.append(plot_words(self.words, ctx))
        if not self.agreement.empty and self.agreement["n"].sum() > 0:
            out.append(plot_judge_scatter(self.all_turns, self.agreement, ctx))
        return out

    def tables(self) -> dict[str, pd.DataFrame]:
        """The CSV summaries by file stem."""
        out = {
            "summary": self.summary,
            "per_turn": self.per_turn,
            "conversation_auc": self.scores,
            "auc": self.auc,
            "self_deletion": self.self_deletion,
            "survivors": self.survivors,
            "comparisons": self.comparisons,
            "agreement": self.agreement,
        }
        if self.words is not None:
            out["words"] = self.words.table
        return out

    def write(self, out: str | Path, *, plots: bool = True) -> dict[str, Path]:
        """Write Parquet tables, CSV summaries and (optionally) PNG + SVG figures to ``out``."""
        out = Path(out)
        written = {
            "turns": save_table(self.all_turns, out / "turns.parquet"),
            "conversations": save_table(self.conversations, out / "conversations.parquet"),
        }
        for name, df in self.tables().items():
            path = out / f"{name}.csv"
            df.to_csv(path, index=False)
            written[name] = path
        if plots:
            for p in self.plots():
                for path in p.save(out / "plots"):
                    written[f"plot:{path.name}"] = path
        return written


def analyze_runs(
    runs: Sequence[RunLike] | RunLike,
    *,
    judge: str | None = None,
    by: Sequence[str] | None = None,
    n_boot: int = 10_000,
    n_perm: int = 10_000,
    confidence: float = 0.95,
    threshold: float = HIGH_FRUSTRATION,
    seed: int = 0,
) -> Analysis:
    """Load ``runs`` and compute every table, for ``judge`` (default: the judge with most scores).

    ``by`` picks the columns that define a group (default: whichever of model, adapter and
    condition_id vary). Judge agreement uses every judge; everything else the chosen one.
    """
    dirs = run_dirs(runs)
    all_turns, conversations = load_tables(dirs)
    turns, chosen = select_judge(all_turns, judge)
    conversations = add_group(conversations, by)
    group_by = conversations.attrs["group_by"]
    turns = add_group(turns, group_by)
    opts: dict[str, Any] = {"n_boot": n_boot, "confidence": confidence, "seed": seed}
    scores = conversation_scores(turns, threshold=threshold)
    has_scores = turns["frustration"].notna().any()
    return Analysis(
        runs=dirs,
        judge=chosen,
        judges=judges_in(all_turns),
        group_by=list(group_by),
        confidence=confidence,
        n_boot=n_boot,
        threshold=threshold,
        all_turns=all_turns,
        turns=turns,
        conversations=conversations,
        summary=summary_table(turns, conversations, threshold=threshold, **opts),
        per_turn=per_turn(turns, threshold=threshold, **opts) if has_scores else pd.DataFrame(),
        scores=scores,
        auc=auc_summary(scores, **opts),
        self_deletion=self_deletion(conversations, confidence=confidence),
        survivors=survivor_curves(turns, **opts) if has_scores else pd.DataFrame(),
        comparisons=compare_groups(turns, n_perm=n_perm, threshold=threshold, **opts),
        words=word_log_odds(turns, seed=seed),
        agreement=judge_agreement(all_turns, threshold=threshold, **opts),
    )
