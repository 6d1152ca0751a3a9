"""``python -m workbench solve pass``: the files it writes, exit codes, locks and settings."""

from __future__ import annotations

import json

import icalendar
import pandas as pd
import pytest

from workbench.cli.main import main
from workbench.cohort.generate import generate_tables
from workbench.cohort.loading import write_tables


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cohort") / "cohort"
    write_tables(generate_tables(400, seed=5), folder, "csv")
    return str(folder)


def run(data, out, *extra):
    return main(["solve", "pass", data, "--out", str(out), *extra])


def test_writes_the_plan_the_coverage_the_summary_and_the_calendar(data, tmp_path, capsys):
    code = run(data, tmp_path, "--top", "4", "--term-start", "2025-09-22", "--weeks", "11")
    assert code == 0
    printed = capsys.readouterr().out
    assert "PASS: optimal; reach" in printed and "sessions.ics" in printed
    for name in (
        "sessions.csv",
        "coverage.csv",
        "summary.json",
        "sessions.ics",
        "unreached.csv",
        "free_by_slot.csv",
    ):
        assert (tmp_path / name).exists(), name
    sessions = pd.read_csv(tmp_path / "sessions.csv", dtype=str)
    assert list(sessions.columns[:7]) == [
        "module_code",
        "day",
        "start",
        "end",
        "room_id",
        "leader_id",
        "expected_attendance",
    ]
    assert set(sessions["day"]) <= {"Mon", "Tue", "Wed", "Thu", "Fri"}
    assert sessions["start"].str.fullmatch(r"\d\d:\d\d").all()
    coverage = pd.read_csv(tmp_path / "coverage.csv")
    assert {"module_code", "enrolled", "reachable", "expected_attendance"} <= set(coverage.columns)
    assert len(coverage) == 4
    summary = json.loads((tmp_path / "summary.json").read_text())
    for key in (
        "status",
        "reach",
        "targeted",
        "coverage",
        "expected_attendance",
        "gap",
        "seconds",
        "solver",
        "settings",
    ):
        assert key in summary, key
    assert summary["status"] == "optimal" and summary["settings"]["top"] == 4
    assert summary["reach"] == int(coverage["reachable"].sum())
    assert summary["coverage"] == pytest.approx(summary["reach"] / summary["targeted"])
    cal = icalendar.Calendar.from_ical((tmp_path / "sessions.ics").read_bytes())
    evs = [c for c in cal.walk() if c.name == "VEVENT"]
    assert len(evs) == len(sessions)
    assert all(e["rrule"]["COUNT"] == [11] and e["rrule"]["FREQ"] == ["WEEKLY"] for e in evs)


def test_locked_sessions_from_an_edited_sessions_csv(data, tmp_path):
    first = tmp_path / "first"
    assert run(data, first, "--top", "3", "--term-start", "2025-09-22") == 0
    sessions = pd.read_csv(first / "sessions.csv", dtype=str)
    keep = sessions.iloc[:1][["module_code", "day", "start", "room_id", "leader_id"]].copy()
    keep["start"] = "12:30"  # moved by hand to an off-grid time
    keep.to_csv(tmp_path / "locks.csv", index=False)
    second = tmp_path / "second"
    assert run(data, second, "--top", "3", "--locked", str(tmp_path / "locks.csv")) == 0
    again = pd.read_csv(second / "sessions.csv", dtype=str)
    row = keep.iloc[0]
    hit = again[
        (again["module_code"] == row["module_code"])
        & (again["day"] == row["day"])
        & (again["start"] == "12:30")
    ]
    assert len(hit) == 1 and hit.iloc[0]["locked"] == "True"
    assert hit.iloc[0]["room_id"] == row["room_id"]


def test_settings_from_a_previous_summary(data, tmp_path):
    first = tmp_path / "first"
    assert (
        run(
            data,
            first,
            "--threshold",
            "0.3",
            "--sessions-per-module",
            "1",
            "--avoid-lunch",
            "--days",
            "Mon,Wed,Fri",
        )
        == 0
    )
    second = tmp_path / "second"
    assert run(data, second, "--settings", str(first / "summary.json")) == 0
    a = pd.read_csv(first / "sessions.csv")
    b = pd.read_csv(second / "sessions.csv")
    pd.testing.assert_frame_equal(a, b)
    settings = json.loads((second / "summary.json").read_text())["settings"]
    assert settings["days"] == [0, 2, 4] and settings["sessions_per_module"] == 1
    assert settings["avoid_slots"] == [{"day": None, "start": 720, "end": 780}]
    assert "12:00" not in set(a["start"])


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--modules", "NOPE101"], "unknown module(s): NOPE101"),
        (["--modules", "A", "--top", "3"], "not allowed with argument"),
        (["--threshold", "1.5"], "threshold"),
        (["--sessions-per-module", "0"], "sessions_per_module"),
        (["--term-start", "22/09/2025"], "use YYYY-MM-DD"),
        (["--days", "Funday"], "is not a day"),
        (["--first-start", "9am"], "HH:MM"),
        (["--uptake", "0.6", "--uptake-once", "0.5"], "cannot be below"),
        (["--timezone", "Mars/Olympus"], "not a known time zone"),
        (["--threshold", "0.99"], "nothing to target"),
    ],
)
def test_bad_input_exits_2_with_a_message(data, tmp_path, capsys, extra, message):
    assert run(data, tmp_path / "out", *extra) == 2
    assert message in capsys.readouterr().err


def test_bad_data_and_bad_locks_exit_2(data, tmp_path, capsys):
    assert run(str(tmp_path / "missing"), tmp_path / "out") == 2
    locks = tmp_path / "locks.csv"
    locks.write_text("module_code,day,start\nCH1001,Mon,10:00\nCH1001,Mon,10:00\n")
    assert run(data, tmp_path / "out", "--locked", str(locks)) == 2
    assert "overlap" in capsys.readouterr().err
    locks.write_text("module,when\nCH1001,Mon\n")
    assert run(data, tmp_path / "out", "--locked", str(locks)) == 2
    assert "needs the columns module_code, day and start" in capsys.readouterr().err
