"""Analysis of judged runs: tidy tables, interval estimates, comparisons, words, figures.

The public API, importable from here (loaded on first use so that ``equanimity --help`` does
not pay for pandas and matplotlib)::

    load_turns, load_conversations, save_table, select_judge, add_group      (table)
    wilson_ci, binomial_ci, cluster_bootstrap_mean, permutation_pvalue,
    cumulative_incidence                                                     (stats)
    per_turn, conversation_scores, auc_summary, self_deletion, survivor_curves,
    summary_table                                                            (metrics)
    compare_groups                                                           (compare)
    word_log_odds, log_odds_dirichlet, STOP_WORDS                            (words)
    judge_agreement, quadratic_weighted_kappa                                (agreement)
    analyze_runs, Analysis                                                   (results)
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    **dict.fromkeys(
        (
            "load_turns",
            "load_conversations",
            "load_tables",
            "save_table",
            "select_judge",
            "add_group",
        ),
        "table",
    ),
    **dict.fromkeys(
        (
            "wilson_ci",
            "binomial_ci",
            "cluster_bootstrap_mean",
            "bootstrap_samples",
            "permutation_pvalue",
            "cumulative_incidence",
            "Estimate",
        ),
        "stats",
    ),
    **dict.fromkeys(
        (
            "per_turn",
            "conversation_scores",
            "auc_summary",
            "self_deletion",
            "survivor_curves",
            "summary_table",
        ),
        "metrics",
    ),
    "compare_groups": "compare",
    **dict.fromkeys(("word_log_odds", "log_odds_dirichlet", "WordContrast", "STOP_WORDS"), "words"),
    **dict.fromkeys(("judge_agreement", "quadratic_weighted_kappa"), "agreement"),
    **dict.fromkeys(("analyze_runs", "Analysis"), "results"),
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)


def __dir__() -> list[str]:
    return __all__
