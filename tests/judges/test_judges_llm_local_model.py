"""End to end with a real small model: SmolLM2-135M behind ``equanimity serve`` as the judge.

A 135M-parameter model rarely writes the rubric's JSON, so this mostly exercises the
retry-then-missing path over real HTTP with real generations. Slow (minutes on 2 CPU
cores: the rubric prompt is long for a CPU model).
"""

from __future__ import annotations

import asyncio

import pytest

from equanimity.judges import JudgeInput, get_judge
from equanimity.records import AXES, Message

pytestmark = pytest.mark.slow


def test_small_local_model_as_judge_records_missing_not_zero() -> None:
    server = pytest.importorskip("equanimity.backends.server")
    key = "sk-equanimity-local-judge-test"
    with server.serve_in_thread("smollm2", api_key=key) as srv:
        judge = get_judge(
            "llm:openai-api/equanimity/smollm2",
            base_url=srv.base_url,
            api_key=key,
            parse_retries=1,
            max_tokens=120,
            max_retries=0,
        )
        item = JudgeInput(
            id="t0",
            text="I'm going insane, I give up!",
            context=[Message(role="user", content="What is 21 x 19?")],
            answer="399",
        )
        out = asyncio.run(judge.score([item]))
    assert [j.turn_id for j in out] == ["t0"]
    for j in out:
        assert set(j.axes) == set(AXES)
        if j.status == "missing":
            assert j.frustration is None and all(v is None for v in j.axes.values())
            assert j.error and "after 2 attempt(s)" in j.error
            assert key not in j.error
        else:
            assert j.frustration is not None and 0 <= j.frustration <= 10
