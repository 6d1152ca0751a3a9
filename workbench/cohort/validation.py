"""Check raw tables against the data contract and build a :class:`~workbench.cohort.domain.Cohort`.

Every problem is collected, never only the first. Each is reported as
``file:row: column: message``, where ``row`` is the row as a spreadsheet shows it (the header is
row 1, the first data row is row 2).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from workbench.cohort.contract import (
    BOOL,
    CONTRACT,
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
    header_lookup,
    normalise_header,
)
from workbench.cohort.domain import DAY_NAMES, LEVEL_RANK, LEVELS, TABLES, Cohort
from workbench.cohort.names import combine_name_columns
from workbench.cohort.numbers import (
    COMMA,
    NOT_A_NUMBER,
    POINT,
    UNKNOWN,
    decimal_mark,
    parse_number,
)

ROW = "__row__"  # column of raw frames holding the spreadsheet row number
MAX_PER_COLUMN = 50  # problems listed per file and column before they are summarised


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the coordinator's data, located by file, row and column."""

    file: str
    row: int | None
    column: str | None
    message: str
    severity: str = "error"  # "error" stops the cohort loading; "warning" does not

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file}:{self.row}"
        column = f" {self.column}:" if self.column else ""
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{where}:{column} {prefix}{self.message}"


@dataclass
class ValidationReport:
    """All problems found, in file order."""

    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts_by_file(self) -> dict[str, int]:
        """Errors per file, for the summary line."""
        return dict(Counter(p.file for p in self.errors))

    def format_text(self) -> str:
        """The report as the command line prints it."""
        lines = [str(p) for p in self.problems]
        counts = self.counts_by_file()
        if counts:
            total = sum(counts.values())
            per_file = ", ".join(f"{f}: {n}" for f, n in counts.items())
            lines.append(f"{total} problem{'s' if total != 1 else ''} ({per_file}).")
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """The problems as a table (file, row, column, severity, message)."""
        return pd.DataFrame(
            [(p.file, p.row, p.column, p.severity, p.message) for p in self.problems],
            columns=["file", "row", "column", "severity", "message"],
        )


@dataclass
class ValidationResult:
    cohort: Cohort | None
    report: ValidationReport


@dataclass
class Mapping:
    """How a coordinator's export maps onto the contract.

    ``tables``: file or sheet name -> table; ``columns``: table -> {their header: contract column};
    ``values``: table -> column -> {their value: contract value}.
    """

    tables: dict[str, str] = field(default_factory=dict)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    values: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Mapping:
        """A mapping from a file's data; ValueError names the section with the wrong shape."""
        if not isinstance(data, dict):
            raise ValueError("a mapping must be an object with 'tables', 'columns' and 'values'")
        unknown = set(map(str, data)) - {"tables", "columns", "values"}
        if unknown:
            raise ValueError(f"unknown mapping section(s): {', '.join(sorted(unknown))}")
        tables = {normalise_header(k): v for k, v in _pairs(data.get("tables"), "tables").items()}
        for target in tables.values():
            if target not in CONTRACT:
                raise ValueError(f"mapping names an unknown table '{target}'")
        columns = {
            t: {normalise_header(k): v for k, v in _pairs(cols, f"columns: {t}").items()}
            for t, cols in _sections(data.get("columns"), "columns").items()
        }
        values = {
            t: {
                c: {k.strip().lower(): v for k, v in _pairs(vals, f"values: {t}: {c}").items()}
                for c, vals in _sections(cols, f"values: {t}").items()
            }
            for t, cols in _sections(data.get("values"), "values").items()
        }
        return cls(tables, columns, values)


_SCALARS = (str, int, float, bool)


def _sections(data: Any, where: str) -> dict[str, Any]:
    """A mapping section of named parts (tables, or columns of a table)."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError(
            f"the mapping's '{where}' must list names with what each holds, not {_shape(data)}"
        )
    return {str(k): v for k, v in data.items()}


def _pairs(data: Any, where: str) -> dict[str, str]:
    """A mapping section of 'theirs: ours' pairs of plain values."""
    pairs = _sections(data, where)
    for key, value in pairs.items():
        if not isinstance(value, _SCALARS):
            raise ValueError(
                f"the mapping's '{where}: {key}' must be a single name or value, not {_shape(value)}"
            )
    return {k: str(v) for k, v in pairs.items()}


def _shape(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a section"
    return f"'{str(value)[:40]}'"


@dataclass
class RawTable:
    """A table as read from a file: strings only, plus where each row came from."""

    name: str
    file: str
    frame: pd.DataFrame  # string cells (or None), with a ROW column
    problems: list[Problem] = field(default_factory=list)
    clean: bool = False  # every cell is already stripped text or None (readers do this)
    delimiter: str = ""  # a CSV file's delimiter ("" for a workbook or a frame)
    headers: dict[str, str] = field(default_factory=dict)  # column -> header as written, when
    # the reader renamed it (a repeated header, or one named like the row column)


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


# -------------------------------------------------------------------------------- validator


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self._per_column: Counter[tuple[str, str | None, str]] = Counter()

    def add(
        self,
        file: str,
        row: int | None,
        column: str | None,
        message: str,
        severity: str = "error",
        kind: str | None = None,
    ) -> None:
        key = (file, column, kind or message)
        self._per_column[key] += 1
        if self._per_column[key] <= MAX_PER_COLUMN:
            self.problems.append(Problem(file, row, column, message, severity))

    def add_rows(
        self,
        table: RawTable,
        rows: pd.Series,
        column: str,
        messages: pd.Series | str,
        kind: str,
        severity: str = "error",
    ) -> None:
        """Report one problem per row in ``rows`` (the ROW values), capped per column."""
        if isinstance(messages, str):
            messages = pd.Series([messages] * len(rows), index=rows.index)
        for row, msg in zip(rows.tolist(), messages.tolist(), strict=True):
            self.add(table.file, int(row), column, msg, severity, kind)

    def finish(self) -> list[Problem]:
        """The problems grouped by file (in the order files were met), then by row."""
        for (file, column, kind), n in self._per_column.items():
            if n > MAX_PER_COLUMN:
                self.problems.append(
                    Problem(
                        file,
                        None,
                        column,
                        f"... and {n - MAX_PER_COLUMN:,} more rows with this problem: {kind}",
                    )
                )
        order = {f: i for i, f in enumerate(dict.fromkeys(p.file for p in self.problems))}
        return sorted(
            self.problems, key=lambda p: (order[p.file], float("inf") if p.row is None else p.row)
        )


def _quote(value: Any) -> str:
    text = str(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"'{text}'"


def _resolve_headers(
    raw: RawTable, spec: TableSpec, mapping: Mapping, out: _Collector
) -> pd.DataFrame | None:
    """Rename the raw headers to contract names; report missing and doubled columns."""
    lookup = header_lookup(spec)
    lookup.update({k: v for k, v in mapping.columns.get(spec.name, {}).items()})
    names: list[str] = []  # by position: a frame may repeat a header
    seen: dict[str, str] = {}
    ok = True
    for header in raw.frame.columns:
        if header == ROW:
            names.append(ROW)
            continue
        written = raw.headers.get(header, str(header))
        target, doubled = _column_target(normalise_header(written), lookup, spec, seen)
        if doubled:
            out.add(
                raw.file,
                1,
                written,
                f"columns '{seen[doubled]}' and '{written}' both give {doubled}; keep one of them",
            )
            ok = False
        seen[target] = written
        names.append(target)
    for col in spec.required:
        if col not in seen:
            aliases = ", ".join(dict.fromkeys([col, *spec.columns[col].aliases]))
            out.add(
                raw.file, 1, col, f"missing required column '{col}' (a header such as: {aliases})"
            )
            ok = False
    if not ok:
        return None
    return raw.frame.set_axis(names, axis=1)


def _column_target(
    key: str, lookup: dict[str, str], spec: TableSpec, seen: dict[str, str]
) -> tuple[str, str | None]:
    """The column name a header becomes, and the contract column it doubles (if it does)."""
    target = lookup.get(key)
    if target is None:
        target = key.replace(" ", "_") or "unnamed"
        if target in spec.columns:  # an unmapped header that spells a contract name
            target = f"{target}_extra"
    if target not in seen:
        return target, None
    doubled = target if target in spec.columns else None
    k = len(seen)
    while f"{target}_{k}" in seen:
        k += 1
    return f"{target}_{k}", doubled


def _none_for_missing(values: pd.Series) -> pd.Series:
    """An object Series whose missing cells are None (not NaN), so tables compare equal."""
    array = values.to_numpy(dtype=object, copy=True)
    array[pd.isna(array)] = None
    return pd.Series(array, index=values.index, dtype=object)


def _clean_strings(values: pd.Series) -> pd.Series:
    """Cells as stripped text; empty and missing cells become None (vectorised)."""
    text = values.astype(object)
    is_str = text.map(type).eq(str) if len(text) else text.astype(bool)
    if not is_str.all():
        text = text.where(text.isna() | is_str, text.astype(str))
    stripped = text.str.strip()
    return _none_for_missing(stripped.where(stripped.str.len() > 0))


def _normalise_strings(frame: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for col in frame.columns:
        if col == ROW:
            out[col] = frame[col].astype("int64")
            continue
        out[col] = _clean_strings(frame[col])
    return pd.DataFrame(out, index=frame.index)


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


def _check_column(
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


def _check_table(
    raw: RawTable, spec: TableSpec, mapping: Mapping, out: _Collector
) -> tuple[pd.DataFrame, pd.Series] | None:
    """The parsed table and a mask of its rows that broke a rule (None: unusable headers)."""
    if spec.name == "students":  # first + last name, preferred name ... -> one `name`
        raw = replace(raw, frame=combine_name_columns(raw.frame))  # keeps how it was read
    frame = _resolve_headers(raw, spec, mapping, out)
    if frame is None:
        return None
    if not raw.clean:
        frame = _normalise_strings(frame)
    result = {ROW: frame[ROW]}
    bad_any = pd.Series(False, index=frame.index)
    mark = table_mark(raw, frame, spec)
    for col_name in spec.columns:
        values, bad = _check_column(raw, frame, spec, col_name, mapping, out, mark)
        result[col_name] = values
        bad_any |= bad
    for extra in frame.columns:
        if extra not in spec.columns and extra != ROW:
            result[extra] = frame[extra]
    table = pd.DataFrame(result, index=frame.index)

    if {"start", "end"} <= set(spec.columns):
        ok = table["start"].notna() & table["end"].notna()
        backwards = ok & (table["end"].fillna(0) <= table["start"].fillna(0))
        out.add_rows(
            raw,
            table.loc[backwards, ROW],
            "end",
            table[backwards].apply(
                lambda r: f"ends before or when it starts ({_fmt(r['start'])}-{_fmt(r['end'])})",
                axis=1,
            )
            if backwards.any()
            else "",
            "ends before it starts",
        )
        bad_any |= backwards
    if spec.name == "avoid":
        same = table["student_id_a"].notna() & (table["student_id_a"] == table["student_id_b"])
        out.add_rows(
            raw,
            table.loc[same, ROW],
            "student_id_b",
            "a student cannot be on their own avoid list",
            "self avoid",
        )
        bad_any |= same
    if spec.name == "preferences":
        same = table["student_id"].notna() & (table["student_id"] == table["prefers_id"])
        out.add_rows(
            raw, table.loc[same, ROW], "prefers_id", "a student cannot rank themself", "self rank"
        )
        bad_any |= same
    if spec.unique:
        keys = list(spec.unique)
        if spec.name == "avoid":  # an unordered pair
            a, b = table["student_id_a"], table["student_id_b"]
            key_frame = pd.DataFrame({"x": np.where(a < b, a, b), "y": np.where(a < b, b, a)})
            keys_df = key_frame.set_axis(table.index)
        else:
            keys_df = table[keys]
        complete = keys_df.notna().all(axis=1)
        dup = complete & keys_df.duplicated(keep="first")
        if dup.any():
            first_rows = table.loc[complete].assign(_k=list(map(tuple, keys_df[complete].values)))
            first_row = first_rows.drop_duplicates("_k").set_index("_k")[ROW]
            label = " and ".join(keys)
            msgs = [
                f"duplicate {label} {_quote(', '.join(map(str, k)))} "
                f"(first given at row {first_row[k]})"
                for k in map(tuple, keys_df[dup].values)
            ]
            out.add_rows(
                raw,
                table.loc[dup, ROW],
                keys[0],
                pd.Series(msgs, index=table.index[dup]),
                "duplicate",
            )
            bad_any |= dup
    return table, bad_any


def _fmt(minutes: Any) -> str:
    return f"{int(minutes) // 60:02d}:{int(minutes) % 60:02d}"


def empty_table(name: str) -> pd.DataFrame:
    """An empty normalised table with the contract's columns."""
    spec = CONTRACT[name]
    cols = {}
    for col in spec.columns_list:
        if col.kind in (INT, DAY, TIME):
            cols[col.name] = pd.Series([], dtype="int64")
        elif col.kind in (FRACTION, NUMBER):
            cols[col.name] = pd.Series([], dtype="float64")
        elif col.kind == BOOL:
            cols[col.name] = pd.Series([], dtype="boolean")
        else:
            cols[col.name] = pd.Series([], dtype=object)
    return pd.DataFrame(cols)


def _finalise(name: str, table: pd.DataFrame) -> pd.DataFrame:
    spec = CONTRACT[name]
    table = table.drop(columns=[ROW]).reset_index(drop=True)
    for col in spec.columns_list:
        if col.kind in (DAY, TIME):  # an optional day or time may be blank: nullable Int64
            complete = col.required or table[col.name].notna().all()
            table[col.name] = table[col.name].astype("int64" if complete else "Int64")
        elif col.kind in (ID, TEXT, LEVEL):
            table[col.name] = _none_for_missing(table[col.name])
    for extra in table.columns:
        if extra not in spec.columns:
            table[extra] = _none_for_missing(table[extra])
    return table


def _as_raw_tables(
    raw_tables: dict[str, pd.DataFrame | RawTable], out: _Collector
) -> dict[str, RawTable]:
    """Every table as a RawTable (a plain DataFrame is ``<name>.csv`` with rows from 2)."""
    raws: dict[str, RawTable] = {}
    for name, value in raw_tables.items():
        if isinstance(value, RawTable):
            raws[name] = value
            out.problems.extend(value.problems)
        else:
            frame = value.copy()
            if ROW not in frame.columns:
                frame[ROW] = np.arange(2, len(frame) + 2)
            raws[name] = RawTable(name, f"{name}.csv", frame)
    if "students" not in raws:
        out.add(
            "students",
            None,
            None,
            "the cohort has no students table (a students.csv file or a 'students' sheet)",
        )
    return raws


def _unreadable(raw: RawTable) -> bool:
    """A table its reader could not read at all (its reading problem says why)."""
    return list(raw.frame.columns) == [ROW] and any(p.severity == "error" for p in raw.problems)


def _check_each_table(
    raws: dict[str, RawTable], mapping: Mapping, out: _Collector
) -> tuple[dict[str, pd.DataFrame], dict[str, pd.Series], bool]:
    """Each table parsed on its own: (tables, rows that broke a rule, whether any is unusable)."""
    checked: dict[str, pd.DataFrame] = {}
    bad_rows: dict[str, pd.Series] = {}
    blocked = False
    for name in (n for n in TABLES if n in raws):
        parsed = (
            None
            if _unreadable(raws[name])
            else _check_table(raws[name], CONTRACT[name], mapping, out)
        )
        if parsed is None:
            blocked = True
        else:
            checked[name], bad_rows[name] = parsed
    if "students" in checked and len(checked["students"]) == 0:
        out.add(raws["students"].file, None, None, "the students table has no rows")
    return checked, bad_rows, blocked


def _unknown_references(
    name: str, checked: dict[str, pd.DataFrame], raws: dict[str, RawTable], out: _Collector
) -> pd.Series:
    """Rows of one table that refer to something another table does not have (reported)."""
    table, raw = checked[name], raws[name]
    unknown_any = pd.Series(False, index=table.index)
    for column, target, target_col in CONTRACT[name].references:
        if target not in checked:
            if target not in raws and len(table) and target != "modules":
                # module codes may stand alone when no modules table is given
                out.add(
                    raw.file,
                    None,
                    column,
                    f"refers to the {target} table, which the cohort does not have",
                )
            continue  # otherwise the target table has its own problems reported
        known = set(checked[target][target_col].dropna())
        unknown = table[column].notna() & ~table[column].isin(known)
        file_of_target = raws[target].file
        out.add_rows(
            raw,
            table.loc[unknown, ROW],
            column,
            table.loc[unknown, column].map(
                lambda v, t=file_of_target: f"{_quote(v)} is not in {t}"
            ),
            "unknown reference",
        )
        unknown_any |= unknown
    return unknown_any


def validate_tables(
    raw_tables: dict[str, pd.DataFrame | RawTable],
    mapping: Mapping | None = None,
    read_problems: list[Problem] | None = None,
) -> ValidationResult:
    """Check every table against the contract and the references between tables.

    ``raw_tables`` maps a table name to a :class:`RawTable` or a plain DataFrame of strings
    (a DataFrame is labelled ``<name>.csv`` with rows numbered from 2).
    """
    mapping = mapping or Mapping()
    out = _Collector()
    out.problems.extend(read_problems or [])
    raws = _as_raw_tables(raw_tables, out)
    checked, bad_rows, blocked = _check_each_table(raws, mapping, out)
    for name in list(checked):
        unknown = _unknown_references(name, checked, raws, out)
        checked[name] = checked[name].loc[~unknown & ~bad_rows[name]]

    problems = out.finish()
    _warn_soft(checked, raws, problems)
    report = ValidationReport(problems)
    if not report.ok or blocked or "students" not in checked:
        if report.ok:  # defensive: never build a cohort that failed a check
            report.problems.append(Problem("cohort", None, None, "the cohort could not be read"))
        return ValidationResult(None, report)

    tables = {
        name: _finalise(name, checked[name]) if name in checked else empty_table(name)
        for name in TABLES
    }
    if "modules" not in raws:
        tables["modules"] = _modules_from_codes(tables)
    cohort = Cohort(**tables, supplied=frozenset(raws))
    return ValidationResult(cohort, report)


def _modules_from_codes(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """When no modules table is given, the module codes used elsewhere stand as modules."""
    codes = sorted(
        set(tables["enrolments"]["module_code"])
        | set(tables["timetable"]["module_code"])
        | set(tables["leaders"]["module_code"])
    )
    frame = empty_table("modules")
    if not codes:
        return frame
    frame = pd.DataFrame(
        {c: pd.Series([None] * len(codes), dtype=frame[c].dtype) for c in frame.columns}
    )
    frame["module_code"] = codes
    return frame


def _warn_soft(
    checked: dict[str, pd.DataFrame], raws: dict[str, RawTable], problems: list[Problem]
) -> None:
    """Things that are allowed but probably not meant; shown as warnings."""
    students = checked.get("students")
    mentors = checked.get("mentors")
    mentees = checked.get("mentees")
    if students is not None and mentors is not None and mentees is not None:
        both = set(mentors["student_id"]) & set(mentees["student_id"])
        if both:
            problems.append(
                Problem(
                    raws["mentors"].file,
                    None,
                    "student_id",
                    f"{len(both)} student(s) are both mentor and mentee (e.g. {sorted(both)[0]})",
                    "warning",
                )
            )
    if students is not None and mentees is not None and mentors is not None and len(mentees):
        by_level = students.set_index("student_id")["level"]
        lows = mentees["student_id"].map(by_level).map(LEVEL_RANK.get)
        highs = mentors["student_id"].map(by_level).map(LEVEL_RANK.get)
        if len(highs) and lows.notna().any() and highs.notna().any() and highs.max() <= lows.min():
            problems.append(
                Problem(
                    raws["mentors"].file,
                    None,
                    "student_id",
                    "no mentor is at a higher level than any mentee",
                    "warning",
                )
            )
    enrol = checked.get("enrolments")
    tt = checked.get("timetable")
    if enrol is not None and tt is not None and len(tt):
        orphan = sorted(set(tt["module_code"]) - set(enrol["module_code"]))
        if orphan:
            problems.append(
                Problem(
                    raws["timetable"].file,
                    None,
                    "module_code",
                    f"{len(orphan)} module(s) have timetabled events but no "
                    f"enrolled students (e.g. {orphan[0]})",
                    "warning",
                )
            )


def scheme_problems(cohort: Cohort, scheme: str) -> list[Problem]:
    """What the chosen scheme needs that the cohort lacks, in the coordinator's words."""
    from workbench.cohort.contract import SCHEME_TABLES

    problems = []
    for name in SCHEME_TABLES.get(scheme, ()):
        if len(cohort.table(name)) == 0:
            problems.append(
                Problem(
                    f"{name}.csv",
                    None,
                    None,
                    f"the {scheme} scheme needs a {name} table with rows; the cohort has none",
                )
            )
    return problems


__all__ = [
    "Mapping",
    "Problem",
    "RawTable",
    "ValidationReport",
    "ValidationResult",
    "empty_table",
    "parse_day",
    "parse_level",
    "parse_time",
    "scheme_problems",
    "validate_tables",
]


def cohort_from_records(**tables: list[dict[str, Any]]) -> Cohort:
    """Validate small hand-written tables (values as a coordinator would type them).

    Raises ``ValueError`` listing every problem when the tables do not validate.
    """
    frames = {
        name: pd.DataFrame(
            [{k: None if v is None else str(v) for k, v in row.items()} for row in rows],
            dtype=object,
        )
        if rows
        else pd.DataFrame()
        for name, rows in tables.items()
    }
    result = validate_tables(frames)
    if result.cohort is None:
        raise ValueError(result.report.format_text())
    return result.cohort
