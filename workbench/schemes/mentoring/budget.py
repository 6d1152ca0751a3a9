"""A mentoring budget as a constraint: how many mentors it pays for, the model, the words.

Every mentor with at least one mentee costs the same (:func:`workbench.outcomes.costs.cost_of_mentors`:
training when the scheme pays for it, a stipend, staff check-ins), on top of the fixed staff
time. A budget therefore caps the number of mentors used. With binary ``mentor_used[m]``
(``pair[e, m] <= mentor_used[m]`` and ``sum of pairs of m <= capacity x mentor_used[m]``) and
the named row ``budget`` (cost per mentor x mentors used <= budget - fixed staff time, written as
mentors used <= the mentors the budget pays for, as every mentor costs the same) the assignment
matrix is no longer totally unimodular, so this model is solved as a MIP, only when
the plan without the budget uses more mentors than the budget pays for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pulp

from workbench.outcomes.costs import CostRates, cost_of_mentors
from workbench.schemes.mentoring.rules import (
    budget_cap,
    locked_pairs_hold,
    mentees_of_type,
    mentor_capacity,
    mentor_used_when_matched,
    one_mentor_per_mentee,
    pair_columns,
)
from workbench.schemes.solving import solve

# Above this many pairs only the aggregated rule (pairs of m <= capacity x used[m]) is added;
# the per-pair rule tightens the LP bound but doubles the rows.
PER_PAIR_RULE_MAX_PAIRS = 200_000


@dataclass
class MentorBudget:
    """What a mentoring budget pays for, and what the solve learnt about it."""

    budget: float
    fixed: float  # staff coordination, paid whatever the plan
    per_mentor: float  # each mentor with at least one mentee
    affordable: int | None  # mentors the budget pays for; None when mentors cost nothing
    locked_mentors: int  # mentors the locked pairs use (always kept)
    rates: CostRates
    free_mentors: int | None = None  # mentors used by the best plan without the budget
    free_matched: int | None = None  # mentees it matches
    mip: bool = False  # a budget MIP was solved
    proven: bool = True  # every budget MIP was proven optimal
    notes: list[str] = field(default_factory=list)  # how the budget was solved, in words

    @property
    def limit(self) -> int | None:
        """Mentors the plan may use: those the budget pays for, or the locked ones if more."""
        if self.affordable is None:
            return None
        return max(self.affordable, self.locked_mentors)

    @property
    def fixed_uncovered(self) -> bool:
        return self.fixed > self.budget + 1e-9

    def money(self, value: float) -> str:
        return self.rates.money(value)

    def cost(self, mentors: int) -> float:
        return cost_of_mentors(mentors, self.rates).total

    def blocked_reason(self) -> str:
        """Why a mentee with an eligible mentor left unused has none, in words."""
        if self.fixed_uncovered:
            return (
                f"the budget of {self.money(self.budget)} does not cover the fixed staff "
                f"time of {self.money(self.fixed)}"
            )
        n = self.affordable or 0
        if n == 0:
            return (
                "eligible mentors exist but the budget covers no mentor beyond the fixed staff time"
            )
        return (
            f"eligible mentors exist but the budget covers only {n} "
            f"{'mentor' if n == 1 else 'mentors'}"
        )

    def messages(self, used: int) -> list[str]:
        """The budget in the coordinator's words, for the plan's messages."""
        rates = self.rates
        staff = (
            f"{rates.mentoring_staff_hours_per_week:g} hours a week of coordination for "
            f"{rates.weeks_per_term} weeks"
        )
        if self.fixed_uncovered:
            out = [
                f"The budget of {self.money(self.budget)} does not cover the fixed staff time "
                f"of {self.money(self.fixed)} ({staff}): no mentor can be paid for."
            ]
            if self.locked_mentors:
                out.append("The locked pairs are kept as locked, over budget.")
            return out
        if self.affordable is None:
            return [
                f"Mentors cost nothing at these rates: the budget of "
                f"{self.money(self.budget)} only has to cover the fixed staff time "
                f"({self.money(self.fixed)})."
            ]
        out = [
            f"The budget of {self.money(self.budget)} pays for the fixed staff time "
            f"({self.money(self.fixed)}, {staff}) and {self.affordable} "
            f"{'mentor' if self.affordable == 1 else 'mentors'} at "
            f"{self.money(self.per_mentor)} each; the plan uses {used}."
        ]
        if self.locked_mentors > self.affordable:
            out.append(
                f"The locked pairs use {self.locked_mentors} mentors, more than the "
                f"{self.affordable} the budget covers: they are kept as locked (over "
                "budget) and no other mentor is used."
            )
        return out

    def fixes(self, matched: int) -> list[str]:
        """What more money would match, from the plan without the budget (already solved)."""
        if self.free_matched is None or self.free_mentors is None:
            return []
        more = self.free_matched - matched
        if more <= 0 or self.affordable is None:
            return []
        needed = self.cost(self.free_mentors)
        extra = math.ceil(needed - self.budget)
        if extra <= 0:
            return []
        mentors = self.free_mentors - (self.affordable if not self.fixed_uncovered else 0)
        what = (
            f"pay the fixed staff time and {self.free_mentors} mentors"
            if self.fixed_uncovered
            else f"pay for {mentors} more {'mentor' if mentors == 1 else 'mentors'}"
        )
        return [
            f"{self.money(extra)} more (a budget of {self.money(needed)}) would {what} and "
            f"match {more} more {'mentee' if more == 1 else 'mentees'}: every mentee the "
            "mentors can take"
        ]


def mentor_budget(
    budget: float | None, rates: CostRates, locked_mentors: int
) -> MentorBudget | None:
    """The budget's mentors (None without a budget)."""
    if budget is None:
        return None
    fixed = cost_of_mentors(0, rates).total
    per = cost_of_mentors(1, rates).total - fixed
    if per <= 1e-12:
        affordable = None
    elif budget < fixed - 1e-9:
        affordable = 0
    else:
        affordable = max(0, math.floor((budget - fixed) / per + 1e-9))
    return MentorBudget(float(budget), fixed, per, affordable, locked_mentors, rates)


def budget_start(
    e: np.ndarray,
    m: np.ndarray,
    score: np.ndarray,
    locked: np.ndarray,
    capacity: np.ndarray,
    unbudgeted: np.ndarray,
    limit: int,
) -> np.ndarray:
    """A plan within ``limit`` mentors (the MIP's warm start and fallback): the mentors of
    locked pairs, then the busiest mentors of the plan without the budget; their pairs are
    kept and their spare places filled, best score first."""
    n_m = len(capacity)
    load = np.bincount(m[unbudgeted], minlength=n_m)
    total = np.bincount(m[unbudgeted], weights=score[unbudgeted], minlength=n_m)
    keep = np.zeros(n_m, dtype=bool)
    keep[m[locked]] = True
    order = np.lexsort((np.arange(n_m), -total, -load))
    for j in order.tolist():
        if keep.sum() >= limit or load[j] == 0:
            break
        keep[j] = True
    chosen = unbudgeted & keep[m]
    chosen |= locked
    taken = np.zeros(int(e.max(initial=-1)) + 1, dtype=bool)
    taken[e[chosen]] = True
    used = np.bincount(m[chosen], minlength=n_m)
    for k in np.lexsort((m, e, -score)).tolist():
        if chosen[k] or taken[e[k]] or not keep[m[k]] or used[m[k]] >= capacity[m[k]]:
            continue
        chosen[k] = True
        taken[e[k]] = True
        used[m[k]] += 1
    return chosen


def budget_model(
    name: str,
    e: np.ndarray,
    m: np.ndarray,
    locked: np.ndarray,
    coefs: np.ndarray,
    capacity: np.ndarray,
    limit: int,
) -> tuple[pulp.LpProblem, list[pulp.LpVariable], dict[int, pulp.LpVariable]]:
    """The assignment MIP with ``mentor_used`` binaries and the ``budget`` row (at most
    ``limit`` mentors used: every mentor costs the same), built in linear time."""
    prob = pulp.LpProblem(name, pulp.LpMaximize)
    xs = pair_columns(prob, len(e))
    locked_pairs_hold(xs, locked)
    locked_mentors = set(m[locked].tolist())
    used = {
        int(j): prob.add_variable(
            f"mentor_used_{int(j)}", 1 if int(j) in locked_mentors else 0, 1, pulp.LpBinary
        )
        for j in np.unique(m).tolist()
    }
    rows: dict[str, pulp.LpConstraint] = {}
    one_mentor_per_mentee(rows, xs, e)
    mentor_capacity(rows, xs, m, capacity, used)
    if len(e) <= PER_PAIR_RULE_MAX_PAIRS:
        mentor_used_when_matched(rows, xs, m, used)
    budget_cap(rows, used, limit)
    prob.extend(rows)
    prob.setObjective(pulp.LpAffineExpression(zip(xs, coefs.tolist(), strict=True)))
    return prob, xs, used


@dataclass
class MenteeTypes:
    """Mentees grouped by their set of eligible mentors (interchangeable for coverage).

    Entry ``k`` is one (type, mentor) pair: ``mentor[k]``, how many mentees of the type
    (``count[k]``), their mean pair score with that mentor (``score[k]``), and ``locked`` /
    ``kept`` for single-mentee types (mentees with a locked or previous pair are alone).
    """

    type_of: np.ndarray  # per mentee with pairs: its type (-1 otherwise)
    entry_type: np.ndarray
    mentor: np.ndarray
    count: np.ndarray
    score: np.ndarray
    locked: np.ndarray
    kept: np.ndarray


def mentee_types(
    e: np.ndarray,
    m: np.ndarray,
    score: np.ndarray,
    locked: np.ndarray,
    kept: np.ndarray,
    n_mentees: int,
) -> MenteeTypes:
    """Group mentees with the same eligible mentors (exactly: a hash, then checked)."""
    order = np.lexsort((m, e))
    se, sm = e[order], m[order]
    starts = np.flatnonzero(np.r_[True, se[1:] != se[:-1]]) if len(se) else np.zeros(0, int)
    lengths = np.diff(np.r_[starts, len(se)])
    mentees = se[starts]
    single = np.zeros(n_mentees, dtype=bool)
    single[e[locked | kept]] = True
    with np.errstate(over="ignore"):
        keys = [lengths.astype(np.uint64)]
        for mult in (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F)):
            h = (sm.astype(np.uint64) + np.uint64(1)) * mult
            h ^= h >> np.uint64(29)
            keys.append(np.add.reduceat(h, starts) if len(h) else np.zeros(0, np.uint64))
    keys.append(np.where(single[mentees], mentees, -1).astype(np.int64).view(np.uint64))
    table = np.stack(keys, axis=1) if len(mentees) else np.zeros((0, 4), np.uint64)
    _, first, type_of_row = np.unique(table, axis=0, return_index=True, return_inverse=True)
    type_of_row = type_of_row.reshape(-1)
    # Check the grouping exactly: every mentee's mentors equal its type's first mentee's.
    rep = first[type_of_row]
    offset = np.arange(len(se)) - np.repeat(starts, lengths)
    same = sm == sm[np.repeat(starts[rep], lengths) + offset]
    if not same.all():  # a hash collision (never expected): group by the lists themselves
        lists = [
            sm[a : a + n].tobytes() + (b"" if not single[x] else int(x).to_bytes(8, "little"))
            for a, n, x in zip(starts.tolist(), lengths.tolist(), mentees.tolist(), strict=True)
        ]
        index: dict[bytes, int] = {}
        type_of_row = np.array([index.setdefault(key, len(index)) for key in lists])
        first = np.array([lists.index(key) for key in index])
    type_of = np.full(n_mentees, -1, dtype=np.int64)
    type_of[mentees] = type_of_row
    count = np.bincount(type_of_row, minlength=len(first))
    # Entries: the representative's pairs, with the mean score over the type's mentees.
    pair_type = type_of[se]
    key = pair_type * (int(sm.max(initial=0)) + 1) + sm
    ukey, inverse = np.unique(key, return_inverse=True)
    inverse = inverse.reshape(-1)
    total = np.bincount(inverse, weights=score[order].astype(float), minlength=len(ukey))
    entry_type = ukey // (int(sm.max(initial=0)) + 1)
    mentor = ukey % (int(sm.max(initial=0)) + 1)
    cnt = count[entry_type]
    lk = np.zeros(len(ukey), dtype=bool)
    kp = np.zeros(len(ukey), dtype=bool)
    np.logical_or.at(lk, inverse, locked[order])
    np.logical_or.at(kp, inverse, kept[order])
    return MenteeTypes(type_of, entry_type, mentor, cnt, total / cnt, lk, kp)


def mentors_by_types(
    name: str,
    types: MenteeTypes,
    capacity: np.ndarray,
    limit: int,
    coefs: np.ndarray,
    start: tuple[np.ndarray, np.ndarray] | None,
    solver: str,
    time_limit: float,
) -> tuple[np.ndarray | None, Any]:
    """Which mentors to pay for: a MIP over mentee types (``take[type, mentor]`` integer
    counts, ``mentor_used`` binaries, the ``budget`` row) maximising ``coefs . take``.
    ``start`` = (mentees, mentors) of a plan within the limit, the warm start. Returns the
    mentors chosen (bool per mentor) and the solve status."""
    n = len(types.mentor)
    upper = np.minimum(types.count, capacity[types.mentor])
    prob = pulp.LpProblem(name, pulp.LpMaximize)
    ys = [
        prob.add_variable(
            f"take_{k:07d}", 1 if types.locked[k] else 0, int(upper[k]), pulp.LpInteger
        )
        for k in range(n)
    ]
    forced = set(types.mentor[types.locked].tolist())
    used = {
        int(j): prob.add_variable(
            f"mentor_used_{int(j)}", 1 if int(j) in forced else 0, 1, pulp.LpBinary
        )
        for j in np.unique(types.mentor).tolist()
    }
    rows: dict[str, pulp.LpConstraint] = {}
    mentees_of_type(rows, ys, types.entry_type, types.count)
    mentor_capacity(rows, ys, types.mentor, capacity, used)
    mentor_used_when_matched(rows, ys, types.mentor, used, upper, what="entry")
    budget_cap(rows, used, limit)
    prob.extend(rows)
    prob.setObjective(pulp.LpAffineExpression(zip(ys, coefs.tolist(), strict=True)))
    if start is not None:
        width = int(capacity.size) + 1
        pos = {int(k): i for i, k in enumerate((types.entry_type * width + types.mentor).tolist())}
        taken = np.zeros(n)
        for k in (types.type_of[start[0]] * width + start[1]).tolist():
            taken[pos[int(k)]] += 1
        for v, c in zip(ys, taken.tolist(), strict=True):
            v.setInitialValue(c)
        opened = set(start[1].tolist())
        for j, v in used.items():
            v.setInitialValue(1.0 if j in opened else 0.0)
    status = solve(prob, solver, time_limit, mip=True, gap=1e-9, warm_start=start is not None)
    if status.status not in ("optimal", "feasible"):
        return None, status
    values = np.fromiter((v.varValue or 0.0 for v in ys), dtype=float, count=n)
    chosen = np.zeros(len(capacity), dtype=bool)
    chosen[types.mentor[np.rint(values) > 0.5]] = True
    return chosen, status
