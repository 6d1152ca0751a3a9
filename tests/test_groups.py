"""Group formation: settings, explained infeasibility, check_groups on hand-edited plans, the
command line and determinism."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from pydantic import ValidationError

from workbench.cli.main import main
from workbench.cohort.domain import Cohort
from workbench.cohort.validation import cohort_from_records
from workbench.schemes.groups.solve import GroupSettings, check_groups, form_groups, score_groups

GRID = {"days": [0, 1], "first_start": 9 * 60, "last_start": 11 * 60, "time_limit": 10}


def cohort_of(
    n: int = 12,
    international: tuple[int, ...] = (0, 1),
    busy: tuple = (),
    avoid: tuple = (),
    mentors: tuple = (),
    module_only: int | None = None,
) -> Cohort:
    """``n`` UG1 students S01.. on M1 (the first ``module_only`` of them, if given), free all
    week except ``busy`` (student, day, start, end); ``mentors`` are (id, capacity) in UG2."""
    students = [
        {
            "student_id": f"S{i + 1:02d}",
            "programme": ["Chem", "Phys", "Maths"][i % 3],
            "level": "UG1",
            "gender": ["female", "male"][i % 2],
            "home_status": "international" if i in international else "home",
            "interests": ["chess", "film", "music"][i % 3],
        }
        for i in range(n)
    ]
    students += [{"student_id": m, "programme": "Chem", "level": "UG2"} for m, _ in mentors]
    on_module = students[: module_only if module_only is not None else n]
    tables = {
        "students": students,
        "modules": [{"module_code": "M1"}],
        "enrolments": [{"student_id": s["student_id"], "module_code": "M1"} for s in on_module],
        "timetable": [{"module_code": "M1", "day": "Wed", "start": "10:00", "end": "11:00"}],
        "busy": [
            {"student_id": s, "day": d, "start": a, "end": b, "reason": "part-time job"}
            for s, d, a, b in busy
        ],
        "avoid": [{"student_id_a": a, "student_id_b": b} for a, b in avoid],
        "mentors": [{"student_id": m, "capacity": c} for m, c in mentors],
    }
    return cohort_from_records(**{k: v for k, v in tables.items() if v})


ALL_DAY = [
    (d, a, b)
    for d in ("Mon", "Tue")
    for a, b in (("09:00", "10:00"), ("10:00", "11:00"), ("11:00", "12:00"))
]


def busy_all_day(student: str) -> list[tuple[str, str, str, str]]:
    return [(student, d, a, b) for d, a, b in ALL_DAY]


# -- settings ---------------------------------------------------------------------------------
def test_settings_round_trip_and_normalise_attributes() -> None:
    s = GroupSettings(
        module="M1",
        diverse=["Fee Status", "programme"],
        no_isolation=["home status"],
        similar=["Hobbies"],
        keep_together=[("S01", "S02")],
    )
    assert s.diverse == ["home_status", "programme"]
    assert s.no_isolation == ["home_status"] and s.similar == ["interests"]
    again = GroupSettings.model_validate_json(s.model_dump_json())
    assert again == s
    assert len(s.slots()) == 5 * 9


def test_social_groups_mix_programmes_unless_told_otherwise() -> None:
    assert GroupSettings(kind="social", level="UG1").diverse == ["programme"]
    assert GroupSettings(kind="social", level="UG1", similar=["programme"]).diverse == []
    assert GroupSettings(level="UG1").diverse == []


@pytest.mark.parametrize(
    "bad",
    [
        {"module": "M1", "level": "UG1"},
        {"module": "M1", "min_size": 5, "max_size": 4},
        {"module": "M1", "similar": ["gender"], "diverse": ["gender"]},
        {"level": "UG9"},
        {"module": "M1", "min_size": 1},
        {"module": "M1", "keep_together": [("S01", "S01")]},
        {"module": "M1", "days": []},
    ],
)
def test_bad_settings_are_refused(bad: dict) -> None:
    with pytest.raises(ValidationError):
        GroupSettings(**bad)


def test_unknown_module_attribute_or_student_is_bad_input() -> None:
    cohort = cohort_of()
    for settings in (
        GroupSettings(),
        GroupSettings(module="XX9"),
        GroupSettings(module="M1", diverse=["colour"]),
        GroupSettings(module="M1", no_isolation=["interests"]),
        GroupSettings(module="M1", keep_together=[("S01", "NOBODY")]),
        GroupSettings(programme="Astrology"),
    ):
        with pytest.raises(ValueError):
            form_groups(cohort, settings)


# -- plans and explanations -------------------------------------------------------------------
def test_a_simple_module_is_grouped_optimally_with_every_rule_kept() -> None:
    cohort = cohort_of(12, avoid=(("S01", "S04"),))
    settings = GroupSettings(
        module="M1",
        diverse=["programme"],
        no_isolation=["home_status"],
        keep_together=[("S05", "S06")],
        **GRID,
    )
    result = form_groups(cohort, settings)
    assert result.status.status == "optimal"
    assert result.placed == 12 and result.unplaced.empty
    assert check_groups(cohort, settings, result.groups) == []
    where = dict(zip(result.groups["student_id"], result.groups["group_id"], strict=True))
    assert where["S01"] != where["S04"]
    assert where["S05"] == where["S06"]
    assert where["S01"] == where["S02"]  # the two international students, never alone
    assert result.worst_score == 1.0  # three programmes in every group is possible
    summary = result.summary()
    assert summary["groups"] == len(result.group_scores)
    assert json.loads(json.dumps(summary))["settings"]["module"] == "M1"
    assert set(result.groups.columns) >= {
        "group_id",
        "student_id",
        "day",
        "start",
        "end",
        "slot",
        "mentor_id",
    }


def test_too_few_students_is_infeasible_and_explained() -> None:
    cohort = cohort_of(3)
    result = form_groups(cohort, GroupSettings(module="M1", **GRID))
    assert result.status.status == "infeasible"
    assert result.placed == 0 and len(result.unplaced) == 3
    assert (result.unplaced["reason"] == "free at no slot shared with 3 others in M1").all()
    assert result.summary()["messages"]


def test_each_reason_a_student_cannot_be_placed() -> None:
    cohort = cohort_of(12, international=(3,), busy=tuple(busy_all_day("S02")), module_only=11)
    settings = GroupSettings(
        module="M1", no_isolation=["home_status"], keep_together=[("S05", "S12")], **GRID
    )
    result = form_groups(cohort, settings)
    reasons = dict(zip(result.unplaced["student_id"], result.unplaced["reason"], strict=True))
    assert reasons == {
        "S02": "not free at any time of the grid (Mon-Tue, 60-minute meetings starting "
        "09:00-11:00)",
        "S04": "the only international student in M1 who could be placed: any group would "
        "isolate them (no-isolation rule on home status)",
        "S05": "to be kept together with S12, who is not among the students of M1",
    }
    assert result.placed == 8 and result.status.status == "optimal"
    assert check_groups(cohort, settings, result.groups) == []


def test_keep_together_with_someone_outside_the_pool() -> None:
    cohort = cohort_of(10, module_only=9)
    settings = GroupSettings(module="M1", keep_together=[("S01", "S10")], **GRID)
    result = form_groups(cohort, settings)
    reasons = dict(zip(result.unplaced["student_id"], result.unplaced["reason"], strict=True))
    assert reasons == {"S01": "to be kept together with S10, who is not among the students of M1"}


def test_keep_together_and_avoid_the_same_pair_leaves_both_out() -> None:
    cohort = cohort_of(10, avoid=(("S01", "S02"),))
    settings = GroupSettings(module="M1", keep_together=[("S01", "S02")], **GRID)
    result = form_groups(cohort, settings)
    reasons = dict(zip(result.unplaced["student_id"], result.unplaced["reason"], strict=True))
    assert set(reasons) == {"S01", "S02"}
    assert "avoid list" in reasons["S01"] and reasons["S01"] == reasons["S02"]


def test_no_slot_with_enough_others() -> None:
    # S01-S03 are free only on Monday 09:00; everyone else is busy then.
    busy = [
        b
        for s in ("S01", "S02", "S03")
        for b in busy_all_day(s)
        if not (b[1] == "Mon" and b[2] == "09:00")
    ]
    busy += [(f"S{i:02d}", "Mon", "09:00", "10:00") for i in range(4, 12)]
    cohort = cohort_of(11, busy=tuple(busy))
    result = form_groups(cohort, GroupSettings(module="M1", **GRID))
    reasons = dict(zip(result.unplaced["student_id"], result.unplaced["reason"], strict=True))
    assert reasons == {
        s: "free at no slot shared with 3 others in M1" for s in ("S01", "S02", "S03")
    }
    assert result.status.status == "optimal" and result.placed == 8


def test_mentor_led_groups_and_mentors_without_capacity() -> None:
    cohort = cohort_of(12, mentors=(("MEN1", "6"), ("MEN2", "2"), ("MEN3", "5")))
    settings = GroupSettings(kind="social", level="UG1", led_by_mentors=True, **GRID)
    result = form_groups(cohort, settings)
    assert check_groups(cohort, settings, result.groups) == []
    assert sorted(result.groups["mentor_id"].unique()) == ["MEN1", "MEN3"]
    assert result.placed == 11  # at most 6 + 5
    assert any("capacity below the smallest group size" in n for n in result.notes)
    assert len(result.unplaced) == 1
    assert "full" in result.unplaced["reason"].iloc[0]


def test_same_input_gives_the_same_plan() -> None:
    cohort = cohort_of(14, avoid=(("S01", "S02"),))
    settings = GroupSettings(
        module="M1", diverse=["programme", "gender"], similar=["interests"], **GRID
    )
    first = form_groups(cohort, settings)
    second = form_groups(cohort, settings)
    pd.testing.assert_frame_equal(first.groups, second.groups)
    pd.testing.assert_frame_equal(first.group_scores, second.group_scores)


# -- check_groups ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def edited():
    cohort = cohort_of(
        12,
        avoid=(("S07", "S08"), ("S01", "MEN2")),
        busy=(("S09", "Tue", "11:00", "12:00"), ("MEN3", "Tue", "11:00", "12:00")),
        mentors=(("MEN1", "6"), ("MEN2", "4"), ("MEN3", "4")),
    )
    settings = GroupSettings(
        module="M1", no_isolation=["home_status"], keep_together=[("S11", "S12")], **GRID
    )
    rows = []
    for gid, members in (
        ("A", ["S01", "S02", "S03", "S04"]),
        ("B", ["S05", "S06", "S07", "S09"]),
        ("C", ["S08", "S10", "S11", "S12"]),
    ):
        rows += [
            {"group_id": gid, "student_id": s, "day": 0, "start": 540, "end": 600} for s in members
        ]
    plan = pd.DataFrame(rows, dtype=object)
    assert check_groups(cohort, settings, plan) == []
    return cohort, settings, plan


def _move(plan: pd.DataFrame, student: str, group: str) -> pd.DataFrame:
    """Move a student as the app does: they take the target group's time and mentor."""
    plan = plan.copy()
    target = plan[(plan["group_id"] == group) & (plan["student_id"] != student)].iloc[0]
    mask = plan["student_id"] == student
    plan.loc[mask, "group_id"] = group
    for column in ("day", "start", "end", "mentor_id"):
        if column in plan.columns:
            plan.loc[mask, column] = target[column]
    return plan


def test_check_groups_catches_a_group_too_small_or_too_large(edited) -> None:
    cohort, settings, plan = edited
    assert check_groups(cohort, settings, _move(plan, "S05", "A")) == [
        "Group B has 3 students: groups have 4-6."
    ]
    big = _move(_move(_move(plan, "S05", "A"), "S06", "A"), "S10", "A")
    assert "Group A has 7 students: groups have 4-6." in check_groups(cohort, settings, big)


def test_check_groups_catches_a_busy_member(edited) -> None:
    cohort, settings, plan = edited
    moved = plan.copy()
    moved.loc[moved["group_id"] == "B", ["day", "start", "end"]] = ["Tue", "11:00", "12:00"]
    assert check_groups(cohort, settings, moved) == [
        "Group B: S09 is not free at Tue 11:00-12:00 (own commitment: part-time job)."
    ]
    moved.loc[moved["group_id"] == "A", ["day", "start", "end"]] = [2, 600, 660]
    assert "Group A: S01 is not free at Wed 10:00-11:00 (M1 class)." in check_groups(
        cohort, settings, moved
    )


def test_check_groups_catches_isolation(edited) -> None:
    cohort, settings, plan = edited
    swapped = _move(_move(plan, "S02", "B"), "S05", "A")
    messages = check_groups(cohort, settings, swapped)
    assert messages == [
        "Group A: S01 is the only international student (no-isolation rule on home status).",
        "Group B: S02 is the only international student (no-isolation rule on home status).",
    ]


def test_check_groups_catches_avoid_pairs_and_split_keep_together(edited) -> None:
    cohort, settings, plan = edited
    swapped = _move(_move(plan, "S08", "B"), "S07", "C")
    assert check_groups(cohort, settings, swapped) == []
    together = _move(_move(plan, "S08", "B"), "S06", "C")
    assert "Group B: S07 and S08 are on the avoid list." in check_groups(cohort, settings, together)
    split = _move(_move(plan, "S12", "A"), "S01", "C")
    assert any(
        "S11 and S12 are to be kept together" in m for m in check_groups(cohort, settings, split)
    )
    dropped = plan[plan["student_id"] != "S12"]
    assert any(
        "S11 is in C but S12, to be kept together with them, is in no group" in m
        for m in check_groups(cohort, settings, dropped)
    )


def test_check_groups_catches_duplicates_strangers_and_mixed_times(edited) -> None:
    cohort, settings, plan = edited
    extra = pd.DataFrame(
        [
            {"group_id": "C", "student_id": "S01", "day": 0, "start": 540, "end": 600},
            {"group_id": "C", "student_id": "MEN1", "day": 0, "start": 540, "end": 600},
            {"group_id": "C", "student_id": "NOBODY", "day": 0, "start": 540, "end": 600},
        ]
    )
    messages = check_groups(cohort, settings, pd.concat([plan, extra]))
    assert "S01 is in more than one group (A, C)." in messages
    assert "MEN1 is not among the students of M1." in messages
    assert "NOBODY is not a student of the cohort." in messages
    mixed = plan.copy()
    mixed.loc[mixed["student_id"] == "S03", "start"] = 600
    mixed.loc[mixed["student_id"] == "S03", "end"] = 660
    assert any(
        m.startswith("Group A: its members have different meeting times")
        for m in check_groups(cohort, settings, mixed)
    )
    timeless = plan.drop(columns=["day"])
    assert "Group A has no meeting time (day, start and end)." in check_groups(
        cohort, settings, timeless
    )


def test_check_groups_catches_mentor_problems(edited) -> None:
    cohort, _, plan = edited
    settings = GroupSettings(kind="social", level="UG1", led_by_mentors=True, **GRID)
    led = plan.assign(mentor_id=plan["group_id"].map({"A": "MEN1", "B": "MEN2", "C": "MEN3"}))
    assert check_groups(cohort, settings, led) == []
    broken = led.copy()
    broken.loc[broken["group_id"] == "B", "mentor_id"] = None
    assert check_groups(cohort, settings, broken) == ["Group B has no mentor."]
    twice = led.copy()
    twice.loc[twice["group_id"] == "B", "mentor_id"] = "MEN1"
    assert check_groups(cohort, settings, twice) == [
        "Mentor MEN1 leads more than one group (A, B)."
    ]
    full = _move(_move(led, "S05", "C"), "S01", "B")
    assert "Group C has 5 students: its mentor MEN3 can take at most 4." in check_groups(
        cohort, settings, full
    )
    assert "Group B: S01 and MEN2 are on the avoid list." in check_groups(cohort, settings, full)
    busy = led.copy()
    busy.loc[busy["group_id"] == "C", ["day", "start", "end"]] = ["Tue", "11:00", "12:00"]
    assert check_groups(cohort, settings, busy) == [
        "Group C: mentor MEN3 is not free at Tue 11:00-12:00 (own commitment: part-time job)."
    ]
    stranger = led.copy()
    stranger.loc[stranger["group_id"] == "C", "mentor_id"] = "S01"
    messages = check_groups(cohort, settings, stranger)
    assert "S01 leads C but is not a mentor." in messages
    assert "Mentor S01 is also a member of group A." in messages


def test_score_groups_rescores_a_hand_edited_plan(edited) -> None:
    cohort, _, plan = edited
    settings = GroupSettings(module="M1", diverse=["programme"], **GRID)
    scores = score_groups(cohort, settings, plan).set_index("group_id")
    # Programmes cycle Chem, Phys, Maths by student number.
    assert scores.loc["A", "diverse_programme"] == 1.0
    assert scores.loc["A", "size"] == 4 and scores.loc["A", "shared_slots"] == 6
    assert scores["score"].between(0, 1).all()


# -- command line -----------------------------------------------------------------------------
def _write(cohort: Cohort, folder) -> None:
    from workbench.cohort.loading import cohort_to_tables, write_tables

    write_tables(cohort_to_tables(cohort), folder, "csv")


def test_cli_writes_the_plan(tmp_path, capsys) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    _write(cohort_of(13, international=(0, 1, 2)), data)
    code = main(
        [
            "solve",
            "groups",
            str(data),
            "--out",
            str(out),
            "--module",
            "M1",
            "--size",
            "4-6",
            "--diverse",
            "programme",
            "--no-isolation",
            "home_status",
            "--days",
            "Mon-Tue",
            "--hours",
            "09:00-11:00",
            "--time-limit",
            "10",
        ]
    )
    assert code == 0
    groups = pd.read_csv(out / "groups.csv", dtype=str)
    assert list(groups.columns) == ["group_id", "student_id", "day", "start", "end"]
    assert set(groups["day"]) <= {"Mon", "Tue"}
    unplaced = pd.read_csv(out / "unplaced.csv")
    assert list(unplaced.columns) == ["student_id", "reason"]
    summary = json.loads((out / "summary.json").read_text())
    for key in (
        "status",
        "groups",
        "placed",
        "students",
        "worst_score",
        "mean_score",
        "gap",
        "seconds",
    ):
        assert key in summary
    assert summary["status"] == "optimal" and summary["placed"] == 13
    assert (out / "group_scores.csv").exists()
    assert "13 of 13 students placed" in capsys.readouterr().out


def test_cli_infeasible_is_a_solved_run(tmp_path) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    _write(cohort_of(3), data)
    assert main(["solve", "groups", str(data), "--out", str(out), "--module", "M1"]) == 0
    assert json.loads((out / "summary.json").read_text())["status"] == "infeasible"
    assert len(pd.read_csv(out / "unplaced.csv")) == 3


@pytest.mark.parametrize(
    "args",
    [
        ["--module", "NOPE"],
        ["--module", "M1", "--size", "6-4"],
        ["--module", "M1", "--size", "big"],
        ["--module", "M1", "--level", "UG1"],
        [],
        ["--module", "M1", "--diverse", "colour"],
        ["--module", "M1", "--no-isolation", "interests"],
        ["--module", "M1", "--days", "Funday"],
        ["--module", "M1", "--hours", "9-5"],
        ["--module", "M1", "--keep-together", "S01"],
        ["--level", "UG1", "--social", "--mentors"],
    ],
)
def test_cli_bad_input_exits_2(tmp_path, capsys, args: list[str]) -> None:
    data = tmp_path / "data"
    _write(cohort_of(8), data)
    assert main(["solve", "groups", str(data), "--out", str(tmp_path / "out"), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "Traceback" not in err


def test_a_kept_together_pair_with_the_only_international_student() -> None:
    cohort = cohort_of(10, international=(0,))
    settings = GroupSettings(
        module="M1", no_isolation=["home_status"], keep_together=[("S01", "S02")], **GRID
    )
    result = form_groups(cohort, settings)
    reasons = dict(zip(result.unplaced["student_id"], result.unplaced["reason"], strict=True))
    expected = (
        "S01 (kept together with S02) is the only international student in M1 who "
        "could be placed: any group would isolate them (no-isolation rule on home status)"
    )
    assert reasons == {"S01": expected, "S02": expected}
    assert result.placed == 8


def test_without_a_timetable_the_note_says_so() -> None:
    students = [{"student_id": f"S{i}", "programme": "Chem", "level": "UG1"} for i in range(8)]
    cohort = cohort_from_records(students=students)
    result = form_groups(cohort, GroupSettings(level="UG1", **GRID))
    assert result.placed == 8
    assert any("No timetable was loaded" in note for note in result.notes)


def test_placement_proven_below_what_sizes_allow() -> None:
    avoid = tuple(("S01", f"S{i:02d}") for i in range(2, 8))
    cohort = cohort_of(9, international=(), avoid=avoid)
    result = form_groups(cohort, GroupSettings(module="M1", **GRID))
    assert result.status.status == "optimal"
    assert result.placed == 8 and result.placed_bound == 8
    assert result.unplaced.to_dict("records") == [
        {
            "student_id": "S01",
            "reason": "none of the 2 groups that can meet when they are free could take them: "
            "2 include someone they are to avoid",
        }
    ]


def test_cli_mentor_led_social_groups(tmp_path) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    _write(cohort_of(10, mentors=(("MEN1", "5"), ("MEN2", "5"))), data)
    code = main(
        [
            "solve",
            "groups",
            str(data),
            "--out",
            str(out),
            "--level",
            "UG1",
            "--social",
            "--mentors",
            "--keep-together",
            "S01:S02",
            "--size",
            "4-5",
            "--days",
            "Mon,Tue",
            "--hours",
            "09:00-11:00",
            "--time-limit",
            "10",
        ]
    )
    assert code == 0
    groups = pd.read_csv(out / "groups.csv", dtype=str)
    assert list(groups.columns) == ["group_id", "student_id", "day", "start", "end", "mentor_id"]
    assert sorted(groups["mentor_id"].unique()) == ["MEN1", "MEN2"]
    where = dict(zip(groups["student_id"], groups["group_id"], strict=True))
    assert where["S01"] == where["S02"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["settings"]["diverse"] == ["programme"]
    assert summary["placed"] == 10 and summary["status"] == "optimal"
