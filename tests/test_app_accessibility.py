"""Accessibility in the app through AppTest: each chart's table and name, stale What-if results.

The browser checks (axe-core on every page, tab titles, keyboard only) are in
``tests/e2e/test_accessibility.py`` and ``tests/e2e/test_keyboard.py``.
"""

from __future__ import annotations

import json
import re

from test_app import (  # noqa: F401 (the fixtures: own store, recorded downloads)
    _own_store,
    _record_downloads,
    button,
    needs_sample,
    no_errors,
    page,
    solved,
    vega_charts,
)

from app import page_title


def _chart_tables(at) -> dict[str, object]:
    """The dataframe inside each "Table: ..." expander, by the expander's label."""
    return {
        e.label: e.dataframe[0].value
        for e in at.expander
        if e.label.startswith("Table: ") and len(e.dataframe)
    }


def test_each_tab_title_names_its_page_first() -> None:
    assert page_title("Solve") == "Solve · Peer-support workbench"


@needs_sample
def test_chart_tables_read_like_the_charts_and_each_chart_is_named_once() -> None:
    at = solved("mentoring")
    at = page(at, "coverage")
    no_errors(at)
    tables = _chart_tables(at)
    assert any(label.startswith("Table: Coverage by") for label in tables), list(tables)
    for label, table in tables.items():
        for header in table.columns:
            assert re.fullmatch(r"[A-Z][^_]*", str(header)), (label, header)
    coverage = next(t for label, t in tables.items() if label.startswith("Table: Coverage by"))
    shares = coverage["Matched with a mentor"].tolist()
    assert shares and all(re.fullmatch(r"\d{1,3}%", s) for s in shares), shares
    # The chart is named by its title; its summary is said once, in the caption under it.
    for chart in at.get("vega_lite_chart"):
        assert chart.proto.alt.startswith("Chart: ")
        assert "description" not in json.loads(chart.proto.spec)  # the chart's own summary


@needs_sample
def test_what_if_forgets_a_sweep_made_for_another_plan() -> None:
    at = solved("mentoring")
    at = page(at, "whatif")
    at.session_state["keep_sweep_param"] = "capacity"
    at.run()
    at.text_input(key="keep_sweep_range_capacity").set_value("1,3").run()
    button(at, "Run sweep").click().run()
    no_errors(at)
    assert "Table: Sweep" in _chart_tables(at) and vega_charts(at) >= 1
    # Switch to PASS and solve: What-if must not show the mentoring sweep as this plan's.
    at = solved("pass", at)
    at = page(at, "whatif")
    no_errors(at)
    assert "Table: Sweep" not in _chart_tables(at)
    assert "sweep" not in at.session_state
