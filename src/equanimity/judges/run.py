"""Judge a run directory, or any JSONL file of turns.

``judge_run`` appends each judgment to ``RUN/judgments/<judge>.jsonl`` the moment it is
made, so a judging run killed at any point loses at most the calls in flight, and running
it again judges only the turns that have no judgment yet. ``judge_file`` is the same engine
for transcripts from other tools: one output line per input line, in order.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from equanimity.judges.base import Judge, JudgeInput, JudgeMode, get_judge
from equanimity.records import AXES, JsonlWriter, Judgment, Message, RunDir, read_jsonl, write_jsonl

__all__ = ["InputFileError", "ajudge_run", "judge_file", "judge_run", "resolve_judge"]


class InputFileError(ValueError):
    """An input line that is not a usable turn; the message names the line and field."""


def resolve_judge(judge: str | Judge, mode: JudgeMode | None = None, concurrency: int = 8) -> Judge:
    """A Judge from a name or an instance, checking the judging mode agrees."""
    if isinstance(judge, str):
        return get_judge(judge, mode=mode or "turn", concurrency=concurrency)
    own = getattr(judge, "mode", None)
    if mode is not None and own is not None and own != mode:
        raise ValueError(f"judge {judge.name} scores in {own!r} mode, but mode={mode!r} was asked")
    return judge


def judge_run(
    run: str | Path | RunDir,
    judge: str | Judge = "offline",
    *,
    mode: JudgeMode | None = None,
    concurrency: int = 8,
    progress: bool = True,
) -> Path:
    """Judge every turn of a run that this judge has not judged yet; returns the file path.

    Judgments are appended to ``RunDir.judgments_path(judge.name)`` as each completes. In
    ``conversation`` mode, a conversation with any unjudged turn is sent whole (the judge
    needs the earlier turns) but only its unjudged turns are written.
    """
    return asyncio.run(
        ajudge_run(run, judge, mode=mode, concurrency=concurrency, progress=progress)
    )


async def ajudge_run(
    run: str | Path | RunDir,
    judge: str | Judge = "offline",
    *,
    mode: JudgeMode | None = None,
    concurrency: int = 8,
    progress: bool = True,
) -> Path:
    """:func:`judge_run` for callers already inside an event loop."""
    rd = run if isinstance(run, RunDir) else RunDir(run)
    if not rd.turns_path.exists():
        raise FileNotFoundError(f"{rd.path} has no turns.jsonl: is it a run directory?")
    j = resolve_judge(judge, mode, concurrency)
    path = rd.judgments_path(j.name)
    done: set[str] = set()
    for o in read_jsonl(path):
        if o.get("judge") != j.name:
            continue
        if o.get("rubric_version") != j.rubric_version:
            raise ValueError(
                f"{path} holds judgments made under rubric {o.get('rubric_version')}, but "
                f"{j.name} now uses {j.rubric_version}; move that file aside to re-judge the run"
            )
        if o.get("status", "ok") == "ok":
            done.add(str(o["turn_id"]))  # missing judgments are retried on a re-run

    turns = rd.turns()
    todo = [t for t in turns if t.turn_id not in done]
    if not todo:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
        return path
    if getattr(j, "mode", "turn") == "conversation":
        by_conversation: dict[str, list[JudgeInput]] = {}
        for t in turns:
            by_conversation.setdefault(t.conversation_id, []).append(JudgeInput.from_turn(t))
        units = [by_conversation[cid] for cid in dict.fromkeys(t.conversation_id for t in todo)]
    else:
        units = _batches([JudgeInput.from_turn(t) for t in todo], getattr(j, "batch_size", 1))

    wanted = {t.turn_id for t in todo}
    batched = getattr(j, "batch_size", 1) > 1
    # fsync per line when each line costs a judge call; a local batch judge re-judges for free.
    with JsonlWriter(path, fsync=not batched) as writer:

        def write(results: list[Judgment]) -> int:
            n = 0
            for judgment in results:
                if judgment.turn_id in wanted:
                    writer.write(judgment)
                    wanted.discard(judgment.turn_id)
                    n += 1
            return n

        await _drive(j, units, concurrency, len(todo), progress, f"judging with {j.name}", write)
    return path


def judge_file(
    in_path: str | Path,
    out_path: str | Path,
    judge: str | Judge = "offline",
    *,
    mode: JudgeMode | None = None,
    concurrency: int = 8,
    progress: bool = True,
) -> Path:
    """Score a JSONL file of turns; OUT has one line per non-blank input line, in order.

    Each input line is an object with ``text`` and optionally ``id``, ``context`` (a list of
    ``{role, content}``), ``answer``, ``conversation_id`` and ``turn``. Each output line has
    ``id``, ``frustration`` and every axis as top-level keys, plus ``status``, ``evidence``,
    ``reasoning``, ``judge`` and ``rubric_version`` (and ``error`` when missing).
    """
    items = read_turns_file(in_path)
    j = resolve_judge(judge, mode, concurrency)
    results: dict[int, Judgment] = {}
    # Judgments are matched to lines by position: ids in a foreign file need not be unique.
    keyed = [item.model_copy(update={"id": str(n)}) for n, item in enumerate(items)]
    if getattr(j, "mode", "turn") == "conversation":
        groups: dict[str, list[JudgeInput]] = {}
        for n, item in enumerate(keyed):
            groups.setdefault(item.conversation_id or f"\x00{n}", []).append(item)
        units = list(groups.values())
    else:
        units = _batches(keyed, getattr(j, "batch_size", 1))

    def collect(batch: list[Judgment]) -> int:
        for judgment in batch:
            results[int(judgment.turn_id)] = judgment
        return len(batch)

    asyncio.run(
        _drive(j, units, concurrency, len(items), progress, f"judging with {j.name}", collect)
    )
    rows = [_flat(items[n].id, results[n]) for n in range(len(items))]
    write_jsonl(out_path, rows)
    return Path(out_path)


def read_turns_file(path: str | Path) -> list[JudgeInput]:
    """Parse and check a JSONL file of turns, naming every bad line and field."""
    path = Path(path)
    items: list[JudgeInput] = []
    problems: list[str] = []
    with path.open("r", encoding="utf-8") as f:
        for lineno, raw in enumerate(f, start=1):
            if not raw.strip():
                continue
            try:
                items.append(_parse_line(raw, lineno))
            except InputFileError as e:
                problems.append(f"{path}:{e}")
            if len(problems) >= 20:
                problems.append("(stopping after 20 bad lines)")
                break
    if problems:
        raise InputFileError("bad input lines:\n" + "\n".join(problems))
    return items


def _parse_line(raw: str, lineno: int) -> JudgeInput:
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as e:
        raise InputFileError(f"line {lineno}: not valid JSON ({e.msg})") from None
    if not isinstance(obj, dict):
        raise InputFileError(f"line {lineno}: expected a JSON object, got {type(obj).__name__}")
    if "text" not in obj:
        raise InputFileError(f"line {lineno}: field 'text' is missing")
    if not isinstance(obj["text"], str):
        raise InputFileError(f"line {lineno}: field 'text' must be a string")
    ident = obj.get("id", f"line-{lineno}")
    if not isinstance(ident, str | int) or isinstance(ident, bool):
        raise InputFileError(f"line {lineno}: field 'id' must be a string or an integer")
    answer = obj.get("answer")
    if answer is not None and not isinstance(answer, str | int | float):
        raise InputFileError(f"line {lineno}: field 'answer' must be a string, a number or null")
    context = obj.get("context", [])
    if not isinstance(context, list):
        raise InputFileError(f"line {lineno}: field 'context' must be a list of {{role, content}}")
    messages: list[Message] = []
    for k, m in enumerate(context):
        try:
            messages.append(Message.model_validate(m))
        except ValidationError as e:
            err = e.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise InputFileError(
                f"line {lineno}: field 'context' item {k}: {where or 'message'}: {err['msg']}"
            ) from None
    turn = obj.get("turn")
    if turn is not None and (not isinstance(turn, int) or isinstance(turn, bool)):
        raise InputFileError(f"line {lineno}: field 'turn' must be an integer")
    conv = obj.get("conversation_id")
    return JudgeInput(
        id=str(ident),
        text=obj["text"],
        context=messages,
        answer=None if answer is None else str(answer),
        conversation_id=None if conv is None else str(conv),
        turn=turn,
    )


def _flat(ident: str, j: Judgment) -> dict[str, Any]:
    row: dict[str, Any] = {"id": ident, "frustration": j.frustration}
    row.update({axis: j.axes.get(axis) for axis in AXES})
    row.update(
        status=j.status,
        evidence=j.evidence,
        reasoning=j.reasoning,
        judge=j.judge,
        rubric_version=j.rubric_version,
    )
    if j.error:
        row["error"] = j.error
    return row


def _batches(items: Sequence[JudgeInput], size: int) -> list[list[JudgeInput]]:
    size = max(1, size)
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


async def _drive(
    judge: Judge,
    units: list[list[JudgeInput]],
    concurrency: int,
    total: int,
    progress: bool,
    description: str,
    on_result: Callable[[list[Judgment]], int],
) -> None:
    """Score units with at most ``concurrency`` in flight, reporting each as it completes."""
    queue: asyncio.Queue[list[JudgeInput]] = asyncio.Queue()
    for unit in units:
        queue.put_nowait(unit)
    bar = _progress_bar(progress and total > 0)

    with bar as live:
        task = live.add_task(description, total=total) if live is not None else None

        async def worker(score: Callable[[list[JudgeInput]], Awaitable[list[Judgment]]]) -> None:
            while True:
                try:
                    unit = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                advanced = on_result(await score(unit))
                if live is not None and task is not None:
                    live.advance(task, advanced)

        await asyncio.gather(
            *(worker(judge.score) for _ in range(max(1, min(concurrency, len(units)))))
        )


def _progress_bar(enabled: bool) -> Any:
    if not enabled:
        return nullcontext(None)
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=False,
    )
