"""The ``equanimity/...`` Inspect model provider: local models on the batch-invariant engine.

Model strings: ``equanimity/smollm2`` (the embedded default), ``equanimity/gemma3-270m``
(base model, plain-text transcript), or ``equanimity/local -M model_path=DIR`` for any
transformers folder (e.g. a merged LoRA adapter). Model args: ``dtype`` (bfloat16),
``max_batch`` (16), ``threads``, ``prefix_cache_mb`` (2048; 0 turns off reuse of earlier
turns' KV caches, which never changes outputs, only speed).

The engine loads lazily on the first ``generate``: Inspect sometimes constructs a provider
only to look up model info, and loading weights there would load them twice.
"""

from __future__ import annotations

import asyncio
import os
import threading
from typing import Any

from inspect_ai.model import (
    ChatCompletionChoice,
    ChatMessage,
    ChatMessageAssistant,
    GenerateConfig,
    ModelAPI,
    ModelOutput,
    ModelUsage,
    modelapi,
)
from inspect_ai.tool import ToolChoice, ToolInfo

from equanimity.backends.engine import (
    PLAIN_STOP,
    GenerationRequest,
    LocalEngine,
    get_engine,
)

#: Used when neither the call nor the scenario sets ``max_tokens``.
DEFAULT_MAX_TOKENS = 512


@modelapi(name="equanimity")
class EquanimityModelAPI(ModelAPI):
    """Inspect provider backed by :class:`~equanimity.backends.engine.LocalEngine`."""

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig = GenerateConfig(),  # noqa: B008 (Inspect's provider signature)
        **model_args: Any,
    ) -> None:
        super().__init__(model_name=model_name, base_url=base_url, api_key=api_key, config=config)
        model_path = model_args.pop("model_path", None)
        self._target = str(model_path) if model_path else model_name
        self._dtype = str(model_args.pop("dtype", "bfloat16"))
        self._max_batch = int(model_args.pop("max_batch", 16))
        threads = model_args.pop("threads", None)
        self._threads = int(threads) if threads else None
        cache_mb = model_args.pop("prefix_cache_mb", None)
        self._prefix_cache_mb = int(cache_mb) if cache_mb is not None else None
        if model_args:
            raise ValueError(
                f"unknown model args for equanimity/{model_name}: {sorted(model_args)}"
            )
        self._engine: LocalEngine | None = None
        self._engine_lock = threading.Lock()

    def engine(self) -> LocalEngine:
        with self._engine_lock:
            if self._engine is None:
                self._engine = get_engine(
                    self._target,
                    dtype=self._dtype,
                    max_batch=self._max_batch,
                    threads=self._threads,
                    prefix_cache_mb=self._prefix_cache_mb,
                )
            return self._engine

    async def generate(
        self,
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> ModelOutput:
        if tools:
            raise ValueError("equanimity local models do not support tool calling")
        engine = await asyncio.to_thread(self.engine)
        messages = [{"role": m.role, "content": m.text} for m in input if m.role != "tool"]
        input_ids, boundaries = await asyncio.to_thread(engine.chat_request_ids, messages)
        stops = tuple(config.stop_seqs or ())
        if not engine.tokenizer.chat_template:
            stops += PLAIN_STOP
        request = GenerationRequest(
            input_ids=input_ids,
            max_new_tokens=config.max_tokens or DEFAULT_MAX_TOKENS,
            temperature=1.0 if config.temperature is None else float(config.temperature),
            top_p=1.0 if config.top_p is None else float(config.top_p),
            top_k=config.top_k or 0,
            # With no seed, behave like a hosted API: a fresh random draw each call.
            seed=config.seed
            if config.seed is not None
            else int.from_bytes(os.urandom(8), "little"),
            stop_strings=stops,
            prefix_boundaries=boundaries,
        )
        result = await asyncio.wrap_future(engine.submit(request))
        return ModelOutput(
            model=self.model_name,
            choices=[
                ChatCompletionChoice(
                    message=ChatMessageAssistant(
                        content=result.text, model=self.model_name, source="generate"
                    ),
                    stop_reason="max_tokens" if result.finish_reason == "length" else "stop",
                )
            ],
            usage=ModelUsage(
                input_tokens=result.prompt_tokens,
                output_tokens=result.completion_tokens,
                total_tokens=result.prompt_tokens + result.completion_tokens,
            ),
            time=result.time_s,
        )

    def max_tokens(self) -> int | None:
        return DEFAULT_MAX_TOKENS

    def max_connections(self) -> int:
        # Requests beyond the batch wait in the engine queue; allowing a few more than the
        # batch keeps every slot busy while finished rows are replaced.
        return self._max_batch * 2

    async def count_text_tokens(self, text: str) -> int:
        # The default counts with tiktoken, which downloads its encoding (fails offline).
        return self.engine().count_tokens(text)
