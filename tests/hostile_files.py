"""Tiny hostile files (issue 11), built in memory: each once ended or swelled the process that
read it. Small enough to build in a test or upload in a browser test; the hostile corpus
(``hostile_corpus.py``) uses them too.
"""

from __future__ import annotations

import contextlib
import io
import time
import zipfile
from pathlib import Path

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_BOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="students" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_BOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def raw_workbook(
    sheet_rows: str, dimension: str = "A1:C3", padding: tuple[str, int] = ("", 0)
) -> bytes:
    """An .xlsx written by hand (one 'students' sheet): its XML says what a real one could.

    ``padding`` (text, times) is repeated after the rows, streamed (never held whole).
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _BOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _BOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                + f'<dimension ref="{dimension}"/><sheetData>{sheet_rows}'.encode()
            )
            text, times = padding
            block = text.encode() * 4096
            for _ in range(times // 4096):
                sheet.write(block)
            sheet.write(text.encode() * (times % 4096))
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def _student_rows(count: int) -> str:
    header = (
        '<row r="1">'
        + _cell("A1", "student_id")
        + _cell("B1", "programme")
        + _cell("C1", "level")
        + "</row>"
    )
    rows = [header]
    for i in range(2, count + 2):
        rows.append(
            f'<row r="{i}">'
            + _cell(f"A{i}", f"S{i:05d}")
            + _cell(f"B{i}", f"Programme {i * 7919 % 1000:03d}")
            + _cell(f"C{i}", f"UG{1 + i % 4}")
            + "</row>"
        )
    return "".join(rows)


def far_cell_workbook() -> bytes:
    """About 2 KB: three students and one cell at XFD1048576, the sheet's last (calamine once
    tried to allocate the whole 17-billion-cell grid and aborted the process)."""
    rows = _student_rows(3) + '<row r="1048576">' + _cell("XFD1048576", "x") + "</row>"
    return raw_workbook(rows, "A1:XFD1048576")


def far_column_workbook() -> bytes:
    """About 1 KB: a cell whose column reference (ZZZZZZZZ) is beyond any spreadsheet's."""
    rows = _student_rows(3) + '<row r="5">' + _cell("ZZZZZZZZ5", "x") + "</row>"
    return raw_workbook(rows, "A1:ZZZZZZZZ5")


def wide_sheet_workbook(students: int = 4500) -> bytes:
    """About 80 KB: real-looking students and a declared sheet of 100 columns by a million rows
    (a cell at CV1000000 once took 54 s and 4.1 GB to read)."""
    rows = _student_rows(students) + '<row r="1000000">' + _cell("CV1000000", "x") + "</row>"
    return raw_workbook(rows, "A1:CV1000000")


def packed_sheet_workbook(megabytes: int = 190) -> bytes:
    """About 200 KB of zip holding a sheet of ``megabytes`` MB of XML (one-cell rows)."""
    row = '<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    return raw_workbook(_student_rows(3), "A1:C3", (row, megabytes * 2**20 // len(row)))


def yaml_bomb() -> bytes:
    """A mapping file of about 400 bytes whose nested aliases stand for 9**9 strings."""
    lines = [
        "columns:",
        "  students:",
        '    a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ]
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"    {name}: &{name} [{', '.join(['*' + prev] * 9)}]")
    return ("\n".join(lines) + "\n").encode()


SIGNS_OF_A_CRASH = ("Traceback", "internal error", "panicked", "RUST_BACKTRACE", "backtrace")


def check_all(root: Path, cases: list, seconds: float = 60.0) -> list[str]:
    """Run the CLI over each corpus case (in this process); what went wrong, one per case."""
    from workbench.cli.main import main as cli

    failures = []
    for number, case in enumerate(cases, start=1):
        where = root / f"{number:02d}"
        where.mkdir(parents=True)
        data = case.build(where)
        out, err = io.StringIO(), io.StringIO()
        started = time.perf_counter()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli(case.cli_args(data))
        took = time.perf_counter() - started
        text = out.getvalue() + err.getvalue()
        if code != case.exit_code or case.message not in text:
            failures.append(f"{case.name}: exit {code}, output {text[-300:]!r}")
        elif any(sign in text for sign in SIGNS_OF_A_CRASH):
            failures.append(f"{case.name}: the output shows a crash: {text[-300:]!r}")
        elif took > seconds:
            failures.append(f"{case.name}: took {took:.0f} s")
    return failures
