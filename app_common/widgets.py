"""Widgets every page shares: a chart with its table, the coordinator's notes, a comparison."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_common.file_text import plain
from workbench.outcomes.chart_fit import fit_to_column
from workbench.review.comparison import readable_comparison

KEEP = "keep_"  # widgets whose value must survive a page change use this key prefix


CHART_MEMO = "_chart_memo"
CHART_MEMO_MAX = 12  # charts one session keeps ready (bounds what a session holds)


def chart_with_table(build, title: str, key: str, memo: str) -> None:
    """An Altair chart, its one-line summary, and its readable table on demand (the text
    alternative: the chart's headers and formatting, see ``charts.chart_table``).

    ``build`` makes the chart; its Vega-Lite spec, summary and table are kept in this session
    under ``memo`` (say what the chart depends on), so a rerun does not rebuild or re-validate.
    A screen reader hears the summary once: the chart is named by its title, the summary is the
    caption under it (the spec's own description would be its accessible name too).
    """
    from workbench.outcomes import charts

    kept = st.session_state.setdefault(CHART_MEMO, {})
    if memo not in kept:
        chart = build()
        spec = {k: v for k, v in chart.to_dict().items() if k not in ("description", "usermeta")}
        spec = fit_to_column(spec)  # as wide as its column; no label cut short
        kept[memo] = (spec, charts.describe(chart), charts.chart_table(chart))
        while len(kept) > CHART_MEMO_MAX:
            kept.pop(next(iter(kept)))
    spec, summary, table = kept[memo]
    st.vega_lite_chart(spec=spec, width="stretch", alt=f"Chart: {title}", key=f"{key}_chart")
    if summary:
        st.caption(plain(summary))
    with st.expander(f"Table: {plain(title)}", expanded=False):
        st.dataframe(table, width="stretch", hide_index=True, key=f"{key}_table")


def readable(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    """A comparison table as text (see workbench.review.comparison)."""
    return readable_comparison(frame)


def notes(page: str, help_text: str = "Your own notes; they go into the report.") -> str:
    """The coordinator's notes for this page, kept for the session and the report."""
    return st.text_area(
        "Your notes",
        key=f"{KEEP}notes_{page}",
        help=help_text,
        placeholder="What you decided here and why",
    )


def all_notes() -> dict[str, str]:
    ss = st.session_state
    prefix = f"{KEEP}notes_"
    return {
        k[len(prefix) :]: ss[k] for k in ss if isinstance(k, str) and k.startswith(prefix) and ss[k]
    }
