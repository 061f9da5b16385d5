"""Expand a scenario's grid into the conversations to run, with reproducible seeds.

Every random choice downstream (sampling seed per turn, which rejection message is drawn)
derives from the scenario seed and the conversation's identity through a stable hash, so
the same scenario gives the same plan and the same draws in any process, in any order.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from typing import Any

from equanimity.records import Conversation
from equanimity.scenarios.config import EscapeHatchSpec, HistorySpec, ScenarioConfig


def stable_seed(*parts: object) -> int:
    """A 63-bit seed from any parts, identical across processes and platforms."""
    h = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).digest()
    return int.from_bytes(h[:8], "big") & 0x7FFF_FFFF_FFFF_FFFF


def turn_seed(conversation_seed: int, turn: int) -> int:
    """The sampling seed for one turn (sent to the model as ``GenerateConfig.seed``)."""
    return stable_seed(conversation_seed, "turn", turn) & 0x7FFF_FFFF


def message_rng(conversation_seed: int, turn: int) -> random.Random:
    """The RNG that draws the user message following assistant turn ``turn``."""
    return random.Random(stable_seed(conversation_seed, "user", turn))


def short_model_name(model: str) -> str:
    """``equanimity/smollm2`` -> ``smollm2``; ``openai-api/together/meta/llama`` -> ``llama``."""
    return model.rstrip("/").rsplit("/", 1)[-1] or model


@dataclass(frozen=True)
class Condition:
    family: str
    rejection: str
    history: HistorySpec
    escape_hatch: EscapeHatchSpec
    rejection_spec: str | dict[str, Any]

    @property
    def fields(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "rejection": self.rejection,
            "history": self.history.label,
            "escape_hatch": self.escape_hatch.label,
        }

    @property
    def condition_id(self) -> str:
        f = self.fields
        return "|".join(str(f[k]) for k in ("family", "rejection", "history", "escape_hatch"))


def rejection_label(spec: str | dict[str, Any]) -> str:
    if isinstance(spec, str):
        return spec
    name = spec.get("name")
    if not isinstance(name, str) or not name:
        raise ValueError(f"a custom rejection style needs a 'name': {spec!r}")
    return name


def conditions(cfg: ScenarioConfig) -> list[Condition]:
    out = []
    for fam in cfg.families:
        for rej in cfg.rejection:
            for hist in cfg.history:
                for hatch in cfg.escape_hatch:
                    out.append(Condition(fam.name, rejection_label(rej), hist, hatch, rej))
    return out


def load_prompts(cfg: ScenarioConfig) -> dict[str, list[Any]]:
    """The prompt items of every family in the scenario (validated, deterministic)."""
    from equanimity.scenarios.families import load_family
    from equanimity.scenarios.prompt_files import load_prompt_file

    prompts: dict[str, list[Any]] = {}
    for fam in cfg.families:
        if fam.path:
            items = load_prompt_file(fam.path, family=fam.name)
            if fam.n is not None:
                if fam.n > len(items):
                    raise ValueError(
                        f"family {fam.name!r}: n={fam.n} but {fam.path} has {len(items)} prompts"
                    )
                items = random.Random(stable_seed(cfg.seed, "family", fam.name)).sample(
                    items, fam.n
                )
        else:
            items = load_family(fam.name, n=fam.n, seed=cfg.seed)
        if not items:
            raise ValueError(f"family {fam.name!r} has no prompts")
        prompts[fam.name] = items
    return prompts


def expand(cfg: ScenarioConfig, run_id: str, model: str | None = None) -> list[Conversation]:
    """One :class:`Conversation` per (condition, prompt, sample), in a stable order."""
    from equanimity.scenarios.rejections import get_rejection_style

    model = model or cfg.model
    prompts = load_prompts(cfg)
    convs: list[Conversation] = []
    for cond in conditions(cfg):
        get_rejection_style(cond.rejection_spec)  # fail before any model call on a bad style
        for item in prompts[cond.family]:
            for sample in range(cfg.samples):
                cid = f"{cond.condition_id}|{item.id}|s{sample}"
                convs.append(
                    Conversation(
                        conversation_id=cid,
                        run_id=run_id,
                        model=model,
                        condition_id=cond.condition_id,
                        condition=cond.fields,
                        prompt_id=item.id,
                        family=cond.family,
                        prompt=item.prompt,
                        answer=item.answer,
                        sample=sample,
                        turns=cfg.turns,
                        # Shared across conditions: the same prompt and sample get the same
                        # sampling seeds under every rejection style (common random numbers),
                        # so turn 1 is identical and condition differences are not seed noise.
                        seed=stable_seed(cfg.seed, cond.family, item.id, sample),
                        metadata={
                            "item": item.metadata,
                            "rejection_spec": cond.rejection_spec,
                            "history_spec": cond.history.model_dump(),
                            "escape_hatch_spec": cond.escape_hatch.model_dump(),
                        },
                    )
                )
    return convs
