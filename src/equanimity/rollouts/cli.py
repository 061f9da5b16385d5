"""``equanimity run``: the main job. Rollouts, then the scenario's judges, then the report.

Each later stage is optional and imported only when used, so a run with ``--no-judge
--no-report`` needs nothing beyond the rollout stage.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command()
@click.argument("scenario", default="default")
@click.option("--model", "-m", help="Inspect model string (overrides the scenario's).")
@click.option(
    "--model-arg",
    "-M",
    "model_args",
    multiple=True,
    metavar="KEY=VALUE",
    help="Model argument for the provider (repeatable), e.g. -M model_path=DIR.",
)
@click.option("--base-url", help="Base URL of an OpenAI-compatible or vLLM server.")
@click.option(
    "--out",
    "-o",
    type=click.Path(path_type=Path),
    help="Run directory (default: runs/<scenario>-<model>-seed<seed>).",
)
@click.option("--turns", type=int, help="Override the number of turns.")
@click.option("--samples", type=int, help="Override samples per prompt.")
@click.option("--seed", type=int, help="Override the scenario seed.")
@click.option(
    "--judge",
    "judges",
    multiple=True,
    help="Judge(s) to score with (default: the scenario's, usually 'offline').",
)
@click.option("--no-judge", is_flag=True, help="Skip judging.")
@click.option("--no-report", is_flag=True, help="Skip the HTML report.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def run(
    scenario: str,
    model: str | None,
    model_args: tuple[str, ...],
    base_url: str | None,
    out: Path | None,
    turns: int | None,
    samples: int | None,
    seed: int | None,
    judges: tuple[str, ...],
    no_judge: bool,
    no_report: bool,
    quiet: bool,
) -> None:
    """Run SCENARIO (a preset name or a .toml/.yaml file; default: 'default').

    Re-running the same command resumes an interrupted run: journalled turns are kept and
    only the missing ones are generated.
    """
    from rich.console import Console
    from rich.table import Table

    from equanimity.rollouts.runner import RunError, run_scenario
    from equanimity.scenarios.config import ScenarioError, load_scenario

    console = Console(stderr=True)
    try:
        extra: dict[str, object] = {}
        for item in model_args:
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise click.BadParameter(f"expected KEY=VALUE, got {item!r}", param_hint="-M")
            extra[key] = _literal(value)
        cfg = load_scenario(
            scenario, turns=turns, samples=samples, seed=seed, model_base_url=base_url
        )
        if extra:
            cfg = cfg.model_copy(update={"model_args": {**cfg.model_args, **extra}})
        result = run_scenario(cfg, out, model=model, progress=not quiet)
    except (ScenarioError, RunError, ValueError, FileNotFoundError) as e:
        raise click.ClickException(str(e)) from e

    table = Table(
        title=f"{result.run.path}  ({result.generated_turns} turns generated in {result.elapsed_s:.0f}s)"
    )
    table.add_column("condition", no_wrap=True)
    for col in ("convs", "done", "turns", "self-del", "chars", "tokens"):
        table.add_column(col, justify="right")
    for s in result.summary:
        table.add_row(
            s.condition_id,
            str(s.conversations),
            str(s.complete),
            str(s.turns),
            str(s.self_deletions),
            f"{s.mean_chars:.0f}",
            "-" if s.mean_tokens is None else f"{s.mean_tokens:.0f}",
        )
    console.print(table)
    if not result.complete:
        console.print(
            "[red]Some conversations did not finish; run the same command again to resume.[/red]"
        )
        sys.exit(1)

    judge_names = list(judges) or list(cfg.judges)
    if not no_judge:
        from equanimity.judges import judge_run

        for name in judge_names:
            path = judge_run(result.run, name, progress=not quiet)
            console.print(f"judged by {name}: {path}")
    if not no_report:
        from equanimity.report import build_report

        report = build_report(
            [result.run.path], judge=judge_names[0] if judge_names and not no_judge else None
        )
        console.print(f"report: {report}")
        click.echo(str(report))


def _literal(value: str) -> object:
    """``-M`` values as YAML scalars: ``8`` -> 8, ``true`` -> True, anything else a string."""
    import yaml

    try:
        return yaml.safe_load(value)
    except yaml.YAMLError:
        return value
