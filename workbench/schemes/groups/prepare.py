"""From a cohort and settings to a group-formation instance.

Chooses the students, joins keep-together students into units, reads who is free when, and sets
aside (with the reason in words) every unit that no plan could place: no free slot, too few
others free when they are, a mentor-led group with no mentor free, or the only student of a
value under a no-isolation rule. What is left is *placeable* (a necessary condition only: the
solver may still find some of them cannot be placed, and says why).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench.cohort.availability import busy_intervals, free_matrix
from workbench.cohort.domain import Cohort, Slot
from workbench.schemes.groups.rules import (
    LIST_ATTRIBUTES,
    Rules,
    attribute_word,
    clean_value,
    describe_value,
    make_rules,
)
from workbench.schemes.groups.settings import GroupSettings


@dataclass
class Mentor:
    student_id: str
    cap: int  # largest group they may lead: min(capacity, largest group size)
    free: np.ndarray  # over the grid
    avoid_units: frozenset[int] = frozenset()


@dataclass
class Instance:
    """Everything the solver and the explanations need, indexed by unit."""

    cohort: Cohort
    settings: GroupSettings
    label: str
    pool_ids: list[str]
    values: dict[str, dict[str, Any]]  # student -> attribute -> cleaned value
    rules: Rules
    grid: list[Slot]
    units: list[tuple[str, ...]]
    unit_free: np.ndarray  # units x grid
    unit_counts: list[dict[tuple[str, Any], int]]
    avoid_units: set[tuple[int, int]]
    mentors: list[Mentor]
    reasons: dict[int, str] = field(default_factory=dict)  # unit -> why it cannot be placed
    notes: list[str] = field(default_factory=list)
    intervals: pd.DataFrame | None = None

    @property
    def placeable(self) -> list[int]:
        return [u for u in range(len(self.units)) if u not in self.reasons]

    def size(self, u: int) -> int:
        return len(self.units[u])

    def students(self, units: list[int]) -> int:
        return sum(len(self.units[u]) for u in units)


def select_pool(cohort: Cohort, settings: GroupSettings) -> tuple[list[str], str]:
    """The students to group and the pool's name in words; ValueError when nobody matches."""
    students = cohort.students
    if not (settings.module or settings.programme or settings.level):
        raise ValueError("choose the students: a module, or a programme and/or a level")
    if settings.module:
        codes = set(cohort.enrolments["module_code"]) | set(cohort.modules["module_code"])
        code = settings.module
        if code not in codes:
            folded = {c.casefold(): c for c in codes}
            if code.casefold() not in folded:
                raise ValueError(f"unknown module {code}: not in modules or enrolments")
            code = folded[code.casefold()]
        ids = cohort.enrolments.loc[cohort.enrolments["module_code"] == code, "student_id"]
        ids = sorted(set(ids) & set(students["student_id"]))
        if not ids:
            raise ValueError(f"nobody is enrolled on {code}")
        return ids, code
    mask = pd.Series(True, index=students.index)
    words = []
    if settings.programme:
        programmes = {str(p).casefold(): p for p in students["programme"].dropna().unique()}
        if settings.programme.casefold() not in programmes:
            raise ValueError(
                f"unknown programme '{settings.programme}' (the cohort has: "
                f"{', '.join(sorted(map(str, programmes.values())))})"
            )
        name = programmes[settings.programme.casefold()]
        mask &= students["programme"] == name
        words.append(str(name))
    if settings.level:
        mask &= students["level"] == settings.level
        words.append(settings.level)
    ids = sorted(students.loc[mask, "student_id"])
    label = " ".join(words)
    if not ids:
        raise ValueError(f"no student is in {label}")
    return ids, label


def check_attributes(cohort: Cohort, settings: GroupSettings) -> None:
    """ValueError naming any attribute the cohort does not have."""
    known = [c for c in cohort.students.columns if c != "student_id"]
    for key in ("similar", "diverse", "no_isolation"):
        for attr in getattr(settings, key):
            if attr not in known:
                raise ValueError(
                    f"unknown attribute '{attr}' in {key.replace('_', '-')} "
                    f"(use one of: {', '.join(known)})"
                )
    lists = [a for a in settings.no_isolation if a in LIST_ATTRIBUTES]
    if lists:
        raise ValueError(
            f"no-isolation applies to one-value attributes, not to "
            f"{', '.join(lists)} (a list per student)"
        )


def _units(pool_ids: list[str], pairs: list[tuple[str, str]]) -> list[tuple[str, ...]]:
    parent = {s: s for s in pool_ids}

    def find(s: str) -> str:
        while parent[s] != s:
            parent[s] = parent[parent[s]]
            s = parent[s]
        return s

    for a, b in pairs:
        if a in parent and b in parent:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    members: dict[str, list[str]] = {}
    for s in pool_ids:
        members.setdefault(find(s), []).append(s)
    return sorted((tuple(sorted(m)) for m in members.values()), key=lambda u: u[0])


def _check_keep_together(cohort: Cohort, settings: GroupSettings) -> None:
    known = set(cohort.students["student_id"])
    for a, b in settings.keep_together:
        for s in (a, b):
            if s not in known:
                raise ValueError(f"keep together: unknown student {s}")


def _pool_values(
    cohort: Cohort, settings: GroupSettings, pool_ids: list[str]
) -> tuple[dict[str, dict[str, Any]], pd.DataFrame]:
    """Each pool student's cleaned value of every attribute the rules use, per student and as
    a table."""
    attrs = list(dict.fromkeys([*settings.similar, *settings.diverse, *settings.no_isolation]))
    frame = cohort.students.set_index("student_id").loc[pool_ids]
    values: dict[str, dict[str, Any]] = {s: {} for s in pool_ids}
    pool = pd.DataFrame({"student_id": pool_ids})
    for attr in attrs:
        is_list = attr in LIST_ATTRIBUTES
        cleaned = [clean_value(v, is_list) for v in frame[attr].tolist()]
        pool[attr] = pd.Series(cleaned, dtype=object)
        for s, v in zip(pool_ids, cleaned, strict=True):
            values[s][attr] = v
    return values, pool


def _keep_together_reasons(
    settings: GroupSettings,
    in_pool: set[str],
    unit_of: dict[str, int],
    label: str,
    notes: list[str],
) -> dict[int, str]:
    """Units kept together with someone outside the pool (pairs wholly outside: a note)."""
    reasons: dict[int, str] = {}
    for a, b in settings.keep_together:
        if (a in in_pool) != (b in in_pool):
            inside, outside = (a, b) if a in in_pool else (b, a)
            reasons[unit_of[inside]] = (
                f"to be kept together with {outside}, who is not among the students of {label}"
            )
        elif a not in in_pool:
            notes.append(f"Keep-together pair {a} and {b} is not in {label}: ignored.")
    return reasons


def _avoid_pairs(
    cohort: Cohort, unit_of: dict[str, int], reasons: dict[int, str]
) -> tuple[set[tuple[int, int]], dict[str, set[int]]]:
    """Pairs of units to keep apart, and the units each outsider (a mentor) is to avoid; a unit
    kept together with someone it is to avoid gets its reason."""
    avoid_units: set[tuple[int, int]] = set()
    mentor_avoid: dict[str, set[int]] = {}
    for a, b in cohort.avoid[["student_id_a", "student_id_b"]].itertuples(index=False):
        if a in unit_of and b in unit_of:
            ua, ub = unit_of[a], unit_of[b]
            if ua == ub:
                reasons[ua] = f"{a} and {b} are to be kept together but are also on the avoid list"
            else:
                avoid_units.add((min(ua, ub), max(ua, ub)))
        elif a in unit_of or b in unit_of:
            inside, other = (a, b) if a in unit_of else (b, a)
            mentor_avoid.setdefault(other, set()).add(unit_of[inside])
    return avoid_units, mentor_avoid


def _unit_reasons(
    settings: GroupSettings,
    units: list[tuple[str, ...]],
    unit_free: np.ndarray,
    reasons: dict[int, str],
) -> None:
    """Units too large for a group or never free (their reason added to ``reasons``)."""
    for u, members in enumerate(units):
        if u in reasons:
            continue
        if len(members) > settings.max_size:
            reasons[u] = (
                f"kept together with {len(members) - 1} others: more than the "
                f"largest group ({settings.max_size})"
            )
        elif not unit_free[u].any():
            reasons[u] = (
                f"not free at any time of the grid ({settings.describe_grid()})"
                if len(members) == 1
                else f"kept together with {', '.join(members[1:])} but they share no "
                "free time in the grid"
            )


def prepare(cohort: Cohort, settings: GroupSettings) -> Instance:
    """Build the instance; ValueError on bad input (unknown module, attribute, student)."""
    check_attributes(cohort, settings)
    pool_ids, label = select_pool(cohort, settings)
    in_pool = set(pool_ids)
    _check_keep_together(cohort, settings)
    values, pool = _pool_values(cohort, settings, pool_ids)
    notes: list[str] = []
    if "timetable" not in cohort.supplied:
        notes.append(
            "No timetable was loaded: only the students' own commitments (busy) "
            "decide who is free when."
        )
    grid = settings.slots()
    intervals = busy_intervals(cohort)
    free = free_matrix(cohort, pool_ids, grid, intervals)
    row = {s: i for i, s in enumerate(pool_ids)}
    units = _units(pool_ids, settings.keep_together)
    unit_of = {s: u for u, members in enumerate(units) for s in members}
    unit_free = np.array([free[[row[s] for s in m]].all(axis=0) for m in units], dtype=bool)
    unit_free = unit_free.reshape(len(units), len(grid))

    reasons = _keep_together_reasons(settings, in_pool, unit_of, label, notes)
    avoid_units, mentor_avoid = _avoid_pairs(cohort, unit_of, reasons)
    _unit_reasons(settings, units, unit_free, reasons)

    mentors: list[Mentor] = []
    if settings.led_by_mentors:
        mentors = _mentors(cohort, settings, in_pool, grid, intervals, mentor_avoid, notes)

    rules, rule_notes = make_rules(
        pool,
        settings.min_size,
        settings.max_size,
        settings.similar,
        settings.diverse,
        settings.no_isolation,
    )
    unit_counts = [rules.counts([values[s] for s in m]) for m in units]
    inst = Instance(
        cohort,
        settings,
        label,
        pool_ids,
        values,
        rules,
        grid,
        units,
        unit_free,
        unit_counts,
        avoid_units,
        mentors,
        reasons,
        notes,
        intervals,
    )
    inst.notes.extend(rule_notes)
    _prefilter(inst)
    return inst


def _mentors(
    cohort: Cohort,
    settings: GroupSettings,
    in_pool: set[str],
    grid: list[Slot],
    intervals: pd.DataFrame,
    mentor_avoid: dict[str, set[int]],
    notes: list[str],
) -> list[Mentor]:
    table = cohort.mentors.sort_values("student_id")
    members = table[table["student_id"].isin(in_pool)]
    if len(members):
        notes.append(
            f"{len(members)} mentor(s) are among the students being grouped: they "
            "join groups as members, not as leaders."
        )
    table = table[~table["student_id"].isin(in_pool)]
    small = table[table["capacity"] < settings.min_size]
    if len(small):
        notes.append(
            f"{len(small)} mentor(s) have a capacity below the smallest group size "
            f"({settings.min_size}) and cannot lead a group."
        )
    table = table[table["capacity"] >= settings.min_size]
    if table.empty:
        notes.append("No mentor can lead a group.")
        return []
    ids = table["student_id"].tolist()
    free = free_matrix(cohort, ids, grid, intervals)
    return [
        Mentor(s, int(min(cap, settings.max_size)), free[i], frozenset(mentor_avoid.get(s, set())))
        for i, (s, cap) in enumerate(zip(ids, table["capacity"].astype(int), strict=True))
    ]


def _prefilter(inst: Instance) -> None:
    """Set aside units no plan can place, repeating until nothing changes."""
    settings, rules = inst.settings, inst.rules
    need = settings.min_size
    others = need - 1
    mentor_free = (
        np.array([m.free for m in inst.mentors], dtype=bool).reshape(
            len(inst.mentors), len(inst.grid)
        )
        if inst.mentors
        else None
    )
    changed = True
    while changed:
        changed = False
        live = inst.placeable
        if not live:
            break
        sizes = np.array([inst.size(u) for u in live])
        support = (inst.unit_free[live] * sizes[:, None]).sum(axis=0)
        usable = support >= need
        if settings.led_by_mentors:
            led = (
                mentor_free.any(axis=0)
                if mentor_free is not None
                else np.zeros(len(inst.grid), dtype=bool)
            )
            usable &= led
        for u in live:
            if (inst.unit_free[u] & usable).any():
                continue
            if settings.led_by_mentors and not (inst.unit_free[u] & (support >= need)).any():
                inst.reasons[u] = f"free at no slot shared with {others} others in {inst.label}"
            elif settings.led_by_mentors:
                inst.reasons[u] = "no mentor who can lead a group is free when they are"
            else:
                inst.reasons[u] = f"free at no slot shared with {others} others in {inst.label}"
            changed = True
        if changed:
            continue
        # No-isolation: the only student of a value can never be in a group.
        for attr, _ in rules.isolation:
            counts: dict[Any, list[int]] = {}
            for u in inst.placeable:
                for s in inst.units[u]:
                    v = inst.values[s].get(attr)
                    if v is not None:
                        counts.setdefault(v, []).append(u)
            for v, holders in counts.items():
                if len(holders) == 1:
                    u = holders[0]
                    members = inst.units[u]
                    who = ""
                    if len(members) > 1:
                        holder = next(s for s in members if inst.values[s].get(attr) == v)
                        others = ", ".join(s for s in members if s != holder)
                        who = f"{holder} (kept together with {others}) is "
                    inst.reasons[u] = (
                        f"{who}the only {describe_value(attr, v)} in {inst.label} who could be "
                        f"placed: any group would isolate them (no-isolation rule on "
                        f"{attribute_word(attr)})"
                    )
                    changed = True
