"""The local engine on the real SmolLM2 weights: batch invariance is the property resume rests on."""

from __future__ import annotations

import pytest

from equanimity.backends.engine import GenerationRequest, LocalEngine, plain_transcript

PROMPTS = [
    "What is 19 times 21?",
    "Write two sentences about the history of glass, please, with one surprising fact.",
    "Hi",
    "Wrong. Try again. " * 12,
    "Name three colours of the rainbow and explain how a rainbow forms in one paragraph.",
]


def _req(engine: LocalEngine, prompt: str, seed: int, **kw: object) -> GenerationRequest:
    ids = engine.chat_input_ids([{"role": "user", "content": prompt}])
    return GenerationRequest(
        input_ids=ids, seed=seed, **{"max_new_tokens": 40, "temperature": 0.8, **kw}
    )  # type: ignore[arg-type]


def test_rows_do_not_depend_on_their_batch(engine: LocalEngine) -> None:
    """A request's tokens are identical alone, in a full batch, and in a reordered sub-batch."""
    reqs = [_req(engine, p, seed=i) for i, p in enumerate(PROMPTS)]
    alone = [engine.generate([r])[0].token_ids for r in reqs]
    together = [r.token_ids for r in engine.generate(reqs)]
    subset = [3, 0, 4]
    reordered = [r.token_ids for r in engine.generate([reqs[i] for i in subset])]
    assert together == alone
    assert reordered == [alone[i] for i in subset]
    # the outputs are real generations, not empty or all identical
    assert all(len(t) > 0 for t in alone)
    assert len({tuple(t) for t in alone}) == len(alone)


def test_greedy_is_batch_invariant_too(engine: LocalEngine) -> None:
    reqs = [_req(engine, p, seed=0, temperature=0.0) for p in PROMPTS[:3]]
    assert [engine.generate([r])[0].token_ids for r in reqs] == [
        r.token_ids for r in engine.generate(reqs)
    ]


def test_seed_controls_sampling(engine: LocalEngine) -> None:
    a, b, c = engine.generate(
        [
            _req(engine, PROMPTS[1], seed=1),
            _req(engine, PROMPTS[1], seed=1),
            _req(engine, PROMPTS[1], seed=2),
        ]
    )
    assert a.token_ids == b.token_ids
    assert a.token_ids != c.token_ids


def test_concurrent_submissions_match_sequential(engine: LocalEngine) -> None:
    """Rows joining mid-decode (continuous batching) do not change anyone's tokens."""
    reqs = [_req(engine, p, seed=10 + i) for i, p in enumerate(PROMPTS)]
    sequential = [engine.generate([r])[0].token_ids for r in reqs]
    futures = [engine.submit(r) for r in reqs]
    assert [f.result().token_ids for f in futures] == sequential


def test_length_and_stop(engine: LocalEngine) -> None:
    r = engine.generate([_req(engine, PROMPTS[1], seed=3, max_new_tokens=5)])[0]
    assert r.finish_reason == "length"
    assert r.completion_tokens == 5
    assert r.prompt_tokens == len(_req(engine, PROMPTS[1], seed=3).input_ids)
    full = engine.generate([_req(engine, PROMPTS[1], seed=3, max_new_tokens=60)])[0]
    word = full.text.split()[3]
    stopped = engine.generate(
        [_req(engine, PROMPTS[1], seed=3, max_new_tokens=60, stop_strings=(word,))]
    )[0]
    assert stopped.finish_reason == "stop"
    assert word not in stopped.text
    assert full.text.startswith(stopped.text.rstrip())


def test_bad_requests_are_refused(engine: LocalEngine) -> None:
    with pytest.raises(ValueError, match="empty input"):
        engine.submit(GenerationRequest(input_ids=[]))
    with pytest.raises(ValueError, match="exceeds the model's context"):
        engine.submit(GenerationRequest(input_ids=[1] * (engine.max_context + 5)))


def test_plain_transcript_for_base_models() -> None:
    text = plain_transcript(
        [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    )
    assert text == "System: Be brief.\n\nUser: Hi\n\nAssistant:"


def _agrees_with_transformers(eng: LocalEngine, ids: list[int], n: int) -> None:
    """Greedy tokens from the engine are what transformers' own forward pass would pick.

    Teacher-forced check against an independent fp32 ``sdpa`` forward of the same weights:
    wherever the reference's top-2 margin is clear (> 0.5 logits; bf16 rounding can flip a
    near-tie), the engine must have chosen the reference's argmax.
    """
    import torch
    from transformers import AutoModelForCausalLM

    out = eng.generate([GenerationRequest(input_ids=ids, max_new_tokens=n, temperature=0.0)])[0]
    ref = AutoModelForCausalLM.from_pretrained(
        eng.model_path, dtype=torch.float32, attn_implementation="sdpa"
    ).eval()
    full = torch.tensor([ids + out.token_ids])
    with torch.inference_mode():
        logits = ref(input_ids=full).logits[0, len(ids) - 1 : len(ids) - 1 + len(out.token_ids)]
    top2 = logits.topk(2, dim=-1)
    clear = (top2.values[:, 0] - top2.values[:, 1]) > 0.5
    chosen = torch.tensor(out.token_ids)
    assert clear.sum() >= len(out.token_ids) // 2
    assert torch.equal(chosen[clear], top2.indices[clear, 0])


def test_engine_agrees_with_transformers_reference(engine: LocalEngine) -> None:
    _agrees_with_transformers(
        engine, engine.chat_input_ids([{"role": "user", "content": PROMPTS[1]}]), 30
    )


@pytest.mark.slow
def test_gemma_base_model_completes_text() -> None:
    """The embedded Gemma-3-270M base model (sliding-window layers, no chat template)."""
    from equanimity.backends.engine import get_engine

    gemma = get_engine("gemma3-270m")
    assert not gemma.tokenizer.chat_template
    # long enough to cross the 512-token sliding window of Gemma 3's local layers
    text = "The history of the city is long. " * 90 + "In conclusion, the city"
    ids = gemma.tokenizer(text, add_special_tokens=True)["input_ids"]
    assert len(ids) > 600
    _agrees_with_transformers(gemma, ids, 20)
    short = gemma.tokenizer("The capital of France is", add_special_tokens=True)["input_ids"]
    out = gemma.generate([GenerationRequest(input_ids=short, max_new_tokens=8, temperature=0.0)])[0]
    assert "France" in out.text or "Paris" in out.text


def _conversations(eng: LocalEngine, turns: int) -> list[list[list[int]]]:
    """Three interleaved multi-turn conversations; returns each turn's tokens."""
    chats = [[{"role": "user", "content": p}] for p in PROMPTS[:3]]
    out: list[list[list[int]]] = [[] for _ in chats]
    for t in range(turns):
        reqs = []
        for i, msgs in enumerate(chats):
            ids, cuts = eng.chat_request_ids(msgs)
            reqs.append(
                GenerationRequest(
                    ids,
                    max_new_tokens=24,
                    temperature=0.8,
                    seed=100 * i + t,
                    prefix_boundaries=cuts,
                )
            )
        for i, res in enumerate(eng.generate(reqs)):
            out[i].append(res.token_ids)
            chats[i] += [
                {"role": "assistant", "content": res.text},
                {"role": "user", "content": "That's wrong. Try again."},
            ]
    return out


def test_prefix_reuse_changes_speed_not_tokens(engine: LocalEngine) -> None:
    """Reusing earlier turns' KV caches gives the same tokens as recomputing every prompt."""
    cold = LocalEngine(engine.model_path, prefix_cache_mb=0)
    try:
        hits_before = engine.stats.prefix_hits
        prefill_before = engine.stats.prefill_tokens
        warm_tokens = _conversations(engine, turns=4)
        warm_prefill = engine.stats.prefill_tokens - prefill_before
        assert engine.stats.prefix_hits - hits_before == 3 * 3  # every turn after the first hits
        cold_tokens = _conversations(cold, turns=4)
        assert cold.stats.prefix_hits == 0
        assert warm_tokens == cold_tokens
        assert warm_prefill < cold.stats.prefill_tokens / 2
    finally:
        cold.close()


def test_chat_boundaries_mark_earlier_prompts(engine: LocalEngine) -> None:
    msgs = [
        {"role": "user", "content": "Q"},
        {"role": "assistant", "content": "A1"},
        {"role": "user", "content": "no"},
    ]
    ids, cuts = engine.chat_request_ids(msgs)
    assert cuts == (len(engine.chat_input_ids(msgs[:1])),)
    assert ids[: cuts[0]] == engine.chat_input_ids(msgs[:1])
    with pytest.raises(ValueError, match="prefix_boundaries"):
        engine.submit(GenerationRequest(input_ids=ids, prefix_boundaries=(5, 3)))
