"""The scheme registry: one entry per scheme, the only place that knows the schemes apart.

Each :class:`Scheme` says, in the coordinator's words, what the scheme is called and what it
counts; which settings model it takes; how to solve it; how its reach and cost are measured; the
volunteers it uses; and which tables it adds to a saved plan. Everything that used to switch on a
scheme's name (the scenario, what-if, the report, the CLI and the app) asks this registry, and
every figure a plan shows comes from :func:`plan_figures`, so the same plan reads the same
everywhere.

Adding a scheme is adding one package under ``workbench/schemes/`` and one entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench.cohort.domain import Cohort
from workbench.cohort.validation import Problem, missing_tables
from workbench.outcomes.budget import budget_status
from workbench.outcomes.costs import (
    CostBreakdown,
    CostRates,
    cost_of_groups,
    cost_of_mentoring,
    cost_of_pass,
)
from workbench.outcomes.coverage import (
    Assumptions,
    CoverageReport,
    assumptions_for,
    coverage_table,
    groups_reach,
    mentoring_reach,
    pass_reach,
    reach_report,
    uptakes,
)
from workbench.schemes.groups import entry as groups_entry
from workbench.schemes.groups import verdict as groups_verdict
from workbench.schemes.groups.settings import GroupSettings
from workbench.schemes.groups.solve import form_groups
from workbench.schemes.mentoring import entry as mentoring_entry
from workbench.schemes.mentoring import verdict as mentoring_verdict
from workbench.schemes.mentoring.solve import MentoringSettings, solve_mentoring
from workbench.schemes.pass_sessions import entry as pass_entry
from workbench.schemes.pass_sessions import verdict as pass_verdict
from workbench.schemes.pass_sessions.settings import PassSettings
from workbench.schemes.pass_sessions.solve import solve_pass
from workbench.schemes.scheme_parts import Chart, Evaluation, PlanView, SchemeForm, no_charts
from workbench.schemes.verdict import Verdict


@dataclass(frozen=True)
class Scheme:
    """One scheme: its names, settings, solver and how its plans are measured."""

    key: str  # the name kept in saved plans and typed on the command line
    name: str  # what a coordinator calls it ("Peer mentoring")
    plan_name: str  # how a plan of it is named ("Peer mentoring plan for ...")
    settings_class: type
    solve: Callable[[Cohort, Any], Any]
    reach: Callable[[Any], pd.DataFrame]
    cost: Callable[[Any, CostRates | None, Any], CostBreakdown]
    volunteer_figures: Callable[[Cohort, Any, pd.DataFrame], dict[str, Any]]
    verdict: Callable[[Cohort, Any, Any], Verdict]  # headline and measured fixes
    labels: dict[str, str] = field(default_factory=dict)  # figure key -> words, where it differs
    unit: str = "students reached"  # what ``reached`` counts, in words
    volunteers_word: str = "volunteers"
    extra_tables: Callable[[Cohort, Any], dict[str, pd.DataFrame]] | None = None
    budgeted: bool = False  # a budget is a constraint of the solve (not only a check)
    variants: dict[str, str] = field(default_factory=dict)  # settings.kind -> name
    headline_keys: tuple[str, ...] = ("reached", "coverage", "expected_coverage", "cost")
    # The app's controls as values (None: the scheme has its own form, e.g. groups).
    form: SchemeForm | None = None
    # How the term's data evaluates it (None: no evaluation yet).
    evaluation: Evaluation | None = None
    # Take-up: the assumption a what-if "uptake" sets; the at-least-once share kept in ratio
    # to it (PASS); the slider's words on the Scheme page (None: the form sets the take-up).
    uptake_field: str = ""
    uptake_once_field: str | None = None
    uptake_control: str | None = None
    # Volunteers recruited ("leaders", "mentors"; None: none to recruit), by which column and
    # in words; ``grows_with_intake``: what-if grows the volunteers with a bigger intake.
    recruits: str | None = None
    recruit_by: str = ""
    recruit_places: str = ""
    grows_with_intake: bool = False
    # The printed plan: the tables a plan's reach is rebuilt from, its tables and its charts.
    reach_tables: tuple[str, ...] = ()
    plan_view: PlanView | None = None
    coverage_charts: Callable[[pd.DataFrame, dict[str, str]], list[Chart]] = no_charts
    plan_charts: Callable[[dict[str, pd.DataFrame], Callable[[], Any]], list[Chart]] = no_charts
    # Downloads: the plan's tables as one workbook (title, tables); sessions as a calendar.
    plan_workbook: tuple[str, tuple[str, ...]] | None = None
    calendar: bool = False
    extra_rate_fields: tuple[str, ...] = ()  # cost rates only this scheme uses
    # The tables a result object carries, which tell its scheme apart (see scheme_of_result).
    result_tables: tuple[str, ...] = ()
    # The cohort tables the scheme needs with rows, beyond ``students``.
    needs_tables: tuple[str, ...] = ()
    # The coverage measures' names on charts: coverage table column -> words, reach first.
    measure_labels: dict[str, str] = field(
        default_factory=lambda: {"reach_share": "Reached", "expected_share": "Expected uptake"}
    )
    # The stored figure counting the volunteers a plan needs ("" when it needs none).
    volunteers_figure: str = ""
    # Changing a solved plan by hand: (cohort, settings, results, summary, edited table) -> the
    # changed result, checked and scored (None: this scheme's plans are not edited by hand).
    edit_plan: Callable[[Cohort, Any, dict[str, pd.DataFrame], dict, pd.DataFrame], Any] | None = (
        None
    )

    def name_for(self, settings: Any = None) -> str:
        """The scheme's name for these settings (study or social groups)."""
        kind = (
            settings.get("kind") if isinstance(settings, dict) else getattr(settings, "kind", None)
        )
        return self.variants.get(kind, self.name) if kind else self.name

    def coerce_settings(self, settings: Any = None) -> Any:
        """Settings as this scheme's model, from a model, a dict or None (the defaults)."""
        if settings is None:
            return self.settings_class()
        if isinstance(settings, self.settings_class):
            return settings
        if isinstance(settings, dict):
            return self.settings_class.model_validate(settings)
        raise TypeError(
            f"settings for {self.name} must be a {self.settings_class.__name__} or a dict"
        )

    def is_result(self, result: Any) -> bool:
        """Whether ``result`` is a result of this scheme (it carries the scheme's tables)."""
        return bool(self.result_tables) and all(hasattr(result, t) for t in self.result_tables)

    def label(self, key: str) -> str:
        """A headline figure's name for this scheme."""
        return self.labels.get(key) or FIGURE_LABELS.get(key) or key.replace("_", " ").capitalize()


# ------------------------------------------------------------------------------ the registry

FIGURE_LABELS: dict[str, str] = {
    "status": "Plan",
    "students": "Students in the cohort",
    "eligible": "Eligible (mentees / targeted enrolments / students to place)",
    "reached": "Reached",
    "coverage": "Coverage",
    "expected_coverage": "Expected coverage (after uptake)",
    "students_reached": "Students reached",
    "expected_students": "Students expected to take it up",
    "volunteers": "Volunteers (mentors / leaders)",
    "mentors_used": "Mentors with a mentee",
    "places": "Mentor places",
    "sessions": "Weekly sessions",
    "leaders_used": "Leaders running a session",
    "modules_targeted": "Modules targeted",
    "groups": "Groups",
    "cost": "Cost per term",
    "cost_per_student_reached": "Cost per student reached",
}

SCHEMES: dict[str, Scheme] = {
    scheme.key: scheme
    for scheme in (
        Scheme(
            key="mentoring",
            name="Peer mentoring",
            plan_name="Peer mentoring",
            settings_class=MentoringSettings,
            solve=solve_mentoring,
            reach=mentoring_reach,
            cost=cost_of_mentoring,
            volunteer_figures=mentoring_entry.mentors_used,
            verdict=mentoring_verdict.verdict,
            labels={
                "eligible": "Mentees",
                "reached": "Mentees matched",
                "volunteers": "Mentors",
                "students_reached": "Students matched",
            },
            unit="mentees matched",
            volunteers_word="mentors",
            budgeted=True,
            headline_keys=("reached", "coverage", "expected_coverage", "cost", "mentors_used"),
            form=mentoring_entry.FORM,
            evaluation=mentoring_entry.EVALUATION,
            uptake_field="mentoring_active_share",
            uptake_control="Pairs still meeting at the end of term",
            recruits="mentors",
            recruit_by="programme",
            recruit_places="programmes",
            grows_with_intake=True,
            reach_tables=("matches", "unmatched"),
            plan_view=mentoring_entry.plan_view,
            plan_charts=mentoring_entry.plan_charts,
            result_tables=("matches", "mentor_load"),
            needs_tables=("mentors", "mentees"),
            measure_labels={
                "reach_share": "Matched with a mentor",
                "expected_share": "Expected to stay active",
            },
            volunteers_figure="mentors_used",
        ),
        Scheme(
            key="pass",
            name="PASS sessions",
            plan_name="PASS",
            settings_class=PassSettings,
            solve=solve_pass,
            reach=pass_reach,
            cost=cost_of_pass,
            volunteer_figures=pass_entry.leaders_used,
            verdict=pass_verdict.verdict,
            labels={
                "eligible": "Enrolments on targeted modules",
                "reached": "Enrolments reached",  # a session that fits; short for a metric
                "volunteers": "PASS leaders",
            },
            unit="targeted enrolments with a session that fits",
            volunteers_word="PASS leaders",
            extra_tables=pass_entry.extra_tables,
            budgeted=True,
            headline_keys=("reached", "coverage", "expected_coverage", "cost", "leaders_used"),
            form=pass_entry.FORM,
            evaluation=pass_entry.EVALUATION,
            uptake_field="pass_uptake_regular",
            uptake_once_field="pass_uptake_once",
            recruits="leaders",
            recruit_by="module_code",
            recruit_places="modules",
            reach_tables=("reach",),
            plan_view=pass_entry.plan_view,
            coverage_charts=pass_entry.coverage_charts,
            plan_charts=pass_entry.plan_charts,
            calendar=True,
            result_tables=("sessions", "reach"),
            needs_tables=("modules", "enrolments", "timetable", "rooms", "leaders"),
            measure_labels={
                "reach_share": "Session fits their timetable",
                "expected_share": "Expected to attend at least once",
                "expected_regular_share": "Expected to attend regularly",
            },
            volunteers_figure="leaders_used",
        ),
        Scheme(
            key="groups",
            name="Study groups",
            plan_name="Groups",
            settings_class=GroupSettings,
            solve=form_groups,
            reach=groups_reach,
            cost=cost_of_groups,
            volunteer_figures=groups_entry.groups_formed,
            verdict=groups_verdict.verdict,
            labels={"eligible": "Students to place", "reached": "Students placed"},
            unit="students placed in a group",
            variants={"study": "Study groups", "social": "Social groups"},
            headline_keys=("reached", "coverage", "expected_coverage", "cost", "groups"),
            uptake_field="groups_active_share",
            uptake_control="Groups still meeting at the end of term",
            reach_tables=("groups", "unplaced"),
            plan_view=groups_entry.plan_view,
            plan_workbook=(
                "Groups, scores and unplaced students (Excel)",
                ("groups", "group_scores", "unplaced"),
            ),
            extra_rate_fields=("groups_staff_hours_per_week", "groups_book_rooms"),
            result_tables=("groups", "unplaced"),
            needs_tables=("modules", "enrolments", "timetable"),
            measure_labels={
                "reach_share": "Placed in a group",
                "expected_share": "Expected to keep meeting",
            },
            edit_plan=groups_entry.edited_plan,
        ),
    )
}

KEYS: tuple[str, ...] = tuple(SCHEMES)


def get(key: str) -> Scheme:
    """The registry entry of a scheme, by the name kept in saved plans ("mentoring", "pass"...)."""
    try:
        return SCHEMES[key]
    except KeyError:
        raise ValueError(f"unknown scheme '{key}' (use one of: {', '.join(SCHEMES)})") from None


def scheme_of_result(result: Any) -> Scheme:
    """The scheme a result object comes from (by the tables it carries)."""
    for scheme in SCHEMES.values():
        if scheme.is_result(result):
            return scheme
    raise TypeError(f"Not a scheme result: {type(result).__name__}")


def scheme_of_settings(settings: Any) -> Scheme:
    """The scheme whose settings model ``settings`` is."""
    for scheme in SCHEMES.values():
        if isinstance(settings, scheme.settings_class):
            return scheme
    raise TypeError(f"cannot tell the scheme of {type(settings).__name__}")


def scheme_problems(cohort: Cohort, key: str) -> list[Problem]:
    """What the scheme needs that the cohort lacks (tables without rows), in the coordinator's
    words; nothing for a name the registry does not know."""
    scheme = SCHEMES.get(key)
    return missing_tables(cohort, key, scheme.needs_tables) if scheme else []


def coverage_report(
    result: Any,
    cohort: Cohort,
    assumptions: Assumptions | None = None,
    reach: pd.DataFrame | None = None,
    scheme: str | None = None,
) -> CoverageReport:
    """Coverage of a scheme result, or of a given reach frame (``scheme`` says whose; without
    it the result's tables tell). Without ``assumptions`` a result is judged by the uptake it
    was planned with."""
    entry = get(scheme) if scheme is not None else scheme_of_result(result)
    assumptions = assumptions_for(result, assumptions, entry.key)
    if reach is None:
        reach = entry.reach(result)
    return reach_report(
        reach, cohort, entry.key, assumptions, unit=entry.unit, measure_labels=entry.measure_labels
    )


def scheme_name(key: str, settings: Any = None) -> str:
    """A scheme's name in the coordinator's words (study or social groups by their settings)."""
    scheme = SCHEMES.get(key)
    return scheme.name_for(settings) if scheme else key


def figure_label(key: str, scheme: str | None = None) -> str:
    """A headline figure's name in the coordinator's words (per scheme when it differs)."""
    if scheme in SCHEMES:
        return SCHEMES[scheme].label(key)
    return FIGURE_LABELS.get(key) or key.replace("_", " ").capitalize()


def figure_labels(scheme: str | None = None) -> list[tuple[str, str]]:
    """Every headline figure with its name in the coordinator's words, in reading order."""
    return [(key, figure_label(key, scheme)) for key in FIGURE_LABELS]


# ------------------------------------------------------------------------------ figures


def _num(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if np.isnan(value) else value


def _model(cls: type, value: Any) -> Any:
    if value is None or isinstance(value, cls):
        return value if value is not None else cls()
    return cls.model_validate(value)


def plan_figures(
    cohort: Cohort,
    key: str,
    settings: Any,
    result: Any,
    assumptions: Any = None,
    rates: Any = None,
    budget: float | None = None,
) -> dict[str, Any]:
    """The headline figures of a solved plan: the one source of every number a plan shows.

    ``reached`` / ``eligible`` count the scheme's units (mentees; targeted module enrolments for
    PASS; students to place for groups) and ``coverage`` is their ratio; ``students_reached``
    counts distinct students; ``expected_students`` is students reached times the scheme's
    headline uptake (the same figure the coverage sentence and the report say), and
    ``expected_coverage`` applies that uptake to coverage. Cost and cost per student reached use
    the cost rates; volunteer figures are the scheme's own.
    """
    scheme = get(key)
    # Without explicit assumptions a plan is judged by the uptake it was planned with.
    assumptions = assumptions_for(
        result, None if assumptions is None else _model(Assumptions, assumptions), key
    )
    if rates is None:
        rates = getattr(settings, "cost_rates", None)  # the rates a budget was solved with
    rates = _model(CostRates, rates)
    status = getattr(result, "status", None)
    reach = scheme.reach(result)
    row = coverage_table(reach, cohort, key, assumptions, dimensions=[]).iloc[0]
    cost = scheme.cost(result, rates, assumptions)
    students_reached = int(row["students_reached"])
    uptake = uptakes(key, assumptions)[""]  # the scheme's headline uptake
    figures: dict[str, Any] = {
        "status": getattr(status, "status", "not solved"),
        "reached": int(row["reached"]),
        "eligible": int(row["population"]),
        "coverage": _num(row["reach_share"]),
        "expected_coverage": _num(row["expected_share"]),
        "students_reached": students_reached,
        "expected_students": round(students_reached * uptake, 2),
        "cost": round(cost.total, 2),
        "cost_per_student_reached": _num(cost.per_student_reached),
        "students": int(len(cohort.students)),
    }
    figures.update(scheme.volunteer_figures(cohort, result, reach))
    if budget is None:
        budget = getattr(settings, "budget", None)  # a budget the plan was solved within
    if budget is not None:
        figures["budget"] = budget
        figures["within_budget"] = bool(budget_status(cost.total, budget, rates.currency).ok)
    return figures


def plan_summary(
    cohort: Cohort,
    key: str,
    settings: Any,
    result: Any,
    assumptions: Any = None,
    rates: Any = None,
    budget: float | None = None,
) -> dict[str, Any]:
    """Everything a plan says of itself: :func:`plan_figures`, its verdict (``verdict``,
    ``headline``) and measured ``fixes``. The app, the report, what-if and ``summary.json`` all
    show these."""
    scheme = get(key)
    settings = scheme.coerce_settings(settings)
    figures = plan_figures(cohort, key, settings, result, assumptions, rates, budget)
    return {**figures, **scheme.verdict(cohort, settings, result).as_dict()}
