"""Tables written for spreadsheets (CSV and Excel) with every formula made inert.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some,
a tab or carriage return) as a formula, so a student or module name such as ``=HYPERLINK(...)``
could act when a colleague opens the export. Every text cell that starts so gets a leading
apostrophe (:func:`neutralise`); numbers stay numbers.

Every layer that writes a table a coordinator opens uses this (the message drafts'
mail-merge CSV, the plan exports, the CLI), so it sits below them all and imports no other
module of the project.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def neutralise(value: Any) -> Any:
    """A text value that a spreadsheet would run as a formula, made inert (numbers untouched)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _text(value: Any) -> Any:
    if isinstance(value, (tuple, list, set, frozenset)):
        return ";".join(str(v) for v in value)
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with list cells joined and every text cell neutralised; numeric columns as they
    are. Column names are neutralised too."""
    out = frame.copy()
    if any(n is not None for n in out.index.names) and not isinstance(out.index, pd.RangeIndex):
        out = out.reset_index()
    for col in out.columns:
        series = out[col]
        if pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
            continue
        out[col] = series.astype(object).map(lambda v: neutralise(_text(v))).astype(object)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """A table as CSV (UTF-8 with a byte-order mark so Excel reads accents), formulas inert.

    Every text cell is quoted (numbers are not): a spreadsheet that splits on ``;`` or a tab
    (as a European-locale Excel does) keeps ``Law;=2+5*7`` as one inert cell instead of
    splitting it into a live formula after the delimiter.
    """
    return (
        safe_frame(frame)
        .to_csv(index=False, lineterminator="\r\n", quoting=csv.QUOTE_NONNUMERIC)
        .encode("utf-8-sig")
    )


def sheet_name(name: str, taken: set[str]) -> str:
    """A valid, unique Excel sheet name (31 characters, no []:*?/\\)."""
    base = _SHEET_BAD.sub(" ", str(name)).strip().strip("'") or "Sheet"
    base = base[:31]
    candidate, k = base, 1
    while candidate.lower() in {t.lower() for t in taken}:
        k += 1
        suffix = f" ({k})"
        candidate = base[: 31 - len(suffix)] + suffix
    taken.add(candidate)
    return candidate


def _excel_cell(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    if isinstance(value, str):
        return neutralise(_ILLEGAL_XML.sub("", value))
    if isinstance(value, (int, float, bool, dt.datetime, dt.date, dt.time)):
        return value
    return neutralise(str(_text(value)))


def to_excel_bytes(tables: Mapping[str, pd.DataFrame] | pd.DataFrame) -> bytes:
    """One sheet per table (or a single table) as ``.xlsx`` bytes, formulas inert.

    Cells are written as values (never formulas): numbers as numbers, text neutralised.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    if isinstance(tables, pd.DataFrame):
        tables = {"Table": tables}
    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    for name, frame in tables.items():
        sheet = book.create_sheet(sheet_name(name, taken))
        frame = safe_frame(frame)
        headers = [str(c) for c in frame.columns]
        sheet.append(headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in frame.itertuples(index=False, name=None):
            sheet.append([_excel_cell(v) for v in row])
        for cell_row in sheet.iter_rows(min_row=2):
            for cell in cell_row:
                if cell.data_type == "f":  # belt and braces: never a formula
                    cell.value = "'" + str(cell.value)
                    cell.data_type = "s"
        for i, header in enumerate(headers, start=1):
            sample = [len(header)] + [len(str(v)) for v in frame.iloc[:200, i - 1].tolist()]
            sheet.column_dimensions[get_column_letter(i)].width = min(60, max(8, max(sample) + 2))
        sheet.freeze_panes = "A2"
    if not tables:
        book.create_sheet("Empty")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
