"""The mentoring models' rules, one named function per rule.

Every mentoring model (the assignment LP, the budget MIP, the budget MIP over mentee types and
the stable "best score" MIP) is built from these functions, so a rule is written once. Each
adds its rows to ``rows`` (constraint name -> constraint) in a fixed order, and names every row
after its rule and the person it is about, so a model written out reads like the rules.

Columns are the model's variables: one per (mentee, mentor) pair, or one per (mentee type,
mentor) entry in the budget MIP over types; ``xs[k]`` is column ``k``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from itertools import repeat
from typing import Any

import numpy as np
import pulp

Rows = dict[str, pulp.LpConstraint]
LE = pulp.LpConstraintLE


def safe_name(text: Any) -> str:
    """A piece of a constraint name (letters, digits, underscores; at most 40 characters)."""
    return re.sub(r"[^A-Za-z0-9]+", "_", str(text))[:40]


def runs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(order, starts, ends) of runs of equal keys after a stable sort."""
    order = np.argsort(keys, kind="stable")
    sk = keys[order]
    if len(sk) == 0:
        return order, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, sk[1:] != sk[:-1]])
    ends = np.r_[starts[1:], len(sk)]
    return order, starts, ends


def _sorted_runs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) of runs of equal keys in an already sorted array."""
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.zeros(0, int)
    return starts, np.r_[starts[1:], len(keys)]


def one_mentor_per_mentee(
    rows: Rows,
    xs: Sequence[pulp.LpVariable],
    mentee: np.ndarray,
    label: Callable[[int], str] = str,
) -> dict[int, pulp.LpConstraint]:
    """Rule: a mentee gets at most one mentor (``mentee`` sorted; one row per mentee, named
    ``one_mentor_per_mentee_<label>``). Returns the rows by mentee."""
    by_mentee = {}
    starts, ends = _sorted_runs(mentee)
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        e = int(mentee[a])
        row = pulp.LpConstraint(pulp.LpAffineExpression(zip(xs[a:b], repeat(1))), LE, rhs=1)
        rows[f"one_mentor_per_mentee_{label(e)}"] = row
        by_mentee[e] = row
    return by_mentee


def mentees_of_type(
    rows: Rows, xs: Sequence[pulp.LpVariable], entry_type: np.ndarray, count: np.ndarray
) -> None:
    """Rule (budget MIP over mentee types): a type's mentees get at most one mentor each, so
    the entries of a type take at most as many mentees as the type has."""
    order, starts, ends = runs(entry_type)
    order_l = order.tolist()
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        ks = order_l[a:b]
        rows[f"mentees_of_type_{int(entry_type[ks[0]])}"] = pulp.LpConstraint(
            pulp.LpAffineExpression((xs[k], 1) for k in ks), LE, rhs=int(count[ks[0]])
        )


def mentor_capacity(
    rows: Rows,
    xs: Sequence[pulp.LpVariable],
    mentor: np.ndarray,
    capacity: np.ndarray,
    used: dict[int, pulp.LpVariable] | None = None,
    label: Callable[[int], str] = str,
) -> dict[int, pulp.LpConstraint]:
    """Rule: a mentor takes at most ``capacity`` mentees (one row per mentor, named
    ``mentor_capacity_<label>``); with ``used``, at most ``capacity x mentor_used`` (an
    unused mentor takes nobody). Returns the rows by mentor."""
    by_mentor = {}
    order, starts, ends = runs(mentor)
    order_l = order.tolist()
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        j = int(mentor[order_l[a]])
        terms = [(xs[k], 1) for k in order_l[a:b]]
        rhs = int(capacity[j])
        if used is not None:
            terms.append((used[j], -rhs))
            rhs = 0
        row = pulp.LpConstraint(pulp.LpAffineExpression(terms), LE, rhs=rhs)
        rows[f"mentor_capacity_{label(j)}"] = row
        by_mentor[j] = row
    return by_mentor


def locked_pairs_hold(xs: Sequence[pulp.LpVariable], locked: np.ndarray) -> None:
    """Rule: a locked pair is always made (its column's lower bound is 1)."""
    for k in np.flatnonzero(locked).tolist():
        xs[k].lowBound = 1


def mentor_used_when_matched(
    rows: Rows,
    xs: Sequence[pulp.LpVariable],
    mentor: np.ndarray,
    used: dict[int, pulp.LpVariable],
    upper: np.ndarray | None = None,
    what: str = "pair",
) -> None:
    """Rule (budget): a column can only be used with its mentor in use: ``x[k] <=
    upper[k] x mentor_used[m]`` (``upper`` 1 for pairs). Tightens the budget MIP's bound."""
    for k, j in enumerate(mentor.tolist()):
        bound = 1 if upper is None else int(upper[k])
        rows[f"mentor_used_{j}_{what}_{k}"] = pulp.LpConstraint(
            pulp.LpAffineExpression([(xs[k], 1), (used[j], -bound)]), LE, rhs=0
        )


def budget_cap(rows: Rows, used: dict[int, pulp.LpVariable], limit: int) -> None:
    """Rule (budget): at most ``limit`` mentors used, the mentors the budget pays for (every
    mentor costs the same)."""
    rows["budget"] = pulp.LpConstraint(
        pulp.LpAffineExpression(zip(used.values(), repeat(1))), LE, rhs=int(limit)
    )


def no_blocking_pair(
    rows: Rows,
    xs: Sequence[pulp.LpVariable],
    stability: Any,
    label: Callable[[int], str] = str,
) -> None:
    """Rule (stable ``best_score``): no acceptable pair would both rather be together than
    with their partners. ``stability`` yields (pair, columns, coefficients, rhs) rows from
    :func:`workbench.schemes.mentoring.stable.stability_rows`."""
    for k, idx, coef, rhs in stability:
        rows[f"no_blocking_pair_{k}_{label(k)}"] = pulp.LpConstraint(
            pulp.LpAffineExpression(zip([xs[j] for j in idx], coef, strict=True)),
            pulp.LpConstraintGE,
            rhs=rhs,
        )


def pair_columns(prob: pulp.LpProblem, n: int, upper: int = 1) -> list[pulp.LpVariable]:
    """One binary column per pair, ``pair_00000000`` ... (the model's variables)."""
    return [prob.add_variable(f"pair_{k:08d}", 0, upper, pulp.LpBinary) for k in range(n)]
