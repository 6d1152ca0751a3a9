"""Files the command line writes are safe to open in a spreadsheet."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from workbench.cli.main import main

HOSTILE = '=HYPERLINK("http://example.invalid","click")'


def test_formula_like_ids_are_inert_in_command_line_outputs(tmp_path: Path) -> None:
    data = tmp_path / "cohort"
    data.mkdir()
    (data / "students.csv").write_text(
        "student_id,programme,level\n"
        f'"{HOSTILE.replace(chr(34), chr(34) * 2)}",Physics,UG1\n'
        "@SUM(A1),Physics,UG1\nM1,Physics,UG3\n"
    )
    (data / "mentors.csv").write_text("student_id,capacity\nM1,2\n")
    (data / "mentees.csv").write_text(
        f'student_id\n"{HOSTILE.replace(chr(34), chr(34) * 2)}"\n@SUM(A1)\n'
    )
    out = tmp_path / "out"
    assert main(["solve", "mentoring", str(data), "--out", str(out)]) == 0
    matches = pd.read_csv(out / "matches.csv", dtype=str)
    assert sorted(matches["mentee_id"]) == sorted(["'" + HOSTILE, "'@SUM(A1)"])
    raw = (out / "matches.csv").read_text(encoding="utf-8-sig")
    assert not any(
        line.startswith(("=", "@", "+", "-"))
        for cell in raw.splitlines()
        for line in cell.split(",")
    )


def test_budget_flag_caps_the_plans_cost(tmp_path: Path) -> None:
    import json

    department = Path(__file__).parent.parent / "sample_data" / "department"
    free = tmp_path / "free"
    capped = tmp_path / "capped"
    assert main(["solve", "pass", str(department), "--top", "4", "--out", str(free)]) == 0
    uncapped = json.loads((free / "summary.json").read_text())
    budget = uncapped["cost"] * 0.8
    assert (
        main(
            [
                "solve",
                "pass",
                str(department),
                "--top",
                "4",
                "--budget",
                str(budget),
                "--out",
                str(capped),
            ]
        )
        == 0
    )
    summary = json.loads((capped / "summary.json").read_text())
    assert summary["cost"] <= budget + 1e-6 and summary["within_budget"]
    assert summary["cost"] < uncapped["cost"] and summary["reach"] <= uncapped["reach"]

    assert (
        main(["solve", "mentoring", str(department), "--budget", "0", "--out", str(tmp_path / "m")])
        == 0
    )
    mentoring = json.loads((tmp_path / "m" / "summary.json").read_text())
    assert mentoring["matched"] == 0
    assert (
        main(
            [
                "solve",
                "mentoring",
                str(department),
                "--budget",
                "-5",
                "--out",
                str(tmp_path / "bad"),
            ]
        )
        == 2
    )
