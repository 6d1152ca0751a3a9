"""A PASS plan's verdict: what it reaches, which targeted modules it leaves without a session
and why, and fixes measured by solving again (a leader recruited, a room booked, a later slot,
a third weekly session)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd

from workbench.cohort.domain import LEVEL_RANK, LEVELS, Cohort
from workbench.schemes.pass_sessions.settings import PassSettings
from workbench.schemes.pass_sessions.solve import PassResult, solve_pass
from workbench.schemes.verdict import (
    Candidate,
    Verdict,
    fix_budget,
    level_of,
    listing,
    measure_fixes,
    share,
)

UNIT = "student-module places"
SLOW_SOLVE = 10.0  # seconds: a plan slower than this to solve gets no measured fixes
LATEST_START = 19 * 60  # a later slot is offered up to this start time


def module_words(cohort: Cohort, code: str) -> str:
    """ "MA2001 (Real Analysis 2)", or the code alone when the module has no name."""
    names = cohort.modules.set_index("module_code")["module_name"] if len(cohort.modules) else {}
    name = names.get(code) if hasattr(names, "get") else None
    return f"{code} ({name})" if isinstance(name, str) and name and name != code else code


def headline(cohort: Cohort, result: PassResult) -> str:
    """One sentence: what the plan reaches and the one thing that limits it most."""
    reached, eligible = result.reach_count, result.targeted_pairs
    if not result.targeted:
        return "No module is targeted, so PASS reaches nobody: choose the modules to support."
    with_sessions = sorted(set(result.sessions["module_code"])) if len(result.sessions) else []
    missing = [m for m in result.targeted if m not in with_sessions]
    if not with_sessions:
        text = (
            f"No PASS session could be placed in the {len(result.targeted)} targeted "
            f"module{'s' if len(result.targeted) != 1 else ''}, so the plan reaches nobody"
        )
    else:
        text = (
            f"{reached:,} of {eligible:,} targeted enrolments have a PASS session that fits "
            f"({share(reached, eligible)}), in {len(with_sessions)} of {len(result.targeted)} "
            f"targeted modules"
        )
    limits = _limits(cohort, result, missing)
    return text + (f"; {limits}." if limits else ".")


def _limits(cohort: Cohort, result: PassResult, missing: list[str]) -> str:
    """The main limit in words: modules without a session and why, else students not free."""
    if missing:
        by_reason: dict[str, list[str]] = {}
        for code in missing:
            reason = result.shortfalls.get(code, "no session could be placed")
            by_reason.setdefault(_reason_words(reason), []).append(module_words(cohort, code))
        parts = [
            f"{listing(codes)} {'get' if len(codes) > 1 else 'gets'} no session: {why}"
            for why, codes in sorted(by_reason.items(), key=lambda kv: -len(kv[1]))
        ]
        return "; ".join(parts)
    unreached = result.targeted_pairs - result.reach_count
    if unreached:
        return (
            f"{unreached:,} enrolment{'s are' if unreached != 1 else ' is'} left out because "
            "the student is not free at any session of the module"
        )
    return ""


def _reason_words(reason: str) -> str:
    return {
        "no leader is listed for this module": "no PASS leader is listed for it",
        "no students and no leader": "it has no students and no leader",
    }.get(reason, reason)


def no_leader_warning(cohort: Cohort, modules: list[str]) -> str:
    """Before solving: the targeted modules no one can lead, and what to do about it."""
    names = listing([module_words(cohort, code) for code in modules], limit=5)
    one = len(modules) == 1
    return (
        f"{names} {'has' if one else 'have'} no PASS leader listed, so "
        f"{'it' if one else 'they'} will get no session. Recruit a leader, or start from the "
        "preset 'Recommended: the top 5 modules that have leaders'."
    )


# ------------------------------------------------------------------------------ fixes


def _new_student(cohort: Cohort, student_id: str, programme: Any, level: str) -> pd.DataFrame:
    """A student row for a volunteer not yet recruited (free at every time)."""
    row = {col: None for col in cohort.students.columns}
    row.update(student_id=student_id, programme=programme, level=level)
    return pd.concat([cohort.students, pd.DataFrame([row])], ignore_index=True)


def with_new_leader(cohort: Cohort, code: str, max_sessions: int) -> Cohort:
    """The cohort with one more PASS leader for module ``code``, free at every slot."""
    module = cohort.modules.loc[cohort.modules["module_code"] == code]
    programme = module["programme"].iloc[0] if len(module) else None
    level = module["level"].iloc[0] if len(module) and "level" in module else None
    rank = LEVEL_RANK.get(level, 0)
    above = LEVELS[min(rank + 1, len(LEVELS) - 1)]
    student_id = f"new-leader-{code}"
    leaders = pd.concat(
        [
            cohort.leaders,
            pd.DataFrame(
                [{"student_id": student_id, "module_code": code, "max_sessions": max_sessions}]
            ),
        ],
        ignore_index=True,
    )
    students = _new_student(cohort, student_id, programme, above)
    return cohort.model_copy(update={"leaders": leaders, "students": students})


def with_new_room(cohort: Cohort, seats: int) -> Cohort:
    """The cohort with one more room of ``seats`` seats, free all week."""
    row = {col: None for col in cohort.rooms.columns}
    row.update(room_id="new-room", capacity=int(seats))
    rooms = pd.concat([cohort.rooms, pd.DataFrame([row])], ignore_index=True)
    return cohort.model_copy(update={"rooms": rooms})


def _reach(cohort: Cohort, settings: PassSettings) -> int:
    return solve_pass(cohort, settings).reach_count


def _candidates(cohort: Cohort, settings: PassSettings, result: PassResult) -> Iterator[Candidate]:
    fixed = settings.model_copy(
        update={"modules": list(result.targeted), "top": None, "threshold": None}
    )
    for code, reason in result.shortfalls.items():
        if reason == "over budget":
            continue
        leaders = int((cohort.leaders["module_code"] == code).sum()) if len(cohort.leaders) else 0
        what = "a PASS leader" if not leaders else "another PASS leader"
        yield Candidate(
            f"Recruit {what} for {module_words(cohort, code)}",
            lambda code=code: _reach(
                with_new_leader(cohort, code, fixed.sessions_per_module), fixed
            ),
        )
    if any("room" in reason for reason in result.shortfalls.values()):
        seats = int(result.coverage["enrolled"].max()) if len(result.coverage) else 30
        yield Candidate(
            f"Book one more room with {seats} seats for PASS",
            lambda: _reach(with_new_room(cohort, seats), fixed),
        )
    cov = result.coverage
    left_out = cov.loc[(cov["sessions"] > 0) & (cov["reachable"] < cov["enrolled"])]
    timing = any("slot" in reason or "free" in reason for reason in result.shortfalls.values())
    if (len(left_out) or timing) and fixed.last_start < LATEST_START:
        later = min(LATEST_START, fixed.last_start + 120)
        yield Candidate(
            f"Allow sessions to start as late as {later // 60:02d}:{later % 60:02d}",
            lambda: _reach(cohort, fixed.model_copy(update={"last_start": later})),
        )
    full = left_out.loc[left_out["sessions"] >= left_out["sessions_wanted"]]
    if len(full):
        more = fixed.sessions_per_module + 1
        yield Candidate(
            f"Run {more} sessions a week in each targeted module",
            lambda: _reach(cohort, fixed.model_copy(update={"sessions_per_module": more})),
        )


def fixes(cohort: Cohort, settings: PassSettings, result: PassResult, seconds: float) -> list:
    """Measured fixes for a PASS plan (none when it reaches every targeted enrolment, or when a
    solve takes longer than :data:`SLOW_SOLVE` seconds)."""
    if result.reach_count >= result.targeted_pairs or seconds > SLOW_SOLVE:
        return []
    return measure_fixes(
        _candidates(cohort, settings, result),
        result.reach_count,
        UNIT,
        budget_seconds=fix_budget(seconds),
    )


def verdict(cohort: Cohort, settings: PassSettings, result: PassResult) -> Verdict:
    with_sessions = set(result.sessions["module_code"]) if len(result.sessions) else set()
    complete = all(code in with_sessions for code in result.targeted)
    seconds = result.build_seconds + result.solve_seconds
    found = fixes(cohort, settings, result, seconds)
    return Verdict(
        level_of(result.reach_count, result.targeted_pairs, complete and bool(result.targeted)),
        headline(cohort, result),
        found,
    )
