"""Reading cohorts from folders, zips, workbooks and uploads; the validate command."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest

from workbench.cli.main import main
from workbench.cohort.domain import TABLES
from workbench.cohort.loading import (
    Upload,
    load_cohort,
    load_mapping,
    load_uploads,
    template_tables,
)

STUDENTS_CSV = "student_id,programme,level\nS1,Physics,UG1\nS2,Physics,UG3\n"


def problems(result) -> list[str]:
    return [str(p) for p in result.report.problems]


def test_folder_with_bom_crlf_and_semicolons(tmp_path: Path) -> None:
    (tmp_path / "students.csv").write_bytes(
        "\ufeffStudent ID;Programme;Level\r\nS1;Physics;year 1\r\nS2;Physics;UG3\r\n".encode(
            "utf-8"
        )
    )
    (tmp_path / "mentors.csv").write_text("student_id,capacity\nS2,2\n")
    (tmp_path / "notes.txt").write_text("not a table")
    result = load_cohort(tmp_path)
    assert result.report.ok, problems(result)
    assert result.cohort.students["student_id"].tolist() == ["S1", "S2"]
    assert result.cohort.name == tmp_path.name


def test_ragged_row_is_reported_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "students.csv").write_text(
        "student_id,programme,level\nS1,Physics,UG1,extra\nS2,Physics\n"
    )
    result = load_cohort(tmp_path)
    assert result.cohort is None
    assert problems(result) == [
        "students.csv:2: has 4 values but the header has 3 columns",
        "students.csv:3: level: level is empty",
    ]


def test_blank_lines_keep_row_numbers(tmp_path: Path) -> None:
    (tmp_path / "students.csv").write_text("student_id,programme,level\n\nS1,Physics,UG9\n")
    assert problems(load_cohort(tmp_path))[0].startswith("students.csv:3: level: 'UG9'")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "students.csv: the file is empty"),
        (
            b"\x00\x01\x02binary\x00",
            "students.csv: is not a text file (it looks binary: save it as CSV, UTF-8)",
        ),
    ],
)
def test_empty_and_binary_files(tmp_path: Path, content: bytes, message: str) -> None:
    (tmp_path / "students.csv").write_bytes(content)
    result = load_cohort(tmp_path)
    assert result.cohort is None
    assert message in problems(result)


def test_latin1_is_read_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "students.csv").write_bytes(
        "student_id,programme,level\nS1,Génétique,UG1\n".encode("latin-1")
    )
    result = load_cohort(tmp_path)
    assert result.cohort is not None
    assert result.cohort.students.loc[0, "programme"] == "Génétique"
    assert result.report.warnings[0].message.startswith("is not UTF-8")


def test_utf16_is_read(tmp_path: Path) -> None:
    (tmp_path / "students.csv").write_bytes(STUDENTS_CSV.encode("utf-16"))
    result = load_cohort(tmp_path)
    assert result.report.ok, problems(result)


def _zip(entries: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in entries.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def test_zip_with_nested_folder_and_escaping_paths(tmp_path: Path) -> None:
    data = _zip(
        {
            "export/cohort/students.csv": STUDENTS_CSV,
            "../mentors.csv": "student_id,capacity\nS2,1\n",
            "__MACOSX/._students.csv": "junk",
        }
    )
    result = load_uploads([Upload("cohort.zip", data)])
    assert "cohort.zip/../mentors.csv: refused: the path points outside the archive" in problems(
        result
    )
    assert result.cohort is None  # a refused member is an error the coordinator must see
    assert not (tmp_path.parent / "mentors.csv").exists()


def test_empty_zip_and_not_a_zip() -> None:
    assert problems(load_uploads([Upload("c.zip", _zip({}))])) == [
        "c.zip: the zip archive is empty",
        "students: the cohort has no students table (a students.csv file or a 'students' sheet)",
    ]
    assert problems(load_uploads([Upload("c.zip", b"hello")]))[0].startswith(
        "c.zip: is not a readable zip archive"
    )


def test_workbook_with_time_cells_hidden_sheet_and_unknown_sheet(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Students"
    sheet.append(["Student ID", "Programme", "Level"])
    sheet.append(["S1", "Physics", "UG1"])
    sheet.append([1002, "Physics", 3])
    busy = book.create_sheet("busy")
    busy.append(["student_id", "day", "start", "end"])
    busy.append(["S1", "Monday", dt.time(9, 0), dt.time(10, 30)])
    busy.append(["S1", "Tue", dt.datetime(2026, 1, 5, 9, 0), "10:00"])
    book.create_sheet("Notes").append(["anything"])
    book["busy"].sheet_state = "hidden"
    path = tmp_path / "cohort.xlsx"
    book.save(path)
    result = load_cohort(path)
    assert problems(result) == [
        "cohort.xlsx[busy]:3: start: '2026-01-05 09:00:00' is not a 24-hour time HH:MM",
        "cohort.xlsx[busy]: warning: this sheet is hidden in the workbook; it was read anyway",
        "cohort.xlsx[Notes]: warning: sheet ignored: its name is not a cohort table "
        f"({', '.join(TABLES)})",
    ]
    assert result.cohort is None


def test_workbook_good(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "students"
    sheet.append(["student_id", "programme", "level", "first_generation"])
    sheet.append([101, "Physics", "UG1", True])
    busy = book.create_sheet("busy")
    busy.append(["student_id", "day", "start", "end"])
    busy.append([101, "Mon", dt.time(9, 0), dt.time(10, 30)])
    book.save(tmp_path / "c.xlsx")
    result = load_cohort(tmp_path / "c.xlsx")
    assert result.report.ok, problems(result)
    assert result.cohort.students.loc[0, "student_id"] == "101"
    assert bool(result.cohort.students.loc[0, "first_generation"]) is True
    assert result.cohort.busy[["start", "end"]].values.tolist() == [[540, 630]]


def test_uploads_mix_and_unknown_files() -> None:
    result = load_uploads(
        [
            Upload("students.csv", STUDENTS_CSV.encode()),
            Upload("photo.png", b"\x89PNG"),
            Upload("mentors.csv", b"student_id,capacity\nS2,2\n"),
        ]
    )
    assert problems(result) == ["photo.png: not a cohort file (use .csv, .zip or .xlsx)"]
    assert result.cohort is None


def test_missing_path() -> None:
    result = load_cohort("/no/such/folder")
    assert "/no/such/folder: no such file or folder" in problems(result)


def test_mapping_file(tmp_path: Path) -> None:
    (tmp_path / "students export.csv").write_text("Reg No,Course,Stage\nA,Physics,Foundation\n")
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "tables:\n  students export: students\ncolumns:\n  students:\n"
        "    Reg No: student_id\n    Course: programme\n    Stage: level\n"
        "values:\n  students:\n    level:\n      Foundation: UG1\n"
    )
    result = load_cohort(tmp_path, load_mapping(mapping))
    assert result.report.ok, problems(result)
    assert result.cohort.students["level"].tolist() == ["UG1"]
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        load_mapping(bad)


def test_validate_command_good_and_bad(tmp_path: Path, capsys) -> None:
    good = tmp_path / "good"
    good.mkdir()
    (good / "students.csv").write_text(STUDENTS_CSV)
    assert main(["validate", str(good)]) == 0
    out = capsys.readouterr().out
    assert "The cohort is valid." in out and "Students per level: UG1 1, UG3 1" in out

    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "students.csv").write_text("student_id,programme,level\nS1,Physics,UG9\n")
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "students.csv:2: level: 'UG9' is not a level" in err
    assert "Traceback" not in err


def test_validate_command_bad_mapping(tmp_path: Path, capsys) -> None:
    (tmp_path / "students.csv").write_text(STUDENTS_CSV)
    (tmp_path / "m.json").write_text(json.dumps({"tables": {"x": "pupils"}}))
    assert main(["validate", str(tmp_path), "--mapping", str(tmp_path / "m.json")]) == 2
    assert "unknown table 'pupils'" in capsys.readouterr().err


def test_every_command_has_help(capsys) -> None:
    assert main(["--help"]) == 0
    for command in (["validate"], ["template"], ["generate"], ["solve"]):
        assert main([*command, "--help"]) == 0
    assert "validate" in capsys.readouterr().out


def test_template_round_trips_as_an_empty_cohort(tmp_path: Path) -> None:
    assert main(["template", str(tmp_path / "template.xlsx")]) == 0
    assert main(["template", str(tmp_path / "csv")]) == 0
    book = openpyxl.load_workbook(tmp_path / "template.xlsx")
    assert book.sheetnames == list(template_tables())
    assert [c.value for c in book["students"][1]][:3] == ["student_id", "programme", "level"]
    assert sorted(p.name for p in (tmp_path / "csv").iterdir()) == sorted(
        f"{t}.csv" for t in template_tables()
    )


def test_shipped_templates_are_current() -> None:
    """templates/ holds the downloadable template: regenerate with `python -m workbench template`."""
    root = Path(__file__).parent.parent / "templates"
    book = openpyxl.load_workbook(root / "cohort-template.xlsx")
    expected = template_tables()
    assert book.sheetnames == list(expected)
    for name, frame in expected.items():
        assert [c.value for c in book[name][1]] == list(frame.columns)
        assert (root / "cohort-template" / f"{name}.csv").read_text().strip() == ",".join(
            frame.columns
        )
