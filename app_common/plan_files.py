"""A plan's report and downloads for the Report page (cached per plan version)."""

from __future__ import annotations

import re

import streamlit as st

from workbench.review.downloads import scenario_downloads


def file_stem(name: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")
    return stem[:60] or "plan"


@st.cache_data(max_entries=8, show_spinner="Writing the report...")
def report_html(
    scenario_key: str, _chosen, whatifs: tuple[str, ...] = (), people: bool = True
) -> str:
    """The plan's report (``people=False``: without its lists of students, for a viewer)."""
    from workbench.review.report import render_report

    return render_report(_chosen, charts=True, whatifs=whatifs, people=people)


@st.cache_data(max_entries=8, show_spinner="Preparing the files...")
def export_files(scenario_key: str, _chosen) -> dict[str, tuple[str, bytes, str]]:
    """label -> (file suffix, bytes, MIME type) for every download of a scenario (cached per
    plan version; see workbench.review.downloads)."""
    return scenario_downloads(_chosen)
