"""Supervision: one staff supervisor per volunteer, same faculty preferred, loads balanced
within capacity (PuLP), and a check-in schedule every N weeks of the term.

The rules (one function each; constraints named after them):

1. **One supervisor each**: every volunteer has at most one supervisor.
2. **Within capacity**: a supervisor takes at most their ``capacity`` volunteers.
3. **Busiest share**: no supervisor's load is above the busiest share of their capacity (the
   share the objective makes as small as it can: loads balanced).

Objective, in priority order: supervise as many volunteers as possible, then as many as
possible by someone of their own faculty, then the smallest busiest share.

Volunteers of the same faculty are interchangeable here, so the model counts them per faculty
(``supervised_by[faculty, supervisor]``) and names them afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import pulp

from workbench.cohort.domain import Cohort, SolveStatus
from workbench.schemes.solving import solve
from workbench.volunteers.people import ROLES, display_name, names, volunteers

NO_FACULTY = ""
DEFAULT_TERM_WEEKS = 10


@dataclass
class SupervisionModel:
    prob: pulp.LpProblem
    supervised_by: dict[tuple[int, int], pulp.LpVariable]
    busiest_share: pulp.LpVariable
    faculties: list[str]
    counts: list[int]
    supervisors: pd.DataFrame


def _faculties(cohort: Cohort, people: pd.DataFrame) -> pd.Series:
    if "faculty" not in cohort.students.columns:
        return pd.Series(NO_FACULTY, index=people.index, dtype=object)
    faculty = cohort.students.set_index("student_id")["faculty"]
    return people["student_id"].map(faculty).map(lambda f: f if isinstance(f, str) else NO_FACULTY)


def _same(faculty: str, supervisor_faculty: object) -> bool:
    return bool(faculty) and isinstance(supervisor_faculty, str) and faculty == supervisor_faculty


def rule_one_supervisor_each(model: SupervisionModel) -> None:
    """Rule 1: each volunteer has at most one supervisor."""
    for f, count in enumerate(model.counts):
        given = [v for (ff, _), v in model.supervised_by.items() if ff == f]
        model.prob += pulp.lpSum(given) <= count, f"one_supervisor_each_faculty_{f}"


def rule_within_capacity(model: SupervisionModel) -> None:
    """Rule 2: a supervisor takes at most their capacity."""
    for s, capacity in enumerate(model.supervisors["capacity"]):
        load = [v for (_, ss), v in model.supervised_by.items() if ss == s]
        model.prob += pulp.lpSum(load) <= int(capacity), f"within_capacity_{s}"


def rule_busiest_share(model: SupervisionModel) -> None:
    """Rule 3: each supervisor's load is at most the busiest share of their capacity."""
    for s, capacity in enumerate(model.supervisors["capacity"]):
        load = pulp.lpSum(v for (_, ss), v in model.supervised_by.items() if ss == s)
        model.prob += load <= int(capacity) * model.busiest_share, f"busiest_share_{s}"


def objective(model: SupervisionModel) -> None:
    """Most volunteers supervised; then most by their own faculty; then loads balanced."""
    same_weight = 2  # one more same-faculty pairing beats any change in the busiest share (<= 1)
    volunteers_weight = same_weight * (sum(model.counts) + 1) + 2
    staff_faculty = model.supervisors["faculty"].tolist()
    supervised = pulp.lpSum(model.supervised_by.values())
    same = pulp.lpSum(
        v
        for (f, s), v in model.supervised_by.items()
        if _same(model.faculties[f], staff_faculty[s])
    )
    model.prob += volunteers_weight * supervised + same_weight * same - model.busiest_share


def build_model(faculties: Sequence[str], counts: Sequence[int], supervisors: pd.DataFrame):
    """The PuLP model for volunteers counted per faculty and the supervisors table."""
    model = SupervisionModel(
        pulp.LpProblem("supervision", pulp.LpMaximize),
        {
            (f, s): pulp.LpVariable(f"supervised_by_{f}_{s}", 0, counts[f], cat=pulp.LpInteger)
            for f in range(len(faculties))
            for s in range(len(supervisors))
        },
        pulp.LpVariable("busiest_share", 0, 1),
        list(faculties),
        list(counts),
        supervisors.reset_index(drop=True),
    )
    rule_one_supervisor_each(model)
    rule_within_capacity(model)
    rule_busiest_share(model)
    objective(model)
    return model


@dataclass
class SupervisionPlan:
    status: SolveStatus
    assignments: pd.DataFrame  # student_id, name, role, faculty, staff_id, supervisor, same_faculty
    loads: pd.DataFrame  # staff_id, supervisor, faculty, capacity, volunteers, share
    unassigned: pd.DataFrame  # student_id, name, role, reason

    def headline(self) -> str:
        total = len(self.assignments) + len(self.unassigned)
        if total == 0:
            return "No volunteers to supervise."
        same = int(self.assignments["same_faculty"].sum()) if len(self.assignments) else 0
        text = f"{len(self.assignments)} of {total} volunteers have a supervisor"
        if len(self.assignments):
            text += f" ({same} from their own faculty)"
            busiest = self.loads["share"].max()
            text += f"; the busiest supervisor is at {busiest:.0%} of capacity"
        left = len(self.unassigned)
        return text + (f"; {left} have none: too few supervisor places." if left else ".")


def _assign_people(
    people: pd.DataFrame, model: SupervisionModel, staff: pd.DataFrame
) -> tuple[list[tuple[int, int]], list[int]]:
    """(volunteer row, supervisor row) pairs named from the counts, and the rows left over."""
    pairs, left = [], []
    for f, faculty in enumerate(model.faculties):
        queue = sorted(
            people.index[people["faculty"] == faculty], key=lambda i: people.at[i, "student_id"]
        )
        for s in range(len(staff)):
            count = int(round(model.supervised_by[f, s].value() or 0))
            pairs += [(i, s) for i in queue[:count]]
            queue = queue[count:]
        left += queue
    return pairs, left


def plan_supervision(cohort: Cohort, who: Sequence[str] = ROLES, time_limit: float = 30.0):
    """Give each volunteer one supervisor (see the module's rules)."""
    if len(cohort.supervisors) == 0:
        raise ValueError("supervision needs the supervisors table: staff, capacity and faculty")
    people = volunteers(cohort, who)
    people["faculty"] = _faculties(cohort, people)
    faculties = sorted(set(people["faculty"]))
    counts = [int((people["faculty"] == f).sum()) for f in faculties]
    staff = cohort.supervisors.reset_index(drop=True)
    model = build_model(faculties, counts, staff)
    # gap 0: the weighted objective is large, and a relative gap would let a plan with fewer
    # same-faculty pairs pass as optimal
    status = (
        solve(model.prob, "highs", time_limit, gap=0.0) if len(people) else SolveStatus("optimal")
    )
    pairs, left = _assign_people(people, model, staff) if len(people) else ([], [])
    return _plan(cohort, status, people, staff, pairs, left)


def _plan(cohort, status, people, staff, pairs, left) -> SupervisionPlan:
    called = names(cohort)
    rows = []
    for i, s in pairs:
        faculty = people.at[i, "faculty"]
        rows.append(
            {
                "student_id": people.at[i, "student_id"],
                "name": display_name(called, people.at[i, "student_id"]),
                "role": people.at[i, "role"],
                "faculty": faculty,
                "staff_id": staff.at[s, "staff_id"],
                "supervisor": staff.at[s, "name"],
                "same_faculty": _same(faculty, staff.at[s, "faculty"]),
            }
        )
    columns = ["student_id", "name", "role", "faculty", "staff_id", "supervisor", "same_faculty"]
    assignments = pd.DataFrame(rows, columns=columns)
    load = assignments["staff_id"].value_counts()
    loads = pd.DataFrame(
        {
            "staff_id": staff["staff_id"],
            "supervisor": staff["name"],
            "faculty": staff["faculty"],
            "capacity": staff["capacity"].astype(int),
            "volunteers": [int(load.get(s, 0)) for s in staff["staff_id"]],
        }
    )
    loads["share"] = (loads["volunteers"] / loads["capacity"]).round(3)
    unassigned = pd.DataFrame(
        {
            "student_id": [people.at[i, "student_id"] for i in left],
            "name": [display_name(called, people.at[i, "student_id"]) for i in left],
            "role": [people.at[i, "role"] for i in left],
            "reason": "every supervisor is at capacity",
        },
        columns=["student_id", "name", "role", "reason"],
    )
    return SupervisionPlan(status, assignments, loads, unassigned)


# ------------------------------------------------------------------------------ check-ins


def term_weeks(cohort: Cohort, default_weeks: int = DEFAULT_TERM_WEEKS) -> pd.DataFrame:
    """The term's teaching weeks (week, starts) from ``term_weeks``; 1..N without dates else."""
    weeks = cohort.term_weeks
    if len(weeks):
        kind = weeks["kind"].fillna("teaching").str.lower() if "kind" in weeks else None
        teaching = weeks if kind is None else weeks[kind == "teaching"]
        return teaching[["week", "starts"]].sort_values("week").reset_index(drop=True)
    return pd.DataFrame({"week": range(1, default_weeks + 1), "starts": None})


def checkin_schedule(
    cohort: Cohort,
    assignments: pd.DataFrame,
    every: int = 2,
    default_weeks: int = DEFAULT_TERM_WEEKS,
) -> pd.DataFrame:
    """A check-in for every volunteer with their supervisor in the first teaching week and
    every ``every`` teaching weeks after: staff_id, supervisor, student_id, name, week, date."""
    if every < 1:
        raise ValueError("check-ins are every 1 or more weeks")
    weeks = term_weeks(cohort, default_weeks).iloc[::every]
    rows = [
        {
            "staff_id": a["staff_id"],
            "supervisor": a["supervisor"],
            "student_id": a["student_id"],
            "name": a["name"],
            "week": int(w["week"]),
            "date": w["starts"].isoformat() if hasattr(w["starts"], "isoformat") else "",
        }
        for a in assignments.to_dict("records")
        for w in weeks.to_dict("records")
    ]
    columns = ["staff_id", "supervisor", "student_id", "name", "week", "date"]
    return pd.DataFrame(rows, columns=columns).sort_values(["staff_id", "week", "student_id"])
