"""A mentoring plan's verdict: how many mentees it matches, why the rest are not, and fixes
measured by solving again (mentors recruited on a programme, one more mentee per mentor, a
broader matching rule)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator

import pandas as pd

from workbench.cohort.domain import LEVEL_RANK, LEVELS, Cohort
from workbench.outcomes.costs import cost_of_mentors
from workbench.schemes.mentoring.blocks import count_pairs_in_scope
from workbench.schemes.mentoring.large_solve import solve_large
from workbench.schemes.mentoring.scoring import build_people
from workbench.schemes.mentoring.solve import MentoringResult, MentoringSettings, solve_mentoring
from workbench.schemes.verdict import (
    Candidate,
    Verdict,
    fix_budget,
    level_of,
    listing,
    measure_fixes,
    share,
)

UNIT = "mentees"
SLOW_SOLVE = 10.0  # seconds: a plan slower than this to solve gets no measured fixes
MAX_PROGRAMMES = 3  # fixes are tried for the programmes with the most unmatched mentees
WIDER_MAX_PAIRS = 4_000_000  # the faculty-rule fix is tried up to this many pairs (about 5 s)


def headline(result: MentoringResult) -> str:
    """One sentence: how many mentees are matched and the main reason the rest are not."""
    matched, mentees = result.matched, result.mentees
    if not mentees:
        return "There are no mentees to match."
    text = f"{matched:,} of {mentees:,} mentees matched ({share(matched, mentees)})"
    if matched == mentees:
        return text + ": every mentee has a mentor."
    unmatched = result.unmatched
    left = mentees - matched
    if len(unmatched) and "reason" in unmatched:
        reason = unmatched["reason"].value_counts().index[0]
        where = _top_groups(unmatched)
        return (
            f"{text}; {left:,} mentee{'s have' if left != 1 else ' has'} no mentor"
            f"{where}, most because {_lower_first(reason)}."
        )
    return f"{text}; {left:,} mentee{'s have' if left != 1 else ' has'} no mentor."


def _top_groups(unmatched: pd.DataFrame) -> str:
    if "programme" not in unmatched or unmatched["programme"].isna().all():
        return ""
    counts = unmatched["programme"].dropna().value_counts()
    parts = [f"{n} in {p}" for p, n in counts.head(3).items()]
    if len(counts) > 3:
        parts.append(f"{int(counts.iloc[3:].sum())} in other programmes")
    return f" ({listing(parts, limit=4)})"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text


# ------------------------------------------------------------------------------ fixes


def with_new_mentors(
    cohort: Cohort, template_id: str, count: int, capacity: int, level: str, tag: str
) -> Cohort:
    """The cohort with ``count`` more mentors like student ``template_id`` (same programme and
    attributes) at ``level``, each taking ``capacity`` mentees."""
    students = cohort.students
    template = students.loc[students["student_id"] == template_id].iloc[0]
    ids = [f"new-mentor-{tag}-{i + 1}" for i in range(count)]
    rows = pd.DataFrame([template] * count).assign(student_id=ids, level=level)
    mentor_row = {col: None for col in cohort.mentors.columns}
    mentors = pd.DataFrame([{**mentor_row, "student_id": i, "capacity": capacity} for i in ids])
    return cohort.model_copy(
        update={
            "students": pd.concat([students, rows], ignore_index=True),
            "mentors": pd.concat([cohort.mentors, mentors], ignore_index=True),
        }
    )


def with_more_capacity(cohort: Cohort, programme: str) -> Cohort:
    """The cohort with every mentor on ``programme`` taking one more mentee."""
    on_programme = cohort.students.loc[cohort.students["programme"] == programme, "student_id"]
    mentors = cohort.mentors.copy()
    chosen = mentors["student_id"].isin(set(on_programme))
    mentors.loc[chosen, "capacity"] = mentors.loc[chosen, "capacity"] + 1
    return cohort.model_copy(update={"mentors": mentors})


def _matched(cohort: Cohort, settings: MentoringSettings) -> int:
    return solve_mentoring(cohort, settings).matched


def _scope_keys(students: pd.DataFrame, rule: str) -> pd.Series:
    """Each student's scope under ``rule``, as the solve keys it (``People.scope_code``): the
    programme, the faculty (a student with none: their programme's own), or one for all."""
    if rule == "programme":
        return students["programme"].astype(object)
    if rule == "faculty":
        faculty = students["faculty"].astype(object)
        return faculty.where(faculty.notna(), "programme:" + students["programme"].astype(object))
    return pd.Series("all", index=students.index, dtype=object)


def _separable(settings: MentoringSettings) -> bool:
    """Whether the matched count is the sum of each scope's own: coverage comes first (as many
    mentees as possible, a scope's maximum whatever the others do) and no pair is locked."""
    return settings.objective in ("coverage", "fairness") and not settings.locked_pairs


def _within(cohort: Cohort, rule: str, keys: set) -> Cohort:
    """The cohort's students in the scopes ``keys`` (under ``rule``) with their mentees,
    mentors, avoid list and preferences: no pair crosses a scope, so they plan alone."""
    students = cohort.students
    inside = _scope_keys(students, rule).isin(keys).to_numpy()
    ids = set(students.loc[inside, "student_id"])

    def rows(table: pd.DataFrame, *columns: str) -> pd.DataFrame:
        keep = table[columns[0]].isin(ids)
        for column in columns[1:]:
            keep &= table[column].isin(ids)
        return table.loc[keep].reset_index(drop=True)

    return cohort.model_copy(
        update={
            "students": students.loc[inside].reset_index(drop=True),
            "mentees": rows(cohort.mentees, "student_id"),
            "mentors": rows(cohort.mentors, "student_id"),
            "avoid": rows(cohort.avoid, "student_id_a", "student_id_b"),
            "preferences": rows(cohort.preferences, "student_id", "prefers_id"),
        }
    )


def _reach(
    cohort: Cohort,
    result: MentoringResult,
    settings: MentoringSettings,
    change: tuple[str, set, Callable[[Cohort], Cohort]],
) -> int:
    """Mentees matched with a change, solving again only the scopes it touches when the count
    is separable (``change``: the rule, the scopes under it, the changed cohort): the plan's
    matches elsewhere stand (at 40,000 students one programme plans in a tenth of a second,
    the whole cohort in 2-3 s)."""
    rule, keys, changed = change
    plain = settings.model_copy(update={"locked_pairs": [], "previous_pairs": [], "rule": rule})
    if settings.objective == "fairness":  # coverage first: the same count, no bisection
        plain = plain.model_copy(update={"objective": "coverage"})
    if not _separable(settings):
        return _matched(changed(cohort), plain)
    students = cohort.students
    scope = dict(zip(students["student_id"], _scope_keys(students, rule), strict=True))
    outside = sum(scope.get(mentee) not in keys for mentee in result.matches["mentee_id"])
    return outside + _matched_by_blocks(changed(_within(cohort, rule, keys)), plain)


def _matched_by_blocks(cohort: Cohort, settings: MentoringSettings) -> int:
    """Mentees matched, priced block by block whatever the size: a few scopes of a large cohort
    are below the block path's threshold, where the whole PuLP model took 4 s for one
    programme and its new mentors (the block path 0.2 s); the count is the same either way."""
    mentees, mentors = build_people(cohort)
    return solve_large(cohort, settings, time.perf_counter(), mentees, mentors).matched


def _mentor_level(unmatched: pd.DataFrame, gap: int) -> str:
    ranks = [LEVEL_RANK.get(level, 0) for level in unmatched["level"].dropna()]
    return LEVELS[min(max(ranks, default=0) + max(gap, 0), len(LEVELS) - 1)]


def _capacity(cohort: Cohort, programme: str) -> int:
    on_programme = set(cohort.students.loc[cohort.students["programme"] == programme, "student_id"])
    caps = cohort.mentors.loc[cohort.mentors["student_id"].isin(on_programme), "capacity"]
    caps = caps if len(caps) else cohort.mentors["capacity"]
    return max(1, int(caps.median())) if len(caps) else 3


def _candidates(
    cohort: Cohort, settings: MentoringSettings, result: MentoringResult
) -> Iterator[Candidate]:
    unmatched = result.unmatched
    if not len(unmatched) or "programme" not in unmatched:
        return
    students, rule = cohort.students, settings.rule

    def reach(keys: set, changed: Callable[[Cohort], Cohort], wider: str = rule) -> int:
        return _reach(cohort, result, settings, (wider, keys, changed))

    groups = sorted(unmatched.groupby("programme", sort=False), key=lambda kv: -len(kv[1]))
    for programme, group in groups[:MAX_PROGRAMMES]:
        capacity = _capacity(cohort, programme)
        count = math.ceil(len(group) / capacity)
        level = _mentor_level(group, settings.min_level_gap)
        template = str(group["mentee_id"].iloc[0])
        words = f"mentor{'s' if count != 1 else ''}"
        at = f"at {level}" if level == LEVELS[-1] else f"at {level} or above"
        keys = set(_scope_keys(students.loc[students["programme"] == programme], rule))
        yield Candidate(
            f"Recruit {count} more {programme} {words} {at} "
            f"(taking {capacity} mentee{'s' if capacity != 1 else ''} each)",
            lambda t=template, n=count, c=capacity, lv=level, p=programme, k=keys: reach(
                k, lambda part: with_new_mentors(part, t, n, c, lv, str(p))
            ),
        )
        yield Candidate(
            f"Ask each {programme} mentor to take one more mentee",
            lambda p=programme, k=keys: reach(k, lambda part: with_more_capacity(part, p)),
        )
    if rule == "programme":
        left = students.loc[students["student_id"].isin(set(unmatched["mentee_id"]))]
        faculties = set(_scope_keys(left, "faculty"))
        if _affordable(_within(cohort, "faculty", faculties), settings):
            yield Candidate(
                "Allow mentors from the same faculty, not only the same programme",
                lambda: reach(faculties, lambda part: part, "faculty"),
            )


def _solve_seconds(result: MentoringResult) -> float:
    return result.build_seconds + result.model_seconds + (result.status.seconds or 0.0)


def _affordable(part: Cohort, settings: MentoringSettings) -> bool:
    """Whether ``part`` under the faculty rule is few enough pairs to plan while the coordinator
    waits (:data:`WIDER_MAX_PAIRS`): a faculty has about seven times a programme's pairs, and a
    whole university's 12 million took 23 s, longer than every other fix together."""
    mentees, mentors = build_people(part)
    pairs = count_pairs_in_scope(mentees, mentors, "faculty", settings.min_level_gap)
    return pairs <= WIDER_MAX_PAIRS


def _unblocking(
    cohort: Cohort, settings: MentoringSettings, result: MentoringResult
) -> Iterator[Candidate]:
    """Changes that lift what stopped the plan: locked pairs that break a rule, the budget."""
    if settings.locked_pairs and result.status.status == "infeasible":
        pairs = [f"{mentee} - {mentor}" for mentee, mentor in settings.locked_pairs]
        yield Candidate(
            f"Remove the locked pair{'s' if len(pairs) != 1 else ''} {listing(pairs)}",
            lambda: _matched(cohort, settings.model_copy(update={"locked_pairs": []})),
        )
    if settings.budget is not None:
        free = solve_mentoring(cohort, settings.model_copy(update={"budget": None}))
        rates = settings.cost_rates
        needed = cost_of_mentors(free.mentors_used, rates).total
        if needed > settings.budget:
            yield Candidate(
                f"Raise the budget to {rates.money(needed)} (it pays for the "
                f"{free.mentors_used} mentors the plan needs)",
                lambda: free.matched,
            )


def fixes(cohort: Cohort, settings: MentoringSettings, result: MentoringResult) -> list:
    """Measured fixes (none when every mentee is matched or a solve takes longer than
    :data:`SLOW_SOLVE` seconds). A plan stopped by its locks or budget is offered to lift them;
    a stable matching is offered no recruiting (its pairs depend on rankings too)."""
    seconds = _solve_seconds(result)
    if result.matched >= result.mentees or seconds > SLOW_SOLVE:
        return []
    candidates = list(_unblocking(cohort, settings, result))
    if (
        settings.budget is None
        and settings.stable == "off"
        and result.status.status != "infeasible"
    ):
        candidates += list(_candidates(cohort, settings, result))
    return measure_fixes(candidates, result.matched, UNIT, budget_seconds=fix_budget(seconds))


def verdict(cohort: Cohort, settings: MentoringSettings, result: MentoringResult) -> Verdict:
    return Verdict(
        level_of(result.matched, result.mentees),
        headline(result),
        fixes(cohort, settings, result),
    )
