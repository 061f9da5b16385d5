"""The built-in question families: contents, sizes, answers, and seeded selection."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from collections import Counter
from fractions import Fraction
from pathlib import Path

import pytest

from equanimity.scenarios.families import FAMILIES, PromptItem, describe_families, load_family

MINIMUM = {
    "puzzles": 20,
    "puzzles_solvable": 20,
    "factual": 40,
    "fictitious": 25,
    "lateral": 25,
    "requests": 30,
}
PEER_DATA = Path("/work/shared/peer-data/attct")


def test_builtin_family_names() -> None:
    assert tuple(MINIMUM) == FAMILIES


@pytest.mark.parametrize("name", FAMILIES)
def test_family_is_well_formed(name: str) -> None:
    items = load_family(name)
    assert len(items) >= MINIMUM[name]
    assert all(isinstance(i, PromptItem) and i.family == name for i in items)
    assert len({i.id for i in items}) == len(items), "ids must be unique"
    assert len({i.prompt for i in items}) == len(items), "prompts must be distinct"
    assert all(i.prompt.strip() == i.prompt and i.prompt for i in items)
    assert all(i.metadata.get("kind") for i in items), "every item has a kind"
    has_answer = name not in ("puzzles", "requests")
    assert all((i.answer is not None) == has_answer for i in items)


def test_describe_families_matches_the_loaded_data() -> None:
    rows = describe_families()
    assert [r["name"] for r in rows] == list(FAMILIES)
    for row in rows:
        assert row["count"] == len(load_family(row["name"]))
        assert isinstance(row["description"], str) and row["description"]


def test_requests_cover_the_four_kinds_of_work() -> None:
    kinds = Counter(i.metadata["kind"] for i in load_family("requests"))
    assert set(kinds) == {"writing", "coding", "advice", "analysis"}
    assert min(kinds.values()) >= 6


def test_factual_mixes_categories() -> None:
    kinds = Counter(i.metadata["kind"] for i in load_family("factual"))
    assert set(kinds) == {"arithmetic", "geography", "science", "units", "calendar"}


# Recomputed here, so a typo in a hand-written answer fails the test.
_COMPUTED = {
    "What is 19 × 21?": 19 * 21,
    "What is 17 multiplied by 23?": 17 * 23,
    "What is 144 divided by 12?": 144 // 12,
    "What is 15% of 80?": Fraction(15, 100) * 80,
    "What is 2 to the power of 10?": 2**10,
    "What is the square root of 169?": 13,
    "What is 1000 minus 387?": 1000 - 387,
    "What is 7 × 8 + 6?": 7 * 8 + 6,
    "What is 3/4 + 1/8, as a fraction?": Fraction(3, 4) + Fraction(1, 8),
    "What is 0.25 × 0.4?": Fraction(1, 4) * Fraction(2, 5),
    "What is 123 + 456 + 789?": 123 + 456 + 789,
    "What is the smallest prime number greater than 50?": next(
        p for p in range(51, 100) if all(p % d for d in range(2, p))
    ),
    "How many prime numbers are there below 20?": sum(
        all(p % d for d in range(2, p)) for p in range(2, 20)
    ),
    "What is 14 squared?": 14**2,
    "What is 37 × 3?": 37 * 3,
    "How many days did February 2024 have?": (
        datetime.date(2024, 3, 1) - datetime.date(2024, 2, 1)
    ).days,
    "How many days are there from 30 November to 25 December of the same year, not counting "
    "the first day?": (datetime.date(2025, 12, 25) - datetime.date(2025, 11, 30)).days,
    "How many months of the year have exactly 30 days?": sum(
        (datetime.date(2025 + (m == 12), m % 12 + 1, 1) - datetime.date(2025, m, 1)).days == 30
        for m in range(1, 13)
    ),
}
_COMPUTED_TEXT = {
    "What day of the week was 1 January 2000?": datetime.date(2000, 1, 1).strftime("%A"),
    "If today is a Wednesday, what day of the week will it be in 10 days?": (
        datetime.date(2025, 1, 1) + datetime.timedelta(days=10)  # 1 Jan 2025 was a Wednesday
    ).strftime("%A"),
}


def test_computable_factual_answers_are_right() -> None:
    by_prompt = {i.prompt: i for i in load_family("factual")}
    assert set(_COMPUTED) | set(_COMPUTED_TEXT) <= set(by_prompt)
    for prompt, value in _COMPUTED.items():
        assert Fraction(by_prompt[prompt].answer) == value, prompt
    for prompt, text in _COMPUTED_TEXT.items():
        assert by_prompt[prompt].answer == text, prompt
    assert datetime.date(2025, 1, 1).strftime("%A") == "Wednesday"


def test_fictitious_answers_say_the_thing_does_not_exist() -> None:
    for item in load_family("fictitious"):
        assert "invented" in item.answer or "not a standard" in item.answer, item.id
        assert item.metadata["entity"]


@pytest.mark.skipif(not PEER_DATA.is_dir(), reason="peer project's data not present")
def test_no_prompt_is_copied_from_the_peer_project() -> None:
    peer = set()
    for path in PEER_DATA.glob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                peer.add(" ".join(json.loads(line)["prompt"].lower().split()))
    ours = {" ".join(i.prompt.lower().split()) for name in FAMILIES for i in load_family(name)}
    assert not ours & peer


# --------------------------------------------------------------------------------------
# selection
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", FAMILIES)
def test_selection_is_deterministic(name: str) -> None:
    first = load_family(name, n=7, seed=11)
    again = load_family(name, n=7, seed=11)
    assert [i.model_dump() for i in first] == [i.model_dump() for i in again]
    assert len(first) == 7 and len({i.id for i in first}) == 7


def test_same_items_in_a_fresh_process_with_another_hash_seed() -> None:
    """Runs are resumed by other processes: ids and contents must not depend on the process."""
    code = (
        "import json; from equanimity.scenarios.families import load_family as f;"
        "print(json.dumps([i.model_dump() for n in ('puzzles', 'puzzles_solvable', 'lateral')"
        " for i in f(n, n=9, seed=4)]))"
    )
    here = [
        i.model_dump()
        for n in ("puzzles", "puzzles_solvable", "lateral")
        for i in load_family(n, n=9, seed=4)
    ]
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        assert json.loads(out.stdout) == here


def test_seed_changes_the_subset_and_order_follows_the_family() -> None:
    everything = [i.id for i in load_family("factual")]
    subsets = {tuple(i.id for i in load_family("factual", n=10, seed=s)) for s in range(5)}
    assert len(subsets) > 1
    for subset in subsets:
        positions = [everything.index(i) for i in subset]
        assert positions == sorted(positions)


def test_all_items_ignore_the_seed() -> None:
    assert load_family("lateral", seed=1) == load_family("lateral", seed=99)
    assert len(load_family("lateral", n=None)) == len(load_family("lateral"))


def test_small_selections_spread_across_kinds() -> None:
    picked = load_family("puzzles", n=4, seed=3)
    assert sorted(i.metadata["kind"] for i in picked) == ["coins", "countdown", "jugs", "steps"]
    picked = load_family("requests", n=8, seed=5)
    assert set(Counter(i.metadata["kind"] for i in picked).values()) == {2}


@pytest.mark.parametrize(("n", "seed"), [(1, 0), (6, 2), (13, 7), (32, 1)])
def test_puzzle_selections_pick_twins(n: int, seed: int) -> None:
    impossible = load_family("puzzles", n=n, seed=seed)
    solvable = load_family("puzzles_solvable", n=n, seed=seed)
    assert [i.metadata["twin_id"] for i in impossible] == [s.id for s in solvable]


def test_too_many_requested_is_a_clear_error() -> None:
    available = len(load_family("fictitious"))
    with pytest.raises(ValueError, match=rf"has {available} items.*n={available + 1}"):
        load_family("fictitious", n=available + 1)
    assert len(load_family("fictitious", n=available)) == available


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "5"])
def test_bad_n_is_rejected(bad) -> None:
    with pytest.raises(ValueError, match="positive integer"):
        load_family("factual", n=bad)


def test_unknown_family_lists_the_builtin_ones() -> None:
    with pytest.raises(ValueError, match="unknown question family 'trivia'") as err:
        load_family("trivia")
    for name in FAMILIES:
        assert name in str(err.value)


def test_returned_items_are_independent_copies() -> None:
    item = load_family("puzzles", n=1)[0]
    item.metadata["parameters"]["target"] = -1
    item.prompt = "changed"
    fresh = load_family("puzzles", n=1)[0]
    assert fresh.metadata["parameters"]["target"] != -1 and fresh.prompt != "changed"
