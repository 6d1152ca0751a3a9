"""What-if inverse questions: the fewest mentors or leaders that reach a target, by solving."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from workbench.cohort.domain import Cohort
from workbench.review.whatif_case import Case, _point
from workbench.review.whatif_volunteers import leader_recruitment_order, mentor_recruitment_order

# ------------------------------------------------------------------------------ inverse questions


@dataclass
class InverseAnswer:
    """The answer to "how many volunteers for this target", with the solves behind it."""

    question: str
    target: float
    needed: int | None  # total volunteers needed; None when the target is out of reach
    change: int | None  # volunteers to recruit (+) or who could go (-)
    achieved: float | None  # coverage / reach at the answer
    current: int
    evidence: pd.DataFrame = field(default_factory=pd.DataFrame)
    message: str = ""


def _search(
    case: Case,
    param: str,
    measure: Callable[[dict], float],
    target: float,
    low: int,
    high: int,
    seed: int,
) -> tuple[int | None, pd.DataFrame]:
    """Smallest change in [low, high] whose measure reaches ``target`` (monotone search)."""
    seen: dict[int, dict[str, Any]] = {}

    def value(k: int) -> float:
        if k not in seen:
            seen[k] = _point((case, param, k, seed))
        row = seen[k]
        if row.get("status") in ("error", "infeasible", "timed out", "not solved"):
            return float("-inf")
        return float(measure(row) or 0.0)

    answer: int | None
    if value(0) >= target:
        # Already there: how many could go? Search down in [low, 0].
        lo, hi = low, 0
    else:
        # Grow in steps 1, 2, 4, ... then bisect.
        step, prev = 1, 0
        while True:
            k = min(high, prev + step)
            if value(k) >= target:
                lo, hi = prev + 1, k
                break
            if k >= high:
                lo = hi = None  # type: ignore[assignment]
                break
            prev, step = k, step * 2
    if lo is None:
        answer = None
    else:
        while lo < hi:
            mid = (lo + hi) // 2
            if value(mid) >= target:
                hi = mid
            else:
                lo = mid + 1
        answer = lo
    evidence = pd.DataFrame([seen[k] for k in sorted(seen)])
    return answer, evidence


def mentors_needed(
    cohort: Cohort,
    settings: Any,
    target_coverage: float,
    *,
    seed: int = 0,
    max_recruits: int | None = None,
) -> InverseAnswer:
    """Fewest mentors that match ``target_coverage`` (0-1) of the mentees.

    Searches over mentors recruited (or lost) with the solver; recruits follow
    :func:`mentor_recruitment_order`. The evidence table has every solve made.
    """
    if not 0.0 < target_coverage <= 1.0:
        raise ValueError("the target is a share between 0 and 1")
    case = Case(cohort, "mentoring", settings)
    current = int(len(cohort.mentors))
    available = len(mentor_recruitment_order(cohort, seed))
    high = available if max_recruits is None else min(available, max_recruits)
    answer, evidence = _search(
        case, "mentors", lambda r: r.get("coverage"), target_coverage, -current, high, seed
    )
    return _answer(
        "mentors", "mentees", target_coverage, answer, current, evidence, high, high < available
    )


def leaders_needed(
    cohort: Cohort,
    settings: Any,
    target_reach: float,
    *,
    seed: int = 0,
    max_recruits: int | None = None,
) -> InverseAnswer:
    """Fewest PASS leaders that reach ``target_reach`` (0-1) of targeted enrolments."""
    if not 0.0 < target_reach <= 1.0:
        raise ValueError("the target is a share between 0 and 1")
    case = Case(cohort, "pass", settings)
    current = int(cohort.leaders["student_id"].nunique())
    available = len(leader_recruitment_order(cohort, case.settings, seed))
    high = available if max_recruits is None else min(available, max_recruits)
    answer, evidence = _search(
        case, "leaders", lambda r: r.get("coverage"), target_reach, -current, high, seed
    )
    return _answer(
        "leaders",
        "targeted enrolments",
        target_reach,
        answer,
        current,
        evidence,
        high,
        high < available,
    )


def _answer(
    who: str,
    what: str,
    target: float,
    change: int | None,
    current: int,
    evidence: pd.DataFrame,
    high: int,
    capped: bool,
) -> InverseAnswer:
    evidence = evidence.rename(columns={"value": "change"})
    if len(evidence):
        evidence.insert(1, who, current + evidence["change"].astype(int))
    verb = "match" if who == "mentors" else "reach"
    question = f"How many {who} to {verb} {target:.0%} of {what}?"
    if change is None:
        best = evidence["coverage"].max() if len(evidence) else None
        best_text = f"{best:.0%}" if best is not None and pd.notna(best) else "unknown"
        return InverseAnswer(
            question,
            target,
            None,
            None,
            None,
            current,
            evidence,
            f"Out of reach: even with {high} more {who} ("
            + ("the most allowed" if capped else "every eligible student recruited")
            + f") the plan {verb}es {best_text} of {what}.",
        )
    row = evidence.loc[evidence["change"] == change].iloc[0]
    needed = current + change
    if change > 0:
        how = f"recruit {change} more (from {current} to {needed})"
    elif change < 0:
        how = f"{-change} fewer would still do ({needed} of today's {current})"
    else:
        how = f"today's {current} are just enough"
    return InverseAnswer(
        question,
        target,
        needed,
        change,
        float(row["coverage"]),
        current,
        evidence,
        f"{needed} {who} {verb} {float(row['coverage']):.0%} of {what}: {how}.",
    )
