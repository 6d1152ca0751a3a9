"""The Cohort page's mapping step: match an export's files, columns and codes to the contract."""

from __future__ import annotations

from typing import Any

import streamlit as st

from app_common import shared
from app_common.file_text import plain
from workbench.cohort.contract import BOOL, CONTRACT, DAY, LEVEL
from workbench.cohort.domain import DAYS, LEVELS, TABLES
from workbench.cohort.loading import Upload
from workbench.cohort.mapping import (
    extend_mapping,
    mapping_from_bytes,
    mapping_needs,
    mapping_yaml,
)
from workbench.cohort.validation import Mapping

MAPPING_KEY = "upload_mapping"
_CODES = {LEVEL: list(LEVELS), DAY: list(DAYS), BOOL: ["yes", "no"]}


def current_mapping() -> Mapping | None:
    """The mapping this session applies to its uploads (None: none yet)."""
    return st.session_state.get(MAPPING_KEY)


@st.cache_data(max_entries=4, show_spinner=False)
def _needs(files: tuple[tuple[str, bytes], ...], mapping_text: str):
    mapping = mapping_from_bytes("mapping", mapping_text.encode()) if mapping_text else None
    return mapping_needs([Upload(n, d) for n, d in files], mapping)


def render(files: list[Any], loaded_ok: bool) -> None:
    """Offer the mapping for the uploaded ``files``; open when the last load failed."""
    pairs = tuple((f.name, f.getvalue()) for f in files)
    mapping = current_mapping() or Mapping()
    with st.expander(
        "Match your columns and codes (mapping)",
        expanded=not loaded_ok,
        icon=":material/table_convert:",
    ):
        st.markdown(
            "Exports from a student-records or timetabling system rarely use our column names "
            "or codes. Say which of your files, columns and values mean what; the files are "
            "checked again with your choices. Save the mapping to reuse it next time (or with "
            "`python -m workbench validate DATA --mapping mapping.yaml`)."
        )
        saved = st.file_uploader(
            "A mapping you saved before (YAML or JSON)",
            type=["yaml", "yml", "json"],
            key="mapping_upload",
            help="The file this step lets you download below.",
        )
        if saved is not None:
            try:
                mapping = mapping_from_bytes(saved.name, saved.getvalue())
            except ValueError as exc:
                st.error(plain(exc))
        needs = _needs(pairs, mapping_yaml(mapping))
        if needs.complete and not needs.unknown_files:
            st.success("Every file, required column and code in these files is understood.")
        tables: dict[str, str] = {}
        columns: dict[str, dict[str, str]] = {}
        values: dict[str, dict[str, dict[str, str]]] = {}
        with st.form("mapping_form", border=False):
            for name in needs.unknown_files:
                tables[name] = st.selectbox(
                    f"Which table is the file {plain(name)}?",
                    ["", *TABLES],
                    key=f"map_file_{name}",
                    help="Leave empty to ignore the file.",
                )
            for need in needs.tables.values():
                offer = need.missing_required + (
                    need.missing_optional if need.unused_headers else []
                )
                for column in offer:
                    required = " (required)" if column in need.missing_required else ""
                    columns.setdefault(need.table, {})[column] = st.selectbox(
                        f"{plain(need.file)}: which column is {plain(column)}{required}?",
                        ["", *need.unused_headers],
                        key=f"map_col_{need.table}_{column}",
                        help=CONTRACT[need.table].help,
                    )
            for (table, column), unknown in needs.values.items():
                kind = CONTRACT[table].columns[column].kind
                for value in unknown:
                    values.setdefault(table, {}).setdefault(column, {})[value] = st.selectbox(
                        f"{plain(table)}, {plain(column)}: '{plain(value)}' means",
                        ["", *_CODES[kind]],
                        key=f"map_val_{table}_{column}_{value}",
                        help="Leave empty if the value is a mistake to fix in your file.",
                    )
            submitted = st.form_submit_button(
                "Apply the mapping and check again", icon=":material/fact_check:"
            )
        if submitted or saved is not None:
            mapping = extend_mapping(mapping, tables, columns, values)
            changed = mapping != current_mapping()
            st.session_state[MAPPING_KEY] = mapping
            if changed:
                shared.load_files(list(pairs), mapping)
                st.rerun()
        if mapping_yaml(mapping).strip() not in ("", "{}"):
            st.download_button(
                "Save this mapping (YAML)",
                mapping_yaml(mapping),
                file_name="mapping.yaml",
                mime="application/yaml",
                icon=":material/download:",
                on_click="ignore",
            )
