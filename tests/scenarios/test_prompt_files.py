"""Users' prompt files: what loads, and that every failure names the line and the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from equanimity.scenarios.prompt_files import PromptFileError, load_prompt_file

PEER_DATA = Path("/work/shared/peer-data/attct")


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _jsonl(*records: object) -> str:
    return "".join(
        (r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records
    )


# --------------------------------------------------------------------------------------
# valid files
# --------------------------------------------------------------------------------------


def test_jsonl_fields_defaults_and_extras(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "my_questions.jsonl",
        _jsonl(
            {"id": "q-a", "prompt": "What is 2 + 2?", "answer": "4", "source": "hand"},
            {"prompt": "Name a prime.", "answer": 7, "family": "primes"},
            {"idx": 12, "prompt": "Tell me a joke.", "original_idx": 40},
        )
        + "\n   \n"  # blank lines are skipped, not errors
        + _jsonl({"prompt": "Last one", "metadata": {"difficulty": "easy"}, "tag": "x"}),
    )
    items = load_prompt_file(path)
    assert [i.id for i in items] == ["q-a", "2", "12", "6"]  # id, line number, idx, line number
    assert [i.family for i in items] == ["my_questions", "primes", "my_questions", "my_questions"]
    assert items[0].answer == "4" and items[0].metadata == {"source": "hand"}
    assert items[1].answer == "7"  # numbers become strings
    assert items[2].answer is None
    assert items[2].metadata == {"idx": 12, "original_idx": 40}
    assert items[3].metadata == {"difficulty": "easy", "tag": "x"}


def test_family_argument_is_the_default_family(tmp_path: Path) -> None:
    path = _write(tmp_path, "x.jsonl", _jsonl({"prompt": "a"}, {"prompt": "b", "family": "own"}))
    assert [i.family for i in load_prompt_file(path, family="mine")] == ["mine", "own"]


def test_prompt_text_is_kept_exactly(tmp_path: Path) -> None:
    text = "  Line one\nline two with \u2028 a separator and émojis 🙂  "
    path = _write(tmp_path, "exact.jsonl", _jsonl({"prompt": text}))
    assert load_prompt_file(path)[0].prompt == text


def test_csv_with_quoted_multiline_cells_and_bom(tmp_path: Path) -> None:
    text = (
        "\ufeffid,prompt,answer,topic\n"
        'a1,"What is 3 x 3?",9,maths\n'
        'a2,"Fix this:\n\ndef f(x):\n    return x +",,code\n'
        "\n"
        "a3,Plain prompt,,\n"
    )
    items = load_prompt_file(_write(tmp_path, "set.csv", text))
    assert [i.id for i in items] == ["a1", "a2", "a3"]
    assert items[0].answer == "9" and items[0].metadata == {"topic": "maths"}
    assert items[1].prompt == "Fix this:\n\ndef f(x):\n    return x +"
    assert items[1].answer is None
    assert items[2].metadata == {"topic": ""}
    assert {i.family for i in items} == {"set"}


def test_csv_without_id_uses_the_line_of_the_record(tmp_path: Path) -> None:
    text = 'prompt\n"two\nlines"\nthird record\n'
    items = load_prompt_file(_write(tmp_path, "p.csv", text))
    assert [i.id for i in items] == ["2", "4"]


def test_json_list(tmp_path: Path) -> None:
    path = _write(tmp_path, "list.json", json.dumps([{"prompt": "a"}, {"prompt": "b", "id": 5}]))
    items = load_prompt_file(path)
    assert [(i.id, i.prompt) for i in items] == [("1", "a"), ("5", "b")]


PEER_FILES = sorted(PEER_DATA.glob("*.jsonl")) if PEER_DATA.is_dir() else []


@pytest.mark.skipif(not PEER_FILES, reason="peer project's data not present")
@pytest.mark.parametrize("path", PEER_FILES, ids=lambda p: p.name)
def test_peer_project_files_load_unchanged(path: Path) -> None:
    raw = [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    items = load_prompt_file(path)
    assert len(items) == len(raw)
    for item, record in zip(items, raw, strict=True):
        assert item.prompt == record["prompt"]
        assert item.id == str(record["idx"])
        assert item.family == path.stem
        assert item.metadata == {k: v for k, v in record.items() if k != "prompt"}


# --------------------------------------------------------------------------------------
# malformed files
# --------------------------------------------------------------------------------------


def _error(path: Path) -> PromptFileError:
    with pytest.raises(PromptFileError) as err:
        load_prompt_file(path)
    assert str(path) in str(err.value)
    return err.value


def test_bad_json_on_line_3(tmp_path: Path) -> None:
    path = _write(tmp_path, "f.jsonl", _jsonl({"prompt": "a"}, {"prompt": "b"}, '{"prompt": "c",'))
    err = _error(path)
    assert err.line == 3 and "line 3" in str(err) and "malformed JSON" in str(err)


def test_missing_prompt_on_line_2(tmp_path: Path) -> None:
    path = _write(tmp_path, "f.jsonl", _jsonl({"prompt": "a"}, {"question": "b"}))
    err = _error(path)
    assert (err.line, err.field) == (2, "prompt")
    assert "line 2, field 'prompt'" in str(err) and "missing" in str(err)


@pytest.mark.parametrize(
    ("value", "problem"),
    [(42, "must be a string"), (["hi"], "must be a string"), ("", "empty"), ("   \n", "empty")],
)
def test_prompt_must_be_a_non_empty_string(tmp_path: Path, value: object, problem: str) -> None:
    path = _write(tmp_path, "f.jsonl", _jsonl({"prompt": "ok"}, {"prompt": value}))
    err = _error(path)
    assert (err.line, err.field) == (2, "prompt") and problem in str(err)


def test_duplicate_id_names_both_lines(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "f.jsonl",
        _jsonl({"id": "x", "prompt": "a"}, {"id": "y", "prompt": "b"}, {"id": "x", "prompt": "c"}),
    )
    err = _error(path)
    assert (err.line, err.field) == (3, "id")
    assert "duplicate id 'x'" in str(err) and "line 1" in str(err) and "line 3" in str(err)


def test_same_id_in_different_families_is_fine(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "f.jsonl",
        _jsonl({"id": 1, "prompt": "a", "family": "p"}, {"id": 1, "prompt": "b", "family": "q"}),
    )
    assert len(load_prompt_file(path)) == 2


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"prompt": "a", "id": 1.5}, "id"),
        ({"prompt": "a", "id": True}, "id"),
        ({"prompt": "a", "idx": [1]}, "idx"),
        ({"prompt": "a", "answer": ["4"]}, "answer"),
        ({"prompt": "a", "answer": False}, "answer"),
        ({"prompt": "a", "family": 3}, "family"),
    ],
)
def test_wrong_types_name_the_field(tmp_path: Path, record: dict, field: str) -> None:
    err = _error(_write(tmp_path, "f.jsonl", _jsonl(record)))
    assert (err.line, err.field) == (1, field) and f"field '{field}'" in str(err)


def test_a_line_that_is_not_an_object(tmp_path: Path) -> None:
    err = _error(_write(tmp_path, "f.jsonl", _jsonl({"prompt": "a"}, '["a list"]')))
    assert err.line == 2 and "expected a JSON object" in str(err)


def test_csv_header_without_prompt_column(tmp_path: Path) -> None:
    err = _error(_write(tmp_path, "f.csv", "id,question\n1,What?\n"))
    assert (err.line, err.field) == (1, "prompt")
    assert "no 'prompt' column" in str(err) and "id, question" in str(err)


def test_csv_header_with_a_repeated_column(tmp_path: Path) -> None:
    err = _error(_write(tmp_path, "f.csv", "prompt,answer,answer\na,b,c\n"))
    assert (err.line, err.field) == (1, "answer")


def test_csv_row_with_too_many_cells(tmp_path: Path) -> None:
    err = _error(_write(tmp_path, "f.csv", 'prompt,answer\n"multi\nline",1\nx,2,3\n'))
    assert err.line == 4 and "3 cells" in str(err)


def test_csv_empty_prompt_names_line(tmp_path: Path) -> None:
    err = _error(_write(tmp_path, "f.csv", "id,prompt\n1,hello\n2,\n"))
    assert (err.line, err.field) == (3, "prompt")


def test_json_entry_errors_say_entry(tmp_path: Path) -> None:
    err = _error(_write(tmp_path, "f.json", json.dumps([{"prompt": "a"}, {"prompt": 3}])))
    assert (err.line, err.field) == (2, "prompt") and "entry 2" in str(err)
    err = _error(_write(tmp_path, "g.json", json.dumps({"prompt": "a"})))
    assert "expected a JSON list" in str(err)


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        ("empty.jsonl", "\n\n", "no prompts"),
        ("empty.csv", "", "no prompts"),
        ("notes.txt", "What is 2 + 2?\n", "unsupported file type"),
    ],
)
def test_unusable_files(tmp_path: Path, name: str, text: str, problem: str) -> None:
    assert problem in str(_error(_write(tmp_path, name, text)))


def test_missing_file(tmp_path: Path) -> None:
    assert "file not found" in str(_error(tmp_path / "nope.jsonl"))


def test_error_is_a_value_error() -> None:
    assert issubclass(PromptFileError, ValueError)
