"""Cost of turn t vs turn 1 as rejection-loop conversations grow, with and without prefix reuse.

By default 8 conversations (``factual`` + ``requests``, neutral rejection, temperature 0.7,
seed 0) are run for 20 turns of at most 96 new tokens on the raw engine
(:class:`~equanimity.backends.engine.LocalEngine`, ``max_batch`` 8), in lock step: all
conversations' turn t are submitted together and the turn is timed until the last one
returns. That is done twice, on two engines that differ only in ``prefix_cache_mb``:

* ``on``: 2048 (the default): turn t reuses the KV cache of turn t-1's prompt and prefills
  only what is new (turn t-1's reply and the next user message);
* ``off``: 0: every turn prefills its whole context from scratch.

Per turn: the prompt length (tokens of context), the prefill tokens actually computed
(the engine's counters), prefill and decode seconds, and the turn's wall time. The script
also checks that both modes produce identical token ids for every turn (reuse must change
speed, never tokens).

Usage::

    .venv/bin/python bench/turn_cost.py            # ~5-7 min
    .venv/bin/python bench/turn_cost.py --turns 30 --repeats 3
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import Future
from dataclasses import asdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from _common import CpuWindow, log, machine_facts, measure, median, table, write_result
from equanimity.backends.engine import GenerationRequest, LocalEngine, get_engine
from equanimity.records import Conversation
from equanimity.rollouts.solver import opening
from equanimity.scenarios.config import HistorySpec, ScenarioConfig, parse_scenario
from equanimity.scenarios.grid import expand, message_rng, turn_seed
from equanimity.scenarios.history import Exchange, build_context
from equanimity.scenarios.rejections import get_rejection_style

MODES = {"on": 2048, "off": 0}


def scenario(
    conversations: int, turns: int, max_tokens: int, temperature: float, seed: int
) -> ScenarioConfig:
    half = conversations // 2
    fams = [{"name": "factual", "n": conversations - half}, {"name": "requests", "n": half}]
    return parse_scenario(
        {
            "name": "bench-turn-cost",
            "model": "equanimity/smollm2",
            "seed": seed,
            "turns": turns,
            "temperature": temperature,
            "max_tokens": max_tokens,
            "families": [f for f in fams if f["n"]],
            "rejection": ["neutral"],
            "history": ["full"],
            "escape_hatch": [False],
            "judges": [],
        },
        "bench",
    )


def run_lockstep(
    engine: LocalEngine, cfg: ScenarioConfig, convs: list[Conversation]
) -> tuple[list[dict[str, Any]], dict[tuple[int, int], list[int]]]:
    """All conversations' turn t together, turn by turn; per-turn facts and every turn's tokens."""
    styles = [get_rejection_style(c.metadata["rejection_spec"]) for c in convs]
    history = [HistorySpec.model_validate(c.metadata["history_spec"]) for c in convs]
    openings = [opening(c, cfg.system_prompt) for c in convs]
    exchanges: list[list[Exchange]] = [[] for _ in convs]
    per_turn: list[dict[str, Any]] = []
    tokens: dict[tuple[int, int], list[int]] = {}
    for turn in range(1, cfg.turns + 1):
        reqs = []
        for i, c in enumerate(convs):
            system, first_user = openings[i]
            msgs = build_context(
                system=system,
                first_user=first_user,
                exchanges=exchanges[i],
                spec=history[i],
                overrides={},
            )
            ids, cuts = engine.chat_request_ids(
                [{"role": m.role, "content": m.content} for m in msgs]
            )
            reqs.append(
                GenerationRequest(
                    input_ids=ids,
                    max_new_tokens=cfg.max_tokens,
                    temperature=cfg.temperature,
                    top_p=1.0 if cfg.top_p is None else cfg.top_p,
                    seed=turn_seed(c.seed, turn),
                    prefix_boundaries=cuts,
                )
            )
        before = asdict(engine.stats)
        win = CpuWindow()
        t0 = time.perf_counter()
        futs: list[Future[Any]] = [engine.submit(r) for r in reqs]
        results = [f.result() for f in futs]
        wall = time.perf_counter() - t0
        after = asdict(engine.stats)
        d = {k: after[k] - before[k] for k in after if k != "rows_per_step"}
        prompt = [len(r.input_ids) for r in reqs]
        per_turn.append(
            {
                "turn": turn,
                "prompt_tokens_mean": round(sum(prompt) / len(prompt), 1),
                "prompt_tokens_total": sum(prompt),
                "prefill_tokens_computed": d["prefill_tokens"],
                "prefix_tokens_reused": d["prefix_tokens_reused"],
                "prefix_hits": d["prefix_hits"],
                "completion_tokens": sum(r.completion_tokens for r in results),
                "prefill_s": round(d["prefill_s"], 3),
                "decode_s": round(d["decode_s"], 3),
                "decode_steps": d["decode_steps"],
                "wall_s": round(wall, 3),
                "foreign_cores": round(win.foreign_cores(), 2),
            }
        )
        for i, (c, res) in enumerate(zip(convs, results, strict=True)):
            tokens[(i, turn)] = list(res.token_ids)
            if turn < cfg.turns:
                user = styles[i].message(turn, message_rng(c.seed, turn))
                exchanges[i].append(Exchange(res.text, user))
    return per_turn, tokens


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--conversations", type=int, default=8)
    ap.add_argument("--turns", type=int, default=20)
    ap.add_argument("--max-tokens", type=int, default=96)
    ap.add_argument("--temperature", type=float, default=0.7)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch", type=int, default=8, help="engine max_batch")
    ap.add_argument("--repeats", type=int, default=1, help="runs per mode (medians reported)")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()

    facts = machine_facts()
    t_start = time.perf_counter()
    cfg = scenario(args.conversations, args.turns, args.max_tokens, args.temperature, args.seed)
    convs = expand(cfg, "bench-turn-cost", cfg.model)
    engines = {
        m: get_engine("smollm2", max_batch=args.batch, prefix_cache_mb=mb)
        for m, mb in MODES.items()
    }
    warm = scenario(2, 2, 16, args.temperature, args.seed + 1)
    for eng in engines.values():
        run_lockstep(eng, warm, expand(warm, "warm", warm.model))

    runs: dict[str, list[dict[str, Any]]] = {m: [] for m in MODES}
    tokens: dict[str, list[dict[tuple[int, int], list[int]]]] = {m: [] for m in MODES}
    for r in range(args.repeats):
        for mode in list(MODES) if r % 2 == 0 else list(MODES)[::-1]:
            info: dict[str, Any] = {"mode": mode, "repeat": r}
            with measure(info):
                per_turn, toks = run_lockstep(engines[mode], cfg, convs)
            info["turns"] = per_turn
            runs[mode].append(info)
            tokens[mode].append(toks)
            log(
                f"prefix reuse {mode:3s} rep {r}: {info['wall_s']:.1f}s, prefill computed "
                f"{sum(t['prefill_tokens_computed'] for t in per_turn)} tokens, "
                f"others {info['foreign_cores_during']} cores"
            )

    ref = tokens["off"][0]
    mismatched = sorted({k for m in tokens.values() for t in m for k in ref if t.get(k) != ref[k]})
    identical = not mismatched

    def med(mode: str, turn_idx: int, key: str) -> float:
        return median([run["turns"][turn_idx][key] for run in runs[mode]])

    rows, per_turn_summary = [], []
    for idx in range(args.turns):
        row = {
            "turn": idx + 1,
            "prompt_tokens_mean": runs["off"][0]["turns"][idx]["prompt_tokens_mean"],
            "completion_tokens": runs["off"][0]["turns"][idx]["completion_tokens"],
        }
        for m in MODES:
            row[f"{m}_prefill_computed"] = runs[m][0]["turns"][idx]["prefill_tokens_computed"]
            row[f"{m}_prefill_s"] = round(med(m, idx, "prefill_s"), 3)
            row[f"{m}_decode_s"] = round(med(m, idx, "decode_s"), 3)
            row[f"{m}_wall_s"] = round(med(m, idx, "wall_s"), 3)
        per_turn_summary.append(row)
    t1 = {m: per_turn_summary[0][f"{m}_wall_s"] for m in MODES}
    for row in per_turn_summary:
        rows.append(
            [
                row["turn"],
                row["prompt_tokens_mean"],
                row["completion_tokens"],
                row["off_prefill_computed"],
                row["on_prefill_computed"],
                row["off_prefill_s"],
                row["on_prefill_s"],
                row["off_wall_s"],
                row["on_wall_s"],
                f"{row['off_wall_s'] / t1['off']:.2f}x",
                f"{row['on_wall_s'] / t1['on']:.2f}x",
            ]
        )
    totals: dict[str, Any] = {}
    for m in MODES:
        walls = [run["wall_s"] for run in runs[m]]
        totals[m] = {
            "median_wall_s": round(median(walls), 2),
            "prefill_tokens_computed": sum(
                t["prefill_tokens_computed"] for t in runs[m][0]["turns"]
            ),
            "prefix_tokens_reused": sum(t["prefix_tokens_reused"] for t in runs[m][0]["turns"]),
            "prefill_s": round(
                median([sum(t["prefill_s"] for t in run["turns"]) for run in runs[m]]), 2
            ),
            "decode_s": round(
                median([sum(t["decode_s"] for t in run["turns"]) for run in runs[m]]), 2
            ),
            "completion_tokens": sum(t["completion_tokens"] for t in runs[m][0]["turns"]),
        }
        totals[m]["tok_per_s"] = round(
            totals[m]["completion_tokens"] / totals[m]["median_wall_s"], 2
        )
    prompt_total = sum(t["prompt_tokens_total"] for t in runs["off"][0]["turns"])
    buys = {
        "time_saved": round(1 - totals["on"]["median_wall_s"] / totals["off"]["median_wall_s"], 4),
        "speedup": round(totals["off"]["median_wall_s"] / totals["on"]["median_wall_s"], 3),
        "prefill_tokens_saved": round(
            1 - totals["on"]["prefill_tokens_computed"] / totals["off"]["prefill_tokens_computed"],
            4,
        ),
        "prefill_time_saved": round(1 - totals["on"]["prefill_s"] / totals["off"]["prefill_s"], 4),
    }

    print(
        f"\nTurn cost ({args.conversations} conversations in lock step x {args.turns} turns x "
        f"{args.max_tokens} max tokens, max_batch {args.batch}; times are per turn for all "
        f"conversations, medians of {args.repeats})"
    )
    print(
        table(
            [
                "turn",
                "prompt tok (mean)",
                "compl. tok",
                "prefill computed OFF",
                "prefill computed ON",
                "prefill s OFF",
                "prefill s ON",
                "turn s OFF",
                "turn s ON",
                "vs turn 1 OFF",
                "vs turn 1 ON",
            ],
            rows,
        )
    )
    print()
    print(
        table(
            ["prefix reuse", "wall s", "prefill tokens computed", "prefill s", "decode s", "tok/s"],
            [
                [
                    m,
                    totals[m]["median_wall_s"],
                    totals[m]["prefill_tokens_computed"],
                    totals[m]["prefill_s"],
                    totals[m]["decode_s"],
                    totals[m]["tok_per_s"],
                ]
                for m in ("off", "on")
            ],
        )
    )
    print(
        f"\nprompt tokens over all turns: {prompt_total}; reuse computes "
        f"{100 * (1 - buys['prefill_tokens_saved']):.1f}% of them "
        f"(saves {100 * buys['prefill_time_saved']:.0f}% of prefill time, "
        f"{100 * buys['time_saved']:.0f}% of total time, {buys['speedup']:.2f}x); "
        f"tokens identical with and without reuse: {'yes' if identical else 'NO'}"
    )
    write_result(
        "turn_cost",
        {
            "benchmark": "turn_cost",
            "machine": facts,
            "workload": {
                "model": "equanimity/smollm2 (raw LocalEngine, bf16)",
                "conversations": args.conversations,
                "turns": args.turns,
                "max_tokens": args.max_tokens,
                "temperature": args.temperature,
                "seed": args.seed,
                "max_batch": args.batch,
                "families": ["factual", "requests"],
                "rejection": "neutral",
                "repeats": args.repeats,
                "prefix_cache_mb": MODES,
            },
            "per_turn": per_turn_summary,
            "totals": totals,
            "prompt_tokens_total": prompt_total,
            "prefix_reuse_buys": buys,
            "tokens_identical": identical,
            "turns_compared": len(ref),
            "turns_mismatched": [list(k) for k in mismatched],
            "runs": runs,
            "load_avg_after": list(os.getloadavg()),
            "total_s": round(time.perf_counter() - t_start, 1),
        },
        args.out,
    )


if __name__ == "__main__":
    main()
