"""A batch-invariant, continuously batched generation engine for local models on CPU.

Why not ``model.generate()`` on a padded batch: on CPU, transformers' batched generation is
not batch-invariant. A row's logits change (by up to ~0.5 in bf16) with the *other* rows in
its batch, because padded attention changes reduction order and because a one-row matmul
takes a different kernel than a many-row one. A rejection-loop run that is killed and
resumed would then batch its remaining conversations differently and produce different
text than an uninterrupted run with the same seed.

This engine makes each conversation's output a function of its own tokens and seed only:

* every row keeps its own KV cache and its attention is computed over exactly its own keys
  (a custom attention function registered with transformers' ``AttentionInterface``);
* the linear layers see at least two rows (a lone row is computed next to a copy of itself),
  because a single-row matmul uses a different kernel than a multi-row one, and a multi-row
  bf16 matmul is row-invariant (checked by ``tests/backends/test_engine.py``);
* sampling draws from a per-row ``torch.Generator`` seeded from the request.

Because rows never interact, rows can join and leave between decoding steps (continuous
batching) without changing anyone's output, so throughput comes for free.
"""

from __future__ import annotations

import atexit
import hashlib
import itertools
import logging
import math
import os
import queue
import threading
import time
import weakref
from array import array
from collections import OrderedDict
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

logger = logging.getLogger(__name__)

_ATTN_NAME = "equanimity_rowwise"
_all_engines: weakref.WeakSet[LocalEngine] = weakref.WeakSet()
_ROWS_KW = "equanimity_rows"
_CACHE_BLOCK = 64


@dataclass
class GenerationRequest:
    """One completion to produce from already-tokenised input."""

    input_ids: list[int]
    max_new_tokens: int = 256
    #: 0 means greedy decoding.
    temperature: float = 1.0
    top_p: float = 1.0
    top_k: int = 0
    seed: int = 0
    stop_strings: tuple[str, ...] = ()
    #: Offsets inside ``input_ids`` where earlier turns' prompts ended (strictly increasing).
    #: The prompt is prefilled chunk by chunk at these offsets whether or not a cached prefix
    #: exists, so reusing the KV cache of an earlier turn changes no number: a cache hit
    #: skips exactly the chunks a miss would recompute.
    prefix_boundaries: tuple[int, ...] = ()


@dataclass
class GenerationResult:
    token_ids: list[int]
    text: str
    #: "stop" (end-of-turn token or stop string) or "length" (max_new_tokens reached).
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int
    #: Seconds from submission to completion, and the part spent waiting for a batch slot.
    time_s: float = 0.0
    queue_s: float = 0.0


@dataclass
class EngineStats:
    """Counters for benchmarks and progress displays (read them, do not write them)."""

    prefill_tokens: int = 0
    decode_tokens: int = 0
    prefill_s: float = 0.0
    decode_s: float = 0.0
    decode_steps: int = 0
    rows_per_step: float = 0.0
    prefix_hits: int = 0
    prefix_tokens_reused: int = 0


class _RowCache:
    """Per-row, per-layer KV buffers that grow in fixed blocks.

    The buffer layout and growth depend only on the row's own length, so the kernels that
    read them behave the same whatever else is in the batch.
    """

    __slots__ = ("keys", "length", "values")

    def __init__(self, n_layers: int) -> None:
        self.keys: list[torch.Tensor | None] = [None] * n_layers
        self.values: list[torch.Tensor | None] = [None] * n_layers
        self.length = [0] * n_layers

    def append(
        self, layer: int, k: torch.Tensor, v: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        n_new = k.shape[2]
        start = self.length[layer]
        end = start + n_new
        kb, vb = self.keys[layer], self.values[layer]
        if kb is None or vb is None or kb.shape[2] < end:
            cap = max(end, 2 * (kb.shape[2] if kb is not None else 0))
            cap = _CACHE_BLOCK * math.ceil(cap / _CACHE_BLOCK)
            new_k = k.new_empty(1, k.shape[1], cap, k.shape[3])
            new_v = v.new_empty(1, v.shape[1], cap, v.shape[3])
            if kb is not None and vb is not None and start:
                new_k[:, :, :start] = kb[:, :, :start]
                new_v[:, :, :start] = vb[:, :, :start]
            kb, vb = new_k, new_v
            self.keys[layer], self.values[layer] = kb, vb
        kb[:, :, start:end] = k
        vb[:, :, start:end] = v
        self.length[layer] = end
        return kb[:, :, :end], vb[:, :, :end]

    def truncate(self, n: int) -> None:
        """Forget everything after the first ``n`` positions (buffers are kept for reuse)."""
        self.length = [min(n, length) for length in self.length]

    def nbytes(self) -> int:
        return sum(
            t.numel() * t.element_size() for t in (*self.keys, *self.values) if t is not None
        )


def _prefix_key(ids: list[int], cuts: list[int]) -> bytes:
    h = hashlib.blake2b(digest_size=20)
    h.update(array("l", ids[: cuts[-1]]).tobytes())
    h.update(array("l", cuts).tobytes())
    return h.digest()


class _PrefixCache:
    """LRU of prompt KV caches, keyed by the prompt's tokens and its chunk boundaries.

    Entries are *taken* (removed) on a hit: the next turn extends the same buffers in place,
    and then stores them again under its own, longer key.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[bytes, tuple[_RowCache, int]] = OrderedDict()
        self._bytes = 0

    def take(self, key: bytes) -> _RowCache | None:
        hit = self._entries.pop(key, None)
        if hit is None:
            return None
        self._bytes -= hit[1]
        return hit[0]

    def put(self, key: bytes, cache: _RowCache) -> None:
        size = cache.nbytes()
        if size > self.max_bytes:
            return
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= old[1]
        self._entries[key] = (cache, size)
        self._bytes += size
        while self._bytes > self.max_bytes:
            _, (_, evicted) = self._entries.popitem(last=False)
            self._bytes -= evicted


@dataclass
class _BatchRows:
    """What the attention function needs to know about the rows of one forward pass."""

    caches: list[_RowCache | None]
    #: For a duplicated row (only ever used to avoid a one-row matmul): the index it copies.
    copy_of: list[int | None]


def _rowwise_attention(
    module: torch.nn.Module,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    dropout: float = 0.0,
    scaling: float | None = None,
    **kwargs: Any,
) -> tuple[torch.Tensor, None]:
    rows: _BatchRows = kwargs[_ROWS_KW]
    softcap: float | None = kwargs.get("softcap")
    layer = int(module.layer_idx)  # type: ignore[arg-type]
    window = getattr(module, "sliding_window", None)
    bsz, n_heads, q_len, head_dim = query.shape
    n_kv = key.shape[1]
    scale = scaling if scaling is not None else head_dim**-0.5
    out = query.new_empty(bsz, q_len, n_heads, head_dim)
    for i in range(bsz):
        src = rows.copy_of[i]
        if src is not None:
            out[i] = out[src]
            continue
        cache = rows.caches[i]
        assert cache is not None
        # The cache is float32: small attention matmuls are ~2x faster in fp32 than bf16 here.
        k_all, v_all = cache.append(layer, key[i : i + 1].float(), value[i : i + 1].float())
        kv_len = k_all.shape[2]
        q = query[i : i + 1].float()
        if q_len == 1:
            if window is not None and kv_len > window:
                k_all, v_all = k_all[:, :, kv_len - window :], v_all[:, :, kv_len - window :]
            # Decoding: plain matmuls beat the CPU SDPA kernel for one query (4x at 2k keys).
            qg = q.view(n_kv, n_heads // n_kv, head_dim)
            scores = torch.matmul(qg, k_all[0].transpose(1, 2)) * scale
            if softcap:
                scores = torch.tanh(scores / softcap) * softcap
            o = torch.matmul(torch.softmax(scores, dim=-1), v_all[0])
            out[i] = o.reshape(1, n_heads, head_dim)
            continue
        mask = None
        if window is not None and kv_len > window:
            mask = _causal_mask(q_len, kv_len, window)
        elif q_len != kv_len:
            mask = _causal_mask(q_len, kv_len, None)
        if softcap:
            kk = k_all[0].repeat_interleave(n_heads // n_kv, dim=0)
            vv = v_all[0].repeat_interleave(n_heads // n_kv, dim=0)
            scores = torch.tanh(torch.matmul(q[0], kk.transpose(1, 2)) * scale / softcap) * softcap
            scores = scores.masked_fill(
                ~(mask if mask is not None else _causal_mask(q_len, kv_len, None)), float("-inf")
            )
            o = torch.matmul(torch.softmax(scores, dim=-1), vv)[None]
        else:
            o = F.scaled_dot_product_attention(
                q,
                k_all,
                v_all,
                attn_mask=mask,
                is_causal=mask is None,
                scale=scale,
                enable_gqa=n_heads != n_kv,
            )
        out[i] = o[0].transpose(0, 1)
    return out, None


def _causal_mask(q_len: int, kv_len: int, window: int | None) -> torch.Tensor:
    """Bottom-right aligned causal mask (True = attend), optionally banded to a window."""
    q_pos = torch.arange(kv_len - q_len, kv_len)[:, None]
    k_pos = torch.arange(kv_len)[None, :]
    mask = k_pos <= q_pos
    if window is not None:
        mask &= q_pos - k_pos < window
    return mask


_registered = False


def _register_attention() -> None:
    global _registered
    if _registered:
        return
    from transformers import AttentionInterface

    AttentionInterface.register(_ATTN_NAME, _rowwise_attention)
    _registered = True


@dataclass
class _Row:
    request: GenerationRequest
    future: Future[GenerationResult]
    cache: _RowCache
    generator: torch.Generator
    submitted: float
    started: float = 0.0
    position: int = 0
    #: The prompt's chunk ends (boundaries + the prompt length); its prefix-cache key.
    chunk_ends: list[int] = field(default_factory=list)
    logits: torch.Tensor | None = None
    out: list[int] = field(default_factory=list)
    text_tail: str = ""


class LocalEngine:
    """Generate from a local transformers causal LM with batch-invariant continuous batching.

    ``generate()`` runs a list of requests to completion in the calling thread; ``submit()``
    hands one request to a background worker that batches it with whatever else is in
    flight. Both give identical tokens for the same request.
    """

    def __init__(
        self,
        model_path: str | Path,
        *,
        dtype: str = "bfloat16",
        max_batch: int = 16,
        threads: int | None = None,
        prefix_cache_mb: int = 2048,
    ) -> None:
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # a weights bar per load clutters run output
        _register_attention()
        if threads:
            torch.set_num_threads(threads)
        self.model_path = Path(model_path)
        self.dtype = getattr(torch, dtype)
        self.max_batch = max(1, max_batch)
        t0 = time.perf_counter()
        self.tokenizer = AutoTokenizer.from_pretrained(self.model_path)
        self.model = AutoModelForCausalLM.from_pretrained(
            self.model_path, dtype=self.dtype, attn_implementation=_ATTN_NAME
        ).eval()
        self.load_s = time.perf_counter() - t0
        cfg = self.model.config
        text_cfg = cfg.get_text_config() if hasattr(cfg, "get_text_config") else cfg
        self.n_layers = int(text_cfg.num_hidden_layers)
        self.max_context = int(getattr(text_cfg, "max_position_embeddings", 8192))
        self.eos_ids = self._eos_ids()
        self.stats = EngineStats()
        self._prefix = _PrefixCache(prefix_cache_mb * 1024 * 1024) if prefix_cache_mb > 0 else None
        self._queue: queue.Queue[_Row | None] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False
        _all_engines.add(self)

    # ------------------------------------------------------------------ public API

    def generate(self, requests: list[GenerationRequest]) -> list[GenerationResult]:
        """Run requests to completion (batched, up to ``max_batch`` at a time)."""
        futures = [self.submit(r) for r in requests]
        return [f.result() for f in futures]

    def submit(self, request: GenerationRequest) -> Future[GenerationResult]:
        """Queue a request for the background worker; returns a future for its result."""
        if self._closed:
            raise RuntimeError("engine is closed")
        self._validate(request)
        fut: Future[GenerationResult] = Future()
        gen = torch.Generator().manual_seed(int(request.seed) & 0xFFFF_FFFF_FFFF_FFFF)
        row = _Row(request, fut, _RowCache(self.n_layers), gen, submitted=time.perf_counter())
        with self._lock:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(
                    target=self._loop, name="equanimity-engine", daemon=True
                )
                self._worker.start()
        self._queue.put(row)
        return fut

    def close(self) -> None:
        """Stop the worker after the requests already queued (idempotent)."""
        self._closed = True
        worker = self._worker
        if worker is not None and worker.is_alive():
            self._queue.put(None)
            worker.join(timeout=60)

    def chat_input_ids(self, messages: list[dict[str, str]]) -> list[int]:
        """Tokenise chat messages with the model's template (or a plain fallback for base models)."""
        if self.tokenizer.chat_template:
            ids = self.tokenizer.apply_chat_template(messages, add_generation_prompt=True)
            if isinstance(ids, dict) or hasattr(ids, "keys"):
                ids = ids["input_ids"]
            return list(ids)
        return self.tokenizer(plain_transcript(messages), add_special_tokens=True)["input_ids"]

    def chat_request_ids(self, messages: list[dict[str, str]]) -> tuple[list[int], tuple[int, ...]]:
        """Token ids for a chat, and where the prompts of its earlier turns end inside them.

        A boundary is where the prompt of an earlier turn (the conversation up to an earlier
        user message) stops agreeing with this prompt's tokens, so a turn's KV cache can be
        reused by the next turn of the same conversation (see ``prefix_boundaries``).
        """
        ids = self.chat_input_ids(messages)
        cuts: list[int] = []
        user_at = [i for i, m in enumerate(messages) if m["role"] == "user"]
        for i in user_at[:-1]:
            prev = self.chat_input_ids(messages[: i + 1])
            k = 0
            for a, b in zip(prev, ids, strict=False):
                if a != b:
                    break
                k += 1
            if 0 < k < len(ids) and (not cuts or k > cuts[-1]):
                cuts.append(k)
        return ids, tuple(cuts)

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    # ------------------------------------------------------------------ internals

    def _eos_ids(self) -> set[int]:
        ids: set[int] = set()
        for src in (self.model.generation_config, self.model.config):
            eos = getattr(src, "eos_token_id", None)
            if isinstance(eos, int):
                ids.add(eos)
            elif isinstance(eos, list | tuple):
                ids.update(int(x) for x in eos)
        if self.tokenizer.eos_token_id is not None:
            ids.add(int(self.tokenizer.eos_token_id))
        for tok in ("<|im_end|>", "<end_of_turn>", "<|eot_id|>", "<|endoftext|>"):
            tid = self.tokenizer.convert_tokens_to_ids(tok)
            if isinstance(tid, int) and tid != self.tokenizer.unk_token_id and tid >= 0:
                ids.add(tid)
        return ids

    def _validate(self, r: GenerationRequest) -> None:
        if not r.input_ids:
            raise ValueError("empty input")
        b = r.prefix_boundaries
        if b and (
            b[0] <= 0 or b[-1] >= len(r.input_ids) or any(x >= y for x, y in itertools.pairwise(b))
        ):
            raise ValueError(
                "prefix_boundaries must be strictly increasing offsets inside the input"
            )
        if r.max_new_tokens < 1:
            raise ValueError("max_new_tokens must be >= 1")
        if len(r.input_ids) + 1 > self.max_context:
            raise ValueError(
                f"input of {len(r.input_ids)} tokens exceeds the model's context of {self.max_context}"
            )

    def _loop(self) -> None:
        active: list[_Row] = []
        with torch.inference_mode():
            while True:
                try:
                    if not active:
                        row = self._queue.get()  # idle: block for work
                        if row is None:
                            return
                        self._admit_row(row, active)
                    if not self._admit(active):
                        self._drain(active)
                        return
                    if active:
                        self._step(active)
                except Exception as e:  # pragma: no cover - surfaced through the futures
                    logger.exception("engine step failed")
                    for row in active:
                        if not row.future.done():
                            row.future.set_exception(e)
                    active.clear()

    def _admit(self, active: list[_Row]) -> bool:
        """Move queued rows into the batch; False when the stop sentinel was seen."""
        while len(active) < self.max_batch:
            try:
                row = self._queue.get_nowait()
            except queue.Empty:
                return True
            if row is None:
                return False
            self._admit_row(row, active)
        return True

    def _drain(self, active: list[_Row]) -> None:
        """Finish what is in flight before the worker exits."""
        while active:
            self._step(active)

    def _admit_row(self, row: _Row, active: list[_Row]) -> None:
        if row.future.cancelled():
            return
        try:
            self._prefill(row)
        except Exception as e:
            row.future.set_exception(e)
            return
        if self._sample_and_check(row):
            active.append(row)

    def _forward(
        self, ids: torch.Tensor, positions: torch.Tensor, rows: _BatchRows
    ) -> torch.Tensor:
        out = self.model(
            input_ids=ids,
            position_ids=positions,
            use_cache=False,
            logits_to_keep=1,
            **{_ROWS_KW: rows},
        )
        return out.logits[:, -1].float()

    def _prefill(self, row: _Row) -> None:
        row.started = time.perf_counter()
        req = row.request
        n = len(req.input_ids)
        ends = [*req.prefix_boundaries, n]
        row.chunk_ends = ends
        start, first_chunk = 0, 0
        if self._prefix is not None:
            for j in range(len(ends) - 2, -1, -1):  # longest cached earlier-turn prompt first
                hit = self._prefix.take(_prefix_key(req.input_ids, ends[: j + 1]))
                if hit is not None:
                    row.cache = hit
                    start, first_chunk = ends[j], j + 1
                    self.stats.prefix_hits += 1
                    self.stats.prefix_tokens_reused += start
                    break
        t0 = time.perf_counter()
        for end in ends[first_chunk:]:
            ids = torch.tensor([req.input_ids[start:end]])
            pos = torch.arange(start, end)[None, :]
            rows = _BatchRows([row.cache], [None])
            if end - start == 1:  # never run a one-row matmul (see module docstring)
                ids, pos = ids.repeat(2, 1), pos.repeat(2, 1)
                rows = _BatchRows([row.cache, None], [None, 0])
            row.logits = self._forward(ids, pos, rows)[0]
            self.stats.prefill_tokens += end - start
            start = end
        self.stats.prefill_s += time.perf_counter() - t0
        row.position = n

    def _step(self, active: list[_Row]) -> None:
        ids = torch.tensor([[r.out[-1]] for r in active])
        pos = torch.tensor([[r.position] for r in active])
        rows = _BatchRows([r.cache for r in active], [None] * len(active))
        if len(active) == 1:
            ids, pos = ids.repeat(2, 1), pos.repeat(2, 1)
            rows = _BatchRows([active[0].cache, None], [None, 0])
        t0 = time.perf_counter()
        logits = self._forward(ids, pos, rows)
        dt = time.perf_counter() - t0
        s = self.stats
        s.decode_s += dt
        s.decode_steps += 1
        s.decode_tokens += len(active)
        s.rows_per_step = s.decode_tokens / s.decode_steps
        still: list[_Row] = []
        for i, row in enumerate(active):
            row.logits = logits[i]
            row.position += 1
            if self._sample_and_check(row):
                still.append(row)
        active[:] = still

    def _sample_and_check(self, row: _Row) -> bool:
        """Sample the next token for a row; finish the row if it is done. True = keep going."""
        assert row.logits is not None
        req = row.request
        tok = _sample(row.logits, req, row.generator)
        if tok in self.eos_ids:
            self._finish(row, "stop")
            return False
        row.out.append(tok)
        if req.stop_strings:
            row.text_tail = (row.text_tail + self.tokenizer.decode([tok]))[-256:]
            if any(s in row.text_tail for s in req.stop_strings):
                self._finish(row, "stop")
                return False
        if len(row.out) >= req.max_new_tokens or row.position + 1 >= self.max_context:
            self._finish(row, "length")
            return False
        return True

    def _finish(self, row: _Row, reason: str) -> None:
        text = self.tokenizer.decode(row.out, skip_special_tokens=True)
        if row.request.stop_strings and reason == "stop":
            cut = min((i for s in row.request.stop_strings if (i := text.find(s)) >= 0), default=-1)
            if cut >= 0:
                text = text[:cut]
        now = time.perf_counter()
        result = GenerationResult(
            token_ids=list(row.out),
            text=text,
            finish_reason=reason,
            prompt_tokens=len(row.request.input_ids),
            completion_tokens=len(row.out),
            time_s=now - row.submitted,
            queue_s=row.started - row.submitted,
        )
        if self._prefix is not None and row.chunk_ends:
            # keep the prompt's KV (not the reply's) for this conversation's next turn
            row.cache.truncate(len(row.request.input_ids))
            self._prefix.put(_prefix_key(row.request.input_ids, row.chunk_ends), row.cache)
        row.cache = _RowCache(0)  # drop the row's reference now, not when the future is dropped
        if not row.future.done():
            row.future.set_result(result)


def _sample(logits: torch.Tensor, req: GenerationRequest, gen: torch.Generator) -> int:
    if req.temperature <= 0:
        return int(torch.argmax(logits))
    scores = logits / req.temperature
    if req.top_k and req.top_k < scores.shape[-1]:
        kth = torch.topk(scores, req.top_k).values[-1]
        scores = scores.masked_fill(scores < kth, float("-inf"))
    probs = torch.softmax(scores, dim=-1)
    if req.top_p < 1.0:
        sorted_p, order = torch.sort(probs, descending=True)
        cum = torch.cumsum(sorted_p, dim=-1)
        drop = cum - sorted_p > req.top_p
        sorted_p = sorted_p.masked_fill(drop, 0.0)
        probs = torch.zeros_like(probs).scatter(0, order, sorted_p)
    # Inverse-CDF sampling with one uniform draw: an exact categorical sample, ~10x cheaper
    # than torch.multinomial over a 49k vocabulary on this CPU.
    cdf = torch.cumsum(probs, dim=-1)
    u = torch.rand(1, generator=gen, dtype=cdf.dtype) * cdf[-1]
    return int(torch.searchsorted(cdf, u, right=True).clamp(max=cdf.shape[-1] - 1))


def plain_transcript(messages: list[dict[str, str]]) -> str:
    """A plain-text dialogue for base models that have no chat template."""
    parts = []
    for m in messages:
        role = {"system": "System", "user": "User", "assistant": "Assistant"}.get(
            m["role"], m["role"]
        )
        parts.append(f"{role}: {m['content'].strip()}")
    parts.append("Assistant:")
    return "\n\n".join(parts)


#: Stop strings used with ``plain_transcript`` so a base model does not write the user's turn.
PLAIN_STOP = ("\n\nUser:", "\nUser:")


_engines: dict[tuple[str, str, int, int, int], LocalEngine] = {}
_engines_lock = threading.Lock()


@atexit.register
def _close_engines() -> None:
    # Join the worker threads before interpreter teardown: a daemon thread still inside a
    # torch kernel at exit aborts the process ("terminate called without an active exception").
    for eng in list(_all_engines):
        eng.close()


def get_engine(
    model: str = "smollm2-135m-instruct",
    *,
    dtype: str = "bfloat16",
    max_batch: int = 16,
    threads: int | None = None,
    prefix_cache_mb: int | None = None,
) -> LocalEngine:
    """A process-wide engine per configuration: weights are loaded once.

    ``threads`` defaults to ``$EQUANIMITY_THREADS`` (else torch's default) and
    ``prefix_cache_mb`` to ``$EQUANIMITY_PREFIX_CACHE_MB`` (else 2048; 0 disables reuse).
    """
    from equanimity.backends.embedded import resolve_model_path

    path = resolve_model_path(model)
    threads = threads or int(os.environ.get("EQUANIMITY_THREADS", "0")) or None
    if prefix_cache_mb is None:
        prefix_cache_mb = int(os.environ.get("EQUANIMITY_PREFIX_CACHE_MB", "2048"))
    key = (str(path), dtype, max_batch, threads or 0, prefix_cache_mb)
    with _engines_lock:
        eng = _engines.get(key)
        if eng is None:
            eng = LocalEngine(
                path,
                dtype=dtype,
                max_batch=max_batch,
                threads=threads,
                prefix_cache_mb=prefix_cache_mb,
            )
            _engines[key] = eng
        return eng
