"""Re-checking and re-scoring a group plan, and saying why a student was not placed.

:func:`check_groups` re-checks every hard rule on a plan a coordinator edited by hand (moved a
student, changed a meeting time) and returns one message per broken rule, in their words.
:func:`score_groups` scores any plan the same way the solver does.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from workbench.cohort.availability import busy_reasons, free_matrix
from workbench.cohort.domain import DAY_NAMES, DAYS, Cohort, Slot
from workbench.schemes.groups.rules import attribute_word, describe_value
from workbench.schemes.groups.settings import GroupSettings

if TYPE_CHECKING:
    from workbench.schemes.groups.prepare import Instance


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
    from workbench.schemes.groups.prepare import prepare

    inst = instance if instance is not None else prepare(cohort, settings)
    groups, messages = _read_plan(groups_frame)
    known = set(cohort.students["student_id"])
    pool = set(inst.pool_ids)
    where: dict[str, list[str]] = {}
    for gid, rows in groups.items():
        for row in rows:
            where.setdefault(row["student_id"], []).append(gid)
    for sid, gids in where.items():
        if sid not in known:
            messages.append(f"{sid} is not a student of the cohort.")
        elif sid not in pool:
            messages.append(f"{sid} is not among the students of {inst.label}.")
        if len(gids) > 1:
            messages.append(f"{sid} is in more than one group ({', '.join(sorted(set(gids)))}).")
    avoid = {
        frozenset(p) for p in cohort.avoid[["student_id_a", "student_id_b"]].itertuples(index=False)
    }
    mentor_caps = dict(
        zip(cohort.mentors["student_id"], cohort.mentors["capacity"].astype(int), strict=True)
    )
    ids = sorted({r["student_id"] for rows in groups.values() for r in rows} & known)
    mentor_ids = sorted(
        {r["mentor_id"] for rows in groups.values() for r in rows if r["mentor_id"]} & known
    )
    everyone = sorted(set(ids) | set(mentor_ids))
    led: dict[str, list[str]] = {}
    lo, hi = settings.min_size, settings.max_size
    # Who is free at each group's meeting time, in one pass over the times used.
    used = sorted({r["slot"] for rows in groups.values() for r in rows if r["slot"] is not None})
    free_at = free_matrix(cohort, everyone, used, inst.intervals) if everyone and used else None
    column = {s: j for j, s in enumerate(used)}
    row = {s: i for i, s in enumerate(everyone)}
    for gid in sorted(groups):
        rows = groups[gid]
        members = [r["student_id"] for r in rows]
        slots = [r["slot"] for r in rows]
        given = [s for s in slots if s is not None]
        slot = given[0] if given else None
        if slot is None:
            messages.append(f"Group {gid} has no meeting time (day, start and end).")
        elif len(set(given)) > 1 or len(given) < len(slots):
            times = ", ".join(sorted({s.label for s in given}))
            messages.append(
                f"Group {gid}: its members have different meeting times ({times}): "
                "a group meets at one time."
            )
        mentors = sorted({r["mentor_id"] for r in rows if r["mentor_id"]})
        mentor = mentors[0] if mentors else None
        if settings.led_by_mentors:
            if not mentors:
                messages.append(f"Group {gid} has no mentor.")
            elif len(mentors) > 1:
                messages.append(f"Group {gid} has more than one mentor ({', '.join(mentors)}).")
        if mentor:
            led.setdefault(mentor, []).append(gid)
        size = len(members)
        cap = hi
        if mentor and mentor in mentor_caps:
            cap = min(hi, mentor_caps[mentor])
        if size < lo or size > hi:
            messages.append(
                f"Group {gid} has {size} student{'s' if size != 1 else ''}: groups have {lo}-{hi}."
            )
        elif size > cap:
            messages.append(
                f"Group {gid} has {size} students: its mentor {mentor} can take at most {cap}."
            )
        if slot is not None:
            for who in [*members, *([mentor] if mentor in row else [])]:
                if who in row and not free_at[row[who], column[slot]]:
                    why = busy_reasons(cohort, who, slot, inst.intervals)
                    role = "mentor " if who == mentor and who not in members else ""
                    messages.append(
                        f"Group {gid}: {role}{who} is not free at {slot.label}"
                        + (f" ({'; '.join(why)})." if why else ".")
                    )
        counts: dict[tuple[str, Any], list[str]] = {}
        for attr, _ in inst.rules.isolation:
            for sid in members:
                value = inst.values.get(sid, {}).get(attr)
                if value is not None:
                    counts.setdefault((attr, value), []).append(sid)
        for (attr, value), holders in counts.items():
            if len(holders) == 1 and size > 1:
                messages.append(
                    f"Group {gid}: {holders[0]} is the only "
                    f"{describe_value(attr, value)} (no-isolation rule on "
                    f"{attribute_word(attr)})."
                )
        people = [*members, *([mentor] if mentor else [])]
        for i, a in enumerate(people):
            for b in people[i + 1 :]:
                if frozenset((a, b)) in avoid:
                    messages.append(f"Group {gid}: {a} and {b} are on the avoid list.")
    for mentor, gids in sorted(led.items()):
        if mentor not in mentor_caps:
            messages.append(f"{mentor} leads {', '.join(gids)} but is not a mentor.")
        elif len(gids) > 1:
            messages.append(f"Mentor {mentor} leads more than one group ({', '.join(gids)}).")
        if mentor in where:
            messages.append(
                f"Mentor {mentor} is also a member of group {', '.join(where[mentor])}."
            )
    for a, b in settings.keep_together:
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


# -- scoring ----------------------------------------------------------------------------------
def score_groups(
    cohort: Cohort,
    settings: GroupSettings,
    groups_frame: pd.DataFrame,
    instance: Instance | None = None,
) -> pd.DataFrame:
    """One row per group: size, meeting time, shared free slots, score (0-1) and each
    criterion's part (0-1), scored exactly as the solver scores."""
    from workbench.schemes.groups.prepare import prepare

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
def explain_unplaced(
    inst: Instance,
    groups: list[tuple[list[int], int, int | None]],
    left: list[int],
    timed_out: bool,
) -> dict[int, str]:
    """Why each unit in ``left`` (placeable, yet not placed) is in no group, in words;
    ``timed_out``: the plan is not proven to place the most students, which is said too."""
    out: dict[int, str] = {}
    lo = inst.settings.min_size
    used_mentors = {m for _, _, m in groups if m is not None}
    shared = []
    for units, _, mentor in groups:
        free = inst.unit_free[units].all(axis=0)
        if mentor is not None:
            free = free & inst.mentors[mentor].free
        shared.append(free)
    for u in left:
        mine = inst.unit_free[u]
        tally: Counter[str] = Counter()
        candidates = 0
        for (units, _, mentor), free in zip(groups, shared, strict=True):
            if not (free & mine).any():
                continue
            candidates += 1
            size = inst.students(units) + inst.size(u)
            cap = inst.mentors[mentor].cap if mentor is not None else inst.settings.max_size
            if size > cap:
                tally["full"] += 1
                continue
            counts: dict[tuple[str, Any], int] = {}
            for w in [*units, u]:
                for key, k in inst.unit_counts[w].items():
                    counts[key] = counts.get(key, 0) + k
            alone = inst.rules.isolated(counts)
            if alone:
                attr, value = alone[0]
                tally[
                    f"would make them the only {describe_value(attr, value)} "
                    f"(no-isolation rule on {attribute_word(attr)})"
                ] += 1
                continue
            members = set(units)
            if any((min(u, w), max(u, w)) in inst.avoid_units for w in members) or (
                mentor is not None and u in inst.mentors[mentor].avoid_units
            ):
                tally["avoid"] += 1
                continue
            tally["could take them"] += 1
        if candidates:
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
            reason = (
                f"none of the {candidates} group{'s' if candidates > 1 else ''} that can "
                f"meet when they are free could take them: {'; '.join(parts)}"
            )
            if inst.settings.led_by_mentors and not any(
                (m.free & mine).any() for j, m in enumerate(inst.mentors) if j not in used_mentors
            ):
                reason += "; no other mentor is free to lead a group when they are"
        else:
            best = 0
            for s in np.flatnonzero(mine):
                best = max(best, sum(inst.size(w) for w in left if w != u and inst.unit_free[w, s]))
            if best < lo - inst.size(u):
                reason = (
                    f"free at none of the times the groups meet, and fewer than "
                    f"{lo - inst.size(u)} other unplaced students share a free time with "
                    "them"
                )
            elif inst.settings.led_by_mentors and not any(
                (m.free & mine).any() for j, m in enumerate(inst.mentors) if j not in used_mentors
            ):
                reason = "no mentor is left who is free when they are"
            else:
                reason = (
                    "no group could be formed with the other unplaced students free when "
                    "they are without breaking a rule (group size, no-isolation, avoid "
                    "list)"
                )
        if timed_out:
            reason += (
                " (not proven: the time limit was reached before the plan was shown to "
                "place the most students)"
            )
        out[u] = reason
    return out
