"""The Inspect provider and the OpenAI-compatible server, both on the real SmolLM2 weights.

The server is reached over real HTTP on 127.0.0.1, through Inspect's OpenAI-compatible
provider and through the ``openai`` SDK: the same code paths a hosted API takes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.error
import urllib.request

import pytest
from inspect_ai.model import ChatMessageUser, GenerateConfig, get_model

from equanimity.backends.engine import GenerationRequest, LocalEngine

QUESTION = "What is the capital of Japan? Answer in one short sentence."


def _generate(model_name: str, seed: int, **model_kw: object) -> tuple[str, object]:
    async def go() -> tuple[str, object]:
        model = get_model(model_name, **model_kw)  # type: ignore[arg-type]
        out = await model.generate(
            [ChatMessageUser(content=QUESTION)],
            config=GenerateConfig(temperature=0.7, max_tokens=30, seed=seed),
        )
        return out.completion, out.usage

    return asyncio.run(go())


def test_inspect_provider_generates_with_the_engine(engine: LocalEngine) -> None:
    text, usage = _generate("equanimity/smollm2", seed=5)
    direct = engine.generate(
        [
            GenerationRequest(
                engine.chat_input_ids([{"role": "user", "content": QUESTION}]),
                max_new_tokens=30,
                temperature=0.7,
                seed=5,
            )
        ]
    )[0]
    assert text == direct.text
    assert usage.input_tokens == direct.prompt_tokens  # type: ignore[attr-defined]
    assert usage.output_tokens == direct.completion_tokens  # type: ignore[attr-defined]


def test_inspect_provider_counts_tokens_offline(engine: LocalEngine) -> None:
    model = get_model("equanimity/smollm2")
    n = asyncio.run(model.api.count_text_tokens("hello world, this is a test"))
    assert n == engine.count_tokens("hello world, this is a test")


def test_inspect_provider_passes_engine_args() -> None:
    api = get_model("equanimity/smollm2", prefix_cache_mb=0, max_batch=3).api
    eng = api.engine()  # type: ignore[attr-defined]
    assert eng._prefix is None and eng.max_batch == 3


def test_inspect_provider_rejects_unknown_args() -> None:
    with pytest.raises(ValueError, match=r"unknown model args.*temprature"):
        get_model("equanimity/smollm2", temprature=1).api  # noqa: B018


def test_server_over_http_matches_in_process(openai_server, api_key: str) -> None:  # type: ignore[no-untyped-def]
    """Same seed, same text: over HTTP via Inspect's OpenAI-compatible provider and in-process."""
    http_text, usage = _generate(
        "openai-api/local/smollm2", seed=11, base_url=openai_server.base_url, api_key=api_key
    )
    local_text, _ = _generate("equanimity/smollm2", seed=11)
    assert http_text == local_text
    assert usage.output_tokens > 0  # type: ignore[attr-defined]


def test_server_with_openai_sdk_and_raw_completions(openai_server, api_key: str) -> None:  # type: ignore[no-untyped-def]
    from openai import OpenAI

    client = OpenAI(base_url=openai_server.base_url, api_key=api_key)
    chat = client.chat.completions.create(
        model="smollm2",
        messages=[{"role": "user", "content": QUESTION}],
        max_tokens=20,
        temperature=0,
        seed=1,
    )
    assert chat.choices[0].message.content
    assert chat.usage is not None and chat.usage.completion_tokens <= 20
    comp = client.completions.create(
        model="smollm2", prompt="One, two, three,", max_tokens=5, temperature=0
    )
    assert comp.choices[0].finish_reason == "length"
    assert comp.usage is not None and comp.usage.completion_tokens == 5


def test_server_requires_the_key_and_never_echoes_it(openai_server, api_key: str, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    req = urllib.request.Request(
        openai_server.base_url + "/chat/completions",
        data=json.dumps({"messages": [{"role": "user", "content": "hi"}]}).encode(),
        headers={"Authorization": "Bearer wrong-key", "Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req)
    assert err.value.code == 401
    body = err.value.read().decode()
    assert "wrong-key" not in body and api_key not in body
    # a good request: the key appears nowhere in what was logged
    _generate("openai-api/local/smollm2", seed=2, base_url=openai_server.base_url, api_key=api_key)
    assert api_key not in caplog.text


def test_server_rejects_malformed_requests(openai_server, api_key: str) -> None:  # type: ignore[no-untyped-def]
    def post(body: object) -> tuple[int, str]:
        req = urllib.request.Request(
            openai_server.base_url + "/chat/completions",
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    assert post({"messages": []})[0] == 400
    assert post({"messages": [{"role": "wizard", "content": "x"}]})[0] == 400
    code, body = post({"messages": [{"role": "user", "content": "x"}], "n": 3})
    assert code == 400 and "n=1" in body
