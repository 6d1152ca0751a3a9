"""Nothing outside the registry switches on a scheme's name (issue 12).

The registry (``workbench/schemes/registry.py``) and the scheme packages are the only places
that know the schemes apart: everywhere else asks the registry. The first test reads the source
(no imports run) for a scheme's name compared with something or used as a dict key; the others
add a made-up scheme to the registry and follow it through the charts, the options page and the
other places that used to keep their own per-scheme dicts.
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from workbench.cohort.generate import generate_cohort
from workbench.outcomes import charts as ch
from workbench.outcomes.costs import CostRates, cost_of_mentors, cost_per_student_table
from workbench.outcomes.coverage import coverage_table
from workbench.review.export import pass_ics_bytes
from workbench.review.options import options_table, plan_option, render_options
from workbench.scenarios.edited import edited_scenario
from workbench.schemes import registry

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("workbench", "app_common", "app_pages", "app.py")
KNOWS_THE_SCHEMES = ROOT / "workbench" / "schemes"  # the registry and the scheme packages

# (file, name) -> why this use of the word is not a switch on the scheme.
ALLOWED: dict[tuple[str, str], str] = {
    ("workbench/term/evaluation.py", "groups"): "statsmodels' cluster keyword (cov_kwds)",
    # The app's widgets per scheme are Streamlit code, so they cannot live in the scheme
    # packages (workbench/ never imports streamlit); the module asserts that its keys are the
    # registry's, so a scheme without its view fails at import.
    ("app_common/scheme_views.py", "mentoring"): "the app's widgets of each scheme",
    ("app_common/scheme_views.py", "pass"): "the app's widgets of each scheme",
    ("app_common/scheme_views.py", "groups"): "the app's widgets of each scheme",
}


def _files() -> list[Path]:
    found: list[Path] = []
    for name in SCANNED:
        path = ROOT / name
        found += [path] if path.is_file() else sorted(path.rglob("*.py"))
    return [p for p in found if KNOWS_THE_SCHEMES not in p.parents]


def _switches(path: Path) -> list[tuple[int, str, str]]:
    """(line, how, name) for each scheme name compared with something or used as a dict key."""
    keys = set(registry.KEYS)
    found = []

    def named(node: ast.AST | None) -> list[str]:
        if isinstance(node, ast.Constant) and node.value in keys:
            return [node.value]
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            return [e.value for e in node.elts if isinstance(e, ast.Constant) and e.value in keys]
        return []

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Compare):
            for side in (node.left, *node.comparators):
                found += [(node.lineno, "compared", n) for n in named(side)]
        elif isinstance(node, ast.Dict):
            for key in node.keys:
                found += [(node.lineno, "a dict key", n) for n in named(key)]
        elif isinstance(node, ast.Match):
            for case in node.cases:
                for sub in ast.walk(case.pattern):
                    if isinstance(sub, ast.MatchValue):
                        found += [(node.lineno, "matched", n) for n in named(sub.value)]
    return found


def test_no_scheme_name_is_switched_on_outside_the_registry():
    bad, used = [], set()
    for path in _files():
        rel = path.relative_to(ROOT).as_posix()
        for line, how, name in _switches(path):
            if (rel, name) in ALLOWED:
                used.add((rel, name))
            else:
                bad.append(f"{rel}:{line}: '{name}' {how}")
    assert bad == [], "ask the registry instead:\n" + "\n".join(bad)
    assert used == set(ALLOWED), f"allowed but no longer used: {set(ALLOWED) - used}"


def test_the_scan_sees_a_switch(tmp_path):
    """The scan itself: a comparison, a dict key, a membership test and a match are found."""
    source = tmp_path / "switch.py"
    source.write_text(
        'a = scheme == "pass"\nb = {"mentoring": 1}\nc = s in ("groups", "x")\n'
        'match s:\n    case "pass":\n        pass\nd = results["groups"]\n'
    )
    assert sorted((line, name) for line, _, name in _switches(source)) == [
        (1, "pass"),
        (2, "mentoring"),
        (3, "groups"),
        (4, "pass"),
    ]


# ------------------------------------------------------------------------------ a new scheme

MEASURES = {"reach_share": "Placed with a tutor", "expected_share": "Expected to keep going"}


@pytest.fixture
def tutoring(monkeypatch):
    """A made-up scheme, added to the registry as one more entry."""
    entry = dataclasses.replace(
        registry.get("groups"),
        key="tutoring",
        name="Peer tutoring",
        plan_name="Tutoring",
        variants={},
        unit="tutees placed",
        volunteers_word="tutors",
        volunteers_figure="tutors_used",
        measure_labels=MEASURES,
        result_tables=("tutorials", "untutored"),
        needs_tables=("mentors",),
        edit_plan=None,
        calendar=False,
    )
    monkeypatch.setitem(registry.SCHEMES, "tutoring", entry)
    return entry


def _plan(name: str, cost: float, reached: int) -> SimpleNamespace:
    """A saved plan of the new scheme, as the options page reads it."""
    return SimpleNamespace(
        id=name,
        name=name,
        scheme="tutoring",
        settings={},
        status={"status": "optimal"},
        status_label="optimal",
        summary={
            "status": "optimal",
            "headline": f"{reached} of 40 tutees placed.",
            "reached": reached,
            "eligible": 40,
            "coverage": reached / 40,
            "students_reached": reached,
            "expected_students": reached / 2,
            "cost": cost,
            "cost_per_student_reached": cost / reached,
            "tutors_used": 4,
        },
        results={},
        assumptions={},
        cost_rates={},
        cohort_name="sample",
    )


def test_a_new_scheme_reads_in_its_own_words_on_the_options_page(tutoring):
    plans = [_plan("Small", 300.0, 20), _plan("Large", 600.0, 36)]
    option = plan_option(plans[0])
    assert (option.scheme_name, option.unit) == ("Peer tutoring", "tutees placed")
    assert (option.volunteers_needed, option.volunteers_word) == (4, "tutors")
    table = options_table([plan_option(p) for p in plans]).set_index("Figure")
    assert table.loc["Reach", "Small"] == "20 of 40 tutees placed (20 students)"
    assert table.loc["Volunteers needed", "Large"] == "4 tutors"
    page = render_options(plans)
    assert "Peer tutoring" in page and "tutees placed" in page


def test_a_new_scheme_names_its_own_measures_and_itself_on_charts(tutoring):
    cohort = generate_cohort(60, seed=2)
    ids = cohort.students["student_id"].tolist()[:10]
    reach = pd.DataFrame({"student_id": ids, "reached": [i % 3 != 0 for i in range(10)]})
    coverage = coverage_table(reach, cohort, "groups")
    data = ch.chart_data(ch.coverage_by_programme_chart(coverage, tutoring.measure_labels))
    assert set(data["measure"]) == set(MEASURES.values())

    rates = CostRates()
    costs = cost_per_student_table(
        [cost_of_mentors(3, rates, 20), cost_of_mentors(4, rates, 30)],
        ["Tutoring", "Mentoring"],
        [registry.scheme_name("tutoring"), registry.scheme_name("mentoring")],
    )
    names = ch.chart_data(ch.cost_per_student_chart(costs)).set_index("label")["scheme_name"]
    assert names.to_dict() == {"Tutoring": "Peer tutoring", "Mentoring": "Peer mentoring"}


def test_a_new_scheme_says_what_it_needs_and_what_it_cannot_do(tutoring):
    result = SimpleNamespace(tutorials=pd.DataFrame(), untutored=pd.DataFrame())
    assert registry.scheme_of_result(result) is tutoring
    empty = generate_cohort(60, seed=2).model_copy(
        update={"mentors": pd.DataFrame(columns=["student_id", "capacity"])}
    )
    (problem,) = registry.scheme_problems(empty, "tutoring")
    assert "needs a mentors table" in problem.message
    plan = _plan("Small", 300.0, 20)
    with pytest.raises(ValueError, match="calendar"):
        pass_ics_bytes(plan)
    with pytest.raises(ValueError, match="Peer tutoring plan cannot be edited"):
        edited_scenario(plan, pd.DataFrame(), "edited")
