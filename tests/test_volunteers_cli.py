"""The volunteers' command line: solve training, recruit and volunteers write the files and
columns the issue names, and bad input is exit code 2 with a message."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import icalendar
import pandas as pd

from workbench.cli.main import main
from workbench.cohort.loading import load_cohort
from workbench.volunteers.supervision import term_weeks

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "department"


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def test_solve_training_writes_the_plan(tmp_path: Path, capsys) -> None:
    out = tmp_path / "training"
    argv = ["solve", "training", str(SAMPLE), "--out", str(out), "--who", "mentors,leaders"]
    argv += ["--days", "Mon-Fri", "--first-start", "09:00", "--last-start", "17:00"]
    argv += [
        "--minutes",
        "120",
        "--max-size",
        "20",
        "--time-limit",
        "20",
        "--week-of",
        "2026-09-21",
    ]
    assert main(argv) == 0
    sessions = read(out / "training_sessions.csv")
    assert list(sessions.columns) == ["session_id", "day", "start", "end", "room_id", "trainees"]
    assignments = read(out / "training_assignments.csv")
    assert list(assignments.columns) == ["student_id", "role", "session_id"]
    assert set(assignments["session_id"]) == set(sessions["session_id"])
    assert assignments.groupby("session_id").size().to_dict() == {
        s: int(n) for s, n in zip(sessions["session_id"], sessions["trainees"], strict=True)
    }
    untrained = read(out / "untrained.csv")
    assert list(untrained.columns)[:2] == ["student_id", "reason"]
    summary = json.loads((out / "summary.json").read_text())
    assert {"status", "volunteers", "trained", "sessions", "headline", "fixes"} <= set(summary)
    assert summary["trained"] == len(assignments) and summary["sessions"] == len(sessions)
    assert summary["volunteers"] == len(assignments) + len(untrained)
    calendar = icalendar.Calendar.from_ical((out / "training.ics").read_bytes())
    events = [c for c in calendar.walk("VEVENT")]
    assert len(events) == len(sessions)
    first = sessions.iloc[0]
    starts = {e.decoded("dtstart").strftime("%a %H:%M") for e in events}
    assert f"{first['day']} {first['start']}" in starts
    assert all(e.decoded("dtstart").date().isoformat() >= "2026-09-21" for e in events)
    assert summary["headline"] in capsys.readouterr().out


def test_solve_training_bad_options_are_exit_2(tmp_path: Path, capsys) -> None:
    base = ["solve", "training", str(SAMPLE), "--out", str(tmp_path / "o")]
    assert main([*base, "--days", "Mon-Zed"]) == 2
    assert main([*base, "--who", "tutors"]) == 2
    assert main([*base, "--first-start", "25:00"]) == 2
    assert main([*base, "--first-start", "17:00", "--last-start", "09:00"]) == 2
    err = capsys.readouterr().err
    assert "Mon-Zed" in err and "mentors, leaders or both" in err and "Traceback" not in err


def test_recruit_writes_candidates(tmp_path: Path) -> None:
    out = tmp_path / "recruit"
    argv = ["recruit", str(SAMPLE), "--scheme", "pass", "--out", str(out), "--needed", "CH1001=2"]
    assert main(argv) == 0
    table = read(out / "candidates.csv")
    assert {"student_id", "name", "email", "invited_to", "why"} <= set(table.columns)
    assert len(table) == 6 and set(table["for"]) == {"CH1001"}
    assert table["rank"].tolist() == [str(i) for i in range(1, 7)]
    assert main(["recruit", str(SAMPLE), "--scheme", "mentoring", "--out", str(out)]) == 0
    assert (
        main(["recruit", str(SAMPLE), "--scheme", "pass", "--out", str(out), "--needed", "x"]) == 2
    )


def test_volunteers_writes_hours_record_and_certificates(tmp_path: Path) -> None:
    plan = tmp_path / "plan"
    plan.mkdir()
    leaders = read(SAMPLE / "leaders.csv")
    first = leaders.iloc[0]
    pd.DataFrame(
        [
            {
                "module_code": first["module_code"],
                "day": "Tue",
                "start": "10:00",
                "end": "11:00",
                "leader_id": first["student_id"],
            }
        ]
    ).to_csv(plan / "sessions.csv", index=False)
    out = tmp_path / "out"
    argv = ["volunteers", str(SAMPLE), "--plan", str(plan), "--out", str(out)]
    assert main([*argv, "--coordinator", "Dr Grace Hopper", "--leader-skills", "teaching"]) == 0
    hours = read(out / "hours.csv")
    assert list(hours.columns) == [
        "student_id",
        "name",
        "role",
        "training_hours",
        "session_hours",
        "prep_hours",
        "meeting_hours",
        "total_hours",
    ]
    row = hours.set_index("student_id").loc[first["student_id"]]
    weeks = len(term_weeks(load_cohort(SAMPLE).cohort))  # the teaching weeks of the term
    assert float(row["session_hours"]) == weeks and float(row["prep_hours"]) == weeks / 2
    record = read(out / "award_record.csv")
    assert set(record["coordinator"]) == {"Dr Grace Hopper"}
    assert set(record.loc[record["role"] == "PASS leader", "skills"]) == {"teaching"}
    certificates = sorted((out / "certificates").glob("*.html"))
    assert len(certificates) == 1  # the only volunteer with hours
    assert "Dr Grace Hopper" in certificates[0].read_text()
    assert (
        main(["volunteers", str(SAMPLE), "--plan", str(tmp_path / "none"), "--out", str(out)]) == 2
    )


def test_volunteers_with_supervisors_writes_the_checkins(tmp_path: Path) -> None:
    data = tmp_path / "cohort"
    shutil.copytree(SAMPLE, data)
    pd.DataFrame(
        [
            {"staff_id": "S1", "name": "Dr One", "capacity": 30, "faculty": "Faculty of Science"},
            {"staff_id": "S2", "name": "Dr Two", "capacity": 30, "faculty": "Faculty of Arts"},
        ]
    ).to_csv(data / "supervisors.csv", index=False)
    plan = tmp_path / "plan"
    assert main(["solve", "training", str(data), "--out", str(plan)]) == 0
    pd.DataFrame({"mentee_id": ["x"], "mentor_id": ["y"]}).to_csv(plan / "matches.csv")  # a plan
    out = tmp_path / "out"
    argv = ["volunteers", str(data), "--plan", str(plan), "--training", str(plan)]
    assert main([*argv, "--out", str(out), "--checkin-weeks", "5"]) == 0
    supervision = read(out / "supervision.csv")
    loads = read(out / "supervisor_load.csv")
    assert loads["volunteers"].astype(int).max() <= 30
    checkins = read(out / "checkins.csv")
    teaching = term_weeks(load_cohort(data).cohort)["week"].tolist()
    assert sorted(set(checkins["week"].astype(int))) == teaching[::5]
    assert len(checkins) == len(teaching[::5]) * len(supervision)
    hours = read(out / "hours.csv")
    assert (hours["training_hours"].astype(float) == 2.0).sum() == len(
        read(plan / "training_assignments.csv")
    )


def test_trained_only_uses_the_volunteers_with_training(tmp_path: Path, capsys) -> None:
    data = tmp_path / "cohort"
    shutil.copytree(SAMPLE, data)
    mentors = read(SAMPLE / "mentors.csv")
    trained = mentors["student_id"].head(3).tolist()
    pd.DataFrame({"student_id": trained, "week": [1, 1, 2], "hours": [2, 2, 2]}).to_csv(
        data / "training.csv", index=False
    )
    out = tmp_path / "out"
    argv = ["solve", "mentoring", str(data), "--out", str(out), "--trained-only"]
    assert main(argv) == 0
    matches = read(out / "matches.csv")
    assert set(matches["mentor_id"]) <= set(trained) and len(matches) > 0
    (data / "training.csv").unlink()
    assert main(argv) == 2
    assert "--trained-only needs the training table" in capsys.readouterr().err


def test_hostile_values_stay_inert_in_the_training_files(tmp_path: Path) -> None:
    """A room id and a busy reason that look like formulas or markup stay text in every file."""
    data = tmp_path / "cohort"
    data.mkdir()
    (data / "students.csv").write_text(
        "student_id,programme,level\n=1+1,Physics,UG2\nB,Physics,UG2\n", encoding="utf-8"
    )
    (data / "mentors.csv").write_text("student_id,capacity\n=1+1,2\nB,2\n", encoding="utf-8")
    (data / "rooms.csv").write_text('room_id,capacity\n"@SUM(A1)<b>",10\n', encoding="utf-8")
    reason = '=HYPERLINK("http://evil.example","x")'
    (data / "busy.csv").write_text(
        "student_id,day,start,end,reason\n"
        + "".join(
            f'B,{d},08:00,20:00,"{reason.replace(chr(34), chr(34) * 2)}"\n' for d in ("Mon", "Tue")
        ),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert main(["solve", "training", str(data), "--out", str(out), "--days", "Mon-Tue"]) == 0
    sessions = read(out / "training_sessions.csv")
    assert sessions["room_id"].tolist() == ["'@SUM(A1)<b>"]
    assignments = read(out / "training_assignments.csv")
    assert assignments["student_id"].tolist() == ["'=1+1"]
    untrained = read(out / "untrained.csv")
    assert untrained["student_id"].tolist() == ["B"]
    assert untrained["reason"].iloc[0].startswith("free at none of the 18 possible times: ")
    assert reason in untrained["reason"].iloc[0]  # inside the sentence, never a cell's start
    calendar = icalendar.Calendar.from_ical((out / "training.ics").read_bytes())
    assert [str(e["location"]) for e in calendar.walk("VEVENT")] == ["@SUM(A1)<b>"]
