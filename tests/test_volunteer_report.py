"""The report's Volunteers section: the hours the plan gives each leader, names escaped."""

from __future__ import annotations

from pathlib import Path

from workbench.cohort.loading import load_cohort
from workbench.review.report import render_report
from workbench.scenarios.scenario import solve_scenario
from workbench.volunteers.supervision import term_weeks

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "department"


def test_report_has_a_volunteers_section_with_the_plans_hours() -> None:
    cohort = load_cohort(SAMPLE).cohort
    students = cohort.students.copy()
    sessions = solve_scenario(cohort, "pass").results["sessions"]
    leader = sessions["leader_id"].iloc[0]
    students.loc[students["student_id"] == leader, "name"] = "<b>Ann</b> & co"
    cohort = cohort.model_copy(update={"students": students})
    scenario = solve_scenario(cohort, "pass")
    page = render_report(scenario, charts=False)
    section = page[page.index('<section id="volunteers">') :]
    section = section[: section.index("</section>")]
    assert "<h2>Volunteers</h2>" in section
    mine = scenario.results["sessions"]
    mine = mine[mine["leader_id"] == leader]
    weeks = len(term_weeks(cohort))  # the term's teaching weeks
    hours = float(((mine["end"] - mine["start"]) / 60 * weeks + 0.5 * weeks).sum())
    assert "<td>&lt;b&gt;Ann&lt;/b&gt; &amp; co</td><td>PASS leader</td>" in section
    assert f'<td class="num">{hours:,.1f}</td></tr>' in section
    assert "<b>Ann</b>" not in page
    assert section.index("In this plan") < section.index("<table>")  # the verdict first


def test_no_volunteers_section_without_volunteers() -> None:
    cohort = load_cohort(SAMPLE).cohort
    empty = cohort.model_copy(
        update={"mentors": cohort.mentors.iloc[0:0], "leaders": cohort.leaders.iloc[0:0]}
    )
    scenario = solve_scenario(empty, "mentoring")
    assert 'id="volunteers"' not in render_report(scenario, charts=False)
