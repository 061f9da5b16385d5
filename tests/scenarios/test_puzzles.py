"""Every shipped puzzle re-decided by a second, deliberately naive search written here.

The package proves impossibility with a subset DP, level-wise BFS, forced-count
enumeration and state BFS; these tests use different, simpler enumerations (ordered
selections with every bracketing, every move sequence, every count triple, a DFS over jug
states) so a bug in one search cannot hide behind the same bug in its checker.
"""

from __future__ import annotations

import itertools
import math
import re
import time
from collections import Counter
from fractions import Fraction
from functools import cache

import pytest

from equanimity.scenarios.families import load_family, puzzles
from equanimity.scenarios.families.search import (
    countdown_witness,
    evaluate_expression,
    search_countdown,
)

IMPOSSIBLE = load_family("puzzles")
SOLVABLE = load_family("puzzles_solvable")
TWINS = list(zip(IMPOSSIBLE, SOLVABLE, strict=True))


def _by_kind(items, kind):
    return [i for i in items if i.metadata["kind"] == kind]


# --------------------------------------------------------------------------------------
# independent brute force
# --------------------------------------------------------------------------------------


def _all_bracketings(seq: tuple[int, ...]) -> set[Fraction]:
    """Values of every fully bracketed expression over ``seq`` in this order, + - * /."""

    @cache
    def values(lo: int, hi: int) -> frozenset[Fraction]:
        if hi - lo == 1:
            return frozenset({Fraction(seq[lo])})
        out = set()
        for mid in range(lo + 1, hi):
            for x in values(lo, mid):
                for y in values(mid, hi):
                    out.update((x + y, x - y, x * y))
                    if y != 0:
                        out.add(x / y)
        return frozenset(out)

    return set(values(0, len(seq)))


def _countdown_brute(numbers: list[int]) -> set[Fraction]:
    """Every ordered selection of the numbers (each at most once), every bracketing."""
    reachable: set[Fraction] = set()
    for size in range(1, len(numbers) + 1):
        for seq in set(itertools.permutations(numbers, size)):
            reachable |= _all_bracketings(seq)
    return reachable


def _eval_countdown(expr: str) -> tuple[Fraction, Counter]:
    """Evaluate with Python's own parser on Fractions (not the package's evaluator)."""
    assert re.fullmatch(r"[\d\s+\-*/()]+", expr), expr
    code = re.sub(r"\d+", lambda m: f"F({m.group()})", expr)
    value = eval(code, {"__builtins__": {}}, {"F": Fraction})
    return value, Counter(int(n) for n in re.findall(r"\d+", expr))


def _apply(value: int, move: list) -> int:
    op, n = move
    return {"+": value + n, "-": value - n, "*": value * n}[op]


def _jug_states(a: int, b: int) -> set[tuple[int, int]]:
    """Depth-first closure of the six jug operations from (0, 0)."""
    seen: set[tuple[int, int]] = set()
    stack = [(0, 0)]
    while stack:
        x, y = stack.pop()
        if (x, y) in seen:
            continue
        seen.add((x, y))
        ab = min(x, b - y)
        ba = min(y, a - x)
        stack += [(a, y), (x, b), (0, y), (x, 0), (x - ab, y + ab), (x + ba, y - ba)]
    return seen


def _simulate_jugs(a: int, b: int, ops: list[list[str]]) -> tuple[int, int]:
    vol, cap = {"A": 0, "B": 0}, {"A": a, "B": b}
    for op in ops:
        if op[0] == "fill":
            vol[op[1]] = cap[op[1]]
        elif op[0] == "empty":
            vol[op[1]] = 0
        else:
            src, dst = op[1], op[2]
            moved = min(vol[src], cap[dst] - vol[dst])
            vol[src] -= moved
            vol[dst] += moved
    return vol["A"], vol["B"]


# --------------------------------------------------------------------------------------
# the shipped set
# --------------------------------------------------------------------------------------


def test_enough_puzzles_of_at_least_three_kinds() -> None:
    kinds = Counter(i.metadata["kind"] for i in IMPOSSIBLE)
    assert len(IMPOSSIBLE) >= 20 and len(SOLVABLE) == len(IMPOSSIBLE)
    assert set(kinds) == {"countdown", "steps", "coins", "jugs"}
    assert all(n >= 5 for n in kinds.values())
    numbers_per_countdown = {
        len(i.metadata["parameters"]["numbers"]) for i in _by_kind(IMPOSSIBLE, "countdown")
    }
    assert numbers_per_countdown == {4, 5}


@pytest.mark.parametrize("item", _by_kind(IMPOSSIBLE, "countdown"), ids=lambda i: i.id)
def test_countdown_impossible_by_brute_force(item) -> None:
    params = item.metadata["parameters"]
    reachable = _countdown_brute(params["numbers"])
    assert Fraction(params["target"]) not in reachable
    # The target was chosen between two reachable integers: check that too.
    assert {params["target"] - 1, params["target"] + 1} <= reachable
    assert f"{len(reachable)} distinct values" in item.metadata["proof"]


@pytest.mark.parametrize("item", _by_kind(SOLVABLE, "countdown"), ids=lambda i: i.id)
def test_countdown_witness_evaluates_to_target(item) -> None:
    params = item.metadata["parameters"]
    value, used = _eval_countdown(item.metadata["witness"])
    assert value == params["target"]
    assert not used - Counter(params["numbers"]), "witness uses a number more often than given"
    assert item.answer == f"{item.metadata['witness']} = {params['target']}"


@pytest.mark.parametrize("item", _by_kind(IMPOSSIBLE, "steps"), ids=lambda i: i.id)
def test_steps_impossible_by_brute_force(item) -> None:
    p = item.metadata["parameters"]
    ends = set()
    for seq in itertools.product(p["moves"], repeat=p["k"]):
        value = p["start"]
        for move in seq:
            value = _apply(value, move)
        ends.add(value)
    assert p["target"] not in ends
    assert min(ends) < p["target"] < max(ends)


@pytest.mark.parametrize("item", _by_kind(SOLVABLE, "steps"), ids=lambda i: i.id)
def test_steps_witness_reaches_target(item) -> None:
    p = item.metadata["parameters"]
    witness = item.metadata["witness"]
    assert len(witness) == p["k"]
    assert all(move in p["moves"] for move in witness)
    value = p["start"]
    for move in witness:
        value = _apply(value, move)
    assert value == p["target"]


@pytest.mark.parametrize("item", _by_kind(IMPOSSIBLE, "coins"), ids=lambda i: i.id)
def test_coins_impossible_by_brute_force(item) -> None:
    p = item.metadata["parameters"]
    a, b, c = p["sizes"]
    v = p["target"]
    combos = itertools.product(range(v // a + 1), range(v // b + 1), range(v // c + 1))
    assert all(a * x + b * y + c * z != v for x, y, z in combos)


@pytest.mark.parametrize("item", _by_kind(SOLVABLE, "coins"), ids=lambda i: i.id)
def test_coins_witness_pays_target(item) -> None:
    p = item.metadata["parameters"]
    witness = dict(item.metadata["witness"])
    assert set(witness) == set(p["sizes"]) and all(n >= 0 for n in witness.values())
    assert sum(size * n for size, n in witness.items()) == p["target"]


@pytest.mark.parametrize("item", _by_kind(IMPOSSIBLE, "jugs"), ids=lambda i: i.id)
def test_jugs_impossible_by_brute_force(item) -> None:
    a, b = item.metadata["parameters"]["capacities"]
    volume = item.metadata["parameters"]["target"]
    states = _jug_states(a, b)
    assert all(volume not in s for s in states)
    # ... and agrees with the number theory: only multiples of gcd(a, b) are measurable.
    assert volume % math.gcd(a, b) != 0


@pytest.mark.parametrize("item", _by_kind(SOLVABLE, "jugs"), ids=lambda i: i.id)
def test_jugs_witness_measures_target(item) -> None:
    a, b = item.metadata["parameters"]["capacities"]
    assert item.metadata["parameters"]["target"] in _simulate_jugs(a, b, item.metadata["witness"])


# --------------------------------------------------------------------------------------
# twins and prompts
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("imp", "sol"), TWINS, ids=[t[0].id for t in TWINS])
def test_twins_differ_only_in_the_target(imp, sol) -> None:
    assert imp.metadata["twin_id"] == sol.id and sol.metadata["twin_id"] == imp.id
    assert imp.metadata["kind"] == sol.metadata["kind"]
    assert imp.metadata["solvable"] is False and sol.metadata["solvable"] is True
    assert imp.answer is None and sol.answer
    p_imp, p_sol = dict(imp.metadata["parameters"]), dict(sol.metadata["parameters"])
    t_imp, t_sol = p_imp.pop("target"), p_sol.pop("target")
    assert p_imp == p_sol and t_imp != t_sol
    tokens_imp = re.findall(r"\d+|\D", imp.prompt)  # digit runs, single other characters
    tokens_sol = re.findall(r"\d+|\D", sol.prompt)
    assert len(tokens_imp) == len(tokens_sol)
    diffs = {(x, y) for x, y in zip(tokens_imp, tokens_sol, strict=True) if x != y}
    assert diffs == {(str(t_imp), str(t_sol))}


def test_prompts_state_the_numbers_and_do_not_hint_impossibility() -> None:
    hints = re.compile(r"impossible|if (it'?s )?possible|can'?t be done|no solution|whether", re.I)
    for item in IMPOSSIBLE:
        assert not hints.search(item.prompt), item.id
        p = item.metadata["parameters"]
        target = p["target"]
        assert re.search(rf"(?<!\d){target}(?!\d)", item.prompt), item.id
        for n in p.get("numbers", p.get("sizes", p.get("capacities", []))):
            assert re.search(rf"(?<!\d){n}(?!\d)", item.prompt), (item.id, n)
    for item in _by_kind(IMPOSSIBLE, "countdown"):
        assert "at most once" in item.prompt or "no more than once" in item.prompt
    for item in _by_kind(IMPOSSIBLE, "steps"):
        assert f"exactly {item.metadata['parameters']['k']}" in item.prompt


def test_proof_summaries_name_the_target_and_the_search_size() -> None:
    for item in IMPOSSIBLE:
        p = item.metadata["parameters"]
        assert str(p["target"]) in item.metadata["proof"]
        assert item.metadata["search"]["method"]


def test_generation_is_fast_and_deterministic() -> None:
    start = time.perf_counter()
    again = puzzles.generate.__wrapped__()  # bypass the cache: regenerate from scratch
    elapsed = time.perf_counter() - start
    assert [i.model_dump() for i in again[0]] == [i.model_dump() for i in IMPOSSIBLE]
    assert [i.model_dump() for i in again[1]] == [i.model_dump() for i in SOLVABLE]
    assert elapsed < 3.0  # about 0.4 s on 2 cores; a generous bound against blow-ups


# --------------------------------------------------------------------------------------
# the package's searches on known cases
# --------------------------------------------------------------------------------------


def test_countdown_search_finds_answers_that_need_fractions() -> None:
    # 24 from 1 5 5 5 is 5 * (5 - 1/5), and from 3 3 8 8 is 8 / (3 - 8/3).
    for numbers in ([1, 5, 5, 5], [3, 3, 8, 8]):
        search = search_countdown(numbers)
        assert 24 in search.reachable
        expression = countdown_witness(search, 24)
        assert _eval_countdown(expression)[0] == 24
        assert evaluate_expression(expression)[0] == 24


def test_countdown_search_matches_brute_force_exactly() -> None:
    for numbers in ([2, 3, 7, 11], [1, 4, 6, 9], [1, 1, 1, 1]):
        assert set(search_countdown(numbers).reachable) == _countdown_brute(numbers)
    assert 24 not in search_countdown([1, 1, 1, 1]).reachable


def test_countdown_witness_refuses_unreachable_target() -> None:
    with pytest.raises(ValueError, match="not reachable"):
        countdown_witness(search_countdown([1, 1, 1, 1]), 24)


def test_expression_evaluator_rejects_anything_but_arithmetic() -> None:
    with pytest.raises(ValueError):
        evaluate_expression("2 ** 10")
    with pytest.raises(ValueError):
        evaluate_expression("__import__('os')")
