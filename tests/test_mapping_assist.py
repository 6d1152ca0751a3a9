"""The mapping step: what an export still needs, and the mapping that fixes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.cli.main import main
from workbench.cohort.loading import Upload, load_uploads
from workbench.cohort.mapping import (
    extend_mapping,
    mapping_from_bytes,
    mapping_needs,
    mapping_yaml,
)

EXPORT = [
    Upload(
        "SITS export.csv",
        b"Reg No,Course,Stage,Tutor\nA1,Physics,Foundation,Dr X\n"
        b"A2,Physics,Final,Dr Y\nA3,Physics,Year 2,Dr X\n",
    ),
    Upload("mentors.csv", b"student_id,capacity\nA2,3\n"),
]


def test_needs_name_the_unknown_file_then_its_columns_then_its_values() -> None:
    needs = mapping_needs(EXPORT)
    assert needs.unknown_files == ["SITS export.csv"]
    assert not needs.complete or "students" not in needs.tables

    step1 = extend_mapping(tables={"SITS export.csv": "students"})
    needs = mapping_needs(EXPORT, step1)
    assert needs.unknown_files == []
    students = needs.tables["students"]
    assert students.missing_required == ["student_id", "programme"]  # "Stage" means level
    assert students.unused_headers == ["Reg No", "Course", "Tutor"]
    assert not needs.complete

    step2 = extend_mapping(
        step1, columns={"students": {"student_id": "Reg No", "programme": "Course", "faculty": ""}}
    )
    needs = mapping_needs(EXPORT, step2)
    assert needs.tables["students"].missing_required == []
    assert needs.tables["students"].unused_headers == ["Tutor"]
    assert needs.values == {("students", "level"): ["Final", "Foundation"]}

    step3 = extend_mapping(
        step2, values={"students": {"level": {"Foundation": "UG1", "Final": "UG3"}}}
    )
    needs = mapping_needs(EXPORT, step3)
    assert needs.complete
    result = load_uploads(EXPORT, step3)
    assert result.report.ok, result.report.format_text()
    assert result.cohort.students["level"].tolist() == ["UG1", "UG3", "UG2"]
    assert result.cohort.students["tutor"].tolist() == ["Dr X", "Dr Y", "Dr X"]


def test_the_mapping_round_trips_through_yaml_and_the_command_line(tmp_path: Path) -> None:
    mapping = extend_mapping(
        tables={"SITS export.csv": "students"},
        columns={"students": {"student_id": "Reg No", "programme": "Course", "level": "Stage"}},
        values={"students": {"level": {"Foundation": "UG1", "Final": "UG3"}}},
    )
    text = mapping_yaml(mapping)
    again = mapping_from_bytes("mapping.yaml", text.encode())
    assert again == mapping
    folder = tmp_path / "export"
    folder.mkdir()
    for upload in EXPORT:
        (folder / upload.name).write_bytes(upload.data)
    (tmp_path / "mapping.yaml").write_text(text)
    assert main(["validate", str(folder), "--mapping", str(tmp_path / "mapping.yaml")]) == 0
    assert main(["validate", str(folder)]) == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the mapping file is empty"),
        (b"tables: [1, 2", "not a JSON or YAML mapping file"),
        (b"colums: {}", "unknown mapping section"),
        (b'{"tables": {"x": "pupils"}}', "unknown table 'pupils'"),
        (b"- just\n- a list\n", "a mapping must be an object"),
    ],
)
def test_bad_mapping_files_say_what_is_wrong(data: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        mapping_from_bytes("m.yaml", data)


def test_a_workbook_sheet_with_another_name_can_be_mapped(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Student list"
    sheet.append(["student_id", "programme", "level"])
    sheet.append(["S1", "Physics", "UG1"])
    book.save(tmp_path / "export.xlsx")
    upload = [Upload("export.xlsx", (tmp_path / "export.xlsx").read_bytes())]
    needs = mapping_needs(upload)
    assert needs.unknown_files == ["Student list"]
    mapping = extend_mapping(tables={"Student list": "students"})
    assert mapping_needs(upload, mapping).complete
    assert load_uploads(upload, mapping).report.ok
