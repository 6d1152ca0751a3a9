"""Locked pairs: who they name, and why a lock cannot hold (in the coordinator's words)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.cohort.domain import Cohort
from workbench.schemes.mentoring.scoring import People, id_pairs_to_codes, member
from workbench.schemes.mentoring.settings import MentoringSettings


def lock_problems(
    cohort: Cohort,
    locks: list[tuple[str, str]],
    lock_codes: np.ndarray,
    pair_codes: np.ndarray,
    mentees: People,
    mentors: People,
    settings: MentoringSettings,
) -> list[str]:
    problems = []
    eligible = member(lock_codes, pair_codes, table_sorted=True)  # pairs sorted by code
    n_m = max(len(mentors), 1)
    for (mentee_id, mentor_id), code, ok in zip(
        locks, lock_codes.tolist(), eligible.tolist(), strict=True
    ):
        if ok:
            continue
        e, m = code // n_m, code % n_m
        why = []
        if mentee_id == mentor_id:
            why.append("a student cannot mentor themself")
        gap = int(mentors.rank[m] - mentees.rank[e])
        if gap < settings.min_level_gap:
            why.append(
                f"the mentor ({mentors.level[m]}) is not {settings.min_level_gap} "
                f"level(s) above the mentee ({mentees.level[e]})"
            )
        if settings.rule != "any" and (
            mentees.scope_code(settings.rule)[e] != mentors.scope_code(settings.rule)[m]
        ):
            why.append(
                f"they are not in the same {settings.rule} "
                f"({mentees.scope_label(e, settings.rule)} / "
                f"{mentors.scope_label(m, settings.rule)})"
            )
        if not why:
            why.append("the pair is on the avoid list")
        problems.append(
            f"locked pair {mentee_id} - {mentor_id} breaks a hard rule: " + "; ".join(why)
        )
    frame = pd.DataFrame(locks, columns=["mentee_id", "mentor_id"], dtype=object)
    frame = frame.drop_duplicates()
    for mentee_id, n in frame["mentee_id"].value_counts().sort_index().items():
        if n > 1:
            problems.append(f"mentee {mentee_id} is locked to {n} mentors")
    cap = dict(zip(mentors.ids.tolist(), mentors.capacity.tolist(), strict=True))
    for mentor_id, n in frame["mentor_id"].value_counts().sort_index().items():
        if n > cap[mentor_id]:
            problems.append(
                f"mentor {mentor_id} has {n} locked mentees but capacity {cap[mentor_id]}"
            )
    return problems


def check_ids(pairs: list[tuple[str, str]], mentees: People, mentors: People, what: str) -> None:
    if not pairs:
        return
    _, known = id_pairs_to_codes(pairs, mentees, mentors)
    if not known.all():
        bad = [f"{a} - {b}" for (a, b), ok in zip(pairs, known.tolist(), strict=True) if not ok]
        raise ValueError(
            f"{what} name a mentee or mentor who is not signed up: "
            + ", ".join(bad[:10])
            + (" ..." if len(bad) > 10 else "")
        )
