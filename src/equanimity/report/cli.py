"""``equanimity report RUN [RUN...]``: write the self-contained HTML report and print its path."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("report")
@click.argument(
    "runs", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path)
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Output file (default: RUN/report.html of the first run).",
)
@click.option("--judge", default=None, help="Judge to report (default: the one with most scores).")
@click.option("--n-boot", default=10_000, show_default=True, help="Bootstrap resamples.")
@click.option("--seed", default=0, show_default=True, help="Seed for resampling.")
def report(
    runs: tuple[Path, ...], out: Path | None, judge: str | None, n_boot: int, seed: int
) -> None:
    """Build one HTML report (tables, figures, transcripts) for RUN(s); works offline."""
    from equanimity.report.html import build_report

    try:
        path = build_report(list(runs), out=out, judge=judge, n_boot=n_boot, seed=seed)
    except (ValueError, FileNotFoundError) as e:
        raise click.ClickException(str(e)) from e
    click.echo(str(path))
