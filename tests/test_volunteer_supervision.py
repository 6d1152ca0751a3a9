"""Supervision: within capacity, same faculty preferred and loads balanced, against brute force;
one tiny test per rule; the check-in schedule from the term's weeks."""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pandas as pd
import pytest

from workbench.cohort.validation import cohort_from_records
from workbench.volunteers.people import with_uploaded_table
from workbench.volunteers.supervision import build_model, checkin_schedule, plan_supervision


def cohort_with(volunteers: list[tuple[str, str]], staff: list[tuple], weeks=()):
    """volunteers: (student_id, faculty or ""); staff: (staff_id, capacity, faculty)."""
    tables = {
        "students": [
            {"student_id": s, "programme": "Physics", "level": "UG2", "faculty": f or None}
            for s, f in volunteers
        ],
        "mentors": [{"student_id": s, "capacity": "2"} for s, _ in volunteers],
        "supervisors": [
            {
                "staff_id": sid,
                "name": f"Dr {sid}",
                "email": f"{sid}@uni.example",
                "capacity": str(c),
                "faculty": f or None,
            }
            for sid, c, f in staff
        ],
        "term_weeks": [{"week": str(w), "starts": d, "kind": k} for w, d, k in weeks],
    }
    return cohort_from_records(**{k: v for k, v in tables.items() if v})


def brute_force(volunteers, staff) -> tuple[int, int, float]:
    """Best (supervised, same faculty, -busiest share) over every assignment (None = no one)."""
    best = None
    for choice in itertools.product([None, *range(len(staff))], repeat=len(volunteers)):
        load = [choice.count(s) for s in range(len(staff))]
        if any(load[s] > staff[s][1] for s in range(len(staff))):
            continue
        supervised = sum(c is not None for c in choice)
        same = sum(
            1
            for (_, f), c in zip(volunteers, choice, strict=True)
            if c is not None and f and f == staff[c][2]
        )
        share = max(load[s] / staff[s][1] for s in range(len(staff)))
        key = (supervised, same, -round(share, 9))
        best = key if best is None or key > best else best
    return best


@pytest.mark.parametrize("seed", range(12))
def test_against_brute_force(seed: int) -> None:
    rng = random.Random(seed)
    faculties = ["Science", "Arts", ""]
    volunteers = [(f"V{i}", rng.choice(faculties)) for i in range(rng.randint(2, 6))]
    staff = [
        (f"S{j}", rng.randint(1, 3), rng.choice(faculties[:2])) for j in range(rng.randint(1, 3))
    ]
    plan = plan_supervision(cohort_with(volunteers, staff))
    supervised, same, share = brute_force(volunteers, staff)
    assert len(plan.assignments) == supervised
    assert int(plan.assignments["same_faculty"].sum()) == same
    assert plan.loads["share"].max() == pytest.approx(-share, abs=1e-3)
    # rules, checked from the tables
    assert not plan.assignments["student_id"].duplicated().any()
    capacity = {s: c for s, c, _ in staff}
    for staff_id, n in plan.assignments["staff_id"].value_counts().items():
        assert n <= capacity[staff_id]
    faculty = dict(volunteers)
    staff_faculty = {s: f for s, _, f in staff}
    for row in plan.assignments.to_dict("records"):
        mine = faculty[row["student_id"]]
        assert row["same_faculty"] == (bool(mine) and mine == staff_faculty[row["staff_id"]])
    assert len(plan.assignments) + len(plan.unassigned) == len(volunteers)


def test_rule_one_supervisor_each() -> None:
    plan = plan_supervision(
        cohort_with([("A", "Science")], [("S1", 5, "Science"), ("S2", 5, "Arts")])
    )
    assert plan.assignments["staff_id"].tolist() == ["S1"]


def test_rule_within_capacity() -> None:
    plan = plan_supervision(cohort_with([("A", ""), ("B", ""), ("C", "")], [("S1", 2, "Arts")]))
    assert len(plan.assignments) == 2
    assert plan.unassigned["reason"].tolist() == ["every supervisor is at capacity"]
    assert plan.headline().endswith("1 have none: too few supervisor places.")


def test_rule_same_faculty_preferred() -> None:
    volunteers = [("A", "Arts"), ("B", "Science")]
    plan = plan_supervision(cohort_with(volunteers, [("S1", 1, "Science"), ("S2", 1, "Arts")]))
    pairs = dict(zip(plan.assignments["student_id"], plan.assignments["staff_id"], strict=True))
    assert pairs == {"A": "S2", "B": "S1"}


def test_rule_busiest_share_balances_loads() -> None:
    volunteers = [(f"V{i}", "") for i in range(4)]
    plan = plan_supervision(cohort_with(volunteers, [("S1", 10, "Arts"), ("S2", 10, "Arts")]))
    assert sorted(plan.loads["volunteers"]) == [2, 2]


def test_constraints_named_after_rules() -> None:
    staff = pd.DataFrame({"staff_id": ["S1"], "capacity": [2], "faculty": ["Arts"]})
    model = build_model(["Arts"], [3], staff)
    names = set(model.prob.constraints)
    assert {"one_supervisor_each_faculty_0", "within_capacity_0", "busiest_share_0"} <= names


def test_checkins_every_n_teaching_weeks_with_dates() -> None:
    weeks = [
        (1, "2026-09-28", "teaching"),
        (2, "2026-10-05", "teaching"),
        (3, "2026-10-12", "break"),
        (4, "2026-10-19", "teaching"),
        (5, "2026-10-26", "teaching"),
    ]
    cohort = cohort_with([("A", "Arts")], [("S1", 2, "Arts")], weeks)
    plan = plan_supervision(cohort)
    schedule = checkin_schedule(cohort, plan.assignments, every=2)
    assert schedule["week"].tolist() == [1, 4]  # the break is not a teaching week
    assert schedule["date"].tolist() == [dt.date(2026, 9, 28).isoformat(), "2026-10-19"]
    plain = cohort_with([("A", "Arts")], [("S1", 2, "Arts")])
    schedule = checkin_schedule(plain, plan_supervision(plain).assignments, every=3)
    assert schedule["week"].tolist() == [1, 4, 7, 10] and set(schedule["date"]) == {""}


def test_large_case_exact_same_faculty_count() -> None:
    """300 volunteers: every same-faculty pairing counts, however large the objective."""
    volunteers = [(f"V{i:03d}", "Science" if i < 150 else "Arts") for i in range(300)]
    staff = [("S1", 100, "Science"), ("S2", 100, "Arts"), ("S3", 200, "Science")]
    plan = plan_supervision(cohort_with(volunteers, staff))
    assert len(plan.assignments) == 300
    assert int(plan.assignments["same_faculty"].sum()) == 150 + 100  # Arts: only S2 is Arts
    assert plan.loads.set_index("staff_id").loc["S2", "volunteers"] == 100


def test_uploaded_supervisors_are_checked_like_any_upload() -> None:
    base = cohort_with([("A", "Arts")], [("S1", 2, "Arts")])
    bad = with_uploaded_table(base, "supervisors", b"staff_id,name,capacity\nS9,Dr X,many\n")
    assert bad.cohort is None
    assert "supervisors.csv:2: capacity: 'many' is not a whole number" in bad.report.format_text()
    good = with_uploaded_table(base, "supervisors", b"staff_id,name,capacity\nS9,Dr X,3\n")
    assert good.cohort.supervisors["staff_id"].tolist() == ["S9"]  # replaced, not added
    assert good.cohort.students["student_id"].tolist() == ["A"]
