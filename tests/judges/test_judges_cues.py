"""The offline judge's regex prefilter never changes a match."""

from __future__ import annotations

import re

import pytest

from equanimity.judges._cues import (
    CUES,
    SARCASM,
    CueIndex,
    required_literals,
    top_level_branches,
    words_of,
)
from equanimity.judges.offline import _lower, _mask
from equanimity.judges.validate import load_labelled


@pytest.mark.parametrize(
    ("regex", "must_contain_one_of"),
    [
        (r"\bi give up\b", {"i give up"}),
        (r"\b(frustrated|annoyed) with me\b", {"frustrated with me", "annoyed with me"}),
        (r"x?abc", {"abc"}),
        (r"(?<!\w)f[*#]{2,}k?", {"f*", "f#"}),
    ],
)
def test_required_literals(regex: str, must_contain_one_of: set[str]) -> None:
    groups = required_literals(regex)
    assert set(groups[0]) == must_contain_one_of


def test_optional_parts_are_never_required() -> None:
    assert required_literals(r"(abc)?") == ()
    assert required_literals(r"a*b?") == ()


def test_top_level_branches_respect_groups_classes_and_escapes() -> None:
    assert top_level_branches(r"a(b|c)|[|]d|e\|f|g") == ["a(b|c)", "[|]d", r"e\|f", "g"]


def test_prefiltered_matches_equal_plain_regex_matches() -> None:
    rows = load_labelled()
    texts = [r.text for r in rows]
    texts += ["\n\n".join(rows[(i + 7 * k) % len(rows)].text for k in range(10)) for i in range(40)]
    for text in texts:
        masked = _mask(_lower(text))
        words = words_of(masked)
        for cue in (*CUES, SARCASM):
            plain = [m.span() for m in cue.pattern.finditer(masked)]
            fast = [m.span() for m in cue.finditer(masked, words)]
            assert fast == plain, (cue.label, text[:80])


def test_the_word_index_finds_exactly_the_plain_regex_matches() -> None:
    index = CueIndex(CUES)
    rows = load_labelled()
    texts = [r.text for r in rows]
    texts += ["\n\n".join(rows[(i + 3 * k) % len(rows)].text for k in range(8)) for i in range(30)]
    for text in texts:
        masked = _mask(_lower(text))
        plain = [(c.label, m.span()) for c in CUES for m in c.pattern.finditer(masked)]
        fast = [(c.label, m.span()) for c, m in index.matches(masked, words_of(masked))]
        assert fast == plain, text[:80]


def test_every_cue_compiles_and_has_scores() -> None:
    for cue in CUES:
        assert isinstance(cue.pattern, re.Pattern)
        assert cue.scores, cue.label
        assert all(0 <= v <= 10 for v in cue.scores.values())
