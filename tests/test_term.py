"""Running and evaluating the term: the planted effect, bands by hand, registers, monitoring,
calibration into the planner, calendar files with breaks, and the CLI's files."""

from __future__ import annotations

import datetime as dt
import json
import math

import icalendar
import numpy as np
import pandas as pd
import pytest
from dateutil.rrule import rrulestr

from workbench.cli.main import main
from workbench.cohort.availability import free_matrix
from workbench.cohort.generate import generate_tables
from workbench.cohort.loading import write_tables
from workbench.cohort.validation import cohort_from_records, validate_tables
from workbench.review.calendar import sessions_ics
from workbench.schemes.pass_sessions.settings import PassSettings, grid_slots
from workbench.term.calendar import calendar_from_start, calendar_from_table, term_problems
from workbench.term.evaluation import (
    MIN_PER_ARM,
    TOO_FEW,
    bands_table,
    estimate,
    evaluate,
    outcomes_for,
    parse_bands,
)
from workbench.term.generate import PLANTED_EFFECT, add_term, generate_term_cohort
from workbench.term.monitoring import Plan, monitor, observed_uptake, read_uptake
from workbench.term.registers import (
    attendance_from_register,
    check_attendance,
    register_rows,
    registers_html,
)

# ----------------------------------------------------------------------------- the estimate


def test_adjusted_interval_covers_the_planted_effect_while_the_raw_difference_is_biased():
    covered, naive, adjusted = 0, [], []
    seeds = range(24)
    base = generate_tables(260, 0)  # the same students and modules; a new term each seed
    for seed in seeds:
        cohort = validate_tables(add_term(base, seed, pass_modules=8)).cohort
        frame = outcomes_for(cohort, "pass")
        est = estimate(frame, "mark", "module_code")
        covered += est.ci_low <= PLANTED_EFFECT <= est.ci_high
        naive.append(est.naive)
        adjusted.append(est.difference)
    # "Most" seeds: a 95% interval should miss about 1 in 20; allow sampling noise.
    assert covered >= 0.8 * len(seeds)
    # The raw difference is biased upwards by the selection (stronger students attend more):
    # it is above the truth in nearly every seed and its mean is far from it.
    assert sum(n > PLANTED_EFFECT for n in naive) >= 0.9 * len(seeds)
    assert np.mean(naive) - PLANTED_EFFECT > 3.0
    assert abs(np.mean(adjusted) - PLANTED_EFFECT) < 1.0


def test_bands_recomputed_by_hand_agree():
    cohort = generate_term_cohort(300, 5)
    frame = outcomes_for(cohort, "pass")
    table = bands_table(frame, parse_bands("0,1-4,5-9,10+"))
    # By hand: count each student's distinct session weeks per module from the raw registers.
    att = cohort.attendance
    weeks = {}
    for sid, code, week in zip(att["student_id"], att["module_code"], att["week"], strict=True):
        weeks.setdefault((sid, code), set()).add(week)
    pass_modules = set(att["module_code"])
    rows = {}
    out = cohort.outcomes
    for sid, code, mark, result in zip(
        out["student_id"], out["module_code"], out["mark"], out["result"], strict=True
    ):
        if code not in pass_modules:
            continue
        n = len(weeks.get((sid, code), ()))
        band = "0" if n == 0 else "1-4" if n <= 4 else "5-9" if n <= 9 else "10+"
        dfw = result in ("fail", "withdrawn")
        for key in ((code, band), ("ALL", band)):
            rows.setdefault(key, []).append((mark, dfw))
    assert set(table["module_code"]) == pass_modules | {"ALL"}
    for row in table.itertuples(index=False):
        got = rows.get((row.module_code, row.band), [])
        assert row.students == len(got)
        if not got:
            assert math.isnan(row.dfw_rate)
            continue
        marks = [m for m, _ in got if not math.isnan(m)]
        assert row.mean_mark == pytest.approx(sum(marks) / len(marks), abs=0.051)
        assert row.dfw_rate == pytest.approx(sum(d for _, d in got) / len(got), abs=6e-4)
        assert row.pass_rate == pytest.approx(1 - sum(d for _, d in got) / len(got), abs=6e-4)
    # ALL counts a student once per module they take.
    all_rows = table[table["module_code"] == "ALL"]
    assert all_rows["students"].sum() == len(frame)


def test_too_few_students_says_so_instead_of_a_number():
    cohort = generate_term_cohort(40, 1, pass_modules=1)
    effect = evaluate(outcomes_for(cohort, "pass"), "pass")
    assert min(effect.attenders, effect.non_attenders) < MIN_PER_ARM
    assert effect.adjusted_difference is None and effect.ci_low is None
    assert effect.sentence.startswith(TOO_FEW)


def test_the_sentence_has_the_number_interval_and_caveat():
    cohort = generate_term_cohort(300, 3, pass_modules=8)
    effect = evaluate(outcomes_for(cohort, "pass"), "pass")
    assert f"{abs(effect.adjusted_difference):.1f} marks" in effect.sentence
    assert "95% CI" in effect.sentence
    assert "association in observational data, not proof of cause" in effect.sentence
    assert "prior_attainment" in effect.adjusted_for and "module_code" in effect.adjusted_for
    assert effect.clustered_by == "module_code" and effect.clusters == 8
    assert {g["group"] for g in effect.groups} >= {"first_generation", "commuter"}


def test_bands_must_start_at_zero_and_end_open():
    assert [b.label for b in parse_bands("0,1-2,3+")] == ["0", "1-2", "3+"]
    for bad in ("1-4,5+", "0,2-4,5+", "0,1-4,5-9", "0,x"):
        with pytest.raises(ValueError):
            parse_bands(bad)


# ----------------------------------------------------------------------------- a small term


def _small_cohort(attendance, meetings=()):
    """Ten students of M1 (all busy Mon 09:00 with a lecture except two, all free Wed 14:00)."""
    students = [
        {"student_id": f"S{i}", "programme": "P", "level": "UG1", "name": f"Student {i}"}
        for i in range(10)
    ] + [{"student_id": "L1", "programme": "P", "level": "UG2"}]
    enrol = [{"student_id": f"S{i}", "module_code": "M1"} for i in range(10)]
    busy = [
        {"student_id": f"S{i}", "day": "Mon", "start": "09:00", "end": "10:00"} for i in range(8)
    ] + [
        {"student_id": f"S{i}", "day": d, "start": "09:00", "end": "18:00"}
        for i in range(10)
        for d in ("Tue", "Thu", "Fri")
    ]
    optional = {"attendance": list(attendance), "meetings": list(meetings)}
    return cohort_from_records(
        **{name: rows for name, rows in optional.items() if rows},
        students=students,
        modules=[{"module_code": "M1", "fail_rate": "0.4"}],
        enrolments=enrol,
        busy=busy,
        term_weeks=[
            {
                "week": str(w),
                "starts": str(dt.date(2026, 9, 28) + dt.timedelta(weeks=w - 1)),
                "kind": "break" if w == 3 else "teaching",
            }
            for w in range(1, 7)
        ],
        mentors=[{"student_id": "L1", "capacity": "2"}],
    )


SESSIONS = pd.DataFrame(
    [
        {
            "module_code": "M1",
            "day": 0,
            "start": 540,
            "end": 600,
            "room_id": "R1",
            "leader_id": "L1",
            "expected_attendance": 3.0,
        }
    ]
)


def test_attendance_is_checked_against_the_plan_and_the_term():
    rows = [
        {"student_id": "S1", "module_code": "M1", "week": "1", "day": "Mon", "start": "09:00"},
        {"student_id": "L1", "module_code": "M1", "week": "2"},  # not enrolled
        {"student_id": "S2", "module_code": "M1", "week": "9"},  # outside the term
        {"student_id": "S3", "module_code": "M1", "week": "3"},  # the break
        {"student_id": "S4", "module_code": "M1", "week": "4", "day": "Wed", "start": "15:00"},
    ]
    cohort = _small_cohort(rows)
    term = calendar_from_table(cohort.term_weeks)
    problems = check_attendance(cohort, term, SESSIONS)
    found = {(r.row, r.problem.split(" (")[0]) for r in problems.itertuples()}
    assert found == {
        (3, "the student is not enrolled on this module"),
        (4, "week outside the term"),
        (5, "a week with no sessions"),
        (6, "no session of this module is planned at that day and time"),
    }


def test_a_session_well_below_expectation_is_flagged_with_the_slot_most_students_are_free():
    rows = [{"student_id": "S8", "module_code": "M1", "week": str(w)} for w in (1, 2, 4, 5)]
    cohort = _small_cohort(rows)
    term = calendar_from_table(cohort.term_weeks)
    by_week, flagged, uptake, by_session = monitor(cohort, Plan(sessions=SESSIONS), term)
    assert by_week["week"].tolist() == [1, 2, 4, 5]  # the break has no row
    assert by_week["attended"].tolist() == [1, 1, 1, 1] and set(by_week["expected"]) == {3.0}
    assert len(flagged) == 1
    row = flagged.iloc[0]
    assert "M1" in row["what"] and "Mon 09:00-10:00" in row["what"]
    assert "1 students a week over 4 weeks against 3 expected (33%)" in row["why"]
    # Brute force: the grid slot where most of M1's students are free.
    slots = grid_slots(PassSettings())
    free = free_matrix(cohort, [f"S{i}" for i in range(10)], slots).sum(axis=0)
    best = slots[int(np.argmax(free))]
    assert free.max() == 10 and best.day == 0  # Monday 10:00 is free for everyone
    assert (
        f"move it to {best.label}: 10 of the module's students are free then, against 2 now"
        == row["suggestion"]
    )
    # Calibration: 1 of the 10 students the plan counted on came, in 4 of 4 weeks.
    assert uptake["modules"]["M1"]["students"] == 10
    assert uptake["modules"]["M1"]["once"] == 0.1 and uptake["modules"]["M1"]["regular"] == 0.1


def test_mentoring_pairs_without_a_recent_meeting_are_listed_for_follow_up():
    meetings = [
        {"mentee_id": "S0", "mentor_id": "L1", "week": "5"},
        {"mentee_id": "S1", "mentor_id": "L1", "week": "1"},
    ]
    cohort = _small_cohort([], meetings)
    term = calendar_from_table(cohort.term_weeks)
    plan = Plan(
        matches=pd.DataFrame({"mentee_id": ["S0", "S1", "S2"], "mentor_id": ["L1", "L1", "L1"]})
    )
    _, flagged, _, _ = monitor(cohort, plan, term, quiet_weeks=2)
    assert flagged["what"].tolist() == [
        "mentor L1 and mentee Student 1 (S1)",
        "mentor L1 and mentee Student 2 (S2)",
    ]
    assert flagged["why"].tolist()[0].startswith("last met in week 1")
    assert flagged["why"].tolist()[1].startswith("no meeting yet")


def test_registers_list_the_module_by_name_a_page_a_session_and_round_trip():
    cohort = _small_cohort([])
    term = calendar_from_table(cohort.term_weeks)
    two = pd.concat([SESSIONS, SESSIONS.assign(day=2, start=840, end=900)], ignore_index=True)
    page = registers_html(cohort, two, term)
    assert page.count("<section>") == 2
    assert "Student 3 (S3)" in page and "Week 3" not in page  # no column for the break
    csv = register_rows(cohort, two, term)
    assert len(csv) == 2 * 10 * 5 and set(csv["week"]) == {1, 2, 4, 5, 6}
    assert csv.loc[csv["week"] == 4, "date"].iloc[0] == "2026-10-19"
    filled = csv.assign(attended=np.where(csv["student_id"] == "S5", "yes", ""))
    attendance = attendance_from_register(filled)
    assert len(attendance) == 2 * 5 and set(attendance["student_id"]) == {"S5"}


# ----------------------------------------------------------------------------- calendar


def test_term_weeks_from_start_and_breaks_and_from_a_table():
    term = calendar_from_start(dt.date(2026, 9, 30), 10, [6])
    assert term.term_start == dt.date(2026, 9, 28)  # the Monday of that week
    assert len(term.session_weeks) == 10 and term.break_weeks == [6]
    assert term.date_of(7, 2) == dt.date(2026, 11, 11)
    with pytest.raises(ValueError, match="outside the term"):
        calendar_from_start(dt.date(2026, 9, 28), 10, [12])
    bad = pd.DataFrame(
        {
            "week": [1, 2],
            "starts": [dt.date(2026, 9, 28), dt.date(2026, 9, 21)],
            "kind": ["teaching", "holiday"],
        }
    )
    problems = term_problems(bad)
    assert any("holiday" in p for p in problems) and any("week 2 starts" in p for p in problems)


def test_calendar_file_has_the_right_occurrences_and_no_session_in_a_break():
    term = calendar_from_start(dt.date(2026, 9, 28), 10, [6, 7])
    sessions = SESSIONS.assign(day=2, start=600, end=660)
    cal = icalendar.Calendar.from_ical(
        sessions_ics(sessions, term.term_start, 10, session_mondays=term.session_mondays())
    )
    (event,) = cal.walk("VEVENT")
    start = event.decoded("dtstart")
    rule = rrulestr(event["rrule"].to_ical().decode(), dtstart=start)
    excluded = (
        {d.dt for d in event["exdate"].dts}
        if not isinstance(event["exdate"], list)
        else {d.dt for ex in event["exdate"] for d in ex.dts}
    )
    dates = [d for d in rule if d not in excluded]
    assert len(dates) == 10
    assert [d.date() for d in dates] == [term.date_of(w, 2) for w in term.session_weeks]
    breaks = {term.date_of(w, 2) for w in term.break_weeks}
    assert not breaks & {d.date() for d in dates}


# ----------------------------------------------------------------------------- CLI


@pytest.fixture(scope="module")
def term_data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("term") / "cohort"
    write_tables(add_term(generate_tables(300, 4), 4, pass_modules=4), folder, "csv")
    return folder


def test_cli_evaluate_writes_bands_and_effect(term_data, tmp_path, capsys):
    assert main(["evaluate", str(term_data), "--scheme", "pass", "--out", str(tmp_path)]) == 0
    bands = pd.read_csv(tmp_path / "bands.csv", encoding="utf-8-sig")
    assert list(bands.columns) == [
        "module_code",
        "band",
        "students",
        "mean_mark",
        "pass_rate",
        "dfw_rate",
    ]
    assert "ALL" in set(bands["module_code"])
    effect = json.loads((tmp_path / "effect.json").read_text())
    for key in (
        "outcome",
        "attenders",
        "non_attenders",
        "naive_difference",
        "adjusted_difference",
        "ci_low",
        "ci_high",
        "adjusted_for",
        "dfw_naive_difference",
        "dfw_adjusted_difference",
        "dfw_ci_low",
        "dfw_ci_high",
    ):
        assert key in effect, key
    assert effect["outcome"] == "mark"
    assert "not proof of cause" in capsys.readouterr().out
    out = tmp_path / "mentoring"
    assert main(["evaluate", str(term_data), "--scheme", "mentoring", "--out", str(out)]) == 0
    assert json.loads((out / "effect.json").read_text())["outcome"] == "continued"


def test_cli_monitor_then_plan_with_the_observed_uptake(term_data, tmp_path):
    plan, mon, again = tmp_path / "plan", tmp_path / "mon", tmp_path / "again"
    assert main(["solve", "pass", str(term_data), "--out", str(plan), "--top", "4"]) == 0
    assert main(["monitor", str(term_data), "--plan", str(plan), "--out", str(mon)]) == 0
    by_week = pd.read_csv(mon / "attendance_by_week.csv", encoding="utf-8-sig")
    assert list(by_week.columns) == ["module_code", "week", "expected", "attended"]
    assert 7 not in set(by_week["week"])  # the generated term's break
    flagged = pd.read_csv(mon / "flagged.csv", encoding="utf-8-sig")
    assert list(flagged.columns) == ["what", "why", "suggestion"]
    uptake = json.loads((mon / "uptake.json").read_text())
    observed = read_uptake(mon / "uptake.json")
    assert set(observed) == set(uptake["modules"]) and observed
    assert (
        main(
            [
                "solve",
                "pass",
                str(term_data),
                "--out",
                str(again),
                "--top",
                "4",
                "--uptake-from",
                str(mon / "uptake.json"),
            ]
        )
        == 0
    )
    coverage = pd.read_csv(again / "coverage.csv", encoding="utf-8-sig").set_index("module_code")
    for code, values in observed.items():
        assert coverage.loc[code, "uptake_regular"] == pytest.approx(values["regular"])
        assert coverage.loc[code, "uptake_once"] == pytest.approx(values["once"])
    # The planner's expected attendance is the observed take-up of the students reached.
    summary = json.loads((again / "summary.json").read_text())
    assert summary["settings"]["module_uptake"][code]["regular"] == pytest.approx(values["regular"])


def test_observed_uptake_counts_regular_as_half_the_weeks_so_far():
    rows = (
        [{"student_id": "S1", "module_code": "M1", "week": str(w)} for w in (1, 2)]
        + [{"student_id": "S2", "module_code": "M1", "week": "1"}]
        + [{"student_id": "S3", "module_code": "M1", "week": "4"}]
    )
    cohort = _small_cohort(rows)
    uptake = observed_uptake(
        cohort, Plan(sessions=SESSIONS), calendar_from_table(cohort.term_weeks)
    )
    # Weeks so far: 1, 2, 4 (3 is the break): regular = at least 2 of 3.
    assert uptake["weeks_observed"] == 3
    assert uptake["modules"]["M1"]["attended_once"] == 3
    assert uptake["modules"]["M1"]["attended_regularly"] == 1


def test_the_apps_calendar_download_follows_the_cohorts_term_weeks():
    from types import SimpleNamespace

    from workbench.review.export import pass_ics_bytes

    cohort = _small_cohort([])
    term = calendar_from_table(cohort.term_weeks)
    scenario = SimpleNamespace(
        scheme="pass",
        name="Autumn",
        results={"sessions": SESSIONS},
        cohort_tables={"term_weeks": cohort.term_weeks, "students": cohort.students},
        cost_rates={},
        cohort=lambda: cohort,
    )
    (event,) = icalendar.Calendar.from_ical(pass_ics_bytes(scenario)).walk("VEVENT")
    start = event.decoded("dtstart")
    assert start.date() == dt.date(2026, 9, 28)
    rule = rrulestr(event["rrule"].to_ical().decode(), dtstart=start)
    excluded = {d.dt for d in event["exdate"].dts}
    dates = [d.date() for d in rule if d not in excluded]
    assert dates == [term.date_of(w, 0) for w in term.session_weeks]  # week 3 is the break
