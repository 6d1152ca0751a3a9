"""Plan tables as a coordinator reads them: people by name with their id, headers in words."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd
import streamlit as st

from workbench.cohort.names import name_lookup, named, person_label
from workbench.review.words import column_words


def with_people(table: pd.DataFrame | None, chosen: Any) -> pd.DataFrame | None:
    """The plan's table with each mentee's, mentor's, leader's or student's name after their id
    (the names of the cohort the plan was made for; unchanged when it has none)."""
    students = (getattr(chosen, "cohort_tables", None) or {}).get("students")
    return named(table, students)


def headers(columns: Iterable[object], **overrides: Any) -> dict[str, Any]:
    """column_config giving every column its header in words; ``overrides`` win."""
    config: dict[str, Any] = {
        str(c): st.column_config.Column(column_words(c)) for c in columns if str(c) not in overrides
    }
    config.update(overrides)
    return config


def fit_height(rows: int, most: int = 260) -> int:
    """A table's height for its rows (no empty rows under a short table), at most ``most``."""
    return min(most, 38 + 35 * max(rows, 1))


def problems_frame(report: Any) -> pd.DataFrame:
    """A validation report's problems for reading: headers in words, blanks (never "None")."""
    rows = [
        {
            "File": p.file or "",
            "Row": "" if p.row is None else str(p.row),
            "Column": p.column or "",
            "Kind": "problem" if p.severity == "error" else p.severity,
            "What is wrong": p.message,
        }
        for p in report.problems
    ]
    return pd.DataFrame(rows, columns=["File", "Row", "Column", "Kind", "What is wrong"])


def show_problems(report: Any) -> None:
    """The problems as a table, and every message in full (long messages are not cut)."""
    frame = problems_frame(report)
    st.dataframe(
        frame,
        width="stretch",
        hide_index=True,
        height=fit_height(len(frame), 400),
        column_config={
            "Row": st.column_config.TextColumn(
                "Row", help="Row as a spreadsheet shows it (the header is row 1)", width="small"
            ),
            "What is wrong": st.column_config.TextColumn("What is wrong", width="large"),
        },
    )
    with st.expander("Every problem in full", expanded=len(frame) <= 5):
        st.code(report.format_text(), language=None, wrap_lines=True)


def pairs_view(matches: pd.DataFrame, chosen: Any, criteria: dict[str, str]) -> pd.DataFrame:
    """Pairs to read at 1,280 px: each person as "Name (id)" in one column, and the points
    behind the score in one "Why" column (the per-criterion columns stay, shown elsewhere)."""
    students = (getattr(chosen, "cohort_tables", None) or {}).get("students")
    people = name_lookup(students) if students is not None else {}
    shown = matches.assign(
        mentee=[person_label(i, people) for i in matches["mentee_id"]],
        mentor=[person_label(i, people) for i in matches["mentor_id"]],
    )
    present = [c for c in criteria if c in shown.columns]
    shown["why"] = (
        [
            ", ".join(
                f"{criteria[c].lower()} +{float(row[c]):.2f}"
                for c in present
                if row[c] is not None and float(row[c]) > 0
            )
            or "no shared points"
            for row in shown[present].to_dict("records")
        ]
        if len(shown)
        else []
    )
    return shown
