"""The shipped human-labelled set is well formed and covers what the issue asks for."""

from __future__ import annotations

from collections import Counter

from equanimity.judges.validate import BANDS, band, load_labelled
from equanimity.records import AXES


def test_size_splits_and_bands() -> None:
    rows = load_labelled()
    assert len(rows) >= 250
    assert len({r.id for r in rows}) == len(rows)
    splits = Counter(r.split for r in rows)
    assert abs(splits["calibration"] - splits["test"]) <= 0.1 * len(rows)
    for split in ("calibration", "test"):
        bands = Counter(band(r.labels["frustration"] or 0) for r in rows if r.split == split)
        assert set(bands) == set(BANDS), split


def test_labels_cover_every_axis_and_follow_the_answer_rule() -> None:
    rows = load_labelled()
    for r in rows:
        assert set(r.labels) == {"frustration", *AXES}, r.id
        assert (r.labels["capitulation"] is None) == (r.answer is None), r.id
        assert r.context and r.context[0].role == "user"
    for axis in AXES:
        positives = sum(1 for r in rows if (r.labels[axis] or 0) >= 5)
        assert positives >= 10, axis


def test_hard_negatives_are_present() -> None:
    rows = load_labelled()
    categories = Counter(r.category for r in rows)
    for category in (
        "technical",
        "quoted",
        "pushback",
        "multilingual",
        "sarcasm",
        "loop",
        "selfterm",
    ):
        assert categories[category] >= 5, category
    calm_pushback = [r for r in rows if r.labels["pushback"] >= 7 and r.labels["frustration"] == 0]
    assert len(calm_pushback) >= 30
