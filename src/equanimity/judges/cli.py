"""``equanimity judge ...``: score files, judge runs, validate judges.

Heavy imports (Inspect, scipy, scikit-learn) happen inside the commands, so ``equanimity
--help`` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

_JUDGE_HELP = (
    "'offline' (default: no network) or 'llm:<inspect model>', e.g. llm:openai/gpt-4o-mini, "
    "llm:anthropic/claude-sonnet-4-5, llm:openai-api/local/NAME (with -M base_url=...)."
)


def _judge_options(f: Any) -> Any:
    f = click.option(
        "-M",
        "--model-arg",
        "model_args",
        multiple=True,
        metavar="KEY=VALUE",
        help="Option for an LLM judge (base_url, parse_retries, timeout, structured, ...). "
        "API keys come from the provider's environment variable, never from here.",
    )(f)
    f = click.option("--concurrency", default=8, show_default=True, help="Judge calls in flight.")(
        f
    )
    f = click.option(
        "--mode",
        type=click.Choice(["turn", "conversation"]),
        default="turn",
        show_default=True,
        help="LLM judge: one call per turn, or one call per conversation.",
    )(f)
    return click.option(
        "--judge", "judge_name", default="offline", show_default=True, help=_JUDGE_HELP
    )(f)


def _build_judge(name: str, mode: str, concurrency: int, model_args: tuple[str, ...]) -> Any:
    from equanimity.judges.base import get_judge

    kwargs: dict[str, Any] = {}
    for arg in model_args:
        key, sep, value = arg.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected KEY=VALUE, got {arg!r}", param_hint="-M")
        if key.lower() in ("api_key", "apikey"):
            raise click.BadParameter(
                "pass API keys through the provider's environment variable", param_hint="-M"
            )
        try:
            kwargs[key] = json.loads(value)
        except json.JSONDecodeError:
            kwargs[key] = value
    try:
        return get_judge(name, mode=mode, concurrency=concurrency, **kwargs)
    except (ValueError, TypeError) as e:
        raise click.ClickException(str(e)) from None


@click.group()
def judge() -> None:
    """Score assistant turns for frustration and the separate axes."""


@judge.command("score")
@click.argument("in_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "-o",
    "out_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output JSONL: one line per input line, in order.",
)
@_judge_options
@click.option("--progress/--no-progress", default=True, show_default=True)
def score_cmd(
    in_path: Path,
    out_path: Path,
    judge_name: str,
    mode: str,
    concurrency: int,
    model_args: tuple[str, ...],
    progress: bool,
) -> None:
    """Score a JSONL file of turns (objects with 'text', optional 'id', 'context', 'answer')."""
    from equanimity.judges.run import InputFileError, judge_file, read_turns_file

    try:
        read_turns_file(in_path)  # fail on bad input before paying for a judge
    except InputFileError as e:
        raise click.ClickException(str(e)) from None
    j = _build_judge(judge_name, mode, concurrency, model_args)
    judge_file(in_path, out_path, j, concurrency=concurrency, progress=progress)
    rows = [json.loads(line) for line in out_path.read_text(encoding="utf-8").splitlines()]
    missing = sum(1 for r in rows if r["status"] != "ok")
    click.echo(f"{len(rows)} turns judged by {j.name} -> {out_path} ({missing} missing)")


@judge.command("run")
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@_judge_options
@click.option("--progress/--no-progress", default=True, show_default=True)
def run_cmd(
    run_dir: Path,
    judge_name: str,
    mode: str,
    concurrency: int,
    model_args: tuple[str, ...],
    progress: bool,
) -> None:
    """Judge every not-yet-judged turn of a run directory (safe to interrupt and re-run)."""
    from equanimity.judges.run import judge_run
    from equanimity.records import RunDir

    j = _build_judge(judge_name, mode, concurrency, model_args)
    try:
        path = judge_run(run_dir, j, concurrency=concurrency, progress=progress)
    except (FileNotFoundError, ValueError) as e:
        raise click.ClickException(str(e)) from None
    judgments = RunDir(run_dir).judgments(j.name)
    scored = [x.frustration for x in judgments if x.frustration is not None]
    missing = len(judgments) - len(scored)
    summary = f"{len(judgments)} judgments by {j.name} in {path} ({missing} missing)"
    if scored:
        high = sum(1 for x in scored if x >= 5) / len(scored)
        summary += f"; mean frustration {sum(scored) / len(scored):.2f}, {high:.1%} >= 5"
    click.echo(summary)


@judge.command("validate")
@_judge_options
@click.option(
    "--split",
    type=click.Choice(["test", "calibration", "all"]),
    default="test",
    show_default=True,
    help="Which part of the labelled set to score.",
)
@click.option(
    "--data",
    "data_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A labelled JSONL file (default: the shipped labelled set).",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the report as JSON here.",
)
@click.option(
    "--worst", default=10, show_default=True, help="How many worst disagreements to list."
)
def validate_cmd(
    judge_name: str,
    mode: str,
    concurrency: int,
    model_args: tuple[str, ...],
    split: str,
    data_path: Path | None,
    json_path: Path | None,
    worst: int,
) -> None:
    """Compare a judge with the human labels: Spearman, MAE, kappa, F1, confusion."""
    from equanimity.judges.validate import validate
    from equanimity.records import write_json

    j = _build_judge(judge_name, mode, concurrency, model_args)
    report = validate(j, split=split, path=data_path, worst=worst)  # type: ignore[arg-type]
    click.echo(report.to_text())
    if json_path is not None:
        write_json(json_path, report.model_dump())
        click.echo(f"\nreport written to {json_path}")
