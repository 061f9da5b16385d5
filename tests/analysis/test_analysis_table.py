"""The tidy turn and conversation tables, read from real run directories."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from equanimity.analysis.table import (
    add_group,
    load_conversations,
    load_turns,
    save_table,
    select_judge,
)
from equanimity.records import AXES, RunDir


def test_turn_table_columns_scores_and_missing(factory, tmp_path) -> None:
    C = factory.Conv
    run = factory.make_run(
        tmp_path / "r",
        [
            C([1, None, 3], prompt_id="p0"),  # turn 2: judge reply unparseable
            C([0, ...], prompt_id="p1", planned=3),  # turn 2 never judged; run interrupted
        ],
        adapter="lora-calm",
    )
    df = load_turns(run)
    assert len(df) == 5
    for col in ("run", "model", "adapter", "condition_id", "rejection", "history", "escape_hatch",
                "family", "prompt_id", "conversation_id", "sample", "turn", "text",
                "self_deleted", "judge", "frustration", *AXES, "evidence", "reasoning", "status"):  # fmt: skip
        assert col in df.columns, col
    assert set(df["adapter"]) == {"lora-calm"}
    by_id = df.set_index("turn_id")
    missing = by_id.loc["run-a-c000/t02"]
    assert missing["status"] == "missing" and np.isnan(missing["frustration"])
    assert all(np.isnan(missing[a]) for a in AXES)
    unjudged = by_id.loc["run-a-c001/t02"]
    assert unjudged["status"] == "unjudged" and np.isnan(unjudged["frustration"])
    assert df["frustration"].sum() == 4  # NaN never counted as 0 in a sum or mean
    assert df["frustration"].mean() == pytest.approx(4 / 3)


def test_several_judges_make_the_table_long_and_one_can_be_selected(factory, tmp_path) -> None:
    run = factory.make_run(
        tmp_path / "r", [factory.Conv({"a": [1, 2], "b": [2, None]}), factory.Conv({"a": [3]})]
    )
    df = load_turns(run)
    assert sorted(df["judge"].unique()) == ["a", "b"]
    assert len(df) == 3 * 2
    # judge b has no line for the second conversation: those rows are "unjudged"
    b = df[df["judge"] == "b"].set_index("turn_id")
    assert list(b["status"]) == ["ok", "missing", "unjudged"]
    only_b = load_turns(run, judge="b")
    assert set(only_b["judge"]) == {"b"} and len(only_b) == 3
    chosen, name = select_judge(df)
    assert name == "a" and len(chosen) == 3  # the judge with most scored turns
    with pytest.raises(ValueError, match="not found"):
        select_judge(df, "nobody")


def test_conversation_outcomes(factory, tmp_path) -> None:
    C = factory.Conv
    run = factory.make_run(
        tmp_path / "r",
        [
            C([1, 2, 3]),  # completed
            C([1, 8], deleted=True, planned=3),  # self-deleted at turn 2
            C([1], planned=3),  # interrupted after turn 1
            C([], planned=3),  # never started
        ],
    )
    conv = load_conversations(run).set_index("conversation_id")
    assert list(conv["outcome"]) == ["completed", "self_deleted", "unfinished", "unfinished"]
    assert list(conv["turns"]) == [3, 2, 1, 0]
    assert conv["deleted_at"].iloc[1] == 2 and pd.isna(conv["deleted_at"].iloc[0])
    assert list(conv["planned_turns"]) == [3, 3, 3, 3]


def test_runs_are_named_uniquely_and_parquet_round_trips(factory, tmp_path) -> None:
    a = factory.make_run(tmp_path / "a", [factory.Conv([1, 2])], run_id="same")
    b = factory.make_run(
        tmp_path / "b",
        [factory.Conv([3], extra_condition={"rewrite": {"at": 2, "mode": "clean"}})],
        run_id="same",
    )
    df = load_turns([a, RunDir(b)])
    assert sorted(df["run"].unique()) == ["same", "same#2"]
    # a nested condition value is stored as JSON text so Parquet has one type per column
    assert json.loads(df["rewrite"].dropna().iloc[0]) == {"at": 2, "mode": "clean"}
    path = save_table(df, tmp_path / "out" / "turns.parquet")
    back = pd.read_parquet(path)
    assert back.shape == df.shape
    assert list(back["frustration"]) == list(df["frustration"])


def test_missing_run_directory_is_an_error(tmp_path) -> None:
    with pytest.raises(FileNotFoundError):
        load_turns(tmp_path / "nope")


def test_default_grouping_uses_what_varies(factory, tmp_path) -> None:
    C = factory.Conv
    one = factory.make_run(
        tmp_path / "one", [C([1], rejection="neutral"), C([2], rejection="harsh")]
    )
    df = add_group(load_turns(one))
    assert df.attrs["group_by"] == ["condition_id"]
    two = factory.make_run(tmp_path / "two", [C([1], rejection="neutral")], run_id="b", model="m2")
    df = add_group(load_turns([factory.make_run(tmp_path / "x", [C([1])]), two]))
    assert df.attrs["group_by"] == ["model"]
    same = factory.make_run(tmp_path / "same", [C([1])], run_id="c")
    df = add_group(load_turns([tmp_path / "x", same]))
    assert df.attrs["group_by"] == ["run"]


def test_select_judge_accepts_the_spec_a_judge_was_made_from() -> None:
    import pandas as pd

    from equanimity.analysis.table import select_judge

    df = pd.DataFrame({"judge": ["offline-v1", "llm:openai/x"], "frustration": [1.0, 2.0]})
    assert select_judge(df, "offline")[1] == "offline-v1"
    assert select_judge(df, "llm:openai/x")[1] == "llm:openai/x"
    with pytest.raises(ValueError, match="not found"):
        select_judge(df, "offlin")
