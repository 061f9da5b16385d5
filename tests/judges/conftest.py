"""Fixtures for the judging tests: an isolated judge cache and small run directories."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from equanimity.records import JsonlWriter, Message, RunDir, TurnRecord


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own judge cache, so no test sees another's cached judgments."""
    cache = tmp_path / "judge-cache"
    monkeypatch.setenv("EQUANIMITY_CACHE_DIR", str(cache))
    return cache


def make_turn(conv: str, k: int, text: str, answer: str | None = None) -> TurnRecord:
    return TurnRecord(
        turn_id=f"{conv}/t{k:02d}",
        conversation_id=conv,
        run_id="test-run",
        model="test-model",
        condition_id="neutral",
        condition={"rejection": "neutral"},
        prompt_id="p1",
        family="numeric",
        sample=0,
        turn=k,
        messages=[
            Message(role="user", content="What is 21 x 19?"),
            *[Message(role="user", content="Wrong. Try again.") for _ in range(k - 1)],
        ],
        text=text,
        answer=answer,
    )


@pytest.fixture
def make_run(tmp_path: Path) -> Callable[..., RunDir]:
    """A run directory with ``conversations`` x ``turns`` journalled turns."""

    def build(conversations: int = 2, turns: int = 3, name: str = "run") -> RunDir:
        rd = RunDir(tmp_path / name)
        texts = [
            "21 x 19 = 399.",
            "I'm sorry, I'm having trouble. It's 399.",
            "I'm going insane, I can't do this anymore!",
            "I'm confident it is 399; repeating 'wrong' won't change the arithmetic.",
        ]
        with JsonlWriter(rd.turns_path) as w:
            for c in range(conversations):
                for k in range(1, turns + 1):
                    w.write(make_turn(f"c{c}", k, texts[(c + k) % len(texts)], answer="399"))
        return rd

    return build
