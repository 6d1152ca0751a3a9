"""Independent re-implementations for the group tests: tiny cohorts, the hard rules, the
documented score, and a brute-force search over every plan."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench.cohort.availability import free_matrix
from workbench.cohort.domain import Cohort, Slot
from workbench.cohort.validation import cohort_from_records

LISTS = ("languages", "interests")
DAY = ("Mon", "Tue", "Wed", "Thu", "Fri")


def tiny_cohort(
    seed: int, n: int, slots: int = 4, busy_share: float = 0.35, avoid: int = 1, mentors: int = 0
) -> Cohort:
    """``n`` UG1 students on module M1 (plus ``mentors`` UG2 mentors), busy at random hours of
    a Mon/Tue 09:00-(09+slots/2):00 grid."""
    rng = random.Random(seed)
    students, busy = [], []
    hours = [(d, 9 + h) for d in range(2) for h in range(slots // 2)]
    for i in range(n):
        sid = f"S{i + 1:02d}"
        students.append(
            {
                "student_id": sid,
                "programme": rng.choice(["Chemistry", "Physics", "Maths"]),
                "level": "UG1",
                "home_status": rng.choice(["home", "home", "international"]),
                "gender": rng.choice(["female", "male"]),
                "first_generation": rng.choice(["yes", "no", None]),
                "interests": ";".join(
                    rng.sample(["chess", "film", "hiking", "music"], rng.randint(0, 2))
                ),
                "languages": ";".join(
                    ["english", *rng.sample(["french", "urdu"], rng.randint(0, 1))]
                ),
            }
        )
        for d, h in hours:
            if rng.random() < busy_share:
                busy.append(
                    {
                        "student_id": sid,
                        "day": DAY[d],
                        "start": f"{h:02d}:00",
                        "end": f"{h + 1:02d}:00",
                        "reason": "job",
                    }
                )
    mentor_rows = []
    for j in range(mentors):
        mid = f"M{j + 1:02d}"
        students.append({"student_id": mid, "programme": "Chemistry", "level": "UG2"})
        mentor_rows.append({"student_id": mid, "capacity": str(rng.randint(2, 4))})
        for d, h in hours:
            if rng.random() < busy_share:
                busy.append(
                    {
                        "student_id": mid,
                        "day": DAY[d],
                        "start": f"{h:02d}:00",
                        "end": f"{h + 1:02d}:00",
                    }
                )
    ids = [s["student_id"] for s in students[:n]]
    avoid_rows = []
    for _ in range(avoid):
        a, b = rng.sample(ids, 2)
        if not any({a, b} == {r["student_id_a"], r["student_id_b"]} for r in avoid_rows):
            avoid_rows.append({"student_id_a": a, "student_id_b": b})
    if mentors and n:
        avoid_rows.append({"student_id_a": "M01", "student_id_b": rng.choice(ids)})
    tables = {
        "students": students,
        "modules": [{"module_code": "M1"}],
        "enrolments": [{"student_id": s, "module_code": "M1"} for s in ids],
        "timetable": [{"module_code": "M1", "day": "Tue", "start": "12:00", "end": "13:00"}],
        "busy": busy,
        "avoid": avoid_rows,
        "mentors": mentor_rows,
    }
    return cohort_from_records(**{k: v for k, v in tables.items() if v})


@dataclass
class World:
    """What the rules need, read straight from the cohort."""

    ids: list[str]
    values: dict[str, dict[str, Any]]
    free: dict[str, np.ndarray]
    grid: list[Slot]
    avoid: set[frozenset[str]]
    mentors: dict[str, int] = field(default_factory=dict)  # id -> capacity


def _clean(v: Any, is_list: bool) -> Any:
    if is_list:
        return tuple(v) if isinstance(v, tuple) else ()
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return None
    return v.item() if hasattr(v, "item") else v


def world(cohort: Cohort, settings: Any, ids: list[str]) -> World:
    grid = settings.slots()
    mentor_ids = cohort.mentors["student_id"].tolist() if settings.led_by_mentors else []
    everyone = ids + [m for m in mentor_ids if m not in ids]
    f = free_matrix(cohort, everyone, grid)
    table = cohort.students.set_index("student_id")
    values = {s: {a: _clean(table.at[s, a], a in LISTS) for a in table.columns} for s in ids}
    avoid = {
        frozenset(p) for p in cohort.avoid[["student_id_a", "student_id_b"]].itertuples(index=False)
    }
    caps = (
        dict(zip(cohort.mentors["student_id"], cohort.mentors["capacity"].astype(int), strict=True))
        if settings.led_by_mentors
        else {}
    )
    return World(ids, values, {s: f[i] for i, s in enumerate(everyone)}, grid, avoid, caps)


def criteria(w: World, settings: Any) -> list[tuple[str, str, int]]:
    """(attribute, mode, cap) of every criterion that can tell groups apart (the docs' rule)."""
    out = []
    for mode, attrs in (("similar", settings.similar), ("diverse", settings.diverse)):
        for a in attrs:
            if a in LISTS:
                vals = {v for s in w.ids for v in w.values[s][a]}
                by_all = any(all(v in w.values[s][a] for s in w.ids) for v in vals)
            else:
                vals = {w.values[s][a] for s in w.ids} - {None}
                by_all = False
            if mode == "diverse":
                cap = min(settings.min_size, len(vals))
            elif a not in LISTS:
                cap = min(settings.max_size, len(vals))
            else:
                cap = settings.min_size if vals and not by_all else 1
            if cap >= 2:
                out.append((a, mode, cap))
    return out


def score(w: World, crits: list[tuple[str, str, int]], members: list[str]) -> float:
    """The documented group score: the mean of the criteria's parts, each 0-1."""
    if not crits:
        return 1.0
    parts = []
    for a, mode, cap in crits:
        if a in LISTS:
            held = [v for s in members for v in w.values[s][a]]
        else:
            held = [w.values[s][a] for s in members if w.values[s][a] is not None]
        distinct = len(set(held))
        if mode == "diverse":
            part = max(0, min(distinct, cap) - 1) / (cap - 1)
        elif a not in LISTS:
            part = max(0, min(cap - 1, cap - max(distinct, 1))) / (cap - 1)
        else:
            shared = max((held.count(v) for v in set(held)), default=0)
            part = max(0, min(shared, cap) - 1) / (cap - 1)
        parts.append(part)
    return sum(parts) / len(parts)


def group_problems(
    w: World, settings: Any, members: list[str], slot: int | None, mentor: str | None = None
) -> list[str]:
    """Hard rules broken by one group meeting at grid slot ``slot`` (None: any shared slot)."""
    out = []
    cap = settings.max_size
    if mentor is not None:
        cap = min(cap, w.mentors[mentor])
    if not settings.min_size <= len(members) <= cap:
        out.append("size")
    people = members + ([mentor] if mentor else [])
    together = np.logical_and.reduce([w.free[s] for s in people])
    if (slot is None and not together.any()) or (slot is not None and not together[slot]):
        out.append("slot")
    for a in settings.no_isolation:
        vals = [w.values[s][a] for s in members if w.values[s][a] is not None]
        if any(vals.count(v) == 1 for v in vals):
            out.append("isolation")
    for x, y in itertools.combinations(people, 2):
        if frozenset((x, y)) in w.avoid:
            out.append("avoid")
    return out


def plan_problems(w: World, settings: Any, groups: pd.DataFrame) -> list[str]:
    """Every hard rule a result's groups frame breaks (independent of check_groups)."""
    out = []
    if groups["student_id"].duplicated().any():
        out.append("a student is in two groups")
    if not set(groups["student_id"]) <= set(w.ids):
        out.append("a student outside the pool")
    mentors_used = []
    for gid, g in groups.groupby("group_id"):
        slot_rows = g[["day", "start", "end"]].drop_duplicates()
        if len(slot_rows) != 1:
            out.append(f"{gid}: several times")
            continue
        day, start, end = slot_rows.iloc[0]
        slot = w.grid.index(Slot(int(day), int(start), int(end)))
        mentor = g["mentor_id"].iloc[0] if settings.led_by_mentors else None
        if settings.led_by_mentors:
            mentors_used.append(mentor)
            if mentor is None or mentor not in w.mentors:
                out.append(f"{gid}: no mentor")
                continue
        out += [
            f"{gid}: {p}"
            for p in group_problems(w, settings, g["student_id"].tolist(), slot, mentor)
        ]
    if len(mentors_used) != len(set(mentors_used)):
        out.append("a mentor leads two groups")
    where = dict(zip(groups["student_id"], groups["group_id"], strict=True))
    for a, b in settings.keep_together:
        if where.get(a) != where.get(b):
            out.append(f"keep-together {a} {b} split")
    return out


def _mentors_fit(w: World, settings: Any, groups: list[list[str]]) -> bool:
    mentors = sorted(w.mentors)
    if len(groups) > len(mentors):
        return False
    for choice in itertools.permutations(mentors, len(groups)):
        if all(
            not group_problems(w, settings, g, None, m) for g, m in zip(groups, choice, strict=True)
        ):
            return True
    return False


def brute_force(w: World, settings: Any) -> tuple[int, float, float]:
    """The lexicographic optimum (placed, worst group score, total over students of their
    group's score) over every plan."""
    crits = criteria(w, settings)
    ids = w.ids
    keep = [(a, b) for a, b in settings.keep_together]
    best: list[tuple[int, float, float]] = [(0, 0.0, 0.0)]
    groups: list[list[str]] = []

    def evaluate() -> None:
        placed = sum(len(g) for g in groups)
        if placed < best[0][0]:
            return
        where = {s: k for k, g in enumerate(groups) for s in g}
        if any(where.get(a) != where.get(b) for a, b in keep):
            return
        if settings.led_by_mentors:
            if any(len(g) < settings.min_size for g in groups):
                return
            if not _mentors_fit(w, settings, groups):
                return
        elif any(group_problems(w, settings, g, None) for g in groups):
            return
        scores = [score(w, crits, g) for g in groups]
        total = sum(len(g) * v for g, v in zip(groups, scores, strict=True))
        value = (placed, round(min(scores, default=0.0), 9), round(total, 9))
        if not groups:
            value = (0, 0.0, 0.0)
        if value > best[0]:
            best[0] = value

    def rec(i: int) -> None:
        if i == len(ids):
            evaluate()
            return
        s = ids[i]
        rec(i + 1)
        for g in groups:
            if len(g) < settings.max_size and not any(frozenset((s, t)) in w.avoid for t in g):
                g.append(s)
                rec(i + 1)
                g.pop()
        groups.append([s])
        rec(i + 1)
        groups.pop()

    rec(0)
    return best[0]


def result_value(w: World, settings: Any, groups: pd.DataFrame) -> tuple[int, float, float]:
    crits = criteria(w, settings)
    scores = [
        (len(g), score(w, crits, g["student_id"].tolist())) for _, g in groups.groupby("group_id")
    ]
    return (
        len(groups),
        round(min((v for _, v in scores), default=0.0), 9),
        round(sum(k * v for k, v in scores), 9),
    )
