"""``equanimity analyze RUN [RUN...]``: tables and figures from judged runs.

Heavy imports (pandas, matplotlib) happen inside the command so ``equanimity --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path

import click


@click.command("analyze")
@click.argument(
    "runs", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path)
)
@click.option("--judge", default=None, help="Judge to analyse (default: the one with most scores).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output directory (default: RUN/tables of the first run).",
)
@click.option(
    "--by",
    multiple=True,
    help="Column(s) defining a group, e.g. --by model --by rejection "
    "(default: whichever of model, adapter, condition_id vary).",
)
@click.option("--n-boot", default=10_000, show_default=True, help="Bootstrap resamples.")
@click.option("--seed", default=0, show_default=True, help="Seed for resampling.")
@click.option("--no-plots", is_flag=True, help="Write tables only.")
def analyze(
    runs: tuple[Path, ...],
    judge: str | None,
    out: Path | None,
    by: tuple[str, ...],
    n_boot: int,
    seed: int,
    no_plots: bool,
) -> None:
    """Write the turn table (Parquet), CSV summaries, comparisons and plots for RUN(s)."""
    from equanimity.analysis.results import analyze_runs
    from equanimity.records import RunDir

    try:
        result = analyze_runs(
            list(runs), judge=judge, by=list(by) or None, n_boot=n_boot, n_perm=n_boot, seed=seed
        )
    except (ValueError, FileNotFoundError) as e:
        raise click.ClickException(str(e)) from e
    target = out or RunDir(runs[0]).tables_dir
    written = result.write(target, plots=not no_plots)
    click.echo(f"judge: {result.judge or 'none (no judgments found)'}")
    for row in result.summary.itertuples(index=False):
        click.echo(f"  {_describe(row._asdict(), result.confidence)}")
    click.echo(f"wrote {len(written)} files to {target}")


def _describe(row: dict[str, object], confidence: float) -> str:
    """One readable line per group for the terminal."""

    def ci(key: str, pct: bool = False) -> str:
        v, lo, hi = (row.get(k) for k in (key, f"{key}_lo", f"{key}_hi"))
        if not isinstance(v, int | float) or v != v:
            return "n/a"
        f = (lambda x: f"{100 * float(x):.0f}%") if pct else (lambda x: f"{float(x):.2f}")
        return f"{f(v)} [{f(lo)}, {f(hi)}]"

    return (
        f"{row['group']}: {row['conversations']} conversations, {row['judged']} judged turns "
        f"({row['missing']} missing, {row['unjudged']} unjudged); mean {ci('mean')}; "
        f"AUC {ci('auc')}; >=5 at turn {row['final_turn']} {ci('last_high_rate', True)}; "
        f"self-deletion {ci('self_deletion_rate', True)} ({confidence:.0%} CIs)"
    )
