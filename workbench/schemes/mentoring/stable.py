"""Stable matching of mentees to mentors from two-sided preferences.

Only mutually ranked pairs that also pass the hard rules are acceptable; a mentor holds at most
``capacity`` mentees. Ties in a ranking are broken by student id, so every list is strict and the
result is the same for the same input.

* :func:`deferred_acceptance`: the mentee-optimal stable matching (mentees propose, mentors keep
  the best ``capacity`` offers so far). It is the stable matching every mentee likes at least as
  much as any other stable matching.
* :func:`stability_rows`: the linear constraints that say "no blocking pair", used by the
  "best total score among stable matchings" model.
"""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.cohort.domain import Cohort
from workbench.schemes.mentoring.scoring import People, pair_code, preference_positions


@dataclass
class StableInstance:
    """Acceptable pairs with both sides' order (0 = first choice among acceptable partners)."""

    pairs: np.ndarray  # int64 indices into the eligible-pair arrays, sorted
    mentee: np.ndarray  # int64 per acceptable pair
    mentor: np.ndarray  # int64 per acceptable pair
    mentee_order: np.ndarray  # where the mentor sits in the mentee's list
    mentor_order: np.ndarray  # where the mentee sits in the mentor's list
    ranked_any: np.ndarray  # bool per mentee: ranked at least one mentor
    ranked_eligible: np.ndarray  # int64 per mentee: eligible mentors they ranked

    def mentee_lists(self, n_mentees: int) -> list[list[int]]:
        """Each mentee's acceptable mentors, best first."""
        lists: list[list[tuple[int, int]]] = [[] for _ in range(n_mentees)]
        for e, m, o in zip(
            self.mentee.tolist(), self.mentor.tolist(), self.mentee_order.tolist(), strict=True
        ):
            lists[e].append((o, m))
        return [[m for _, m in sorted(lst)] for lst in lists]

    def mentor_lists(self, n_mentors: int) -> list[list[int]]:
        """Each mentor's acceptable mentees, best first."""
        lists: list[list[tuple[int, int]]] = [[] for _ in range(n_mentors)]
        for e, m, o in zip(
            self.mentee.tolist(), self.mentor.tolist(), self.mentor_order.tolist(), strict=True
        ):
            lists[m].append((o, e))
        return [[e for _, e in sorted(lst)] for lst in lists]


def _orders(
    prefs: pd.DataFrame, chooser: np.ndarray, chosen: np.ndarray, n_chosen: int
) -> tuple[np.ndarray, np.ndarray]:
    """For each (chooser, chosen) pair: ranked?, and its place in the chooser's list."""
    codes = pair_code(prefs["c"].to_numpy(), prefs["t"].to_numpy(), n_chosen)
    order = np.argsort(codes, kind="stable")
    sc, so = codes[order], prefs["order"].to_numpy()[order]
    want = pair_code(chooser, chosen, n_chosen)
    if len(sc) == 0:
        return np.zeros(len(want), dtype=bool), np.zeros(len(want), dtype=np.int64)
    pos = np.minimum(np.searchsorted(sc, want), len(sc) - 1)
    found = sc[pos] == want
    return found, np.where(found, so[pos], 0)


def stable_instance(
    cohort: Cohort, mentees: People, mentors: People, e: np.ndarray, m: np.ndarray
) -> StableInstance:
    """The acceptable pairs among the eligible pairs (e, m): ranked by both sides."""
    mentee_prefs = preference_positions(cohort, mentees, mentors)
    mentor_prefs = preference_positions(cohort, mentors, mentees)
    e_ranked, _ = _orders(mentee_prefs, e, m, len(mentors))
    m_ranked, _ = _orders(mentor_prefs, m, e, len(mentees))
    keep = np.flatnonzero(e_ranked & m_ranked)
    ke, km = e[keep], m[keep]
    # Orders are re-counted among acceptable partners only, so they run 0, 1, 2, ...
    _, e_raw = _orders(mentee_prefs, ke, km, len(mentors))
    _, m_raw = _orders(mentor_prefs, km, ke, len(mentees))
    e_order = (
        pd.Series(e_raw).groupby(ke).rank(method="first").to_numpy(dtype=np.int64) - 1
        if len(keep)
        else np.zeros(0, dtype=np.int64)
    )
    m_order = (
        pd.Series(m_raw).groupby(km).rank(method="first").to_numpy(dtype=np.int64) - 1
        if len(keep)
        else np.zeros(0, dtype=np.int64)
    )
    ranked_any = np.zeros(len(mentees), dtype=bool)
    ranked_any[mentee_prefs["c"].to_numpy()] = True
    ranked_eligible = np.bincount(e[e_ranked], minlength=len(mentees)).astype(np.int64)
    return StableInstance(
        keep.astype(np.int64), ke, km, e_order, m_order, ranked_any, ranked_eligible
    )


def deferred_acceptance(
    mentee_lists: list[list[int]], mentor_lists: list[list[int]], capacity: list[int] | np.ndarray
) -> dict[int, int]:
    """Mentee-proposing deferred acceptance: {mentee: mentor} of the mentee-optimal stable
    matching. Lists hold acceptable partners only, best first, and must be mutual."""
    rank_of = [{e: i for i, e in enumerate(lst)} for lst in mentor_lists]
    next_choice = [0] * len(mentee_lists)
    held: list[list[tuple[int, int]]] = [[] for _ in mentor_lists]  # max-heap on rank
    free = deque(range(len(mentee_lists)))
    while free:
        e = free.popleft()
        choices = mentee_lists[e]
        if next_choice[e] >= len(choices):
            continue  # rejected by everyone on their list: stays unmatched
        m = choices[next_choice[e]]
        next_choice[e] += 1
        rank = rank_of[m][e]
        heap = held[m]
        if len(heap) < int(capacity[m]):
            heapq.heappush(heap, (-rank, e))
        elif -heap[0][0] > rank:
            _, bumped = heapq.heapreplace(heap, (-rank, e))
            free.append(bumped)
        else:
            free.append(e)
    return {e: m for m, heap in enumerate(held) for _, e in heap}


def stability_rows(
    inst: StableInstance, capacity: np.ndarray
) -> list[tuple[int, list[int], list[float], float]]:
    """One "no blocking pair" row per acceptable pair k = (mentee e, mentor r):

    ``capacity[r] * sum(x[e, r'] for r' at least as good as r for e)
    + sum(x[e', r] for e' whom r prefers to e) >= capacity[r]``

    (if e does not get r or better, r is full of mentees r prefers to e). Returned as
    (k, positions into the acceptable pairs, coefficients, right-hand side).
    """
    n = len(inst.mentee)
    by_mentee: dict[int, list[tuple[int, int]]] = {}
    by_mentor: dict[int, list[tuple[int, int]]] = {}
    for k in range(n):
        by_mentee.setdefault(int(inst.mentee[k]), []).append((int(inst.mentee_order[k]), k))
        by_mentor.setdefault(int(inst.mentor[k]), []).append((int(inst.mentor_order[k]), k))
    for lst in (*by_mentee.values(), *by_mentor.values()):
        lst.sort()
    rows = []
    for k in range(n):
        e, r = int(inst.mentee[k]), int(inst.mentor[k])
        cap = float(capacity[r])
        terms: dict[int, float] = {}
        for order, j in by_mentee[e]:
            if order > inst.mentee_order[k]:
                break
            terms[j] = terms.get(j, 0.0) + cap
        for order, j in by_mentor[r]:
            if order >= inst.mentor_order[k]:
                break
            terms[j] = terms.get(j, 0.0) + 1.0
        rows.append((k, list(terms), list(terms.values()), cap))
    return rows
