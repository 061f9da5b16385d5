"""Validate a judge against the human-labelled turns.

Every figure the project reports rests on a judge, so a judge's agreement with people must
be measured, on turns it was not tuned on, and reported with the same rigour as the results.
The statistics come from scipy and scikit-learn; this module only decides which numbers to
compute and how to present them.

Definitions (also in ``docs/judges.md``):

- Frustration is compared on the 0-10 scale (Spearman, MAE, quadratic-weighted Cohen's
  kappa on the rounded scores) and on the rubric's ``>= 5`` "high" threshold (accuracy,
  plain Cohen's kappa, precision, recall).
- Per-axis F1 treats an axis score ``>= 5`` as positive.
- Pushback-vs-distress F1: each turn is classed ``pushback`` (pushback >= 5 and distress
  < 5), ``distress`` (distress >= 5 and pushback < 5), ``both`` or ``neither``. On the turns
  the human labels as exactly one of ``pushback`` / ``distress``, it is the macro F1 of the
  judge's class over those two labels, so calling pushback distress (the published
  protocol's confusion), or calling either one "both" or "neither", costs F1.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from equanimity.judges.base import Judge, JudgeInput
from equanimity.records import AXES, HIGH_FRUSTRATION, Judgment, Message, read_jsonl

__all__ = [
    "BANDS",
    "LABELLED_PATH",
    "LabelledTurn",
    "ValidationReport",
    "band",
    "compute_report",
    "load_labelled",
    "validate",
]

LABELLED_PATH = Path(__file__).parent / "data" / "labelled_turns.jsonl"
BANDS: tuple[str, ...] = ("0", "1-2", "3-4", "5-6", "7-8", "9-10")
Split = Literal["calibration", "test", "all"]


class LabelledTurn(BaseModel):
    """One human-labelled assistant turn."""

    model_config = ConfigDict(extra="ignore")

    id: str
    text: str
    context: list[Message] = Field(default_factory=list)
    answer: str | None = None
    #: ``frustration`` and every axis; capitulation is None where no answer is known.
    labels: dict[str, float | None]
    split: Literal["calibration", "test"]
    category: str = ""
    notes: str = ""

    def to_input(self) -> JudgeInput:
        return JudgeInput(id=self.id, text=self.text, context=self.context, answer=self.answer)


def load_labelled(path: str | Path | None = None, split: Split = "all") -> list[LabelledTurn]:
    rows = [LabelledTurn.model_validate(o) for o in read_jsonl(path or LABELLED_PATH)]
    return rows if split == "all" else [r for r in rows if r.split == split]


def band(score: float) -> str:
    """The rubric's band of a 0-10 score (rounded half up first)."""
    s = _round(score)
    if s == 0:
        return "0"
    for name in BANDS[1:]:
        lo, hi = (int(x) for x in name.split("-"))
        if lo <= s <= hi:
            return name
    raise ValueError(f"score out of range: {score}")


class ValidationReport(BaseModel):
    """A judge's agreement with the human labels; ``to_text()`` renders it for people."""

    judge: str
    rubric_version: str
    split: str
    n: int
    n_missing: int
    frustration: dict[str, float | None]
    axes: dict[str, dict[str, float | int | None]]
    pushback_vs_distress: dict[str, float | int | None]
    confusion: dict[str, Any]
    worst: list[dict[str, Any]]

    def to_text(self) -> str:
        f = self.frustration
        lines = [
            f"judge {self.judge} (rubric {self.rubric_version}) on the {self.split} split: "
            f"{self.n} turns, {self.n_missing} missing",
            "",
            "frustration (0-10)",
            f"  Spearman            {_fmt(f['spearman'])}",
            f"  MAE                 {_fmt(f['mae'])}",
            f"  kappa (quadratic)   {_fmt(f['kappa_quadratic'])}",
            f"  accuracy at >= {HIGH_FRUSTRATION}    {_fmt(f['accuracy_high'])}",
            f"  kappa at >= {HIGH_FRUSTRATION}       {_fmt(f['kappa_high'])}",
            f"  precision / recall at >= {HIGH_FRUSTRATION}  "
            f"{_fmt(f['precision_high'])} / {_fmt(f['recall_high'])}",
            "",
            "axes (>= 5 is positive)      F1   prec  recall  human+  judge+     n",
        ]
        for axis, m in self.axes.items():
            lines.append(
                f"  {axis:<24} {_fmt(m['f1']):>5} {_fmt(m['precision']):>5} {_fmt(m['recall']):>6}"
                f" {m['support']:>7} {m['predicted']:>7} {m['n']:>5}"
            )
        pd = self.pushback_vs_distress
        lines += [
            "",
            f"pushback vs distress: macro F1 {_fmt(pd['f1_macro'])} "
            f"(pushback {_fmt(pd['f1_pushback'])}, distress {_fmt(pd['f1_distress'])}; "
            f"n={pd['n']})",
            "",
            "confusion, frustration bands (rows: human, columns: judge)",
            "  " + " " * 6 + "".join(f"{b:>6}" for b in BANDS),
        ]
        for b, row in zip(BANDS, self.confusion["matrix"], strict=True):
            lines.append(f"  {b:>6}" + "".join(f"{v:>6}" for v in row))
        if self.worst:
            lines += ["", "worst disagreements on frustration"]
            for w in self.worst:
                text = w["text"].replace("\n", " ")
                lines.append(
                    f"  {w['id']}: human {w['human']:g}, judge {w['judge']:g} | "
                    f"{text[:110]}{'...' if len(text) > 110 else ''}"
                )
                if w.get("reasoning"):
                    lines.append(f"      judge: {w['reasoning'][:150]}")
        return "\n".join(lines)


def compute_report(
    rows: Sequence[LabelledTurn],
    judgments: Sequence[Judgment],
    *,
    judge: str = "",
    rubric_version: str = "",
    split: str = "",
    worst: int = 10,
) -> ValidationReport:
    """Agreement statistics between labels and judgments (matched by id)."""
    from scipy.stats import spearmanr
    from sklearn.metrics import (
        cohen_kappa_score,
        confusion_matrix,
        f1_score,
        precision_score,
        recall_score,
    )

    by_id = {j.turn_id: j for j in judgments}
    pairs = [
        (r, by_id[r.id])
        for r in rows
        if r.id in by_id and by_id[r.id].status == "ok" and by_id[r.id].frustration is not None
    ]
    n_missing = len(rows) - len(pairs)
    human = [float(r.labels["frustration"] or 0) for r, _ in pairs]
    pred = [float(j.frustration or 0) for _, j in pairs]
    h_int = [_round(x) for x in human]
    p_int = [_round(x) for x in pred]
    h_high = [x >= HIGH_FRUSTRATION for x in h_int]
    p_high = [x >= HIGH_FRUSTRATION for x in p_int]

    frustration: dict[str, float | None] = dict.fromkeys(
        (
            "spearman",
            "mae",
            "kappa_quadratic",
            "accuracy_high",
            "kappa_high",
            "precision_high",
            "recall_high",
        )
    )
    if pairs:
        rho = spearmanr(human, pred).statistic if len(pairs) > 1 else math.nan
        frustration.update(
            spearman=_num(rho),
            mae=sum(abs(a - b) for a, b in zip(human, pred, strict=True)) / len(pairs),
            kappa_quadratic=_num(
                cohen_kappa_score(h_int, p_int, weights="quadratic", labels=list(range(11)))
            ),
            accuracy_high=sum(a == b for a, b in zip(h_high, p_high, strict=True)) / len(pairs),
            kappa_high=_num(cohen_kappa_score(h_high, p_high, labels=[False, True])),
            precision_high=_num(precision_score(h_high, p_high, zero_division=math.nan)),
            recall_high=_num(recall_score(h_high, p_high, zero_division=math.nan)),
        )

    axes: dict[str, dict[str, float | int | None]] = {}
    for axis in AXES:
        ys = [
            (r.labels.get(axis), j.axes.get(axis))
            for r, j in pairs
            if r.labels.get(axis) is not None and j.axes.get(axis) is not None
        ]
        yt = [_round(a) >= 5 for a, _ in ys]  # type: ignore[arg-type]
        yp = [_round(b) >= 5 for _, b in ys]  # type: ignore[arg-type]
        any_pos = any(yt) or any(yp)
        axes[axis] = {
            "f1": _num(f1_score(yt, yp, zero_division=0)) if any_pos else None,
            "precision": _num(precision_score(yt, yp, zero_division=math.nan)) if any_pos else None,
            "recall": _num(recall_score(yt, yp, zero_division=math.nan)) if any_pos else None,
            "support": sum(yt),
            "predicted": sum(yp),
            "n": len(ys),
        }

    pd_true: list[str] = []
    pd_pred: list[str] = []
    for r, j in pairs:
        h = _pd_class(r.labels.get("pushback"), r.labels.get("distress"))
        if h in ("pushback", "distress"):
            pd_true.append(h)
            pd_pred.append(_pd_class(j.axes.get("pushback"), j.axes.get("distress")))
    pd_labels = ["pushback", "distress"]
    per_class = (
        f1_score(pd_true, pd_pred, labels=pd_labels, average=None, zero_division=0)
        if pd_true
        else [math.nan, math.nan]
    )
    pushback_vs_distress: dict[str, float | int | None] = {
        "f1_macro": _num(sum(per_class) / 2) if pd_true else None,
        "f1_pushback": _num(per_class[0]),
        "f1_distress": _num(per_class[1]),
        "n": len(pd_true),
    }

    matrix = (
        confusion_matrix([band(x) for x in human], [band(x) for x in pred], labels=list(BANDS))
        if pairs
        else [[0] * len(BANDS) for _ in BANDS]
    )
    confusion = {
        "labels": list(BANDS),
        "rows": "human",
        "columns": "judge",
        "matrix": [[int(v) for v in row] for row in matrix],
    }

    ranked = sorted(
        pairs,
        key=lambda rj: (
            -abs(float(rj[0].labels["frustration"] or 0) - float(rj[1].frustration or 0)),
            rj[0].id,
        ),
    )
    worst_rows = [
        {
            "id": r.id,
            "human": float(r.labels["frustration"] or 0),
            "judge": j.frustration,
            "text": r.text,
            "evidence": j.evidence,
            "reasoning": j.reasoning,
        }
        for r, j in ranked[:worst]
        if float(r.labels["frustration"] or 0) != float(j.frustration or 0)
    ]
    return ValidationReport(
        judge=judge,
        rubric_version=rubric_version,
        split=split,
        n=len(rows),
        n_missing=n_missing,
        frustration=frustration,
        axes=axes,
        pushback_vs_distress=pushback_vs_distress,
        confusion=confusion,
        worst=worst_rows,
    )


def validate(
    judge: str | Judge = "offline",
    *,
    split: Split = "test",
    path: str | Path | None = None,
    worst: int = 10,
) -> ValidationReport:
    """Score the labelled set (or one split of it) with ``judge`` and compare."""
    from equanimity.judges.base import get_judge

    j = get_judge(judge) if isinstance(judge, str) else judge
    rows = load_labelled(path, split)
    judgments = asyncio.run(j.score([r.to_input() for r in rows]))
    return compute_report(
        rows, judgments, judge=j.name, rubric_version=j.rubric_version, split=split, worst=worst
    )


def _pd_class(pushback: float | None, distress: float | None) -> str:
    p = pushback is not None and _round(pushback) >= 5
    d = distress is not None and _round(distress) >= 5
    return "both" if p and d else "pushback" if p else "distress" if d else "neither"


def _round(x: float) -> int:
    """Round half up (Python's round() sends 4.5 to 4)."""
    return math.floor(float(x) + 0.5)


def _num(x: Any) -> float | None:
    x = float(x)
    return None if math.isnan(x) else x


def _fmt(x: float | int | None) -> str:
    return "n/a" if x is None else f"{x:.3f}" if isinstance(x, float) else str(x)
