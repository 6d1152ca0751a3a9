"""Training sessions for volunteers, scheduled with PuLP: the fewest sessions that place
every volunteer who can attend one.

The rules (one function each below; each constraint is named after its rule):

1. **Free for it**: a volunteer is placed only at a time they are free (no event of their
   modules' timetable and none of their ``busy`` rows overlaps it), in a room with no
   ``room_busy`` booking then. No variable exists for any other time or room.
2. **One session each**: every volunteer is placed in at most one session.
3. **Seats**: a session holds at most the largest group size and the room's seats, and a
   volunteer can only be placed in a session that runs.
4. **A room holds one session at a time**: two sessions in the same room never overlap
   (a 2-hour session at 10:00 blocks the room's 11:00 session).

5. **Everyone who can come is placed**: as many volunteers as can be placed at all (everyone
   free at some time with a free room, unless the seats run out).

Solved in phases: the most volunteers that can be placed (phase 1, skipped when the first plan
already places everyone who has a free time and room), then the fewest sessions that place
them (phase 2, rule 5 added), then whole volunteers named per session with the sessions fixed
(phase 3). A quick first plan (:mod:`.training_start`) is the warm start.

Volunteers free at exactly the same times are interchangeable here, so the model counts them
per *availability pattern* (``trained_at[pattern, time]``) and names them afterwards; a
session's room is chosen per room (``session_runs[time, room]``), so a plan is exact.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pandas as pd
import pulp

from workbench.cohort.domain import DAYS, Cohort, SolveStatus, format_time
from workbench.schemes.solving import solve
from workbench.volunteers.training_explain import explain_untrained
from workbench.volunteers.training_instance import (
    TrainingInstance,
    TrainingSettings,
    build_instance,
)
from workbench.volunteers.training_start import first_plan

# ------------------------------------------------------------------------------ the model


@dataclass
class TrainingModel:
    prob: pulp.LpProblem
    session_runs: dict[tuple[int, int], pulp.LpVariable]
    trained_at: dict[tuple[int, int], pulp.LpVariable]
    pattern_times: list[tuple[int, ...]]
    pattern_members: list[list[int]]


def session_variables(inst: TrainingInstance) -> dict[tuple[int, int], pulp.LpVariable]:
    """Rule 1 (rooms): a session can run only in a room free at its time."""
    return {
        (t, r): pulp.LpVariable(f"session_runs_{t}_room_{r}", cat=pulp.LpBinary)
        for t in range(len(inst.times))
        for r in range(len(inst.rooms))
        if inst.room_free[r, t]
    }


def trainee_variables(
    times: list[tuple[int, ...]], members: list[list[int]]
) -> dict[tuple[int, int], pulp.LpVariable]:
    """Rule 1 (volunteers): volunteers are placed only at times they are free.

    Counts need not be declared whole: once the sessions are chosen, seating volunteers is a
    transportation problem whose corners are whole numbers, so a whole plan seating as many
    exists; :func:`name_trainees` finds it with the sessions fixed.
    """
    return {
        (p, t): pulp.LpVariable(f"trained_at_{p}_{t}", 0, len(members[p]))
        for p in range(len(times))
        for t in times[p]
    }


def rule_one_session_each(model: TrainingModel) -> None:
    """Rule 2: each volunteer is placed in at most one session."""
    for p, members in enumerate(model.pattern_members):
        placed = pulp.lpSum(model.trained_at[p, t] for t in model.pattern_times[p])
        model.prob += placed <= len(members), f"one_session_each_pattern_{p}"


def rule_seats(model: TrainingModel, inst: TrainingInstance) -> None:
    """Rule 3: trainees at a time fit the seats of the sessions running then."""
    trainees: dict[int, list[pulp.LpVariable]] = {}
    for (_, t), var in model.trained_at.items():
        trainees.setdefault(t, []).append(var)
    for t, placed in trainees.items():
        seats = pulp.lpSum(
            int(inst.seats[r]) * var for (tt, r), var in model.session_runs.items() if tt == t
        )
        model.prob += pulp.lpSum(placed) <= seats, f"seats_at_time_{t}"


def rule_room_one_session_at_a_time(model: TrainingModel, inst: TrainingInstance) -> None:
    """Rule 4: a room never holds two overlapping sessions (checked at every session start)."""
    for t, slot in enumerate(inst.times):
        covering = [
            u
            for u, other in enumerate(inst.times)
            if other.day == slot.day and other.start <= slot.start < other.end
        ]
        if len(covering) < 2:
            continue
        for r in range(len(inst.rooms)):
            running = [model.session_runs[u, r] for u in covering if (u, r) in model.session_runs]
            if len(running) > 1:
                model.prob += pulp.lpSum(running) <= 1, f"room_one_session_at_a_time_{r}_{t}"


def rule_everyone_who_can_come(model: TrainingModel, target: int) -> None:
    """Rule 5: at least ``target`` volunteers are placed (the most that can be)."""
    placed = pulp.lpSum(model.trained_at.values())
    model.prob += placed >= target, "everyone_who_can_come_is_placed"


def build_model(inst: TrainingInstance) -> TrainingModel:
    """The PuLP model: variables (rule 1) and rules 2-4; each phase sets its objective."""
    times, members = inst.patterns()
    model = TrainingModel(
        pulp.LpProblem("training_sessions", pulp.LpMaximize),
        session_variables(inst),
        trainee_variables(times, members),
        times,
        members,
    )
    rule_one_session_each(model)
    rule_seats(model, inst)
    rule_room_one_session_at_a_time(model, inst)
    return model


# ------------------------------------------------------------------------------ the phases


def warm_start(model: TrainingModel, inst: TrainingInstance) -> int:
    """Load the first plan (training_start) into the variables; the volunteers it places."""
    sessions = first_plan(inst)
    pattern_of = {v: p for p, members in enumerate(model.pattern_members) for v in members}
    for var in model.session_runs.values():
        var.setInitialValue(0)
    for var in model.trained_at.values():
        var.setInitialValue(0)
    for t, r, people in sessions:
        model.session_runs[t, r].setInitialValue(1)
        for v in people:
            var = model.trained_at[pattern_of[v], t]
            var.setInitialValue((var.value() or 0) + 1)
    return sum(len(people) for _, _, people in sessions)


def place_most(model: TrainingModel, settings: TrainingSettings) -> tuple[int, SolveStatus | None]:
    """Phase 1: the most volunteers that can be placed (no solve when the first plan already
    places everyone with a free time and room: nobody more can be)."""
    can_come = sum(len(m) for m in model.pattern_members)
    placed = pulp.lpSum(model.trained_at.values())
    if round(pulp.value(placed) or 0) >= can_come:
        return can_come, None
    model.prob.sense = pulp.LpMaximize
    model.prob.setObjective(placed)
    status = solve(model.prob, settings.solver, settings.time_limit, warm_start=True)
    return int(round(pulp.value(placed) or 0)), status


def seat_bound(model: TrainingModel, target: int, inst: TrainingInstance) -> None:
    """Not a rule but a bound every plan keeps (it speeds the proof): placing ``target``
    volunteers takes at least target / (the most seats a session has) sessions."""
    most = int(inst.seats.max()) if len(inst.seats) else 1
    sessions = pulp.lpSum(model.session_runs.values())
    model.prob += sessions >= -(-target // most), "seat_bound"


def fewest_sessions(
    model: TrainingModel, inst: TrainingInstance, target: int, settings: TrainingSettings
) -> SolveStatus:
    """Phase 2: the fewest sessions that place ``target`` volunteers."""
    rule_everyone_who_can_come(model, target)
    seat_bound(model, target, inst)
    model.prob.sense = pulp.LpMinimize
    model.prob.setObjective(pulp.lpSum(model.session_runs.values()))
    return solve(model.prob, settings.solver, settings.time_limit, warm_start=True)


def name_trainees(model: TrainingModel, settings: TrainingSettings) -> None:
    """Phase 3: with the sessions fixed, whole numbers of volunteers per time (exact)."""
    for var in model.session_runs.values():
        var.lowBound = var.upBound = round(var.value() or 0)
    for var in model.trained_at.values():
        var.cat = pulp.LpInteger
    model.prob.sense = pulp.LpMaximize
    model.prob.setObjective(pulp.lpSum(model.trained_at.values()))
    solve(model.prob, settings.solver, settings.time_limit, warm_start=True)


def solve_model(
    inst: TrainingInstance, settings: TrainingSettings
) -> tuple[TrainingModel, SolveStatus]:
    """Build, warm-start and solve the phases; the model holds the plan (the status's
    seconds are the whole solve's)."""
    started = time.perf_counter()
    model = build_model(inst)
    if not model.trained_at:
        return model, SolveStatus("optimal", objective=0.0, solver=settings.solver)
    warm_start(model, inst)
    target, status = place_most(model, settings)
    if status is None or status.status in ("optimal", "feasible"):
        status = fewest_sessions(model, inst, target, settings)
        if status.status in ("optimal", "feasible"):
            name_trainees(model, settings)
    status.seconds = time.perf_counter() - started
    return model, status


# ------------------------------------------------------------------------------ the plan


@dataclass
class TrainingPlan:
    """The sessions, who goes to which, who cannot be placed and why."""

    status: SolveStatus
    settings: TrainingSettings
    sessions: pd.DataFrame  # session_id, day, start, end, room_id, trainees (minutes for times)
    assignments: pd.DataFrame  # student_id, role, session_id
    untrained: pd.DataFrame  # student_id, role, reason, help
    volunteers: int
    possible_times: int
    fixes: list[str] = field(default_factory=list)

    @property
    def trained(self) -> int:
        return len(self.assignments)

    def headline(self) -> str:
        """The verdict first, in the coordinator's words."""
        if self.volunteers == 0:
            return "No volunteers to train."
        if self.status.status not in ("optimal", "feasible"):
            return f"No training plan: {self.status.label}."
        text = (
            f"{self.trained} of {self.volunteers} volunteers placed in "
            f"{len(self.sessions)} training session{'s' if len(self.sessions) != 1 else ''}"
        )
        left = self.volunteers - self.trained
        return text + (f"; {left} cannot be placed." if left else ".")

    def summary(self) -> dict:
        """summary.json: status, volunteers, trained, sessions, headline, fixes."""
        return {
            "status": self.status.status,
            "volunteers": self.volunteers,
            "trained": self.trained,
            "sessions": len(self.sessions),
            "headline": self.headline(),
            "fixes": list(self.fixes),
            "possible_times": self.possible_times,
            "seconds": round(self.status.seconds, 3),
            "settings": self.settings.model_dump(mode="json"),
        }


def _time_counts(model: TrainingModel) -> dict[int, list[int]]:
    """time -> the volunteers placed then (named from each pattern's members)."""
    at: dict[int, list[int]] = {}
    for p, members in enumerate(model.pattern_members):
        queue = list(members)
        for t in model.pattern_times[p]:
            count = int(round(model.trained_at[p, t].value() or 0))
            at.setdefault(t, []).extend(queue[:count])
            queue = queue[count:]
    return at


def _fill_sessions(inst: TrainingInstance, model: TrainingModel) -> tuple[list, dict[int, int]]:
    """Sessions that run (with a trainee) and each placed volunteer's session index."""
    at = _time_counts(model)
    rows: list[tuple[int, int, int]] = []  # (time, room, trainees)
    placed: dict[int, int] = {}
    for t in sorted(at, key=lambda u: (inst.times[u].day, inst.times[u].start)):
        people = at[t]
        rooms = sorted(
            (
                r
                for (u, r), var in model.session_runs.items()
                if u == t and (var.value() or 0) > 0.5
            ),
            key=lambda r: (-int(inst.seats[r]), inst.rooms[r]),
        )
        for r in rooms:
            take, people = people[: int(inst.seats[r])], people[int(inst.seats[r]) :]
            if not take:
                break
            for v in take:
                placed[v] = len(rows)
            rows.append((t, r, len(take)))
    return rows, placed


def _plan_tables(inst: TrainingInstance, model: TrainingModel) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows, placed = _fill_sessions(inst, model)
    ids = [f"T{i + 1:02d}" for i in range(len(rows))]
    sessions = pd.DataFrame(
        {
            "session_id": ids,
            "day": [inst.times[t].day for t, _, _ in rows],
            "start": [inst.times[t].start for t, _, _ in rows],
            "end": [inst.times[t].end for t, _, _ in rows],
            "room_id": [inst.rooms[r] for _, r, _ in rows],
            "trainees": [n for _, _, n in rows],
        }
    ).astype({"day": "int64", "start": "int64", "end": "int64", "trainees": "int64"})
    order = sorted(placed, key=lambda v: (placed[v], inst.people["student_id"].iloc[v]))
    assignments = pd.DataFrame(
        {
            "student_id": [inst.people["student_id"].iloc[v] for v in order],
            "role": [inst.people["role"].iloc[v] for v in order],
            "session_id": [ids[placed[v]] for v in order],
        },
        dtype=object,
    )
    return sessions, assignments


def _empty_plan_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    sessions = pd.DataFrame(
        {c: pd.Series(dtype="int64") for c in ("day", "start", "end", "trainees")}
    )
    sessions.insert(0, "session_id", pd.Series(dtype=object))
    sessions.insert(4, "room_id", pd.Series(dtype=object))
    assignments = pd.DataFrame(columns=["student_id", "role", "session_id"], dtype=object)
    return sessions, assignments


def solve_training(cohort: Cohort, settings: TrainingSettings | None = None) -> TrainingPlan:
    """Plan the training sessions (see the module's rules); reasons and fixes for the rest."""
    settings = settings or TrainingSettings()
    inst = build_instance(cohort, settings)
    model, status = solve_model(inst, settings)
    if status.status in ("optimal", "feasible") and model.trained_at:
        sessions, assignments = _plan_tables(inst, model)
    else:
        sessions, assignments = _empty_plan_tables()
    untrained, fixes = explain_untrained(cohort, inst, sessions, assignments)
    return TrainingPlan(
        status, settings, sessions, assignments, untrained, len(inst.people), len(inst.times), fixes
    )


def sessions_for_csv(sessions: pd.DataFrame) -> pd.DataFrame:
    """training_sessions.csv as a coordinator reads it: days Mon..Sun, times HH:MM."""
    out = sessions.copy()
    out["day"] = [DAYS[int(d)] for d in out["day"]]
    out["start"] = [format_time(m) for m in out["start"]]
    out["end"] = [format_time(m) for m in out["end"]]
    return out[["session_id", "day", "start", "end", "room_id", "trainees"]]
