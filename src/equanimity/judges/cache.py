"""A persistent judge cache, so a judgment is never paid for twice.

Keys hash everything that can change a judge's answer: the judge's name (model), the rubric
version, the judging mode, the texts, their contexts and known answers. Only successful
judgments are stored: a missing one is retried on the next run rather than remembered.
SQLite (WAL mode) lets several judging processes share one cache safely.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

__all__ = ["JudgeCache", "cache_key", "default_cache_dir"]


def default_cache_dir() -> Path:
    """``$EQUANIMITY_CACHE_DIR``, else ``~/.cache/equanimity``."""
    env = os.environ.get("EQUANIMITY_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "equanimity"


def cache_key(**parts: Any) -> str:
    """A stable hash of JSON-serialisable parts (key order does not matter)."""
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class JudgeCache:
    """Key -> JSON value store in ``<cache_dir>/judge_cache.sqlite``."""

    def __init__(self, cache_dir: str | Path | None = None) -> None:
        directory = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / "judge_cache.sqlite"
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS judgments "
                "(key TEXT PRIMARY KEY, judge TEXT NOT NULL, value TEXT NOT NULL)"
            )
            self._db.commit()

    def get(self, key: str) -> Any | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM judgments WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def put(self, key: str, judge: str, value: Any) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO judgments (key, judge, value) VALUES (?, ?, ?)",
                (key, judge, json.dumps(value, ensure_ascii=False)),
            )
            self._db.commit()

    def close(self) -> None:
        with self._lock:
            self._db.close()
