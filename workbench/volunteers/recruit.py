"""Recruit: who to invite where the scheme is short of volunteers, and why each is on the list.

Short of volunteers:

- a PASS module is short of leaders when its leaders' weekly sessions cannot cover the sessions
  it should have (``sessions_per_module``); one recruit per two weekly sessions missing (a
  leader's usual load), at least one for a module with no leader;
- a programme is short of mentors when its mentees outnumber the places its mentors offer; one
  recruit per usual mentor capacity missing.

Candidates are students not already volunteering (nor mentees), at a higher level than the
students they would support, in the same programme when it has one. Those who took the module
(``outcomes`` from an earlier year) come first, best marks first; without earlier marks the
students one level above come first, then by ``prior_attainment`` when the cohort gives it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from workbench.cohort.domain import LEVEL_RANK, Cohort
from workbench.schemes import registry
from workbench.schemes.pass_sessions.settings import PassSettings, targeted_modules
from workbench.volunteers.people import display_name, emails, names

LEADER_SESSIONS = 2  # a new leader's usual weekly sessions
CANDIDATES_PER_PLACE = 3  # invite three for every place to fill (not everyone says yes)
MIN_CANDIDATES = 5
COLUMNS = [
    "rank",
    "student_id",
    "name",
    "email",
    "invited_to",
    "for",
    "level",
    "programme",
    "why",
]


# ------------------------------------------------------------------------------ shortfalls


def leader_shortfall(
    cohort: Cohort, settings: PassSettings | None = None, planned: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per targeted module: leaders, weekly sessions wanted and covered, leaders short.

    Covered: the sessions a PASS plan gives the module (``planned``, its sessions table) or,
    without a plan, its leaders' weekly sessions (a leader of two modules shares theirs).
    """
    settings = settings or PassSettings()
    modules, _ = targeted_modules(cohort, settings)
    leaders = cohort.leaders
    share = leaders["max_sessions"] / leaders.groupby("student_id")["module_code"].transform("size")
    rows = []
    for code in modules:
        mine = leaders["module_code"] == code
        if planned is not None:
            covered = int((planned["module_code"] == code).sum())
        else:
            covered = int(share[mine].sum() + 1e-9)
        missing = max(0, settings.sessions_per_module - covered)
        short = max(math.ceil(missing / LEADER_SESSIONS), 1 if not mine.any() else 0)
        rows.append((code, int(mine.sum()), settings.sessions_per_module, covered, short))
    return pd.DataFrame(
        rows, columns=["module_code", "leaders", "sessions_wanted", "sessions_covered", "short"]
    )


def mentor_shortfall(cohort: Cohort) -> pd.DataFrame:
    """Per programme with mentees: mentees, mentors, places, mentors short."""
    programme = cohort.students.set_index("student_id")["programme"]
    mentees = cohort.mentees["student_id"].map(programme).value_counts()
    mentors = cohort.mentors.assign(programme=cohort.mentors["student_id"].map(programme))
    usual = int(mentors["capacity"].median()) if len(mentors) else 2
    rows = []
    for name, count in sorted(mentees.items()):
        mine = mentors[mentors["programme"] == name]
        places = int(mine["capacity"].sum())
        short = math.ceil(max(0, count - places) / max(usual, 1))
        rows.append((name, int(count), len(mine), places, short))
    return pd.DataFrame(rows, columns=["programme", "mentees", "mentors", "places", "short"])


# ------------------------------------------------------------------------------ candidates


def _taken(cohort: Cohort) -> set[str]:
    return (
        set(cohort.mentors["student_id"])
        | set(cohort.leaders["student_id"])
        | set(cohort.mentees["student_id"])
    )


def _module_facts(cohort: Cohort, code: str) -> tuple[str | None, str | None, str]:
    """(level, programme, title) of a module; the level from its students when not given."""
    info = cohort.modules.set_index("module_code")
    row = info.loc[code] if code in info.index else pd.Series(dtype=object)
    level, programme = row.get("level"), row.get("programme")
    if not isinstance(level, str):
        on = cohort.enrolments.loc[cohort.enrolments["module_code"] == code, "student_id"]
        levels = cohort.students.loc[cohort.students["student_id"].isin(on), "level"]
        level = levels.mode().iloc[0] if len(levels) else None
    title = row.get("module_name")
    label = f"{code} {title}" if isinstance(title, str) and title else code
    return level, programme if isinstance(programme, str) else None, label


def _above(students: pd.DataFrame, level: str | None) -> pd.DataFrame:
    if level is None:
        return students
    return students[students["level"].map(LEVEL_RANK) > LEVEL_RANK[level]]


def _with_marks(pool: pd.DataFrame, marks: pd.DataFrame) -> pd.DataFrame:
    pool = pool.merge(marks, on="student_id", how="left")
    pool["took"] = pool["mark"].notna() | pool["result"].notna()
    passed = pool["result"].fillna("").str.lower().isin(("pass", "passed", "p"))
    pool["passed"] = passed | (pool["mark"].fillna(-1) >= 40)
    return pool


def _why_module(row: pd.Series, label: str) -> str:
    where = f"{row['level']} {row['programme']}"
    if row["took"]:
        got = []
        if pd.notna(row["mark"]):
            got.append(f"mark {row['mark']:g}")
        if isinstance(row["result"], str) and row["result"]:
            got.append(row["result"])
        return f"took {label} earlier ({', '.join(got)}); now {where}"
    return f"{where}, above the module's level; no earlier marks for {label} in the cohort"


def leader_candidates(cohort: Cohort, code: str, count: int) -> pd.DataFrame:
    """The ``count`` best candidates to lead PASS for one module, with why."""
    level, programme, label = _module_facts(cohort, code)
    pool = _above(cohort.students, level)
    if programme is not None and (pool["programme"] == programme).any():
        pool = pool[pool["programme"] == programme]
    enrolled = set(cohort.enrolments.loc[cohort.enrolments["module_code"] == code, "student_id"])
    pool = pool[~pool["student_id"].isin(_taken(cohort) | enrolled)]
    marks = cohort.outcomes.loc[
        cohort.outcomes["module_code"] == code, ["student_id", "mark", "result"]
    ]
    pool = _with_marks(pool[_pool_columns(pool)], marks)
    if pool["took"].any():
        pool = pool[~pool["took"] | pool["passed"]]  # never invite someone who failed it
    pool["gap"] = pool["level"].map(LEVEL_RANK) - (LEVEL_RANK[level] if level else 0)
    pool = _ranked(pool, by_took=True)
    pool = pool.head(count)
    pool["why"] = [_why_module(r, label) for _, r in pool.iterrows()]
    pool["invited_to"] = f"lead PASS sessions for {label}"
    pool["for"] = code
    return pool


def _pool_columns(pool: pd.DataFrame) -> list[str]:
    return [c for c in ("student_id", "programme", "level", "prior_attainment") if c in pool]


def _ranked(pool: pd.DataFrame, by_took: bool) -> pd.DataFrame:
    pool = pool.assign(
        _took=pool["took"] if by_took else False,
        _mark=pool["mark"].fillna(-1) if "mark" in pool else -1,
        _prior=pool["prior_attainment"].fillna(-1) if "prior_attainment" in pool else -1,
    )
    order = ["_took", "_mark", "gap", "_prior", "student_id"]
    ascending = [False, False, True, False, True]
    return pool.sort_values(order, ascending=ascending, kind="stable")


def _mentee_level(cohort: Cohort, programme: str) -> str | None:
    level = cohort.students.set_index("student_id")["level"]
    mine = cohort.mentees["student_id"].map(level)
    on = cohort.students.set_index("student_id")["programme"]
    mine = mine[cohort.mentees["student_id"].map(on) == programme]
    return min(mine.dropna(), key=LEVEL_RANK.get, default=None)


def mentor_candidates(cohort: Cohort, programme: str, count: int) -> pd.DataFrame:
    """The ``count`` best candidates to mentor in one programme, with why."""
    level = _mentee_level(cohort, programme)
    pool = _above(cohort.students, level)
    pool = pool[(pool["programme"] == programme) & ~pool["student_id"].isin(_taken(cohort))]
    marks = cohort.outcomes.groupby("student_id")["mark"].mean().rename("mark").reset_index()
    pool = pool[_pool_columns(pool)].merge(marks, on="student_id", how="left")
    pool["took"] = False
    pool["gap"] = pool["level"].map(LEVEL_RANK) - (LEVEL_RANK[level] if level else 0)
    pool = _ranked(pool, by_took=False).head(count)
    pool["why"] = [
        f"{r['level']} {programme}, {'one level' if r['gap'] == 1 else f'{r.gap} levels'} above "
        f"the mentees" + (f"; average mark {r['mark']:.0f}" if pd.notna(r["mark"]) else "")
        for _, r in pool.iterrows()
    ]
    pool["invited_to"] = f"mentor new {programme} students"
    pool["for"] = programme
    return pool


def _mentor_shortfall(cohort: Cohort, settings: Any = None, planned: Any = None) -> pd.DataFrame:
    return mentor_shortfall(cohort)


# Who a scheme recruits (its registry entry's ``recruits``): the shortfall and the candidates.
_SHORTFALL = {"leaders": leader_shortfall, "mentors": _mentor_shortfall}
_CANDIDATES = {"leaders": leader_candidates, "mentors": mentor_candidates}


def _recruits(scheme: str) -> Any:
    entry = registry.get(scheme) if scheme in registry.KEYS else None
    if entry is None or entry.recruits not in _SHORTFALL:
        raise ValueError("recruit for pass or mentoring")
    return entry


def shortfall(
    cohort: Cohort,
    scheme: str,
    settings: PassSettings | None = None,
    planned: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The volunteers a scheme is short of, per module (PASS leaders) or programme (mentors):
    the scheme entry's ``recruit_by`` column and ``short``."""
    return _SHORTFALL[_recruits(scheme).recruits](cohort, settings, planned)


def candidates(
    cohort: Cohort,
    scheme: str,
    settings: PassSettings | None = None,
    needed: Mapping[str, int] | None = None,
    planned: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The invitation list for ``scheme`` ("pass" or "mentoring"): candidates.csv.

    ``needed`` overrides the volunteers short per module / programme (e.g. from the what-if
    inverse); ``planned`` is a PASS plan's sessions. Each student is invited once, where they
    rank best.
    """
    recruits = _recruits(scheme)
    short = shortfall(cohort, scheme, settings, planned).set_index(recruits.recruit_by)["short"]
    if needed:
        short = pd.Series({**short.to_dict(), **dict(needed)})
    pick = _CANDIDATES[recruits.recruits]
    parts = [
        pick(cohort, key, max(CANDIDATES_PER_PLACE * int(n), MIN_CANDIDATES))
        for key, n in short.items()
        if int(n) > 0
    ]
    return _invitation_list(cohort, parts)


def _invitation_list(cohort: Cohort, parts: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [p.reset_index(drop=True).assign(_place=range(len(p))) for p in parts if len(p)]
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    table = pd.concat(frames, ignore_index=True).sort_values(["_place", "for"], kind="stable")
    table = table.drop_duplicates("student_id").sort_values(["for", "_place"], kind="stable")
    called, mail = names(cohort), emails(cohort)
    table["name"] = [display_name(called, s) for s in table["student_id"]]
    table["email"] = [mail.get(s, "") for s in table["student_id"]]
    table["rank"] = table.groupby("for").cumcount() + 1
    return table[COLUMNS].reset_index(drop=True)
