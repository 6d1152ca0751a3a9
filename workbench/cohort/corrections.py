"""Correcting a few values of a loaded cohort: the whole cohort is validated again.

Used by the Cohort page's "Correct a few values in place"; a correction with problems is never
used (the caller keeps the cohort it had).
"""

from __future__ import annotations

import hashlib

import pandas as pd

from workbench.cohort.validation import ValidationResult, validate_tables


def edit_digest(edited: pd.DataFrame) -> str:
    """A short digest of an edited table (names the corrected cohort's version)."""
    values = pd.util.hash_pandas_object(edited.astype(str)).values.tobytes()
    return hashlib.sha256(values).hexdigest()[:12]


def corrected_cohort(
    tables: dict[str, pd.DataFrame], table: str, edited: pd.DataFrame, name: str
) -> ValidationResult:
    """The cohort's contract ``tables`` with ``table`` replaced by ``edited``, validated again
    as a whole; a cohort that validates keeps the name ``name``."""
    changed = dict(tables)
    changed[table] = edited.astype(object).where(edited.notna(), None)
    result = validate_tables(changed)
    if result.cohort is not None:
        result.cohort = result.cohort.model_copy(update={"name": name})
    return result
