"""Shared helpers for the mentoring tests: tiny cohorts, an independent rule checker and
scorer, brute force and an augmenting-path maximum b-matching (no workbench code reused)."""

from __future__ import annotations

import itertools
from typing import Any

from workbench.cohort.domain import LEVEL_RANK, Cohort
from workbench.cohort.validation import cohort_from_records

WEIGHT_NAMES = (
    "same_programme",
    "same_faculty",
    "shared_interests",
    "shared_language",
    "same_home_status",
    "first_generation",
    "commuter",
    "preference",
)


def student(sid: str, programme: str = "Physics", level: str = "UG1", **extra: Any) -> dict:
    return {"student_id": sid, "programme": programme, "level": level, **extra}


def cohort(
    students: list[dict],
    mentors: dict[str, int],
    mentees: list[str],
    avoid: list[tuple[str, str]] = (),
    preferences: list[tuple[str, str, int]] = (),
) -> Cohort:
    """A validated cohort from plain lists (mentors: id -> capacity)."""
    tables: dict[str, list[dict]] = {"students": students}
    if mentors:
        tables["mentors"] = [{"student_id": k, "capacity": v} for k, v in mentors.items()]
    if mentees:
        tables["mentees"] = [{"student_id": k} for k in mentees]
    if avoid:
        tables["avoid"] = [{"student_id_a": a, "student_id_b": b} for a, b in avoid]
    if preferences:
        tables["preferences"] = [
            {"student_id": a, "prefers_id": b, "rank": r} for a, b, r in preferences
        ]
    return cohort_from_records(**tables)


def _info(c: Cohort) -> dict[str, dict]:
    out = {}
    for s in c.student_models():
        out[s.student_id] = s
    return out


def eligible(c: Cohort, rule: str = "programme", gap: int = 1) -> set[tuple[str, str]]:
    """Every (mentee, mentor) pair that passes the hard rules, checked one pair at a time."""
    info = _info(c)
    avoid = {(a, b) for a, b in zip(c.avoid["student_id_a"], c.avoid["student_id_b"], strict=True)}
    out = set()
    for e in c.mentees["student_id"]:
        for m in c.mentors["student_id"]:
            se, sm = info[e], info[m]
            if e == m or (e, m) in avoid or (m, e) in avoid:
                continue
            if LEVEL_RANK[sm.level] - LEVEL_RANK[se.level] < gap:
                continue
            if rule == "programme" and se.programme != sm.programme:
                continue
            if rule == "faculty":
                fe = se.faculty if se.faculty is not None else "programme:" + se.programme
                fm = sm.faculty if sm.faculty is not None else "programme:" + sm.programme
                if fe != fm:
                    continue
            out.add((e, m))
    return out


def score(c: Cohort, e: str, m: str, weights: dict[str, float]) -> float:
    """The compatibility score of one pair, computed directly from the definitions."""
    info = _info(c)
    se, sm = info[e], info[m]
    ranked = c.preferences[c.preferences["student_id"] == e]
    ranked = ranked[ranked["prefers_id"].isin(set(c.mentors["student_id"]))]
    ranks = sorted(set(ranked["rank"]))
    mine = ranked[ranked["prefers_id"] == m]
    pref = 1 / (ranks.index(int(mine["rank"].iloc[0])) + 1) if len(mine) else 0.0
    home = (
        se.home_status is not None
        and sm.home_status is not None
        and se.home_status.lower() == sm.home_status.lower()
    )
    values = {
        "same_programme": float(se.programme == sm.programme),
        "same_faculty": float(se.faculty is not None and se.faculty == sm.faculty),
        "shared_interests": min(len(set(se.interests) & set(sm.interests)), 3) / 3,
        "shared_language": float(bool(set(se.languages) & set(sm.languages))),
        "same_home_status": float(home),
        "first_generation": float(bool(se.first_generation) and bool(sm.first_generation)),
        "commuter": float(bool(se.commuter) and bool(sm.commuter)),
        "preference": pref,
    }
    return sum(round(weights[k] * v * 1000) for k, v in values.items()) / 1000


def check_plan(c: Cohort, matches, rule: str = "programme", gap: int = 1) -> None:
    """Assert the hard rules: eligible pairs only, one mentor per mentee, capacities."""
    pairs = list(zip(matches["mentee_id"], matches["mentor_id"], strict=True))
    ok = eligible(c, rule, gap)
    bad = [p for p in pairs if p not in ok]
    assert not bad, f"pairs breaking a hard rule: {bad}"
    assert len({e for e, _ in pairs}) == len(pairs), "a mentee has two mentors"
    cap = dict(zip(c.mentors["student_id"], c.mentors["capacity"], strict=True))
    load: dict[str, int] = {}
    for _, m in pairs:
        load[m] = load.get(m, 0) + 1
    assert all(load[m] <= cap[m] for m in load), f"over capacity: {load} vs {cap}"


def all_matchings(mentees: list[str], mentors: dict[str, int], pairs: set[tuple[str, str]]):
    """Every feasible matching (as a list of pairs) by brute force."""
    options = [[None] + [m for m in mentors if (e, m) in pairs] for e in mentees]
    for choice in itertools.product(*options):
        load: dict[str, int] = {}
        ok = True
        for m in choice:
            if m is not None:
                load[m] = load.get(m, 0) + 1
                if load[m] > mentors[m]:
                    ok = False
                    break
        if ok:
            yield [(e, m) for e, m in zip(mentees, choice, strict=True) if m is not None]


def max_b_matching(mentees: list[str], mentors: dict[str, int], pairs: set[tuple[str, str]]) -> int:
    """Size of a maximum b-matching by augmenting paths (mentor copies per place)."""
    adj: dict[str, list[tuple[str, int]]] = {e: [] for e in mentees}
    for e, m in sorted(pairs):
        for slot in range(mentors[m]):
            adj[e].append((m, slot))
    owner: dict[tuple[str, int], str] = {}

    def augment(e: str, seen: set) -> bool:
        for place in adj[e]:
            if place in seen:
                continue
            seen.add(place)
            if place not in owner or augment(owner[place], seen):
                owner[place] = e
                return True
        return False

    import sys

    sys.setrecursionlimit(max(10_000, sys.getrecursionlimit()))
    return sum(augment(e, set()) for e in mentees)
