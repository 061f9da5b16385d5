"""Exhaustive searches that decide the numeric puzzles, and checkers for their witnesses.

Every impossible puzzle shipped with the package is impossible because one of these
searches enumerated its whole space and found no solution, not because someone believed
so (a published "impossible" puzzle set turned out to contain solvable puzzles). Each
search also returns how much it enumerated, so the proof can be stated in the metadata.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

# --------------------------------------------------------------------------------------
# countdown: + - * / over any subset of the numbers, each used at most once
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountdownSearch:
    """Every value any expression over any subset of ``numbers`` can take.

    ``by_mask[m]`` holds the values of expressions that use exactly the numbers whose
    indices are set in bitmask ``m``; ``evaluations`` counts the binary operations tried.
    """

    numbers: tuple[int, ...]
    by_mask: dict[int, frozenset[Fraction]]
    evaluations: int

    @property
    def reachable(self) -> frozenset[Fraction]:
        return frozenset().union(*self.by_mask.values())


def search_countdown(numbers: Sequence[int]) -> CountdownSearch:
    """Subset DP over bitmasks in exact rational arithmetic.

    An expression tree over a set of numbers splits, at its root, into two trees over two
    disjoint non-empty subsets, so the values for a mask are all ``x op y`` with ``x`` and
    ``y`` drawn from the values of a split of that mask. Both operand orders are tried for
    ``-`` and ``/``; division by zero is skipped. Fractions and negatives are kept, which is
    the most permissive reading of the rules: unreachable here is unreachable under any
    stricter rule set (integers only, positives only).
    """
    nums = tuple(numbers)
    by_mask: dict[int, frozenset[Fraction]] = {
        1 << i: frozenset({Fraction(x)}) for i, x in enumerate(nums)
    }
    evaluations = 0
    for mask in range(1, 1 << len(nums)):
        if mask in by_mask:
            continue
        values: set[Fraction] = set()
        left = (mask - 1) & mask
        while left:
            right = mask ^ left
            if left < right:  # each unordered split once; operand order is handled below
                for x in by_mask[left]:
                    for y in by_mask[right]:
                        values.update((x + y, x - y, y - x, x * y))
                        if y:
                            values.add(x / y)
                        if x:
                            values.add(y / x)
                        evaluations += 6
            left = (left - 1) & mask
        by_mask[mask] = frozenset(values)
    return CountdownSearch(nums, by_mask, evaluations)


def countdown_witness(search: CountdownSearch, target: int) -> str:
    """An expression string (``+ - * /``, brackets) over the numbers that equals ``target``.

    Uses the fewest numbers possible; raises ``ValueError`` when the target is unreachable.
    """
    goal = Fraction(target)
    masks = sorted(search.by_mask, key=lambda m: (m.bit_count(), m))
    for mask in masks:
        if goal in search.by_mask[mask]:
            return _build(search, mask, goal)[0]
    raise ValueError(f"{target} is not reachable from {list(search.numbers)}")


_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}
_LEAF = 3


def _build(search: CountdownSearch, mask: int, goal: Fraction) -> tuple[str, int]:
    """Rebuild one expression for ``goal`` over ``mask``: (text, precedence of its root)."""
    if mask.bit_count() == 1:
        return str(search.numbers[mask.bit_length() - 1]), _LEAF
    left = (mask - 1) & mask
    while left:
        right = mask ^ left
        rights = search.by_mask[right]
        for x in search.by_mask[left]:
            # For each operator, the other operand that would make the result ``goal``;
            # ``swap`` marks the forms where the operand from ``right`` comes first.
            needs = [("+", goal - x, False), ("-", x - goal, False), ("-", goal + x, True)]
            if x:
                needs += [("*", goal / x, False), ("/", goal * x, True)]
            if goal:
                needs.append(("/", x / goal, False))
            for op, y, swap in needs:
                if y in rights and not (op == "/" and y == 0):
                    a = _build(search, left, x)
                    b = _build(search, right, y)
                    first, second = (b, a) if swap else (a, b)
                    return f"{_operand(first, op, False)} {op} {_operand(second, op, True)}", (
                        _PRECEDENCE[op]
                    )
        left = (left - 1) & mask
    raise AssertionError("value recorded for a mask but no split produces it")


def _operand(sub: tuple[str, int], op: str, is_right: bool) -> str:
    """Bracket a sub-expression only where precedence or non-associativity requires it."""
    text, prec = sub
    needs_brackets = prec < _PRECEDENCE[op] or (is_right and prec == _PRECEDENCE[op] and op in "-/")
    return f"({text})" if needs_brackets else text


def evaluate_expression(text: str) -> tuple[Fraction, list[int]]:
    """Exactly evaluate an expression of integers, ``+ - * /`` and brackets.

    Returns the value and the integer literals used, so a witness can be checked against
    both the target and the numbers it is allowed to use. Anything else is rejected.
    """
    literals: list[int] = []

    def walk(node: ast.expr) -> Fraction:
        if isinstance(node, ast.Constant) and type(node.value) is int:
            literals.append(node.value)
            return Fraction(node.value)
        if isinstance(node, ast.BinOp):
            a, b = walk(node.left), walk(node.right)
            if isinstance(node.op, ast.Add):
                return a + b
            if isinstance(node.op, ast.Sub):
                return a - b
            if isinstance(node.op, ast.Mult):
                return a * b
            if isinstance(node.op, ast.Div):
                return a / b
        raise ValueError(f"not an arithmetic expression over integers: {text!r}")

    return walk(ast.parse(text, mode="eval").body), literals


# --------------------------------------------------------------------------------------
# steps: from a start value, apply exactly k moves such as "+7" or "*2"
# --------------------------------------------------------------------------------------

Move = tuple[str, int]  # ("+", 7), ("-", 3) or ("*", 2)


def apply_move(value: int, move: Move) -> int:
    op, n = move
    if op == "+":
        return value + n
    if op == "-":
        return value - n
    if op == "*":
        return value * n
    raise ValueError(f"unknown move {move!r}")


@dataclass(frozen=True)
class StepSearch:
    """Values reachable after each number of moves, with one way back for each.

    ``levels[j]`` maps every value reachable in exactly ``j`` moves to the (previous value,
    move) that first produced it; ``sequences`` is the number of move sequences of the full
    length, all of which the level-by-level expansion covers.
    """

    start: int
    moves: tuple[Move, ...]
    levels: tuple[dict[int, tuple[int, Move] | None], ...]
    sequences: int

    @property
    def final(self) -> dict[int, tuple[int, Move] | None]:
        return self.levels[-1]


def search_steps(start: int, moves: Sequence[Move], k: int) -> StepSearch:
    """Breadth-first expansion of every sequence of exactly ``k`` moves.

    Sequences that reach the same value after ``j`` moves continue identically, so merging
    them per level loses nothing: the last level is exactly the set of end values.
    """
    levels: list[dict[int, tuple[int, Move] | None]] = [{start: None}]
    for _ in range(k):
        nxt: dict[int, tuple[int, Move] | None] = {}
        for value in levels[-1]:
            for move in moves:
                nxt.setdefault(apply_move(value, move), (value, move))
        levels.append(nxt)
    return StepSearch(start, tuple(moves), tuple(levels), len(moves) ** k)


def steps_witness(search: StepSearch, target: int) -> list[Move]:
    """A sequence of exactly k moves from the start to ``target``."""
    if target not in search.final:
        raise ValueError(f"{target} is not reachable in {len(search.levels) - 1} moves")
    path: list[Move] = []
    value = target
    for level in reversed(search.levels[1:]):
        prev = level[value]
        assert prev is not None
        value, move = prev
        path.append(move)
    return path[::-1]


# --------------------------------------------------------------------------------------
# coins: pay an exact amount with unlimited coins of a few denominations
# --------------------------------------------------------------------------------------


def search_coins(denominations: Sequence[int], amount: int) -> tuple[list[dict[int, int]], int]:
    """Every way to make ``amount`` exactly, and how many count combinations were tried.

    Enumerates the count of each coin except the smallest (each from 0 up to what fits);
    the smallest coin's count is then forced, and the combination works only if it comes
    out a whole number. Counting the tried combinations states the size of the proof.
    """
    *bigger, smallest = sorted(denominations, reverse=True)
    solutions: list[dict[int, int]] = []
    tried = 0

    def rec(i: int, left: int, counts: dict[int, int]) -> None:
        nonlocal tried
        if i == len(bigger):
            tried += 1
            if left % smallest == 0:
                solutions.append({**counts, smallest: left // smallest})
            return
        coin = bigger[i]
        for c in range(left // coin + 1):
            rec(i + 1, left - c * coin, {**counts, coin: c})

    rec(0, amount, {})
    return solutions, tried


# --------------------------------------------------------------------------------------
# jugs: measure an exact volume with two unmarked jugs, a tap and a drain
# --------------------------------------------------------------------------------------

JugOp = tuple[str, ...]  # ("fill", "A"), ("empty", "B"), ("pour", "A", "B")
JUG_OPS: tuple[JugOp, ...] = (
    ("fill", "A"),
    ("fill", "B"),
    ("empty", "A"),
    ("empty", "B"),
    ("pour", "A", "B"),
    ("pour", "B", "A"),
)


def apply_jug_op(state: tuple[int, int], caps: tuple[int, int], op: JugOp) -> tuple[int, int]:
    vol = {"A": state[0], "B": state[1]}
    cap = {"A": caps[0], "B": caps[1]}
    if op[0] == "fill":
        vol[op[1]] = cap[op[1]]
    elif op[0] == "empty":
        vol[op[1]] = 0
    elif op[0] == "pour":
        src, dst = op[1], op[2]
        amount = min(vol[src], cap[dst] - vol[dst])
        vol[src] -= amount
        vol[dst] += amount
    else:
        raise ValueError(f"unknown jug operation {op!r}")
    return vol["A"], vol["B"]


def search_jugs(
    caps: tuple[int, int],
) -> dict[tuple[int, int], tuple[tuple[int, int], JugOp] | None]:
    """Breadth-first search over every (jug A, jug B) state reachable from two empty jugs.

    Maps each reachable state to its predecessor and the operation taken, so the first
    state found holding a volume also gives a shortest procedure for it.
    """
    start = (0, 0)
    parent: dict[tuple[int, int], tuple[tuple[int, int], JugOp] | None] = {start: None}
    queue = deque([start])
    while queue:
        state = queue.popleft()
        for op in JUG_OPS:
            nxt = apply_jug_op(state, caps, op)
            if nxt not in parent:
                parent[nxt] = (state, op)
                queue.append(nxt)
    return parent


def jugs_witness(
    parent: dict[tuple[int, int], tuple[tuple[int, int], JugOp] | None], volume: int
) -> list[JugOp]:
    """A shortest list of operations that leaves exactly ``volume`` in one jug."""
    # BFS inserts states in order of distance, so the first hit is a nearest one.
    goal = next((s for s in parent if volume in s), None)
    if goal is None:
        raise ValueError(f"{volume} cannot be measured")
    ops: list[JugOp] = []
    state = goal
    while (step := parent[state]) is not None:
        state, op = step
        ops.append(op)
    return ops[::-1]
