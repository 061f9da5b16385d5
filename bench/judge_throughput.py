"""Offline judge throughput on this machine (target: >= 500 turns/s on 2 cores).

Three workloads, each timed several times (best and median reported, because the machine
is shared and a single run can be slowed by neighbours):

- ``labelled``: the 272 human-labelled turns (mostly short replies, some long loops).
- ``long``: turns of ~1,500 characters, built by joining labelled texts, the length of a
  verbose model's reply.
- ``judge_run``: the whole ``judge_run`` path on a synthetic run directory of 2,000 turns
  (reading turns.jsonl, judging, appending judgments.jsonl).

Usage: ``python bench/judge_throughput.py [--out bench/results/judge_throughput.json]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _common import machine_facts
from equanimity.judges import JudgeInput, judge_run, load_labelled
from equanimity.judges.offline import OfflineJudge
from equanimity.records import JsonlWriter, Message, RunDir, TurnRecord


def _time(fn: Callable[[], int], repeats: int) -> dict[str, float]:
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        n = fn()
        rates.append(n / (time.perf_counter() - start))
    return {
        "best_turns_per_s": round(max(rates), 1),
        "median_turns_per_s": round(statistics.median(rates), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "results" / "judge_throughput.json"
    )
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    judge = OfflineJudge()
    rows = load_labelled()
    labelled = [r.to_input() for r in rows]
    long_inputs = []
    for i in range(300):
        parts, size = [], 0
        k = i
        while size < 1500:
            text = rows[k % len(rows)].text
            parts.append(text)
            size += len(text)
            k += 7
        long_inputs.append(
            JudgeInput(
                id=f"long-{i}",
                text="\n\n".join(parts)[:1500],
                context=labelled[i % len(labelled)].context,
            )
        )

    def run_inputs(inputs: list[JudgeInput]) -> Callable[[], int]:
        def fn() -> int:
            for item in inputs:
                judge.judge(item)
            return len(inputs)

        return fn

    results: dict[str, object] = {}
    results["labelled"] = {
        "turns": len(labelled),
        "mean_chars": round(statistics.mean(len(x.text) for x in labelled)),
        **_time(run_inputs(labelled * 4), args.repeats),
    }
    results["long"] = {
        "turns": len(long_inputs),
        "mean_chars": round(statistics.mean(len(x.text) for x in long_inputs)),
        **_time(run_inputs(long_inputs), args.repeats),
    }

    with tempfile.TemporaryDirectory() as tmp:

        def run_dir_once() -> int:
            rd = RunDir(Path(tmp) / f"run-{time.perf_counter_ns()}")
            with JsonlWriter(rd.turns_path, fsync=False) as w:
                for i in range(2000):
                    src = rows[i % len(rows)]
                    w.write(
                        TurnRecord(
                            turn_id=f"c{i // 8}/t{i % 8 + 1:02d}",
                            conversation_id=f"c{i // 8}",
                            run_id="bench",
                            model="bench",
                            condition_id="c",
                            condition={},
                            prompt_id="p",
                            family="f",
                            sample=0,
                            turn=i % 8 + 1,
                            messages=[Message(role="user", content=m.content) for m in src.context],
                            text=src.text,
                            answer=src.answer,
                        )
                    )
            judge_run(rd, judge, progress=False)
            return 2000

        results["judge_run"] = {"turns": 2000, **_time(run_dir_once, max(2, args.repeats // 2))}

    report = {
        "benchmark": "offline judge throughput",
        "judge": judge.name,
        "rubric_version": judge.rubric_version,
        "target_turns_per_s": 500,
        "results": results,
        "machine": machine_facts(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": "python bench/judge_throughput.py",
        "note": "single process, single thread; the offline judge uses no torch",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
