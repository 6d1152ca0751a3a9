"""What-if: vary the cohort or the settings, sweep a parameter, answer the inverse questions.

Variations (:func:`apply_variation`; :data:`VARIATIONS` lists them in the coordinator's words):

* ``intake`` — cohort size x factor, by resampling students from the current cohort within each
  programme and level (so the mix stays the same). ``intake[programme=Chemistry]`` or
  ``intake[level=UG1]`` scale one group only. A resampled student gets a new id and copies of a
  sampled student's enrolments, own commitments and mentee/mentor status; shrinking removes
  students and every row that refers to them.
* ``mentors`` / ``leaders`` — recruit (positive) or lose (negative) that many volunteers.
  Recruits are eligible students at the levels current volunteers come from, where the demand is
  (programmes with mentees; targeted modules). Recruitment is nested: recruiting ``k + 1`` adds
  one student to the ``k`` recruited with the same seed, so more volunteers never means
  different volunteers.
* ``capacity`` (mentees per mentor), ``sessions`` (PASS sessions per module), ``uptake`` (share of
  reached students expected to take the scheme up) and ``budget`` (a cap in money: a constraint
  for mentoring and PASS, whose settings have a ``budget``, so each point is solved within it;
  a check of the plan's cost for groups).

Sweeps (:func:`run_sweep`) solve every point, in up to two worker processes, with a progress
callback and cancellation. :func:`mentors_needed` and :func:`leaders_needed` search over the
solver for the fewest volunteers that reach a target.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench.cohort.domain import LEVEL_RANK, Cohort
from workbench.outcomes.costs import CostRates
from workbench.outcomes.coverage import Assumptions
from workbench.schemes import registry

MAX_WORKERS = 2

VARIATIONS: dict[str, str] = {
    "intake": "cohort size, as a factor of today's (1.2 = 20% more students)",
    "mentors": "mentors recruited (+) or lost (-)",
    "leaders": "PASS leaders recruited (+) or lost (-)",
    "capacity": "mentees each mentor can take",
    "sessions": "PASS sessions per module each week",
    "uptake": "share of reached students expected to take the scheme up",
    "budget": "budget cap (money per term): mentoring and PASS plans are solved within it; "
    "groups are checked against it",
}
VARIATION_SCHEMES: dict[str, tuple[str, ...]] = {
    "intake": ("mentoring", "pass", "groups"),
    "mentors": ("mentoring",),
    "leaders": ("pass",),
    "capacity": ("mentoring",),
    "sessions": ("pass",),
    "uptake": ("mentoring", "pass", "groups"),
    "budget": ("mentoring", "pass", "groups"),
}
SWEEP_COLUMNS = [
    "param",
    "value",
    "status",
    "reached",
    "eligible",
    "coverage",
    "expected_coverage",
    "students_reached",
    "expected_students",
    "cost",
    "cost_per_student_reached",
    "within_budget",
    "volunteers",
    "students",
    "seconds",
    "message",
]
_GROUP_RE = re.compile(r"^intake\[(programme|level)\s*=\s*(.+)\]$")


# ------------------------------------------------------------------------------ the case


@dataclass
class Case:
    """Everything one what-if point is solved from."""

    cohort: Cohort
    scheme: str
    settings: Any
    assumptions: Any = None
    rates: Any = None
    budget: float | None = None

    def __post_init__(self) -> None:
        self.settings = registry.get(self.scheme).coerce_settings(self.settings)
        self.assumptions = _model(Assumptions, self.assumptions)
        own = getattr(self.settings, "cost_rates", None)  # rates a budget constraint uses
        if self.rates is None and own is not None:
            self.rates = own
        self.rates = _model(CostRates, self.rates)
        if own is not None and own != self.rates:
            # One set of rates: the plan is solved within a budget by the rates it is costed by.
            self.settings = _set(self.settings, cost_rates=self.rates.model_dump())


def _model(cls: type, value: Any) -> Any:
    if value is None:
        return cls()
    if isinstance(value, cls):
        return value
    if isinstance(value, dict):
        return cls.model_validate(value)
    return cls.model_validate(value.model_dump(mode="json"))


def _scheme_of_settings(settings: Any) -> str:
    name = type(settings).__name__.lower()
    if "mentor" in name:
        return "mentoring"
    if "pass" in name:
        return "pass"
    if "group" in name:
        return "groups"
    raise TypeError(f"cannot tell the scheme of {type(settings).__name__}")


def _set(settings: Any, **values: Any) -> Any:
    """A copy of pydantic settings with fields changed, validated again."""
    data = settings.model_dump()
    data.update(values)
    return type(settings).model_validate(data)


AXIS_LABELS: dict[str, str] = {
    "intake": "Intake (x today's)",
    "mentors": "Mentors recruited (+) or lost (-)",
    "leaders": "Leaders recruited (+) or lost (-)",
    "capacity": "Mentees per mentor",
    "sessions": "Sessions per module",
    "uptake": "Uptake (share)",
    "budget": "Budget cap",
}


def axis_label(name: str) -> str:
    """A short label for a chart axis."""
    group = _GROUP_RE.match(name)
    if group:
        return f"Intake of {group.group(2).strip()} (x today's)"
    return AXIS_LABELS.get(name, name)


def variation_label(name: str) -> str:
    """A variation's name in the coordinator's words."""
    group = _GROUP_RE.match(name)
    if group:
        return f"intake of {group.group(1)} {group.group(2).strip()} (factor)"
    return VARIATIONS.get(name, name)


def check_variation(name: str, scheme: str) -> None:
    """Raise ValueError when ``name`` is not a variation of ``scheme``."""
    base = "intake" if _GROUP_RE.match(name) else name
    if base not in VARIATIONS:
        raise ValueError(
            f"unknown variation '{name}' (use one of: {', '.join(VARIATIONS)}, "
            "intake[programme=NAME], intake[level=UG1])"
        )
    if scheme not in VARIATION_SCHEMES[base]:
        raise ValueError(
            f"'{name}' does not apply to {scheme} (it applies to "
            f"{', '.join(VARIATION_SCHEMES[base])})"
        )


def apply_variation(
    cohort: Cohort, settings: Any, name: str, value: float, seed: int = 0
) -> tuple[Cohort, Any]:
    """Apply one variation: returns the varied (cohort, settings)."""
    case = vary(Case(cohort, _scheme_of_settings(settings), settings), name, value, seed)
    return case.cohort, case.settings


def vary(case: Case, name: str, value: float, seed: int = 0) -> Case:
    """Apply one variation to a whole case (cohort, settings, assumptions, rates, budget)."""
    check_variation(name, case.scheme)
    group = _GROUP_RE.match(name)
    cohort, settings = case.cohort, case.settings
    assumptions, rates, budget = case.assumptions, case.rates, case.budget
    if group:
        cohort = resample_cohort(
            cohort, factors={group.group(2).strip(): float(value)}, by=group.group(1), seed=seed
        )
    elif name == "intake":
        cohort = resample_cohort(cohort, float(value), seed=seed)
    elif name == "mentors":
        cohort = change_mentors(cohort, _whole(value, name), seed=seed)
    elif name == "leaders":
        cohort = change_leaders(cohort, settings, _whole(value, name), seed=seed)
    elif name == "capacity":
        cohort = set_mentor_capacity(cohort, _whole(value, name))
        settings = _set_if(settings, ("max_capacity", "capacity_cap"), _whole(value, name))
    elif name == "sessions":
        settings = _set(settings, sessions_per_module=_whole(value, name))
    elif name == "uptake":
        settings, assumptions = _uptake(case, float(value))
    elif name == "budget":
        budget = float(value)
        if budget < 0:
            raise ValueError("a budget cannot be negative")
        settings = _set_if(settings, ("budget", "budget_cap"), budget)
    return Case(cohort, case.scheme, settings, assumptions, rates, budget)


def _whole(value: float, name: str) -> int:
    if abs(float(value) - round(float(value))) > 1e-9:
        raise ValueError(f"{name} takes whole numbers (got {value})")
    return int(round(float(value)))


def _set_if(settings: Any, names: Sequence[str], value: Any) -> Any:
    for name in names:
        if name in type(settings).model_fields:
            return _set(settings, **{name: value})
    return settings


def _uptake(case: Case, value: float) -> tuple[Any, Any]:
    if not 0.0 < value <= 1.0:
        raise ValueError(f"uptake is a share between 0 and 1 (got {value})")
    a = case.assumptions
    if case.scheme == "pass":
        # The value is the regular uptake; at-least-once keeps its ratio to it.
        ratio = a.pass_uptake_once / a.pass_uptake_regular if a.pass_uptake_regular else 1.5
        once = min(1.0, max(value, value * ratio))
        assumptions = a.model_copy(update={"pass_uptake_regular": value, "pass_uptake_once": once})
        settings = _set(case.settings, uptake_regular=value, uptake_once=once)
        return settings, assumptions
    key = "mentoring_active_share" if case.scheme == "mentoring" else "groups_active_share"
    return case.settings, a.model_copy(update={key: value})


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
) -> Cohort:
    """Grow or shrink the cohort by resampling its students (seeded, same result every time).

    ``factor`` scales everyone; with ``by`` = ``"programme"`` or ``"level"``, ``factors`` maps
    group -> factor (groups not named keep factor 1). Sampling is stratified by programme and
    level so the mix stays as it is, up to rounding.
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
    removed: list[str] = []
    clones: list[str] = []
    for key in strata.index:
        ids = ids_by_stratum[key]
        n, target = len(ids), int(targets[key])
        if target < n:
            pick = rng.choice(n, size=n - target, replace=False)
            removed.extend(ids[i] for i in sorted(pick))
        elif target > n:
            extra = target - n
            if extra <= n:
                pick = rng.choice(n, size=extra, replace=False)
            else:  # everyone at least floor(extra / n) times, the rest at random
                whole, rest = divmod(extra, n)
                pick = np.concatenate(
                    [np.repeat(np.arange(n), whole), rng.choice(n, size=rest, replace=False)]
                )
            clones.extend(ids[i] for i in sorted(pick))
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
        for name in ("students", "enrolments", "busy", "mentees", "mentors"):
            tables[name] = _with_copies(tables[name], mapping)
    label = f"{cohort.name} x{factor:g}" if by is None else f"{cohort.name} (intake varied)"
    return cohort.model_copy(update={**tables, "name": label})


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


# ------------------------------------------------------------------------------ volunteers


def _weighted_order(weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random order of the items with positive weight, heavier ones earlier (without
    replacement; Efraimidis-Spirakis keys)."""
    positive = np.flatnonzero(weights > 0)
    if len(positive) == 0:
        return positive
    keys = rng.random(len(positive)) ** (1.0 / weights[positive])
    return positive[np.argsort(-keys, kind="stable")]


def mentor_recruitment_order(cohort: Cohort, seed: int = 0) -> pd.DataFrame:
    """Students who could be recruited as mentors, in recruitment order, with a capacity.

    Eligible: not a mentor or mentee already; at a level current mentors come from (or, with no
    mentors, above the lowest mentee level); in a programme with mentees. Heavier weight where
    there are more mentees per programme and more current mentors per level.
    """
    s = cohort.students
    mentors, mentees = cohort.mentors, cohort.mentees
    taken = set(mentors["student_id"]) | set(mentees["student_id"])
    level_of = s.set_index("student_id")["level"]
    programme_of = s.set_index("student_id")["programme"]
    if len(mentors):
        level_share = mentors["student_id"].map(level_of).value_counts(normalize=True)
    else:
        low = min(
            (LEVEL_RANK[lvl] for lvl in mentees["student_id"].map(level_of).dropna()), default=-1
        )
        levels = [lvl for lvl, rank in LEVEL_RANK.items() if rank > low]
        level_share = pd.Series(1.0 / len(levels), index=levels)
    if len(mentees):
        demand = mentees["student_id"].map(programme_of).value_counts(normalize=True)
    else:
        demand = s["programme"].value_counts(normalize=True)
    candidates = s.loc[~s["student_id"].isin(taken), ["student_id", "programme", "level"]]
    weights = candidates["level"].map(level_share).fillna(0.0).to_numpy(float) * candidates[
        "programme"
    ].map(demand).fillna(0.0).to_numpy(float)
    rng = np.random.default_rng(seed)
    order = _weighted_order(weights, rng)
    chosen = candidates.iloc[order].reset_index(drop=True)
    capacities = mentors["capacity"].to_numpy() if len(mentors) else np.array([2])
    chosen["capacity"] = rng.choice(capacities, size=len(chosen)).astype("int64")
    return chosen


def change_mentors(cohort: Cohort, change: int, seed: int = 0) -> Cohort:
    """Recruit ``change`` mentors (positive) or lose ``-change`` (negative), seeded and nested."""
    if change == 0:
        return cohort
    mentors = cohort.mentors
    if change < 0:
        n = min(-change, len(mentors))
        order = np.random.default_rng(seed).permutation(len(mentors))
        lost = set(mentors["student_id"].iloc[order[:n]])
        tables = _drop_roles(cohort, lost, ("mentors",))
        return cohort.model_copy(update=tables)
    recruits = mentor_recruitment_order(cohort, seed).head(change)
    new_rows = pd.DataFrame(
        {"student_id": recruits["student_id"].astype(object), "capacity": recruits["capacity"]}
    )
    new = pd.concat([mentors, new_rows[mentors.columns]], ignore_index=True)
    return cohort.model_copy(update={"mentors": new.astype(mentors.dtypes.to_dict())})


def _drop_roles(cohort: Cohort, lost: set[str], roles: Sequence[str]) -> dict[str, pd.DataFrame]:
    tables = {
        role: cohort.table(role)
        .loc[~cohort.table(role)["student_id"].isin(lost)]
        .reset_index(drop=True)
        for role in roles
    }
    prefs = cohort.preferences
    if len(prefs) and "mentors" in roles:
        tables["preferences"] = prefs.loc[
            ~prefs["student_id"].isin(lost) & ~prefs["prefers_id"].isin(lost)
        ].reset_index(drop=True)
    return tables


def set_mentor_capacity(cohort: Cohort, capacity: int) -> Cohort:
    """Every mentor takes up to ``capacity`` mentees (1-20)."""
    if not 1 <= capacity <= 20:
        raise ValueError(f"a mentor's capacity is 1 to 20 mentees (got {capacity})")
    mentors = cohort.mentors.assign(capacity=np.int64(capacity))
    return cohort.model_copy(update={"mentors": mentors.astype(cohort.mentors.dtypes.to_dict())})


def _targeted(cohort: Cohort, settings: Any) -> list[str]:
    try:
        from workbench.schemes.pass_sessions.settings import targeted_modules

        return targeted_modules(cohort, settings)[0]
    except (ImportError, ValueError, AttributeError):
        return sorted(set(cohort.leaders["module_code"]))


def leader_recruitment_order(
    cohort: Cohort, settings: Any = None, seed: int = 0, limit: int | None = None
) -> pd.DataFrame:
    """Students who could be recruited as PASS leaders, in order, each for one module.

    Modules are the targeted ones, chosen in proportion to their enrolment; a recruit is a
    student at a higher level than the module, in its programme when the module has one, not
    enrolled on it and not yet a leader. Columns: student_id, module_code, max_sessions.
    """
    modules = (
        _targeted(cohort, settings)
        if settings is not None
        else sorted(set(cohort.leaders["module_code"]))
    )
    s = cohort.students
    leaders = cohort.leaders
    taken = set(leaders["student_id"])
    enrolled = cohort.enrolments.groupby("module_code")["student_id"].agg(set)
    info = cohort.modules.set_index("module_code")
    rng = np.random.default_rng(seed)
    pools: dict[str, list[str]] = {}
    for code in modules:
        level = info["level"].get(code) if "level" in info else None
        programme = info["programme"].get(code) if "programme" in info else None
        if not isinstance(level, str):
            on = enrolled.get(code, set())
            levels = s.loc[s["student_id"].isin(on), "level"]
            level = levels.mode().iloc[0] if len(levels) else None
        pool = s
        if isinstance(level, str):
            pool = pool.loc[pool["level"].map(LEVEL_RANK) > LEVEL_RANK[level]]
        if isinstance(programme, str) and (pool["programme"] == programme).any():
            pool = pool.loc[pool["programme"] == programme]
        ids = [i for i in pool["student_id"] if i not in taken and i not in enrolled.get(code, ())]
        pools[code] = [ids[k] for k in rng.permutation(len(ids))]
    demand = np.array([len(enrolled.get(code, ())) for code in modules], dtype=float)
    if demand.sum() <= 0:
        demand = np.ones(len(modules))
    sessions = leaders["max_sessions"] if len(leaders) else pd.Series([2])
    default_sessions = int(sessions.median()) if len(sessions) else 2
    rows: list[tuple[str, str, int]] = []
    used: set[str] = set()
    limit = limit if limit is not None else sum(len(p) for p in pools.values())
    while len(rows) < limit:
        open_ = np.array([bool(pools[c]) for c in modules]) if modules else np.array([], bool)
        if not open_.any():
            break
        w = demand * open_
        k = int(rng.choice(len(modules), p=w / w.sum()))
        pool = pools[modules[k]]
        while pool and pool[0] in used:
            pool.pop(0)
        if not pool:
            continue
        student = pool.pop(0)
        used.add(student)
        rows.append((student, modules[k], default_sessions))
    frame = pd.DataFrame(rows, columns=["student_id", "module_code", "max_sessions"])
    frame["student_id"] = frame["student_id"].astype(object)
    frame["module_code"] = frame["module_code"].astype(object)
    return frame.astype({"max_sessions": "int64"})


def change_leaders(cohort: Cohort, settings: Any, change: int, seed: int = 0) -> Cohort:
    """Recruit ``change`` PASS leaders (positive) or lose ``-change`` (negative), nested."""
    if change == 0:
        return cohort
    leaders = cohort.leaders
    if change < 0:
        people = sorted(set(leaders["student_id"]))
        order = np.random.default_rng(seed).permutation(len(people))
        lost = {people[i] for i in order[: min(-change, len(people))]}
        return cohort.model_copy(update=_drop_roles(cohort, lost, ("leaders",)))
    recruits = leader_recruitment_order(cohort, settings, seed, limit=change)
    new = pd.concat([leaders, recruits[leaders.columns]], ignore_index=True)
    return cohort.model_copy(update={"leaders": new.astype(leaders.dtypes.to_dict())})


# ------------------------------------------------------------------------------ figures


def headline_figures(
    cohort: Cohort,
    scheme: str,
    settings: Any,
    result: Any,
    assumptions: Any = None,
    rates: Any = None,
    budget: float | None = None,
) -> dict[str, Any]:
    """The headline figures of a solved plan (:func:`workbench.schemes.registry.plan_figures`)."""
    return registry.plan_figures(cohort, scheme, settings, result, assumptions, rates, budget)


def _num(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if np.isnan(value) else value


# ------------------------------------------------------------------------------ sweeps


def solve_case(case: Case) -> tuple[Any, dict[str, Any]]:
    """Solve a case; returns (result, headline figures with the solve seconds)."""
    started = time.perf_counter()
    result = registry.get(case.scheme).solve(case.cohort, case.settings)
    figures = headline_figures(
        case.cohort, case.scheme, case.settings, result, case.assumptions, case.rates, case.budget
    )
    figures["seconds"] = time.perf_counter() - started
    return result, figures


def _point(job: tuple) -> dict[str, Any]:
    """One sweep point (runs in a worker process): vary, solve, measure."""
    case, param, value, seed = job
    started = time.perf_counter()
    row: dict[str, Any] = {"param": param, "value": value}
    try:
        varied = vary(case, param, value, seed)
        _, figures = solve_case(varied)
        row.update(figures)
        row["message"] = ""
    except Exception as exc:  # noqa: BLE001 (one bad point must not sink the sweep)
        row.update(status="error", message=f"{type(exc).__name__}: {exc}")
    row["seconds"] = time.perf_counter() - started
    return row


def _cancelled(cancel: Any) -> bool:
    if cancel is None:
        return False
    if hasattr(cancel, "is_set"):
        return bool(cancel.is_set())
    return bool(cancel())


def parse_range(text: str) -> list[float]:
    """``0.8:1.5:0.1`` -> [0.8, 0.9, ..., 1.5] (end included); ``1,2,5`` -> [1, 2, 5]."""
    text = text.strip()
    try:
        if ":" in text:
            parts = [float(p) for p in text.split(":")]
            if len(parts) != 3:
                raise ValueError
            start, stop, step = parts
            if step <= 0 or stop < start:
                raise ValueError
            n = int(np.floor((stop - start) / step + 1e-9)) + 1
            if n > 1000:
                raise ValueError
            decimals = max(_decimals(start), _decimals(step))
            return [round(start + i * step, decimals + 2) for i in range(n)]
        values = [float(p) for p in text.split(",") if p.strip()]
        if not values:
            raise ValueError
        return values
    except ValueError:
        raise ValueError(
            f"'{text}' is not a range: use START:STOP:STEP (e.g. 0.8:1.5:0.1) "
            "or a list (e.g. 1,2,3)"
        ) from None


def _decimals(x: float) -> int:
    text = f"{x:.10f}".rstrip("0")
    return len(text.split(".")[1]) if "." in text else 0


_PRELOAD = [
    "workbench.review.whatif",
    "workbench.scenarios.scenario",
    "workbench.schemes.mentoring.solve",
    "workbench.schemes.pass_sessions.solve",
    "workbench.outcomes.coverage",
    "workbench.outcomes.costs",
]


def _pool(workers: int) -> cf.ProcessPoolExecutor:
    """Worker processes forked from a clean fork server (started once per process, with the
    solver modules imported), never from the caller: forking a multi-threaded host such as
    Streamlit can deadlock, and spawning a fresh interpreter per worker costs seconds."""
    try:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(_PRELOAD)
    except ValueError:  # no fork server on this platform
        context = multiprocessing.get_context("spawn")
    return cf.ProcessPoolExecutor(max_workers=workers, mp_context=context)


def run_sweep(
    cohort: Cohort,
    scheme: str,
    settings: Any,
    param: str,
    values: Sequence[float],
    *,
    parallel: bool = True,
    progress: Callable[[int, int], None] | None = None,
    cancel: Any = None,
    seed: int = 0,
    assumptions: Any = None,
    rates: Any = None,
    budget: float | None = None,
    workers: int = MAX_WORKERS,
) -> pd.DataFrame:
    """Solve the plan at every value of ``param``; one tidy row per value.

    Points run in ``workers`` (1 or 2) worker processes when ``parallel``; ``progress(done,
    total)`` is called as points finish; ``cancel`` (a ``threading.Event`` or a callable) stops
    the sweep: nothing more is started, and the table returned has the finished points plus the
    others marked ``cancelled`` (``table.attrs["cancelled"]`` is True).
    """
    case = Case(cohort, scheme, settings, assumptions, rates, budget)
    check_variation(param, scheme)
    values = list(dict.fromkeys(float(v) for v in values))
    total = len(values)
    rows: dict[float, dict[str, Any]] = {}
    cancelled = False
    if progress:
        progress(0, total)
    workers = max(1, min(MAX_WORKERS, workers, total))
    if not parallel or total <= 1:  # one worker is still a process: the caller stays free
        for value in values:
            if _cancelled(cancel):
                cancelled = True
                break
            rows[value] = _point((case, param, value, seed))
            if progress:
                progress(len(rows), total)
    else:
        pending = list(values)
        with _pool(workers) as pool:
            running: dict[cf.Future, float] = {}
            try:
                while pending or running:
                    if _cancelled(cancel):
                        cancelled = True
                        break
                    while pending and len(running) < workers:
                        value = pending.pop(0)
                        running[pool.submit(_point, (case, param, value, seed))] = value
                    done, _ = cf.wait(running, timeout=0.2, return_when=cf.FIRST_COMPLETED)
                    for future in done:
                        value = running.pop(future)
                        try:
                            rows[value] = future.result()
                        except Exception as exc:  # noqa: BLE001 (a worker died)
                            rows[value] = {
                                "param": param,
                                "value": value,
                                "status": "error",
                                "message": f"{type(exc).__name__}: {exc}",
                            }
                        if progress:
                            progress(len(rows), total)
            finally:
                if cancelled:
                    for future in running:
                        future.cancel()
                    pool.shutdown(wait=False, cancel_futures=True)
                    _stop_workers(pool)
    for value in values:
        if value not in rows:
            rows[value] = {
                "param": param,
                "value": value,
                "status": "cancelled",
                "message": "not solved: the sweep was cancelled",
            }
    table = pd.DataFrame([rows[v] for v in values])
    for col in SWEEP_COLUMNS:
        if col not in table.columns:
            table[col] = None
    extra = [c for c in table.columns if c not in SWEEP_COLUMNS]
    table = table[SWEEP_COLUMNS + extra]
    table.attrs["cancelled"] = cancelled
    table.attrs["scheme"] = scheme
    table.attrs["param"] = param
    return table


def _stop_workers(pool: cf.ProcessPoolExecutor) -> None:
    """End the workers of a cancelled sweep now (a point in progress is abandoned)."""
    processes = getattr(pool, "_processes", None) or {}
    for process in list(processes.values()):
        if process.is_alive():
            process.terminate()


# ------------------------------------------------------------------------------ inverse questions


@dataclass
class InverseAnswer:
    """The answer to "how many volunteers for this target", with the solves behind it."""

    question: str
    target: float
    needed: int | None  # total volunteers needed; None when the target is out of reach
    change: int | None  # volunteers to recruit (+) or who could go (-)
    achieved: float | None  # coverage / reach at the answer
    current: int
    evidence: pd.DataFrame = field(default_factory=pd.DataFrame)
    message: str = ""


def _search(
    case: Case,
    param: str,
    measure: Callable[[dict], float],
    target: float,
    low: int,
    high: int,
    seed: int,
) -> tuple[int | None, pd.DataFrame]:
    """Smallest change in [low, high] whose measure reaches ``target`` (monotone search)."""
    seen: dict[int, dict[str, Any]] = {}

    def value(k: int) -> float:
        if k not in seen:
            seen[k] = _point((case, param, k, seed))
        row = seen[k]
        if row.get("status") in ("error", "infeasible", "timed out", "not solved"):
            return float("-inf")
        return float(measure(row) or 0.0)

    answer: int | None
    if value(0) >= target:
        # Already there: how many could go? Search down in [low, 0].
        lo, hi = low, 0
    else:
        # Grow in steps 1, 2, 4, ... then bisect.
        step, prev = 1, 0
        while True:
            k = min(high, prev + step)
            if value(k) >= target:
                lo, hi = prev + 1, k
                break
            if k >= high:
                lo = hi = None  # type: ignore[assignment]
                break
            prev, step = k, step * 2
    if lo is None:
        answer = None
    else:
        while lo < hi:
            mid = (lo + hi) // 2
            if value(mid) >= target:
                hi = mid
            else:
                lo = mid + 1
        answer = lo
    evidence = pd.DataFrame([seen[k] for k in sorted(seen)])
    return answer, evidence


def mentors_needed(
    cohort: Cohort,
    settings: Any,
    target_coverage: float,
    *,
    seed: int = 0,
    max_recruits: int | None = None,
) -> InverseAnswer:
    """Fewest mentors that match ``target_coverage`` (0-1) of the mentees.

    Searches over mentors recruited (or lost) with the solver; recruits follow
    :func:`mentor_recruitment_order`. The evidence table has every solve made.
    """
    if not 0.0 < target_coverage <= 1.0:
        raise ValueError("the target is a share between 0 and 1")
    case = Case(cohort, "mentoring", settings)
    current = int(len(cohort.mentors))
    available = len(mentor_recruitment_order(cohort, seed))
    high = available if max_recruits is None else min(available, max_recruits)
    answer, evidence = _search(
        case, "mentors", lambda r: r.get("coverage"), target_coverage, -current, high, seed
    )
    return _answer(
        "mentors", "mentees", target_coverage, answer, current, evidence, high, high < available
    )


def leaders_needed(
    cohort: Cohort,
    settings: Any,
    target_reach: float,
    *,
    seed: int = 0,
    max_recruits: int | None = None,
) -> InverseAnswer:
    """Fewest PASS leaders that reach ``target_reach`` (0-1) of targeted enrolments."""
    if not 0.0 < target_reach <= 1.0:
        raise ValueError("the target is a share between 0 and 1")
    case = Case(cohort, "pass", settings)
    current = int(cohort.leaders["student_id"].nunique())
    available = len(leader_recruitment_order(cohort, case.settings, seed))
    high = available if max_recruits is None else min(available, max_recruits)
    answer, evidence = _search(
        case, "leaders", lambda r: r.get("coverage"), target_reach, -current, high, seed
    )
    return _answer(
        "leaders",
        "targeted enrolments",
        target_reach,
        answer,
        current,
        evidence,
        high,
        high < available,
    )


def _answer(
    who: str,
    what: str,
    target: float,
    change: int | None,
    current: int,
    evidence: pd.DataFrame,
    high: int,
    capped: bool,
) -> InverseAnswer:
    evidence = evidence.rename(columns={"value": "change"})
    if len(evidence):
        evidence.insert(1, who, current + evidence["change"].astype(int))
    verb = "match" if who == "mentors" else "reach"
    question = f"How many {who} to {verb} {target:.0%} of {what}?"
    if change is None:
        best = evidence["coverage"].max() if len(evidence) else None
        best_text = f"{best:.0%}" if best is not None and pd.notna(best) else "unknown"
        return InverseAnswer(
            question,
            target,
            None,
            None,
            None,
            current,
            evidence,
            f"Out of reach: even with {high} more {who} ("
            + ("the most allowed" if capped else "every eligible student recruited")
            + f") the plan {verb}es {best_text} of {what}.",
        )
    row = evidence.loc[evidence["change"] == change].iloc[0]
    needed = current + change
    if change > 0:
        how = f"recruit {change} more (from {current} to {needed})"
    elif change < 0:
        how = f"{-change} fewer would still do ({needed} of today's {current})"
    else:
        how = f"today's {current} are just enough"
    return InverseAnswer(
        question,
        target,
        needed,
        change,
        float(row["coverage"]),
        current,
        evidence,
        f"{needed} {who} {verb} {float(row['coverage']):.0%} of {what}: {how}.",
    )


# ------------------------------------------------------------------------------ comparing

HEADLINE: list[tuple[str, str]] = list(registry.FIGURE_LABELS.items())


def headline_label(key: str, scheme: str | None = None) -> str:
    """A headline figure's name in the coordinator's words (per scheme when it differs)."""
    return registry.figure_label(key, scheme)


def compare_scenarios(scenarios: Sequence[Any]) -> pd.DataFrame:
    """Headline figures of several scenarios side by side, with differences from the first.

    One row per figure (``metric``, ``label``); one column per scenario (by name, made unique),
    then ``change: NAME`` columns (numbers only) against the first scenario. Settings that differ
    between scenarios are listed at the end as ``setting: NAME`` rows.
    """
    if not scenarios:
        raise ValueError("give at least one scenario to compare")
    names = _unique([s.name for s in scenarios])
    rows = []
    metrics = [m for m in HEADLINE if any(m[0] in s.summary for s in scenarios)]
    schemes = {s.scheme for s in scenarios}
    same = next(iter(schemes)) if len(schemes) == 1 else None
    for key, label in [("scheme", "Scheme"), *metrics]:
        row: dict[str, Any] = {
            "metric": key,
            "label": headline_label(key, same) if key != "scheme" else label,
        }
        for name, s in zip(names, scenarios, strict=True):
            row[name] = s.scheme if key == "scheme" else s.summary.get(key)
        rows.append(row)
    for key in _differing_settings(scenarios):
        row = {"metric": f"setting: {key}", "label": f"Setting: {key.replace('_', ' ')}"}
        for name, s in zip(names, scenarios, strict=True):
            value = s.settings.get(key)
            row[name] = (
                value if isinstance(value, (int, float, str, bool)) or value is None else str(value)
            )
        rows.append(row)
    table = pd.DataFrame(rows)
    first = names[0]
    for name in names[1:]:
        table[f"change: {name}"] = [
            _difference(r[first], r[name]) for r in table.to_dict("records")
        ]
    return table


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def _difference(a: Any, b: Any) -> float | None:
    numeric = (int, float, np.integer, np.floating)
    if isinstance(a, bool) or isinstance(b, bool):
        return None
    if isinstance(a, numeric) and isinstance(b, numeric):
        if pd.isna(a) or pd.isna(b):
            return None
        return float(b) - float(a)
    return None


def _differing_settings(scenarios: Sequence[Any]) -> list[str]:
    keys: list[str] = []
    for s in scenarios:
        keys += [k for k in s.settings if k not in keys]
    return [k for k in keys if len({repr(s.settings.get(k)) for s in scenarios}) > 1]
