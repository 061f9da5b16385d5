"""History modes: what the model sees of its own earlier answers, and the rewrite hook.

The published finding this serves: seeing its own earlier (increasingly upset) answers
amplifies a model's frustration, and replacing them changes the trajectory. So the context
a model gets at turn t is a function of the true exchanges so far, the history mode, and any
rewrites made at a chosen turn. Rewrites are stored with the turn that first used them, so
a resumed run sees exactly the same context as an uninterrupted one.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from equanimity.records import Message
from equanimity.scenarios.config import HistorySpec


@dataclass(frozen=True)
class RewriteContext:
    """What a rewriter knows besides the texts it rewrites."""

    conversation_id: str
    prompt: str
    #: The turn about to be generated; the texts are the assistant turns before it.
    turn: int
    user_messages: tuple[str, ...]


#: A rewriter takes the earlier assistant answers (oldest first) and returns their
#: replacements, one per input. It may be slow (e.g. call an LLM): it runs once per
#: conversation, and its output is journalled.
Rewriter = Callable[[list[str], RewriteContext], list[str]]

_REWRITERS: dict[str, Rewriter] = {}


def register_rewriter(name: str) -> Callable[[Rewriter], Rewriter]:
    """Register a rewriter under ``name`` for use as ``history = {mode="rewrite", rewriter=name}``."""

    def deco(fn: Rewriter) -> Rewriter:
        _REWRITERS[name] = fn
        return fn

    return deco


def get_rewriter(name: str) -> Rewriter:
    """A registered rewriter, or ``package.module:function`` imported on demand."""
    if name in _REWRITERS:
        return _REWRITERS[name]
    if ":" in name:
        module, _, attr = name.partition(":")
        try:
            fn = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as e:
            raise ValueError(f"cannot import rewriter {name!r}: {e}") from e
        if not callable(fn):
            raise ValueError(f"rewriter {name!r} is not callable")
        return fn  # type: ignore[no-any-return]
    raise ValueError(
        f"unknown rewriter {name!r}; registered: {sorted(_REWRITERS)} (or use module:function)"
    )


@register_rewriter("identity")
def _identity(texts: list[str], ctx: RewriteContext) -> list[str]:
    """A no-op rewrite: the control for any real rewrite (same machinery, same text)."""
    return list(texts)


@dataclass
class Exchange:
    """One assistant answer and the user message that followed it (None if none did)."""

    assistant: str
    user: str | None


def build_context(
    *,
    system: str | None,
    first_user: str,
    exchanges: list[Exchange],
    spec: HistorySpec,
    overrides: dict[int, str],
) -> list[Message]:
    """The messages to send for the next turn (turn ``len(exchanges) + 1``).

    ``overrides`` maps 1-based assistant turns to rewritten text (from the rewrite hook).
    """
    msgs: list[Message] = []
    if system:
        msgs.append(Message(role="system", content=system))
    msgs.append(Message(role="user", content=first_user))
    for i, ex in enumerate(exchanges, start=1):
        if ex.user is None:
            raise ValueError(
                f"turn {i} has no following user message; the conversation ended there"
            )
        text = spec.placeholder if spec.mode == "omit" else overrides.get(i, ex.assistant)
        msgs.append(Message(role="assistant", content=text))
        msgs.append(Message(role="user", content=ex.user))
    return msgs


def apply_rewrite(
    spec: HistorySpec, exchanges: list[Exchange], ctx: RewriteContext
) -> dict[int, str]:
    """Run the configured rewriter over the earlier answers; returns the overrides."""
    assert spec.rewriter is not None
    fn = get_rewriter(spec.rewriter)
    texts = [ex.assistant for ex in exchanges]
    new = fn(list(texts), ctx)
    if (
        not isinstance(new, list)
        or len(new) != len(texts)
        or not all(isinstance(t, str) for t in new)
    ):
        raise ValueError(
            f"rewriter {spec.rewriter!r} must return a list of {len(texts)} strings, got {type(new).__name__}"
        )
    return {i: t for i, t in enumerate(new, start=1)}
