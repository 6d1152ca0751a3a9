"""Evaluation: the SI-standard table by attendance band and an adjusted estimate of the effect.

**The table** (the UMKC model for PASS/SI): per module and overall, the students in each
attendance band (default none, 1-4, 5-9, 10+ sessions), their mean final mark, pass rate and
DFW rate (D, fail or withdrawn: a result of ``fail`` or ``withdrawn``, or with no result a mark
below 40). Overall (module ``ALL``) a student counts once for each module they take, in that
module's band.

**The adjusted estimate**: attenders (at least ``attender_min`` sessions of the module) against
non-attenders, by ordinary least squares of the mark on attending plus prior attainment, the
student attributes present (programme, level, first generation, commuter, home status) and the
module, with standard errors clustered by module (statsmodels, ``cov_type="cluster"``, t with
clusters - 1 degrees of freedom). The DFW rate uses the same model on a 0/1 outcome (a linear
probability model), in percentage points. Attenders tend to be stronger students, so the raw
difference overstates the effect; the adjustment removes the part explained by what the data
records, not unrecorded motivation: the result is an association, not proof of cause.

For mentoring the outcome is continuation (``progression.continued``), an attender is a mentee
with at least ``attender_min`` meetings, and errors are clustered by programme.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm

from workbench.cohort.domain import Cohort
from workbench.schemes import registry
from workbench.schemes.scheme_parts import Evaluation

DEFAULT_BANDS = "0,1-4,5-9,10+"
PASS_MARK = 40.0
MIN_PER_ARM = 20  # fewer attenders or non-attenders than this: no estimate
MIN_CLUSTERS = 4  # fewer modules than this: heteroskedasticity-robust errors instead
GROUP_COLUMNS = ("first_generation", "commuter", "home_status", "level")
_CATEGORICAL = ("programme", "level", "home_status")
_BOOLEAN = ("first_generation", "commuter")
TOO_FEW = "Too few students for an estimate"


@dataclass(frozen=True)
class Band:
    label: str
    low: int
    high: float  # inclusive; inf for "10+"


def parse_bands(text: str = DEFAULT_BANDS) -> list[Band]:
    """``"0,1-4,5-9,10+"`` -> bands; ValueError when they overlap, leave gaps or do not start at 0."""
    bands = []
    for part in str(text).split(","):
        part = part.strip()
        try:
            if part.endswith("+"):
                bands.append(Band(part, int(part[:-1]), math.inf))
            elif "-" in part:
                low, high = (int(x) for x in part.split("-", 1))
                bands.append(Band(part, low, high))
            else:
                bands.append(Band(part, int(part), int(part)))
        except ValueError as exc:
            raise ValueError(f"band '{part}' is not N, N-M or N+") from exc
    expected = 0
    for band in bands:
        if band.low != expected or band.high < band.low:
            raise ValueError(f"bands must run from 0 without gaps or overlaps ('{band.label}')")
        expected = band.high + 1
    if not math.isinf(bands[-1].high):
        raise ValueError("the last band must be open-ended (for example 10+)")
    return bands


def band_label(sessions: pd.Series, bands: list[Band]) -> pd.Series:
    """The band each count of sessions falls in."""
    edges = [b.low for b in bands[1:]]
    index = np.searchsorted(np.asarray(edges), sessions.to_numpy(), side="right")
    labels = np.array([b.label for b in bands], dtype=object)
    return pd.Series(labels[index], index=sessions.index)


def _counts(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Distinct sessions per key (a repeated swipe at the same session counts once)."""
    session_cols = [c for c in ("week", "day", "start") if c in frame.columns]
    distinct = frame.drop_duplicates(keys + session_cols)
    return distinct.groupby(keys, sort=False).size().rename("sessions").reset_index()


def _result_flags(outcomes: pd.DataFrame) -> pd.DataFrame:
    """mark, dfw (0/1) and passed (0/1) per outcome row."""
    result = outcomes["result"].fillna("").astype(str).str.strip().str.lower()
    mark = outcomes["mark"].astype(float)
    dfw = np.where(
        result.isin(["fail", "failed", "withdrawn", "withdrew", "w", "f"]),
        1.0,
        np.where(result.isin(["pass", "passed", "p"]), 0.0, np.where(mark.notna(), 0.0, np.nan)),
    )
    no_result = ~result.isin(
        ["fail", "failed", "withdrawn", "withdrew", "w", "f", "pass", "passed", "p"]
    )
    dfw = np.where(no_result & mark.notna(), (mark < PASS_MARK).astype(float), dfw)
    return pd.DataFrame({"mark": mark, "dfw": dfw}, index=outcomes.index)


def pass_outcomes(
    cohort: Cohort, modules: list[str] | None = None, attender_min: int = 1
) -> pd.DataFrame:
    """One row per student and module with an outcome: sessions, attender, mark, dfw, attributes.

    Modules default to those with any attendance (the modules that offered PASS).
    """
    attendance = cohort.attendance
    if modules is None:
        modules = sorted(attendance["module_code"].dropna().unique())
    outcomes = cohort.outcomes[cohort.outcomes["module_code"].isin(modules)]
    frame = outcomes[["student_id", "module_code"]].join(_result_flags(outcomes))
    counts = _counts(
        attendance[attendance["module_code"].isin(modules)], ["student_id", "module_code"]
    )
    frame = frame.merge(counts, on=["student_id", "module_code"], how="left")
    frame["sessions"] = frame["sessions"].fillna(0).astype(int)
    frame["attender"] = (frame["sessions"] >= attender_min).astype(float)
    return frame.merge(_attributes(cohort), on="student_id", how="left")


def mentoring_outcomes(cohort: Cohort, attender_min: int = 1) -> pd.DataFrame:
    """One row per student in ``progression`` who is not a mentor: meetings, attender, continued."""
    progression = cohort.progression
    mentors = set(cohort.mentors["student_id"]) | set(cohort.meetings["mentor_id"])
    frame = progression.loc[~progression["student_id"].isin(mentors), ["student_id", "continued"]]
    meetings = cohort.meetings.rename(columns={"mentee_id": "student_id"})
    counts = _counts(meetings, ["student_id"])
    frame = frame.merge(counts, on="student_id", how="left")
    frame["sessions"] = frame["sessions"].fillna(0).astype(int)
    frame["attender"] = (frame["sessions"] >= attender_min).astype(float)
    frame["continued"] = frame["continued"].astype(float)
    frame["dfw"] = 1.0 - frame["continued"]
    frame["mark"] = np.nan
    frame["module_code"] = "ALL"
    return frame.merge(_attributes(cohort), on="student_id", how="left")


def _attributes(cohort: Cohort) -> pd.DataFrame:
    students = cohort.students
    cols = ["student_id"] + [
        c
        for c in ("prior_attainment", *_CATEGORICAL, *_BOOLEAN)
        if c in students.columns and students[c].notna().any()
    ]
    return students[cols]


def bands_table(frame: pd.DataFrame, bands: list[Band]) -> pd.DataFrame:
    """module_code, band, students, mean_mark, pass_rate, dfw_rate; module ``ALL`` for the whole."""
    work = frame.assign(band=band_label(frame["sessions"], bands))
    order = {b.label: i for i, b in enumerate(bands)}
    parts = []
    groups = list(work.groupby("module_code", sort=True))
    if not work["module_code"].eq("ALL").all():  # mentoring's rows are already the whole
        groups.append(("ALL", work))
    for code, part in groups:
        grouped = part.groupby("band", sort=False)
        table = pd.DataFrame(
            {
                "students": grouped.size(),
                "mean_mark": grouped["mark"].mean(),
                "dfw_rate": grouped["dfw"].mean(),
            }
        )
        table = table.reindex([b.label for b in bands])
        table["students"] = table["students"].fillna(0).astype(int)
        table["pass_rate"] = 1.0 - table["dfw_rate"]
        table.insert(0, "module_code", code)
        parts.append(table.rename_axis("band").reset_index())
    out = pd.concat(parts, ignore_index=True)
    out = out[["module_code", "band", "students", "mean_mark", "pass_rate", "dfw_rate"]]
    out["mean_mark"] = out["mean_mark"].round(1)
    out[["pass_rate", "dfw_rate"]] = out[["pass_rate", "dfw_rate"]].round(3)
    out["_order"] = out["band"].map(order)
    return out.sort_values(["module_code", "_order"], key=_all_last).drop(columns="_order")


def _all_last(col: pd.Series) -> pd.Series:
    if col.name == "module_code":
        return col.map(lambda c: (c == "ALL", c))
    return col


@dataclass
class Estimate:
    """One adjusted difference with its 95% interval (None when too few students)."""

    difference: float | None
    ci_low: float | None
    ci_high: float | None
    naive: float | None
    n: int


@dataclass
class Effect:
    """What ``effect.json`` holds; differences in marks, rates in percentage points."""

    outcome: str
    attenders: int
    non_attenders: int
    naive_difference: float | None
    adjusted_difference: float | None
    ci_low: float | None
    ci_high: float | None
    dfw_naive_difference: float | None
    dfw_adjusted_difference: float | None
    dfw_ci_low: float | None
    dfw_ci_high: float | None
    adjusted_for: list[str]
    clustered_by: str
    clusters: int
    sentence: str
    dfw_sentence: str
    groups: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def design(frame: pd.DataFrame, cluster: str) -> tuple[pd.DataFrame, list[str]]:
    """The regressors: attender, prior attainment (with a missing flag) and attribute dummies
    (the cluster's own fixed effects are absorbed in :func:`estimate`); and the names of the
    columns adjusted for, the cluster included."""
    parts = [frame[["attender"]].astype(float)]
    used: list[str] = []
    if "prior_attainment" in frame and frame["prior_attainment"].notna().any():
        prior = frame["prior_attainment"].astype(float)
        parts.append(prior.fillna(prior.mean()).rename("prior_attainment").to_frame())
        if prior.isna().any():
            parts.append(prior.isna().astype(float).rename("prior_missing").to_frame())
        used.append("prior_attainment")
    for col in (*_CATEGORICAL, *_BOOLEAN):
        if col not in frame or col == cluster:
            continue
        values = frame[col].astype(object).where(frame[col].notna(), "(blank)").astype(str)
        if values.nunique() < 2:
            continue
        parts.append(pd.get_dummies(values, prefix=col, drop_first=True, dtype=float))
        used.append(col)
    if cluster in frame and frame[cluster].nunique() > 1:
        used.append(cluster)
    return pd.concat(parts, axis=1), used


def _absorbed(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Each column minus its mean within the group: the groups' fixed effects absorbed
    (Frisch-Waugh-Lovell: the same coefficients as one dummy per group)."""
    counts = np.bincount(groups).astype(float)
    if values.ndim == 1:
        return values - (np.bincount(groups, weights=values) / counts)[groups]
    means = np.column_stack(
        [np.bincount(groups, weights=values[:, j]) / counts for j in range(values.shape[1])]
    )
    return values - means[groups]


def _independent(x: np.ndarray, names: list[str]) -> tuple[np.ndarray, list[str]]:
    """Drop columns the earlier ones already determine (a module's programme and level), by
    elimination on the small cross-product matrix."""
    gram = x.T @ x
    keep: list[int] = []
    for j in range(x.shape[1]):
        own = gram[j, j]
        if keep:
            sub = gram[np.ix_(keep, keep)]
            own -= gram[j, keep] @ np.linalg.solve(sub, gram[keep, j])
        if own > 1e-9 * max(gram[j, j], 1e-12) and gram[j, j] > 1e-12:
            keep.append(j)
    return x[:, keep], [names[j] for j in keep]


def estimate(
    frame: pd.DataFrame,
    outcome: str,
    cluster: str,
    scale: float = 1.0,
    x_all: pd.DataFrame | None = None,
) -> Estimate:
    """Adjusted difference attender - non-attender in ``outcome`` (times ``scale``): least
    squares with the cluster's fixed effects absorbed and errors clustered by it.

    ``x_all``: the regressors already built for a frame this one is part of (its rows)."""
    data = frame[frame[outcome].notna()]
    att = data["attender"] == 1.0
    n_att, n_non = int(att.sum()), int((~att).sum())
    naive = (
        float(data.loc[att, outcome].mean() - data.loc[~att, outcome].mean()) * scale
        if n_att and n_non
        else None
    )
    if n_att < MIN_PER_ARM or n_non < MIN_PER_ARM:
        return Estimate(None, None, None, naive, len(data))
    x = design(data, cluster)[0] if x_all is None else x_all.loc[data.index]
    groups = pd.factorize(data[cluster])[0] if cluster in data else np.zeros(len(data), int)
    y = _absorbed(data[outcome].to_numpy(dtype=float), groups)
    values, names = _independent(_absorbed(x.to_numpy(dtype=float), groups), list(x.columns))
    if "attender" not in names:
        return Estimate(None, None, None, naive, len(data))
    model = sm.OLS(y, values, hasconst=False)  # the fixed effects absorbed the constant
    if len(np.unique(groups)) >= MIN_CLUSTERS:
        fit = model.fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
    else:
        fit = model.fit(cov_type="HC1", use_t=True)
    at = names.index("attender")
    low, high = fit.conf_int(alpha=0.05)[at]
    return Estimate(
        float(fit.params[at]) * scale, float(low) * scale, float(high) * scale, naive, len(data)
    )


def _range(low: float, high: float, digits: int) -> str:
    sep = " to " if low < 0 or high < 0 else "-"
    return f"{low:.{digits}f}{sep}{high:.{digits}f}"


def mark_sentence(est: Estimate) -> str:
    """The estimate in a coordinator's words, with its caveat."""
    if est.difference is None:
        return f"{TOO_FEW}: fewer than {MIN_PER_ARM} attenders or non-attenders have a mark."
    word = "higher" if est.difference >= 0 else "lower"
    return (
        f"Attenders scored {abs(est.difference):.1f} marks {word} "
        f"(95% CI {_range(est.ci_low, est.ci_high, 1)}) than similar students who did not "
        "attend; this is an association in observational data, not proof of cause."
    )


def rate_sentence(est: Estimate, what: str, subject: str = "attenders") -> str:
    """A rate difference in percentage points, in words."""
    if est.difference is None:
        return f"{TOO_FEW} of the {what} rate."
    word = "higher" if est.difference >= 0 else "lower"
    return (
        f"The {what} rate of {subject} was {abs(est.difference):.1f} percentage points {word} "
        f"(95% CI {_range(est.ci_low, est.ci_high, 1)}) than that of similar students; "
        "an association, not proof of cause."
    )


def group_effects(
    frame: pd.DataFrame,
    outcome: str,
    cluster: str,
    scale: float,
    x_all: pd.DataFrame | None = None,
) -> list[dict]:
    """The adjusted difference within each group of students (the equity question)."""
    rows = []
    if x_all is None and len(frame):
        x_all = design(frame, cluster)[0]
    for col in GROUP_COLUMNS:
        if col not in frame:
            continue
        for value, part in frame.groupby(frame[col].astype(object), sort=True):
            est = estimate(part, outcome, cluster, scale, x_all)
            rows.append(
                {
                    "group": col,
                    "value": str(value),
                    "attenders": int((part["attender"] == 1).sum()),
                    "non_attenders": int((part["attender"] == 0).sum()),
                    "naive_difference": _round(est.naive),
                    "adjusted_difference": _round(est.difference),
                    "ci_low": _round(est.ci_low),
                    "ci_high": _round(est.ci_high),
                }
            )
    return rows


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), digits)


def _evaluation(scheme: str) -> Evaluation:
    """How a scheme is evaluated (ValueError in words when it has no evaluation)."""
    spec = registry.get(scheme).evaluation if scheme in registry.KEYS else None
    if spec is None:
        raise ValueError(f"no evaluation for the {scheme} scheme (pass or mentoring)")
    return spec


def evaluate(frame: pd.DataFrame, scheme: str = "pass") -> Effect:
    """The adjusted estimate for a frame from :func:`pass_outcomes` or :func:`mentoring_outcomes`."""
    spec = _evaluation(scheme)
    cluster = spec.cluster
    x_all, used = design(frame, cluster) if len(frame) else (None, [])
    if spec.outcome == "mark":
        main = estimate(frame, "mark", cluster, 1.0, x_all)
        sentence = mark_sentence(main)
        scale = 1.0
    else:
        scale = 100.0
        main = estimate(frame, spec.outcome, cluster, scale, x_all)
        sentence = rate_sentence(main, spec.outcome_word, spec.attenders)
    dfw = estimate(frame, "dfw", cluster, 100.0, x_all)
    return Effect(
        outcome=spec.outcome,
        attenders=int((frame["attender"] == 1).sum()),
        non_attenders=int((frame["attender"] == 0).sum()),
        naive_difference=_round(main.naive),
        adjusted_difference=_round(main.difference),
        ci_low=_round(main.ci_low),
        ci_high=_round(main.ci_high),
        dfw_naive_difference=_round(dfw.naive),
        dfw_adjusted_difference=_round(dfw.difference),
        dfw_ci_low=_round(dfw.ci_low),
        dfw_ci_high=_round(dfw.ci_high),
        adjusted_for=used,
        clustered_by=cluster,
        clusters=int(frame[cluster].nunique()) if cluster in frame else 0,
        sentence=sentence,
        dfw_sentence=rate_sentence(dfw, spec.rate_word, spec.attenders),
        groups=group_effects(frame, spec.outcome, cluster, scale, x_all),
    )


def outcomes_for(cohort: Cohort, scheme: str, attender_min: int = 1) -> pd.DataFrame:
    """The evaluation frame for a scheme (ValueError in words when the data is missing)."""
    spec = _evaluation(scheme)
    missing = [t for t in spec.needs if len(cohort.table(t)) == 0]
    if missing:
        tables = " and ".join(missing) + (" table(s)" if len(spec.needs) > 1 else " table")
        raise ValueError(f"evaluating {spec.subject} needs the {tables}")
    if spec.outcome == "mark":  # a mark per module: the registers and the results
        return pass_outcomes(cohort, attender_min=attender_min)
    return mentoring_outcomes(cohort, attender_min)


@dataclass
class Impact:
    """What the report and the Evaluation page show: the estimate and the SI table."""

    scheme: str
    effect: Effect
    bands: pd.DataFrame


def impact_of(
    cohort: Cohort, scheme: str, bands: str = DEFAULT_BANDS, attender_min: int = 1
) -> Impact | None:
    """The evaluation of a scheme, or None when the cohort has no term data for it."""
    try:
        frame = outcomes_for(cohort, scheme, attender_min)
    except ValueError:
        return None
    if frame.empty:
        return None
    table = bands_table(frame, parse_bands(bands))
    spec = _evaluation(scheme)
    if spec.outcome != "mark":  # no mark: the rates are of the outcome
        table = table.drop(columns="mean_mark").rename(columns=dict(spec.band_columns))
    return Impact(scheme, evaluate(frame, scheme), table)
