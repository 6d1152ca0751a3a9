"""A cohort read into the app: the bundled samples, uploaded files and a corrected table, each
read once per fingerprint (the same files give the same cohort without reading them again),
and the Cohort page's cached tables. The session keeps what these return (app_common.shared)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pandas as pd
import streamlit as st

from workbench.cohort.corrections import corrected_cohort, edit_digest
from workbench.cohort.domain import Cohort
from workbench.cohort.loading import (
    Upload,
    cohort_to_tables,
    load_cohort,
    load_uploads,
    tables_to_bytes,
    template_tables,
)
from workbench.cohort.mapping import mapping_from_bytes, mapping_yaml
from workbench.cohort.validation import Mapping, ValidationResult

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_ROOT = Path(os.environ.get("WORKBENCH_SAMPLE_ROOT", ROOT / "sample_data"))
SAMPLES = {
    "department": "Sample department (about 300 students)",
    "faculty": "Sample faculty (about 3,000 students)",
}


def _folder_fingerprint(path: Path) -> str:
    h = hashlib.sha256(str(path).encode())
    for p in sorted(path.iterdir()) if path.is_dir() else [path]:
        stat = p.stat()
        h.update(f"{p.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


def sample_path(name: str) -> Path:
    return SAMPLE_ROOT / name


def available_samples() -> dict[str, str]:
    return {k: v for k, v in SAMPLES.items() if sample_path(k).is_dir()}


@st.cache_data(max_entries=4, show_spinner="Reading the sample cohort...")
def _load_folder(path: str, fp: str) -> ValidationResult:
    return load_cohort(path)


@st.cache_data(max_entries=4, show_spinner="Reading and checking your files...")
def _load_files(files: tuple[tuple[str, bytes], ...], mapping_text: str = "") -> ValidationResult:
    mapping = mapping_from_bytes("mapping", mapping_text.encode()) if mapping_text else None
    return load_uploads([Upload(name, data) for name, data in files], mapping)


def read_sample(name: str) -> tuple[ValidationResult | None, str]:
    """A bundled sample read and checked, with its fingerprint (None: it is not installed)."""
    path = sample_path(name)
    if not path.is_dir():
        return None, ""
    fp = "sample-" + _folder_fingerprint(path)
    return _load_folder(str(path), fp), fp


def read_uploads(
    files: list[tuple[str, bytes]], mapping: Mapping | None = None
) -> tuple[ValidationResult, str]:
    """Uploaded files read and checked (with the coordinator's mapping, if any), and their
    fingerprint; the cohort is named after the first file."""
    text = mapping_yaml(mapping) if mapping is not None else ""
    h = hashlib.sha256(text.encode())
    for name, data in files:
        h.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    fp = "upload-" + h.hexdigest()[:16]
    result = _load_files(tuple(files), text)
    if result.cohort is not None:
        result.cohort = result.cohort.model_copy(update={"name": Path(files[0][0]).stem})
    return result, fp


def corrected(
    fp: str, current: Cohort, table: str, edited: pd.DataFrame
) -> tuple[ValidationResult, str]:
    """The whole cohort checked again with one table as the coordinator edited it."""
    tables = contract_tables(fp, current)
    result = corrected_cohort(tables, table, edited, current.name)
    return result, f"edit-{fp}-{table}-{edit_digest(edited)}"


@st.cache_data(max_entries=4, show_spinner=False)
def contract_tables(fp: str, _cohort: Cohort) -> dict[str, pd.DataFrame]:
    """The cohort in contract form (as the coordinator typed it), cached per fingerprint."""
    return cohort_to_tables(_cohort)


@st.cache_data(max_entries=4, show_spinner=False)
def quick_facts(fp: str, _cohort: Cohort) -> dict[str, pd.DataFrame]:
    """The Cohort page's quick facts, computed once per cohort."""
    from workbench.cohort import summary

    return {
        "programmes": summary.students_by_programme_level(_cohort),
        "ratio": summary.mentor_ratio_by_programme(_cohort),
        "fail_rates": summary.modules_by_fail_rate(_cohort),
        "busiest": summary.busiest_hours(_cohort),
    }


@st.cache_data(show_spinner=False)
def template_zip() -> bytes:
    """Empty cohort tables with every column as a header, zipped CSVs."""
    return tables_to_bytes(template_tables(), "zip")


@st.cache_data(show_spinner=False)
def template_workbook() -> bytes:
    return tables_to_bytes(template_tables(), "xlsx")
