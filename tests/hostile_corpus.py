"""A corpus of malformed and hostile cohorts, built on demand (some are far too big to commit).

Each case writes one cohort (a folder, a .zip, an .xlsx or a single file) under a directory and
says what the coordinator must be told. ``python tests/hostile_corpus.py OUT`` writes them all
to OUT for manual checks or fuzzing.
"""

from __future__ import annotations

import datetime as dt
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from hostile_files import (
    check_all,
    far_cell_workbook,
    far_column_workbook,
    packed_sheet_workbook,
    wide_sheet_workbook,
    yaml_bomb,
)

GOOD = {
    "students": "student_id,programme,level,first_generation\nS1,Physics,UG1,yes\n"
    "S2,Physics,UG3,no\nS3,Chemistry,UG1,\nS4,Chemistry,PGT,yes\n",
    "modules": "module_code,module_name,fail_rate\nPH101,Mechanics,0.3\nCH101,Bonding,0.1\n",
    "enrolments": "student_id,module_code\nS1,PH101\nS3,CH101\n",
    "timetable": "module_code,day,start,end\nPH101,Mon,09:00,10:00\nCH101,Tue,14:00,16:00\n",
    "rooms": "room_id,capacity\nR1,20\n",
    "mentors": "student_id,capacity\nS2,2\nS4,3\n",
    "mentees": "student_id\nS1\nS3\n",
}


@dataclass
class Case:
    name: str
    build: Callable[[Path], Path]  # writes the cohort under a directory, returns its path
    message: str  # what the report must say (a substring)
    exit_code: int = 2
    heavy: bool = False  # large: run in a subprocess with a memory bound
    mapping: tuple[str, bytes] | None = None  # a mapping file (name, bytes) given with --mapping
    upload_message: str | None = None  # what the upload path says, when not ``message``

    def cli_args(self, data: Path) -> list[str]:
        """``validate DATA [--mapping FILE]`` (the mapping file written next to the data)."""
        args = ["validate", str(data)]
        if self.mapping:
            path = data.parent / self.mapping[0]
            path.write_bytes(self.mapping[1])
            args += ["--mapping", str(path)]
        return args


def _folder(tmp: Path, **tables: str | bytes | None) -> Path:
    folder = tmp / "cohort"
    folder.mkdir()
    for name, text in {**GOOD, **tables}.items():
        if text is None:
            continue
        data = text if isinstance(text, bytes) else text.encode()
        (folder / f"{name}.csv").write_bytes(data)
    return folder


def _with(table: str, text: str | bytes | None) -> Callable[[Path], Path]:
    return lambda tmp: _folder(tmp, **{table: text})


def _append(table: str, line: str) -> Callable[[Path], Path]:
    return _with(table, GOOD[table] + line + "\n")


def _zip(entries: dict[str, bytes], name: str = "cohort.zip") -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        path = tmp / name
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for member, data in entries.items():
                archive.writestr(member, data)
        return path

    return build


def _good_members(prefix: str = "") -> dict[str, bytes]:
    return {f"{prefix}{k}.csv": v.encode() for k, v in GOOD.items()}


def _zip_bomb(tmp: Path) -> Path:
    """One member that expands to 1 GiB of zeros from about a megabyte."""
    path = tmp / "bomb.zip"
    chunk = b"0" * (8 * 2**20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("students.csv", GOOD["students"])
        with archive.open("enrolments.csv", "w", force_zip64=True) as member:
            for _ in range(128):
                member.write(chunk)
    return path


def _lying_zip(tmp: Path) -> Path:
    """A member whose header claims a tiny size while its data is large."""
    path = _zip(
        {"students.csv": ("student_id,programme,level\n" + "S,P,UG1\n" * 200_000).encode()}
    )(tmp)
    data = bytearray(path.read_bytes())
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = (100).to_bytes(4, "little")  # uncompressed size
    path.write_bytes(bytes(data))
    return path


def _book(tmp: Path, fill: Callable[[openpyxl.Workbook], None]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "students"
    for line in GOOD["students"].splitlines():
        sheet.append(line.split(","))
    fill(book)
    path = tmp / "cohort.xlsx"
    book.save(path)
    return path


def _formulas(book: openpyxl.Workbook) -> None:
    sheet = book.create_sheet("mentors")
    sheet.append(["student_id", "capacity"])
    sheet.append(["S2", "=1+1"])  # openpyxl stores no cached value: Excel never computed it


def _merged(book: openpyxl.Workbook) -> None:
    sheet = book.create_sheet("mentees")
    sheet.append(["student_id"])
    sheet.append(["S1"])
    sheet.append(["S3"])
    sheet.merge_cells("A2:A3")


def _hidden(book: openpyxl.Workbook) -> None:
    sheet = book.create_sheet("mentors")
    sheet.append(["student_id", "capacity"])
    sheet.append(["S9", 2])
    sheet.sheet_state = "hidden"


def _excel_dates(book: openpyxl.Workbook) -> None:
    sheet = book.create_sheet("timetable")
    sheet.append(["module_code", "day", "start", "end"])
    sheet.append(["PH101", "Mon", dt.datetime(2026, 9, 28, 9, 0), dt.datetime(2026, 9, 28, 10)])


def _two_student_sheets(book: openpyxl.Workbook) -> None:
    sheet = book.create_sheet("Students ")
    sheet.append(["student_id", "programme", "level"])


def _truncated_book(tmp: Path) -> Path:
    path = _book(tmp, lambda book: None)
    path.write_bytes(path.read_bytes()[:600])
    return path


def _big_csv(tmp: Path) -> Path:
    """A 100 MB students file."""
    folder = _folder(tmp)
    row = b"S0000001,Physics with a very long programme name,UG1,yes\n"
    with (folder / "students.csv").open("wb") as handle:
        handle.write(b"student_id,programme,level,first_generation\n")
        block = row * 20_000
        for _ in range(100 * 2**20 // len(block) + 1):
            handle.write(block)
    return folder


def _million_enrolments(tmp: Path) -> Path:
    folder = _folder(tmp)
    with (folder / "enrolments.csv").open("w") as handle:
        handle.write("student_id,module_code\n")
        handle.writelines(f"X{i},PH101\n" for i in range(1_000_000))
    return folder


def _single_file(name: str, data: bytes) -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        path = tmp / name
        path.write_bytes(data)
        return path

    return build


def _empty_folder(tmp: Path) -> Path:
    folder = tmp / "empty"
    folder.mkdir()
    return folder


CASES: list[Case] = [
    Case("no students table", _with("students", None), "the cohort has no students table"),
    Case(
        "empty folder",
        _empty_folder,
        "the folder has no cohort CSV files",
        upload_message="no cohort tables were found",
    ),
    Case("empty students file", _with("students", ""), "students.csv: the file is empty"),
    Case("whitespace-only file", _with("students", "  \n\n \n"), "the file is empty"),
    Case(
        "header only",
        _with("students", "student_id,programme,level\n"),
        "students.csv: the students table has no rows",
    ),
    Case(
        "missing required column",
        _with("students", "student_id,programme\nS1,Physics\n"),
        "students.csv:1: level: missing required column 'level'",
    ),
    Case(
        "doubled column",
        _with("students", "student_id,Student ID,programme,level\nS1,S1,P,UG1\n"),
        "both give student_id",
    ),
    Case(
        "empty required value",
        _append("students", "S5,,UG1"),
        "students.csv:6: programme: programme is empty",
    ),
    Case(
        "duplicate student",
        _append("students", "S1,Physics,UG2,no"),
        "students.csv:6: student_id: duplicate student_id 'S1' (first given at row 2)",
    ),
    Case("bad level", _append("students", "S5,Physics,UG9,no"), "'UG9' is not a level"),
    Case("bad yes/no", _append("students", "S5,Physics,UG1,maybe"), "'maybe' is not yes or no"),
    Case(
        "bad day",
        _append("timetable", "PH101,Someday,09:00,10:00"),
        "timetable.csv:4: day: 'Someday' is not a day",
    ),
    Case(
        "impossible time",
        _append("timetable", "PH101,Mon,25:61,26:00"),
        "timetable.csv:4: start: '25:61' is not a 24-hour time HH:MM",
    ),
    Case(
        "end before start",
        _append("timetable", "PH101,Mon,11:00,10:00"),
        "timetable.csv:4: end: ends before or when it starts (11:00-10:00)",
    ),
    Case("am/pm time", _append("timetable", "PH101,Mon,9am,10am"), "'9am' is not a 24-hour"),
    Case(
        "mentor capacity too big",
        _append("mentors", "S3,25"),
        "mentors.csv:4: capacity: '25' is out of range (must be from 1 to 20)",
    ),
    Case("room capacity zero", _append("rooms", "R2,0"), "'0' is out of range"),
    Case("capacity not a number", _append("rooms", "R2,lots"), "'lots' is not a whole number"),
    Case(
        "fail rate above one",
        _append("modules", "MA101,Algebra,1.4"),
        "'1.4' is out of range (must be between 0 and 1)",
    ),
    Case(
        "unknown student",
        _append("enrolments", "S99,PH101"),
        "enrolments.csv:4: student_id: 'S99' is not in students.csv",
    ),
    Case("unknown module", _append("enrolments", "S1,ZZ999"), "'ZZ999' is not in modules.csv"),
    Case(
        "bookings without rooms",
        lambda tmp: _folder(
            tmp, rooms=None, room_busy="room_id,day,start,end\nR1,Mon,09:00,10:00\n"
        ),
        "refers to the rooms table, which the cohort does not have",
    ),
    Case(
        "self avoid",
        _with("avoid", "student_id_a,student_id_b\nS1,S1\n"),
        "a student cannot be on their own avoid list",
    ),
    Case(
        "self preference",
        _with("preferences", "student_id,prefers_id,rank\nS1,S1,1\n"),
        "a student cannot rank themself",
    ),
    Case(
        "rank zero",
        _with("preferences", "student_id,prefers_id,rank\nS1,S2,0\n"),
        "'0' is out of range (must be from 1 to 1000)",
    ),
    Case(
        "ragged row",
        _append("students", "S5,Physics,UG1,no,surplus,values"),
        "has 6 values but the header has 4 columns",
    ),
    Case(
        "unterminated quote",
        _with("students", 'student_id,programme,level\nS1,"Physics,UG1\n' + "S2,x,UG1\n" * 30_000),
        "cannot be read as CSV: a quoted value never ends",
    ),
    Case(
        "latin-1 with a bad row",
        _with(
            "students",
            "student_id,programme,level\nS1,Génétique,UG1\nS2,Génétique,UGX\n".encode("latin-1"),
        ),
        "is not UTF-8",
    ),
    Case(
        "utf-16 with a bad row",
        _with("students", "student_id,programme,level\nS1,P,UG1\nS2,P,PGX\n".encode("utf-16")),
        "'PGX' is not a level",
    ),
    Case(
        "mixed encodings",
        _with(
            "students",
            b"student_id,programme,level\n"
            + "S1,Génétique,UG1\n".encode()
            + "S2,Génétique,UG0\n".encode("latin-1"),
        ),
        "'UG0' is not a level",
    ),
    Case("binary file named .csv", _with("students", bytes(range(256)) * 8), "is not a text file"),
    Case(
        "image named .csv",
        _with("students", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),
        "is not a text file",
    ),
    Case("empty zip", _zip({}), "the zip archive is empty"),
    Case(
        "not a zip",
        _single_file("cohort.zip", b"this is not an archive"),
        "is not a readable zip archive",
    ),
    Case(
        "zip with nested folders and a bad row",
        _zip(
            {
                **_good_members("export/2026/"),
                "export/2026/mentors.csv": b"student_id,capacity\nS2,0\n",
            }
        ),
        "cohort.zip/export/2026/mentors.csv:2: capacity: '0' is out of range",
    ),
    Case(
        "zip inside a zip",
        _zip({"inner.zip": b"PK\x05\x06" + b"\x00" * 18}),
        "ignored: not a CSV file",
    ),
    Case(
        "zip path escape",
        _zip({**_good_members(), "../../evil.csv": b"x\n1\n"}),
        "refused: the path points outside the archive",
    ),
    Case(
        "zip absolute path",
        _zip({**_good_members(), "/etc/cron.d/evil.csv": b"x\n1\n"}),
        "refused: the path points outside the archive",
    ),
    Case("zip bomb", _zip_bomb, "refused: it expands to 1,024 MB, beyond the limit", heavy=True),
    Case("zip member that lies about its size", _lying_zip, "cohort.zip/students.csv"),
    Case(
        "workbook with formulas",
        lambda tmp: _book(tmp, _formulas),
        "cohort.xlsx[mentors]:2: capacity: capacity is empty",
    ),
    Case(
        "workbook with merged cells",
        lambda tmp: _book(tmp, _merged),
        "cohort.xlsx[mentees]: cells A2:A3 are merged: unmerge them and give each row its "
        "own value",
    ),
    Case(
        "workbook with a hidden sheet",
        lambda tmp: _book(tmp, _hidden),
        "this sheet is hidden in the workbook",
    ),
    Case(
        "Excel dates in time columns",
        lambda tmp: _book(tmp, _excel_dates),
        "'2026-09-28 09:00:00' is not a 24-hour time HH:MM",
    ),
    Case(
        "two sheets for one table",
        lambda tmp: _book(tmp, _two_student_sheets),
        "a second sheet for the students table",
    ),
    Case("truncated workbook", _truncated_book, "cannot be opened as an Excel workbook"),
    Case("100 MB CSV", _big_csv, "is too large (100 MB; the limit is 50 MB)", heavy=True),
    Case(
        "million-row enrolments",
        _million_enrolments,
        "and 999,950 more rows with this problem: unknown reference",
        heavy=True,
    ),
    Case(
        "unsupported file",
        _single_file("cohort.pdf", b"%PDF-1.4\n"),
        "not a cohort file (use .csv, .zip or .xlsx)",
    ),
    Case(
        "NUL bytes inside a row",
        _with(
            "students", b"student_id,programme,level\nS1,Phy\x00sics,UG1\n" + b"S2,P,UG1\n" * 600
        ),
        "is not a text file",
    ),
]


def _bytes_file(name: str, make: Callable[[], bytes]) -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        path = tmp / name
        path.write_bytes(make())
        return path

    return build


def _book_cells(sheet: str, header: list[str], *rows: list) -> Callable[[Path], Path]:
    """A workbook of the good students plus one sheet written cell by cell."""

    def fill(book: openpyxl.Workbook) -> None:
        extra = book.create_sheet(sheet)
        extra.append(header)
        for row in rows:
            extra.append(row)

    return lambda tmp: _book(tmp, fill)


def _nul_late(tmp: Path) -> Path:
    """A NUL byte inside an id, after the first 4 KB (where a binary file would show one)."""
    rows = "".join(f"S{i},Physics,UG1\n" for i in range(5, 400))
    data = ("student_id,programme,level\n" + rows).encode() + b"S4\x00,Physics,UG1\n"
    return _folder(tmp, students=data)


GOOD_SEMICOLON = {k: v.replace(",", ";") for k, v in GOOD.items()}

CASES += [
    Case(
        "far cell workbook (2 KB)",
        _bytes_file("far.xlsx", far_cell_workbook),
        "far.xlsx[students]: refused: this sheet reaches cell XFD1048576",
    ),
    Case(
        "far column workbook",
        _bytes_file("column.xlsx", far_column_workbook),
        "beyond the last row or column a spreadsheet can have",
    ),
    Case(
        "wide sheet workbook (80 KB)",
        _bytes_file("wide.xlsx", wide_sheet_workbook),
        "wide.xlsx[students]: refused: this sheet reaches cell CV1000000",
    ),
    Case(
        "190 MB sheet packed small",
        _bytes_file("packed.xlsx", packed_sheet_workbook),
        "packed.xlsx[students]: refused: this sheet is more than 100 MB",
    ),
    Case(
        "YAML alias bomb as the mapping",
        _folder,
        "uses YAML anchors or aliases",
        mapping=("bomb.yaml", yaml_bomb()),
    ),
    Case(
        "mapping: a table's columns as a word",
        _folder,
        "the mapping's 'columns: students' must list names",
        mapping=("m.yaml", b"columns: {students: oops}\n"),
    ),
    Case(
        "mapping: tables as a list",
        _folder,
        "the mapping's 'tables' must list names",
        mapping=("m.yaml", b"tables: [students, mentors]\n"),
    ),
    Case(
        "mapping: values as a list",
        _folder,
        "the mapping's 'values: students: level' must list names",
        mapping=("m.json", b'{"values": {"students": {"level": ["UG1"]}}}'),
    ),
    Case(
        "two identical extra headers",
        _with(
            "students",
            "student_id,programme,level,notes,notes\nS1,P,UG1,a,b\nS2,P,UG3,,\n"
            "S3,P,UG1,c,\nS4,P,PGT,,d\n",
        ),
        "The cohort is valid.",
        exit_code=0,
    ),
    Case(
        "two Comment columns in a sheet",
        _book_cells(
            "mentors", ["student_id", "capacity", "Comment", "Comment"], ["S2", 2, "a", "b"]
        ),
        "The cohort is valid.",
        exit_code=0,
    ),
    Case(
        "a column named __row__",
        _with("mentees", "student_id,__row__\nS1,x\nS3,y\n"),
        "The cohort is valid.",
        exit_code=0,
    ),
    Case(
        "decimal comma in a whole-number column",
        lambda tmp: _folder(tmp, **{**GOOD_SEMICOLON, "mentors": "student_id;capacity\nS2;1,5\n"}),
        "mentors.csv:2: capacity: '1,5' is not a whole number (read as 1.5: this file writes "
        "decimals with a comma)",
    ),
    Case(
        "decimal comma fail rate",
        lambda tmp: _folder(
            tmp,
            **{**GOOD_SEMICOLON, "modules": "module_code;fail_rate\nPH101;0,176\nCH101;0,5\n"},
        ),
        "The cohort is valid.",
        exit_code=0,
    ),
    Case(
        "a number that reads two ways",
        lambda tmp: _folder(tmp, **{**GOOD_SEMICOLON, "rooms": "room_id;capacity\nR1;1.500\n"}),
        "rooms.csv:2: capacity: '1.500' could be read two ways",
    ),
    Case(
        "quoted newline before a bad level",
        _with(
            "students",
            'student_id,programme,level\nS1,"Physics\nwith\nAstronomy",UG1\nS2,P,UG3\nS3,P,UG1\n'
            "S4,P,UG9\n",
        ),
        "students.csv:5: level: 'UG9' is not a level",
    ),
    Case("NUL byte inside an id", _nul_late, "has a NUL character"),
    Case(
        "a 200,000-character value",
        _with("students", "student_id,programme,level\nS1," + "x" * 200_000 + ",UG1\n"),
        "a value on this row is longer than 131,072 characters",
    ),
    Case(
        "Excel #N/A cell",
        _book_cells("mentors", ["student_id", "capacity"], ["S2", "#N/A"]),
        "cohort.xlsx[mentors]:2: capacity: the cell shows the Excel error #N/A",
    ),
    Case(
        "UTF-32 with a bad row",
        _with("students", "student_id,programme,level\nS1,P,UG1\nS2,P,PGX\n".encode("utf-32")),
        "'PGX' is not a level",
    ),
    Case(
        "times in Arabic-Indic digits",
        _append("timetable", "PH101,Mon,\u0660\u0669:\u0660\u0660,10:00"),
        "is not a 24-hour time HH:MM",
    ),
]


def main(argv: list[str]) -> int:
    """``OUT``: write every case under OUT; ``--check OUT``: run the CLI over the light cases."""
    if argv[:1] == ["--check"]:
        failures = check_all(Path(argv[1]), [c for c in CASES if not c.heavy])
        print("\n".join(failures) or "every case was reported")
        return 1 if failures else 0
    root = Path(argv[0] if argv else "hostile-corpus")
    for number, case in enumerate(CASES, start=1):
        where = root / f"{number:02d}-{case.name.replace(' ', '-').replace('/', '-')}"
        where.mkdir(parents=True, exist_ok=True)
        print(case.build(where))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
