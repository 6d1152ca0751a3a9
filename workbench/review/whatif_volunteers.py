"""What-if volunteers: recruit or lose mentors and PASS leaders (seeded and nested)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from workbench.cohort.domain import LEVEL_RANK, Cohort
from workbench.schemes.pass_sessions.settings import targeted_modules

# ------------------------------------------------------------------------------ volunteers


def _weighted_order(weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random order of the items with positive weight, heavier ones earlier (without
    replacement; Efraimidis-Spirakis keys)."""
    positive = np.flatnonzero(weights > 0)
    if len(positive) == 0:
        return positive
    keys = rng.random(len(positive)) ** (1.0 / weights[positive])
    return positive[np.argsort(-keys, kind="stable")]


def mentor_recruitment_order(cohort: Cohort, seed: int = 0) -> pd.DataFrame:
    """Students who could be recruited as mentors, in recruitment order, with a capacity.

    Eligible: not a mentor or mentee already; at a level current mentors come from (or, with no
    mentors, above the lowest mentee level); in a programme with mentees. Heavier weight where
    there are more mentees per programme and more current mentors per level.
    """
    s = cohort.students
    mentors, mentees = cohort.mentors, cohort.mentees
    taken = set(mentors["student_id"]) | set(mentees["student_id"])
    level_of = s.set_index("student_id")["level"]
    programme_of = s.set_index("student_id")["programme"]
    if len(mentors):
        level_share = mentors["student_id"].map(level_of).value_counts(normalize=True)
    else:
        low = min(
            (LEVEL_RANK[lvl] for lvl in mentees["student_id"].map(level_of).dropna()), default=-1
        )
        levels = [lvl for lvl, rank in LEVEL_RANK.items() if rank > low]
        level_share = pd.Series(1.0 / len(levels), index=levels)
    if len(mentees):
        demand = mentees["student_id"].map(programme_of).value_counts(normalize=True)
    else:
        demand = s["programme"].value_counts(normalize=True)
    candidates = s.loc[~s["student_id"].isin(taken), ["student_id", "programme", "level"]]
    weights = candidates["level"].map(level_share).fillna(0.0).to_numpy(float) * candidates[
        "programme"
    ].map(demand).fillna(0.0).to_numpy(float)
    rng = np.random.default_rng(seed)
    order = _weighted_order(weights, rng)
    chosen = candidates.iloc[order].reset_index(drop=True)
    capacities = mentors["capacity"].to_numpy() if len(mentors) else np.array([2])
    chosen["capacity"] = rng.choice(capacities, size=len(chosen)).astype("int64")
    return chosen


def change_mentors(cohort: Cohort, change: int, seed: int = 0) -> Cohort:
    """Recruit ``change`` mentors (positive) or lose ``-change`` (negative), seeded and nested."""
    if change == 0:
        return cohort
    mentors = cohort.mentors
    if change < 0:
        n = min(-change, len(mentors))
        order = np.random.default_rng(seed).permutation(len(mentors))
        lost = set(mentors["student_id"].iloc[order[:n]])
        tables = _drop_roles(cohort, lost, ("mentors",))
        return cohort.model_copy(update=tables)
    recruits = mentor_recruitment_order(cohort, seed).head(change)
    new_rows = pd.DataFrame(
        {"student_id": recruits["student_id"].astype(object), "capacity": recruits["capacity"]}
    )
    new = pd.concat([mentors, new_rows[mentors.columns]], ignore_index=True)
    return cohort.model_copy(update={"mentors": new.astype(mentors.dtypes.to_dict())})


def _drop_roles(cohort: Cohort, lost: set[str], roles: Sequence[str]) -> dict[str, pd.DataFrame]:
    tables = {
        role: cohort.table(role)
        .loc[~cohort.table(role)["student_id"].isin(lost)]
        .reset_index(drop=True)
        for role in roles
    }
    prefs = cohort.preferences
    if len(prefs) and "mentors" in roles:
        tables["preferences"] = prefs.loc[
            ~prefs["student_id"].isin(lost) & ~prefs["prefers_id"].isin(lost)
        ].reset_index(drop=True)
    return tables


def set_mentor_capacity(cohort: Cohort, capacity: int) -> Cohort:
    """Every mentor takes up to ``capacity`` mentees (1-20)."""
    if not 1 <= capacity <= 20:
        raise ValueError(f"a mentor's capacity is 1 to 20 mentees (got {capacity})")
    mentors = cohort.mentors.assign(capacity=np.int64(capacity))
    return cohort.model_copy(update={"mentors": mentors.astype(cohort.mentors.dtypes.to_dict())})


def _targeted(cohort: Cohort, settings: Any) -> list[str]:
    try:
        return targeted_modules(cohort, settings)[0]
    except (ValueError, AttributeError):
        return sorted(set(cohort.leaders["module_code"]))


def leader_recruitment_order(
    cohort: Cohort, settings: Any = None, seed: int = 0, limit: int | None = None
) -> pd.DataFrame:
    """Students who could be recruited as PASS leaders, in order, each for one module.

    Modules are the targeted ones, chosen in proportion to their enrolment; a recruit is a
    student at a higher level than the module, in its programme when the module has one, not
    enrolled on it and not yet a leader. Columns: student_id, module_code, max_sessions.
    """
    modules = (
        _targeted(cohort, settings)
        if settings is not None
        else sorted(set(cohort.leaders["module_code"]))
    )
    s = cohort.students
    leaders = cohort.leaders
    taken = set(leaders["student_id"])
    enrolled = cohort.enrolments.groupby("module_code")["student_id"].agg(set)
    info = cohort.modules.set_index("module_code")
    rng = np.random.default_rng(seed)
    pools: dict[str, list[str]] = {}
    for code in modules:
        level = info["level"].get(code) if "level" in info else None
        programme = info["programme"].get(code) if "programme" in info else None
        if not isinstance(level, str):
            on = enrolled.get(code, set())
            levels = s.loc[s["student_id"].isin(on), "level"]
            level = levels.mode().iloc[0] if len(levels) else None
        pool = s
        if isinstance(level, str):
            pool = pool.loc[pool["level"].map(LEVEL_RANK) > LEVEL_RANK[level]]
        if isinstance(programme, str) and (pool["programme"] == programme).any():
            pool = pool.loc[pool["programme"] == programme]
        ids = [i for i in pool["student_id"] if i not in taken and i not in enrolled.get(code, ())]
        pools[code] = [ids[k] for k in rng.permutation(len(ids))]
    demand = np.array([len(enrolled.get(code, ())) for code in modules], dtype=float)
    if demand.sum() <= 0:
        demand = np.ones(len(modules))
    sessions = leaders["max_sessions"] if len(leaders) else pd.Series([2])
    default_sessions = int(sessions.median()) if len(sessions) else 2
    rows: list[tuple[str, str, int]] = []
    used: set[str] = set()
    limit = limit if limit is not None else sum(len(p) for p in pools.values())
    while len(rows) < limit:
        open_ = np.array([bool(pools[c]) for c in modules]) if modules else np.array([], bool)
        if not open_.any():
            break
        w = demand * open_
        k = int(rng.choice(len(modules), p=w / w.sum()))
        pool = pools[modules[k]]
        while pool and pool[0] in used:
            pool.pop(0)
        if not pool:
            continue
        student = pool.pop(0)
        used.add(student)
        rows.append((student, modules[k], default_sessions))
    frame = pd.DataFrame(rows, columns=["student_id", "module_code", "max_sessions"])
    frame["student_id"] = frame["student_id"].astype(object)
    frame["module_code"] = frame["module_code"].astype(object)
    return frame.astype({"max_sessions": "int64"})


def change_leaders(cohort: Cohort, settings: Any, change: int, seed: int = 0) -> Cohort:
    """Recruit ``change`` PASS leaders (positive) or lose ``-change`` (negative), nested."""
    if change == 0:
        return cohort
    leaders = cohort.leaders
    if change < 0:
        people = sorted(set(leaders["student_id"]))
        order = np.random.default_rng(seed).permutation(len(people))
        lost = {people[i] for i in order[: min(-change, len(people))]}
        return cohort.model_copy(update=_drop_roles(cohort, lost, ("leaders",)))
    recruits = leader_recruitment_order(cohort, settings, seed, limit=change)
    new = pd.concat([leaders, recruits[leaders.columns]], ignore_index=True)
    return cohort.model_copy(update={"leaders": new.astype(leaders.dtypes.to_dict())})
