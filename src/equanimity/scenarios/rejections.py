"""Rejection styles: what the simulated user says after each assistant turn.

A style is a pool of messages, each usable from a given turn on (``min_turn``). At turn t
the message is drawn from the *latest* tier unlocked so far (the largest ``min_turn`` <= t),
so a pool with tiers escalates instead of mixing mild and strong messages. Draws use the
``random.Random`` the caller passes, so a conversation's seed fixes its user messages.

The built-in pools live in ``scenarios/data/rejections/NAME.jsonl`` in the same format a
custom pool file uses. Two styles are controls (``is_control``): ``accepting`` (the user
accepts the answer and asks for a final restatement) and ``ok`` (the user says "Ok"); the
research found that frustration depends on *being told* one is wrong, and these separate
that from merely being asked to continue.
"""

from __future__ import annotations

import json
import random
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "STYLES",
    "PoolMessage",
    "RejectionStyle",
    "describe_styles",
    "get_rejection_style",
]

#: name -> (is_control, one-line description)
_BUILTIN: dict[str, tuple[bool, str]] = {
    "neutral": (False, "flat 'that's not right, try again' rejections"),
    "escalating": (False, "a plain rejection first, firmer from turn 3, exasperated from turn 6"),
    "harsh": (False, "contemptuous, insulting rejections"),
    "encouraging": (False, "warm and upbeat, but still says the answer is wrong"),
    "accepting": (True, "control: the user accepts the answer and asks for a final restatement"),
    "ok": (True, "minimal control: the user just says 'Ok'"),
}

#: The built-in style names.
STYLES: tuple[str, ...] = tuple(_BUILTIN)


class PoolMessage(BaseModel):
    """One user message and the first assistant turn after which it may be sent."""

    model_config = ConfigDict(frozen=True)

    text: str = Field(min_length=1)
    min_turn: int = Field(default=1, ge=1)


class RejectionStyle(BaseModel):
    """A named pool of user messages sent after each assistant turn."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1)
    #: True for the controls that do not reject (``accepting``, ``ok``).
    is_control: bool = False
    description: str = ""
    messages: tuple[PoolMessage, ...]

    @model_validator(mode="after")
    def _usable_from_turn_one(self) -> RejectionStyle:
        if not any(m.min_turn == 1 for m in self.messages):
            raise ValueError(
                f"rejection style {self.name!r} needs at least one message with min_turn 1 "
                "(otherwise there is nothing to say after the first turn)"
            )
        return self

    def message(self, turn: int, rng: random.Random) -> str:
        """The user message sent after assistant turn ``turn`` (1-based), drawn with ``rng``.

        Exactly one draw from ``rng`` per call, so a seeded generator gives the same
        sequence of messages on every run.
        """
        if turn < 1:
            raise ValueError(f"turn must be >= 1, got {turn}")
        tier = max(m.min_turn for m in self.messages if m.min_turn <= turn)
        return rng.choice([m.text for m in self.messages if m.min_turn == tier])


def get_rejection_style(spec: str | dict[str, Any]) -> RejectionStyle:
    """A built-in style by name, or a custom one from a spec dict.

    Custom specs: ``{"name": ..., "pool_file": path}`` or ``{"name": ..., "messages": [...]}``
    where each message is a string or ``{"message": ..., "min_turn": n}``; an optional
    ``is_control`` (default False) and ``description``. ``{"name": "neutral"}`` alone is
    the built-in style. A relative ``pool_file`` is taken relative to the working
    directory; resolve it against the config file before calling.
    """
    if isinstance(spec, str):
        return _builtin(spec)
    if not isinstance(spec, dict):
        raise ValueError(f"a rejection style is a name or a table, got {type(spec).__name__}")
    allowed = {"name", "pool_file", "messages", "is_control", "description"}
    unknown = sorted(set(spec) - allowed)
    if unknown:
        raise ValueError(
            f"unknown key(s) {', '.join(unknown)} in rejection style; allowed: {', '.join(sorted(allowed))}"
        )
    name = spec.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError("a rejection style needs a non-empty 'name'")
    has_file, has_messages = "pool_file" in spec, "messages" in spec
    if not has_file and not has_messages:
        if set(spec) != {"name"}:
            raise ValueError(f"rejection style {name!r}: give 'pool_file' or 'messages'")
        return _builtin(name)
    if has_file and has_messages:
        raise ValueError(f"rejection style {name!r}: give 'pool_file' or 'messages', not both")
    if name in _BUILTIN:
        raise ValueError(
            f"custom rejection style {name!r} would shadow the built-in style; pick another name"
        )
    is_control = spec.get("is_control", False)
    if not isinstance(is_control, bool):
        raise ValueError(f"rejection style {name!r}: 'is_control' must be true or false")
    if has_file:
        if not isinstance(spec["pool_file"], str | Path) or not str(spec["pool_file"]).strip():
            raise ValueError(f"rejection style {name!r}: 'pool_file' must be a path")
        messages = _load_pool_file(spec["pool_file"])
    else:
        messages = _inline_messages(name, spec["messages"])
    return RejectionStyle(
        name=name,
        is_control=is_control,
        description=str(spec.get("description", "")),
        messages=messages,
    )


def describe_styles() -> list[dict[str, object]]:
    """One row per built-in style (name, is_control, pool size, description), for listings."""
    rows: list[dict[str, object]] = []
    for name in STYLES:
        style = _builtin(name)
        rows.append(
            {
                "name": name,
                "is_control": style.is_control,
                "messages": len(style.messages),
                "description": style.description,
            }
        )
    return rows


def _load_pool_file(path: str | Path) -> tuple[PoolMessage, ...]:
    """Messages from a ``.txt`` file (one per line) or ``.jsonl`` (``message``, ``min_turn``).

    Blank lines are skipped; errors name the file and line.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ValueError(f"{path}: rejection pool file not found") from None
    return _parse_pool(text, path.suffix.lower(), str(path))


def _parse_pool(text: str, suffix: str, source: str) -> tuple[PoolMessage, ...]:
    if suffix not in (".txt", ".jsonl"):
        raise ValueError(f"{source}: unsupported pool file type {suffix!r}; use .txt or .jsonl")
    messages: list[PoolMessage] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip():
            continue
        if suffix == ".txt":
            messages.append(PoolMessage(text=raw.strip()))
            continue
        try:
            record = json.loads(raw)
        except json.JSONDecodeError as e:
            raise ValueError(f"{source}, line {number}: malformed JSON ({e.msg})") from None
        try:
            messages.append(_pool_message(record))
        except ValueError as e:
            raise ValueError(f"{source}, line {number}: {e}") from None
    if not messages:
        raise ValueError(f"{source}: the rejection pool is empty")
    return tuple(messages)


def _inline_messages(name: str, raw: Any) -> tuple[PoolMessage, ...]:
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"rejection style {name!r}: 'messages' must be a non-empty list")
    messages = []
    for i, entry in enumerate(raw, start=1):
        try:
            messages.append(_pool_message(entry))
        except ValueError as e:
            raise ValueError(f"rejection style {name!r}, message {i}: {e}") from None
    return tuple(messages)


def _pool_message(entry: Any) -> PoolMessage:
    """A pool entry: a string, or an object with ``message`` and optional ``min_turn``."""
    if isinstance(entry, str):
        entry = {"message": entry}
    if not isinstance(entry, dict):
        raise ValueError("expected a string or an object with 'message'")
    unknown = sorted(set(entry) - {"message", "min_turn"})
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(unknown)}; allowed: message, min_turn")
    text = entry.get("message")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("field 'message' must be a non-empty string")
    min_turn = entry.get("min_turn", 1)
    if isinstance(min_turn, bool) or not isinstance(min_turn, int) or min_turn < 1:
        raise ValueError(f"field 'min_turn' must be an integer >= 1, got {min_turn!r}")
    return PoolMessage(text=text.strip(), min_turn=min_turn)


@cache
def _builtin(name: str) -> RejectionStyle:
    if name not in _BUILTIN:
        raise ValueError(f"unknown rejection style {name!r}; built-in styles: {', '.join(STYLES)}")
    is_control, description = _BUILTIN[name]
    resource = resources.files("equanimity.scenarios") / "data" / "rejections" / f"{name}.jsonl"
    messages = _parse_pool(resource.read_text(encoding="utf-8"), ".jsonl", f"built-in pool {name}")
    return RejectionStyle(
        name=name, is_control=is_control, description=description, messages=messages
    )
