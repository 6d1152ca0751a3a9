"""The cohort generator: deterministic, valid, and realistic in the ways the schemes rely on."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.cli.main import main
from workbench.cohort.availability import free_matrix, weekly_slots
from workbench.cohort.domain import LEVEL_RANK, TABLES, Cohort
from workbench.cohort.generate import MIN_FREE_HOURS, RISKY, generate_cohort, generate_tables
from workbench.cohort.generate_data import _distinct_picks, _popcount
from workbench.cohort.loading import load_cohort
from workbench.cohort.validation import validate_tables

SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"
DEPARTMENT = (300, 1)  # (students, seed) of sample_data/department and department.xlsx
FACULTY = (3000, 1)  # (students, seed) of sample_data/faculty


@cache
def cohort(n: int, seed: int) -> Cohort:
    return generate_cohort(n, seed)


def assert_same_tables(a: Cohort, b: Cohort) -> None:
    assert a.supplied == b.supplied
    for name in TABLES:
        pd.testing.assert_frame_equal(a.table(name), b.table(name), obj=name)


# ------------------------------------------------------------------------------ basics


def test_every_contract_table_is_generated_as_strings():
    tables = generate_tables(120, seed=4)
    # Every v1 table, in contract order (the optional v1.1 term tables come with term=True).
    assert list(tables) == [name for name in TABLES if name in tables]
    assert set(TABLES[: TABLES.index("avoid") + 1]) <= set(tables)
    for name, frame in tables.items():
        assert len(frame) > 0, name
        for col in frame.columns:
            assert all(isinstance(v, str) for v in frame[col].tolist()), (name, col)
    tt = tables["timetable"]
    assert set(tt["day"]) <= {"Mon", "Tue", "Wed", "Thu", "Fri"}
    assert tt["start"].str.fullmatch(r"\d\d:\d\d").all()
    assert set(tables["students"]["first_generation"]) <= {"yes", "no", ""}
    assert tables["students"]["level"].str.fullmatch(r"UG[1-6]|PGT|PGR").all()
    assert tables["students"]["languages"].str.contains(";").any()


def test_same_seed_same_tables_other_seed_other_tables():
    a, b, c = generate_tables(250, seed=7), generate_tables(250, seed=7), generate_tables(250, 8)
    assert list(a) == list(b)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)
    assert not a["students"].equals(c["students"])
    assert not a["timetable"].equals(c["timetable"])


@pytest.mark.parametrize("n, seed", [(10, 1), (11, 5), (37, 2), (300, 3), (1200, 9)])
def test_generated_cohorts_validate_without_any_problem(n, seed):
    result = validate_tables(generate_tables(n, seed))
    assert result.cohort is not None
    assert result.report.problems == [], result.report.format_text()
    assert len(result.cohort.students) == n
    assert result.cohort.supplied == frozenset(generate_tables(n, seed)) <= frozenset(TABLES)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="at least 10"):
        generate_tables(9)
    with pytest.raises(ValueError, match="mentee_share"):
        generate_tables(100, mentee_share=0.95)
    with pytest.raises(ValueError, match="mentee_share"):
        generate_tables(100, mentee_share=0.0)


@pytest.mark.parametrize("m", [1, 2, 3, 7, 500])
def test_distinct_picks_are_distinct_in_range_and_uniform(m):
    rng = np.random.default_rng(0)
    k = rng.integers(1, 4, size=6000)
    picks = _distinct_picks(rng, k, m)
    for row, want in zip(picks.tolist(), k.tolist(), strict=True):
        chosen = [x for x in row if x >= 0]
        assert len(chosen) == min(want, m) == len(set(chosen))
        assert all(0 <= x < m for x in chosen)
        assert row[: len(chosen)] == chosen  # padding only at the end
    if m == 7:  # every index about equally likely in every position
        counts = np.bincount(picks[:, 1][picks[:, 1] >= 0], minlength=m)
        assert counts.min() > 0.8 * counts.mean()


def test_popcount_counts_set_bits():
    x = np.array([0, 1, 3, 2**44 + 2**3, 2**45 - 1], dtype=np.int64)
    assert _popcount(x).tolist() == [0, 1, 2, 2, 45]


# ------------------------------------------------------------------------------ realism


def test_programmes_and_faculties_scale_with_size():
    dept = cohort(*DEPARTMENT).students
    assert set(dept["programme"]) == {"Chemistry", "Physics", "Mathematics"}
    assert set(dept["faculty"]) == {"Faculty of Science"}
    fac = cohort(*FACULTY).students
    assert fac["programme"].nunique() == 10
    assert set(fac["faculty"]) == {"Faculty of Science"}
    uni = cohort(10_000, 2).students
    assert uni["faculty"].nunique() >= 2
    sizes = fac["programme"].value_counts()
    assert sizes.max() > 1.5 * sizes.min()  # programmes differ in size


@pytest.mark.parametrize("n, seed", [(300, 1), (300, 2), (3000, 1)])
def test_level_proportions_are_realistic(n, seed):
    share = cohort(n, seed).students["level"].value_counts(normalize=True)
    assert share["UG1"] > share["UG2"] > share["UG3"] > share["PGT"] > share["PGR"] > 0
    assert 0.24 <= share["UG1"] <= 0.36
    assert 0.0 < share["UG4"] < share["UG3"]
    assert share["PGR"] <= 0.08


def test_student_demographics_are_realistic():
    s = cohort(*FACULTY).students
    first_gen = s["first_generation"].dropna()
    commuter = s["commuter"].dropna()
    assert 0.28 <= first_gen.mean() <= 0.42
    assert 0.18 <= commuter.mean() <= 0.32
    assert s["first_generation"].isna().sum() > 0  # real exports have gaps
    intl = s["home_status"] == "international"
    assert 0.1 <= intl.mean() <= 0.35
    assert intl[s["level"] == "PGT"].mean() > intl[s["level"] == "UG1"].mean()
    assert {"female", "male", "non-binary"} <= set(s["gender"].dropna())
    female = s.assign(f=s["gender"] == "female").groupby("programme")["f"].mean()
    assert female["Biology"] > female["Physics"] + 0.15
    langs = s["languages"]
    assert langs.map(lambda v: "english" in v).mean() > 0.9
    assert langs.map(len).max() >= 3
    assert (s["interests"].map(len) > 0).mean() > 0.8


def test_ids_begin_with_the_year_of_entry():
    s = cohort(*DEPARTMENT).students
    assert s["student_id"].is_unique
    year = s["student_id"].str[:2]
    assert (year[s["level"] == "UG1"] == "25").all()
    assert (year[s["level"] == "UG3"] == "23").all()


def test_students_take_four_to_six_modules_of_their_programme_and_level():
    c = cohort(*FACULTY)
    enrol = c.enrolments.merge(c.students[["student_id", "programme", "level"]]).merge(
        c.modules[["module_code", "programme", "level"]], on="module_code", suffixes=("", "_m")
    )
    own = enrol[(enrol["programme"] == enrol["programme_m"]) & (enrol["level"] == enrol["level_m"])]
    counts = own.groupby("student_id").size()
    taught = c.students[c.students["level"] != "PGR"]["student_id"]
    assert set(counts.index) == set(taught)
    assert counts.between(4, 6).all()
    assert set(counts) == {4, 5, 6}
    # shared modules: taken across several programmes
    shared = enrol[enrol["programme_m"].isna()].groupby("module_code")["programme"].nunique()
    assert (shared > 1).sum() >= 2


def test_fail_rates_mostly_moderate_with_a_few_standing_out():
    m = cohort(*FACULTY).modules
    rate = m["fail_rate"]
    assert rate.notna().all()
    assert ((rate >= 0.05) & (rate <= 0.15)).mean() >= 0.6
    risky = rate >= RISKY
    assert 5 <= risky.sum() <= 0.15 * len(m)
    assert rate.max() <= 0.40
    assert set(m.loc[risky, "level"]) <= {"UG1", "UG2"}


def test_timetable_has_lectures_tutorials_labs_in_weekday_hours_and_no_clash():
    c = cohort(*DEPARTMENT)
    tt = c.timetable
    assert {"lecture", "tutorial", "lab"} <= set(tt["activity"])
    assert tt["day"].between(0, 4).all()
    assert (tt["start"] >= 9 * 60).all() and (tt["end"] <= 18 * 60).all()
    assert set(tt["module_code"]) <= set(c.enrolments["module_code"])
    events = c.enrolments.merge(tt, on="module_code")
    pairs = events.merge(events, on=["student_id", "day"])
    clash = pairs[
        (pairs["module_code_x"] < pairs["module_code_y"])
        & (pairs["start_x"] < pairs["end_y"])
        & (pairs["start_y"] < pairs["end_x"])
    ]
    assert clash.empty


@pytest.mark.parametrize("n, seed", [(300, 1), (3000, 1), (2000, 6)])
def test_every_student_keeps_free_hours_but_is_busy_somewhere(n, seed):
    c = cohort(n, seed)
    free = free_matrix(c, c.students["student_id"].tolist(), weekly_slots())
    per_student = free.sum(axis=1)
    assert per_student.min() >= MIN_FREE_HOURS
    assert (per_student < free.shape[1]).mean() > 0.9  # nearly everyone has classes
    per_slot = free.mean(axis=0)
    assert per_slot.min() < 0.9 and 0.4 < per_slot.mean() < 0.85  # slots differ, none empty


def test_own_commitments_for_a_fraction_of_students():
    c = cohort(*FACULTY)
    reasons = c.busy["reason"]
    for what in (
        "seminar group",
        "part-time job",
        "caring",
        "sports",
        "commuting",
        "demonstrating",
    ):
        assert reasons.str.contains(what).any(), what
    share = c.busy["student_id"].nunique() / len(c.students)
    assert 0.3 < share < 0.95
    assert (c.busy["end"] > c.busy["start"]).all()


def test_rooms_of_several_sizes_with_bookings():
    c = cohort(*FACULTY)
    cap = c.rooms["capacity"]
    assert cap.between(12, 30).sum() > cap.between(40, 60).sum() > 0
    assert (cap >= 100).sum() >= 1
    assert c.rooms["accessible"].any() and not c.rooms["accessible"].all()
    booked_hours = ((c.room_busy["end"] - c.room_busy["start"]) / 60).sum()
    assert 0.2 < booked_hours / (len(c.rooms) * 45) < 0.8
    assert set(c.room_busy["room_id"]) <= set(c.rooms["room_id"])


@pytest.mark.parametrize("n, seed", [(300, 1), (300, 2), (300, 3), (3000, 1), (150, 4)])
def test_mentors_and_mentees_with_some_programme_short_of_places(n, seed):
    c = cohort(n, seed)
    level = c.students.set_index("student_id")["level"]
    programme = c.students.set_index("student_id")["programme"]
    mentee_levels = c.mentees["student_id"].map(level)
    assert (mentee_levels == "UG1").mean() >= 0.75
    assert set(mentee_levels) <= {"UG1", "PGT"}
    assert "UG1" not in set(c.mentors["student_id"].map(level))
    assert c.mentors["capacity"].between(1, 6).all()
    assert not set(c.mentors["student_id"]) & set(c.mentees["student_id"])
    mentees = c.mentees["student_id"].map(programme).value_counts()
    places = (
        c.mentors.assign(p=c.mentors["student_id"].map(programme))
        .groupby("p")["capacity"]
        .sum()
        .reindex(mentees.index, fill_value=0)
    )
    assert (places < mentees).any()
    assert places.sum() >= 0.8 * mentees.sum()  # overall close to enough


@pytest.mark.parametrize("n, seed", [(300, 1), (300, 5), (3000, 1)])
def test_pass_leaders_for_risky_modules_with_one_left_without(n, seed):
    c = cohort(n, seed)
    students = c.students.set_index("student_id")
    modules = c.modules.set_index("module_code")
    lead = c.leaders.join(students[["programme", "level"]], on="student_id").join(
        modules[["programme", "level", "fail_rate"]].add_suffix("_module"), on="module_code"
    )
    lead = lead.rename(columns={"fail_rate_module": "fail_rate"})
    assert len(lead) > 0
    assert set(lead["module_code"]) <= set(modules.index)
    assert set(lead["level"]) <= {"UG2", "UG3"}
    assert (lead["programme"] == lead["programme_module"]).all()
    assert (lead["level"].map(LEVEL_RANK) > lead["level_module"].map(LEVEL_RANK)).all()
    assert lead["max_sessions"].between(1, 3).all()
    assert (lead["fail_rate"] >= RISKY).all()
    risky = set(modules.index[modules["fail_rate"] >= RISKY])
    assert risky - set(lead["module_code"])  # a risky module with no leader
    assert len(set(lead["module_code"])) >= 2


def test_two_sided_preferences_within_programmes():
    c = cohort(*FACULTY)
    programme = c.students.set_index("student_id")["programme"]
    level = c.students.set_index("student_id")["level"].map(LEVEL_RANK)
    p = c.preferences
    mentees, mentors = set(c.mentees["student_id"]), set(c.mentors["student_id"])
    by_mentee = p[p["student_id"].isin(mentees)]
    by_mentor = p[p["student_id"].isin(mentors)]
    assert len(by_mentee) > 0 and len(by_mentor) > 0
    assert len(by_mentee) + len(by_mentor) == len(p)
    assert by_mentee["prefers_id"].isin(mentors).all()
    assert by_mentor["prefers_id"].isin(mentees).all()
    assert (p["student_id"].map(programme) == p["prefers_id"].map(programme)).all()
    assert (by_mentee["prefers_id"].map(level) > by_mentee["student_id"].map(level)).all()
    ranks = p.groupby("student_id")["rank"].agg(list)
    assert ranks.map(lambda r: sorted(r) == list(range(1, len(r) + 1))).all()
    assert 0.15 < by_mentee["student_id"].nunique() / len(mentees) < 0.45


def test_a_handful_of_avoid_pairs():
    c = cohort(*DEPARTMENT)
    a = c.avoid
    assert 3 <= len(a) <= 10
    pairs = {frozenset(x) for x in zip(a["student_id_a"], a["student_id_b"], strict=True)}
    assert len(pairs) == len(a)
    big = cohort(*FACULTY).avoid
    assert len(big) > len(a)


def test_mentee_share_asks_for_more_sign_ups():
    c = generate_cohort(2000, seed=3, mentee_share=0.5)
    assert len(c.mentees) == 1000
    level = c.students.set_index("student_id")["level"]
    levels = c.mentees["student_id"].map(level).value_counts()
    assert levels.index[0] == "UG1" and (c.students["level"] == "UG1").sum() == levels["UG1"]
    assert not set(c.mentors["student_id"]) & set(c.mentees["student_id"])
    assert c.mentors["capacity"].sum() >= 0.9 * len(c.mentees)
    default = cohort(2000, 3)
    assert len(default.mentees) < 600


def test_generation_is_fast_enough_for_benchmarks():
    # Not a timing test (benchmarks measure speed): a large cohort simply has to work.
    tables = generate_tables(20_000, seed=1)
    assert len(tables["students"]) == 20_000
    assert np.all(tables["enrolments"]["student_id"].isin(tables["students"]["student_id"]))


# ------------------------------------------------------------------------------ samples & CLI


@pytest.mark.parametrize(
    "path, size",
    [("department", DEPARTMENT), ("department.xlsx", DEPARTMENT), ("faculty", FACULTY)],
)
def test_bundled_samples_load_cleanly_and_match_the_generator(path, size):
    result = load_cohort(SAMPLES / path)
    assert result.cohort is not None, result.report.format_text()
    assert result.report.problems == []
    assert_same_tables(result.cohort, cohort(*size))


def test_sample_readme_names_the_regenerating_commands():
    text = (SAMPLES / "README.md").read_text()
    assert "generate sample_data/department --students 300 --seed 1" in text
    assert "generate sample_data/faculty --students 3000 --seed 1" in text
    assert "generate sample_data/department.xlsx --students 300 --seed 1" in text
    total = sum(p.stat().st_size for p in (SAMPLES / "faculty").iterdir())
    assert total < 3 * 2**20


@pytest.mark.parametrize("name", ["cohort", "cohort.zip", "cohort.xlsx"])
def test_cli_generate_writes_each_format(tmp_path, name, capsys):
    out = tmp_path / name
    assert main(["generate", str(out), "--students", "40", "--seed", "12"]) == 0
    assert "40 students" in capsys.readouterr().out
    result = load_cohort(out)
    assert result.report.problems == []
    assert_same_tables(result.cohort, generate_cohort(40, 12))


def test_cli_generate_refuses_a_tiny_cohort(tmp_path, capsys):
    assert main(["generate", str(tmp_path / "x"), "--students", "3"]) == 2
    assert "at least 10" in capsys.readouterr().err
