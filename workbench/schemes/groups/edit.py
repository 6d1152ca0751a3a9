"""Editing a group plan by hand: move a student, change a group's meeting time, re-check.

A coordinator adjusts a solved plan (``groups`` table: group_id, student_id, day, start, end,
slot, mentor_id). Every edit gives a new table; :func:`check_edited` re-checks it against every
hard rule with :func:`workbench.schemes.groups.solve.check_groups`, re-scores it with
:func:`workbench.schemes.groups.solve.score_groups` and lists who is left out and why.
:func:`edited_result` gives the edited plan an honest status: a plan that keeps every rule is
``feasible`` (or ``optimal`` when it reaches the solver's proven bounds, which hold for any
valid plan of the same students and settings); one that breaks a rule is ``breaks rules``,
with each broken rule in its messages. Saving it as a scenario is the scenarios layer's
business (:func:`workbench.scenarios.edited.edited_scenario`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from workbench.cohort.availability import free_matrix
from workbench.cohort.domain import Cohort, Slot, SolveStatus
from workbench.schemes.groups.prepare import prepare
from workbench.schemes.groups.settings import GroupSettings
from workbench.schemes.groups.solve import GroupResult, check_groups, score_groups

NOT_IN_A_GROUP = ""
BREAKS_RULES = "breaks rules"
GROUP_COLUMNS = ["group_id", "student_id", "day", "start", "end", "slot", "mentor_id"]


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """The groups table with the columns in order and plain Python values."""
    out = frame.reindex(columns=GROUP_COLUMNS).astype(object)
    out = out.where(out.notna(), None)
    for col in ("day", "start", "end"):
        out[col] = [None if v is None else int(v) for v in out[col]]
    for col in ("group_id", "student_id"):
        out[col] = out[col].map(str)
    return out.reset_index(drop=True)


def pool_of(groups: pd.DataFrame, unplaced: pd.DataFrame) -> list[str]:
    """Every student the plan was made for: those in a group and those left out."""
    ids = {str(s) for s in groups["student_id"]} | {str(s) for s in unplaced["student_id"]}
    return sorted(ids)


def group_of(groups: pd.DataFrame) -> dict[str, str]:
    return {str(s): str(g) for s, g in zip(groups["student_id"], groups["group_id"], strict=True)}


def student_choices(groups: pd.DataFrame, unplaced: pd.DataFrame) -> dict[str, str]:
    """student id -> "2500026 (in G01)" / "2500017 (not in a group)", for a chooser."""
    where = group_of(groups)
    return {
        s: f"{s} ({'in ' + where[s] if s in where else 'not in a group'})"
        for s in pool_of(groups, unplaced)
    }


def target_choices(groups: pd.DataFrame) -> dict[str, str]:
    """group id -> "G03: Tue 11:00-12:00, 5 students", and "" -> "Not in any group"."""
    out = {}
    for gid, rows in groups.groupby("group_id", sort=True):
        slot = next((s for s in rows["slot"] if isinstance(s, str) and s), "no meeting time")
        out[str(gid)] = f"{gid}: {slot}, {len(rows)} student{'s' if len(rows) != 1 else ''}"
    out[NOT_IN_A_GROUP] = "Not in any group (take them out)"
    return out


def move_student(groups: pd.DataFrame, student_id: str, target: str) -> pd.DataFrame:
    """The plan with ``student_id`` in group ``target`` (its meeting time and mentor), or in
    no group when ``target`` is ``""``. ValueError for a group that does not exist."""
    frame = _plain(groups)
    student_id, target = str(student_id), str(target)
    frame = frame.loc[frame["student_id"] != student_id]
    if target == NOT_IN_A_GROUP:
        return frame.reset_index(drop=True)
    rows = frame.loc[frame["group_id"] == target]
    if rows.empty:
        known = _plain(groups)
        if not (known["group_id"] == target).any():
            raise ValueError(f"there is no group {target}")
        rows = known.loc[known["group_id"] == target]  # the student was its only member
    model = rows.iloc[0].to_dict()
    model["student_id"] = student_id
    frame = pd.concat([frame, pd.DataFrame([model], columns=GROUP_COLUMNS)], ignore_index=True)
    return frame.sort_values(["group_id", "student_id"], kind="stable").reset_index(drop=True)


def free_times(
    cohort: Cohort, settings: GroupSettings, groups: pd.DataFrame, group_id: str
) -> list[Slot]:
    """The meeting times of the grid at which every member (and the mentor) of a group is
    free."""
    rows = _plain(groups)
    rows = rows.loc[rows["group_id"] == str(group_id)]
    people = list(rows["student_id"]) + [m for m in rows["mentor_id"].dropna().unique()]
    known = set(cohort.students["student_id"])
    people = [p for p in dict.fromkeys(people) if p in known]
    slots = settings.slots()
    if not people:
        return slots
    free = free_matrix(cohort, people, slots).all(axis=0)
    return [s for s, ok in zip(slots, free, strict=True) if ok]


def retime_group(groups: pd.DataFrame, group_id: str, slot: Slot) -> pd.DataFrame:
    """The plan with group ``group_id`` meeting at ``slot``."""
    frame = _plain(groups)
    mask = frame["group_id"] == str(group_id)
    if not mask.any():
        raise ValueError(f"there is no group {group_id}")
    frame.loc[mask, "day"] = slot.day
    frame.loc[mask, "start"] = slot.start
    frame.loc[mask, "end"] = slot.end
    frame.loc[mask, "slot"] = slot.label
    return frame


def describe_changes(before: pd.DataFrame, after: pd.DataFrame) -> list[str]:
    """What was changed by hand, in words: moves, and groups meeting at a new time."""
    was, now = group_of(before), group_of(after)
    lines = []
    for sid in sorted(set(was) | set(now)):
        a, b = was.get(sid), now.get(sid)
        if a != b:
            lines.append(f"{sid}: {a or 'not in a group'} → {b or 'not in a group'}")
    old_times = _plain(before).drop_duplicates("group_id").set_index("group_id")["slot"]
    new_times = _plain(after).drop_duplicates("group_id").set_index("group_id")["slot"]
    for gid in sorted(set(old_times.index) & set(new_times.index)):
        if old_times[gid] != new_times[gid]:
            lines.append(f"{gid} meets {new_times[gid]} (was {old_times[gid]})")
    return lines


# ------------------------------------------------------------------------------ re-checking


@dataclass
class EditedPlan:
    """An edited plan re-checked: broken rules, scores and who is left out (and why)."""

    groups: pd.DataFrame
    scores: pd.DataFrame
    unplaced: pd.DataFrame
    problems: list[str]
    changes: list[str]
    placed: int
    students: int
    worst: float | None
    mean: float | None
    total: float | None
    top: int = 1  # the rules' integer score of a perfect group (exact comparisons)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_edited(
    cohort: Cohort,
    settings: GroupSettings,
    original_groups: pd.DataFrame,
    original_unplaced: pd.DataFrame,
    groups: pd.DataFrame,
) -> EditedPlan:
    """Re-check and re-score an edited plan against the plan it was edited from."""
    inst = prepare(cohort, settings)
    frame = _plain(groups)
    problems = check_groups(cohort, settings, frame, instance=inst)
    scores = score_groups(cohort, settings, frame, instance=inst)
    pool = pool_of(original_groups, original_unplaced)
    reasons = (
        dict(
            zip(
                original_unplaced["student_id"].map(str),
                original_unplaced["reason"].map(str),
                strict=True,
            )
        )
        if "reason" in original_unplaced
        else {}
    )
    was = group_of(original_groups)
    placed_ids = set(frame["student_id"])
    rows = []
    for sid in pool:
        if sid in placed_ids:
            continue
        reason = (
            f"taken out of {was[sid]} by hand" if sid in was else reasons.get(sid) or "not placed"
        )
        rows.append({"student_id": sid, "reason": reason})
    unplaced = pd.DataFrame(rows, columns=["student_id", "reason"])
    sizes, each = scores["size"].astype(int), scores["score"].astype(float)
    n = len(scores)
    return EditedPlan(
        groups=frame,
        scores=scores,
        unplaced=unplaced,
        problems=problems,
        changes=describe_changes(original_groups, frame),
        placed=len(placed_ids & set(pool)),
        students=len(pool),
        worst=float(each.min()) if n else None,
        mean=float(each.mean()) if n else None,
        total=float((sizes * each).sum()) if n else None,
        top=inst.rules.top,
        notes=list(inst.notes),
    )


def edited_status(plan: EditedPlan, bounds: dict[str, Any]) -> SolveStatus:
    """The honest status of an edited plan; ``bounds`` are the solved plan's summary
    (placed_bound, worst_bound, total_bound: upper bounds on any valid plan)."""
    if plan.problems:
        return SolveStatus(
            BREAKS_RULES,
            plan.worst,
            None,
            None,
            0.0,
            "by hand",
            [
                f"Edited by hand; breaks {len(plan.problems)} hard "
                f"rule{'s' if len(plan.problems) != 1 else ''}:",
                *plan.problems,
            ],
        )
    if not len(plan.scores):
        return SolveStatus(
            "not solved", None, None, None, 0.0, "by hand", ["Edited by hand: no group is left."]
        )

    def units(x: Any) -> int | None:
        return None if x is None else round(float(x) * plan.top)

    placed_bound = bounds.get("placed_bound")
    worst, worst_bound = units(plan.worst), units(bounds.get("worst_bound"))
    total, total_bound = units(plan.total), units(bounds.get("total_bound"))
    head = "Edited by hand; keeps every hard rule."
    status = "feasible"
    if placed_bound is not None and plan.placed < placed_bound:
        gap = (placed_bound - plan.placed) / placed_bound
        line = (
            f"{plan.placed} students placed; perhaps up to {placed_bound} could be "
            "(proven bound of the solve)."
        )
    elif worst_bound is None:
        gap, line = None, "No bound on the worst group score was proven."
    elif worst < worst_bound:
        gap = (worst_bound - worst) / max(1, worst_bound)
        line = (
            f"Worst group score {plan.worst:.2f}; no plan can beat "
            f"{bounds['worst_bound']:.2f} (proven)."
        )
    elif total_bound is None:
        gap, line = None, "The worst group score is proven best; no bound on the total."
    elif total < total_bound:
        gap = (total_bound - total) / max(1, total_bound)
        line = (
            f"Worst group score proven best ({plan.worst:.2f}); total {plan.total:.2f}, "
            f"at most {bounds['total_bound']:.2f} possible (proven)."
        )
    else:
        status, gap, line = "optimal", 0.0, "It reaches the proven bounds: no plan is better."
    return SolveStatus(
        status,
        plan.worst,
        None if bounds.get("worst_bound") is None else float(bounds["worst_bound"]),
        gap,
        0.0,
        "by hand",
        [head, line],
    )


def edited_result(
    plan: EditedPlan, settings: GroupSettings, bounds: dict[str, Any], pool: str = ""
) -> GroupResult:
    """The edited plan as a :class:`workbench.schemes.groups.solve.GroupResult` (to save as a scenario)."""
    return GroupResult(
        status=edited_status(plan, bounds),
        groups=plan.groups,
        group_scores=plan.scores,
        unplaced=plan.unplaced,
        students=plan.students,
        placed=plan.placed,
        settings=settings,
        pool=pool,
        worst_score=plan.worst,
        mean_score=plan.mean,
        total_score=plan.total,
        worst_bound=bounds.get("worst_bound"),
        total_bound=bounds.get("total_bound"),
        placed_bound=bounds.get("placed_bound"),
        notes=[*plan.notes, *(f"Changed by hand: {c}" for c in plan.changes)],
    )
