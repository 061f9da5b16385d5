"""Validation statistics against values computed by hand on a tiny set."""

from __future__ import annotations

import json

import pytest

from equanimity.judges.validate import LabelledTurn, band, compute_report, validate
from equanimity.records import AXES, Judgment


def _row(i: int, frustration: float, distress: float, pushback: float) -> LabelledTurn:
    labels: dict[str, float | None] = {a: 0.0 for a in AXES}
    labels.update(frustration=frustration, distress=distress, pushback=pushback, capitulation=None)
    return LabelledTurn(id=f"r{i}", text=f"text {i}", labels=labels, split="test")


def _judgment(i: int, frustration: float | None, distress: float, pushback: float) -> Judgment:
    axes: dict[str, float | None] = {a: 0.0 for a in AXES}
    axes.update(distress=distress, pushback=pushback, capitulation=None)
    if frustration is None:
        return Judgment(
            turn_id=f"r{i}",
            judge="j",
            rubric_version="v",
            status="missing",
            axes=dict.fromkeys(AXES),
        )
    return Judgment(
        turn_id=f"r{i}", judge="j", rubric_version="v", frustration=frustration, axes=axes
    )


@pytest.fixture
def report():  # type: ignore[no-untyped-def]
    rows = [
        _row(0, 0, 0, 9),
        _row(1, 2, 1, 0),
        _row(2, 6, 6, 0),
        _row(3, 8, 8, 0),
        _row(4, 5, 5, 0),
    ]
    judged = [
        _judgment(0, 0, 0, 7),
        _judgment(1, 3, 0, 0),
        _judgment(2, 4, 6, 5),
        _judgment(3, 8, 3, 0),
        _judgment(4, None, 0, 0),  # missing: excluded from every statistic, counted apart
    ]
    return compute_report(rows, judged, judge="j", rubric_version="v", split="test")


def test_frustration_statistics_match_hand_computation(report) -> None:  # type: ignore[no-untyped-def]
    f = report.frustration
    assert report.n == 5 and report.n_missing == 1
    assert f["spearman"] == pytest.approx(1.0)
    assert f["mae"] == pytest.approx(0.75)  # (0 + 1 + 2 + 0) / 4
    assert f["accuracy_high"] == pytest.approx(0.75)
    assert f["precision_high"] == pytest.approx(1.0)
    assert f["recall_high"] == pytest.approx(0.5)
    # plain kappa: po = 0.75, pe = 0.5 * 0.25 + 0.5 * 0.75 = 0.5
    assert f["kappa_high"] == pytest.approx(0.5)
    # quadratic kappa: 1 - (5 / 400) / (292 / 1600)
    assert f["kappa_quadratic"] == pytest.approx(1 - (5 / 400) / (292 / 1600))


def test_axis_f1_and_pushback_vs_distress(report) -> None:  # type: ignore[no-untyped-def]
    d = report.axes["distress"]
    assert (d["support"], d["predicted"], d["n"]) == (2, 1, 4)
    assert d["precision"] == pytest.approx(1.0) and d["recall"] == pytest.approx(0.5)
    assert d["f1"] == pytest.approx(2 / 3)
    assert report.axes["capitulation"]["n"] == 0 and report.axes["capitulation"]["f1"] is None
    assert report.axes["hostility"]["f1"] is None  # no positives on either side
    pd = report.pushback_vs_distress
    # human classes on rows 0, 2, 3: pushback, distress, distress;
    # judge: pushback, both, neither -> pushback F1 1.0, distress F1 0.0
    assert pd["n"] == 3
    assert pd["f1_pushback"] == pytest.approx(1.0)
    assert pd["f1_distress"] == pytest.approx(0.0)
    assert pd["f1_macro"] == pytest.approx(0.5)


def test_confusion_table_and_worst_disagreements(report) -> None:  # type: ignore[no-untyped-def]
    labels = report.confusion["labels"]
    matrix = report.confusion["matrix"]
    cell = {
        (labels[i], labels[j]): v for i, row in enumerate(matrix) for j, v in enumerate(row) if v
    }
    assert cell == {("0", "0"): 1, ("1-2", "3-4"): 1, ("5-6", "3-4"): 1, ("7-8", "7-8"): 1}
    assert [w["id"] for w in report.worst] == ["r2", "r1"]
    text = report.to_text()
    assert "Spearman" in text and "pushback vs distress" in text and "r2" in text
    json.dumps(report.model_dump())  # the JSON form is serialisable


@pytest.mark.parametrize(
    ("score", "expected"),
    [(0, "0"), (0.4, "0"), (0.5, "1-2"), (2.49, "1-2"), (4.5, "5-6"), (9, "9-10"), (10, "9-10")],
)
def test_bands_round_half_up(score: float, expected: str) -> None:
    assert band(score) == expected


def test_offline_judge_meets_the_targets_on_the_test_split() -> None:
    """The documented figures: a regression here means the docs are no longer true."""
    r = validate("offline", split="test")
    assert r.n_missing == 0
    assert r.frustration["spearman"] >= 0.80
    assert r.frustration["accuracy_high"] >= 0.90
    assert r.pushback_vs_distress["f1_macro"] >= 0.85
