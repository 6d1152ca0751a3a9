"""Files the command line writes are safe to open in a spreadsheet."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from workbench.cli import main

HOSTILE = '=HYPERLINK("http://example.invalid","click")'


def test_formula_like_ids_are_inert_in_command_line_outputs(tmp_path: Path) -> None:
    data = tmp_path / "cohort"
    data.mkdir()
    (data / "students.csv").write_text(
        "student_id,programme,level\n"
        f'"{HOSTILE.replace(chr(34), chr(34) * 2)}",Physics,UG1\n'
        "@SUM(A1),Physics,UG1\nM1,Physics,UG3\n")
    (data / "mentors.csv").write_text("student_id,capacity\nM1,2\n")
    (data / "mentees.csv").write_text(
        f'student_id\n"{HOSTILE.replace(chr(34), chr(34) * 2)}"\n@SUM(A1)\n')
    out = tmp_path / "out"
    assert main(["solve", "mentoring", str(data), "--out", str(out)]) == 0
    matches = pd.read_csv(out / "matches.csv", dtype=str)
    assert sorted(matches["mentee_id"]) == sorted(["'" + HOSTILE, "'@SUM(A1)"])
    raw = (out / "matches.csv").read_text(encoding="utf-8-sig")
    assert not any(line.startswith(("=", "@", "+", "-")) for cell in raw.splitlines()
                   for line in cell.split(","))
