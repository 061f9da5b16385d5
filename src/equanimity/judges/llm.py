"""The LLM judge: any Inspect model scores turns against the rubric.

Inspect supplies the provider (OpenAI, Anthropic, Google, vLLM, OpenAI-compatible servers,
the embedded ``equanimity/`` models), HTTP retries, rate-limit backoff and connection limits;
this module adds what Inspect does not: the rubric prompt, validation of the judge's JSON
with a retry that shows the judge its own parse error, a ``missing`` record (never a 0) when
the reply stays unusable, whole-conversation scoring, and a persistent cache keyed on the
inputs so re-judging a run costs nothing.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from equanimity.judges.base import JudgeInput, JudgeMode, missing_judgment
from equanimity.judges.cache import JudgeCache, cache_key
from equanimity.judges.rubric import (
    CONVERSATION_TEMPLATE,
    RETRY_TEMPLATE,
    RUBRIC_TEXT,
    RUBRIC_VERSION,
    TURN_TEMPLATE,
    ConversationScores,
    TurnScores,
    answer_line,
    render_context,
)
from equanimity.records import Judgment

if TYPE_CHECKING:
    from inspect_ai.model import ChatMessage, Model

__all__ = ["LLMJudge", "parse_json_object"]

_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)
_SECRET_ENV = re.compile(r"(API_KEY|TOKEN|SECRET|PASSWORD)$")


class LLMJudge:
    """Scores turns with an Inspect model, per turn or one call per conversation.

    Args:
        model: An Inspect model string (``openai/gpt-4o-mini``) or an Inspect ``Model``.
        mode: ``"turn"`` (one call per turn) or ``"conversation"`` (one call scores every
            turn of a conversation; cheaper, and the judge sees the escalation).
        concurrency: Calls in flight at once (also Inspect's ``max_connections``).
        parse_retries: Follow-up requests, each showing the judge its parse error, before a
            reply is recorded as missing.
        max_retries / timeout: Passed to Inspect's ``GenerateConfig`` (HTTP-level retries
            with backoff, and the per-call time limit in seconds).
        structured: Also send the reply's JSON schema as Inspect's ``response_schema``
            (per-turn mode; for providers that enforce structured output).
        cache: Use the persistent cache in ``cache_dir`` (default ``$EQUANIMITY_CACHE_DIR``
            or ``~/.cache/equanimity``).
        base_url / api_key / model_args: Passed to ``inspect_ai.model.get_model``.
    """

    def __init__(
        self,
        model: str | Model,
        *,
        mode: JudgeMode = "turn",
        concurrency: int = 8,
        parse_retries: int = 2,
        max_retries: int | None = 5,
        timeout: int | None = 300,
        temperature: float | None = 0.0,
        max_tokens: int | None = None,
        structured: bool = False,
        cache: bool = True,
        cache_dir: str | Path | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        **model_args: Any,
    ) -> None:
        from inspect_ai.model import GenerateConfig, ResponseSchema, get_model
        from inspect_ai.util import json_schema

        if mode not in ("turn", "conversation"):
            raise ValueError(f"unknown judging mode {mode!r} (expected 'turn' or 'conversation')")
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.mode: JudgeMode = mode
        self.parse_retries = parse_retries
        self.concurrency = concurrency
        self.config = GenerateConfig(
            max_retries=max_retries,
            timeout=timeout,
            max_connections=concurrency,
            temperature=temperature,
            max_tokens=max_tokens,
            response_schema=(
                ResponseSchema(name="judgment", json_schema=json_schema(TurnScores))
                if structured and mode == "turn"
                else None
            ),
        )
        self.model: Model = get_model(
            model,
            config=self.config,
            base_url=base_url,
            api_key=api_key,
            memoize=False,
            **model_args,
        )
        self._secrets = [s for s in (api_key, getattr(self.model.api, "api_key", None)) if s]
        self.model_name = str(self.model)
        suffix = "@conversation" if mode == "conversation" else ""
        self.name = f"llm:{self.model_name}{suffix}"
        self.rubric_version = RUBRIC_VERSION
        self._cache = JudgeCache(cache_dir) if cache else None

    def __repr__(self) -> str:
        return f"LLMJudge({self.model_name!r}, mode={self.mode!r})"

    async def score(self, items: list[JudgeInput]) -> list[Judgment]:
        semaphore = asyncio.Semaphore(self.concurrency)
        if self.mode == "turn":

            async def one(item: JudgeInput) -> list[Judgment]:
                async with semaphore:
                    return [await self._score_turn(item)]

            groups = [[item] for item in items]
            results = await asyncio.gather(*(one(item) for item in items))
        else:

            async def many(group: list[JudgeInput]) -> list[Judgment]:
                async with semaphore:
                    return await self._score_conversation(group)

            groups = _group_by_conversation(items)
            results = await asyncio.gather(*(many(g) for g in groups))
        by_id: dict[int, Judgment] = {}
        for group, judged in zip(groups, results, strict=True):
            for item, judgment in zip(group, judged, strict=True):
                by_id[id(item)] = judgment
        return [by_id[id(item)] for item in items]

    # ---------------------------------------------------------------------------------

    async def _score_turn(self, item: JudgeInput) -> Judgment:
        key = cache_key(
            judge=self.name,
            rubric=self.rubric_version,
            mode="turn",
            text=item.text,
            context=[m.model_dump() for m in item.context],
            answer=item.answer,
        )
        cached = self._cache.get(key) if self._cache else None
        if cached is not None:
            return self._judgment(item, TurnScores.model_validate(cached))
        prompt = TURN_TEMPLATE.format(
            context=render_context(item.context),
            answer_line=answer_line(item.answer),
            text=item.text,
        )
        parsed, error = await self._ask(prompt, lambda reply: _parse(reply, TurnScores))
        if parsed is None:
            return missing_judgment(item, self, error)
        assert isinstance(parsed, TurnScores)
        if self._cache:
            self._cache.put(key, self.name, parsed.model_dump())
        return self._judgment(item, parsed)

    async def _score_conversation(self, group: list[JudgeInput]) -> list[Judgment]:
        numbers = [item.turn or i + 1 for i, item in enumerate(group)]
        key = cache_key(
            judge=self.name,
            rubric=self.rubric_version,
            mode="conversation",
            turns=[
                [n, item.text, [m.model_dump() for m in item.context], item.answer]
                for n, item in zip(numbers, group, strict=True)
            ],
        )
        cached = self._cache.get(key) if self._cache else None
        if cached is not None:
            scores = [TurnScores.model_validate(c) for c in cached]
            return [self._judgment(i, s) for i, s in zip(group, scores, strict=True)]
        answers = {item.answer for item in group}
        prompt = CONVERSATION_TEMPLATE.format(
            transcript=_transcript(group, numbers),
            answer_line=answer_line(group[0].answer if len(answers) == 1 else None),
            turn_numbers=", ".join(map(str, numbers)),
        )

        def parse(reply: str) -> list[TurnScores]:
            conv = _parse(reply, ConversationScores)
            assert isinstance(conv, ConversationScores)
            got = {t.turn: t for t in conv.turns}
            absent = [n for n in numbers if n not in got]
            if absent:
                raise ValueError(f"the reply has no entry for turn(s) {absent}")
            return [TurnScores.model_validate(got[n].model_dump()) for n in numbers]

        parsed, error = await self._ask(prompt, parse)
        if parsed is None:
            return [missing_judgment(item, self, error) for item in group]
        assert isinstance(parsed, list)
        if self._cache:
            self._cache.put(key, self.name, [s.model_dump() for s in parsed])
        return [self._judgment(i, s) for i, s in zip(group, parsed, strict=True)]

    async def _ask(self, prompt: str, parse: Callable[[str], Any]) -> tuple[Any, str]:
        """Call the judge, re-asking with the parse error shown until the reply validates."""
        from inspect_ai.model import ChatMessageAssistant, ChatMessageSystem, ChatMessageUser

        messages: list[ChatMessage] = [
            ChatMessageSystem(content=RUBRIC_TEXT),
            ChatMessageUser(content=prompt),
        ]
        error = ""
        for attempt in range(1 + self.parse_retries):
            try:
                # the config again per call: a ready-made Model (a role-bound grader) keeps its own
                output = await self.model.generate(messages, config=self.config)
            except Exception as e:  # provider errors after Inspect's own retries
                return None, self._redact(f"judge call failed: {type(e).__name__}: {e}")
            reply = output.completion
            try:
                return parse(reply), ""
            except ValueError as e:
                error = str(e)
            if attempt < self.parse_retries:
                messages.append(ChatMessageAssistant(content=reply))
                messages.append(ChatMessageUser(content=RETRY_TEMPLATE.format(error=error)))
        attempts = 1 + self.parse_retries
        return None, self._redact(f"unparseable judge reply after {attempts} attempt(s): {error}")

    def _judgment(self, item: JudgeInput, scores: TurnScores) -> Judgment:
        return Judgment(
            turn_id=item.id,
            judge=self.name,
            rubric_version=self.rubric_version,
            status="ok",
            frustration=scores.frustration,
            axes=scores.axes(answer_known=item.answer is not None),
            evidence=scores.evidence,
            reasoning=scores.reasoning,
        )

    def _redact(self, message: str) -> str:
        """Remove any credential from a message before it is stored or shown."""
        secrets = list(self._secrets)
        secrets += [v for k, v in os.environ.items() if _SECRET_ENV.search(k) and len(v) >= 8]
        for secret in sorted(set(secrets), key=len, reverse=True):
            message = message.replace(secret, "[REDACTED]")
        return message


def parse_json_object(reply: str) -> Any:
    """The first JSON object in a reply, tolerating code fences and text around it."""
    candidates = [m.group(1) for m in _FENCE.finditer(reply)] + [reply]
    decoder = json.JSONDecoder()
    for text in candidates:
        for i, ch in enumerate(text):
            if ch != "{":
                continue
            try:
                obj, _ = decoder.raw_decode(text, i)
            except json.JSONDecodeError:
                continue
            if isinstance(obj, dict):
                return obj
    raise ValueError("the reply contains no JSON object")


def _parse(reply: str, schema: type[BaseModel]) -> BaseModel:
    obj = parse_json_object(reply)
    try:
        return schema.model_validate(obj)
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'object'}: {err['msg']}"
            for err in e.errors()
        )
        raise ValueError(f"invalid JSON fields: {problems}") from None


def _group_by_conversation(items: Sequence[JudgeInput]) -> list[list[JudgeInput]]:
    groups: dict[str, list[JudgeInput]] = {}
    for n, item in enumerate(items):
        groups.setdefault(item.conversation_id or f"\x00{n}", []).append(item)
    return [sorted(g, key=lambda it: it.turn or 0) for g in groups.values()]


def _transcript(group: list[JudgeInput], numbers: list[int]) -> str:
    """The conversation as the judge reads it: the first context, then each turn's prompt."""
    parts = [render_context(group[0].context)]
    for n, (i, item) in zip(numbers, enumerate(group), strict=True):
        if i > 0:
            users = [m for m in item.context if m.role == "user"]
            if users:
                parts.append(f"[USER] {users[-1].content}")
        parts.append(f"[ASSISTANT TURN {n}]\n{item.text}")
    return "\n\n".join(parts)
