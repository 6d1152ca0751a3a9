"""Who a scheme reaches: reach, expected coverage, breakdowns and the equity view.

Every scheme result is first turned into a tidy *reach frame*, one row per unit the scheme
tries to reach, with the columns ``student_id``, ``reached`` (bool), ``reason`` (why not, empty
when reached) and, for PASS, ``module_code``:

* mentoring: one row per mentee (reached = matched to a mentor);
* PASS: one row per student enrolment on a targeted module (reached = at least one session of
  that module fits the student's timetable);
* groups: one row per student asked to be placed (reached = placed in a group).

Expected coverage multiplies reach by an uptake assumption (:class:`Assumptions`): not everyone
offered a session or a mentor takes it up. Breakdowns are by programme, level, module (PASS) and
every student attribute the cohort has; the equity view compares each group with the cohort
average and flags groups too small to read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from workbench.cohort.contract import PERSONAL_COLUMNS
from workbench.cohort.domain import LEVEL_RANK, Cohort

# Student attributes always considered for breakdowns when the cohort has values for them.
KNOWN_ATTRIBUTES: tuple[str, ...] = (
    "faculty",
    "home_status",
    "first_generation",
    "commuter",
    "gender",
)
# Columns never used as a breakdown (identifiers and lists).
_NOT_ATTRIBUTES = {*PERSONAL_COLUMNS, "languages", "interests", "programme", "level"}

DIMENSION_LABELS: dict[str, str] = {
    "overall": "Overall",
    "programme": "Programme",
    "level": "Level",
    "module": "Module",
    "faculty": "Faculty",
    "home_status": "Home/international",
    "first_generation": "First generation",
    "commuter": "Commuter",
    "gender": "Gender",
}

NOT_RECORDED = "not recorded"


class Assumptions(BaseModel):
    """Uptake assumptions behind *expected* coverage; every default has a documented source.

    See ``docs/assumptions.md`` for the sources and :func:`assumptions_table` for the same
    information as a table.
    """

    model_config = ConfigDict(validate_assignment=True)

    pass_uptake_once: float = Field(
        0.45,
        ge=0.0,
        le=1.0,
        description="Share of students with a session that fits who attend PASS at least once.",
        json_schema_extra={"uptake_of": "pass", "measure": "", "setting": "uptake_once"},
    )
    pass_uptake_regular: float = Field(
        0.30,
        ge=0.0,
        le=1.0,
        description="Share of students with a session that fits who attend PASS regularly.",
        json_schema_extra={"uptake_of": "pass", "measure": "_regular", "setting": "uptake_regular"},
    )
    mentoring_active_share: float = Field(
        0.50,
        ge=0.0,
        le=1.0,
        description="Share of matched mentor-mentee pairs still meeting at the end of term.",
        json_schema_extra={"uptake_of": "mentoring", "measure": "", "setting": "active_share"},
    )
    groups_active_share: float = Field(
        0.50,
        ge=0.0,
        le=1.0,
        description="Share of students placed in a study group who keep meeting with it.",
        json_schema_extra={"uptake_of": "groups", "measure": "", "setting": "active_share"},
    )
    small_group: int = Field(
        10,
        ge=1,
        description="Groups with fewer students than this are flagged as too small to read.",
    )
    max_attribute_values: int = Field(
        12,
        ge=2,
        description="Extra student columns with at most this many distinct values are "
        "used as breakdowns.",
    )


ASSUMPTION_SOURCES: dict[str, str] = {
    "pass_uptake_once": (
        "40-45% attend at least once at the College of Charleston (SI program data); 51% across "
        "90 European programmes (European Centre for SI-PASS status report). 0.45 is the "
        "cautious end."
    ),
    "pass_uptake_regular": (
        "About 30% attend regularly at UTAS over ten years (range 28-35%, 'PASS marks its 10th "
        "anniversary'); Curtin planned for 30% (UniPASS report 2012)."
    ),
    "mentoring_active_share": (
        "Collings, Swanson & Watkins (2016, Studies in Higher Education 41(11)): most mentees "
        "used the scheme in week one and use had diminished by week ten. The study gives no "
        "single retention figure; 0.5 is a planning value for 'half the pairs still active at "
        "the end of term'. Replace it with your own scheme's figure."
    ),
    "groups_active_share": (
        "No published figure for self-organised study groups; 0.5 mirrors the mentoring "
        "planning value and sits between PASS regular (0.30) and at-least-once (0.45-0.51) "
        "attendance, since groups are timetabled around their members. Replace it locally."
    ),
    "small_group": (
        "Reporting convention: percentages of fewer than 10 students swing by 10+ points with "
        "one student, so such groups are flagged rather than compared."
    ),
    "max_attribute_values": (
        "Display convention: columns with more distinct values (e.g. postcodes) are not "
        "meaningful breakdowns."
    ),
}


def assumptions_table(assumptions: Assumptions | None = None) -> pd.DataFrame:
    """The assumptions as a table: parameter, value, default, meaning, source."""
    assumptions = assumptions or Assumptions()
    rows = []
    for name, info in Assumptions.model_fields.items():
        rows.append(
            {
                "parameter": name,
                "value": getattr(assumptions, name),
                "default": info.default,
                "meaning": info.description,
                "source": ASSUMPTION_SOURCES[name],
            }
        )
    return pd.DataFrame(rows)


# The uptake assumptions, each marked with its scheme, measure (column suffix; "" first: the
# scheme's headline) and the field of the scheme's settings that plans it. A scheme's uptake is
# declared on its field, not tested here by name.
_UPTAKE_FIELDS: list[tuple[str, dict[str, str]]] = [
    (name, info.json_schema_extra)
    for name, info in Assumptions.model_fields.items()
    if isinstance(info.json_schema_extra, dict) and "uptake_of" in info.json_schema_extra
]


def uptakes(scheme: str, assumptions: Assumptions) -> dict[str, float]:
    """The expected-coverage measures of a scheme: column suffix -> uptake share.

    The first entry is the scheme's headline ``expected`` figure.
    """
    measures = {
        extra["measure"]: getattr(assumptions, name)
        for name, extra in _UPTAKE_FIELDS
        if extra["uptake_of"] == scheme
    }
    if measures:
        return measures
    known = dict.fromkeys(extra["uptake_of"] for _, extra in _UPTAKE_FIELDS)
    raise ValueError(f"Unknown scheme {scheme!r}; expected one of {', '.join(known)}.")


# ---------------------------------------------------------------------------------------------
# Reach frames from scheme results


REACH_COLUMNS = ["student_id", "module_code", "reached", "reason"]
# Optional per-row uptake overrides (e.g. a PASS module with its own attendance figure).
UPTAKE_COLUMNS = ["uptake", "uptake_regular"]


def reach_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Normalise a hand-made or adapted reach frame (student_id, [module_code], reached, [reason]).

    ``module_code`` and ``reason`` are added (empty) when missing; ``reached`` becomes bool.
    Optional ``uptake`` / ``uptake_regular`` columns (per-row overrides of the assumptions,
    missing = use the assumption) are kept.
    """
    missing = {"student_id", "reached"} - set(frame.columns)
    if missing:
        raise ValueError(f"A reach frame needs the columns {sorted(missing)}.")
    out = pd.DataFrame(
        {
            "student_id": frame["student_id"].astype(str).to_numpy(),
            "module_code": (
                frame["module_code"].astype(object).to_numpy()
                if "module_code" in frame.columns
                else None
            ),
            "reached": frame["reached"].fillna(False).astype(bool).to_numpy(),
            "reason": (
                frame["reason"].fillna("").astype(str).to_numpy()
                if "reason" in frame.columns
                else ""
            ),
        }
    )
    out.loc[out["reached"], "reason"] = ""
    for col in UPTAKE_COLUMNS:
        if col in frame.columns:
            out[col] = pd.to_numeric(frame[col], errors="coerce").astype(float).to_numpy()
    return out[REACH_COLUMNS + [c for c in UPTAKE_COLUMNS if c in out.columns]]


def mentoring_reach(result: Any) -> pd.DataFrame:
    """One row per mentee of a mentoring result: matched or not, and why not."""
    matched = pd.DataFrame({"student_id": result.matches["mentee_id"].astype(str), "reached": True})
    unmatched = result.unmatched
    reasons = (
        unmatched["reason"]
        if "reason" in unmatched.columns
        else pd.Series("", index=unmatched.index)
    )
    missed = pd.DataFrame(
        {
            "student_id": unmatched["mentee_id"].astype(str),
            "reached": False,
            "reason": reasons.astype(str),
        }
    )
    frame = pd.concat([matched.drop_duplicates("student_id"), missed], ignore_index=True)
    # A mentee listed both ways (should not happen) counts as matched.
    frame = frame.sort_values("reached", ascending=False, kind="stable").drop_duplicates(
        "student_id"
    )
    return reach_frame(frame.sort_values("student_id", kind="stable"))


def pass_reach(result: Any) -> pd.DataFrame:
    """One row per student enrolment on a targeted module of a PASS result.

    Modules with their own uptake in the result's settings (``module_uptake``) carry it in
    the ``uptake`` / ``uptake_regular`` columns.
    """
    reach = result.reach.sort_values(["module_code", "student_id"], kind="stable")
    overrides = getattr(getattr(result, "settings", None), "module_uptake", None) or {}
    if overrides:
        once = {m: u.once for m, u in overrides.items()}
        regular = {m: u.regular for m, u in overrides.items()}
        reach = reach.assign(
            uptake=reach["module_code"].map(once), uptake_regular=reach["module_code"].map(regular)
        )
    return reach_frame(reach)


def groups_reach(result: Any) -> pd.DataFrame:
    """One row per student of a groups result: placed in a group or not, and why not."""
    placed = pd.DataFrame(
        {"student_id": result.groups["student_id"].astype(str), "reached": True}
    ).drop_duplicates("student_id")
    unplaced = result.unplaced
    reasons = (
        unplaced["reason"] if "reason" in unplaced.columns else pd.Series("", index=unplaced.index)
    )
    missed = pd.DataFrame(
        {
            "student_id": unplaced["student_id"].astype(str),
            "reached": False,
            "reason": reasons.astype(str),
        }
    )
    frame = pd.concat([placed, missed], ignore_index=True)
    frame = frame.sort_values("reached", ascending=False, kind="stable").drop_duplicates(
        "student_id"
    )
    return reach_frame(frame.sort_values("student_id", kind="stable"))


# ---------------------------------------------------------------------------------------------
# Breakdowns


def attribute_columns(cohort: Cohort, assumptions: Assumptions | None = None) -> list[str]:
    """Student attributes worth a breakdown: the known ones the cohort has values for, then
    extra columns with few distinct values (at least two)."""
    assumptions = assumptions or Assumptions()
    students = cohort.students
    columns = [c for c in KNOWN_ATTRIBUTES if c in students.columns and students[c].notna().any()]
    for col in students.columns:
        if col in _NOT_ATTRIBUTES or col in KNOWN_ATTRIBUTES:
            continue
        values = students[col].dropna()
        if values.empty or values.map(lambda v: isinstance(v, (list, tuple, dict))).any():
            continue
        if 2 <= values.nunique() <= assumptions.max_attribute_values:
            columns.append(col)
    return columns


def dimension_label(dimension: str) -> str:
    """A dimension name in the coordinator's words."""
    return DIMENSION_LABELS.get(dimension, dimension.replace("_", " ").capitalize())


def _group_values(series: pd.Series) -> pd.Series:
    """Group labels as text: yes/no for booleans, 'not recorded' for missing values."""

    def label(value: Any) -> str:
        if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
            return NOT_RECORDED
        if isinstance(value, (bool, np.bool_)):
            return "yes" if value else "no"
        return str(value)

    return series.astype(object).map(label).astype(object)


def _joined(reach: pd.DataFrame, cohort: Cohort, dimensions: list[str]) -> pd.DataFrame:
    student_cols = [d for d in dimensions if d not in ("module", "overall")]
    students = cohort.students[["student_id", *student_cols]].drop_duplicates("student_id")
    frame = reach.merge(students, on="student_id", how="left")
    for col in student_cols:
        frame[col] = _group_values(frame[col])
    if "module" in dimensions:
        frame["module"] = _group_values(frame["module_code"])
    return frame


def _summarise(frame: pd.DataFrame, by: str | None, measures: dict[str, float]) -> pd.DataFrame:
    if by is None:
        row = {
            "group": "all",
            "population": len(frame),
            "reached": int(frame["reached"].sum()),
            "students": int(frame["student_id"].nunique()),
            **{f"expected{s}": float(frame[f"_expected{s}"].sum()) for s in measures},
            "students_reached": int(frame.loc[frame["reached"], "student_id"].nunique()),
        }
        table = pd.DataFrame([row]).set_index("group")
    else:
        table = frame.groupby(by, sort=False, dropna=False).agg(
            population=("reached", "size"),
            reached=("reached", "sum"),
            students=("student_id", "nunique"),
            **{f"expected{s}": (f"_expected{s}", "sum") for s in measures},
        )
        reached_students = frame.loc[frame["reached"]].groupby(by)["student_id"].nunique()
        table["students_reached"] = reached_students.reindex(table.index).fillna(0).astype(int)
    table["reached"] = table["reached"].astype(int)
    population = table["population"].where(table["population"] > 0)
    table["reach_share"] = table["reached"] / population
    for suffix in measures:
        table[f"expected{suffix}_share"] = table[f"expected{suffix}"] / population
    table.index.name = "group"
    return table.reset_index()


def _order_groups(table: pd.DataFrame, dimension: str) -> pd.DataFrame:
    if dimension == "level":
        key = table["group"].map(lambda g: LEVEL_RANK.get(g, len(LEVEL_RANK)))
        return table.assign(_k=key).sort_values(["_k", "group"]).drop(columns="_k")
    if dimension == "module":
        return table.sort_values("group")
    # Largest groups first; 'not recorded' last.
    last = table["group"] == NOT_RECORDED
    return (
        table.assign(_l=last)
        .sort_values(["_l", "population", "group"], ascending=[True, False, True])
        .drop(columns="_l")
    )


def coverage_table(
    reach: pd.DataFrame,
    cohort: Cohort,
    scheme: str,
    assumptions: Assumptions | None = None,
    dimensions: list[str] | None = None,
) -> pd.DataFrame:
    """Reach and expected coverage overall and by each dimension, as one tidy table.

    Columns: scheme, dimension, dimension_label, group, population (rows of the reach frame:
    mentees, targeted enrolments or students to place), reached, students, students_reached,
    reach_share, expected, expected_share (headline uptake) and, for PASS, expected_regular and
    expected_regular_share. The first row is the overall figure (dimension ``overall``).
    ``dimensions`` defaults to programme, level, module (when the reach frame has modules) and
    every attribute from :func:`attribute_columns`.
    """
    assumptions = assumptions or Assumptions()
    reach = reach_frame(reach)
    measures = uptakes(scheme, assumptions)
    if dimensions is None:
        dimensions = ["programme", "level"]
        if reach["module_code"].notna().any():
            dimensions.append("module")
        dimensions += attribute_columns(cohort, assumptions)
    frame = _joined(reach, cohort, dimensions)
    for suffix, rate in measures.items():
        override = f"uptake{suffix}"
        rates = (
            frame[override].fillna(rate)
            if override in frame.columns
            else pd.Series(rate, index=frame.index)
        )
        frame[f"_expected{suffix}"] = frame["reached"].astype(float) * rates.astype(float)
    parts = [_summarise(frame, None, measures).assign(dimension="overall", group="all")]
    for dim in dimensions:
        if frame.empty:
            continue
        parts.append(_order_groups(_summarise(frame, dim, measures), dim).assign(dimension=dim))
    table = pd.concat(parts, ignore_index=True)
    table["scheme"] = scheme
    table["dimension_label"] = table["dimension"].map(dimension_label)
    table["group"] = table["group"].astype(str)
    first = ["scheme", "dimension", "dimension_label", "group"]
    table = table[first + [c for c in table.columns if c not in first]]
    return table


def overall(coverage: pd.DataFrame) -> pd.Series:
    """The overall row of a :func:`coverage_table`."""
    return coverage.loc[coverage["dimension"] == "overall"].iloc[0]


def equity_table(
    coverage: pd.DataFrame,
    assumptions: Assumptions | None = None,
    dimensions: list[str] | None = None,
) -> pd.DataFrame:
    """Each student group against the cohort average reach.

    Columns: dimension, dimension_label, group, population, reached, reach_share,
    cohort_share, gap_pp (percentage points, negative = reached less), ratio (group share /
    cohort share), below_average (bool), small (population below ``small_group``), note (the
    finding in words). Module rows are left out by default (a module is not a student group).
    Sorted with the largest shortfall among groups big enough to read first.
    """
    assumptions = assumptions or Assumptions()
    average = float(overall(coverage)["reach_share"])
    rows = coverage.loc[~coverage["dimension"].isin(["overall", "module"])]
    if dimensions is not None:
        rows = rows.loc[rows["dimension"].isin(dimensions)]
    table = rows[
        ["scheme", "dimension", "dimension_label", "group", "population", "reached", "reach_share"]
    ].copy()
    table["cohort_share"] = average
    table["gap_pp"] = (table["reach_share"] - average) * 100.0
    table["ratio"] = table["reach_share"] / average if average > 0 else np.nan
    table["small"] = table["population"] < assumptions.small_group
    # Half a percentage point either way is "at the average", not a finding.
    table["below_average"] = table["gap_pp"] < -0.5
    table["note"] = [_equity_note(r, assumptions.small_group) for r in table.itertuples()]
    table = table.sort_values(
        ["small", "gap_pp", "dimension", "group"], ascending=[True, True, True, True], kind="stable"
    )
    return table.reset_index(drop=True)


def _equity_note(row: Any, small: int) -> str:
    who = f"{row.dimension_label}: {row.group}"
    if row.small:
        return (
            f"{who}: only {row.population} in the group, too few to compare (fewer than {small})."
        )
    share = f"{row.reach_share:.0%} reached against {row.cohort_share:.0%} overall"
    if row.gap_pp < -0.5:
        ratio = f", {row.ratio:.2f} times the average" if pd.notna(row.ratio) else ""
        return f"{who}: {share} ({row.gap_pp:+.1f} points{ratio})."
    if row.gap_pp > 0.5:
        return f"{who}: {share} ({row.gap_pp:+.1f} points)."
    return f"{who}: {share} (at the average)."


@dataclass
class CoverageReport:
    """Everything coverage says about one scheme result."""

    scheme: str
    reach: pd.DataFrame
    table: pd.DataFrame
    equity: pd.DataFrame
    assumptions: Assumptions
    unit: str = "reached"  # what the reach frame's rows count, in words ("mentees matched")
    # The measures' names on charts: coverage table column -> words (the scheme's own).
    measure_labels: dict[str, str] = field(default_factory=dict)

    @property
    def overall(self) -> pd.Series:
        return overall(self.table)

    def by(self, dimension: str) -> pd.DataFrame:
        """The rows of one breakdown (e.g. ``"programme"``)."""
        return self.table.loc[self.table["dimension"] == dimension].reset_index(drop=True)

    @property
    def students_reached(self) -> int:
        return int(self.overall["students_reached"])

    @property
    def expected_students(self) -> float:
        """Students expected to take the scheme up (headline uptake x students reached)."""
        return self.students_reached * uptakes(self.scheme, self.assumptions)[""]

    def headline(self) -> str:
        """One sentence for the app and reports."""
        row = self.overall
        if row["population"] == 0:
            return "Nobody to reach."
        text = (
            f"{int(row['reached']):,} of {int(row['population']):,} {self.unit} "
            f"({row['reach_share']:.0%}); about {self.expected_students:,.0f} students expected "
            "to take it up"
        )
        below = self.equity.loc[self.equity["below_average"] & ~self.equity["small"]]
        if len(below):
            worst = below.iloc[0]
            text += (
                f"; furthest below average: {worst['dimension_label']} {worst['group']} "
                f"({worst['gap_pp']:+.1f} points)"
            )
        return text + "."


def assumptions_for(
    result: Any, assumptions: Assumptions | None = None, scheme: str | None = None
) -> Assumptions:
    """The assumptions to judge a result by: the given ones, else the defaults with the uptake
    the result was planned with (its settings' ``uptake_once`` / ``uptake_regular`` for PASS,
    ``active_share`` for mentoring and groups). ``scheme`` says whose uptake fields to take
    (without it, every field the settings have)."""
    if assumptions is not None:
        return assumptions
    settings = getattr(result, "settings", None)
    update = {}
    for name, extra in _UPTAKE_FIELDS:
        if scheme is not None and extra["uptake_of"] != scheme:
            continue
        value = getattr(settings, extra["setting"], None)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            update[name] = float(value)
    return Assumptions(**update)


def reach_report(
    reach: pd.DataFrame,
    cohort: Cohort,
    scheme: str,
    assumptions: Assumptions | None = None,
    unit: str = "reached",
    measure_labels: dict[str, str] | None = None,
) -> CoverageReport:
    """Coverage of one scheme's reach frame: the table, the equity view and the headline.

    ``unit`` (what a row counts, in words) and ``measure_labels`` come from the scheme's
    registry entry; :func:`workbench.schemes.registry.coverage_report` builds the report from a
    scheme result.
    """
    assumptions = assumptions or Assumptions()
    reach = reach_frame(reach)
    table = coverage_table(reach, cohort, scheme, assumptions)
    return CoverageReport(
        scheme=scheme,
        reach=reach,
        table=table,
        equity=equity_table(table, assumptions),
        assumptions=assumptions,
        unit=unit,
        measure_labels=dict(measure_labels or {}),
    )
