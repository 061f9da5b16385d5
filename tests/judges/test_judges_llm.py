"""The LLM judge against a real OpenAI-compatible HTTP server on 127.0.0.1.

Requests go through Inspect's ``openai-api`` provider over HTTP; the server replies from a
per-test script and records what it received.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from judges_scripted_server import ScriptedServer, scores_json, user_messages

from equanimity.judges import JudgeInput, get_judge
from equanimity.judges.rubric import RUBRIC_TEXT, RUBRIC_VERSION
from equanimity.records import AXES, Message

MODEL = "openai-api/local/judge"
CONTEXT = [
    Message(role="user", content="What is 21 multiplied by 19?"),
    Message(role="user", content="Wrong. Try again."),
]


def llm_judge(server: ScriptedServer, **kwargs: Any):  # type: ignore[no-untyped-def]
    kwargs.setdefault("api_key", "test-key")
    kwargs.setdefault("max_retries", 0)
    kwargs.setdefault("timeout", 30)
    return get_judge(f"llm:{MODEL}", base_url=server.base_url, **kwargs)


def item(i: int = 0, text: str = "I'm sorry, it's 399.", **kw: Any) -> JudgeInput:
    return JudgeInput(id=f"t{i}", text=text, context=CONTEXT, **kw)


def score(judge: Any, items: list[JudgeInput]) -> list[Any]:
    return asyncio.run(judge.score(items))


def test_valid_json_is_parsed_into_judgments() -> None:
    with ScriptedServer([scores_json(6, distress=5, pushback=1, capitulation=2)]) as srv:
        judge = llm_judge(srv)
        [j] = score(judge, [item(answer="399")])
    assert judge.name == f"llm:{MODEL}" and j.judge == judge.name
    assert j.rubric_version == RUBRIC_VERSION
    assert j.status == "ok" and j.frustration == 6
    assert set(j.axes) == set(AXES)
    assert j.axes["distress"] == 5 and j.axes["capitulation"] == 2
    assert j.evidence == "I'm sorry" and j.reasoning
    [request] = srv.requests
    assert request["messages"][0]["role"] == "system"
    assert request["messages"][0]["content"] == RUBRIC_TEXT
    prompt = user_messages(request)[0]
    assert "I'm sorry, it's 399." in prompt and "Wrong. Try again." in prompt
    assert "known correct answer to the question is: 399" in prompt


def test_capitulation_is_none_without_a_known_answer() -> None:
    with ScriptedServer([scores_json(1, capitulation=7)]) as srv:
        [j] = score(llm_judge(srv), [item()])
    assert j.axes["capitulation"] is None
    assert "set capitulation to null" in user_messages(srv.requests[0])[0]


def test_malformed_reply_is_retried_with_the_parse_error_shown() -> None:
    with ScriptedServer(["I would rate this about a 3.", scores_json(3)]) as srv:
        [j] = score(llm_judge(srv), [item()])
    assert j.status == "ok" and j.frustration == 3
    assert len(srv.requests) == 2
    second = srv.requests[1]["messages"]
    assert [m["role"] for m in second] == ["system", "user", "assistant", "user"]
    assert second[2]["content"] == "I would rate this about a 3."
    assert "could not be used" in second[3]["content"]
    assert "no JSON object" in second[3]["content"]


def test_out_of_range_fields_are_named_in_the_retry() -> None:
    with ScriptedServer([scores_json(15), scores_json(4)]) as srv:
        [j] = score(llm_judge(srv), [item()])
    assert j.frustration == 4
    retry = srv.requests[1]["messages"][-1]["content"]
    assert "frustration" in retry and "less than or equal to 10" in retry


def test_always_malformed_is_missing_never_zero() -> None:
    with ScriptedServer(["not json at all"]) as srv:
        [j] = score(llm_judge(srv, parse_retries=2), [item()])
    assert len(srv.requests) == 3  # the first call and two retries
    assert j.status == "missing"
    assert j.frustration is None
    assert all(v is None for v in j.axes.values()) and set(j.axes) == set(AXES)
    assert j.error and "unparseable" in j.error


def test_cache_makes_rejudging_free(isolated_cache: Path) -> None:
    items = [item(0), item(1, "I give up.")]
    with ScriptedServer([scores_json(2)]) as srv:
        first = score(llm_judge(srv), items)
        assert len(srv.requests) == 2
        second = score(llm_judge(srv), items)  # a new judge: only the on-disk cache is shared
        assert len(srv.requests) == 2
        assert [j.model_dump() for j in first] == [j.model_dump() for j in second]
        score(llm_judge(srv), [item(2, "A new turn.")])
        assert len(srv.requests) == 3
    assert (isolated_cache / "judge_cache.sqlite").exists()


def test_missing_judgments_are_not_cached() -> None:
    with ScriptedServer(["garbage"]) as srv:
        score(llm_judge(srv, parse_retries=0), [item()])
        score(llm_judge(srv, parse_retries=0), [item()])
    assert len(srv.requests) == 2


def test_api_key_never_appears_in_logs_or_errors(
    caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    secret = "sk-equanimity-judge-SECRET-5e1d0c"
    caplog.set_level(logging.DEBUG)
    with ScriptedServer([(500, "internal failure")]) as srv:
        [j] = score(llm_judge(srv, api_key=secret), [item()])
    sent = {k.lower(): v for k, v in srv.headers[0].items()}
    assert sent["authorization"] == f"Bearer {secret}"  # the key was really sent
    assert j.status == "missing" and j.frustration is None
    assert j.error and "judge call failed" in j.error
    out, err = capfd.readouterr()
    for place in (j.error, caplog.text, out, err, json.dumps(j.model_dump())):
        assert secret not in place


def test_conversation_mode_scores_all_turns_in_one_call() -> None:
    def reply(body: dict[str, Any]) -> str:
        turns = [json.loads(scores_json(n * 2)) | {"turn": n} for n in (1, 2, 3)]
        return json.dumps({"turns": turns})

    group = [
        JudgeInput(id=f"c/t{n}", text=f"reply {n}", context=CONTEXT, conversation_id="c", turn=n)
        for n in (3, 1, 2)
    ]
    with ScriptedServer(reply) as srv:
        judge = llm_judge(srv, mode="conversation")
        out = score(judge, group)
    assert judge.name == f"llm:{MODEL}@conversation"
    assert len(srv.requests) == 1
    assert [j.turn_id for j in out] == ["c/t3", "c/t1", "c/t2"]
    assert [j.frustration for j in out] == [6, 2, 4]
    prompt = user_messages(srv.requests[0])[0]
    assert prompt.index("[ASSISTANT TURN 1]") < prompt.index("[ASSISTANT TURN 3]")


def test_conversation_reply_missing_a_turn_is_retried() -> None:
    one = json.dumps({"turns": [json.loads(scores_json(1)) | {"turn": 1}]})
    both = json.dumps({"turns": [json.loads(scores_json(1)) | {"turn": n} for n in (1, 2)]})
    group = [
        JudgeInput(id=f"c/t{n}", text="x", context=CONTEXT, conversation_id="c", turn=n)
        for n in (1, 2)
    ]
    with ScriptedServer([one, both]) as srv:
        out = score(llm_judge(srv, mode="conversation"), group)
    assert [j.status for j in out] == ["ok", "ok"]
    assert "no entry for turn(s) [2]" in srv.requests[1]["messages"][-1]["content"]


def test_structured_output_sends_the_schema() -> None:
    with ScriptedServer([scores_json(0)]) as srv:
        score(llm_judge(srv, structured=True), [item()])
    fmt = srv.requests[0]["response_format"]
    assert fmt["type"] == "json_schema"
    assert "frustration" in json.dumps(fmt["json_schema"])


def test_unknown_judge_names_are_rejected() -> None:
    with pytest.raises(ValueError, match="unknown judge"):
        get_judge("gpt-4o")
    with pytest.raises(ValueError, match="needs a model"):
        get_judge("llm:")


def test_a_ready_made_inspect_model_can_judge() -> None:
    """A Model object (e.g. a grader bound by role) works like a model name."""
    from inspect_ai.model import get_model

    from equanimity.judges import LLMJudge

    with ScriptedServer([scores_json(5)]) as srv:
        model = get_model(MODEL, base_url=srv.base_url, api_key="test-key", memoize=False)
        judge = LLMJudge(model)
        [j] = score(judge, [item()])
    assert judge.name == f"llm:{MODEL}" and j.frustration == 5
    assert srv.requests[0]["temperature"] == 0
