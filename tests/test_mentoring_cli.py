"""``python -m workbench solve mentoring``: files written, exit codes, explained results."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from workbench.cli.main import main
from workbench.schemes.mentoring.scoring import CRITERIA


def write_cohort(folder: Path, students, mentors=None, mentees=None, preferences=None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(students).to_csv(folder / "students.csv", index=False)
    if mentors is not None:
        pd.DataFrame(mentors, columns=["student_id", "capacity"]).to_csv(
            folder / "mentors.csv", index=False
        )
    if mentees is not None:
        pd.DataFrame({"student_id": mentees}).to_csv(folder / "mentees.csv", index=False)
    if preferences is not None:
        pd.DataFrame(preferences, columns=["student_id", "prefers_id", "rank"]).to_csv(
            folder / "preferences.csv", index=False
        )
    return folder


STUDENTS = [
    {"student_id": "e1", "programme": "Physics", "level": "UG1", "interests": "chess"},
    {"student_id": "e2", "programme": "Physics", "level": "UG1", "interests": ""},
    {"student_id": "e3", "programme": "Chemistry", "level": "UG1", "interests": ""},
    {"student_id": "m1", "programme": "Physics", "level": "UG3", "interests": "chess"},
    {"student_id": "m2", "programme": "Physics", "level": "UG2", "interests": ""},
]


@pytest.fixture
def data(tmp_path):
    return write_cohort(
        tmp_path / "cohort",
        STUDENTS,
        [("m1", 1), ("m2", 1)],
        ["e1", "e2", "e3"],
        [
            ("e1", "m1", 1),
            ("e1", "m2", 2),
            ("e2", "m1", 1),
            ("e2", "m2", 2),
            ("m1", "e2", 1),
            ("m1", "e1", 2),
            ("m2", "e1", 1),
            ("m2", "e2", 2),
        ],
    )


def test_solve_writes_matches_unmatched_summary(data, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["solve", "mentoring", str(data), "--out", str(out)]) == 0
    matches = pd.read_csv(out / "matches.csv", dtype={"mentee_id": str, "mentor_id": str})
    assert list(matches.columns[:3]) == ["mentee_id", "mentor_id", "score"]
    assert set(CRITERIA) <= set(matches.columns)
    assert set(zip(matches["mentee_id"], matches["mentor_id"], strict=True)) == {
        ("e1", "m1"),
        ("e2", "m2"),
    }
    unmatched = pd.read_csv(out / "unmatched.csv")
    assert list(unmatched["mentee_id"]) == ["e3"]
    assert unmatched["reason"].iloc[0] == "no mentor in Chemistry at a higher level"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "optimal" and summary["matched"] == 2
    assert summary["mentees"] == 3 and summary["coverage"] == pytest.approx(2 / 3)
    assert summary["objective"] == pytest.approx(matches["score"].sum())
    assert summary["settings"]["rule"] == "programme" and summary["solver"] == "highs"
    for key in ("gap", "seconds"):
        assert key in summary
    text = capsys.readouterr().out
    assert "matched 2 of 3 mentees" in text and "1 more Chemistry mentor" in text


def test_options_rule_objective_stable_solver(data, tmp_path):
    out = tmp_path / "o"
    assert (
        main(
            [
                "solve",
                "mentoring",
                str(data),
                "--out",
                str(out),
                "--rule",
                "any",
                "--objective",
                "fairness",
                "--solver",
                "cbc",
                "--time-limit",
                "20",
                "--weight",
                "preference=5",
            ]
        )
        == 0
    )
    summary = json.loads((out / "summary.json").read_text())
    assert summary["settings"]["objective"] == "fairness"
    assert summary["settings"]["weights"]["preference"] == 5.0
    assert summary["solver"] == "cbc" and summary["matched"] == 2  # two places
    assert main(["solve", "mentoring", str(data), "--out", str(out), "--stable"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    matches = pd.read_csv(out / "matches.csv")
    # e1 and e2 both want m1 most; m1 prefers e2, so e1 falls back to m2 (ranked by both).
    assert set(zip(matches["mentee_id"], matches["mentor_id"], strict=True)) == {
        ("e2", "m1"),
        ("e1", "m2"),
    }
    assert summary["settings"]["stable"] == "mentee_optimal"
    assert main(["solve", "mentoring", str(data), "--out", str(out), "--stable", "best_score"]) == 0


def test_locked_and_previous(data, tmp_path, capsys):
    first = tmp_path / "first"
    assert main(["solve", "mentoring", str(data), "--out", str(first)]) == 0
    lock = tmp_path / "lock.csv"
    pd.DataFrame({"mentee_id": ["e2"], "mentor_id": ["m1"]}).to_csv(lock, index=False)
    out = tmp_path / "locked"
    assert main(["solve", "mentoring", str(data), "--out", str(out), "--locked", str(lock)]) == 0
    matches = pd.read_csv(out / "matches.csv")
    assert ("e2", "m1") in set(zip(matches["mentee_id"], matches["mentor_id"], strict=True))
    # m1 drops out: the re-solve keeps what it can and says how many pairs changed.
    fewer = write_cohort(tmp_path / "fewer", STUDENTS, [("m2", 1)], ["e1", "e2", "e3"])
    out = tmp_path / "again"
    capsys.readouterr()
    assert (
        main(
            [
                "solve",
                "mentoring",
                str(fewer),
                "--out",
                str(out),
                "--previous",
                str(first / "matches.csv"),
            ]
        )
        == 0
    )
    summary = json.loads((out / "summary.json").read_text())
    assert summary["changed_pairs"] == 1 and summary["matched"] == 1
    assert "1 of 2 previous pairs changed" in capsys.readouterr().out


def test_infeasible_locks_exit_0_and_say_why(data, tmp_path):
    lock = tmp_path / "lock.csv"
    pd.DataFrame({"mentee_id": ["e3"], "mentor_id": ["m1"]}).to_csv(lock, index=False)
    out = tmp_path / "out"
    assert main(["solve", "mentoring", str(data), "--out", str(out), "--locked", str(lock)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "infeasible" and summary["matched"] == 0
    assert "locked pair e3 - m1 breaks a hard rule" in summary["messages"][0]
    assert "locked pair e3 - m1" in summary["fixes"][0]["action"]
    assert summary["fixes"][0]["gain"] > 0


def test_no_eligible_pairs_exit_0(tmp_path):
    data = write_cohort(tmp_path / "c", STUDENTS, [("m2", 1)], ["e3"])
    out = tmp_path / "out"
    assert main(["solve", "mentoring", str(data), "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "optimal" and summary["matched"] == 0
    assert pd.read_csv(out / "matches.csv").empty


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--weight", "height=2"], "--weight height=2"),
        (["--weight", "commuter=x"], "is not a number"),
        (["--weight", "commuter=-1"], "0 or more"),
        (["--min-level-gap", "9"], "min_level_gap"),
        (["--locked", "MISSING.csv"], "cannot be read"),
    ],
)
def test_bad_input_exit_2(data, tmp_path, capsys, extra, message):
    args = ["solve", "mentoring", str(data), "--out", str(tmp_path / "o"), *extra]
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_bad_data_exit_2(tmp_path, capsys):
    nothing = write_cohort(tmp_path / "c", STUDENTS)
    assert main(["solve", "mentoring", str(nothing), "--out", str(tmp_path / "o")]) == 2
    assert "mentoring needs the mentees and mentors tables" in capsys.readouterr().err
    assert main(["solve", "mentoring", str(tmp_path / "nope"), "--out", "x"]) == 2
    lock = tmp_path / "lock.csv"
    pd.DataFrame({"mentee": ["e1"]}).to_csv(lock, index=False)
    data = write_cohort(tmp_path / "d", STUDENTS, [("m1", 1)], ["e1"])
    assert main(["solve", "mentoring", str(data), "--out", "x", "--locked", str(lock)]) == 2
    assert "needs the columns mentee_id and mentor_id" in capsys.readouterr().err
    pd.DataFrame({"mentee_id": ["e1"], "mentor_id": ["ghost"]}).to_csv(lock, index=False)
    assert main(["solve", "mentoring", str(data), "--out", "x", "--locked", str(lock)]) == 2
    assert "not signed up" in capsys.readouterr().err
    assert main(["solve", "mentoring", str(data), "--out", "x", "--objective", "speed"]) == 2
