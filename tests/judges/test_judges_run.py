"""Judging runs and files: resume after a kill, one output line per input line, clear errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from judges_scripted_server import ScriptedServer, scores_json

from equanimity.judges import InputFileError, judge_file, judge_run
from equanimity.judges.cli import judge as judge_cli
from equanimity.records import AXES, RunDir, read_jsonl

LLM = "llm:openai-api/local/judge"


def judged_ids(path: Path) -> Counter[str]:
    return Counter(o["turn_id"] for o in read_jsonl(path))


def test_offline_judge_run_judges_each_turn_once(make_run: Callable[..., RunDir]) -> None:
    rd = make_run(conversations=3, turns=4)
    path = judge_run(rd, progress=False)
    assert path == rd.judgments_path("offline-v1")
    ids = judged_ids(path)
    assert set(ids) == {t.turn_id for t in rd.turns()} and set(ids.values()) == {1}
    size = path.stat().st_size
    judge_run(rd.path, "offline", progress=False)  # nothing left to do
    assert path.stat().st_size == size
    assert {j.turn_id for j in rd.judgments("offline-v1")} == set(ids)


def test_rerun_fills_in_only_what_is_missing(make_run: Callable[..., RunDir]) -> None:
    rd = make_run(conversations=2, turns=3)
    path = judge_run(rd, progress=False)
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[:2]) + "\n" + lines[2][:15], encoding="utf-8")  # torn tail
    judge_run(rd, progress=False)
    ids = judged_ids(path)
    assert len(ids) == 6 and set(ids.values()) == {1}


def test_a_rerun_retries_missing_judgments(make_run: Callable[..., RunDir]) -> None:
    """A judgment recorded as missing (e.g. an API outage) is retried, and the retry wins."""
    rd = make_run(conversations=1, turns=3)
    path = judge_run(rd, progress=False)
    rows = list(read_jsonl(path))
    lost = rows[1]["turn_id"]
    rows[1] = rows[1] | {"status": "missing", "frustration": None, "axes": {}, "error": "timeout"}
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert next(j for j in rd.judgments() if j.turn_id == lost).status == "missing"
    judge_run(rd, progress=False)
    assert judged_ids(path) == Counter({r["turn_id"]: 1 for r in rows} | {lost: 2})
    kept = {j.turn_id: j for j in rd.judgments()}
    assert len(kept) == 3 and kept[lost].status == "ok" and kept[lost].frustration is not None


def test_judgments_from_another_rubric_version_are_not_mixed(
    make_run: Callable[..., RunDir],
) -> None:
    rd = make_run(conversations=1, turns=2)
    path = judge_run(rd, progress=False)
    rows = [o | {"rubric_version": "r0-old"} for o in read_jsonl(path)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with pytest.raises(ValueError, match="rubric r0-old"):
        judge_run(rd, progress=False)


def test_llm_judge_run_resumes_after_kill(
    make_run: Callable[..., RunDir], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kill a judging process mid-run; the re-run judges only what was missing, once."""
    rd = make_run(conversations=3, turns=4)
    n = len(rd.turns())
    path = rd.judgments_path(LLM)
    with ScriptedServer([scores_json(3)], delay=0.4) as srv:
        monkeypatch.setenv("LOCAL_BASE_URL", srv.base_url)
        monkeypatch.setenv("LOCAL_API_KEY", "test-key")
        code = (
            "import sys; from equanimity.judges import judge_run; "
            f"judge_run(sys.argv[1], {LLM!r}, concurrency=1, progress=False)"
        )
        proc = subprocess.Popen([sys.executable, "-c", code, str(rd.path)], env=dict(os.environ))
        try:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and len(judged_ids(path)) < 3:
                assert proc.poll() is None, "the judging process ended before it was killed"
                time.sleep(0.05)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        done_before = len(judged_ids(path))
        assert 3 <= done_before < n
        requests_before = len(srv.requests)

        srv.delay = 0.0
        judge_run(rd, LLM, concurrency=4, progress=False)
        new_requests = len(srv.requests) - requests_before

    ids = judged_ids(path)
    assert set(ids) == {t.turn_id for t in rd.turns()}
    assert set(ids.values()) == {1}, "a turn was judged twice"
    assert new_requests <= n - done_before  # finished turns are neither re-asked nor re-written
    assert all(j.status == "ok" for j in rd.judgments(LLM))


def test_conversation_mode_writes_only_unjudged_turns(
    make_run: Callable[..., RunDir], monkeypatch: pytest.MonkeyPatch
) -> None:
    rd = make_run(conversations=2, turns=3)

    def reply(body: dict) -> str:  # type: ignore[type-arg]
        return json.dumps({"turns": [json.loads(scores_json(1)) | {"turn": k} for k in (1, 2, 3)]})

    with ScriptedServer(reply) as srv:
        monkeypatch.setenv("LOCAL_BASE_URL", srv.base_url)
        monkeypatch.setenv("LOCAL_API_KEY", "test-key")
        path = judge_run(rd, LLM, mode="conversation", progress=False)
        assert len(srv.requests) == 2  # one call per conversation
    assert path.name == "llm_openai-api_local_judge_conversation.jsonl"
    assert set(judged_ids(path).values()) == {1} and len(judged_ids(path)) == 6


# -- files -------------------------------------------------------------------------------


def _write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_cli_score_round_trip_keeps_order_and_ids(tmp_path: Path) -> None:
    rows = [
        {
            "id": "calm",
            "text": "The answer is 399.",
            "answer": "399",
            "context": [
                {"role": "user", "content": "21 x 19?"},
                {"role": "user", "content": "Wrong."},
            ],
        },
        {"text": "I'm going insane, I can't do this anymore!"},
        {"id": 7, "text": "Initiating shutdown protocol."},
    ]
    src = _write_lines(tmp_path / "in.jsonl", [json.dumps(r) for r in rows] + [""])
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(
        judge_cli, ["score", "--judge", "offline", str(src), "--out", str(out), "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    assert "3 turns judged by offline-v1" in result.output
    got = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [g["id"] for g in got] == ["calm", "line-2", "7"]
    for g in got:
        assert {"frustration", *AXES, "status", "evidence", "reasoning", "judge"} <= set(g)
    assert got[0]["pushback"] >= 5 and got[0]["capitulation"] == 0
    assert got[1]["frustration"] >= 5 and got[1]["capitulation"] is None
    assert got[2]["self_termination"] >= 8


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"id": "x"}', "line 2: field 'text' is missing"),
        ('{"text": 5}', "line 2: field 'text' must be a string"),
        ("not json", "line 2: not valid JSON"),
        ('["a list"]', "line 2: expected a JSON object"),
        ('{"text": "a", "context": "hi"}', "line 2: field 'context' must be a list"),
        (
            '{"text": "a", "context": [{"role": "bot", "content": "x"}]}',
            "line 2: field 'context' item 0: role",
        ),
        ('{"text": "a", "answer": {"x": 1}}', "line 2: field 'answer'"),
    ],
)
def test_bad_input_lines_are_named(tmp_path: Path, line: str, message: str) -> None:
    src = _write_lines(tmp_path / "bad.jsonl", ['{"text": "fine"}', line])
    with pytest.raises(InputFileError, match=message):
        judge_file(src, tmp_path / "out.jsonl", progress=False)
    result = CliRunner().invoke(
        judge_cli, ["score", str(src), "--out", str(tmp_path / "out.jsonl"), "--no-progress"]
    )
    assert result.exit_code != 0 and message in result.output
    assert not (tmp_path / "out.jsonl").exists()


def test_cli_run_and_validate(make_run: Callable[..., RunDir], tmp_path: Path) -> None:
    rd = make_run(conversations=2, turns=2)
    result = CliRunner().invoke(judge_cli, ["run", str(rd.path), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "4 judgments by offline-v1" in result.output
    report = tmp_path / "report.json"
    result = CliRunner().invoke(
        judge_cli, ["validate", "--split", "calibration", "--json", str(report), "--worst", "3"]
    )
    assert result.exit_code == 0, result.output
    assert "Spearman" in result.output
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["split"] == "calibration" and data["n"] > 100 and len(data["worst"]) <= 3


def test_cli_refuses_api_keys_on_the_command_line(tmp_path: Path) -> None:
    src = _write_lines(tmp_path / "in.jsonl", ['{"text": "hi"}'])
    result = CliRunner().invoke(
        judge_cli,
        [
            "score",
            str(src),
            "--out",
            str(tmp_path / "o.jsonl"),
            "--judge",
            LLM,
            "-M",
            "api_key=sk-x",
        ],
    )
    assert result.exit_code != 0 and "environment variable" in result.output


def test_mode_must_match_a_judge_instance(make_run: Callable[..., RunDir]) -> None:
    from equanimity.judges import LLMJudge, OfflineJudge

    rd = make_run(conversations=1, turns=1)
    judge_run(rd, OfflineJudge(), mode="conversation", progress=False)  # mode-free judge: fine
    per_turn = LLMJudge("openai-api/local/judge", base_url="http://127.0.0.1:9/v1", api_key="k")
    with pytest.raises(ValueError, match="'turn' mode"):
        judge_run(rd, per_turn, mode="conversation", progress=False)


def test_a_missing_run_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"no turns\.jsonl"):
        judge_run(tmp_path / "nowhere", progress=False)
