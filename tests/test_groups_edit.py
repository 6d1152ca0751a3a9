"""Editing a groups plan by hand (workbench.schemes.groups.edit) and the app's groups helpers
(workbench.schemes.groups.view), on a tiny hand-made cohort whose answers can be worked out by hand."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from workbench.cohort.domain import Cohort, Slot
from workbench.cohort.validation import cohort_from_records
from workbench.scenarios.edited import edited_scenario
from workbench.schemes.groups import edit as ge
from workbench.schemes.groups import view as gv
from workbench.schemes.groups.solve import GroupSettings

MON_9, MON_10 = Slot(0, 540, 600), Slot(0, 600, 660)


@pytest.fixture(scope="module")
def cohort() -> Cohort:
    """S1-S8 on M1 (S1, S2 international; programmes alternate); S8 busy Mon 10-11; S9 busy
    at both meeting times (cannot be placed); S3 and S4 must not share a group."""
    students = [
        {
            "student_id": f"S{i}",
            "programme": ("Chemistry", "Physics")[i % 2],
            "level": "UG1",
            "home_status": "international" if i in (1, 2) else "home",
            "interests": "chess" if i < 5 else "film;chess",
        }
        for i in range(1, 10)
    ]
    students.append({"student_id": "P1", "programme": "Physics", "level": "UG2"})
    return cohort_from_records(
        students=students,
        modules=[{"module_code": "M1", "module_name": "Mechanics"}],
        enrolments=[{"student_id": f"S{i}", "module_code": "M1"} for i in range(1, 10)],
        timetable=[{"module_code": "M1", "day": "Mon", "start": "11:00", "end": "12:00"}],
        busy=[
            {"student_id": "S8", "day": "Mon", "start": "10:00", "end": "11:00"},
            {"student_id": "S9", "day": "Mon", "start": "09:00", "end": "11:00"},
        ],
        avoid=[{"student_id_a": "S3", "student_id_b": "S4"}],
    )


@pytest.fixture(scope="module")
def settings() -> GroupSettings:
    return GroupSettings(
        module="M1",
        min_size=4,
        max_size=4,
        diverse=["programme"],
        no_isolation=["home_status"],
        days=[0],
        first_start=540,
        last_start=600,
        time_limit=10,
    )


@pytest.fixture(scope="module")
def solved(cohort: Cohort, settings: GroupSettings):
    from workbench.scenarios.scenario import solve_scenario

    return solve_scenario(cohort, "groups", settings, name="tiny")


def _members(groups: pd.DataFrame) -> dict[str, set[str]]:
    return {g: set(rows["student_id"]) for g, rows in groups.groupby("group_id")}


# ------------------------------------------------------------------------------ moving


def test_the_solved_plan_is_what_the_rules_allow(solved) -> None:
    groups, unplaced = solved.results["groups"], solved.results["unplaced"]
    assert solved.status["status"] == "optimal"
    assert set(unplaced["student_id"]) == {"S9"}  # busy at every meeting time
    members = _members(groups)
    assert sorted(len(m) for m in members.values()) == [4, 4]
    together = next(m for m in members.values() if "S1" in m)
    assert "S2" in together  # the two international students are never apart
    assert not any({"S3", "S4"} <= m for m in members.values())


def test_move_student_takes_the_target_groups_time_and_keeps_the_rest(solved) -> None:
    groups = solved.results["groups"]
    where = ge.group_of(groups)
    other = next(g for g in sorted(set(where.values())) if g != where["S5"])
    moved = ge.move_student(groups, "S5", other)
    assert ge.group_of(moved)["S5"] == other
    row = moved.loc[moved["student_id"] == "S5"].iloc[0]
    model = groups.loc[groups["group_id"] == other].iloc[0]
    assert (row["day"], row["start"], row["end"], row["slot"]) == (
        model["day"],
        model["start"],
        model["end"],
        model["slot"],
    )
    assert len(moved) == len(groups)
    unchanged = {s: g for s, g in ge.group_of(moved).items() if s != "S5"}
    assert unchanged == {s: g for s, g in where.items() if s != "S5"}
    # Into no group, and an unplaced student into one.
    out = ge.move_student(groups, "S5", ge.NOT_IN_A_GROUP)
    assert "S5" not in set(out["student_id"]) and len(out) == len(groups) - 1
    back = ge.move_student(out, "S9", other)
    assert ge.group_of(back)["S9"] == other
    with pytest.raises(ValueError, match="no group G99"):
        ge.move_student(groups, "S5", "G99")
    assert ge.describe_changes(groups, moved) == [f"S5: {where['S5']} → {other}"]


def test_choices_name_each_students_group_and_each_groups_time(solved) -> None:
    groups, unplaced = solved.results["groups"], solved.results["unplaced"]
    students = ge.student_choices(groups, unplaced)
    assert set(students) == {f"S{i}" for i in range(1, 10)}
    assert students["S9"] == "S9 (not in a group)"
    assert students["S1"] == f"S1 (in {ge.group_of(groups)['S1']})"
    targets = ge.target_choices(groups)
    assert targets["G01"] == "G01: Mon 09:00-10:00, 4 students"
    assert ge.NOT_IN_A_GROUP in targets


# ------------------------------------------------------------------------------ re-checking


def test_an_edit_that_breaks_rules_names_each_broken_rule(cohort, settings, solved) -> None:
    groups, unplaced = solved.results["groups"], solved.results["unplaced"]
    where = ge.group_of(groups)
    other = next(g for g in sorted(set(where.values())) if g != where["S1"])
    edited = ge.move_student(groups, "S1", other)
    plan = ge.check_edited(cohort, settings, groups, unplaced, edited)
    assert not plan.ok
    text = "\n".join(plan.problems)
    assert f"Group {where['S1']} has 3 students: groups have 4-4." in text
    assert f"Group {other} has 5 students: groups have 4-4." in text
    assert "S1 is the only international student" in text and "S2 is the only" in text
    assert plan.placed == 8 and plan.students == 9
    status = ge.edited_status(plan, solved.summary)
    assert status.status == ge.BREAKS_RULES
    assert status.messages[1:] == plan.problems


def test_an_edit_that_keeps_the_rules_is_scored_and_bounded_honestly(
    cohort, settings, solved
) -> None:
    groups, unplaced = solved.results["groups"], solved.results["unplaced"]
    same = ge.check_edited(cohort, settings, groups, unplaced, groups)
    assert same.ok and same.changes == []
    assert ge.edited_status(same, solved.summary).status == "optimal"
    # S9 in S5's place: S9 is busy at the group's meeting time.
    where = ge.group_of(groups)
    swapped = ge.move_student(ge.move_student(groups, "S5", ge.NOT_IN_A_GROUP), "S9", where["S5"])
    plan = ge.check_edited(cohort, settings, groups, unplaced, swapped)
    assert any("S9 is not free at Mon 09:00-10:00" in p for p in plan.problems)
    assert plan.unplaced.set_index("student_id")["reason"].to_dict() == {
        "S5": f"taken out of {where['S5']} by hand"
    }
    # A rule-keeping edit with fewer placed: the solve's proven placed bound gives the gap.
    small = GroupSettings(**{**settings.model_dump(), "min_size": 3})
    fewer = ge.move_student(groups, "S5", ge.NOT_IN_A_GROUP)
    plan = ge.check_edited(cohort, small, groups, unplaced, fewer)
    assert plan.ok, plan.problems
    status = ge.edited_status(plan, {"placed_bound": 8, "worst_bound": 1.0, "total_bound": 8.0})
    assert status.status == "feasible" and status.gap == pytest.approx(1 / 8)
    assert "7 students placed; perhaps up to 8" in status.messages[1]
    reasons = plan.unplaced.set_index("student_id")["reason"]
    assert reasons["S9"] == unplaced.set_index("student_id")["reason"]["S9"]


def test_scores_after_an_edit_are_the_documented_score(cohort, settings, solved) -> None:
    """Diverse programme with groups of 4 and two programmes: part = (D - 1) / (2 - 1)."""
    groups, unplaced = solved.results["groups"], solved.results["unplaced"]
    one_programme = pd.DataFrame(
        [
            {
                "group_id": "A",
                "student_id": s,
                "day": 0,
                "start": 540,
                "end": 600,
                "slot": MON_9.label,
                "mentor_id": None,
            }
            for s in ("S2", "S4", "S6", "S8")
        ]
        + [
            {
                "group_id": "B",
                "student_id": s,
                "day": 0,
                "start": 540,
                "end": 600,
                "slot": MON_9.label,
                "mentor_id": None,
            }
            for s in ("S1", "S3", "S5", "S7")
        ]
    )
    plan = ge.check_edited(cohort, settings, groups, unplaced, one_programme)
    programmes = cohort.students.set_index("student_id")["programme"]
    for gid, rows in one_programme.groupby("group_id"):
        d = programmes.loc[list(rows["student_id"])].nunique()
        assert plan.scores.set_index("group_id").loc[gid, "score"] == d - 1
    assert plan.worst == 0.0 and plan.total == 0.0
    # S1 and S2 (the international students) study different programmes: apart, each alone.
    assert plan.problems == [
        "Group A: S2 is the only international student (no-isolation rule on home status).",
        "Group B: S1 is the only international student (no-isolation rule on home status).",
    ]
    # With that rule lifted the same plan keeps every rule; worst 0 against a bound of 1.
    free = GroupSettings(**{**settings.model_dump(), "no_isolation": []})
    plan = ge.check_edited(cohort, free, groups, unplaced, one_programme)
    status = ge.edited_status(plan, solved.summary)
    assert plan.ok and status.status == "feasible" and status.gap == 1.0


def test_free_times_and_retime(cohort, settings, solved) -> None:
    groups = solved.results["groups"]
    with_s8 = ge.group_of(groups)["S8"]
    assert ge.free_times(cohort, settings, groups, with_s8) == [MON_9]  # S8 busy Mon 10-11
    other = next(g for g in ge.target_choices(groups) if g and g != with_s8)
    assert ge.free_times(cohort, settings, groups, other) == [MON_9, MON_10]
    later = ge.retime_group(groups, with_s8, MON_10)
    plan = ge.check_edited(cohort, settings, groups, solved.results["unplaced"], later)
    assert plan.problems == [
        f"Group {with_s8}: S8 is not free at Mon 10:00-11:00 (own commitment)."
    ]
    assert plan.changes == [f"{with_s8} meets Mon 10:00-11:00 (was Mon 09:00-10:00)"]
    with pytest.raises(ValueError):
        ge.retime_group(groups, "G99", MON_9)


def test_edited_scenario_is_a_real_scenario_with_its_status(solved) -> None:
    from workbench.scenarios.scenario import read_scenario_bytes

    groups = solved.results["groups"]
    other = next(g for g in ge.target_choices(groups) if g and g != ge.group_of(groups)["S1"])
    made = edited_scenario(solved, ge.move_student(groups, "S1", other), "tiny (edited)")
    assert made.id != solved.id and made.name == "tiny (edited)"
    assert made.status["status"] == ge.BREAKS_RULES
    assert made.summary["placed"] == 8 and made.summary["reached"] == 8
    assert any("Changed by hand: S1" in n for n in made.summary["notes"])
    again = read_scenario_bytes(made.to_bytes())
    assert ge.group_of(again.results["groups"])["S1"] == other
    assert again.settings == solved.settings


# ------------------------------------------------------------------------------ the form


def test_choices_come_from_the_cohort(cohort) -> None:
    assert gv.module_choices(cohort) == {"M1": "M1 Mechanics (9 students)"}
    assert gv.default_module(cohort) == "M1"
    assert gv.level_choices(cohort) == ["UG1", "UG2"] and gv.default_level(cohort) == "UG1"
    assert "interests" in gv.attribute_options(cohort)
    assert "interests" not in gv.isolation_options(cohort)
    assert "gender" not in gv.attribute_options(cohort)  # nobody has a value
    assert gv.attribute_label("home_status") == "Home status"


def test_keep_together_pairs_are_read_line_by_line() -> None:
    assert gv.parse_pairs("S1, S2\n\n S3:S4 \nS5 S6") == [("S1", "S2"), ("S3", "S4"), ("S5", "S6")]
    with pytest.raises(ValueError, match="line 2: 'S3' is not two student ids"):
        gv.parse_pairs("S1,S2\nS3")
    assert gv.parse_pairs(gv.format_pairs([("a", "b")])) == [("a", "b")]


def test_form_values_and_settings_round_trip(cohort) -> None:
    values = {
        **gv.form_defaults(cohort),
        "size": (3, 5),
        "similar": ["interests"],
        "keep": "S1, S2",
        "days": ["Mon", "Wed"],
        "first_start": dt.time(10),
        "last_start": dt.time(15, 30),
        "minutes": 45,
    }
    settings = gv.settings_from_form(values, 12)
    assert (settings.module, settings.min_size, settings.max_size) == ("M1", 3, 5)
    assert settings.keep_together == [("S1", "S2")] and settings.days == [0, 2]
    assert (settings.first_start, settings.last_start, settings.session_minutes) == (600, 930, 45)
    assert settings.time_limit == 12 and settings.kind == "study"
    back = gv.form_from_settings(settings.model_dump(mode="json"))
    assert {k: back[k] for k in back} == {k: values[k] for k in back}
    social = gv.settings_from_form({**values, "kind": "social", "led": True}, 5)
    assert social.level == "UG1" and social.module is None and social.led_by_mentors
    assert gv.form_from_settings(social.model_dump(mode="json"))["social_level"] == "UG1"
    with pytest.raises(ValueError, match="choose the students"):
        gv.settings_from_form({**values, "module": None})
    with pytest.raises(ValueError, match="both similar and diverse"):
        gv.settings_from_form({**values, "diverse": ["interests"]})
    preset = gv.preset_values("study", next(iter(gv.PRESETS["study"])), cohort)
    assert preset["no_isolation"] == ["home_status"]
    balanced = gv.preset_values("study", list(gv.PRESETS["study"])[1], cohort)
    assert "gender" not in balanced["diverse"] + balanced["no_isolation"]  # not in this cohort


def test_pool_text_counts_the_students_and_groups(cohort, settings) -> None:
    text = gv.pool_text(cohort, settings)
    assert text.startswith("9 students of M1 in study groups of 4-4: 3 groups.")
    with pytest.raises(ValueError, match="unknown module"):
        gv.pool_text(cohort, GroupSettings(module="X9"))


# ------------------------------------------------------------------------------ tables, charts


def test_group_table_and_charts_show_the_plan(cohort, settings, solved) -> None:
    from workbench.cohort.availability import free_matrix
    from workbench.outcomes.charts import chart_data, describe

    groups, scores = solved.results["groups"], solved.results["group_scores"]
    table = gv.group_table(groups, scores)
    assert list(table["group_id"]) == sorted(set(groups["group_id"]))
    for row in table.itertuples():
        assert set(row.members.split(", ")) == _members(groups)[row.group_id]
        assert row.size == len(row.members.split(", "))
    assert "diverse_programme" in table and "free_times_shared" in table
    members = gv.member_table(cohort, groups, ["programme", "home_status"])
    assert len(members) == len(groups) and set(members["home_status"]) == {"home", "international"}

    pool = ge.pool_of(groups, solved.results["unplaced"])
    free = gv.free_by_slot(cohort, settings, pool)
    expected = free_matrix(cohort, pool, settings.slots()).sum(axis=0)
    assert free["free_students"].tolist() == expected.tolist() == [8, 7]
    chart = gv.meeting_times_chart(free, scores)
    data = chart_data(chart)
    assert data.set_index("time")["groups"].to_dict() == {"09:00": 2, "10:00": 0}
    assert "2 groups meet at 1 times" in describe(chart)
    bars = gv.group_scores_chart(scores)
    assert len(chart_data(bars)) == len(scores) and "every group scores 1.00" in describe(bars)
    uneven = scores.assign(score=[0.5, 1.0][: len(scores)])
    assert "weakest 0.50 (G01)" in describe(gv.group_scores_chart(uneven))
    assert chart_data(gv.group_scores_chart(uneven))["label"].tolist() == ["0.50 (weakest)", "1.00"]
    assert gv.part_label("diverse_home_status") == "diverse home status"
