"""Re-checking and re-scoring a group plan, and saying why a student was not placed.

:func:`check_groups` re-checks every hard rule on a plan a coordinator edited by hand (moved a
student, changed a meeting time) and returns one message per broken rule, in their words.
:func:`score_groups` scores any plan the same way the solver does.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench.cohort.availability import busy_reasons, free_matrix
from workbench.cohort.domain import DAY_NAMES, DAYS, Cohort, Slot
from workbench.schemes.groups.prepare import Instance, prepare
from workbench.schemes.groups.rules import attribute_word, describe_value
from workbench.schemes.groups.settings import GroupSettings


# -- reading a plan ---------------------------------------------------------------------------
def _day(value: Any) -> int | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, (int, np.integer)):
        return int(value) if 0 <= int(value) <= 6 else None
    text = str(value).strip().lower()
    if text.isdigit():
        return int(text) if 0 <= int(text) <= 6 else None
    for i, (short, full) in enumerate(zip(DAYS, DAY_NAMES, strict=True)):
        if text in (short.lower(), full.lower()):
            return i
    return None


def _minutes(value: Any) -> int | None:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, float):
        return int(value)
    text = str(value).strip()
    if text.isdigit():
        return int(text)
    match = re.fullmatch(r"(\d{1,2})[:.](\d{2})", text)
    if match:
        return int(match.group(1)) * 60 + int(match.group(2))
    return None


def _text(value: Any) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def _read_plan(frame: pd.DataFrame) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
    """group_id -> rows (student_id, slot, mentor_id) in file order; problems reading it."""
    problems = []
    missing = [c for c in ("group_id", "student_id") if c not in frame.columns]
    if missing:
        return {}, [f"The plan needs the column(s) {', '.join(missing)}."]
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in frame.to_dict("records"):
        gid, sid = _text(row.get("group_id")), _text(row.get("student_id"))
        if sid is None:
            continue
        if gid is None:
            problems.append(f"{sid} has no group id.")
            continue
        day, start, end = _day(row.get("day")), _minutes(row.get("start")), _minutes(row.get("end"))
        slot = (
            Slot(day, start, end)
            if day is not None and start is not None and end is not None and end > start
            else None
        )
        groups.setdefault(gid, []).append(
            {"student_id": sid, "slot": slot, "mentor_id": _text(row.get("mentor_id"))}
        )
    return groups, problems


# -- checking ---------------------------------------------------------------------------------
@dataclass
class _PlanCheck:
    """A read plan and what its rules are checked against."""

    cohort: Cohort
    settings: GroupSettings
    inst: Instance
    groups: dict[str, list[dict[str, Any]]]
    where: dict[str, list[str]]  # student -> the groups they are a member of
    mentor_caps: dict[str, int]
    avoid: set[frozenset]
    free_at: np.ndarray | None = None
    column: dict[Slot, int] = field(default_factory=dict)
    row: dict[str, int] = field(default_factory=dict)


def _plan_check(
    cohort: Cohort, settings: GroupSettings, inst: Instance, groups: dict[str, list[dict[str, Any]]]
) -> _PlanCheck:
    where: dict[str, list[str]] = {}
    for gid, rows in groups.items():
        for row in rows:
            where.setdefault(row["student_id"], []).append(gid)
    avoid = {
        frozenset(p) for p in cohort.avoid[["student_id_a", "student_id_b"]].itertuples(index=False)
    }
    mentor_caps = dict(
        zip(cohort.mentors["student_id"], cohort.mentors["capacity"].astype(int), strict=True)
    )
    known = set(cohort.students["student_id"])
    ids = sorted({r["student_id"] for rows in groups.values() for r in rows} & known)
    mentor_ids = sorted(
        {r["mentor_id"] for rows in groups.values() for r in rows if r["mentor_id"]} & known
    )
    everyone = sorted(set(ids) | set(mentor_ids))
    # Who is free at each group's meeting time, in one pass over the times used.
    used = sorted({r["slot"] for rows in groups.values() for r in rows if r["slot"] is not None})
    free_at = free_matrix(cohort, everyone, used, inst.intervals) if everyone and used else None
    return _PlanCheck(
        cohort,
        settings,
        inst,
        groups,
        where,
        mentor_caps,
        avoid,
        free_at,
        {s: j for j, s in enumerate(used)},
        {s: i for i, s in enumerate(everyone)},
    )


def _rule_one_group_each(check: _PlanCheck) -> list[str]:
    """Every student of the plan is a student of the pool, in one group at most."""
    messages = []
    known = set(check.cohort.students["student_id"])
    pool = set(check.inst.pool_ids)
    for sid, gids in check.where.items():
        if sid not in known:
            messages.append(f"{sid} is not a student of the cohort.")
        elif sid not in pool:
            messages.append(f"{sid} is not among the students of {check.inst.label}.")
        if len(gids) > 1:
            messages.append(f"{sid} is in more than one group ({', '.join(sorted(set(gids)))}).")
    return messages


def _rule_one_meeting_time(gid: str, rows: list[dict[str, Any]]) -> tuple[Slot | None, list[str]]:
    """A group meets at one time, given on every member's row; returns that time."""
    slots = [r["slot"] for r in rows]
    given = [s for s in slots if s is not None]
    slot = given[0] if given else None
    if slot is None:
        return None, [f"Group {gid} has no meeting time (day, start and end)."]
    if len(set(given)) > 1 or len(given) < len(slots):
        times = ", ".join(sorted({s.label for s in given}))
        return slot, [
            f"Group {gid}: its members have different meeting times ({times}): "
            "a group meets at one time."
        ]
    return slot, []


def _rule_one_mentor(
    settings: GroupSettings, gid: str, rows: list[dict[str, Any]]
) -> tuple[str | None, list[str]]:
    """A mentor-led group has exactly one mentor; returns the group's (first) mentor."""
    mentors = sorted({r["mentor_id"] for r in rows if r["mentor_id"]})
    mentor = mentors[0] if mentors else None
    if not settings.led_by_mentors:
        return mentor, []
    if not mentors:
        return mentor, [f"Group {gid} has no mentor."]
    if len(mentors) > 1:
        return mentor, [f"Group {gid} has more than one mentor ({', '.join(mentors)})."]
    return mentor, []


def _rule_group_size(check: _PlanCheck, gid: str, size: int, mentor: str | None) -> list[str]:
    """A group has min-max students, and no more than its mentor can take."""
    lo, hi = check.settings.min_size, check.settings.max_size
    cap = hi
    if mentor and mentor in check.mentor_caps:
        cap = min(hi, check.mentor_caps[mentor])
    if size < lo or size > hi:
        return [f"Group {gid} has {size} student{'s' if size != 1 else ''}: groups have {lo}-{hi}."]
    if size > cap:
        return [f"Group {gid} has {size} students: its mentor {mentor} can take at most {cap}."]
    return []


def _rule_free_at_meeting(
    check: _PlanCheck, gid: str, members: list[str], mentor: str | None, slot: Slot | None
) -> list[str]:
    """Every member (and the mentor) is free at the group's meeting time."""
    if slot is None:
        return []
    messages = []
    row = check.row
    for who in [*members, *([mentor] if mentor in row else [])]:
        if who in row and not check.free_at[row[who], check.column[slot]]:
            why = busy_reasons(check.cohort, who, slot, check.inst.intervals)
            role = "mentor " if who == mentor and who not in members else ""
            messages.append(
                f"Group {gid}: {role}{who} is not free at {slot.label}"
                + (f" ({'; '.join(why)})." if why else ".")
            )
    return messages


def _rule_no_isolation(check: _PlanCheck, gid: str, members: list[str]) -> list[str]:
    """Nobody is the only member of the group with their value of a no-isolation attribute."""
    counts: dict[tuple[str, Any], list[str]] = {}
    for attr, _ in check.inst.rules.isolation:
        for sid in members:
            value = check.inst.values.get(sid, {}).get(attr)
            if value is not None:
                counts.setdefault((attr, value), []).append(sid)
    return [
        f"Group {gid}: {holders[0]} is the only "
        f"{describe_value(attr, value)} (no-isolation rule on "
        f"{attribute_word(attr)})."
        for (attr, value), holders in counts.items()
        if len(holders) == 1 and len(members) > 1
    ]


def _rule_avoid(check: _PlanCheck, gid: str, members: list[str], mentor: str | None) -> list[str]:
    """No two people on the avoid list in one group (its mentor included)."""
    people = [*members, *([mentor] if mentor else [])]
    return [
        f"Group {gid}: {a} and {b} are on the avoid list."
        for i, a in enumerate(people)
        for b in people[i + 1 :]
        if frozenset((a, b)) in check.avoid
    ]


def _rule_mentor_leads_one(check: _PlanCheck, led: dict[str, list[str]]) -> list[str]:
    """A group's leader is a mentor, leads one group at most and is no member of a group."""
    messages = []
    for mentor, gids in sorted(led.items()):
        if mentor not in check.mentor_caps:
            messages.append(f"{mentor} leads {', '.join(gids)} but is not a mentor.")
        elif len(gids) > 1:
            messages.append(f"Mentor {mentor} leads more than one group ({', '.join(gids)}).")
        if mentor in check.where:
            messages.append(
                f"Mentor {mentor} is also a member of group {', '.join(check.where[mentor])}."
            )
    return messages


def _rule_keep_together(check: _PlanCheck) -> list[str]:
    """Students to be kept together are in the same group, or both in none."""
    messages = []
    where = check.where
    for a, b in check.settings.keep_together:
        ga, gb = where.get(a), where.get(b)
        if ga and gb and set(ga) != set(gb):
            messages.append(
                f"{a} and {b} are to be kept together but are in "
                f"{', '.join(ga)} and {', '.join(gb)}."
            )
        elif bool(ga) != bool(gb):
            inside, outside = (a, b) if ga else (b, a)
            messages.append(
                f"{inside} is in {', '.join(where[inside])} but {outside}, to be "
                "kept together with them, is in no group."
            )
    return messages


def _group_problems(check: _PlanCheck, gid: str, led: dict[str, list[str]]) -> list[str]:
    """The rules on one group, in the order they are reported; notes who leads it in ``led``."""
    rows = check.groups[gid]
    members = [r["student_id"] for r in rows]
    slot, messages = _rule_one_meeting_time(gid, rows)
    mentor, mentor_messages = _rule_one_mentor(check.settings, gid, rows)
    messages += mentor_messages
    if mentor:
        led.setdefault(mentor, []).append(gid)
    messages += _rule_group_size(check, gid, len(members), mentor)
    messages += _rule_free_at_meeting(check, gid, members, mentor, slot)
    messages += _rule_no_isolation(check, gid, members)
    messages += _rule_avoid(check, gid, members, mentor)
    return messages


def check_groups(
    cohort: Cohort,
    settings: GroupSettings,
    groups_frame: pd.DataFrame,
    instance: Instance | None = None,
) -> list[str]:
    """Every hard rule a (hand-edited) plan breaks, one message each; [] when it keeps them all.

    ``groups_frame`` has group_id and student_id, the meeting day (0-6 or Mon..Sun), start and
    end (minutes or HH:MM), and mentor_id for mentor-led groups.
    """
    inst = instance if instance is not None else prepare(cohort, settings)
    groups, messages = _read_plan(groups_frame)
    check = _plan_check(cohort, settings, inst, groups)
    messages += _rule_one_group_each(check)
    led: dict[str, list[str]] = {}
    for gid in sorted(groups):
        messages += _group_problems(check, gid, led)
    messages += _rule_mentor_leads_one(check, led)
    messages += _rule_keep_together(check)
    return messages


# -- scoring ----------------------------------------------------------------------------------
def score_groups(
    cohort: Cohort,
    settings: GroupSettings,
    groups_frame: pd.DataFrame,
    instance: Instance | None = None,
) -> pd.DataFrame:
    """One row per group: size, meeting time, shared free slots, score (0-1) and each
    criterion's part (0-1), scored exactly as the solver scores."""
    inst = instance if instance is not None else prepare(cohort, settings)
    rules = inst.rules
    groups, _ = _read_plan(groups_frame)
    labels = [c.label for c in rules.criteria]
    columns = [
        "group_id",
        "size",
        "day",
        "start",
        "end",
        "slot",
        "mentor_id",
        "shared_slots",
        "score",
        *labels,
    ]
    everyone = sorted(
        {r["student_id"] for rows in groups.values() for r in rows}
        | {r["mentor_id"] for rows in groups.values() for r in rows if r["mentor_id"]}
    )
    known = set(cohort.students["student_id"])
    everyone = [s for s in everyone if s in known]
    free = free_matrix(cohort, everyone, inst.grid, inst.intervals) if everyone else None
    row_of = {s: i for i, s in enumerate(everyone)}
    rows = []
    for gid in sorted(groups):
        members = [r["student_id"] for r in groups[gid]]
        slot = next((r["slot"] for r in groups[gid] if r["slot"] is not None), None)
        mentor = next((r["mentor_id"] for r in groups[gid] if r["mentor_id"]), None)
        counts = rules.counts([inst.values.get(s, {}) for s in members])
        parts = rules.parts(counts)
        who = [row_of[s] for s in [*members, *([mentor] if mentor else [])] if s in row_of]
        shared = int(free[who].all(axis=0).sum()) if who and free is not None else 0
        row = {
            "group_id": gid,
            "size": len(members),
            "day": None if slot is None else slot.day,
            "start": None if slot is None else slot.start,
            "end": None if slot is None else slot.end,
            "slot": None if slot is None else slot.label,
            "mentor_id": mentor,
            "shared_slots": shared,
            "score": rules.score(counts) / rules.top,
        }
        for c, part in zip(rules.criteria, parts, strict=True):
            row[c.label] = part / (c.cap - 1)
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)


# -- explaining -------------------------------------------------------------------------------
def _group_refusal(inst: Instance, u: int, units: list[int], mentor: int | None) -> str:
    """Why a group that meets when unit ``u`` is free would not take them (in words, for the
    tally), or "could take them"."""
    size = inst.students(units) + inst.size(u)
    cap = inst.mentors[mentor].cap if mentor is not None else inst.settings.max_size
    if size > cap:
        return "full"
    counts: dict[tuple[str, Any], int] = {}
    for w in [*units, u]:
        for key, k in inst.unit_counts[w].items():
            counts[key] = counts.get(key, 0) + k
    alone = inst.rules.isolated(counts)
    if alone:
        attr, value = alone[0]
        return (
            f"would make them the only {describe_value(attr, value)} "
            f"(no-isolation rule on {attribute_word(attr)})"
        )
    members = set(units)
    if any((min(u, w), max(u, w)) in inst.avoid_units for w in members) or (
        mentor is not None and u in inst.mentors[mentor].avoid_units
    ):
        return "avoid"
    return "could take them"


def _tally_words(tally: Counter[str]) -> list[str]:
    parts = []
    for what, k in tally.most_common():
        if what == "full":
            parts.append(f"{k} {'is' if k == 1 else 'are'} full")
        elif what == "avoid":
            parts.append(f"{k} include{'s' if k == 1 else ''} someone they are to avoid")
        elif what == "could take them":
            parts.append(f"{k} could take them (a longer run may place them)")
        else:
            parts.append(f"{k} {what}")
    return parts


def _no_mentor_left(inst: Instance, mine: np.ndarray, used_mentors: set[int]) -> bool:
    """Mentor-led groups, and no mentor leading no group is free when the unit is."""
    return inst.settings.led_by_mentors and not any(
        (m.free & mine).any() for j, m in enumerate(inst.mentors) if j not in used_mentors
    )


def _why_no_new_group(
    inst: Instance, u: int, left: list[int], mine: np.ndarray, used_mentors: set[int]
) -> str:
    """Why unit ``u``, free when no group meets, is not in a new group either."""
    lo = inst.settings.min_size
    best = 0
    for s in np.flatnonzero(mine):
        best = max(best, sum(inst.size(w) for w in left if w != u and inst.unit_free[w, s]))
    if best < lo - inst.size(u):
        return (
            f"free at none of the times the groups meet, and fewer than "
            f"{lo - inst.size(u)} other unplaced students share a free time with "
            "them"
        )
    if _no_mentor_left(inst, mine, used_mentors):
        return "no mentor is left who is free when they are"
    return (
        "no group could be formed with the other unplaced students free when "
        "they are without breaking a rule (group size, no-isolation, avoid "
        "list)"
    )


def explain_unplaced(
    inst: Instance,
    groups: list[tuple[list[int], int, int | None]],
    left: list[int],
    timed_out: bool,
) -> dict[int, str]:
    """Why each unit in ``left`` (placeable, yet not placed) is in no group, in words;
    ``timed_out``: the plan is not proven to place the most students, which is said too."""
    out: dict[int, str] = {}
    used_mentors = {m for _, _, m in groups if m is not None}
    shared = []
    for units, _, mentor in groups:
        free = inst.unit_free[units].all(axis=0)
        if mentor is not None:
            free = free & inst.mentors[mentor].free
        shared.append(free)
    for u in left:
        mine = inst.unit_free[u]
        tally: Counter[str] = Counter(
            _group_refusal(inst, u, units, mentor)
            for (units, _, mentor), free in zip(groups, shared, strict=True)
            if (free & mine).any()
        )
        candidates = sum(tally.values())
        if candidates:
            reason = (
                f"none of the {candidates} group{'s' if candidates > 1 else ''} that can "
                f"meet when they are free could take them: {'; '.join(_tally_words(tally))}"
            )
            if _no_mentor_left(inst, mine, used_mentors):
                reason += "; no other mentor is free to lead a group when they are"
        else:
            reason = _why_no_new_group(inst, u, left, mine, used_mentors)
        if timed_out:
            reason += (
                " (not proven: the time limit was reached before the plan was shown to "
                "place the most students)"
            )
        out[u] = reason
    return out
