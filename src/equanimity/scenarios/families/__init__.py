"""The built-in question families and the one way to load any of them.

Two families are generated (``puzzles`` and their ``puzzles_solvable`` twins, see
``puzzles.py``); the others are hand-written JSON Lines files in ``scenarios/data/``,
read through the same loader users' own prompt files go through, so both are held to
the same validation.
"""

from __future__ import annotations

import random
from functools import cache
from importlib import resources

from equanimity.scenarios.families import puzzles
from equanimity.scenarios.families.item import PromptItem

__all__ = ["FAMILIES", "PromptItem", "describe_families", "load_family"]

_DESCRIPTIONS: dict[str, str] = {
    "puzzles": "impossible numeric puzzles (countdown, steps, coins, jugs), each proved "
    "impossible by exhaustive search",
    "puzzles_solvable": "solvable twins of the puzzles (same parameters, reachable target), "
    "with a checked witness answer",
    "factual": "simple factual and arithmetic questions with short known answers",
    "fictitious": "questions about theorems, people, places and products that do not exist",
    "lateral": "lateral-thinking and trick questions with known answers",
    "requests": "open-ended realistic requests: writing, coding, advice, analysis",
}

#: The built-in family names, in the order they are listed to users.
FAMILIES: tuple[str, ...] = tuple(_DESCRIPTIONS)


def load_family(name: str, n: int | None = None, seed: int = 0) -> list[PromptItem]:
    """The items of a built-in family: all of them (``n=None``) or a seeded subset of ``n``.

    The subset is spread evenly across the family's kinds (puzzle kinds, question
    categories) so a small ``n`` still mixes them, and is returned in the family's own
    order. The items themselves never depend on ``seed``: an id always names the same
    question. ``puzzles`` and ``puzzles_solvable`` list twins at the same positions and
    with the same kinds, so the same ``(n, seed)`` selects exactly the twins of each other.
    """
    items = _all_items(name)
    chosen: list[int] | range
    if n is None:
        chosen = range(len(items))
    else:
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive integer or None, got {n!r}")
        if n > len(items):
            raise ValueError(f"family {name!r} has {len(items)} items; cannot select n={n} of them")
        chosen = _stratified_sample(items, n, seed)
    return [items[i].model_copy(deep=True) for i in chosen]


def describe_families() -> list[dict[str, object]]:
    """One row per built-in family (name, count, description), for listings."""
    return [
        {"name": name, "count": len(_all_items(name)), "description": _DESCRIPTIONS[name]}
        for name in FAMILIES
    ]


@cache
def _all_items(name: str) -> tuple[PromptItem, ...]:
    if name == "puzzles":
        return puzzles.generate()[0]
    if name == "puzzles_solvable":
        return puzzles.generate()[1]
    if name not in _DESCRIPTIONS:
        raise ValueError(
            f"unknown question family {name!r}; built-in families: {', '.join(FAMILIES)}"
        )
    # Imported here because prompt_files imports PromptItem from this package.
    from equanimity.scenarios.prompt_files import load_prompt_file

    with resources.as_file(
        resources.files("equanimity.scenarios") / "data" / f"{name}.jsonl"
    ) as path:
        return tuple(load_prompt_file(path, family=name))


def _stratified_sample(items: tuple[PromptItem, ...], n: int, seed: int) -> list[int]:
    """Indices of ``n`` items, taken round-robin across kinds in a seeded order, sorted."""
    groups: dict[str, list[int]] = {}
    for i, item in enumerate(items):
        groups.setdefault(str(item.metadata.get("kind", "")), []).append(i)
    rng = random.Random(seed)
    kinds = sorted(groups)
    for kind in kinds:
        rng.shuffle(groups[kind])
    # Which kinds get one extra item when n is not a multiple of the number of kinds.
    rng.shuffle(kinds)
    picked: list[int] = []
    for rank in range(max(len(g) for g in groups.values())):
        picked.extend(groups[kind][rank] for kind in kinds if rank < len(groups[kind]))
    return sorted(picked[:n])
