"""A groups plan's verdict: how many students are placed, in how many groups, why the rest are
not, and fixes measured by forming the groups again (larger groups, later meeting times)."""

from __future__ import annotations

from collections.abc import Iterator

from workbench.cohort.domain import Cohort
from workbench.schemes.groups.settings import GroupSettings
from workbench.schemes.groups.solve import GroupResult, form_groups
from workbench.schemes.verdict import Candidate, Verdict, fix_budget, level_of, measure_fixes, share

UNIT = "students"
SLOW_SOLVE = 5.0  # seconds: groups slower than this to form get no measured fixes
KIND_WORDS = {"study": "study groups", "social": "social groups"}
LATEST_START = 19 * 60


def _who(result: GroupResult) -> str:
    pool = result.pool or ""
    return f" of {pool}" if pool and pool.lower() not in ("", "cohort", "all") else ""


def headline(result: GroupResult) -> str:
    """One sentence: students placed, in how many groups, and the main reason the rest are not."""
    kind = KIND_WORDS.get(result.settings.kind, "groups")
    groups = int(result.group_scores.shape[0]) if len(result.group_scores) else 0
    students = result.students
    if not students:
        return f"There are no students{_who(result)} to place in {kind}."
    text = (
        f"{result.placed:,} of {students:,} students{_who(result)} placed in {groups:,} "
        f"{kind} ({share(result.placed, students)})"
    )
    left = students - result.placed
    if not left:
        return text + ": everyone has a group."
    reasons = result.unplaced["reason"].value_counts() if len(result.unplaced) else None
    why = f", most because {reasons.index[0]}" if reasons is not None and len(reasons) else ""
    return f"{text}; {left:,} student{'s are' if left != 1 else ' is'} not placed{why}."


def _placed(cohort: Cohort, settings: GroupSettings) -> int:
    return form_groups(cohort, settings).placed


def _candidates(cohort: Cohort, settings: GroupSettings) -> Iterator[Candidate]:
    if settings.max_size < 40:
        bigger = settings.max_size + 1
        yield Candidate(
            f"Allow groups of up to {bigger} students",
            lambda: _placed(cohort, settings.model_copy(update={"max_size": bigger})),
        )
    if settings.min_size > 2:
        smaller = settings.min_size - 1
        yield Candidate(
            f"Allow groups of as few as {smaller} students",
            lambda: _placed(cohort, settings.model_copy(update={"min_size": smaller})),
        )
    if settings.last_start < LATEST_START:
        later = min(LATEST_START, settings.last_start + 120)
        yield Candidate(
            f"Allow meetings to start as late as {later // 60:02d}:{later % 60:02d}",
            lambda: _placed(cohort, settings.model_copy(update={"last_start": later})),
        )


def fixes(cohort: Cohort, settings: GroupSettings, result: GroupResult) -> list:
    """Measured fixes (none when everyone is placed or forming the groups is slow)."""
    seconds = sum(result.stages.values()) if result.stages else 0.0
    if result.placed >= result.students or seconds > SLOW_SOLVE:
        return []
    return measure_fixes(
        _candidates(cohort, settings), result.placed, UNIT, budget_seconds=fix_budget(seconds)
    )


def verdict(cohort: Cohort, settings: GroupSettings, result: GroupResult) -> Verdict:
    return Verdict(
        level_of(result.placed, result.students),
        headline(result),
        fixes(cohort, settings, result),
    )
