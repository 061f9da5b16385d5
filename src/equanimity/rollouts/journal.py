"""The turn journal: every completed assistant turn, durable before the next one starts.

Inspect retries whole samples; a 20-turn conversation killed at turn 19 would restart from
turn 1. The journal makes the unit of durability one turn: the rejection loop appends each
turn (fsync'd) as soon as it exists, and on a re-run replays journalled turns instead of
generating them again. Keys are ``turn_id``s, so a turn can never be counted twice.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from equanimity.records import JsonlWriter, RunDir, TurnRecord

TurnListener = Callable[[TurnRecord], None]


class TurnJournal:
    """Append-only, crash-safe store of turns for one run directory."""

    def __init__(self, run_dir: str | Path | RunDir) -> None:
        self.run = run_dir if isinstance(run_dir, RunDir) else RunDir(run_dir)
        self._lock = threading.Lock()
        self._by_conv: dict[str, list[TurnRecord]] = defaultdict(list)
        self._ids: set[str] = set()
        for rec in self.run.turns():
            self._by_conv[rec.conversation_id].append(rec)
            self._ids.add(rec.turn_id)
        for recs in self._by_conv.values():
            recs.sort(key=lambda r: r.turn)
        self._writer = JsonlWriter(self.run.turns_path)
        self._listeners: list[TurnListener] = []

    def turns_for(self, conversation_id: str) -> list[TurnRecord]:
        """Journalled turns of a conversation, in order (a prefix: turns 1..k)."""
        with self._lock:
            recs = list(self._by_conv.get(conversation_id, ()))
        for expected, rec in enumerate(recs, start=1):
            if rec.turn != expected:
                raise RuntimeError(
                    f"journal {self.run.turns_path} is inconsistent: {conversation_id} has turn "
                    f"{rec.turn} where turn {expected} was expected"
                )
        return recs

    def append(self, rec: TurnRecord) -> None:
        with self._lock:
            if rec.turn_id in self._ids:
                raise RuntimeError(f"turn {rec.turn_id} is already journalled")
            self._writer.write(rec)
            self._ids.add(rec.turn_id)
            self._by_conv[rec.conversation_id].append(rec)
        for fn in list(self._listeners):
            fn(rec)

    def add_listener(self, fn: TurnListener) -> None:
        self._listeners.append(fn)

    def remove_listener(self, fn: TurnListener) -> None:
        if fn in self._listeners:
            self._listeners.remove(fn)

    def __len__(self) -> int:
        return len(self._ids)

    def close(self) -> None:
        self._writer.close()


_open: dict[Path, TurnJournal] = {}
_open_lock = threading.Lock()


def open_journal(run_dir: str | Path) -> TurnJournal:
    """The process-wide journal of a run directory (one writer per file)."""
    key = Path(run_dir).resolve()
    with _open_lock:
        j = _open.get(key)
        if j is None:
            j = TurnJournal(key)
            _open[key] = j
        return j


def close_journal(run_dir: str | Path) -> None:
    key = Path(run_dir).resolve()
    with _open_lock:
        j = _open.pop(key, None)
    if j is not None:
        j.close()
