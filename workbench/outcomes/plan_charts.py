"""Charts of one plan: when students are free (day x time grid), mentor load, match scores.

Each chart draws a ``*_table`` (see :func:`workbench.outcomes.chart_style.chart_data`) and carries
a readable table and a summary (see :mod:`workbench.outcomes.chart_style`).
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from workbench.cohort.domain import DAY_NAMES, format_time
from workbench.outcomes import chart_style as style
from workbench.outcomes.chart_style import (
    EDGE,
    HEAT,
    PALETTE,
    empty_chart,
    palette,
    spoken,
    with_table,
)

# ---------------------------------------------------------------------------------------------
# Day x time grid of free students with the sessions or groups that meet


def free_heatmap_table(
    free_by_slot: pd.DataFrame, sessions: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per slot: day, day_name, start, time, free_students, sessions (how many chosen
    sessions start in the slot), modules (their codes), chosen (bool), marker."""
    free = free_by_slot[["day", "start", "free_students"]].copy()
    free["day"] = free["day"].astype(int)
    free["start"] = free["start"].astype(int)
    free = free.groupby(["day", "start"], as_index=False)["free_students"].sum()
    if sessions is not None and len(sessions):
        chosen = sessions.assign(
            day=sessions["day"].astype(int), start=sessions["start"].astype(int)
        )
        chosen = (
            chosen.sort_values(["day", "start", "module_code"])
            .groupby(["day", "start"])
            .agg(
                sessions=("module_code", "size"),
                modules=("module_code", lambda s: ", ".join(map(str, s))),
            )
        )
        table = free.merge(chosen.reset_index(), on=["day", "start"], how="outer")
    else:
        table = free.assign(sessions=0, modules="")
    table["sessions"] = table["sessions"].fillna(0).astype(int)
    table["modules"] = table["modules"].fillna("").astype(str)
    table["chosen"] = table["sessions"] > 0
    table["marker"] = np.where(table["chosen"], "chosen session", "")
    table["day_name"] = table["day"].map(lambda d: DAY_NAMES[int(d)])
    table["time"] = table["start"].map(format_time)
    table = table.sort_values(["day", "start"]).reset_index(drop=True)
    return table[
        [
            "day",
            "day_name",
            "start",
            "time",
            "free_students",
            "sessions",
            "modules",
            "chosen",
            "marker",
        ]
    ]


def free_heatmap_chart(
    free_by_slot: pd.DataFrame,
    sessions: pd.DataFrame | None = None,
    title: str = "When targeted students are free",
) -> alt.TopLevelMixin:
    """Day x hour grid coloured by free targeted students; chosen sessions marked."""
    table = free_heatmap_table(free_by_slot, sessions)
    if table.empty:
        return empty_chart(title, "No slots to show.")
    return slot_grid_chart(
        table,
        title,
        "Colour: targeted students free (darker: more); diamond: a chosen session",
        count="sessions",
        names="modules",
        free_title="Targeted students free",
        count_title="Chosen sessions",
        names_title="Modules",
        marker="chosen session",
        events="{total} chosen sessions in {slots} slots",
    )


def slot_grid_readable(
    table: pd.DataFrame, *, count: str, names: str, titles: tuple[str, str, str]
) -> pd.DataFrame:
    """The grid as the chart reads: one row per slot, day and start time first."""
    free_title, count_title, names_title = titles
    return pd.DataFrame(
        {
            "Day": table["day_name"].astype(str),
            "Start": table["time"].astype(str),
            free_title: table["free_students"].map(lambda v: "" if pd.isna(v) else f"{v:,.0f}"),
            count_title: table[count].astype(int),
            names_title: table[names].astype(str),
        }
    )


def _slot_grid_summary(table: pd.DataFrame, heading: str, count: str, names: str, events: str):
    best = table.sort_values(["free_students", "day", "start"], ascending=[False, True, True]).iloc[
        0
    ]
    used = table.loc[table[count] > 0]
    listed = "; ".join(
        f"{r['day_name'][:3]} {r['time']} {r[names]}" for _, r in used.head(8).iterrows()
    )
    return (
        f"{heading}: most free {best['day_name']} {best['time']} "
        f"({best['free_students']:,.0f} students); "
        + events.format(total=int(used[count].sum()), slots=len(used))
        + (f": {listed}" if len(used) else "")
        + ("…" if len(used) > 8 else "")
        + "."
    )


def slot_grid_chart(
    table: pd.DataFrame,
    heading: str,
    subtitle: str,
    *,
    count: str,
    names: str,
    free_title: str,
    count_title: str,
    names_title: str,
    marker: str,
    events: str,
) -> alt.TopLevelMixin:
    """A day x start-time grid coloured by ``free_students`` (:data:`HEAT`, darker: more), with a
    white diamond on every slot whose ``count`` is above 0, the number inside when above 1.

    ``table`` has day, day_name, start, time, free_students, ``count``, ``names`` and marker;
    ``events`` words the summary, e.g. ``"{total} groups meet at {slots} times"``.
    """
    days = [DAY_NAMES[d] for d in sorted(table["day"].unique())]
    times = list(dict.fromkeys(table.sort_values("start")["time"]))
    x = alt.X("time:O", sort=times, title="Start time")
    y = alt.Y("day_name:O", sort=days, title="Day")
    tooltip = [
        alt.Tooltip("day_name:N", title="Day"),
        alt.Tooltip("time:N", title="Start"),
        alt.Tooltip("free_students:Q", title=free_title, format=","),
        alt.Tooltip(f"{count}:Q", title=count_title),
        alt.Tooltip(f"{names}:N", title=names_title),
    ]
    cells = (
        alt.Chart()
        .mark_rect(**EDGE)
        .encode(
            x=x,
            y=y,
            tooltip=tooltip,
            color=alt.Color(
                "free_students:Q",
                title="Students free",
                scale=alt.Scale(range=list(HEAT), interpolate="rgb"),
            ),
        )
    )
    cells = spoken(
        cells,
        "datum.day_name + ' ' + datum.time + ': ' + (isValid(datum.free_students) ? "
        f"format(datum.free_students, ',') : 'no') + ' students free' + "
        f"(datum.{count} > 0 ? '; ' + datum.{names} : '')",
    )
    # White diamonds with a black edge read on every cell colour; a count sits inside in black.
    marks = (
        alt.Chart()
        .transform_filter(f"datum.{count} > 0")
        .mark_point(
            filled=True, size=260, fill="white", stroke="black", strokeWidth=1.5, shape="diamond"
        )
        .encode(
            x=x,
            y=y,
            tooltip=tooltip,
            shape=alt.Shape(
                "marker:N", title="", scale=alt.Scale(domain=[marker], range=["diamond"])
            ),
        )
    )
    counts = (
        alt.Chart()
        .transform_filter(f"datum.{count} > 1")
        .mark_text(fontSize=10, fontWeight="bold", color="black", baseline="middle")
        .encode(x=x, y=y, text=f"{count}:Q")
    )
    chart = alt.layer(cells, marks, counts, data=table).properties(
        title=style.title(heading, subtitle),
        description=_slot_grid_summary(table, heading, count, names, events),
        width=alt.Step(34),
        height=alt.Step(26),
    )
    readable = slot_grid_readable(
        table, count=count, names=names, titles=(free_title, count_title, names_title)
    )
    return with_table(chart, readable)


# ---------------------------------------------------------------------------------------------
# Mentoring: load and match scores


def mentor_load_table(mentor_load: pd.DataFrame) -> pd.DataFrame:
    """Mentors by mentees assigned and capacity, with zero rows so every count shows.

    Columns: assigned, capacity, mentors, label ("3 of 4 places").
    """
    if mentor_load.empty:
        return pd.DataFrame(columns=["assigned", "capacity", "mentors", "label"])
    load = mentor_load.assign(
        assigned=mentor_load["assigned"].astype(int), capacity=mentor_load["capacity"].astype(int)
    )
    counts = load.groupby(["assigned", "capacity"]).size().rename("mentors")
    grid = pd.MultiIndex.from_product(
        [range(0, int(load["capacity"].max()) + 1), sorted(load["capacity"].unique())],
        names=["assigned", "capacity"],
    )
    table = counts.reindex(grid, fill_value=0).reset_index()
    table = table.loc[table["assigned"] <= table["capacity"]]
    table["mentors"] = table["mentors"].astype(int)
    table["label"] = [
        f"{a} of {c} places" for a, c in zip(table["assigned"], table["capacity"], strict=True)
    ]
    return table.sort_values(["assigned", "capacity"]).reset_index(drop=True)


def mentor_load_readable(table: pd.DataFrame) -> pd.DataFrame:
    """Mentor load as the chart reads: mentees assigned, capacity, mentors."""
    return pd.DataFrame(
        {
            "Mentees assigned": table["assigned"].astype(int),
            "Capacity (places)": table["capacity"].astype(int),
            "Mentors": table["mentors"].astype(int),
        }
    )


def mentor_load_chart(mentor_load: pd.DataFrame, title: str = "Mentor load") -> alt.TopLevelMixin:
    """How many mentees each mentor has, stacked by the mentor's capacity (smallest at the
    bottom, in the legend's order, white edges between segments)."""
    heading = title
    table = mentor_load_table(mentor_load)
    if table.empty:
        return empty_chart(heading, "No mentors to show.")
    capacities = [str(c) for c in sorted(table["capacity"].unique())]
    table["capacity_label"] = table["capacity"].astype(str)
    tooltip = [alt.Tooltip("label:N", title="Load"), alt.Tooltip("mentors:Q", title="Mentors")]
    bars = (
        alt.Chart()
        .mark_bar(**EDGE)
        .encode(
            x=alt.X("assigned:O", title="Mentees assigned"),
            y=alt.Y("sum(mentors):Q", title="Mentors"),
            color=alt.Color(
                "capacity_label:N",
                title="Capacity (bottom first)",
                sort=capacities,
                scale=alt.Scale(domain=capacities, range=palette(len(capacities))),
            ),
            order=alt.Order("capacity:Q", sort="ascending"),
            tooltip=tooltip,
        )
    )
    bars = spoken(bars, "datum.mentors + ' mentors with ' + datum.label")
    totals = (
        alt.Chart()
        .mark_text(dy=-5, fontSize=10)
        .encode(x=alt.X("assigned:O"), y=alt.Y("sum(mentors):Q"), text=alt.Text("sum(mentors):Q"))
    )
    total = int(table["mentors"].sum())
    idle = int(table.loc[table["assigned"] == 0, "mentors"].sum())
    full = int(table.loc[table["assigned"] == table["capacity"], "mentors"].sum())
    summary = (
        f"{heading}: {total} mentors; {idle} without a mentee, {full} at capacity, "
        f"{total - idle - full} with spare places."
    )
    chart = alt.layer(bars, totals, data=table).properties(
        title=style.title(heading, "Mentors by mentees assigned; colour: capacity, number: total"),
        description=summary,
        width=alt.Step(40),
        height=240,
    )
    return with_table(chart, mentor_load_readable(table))


def match_score_table(
    matches: pd.DataFrame, bins: int = 10, score_range: tuple[float, float] | None = None
) -> pd.DataFrame:
    """Matched pairs by score band: bin_start, bin_end, label, pairs, median (of all scores).

    Bands split ``score_range`` (for a mentoring result: 0 to the sum of its criterion
    weights) into ``bins`` equal parts; by default 0-1 when every score is at most 1, else 0 to
    the highest score rounded up. The top band includes its upper end.
    """
    scores = matches["score"].astype(float).dropna() if len(matches) else pd.Series(dtype=float)
    if scores.empty:
        return pd.DataFrame(columns=["bin_start", "bin_end", "label", "pairs", "median"])
    if score_range is not None:
        low, high = float(score_range[0]), float(score_range[1])
    else:
        low = min(0.0, float(scores.min()))
        top = float(scores.max())
        high = 1.0 if top <= 1 else float(np.ceil(top))
    if high <= low:
        high = low + 1.0
    edges = np.linspace(low, high, bins + 1)
    index = np.clip(np.searchsorted(edges, scores.to_numpy(), side="right") - 1, 0, bins - 1)
    counts = np.bincount(index, minlength=bins)
    width = (high - low) / bins
    digits = (
        0 if float(width).is_integer() and float(low).is_integer() else (2 if width < 0.1 else 1)
    )
    table = pd.DataFrame(
        {
            "bin_start": edges[:-1],
            "bin_end": edges[1:],
            "pairs": counts.astype(int),
        }
    )
    table["label"] = [
        f"{a:.{digits}f}–{b:.{digits}f}"
        for a, b in zip(table["bin_start"], table["bin_end"], strict=True)
    ]
    table["median"] = float(scores.median())
    return table[["bin_start", "bin_end", "label", "pairs", "median"]]


def match_score_chart(
    matches: pd.DataFrame,
    bins: int = 10,
    score_range: tuple[float, float] | None = None,
    title: str = "Match scores",
) -> alt.TopLevelMixin:
    """Distribution of match scores over the matched pairs (see :func:`match_score_table`)."""
    heading = title
    table = match_score_table(matches, bins, score_range)
    if table.empty:
        return empty_chart(heading, "No matched pairs to show.")
    labels = list(table["label"])
    bars = (
        alt.Chart()
        .mark_bar(color=PALETTE[0])
        .encode(
            x=alt.X("label:O", sort=labels, title="Match score"),
            y=alt.Y("pairs:Q", title="Matched pairs"),
            tooltip=[
                alt.Tooltip("label:N", title="Score band"),
                alt.Tooltip("pairs:Q", title="Pairs"),
            ],
        )
    )
    bars = spoken(bars, "'Score ' + datum.label + ': ' + datum.pairs + ' pairs'")
    text = (
        alt.Chart()
        .mark_text(dy=-5, fontSize=10)
        .encode(x=alt.X("label:O", sort=labels), y="pairs:Q", text="pairs:Q")
    )
    median = float(table["median"].iloc[0])
    summary = (
        f"{heading}: {int(table['pairs'].sum())} pairs, median score {median:.3g}; "
        f"most pairs in band {table.loc[table['pairs'].idxmax(), 'label']}."
    )
    chart = alt.layer(bars, text, data=table).properties(
        title=style.title(heading, f"Median score {median:.3g}"),
        description=summary,
        width=alt.Step(40),
        height=220,
    )
    readable = pd.DataFrame(
        {"Score band": table["label"].astype(str), "Matched pairs": table["pairs"].astype(int)}
    )
    return with_table(chart, readable)
