"""People by name: a student's `name` from the columns a file gives, and labels for display.

A students file may give a full name, a preferred name, or separate first and last names. The
contract's `name` column is filled from the best of them: a preferred name where given, else a
full name, else first name + last name. Wherever a person appears, `person_label` shows the
name with the id ("Asha Patel (2400045)"); a cohort without names shows the ids as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from workbench.cohort.contract import (
    FIRST_NAME_HEADERS,
    LAST_NAME_HEADERS,
    NAME_ALIASES,
    normalise_header,
)

# Most preferred first: what a student asked to be called beats the registry's full name.
_NAME_PRIORITY = ("preferred name", "known as", "display name", "name", "full name", "fullname")


def _name_headers(columns: Iterable[object]) -> tuple[list[object], list[object], list[object]]:
    """(name-like headers by priority, first-name headers, last-name headers)."""
    named: dict[str, object] = {}
    firsts: list[object] = []
    lasts: list[object] = []
    name_keys = {normalise_header(a) for a in ("name", *NAME_ALIASES)}
    for header in columns:
        if not isinstance(header, str):
            continue
        key = normalise_header(header)
        if key in name_keys:
            named.setdefault(key, header)
        elif key in {normalise_header(h) for h in FIRST_NAME_HEADERS}:
            firsts.append(header)
        elif key in {normalise_header(h) for h in LAST_NAME_HEADERS}:
            lasts.append(header)
    order = [normalise_header(k) for k in _NAME_PRIORITY]
    ranked = sorted(named, key=lambda k: order.index(k) if k in order else len(order))
    return [named[k] for k in ranked], firsts, lasts


def _text(values: pd.Series) -> pd.Series:
    """Stripped text, None for an empty or missing cell."""
    cells = [str(v).strip() if isinstance(v, str) or not pd.isna(v) else "" for v in values]
    return pd.Series([c or None for c in cells], index=values.index, dtype=object)


def _first_given(current: pd.Series, fallback: pd.Series) -> pd.Series:
    cells = [c if c is not None else f for c, f in zip(current, fallback, strict=True)]
    return pd.Series(cells, index=current.index, dtype=object)


def combine_name_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """One `name` column from a students frame's name-like columns (raw headers, any spelling).

    Nothing changes when the frame has at most one name-like column and no first/last pair.
    Otherwise the name-like columns are folded into one (preferred name first, then full name,
    then first + last) so they never clash as "two columns give name".
    """
    named, firsts, lasts = _name_headers(frame.columns)
    parts = bool(firsts and lasts)
    if len(named) <= 1 and not parts:
        return frame
    combined = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    for header in named:
        combined = _first_given(combined, _text(frame[header]))
    if parts:
        first, last = _text(frame[firsts[0]]), _text(frame[lasts[0]])
        both = pd.Series(
            [" ".join(p for p in (f, s) if p) or None for f, s in zip(first, last, strict=True)],
            index=frame.index,
            dtype=object,
        )
        combined = _first_given(combined, both)
    out = frame.drop(columns=named)
    out["name"] = combined
    return out


def name_lookup(students: pd.DataFrame) -> dict[str, str]:
    """student_id -> name for the students that have one (empty when the cohort has no names)."""
    if "name" not in students.columns or "student_id" not in students.columns:
        return {}
    given = students[students["name"].notna()]
    return {str(i): str(n) for i, n in zip(given["student_id"], given["name"], strict=True) if n}


def person_label(student_id: object, names: Mapping[str, str]) -> str:
    """ "Asha Patel (2400045)" when the name is known, else the id as text."""
    sid = "" if student_id is None else str(student_id)
    name = names.get(sid)
    return f"{name} ({sid})" if name else sid


def with_names(
    table: pd.DataFrame, names: Mapping[str, str], columns: Mapping[str, str], at_end: bool = False
) -> pd.DataFrame:
    """A copy of ``table`` with a name column after each id column that has names.

    ``columns`` maps an id column to the header of its name column, e.g.
    ``{"mentee_id": "mentee"}``. Without names (an empty ``names``) the table is unchanged.
    ``at_end`` puts the name columns last (files read back by column, e.g. the CLI's CSVs).
    """
    if not names:
        return table
    out = table.copy()
    for id_col, name_col in columns.items():
        if id_col not in out.columns or name_col in out.columns:
            continue
        position = len(out.columns) - 1 if at_end else list(out.columns).index(id_col)
        values = [names.get(str(v)) if v is not None else None for v in out[id_col]]
        out.insert(position + 1, name_col, pd.Series(values, index=out.index, dtype=object))
    return out


# Id columns of plan tables and the header of the name column shown after each.
PERSON_COLUMNS = {
    "mentee_id": "mentee",
    "mentor_id": "mentor",
    "leader_id": "leader",
    "student_id": "name",
}


def named(
    table: pd.DataFrame | None, students: pd.DataFrame | None, at_end: bool = False
) -> pd.DataFrame | None:
    """A plan table with each person's name after their id (unchanged without names);
    ``at_end`` puts the names last instead."""
    if table is None or students is None:
        return table
    return with_names(table, name_lookup(students), PERSON_COLUMNS, at_end)
