"""The term's charts, each with its one-line summary and readable table (WCAG 1.1.1):
weekly attendance against the plan's expectation, and mean mark or pass rate by band."""

from __future__ import annotations

import altair as alt
import pandas as pd

from workbench.outcomes.chart_style import PALETTE, pct, title, with_table


def weekly_attendance_chart(by_week: pd.DataFrame) -> alt.TopLevelMixin:
    """Students attending each term week (all modules) against the plan's expectation."""
    weekly = by_week.groupby("week", as_index=False)[["attended", "expected"]].sum()
    long = weekly.melt("week", var_name="series", value_name="students")
    long["series"] = long["series"].map({"attended": "Attended", "expected": "Expected"})
    chart = (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("week:O", title="Term week"),
            y=alt.Y("students:Q", title="Students"),
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(domain=["Attended", "Expected"], range=list(PALETTE[:2])),
            ),
            strokeDash=alt.StrokeDash("series:N", legend=None),
            tooltip=["week:O", "series:N", "students:Q"],
        )
        .properties(title=title("Attendance by term week"), width="container", height=260)
    )
    total_a, total_e = weekly["attended"].sum(), weekly["expected"].sum()
    summary = (
        f"{int(total_a):,} attendances over {len(weekly)} weeks against about "
        f"{total_e:,.0f} expected ({pct(total_a / total_e if total_e else None)})."
    )
    table = weekly.rename(
        columns={"week": "Term week", "attended": "Attended", "expected": "Expected"}
    )
    return with_table(chart.properties(description=summary), table)


def bands_chart(bands: pd.DataFrame, measure: str = "mean_mark") -> alt.TopLevelMixin:
    """The whole (module ALL) by attendance band: mean mark, or a rate."""
    whole = bands[bands["module_code"] == "ALL"].copy()
    label = {
        "mean_mark": "Mean mark",
        "pass_rate": "Pass rate",
        "continuation_rate": "Continued",
    }.get(measure, measure)
    order = whole["band"].tolist()
    chart = (
        alt.Chart(whole)
        .mark_bar(color=PALETTE[0])
        .encode(
            x=alt.X("band:N", sort=order, title="Sessions attended"),
            y=alt.Y(
                f"{measure}:Q",
                title=label,
                axis=alt.Axis(format=".0%") if measure != "mean_mark" else alt.Undefined,
            ),
            tooltip=["band:N", "students:Q", f"{measure}:Q"],
        )
        .properties(title=title(f"{label} by attendance band"), width="container", height=240)
    )
    shown = whole[["band", "students", measure]].rename(
        columns={"band": "Sessions attended", "students": "Students", measure: label}
    )
    if measure != "mean_mark":
        shown[label] = [pct(v) for v in shown[label]]
    parts = [
        f"{b}: {('n/a' if pd.isna(v) else (f'{v:.1f}' if measure == 'mean_mark' else pct(v)))}"
        for b, v in zip(whole["band"], whole[measure], strict=True)
    ]
    summary = f"{label} by sessions attended: " + "; ".join(parts) + "."
    return with_table(chart.properties(description=summary), shown)
