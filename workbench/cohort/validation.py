"""Check raw tables against the data contract and build a :class:`~workbench.cohort.domain.Cohort`.

Every problem is collected, never only the first. Each is reported as
``file:row: column: message``, where ``row`` is the row as a spreadsheet shows it (the header is
row 1, the first data row is row 2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from workbench.cohort.columns import (
    check_column,
    parse_date,
    parse_day,
    parse_level,
    parse_time,
    table_mark,
)
from workbench.cohort.contract import (
    BOOL,
    CONTRACT,
    DAY,
    FRACTION,
    ID,
    INT,
    LEVEL,
    NUMBER,
    TEXT,
    TIME,
    TableSpec,
    header_lookup,
    normalise_header,
)
from workbench.cohort.domain import LEVEL_RANK, TABLES, Cohort
from workbench.cohort.names import combine_name_columns
from workbench.cohort.raw import (
    MAX_PER_COLUMN,
    ROW,
    Mapping,
    Problem,
    RawTable,
    ValidationReport,
    ValidationResult,
    _Collector,
    _quote,
)

_check_column = check_column  # the name tests and older callers use


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
    bad_any |= _one_of_missing(raw, frame, table, spec, bad_any, out)
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


def _one_of_missing(
    raw: RawTable,
    frame: pd.DataFrame,
    table: pd.DataFrame,
    spec: TableSpec,
    bad: pd.Series,
    out: _Collector,
) -> pd.Series:
    """Rows that give none of the columns of which one is needed (a training row with neither a
    date nor a term week), read from the cells as written (a whole-number column keeps an empty
    cell as 0); a row already reported for one of those values is not told twice."""
    if not spec.one_of:
        return pd.Series(False, index=table.index)
    names = [name for name, _ in spec.one_of]
    words = [word for _, word in spec.one_of]
    missing = ~bad
    for name in (n for n in names if n in frame.columns):
        missing &= _clean_strings(frame[name]).isna()
    given = (
        f"neither {words[0]} nor {words[1]}" if len(words) == 2 else "none of " + ", ".join(words)
    )
    message = f"gives {given}: one is needed"
    out.add_rows(raw, table.loc[missing, ROW], names[0], message, "one of")
    return missing


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


def missing_tables(cohort: Cohort, scheme: str, needs: Sequence[str]) -> list[Problem]:
    """The tables a scheme needs (``needs``: its registry entry's ``needs_tables``) that the
    cohort lacks or has no rows in, in the coordinator's words."""
    problems = []
    for name in needs:
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
    "MAX_PER_COLUMN",
    "ROW",
    "check_column",
    "parse_date",
    "table_mark",
    "Mapping",
    "Problem",
    "RawTable",
    "ValidationReport",
    "ValidationResult",
    "empty_table",
    "parse_day",
    "parse_level",
    "parse_time",
    "missing_tables",
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
