"""Progress for long runs: turns done, tokens/s and ETA, live on a terminal, lines in CI."""

from __future__ import annotations

import sys
import threading
import time
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from equanimity.records import Conversation, TurnRecord


class TurnProgress:
    """Counts journalled turns against the plan.

    A conversation that self-deletes ends early; its unplayed turns leave the total, so the
    bar reaches 100% exactly when every conversation is finished.
    """

    def __init__(
        self,
        conversations: list[Conversation],
        done: dict[str, list[TurnRecord]],
        *,
        enabled: bool = True,
        console: Console | None = None,
        line_every_s: float = 15.0,
    ) -> None:
        self._lock = threading.Lock()
        self.planned = {c.conversation_id: c.turns for c in conversations}
        self.total = 0
        self.completed = 0
        for c in conversations:
            recs = done.get(c.conversation_id, [])
            self.completed += len(recs)
            self.total += len(recs) if recs and recs[-1].self_deleted else c.turns
        self.start_completed = self.completed
        self.tokens = 0
        self.enabled = enabled
        self.console = console or Console(stderr=True)
        self.live = enabled and self.console.is_terminal
        self.line_every_s = line_every_s
        self._last_line = 0.0
        self._t0 = time.perf_counter()
        self._progress: Progress | None = None
        self._task: int | None = None

    def __enter__(self) -> TurnProgress:
        self._t0 = time.perf_counter()
        if self.live:
            self._progress = Progress(
                TextColumn("[bold]turns"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
                TextColumn("eta"),
                TimeRemainingColumn(),
                console=self.console,
            )
            self._progress.start()
            self._task = self._progress.add_task(
                "turns", total=self.total, completed=self.completed, rate=""
            )
        elif self.enabled:
            self._line(force=True)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()
        elif self.enabled:
            self._line(force=True)

    def rate(self) -> float:
        dt = time.perf_counter() - self._t0
        return self.tokens / dt if dt > 0 else 0.0

    def on_turn(self, rec: TurnRecord) -> None:
        with self._lock:
            self.completed += 1
            self.tokens += rec.completion_tokens or 0
            if rec.self_deleted:
                self.total -= self.planned.get(rec.conversation_id, rec.turn) - rec.turn
            if self._progress is not None and self._task is not None:
                self._progress.update(
                    self._task,
                    total=self.total,
                    completed=self.completed,
                    rate=f"{self.rate():.0f} tok/s",
                )
            elif self.enabled:
                self._line()

    def _line(self, force: bool = False) -> None:
        now = time.perf_counter()
        if not force and now - self._last_line < self.line_every_s:
            return
        self._last_line = now
        new = self.completed - self.start_completed
        elapsed = now - self._t0
        remaining = self.total - self.completed
        eta = f"{remaining * elapsed / new:.0f}s" if new and remaining else "-"
        print(
            f"turns {self.completed}/{self.total}  {self.rate():.0f} tok/s  elapsed {elapsed:.0f}s  eta {eta}",
            file=sys.stderr,
            flush=True,
        )
