"""Who may mentor whom, and how well they fit: eligible pairs and their compatibility score.

Everything here is vectorised (pandas merges, numpy arrays): a cohort of 40,000 mentees gives
millions of candidate pairs, so no Python loop runs per pair.

Hard rules (a pair that breaks one is never generated):

* the mentor's level is at least ``min_level_gap`` levels above the mentee's;
* same programme (rule ``programme``), same faculty (rule ``faculty``; a student with no
  faculty counts as their programme's own faculty) or anyone (rule ``any``);
* never a pair on the ``avoid`` list (either way round), never the mentee themself.

The score of a pair is the sum of ``weight x value`` over the criteria in :data:`CRITERIA`,
each value between 0 and 1 and each contribution rounded to 0.001 so that scores add up
exactly (the models use integer milli-points).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.cohort.domain import LEVEL_RANK, LEVELS, Cohort

CRITERIA: tuple[str, ...] = (
    "same_programme",
    "same_faculty",
    "shared_interests",
    "shared_language",
    "same_home_status",
    "first_generation",
    "commuter",
    "preference",
)

#: Default weights, in points per criterion fully met:
#: same_programme 3 (only varies when the rule is not ``programme``), same_faculty 1,
#: shared_interests 2 (one third per shared interest, up to three), shared_language 1 (any
#: language in common), same_home_status 1 (home / international), first_generation 1 (a
#: first-generation mentee with a first-generation mentor), commuter 1 (a commuting mentee with
#: a commuting mentor), preference 3 (the mentee's first choice; 1/2 of it for the second
#: choice, 1/3 for the third, ...).
DEFAULT_WEIGHTS: dict[str, float] = {
    "same_programme": 3.0,
    "same_faculty": 1.0,
    "shared_interests": 2.0,
    "shared_language": 1.0,
    "same_home_status": 1.0,
    "first_generation": 1.0,
    "commuter": 1.0,
    "preference": 3.0,
}

RULES = ("programme", "faculty", "any")
INTEREST_CAP = 3  # shared interests beyond three add nothing more


@dataclass
class People:
    """Mentees or mentors as aligned arrays (row ``k`` is one person)."""

    ids: np.ndarray  # object: student ids
    programme: np.ndarray  # object
    faculty: np.ndarray  # object, None when unknown
    level: np.ndarray  # object
    rank: np.ndarray  # int64: LEVEL_RANK of level
    programme_code: np.ndarray  # int64, shared code space for mentees and mentors
    faculty_code: np.ndarray  # int64, -1 when unknown
    faculty_key: np.ndarray  # int64: faculty, or the programme's own faculty when unknown
    home_code: np.ndarray  # int64, -1 when unknown
    first_generation: np.ndarray  # bool (unknown counts as no)
    commuter: np.ndarray  # bool
    languages: np.ndarray  # uint64 (n, words) bit sets
    interests: np.ndarray  # uint64 (n, words) bit sets
    capacity: np.ndarray  # int64 (mentors; zeros for mentees)

    def __len__(self) -> int:
        return len(self.ids)

    def scope_code(self, rule: str) -> np.ndarray:
        """The key two people must share under ``rule``."""
        if rule == "programme":
            return self.programme_code
        if rule == "faculty":
            return self.faculty_key
        return np.zeros(len(self.ids), dtype=np.int64)

    def scope_label(self, k: int, rule: str) -> str:
        """Where person ``k`` looks for a mentor, in the coordinator's words."""
        if rule == "programme":
            return str(self.programme[k])
        if rule == "faculty":
            fac = self.faculty[k]
            return f"the {fac} faculty" if fac is not None else str(self.programme[k])
        return "the cohort"


_BYTE_BITS = np.array([bin(i).count("1") for i in range(256)], dtype=np.int64)


def popcount(x: np.ndarray) -> np.ndarray:
    """Set bits per uint64 element (numpy 2's bitwise_count, or a byte table on numpy 1)."""
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(x).astype(np.int64)
    x = np.ascontiguousarray(x, dtype=np.uint64)
    return _BYTE_BITS[x.view(np.uint8).reshape(*x.shape, 8)].sum(axis=-1)


def _bitsets(values: pd.Series, n: int) -> np.ndarray:
    """Tuples of strings -> (n, words) uint64 bit sets over the distinct strings."""
    exploded = values.explode().dropna()
    if exploded.empty:
        return np.zeros((n, 1), dtype=np.uint64)
    codes, uniques = pd.factorize(exploded.astype(object), sort=True)
    words = max(1, (len(uniques) + 63) // 64)
    out = np.zeros((n, words), dtype=np.uint64)
    rows = exploded.index.to_numpy()
    bits = np.left_shift(np.uint64(1), (codes % 64).astype(np.uint64))
    np.bitwise_or.at(out, (rows, codes // 64), bits)
    return out


def _codes(values: pd.Series) -> np.ndarray:
    codes, _ = pd.factorize(values.astype(object), sort=True)
    return codes.astype(np.int64)


def build_people(cohort: Cohort) -> tuple[People, People]:
    """(mentees, mentors) as arrays, in the order of the mentees and mentors tables."""
    s = cohort.students.reset_index(drop=True)
    n = len(s)
    programme_code = _codes(s["programme"])
    faculty_code = _codes(s["faculty"])  # NaN/None -> -1
    fac_or_prog = (
        s["faculty"]
        .astype(object)
        .where(s["faculty"].notna(), "programme:" + s["programme"].astype(object))
    )
    faculty_key = _codes(fac_or_prog)
    home_code = _codes(
        s["home_status"]
        .astype(object)
        .map(lambda v: v.strip().lower() if isinstance(v, str) else v)
    )
    first_gen = s["first_generation"].fillna(False).to_numpy(dtype=bool)
    commuter = s["commuter"].fillna(False).to_numpy(dtype=bool)
    languages = _bitsets(s["languages"].reset_index(drop=True), n)
    interests = _bitsets(s["interests"].reset_index(drop=True), n)
    rank = s["level"].map(LEVEL_RANK).to_numpy(dtype=np.int64)
    position = pd.Series(np.arange(n), index=s["student_id"].astype(object))

    def take(ids: pd.Series, capacity: np.ndarray | None) -> People:
        rows = position.reindex(ids.astype(object)).to_numpy(dtype=np.int64)
        return People(
            ids=s["student_id"].to_numpy(dtype=object)[rows],
            programme=s["programme"].to_numpy(dtype=object)[rows],
            faculty=s["faculty"]
            .astype(object)
            .where(s["faculty"].notna(), None)
            .to_numpy(dtype=object)[rows],
            level=s["level"].to_numpy(dtype=object)[rows],
            rank=rank[rows],
            programme_code=programme_code[rows],
            faculty_code=faculty_code[rows],
            faculty_key=faculty_key[rows],
            home_code=home_code[rows],
            first_generation=first_gen[rows],
            commuter=commuter[rows],
            languages=languages[rows],
            interests=interests[rows],
            capacity=(np.zeros(len(rows), dtype=np.int64) if capacity is None else capacity),
        )

    mentees = take(cohort.mentees["student_id"], None)
    mentors = take(
        cohort.mentors["student_id"], cohort.mentors["capacity"].to_numpy(dtype=np.int64)
    )
    return mentees, mentors


@dataclass
class Candidates:
    """Eligible pairs (sorted by mentee, then mentor) and what the hard rules removed."""

    mentee: np.ndarray  # int64 index into mentees
    mentor: np.ndarray  # int64 index into mentors
    in_scope: np.ndarray  # per mentee: mentors in scope at the required level
    self_blocked: np.ndarray  # per mentee: 1 when the mentee is one of those mentors
    avoid_blocked: np.ndarray  # per mentee: how many of those are on the avoid list

    def __len__(self) -> int:
        return len(self.mentee)

    @property
    def eligible(self) -> np.ndarray:
        """Per mentee: how many mentors pass every hard rule."""
        return self.in_scope - self.self_blocked - self.avoid_blocked


def pair_code(mentee: np.ndarray, mentor: np.ndarray, n_mentors: int) -> np.ndarray:
    """One int64 per (mentee, mentor) pair, ordered like (mentee, mentor)."""
    return mentee.astype(np.int64) * max(n_mentors, 1) + mentor.astype(np.int64)


def id_pairs_to_codes(
    pairs: pd.DataFrame | list, mentees: People, mentors: People
) -> tuple[np.ndarray, np.ndarray]:
    """(mentee_id, mentor_id) pairs -> (pair codes, mask of pairs whose both ids are known)."""
    frame = (
        pd.DataFrame(list(pairs), columns=["mentee_id", "mentor_id"], dtype=object)
        if not isinstance(pairs, pd.DataFrame)
        else pairs
    )
    if frame.empty:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    ei = (
        pd.Series(np.arange(len(mentees)), index=mentees.ids)
        .reindex(frame["mentee_id"].astype(object))
        .to_numpy()
    )
    ri = (
        pd.Series(np.arange(len(mentors)), index=mentors.ids)
        .reindex(frame["mentor_id"].astype(object))
        .to_numpy()
    )
    known = ~(np.isnan(ei) | np.isnan(ri))
    codes = np.full(len(frame), -1, dtype=np.int64)
    codes[known] = pair_code(ei[known].astype(np.int64), ri[known].astype(np.int64), len(mentors))
    return codes, known


def member(codes: np.ndarray, table: np.ndarray, table_sorted: bool = False) -> np.ndarray:
    """``np.isin(codes, table)`` for int64 codes, in O(n log t) without sorting ``codes``
    (np.isin sorts the big side); ``table_sorted`` skips sorting the table."""
    if len(table) == 0 or len(codes) == 0:
        return np.zeros(len(codes), dtype=bool)
    if not table_sorted:
        table = np.unique(table)
    pos = np.minimum(np.searchsorted(table, codes), len(table) - 1)
    return table[pos] == codes


def avoid_codes(cohort: Cohort, mentees: People, mentors: People) -> np.ndarray:
    """Pair codes of every (mentee, mentor) pair on the avoid list, either way round."""
    a = cohort.avoid
    if a.empty or not len(mentees) or not len(mentors):
        return np.zeros(0, dtype=np.int64)
    both = pd.concat(
        [
            pd.DataFrame({"mentee_id": a["student_id_a"], "mentor_id": a["student_id_b"]}),
            pd.DataFrame({"mentee_id": a["student_id_b"], "mentor_id": a["student_id_a"]}),
        ],
        ignore_index=True,
    )
    codes, known = id_pairs_to_codes(both, mentees, mentors)
    return np.unique(codes[known])


def eligible_pairs(
    cohort: Cohort,
    mentees: People,
    mentors: People,
    rule: str,
    min_level_gap: int,
    only_mentees: np.ndarray | None = None,
) -> Candidates:
    """Every pair that passes the hard rules (vectorised; linear in the number of pairs)."""
    if rule not in RULES:
        raise ValueError(f"unknown rule '{rule}' (use one of: {', '.join(RULES)})")
    n_e, n_m = len(mentees), len(mentors)
    zeros = np.zeros(n_e, dtype=np.int64)
    if n_e == 0 or n_m == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Candidates(empty, empty, zeros, zeros.copy(), zeros.copy())
    # Each mentor appears once per mentee level it may serve; one merge on (scope, level)
    # then yields exactly the pairs in scope at the required level, with no filtering pass.
    mentee_frame = pd.DataFrame(
        {
            "e": np.arange(n_e, dtype=np.int64),
            "scope": mentees.scope_code(rule),
            "rank": mentees.rank,
        }
    )
    if only_mentees is not None:
        mentee_frame = mentee_frame.loc[only_mentees]
    serve = []
    for r in range(len(LEVELS)):
        ok = mentors.rank - r >= min_level_gap
        if ok.any():
            serve.append(
                pd.DataFrame(
                    {
                        "m": np.flatnonzero(ok).astype(np.int64),
                        "scope": mentors.scope_code(rule)[ok],
                        "rank": r,
                    }
                )
            )
    if not serve:
        empty = np.zeros(0, dtype=np.int64)
        return Candidates(empty, empty, zeros, zeros.copy(), zeros.copy())
    mentor_frame = pd.concat(serve, ignore_index=True)
    merged = mentee_frame.merge(mentor_frame, on=["scope", "rank"], how="inner", sort=False)
    e = merged["e"].to_numpy(dtype=np.int64)
    m = merged["m"].to_numpy(dtype=np.int64)
    in_scope = np.bincount(e, minlength=n_e).astype(np.int64)
    is_self = mentees.ids[e] == mentors.ids[m]
    self_blocked = np.bincount(e[is_self], minlength=n_e).astype(np.int64)
    e, m = e[~is_self], m[~is_self]
    codes = pair_code(e, m, n_m)
    avoided = member(codes, avoid_codes(cohort, mentees, mentors))
    avoid_blocked = np.bincount(e[avoided], minlength=n_e).astype(np.int64)
    codes = np.sort(codes[~avoided])
    return Candidates(codes // n_m, codes % n_m, in_scope, self_blocked, avoid_blocked)


def preference_positions(cohort: Cohort, chooser: People, chosen: People) -> pd.DataFrame:
    """Rows of ``preferences`` where someone in ``chooser`` ranks someone in ``chooser``'s
    counterpart ``chosen``: columns c (chooser index), t (chosen index), rank, position.

    ``position`` is 1 for the chooser's first choice among ``chosen`` (equal ranks share a
    position); the order breaks ties by id so that every list is strict: ``order`` 0, 1, ...
    """
    p = cohort.preferences
    cols = ["c", "t", "rank", "position", "order"]
    if p.empty or not len(chooser) or not len(chosen):
        return pd.DataFrame({c: np.zeros(0, dtype=np.int64) for c in cols})
    c = (
        pd.Series(np.arange(len(chooser)), index=chooser.ids)
        .reindex(p["student_id"].astype(object))
        .to_numpy()
    )
    t = (
        pd.Series(np.arange(len(chosen)), index=chosen.ids)
        .reindex(p["prefers_id"].astype(object))
        .to_numpy()
    )
    keep = ~(np.isnan(c) | np.isnan(t))
    frame = pd.DataFrame(
        {
            "c": c[keep].astype(np.int64),
            "t": t[keep].astype(np.int64),
            "rank": p["rank"].to_numpy(dtype=np.int64)[keep],
            "tid": p["prefers_id"].to_numpy(dtype=object)[keep],
        }
    )
    frame = frame.loc[frame["c"].to_numpy() != -1]
    frame = frame.sort_values(["c", "rank", "tid"], kind="stable").reset_index(drop=True)
    frame["position"] = frame.groupby("c")["rank"].rank(method="dense").astype(np.int64)
    frame["order"] = frame.groupby("c").cumcount().astype(np.int64)
    return frame[cols]


def lookup(
    codes: np.ndarray, table_codes: np.ndarray, table_values: np.ndarray, default: float = 0.0
) -> np.ndarray:
    """Values of ``table`` (sorted unique codes) at ``codes``; ``default`` where absent."""
    out = np.full(len(codes), default, dtype=float)
    if len(table_codes) == 0 or len(codes) == 0:
        return out
    order = np.argsort(table_codes, kind="stable")
    sc, sv = table_codes[order], table_values[order]
    pos = np.searchsorted(sc, codes)
    pos_ok = np.minimum(pos, len(sc) - 1)
    found = sc[pos_ok] == codes
    out[found] = sv[pos_ok[found]]
    return out


def _criterion(
    name: str, cohort: Cohort, mentees: People, mentors: People, e: np.ndarray, m: np.ndarray
) -> np.ndarray:
    """One criterion's value (0..1) for the pairs (e[k], m[k])."""

    def same_known(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return ((a[e] == b[m]) & (a[e] >= 0)).astype(float)

    def shared(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        words = min(a.shape[1], b.shape[1])
        return popcount(a[e, :words] & b[m, :words]).sum(axis=1).astype(np.int64)

    if name == "same_programme":
        return same_known(mentees.programme_code, mentors.programme_code)
    if name == "same_faculty":
        return same_known(mentees.faculty_code, mentors.faculty_code)
    if name == "shared_interests":
        return np.minimum(shared(mentees.interests, mentors.interests), INTEREST_CAP) / INTEREST_CAP
    if name == "shared_language":
        return (shared(mentees.languages, mentors.languages) > 0).astype(float)
    if name == "same_home_status":
        return same_known(mentees.home_code, mentors.home_code)
    if name == "first_generation":
        return (mentees.first_generation[e] & mentors.first_generation[m]).astype(float)
    if name == "commuter":
        return (mentees.commuter[e] & mentors.commuter[m]).astype(float)
    if name == "preference":
        prefs = preference_positions(cohort, mentees, mentors)
        return lookup(
            pair_code(e, m, len(mentors)),
            pair_code(prefs["c"].to_numpy(), prefs["t"].to_numpy(), len(mentors)),
            1.0 / prefs["position"].to_numpy(dtype=float),
        )
    raise ValueError(f"unknown criterion '{name}'")


def criterion_values(
    cohort: Cohort, mentees: People, mentors: People, e: np.ndarray, m: np.ndarray
) -> dict[str, np.ndarray]:
    """Each criterion's value (0..1) for the pairs (e[k], m[k])."""
    return {name: _criterion(name, cohort, mentees, mentors, e, m) for name in CRITERIA}


def score_pairs(
    cohort: Cohort,
    mentees: People,
    mentors: People,
    e: np.ndarray,
    m: np.ndarray,
    weights: dict[str, float],
    breakdown: bool = True,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(score in integer milli-points, per-criterion contributions in milli-points; empty
    when not ``breakdown``, which saves memory on millions of pairs)."""
    total = np.zeros(len(e), dtype=np.int64)
    parts: dict[str, np.ndarray] = {}
    for name in CRITERIA:
        weight = float(weights.get(name, 0.0))
        if weight == 0.0 and not breakdown:
            continue
        part = np.rint(weight * _criterion(name, cohort, mentees, mentors, e, m) * 1000).astype(
            np.int64
        )
        total += part
        if breakdown:
            parts[name] = part
    return total, parts
