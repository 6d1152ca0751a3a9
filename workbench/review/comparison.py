"""A comparison of plans (``workbench.review.whatif.compare_scenarios``) as text to show.

Shares as percentages (changes in points), money in pounds ("-£4.36", never "£-4.36"), counts
with thousands separators, blanks for n/a.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from workbench.review.words import money

SHARES = {"coverage", "expected_coverage"}
MONEY = {"cost", "cost_per_student_reached"}


def comparison_cell(metric: str, value: Any, change: bool = False) -> str:
    """One figure of the comparison as text (``change``: a difference, signed)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    sign = "+" if change and value > 0 else ""
    if metric in SHARES:
        return f"{sign}{value * 100:.1f} points" if change else f"{value:.1%}"
    if metric in MONEY:
        return sign + money(value, "£", pence=metric != "cost")
    return f"{sign}{value:,.0f}" if float(value).is_integer() else f"{sign}{value:,.2f}"


def readable_comparison(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    """The comparison table with every figure as text (the ``metric`` column dropped, the
    figures' names under "Figure")."""
    if frame is None:
        return None
    out = frame.copy()
    for col in out.columns:
        if col in ("metric", "label"):
            continue
        out[col] = [
            comparison_cell(m, v, str(col).startswith("change"))
            for m, v in zip(frame["metric"], frame[col], strict=True)
        ]
    return out.drop(columns=["metric"]).rename(columns={"label": "Figure"})
