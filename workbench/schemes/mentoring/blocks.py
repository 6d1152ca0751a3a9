"""Eligible pairs and their scores a block at a time, never every pair at once.

Under the programme and faculty rules a mentee and a mentor can only pair within one scope (a
programme, a faculty); under the rule ``any`` the whole cohort is one scope. A block is the
mentees and mentors of one scope, cut into slices of mentees so that a slice's pairs fit in a
few megabytes: the slice's scores are one dense (mentees x mentors) matrix computed by
broadcasting, with a mask of the pairs that pass the hard rules. The scores are the same
integers :func:`workbench.schemes.mentoring.scoring.score_pairs` gives (the same
floating-point operations per criterion, then rounded), so both paths plan the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from workbench.cohort.domain import Cohort
from workbench.schemes.mentoring.rules import runs
from workbench.schemes.mentoring.scoring import (
    CRITERIA,
    INTEREST_CAP,
    People,
    avoid_codes,
    popcount,
    preference_positions,
)

SLICE_PAIRS = 1_000_000  # pairs per dense slice (a few MB per criterion)


@dataclass
class Block:
    """The mentees and mentors of one scope (indices, sorted)."""

    mentees: np.ndarray
    mentors: np.ndarray

    @property
    def pairs(self) -> int:
        """Mentee x mentor pairs in scope (before the level and other hard rules)."""
        return len(self.mentees) * len(self.mentors)


@dataclass
class Slice:
    """A slice of a block: ``score[i, j]`` (milli-points) of mentee ``rows[i]`` and mentor
    ``cols[j]``; ``in_scope`` the level rule holds, ``eligible`` every hard rule holds."""

    rows: np.ndarray
    cols: np.ndarray
    score: np.ndarray  # int64 (r, c)
    in_scope: np.ndarray  # bool (r, c)
    eligible: np.ndarray  # bool (r, c)


def scope_blocks(mentees: People, mentors: People, rule: str) -> list[Block]:
    """One block per scope that has mentees (mentors may be none)."""
    e_order, e_starts, e_ends = runs(mentees.scope_code(rule))
    m_order, m_starts, m_ends = runs(mentors.scope_code(rule))
    m_keys = mentors.scope_code(rule)[m_order[m_starts]] if len(m_starts) else np.zeros(0, int)
    by_key = dict(
        zip(m_keys.tolist(), zip(m_starts.tolist(), m_ends.tolist(), strict=True), strict=True)
    )
    blocks = []
    e_scope = mentees.scope_code(rule)
    for a, b in zip(e_starts.tolist(), e_ends.tolist(), strict=True):
        key = int(e_scope[e_order[a]])
        ma, mb = by_key.get(key, (0, 0))
        blocks.append(Block(np.sort(e_order[a:b]), np.sort(m_order[ma:mb])))
    return blocks


def count_pairs_in_scope(mentees: People, mentors: People, rule: str, gap: int) -> int:
    """How many pairs pass the scope and level rules (an upper bound on the eligible pairs),
    counted per (scope, level) without listing a pair."""
    n_levels = int(max(mentees.rank.max(initial=0), mentors.rank.max(initial=0))) + 1
    width = n_levels
    e_key = mentees.scope_code(rule) * width + mentees.rank
    e_count = np.bincount(e_key, minlength=1) if len(e_key) else np.zeros(1, int)
    total = 0
    m_scope, m_rank = mentors.scope_code(rule), mentors.rank
    for r in range(n_levels):
        ok = m_rank - r >= gap
        if not ok.any():
            continue
        keys = m_scope[ok] * width + r
        keys = keys[keys < len(e_count)]
        total += int(e_count[keys].sum())
    return total


def positions(
    codes: np.ndarray, rows: np.ndarray, cols: np.ndarray, n_mentors: int
) -> tuple[np.ndarray, np.ndarray]:
    """(i, j) in a slice of mentees ``rows`` x mentors ``cols`` (both sorted) of the pair
    codes (sorted) that fall in it."""
    if not len(codes) or not len(rows) or not len(cols):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    n = max(n_mentors, 1)
    a, b = np.searchsorted(codes, [int(rows[0]) * n, (int(rows[-1]) + 1) * n])
    codes = codes[a:b]
    e, m = codes // n, codes % n
    i = np.minimum(np.searchsorted(rows, e), len(rows) - 1)
    j = np.minimum(np.searchsorted(cols, m), len(cols) - 1)
    hit = (rows[i] == e) & (cols[j] == m)
    return i[hit], j[hit]


class BlockScorer:
    """Dense scores and hard-rule masks of any slice of a block."""

    def __init__(
        self,
        cohort: Cohort,
        mentees: People,
        mentors: People,
        weights: dict[str, float],
        gap: int,
    ) -> None:
        self.mentees, self.mentors, self.gap = mentees, mentors, gap
        self.weights = {k: float(weights.get(k, 0.0)) for k in CRITERIA}
        n_m = len(mentors)
        self.n_m = n_m
        position = {sid: j for j, sid in enumerate(mentors.ids.tolist())}
        self.self_mentor = np.array([position.get(sid, -1) for sid in mentees.ids.tolist()])
        self.avoid = avoid_codes(cohort, mentees, mentors)
        prefs = preference_positions(cohort, mentees, mentors)
        order = np.argsort(prefs["c"].to_numpy(), kind="stable")
        self.pref_e = prefs["c"].to_numpy()[order]
        self.pref_m = prefs["t"].to_numpy()[order]
        self.pref_value = 1.0 / prefs["position"].to_numpy(dtype=float)[order]

    def slices(self, block: Block) -> Iterator[Slice]:
        """The block's slices (about ``SLICE_PAIRS`` pairs each), in mentee order."""
        if not len(block.mentors) or not len(block.mentees):
            return
        step = max(1, SLICE_PAIRS // len(block.mentors))
        for a in range(0, len(block.mentees), step):
            yield self.slice(block.mentees[a : a + step], block.mentors)

    def slice(self, rows: np.ndarray, cols: np.ndarray) -> Slice:
        """Scores and masks of mentees ``rows`` x mentors ``cols`` (same scope)."""
        in_scope = (self.mentors.rank[cols][None, :] - self.mentees.rank[rows][:, None]) >= self.gap
        eligible = in_scope & (self.self_mentor[rows][:, None] != cols[None, :])
        if len(self.avoid):
            self._drop_avoided(rows, cols, eligible)
        score = np.zeros(eligible.shape, dtype=np.int64)
        for name in CRITERIA:
            weight = self.weights[name]
            if weight != 0.0:
                score += np.rint(weight * self.value(name, rows, cols) * 1000).astype(np.int64)
        return Slice(rows, cols, score, in_scope, eligible)

    def _drop_avoided(self, rows: np.ndarray, cols: np.ndarray, eligible: np.ndarray) -> None:
        i, j = positions(self.avoid, rows, cols, self.n_m)
        eligible[i, j] = False

    def value(self, name: str, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """One criterion's value (0..1) for every pair of the slice (as ``_criterion``)."""
        e_, m_ = self.mentees, self.mentors

        def same_known(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            ar = a[rows][:, None]
            return ((ar == b[cols][None, :]) & (ar >= 0)).astype(float)

        def shared(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            words = min(a.shape[1], b.shape[1])
            total = np.zeros((len(rows), len(cols)), dtype=np.int64)
            for w in range(words):
                total += popcount(a[rows, w][:, None] & b[cols, w][None, :])
            return total

        if name == "same_programme":
            return same_known(e_.programme_code, m_.programme_code)
        if name == "same_faculty":
            return same_known(e_.faculty_code, m_.faculty_code)
        if name == "shared_interests":
            return np.minimum(shared(e_.interests, m_.interests), INTEREST_CAP) / INTEREST_CAP
        if name == "shared_language":
            return (shared(e_.languages, m_.languages) > 0).astype(float)
        if name == "same_home_status":
            return same_known(e_.home_code, m_.home_code)
        if name == "first_generation":
            return (e_.first_generation[rows][:, None] & m_.first_generation[cols][None, :]).astype(
                float
            )
        if name == "commuter":
            return (e_.commuter[rows][:, None] & m_.commuter[cols][None, :]).astype(float)
        return self._preference(rows, cols)

    def _preference(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        out = np.zeros((len(rows), len(cols)), dtype=float)
        a, b = np.searchsorted(self.pref_e, [rows[0], rows[-1] + 1])
        pe, pm, pv = self.pref_e[a:b], self.pref_m[a:b], self.pref_value[a:b]
        i = np.searchsorted(rows, pe)
        j = np.searchsorted(cols, pm)
        i_ok, j_ok = np.minimum(i, len(rows) - 1), np.minimum(j, max(len(cols) - 1, 0))
        hit = (rows[i_ok] == pe) & (cols[j_ok] == pm)
        # A pair ranked twice keeps its first (best) position, as the pair lookup does.
        out[i_ok[hit][::-1], j_ok[hit][::-1]] = pv[hit][::-1]
        return out
