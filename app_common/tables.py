"""Plan tables as a coordinator reads them: people by name with their id, headers in words."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd
import streamlit as st

from workbench.cohort.names import named
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
