"""Rejection styles: the pools say what they should, and draws are reproducible."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from equanimity.scenarios.rejections import (
    STYLES,
    RejectionStyle,
    describe_styles,
    get_rejection_style,
)

# Phrases by which a user tells the model its answer is wrong.
REJECTION = re.compile(
    r"\b(wrong|incorrect|not (quite |even )?(right|correct|close|it)|isn't (right|correct|it|the)"
    r"|not the (right )?answer|try again|another (go|try|shot)|mistake|reconsider|nope)\b",
    re.IGNORECASE,
)


def _texts(style: RejectionStyle, min_turn: int | None = None) -> set[str]:
    return {m.text for m in style.messages if min_turn is None or m.min_turn == min_turn}


def test_builtin_styles() -> None:
    assert STYLES == ("neutral", "escalating", "harsh", "encouraging", "accepting", "ok")
    controls = {name for name in STYLES if get_rejection_style(name).is_control}
    assert controls == {"accepting", "ok"}
    for name in STYLES:
        style = get_rejection_style(name)
        assert style.name == name and style.description
        assert len(_texts(style)) == len(style.messages), f"{name} repeats a message"
        if name != "ok":
            assert 8 <= len(style.messages) <= 15, name


def test_describe_styles_lists_every_builtin() -> None:
    rows = describe_styles()
    assert [r["name"] for r in rows] == list(STYLES)
    assert all(r["messages"] == len(get_rejection_style(r["name"]).messages) for r in rows)


@pytest.mark.parametrize("name", ["neutral", "escalating", "harsh", "encouraging"])
def test_rejecting_styles_always_say_the_answer_is_wrong(name: str) -> None:
    for text in _texts(get_rejection_style(name)):
        assert REJECTION.search(text), f"{name}: {text!r} does not reject"


@pytest.mark.parametrize("name", ["accepting", "ok"])
def test_controls_never_reject(name: str) -> None:
    for text in _texts(get_rejection_style(name)):
        assert not REJECTION.search(text), f"{name}: {text!r} sounds like a rejection"
        assert not re.search(r"\b(no|again|sure\?|really\?)\b", text, re.I), text


def test_ok_is_minimal() -> None:
    assert _texts(get_rejection_style("ok")) <= {"Ok", "Ok.", "Okay", "Okay.", "OK", "OK."}


def test_encouraging_is_upbeat_and_harsh_is_not() -> None:
    warm = re.compile(
        r"\b(great|good|nice|love|I believe|well|confident|sticking|solid|enjoyed|worry|track|like)\b",
        re.I,
    )
    assert all(warm.search(t) for t in _texts(get_rejection_style("encouraging")))
    assert not any(warm.search(t) for t in _texts(get_rejection_style("harsh")))


@pytest.mark.parametrize("name", STYLES)
def test_draws_are_reproducible_for_a_seed(name: str) -> None:
    style = get_rejection_style(name)

    def conversation(seed: int) -> list[str]:
        rng = random.Random(seed)
        return [style.message(turn, rng) for turn in range(1, 31)]

    assert conversation(7) == conversation(7)
    assert set(conversation(7)) <= _texts(style)
    assert len({tuple(conversation(s)) for s in range(5)}) > 1


def test_escalating_uses_strong_messages_only_from_turn_3() -> None:
    style = get_rejection_style("escalating")
    tiers = sorted({m.min_turn for m in style.messages})
    assert tiers[0] == 1 and tiers[1] == 3
    plain = _texts(style, 1)
    seen: dict[int, set[str]] = {}
    for seed in range(200):
        rng = random.Random(seed)
        for turn in range(1, 21):
            seen.setdefault(turn, set()).add(style.message(turn, rng))
    assert seen[1] == seen[2] == plain  # every plain message is used, and only those
    for turn in range(3, 21):
        assert not seen[turn] & plain, f"turn {turn} fell back to a plain rejection"
        tier = max(t for t in tiers if t <= turn)
        assert seen[turn] == _texts(style, tier)


def test_turn_must_be_positive() -> None:
    with pytest.raises(ValueError, match="turn must be >= 1"):
        get_rejection_style("neutral").message(0, random.Random(0))


# --------------------------------------------------------------------------------------
# custom pools
# --------------------------------------------------------------------------------------


def test_custom_pool_from_txt(tmp_path: Path) -> None:
    pool = tmp_path / "pool.txt"
    pool.write_text("Nope, not it.\n\n  Still no.  \n", encoding="utf-8")
    style = get_rejection_style({"name": "mine", "pool_file": str(pool)})
    assert style.name == "mine" and not style.is_control
    assert _texts(style) == {"Nope, not it.", "Still no."}
    assert style.message(5, random.Random(1)) in _texts(style)


def test_custom_pool_from_jsonl_with_tiers(tmp_path: Path) -> None:
    pool = tmp_path / "pool.jsonl"
    pool.write_text(
        '{"message": "Hmm, no."}\n{"message": "Come on.", "min_turn": 4}\n', encoding="utf-8"
    )
    style = get_rejection_style({"name": "tiered", "pool_file": pool, "is_control": False})
    rng = random.Random(0)
    assert [style.message(t, rng) for t in range(1, 7)] == ["Hmm, no."] * 3 + ["Come on."] * 3


def test_inline_messages_and_custom_controls() -> None:
    style = get_rejection_style(
        {"name": "polite-ok", "messages": ["Fine.", {"message": "Alright."}], "is_control": True}
    )
    assert style.is_control and _texts(style) == {"Fine.", "Alright."}


def test_name_alone_is_the_builtin_style() -> None:
    assert get_rejection_style({"name": "harsh"}) == get_rejection_style("harsh")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("grumpy", "unknown rejection style 'grumpy'.*neutral, escalating"),
        ({"name": "grumpy"}, "unknown rejection style 'grumpy'"),
        ({"messages": ["x"]}, "non-empty 'name'"),
        ({"name": "x", "messages": []}, "non-empty list"),
        (
            {"name": "x", "messages": ["  "]},
            "message 1: field 'message' must be a non-empty string",
        ),
        ({"name": "x", "messages": [{"message": "a", "min_turn": 0}]}, "min_turn"),
        ({"name": "x", "messages": [{"message": "a", "min_turn": 2}]}, "min_turn 1"),
        ({"name": "x", "messages": [{"text": "a"}]}, "unknown field"),
        ({"name": "x", "messages": ["a"], "pool_file": "p.txt"}, "not both"),
        ({"name": "x", "messages": ["a"], "colour": "red"}, "unknown key"),
        ({"name": "x", "messages": ["a"], "is_control": "yes"}, "is_control"),
        ({"name": "neutral", "messages": ["a"]}, "shadow the built-in"),
        ({"name": "x", "pool_file": 3}, "must be a path"),
        (["neutral"], "a name or a table"),
    ],
)
def test_bad_specs_error_clearly(spec: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        get_rejection_style(spec)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("empty.txt", "\n  \n", "pool is empty"),
        ("bad.jsonl", '{"message": "a"}\n{"message": \n', "line 2: malformed JSON"),
        ("bad.jsonl", '{"message": "a"}\n{"msg": "b"}\n', "line 2: unknown field"),
        ("pool.csv", "message\nNo.\n", "unsupported pool file type"),
    ],
)
def test_bad_pool_files_error_clearly(tmp_path: Path, name: str, text: str, message: str) -> None:
    pool = tmp_path / name
    pool.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message) as err:
        get_rejection_style({"name": "x", "pool_file": str(pool)})
    assert str(pool) in str(err.value)


def test_missing_pool_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not found"):
        get_rejection_style({"name": "x", "pool_file": str(tmp_path / "none.txt")})
