"""What-if intake: grow or shrink a cohort by resampling its students within programme and level."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from workbench.cohort.domain import Cohort

# ------------------------------------------------------------------------------ intake


def _strata_targets(sizes: pd.Series, factors: pd.Series) -> pd.Series:
    """Stratum sizes x factors, rounded so the total is the rounded total (largest remainder)."""
    exact = sizes.astype(float) * factors.astype(float)
    floor = np.floor(exact + 1e-9)
    target_total = int(round(float(exact.sum())))
    short = target_total - int(floor.sum())
    if short > 0:
        remainder = (exact - floor).to_numpy()
        order = np.lexsort((np.arange(len(remainder)), -remainder))
        floor.iloc[order[:short]] += 1
    return floor.astype(int)


def _new_ids(originals: Sequence[str], taken: set[str]) -> list[str]:
    counters: dict[str, int] = {}
    out = []
    for orig in originals:
        k = counters.get(orig, 0)
        while True:
            k += 1
            candidate = f"{orig}-r{k}"
            if candidate not in taken:
                break
        counters[orig] = k
        taken.add(candidate)
        out.append(candidate)
    return out


def resample_cohort(
    cohort: Cohort,
    factor: float = 1.0,
    *,
    by: str | None = None,
    factors: dict[str, float] | None = None,
    seed: int = 0,
    volunteers_grow: bool = True,
) -> Cohort:
    """Grow or shrink the cohort by resampling its students (seeded, same result every time).

    ``factor`` scales everyone; with ``by`` = ``"programme"`` or ``"level"``, ``factors`` maps
    group -> factor (groups not named keep factor 1). Sampling is stratified by programme and
    level so the mix stays as it is, up to rounding. Resampling is nested: for the same seed a
    larger factor keeps every student (and copy) of a smaller one and adds more.

    ``volunteers_grow`` (the default) copies a sampled mentor as a mentor too, so mentors grow
    with the intake; with False the volunteers stay as they are: copies are never mentors and
    shrinking never removes a mentor or a PASS leader.
    """
    if by not in (None, "programme", "level"):
        raise ValueError("by is 'programme', 'level' or None")
    if factor < 0 or any(f < 0 for f in (factors or {}).values()):
        raise ValueError("an intake factor cannot be negative")
    students = cohort.students
    if by is not None and factors:
        unknown = sorted(set(factors) - set(students[by]))
        if unknown:
            raise ValueError(f"no {by} called {', '.join(unknown)} in the cohort")
    rng = np.random.default_rng(seed)
    strata = students.groupby(["programme", "level"], sort=True).size()
    if by is None:
        stratum_factor = pd.Series(float(factor), index=strata.index)
    else:
        position = 0 if by == "programme" else 1
        stratum_factor = pd.Series(
            [float((factors or {}).get(key[position], 1.0)) for key in strata.index],
            index=strata.index,
        )
    targets = _strata_targets(strata, stratum_factor)
    ids_by_stratum = students.groupby(["programme", "level"], sort=True)["student_id"].agg(list)
    volunteers = _volunteers(cohort) if not volunteers_grow else set()
    removed: list[str] = []
    clones: list[str] = []
    for key in strata.index:
        # One order per stratum, drawn the same whatever the factor: a larger intake carries
        # every student of a smaller one, so sweep points differ by the change alone.
        ids = ids_by_stratum[key]
        order = [ids[i] for i in rng.permutation(len(ids))]
        n, target = len(ids), int(targets[key])
        if target < n:
            removable = [i for i in order if i not in volunteers]
            removed.extend(removable[: n - target])
        elif target > n:
            clones.extend(order[k % n] for k in range(target - n))
    if not removed and not clones:
        return cohort
    tables = _drop_students(cohort, set(removed))
    if clones:
        taken = set(students["student_id"])
        mapping = pd.DataFrame(
            {
                "student_id": pd.Series(clones, dtype=object),
                "_new": pd.Series(_new_ids(clones, taken), dtype=object),
            }
        )
        roles = ("mentees", "mentors") if volunteers_grow else ("mentees",)
        for name in ("students", "enrolments", "busy", *roles):
            tables[name] = _with_copies(tables[name], mapping)
    label = f"{cohort.name} x{factor:g}" if by is None else f"{cohort.name} (intake varied)"
    return cohort.model_copy(update={**tables, "name": label})


def _volunteers(cohort: Cohort) -> set[str]:
    return set(cohort.mentors["student_id"]) | set(cohort.leaders["student_id"])


def _with_copies(table: pd.DataFrame, mapping: pd.DataFrame) -> pd.DataFrame:
    copies = table.merge(mapping, on="student_id", how="inner", sort=False)
    if copies.empty:
        return table
    copies["student_id"] = copies.pop("_new")
    out = pd.concat([table, copies[table.columns]], ignore_index=True)
    return out.astype(table.dtypes.to_dict())


def _drop_students(cohort: Cohort, removed: set[str]) -> dict[str, pd.DataFrame]:
    """Every student table without the removed students and every row referring to them."""
    tables = {}
    refs = {
        "students": ["student_id"],
        "enrolments": ["student_id"],
        "busy": ["student_id"],
        "mentors": ["student_id"],
        "mentees": ["student_id"],
        "leaders": ["student_id"],
        "preferences": ["student_id", "prefers_id"],
        "avoid": ["student_id_a", "student_id_b"],
    }
    for name, columns in refs.items():
        table = cohort.table(name)
        if removed and len(table):
            keep = np.ones(len(table), dtype=bool)
            for col in columns:
                keep &= ~table[col].isin(removed).to_numpy()
            table = table.loc[keep].reset_index(drop=True)
        tables[name] = table
    return tables
