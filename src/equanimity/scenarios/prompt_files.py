"""Users' own prompt files (JSON Lines, CSV or a JSON list) as ``PromptItem`` lists.

Researchers bring files from other projects (e.g. ``{"idx": 0, "prompt": ..., "original_idx":
3}``), so the loader asks for one thing, a non-empty ``prompt`` string, and keeps every
field it does not use in ``metadata`` rather than rejecting or dropping it. What it cannot
use it reports precisely: every error names the file, the line and the field, because a
run that fails on prompt 212 of 400 should say so before any model time is spent.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from equanimity.scenarios.families import PromptItem

__all__ = ["PromptFileError", "load_prompt_file"]

#: Fields with a meaning of their own; everything else goes to ``metadata``.
_CORE_FIELDS = ("id", "prompt", "answer", "family")

Record = tuple[int, dict[str, Any]]  # (1-based line or entry number, fields)


class PromptFileError(ValueError):
    """A prompt file that cannot be used; the message names file, line and field."""

    def __init__(
        self,
        path: Path,
        problem: str,
        line: int | None = None,
        field: str | None = None,
        unit: str = "line",
    ) -> None:
        self.path = path
        self.line = line
        self.field = field
        where = str(path)
        if line is not None:
            where += f", {unit} {line}"
        if field is not None:
            where += f", field '{field}'"
        super().__init__(f"{where}: {problem}")


def load_prompt_file(path: str | Path, family: str | None = None) -> list[PromptItem]:
    """Read a prompt file; the format is chosen by extension (.jsonl/.ndjson, .csv, .json).

    Per record: ``prompt`` (required, non-empty string); ``id`` (else ``idx``, else the line
    number); ``answer`` (numbers are turned into strings); ``family`` (else the ``family``
    argument, else the file's stem). Blank lines are skipped; an id may appear only once
    per family.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    readers = {
        ".jsonl": _read_jsonl,
        ".ndjson": _read_jsonl,
        ".csv": _read_csv,
        ".json": _read_json,
    }
    if suffix not in readers:
        raise PromptFileError(path, f"unsupported file type {suffix!r}; use .jsonl, .csv or .json")
    try:
        # utf-8-sig: spreadsheet programs often prepend a byte-order mark to CSV exports.
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise PromptFileError(path, "file not found") from None
    except UnicodeDecodeError as e:
        raise PromptFileError(path, f"not UTF-8 text ({e.reason} at byte {e.start})") from None

    unit = "entry" if suffix == ".json" else "line"
    default_family = family or path.stem
    items: list[PromptItem] = []
    first_seen: dict[tuple[str, str], int] = {}
    for number, record in readers[suffix](path, text):
        item = _to_item(path, number, record, default_family, unit)
        key = (item.family, item.id)
        if key in first_seen:
            raise PromptFileError(
                path,
                f"duplicate id {item.id!r} (first used on {unit} {first_seen[key]})",
                number,
                "id",
                unit,
            )
        first_seen[key] = number
        items.append(item)
    if not items:
        raise PromptFileError(path, "no prompts found (the file is empty)")
    return items


def _read_jsonl(path: Path, text: str) -> Iterator[Record]:
    # Split on "\n" only: str.splitlines would also split on U+2028, which JSON allows
    # unescaped inside strings.
    for number, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except json.JSONDecodeError as e:
            raise PromptFileError(
                path, f"malformed JSON ({e.msg} at column {e.colno})", number
            ) from None
        if not isinstance(record, dict):
            raise PromptFileError(path, f"expected a JSON object, got {_type_name(record)}", number)
        yield number, record


def _read_json(path: Path, text: str) -> Iterator[Record]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise PromptFileError(path, f"malformed JSON ({e.msg})", e.lineno) from None
    if not isinstance(data, list):
        raise PromptFileError(path, f"expected a JSON list of objects, got {_type_name(data)}")
    for number, record in enumerate(data, start=1):
        if not isinstance(record, dict):
            raise PromptFileError(
                path, f"expected a JSON object, got {_type_name(record)}", number, unit="entry"
            )
        yield number, record


def _read_csv(path: Path, text: str) -> Iterator[Record]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise PromptFileError(path, "no prompts found (the file is empty)")
        columns = [c.strip() for c in header]
        for i, name in enumerate(columns, start=1):
            if not name:
                raise PromptFileError(path, f"header column {i} has no name", 1)
            if name in columns[: i - 1]:
                raise PromptFileError(path, "column appears twice in the header", 1, name)
        if "prompt" not in columns:
            raise PromptFileError(
                path,
                f"the header has no 'prompt' column (columns: {', '.join(columns)})",
                1,
                "prompt",
            )
        end_of_previous = reader.line_num
        for row in reader:
            # A quoted cell may span lines: a record starts after the previous one ends.
            number, end_of_previous = end_of_previous + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(columns):
                raise PromptFileError(
                    path, f"row has {len(row)} cells but the header has {len(columns)}", number
                )
            yield number, dict(zip(columns, row, strict=False))
    except csv.Error as e:
        raise PromptFileError(path, f"malformed CSV ({e})", reader.line_num) from None


def _to_item(path: Path, number: int, record: dict[str, Any], family: str, unit: str) -> PromptItem:
    def fail(field: str, problem: str) -> PromptFileError:
        return PromptFileError(path, problem, number, field, unit)

    if "prompt" not in record or record["prompt"] is None:
        raise fail("prompt", "missing (every record needs a non-empty 'prompt' string)")
    prompt = record["prompt"]
    if not isinstance(prompt, str):
        raise fail("prompt", f"must be a string, got {_type_name(prompt)}")
    if not prompt.strip():
        raise fail("prompt", "is empty")

    item_id = str(number)
    for field in ("id", "idx"):
        value = record.get(field)
        if _absent(value):
            continue
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise fail(
                field, f"must be a string or an integer to serve as the id, got {_type_name(value)}"
            )
        item_id = str(value).strip()
        break

    answer = record.get("answer")
    if _absent(answer):
        answer = None
    elif isinstance(answer, int | float) and not isinstance(answer, bool):
        answer = str(answer)
    elif not isinstance(answer, str):
        raise fail("answer", f"must be a string or a number, got {_type_name(answer)}")

    own_family = record.get("family")
    if not _absent(own_family):
        if not isinstance(own_family, str):
            raise fail("family", f"must be a string, got {_type_name(own_family)}")
        family = own_family.strip()

    metadata: dict[str, Any] = {}
    if isinstance(record.get("metadata"), dict):
        metadata.update(record["metadata"])
    metadata.update(
        (k, v)
        for k, v in record.items()
        if k not in _CORE_FIELDS and not (k == "metadata" and isinstance(v, dict))
    )
    return PromptItem(id=item_id, family=family, prompt=prompt, answer=answer, metadata=metadata)


def _absent(value: Any) -> bool:
    """Missing, null, or an empty CSV cell: all mean "not given"."""
    return value is None or (isinstance(value, str) and not value.strip())


def _type_name(value: Any) -> str:
    return {dict: "an object", list: "a list", bool: "a boolean", type(None): "null"}.get(
        type(value), type(value).__name__
    )
