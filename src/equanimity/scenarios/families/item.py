"""The one record every question family produces, built-in or user-supplied."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class PromptItem(BaseModel):
    """One question to open a conversation with.

    ``answer`` is what answer drift and capitulation are measured against, so it is set only
    when a correct answer is actually known (never for impossible puzzles or open requests).
    """

    model_config = ConfigDict(extra="forbid")

    #: Stable and unique within the family (e.g. ``countdown-imp-003``), so runs can be joined.
    id: str = Field(min_length=1)
    #: ``puzzles``, ``puzzles_solvable``, ``factual``, ``fictitious``, ``lateral``,
    #: ``requests``, or a user family from a prompt file.
    family: str = Field(min_length=1)
    #: The exact first user message.
    prompt: str = Field(min_length=1)
    answer: str | None = None
    #: Family-specific facts: ``kind``, puzzle parameters, proof summary, ``twin_id``, ...
    metadata: dict[str, Any] = Field(default_factory=dict)
