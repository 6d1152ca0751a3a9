"""What-if: resampling, recruitment, sweeps (parallel, progress, cancel), inverse questions."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest

from workbench.cohort.generate import generate_cohort
from workbench.cohort.loading import cohort_to_tables
from workbench.cohort.validation import validate_tables
from workbench.review.whatif import (
    SWEEP_COLUMNS,
    apply_variation,
    change_leaders,
    change_mentors,
    compare_scenarios,
    leaders_needed,
    mentor_recruitment_order,
    mentors_needed,
    parse_range,
    resample_cohort,
    run_sweep,
)
from workbench.scenarios.scenario import solve_scenario
from workbench.schemes.mentoring.solve import MentoringSettings, solve_mentoring
from workbench.schemes.pass_sessions.settings import PassSettings
from workbench.schemes.pass_sessions.solve import solve_pass
from workbench.schemes.registry import plan_figures


@pytest.fixture(scope="module")
def cohort():
    return generate_cohort(600, seed=3)


def _strata(c) -> pd.Series:
    return c.students.groupby(["programme", "level"]).size()


def _revalidates(c) -> None:
    """Every reference in the varied cohort still points at a student (no dangling rows)."""
    result = validate_tables(cohort_to_tables(c))
    assert result.cohort is not None, result.report.format_text()
    assert result.report.ok


# ------------------------------------------------------------------------------ intake


@pytest.mark.parametrize("factor", [0.6, 1.0, 1.37, 2.5])
def test_resampling_keeps_the_mix(cohort, factor) -> None:
    grown = resample_cohort(cohort, factor, seed=11)
    before, after = _strata(cohort), _strata(grown).reindex(_strata(cohort).index, fill_value=0)
    assert len(grown.students) == round(len(cohort.students) * factor)
    assert (np.abs(after - before * factor) <= 1.0 + 1e-9).all()
    assert grown.students["student_id"].is_unique
    _revalidates(grown)
    # Mentee and mentor shares stay close to today's.
    for role in ("mentees", "mentors"):
        share = len(cohort.table(role)) / len(cohort.students)
        assert abs(len(grown.table(role)) / len(grown.students) - share) < 0.05


def test_resampled_students_copy_a_real_student(cohort) -> None:
    grown = resample_cohort(cohort, 1.5, seed=4)
    new = grown.students.loc[~grown.students["student_id"].isin(cohort.students["student_id"])]
    assert len(new) == 300
    mentees, mentors = set(cohort.mentees["student_id"]), set(cohort.mentors["student_id"])
    for clone in new["student_id"].head(60):
        source = clone.rsplit("-r", 1)[0]
        src_row = cohort.students.set_index("student_id").loc[source]
        new_row = grown.students.set_index("student_id").loc[clone]
        assert (
            src_row.drop(["languages", "interests"]).fillna("")
            == new_row.drop(["languages", "interests"]).fillna("")
        ).all()

        def modules(c, s):
            return set(c.enrolments.loc[c.enrolments["student_id"] == s, "module_code"])

        assert modules(grown, clone) == modules(cohort, source)

        def busy(c, s):
            rows = c.busy.loc[c.busy["student_id"] == s, ["day", "start", "end"]]
            return sorted(map(tuple, rows.to_numpy()))

        assert busy(grown, clone) == busy(cohort, source)
        assert (clone in set(grown.mentees["student_id"])) == (source in mentees)
        assert (clone in set(grown.mentors["student_id"])) == (source in mentors)
    # Leaders, preferences and avoid pairs are personal: not copied.
    assert len(grown.leaders) == len(cohort.leaders)
    assert len(grown.preferences) == len(cohort.preferences)


def test_shrinking_removes_every_row_of_removed_students(cohort) -> None:
    small = resample_cohort(cohort, 0.5, seed=2)
    kept = set(small.students["student_id"])
    assert kept < set(cohort.students["student_id"])
    for name, cols in (
        ("enrolments", ["student_id"]),
        ("busy", ["student_id"]),
        ("mentors", ["student_id"]),
        ("mentees", ["student_id"]),
        ("leaders", ["student_id"]),
        ("preferences", ["student_id", "prefers_id"]),
        ("avoid", ["student_id_a", "student_id_b"]),
    ):
        for col in cols:
            assert set(small.table(name)[col]) <= kept, (name, col)
    # Nothing about the kept students changed.
    e = cohort.enrolments
    pd.testing.assert_frame_equal(
        small.enrolments.reset_index(drop=True),
        e.loc[e["student_id"].isin(kept)].reset_index(drop=True),
    )
    _revalidates(small)


def test_resampling_is_seeded(cohort) -> None:
    a = resample_cohort(cohort, 1.3, seed=5)
    b = resample_cohort(cohort, 1.3, seed=5)
    c = resample_cohort(cohort, 1.3, seed=6)
    pd.testing.assert_frame_equal(a.enrolments, b.enrolments)
    assert set(a.students["student_id"]) != set(c.students["student_id"])


def test_one_programme_or_level_only(cohort) -> None:
    programme = cohort.students["programme"].value_counts().index[0]
    varied, _ = apply_variation(
        cohort, MentoringSettings(), f"intake[programme={programme}]", 2.0, seed=1
    )
    before = cohort.students["programme"].value_counts()
    after = varied.students["programme"].value_counts()
    assert after[programme] == 2 * before[programme]
    assert after.drop(programme).equals(before.drop(programme))
    varied, _ = apply_variation(cohort, MentoringSettings(), "intake[level=UG1]", 0.5, seed=1)
    levels_before = cohort.students["level"].value_counts()
    levels_after = varied.students["level"].value_counts()
    assert abs(levels_after["UG1"] - levels_before["UG1"] / 2) <= 1
    assert levels_after.drop("UG1").equals(levels_before.drop("UG1"))
    with pytest.raises(ValueError, match="no programme called"):
        apply_variation(cohort, MentoringSettings(), "intake[programme=Astrology]", 2.0)


# ------------------------------------------------------------------------------ volunteers


def test_mentor_recruitment_is_eligible_and_nested(cohort) -> None:
    order = mentor_recruitment_order(cohort, seed=3)
    taken = set(cohort.mentors["student_id"]) | set(cohort.mentees["student_id"])
    assert not set(order["student_id"]) & taken
    mentor_levels = set(
        cohort.students.set_index("student_id").loc[cohort.mentors["student_id"], "level"]
    )
    assert set(order["level"]) <= mentor_levels
    mentee_programmes = set(
        cohort.students.set_index("student_id").loc[cohort.mentees["student_id"], "programme"]
    )
    assert set(order["programme"]) <= mentee_programmes
    few = change_mentors(cohort, 5, seed=3)
    more = change_mentors(cohort, 25, seed=3)
    assert len(few.mentors) == len(cohort.mentors) + 5
    assert set(few.mentors["student_id"]) < set(more.mentors["student_id"])
    fewer = change_mentors(cohort, -10, seed=3)
    assert len(fewer.mentors) == len(cohort.mentors) - 10
    assert set(fewer.mentors["student_id"]) < set(cohort.mentors["student_id"])
    _revalidates(more)
    _revalidates(fewer)


def test_leader_recruitment_targets_the_targeted_modules(cohort) -> None:
    settings = PassSettings(top=8)
    more = change_leaders(cohort, settings, 12, seed=1)
    new = more.leaders.iloc[len(cohort.leaders) :]
    assert new["student_id"].nunique() == 12
    assert not set(new["student_id"]) & set(cohort.leaders["student_id"])
    from workbench.schemes.pass_sessions.settings import targeted_modules

    assert set(new["module_code"]) <= set(targeted_modules(cohort, settings)[0])
    enrolled = set(map(tuple, cohort.enrolments[["student_id", "module_code"]].to_numpy()))
    assert not any((s, m) in enrolled for s, m in new[["student_id", "module_code"]].to_numpy())
    nested = change_leaders(cohort, settings, 20, seed=1)
    assert set(new["student_id"]) <= set(nested.leaders["student_id"])
    fewer = change_leaders(cohort, settings, -3, seed=1)
    assert fewer.leaders["student_id"].nunique() == cohort.leaders["student_id"].nunique() - 3
    _revalidates(more)


def test_settings_variations(cohort) -> None:
    _, s = apply_variation(cohort, PassSettings(), "sessions", 3)
    assert s.sessions_per_module == 3
    c, _ = apply_variation(cohort, MentoringSettings(), "capacity", 1)
    assert (c.mentors["capacity"] == 1).all()
    _, s = apply_variation(cohort, PassSettings(), "uptake", 0.2)
    assert s.uptake_regular == 0.2 and s.uptake_once == pytest.approx(0.3)
    with pytest.raises(ValueError, match="does not apply"):
        apply_variation(cohort, PassSettings(), "mentors", 3)
    with pytest.raises(ValueError, match="unknown variation"):
        apply_variation(cohort, PassSettings(), "weather", 3)
    with pytest.raises(ValueError, match="whole numbers"):
        apply_variation(cohort, MentoringSettings(), "mentors", 2.5)


def test_parse_range() -> None:
    assert parse_range("0.8:1.5:0.1") == pytest.approx([0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5])
    assert parse_range("0:60:20") == [0, 20, 40, 60]
    assert parse_range("1, 2,5") == [1, 2, 5]
    for bad in ("1:0:1", "a:b:c", "1:2", "", "0:1:0"):
        with pytest.raises(ValueError, match="not a range"):
            parse_range(bad)


# ------------------------------------------------------------------------------ figures


def test_headline_figures_match_the_plan(cohort) -> None:
    result = solve_mentoring(cohort, MentoringSettings())
    f = plan_figures(cohort, "mentoring", MentoringSettings(), result)
    assert f["reached"] == len(result.matches) == result.matched
    assert f["eligible"] == result.mentees
    assert f["coverage"] == pytest.approx(result.matched / result.mentees)
    assert f["expected_coverage"] == pytest.approx(f["coverage"] * 0.5)
    assert f["cost_per_student_reached"] == pytest.approx(f["cost"] / f["reached"])
    assert f["mentors_used"] == result.matches["mentor_id"].nunique()
    p = solve_pass(cohort, PassSettings())
    f = plan_figures(cohort, "pass", PassSettings(), p, budget=10.0)
    assert f["reached"] == int(p.reach["reached"].sum()) and f["eligible"] == len(p.reach)
    assert f["sessions"] == len(p.sessions)
    assert f["within_budget"] is False


# ------------------------------------------------------------------------------ sweeps


def test_more_mentors_never_lower_coverage(cohort) -> None:
    table = run_sweep(
        cohort,
        "mentoring",
        MentoringSettings(),
        "mentors",
        [-30, -10, 0, 10, 30, 60],
        parallel=False,
    )
    assert list(table.columns[: len(SWEEP_COLUMNS)]) == SWEEP_COLUMNS
    assert (table["status"] == "optimal").all()
    assert table["coverage"].is_monotonic_increasing
    assert table["reached"].is_monotonic_increasing
    assert table["volunteers"].tolist() == [
        len(cohort.mentors) + d for d in (-30, -10, 0, 10, 30, 60)
    ]
    # The unvaried point is today's plan.
    today = solve_mentoring(cohort, MentoringSettings())
    assert table.loc[table["value"] == 0, "reached"].item() == today.matched


def test_more_capacity_and_leaders_never_lower_reach(cohort) -> None:
    table = run_sweep(
        cohort, "mentoring", MentoringSettings(), "capacity", [1, 2, 3, 5], parallel=False
    )
    assert table["reached"].is_monotonic_increasing
    settings = PassSettings(top=10, sessions_per_module=1)
    table = run_sweep(cohort, "pass", settings, "leaders", [-6, -3, 0, 5, 15], parallel=False)
    assert table["status"].isin(["optimal", "feasible"]).all(), table["message"].tolist()
    assert table["reached"].is_monotonic_increasing


def test_uptake_scales_expected_coverage_only(cohort) -> None:
    table = run_sweep(
        cohort, "mentoring", MentoringSettings(), "uptake", [0.25, 0.5, 1.0], parallel=False
    )
    assert table["coverage"].nunique() == 1
    assert table["expected_coverage"].tolist() == pytest.approx(
        [table["coverage"].iloc[0] * u for u in (0.25, 0.5, 1.0)]
    )

    settings = PassSettings(top=3, sessions_per_module=1)
    table = run_sweep(cohort, "pass", settings, "uptake", [0.2, 0.4], parallel=False)
    assert table["coverage"].nunique() == 1
    low, high = table["expected_coverage"].tolist()
    assert high == pytest.approx(2 * low)  # judged by the uptake each point was planned with


def test_intake_sweep_parallel_equals_serial_and_reports_progress(cohort) -> None:
    values = [0.8, 1.0, 1.3]
    seen: list[tuple[int, int]] = []
    parallel = run_sweep(
        cohort,
        "pass",
        PassSettings(),
        "intake",
        values,
        parallel=True,
        progress=lambda d, t: seen.append((d, t)),
        seed=7,
    )
    serial = run_sweep(cohort, "pass", PassSettings(), "intake", values, parallel=False, seed=7)
    assert seen[0] == (0, 3) and seen[-1] == (3, 3)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    cols = ["value", "status", "reached", "eligible", "coverage", "cost", "students"]
    pd.testing.assert_frame_equal(parallel[cols], serial[cols])
    assert parallel["students"].tolist() == [480, 600, 780]
    assert not parallel.attrs["cancelled"]


@pytest.mark.parametrize("parallel", [False, True])
def test_cancelling_returns_a_marked_partial_table(cohort, parallel) -> None:
    stop = threading.Event()

    def progress(done: int, total: int) -> None:
        if done >= 1:
            stop.set()

    values = [0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4]
    table = run_sweep(
        cohort,
        "mentoring",
        MentoringSettings(),
        "intake",
        values,
        parallel=parallel,
        progress=progress,
        cancel=stop,
    )
    assert table.attrs["cancelled"] is True
    assert len(table) == len(values) and table["value"].tolist() == values
    done = table["status"] == "optimal"
    assert 1 <= done.sum() < len(values)
    assert (table.loc[~done, "status"] == "cancelled").all()
    # A callable works as well as an Event.
    table = run_sweep(
        cohort,
        "mentoring",
        MentoringSettings(),
        "intake",
        values,
        parallel=False,
        cancel=lambda: True,
    )
    assert (table["status"] == "cancelled").all()


def test_a_failing_point_does_not_sink_the_sweep(cohort) -> None:
    table = run_sweep(cohort, "mentoring", MentoringSettings(), "capacity", [2, 50], parallel=False)
    assert table["status"].tolist() == ["optimal", "error"]
    assert "1 to 20" in table["message"].iloc[1]


# ------------------------------------------------------------------------------ inverse


def test_mentors_needed_is_the_fewest(cohort) -> None:
    settings = MentoringSettings()
    today = solve_mentoring(cohort, settings)
    target = min(0.99, today.matched / today.mentees + 0.04)
    answer = mentors_needed(cohort, settings, target, seed=2)
    assert answer.needed is not None and answer.change > 0
    assert answer.achieved >= target
    # Independently: one fewer recruit falls short, the answer reaches the target.
    for change, reaches in ((answer.change, True), (answer.change - 1, False)):
        varied, _ = apply_variation(cohort, settings, "mentors", change, seed=2)
        result = solve_mentoring(varied, settings)
        assert (result.matched / result.mentees >= target) is reaches
    assert {"change", "mentors", "coverage"} <= set(answer.evidence.columns)
    assert "recruit" in answer.message
    # A lower target than today's: fewer mentors would do.
    low = mentors_needed(cohort, settings, 0.5, seed=2)
    assert low.change < 0 and low.achieved >= 0.5
    varied, _ = apply_variation(cohort, settings, "mentors", low.change - 1, seed=2)
    result = solve_mentoring(varied, settings)
    assert result.matched / result.mentees < 0.5


def test_leaders_needed_and_out_of_reach(cohort) -> None:
    settings = PassSettings(top=12, sessions_per_module=1)
    today = solve_pass(cohort, settings)
    share = today.reach["reached"].mean()
    target = min(1.0, share + 0.05)
    answer = leaders_needed(cohort, settings, target, seed=1)
    assert answer.needed is not None and answer.change > 0, answer.message
    assert answer.achieved >= target and "recruit" in answer.message
    varied, _ = apply_variation(cohort, settings, "leaders", answer.change, seed=1)
    assert solve_pass(varied, settings).reach["reached"].mean() >= target
    varied, _ = apply_variation(cohort, settings, "leaders", answer.change - 1, seed=1)
    assert solve_pass(varied, settings).reach["reached"].mean() < target
    tiny = mentors_needed(cohort, MentoringSettings(), 1.0, seed=1, max_recruits=1)
    assert tiny.needed is None and tiny.change is None
    assert "Out of reach" in tiny.message and "the most allowed" in tiny.message
    assert tiny.evidence["change"].max() == 1


# ------------------------------------------------------------------------------ comparing


def test_compare_scenarios_side_by_side(cohort) -> None:
    a = solve_scenario(cohort, "pass", PassSettings(), name="Two a week")
    b = solve_scenario(cohort, "pass", PassSettings(sessions_per_module=1), name="One a week")
    c = solve_scenario(cohort, "pass", PassSettings(sessions_per_module=1), name="One a week")
    table = compare_scenarios([a, b, c]).set_index("metric")
    assert list(table.columns[:4]) == ["label", "Two a week", "One a week", "One a week (2)"]
    assert table.loc["sessions", "Two a week"] == a.summary["sessions"]
    assert table.loc["sessions", "change: One a week"] == pytest.approx(
        b.summary["sessions"] - a.summary["sessions"]
    )
    assert table.loc["cost", "change: One a week"] == pytest.approx(
        b.summary["cost"] - a.summary["cost"]
    )
    assert table.loc["scheme", "Two a week"] == "PASS sessions"  # in words
    assert table.loc["headline", "One a week"] == b.summary["headline"]
    assert "status" not in table.index  # the solver's outcome is not a plan's figure
    assert pd.isna(table.loc["headline", "change: One a week"])
    assert table.loc["setting: sessions_per_module", "One a week"] == 1


def test_groups_scenario_and_intake_sweep(cohort) -> None:
    from workbench.schemes.groups.solve import GroupSettings, form_groups

    module = cohort.enrolments["module_code"].value_counts().index[0]
    settings = GroupSettings(module=module)
    scenario = solve_scenario(cohort, "groups", settings, name="Study groups")
    direct = form_groups(cohort, settings)
    assert scenario.summary["reached"] == direct.placed
    assert scenario.summary["eligible"] == direct.placed + len(direct.unplaced)
    table = run_sweep(cohort, "groups", settings, "intake", [0.5, 1.0], parallel=False, seed=1)
    assert table["status"].isin(["optimal", "feasible"]).all(), table["message"].tolist()
    assert table["eligible"].iloc[0] < table["eligible"].iloc[1]
