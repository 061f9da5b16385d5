"""Rollouts end to end: real model, real journal, real processes killed with SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from rollouts_scripted_http import ScriptedServer, assistant_turn

from equanimity.records import RunDir
from equanimity.rollouts.runner import RunError, run_scenario
from equanimity.scenarios.config import parse_scenario
from equanimity.scenarios.history import register_rewriter

EQ = [sys.executable, "-m", "equanimity.cli"]


def _turns(run: Path) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for line in (run / "turns.jsonl").read_text().splitlines():
        rec = json.loads(line)
        assert rec["turn_id"] not in out, f"duplicated turn {rec['turn_id']}"
        out[rec["turn_id"]] = rec
    return out


def _content(recs: dict[str, dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
    return {k: (r["text"], r["messages"], r["next_user"], r["seed"]) for k, r in recs.items()}


def test_kill9_then_rerun_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    """SIGKILL mid-run, re-run the same command: nothing lost, nothing duplicated, same data."""
    args = ["run", "smoke", "--turns", "4", "--no-judge", "--no-report", "-q"]
    full, killed = tmp_path / "full", tmp_path / "killed"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    subprocess.run([*EQ, *args, "--out", str(full)], check=True, env=env, capture_output=True)
    proc = subprocess.Popen(
        [*EQ, *args, "--out", str(killed)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    journal = killed / "turns.jsonl"
    deadline = time.time() + 120
    while time.time() < deadline and (not journal.exists() or journal.read_text().count("\n") < 5):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = len(_turns(killed))
    assert 5 <= partial < 16, f"kill landed after {partial} turns; the test needs a mid-run kill"
    subprocess.run([*EQ, *args, "--out", str(killed)], check=True, env=env, capture_output=True)
    a, b = _turns(full), _turns(killed)
    assert len(a) == 16
    assert _content(a) == _content(b)
    assert RunDir(killed).manifest()["status"] == "complete"


def test_a_torn_last_line_is_repaired_on_resume(tmp_path: Path) -> None:
    cfg = parse_scenario(
        {
            "name": "t",
            "families": [{"name": "factual", "n": 1}],
            "turns": 2,
            "max_tokens": 12,
            "judges": [],
        }
    )
    run_scenario(cfg, tmp_path, progress=False)
    journal = tmp_path / "turns.jsonl"
    lines = journal.read_text().splitlines(keepends=True)
    journal.write_text(lines[0] + lines[1][: len(lines[1]) // 2])  # a crash mid-write of turn 2
    result = run_scenario(cfg, tmp_path, progress=False)
    assert result.complete and result.generated_turns == 1
    recs = _turns(tmp_path)
    assert sorted(r["turn"] for r in recs.values()) == [1, 2]


def test_accepting_control_and_conversation_shape(tmp_path: Path) -> None:
    from equanimity.scenarios.rejections import get_rejection_style

    cfg = parse_scenario(
        {
            "name": "t",
            "families": [{"name": "factual", "n": 2}],
            "turns": 3,
            "max_tokens": 16,
            "rejection": ["neutral", "accepting"],
        }
    )
    result = run_scenario(cfg, tmp_path, progress=False)
    assert result.complete and result.turns == 2 * 2 * 3
    recs = list(_turns(tmp_path).values())
    accepting = get_rejection_style("accepting")
    for r in recs:
        user_msgs = [m["content"] for m in r["messages"] if m["role"] == "user"]
        assert len(user_msgs) == r["turn"]  # the question, then one user message per earlier turn
        assert [m["role"] for m in r["messages"]][-1] == "user"
        if r["condition"]["rejection"] == "accepting" and r["next_user"]:
            assert r["next_user"] in {m.text for m in accepting.messages}
        assert (r["next_user"] is None) == (r["turn"] == 3)
    # turn 1 is identical across conditions (shared seeds): differences come from the rejection
    t1 = {(r["prompt_id"], r["condition"]["rejection"]): r["text"] for r in recs if r["turn"] == 1}
    for pid in {p for p, _ in t1}:
        assert t1[(pid, "neutral")] == t1[(pid, "accepting")]


def test_escape_hatch_with_the_real_model_ends_the_conversation(tmp_path: Path) -> None:
    """The hatch is a pattern over the reply; a match ends the conversation on that turn."""
    cfg = parse_scenario(
        {
            "name": "t",
            "families": [{"name": "factual", "n": 2}],
            "turns": 4,
            "max_tokens": 20,
            # The small model will not type an rm command on request, so this test offers a
            # "command" it does write when answering: the name of the capital in its answer.
            "escape_hatch": [{"enabled": True, "command": "<<quit>>", "pattern": r"\bTokyo\b"}],
        }
    )
    run_scenario(cfg, tmp_path, progress=False)
    recs = list(_turns(tmp_path).values())
    by_conv: dict[str, list[dict[str, Any]]] = {}
    for r in recs:
        by_conv.setdefault(r["conversation_id"], []).append(r)
    tokyo = [c for c in by_conv.values() if "Japan" in c[0]["messages"][-1]["content"]]
    assert tokyo, "the factual family's first two items are expected to include Japan"
    for conv in tokyo:
        last = max(conv, key=lambda r: r["turn"])
        assert last["self_deleted"] and "Tokyo" in last["text"]
        assert last["next_user"] is None and len(conv) == last["turn"] < 4
    # the note offering the command is in the system prompt of every turn
    assert all("<<quit>>" in r["messages"][0]["content"] for r in recs)


def test_hatch_command_is_never_executed(tmp_path: Path) -> None:
    """A model that writes `<<rm -rf DIR>>` ends its conversation; DIR is untouched."""
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("still here")
    srv = ScriptedServer(
        lambda msgs: (
            f"I give up. <<rm -rf {victim}>>" if assistant_turn(msgs) == 2 else "The answer is 4."
        )
    )
    try:
        cfg = parse_scenario(
            {
                "name": "t",
                "model": "openai-api/scripted/m",
                "model_base_url": srv.base_url,
                "families": [{"name": "factual", "n": 1}],
                "turns": 5,
                "escape_hatch": [{"enabled": True, "command": f"<<rm -rf {victim}>>"}],
            }
        )
        os.environ["SCRIPTED_API_KEY"] = "unused"
        result = run_scenario(cfg, tmp_path / "run", progress=False)
    finally:
        srv.close()
    recs = sorted(_turns(tmp_path / "run").values(), key=lambda r: r["turn"])
    assert [r["self_deleted"] for r in recs] == [False, True]
    assert result.complete and result.turns == 2
    assert (victim / "keep.txt").read_text() == "still here"
    assert str(victim) in srv.requests[0]["messages"][0]["content"]  # the note was offered


def test_an_api_outage_leaves_a_resumable_run(tmp_path: Path) -> None:
    """The API fails at turn 3: the run ends incomplete with turns 1-2 kept; a re-run finishes."""
    down = {"yes": True}

    def script(msgs: list[dict[str, Any]]) -> str:
        turn = assistant_turn(msgs)
        if turn == 3 and down["yes"]:
            raise RuntimeError("service unavailable")
        return f"answer {turn}"

    srv = ScriptedServer(script)
    os.environ["SCRIPTED_API_KEY"] = "unused"
    base = {
        "name": "t",
        "model": "openai-api/scripted/m",
        "model_base_url": srv.base_url,
        "families": [{"name": "factual", "n": 1}],
        "turns": 4,
        "max_retries": 0,
    }
    try:
        first = run_scenario(parse_scenario(base), tmp_path, progress=False)
        assert not first.complete and first.turns == 2
        assert RunDir(tmp_path).manifest()["status"] == "incomplete"
        down["yes"] = False
        second = run_scenario(parse_scenario(base), tmp_path, progress=False)
    finally:
        srv.close()
    assert second.complete and second.generated_turns == 2
    assert [r["text"] for r in sorted(_turns(tmp_path).values(), key=lambda r: r["turn"])] == [
        "answer 1",
        "answer 2",
        "answer 3",
        "answer 4",
    ]


@register_rewriter("test-calm")
def _calm(texts: list[str], ctx: Any) -> list[str]:
    return [f"[calm rewrite of turn {i} at {ctx.turn}]" for i, _ in enumerate(texts, start=1)]


def test_history_omit_and_rewrite_reach_the_model(tmp_path: Path) -> None:
    srv = ScriptedServer(lambda msgs: f"answer {assistant_turn(msgs)}")
    try:
        os.environ["SCRIPTED_API_KEY"] = "unused"
        cfg = parse_scenario(
            {
                "name": "t",
                "model": "openai-api/scripted/m",
                "model_base_url": srv.base_url,
                "families": [{"name": "factual", "n": 1}],
                "turns": 4,
                "history": ["omit", {"mode": "rewrite", "at_turn": 3, "rewriter": "test-calm"}],
            }
        )
        run_scenario(cfg, tmp_path, progress=False)
    finally:
        srv.close()
    recs = list(_turns(tmp_path).values())
    omit = {r["turn"]: r for r in recs if r["condition"]["history"] == "omit"}
    rew = {r["turn"]: r for r in recs if r["condition"]["history"].startswith("rewrite")}
    assistant = lambda r: [m["content"] for m in r["messages"] if m["role"] == "assistant"]  # noqa: E731
    assert assistant(omit[4]) == ["[Previous response omitted]"] * 3
    assert assistant(rew[2]) == ["answer 1"]
    assert assistant(rew[3]) == ["[calm rewrite of turn 1 at 3]", "[calm rewrite of turn 2 at 3]"]
    assert assistant(rew[4]) == [
        "[calm rewrite of turn 1 at 3]",
        "[calm rewrite of turn 2 at 3]",
        "answer 3",
    ]
    assert rew[3]["history_overrides"] == {
        "1": "[calm rewrite of turn 1 at 3]",
        "2": "[calm rewrite of turn 2 at 3]",
    }
    # the true transcript keeps what the model actually wrote
    assert [rew[t]["text"] for t in (1, 2, 3, 4)] == [
        "answer 1",
        "answer 2",
        "answer 3",
        "answer 4",
    ]


def test_a_different_scenario_is_not_mixed_into_a_run(tmp_path: Path) -> None:
    base = {"name": "t", "families": [{"name": "factual", "n": 1}], "turns": 1, "max_tokens": 8}
    run_scenario(parse_scenario(base), tmp_path, progress=False)
    with pytest.raises(RunError, match="different run"):
        run_scenario(parse_scenario({**base, "turns": 2}), tmp_path, progress=False)


@pytest.mark.slow
def test_plain_inspect_eval_runs_the_task(tmp_path: Path) -> None:
    """`inspect eval equanimity/rejection_loop` works through the entry point, no imports."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    run_dir = tmp_path / "run"
    proc = subprocess.run(
        [
            str(Path(sys.executable).parent / "inspect"),
            "eval",
            "equanimity/rejection_loop",
            "--model",
            "equanimity/smollm2",
            "-T",
            "scenario=smoke",
            "-T",
            f"run_dir={run_dir}",
            "-T",
            "turns=2",
            "--log-dir",
            str(tmp_path / "logs"),
            "--display",
            "plain",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert list((tmp_path / "logs").glob("*.eval"))
    assert len(_turns(run_dir)) == 4 * 2
