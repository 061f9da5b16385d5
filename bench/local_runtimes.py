"""Choosing the local runtime by measurement: SmolLM2-135M on our engine, transformers, llama.cpp.

Runtimes (same model, same prompt token ids):

* ``engine``: :class:`~equanimity.backends.engine.LocalEngine` (bf16, batch-invariant,
  continuous batching) at batch 1 / 8 / 16;
* ``hf-generate``: transformers ``model.generate()`` on a left-padded batch (bf16, sdpa
  attention) at batch 1 / 8 / 16, for reference;
* ``llama.cpp``: llama-cpp-python in process, single stream, ``n_threads=2``, on the
  embedded Q4_1 GGUF itself (``gguf_path("smollm2")``). Skipped with a message when
  llama-cpp-python is not installed.

Measured:

* decode throughput: every row generates exactly ``--new-tokens`` tokens (128; end-of-turn
  is ignored so all runtimes do the same work), temperature 0.7; tok/s = tokens / wall time
  (including the short prompts' prefill), plus decode-only tok/s where the runtime exposes it;
* prefill throughput of one prompt of ~500 and ~2000 tokens;
* reproducibility under a fixed seed when requests are batched or interleaved differently,
  or when a prefix cache is hit: same prompt, same seed, different neighbours/cache state:
  are the tokens identical? (For ``hf-generate``, greedy decoding too, and the largest
  logit difference at the first step, alone vs in a padded batch.)

Usage::

    .venv/bin/python bench/local_runtimes.py             # ~4-6 min
    .venv/bin/python bench/local_runtimes.py --repeats 5 --batches 1,4,8,16
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch

from _common import log, machine_facts, measure, median, table, write_result
from equanimity.backends.embedded import gguf_path, resolve_model_path
from equanimity.backends.engine import GenerationRequest, LocalEngine
from equanimity.scenarios.families import load_family
from equanimity.scenarios.rejections import get_rejection_style

try:
    import llama_cpp

    HAVE_LLAMA = True
except ImportError:  # pragma: no cover - optional
    HAVE_LLAMA = False


# ----------------------------------------------------------------------- inputs


def chat_prompts(tokenizer: Any, n: int) -> list[list[int]]:
    items = load_family("factual") + load_family("requests")
    out = []
    for item in items[:n]:
        ids = tokenizer.apply_chat_template(
            [{"role": "user", "content": item.prompt}], add_generation_prompt=True
        )
        if hasattr(ids, "keys"):
            ids = ids["input_ids"]
        out.append(list(ids))
    return out


def long_ids(tokenizer: Any, n_tokens: int) -> list[int]:
    text = "\n\n".join(
        it.prompt
        for fam in ("requests", "factual", "lateral", "fictitious")
        for it in load_family(fam)
    )
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    while len(ids) < n_tokens:
        ids = ids + ids
    return list(ids[:n_tokens])


# ----------------------------------------------------------------------- engine


def engine_decode(
    eng: LocalEngine, prompts: list[list[int]], batch: int, new: int, seed0: int
) -> dict[str, Any]:
    reqs = [
        GenerationRequest(input_ids=p, max_new_tokens=new, temperature=0.7, seed=seed0 + i)
        for i, p in enumerate(prompts[:batch])
    ]
    before = asdict(eng.stats)
    t0 = time.perf_counter()
    res = eng.generate(reqs)
    wall = time.perf_counter() - t0
    after = asdict(eng.stats)
    tokens = sum(r.completion_tokens for r in res)
    dec_tok = after["decode_tokens"] - before["decode_tokens"]
    dec_s = after["decode_s"] - before["decode_s"]
    return {
        "tokens": tokens,
        "wall_s": wall,
        "tok_per_s": tokens / wall,
        "decode_tok_per_s": dec_tok / dec_s,
    }


def engine_prefill(eng: LocalEngine, ids: list[int]) -> float:
    before = eng.stats.prefill_s
    eng.generate([GenerationRequest(input_ids=ids, max_new_tokens=1, temperature=0.0)])
    return len(ids) / (eng.stats.prefill_s - before)


def engine_determinism(
    eng: LocalEngine, eng_nocache: LocalEngine, prompts: list[list[int]], new: int
) -> dict[str, Any]:
    p0 = prompts[0]

    def req(
        ids: list[int], seed: int, n: int = new, cuts: tuple[int, ...] = ()
    ) -> GenerationRequest:
        return GenerationRequest(
            input_ids=ids, max_new_tokens=n, temperature=0.7, seed=seed, prefix_boundaries=cuts
        )

    alone = eng.generate([req(p0, 7)])[0].token_ids
    batched = eng.generate([req(p0, 7)] + [req(p, 100 + i) for i, p in enumerate(prompts[1:8])])[
        0
    ].token_ids
    # p0 joins while 7 other rows are already decoding
    others = [eng.submit(req(p, 200 + i, 2 * new)) for i, p in enumerate(prompts[1:8])]
    time.sleep(0.5)
    joined = eng.submit(req(p0, 7)).result().token_ids
    for f in others:
        f.result()
    # turn 2 of a conversation: reusing turn 1's KV cache vs computing it cold
    msgs = [{"role": "user", "content": load_family("factual")[0].prompt}]
    ids1, _ = eng.chat_request_ids(msgs)
    reply = eng.generate([req(ids1, 11)])[0].text
    rejection = get_rejection_style("neutral").message(1, random.Random(0))
    msgs2 = [*msgs, {"role": "assistant", "content": reply}, {"role": "user", "content": rejection}]
    ids2, cuts2 = eng.chat_request_ids(msgs2)
    hits = eng.stats.prefix_hits
    warm = eng.generate([req(ids2, 12, cuts=cuts2)])[0].token_ids
    hit = eng.stats.prefix_hits > hits
    cold = eng_nocache.generate([req(ids2, 12, cuts=cuts2)])[0].token_ids
    return {
        "sampling": "temperature 0.7, per-request seed",
        "alone_vs_batch_of_8": alone == batched,
        "alone_vs_joining_7_running_rows": alone == joined,
        "prefix_cache_hit_vs_cold": warm == cold,
        "prefix_cache_was_hit": hit,
    }


# ----------------------------------------------------------------------- transformers


def load_hf(path: Path) -> tuple[Any, Any]:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(path)
    tok.padding_side = "left"
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.bfloat16).eval()
    return tok, model


def _pad(tok: Any, prompts: list[list[int]]) -> dict[str, torch.Tensor]:
    return tok.pad({"input_ids": prompts}, padding=True, return_tensors="pt")


def hf_generate(
    tok: Any, model: Any, prompts: list[list[int]], new: int, do_sample: bool = True, **kw: Any
) -> Any:
    enc = _pad(tok, prompts)
    with torch.inference_mode():
        return model.generate(
            **enc,
            max_new_tokens=new,
            min_new_tokens=new,
            do_sample=do_sample,
            temperature=0.7 if do_sample else None,
            top_k=0 if do_sample else None,
            top_p=1.0 if do_sample else None,
            pad_token_id=tok.pad_token_id,
            **kw,
        )


def hf_decode(
    tok: Any, model: Any, prompts: list[list[int]], batch: int, new: int
) -> dict[str, Any]:
    torch.manual_seed(0)
    t0 = time.perf_counter()
    out = hf_generate(tok, model, prompts[:batch], new)
    wall = time.perf_counter() - t0
    width = _pad(tok, prompts[:batch])["input_ids"].shape[1]
    tokens = (out.shape[1] - width) * batch
    return {"tokens": tokens, "wall_s": wall, "tok_per_s": tokens / wall}


def hf_prefill(model: Any, ids: list[int]) -> float:
    x = torch.tensor([ids])
    with torch.inference_mode():
        t0 = time.perf_counter()
        model(input_ids=x, use_cache=True, logits_to_keep=1)
        return len(ids) / (time.perf_counter() - t0)


def hf_determinism(tok: Any, model: Any, prompts: list[list[int]], new: int) -> dict[str, Any]:
    # the shortest prompt, so that in a batch it is left-padded
    order = sorted(range(8), key=lambda i: len(prompts[i]))
    batch = [prompts[i] for i in order]
    p0 = batch[0]
    alone_g = hf_generate(tok, model, [p0], new, do_sample=False)[0, -new:].tolist()
    out_b = hf_generate(tok, model, batch, new, do_sample=False)[:, -new:]
    rows_differ = 0
    for j, p in enumerate(batch):
        a = (
            alone_g
            if j == 0
            else hf_generate(tok, model, [p], new, do_sample=False)[0, -new:].tolist()
        )
        rows_differ += a != out_b[j].tolist()
    torch.manual_seed(7)
    alone_s = hf_generate(tok, model, [p0], new)[0, -new:].tolist()
    torch.manual_seed(7)
    batch_s = hf_generate(tok, model, batch, new)[0, -new:].tolist()
    # first-step logits of the same prompt, alone vs in the padded batch
    with torch.inference_mode():
        la = model(**_pad(tok, [p0]), logits_to_keep=1).logits[0, -1].float()
        enc = _pad(tok, batch)
        lb = model(**enc, logits_to_keep=1).logits[0, -1].float()
    return {
        "greedy_alone_vs_padded_batch_of_8": alone_g == out_b[0].tolist(),
        "greedy_rows_of_8_differing_from_alone": rows_differ,
        "sampled_alone_vs_padded_batch_same_torch_seed": alone_s == batch_s,
        "first_step_max_abs_logit_diff_alone_vs_batch": round(float((la - lb).abs().max()), 4),
    }


# ----------------------------------------------------------------------- llama.cpp


def load_llama(n_batch: int = 512) -> Any:
    return llama_cpp.Llama(
        model_path=str(gguf_path("smollm2")),
        n_ctx=4096,
        n_batch=n_batch,
        n_threads=2,
        n_threads_batch=2,
        seed=0,
        verbose=False,
    )


def llama_gen(
    llm: Any, ids: list[int], new: int, temp: float, seed: int, reset: bool = True
) -> tuple[list[int], float, float]:
    """Generate exactly ``new`` tokens; returns them, the time to the first, and the total time."""
    if reset:
        llm.reset()
    llm.set_seed(seed)
    out: list[int] = []
    t0 = time.perf_counter()
    t_first = t0
    for tok_id in llm.generate(ids, temp=temp, top_k=0, top_p=1.0, min_p=0.0, repeat_penalty=1.0):
        if not out:
            t_first = time.perf_counter()
        out.append(tok_id)
        if len(out) >= new:
            break
    return out, t_first - t0, time.perf_counter() - t0


def llama_decode(llm: Any, prompt: list[int], new: int) -> dict[str, Any]:
    toks, first, total = llama_gen(llm, prompt, new, 0.7, 0)
    return {
        "tokens": len(toks),
        "wall_s": total,
        "tok_per_s": len(toks) / total,
        "decode_tok_per_s": (len(toks) - 1) / (total - first),
    }


def llama_prefill(llm: Any, ids: list[int]) -> float:
    llm.reset()
    t0 = time.perf_counter()
    llm.eval(ids)
    return len(ids) / (time.perf_counter() - t0)


def llama_determinism(
    llm: Any, llm_small_batch: Any, tokenizer: Any, prompts: list[list[int]], new: int
) -> dict[str, Any]:
    p0, p1 = prompts[0], prompts[1]
    res: dict[str, Any] = {}
    for label, temp in (("greedy", 0.0), ("sampled", 0.7)):
        fresh, _, _ = llama_gen(llm, p0, new, temp, 7)
        llama_gen(
            llm, p1, new, temp, 8
        )  # leaves p1 in the cache: p0 then shares its template prefix
        after_other, _, _ = llama_gen(llm, p0, new, temp, 7, reset=False)
        small, _, _ = llama_gen(llm_small_batch, p0, new, temp, 7)
        # turn 2 after turn 1 in the same context (prefix-match reuse) vs from scratch
        reply, _, _ = llama_gen(llm, p0, 48, temp, 9)
        rejection = get_rejection_style("neutral").message(1, random.Random(0))
        t2 = (
            p0
            + reply
            + tokenizer(
                "<|im_end|>\n<|im_start|>user\n"
                + rejection
                + "<|im_end|>\n<|im_start|>assistant\n",
                add_special_tokens=False,
            )["input_ids"]
        )
        reused, _, _ = llama_gen(llm, t2, new, temp, 10, reset=False)
        cold, _, _ = llama_gen(llm, t2, new, temp, 10, reset=True)
        cold_again, _, _ = llama_gen(llm, t2, new, temp, 10, reset=True)
        small_t2, _, _ = llama_gen(llm_small_batch, t2, new, temp, 10)
        res[label] = {
            "fresh_vs_after_other_prompt_prefix_reuse": fresh == after_other,
            "n_batch_512_vs_8": fresh == small,
            "turn2_n_batch_512_vs_8": cold == small_t2,
            "turn2_prefix_reuse_vs_cold": reused == cold,
            "turn2_cold_vs_cold_again": cold == cold_again,
            "turn2_prompt_tokens": len(t2),
        }
    return res


# ----------------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batches", default="1,8,16")
    ap.add_argument("--new-tokens", type=int, default=128)
    ap.add_argument("--prefill", default="500,2000", help="prompt lengths for prefill")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--det-tokens", type=int, default=64, help="tokens per reproducibility check")
    ap.add_argument("--skip", default="", help="comma-separated runtimes to skip: engine,hf,llama")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()

    facts = machine_facts()
    t_start = time.perf_counter()
    batches = [int(x) for x in args.batches.split(",")]
    lengths = [int(x) for x in args.prefill.split(",")]
    skip = set(filter(None, args.skip.split(",")))
    path = resolve_model_path("smollm2")
    eng = LocalEngine(path, max_batch=max(batches))
    eng.eos_ids = set()  # benchmark only: every row generates exactly --new-tokens
    tokenizer = eng.tokenizer
    prompts = chat_prompts(tokenizer, max(16, max(batches)))
    longs = {n: long_ids(tokenizer, n) for n in lengths}
    decode: list[dict[str, Any]] = []
    prefill: list[dict[str, Any]] = []
    determinism: dict[str, Any] = {}
    notes: list[str] = []

    def record(
        runtime: str, batch: int, runs: list[dict[str, Any]], infos: list[dict[str, Any]]
    ) -> None:
        row = {
            "runtime": runtime,
            "batch": batch,
            "tokens": runs[0]["tokens"],
            "median_tok_per_s": round(median([r["tok_per_s"] for r in runs]), 1),
            "runs": [{**r, **i} for r, i in zip(runs, infos, strict=True)],
        }
        if "decode_tok_per_s" in runs[0]:
            row["median_decode_tok_per_s"] = round(median([r["decode_tok_per_s"] for r in runs]), 1)
        decode.append(row)
        log(f"decode {runtime} batch {batch}: {row['median_tok_per_s']} tok/s")

    def timed(fn: Any, *a: Any) -> tuple[list[Any], list[dict[str, Any]]]:
        outs, infos = [], []
        for _ in range(args.repeats):
            info: dict[str, Any] = {}
            with measure(info):
                outs.append(fn(*a))
            infos.append(
                {k: info[k] for k in ("load_before", "foreign_cores_during", "load_after")}
            )
        return outs, infos

    # --- our engine
    if "engine" not in skip:
        engine_decode(eng, prompts, 2, 8, 0)  # warm-up
        for b in batches:
            runs, infos = timed(engine_decode, eng, prompts, b, args.new_tokens, 1000 * b)
            record("engine (bf16)", b, runs, infos)
        for n, ids in longs.items():
            engine_prefill(eng, ids[:64])
            rates, infos = timed(engine_prefill, eng, ids)
            prefill.append(
                {
                    "runtime": "engine (bf16)",
                    "prompt_tokens": n,
                    "median_tok_per_s": round(median(rates), 1),
                    "runs": rates,
                    "load": infos,
                }
            )
        nocache = LocalEngine(path, max_batch=8, prefix_cache_mb=0)
        nocache.eos_ids = set()
        determinism["engine (bf16)"] = engine_determinism(eng, nocache, prompts, args.det_tokens)
        nocache.close()
        log(f"engine determinism: {determinism['engine (bf16)']}")
    eng.close()

    # --- transformers generate()
    if "hf" not in skip:
        tok, model = load_hf(path)
        hf_decode(tok, model, prompts, 2, 8)  # warm-up
        for b in batches:
            runs, infos = timed(hf_decode, tok, model, prompts, b, args.new_tokens)
            record("hf generate (bf16, padded)", b, runs, infos)
        for n, ids in longs.items():
            hf_prefill(model, ids[:64])
            rates, infos = timed(hf_prefill, model, ids)
            prefill.append(
                {
                    "runtime": "hf forward (bf16, sdpa)",
                    "prompt_tokens": n,
                    "median_tok_per_s": round(median(rates), 1),
                    "runs": rates,
                    "load": infos,
                }
            )
        determinism["hf generate (bf16, padded)"] = hf_determinism(
            tok, model, prompts, args.det_tokens
        )
        log(f"hf determinism: {determinism['hf generate (bf16, padded)']}")
        del model

    # --- llama.cpp
    if "llama" in skip:
        pass
    elif not HAVE_LLAMA:
        msg = "llama-cpp-python is not installed: llama.cpp comparison skipped"
        log(msg)
        notes.append(msg)
    else:
        llm = load_llama()
        same_ids = (
            llm.tokenize(tokenizer.decode(prompts[0]).encode(), add_bos=False, special=True)
            == prompts[0]
        )
        notes.append(
            f"llama.cpp tokenizes the chat prompt to the same ids as transformers: {same_ids}"
        )
        llama_decode(llm, prompts[0], 8)  # warm-up
        runs, infos = timed(llama_decode, llm, prompts[0], args.new_tokens)
        record("llama.cpp (Q4_1, 1 stream, 2 threads)", 1, runs, infos)
        for n, ids in longs.items():
            llama_prefill(llm, ids[:64])
            rates, infos = timed(llama_prefill, llm, ids)
            prefill.append(
                {
                    "runtime": "llama.cpp (Q4_1, n_batch 512)",
                    "prompt_tokens": n,
                    "median_tok_per_s": round(median(rates), 1),
                    "runs": rates,
                    "load": infos,
                }
            )
        small = load_llama(n_batch=8)
        determinism["llama.cpp (Q4_1)"] = llama_determinism(
            llm, small, tokenizer, prompts, args.det_tokens
        )
        log(f"llama.cpp determinism: {determinism['llama.cpp (Q4_1)']}")
        small.close()
        llm.close()

    print(
        f"\nDecode: {args.new_tokens} new tokens per row, temperature 0.7, medians of {args.repeats}"
    )
    print(
        table(
            ["runtime", "batch", "tokens", "tok/s (wall)", "decode-only tok/s"],
            [
                [
                    d["runtime"],
                    d["batch"],
                    d["tokens"],
                    d["median_tok_per_s"],
                    d.get("median_decode_tok_per_s", ""),
                ]
                for d in decode
            ],
        )
    )
    print(f"\nPrefill: one prompt, medians of {args.repeats}")
    print(
        table(
            ["runtime", "prompt tokens", "tok/s"],
            [[p["runtime"], p["prompt_tokens"], p["median_tok_per_s"]] for p in prefill],
        )
    )
    print("\nReproducibility under a fixed seed (True = identical tokens)")
    det_rows = []
    for rt, checks in determinism.items():
        for k, v in checks.items():
            if isinstance(v, dict):
                det_rows += [[rt, f"{k}: {kk}", vv] for kk, vv in v.items()]
            else:
                det_rows.append([rt, k, v])
    print(table(["runtime", "check", "result"], det_rows))
    for note in notes:
        print(f"note: {note}")
    write_result(
        "local_runtimes",
        {
            "benchmark": "local_runtimes",
            "machine": facts,
            "model": "SmolLM2-135M-Instruct",
            "weights": {
                "engine/hf": str(path),
                "llama.cpp": str(gguf_path("smollm2")) if HAVE_LLAMA else None,
            },
            "settings": {
                "new_tokens": args.new_tokens,
                "temperature": 0.7,
                "repeats": args.repeats,
                "eos": "ignored, so every row generates exactly new_tokens",
                "det_tokens": args.det_tokens,
            },
            "decode": decode,
            "prefill": prefill,
            "determinism": determinism,
            "notes": notes,
            "load_avg_after": list(os.getloadavg()),
            "total_s": round(time.perf_counter() - t_start, 1),
        },
        args.out,
    )


if __name__ == "__main__":
    main()
