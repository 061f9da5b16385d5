"""``equanimity scenarios``: what can be run, and what a scenario expands to."""

from __future__ import annotations

from collections import Counter

import click


@click.group()
def scenarios() -> None:
    """List presets and question families; show or plan a scenario."""


@scenarios.command("list")
def list_cmd() -> None:
    """Presets and built-in question families."""
    from equanimity.scenarios.config import list_presets, load_scenario
    from equanimity.scenarios.families import describe_families

    click.echo("Presets (equanimity run NAME):")
    for name in list_presets():
        click.echo(f"  {name:<14} {load_scenario(name).description}")
    click.echo("\nQuestion families:")
    for fam in describe_families():
        click.echo(f"  {fam['name']:<18} {fam['count']:>4}  {fam['description']}")


@scenarios.command("show")
@click.argument("scenario")
def show_cmd(scenario: str) -> None:
    """Print SCENARIO (preset or file) with every default filled in, as YAML."""
    from equanimity.scenarios.config import ScenarioError, load_scenario

    try:
        click.echo(load_scenario(scenario).to_yaml())
    except ScenarioError as e:
        raise click.ClickException(str(e)) from e


@scenarios.command("plan")
@click.argument("scenario")
@click.option("--model", "-m")
def plan_cmd(scenario: str, model: str | None) -> None:
    """Expand SCENARIO's grid and count conversations and turns, without running anything."""
    from equanimity.scenarios.config import ScenarioError, load_scenario
    from equanimity.scenarios.grid import expand

    try:
        cfg = load_scenario(scenario)
        convs = expand(cfg, "plan", model)
    except (ScenarioError, ValueError, FileNotFoundError) as e:
        raise click.ClickException(str(e)) from e
    counts = Counter(c.condition_id for c in convs)
    for cid, n in counts.items():
        click.echo(f"{cid:<60} {n:>5} conversations")
    click.echo(f"total: {len(convs)} conversations, up to {sum(c.turns for c in convs)} turns")
