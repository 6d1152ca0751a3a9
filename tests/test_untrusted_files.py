"""Issue 11, the core side: files are read in a capped worker, numbers read one way, and each
defect found by the attacker has a regression test here or in the hostile corpus."""

from __future__ import annotations

import csv
import io
import struct
import sys
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from workbench.cli.main import main
from workbench.cohort.loading import Upload, load_mapping, load_uploads, read_uploads
from workbench.cohort.numbers import COMMA, POINT, UNKNOWN, decimal_mark, parse_number
from workbench.cohort.reading import CAPS, ReadCaps, ReadRefused, run_capped
from workbench.cohort.validation import Mapping
from workbench.safe_tables import to_csv_bytes
from workbench.schemes.pass_sessions.solve import PassSettings, solve_pass

sys.path.insert(0, str(Path(__file__).parent))
from hostile_corpus import GOOD, far_cell_workbook, wide_sheet_workbook, yaml_bomb  # noqa: E402

# ------------------------------------------------------------------------------ the worker


def _allocate(megabytes: int) -> int:
    block = bytearray(megabytes * 2**20)
    for i in range(0, len(block), 4096):  # touch every page: memory really used
        block[i] = 1
    return len(block)


def _sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def test_a_read_over_the_memory_cap_is_refused_and_the_caller_carries_on(monkeypatch) -> None:
    monkeypatch.setenv("WORKBENCH_READ_MEMORY_MB", "100")
    with pytest.raises(ReadRefused, match="needs more than 100 MB to read; it was not used"):
        run_capped(_allocate, 400)
    assert run_capped(_allocate, 20).value == 20 * 2**20  # within the cap: read as usual


def test_a_read_over_the_time_limit_is_refused(monkeypatch) -> None:
    monkeypatch.setenv("WORKBENCH_READ_SECONDS", "1")
    started = time.monotonic()
    with pytest.raises(ReadRefused, match="takes more than 1 s to read"):
        run_capped(_sleep, 30)
    assert time.monotonic() - started < 10


def test_caps_are_settings_and_a_typo_never_lifts_one(monkeypatch) -> None:
    monkeypatch.setenv("WORKBENCH_MAX_SHEET_CELLS", "1_000")
    monkeypatch.setenv("WORKBENCH_READ_MEMORY_MB", "lots")
    caps = ReadCaps.from_env()
    assert caps.sheet_cells == 1000
    assert caps.memory_mb == CAPS["memory_mb"].default
    assert all(cap.env.startswith("WORKBENCH_") for cap in CAPS.values())


def test_security_md_lists_every_cap() -> None:
    text = (Path(__file__).parent.parent / "SECURITY.md").read_text()
    for cap in CAPS.values():
        assert cap.env in text, cap.env


def test_hostile_workbooks_are_refused_through_the_upload_path_naming_the_sheet() -> None:
    for name, make, where in (
        ("far.xlsx", far_cell_workbook, "XFD1048576"),
        ("wide.xlsx", wide_sheet_workbook, "CV1000000"),
    ):
        tables, problems = read_uploads([Upload(name, make())])
        assert not tables
        assert [p.file for p in problems] == [f"{name}[students]"]
        assert where in problems[0].message
    # the same process still reads a good cohort afterwards
    good = [Upload(f"{k}.csv", v.encode()) for k, v in GOOD.items()]
    assert load_uploads(good).cohort is not None


# ------------------------------------------------------------------------------ mapping files


def test_yaml_bomb_is_refused_at_once(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_bytes(yaml_bomb())
    started = time.monotonic()
    with pytest.raises(ValueError, match="anchors or aliases"):
        load_mapping(path)
    assert time.monotonic() - started < 20


def test_mapping_size_is_capped(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("WORKBENCH_MAX_MAPPING_KB", "1")
    path = tmp_path / "big.json"
    path.write_text('{"tables": {' + ", ".join(f'"t{i}": "students"' for i in range(200)) + "}}")
    with pytest.raises(ValueError, match="more than 1 KB"):
        load_mapping(path)


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ({"columns": {"students": "oops"}}, "'columns: students'"),
        ({"tables": ["students"]}, "'tables'"),
        ({"values": {"students": {"level": ["UG1"]}}}, "'values: students: level'"),
        ({"values": {"students": "x"}}, "'values: students'"),
        ({"columns": {"students": {"Year": {"a": "b"}}}}, "'columns: students: Year'"),
    ],
)
def test_mapping_with_the_wrong_shape_says_where(data, where) -> None:
    with pytest.raises(ValueError, match=where):
        Mapping.from_dict(data)


# ------------------------------------------------------------------------------ numbers


@pytest.mark.parametrize(
    ("text", "mark", "value"),
    [
        ("1,5", COMMA, 1.5),
        ("0,176", COMMA, 0.176),
        ("1.500", COMMA, 1500.0),
        ("1.234,5", COMMA, 1234.5),
        ("17,6%", COMMA, 0.176),
        ("1.5", POINT, 1.5),
        ("1,500", POINT, 1500.0),
        ("1,234.5", POINT, 1234.5),
        ("1e-05", POINT, 1e-05),
        ("1,5", UNKNOWN, 1.5),
        ("0.125", UNKNOWN, 0.125),
    ],
)
def test_a_cell_becomes_the_number_it_says(text, mark, value) -> None:
    assert parse_number(text, mark) == pytest.approx(value)


@pytest.mark.parametrize(
    ("text", "mark"),
    [
        ("1,500", UNKNOWN),
        ("1.500", UNKNOWN),
        ("1,5", POINT),
        ("0,176", POINT),
        ("1.5", COMMA),
        ("inf", POINT),
        ("nan", POINT),
        ("\u0663", POINT),  # Arabic-Indic three
    ],
)
def test_an_ambiguous_or_foreign_cell_is_never_a_number(text, mark) -> None:
    assert isinstance(parse_number(text, mark), str)


def test_the_decimal_mark_comes_from_the_files_own_numbers() -> None:
    assert decimal_mark(["2", "1,5"]) == COMMA
    assert decimal_mark(["0.3", "1,500"]) == POINT
    assert decimal_mark(["1,500"]) == UNKNOWN  # thousands or decimals: no evidence
    assert decimal_mark(["2.5", "1,5"]) == UNKNOWN  # both: each value must speak for itself


def _semicolon(**tables: str) -> list[Upload]:
    files = {k: v.replace(",", ";") for k, v in GOOD.items()} | tables
    return [Upload(f"{k}.csv", v.encode()) for k, v in files.items()]


def test_decimal_comma_capacity_is_an_error_not_fifteen() -> None:
    result = load_uploads(_semicolon(mentors="student_id;capacity\nS2;1,5\nS4;3\n"))
    assert result.cohort is None
    assert (
        "mentors.csv:2: capacity: '1,5' is not a whole number (read as 1.5: this file writes "
        "decimals with a comma)" in result.report.format_text()
    )


def test_decimal_comma_fail_rate_is_read_as_a_fraction() -> None:
    result = load_uploads(_semicolon(modules="module_code;fail_rate\nPH101;0,176\nCH101;0,5\n"))
    assert result.cohort is not None, result.report.format_text()
    modules = result.cohort.modules
    rates = dict(zip(modules["module_code"], modules["fail_rate"], strict=True))
    assert rates == {"PH101": pytest.approx(0.176), "CH101": pytest.approx(0.5)}


def test_comma_delimited_file_keeps_thousands() -> None:
    rooms = 'room_id,capacity\nR1,"1,500"\nR2,40\n'
    files = [Upload(f"{k}.csv", v.encode()) for k, v in (GOOD | {"rooms": rooms}).items()]
    result = load_uploads(files)
    assert result.cohort is not None, result.report.format_text()
    assert sorted(result.cohort.rooms["capacity"]) == [40, 1500]


# ------------------------------------------------------------------------------ headers, rows


def test_identical_extra_headers_are_both_kept() -> None:
    students = "student_id,programme,level,notes,notes\nS1,P,UG1,a,b\nS2,P,UG3,,\n"
    result = load_uploads([Upload("students.csv", students.encode())])
    assert result.cohort is not None, result.report.format_text()
    extras = [c for c in result.cohort.students.columns if c.startswith("notes")]
    assert len(extras) == 2
    assert set(result.cohort.students[extras[1]].dropna()) == {"b"}


def test_two_identical_contract_headers_are_reported_by_name() -> None:
    students = "student_id,programme,level,level\nS1,P,UG1,UG2\n"
    result = load_uploads([Upload("students.csv", students.encode())])
    assert "columns 'level' and 'level' both give level" in result.report.format_text()


def test_a_column_named_like_the_row_numbers_is_kept() -> None:
    students = "student_id,programme,level,__row__\nS1,P,UG1,keep me\n"
    result = load_uploads([Upload("students.csv", students.encode())])
    assert result.cohort is not None, result.report.format_text()
    kept = [c for c in result.cohort.students.columns if "row" in c]
    assert kept and result.cohort.students[kept[0]].tolist() == ["keep me"]


def test_rows_are_numbered_as_a_spreadsheet_shows_them_after_a_quoted_newline() -> None:
    students = (
        'student_id,programme,level\nS1,"Physics\nwith\nAstronomy",UG1\nS2,P,UG2\n\nS4,P,UG9\n'
    )
    result = load_uploads([Upload("students.csv", students.encode())])
    assert "students.csv:5: level: 'UG9' is not a level" in result.report.format_text()


# ------------------------------------------------------------------------------ exports


def test_csv_export_survives_a_semicolon_reader() -> None:
    frame = pd.DataFrame({"programme": ["Law;=2+5*7;@SUM(1+1)", "A\t+1", "plain"], "n": [1, 2, 3]})
    text = to_csv_bytes(frame).decode("utf-8-sig")
    for delimiter in (",", ";", "\t", "|"):
        for row in csv.reader(io.StringIO(text), delimiter=delimiter):
            for cell in row:
                live = cell.startswith(("=", "+", "@")) or (
                    cell.startswith("-") and not cell.lstrip("-").replace(".", "").isdigit()
                )
                assert not live, (delimiter, cell)


# ------------------------------------------------------------------------------ the CLI, PASS


@pytest.mark.parametrize("start", ["9999-12-27", "0001-01-01"])
def test_term_start_out_of_range_is_a_usage_error(start, tmp_path: Path, capsys) -> None:
    data = Path(__file__).parent.parent / "sample_data" / "department"
    code = main(["solve", "pass", str(data), "--out", str(tmp_path), "--term-start", start])
    captured = capsys.readouterr()
    assert code == 2
    assert "a term starts between" in captured.err + captured.out
    assert "internal error" not in captured.err


def test_a_leader_is_never_reached_by_their_own_session() -> None:
    slots = "module_code,day,start,end\nPH101,Mon,09:00,10:00\n"
    files = {
        "students": "student_id,programme,level\nL1,Physics,UG2\nS1,Physics,UG1\n",
        "modules": "module_code,fail_rate\nPH101,0.4\nCH101,0.4\n",
        "enrolments": "student_id,module_code\nL1,PH101\nS1,CH101\n",
        "timetable": slots,
        "leaders": "student_id,module_code,max_sessions\nL1,PH101,2\n",
        "rooms": "room_id,capacity\nR1,30\n",
    }
    result = load_uploads([Upload(f"{k}.csv", v.encode()) for k, v in files.items()])
    assert result.cohort is not None, result.report.format_text()
    settings = PassSettings(modules=["PH101"], days=[1], first_start=600, last_start=660)
    plan = solve_pass(result.cohort, settings)
    reach = plan.reach
    assert "L1" not in set(reach["student_id"])  # the only enrolled student leads the module
    assert plan.reach_count == 0


def test_a_zip_whose_directory_points_before_the_file_is_refused_not_raised() -> None:
    """A damaged central directory made zipfile seek to a negative offset (ValueError) out of
    the reader; the member is now reported as unreadable and the rest of the upload carries on."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("students.csv", "student_id,programme,level\n1,Maths,UG1\n")
    data = bytearray(buffer.getvalue())
    end = data.rfind(b"PK\x05\x06")
    (offset,) = struct.unpack("<I", data[end + 16 : end + 20])
    struct.pack_into("<I", data, end + 16, offset + 1000)  # claims the directory starts later
    result = load_uploads([Upload("damaged.zip", bytes(data))])
    assert result.cohort is None
    assert any(
        "damaged.zip/students.csv" in str(p) and "cannot be read" in str(p)
        for p in result.report.errors
    ), result.report.format_text()
