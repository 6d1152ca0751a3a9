"""Budgets: whether a plan fits its budget (in words), and what a budget pays for."""

from __future__ import annotations

import math
from dataclasses import dataclass

from workbench.outcomes.costs import (
    CostRates,
    pass_cost_model,
)


@dataclass(frozen=True)
class BudgetStatus:
    """Whether a plan fits its budget, with the message to show."""

    ok: bool
    message: str
    total: float
    cap: float | None

    @property
    def headroom(self) -> float | None:
        return None if self.cap is None else self.cap - self.total

    def __str__(self) -> str:
        return self.message


def budget_status(
    total: float, cap: float | None, currency: str = "£", warn_share: float = 0.9
) -> BudgetStatus:
    """Check a total against a budget cap: ok, ok but close (``warn_share`` used), or over."""

    def money(v: float) -> str:
        return f"{currency}{v:,.0f}"

    if cap is None:
        return BudgetStatus(True, f"No budget cap set; the plan costs {money(total)}.", total, None)
    if total > cap + 1e-9:
        return BudgetStatus(
            False,
            f"Over budget: the plan costs {money(total)}, "
            f"{money(total - cap)} more than the {money(cap)} cap.",
            total,
            cap,
        )
    used = total / cap if cap > 0 else 0.0
    if used >= warn_share:
        return BudgetStatus(
            True,
            f"Within budget but close: {money(total)} of {money(cap)} "
            f"({used:.0%} used, {money(cap - total)} left).",
            total,
            cap,
        )
    return BudgetStatus(
        True, f"Within budget: {money(total)} of {money(cap)} ({used:.0%} used).", total, cap
    )


@dataclass(frozen=True)
class BudgetCapacity:
    """What a budget pays for."""

    sessions: int
    leaders: int
    cost: float
    budget: float
    message: str


def max_sessions_within_budget(
    rates: CostRates,
    budget: float,
    session_minutes: int = 60,
    sessions_per_leader: int = 2,
    leaders_available: int | None = None,
    limit: int = 100_000,
) -> BudgetCapacity:
    """The most weekly PASS sessions a budget pays for, each leader running up to
    ``sessions_per_leader`` sessions, at most ``leaders_available`` leaders."""
    if sessions_per_leader < 1:
        raise ValueError("sessions_per_leader must be at least 1.")
    model = pass_cost_model(rates, session_minutes)

    def leaders_for(s: int) -> int:
        return math.ceil(s / sessions_per_leader)

    def fits(s: int) -> bool:
        if leaders_available is not None and leaders_for(s) > leaders_available:
            return False
        return model.total(s, leaders_for(s)) <= budget + 1e-9

    if not fits(0):
        return BudgetCapacity(
            0,
            0,
            model.total(0, 0),
            budget,
            f"The budget ({rates.money(budget)}) does not cover the fixed "
            f"coordination cost ({rates.money(model.fixed)}).",
        )
    low, high = 0, limit
    if fits(high):
        low = high
    while low < high:  # largest s with fits(s); cost grows with s
        mid = (low + high + 1) // 2
        if fits(mid):
            low = mid
        else:
            high = mid - 1
    leaders = leaders_for(low)
    cost = model.total(low, leaders)
    return BudgetCapacity(
        low,
        leaders,
        cost,
        budget,
        f"{rates.money(budget)} pays for {low} weekly sessions run by "
        f"{leaders} leaders ({rates.money(cost)}).",
    )


def max_mentors_within_budget(rates: CostRates, budget: float, limit: int = 100_000) -> int:
    """The most active mentors a budget supports (training, stipend and check-ins)."""
    fixed = rates.mentoring_staff_hours_per_week * rates.weeks_per_term * rates.staff_hourly_cost
    per_mentor = (
        rates.mentor_stipend_per_term
        + rates.mentoring_staff_hours_per_mentor_per_week
        * rates.weeks_per_term
        * rates.staff_hourly_cost
        + (
            rates.mentor_training_hours * rates.training_pay_per_hour
            if rates.pay_mentors_for_training
            else 0.0
        )
    )
    if budget < fixed:
        return 0
    if per_mentor <= 0:
        return limit
    return min(limit, int(math.floor((budget - fixed) / per_mentor + 1e-9)))
