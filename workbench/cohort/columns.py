"""Each column kind read from text cells: levels, days, times, dates, yes/no, lists, numbers.

:func:`check_column` parses one column of a raw table by its contract kind and reports every
cell it cannot read by file, row and column; numbers go through
:func:`workbench.cohort.numbers.parse_number` with the table's decimal mark (:func:`table_mark`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from workbench.cohort.contract import (
    BOOL,
    DATE,
    DAY,
    FRACTION,
    ID,
    INT,
    LEVEL,
    LIST,
    NUMBER,
    TEXT,
    TIME,
    Column,
    TableSpec,
)
from workbench.cohort.domain import DAY_NAMES, LEVELS
from workbench.cohort.numbers import (
    COMMA,
    NOT_A_NUMBER,
    POINT,
    UNKNOWN,
    decimal_mark,
    parse_number,
)
from workbench.cohort.raw import ROW, Mapping, RawTable, _Collector, _quote

# ---------------------------------------------------------------------------------- values

_LEVEL_WORDS = {
    "first": 1,
    "one": 1,
    "second": 2,
    "two": 2,
    "third": 3,
    "three": 3,
    "fourth": 4,
    "four": 4,
    "fifth": 5,
    "five": 5,
    "sixth": 6,
    "six": 6,
}
_LEVEL_PG = {
    "pgt": "PGT",
    "masters": "PGT",
    "master": "PGT",
    "msc": "PGT",
    "ma": "PGT",
    "mres": "PGT",
    "postgraduate taught": "PGT",
    "pg taught": "PGT",
    "pgr": "PGR",
    "phd": "PGR",
    "doctoral": "PGR",
    "postgraduate research": "PGR",
    "pg research": "PGR",
    "research": "PGR",
}


def parse_level(text: str) -> str | None:
    """``UG1``.., ``PGT``, ``PGR`` from common spellings ("Year 2", "y2", "2", "PhD")."""
    t = re.sub(r"[\s_\-]+", " ", str(text).strip().lower())
    if t in _LEVEL_PG:
        return _LEVEL_PG[t]
    m = re.fullmatch(r"(?:ug|undergraduate|year|yr|y|stage|ug year)? ?([1-6])", t)
    if m:
        return f"UG{m.group(1)}"
    m = re.fullmatch(
        r"(first|second|third|fourth|fifth|sixth|one|two|three|four|five|six)"
        r"(?: year)?",
        t,
    )
    if m:
        return f"UG{_LEVEL_WORDS[m.group(1)]}"
    m = re.fullmatch(r"year (one|two|three|four|five|six)", t)
    if m:
        return f"UG{_LEVEL_WORDS[m.group(1)]}"
    return None


def parse_day(text: str) -> int | None:
    """0 (Mon) .. 6 (Sun) from ``Mon``, ``monday``, ``Tues``, ``THURS``."""
    t = str(text).strip().lower().rstrip(".")
    if len(t) < 2:
        return None
    for i, name in enumerate(DAY_NAMES):
        full = name.lower()
        if t == full or (len(t) >= 3 and full.startswith(t)):
            return i
    return {"tu": 1, "th": 3, "su": 6, "sa": 5, "mo": 0, "we": 2, "fr": 4}.get(t)


_TIME = re.compile(r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?")  # ASCII digits only


def parse_date(text: str) -> dt.date | None:
    """A date written YYYY-MM-DD (ISO 8601, as spreadsheets export it), or None."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    if len(text) >= 10 and text[10:].strip(" T0:") == "":  # "2026-09-28 00:00:00" from a sheet
        text = text[:10]
    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def parse_time(text: str) -> int | None:
    """Minutes after midnight from 24-hour ``HH:MM`` (``HH:MM:00`` from exports too)."""
    m = _TIME.fullmatch(str(text).strip())
    if not m:
        return None
    hours, minutes, seconds = int(m.group(1)), int(m.group(2)), m.group(3)
    if seconds not in (None, "00") or minutes > 59 or hours > 24 or (hours == 24 and minutes):
        return None
    return hours * 60 + minutes


_TRUE = {"yes", "y", "true", "t", "1", "1.0"}
_FALSE = {"no", "n", "false", "f", "0", "0.0"}


def _cached_parse(series: pd.Series, parse) -> pd.Series:
    """Apply ``parse`` once per distinct value (columns repeat a few values many times)."""
    uniques = pd.unique(series.dropna())
    table = {u: parse(u) for u in uniques}
    return series.map(table)


@dataclass
class _ColumnCheck:
    """One column being checked: where it came from, its cells and where problems go."""

    raw: RawTable
    frame: pd.DataFrame
    column: Column
    cells: pd.Series  # stripped text or None, after the mapping's value translations
    out: _Collector
    mark: str = POINT  # the file's decimal mark

    @property
    def present(self) -> pd.Series:
        return self.cells.notna()

    def report(self, wrong: pd.Series, message: Callable[[str], str], kind: str) -> pd.Series:
        """One problem per wrong row (the message from the cell's text); returns ``wrong``."""
        self.out.add_rows(
            self.raw,
            self.frame.loc[wrong, ROW],
            self.column.name,
            self.cells[wrong].map(message),
            kind,
        )
        return wrong


def _absent_column(col: Column, index: pd.Index) -> pd.Series:
    """The values of a column the file does not have: its default, or empty."""
    if col.kind == LIST:
        return pd.Series([()] * len(index), index=index, dtype=object)
    if col.default is not None:
        return pd.Series(col.default, index=index)
    dtype = (
        "boolean" if col.kind == BOOL else ("float64" if col.kind in (FRACTION, NUMBER) else object)
    )
    return pd.Series(None, index=index, dtype=dtype)


def _as_text(check: _ColumnCheck) -> tuple[pd.Series, pd.Series]:
    return check.cells, pd.Series(False, index=check.cells.index)


def _as_list(check: _ColumnCheck) -> tuple[pd.Series, pd.Series]:
    values = _cached_parse(
        check.cells, lambda v: tuple(sorted({p.strip().lower() for p in v.split(";") if p.strip()}))
    )
    values = values.map(lambda v: v if isinstance(v, tuple) else ())
    return values, pd.Series(False, index=check.cells.index)


def _coded(parse: Callable[[str], Any], what: str, kind: str):
    """A checker for a kind read by ``parse`` (None: not understood, said as ``what``)."""

    def check_coded(check: _ColumnCheck) -> tuple[pd.Series, pd.Series]:
        values = _cached_parse(check.cells, parse)
        wrong = check.present & values.isna()
        return values, check.report(wrong, lambda v: f"{_quote(v)} {what}", kind)

    return check_coded


def _as_bool(check: _ColumnCheck) -> tuple[pd.Series, pd.Series]:
    lowered = check.cells.map(lambda v: v.lower() if isinstance(v, str) else None)
    values = pd.Series(pd.NA, index=check.cells.index, dtype="boolean")
    values[lowered.isin(_TRUE)] = True
    values[lowered.isin(_FALSE)] = False
    wrong = check.present & ~lowered.isin(_TRUE | _FALSE)
    return values, check.report(wrong, lambda v: f"{_quote(v)} is not yes or no", "not yes/no")


def _as_number(check: _ColumnCheck) -> tuple[pd.Series, pd.Series]:
    """FRACTION, NUMBER and INT cells, read by :func:`workbench.cohort.numbers.parse_number`."""
    col = check.column
    parsed = _cached_parse(check.cells, lambda v: parse_number(v, check.mark))
    reason = parsed.map(lambda v: v if isinstance(v, str) else None)
    number = pd.to_numeric(parsed.where(reason.isna()), errors="coerce").astype("float64")
    why = dict(zip(check.cells[reason.notna()], reason[reason.notna()], strict=True))
    if col.kind == INT:
        why = {v: "is not a whole number" if w == NOT_A_NUMBER else w for v, w in why.items()}
    bad = check.report(
        check.present & reason.notna(), lambda v: f"{_quote(v)} {why[v]}", "not a number"
    )
    ok = check.present & number.notna()
    if col.kind == INT:
        fractional = ok & (number != np.floor(number.fillna(0)))
        read_as = dict(zip(check.cells[fractional], number[fractional], strict=True))
        bad |= check.report(
            fractional,
            lambda v: (
                f"{_quote(v)} is not a whole number"
                + (f" (read as {read_as[v]:g}: {_MARK_WORDS[check.mark]})" if "," in v else "")
            ),
            "not whole",
        )
        ok &= ~fractional
    outside = ok & ((number < _bound(col.low, -np.inf)) | (number > _bound(col.high, np.inf)))
    rng = (
        f"from {int(col.low)} to {int(col.high)}"
        if col.kind == INT
        else f"between {_bound(col.low, -np.inf):g} and {_bound(col.high, np.inf):g}"
    )
    bad |= check.report(
        outside, lambda v: f"{_quote(v)} is out of range (must be {rng})", "out of range"
    )
    if col.kind == INT:
        fill = col.default if col.default is not None else 0
        return number.where(ok & ~outside, fill).fillna(fill).astype("int64"), bad
    return number.where(ok & ~outside).astype("float64"), bad


_MARK_WORDS = {
    POINT: "this file writes decimals with a point",
    COMMA: "this file writes decimals with a comma",
    UNKNOWN: "a comma read as a decimal mark",
}


def _bound(value: float | None, default: float) -> float:
    return default if value is None else value


_CHECKERS: dict[str, Callable[[_ColumnCheck], tuple[pd.Series, pd.Series]]] = {
    ID: _as_text,
    TEXT: _as_text,
    LIST: _as_list,
    LEVEL: _coded(parse_level, f"is not a level (use one of {', '.join(LEVELS)})", "not a level"),
    DAY: _coded(parse_day, "is not a day (use Mon..Sun)", "not a day"),
    TIME: _coded(parse_time, "is not a 24-hour time HH:MM", "not a time"),
    DATE: _coded(parse_date, "is not a date written YYYY-MM-DD", "not a date"),
    BOOL: _as_bool,
    FRACTION: _as_number,
    NUMBER: _as_number,
    INT: _as_number,
}
_NUMBER_KINDS = (FRACTION, NUMBER, INT)


def _translated(cells: pd.Series, value_map: dict[str, str] | None) -> pd.Series:
    if not value_map:
        return cells
    return cells.map(lambda v: value_map.get(v.lower(), v) if isinstance(v, str) else v)


def table_mark(raw: RawTable, frame: pd.DataFrame, spec: TableSpec) -> str:
    """The table's decimal mark, from its number columns and its delimiter: a file with ``,``
    between values (or a workbook) writes decimals with a point unless its numbers show a comma."""
    cells: list[Any] = []
    for col in spec.columns_list:
        if col.kind in _NUMBER_KINDS and col.name in frame.columns:
            cells.extend(pd.unique(frame[col.name].dropna()))
    return decimal_mark(cells, POINT if raw.delimiter in ("", ",") else UNKNOWN)


def check_column(
    raw: RawTable,
    frame: pd.DataFrame,
    spec: TableSpec,
    col_name: str,
    mapping: Mapping,
    out: _Collector,
    mark: str = POINT,
) -> tuple[pd.Series, pd.Series]:
    """Parse one column; return (values, bad-row mask)."""
    col = spec.columns[col_name]
    if col_name not in frame.columns:
        return _absent_column(col, frame.index), pd.Series(False, frame.index)
    cells = _translated(frame[col_name], mapping.values.get(spec.name, {}).get(col_name))
    check = _ColumnCheck(raw, frame, col, cells, out, mark)
    missing = cells.isna() if col.required else pd.Series(False, frame.index)
    if missing.any():
        out.add_rows(raw, frame.loc[missing, ROW], col_name, f"{col_name} is empty", "is empty")
    values, wrong = _CHECKERS[col.kind](check)
    return values, missing | wrong
