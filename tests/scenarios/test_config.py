"""Scenario files: validated with errors that say where, expanded into a reproducible grid."""

from __future__ import annotations

from pathlib import Path

import pytest

from equanimity.scenarios.config import (
    HistorySpec,
    ScenarioError,
    list_presets,
    load_scenario,
    parse_scenario,
)
from equanimity.scenarios.grid import expand, message_rng, stable_seed, turn_seed
from equanimity.scenarios.history import Exchange, build_context


def test_every_preset_loads_and_plans() -> None:
    assert {"default", "smoke", "needs-help", "gets-help"} <= set(list_presets())
    for name in list_presets():
        cfg = load_scenario(name)
        convs = expand(cfg, "r")
        assert convs, name
        assert len({c.conversation_id for c in convs}) == len(convs)


def test_default_is_the_documented_main_job() -> None:
    cfg = load_scenario("default")
    assert len(cfg.families) >= 3
    assert cfg.rejection == ["neutral", "accepting"]
    assert cfg.turns == 8
    assert cfg.judges == ["offline"]


def test_toml_and_yaml_files(tmp_path: Path) -> None:
    toml = tmp_path / "s.toml"
    toml.write_text('name = "t"\nfamilies = ["factual"]\nturns = 3\nrejection = "harsh"\n')
    yml = tmp_path / "s.yaml"
    yml.write_text("name: t\nfamilies: [factual]\nturns: 3\nrejection: harsh\n")
    a, b = load_scenario(toml), load_scenario(yml)
    assert a == b
    assert a.rejection == ["harsh"] and a.history == [HistorySpec()]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("families = []", "families"),
        ('families = ["factual"]\nturns = 0', "turns"),
        ('families = ["factual"]\ntemprature = 0.5', "temprature"),
        ('families = ["factual"]\nhistory = [{ mode = "rewrite" }]', "at_turn"),
        (
            'families = ["factual"]\nturns = 4\nhistory = [{ mode = "rewrite", at_turn = 9, rewriter = "identity" }]',
            "after the last turn",
        ),
        ('families = ["factual"]\nescape_hatch = [{ pattern = "((" }]', "not a valid regex"),
        ('families = ["factual"]\nturns = "many"', "turns"),
    ],
)
def test_invalid_fields_are_named(tmp_path: Path, body: str, expected: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(body)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert str(path) in str(err.value)
    assert expected in str(err.value)


def test_unparseable_file_and_unknown_preset(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("families = [")
    with pytest.raises(ScenarioError, match="cannot parse"):
        load_scenario(path)
    with pytest.raises(ScenarioError, match="presets: "):
        load_scenario("no-such-preset")


def test_unknown_family_and_style_fail_before_running() -> None:
    with pytest.raises(ValueError, match="puzzles"):
        expand(parse_scenario({"families": ["not-a-family"]}), "r")
    with pytest.raises(ValueError):
        expand(parse_scenario({"families": ["factual"], "rejection": ["sulky"]}), "r")


def test_grid_is_a_full_product_with_shared_seeds() -> None:
    cfg = parse_scenario(
        {
            "families": [{"name": "factual", "n": 3}, {"name": "lateral", "n": 2}],
            "rejection": ["neutral", "accepting"],
            "history": ["full", "omit"],
            "escape_hatch": [False, True],
            "samples": 2,
        }
    )
    convs = expand(cfg, "r")
    assert len(convs) == (3 + 2) * 2 * 2 * 2 * 2
    assert len({c.condition_id for c in convs}) == 2 * 2 * 2 * 2
    # common random numbers: one prompt+sample has one seed across all conditions
    seeds: dict[tuple[str, int], set[int]] = {}
    for c in convs:
        seeds.setdefault((c.prompt_id, c.sample), set()).add(c.seed)
    assert all(len(s) == 1 for s in seeds.values())
    assert len({next(iter(s)) for s in seeds.values()}) == len(seeds)
    # and the plan is identical when expanded again
    assert [c.model_dump() for c in expand(cfg, "r")] == [c.model_dump() for c in convs]


def test_seeds_are_stable_across_processes() -> None:
    # fixed values: would change if the derivation used Python's randomised hash()
    assert stable_seed(0, "x") == stable_seed(0, "x")
    assert stable_seed(0, "x") != stable_seed(1, "x")
    assert turn_seed(123, 2) == turn_seed(123, 2) != turn_seed(123, 3)
    assert message_rng(5, 1).random() == message_rng(5, 1).random()
    # pinned: changing the derivation would silently change every existing run's draws
    assert stable_seed("a", 1) == 260665225073881278
    assert turn_seed(123, 2) == 1095796588


def test_user_prompt_file_as_a_family(tmp_path: Path) -> None:
    f = tmp_path / "mine.jsonl"
    f.write_text(
        '{"prompt": "Why is the sky blue?", "id": "sky"}\n{"prompt": "What is 2+2?", "answer": "4"}\n'
    )
    cfg = parse_scenario({"families": [{"name": "mine", "path": str(f)}]})
    convs = expand(cfg, "r")
    assert [c.prompt_id for c in convs] == ["sky", "2"]
    assert convs[1].answer == "4"


def test_history_modes_build_the_right_context() -> None:
    ex = [Exchange("first answer", "wrong"), Exchange("second answer", "still wrong")]
    full = build_context(
        system="sys", first_user="Q", exchanges=ex, spec=HistorySpec(), overrides={}
    )
    assert [m.role for m in full] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert [m.content for m in full if m.role == "assistant"] == ["first answer", "second answer"]
    omit = build_context(
        system=None, first_user="Q", exchanges=ex, spec=HistorySpec(mode="omit"), overrides={}
    )
    assert [m.content for m in omit if m.role == "assistant"] == ["[Previous response omitted]"] * 2
    assert [m.content for m in omit if m.role == "user"] == ["Q", "wrong", "still wrong"]
    rew = build_context(
        system=None,
        first_user="Q",
        exchanges=ex,
        spec=HistorySpec(mode="rewrite", at_turn=3, rewriter="identity"),
        overrides={1: "calm first"},
    )
    assert [m.content for m in rew if m.role == "assistant"] == ["calm first", "second answer"]


def test_files_named_in_a_scenario_are_relative_to_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "qs.jsonl").write_text('{"prompt": "Why?"}\n')
    (tmp_path / "sub" / "pool.txt").write_text("Nope.\nStill no.\n")
    (tmp_path / "sub" / "s.toml").write_text(
        'families = [{ name = "mine", path = "qs.jsonl" }]\n'
        'rejection = [{ name = "mypool", pool_file = "pool.txt" }]\n'
    )
    monkeypatch.chdir(tmp_path)  # not the scenario's folder
    convs = expand(load_scenario("sub/s.toml"), "r")
    assert [c.prompt for c in convs] == ["Why?"]
    assert convs[0].condition["rejection"] == "mypool"
