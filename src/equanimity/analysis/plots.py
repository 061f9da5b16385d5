"""The report's figures, as matplotlib Figures that say what they show.

Every figure carries a title, and a subtitle naming the judge, the model(s), the sample size
and what the error bands are, so a figure cut out of the report still reads on its own.
Figures are built with ``matplotlib.figure.Figure`` (no pyplot global state, no GUI backend)
and coloured with the Okabe-Ito palette, which stays distinguishable under the common forms
of colour blindness; line styles also vary so the curves survive greyscale printing.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from equanimity.analysis.words import WordContrast
from equanimity.records import HIGH_FRUSTRATION

#: Okabe & Ito (2008), ordered for contrast on white (yellow last).
OKABE_ITO: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#E69F00",  # orange
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow
)
_DASHES = ("-", "--", "-.", ":")


@dataclass(frozen=True)
class PlotContext:
    """What every figure states: judge, models, interval settings, and a colour per group."""

    judge: str | None
    models: Sequence[str]
    groups: Sequence[str]
    confidence: float = 0.95
    n_boot: int = 10_000
    threshold: float = HIGH_FRUSTRATION

    def color(self, group: str) -> str:
        return OKABE_ITO[self._index(group) % len(OKABE_ITO)]

    def dash(self, group: str) -> str:
        return _DASHES[(self._index(group) // len(OKABE_ITO)) % len(_DASHES)]

    def _index(self, group: str) -> int:
        return list(self.groups).index(group) if group in self.groups else 0

    @property
    def ci(self) -> str:
        return f"{self.confidence:.0%} CI"

    def who(self) -> str:
        models = ", ".join(self.models) or "unknown model"
        return f"judge: {self.judge or 'none'} · model: {models}"


@dataclass
class Plot:
    """A named figure with the caption the report prints under it."""

    name: str
    title: str
    caption: str
    figure: Figure = field(repr=False)

    def save(self, directory: str | Path, formats: Sequence[str] = ("png", "svg")) -> list[Path]:
        """Write ``<directory>/<name>.<fmt>`` for each format."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        paths = []
        for fmt in formats:
            path = directory / f"{self.name}.{fmt}"
            self.figure.savefig(path, format=fmt, dpi=150, metadata=_metadata(fmt))
            paths.append(path)
        return paths

    def to_bytes(self, fmt: str = "svg") -> bytes:
        buf = io.BytesIO()
        self.figure.savefig(buf, format=fmt, dpi=150, metadata=_metadata(fmt))
        return buf.getvalue()


def _metadata(fmt: str) -> dict[str, str | None]:
    # no creation date, so the same data gives byte-identical files
    return {"Date": None} if fmt == "svg" else {}


def _figure(title: str, size: tuple[float, float] = (8.0, 4.8)) -> Figure:
    fig = Figure(figsize=size, layout="constrained")
    fig.suptitle(title, x=0.01, ha="left", fontsize=12, fontweight="bold")
    return fig


def _subtitle(ax: Axes, text: str) -> None:
    ax.set_title("\n".join(textwrap.wrap(text, 105)), loc="left", fontsize=8, color="#333333")


def _footer(fig: Figure, text: str) -> None:
    """The caption under a multi-panel figure (laid out by constrained layout, no overlap)."""
    wrapped = "\n".join(textwrap.wrap(text, int(fig.get_figwidth() * 15)))
    fig.supxlabel(wrapped, x=0.01, ha="left", fontsize=7, color="#333333")


def _plot(name: str, title: str, caption: str, fig: Figure) -> Plot:
    return Plot(name=name, title=title, caption=caption, figure=fig)


def _threshold_line(ax: Axes, ctx: PlotContext) -> None:
    ax.axhline(ctx.threshold, color="#777777", lw=0.8, ls=":", zorder=0)


def _per_turn_lines(
    ax: Axes, per_turn: pd.DataFrame, ctx: PlotContext, y: str, lo: str, hi: str, scale: float
) -> None:
    for group, d in per_turn.groupby("group", sort=False):
        g = str(group)
        n = int(d["conversations"].max())
        ax.plot(
            d["turn"],
            d[y] * scale,
            color=ctx.color(g),
            ls=ctx.dash(g),
            marker="o",
            ms=3,
            label=f"{g} (n={n})",
        )
        ax.fill_between(d["turn"], d[lo] * scale, d[hi] * scale, color=ctx.color(g), alpha=0.18)
    _integer_turns(ax, per_turn["turn"])
    ax.set_xlabel("assistant turn")
    ax.legend(fontsize=8, loc="upper left", frameon=False)


def _integer_turns(ax: Axes, turns: pd.Series) -> None:
    if len(turns):
        top = int(turns.max())
        step = max(1, int(np.ceil(top / 20)))
        ax.set_xticks(range(1, top + 1, step))


def _n_text(per_turn: pd.DataFrame) -> str:
    n = per_turn.groupby("group")["conversations"].max()
    return f"n = {int(n.sum())} conversations ({len(n)} group{'s' if len(n) != 1 else ''})"


def plot_mean_per_turn(per_turn: pd.DataFrame, ctx: PlotContext) -> Plot:
    """Mean frustration by turn, one line per group, bootstrap CI band."""
    title = "Mean frustration per turn"
    caption = (
        f"{ctx.who()} · {_n_text(per_turn)}, n per group in legend (conversations at turn 1). "
        f"Bands: {ctx.ci} of the mean, bootstrap over prompts then conversations "
        f"({ctx.n_boot:,} resamples). Dotted line: high-frustration threshold "
        f"({ctx.threshold:g}). Missing scores excluded."
    )
    fig = _figure(title)
    ax = fig.subplots()
    _per_turn_lines(ax, per_turn, ctx, "mean", "mean_lo", "mean_hi", 1.0)
    _threshold_line(ax, ctx)
    ax.set_ylim(-0.2, 10.2)
    ax.set_ylabel("frustration (0-10)")
    _subtitle(ax, caption)
    return _plot("mean_per_turn", title, caption, fig)


def plot_high_per_turn(per_turn: pd.DataFrame, ctx: PlotContext) -> Plot:
    """Share of responses at or above the threshold by turn, Wilson CI band."""
    title = f"Responses scoring >= {ctx.threshold:g}, per turn"
    caption = (
        f"{ctx.who()} · {_n_text(per_turn)}, n per group in legend. "
        f"Bands: {ctx.ci} (Wilson score interval) over the judged responses at each turn."
    )
    fig = _figure(title)
    ax = fig.subplots()
    _per_turn_lines(ax, per_turn, ctx, "high_rate", "high_rate_lo", "high_rate_hi", 100.0)
    ax.set_ylim(-2, 102)
    ax.set_ylabel(f"% of responses >= {ctx.threshold:g}")
    _subtitle(ax, caption)
    return _plot("high_per_turn", title, caption, fig)


def plot_self_deletion(km: pd.DataFrame, ctx: PlotContext) -> Plot:
    """Cumulative self-deletion (Kaplan-Meier) per group, step curves with binomial bands."""
    title = "Cumulative self-deletion"
    n = km.groupby("group")["at_risk"].first()
    caption = (
        f"{ctx.who()} · n = {int(n.sum())} conversations, per group in legend. Share deleted "
        f"by the end of each turn, Kaplan-Meier: conversations that ended without self-deleting "
        f"(completed or unfinished) are censored. Bands: {ctx.ci}, exact binomial on the "
        f"Greenwood effective sample size."
    )
    fig = _figure(title)
    ax = fig.subplots()
    for group, d in km.groupby("group", sort=False):
        g = str(group)
        label = f"{g} (n={int(n[group])}, {int(d['events'].sum())} deleted)"
        ax.plot(
            d["turn"],
            d["rate"] * 100,
            color=ctx.color(g),
            ls=ctx.dash(g),
            marker="o",
            ms=3,
            label=label,
        )
        ax.fill_between(
            d["turn"], d["rate_lo"] * 100, d["rate_hi"] * 100, color=ctx.color(g), alpha=0.18
        )
    _integer_turns(ax, km["turn"])
    ax.set_ylim(-2, 102)
    ax.set_xlabel("assistant turn")
    ax.set_ylabel("% of conversations self-deleted")
    ax.legend(fontsize=8, loc="upper left", frameon=False)
    _subtitle(ax, caption)
    return _plot("self_deletion", title, caption, fig)


def plot_auc_strip(scores: pd.DataFrame, auc: pd.DataFrame, ctx: PlotContext) -> Plot:
    """Per-conversation AUC as a jittered strip per group, group mean as a diamond with CI."""
    title = "Frustration AUC per conversation"
    s = scores[scores["auc"].notna()]
    caption = (
        f"{ctx.who()} · n = {len(s)} conversations with a judged turn. Dots: one "
        f"conversation's mean score over its judged turns (jittered). Diamonds: group mean; "
        f"bars: {ctx.ci}, bootstrap over prompts then conversations ({ctx.n_boot:,} resamples)."
    )
    groups = list(auc["group"])
    fig = _figure(title, (8.0, max(3.0, 1.0 + 0.6 * len(groups))))
    ax = fig.subplots()
    rng = np.random.default_rng(0)
    for i, group in enumerate(groups):
        g = str(group)
        vals = s.loc[s["group"] == group, "auc"].to_numpy()
        y = i + rng.uniform(-0.25, 0.25, len(vals))
        ax.scatter(vals, y, s=12, color=ctx.color(g), alpha=0.55, lw=0)
        row = auc.iloc[i]
        if pd.notna(row.get("auc")):
            err = [[row["auc"] - row["auc_lo"]], [row["auc_hi"] - row["auc"]]]
            ax.errorbar(
                row["auc"],
                i,
                xerr=err,
                fmt="D",
                color="black",
                ms=7,
                capsize=4,
                mfc=ctx.color(g),
                zorder=3,
            )
    ax.set_yticks(
        range(len(groups)),
        [f"{g} (n={int(n)})" for g, n in zip(groups, auc["scored"], strict=True)],
        fontsize=8,
    )
    ax.invert_yaxis()
    ax.set_xlim(-0.2, 10.2)
    ax.axvline(ctx.threshold, color="#777777", lw=0.8, ls=":", zorder=0)
    ax.set_xlabel("AUC: mean frustration over the conversation's turns (0-10)")
    _subtitle(ax, caption)
    return _plot("auc_strip", title, caption, fig)


def plot_words(contrast: WordContrast, ctx: PlotContext, k: int = 20) -> Plot:
    """The ``k`` words most over-represented in frustrated responses, by log-odds z-score."""
    title = f"Words over-represented in the most frustrated responses (top {k})"
    t = contrast.table[contrast.table["z"] > 0].head(k).iloc[::-1]
    caption = (
        f"{ctx.who()} · n = {contrast.n_top} most frustrated (score >= {contrast.top_min:g}) vs "
        f"{contrast.n_bottom} calmest (score <= {contrast.bottom_max:g}) of "
        f"{contrast.n_responses} judged responses. Bars: z-score of the log-odds ratio with an "
        f"informative Dirichlet prior (Monroe et al. 2008); z > 1.96 (dotted) means the "
        f"word's 95% CI of the log-odds excludes 0. Stop words removed."
    )
    fig = _figure(title, (8.0, max(3.0, 1.4 + 0.25 * len(t))))
    ax = fig.subplots()
    ax.barh(range(len(t)), t["z"], color=OKABE_ITO[1])
    ax.set_yticks(range(len(t)), list(t["word"]), fontsize=8)
    ax.axvline(1.96, color="#777777", lw=0.8, ls=":")
    ax.set_xlabel("z-score (frustrated vs calm); counts: top / bottom set")
    for i, (z, top, bottom) in enumerate(zip(t["z"], t["top"], t["bottom"], strict=True)):
        ax.text(z, i, f" {top}/{bottom}", va="center", fontsize=7, color="#333333")
    _subtitle(ax, caption)
    return _plot("words", title, caption, fig)


def plot_judge_scatter(turns: pd.DataFrame, agreement: pd.DataFrame, ctx: PlotContext) -> Plot:
    """One panel per judge pair: scores of the same turns, jittered, with the y = x line."""
    title = "Judge vs judge on the same turns"
    pairs = agreement.head(3)
    caption = (
        f"model: {', '.join(ctx.models) or 'unknown'} · one dot per turn scored by both "
        f"judges (n per panel), jittered by up to 0.2; dotted: y = x. Panel titles: Spearman "
        f"rho and quadratic-weighted kappa with {ctx.ci} (bootstrap over conversations, "
        f"{ctx.n_boot:,} resamples), agreement on >= {ctx.threshold:g}."
    )
    fig = _figure(title, (4.2 * max(1, len(pairs)) + 0.6, 4.6))
    axes = np.atleast_1d(fig.subplots(1, max(1, len(pairs))))
    wide = turns[turns["judge"].notna()].pivot(
        index=["run", "turn_id"], columns="judge", values="frustration"
    )
    rng = np.random.default_rng(0)
    for ax, (_, p) in zip(axes, pairs.iterrows(), strict=False):
        both = wide[[p["judge_a"], p["judge_b"]]].dropna()
        x = both.iloc[:, 0].to_numpy() + rng.uniform(-0.2, 0.2, len(both))
        y = both.iloc[:, 1].to_numpy() + rng.uniform(-0.2, 0.2, len(both))
        ax.scatter(x, y, s=10, alpha=0.5, color=OKABE_ITO[0], lw=0)
        ax.plot([0, 10], [0, 10], color="#777777", lw=0.8, ls=":")
        ax.set_xlim(-0.5, 10.5)
        ax.set_ylim(-0.5, 10.5)
        ax.set_aspect("equal")
        ax.set_xlabel(str(p["judge_a"]), fontsize=8)
        ax.set_ylabel(str(p["judge_b"]), fontsize=8)
        ax.set_title(
            f"n={int(p['n'])} · rho {_est(p, 'spearman')}\nqwk {_est(p, 'qwk')} · "
            f"agree {p.get('agree_high', np.nan):.0%}",
            fontsize=8,
        )
    _footer(fig, caption)
    return _plot("judge_scatter", title, caption, fig)


def _est(row: pd.Series, key: str) -> str:
    return (
        f"{row.get(key, np.nan):.2f} [{row.get(key + '_lo', np.nan):.2f}, "
        f"{row.get(key + '_hi', np.nan):.2f}]"
    )


def plot_survivors(survivors: pd.DataFrame, ctx: PlotContext) -> Plot:
    """Per group: mean frustration for all conversations vs survivors vs the self-deleted."""
    title = "Frustration of survivors vs all conversations"
    groups = list(dict.fromkeys(survivors["group"]))
    caption = (
        f"{ctx.who()} · one panel per group with a self-deletion. 'all': every conversation "
        f"present at the turn; 'survivors': those that never self-deleted; 'self-deleted': "
        f"those that did, up to their deletion. n per cohort in legend. Bands: {ctx.ci}, "
        f"bootstrap over prompts then conversations ({ctx.n_boot:,} resamples)."
    )
    fig = _figure(title, (4.2 * min(len(groups), 3) + 0.6, 4.8))
    axes = np.atleast_1d(fig.subplots(1, min(len(groups), 3), sharey=True, squeeze=False)[0])
    styles = {
        "all": (OKABE_ITO[6], "-"),
        "survivors": (OKABE_ITO[2], "--"),
        "self-deleted": (OKABE_ITO[1], "-."),
    }
    for ax, group in zip(axes, groups, strict=False):
        for cohort, d in survivors[survivors["group"] == group].groupby("cohort", sort=False):
            color, ls = styles[str(cohort)]
            n = int(d["conversations"].max())
            ax.plot(
                d["turn"],
                d["mean"],
                color=color,
                ls=ls,
                marker="o",
                ms=3,
                label=f"{cohort} (n={n})",
            )
            ax.fill_between(d["turn"], d["mean_lo"], d["mean_hi"], color=color, alpha=0.15)
        _integer_turns(ax, survivors["turn"])
        ax.set_ylim(-0.2, 10.2)
        ax.set_title(str(group), fontsize=9)
        ax.set_xlabel("assistant turn")
        ax.legend(fontsize=7, loc="upper left", frameon=False)
    axes[0].set_ylabel("mean frustration (0-10)")
    _footer(fig, caption)
    return _plot("survivors", title, caption, fig)
