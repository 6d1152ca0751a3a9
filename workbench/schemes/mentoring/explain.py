"""Why a mentee has no mentor, and what would fix it, in the coordinator's words."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.cohort.domain import LEVELS
from workbench.schemes.mentoring.scoring import Candidates, People

# Reason codes, most basic first (the first that applies is the binding one).
NO_MENTOR = "no_mentor"  # nobody in scope at the required level
SELF = "self"  # the only one is the mentee themself
AVOID = "avoid"  # every eligible mentor is on the avoid list
BELOW_MIN = "below_min_score"  # quality: every eligible pair scores below the minimum
NOT_RANKED = "not_ranked"  # stable: the mentee ranked no mentor
NONE_ELIGIBLE_RANKED = "none_eligible_ranked"  # stable: no eligible mentor among their ranking
NOT_MUTUAL = "not_mutual"  # stable: no eligible mentor they ranked ranked them back
FULL = "full"  # every eligible mentor is full
BUDGET = "budget"  # eligible mentors are left unused: the budget pays for no more mentors
SPARE = "not_proven"  # an eligible mentor has room: the plan is not proven optimal
NO_PLAN = "no_plan"  # the solve produced no plan (infeasible locks, not solved)

#: Reasons a new mentor in the mentee's scope would fix.
MORE_MENTORS_FIX = (NO_MENTOR, SELF, AVOID, FULL)


def _mentors(k: int) -> str:
    return "mentor" if k == 1 else "mentors"


def level_phrase(gap: int, level: str) -> str:
    """'at a higher level', 'at least 2 levels above UG1', 'at UG1 or above'."""
    if gap <= 0:
        return f"at {level} or above"
    if gap == 1:
        return "at a higher level"
    return f"at least {gap} levels above {level}"


@dataclass
class MenteeFacts:
    """Per-mentee counts the reasons are read from (arrays aligned with the mentees)."""

    candidates: Candidates
    passing: np.ndarray  # eligible pairs left after the objective's filter (min score)
    best_score: np.ndarray  # best eligible pair score (milli-points), -1 when none
    full_of_passing: np.ndarray  # how many of the passing mentors are full
    ranked_any: np.ndarray | None = None  # stable mode only
    ranked_eligible: np.ndarray | None = None
    acceptable: np.ndarray | None = None
    unused_of_passing: np.ndarray | None = None  # budget only: passing mentors with no mentee
    budget_reason: str | None = None  # budget only: why an unused mentor is not used


def unmatched_reasons(
    mentees: People,
    unmatched: np.ndarray,
    facts: MenteeFacts,
    rule: str,
    gap: int,
    min_score: float | None,
    stable: bool,
    no_plan: str | None,
) -> pd.DataFrame:
    """mentee_id, programme, level, reason, reason_code for every unmatched mentee."""
    c = facts.candidates
    eligible_all = c.eligible
    rows = []
    for k in unmatched.tolist():
        level = str(mentees.level[k])
        scope = mentees.scope_label(k, rule)
        eligible = int(eligible_all[k])
        if no_plan is not None:
            code, reason = NO_PLAN, no_plan
        elif c.in_scope[k] == 0:
            code = NO_MENTOR
            where = "" if rule == "any" else f" in {scope}"
            reason = f"no mentor{where} {level_phrase(gap, level)}"
        elif eligible == 0 and c.avoid_blocked[k] == 0:
            code, reason = SELF, "the only eligible mentor is the mentee themself"
        elif eligible == 0:
            code = AVOID
            n = int(c.avoid_blocked[k])
            reason = (
                "the only eligible mentor is on your avoid list"
                if n == 1
                else f"all {n} eligible mentors are on your avoid list"
            )
        elif stable and not facts.ranked_any[k]:
            code, reason = NOT_RANKED, "has not ranked any mentor (stable mode needs rankings)"
        elif stable and facts.ranked_eligible[k] == 0:
            code = NONE_ELIGIBLE_RANKED
            reason = (
                f"none of the mentors they ranked is eligible ({eligible} eligible "
                f"{_mentors(eligible)} not ranked)"
            )
        elif stable and facts.acceptable[k] == 0:
            n = int(facts.ranked_eligible[k])
            code = NOT_MUTUAL
            reason = (
                "the eligible mentor they ranked did not rank them"
                if n == 1
                else f"none of the {n} eligible mentors they ranked ranked them"
            )
        elif stable:
            n = int(facts.acceptable[k])
            code = FULL
            reason = (
                "the only mentor who ranked them back is full with mentees they ranked higher"
                if n == 1
                else f"all {n} mentors who ranked them back are full "
                "with mentees they ranked higher"
            )
        elif facts.passing[k] == 0:
            code = BELOW_MIN
            reason = (
                f"the only eligible mentor scores below the minimum score {min_score:g}"
                if eligible == 1
                else f"all {eligible} eligible mentors score below the minimum score {min_score:g}"
            )
        elif (
            facts.budget_reason is not None
            and facts.unused_of_passing[k] > 0
            and facts.full_of_passing[k] + facts.unused_of_passing[k] == facts.passing[k]
        ):
            code, reason = BUDGET, facts.budget_reason
        elif facts.full_of_passing[k] < facts.passing[k]:
            code = SPARE
            reason = (
                "not matched although an eligible mentor has room: the plan is not proven optimal"
            )
        else:
            n = int(facts.passing[k])
            code = FULL
            reason = (
                "the only eligible mentor is full"
                if n == 1
                else f"all {n} eligible mentors are full"
            )
        rows.append((mentees.ids[k], mentees.programme[k], level, reason, code))
    return pd.DataFrame(
        rows, columns=["mentee_id", "programme", "level", "reason", "reason_code"]
    ).astype(object)


def _scope_words(rule: str, mentees: People, k: int) -> tuple[str, str]:
    """('Physics mentors', 'Physics mentees') for the scope of mentee k."""
    if rule == "programme":
        p = mentees.programme[k]
        return f"{p} mentors", f"{p} mentees"
    if rule == "faculty" and mentees.faculty[k] is not None:
        f = mentees.faculty[k]
        return f"mentors from the {f} faculty", f"mentees in the {f} faculty"
    if rule == "faculty":
        p = mentees.programme[k]
        return f"{p} mentors", f"{p} mentees (no faculty given)"
    return "mentors", "mentees"


def _at_or_above(rank: int) -> str:
    return LEVELS[rank] if rank >= len(LEVELS) - 1 else f"{LEVELS[rank]} or above"


def _mentor_bands(ranks: np.ndarray, cap: int, gap: int) -> list[tuple[int, int]]:
    """New mentors per level (rank, how many) so that every mentee of ``ranks`` fits: from the
    highest mentee level down, places left over serve the levels below."""
    bands: list[tuple[int, int]] = []
    spare = 0
    for rank in sorted(set(ranks.tolist()), reverse=True):
        waiting = int((ranks == rank).sum())
        used = min(spare, waiting)
        spare -= used
        waiting -= used
        if waiting:
            n = math.ceil(waiting / cap)
            spare += n * cap - waiting
            bands.append((rank + gap, n))
    return sorted(bands)


def _stuck_line(mentees: People, stuck: np.ndarray, gap: int, mentee_words: str) -> str:
    """Mentees no level is high enough to mentor."""
    levels = ", ".join(sorted({str(mentees.level[k]) for k in stuck}, key=LEVELS.index))
    return (
        f"{len(stuck)} unmatched {mentee_words} at {levels} "
        f"cannot have a mentor {level_phrase(gap, levels)}: "
        "no level is high enough (lower the minimum level gap)"
    )


def _more_mentors_line(
    mentees: People,
    caps: np.ndarray,
    reachable: np.ndarray,
    gap: int,
    words: tuple[str, str],
    caveat: str,
) -> str:
    """How many more mentors of the scope, at which levels, would match ``reachable``."""
    mentor_words, mentee_words = words
    cap = max(1, int(np.median(caps))) if len(caps) else 3
    bands = _mentor_bands(mentees.rank[reachable], cap, max(gap, 0))
    extra = sum(n for _, n in bands)
    need = len(reachable)
    every = "all " if need > 1 else "the "
    mentor_words = mentor_words if extra > 1 else mentor_words.replace("mentors", "mentor", 1)
    mentees_words = mentee_words if need > 1 else mentee_words.replace("mentees", "mentee")
    if len(bands) == 1:
        at = f" at {_at_or_above(bands[0][0])}"
    else:
        at = " (" + ", ".join(f"{n} at {_at_or_above(r)}" for r, n in bands) + ")"
    return (
        f"{extra} more {mentor_words} with capacity {cap}{at} would match "
        f"{every}{need} unmatched {mentees_words}{caveat}"
    )


def _more_mentors_fixes(
    mentees: People,
    mentors: People,
    codes: np.ndarray,
    unmatched_idx: np.ndarray,
    rule: str,
    gap: int,
    caveat: str,
) -> list[str]:
    """Per scope: more mentors (or a lower level gap) for the mentees more mentors would fix."""
    top = len(LEVELS) - 1
    scope = mentees.scope_code(rule)
    mentor_scope = mentors.scope_code(rule)
    fixable = np.isin(codes, MORE_MENTORS_FIX)
    groups: dict[int, list[int]] = {}
    for k, ok in zip(unmatched_idx.tolist(), fixable.tolist(), strict=True):
        if ok:
            groups.setdefault(int(scope[k]), []).append(k)
    lines: list[tuple[int, str]] = []
    for key, members in groups.items():
        members_arr = np.array(members)
        high_enough = mentees.rank[members_arr] + max(gap, 0) <= top
        reachable, stuck = members_arr[high_enough], members_arr[~high_enough]
        words = _scope_words(rule, mentees, members[0])
        if len(stuck):
            lines.append((len(stuck), _stuck_line(mentees, stuck, gap, words[1])))
        if not len(reachable):
            continue
        caps = mentors.capacity[mentor_scope == key]
        if not len(caps):
            caps = mentors.capacity
        line = _more_mentors_line(mentees, caps, reachable, gap, words, caveat)
        lines.append((len(reachable), line))
    lines.sort(key=lambda item: (-item[0], item[1]))
    return [line for _, line in lines]


def _broader_fix(codes: np.ndarray, rule: str, broader: np.ndarray | None) -> list[str]:
    """A broader rule, when it gives mentees with no eligible mentor a candidate."""
    if broader is None or not int(broader.sum()):
        return []
    no_mentor = int((codes == NO_MENTOR).sum())
    helped = int(broader.sum())
    wider = (
        "mentors from the same faculty (rule 'faculty')"
        if rule == "programme"
        else "mentors from any programme (rule 'any')"
    )
    share = f"all {helped}" if helped == no_mentor else f"{helped} of the {no_mentor}"
    return [
        f"allowing {wider} would give {share} mentees with no eligible mentor "
        "at least one candidate"
    ]


def _min_score_fix(
    codes: np.ndarray, unmatched_idx: np.ndarray, min_score: float | None, facts: MenteeFacts
) -> list[str]:
    """A lower minimum score, when every eligible pair of some mentees scores below it."""
    below = unmatched_idx[codes == BELOW_MIN]
    if not len(below):
        return []
    lowest = float(facts.best_score[below].min()) / 1000
    return [
        f"{len(below)} {'mentee' if len(below) == 1 else 'mentees'} only have "
        f"eligible mentors scoring below the minimum score {min_score:g}; a "
        f"minimum of {lowest:g} would let every one of them be considered"
    ]


def _ranking_fixes(codes: np.ndarray) -> list[str]:
    """Stable mode: rankings to collect."""
    fixes = []
    n = int((codes == NOT_RANKED).sum())
    if n:
        fixes.append(
            f"{n} {'mentee has' if n == 1 else 'mentees have'} not ranked any mentor: "
            "collect their rankings"
        )
    n = int((codes == NONE_ELIGIBLE_RANKED).sum())
    if n:
        fixes.append(
            f"{n} {'mentee' if n == 1 else 'mentees'} ranked only mentors they cannot "
            "have under the rules: ask them to rank eligible mentors"
        )
    n = int((codes == NOT_MUTUAL).sum())
    if n:
        fixes.append(
            f"{n} {'mentee' if n == 1 else 'mentees'} ranked eligible mentors who did "
            "not rank them back: ask mentors to rank more mentees"
        )
    return fixes


def cohort_fixes(
    mentees: People,
    mentors: People,
    unmatched: pd.DataFrame,
    unmatched_idx: np.ndarray,
    rule: str,
    gap: int,
    min_score: float | None,
    broader: np.ndarray | None,
    facts: MenteeFacts,
    stable: bool = False,
) -> list[str]:
    """What would match the unmatched mentees: more mentors per scope, a broader rule,
    a lower minimum score, more rankings."""
    if unmatched.empty:
        return []
    codes = unmatched["reason_code"].to_numpy(dtype=object)
    caveat = (
        " (if their pairs reach the minimum score)"
        if min_score is not None and min_score > 0
        else ""
    )
    if stable:
        caveat = " (once they and those mentees rank each other)"
    return [
        *_more_mentors_fixes(mentees, mentors, codes, unmatched_idx, rule, gap, caveat),
        *_broader_fix(codes, rule, broader),
        *_min_score_fix(codes, unmatched_idx, min_score, facts),
        *_ranking_fixes(codes),
    ]
