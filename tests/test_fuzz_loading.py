"""Random corruption of a good cohort never raises: it always gives a validation report.

The hundreds of corrupted cohorts are read and validated in this process, by the same function
the capped reading worker runs (``_load_files``, with the same caps), so an exception in the
reading code fails the test here; the worker around it (refusals, caps, exceptions sent back) is
tested once per kind of input below and in tests/test_hostile_input.py.
"""

from __future__ import annotations

import io
import zipfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.cohort.loading import Upload, _load_files, load_uploads
from workbench.cohort.reading import caps

GOOD = {
    "students.csv": "student_id,programme,level,first_generation,languages\n"
    "S1,Physics,UG1,yes,english\nS2,Physics,UG3,no,english;welsh\n"
    "S3,Chemistry,UG1,,\nS4,Chemistry,PGT,yes,french\n",
    "modules.csv": "module_code,module_name,fail_rate\nPH101,Mechanics,0.3\nCH101,Bonding,12%\n",
    "enrolments.csv": "student_id,module_code\nS1,PH101\nS3,CH101\n",
    "timetable.csv": "module_code,day,start,end,activity\nPH101,Mon,09:00,10:00,lecture\n"
    "CH101,Tue,14:00,16:00,lab\n",
    "busy.csv": "student_id,day,start,end,reason\nS1,Wed,12:00,13:00,job\n",
    "rooms.csv": "room_id,capacity\nR1,20\nR2,40\n",
    "room_busy.csv": "room_id,day,start,end\nR1,Mon,09:00,11:00\n",
    "mentors.csv": "student_id,capacity\nS2,2\nS4,3\n",
    "mentees.csv": "student_id\nS1\nS3\n",
    "leaders.csv": "student_id,module_code,max_sessions\nS2,PH101,2\n",
    "preferences.csv": "student_id,prefers_id,rank\nS1,S2,1\nS2,S1,1\n",
    "avoid.csv": "student_id_a,student_id_b\nS3,S4\n",
}


def _uploads(files: dict[str, bytes]) -> list[Upload]:
    return [Upload(name, data) for name, data in files.items()]


def _read_here(uploads: list[Upload]):
    """What the reading worker does with these files, done in this process."""
    return _load_files(uploads, None, caps())


def _is_a_report(result) -> None:
    """Either a cohort with no errors, or no cohort and at least one error saying where."""
    if result.cohort is None:
        assert result.report.errors
    else:
        assert result.report.ok
    for problem in result.report.problems:
        assert problem.file and problem.message and problem.severity in ("error", "warning")


def test_the_good_cohort_is_good() -> None:
    result = load_uploads(_uploads({k: v.encode() for k, v in GOOD.items()}))
    assert result.report.ok, result.report.format_text()
    assert len(result.cohort.students) == 4


edit = st.tuples(
    st.sampled_from(sorted(GOOD)),
    st.integers(min_value=0, max_value=10_000),
    st.integers(min_value=0, max_value=8),
    st.binary(max_size=12),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=st.lists(edit, min_size=1, max_size=6))
def test_byte_corruption_gives_a_report_not_an_exception(edits) -> None:
    files = {k: bytearray(v.encode()) for k, v in GOOD.items()}
    for name, position, cut, insert in edits:
        data = files[name]
        position %= max(1, len(data))
        data[position : position + cut] = insert
    _is_a_report(_read_here(_uploads({k: bytes(v) for k, v in files.items()})))


cell_text = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            " ",
            "25:61",
            "UG9",
            "-1",
            "1e309",
            "nan",
            "=1+1",
            "S1",
            "PH101",
            "Mon",
            "yes",
            "0",
            "999999999999999999999",
            "\x00",
            "é",
            ";;",
            '"',
        ]
    ),
)


@settings(max_examples=150, deadline=None)
@given(
    name=st.sampled_from(sorted(GOOD)),
    row=st.integers(1, 4),
    column=st.integers(0, 5),
    value=cell_text,
)
def test_cell_corruption_gives_a_report_not_an_exception(name, row, column, value) -> None:
    lines = GOOD[name].splitlines()
    row %= len(lines)
    cells = lines[row].split(",")
    cells[column % len(cells)] = value.replace(",", " ").replace("\n", " ").replace("\r", " ")
    lines[row] = ",".join(cells)
    files = {**{k: v.encode() for k, v in GOOD.items()}, name: "\n".join(lines).encode()}
    _is_a_report(_read_here(_uploads(files)))


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=400))
def test_arbitrary_bytes_as_zip_or_workbook(data: bytes) -> None:
    for name in ("cohort.zip", "cohort.xlsx", "students.csv"):
        _is_a_report(_read_here([Upload(name, data)]))


def test_zip_of_the_good_cohort_loads() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in GOOD.items():
            archive.writestr(f"cohort/{name}", text)
    result = load_uploads([Upload("cohort.zip", buffer.getvalue())])
    assert result.report.ok, result.report.format_text()


def test_the_worker_gives_the_same_report_as_reading_here() -> None:
    """A corrupted cohort read by the capped worker: the same problems, in the same order."""
    files = {k: v.encode() for k, v in GOOD.items()}
    files["students.csv"] = files["students.csv"].replace(b"UG3", b"UG9").replace(b"S4,", b"")
    files["rooms.csv"] = b"\xff\xfe\x00garbage"
    uploads = _uploads(files)
    here, there = _read_here(uploads), load_uploads(uploads)
    assert there.report.errors
    assert [str(p) for p in there.report.problems] == [str(p) for p in here.report.problems]
