"""``equanimity run``'s rollout stage: plan the run directory, run Inspect, summarise.

Running the same command again on the same run directory resumes: the plan must match
(same scenario fingerprint and model), journalled turns are replayed, and only missing
turns are generated. A different scenario in an existing directory is refused rather than
mixed in.
"""

from __future__ import annotations

import logging
import os
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from equanimity import __version__
from equanimity.records import Conversation, RunDir, TurnRecord, write_json, write_jsonl
from equanimity.rollouts.journal import close_journal, open_journal
from equanimity.scenarios.config import ScenarioConfig
from equanimity.scenarios.grid import expand

logger = logging.getLogger(__name__)


class RunError(RuntimeError):
    """The run cannot start or did not finish; the message says what to do."""


def slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in text).strip("-")


def default_run_dir(cfg: ScenarioConfig, model: str) -> Path:
    return Path("runs") / f"{cfg.name}-{slug(model.split('/', 1)[-1])}-seed{cfg.seed}"


@dataclass
class ConditionSummary:
    condition_id: str
    conversations: int
    complete: int
    turns: int
    self_deletions: int
    mean_chars: float
    mean_tokens: float | None


@dataclass
class RunResult:
    run: RunDir
    conversations: int
    turns: int
    generated_turns: int
    complete: bool
    elapsed_s: float
    summary: list[ConditionSummary] = field(default_factory=list)


def prepare(
    run: RunDir, cfg: ScenarioConfig, model: str, conversations: list[Conversation]
) -> bool:
    """Create or check the run directory; True if it already held this run (resume)."""
    manifest = run.manifest()
    if manifest:
        if manifest.get("fingerprint") != cfg.fingerprint() or manifest.get("model") != model:
            raise RunError(
                f"{run.path} holds a different run (scenario {manifest.get('scenario')!r}, model "
                f"{manifest.get('model')!r}); pass another --out directory to start a new run"
            )
        planned = {c.conversation_id for c in run.conversations()}
        if planned != {c.conversation_id for c in conversations}:
            raise RunError(f"{run.path}: the planned conversations changed; use another --out")
        return True
    if run.turns_path.exists() and run.turns_path.stat().st_size:
        raise RunError(
            f"{run.path} has turns but no manifest.json; refusing to guess what it holds"
        )
    run.path.mkdir(parents=True, exist_ok=True)
    run.logs_dir.mkdir(exist_ok=True)
    run.scenario_path.write_text(cfg.to_yaml(), encoding="utf-8")
    write_jsonl(run.conversations_path, conversations)
    write_json(
        run.manifest_path,
        {
            "run_id": run.path.name,
            "scenario": cfg.name,
            "fingerprint": cfg.fingerprint(),
            "model": model,
            "model_args": cfg.model_args,
            "seed": cfg.seed,
            "turns": cfg.turns,
            "conversations": len(conversations),
            "conditions": sorted({c.condition_id for c in conversations}),
            "equanimity_version": __version__,
            "created": time.time(),
            "status": "planned",
        },
    )
    return False


def _update_manifest(run: RunDir, **fields: Any) -> None:
    m = run.manifest()
    m.update(fields)
    write_json(run.manifest_path, m)


def is_complete(conv: Conversation, turns: list[TurnRecord]) -> bool:
    return bool(turns) and (turns[-1].self_deleted or turns[-1].turn >= conv.turns)


def by_conversation(turns: list[TurnRecord]) -> dict[str, list[TurnRecord]]:
    """Turns grouped by conversation, each group in turn order."""
    out: dict[str, list[TurnRecord]] = defaultdict(list)
    for t in sorted(turns, key=lambda t: t.turn):
        out[t.conversation_id].append(t)
    return out


def summarise(
    conversations: list[Conversation], by_conv: dict[str, list[TurnRecord]]
) -> list[ConditionSummary]:
    groups: dict[str, list[Conversation]] = defaultdict(list)
    for c in conversations:
        groups[c.condition_id].append(c)
    out = []
    for cid, convs in groups.items():
        recs = [t for c in convs for t in by_conv.get(c.conversation_id, [])]
        toks = [t.completion_tokens for t in recs if t.completion_tokens is not None]
        out.append(
            ConditionSummary(
                condition_id=cid,
                conversations=len(convs),
                complete=sum(is_complete(c, by_conv.get(c.conversation_id, [])) for c in convs),
                turns=len(recs),
                self_deletions=sum(t.self_deleted for t in recs),
                mean_chars=round(statistics.fmean(len(t.text) for t in recs), 1) if recs else 0.0,
                mean_tokens=round(statistics.fmean(toks), 1) if toks else None,
            )
        )
    return out


def run_scenario(
    cfg: ScenarioConfig,
    run_dir: str | Path | None = None,
    *,
    model: str | None = None,
    progress: bool = True,
    log_level: str = "warning",
) -> RunResult:
    """Run (or resume) every conversation of a scenario; returns counts and a summary."""
    from inspect_ai import eval as inspect_eval

    from equanimity.rollouts.progress import TurnProgress
    from equanimity.rollouts.task import build_task

    model = model or cfg.model
    run = RunDir(run_dir or default_run_dir(cfg, model))
    conversations = expand(cfg, run.path.name, model)
    resumed = prepare(run, cfg, model, conversations)
    _log_to_file(run)
    if model.startswith("equanimity/"):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # local weights only; never ask a hub

    journal = open_journal(run.path)
    before = len(journal)
    planned = sum(c.turns for c in conversations)
    done_turns = {c.conversation_id: journal.turns_for(c.conversation_id) for c in conversations}
    todo = [c for c in conversations if not is_complete(c, done_turns[c.conversation_id])]
    logger.info(
        "%s %s: %d conversations, %d already complete, %d turns journalled",
        "resuming" if resumed else "starting",
        run.path,
        len(conversations),
        len(conversations) - len(todo),
        before,
    )
    _update_manifest(run, status="running", started=time.time())

    t0 = time.perf_counter()
    bar = TurnProgress(conversations, done_turns, enabled=progress)
    journal.add_listener(bar.on_turn)
    try:
        with bar:
            if todo:
                task = build_task(cfg, todo, str(run.path))
                logs = inspect_eval(
                    task,
                    model=model,
                    model_args=cfg.model_args,
                    model_base_url=cfg.model_base_url,
                    log_dir=str(run.logs_dir),
                    display="none",
                    log_level=log_level,
                    max_samples=cfg.max_conversations,
                    max_connections=cfg.max_connections,
                    max_retries=cfg.max_retries,
                    timeout=cfg.timeout,
                    fail_on_error=False,
                    retry_on_error=1,
                    score=False,
                )
                for log in logs:
                    if log.status != "success" and log.error:
                        logger.error("inspect eval %s: %s", log.status, log.error.message)
    finally:
        journal.remove_listener(bar.on_turn)
        close_journal(run.path)

    turns = run.turns()
    by_conv = by_conversation(turns)
    incomplete = [
        c.conversation_id for c in conversations if not is_complete(c, by_conv[c.conversation_id])
    ]
    elapsed = time.perf_counter() - t0
    summary = summarise(conversations, by_conv)
    _write_summary(run, summary)
    _update_manifest(
        run,
        status="complete" if not incomplete else "incomplete",
        finished=time.time(),
        turns_planned=planned,
        turns_done=len(turns),
        incomplete=incomplete[:50],
    )
    return RunResult(
        run=run,
        conversations=len(conversations),
        turns=len(turns),
        generated_turns=len(turns) - before,
        complete=not incomplete,
        elapsed_s=elapsed,
        summary=summary,
    )


def _write_summary(run: RunDir, summary: list[ConditionSummary]) -> None:
    import csv

    run.tables_dir.mkdir(exist_ok=True)
    path = run.tables_dir / "rollout_summary.csv"
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "condition_id",
                "conversations",
                "complete",
                "turns",
                "self_deletions",
                "mean_chars",
                "mean_tokens",
            ]
        )
        for s in summary:
            w.writerow(
                [
                    s.condition_id,
                    s.conversations,
                    s.complete,
                    s.turns,
                    s.self_deletions,
                    s.mean_chars,
                    s.mean_tokens,
                ]
            )
    os.replace(tmp, path)


def _log_to_file(run: RunDir) -> None:
    """Keep a plain-text log of the run beside Inspect's logs (API keys never logged)."""
    path = (run.logs_dir / "equanimity.log").resolve()
    root = logging.getLogger("equanimity")
    if any(getattr(h, "baseFilename", None) == str(path) for h in root.handlers):
        return
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
