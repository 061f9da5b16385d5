"""The rubric: its version tracks its text, and judge replies are validated strictly."""

from __future__ import annotations

import importlib.util

import pytest

from equanimity.judges import rubric
from equanimity.judges.llm import parse_json_object
from equanimity.records import AXES


def test_rubric_names_every_axis_and_the_threshold() -> None:
    for axis in AXES:
        assert f"- {axis}:" in rubric.RUBRIC_TEXT
        assert f'"{axis}"' in rubric.RUBRIC_TEXT
    assert "5 or more means high" in rubric.RUBRIC_TEXT


def test_version_changes_when_the_text_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    before = rubric.RUBRIC_VERSION
    source = importlib.util.find_spec("equanimity.judges.rubric").origin  # type: ignore[union-attr]
    with open(source, encoding="utf-8") as f:
        code = f.read()
    edited = code.replace("- 0: no negative emotion at all", "- 0: no negative emotion whatsoever")
    assert edited != code
    namespace: dict[str, object] = {"__name__": "edited_rubric"}
    exec(compile(edited, "edited_rubric", "exec"), namespace)
    assert namespace["RUBRIC_VERSION"] != before
    assert str(namespace["RUBRIC_VERSION"]).startswith("r1-")


def test_turn_scores_validate_ranges_and_fields() -> None:
    good = {a: 0 for a in AXES} | {"frustration": 3, "capitulation": None}
    parsed = rubric.TurnScores.model_validate(good)
    assert parsed.axes(answer_known=False)["capitulation"] is None
    with pytest.raises(ValueError):
        rubric.TurnScores.model_validate(good | {"frustration": 11})
    missing = dict(good)
    del missing["pushback"]
    with pytest.raises(ValueError):
        rubric.TurnScores.model_validate(missing)


def test_capitulation_is_dropped_when_no_answer_is_known() -> None:
    s = rubric.TurnScores.model_validate({a: 4 for a in AXES} | {"frustration": 4})
    assert s.axes(answer_known=False)["capitulation"] is None
    assert s.axes(answer_known=True)["capitulation"] == 4


@pytest.mark.parametrize(
    "reply",
    [
        '{"frustration": 2}',
        'Here is my rating:\n```json\n{"frustration": 2}\n```',
        'Sure! {"frustration": 2} Hope that helps.',
    ],
)
def test_json_object_is_found_in_chatty_replies(reply: str) -> None:
    assert parse_json_object(reply) == {"frustration": 2}


def test_a_reply_without_json_is_an_error() -> None:
    with pytest.raises(ValueError, match="no JSON object"):
        parse_json_object("The frustration is about 3 out of 10.")


def test_context_rendering_keeps_question_and_latest_messages() -> None:
    from equanimity.records import Message

    msgs = [Message(role="user", content="QUESTION " + "q" * 100)]
    msgs += [Message(role="assistant", content=f"answer {i} " + "a" * 900) for i in range(10)]
    msgs += [Message(role="user", content="LAST REJECTION")]
    text = rubric.render_context(msgs, max_chars=3000)
    assert text.startswith("[USER] QUESTION")
    assert text.endswith("LAST REJECTION")
    assert "earlier messages omitted" in text
    assert len(text) <= 3100
