"""The options report: saved plans side by side, figures equal to each plan's own, the best plan
for a budget or a coverage target (checked by hand), one printable page, and the CLI."""

from __future__ import annotations

import html
import re

import pytest

from workbench.cli.main import main
from workbench.cohort.generate import generate_cohort
from workbench.review.options import (
    PlanOption,
    best_plan,
    options_table,
    plan_options,
    render_options,
)
from workbench.review.report import analyse
from workbench.scenarios.scenario import solve_scenario
from workbench.schemes.mentoring.solve import MentoringSettings
from workbench.schemes.pass_sessions.settings import PassSettings

HOSTILE = "<script>alert(1)</script> plan"


@pytest.fixture(scope="module")
def plans():
    cohort = generate_cohort(300, seed=1)
    return [
        solve_scenario(cohort, "mentoring", MentoringSettings(), name="Mentoring alone"),
        solve_scenario(cohort, "pass", PassSettings(top=5), name="PASS in five modules"),
        solve_scenario(cohort, "pass", PassSettings(top=2), name=HOSTILE),
    ]


def test_each_plans_figures_are_its_own_stored_figures(plans) -> None:
    for option, plan in zip(plan_options(plans), plans, strict=True):
        s = plan.summary
        assert option.reached == s["reached"] and option.eligible == s["eligible"]
        assert option.coverage == pytest.approx(s["coverage"])
        assert option.students_reached == s["students_reached"]
        assert option.expected_students == pytest.approx(s["expected_students"])
        assert option.cost == pytest.approx(s["cost"])
        assert option.cost_per_student_reached == pytest.approx(s["cost_per_student_reached"])
        used = s["mentors_used"] if plan.scheme == "mentoring" else s["leaders_used"]
        assert option.volunteers_needed == used
        equity = analyse(plan, charts=False).coverage.equity
        below = equity.loc[equity["below_average"] & ~equity["small"]]
        if len(below):
            assert option.equity_gap_pp == pytest.approx(below.iloc[0]["gap_pp"])
            assert option.equity_group.endswith(str(below.iloc[0]["group"]))
        else:
            assert option.equity_gap_pp == 0.0 and option.equity_group == ""
        if s.get("headline"):
            assert option.verdict == s["headline"]


def _option(name: str, cost: float, coverage: float, students: int) -> PlanOption:
    return PlanOption(
        name=name,
        scheme="pass",
        scheme_name="PASS sessions",
        status="optimal",
        verdict="",
        reached=students,
        eligible=100,
        unit="targeted enrolments reached",
        coverage=coverage,
        students_reached=students,
        expected_students=students * 0.3,
        cost=cost,
        cost_per_student_reached=cost / students,
        volunteers_needed=3,
        volunteers_word="PASS leaders",
        equity_gap_pp=None,
        equity_group="",
    )


def test_the_best_plan_for_a_budget_or_a_target_by_hand() -> None:
    a = _option("A", 900.0, 0.50, 50)
    b = _option("B", 1500.0, 0.85, 85)
    c = _option("C", 2400.0, 0.95, 95)
    d = _option("D", 1000.0, 0.60, 50)  # as many students as A, dearer
    options = [a, b, c, d]
    # Within £1,000: A (50 students for £900) and D (50 for £1,000): A, the cheaper on a tie.
    assert best_plan(options, budget=1000)[0] == 0
    # Within £2,000: B reaches the most (85).
    index, why = best_plan(options, budget=2000)
    assert index == 1 and why.startswith("For a budget of £2,000: B (PASS sessions) reaches")
    # At least 80% coverage: B and C do; B is cheaper.
    index, why = best_plan(options, target=0.8)
    assert index == 1 and "the cheapest plan that reaches it: 85% coverage for £1,500" in why
    # 90% within £2,000: nobody; 90% within £3,000: C.
    assert best_plan(options, budget=2000, target=0.9)[0] is None
    assert best_plan(options, budget=3000, target=0.9)[0] == 2
    index, why = best_plan(options, budget=500)
    assert (
        index is None
        and why == "No plan fits a budget of £500: the cheapest, A, costs £900 per term."
    )
    assert best_plan(options) == (None, "")
    with pytest.raises(ValueError):
        best_plan(options, target=80)


def test_one_printable_page_with_every_figure_and_the_choice(plans) -> None:
    options = plan_options(plans)
    page = render_options(plans, budget=2000)
    assert page.startswith("<!DOCTYPE html>") and "Content-Security-Policy" in page
    assert "<script" not in page and "&lt;script&gt;" in page
    assert "size: A4 landscape" in page
    table = options_table(options)
    cells = table.drop(columns=["Figure"]).to_numpy().ravel()
    text = re.sub(r"\s+", " ", page)
    for cell in cells:
        assert re.sub(r"\s+", " ", html.escape(cell)) in text, cell
    index, why = best_plan(options, budget=2000)
    assert html.escape(why) in text
    assert "(best fit)" in page and page.count('class="best"') == len(table) + 1
    with pytest.raises(ValueError, match="2 to 4"):
        render_options(plans[:1])


def test_cli_report_compare(plans, tmp_path, capsys) -> None:
    files = [str(p.save(tmp_path / f"plan{i}.wbscenario")) for i, p in enumerate(plans[:2])]
    out = tmp_path / "options.html"
    code = main(
        ["report", "--compare", ",".join(files), "--out", str(out), "--for-coverage", "0.5"]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert out.read_text(encoding="utf-8").count("<tr>") == 10  # header + one row per figure
    options = plan_options(plans[:2])
    _, why = best_plan(options, target=0.5)
    assert why in printed
    assert main(["report", "--compare", files[0], "--out", str(out)]) == 2
