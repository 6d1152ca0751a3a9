"""Costs: line-by-line breakdowns checked by hand arithmetic, budgets against brute force."""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from workbench.cohort import generate
from workbench.outcomes.budget import (
    budget_status,
    max_mentors_within_budget,
    max_sessions_within_budget,
)
from workbench.outcomes.costs import (
    BREAKDOWN_COLUMNS,
    CostRates,
    cost_of_groups,
    cost_of_mentoring,
    cost_of_mentors,
    cost_of_pass,
    cost_of_pass_plan,
    cost_per_student_table,
    pass_cost_model,
    rates_table,
)
from workbench.outcomes.coverage import Assumptions
from workbench.schemes.groups import solve as groups
from workbench.schemes.mentoring import solve as mentoring
from workbench.schemes.pass_sessions import solve as pass_sessions

DOCS = Path(__file__).resolve().parents[1] / "docs" / "assumptions.md"

# Round numbers so every expected figure below is easy to check by hand.
RATES = CostRates(
    leader_pay_per_hour=10,
    leader_prep_hours_per_session=0.5,
    leader_training_hours=8,
    training_pay_per_hour=12,
    staff_hourly_cost=40,
    pass_staff_hours_per_week=2,
    pass_staff_hours_per_leader_per_week=0.5,
    room_cost_per_hour=5,
    weeks_per_term=10,
    mentor_training_hours=3,
    mentoring_staff_hours_per_week=1,
    mentoring_staff_hours_per_mentor_per_week=0.2,
    groups_staff_hours_per_week=1.5,
)


def sessions(*rows: tuple[str, int, int, int, str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["module_code", "day", "start", "end", "leader_id"])


def pass_result() -> SimpleNamespace:
    return SimpleNamespace(
        sessions=sessions(
            ("CH101", 0, 600, 660, "L1"), ("CH101", 2, 600, 660, "L1"), ("PH102", 1, 840, 930, "L2")
        ),
        reach=pd.DataFrame(
            {
                "student_id": ["a", "b", "c", "a", "d"],
                "module_code": ["CH101", "CH101", "CH101", "PH102", "PH102"],
                "reached": [True, True, False, True, True],
            }
        ),
        settings=SimpleNamespace(uptake_once=0.45, uptake_regular=0.3, module_uptake={}),
    )


def test_pass_breakdown_by_hand():
    cost = cost_of_pass(pass_result(), RATES)
    items = cost.items.set_index("item")
    assert list(cost.items.columns) == BREAKDOWN_COLUMNS
    # 1 h + 1 h + 1.5 h = 3.5 session hours a week, 10 weeks.
    assert items.loc["Leader pay: sessions", "hours"] == pytest.approx(35)
    assert items.loc["Leader pay: sessions", "cost"] == pytest.approx(350)
    assert items.loc["Leader pay: preparation", "hours"] == pytest.approx(0.5 * 3 * 10)
    assert items.loc["Leader pay: preparation", "cost"] == pytest.approx(150)
    assert items.loc["Leader training", "cost"] == pytest.approx(2 * 8 * 12)
    assert items.loc["Rooms", "cost"] == pytest.approx(35 * 5)
    assert items.loc["Staff: coordination", "cost"] == pytest.approx(2 * 10 * 40)
    assert items.loc["Staff: leader debriefs", "cost"] == pytest.approx(0.5 * 10 * 2 * 40)
    total = 350 + 150 + 192 + 175 + 800 + 400
    assert cost.total == pytest.approx(total)
    # Reached: a, b (CH101) and a, d (PH102) -> 3 distinct students.
    assert cost.students_reached == 3
    assert cost.per_student_reached == pytest.approx(total / 3)
    assert cost.expected_students == pytest.approx(3 * 0.3)
    assert cost.per_expected_student == pytest.approx(total / 0.9)
    table = cost.table()
    assert table.iloc[-1]["item"] == "Total" and table.iloc[-1]["cost"] == pytest.approx(total)
    assert cost.summary().startswith("pass: £2,067 in total, £689.00 per student reached")
    totals = cost.totals().iloc[0]
    assert totals["total"] == pytest.approx(total) and totals["students_reached"] == 3


def test_pass_expected_students_follow_assumptions():
    cost = cost_of_pass(pass_result(), RATES, Assumptions(pass_uptake_regular=0.5))
    assert cost.expected_students == pytest.approx(1.5)


def test_linear_model_matches_breakdown_for_hour_sessions():
    plan = sessions(
        ("A", 0, 600, 660, "L1"),
        ("A", 1, 600, 660, "L1"),
        ("B", 1, 660, 720, "L2"),
        ("C", 3, 600, 660, "L3"),
    )
    for rates in (RATES, CostRates()):
        model = pass_cost_model(rates, 60)
        assert model.total(4, 3) == pytest.approx(cost_of_pass_plan(plan, rates).total)
        assert model.total(0, 0) == pytest.approx(cost_of_pass_plan(plan.iloc[:0], rates).total)
    # A longer session costs more session hours, not more preparation.
    longer = pass_cost_model(RATES, 90)
    assert longer.per_session - pass_cost_model(RATES, 60).per_session == pytest.approx(
        0.5 * (10 + 5) * 10
    )


def test_empty_pass_plan_costs_only_coordination():
    cost = cost_of_pass_plan(sessions(), RATES)
    assert cost.total == pytest.approx(800)
    assert cost.per_student_reached is None
    assert "nobody reached" in cost.summary()


def mentoring_result(assigned: list[int]) -> SimpleNamespace:
    mentors = [f"m{i}" for i in range(len(assigned))]
    mentees = [f"e{j}" for j in range(sum(assigned))]
    owners = [m for m, k in zip(mentors, assigned, strict=True) for _ in range(k)]
    return SimpleNamespace(
        matches=pd.DataFrame(
            {"mentee_id": mentees, "mentor_id": owners, "score": [0.5] * len(mentees)}
        ),
        unmatched=pd.DataFrame({"mentee_id": ["x1", "x2"], "reason": ["no mentor", "no mentor"]}),
        mentor_load=pd.DataFrame(
            {"mentor_id": mentors, "capacity": [3] * len(mentors), "assigned": assigned}
        ),
        settings=None,
    )


def test_mentoring_breakdown_volunteers_and_paid():
    result = mentoring_result([2, 0, 1, 3])  # 3 mentors used, 6 mentees matched
    cost = cost_of_mentoring(result, RATES)
    items = cost.items.set_index("item")
    assert items.loc["Mentor training", "hours"] == pytest.approx(9)
    assert items.loc["Mentor training", "cost"] == 0  # volunteers by default
    assert "unpaid" in items.loc["Mentor training", "note"]
    assert items.loc["Staff: coordination", "cost"] == pytest.approx(1 * 10 * 40)
    assert items.loc["Staff: mentor check-ins", "cost"] == pytest.approx(0.2 * 10 * 3 * 40)
    assert cost.total == pytest.approx(400 + 240)
    assert cost.students_reached == 6
    assert cost.expected_students == pytest.approx(6 * 0.5)
    paid = RATES.model_copy(
        update={"pay_mentors_for_training": True, "mentor_stipend_per_term": 50}
    )
    cost2 = cost_of_mentoring(result, paid)
    items2 = cost2.items.set_index("item")
    assert items2.loc["Mentor training", "cost"] == pytest.approx(9 * 12)
    assert items2.loc["Mentor stipends", "cost"] == pytest.approx(150)
    assert cost2.total == pytest.approx(640 + 108 + 150)
    assert cost2.table()["hours"].iloc[-1] == pytest.approx(9 + 10 + 6)  # stipend has no hours


def test_groups_breakdown_and_room_switch():
    result = SimpleNamespace(
        groups=pd.DataFrame(
            {
                "group_id": ["g1", "g1", "g2"],
                "student_id": ["a", "b", "c"],
                "day": [0, 0, 1],
                "start": [600, 600, 720],
                "end": [660, 660, 810],
            }
        ),
        unplaced=pd.DataFrame({"student_id": ["d"], "reason": ["no common hour"]}),
    )
    cost = cost_of_groups(result, RATES)
    assert cost.total == pytest.approx(1.5 * 10 * 40)
    assert cost.students_reached == 3
    booked = cost_of_groups(result, RATES.model_copy(update={"groups_book_rooms": True}))
    rooms = booked.items.set_index("item").loc["Rooms"]
    assert rooms["hours"] == pytest.approx((1 + 1.5) * 10)  # one row per group, not student
    assert booked.total == pytest.approx(600 + 25 * 5)


def test_cost_per_student_table():
    a = cost_of_mentors(2, RATES, students_reached=4)
    b = cost_of_mentors(2, RATES, students_reached=0)
    table = cost_per_student_table([a, b], ["this year", "no mentees"])
    assert table["label"].tolist() == ["this year", "no mentees"]
    assert table.loc[0, "per_student_reached"] == pytest.approx(a.total / 4)
    assert pd.isna(table.loc[1, "per_student_reached"])
    assert cost_per_student_table([]).empty


def test_budget_status_messages():
    assert budget_status(900, None).ok
    over = budget_status(1200, 1000)
    assert not over.ok and over.headroom == -200
    assert str(over) == "Over budget: the plan costs £1,200, £200 more than the £1,000 cap."
    close = budget_status(950, 1000)
    assert close.ok and "close" in close.message and "£50 left" in close.message
    fine = budget_status(500, 1000)
    assert fine.ok and fine.message == "Within budget: £500 of £1,000 (50% used)."
    assert budget_status(1000, 1000).ok


@pytest.mark.parametrize("per_leader", [1, 2, 3])
def test_max_sessions_matches_brute_force(per_leader):
    model = pass_cost_model(RATES)
    for budget in range(0, 20_000, 337):
        got = max_sessions_within_budget(RATES, budget, sessions_per_leader=per_leader, limit=500)
        fitting = [
            s for s in range(501) if model.total(s, math.ceil(s / per_leader)) <= budget + 1e-9
        ]
        assert got.sessions == (max(fitting) if fitting else 0), budget
        assert got.cost <= budget + 1e-9 or got.sessions == 0
        assert got.leaders == math.ceil(got.sessions / per_leader)


def test_max_sessions_respects_leaders_and_explains():
    capped = max_sessions_within_budget(
        RATES, 1_000_000, sessions_per_leader=2, leaders_available=4
    )
    assert (capped.sessions, capped.leaders) == (8, 4)
    assert "8 weekly sessions run by 4 leaders" in capped.message
    broke = max_sessions_within_budget(RATES, 100)
    assert broke.sessions == 0 and "does not cover" in broke.message
    with pytest.raises(ValueError):
        max_sessions_within_budget(RATES, 1000, sessions_per_leader=0)


def test_max_mentors_matches_brute_force():
    paid = RATES.model_copy(
        update={"pay_mentors_for_training": True, "mentor_stipend_per_term": 25}
    )
    for rates in (RATES, paid):
        totals = [cost_of_mentors(m, rates).total for m in range(121)]  # the real breakdown
        for budget in range(0, 5000, 97):
            got = max_mentors_within_budget(rates, budget, limit=120)
            fitting = [m for m, total in enumerate(totals) if total <= budget + 1e-9]
            assert got == (max(fitting) if fitting else 0), (budget, rates.mentor_stipend_per_term)


def test_rates_validated_and_documented():
    with pytest.raises(ValidationError):
        CostRates(leader_pay_per_hour=-1)
    with pytest.raises(ValidationError):
        CostRates(weeks_per_term=0)
    rates = CostRates()
    assert rates.money(1234.4) == "£1,234"
    table = rates_table()
    assert set(table["parameter"]) == set(CostRates.model_fields)
    assert table["source"].str.len().min() >= 10
    text = DOCS.read_text(encoding="utf-8")
    for name, value in zip(table["parameter"], table["default"], strict=True):
        line = next((ln for ln in text.splitlines() if ln.startswith(f"| `{name}` |")), None)
        assert line is not None, f"{name} missing from docs/assumptions.md"
        documented = line.split("|")[2].strip()
        if isinstance(value, bool):
            assert str(value) in documented, (name, documented)
        elif isinstance(value, str):
            assert documented == value
        else:
            assert float(documented) == pytest.approx(value), (name, documented)


# ---------------------------------------------------------------------------------------------
# Integration with the real solvers on a generated cohort


@pytest.fixture(scope="module")
def generated():
    return generate.generate_cohort(300, seed=3)


def test_pass_result_cost_matches_the_linear_model(generated):
    from workbench.schemes.pass_sessions.settings import PassSettings

    result = pass_sessions.solve_pass(generated, PassSettings(time_limit=30))
    assert len(result.sessions) > 0
    cost = cost_of_pass(result, RATES)
    leaders = result.sessions["leader_id"].dropna().nunique()
    model = pass_cost_model(RATES, result.settings.session_minutes)
    assert cost.total == pytest.approx(model.total(len(result.sessions), leaders))
    reached = result.reach.loc[result.reach["reached"], "student_id"].nunique()
    assert cost.students_reached == reached
    assert cost.expected_students == pytest.approx(reached * result.settings.uptake_regular)
    # The budget that exactly pays for this plan affords at least as many sessions.
    capacity = max_sessions_within_budget(
        RATES,
        cost.total,
        sessions_per_leader=max(1, int(np.ceil(len(result.sessions) / max(1, leaders)))),
    )
    assert capacity.sessions >= len(result.sessions)


def test_mentoring_result_cost(generated):
    result = mentoring.solve_mentoring(generated, mentoring.MentoringSettings(time_limit=30))
    cost = cost_of_mentoring(result, RATES)
    used = result.matches["mentor_id"].nunique()
    assert cost.total == pytest.approx(cost_of_mentors(used, RATES).total)
    assert cost.students_reached == result.matched
    assert max_mentors_within_budget(RATES, cost.total) >= used


def test_groups_result_cost(generated):
    from workbench.schemes.groups.settings import GroupSettings

    module = generated.enrolments["module_code"].value_counts().index[0]
    result = groups.form_groups(generated, GroupSettings(module=module, time_limit=20))
    booked = cost_of_groups(result, RATES.model_copy(update={"groups_book_rooms": True}))
    n_groups = result.groups["group_id"].nunique()
    hours = booked.items.set_index("item").loc["Rooms", "hours"]
    assert hours == pytest.approx(n_groups * 1.0 * RATES.weeks_per_term)  # one-hour meetings
    assert booked.students_reached == result.placed
