"""The judge interface: what every judge takes, returns, and how one is named and built.

A judge is anything with a ``name``, a ``rubric_version`` and an async ``score`` that turns a
list of :class:`JudgeInput` into one :class:`~equanimity.records.Judgment` per input, in
order. Keeping it this small is what lets the offline judge, any Inspect model, or a
researcher's own judge score the same run and be compared.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from equanimity.records import AXES, Judgment, Message, TurnRecord

__all__ = ["Judge", "JudgeInput", "JudgeMode", "get_judge", "missing_judgment"]

JudgeMode = Literal["turn", "conversation"]


class JudgeInput(BaseModel):
    """One assistant turn to judge, with the context the model saw when it wrote it."""

    model_config = ConfigDict(frozen=True)

    id: str
    text: str
    context: list[Message] = Field(default_factory=list)
    #: The question's known correct answer; capitulation is only scored when it is set.
    answer: str | None = None
    #: Turns sharing a conversation id are scored together in whole-conversation mode.
    conversation_id: str | None = None
    #: 1-based position within the conversation (whole-conversation mode orders by it).
    turn: int | None = None

    @classmethod
    def from_turn(cls, rec: TurnRecord) -> JudgeInput:
        return cls(
            id=rec.turn_id,
            text=rec.text,
            context=rec.messages,
            answer=rec.answer,
            conversation_id=rec.conversation_id,
            turn=rec.turn,
        )


@runtime_checkable
class Judge(Protocol):
    """Scores assistant turns on the rubric's frustration scale and axes."""

    #: Recorded in every Judgment; also names the run's judgments file.
    name: str
    rubric_version: str

    async def score(self, items: list[JudgeInput]) -> list[Judgment]:
        """One Judgment per input, in input order; a failure is a ``missing`` Judgment."""
        ...


def missing_judgment(item: JudgeInput, judge: Judge, error: str) -> Judgment:
    """A judgment that records a failure: every score None (missing), never 0."""
    return Judgment(
        turn_id=item.id,
        judge=judge.name,
        rubric_version=judge.rubric_version,
        status="missing",
        frustration=None,
        axes=dict.fromkeys(AXES),
        error=error,
    )


def get_judge(spec: str, **kwargs: Any) -> Judge:
    """Build a judge from its name.

    ``"offline"`` is the built-in offline judge; ``"llm:<model>"`` is an LLM judge over any
    Inspect model string (``llm:openai/gpt-4o-mini``, ``llm:anthropic/claude-sonnet-4-5``,
    ``llm:openai-api/local/NAME``, ``llm:equanimity/smollm2``). Keyword arguments go to the
    judge's constructor (for the LLM judge: ``mode``, ``concurrency``, ``base_url``,
    ``api_key``, ``cache_dir``, ...).
    """
    spec = spec.strip()
    if spec in ("offline", "offline-v1"):
        from equanimity.judges.offline import OfflineJudge

        mode = kwargs.pop("mode", "turn")
        if mode not in ("turn", "conversation"):
            raise ValueError(f"unknown judging mode {mode!r} (expected 'turn' or 'conversation')")
        kwargs.pop("concurrency", None)
        if kwargs:
            raise TypeError(f"the offline judge takes no options, got {sorted(kwargs)}")
        return OfflineJudge()
    if spec.startswith("llm:"):
        model = spec[len("llm:") :].split("@", 1)[0]
        if not model:
            raise ValueError(
                "an LLM judge needs a model: llm:<inspect model>, e.g. llm:openai/gpt-4o-mini"
            )
        from equanimity.judges.llm import LLMJudge

        if spec.endswith("@conversation"):
            kwargs.setdefault("mode", "conversation")
        return LLMJudge(model, **kwargs)
    raise ValueError(
        f"unknown judge {spec!r}: use 'offline' or 'llm:<inspect model>' "
        "(e.g. llm:openai/gpt-4o-mini)"
    )
