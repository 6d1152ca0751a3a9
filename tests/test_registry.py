"""The scheme registry: one entry per scheme, one source for every figure, verdicts and fixes.

A plan's figures are computed once (:func:`registry.plan_figures`); the scenario the app shows,
the CLI's summary.json, a what-if point, the coverage report and the printable report must say
the same numbers for the same plan. Fixes are measured by planning again: each test checks the
gain against its own independent solve of the changed cohort.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from workbench.cli.main import main
from workbench.cohort.generate import generate_cohort
from workbench.cohort.loading import load_cohort
from workbench.review.report import render_report
from workbench.review.whatif import Case, solve_case
from workbench.scenarios.scenario import solve_scenario
from workbench.schemes import registry
from workbench.schemes.groups.settings import GroupSettings
from workbench.schemes.mentoring import verdict as mentoring_verdict
from workbench.schemes.mentoring.solve import MentoringSettings, solve_mentoring
from workbench.schemes.pass_sessions import verdict as pass_verdict
from workbench.schemes.pass_sessions.settings import PassSettings
from workbench.schemes.pass_sessions.solve import solve_pass

ROOT = Path(__file__).resolve().parents[1]
DEPARTMENT = ROOT / "sample_data" / "department"
SOLVER_WORDS = re.compile(
    r"\b(LP|MIP|MILP|HiGHS|HIGHS|CBC|gap|optimal|infeasible|totally unimodular|solver)\b"
)
FIGURES = [
    "reached",
    "eligible",
    "coverage",
    "expected_coverage",
    "students_reached",
    "expected_students",
    "cost",
    "cost_per_student_reached",
    "volunteers",
]


@pytest.fixture(scope="module")
def department():
    return load_cohort(DEPARTMENT).cohort


def test_every_scheme_has_one_entry_with_its_name_settings_and_solver():
    assert registry.KEYS == ("mentoring", "pass", "groups")
    for key, scheme in registry.SCHEMES.items():
        assert scheme.key == key and scheme.name and " " in scheme.name or scheme.name.isalpha()
        assert isinstance(scheme.coerce_settings(None), scheme.settings_class)
        assert callable(scheme.solve) and callable(scheme.verdict)
    assert registry.scheme_name("groups", {"kind": "social"}) == "Social groups"
    assert registry.scheme_name("groups", GroupSettings(module="MA1001")) == "Study groups"
    assert registry.figure_label("reached", "mentoring") == "Mentees matched"
    with pytest.raises(ValueError, match="unknown scheme 'tutoring'"):
        registry.get("tutoring")


CASES = [
    ("mentoring", ["solve", "mentoring"], {}),
    ("pass", ["solve", "pass", "--top", "5"], {"top": 5}),
    (
        "groups",
        ["solve", "groups", "--module", "MA1001", "--size", "4-6"],
        {"module": "MA1001", "min_size": 4, "max_size": 6},
    ),
    (
        "groups",
        ["solve", "groups", "--module", "MA1001", "--size", "4-6", "--social"],
        {"module": "MA1001", "min_size": 4, "max_size": 6, "kind": "social"},
    ),
]


@pytest.mark.parametrize(
    ("key", "argv", "settings"), CASES, ids=["mentoring", "pass", "study", "social"]
)
def test_the_same_plan_reads_the_same_everywhere(department, tmp_path, key, argv, settings):
    """Scenario (the app's Solve page), summary.json, a what-if point, the coverage report and
    the printable report agree figure by figure for one plan."""
    scenario = solve_scenario(department, key, settings)
    figures = scenario.summary
    assert figures["headline"] and figures["verdict"] in ("good", "partial", "none")

    out = tmp_path / "out"
    assert main([*argv[:2], str(DEPARTMENT), *argv[2:], "--out", str(out)]) == 0
    written = json.loads((out / "summary.json").read_text())
    _, point = solve_case(Case(department, key, settings))

    for name in FIGURES:
        if name not in figures:
            continue
        assert written[name] == pytest.approx(figures[name]), ("summary.json", name)
        assert point[name] == pytest.approx(figures[name]), ("what-if", name)
    assert written["headline"] == figures["headline"]

    result = registry.get(key).solve(department, scenario.settings_model())
    report = registry.coverage_report(result, department, scheme=key)
    assert report.students_reached == figures["students_reached"]
    assert report.expected_students == pytest.approx(figures["expected_students"])
    assert f"about {figures['expected_students']:,.0f} students expected" in report.headline()

    html = render_report(scenario, charts=False)
    assert figures["headline"].replace("'", "&#x27;") in html
    cards = re.findall(r'<div class="value">([^<]*)</div><div class="label">([^<]*)</div>', html)
    shown = {label: value for value, label in cards}
    assert shown[registry.figure_label("reached", key)] == f"{figures['reached']:,}"
    assert shown["Students expected to take it up"] == f"{figures['expected_students']:,.1f}"


def test_pass_leaders_are_people_not_rows(department):
    """A leader listed for two modules is one PASS leader, in the cohort and in the plan."""
    scenario = solve_scenario(department, "pass", {"top": 5})
    assert scenario.summary["volunteers"] == department.leaders["student_id"].nunique()


# ------------------------------------------------------------------------------ verdicts


def _no_leaders_for_top_modules(n_students=400, seed=11, drop=3):
    cohort = generate_cohort(n_students, seed)
    top = list(cohort.modules.sort_values("fail_rate", ascending=False)["module_code"][:drop])
    leaders = cohort.leaders.loc[~cohort.leaders["module_code"].isin(top)]
    return cohort.model_copy(update={"leaders": leaders}), top


def test_pass_verdict_names_each_module_without_a_leader_and_measures_the_fix():
    cohort, top = _no_leaders_for_top_modules()
    settings = PassSettings(modules=top)
    result = solve_pass(cohort, settings)
    assert result.reach_count == 0

    verdict = pass_verdict.verdict(cohort, settings, result)
    assert verdict.level == "none"
    assert verdict.headline.startswith("No PASS session could be placed in the 3 targeted modules")
    for code in top:
        assert code in verdict.headline
    assert "no PASS leader is listed" in verdict.headline
    assert not SOLVER_WORDS.search(verdict.headline)

    recruit = {fix.action: fix for fix in verdict.fixes if fix.action.startswith("Recruit")}
    assert len(recruit) == 3
    for code in top:
        (fix,) = [f for a, f in recruit.items() if code in a]
        # independent: solve with that one leader added and count the reach ourselves
        again = solve_pass(pass_verdict.with_new_leader(cohort, code, 2), settings)
        by_module = again.reach.loc[again.reach["reached"], "module_code"].value_counts()
        assert fix.gain == again.reach_count == by_module.get(code, 0) > 0
        assert fix.unit == "student-module places"


def test_a_plan_that_reaches_everyone_has_no_fixes_and_a_good_verdict():
    cohort = load_cohort(ROOT / "sample_data" / "faculty").cohort
    settings = PassSettings(top=5)
    result = solve_pass(cohort, settings)
    assert result.reach_count == result.targeted_pairs  # the faculty sample reaches everyone
    verdict = pass_verdict.verdict(cohort, settings, result)
    assert verdict.level == "good" and verdict.fixes == []
    assert verdict.headline.startswith(f"{result.reach_count:,} of {result.targeted_pairs:,}")


def test_mentoring_fixes_are_measured_by_solving_again(department):
    settings = MentoringSettings()
    result = solve_mentoring(department, settings)
    assert result.matched < result.mentees  # the sample leaves two Chemistry mentees out
    verdict = mentoring_verdict.verdict(department, settings, result)
    assert verdict.level == "partial"
    assert f"{result.matched} of {result.mentees} mentees matched" in verdict.headline
    assert not SOLVER_WORDS.search(verdict.headline)
    unmatched = len(result.unmatched)
    assert verdict.fixes
    for fix in verdict.fixes:
        assert 0 < fix.gain <= unmatched
    capacity = next(f for f in verdict.fixes if f.action.startswith("Ask each Chemistry"))
    again = solve_mentoring(mentoring_verdict.with_more_capacity(department, "Chemistry"), settings)
    assert capacity.gain == again.matched - result.matched
    faculty = next(f for f in verdict.fixes if "same faculty" in f.action)
    wider = solve_mentoring(department, settings.model_copy(update={"rule": "faculty"}))
    assert faculty.gain == wider.matched - result.matched


def test_fixes_are_in_summary_json_as_action_and_gain(tmp_path):
    cohort, top = _no_leaders_for_top_modules()
    scenario = solve_scenario(cohort, "pass", {"modules": top})
    fixes = scenario.summary["fixes"]
    assert fixes and all({"action", "gain"} <= set(fix) for fix in fixes)
    assert all(isinstance(fix["gain"], int) and fix["gain"] > 0 for fix in fixes)
    html = render_report(scenario, charts=False)
    assert "What would help" in html and fixes[0]["action"] in html
