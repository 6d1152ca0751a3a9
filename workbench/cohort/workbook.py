"""Read a cohort's tables from an ``.xlsx`` workbook (one sheet per table).

Each sheet named after a table is checked first (:func:`workbench.cohort.reading.check_workbook`:
its unpacked size and the cells it declares or reaches) and only then parsed, with calamine
(fast; values as Excel last computed them; formulas never run). Called inside the capped reading
worker by :mod:`workbench.cohort.loading`.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pandas as pd
import python_calamine

from workbench.cohort.contract import normalise_header, table_lookup
from workbench.cohort.domain import TABLES, format_time
from workbench.cohort.raw import ROW, Mapping, Problem, RawTable
from workbench.cohort.reading import ReadCaps, caps
from workbench.cohort.reading import check_workbook as _check_workbook

NOT_A_TABLE = "its name is not a cohort table"
EXCEL_ERRORS = ("#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!")


def not_a_table(label: str, what: str, severity: str) -> Problem:
    """A file or sheet whose name is no table (the mapping step offers to name it)."""
    return Problem(label, None, None, f"{what}: {NOT_A_TABLE} ({', '.join(TABLES)})", severity)


def cell_text(value: Any) -> str | None:
    """A workbook cell as the text a coordinator would type (times as HH:MM, 2.0 as 2)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0) and value.date() <= dt.date(1900, 1, 1):
            return format_time(value.hour * 60 + value.minute)
        return value.isoformat(sep=" ")
    if isinstance(value, dt.time):
        return format_time(value.hour * 60 + value.minute) + (
            f":{value.second:02d}" if value.second else ""
        )
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def unique_headers(cells: list[str | None]) -> list[str]:
    """Header cells as column names: blanks named by position, repeats numbered, and the
    loader's own row column (``__row__``) never taken by a file's header."""
    names: list[str] = []
    seen: set[str] = set()
    for i, cell in enumerate(cells):
        name = (cell or "").replace("\ufeff", "").strip() or f"column {i + 1}"
        if name == ROW:
            name = f"{ROW} (column {i + 1})"
        base, k = name, 1
        while name in seen:
            k += 1
            name = f"{base} ({k})"
        seen.add(name)
        names.append(name)
    return names


def _sheet_rows(values: list[list[Any]], label: str, limits: ReadCaps) -> RawTable | Problem:
    """A sheet's cells as a raw table (rows numbered as the sheet shows them)."""
    header: list[str] | None = None
    rows: list[list[str | None]] = []
    numbers: list[int] = []
    for number, row in enumerate(values, start=1):
        cells = [cell_text(v) for v in row]
        if not any(c is not None and c.strip() for c in cells):
            continue
        if header is None:
            header = unique_headers(cells)
            continue
        rows.append((cells + [None] * len(header))[: len(header)])
        numbers.append(number)
        if len(rows) > limits.rows:
            return Problem(label, None, None, f"has more than {limits.rows:,} rows")
    if header is None:
        return RawTable("", label, pd.DataFrame({ROW: []}))
    frame = pd.DataFrame(rows, columns=pd.Index(header, dtype=object), dtype=object)
    frame[ROW] = numbers
    return RawTable("", label, frame)


def _show_errors(values: list[list[Any]], errors: dict[tuple[int, int], str]) -> None:
    """Put each error cell's text (#N/A ...) back where the parser left it blank."""
    for (row, column), text in errors.items():
        if row <= len(values) and column <= len(values[row - 1]) and text in EXCEL_ERRORS:
            values[row - 1][column - 1] = text


def excel_errors(raw: RawTable) -> list[Problem]:
    """Cells holding an Excel error (#N/A ...): said as such, not as 'empty' or 'not a number'."""
    problems = []
    for column in raw.frame.columns:
        if column == ROW:
            continue
        values = raw.frame[column]
        hit = values.isin(EXCEL_ERRORS)
        for row, value in zip(
            raw.frame.loc[hit, ROW].tolist()[:20], values[hit].tolist()[:20], strict=True
        ):
            problems.append(
                Problem(
                    raw.file,
                    int(row),
                    str(column),
                    f"the cell shows the Excel error {value}: fix the formula or type the value",
                )
            )
        raw.frame.loc[hit, column] = None
    return problems


def read_workbook_bytes(
    data: bytes, label: str, mapping: Mapping | None = None, limits: ReadCaps | None = None
) -> tuple[dict[str, RawTable], list[Problem]]:
    """Every sheet named after a contract table (or an alias, or as mapped) becomes that table."""
    mapping = mapping or Mapping()
    limits = limits or caps()
    names = table_lookup()

    def table_of(title: str) -> str | None:
        key = normalise_header(title)
        return mapping.tables.get(key) or names.get(key)

    scans, problems = _check_workbook(data, label, lambda t: table_of(t) is not None, limits)
    refused = {p.file for p in problems}
    if any(p.file == label for p in problems):
        return {}, problems
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = [(m.name, str(m.visible).rsplit(".", 1)[-1].lower()) for m in book.sheets_metadata]
    except Exception as exc:  # noqa: BLE001 (calamine raises its own kinds)
        return {}, [Problem(label, None, None, f"cannot be opened as an Excel workbook ({exc})")]
    tables: dict[str, RawTable] = {}
    for title, visible in sheets:
        table = table_of(title)
        sheet_label = f"{label}[{title}]"
        if table is None:
            problems.append(not_a_table(sheet_label, "sheet ignored", "warning"))
            continue
        if sheet_label in refused:
            continue
        if table in tables:
            problems.append(
                Problem(
                    sheet_label,
                    None,
                    None,
                    f"a second sheet for the {table} table; only the first is used",
                )
            )
            continue
        if visible != "visible":
            problems.append(
                Problem(
                    sheet_label,
                    None,
                    None,
                    "this sheet is hidden in the workbook; it was read anyway",
                    "warning",
                )
            )
        scan = scans.get(title)
        for cells in scan.merged if scan else []:
            problems.append(
                Problem(
                    sheet_label,
                    None,
                    None,
                    f"cells {cells} are merged: unmerge them and give each row its own value",
                )
            )
        if scan is None:
            problems.append(
                Problem(sheet_label, None, None, "this sheet cannot be checked, so it was not read")
            )
            continue
        try:
            values = book.get_sheet_by_name(title).to_python(skip_empty_area=False)
        except Exception as exc:  # noqa: BLE001
            problems.append(Problem(sheet_label, None, None, f"cannot be read ({exc})"))
            continue
        _show_errors(values, scan.errors)
        read = _sheet_rows(values, sheet_label, limits)
        if isinstance(read, Problem):
            problems.append(read)
            continue
        read.name = table
        problems.extend(excel_errors(read))
        tables[table] = read
    return tables, problems


__all__ = [
    "NOT_A_TABLE",
    "cell_text",
    "excel_errors",
    "not_a_table",
    "read_workbook_bytes",
    "unique_headers",
]
