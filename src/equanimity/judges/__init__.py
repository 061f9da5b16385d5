"""The judging stage: score assistant turns for frustration and the separate axes.

Typical use::

    from equanimity.judges import judge_run, validate

    judge_run("runs/my-run")                               # offline judge, no network
    judge_run("runs/my-run", "llm:openai/gpt-4o-mini")     # any Inspect model
    print(validate("offline", split="test").to_text())     # agreement with human labels

Judgments land in ``RUN/judgments/<judge>.jsonl`` as :class:`equanimity.records.Judgment`
lines; several judges can score one run side by side. The rubric is in
:mod:`equanimity.judges.rubric`, the Inspect scorer in :mod:`equanimity.judges.scorer`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from equanimity.judges.base import Judge, JudgeInput, JudgeMode, get_judge
from equanimity.judges.rubric import RUBRIC_VERSION
from equanimity.judges.run import InputFileError, ajudge_run, judge_file, judge_run
from equanimity.judges.validate import ValidationReport, load_labelled, validate

if TYPE_CHECKING:
    from equanimity.judges.llm import LLMJudge
    from equanimity.judges.offline import OfflineJudge

__all__ = [
    "RUBRIC_VERSION",
    "InputFileError",
    "Judge",
    "JudgeInput",
    "JudgeMode",
    "LLMJudge",
    "OfflineJudge",
    "ValidationReport",
    "ajudge_run",
    "get_judge",
    "judge_file",
    "judge_run",
    "load_labelled",
    "validate",
]


def __getattr__(name: str) -> Any:
    # The judges themselves load lazily: the LLM judge pulls in Inspect (about a second).
    if name == "LLMJudge":
        from equanimity.judges.llm import LLMJudge

        return LLMJudge
    if name == "OfflineJudge":
        from equanimity.judges.offline import OfflineJudge

        return OfflineJudge
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
