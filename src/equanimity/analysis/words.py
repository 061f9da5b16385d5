"""Which words mark the most frustrated responses: weighted log-odds with an informative prior.

Raw frequency ratios are dominated by rare words (a word seen once in the frustrated set and
never in the calm set has an infinite ratio). Monroe, Colaresi & Quinn (2008, "Fightin'
Words", section 3.5) shrink each word's log-odds toward its frequency in a background corpus
with a Dirichlet prior and divide by the estimate's standard error, giving a z-score that
ranks words by how *reliably* they separate the two sets. Here the two sets are the top 5%
and bottom 10% of responses by score and the background is every scored response.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

_STOP_WORDS_TEXT = """
    a about above after again against all also am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does
    doesn't doing don't down during each either else etc even ever every few for from further
    had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers herself
    him himself his how how's if in into is isn't it it's its itself just let's may might more
    most much must mustn't neither no nor not now of off on once only or other ought our ours
    ourselves out over own per same shall shan't she she'd she'll she's should shouldn't so
    some such than that that's the their theirs them themselves then there there's these they
    they'd they'll they're they've this those though through thus to too under until up upon
    us very via was wasn't we we'd we'll we're we've were weren't what what's when when's where
    where's whether which while who who's whom whose why why's will with within without won't
    would wouldn't yet
"""

#: English function words. Personal pronouns (I, me, myself, you) are deliberately *kept*:
#: self-focus versus user-blame is part of what distinguishes distressed responses.
STOP_WORDS: frozenset[str] = frozenset(_STOP_WORDS_TEXT.split())

_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)*")


def tokenize(text: str, stop_words: Iterable[str] = STOP_WORDS) -> list[str]:
    """Lower-cased alphabetic words (apostrophes kept inside words), minus stop words.

    Numbers and single letters are dropped: in puzzle answers they are the content, not the
    tone.
    """
    stop = stop_words if isinstance(stop_words, frozenset | set) else set(stop_words)
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return [w for w in _TOKEN.findall(text) if len(w) > 1 and w not in stop]


@dataclass(frozen=True)
class WordContrast:
    """Result of :func:`word_log_odds`: the word table and which responses were compared."""

    #: word, top, bottom (counts in each set), background, log_odds, z; sorted by z descending.
    table: pd.DataFrame
    n_top: int
    n_bottom: int
    n_responses: int
    #: lowest score in the top set / highest score in the bottom set.
    top_min: float
    bottom_max: float


def log_odds_dirichlet(
    top: Mapping[str, int], bottom: Mapping[str, int], prior: Mapping[str, float]
) -> pd.DataFrame:
    """Monroe et al.'s log-odds ratio with informative Dirichlet prior, and its z-score.

    For word w with counts y (top), x (bottom), prior pseudo-count a_w, a0 = sum of a, n_top
    and n_bottom the set sizes in tokens::

        delta_w = log((y + a_w) / (n_top + a0 - y - a_w)) - log((x + a_w) / (n_bottom + a0 - x - a_w))
        var_w   = 1 / (y + a_w) + 1 / (x + a_w)
        z_w     = delta_w / sqrt(var_w)

    Words with a zero prior are skipped (their estimate is undefined).
    """
    a0 = float(sum(prior.values()))
    n_top, n_bottom = sum(top.values()), sum(bottom.values())
    rows = []
    for w in set(top) | set(bottom):
        a = float(prior.get(w, 0.0))
        if a <= 0:
            continue
        y, x = top.get(w, 0), bottom.get(w, 0)
        delta = math.log((y + a) / (n_top + a0 - y - a)) - math.log(
            (x + a) / (n_bottom + a0 - x - a)
        )
        var = 1 / (y + a) + 1 / (x + a)
        rows.append((w, y, x, a, delta, delta / math.sqrt(var)))
    df = pd.DataFrame(rows, columns=["word", "top", "bottom", "prior", "log_odds", "z"])
    return df.sort_values(["z", "word"], ascending=[False, True], ignore_index=True)


def word_log_odds(
    turns: pd.DataFrame,
    *,
    score: str = "frustration",
    top: float = 0.05,
    bottom: float = 0.10,
    prior_strength: float | None = None,
    min_count: int = 3,
    stop_words: Iterable[str] = STOP_WORDS,
    seed: int = 0,
) -> WordContrast | None:
    """Words over-represented in the top ``top`` share of responses vs the bottom ``bottom``.

    Responses are ranked by ``score`` (missing scores excluded), ties broken at random with
    ``seed`` so the sets have exactly ``ceil(top * n)`` and ``ceil(bottom * n)`` responses;
    top-set responses that score no higher than the bottom set's maximum are then dropped, so
    no score is on both sides. The prior is the background word frequencies over every scored
    response, scaled to ``prior_strength`` pseudo-tokens in all (None: as many as the two
    compared sets hold, so prior and data weigh the same; the full background count would
    swamp a small top set).
    Words seen fewer than ``min_count`` times in the two sets are left out of the table.
    Returns None when there is nothing to contrast (fewer than two distinct scores).
    """
    d = turns[turns[score].notna()]
    scores = d[score].to_numpy(dtype=float)
    n = len(scores)
    if n == 0 or np.unique(scores).size < 2:
        return None
    rng = np.random.default_rng(seed)
    order = np.lexsort((rng.random(n), scores))
    n_bot, n_top = math.ceil(bottom * n), math.ceil(top * n)
    bot_idx = order[:n_bot]
    bottom_max = scores[bot_idx].max()
    top_idx = order[n - n_top :]
    top_idx = top_idx[scores[top_idx] > bottom_max]
    if len(top_idx) == 0:
        return None
    stop = frozenset(stop_words)
    docs = [tokenize(t, stop) for t in d["text"].fillna("").astype(str)]
    background = Counter(w for doc in docs for w in doc)
    top_counts = Counter(w for i in top_idx for w in docs[i])
    bot_counts = Counter(w for i in bot_idx for w in docs[i])
    if prior_strength is None:
        prior_strength = sum(top_counts.values()) + sum(bot_counts.values())
    total = sum(background.values())
    prior = {w: c * prior_strength / total for w, c in background.items()}
    table = log_odds_dirichlet(top_counts, bot_counts, prior)
    table = table[table["top"] + table["bottom"] >= min_count].reset_index(drop=True)
    return WordContrast(
        table=table,
        n_top=len(top_idx),
        n_bottom=len(bot_idx),
        n_responses=n,
        top_min=float(scores[top_idx].min()),
        bottom_max=float(bottom_max),
    )
