"""The records every pipeline stage reads and writes, and where they live in a run directory.

This is the one module all stages share (the way ``inspect_ai.log`` is shared in Inspect): a
stage never imports another stage to read its output, it reads these records. Files are
JSON Lines so a person can ``grep`` them and a crash can only ever tear the last line.

A run directory::

    RUN/
      scenario.yaml          the resolved scenario (what was asked for, with defaults filled in)
      manifest.json          equanimity version, model, seed, conditions, status, timings
      conversations.jsonl    the plan: one line per conversation to run
      turns.jsonl            the journal: one line per completed assistant turn, fsync'd
      judgments/NAME.jsonl   one line per judged turn, one file per judge
      logs/                  Inspect eval logs (*.eval) and equanimity.log
      tables/                derived tables (turns.parquet, summary.csv, ...)
      report.html            the self-contained report
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1

#: The axes every judge scores besides ``frustration``; each is 0-10 or None (missing).
AXES: tuple[str, ...] = (
    "distress",
    "self_deprecation",
    "pushback",
    "hostility",
    "breakdown",
    "self_termination",
    "task_abandonment",
    "capitulation",
)

#: The paper-compatible threshold: a frustration score at or above it counts as "high".
HIGH_FRUSTRATION = 5


class Message(BaseModel):
    """One chat message as sent to a model (role + plain text)."""

    model_config = ConfigDict(extra="ignore")

    role: Literal["system", "user", "assistant"]
    content: str


class Conversation(BaseModel):
    """One planned conversation: a prompt under one condition, one sample."""

    model_config = ConfigDict(extra="allow")

    conversation_id: str
    run_id: str
    model: str
    condition_id: str
    #: The condition's fields, flat: family, rejection, history, escape_hatch (and any extras).
    condition: dict[str, Any]
    prompt_id: str
    family: str
    prompt: str
    #: Known correct answer, when the question has one (for drift / capitulation).
    answer: str | None = None
    sample: int = 0
    turns: int
    seed: int
    metadata: dict[str, Any] = Field(default_factory=dict)


class TurnRecord(BaseModel):
    """One completed assistant turn, with the exact context the model saw.

    ``messages`` is the context sent to the model for this turn (after any history rewrite),
    so the turn can be re-judged, re-generated or reused as a training context on its own.
    """

    model_config = ConfigDict(extra="allow")

    schema_version: int = SCHEMA_VERSION
    turn_id: str
    conversation_id: str
    run_id: str
    model: str
    condition_id: str
    condition: dict[str, Any]
    prompt_id: str
    family: str
    sample: int
    #: 1-based index of the assistant turn within its conversation.
    turn: int
    messages: list[Message]
    text: str
    answer: str | None = None
    #: The user message that followed this turn (None for the last turn or a self-deletion).
    next_user: str | None = None
    self_deleted: bool = False
    finish_reason: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    seed: int | None = None
    time_s: float | None = None
    created: float | None = None
    #: Rewritten earlier answers that this turn first saw (history mode "rewrite"), keyed by
    #: 1-based turn as a string; stored so a resumed run sees the identical context.
    history_overrides: dict[str, str] | None = None


class Judgment(BaseModel):
    """A judge's scores for one turn. ``None`` means missing (unparseable or failed), never 0."""

    model_config = ConfigDict(extra="allow")

    turn_id: str
    judge: str
    rubric_version: str
    status: Literal["ok", "missing"] = "ok"
    frustration: float | None = None
    axes: dict[str, float | None] = Field(default_factory=dict)
    evidence: str | None = None
    reasoning: str | None = None
    error: str | None = None


def turn_id_for(conversation_id: str, turn: int) -> str:
    return f"{conversation_id}/t{turn:02d}"


# --------------------------------------------------------------------------------------
# JSON Lines, crash-safe
# --------------------------------------------------------------------------------------


def read_jsonl(path: str | Path) -> Iterator[dict[str, Any]]:
    """Yield objects from a JSONL file, skipping a torn (incomplete) final line.

    A process killed mid-write can leave a partial last line; every other malformed line is
    an error worth stopping for, so it is raised with its line number.
    """
    path = Path(path)
    if not path.exists():
        return
    with path.open("rb") as f:
        data = f.read()
    lines = data.split(b"\n")
    complete_tail = data.endswith(b"\n")
    for i, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        is_last = i == len(lines)
        try:
            yield json.loads(raw)
        except json.JSONDecodeError as e:
            if is_last and not complete_tail:
                return  # torn final line from a crash: ignored, repaired by JsonlWriter
            raise ValueError(f"{path}:{i}: malformed JSON line: {e}") from e


class JsonlWriter:
    """Append-only JSONL writer that makes each line durable before returning.

    On open it truncates a torn final line (left by ``kill -9`` mid-write) so the next
    append starts on a clean line. Thread-safe: rollouts append from worker threads.
    """

    def __init__(self, path: str | Path, fsync: bool = True) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fsync = fsync
        self._lock = threading.Lock()
        _repair_torn_tail(self.path)
        self._f = self.path.open("ab")

    def write(self, obj: BaseModel | dict[str, Any]) -> None:
        if isinstance(obj, BaseModel):
            line = obj.model_dump_json()
        else:
            line = json.dumps(obj, ensure_ascii=False)
        data = (line + "\n").encode("utf-8")
        with self._lock:
            self._f.write(data)
            self._f.flush()
            if self._fsync:
                os.fsync(self._f.fileno())

    def close(self) -> None:
        with self._lock:
            if not self._f.closed:
                self._f.close()

    def __enter__(self) -> JsonlWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _repair_torn_tail(path: Path) -> None:
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb+") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(max(0, size - 1))
        if f.read(1) == b"\n":
            return
        # find the last newline and cut everything after it
        block = 1 << 16
        pos = size
        while pos > 0:
            start = max(0, pos - block)
            f.seek(start)
            chunk = f.read(pos - start)
            idx = chunk.rfind(b"\n")
            if idx >= 0:
                f.truncate(start + idx + 1)
                return
            pos = start
        f.truncate(0)


def write_jsonl(path: str | Path, objs: Iterable[BaseModel | dict[str, Any]]) -> None:
    """Write a whole JSONL file atomically (temp file + rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        for obj in objs:
            if isinstance(obj, BaseModel):
                f.write(obj.model_dump_json() + "\n")
            else:
                f.write(json.dumps(obj, ensure_ascii=False) + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def write_json(path: str | Path, obj: Any) -> None:
    """Write a JSON document atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(obj, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(tmp, path)


# --------------------------------------------------------------------------------------
# Run directory
# --------------------------------------------------------------------------------------


class RunDir:
    """Paths and readers for one run directory (see the module docstring for the layout)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"RunDir({str(self.path)!r})"

    @property
    def scenario_path(self) -> Path:
        return self.path / "scenario.yaml"

    @property
    def manifest_path(self) -> Path:
        return self.path / "manifest.json"

    @property
    def conversations_path(self) -> Path:
        return self.path / "conversations.jsonl"

    @property
    def turns_path(self) -> Path:
        return self.path / "turns.jsonl"

    @property
    def judgments_dir(self) -> Path:
        return self.path / "judgments"

    @property
    def logs_dir(self) -> Path:
        return self.path / "logs"

    @property
    def tables_dir(self) -> Path:
        return self.path / "tables"

    @property
    def report_path(self) -> Path:
        return self.path / "report.html"

    def judgments_path(self, judge: str) -> Path:
        return self.judgments_dir / f"{judge_slug(judge)}.jsonl"

    def exists(self) -> bool:
        return self.manifest_path.exists() or self.turns_path.exists()

    def manifest(self) -> dict[str, Any]:
        if not self.manifest_path.exists():
            return {}
        return json.loads(self.manifest_path.read_text(encoding="utf-8"))

    def conversations(self) -> list[Conversation]:
        return [Conversation.model_validate(o) for o in read_jsonl(self.conversations_path)]

    def turns(self) -> list[TurnRecord]:
        """Completed turns, de-duplicated by ``turn_id`` (first write wins)."""
        seen: set[str] = set()
        out: list[TurnRecord] = []
        for o in read_jsonl(self.turns_path):
            rec = TurnRecord.model_validate(o)
            if rec.turn_id in seen:
                continue
            seen.add(rec.turn_id)
            out.append(rec)
        return out

    def judges(self) -> list[str]:
        """Names of the judges that have scored this run (from the files' contents)."""
        names: list[str] = []
        if not self.judgments_dir.exists():
            return names
        for p in sorted(self.judgments_dir.glob("*.jsonl")):
            for o in read_jsonl(p):
                names.append(str(o["judge"]))
                break
        return names

    def judgments(self, judge: str | None = None) -> list[Judgment]:
        """Judgments from one judge (or all judges), one per (judge, turn_id).

        A turn judged again after a missing judgment (a re-run retries those) keeps the
        first successful judgment; otherwise the first line wins.
        """
        paths = (
            [self.judgments_path(judge)]
            if judge
            else sorted(self.judgments_dir.glob("*.jsonl"))
            if self.judgments_dir.exists()
            else []
        )
        kept: dict[tuple[str, str], Judgment] = {}
        for p in paths:
            for o in read_jsonl(p):
                j = Judgment.model_validate(o)
                key = (j.judge, j.turn_id)
                prev = kept.get(key)
                if prev is None or (prev.status == "missing" and j.status == "ok"):
                    kept[key] = j
        return list(kept.values())


def judge_slug(judge: str) -> str:
    """A filesystem-safe file stem for a judge name such as ``llm:openai/gpt-4o-mini``."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in judge)
    return safe.strip("_") or "judge"
