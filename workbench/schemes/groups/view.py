"""What the app offers and shows for study and social groups (no Streamlit here).

The Scheme page's choices come from the cohort (modules with their enrolments, programmes,
levels, the student columns a criterion can use); the Solve and Coverage pages show the plan
as readable tables and two charts: each group's score, and when the students are free with the
groups' meeting times on it.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
from pydantic import ValidationError

from workbench.cohort.availability import free_matrix
from workbench.cohort.contract import PERSONAL_COLUMNS
from workbench.cohort.domain import DAY_NAMES, DAYS, LEVELS, Cohort, format_time
from workbench.outcomes.chart_style import PALETTE, empty_chart, spoken, with_table
from workbench.outcomes.chart_style import title as chart_title
from workbench.outcomes.plan_charts import slot_grid_chart
from workbench.schemes.groups.prepare import select_pool
from workbench.schemes.groups.rules import LIST_ATTRIBUTES, attribute_word
from workbench.schemes.groups.settings import GroupSettings

KINDS = {"study": "Study groups", "social": "Social-integration groups"}


# ------------------------------------------------------------------------------ choices


def attribute_label(attr: str) -> str:
    """A student attribute in the coordinator's words ("Home status", "First-generation")."""
    word = attribute_word(attr)
    return word[:1].upper() + word[1:]


def attribute_options(cohort: Cohort) -> list[str]:
    """Student columns a criterion can use: every column but the id that has a value."""
    students = cohort.students
    out = []
    for col in students.columns:
        if col in PERSONAL_COLUMNS:
            continue
        column = students[col]
        if col in LIST_ATTRIBUTES:
            if column.map(lambda v: bool(v) if isinstance(v, tuple) else False).any():
                out.append(col)
        elif column.notna().any():
            out.append(col)
    return out


def isolation_options(cohort: Cohort) -> list[str]:
    """Attributes a no-isolation rule can use (one value per student, not lists)."""
    return [a for a in attribute_options(cohort) if a not in LIST_ATTRIBUTES]


def module_choices(cohort: Cohort) -> dict[str, str]:
    """Module code -> "CODE Name (N students)" for every module with enrolled students."""
    counts = (
        cohort.enrolments.loc[
            cohort.enrolments["student_id"].isin(set(cohort.students["student_id"]))
        ]
        .groupby("module_code")["student_id"]
        .nunique()
    )
    names = (
        dict(
            zip(
                cohort.modules["module_code"], cohort.modules["module_name"].fillna(""), strict=True
            )
        )
        if "module_name" in cohort.modules
        else {}
    )
    out = {}
    for code in sorted(counts.index):
        name = str(names.get(code) or "").strip()
        out[code] = f"{code}{' ' + name if name else ''} ({int(counts[code])} students)"
    return out


def default_module(cohort: Cohort) -> str | None:
    """The module with the most students (ties: the first code)."""
    counts = cohort.enrolments.groupby("module_code")["student_id"].nunique()
    if counts.empty:
        return None
    top = counts.max()
    return sorted(counts.index[counts == top])[0]


def programme_choices(cohort: Cohort) -> list[str]:
    return sorted(str(p) for p in cohort.students["programme"].dropna().unique())


def level_choices(cohort: Cohort) -> list[str]:
    present = set(cohort.students["level"].dropna())
    return [level for level in LEVELS if level in present]


def default_level(cohort: Cohort) -> str | None:
    """First year when the cohort has one, else the largest level."""
    levels = level_choices(cohort)
    if not levels:
        return None
    if "UG1" in levels:
        return "UG1"
    counts = cohort.students["level"].value_counts()
    return max(levels, key=lambda lv: (int(counts.get(lv, 0)), -LEVELS.index(lv)))


_PAIR_SPLIT = re.compile(r"[\s,;:/&+]+")


def parse_pairs(text: str) -> list[tuple[str, str]]:
    """Keep-together pairs typed one per line ("2500012, 2500013" or "2500012:2500013").

    ValueError naming the line when a line does not hold exactly two ids.
    """
    pairs = []
    for number, line in enumerate(str(text or "").splitlines(), start=1):
        ids = [part for part in _PAIR_SPLIT.split(line.strip()) if part]
        if not ids:
            continue
        if len(ids) != 2:
            raise ValueError(
                f"keep together, line {number}: '{line.strip()}' is not two student ids"
            )
        pairs.append((ids[0], ids[1]))
    return pairs


def format_pairs(pairs: list[Any]) -> str:
    return "\n".join(f"{a}, {b}" for a, b in pairs)


def pool_text(cohort: Cohort, settings: GroupSettings) -> str:
    """Who will be grouped, in words; ValueError when the choice matches nobody."""
    ids, label = select_pool(cohort, settings)
    n = len(ids)
    fewest = -(-n // settings.max_size)
    most = n // settings.min_size
    groups = (
        f"{fewest} group{'s' if fewest != 1 else ''}"
        if fewest >= most
        else f"{fewest} to {most} groups"
    )
    if most == 0:
        groups = "too few students for one group"
    kind = KINDS[settings.kind].lower()
    text = (
        f"{n:,} student{'s' if n != 1 else ''} of {label} in {kind} of "
        f"{settings.min_size}-{settings.max_size}: {groups}. Meetings: "
        f"{settings.describe_grid()}."
    )
    if settings.led_by_mentors:
        able = int((cohort.mentors["capacity"] >= settings.min_size).sum())
        text += (
            f" {able} mentor{'s' if able != 1 else ''} can lead a group (capacity "
            f"{settings.min_size} or more)."
        )
    return text


def criteria_text(settings: GroupSettings) -> str:
    """The criteria and rules of a run in words."""
    parts = []
    for mode, attrs in (("similar", settings.similar), ("diverse", settings.diverse)):
        if attrs:
            parts.append(f"{mode} in {', '.join(attribute_word(a) for a in attrs)}")
    if settings.no_isolation:
        parts.append(
            "nobody the only one of their "
            + ", ".join(attribute_word(a) for a in settings.no_isolation)
        )
    if settings.keep_together:
        parts.append(f"{len(settings.keep_together)} pair(s) kept together")
    return "; ".join(parts) if parts else "no criteria (any mix scores full marks)"


def model_size_text(cohort: Cohort, settings: GroupSettings) -> str:
    """The size of a groups run for the Solve page's status box."""
    try:
        who = pool_text(cohort, settings)
    except ValueError as exc:
        who = str(exc)
    return (
        f"Model: {who} {len(settings.slots())} candidate meeting times; {criteria_text(settings)}."
    )


# ------------------------------------------------------------------------------ the form

PRESETS: dict[str, dict[str, dict[str, Any]]] = {
    "study": {
        "Recommended: groups of 4-6, programmes mixed, nobody the only international student": {
            "size": (4, 6),
            "similar": [],
            "diverse": ["programme"],
            "no_isolation": ["home_status"],
        },
        "Balanced: programmes and genders mixed; nobody alone by gender or home status": {
            "size": (4, 6),
            "similar": [],
            "diverse": ["programme", "gender"],
            "no_isolation": ["home_status", "gender"],
        },
        "Like-minded: groups of 3-5 who share interests": {
            "size": (3, 5),
            "similar": ["interests"],
            "diverse": [],
            "no_isolation": [],
        },
    },
    "social": {
        "Recommended: groups of 5-7 sharing interests, programmes mixed, nobody the only "
        "international student": {
            "size": (5, 7),
            "similar": ["interests"],
            "diverse": ["programme"],
            "no_isolation": ["home_status"],
            "led": False,
        },
        "Mentor-led: groups of 4-6, each with a mentor, sharing interests": {
            "size": (4, 6),
            "similar": ["interests"],
            "diverse": ["programme"],
            "no_isolation": ["home_status"],
            "led": True,
        },
    },
}


def preset_values(kind: str, name: str, cohort: Cohort) -> dict[str, Any]:
    """A preset's form values, keeping only the attributes this cohort has."""
    values = dict(PRESETS[kind][name])
    attributes, isolation = attribute_options(cohort), isolation_options(cohort)
    for key in ("similar", "diverse"):
        values[key] = [a for a in values[key] if a in attributes]
    values["no_isolation"] = [a for a in values["no_isolation"] if a in isolation]
    return values


def form_defaults(cohort: Cohort | None) -> dict[str, Any]:
    """The form's first values: the largest module, first years for social groups."""
    isolation = isolation_options(cohort) if cohort is not None else []
    attributes = attribute_options(cohort) if cohort is not None else []
    return {
        "kind": "study",
        "by": "module",
        "module": default_module(cohort) if cohort is not None else None,
        "programme": "",
        "level": "",
        "social_level": default_level(cohort) if cohort is not None else None,
        "size": (4, 6),
        "similar": [],
        "diverse": ["programme"] if "programme" in attributes else [],
        "no_isolation": ["home_status"] if "home_status" in isolation else [],
        "keep": "",
        "led": False,
        "days": list(DAYS[:5]),
        "first_start": dt.time(9),
        "last_start": dt.time(17),
        "minutes": 60,
    }


def settings_from_form(v: dict[str, Any], time_limit: float = 30.0) -> GroupSettings:
    """GroupSettings from the form's values; ValueError with the problem in words."""
    social = v["kind"] == "social"
    if social:
        pool = {"level": v["social_level"] or None}
    elif v["by"] == "module":
        pool = {"module": v["module"] or None}
    else:
        pool = {"programme": v["programme"] or None, "level": v["level"] or None}
    if not any(pool.values()):
        raise ValueError(
            "choose the year group to mix"
            if social
            else "choose the students: a module, or a programme and/or a year group"
        )
    low, high = v["size"]
    try:
        return GroupSettings(
            kind=v["kind"],
            **pool,
            min_size=int(low),
            max_size=int(high),
            similar=v["similar"],
            diverse=v["diverse"],
            no_isolation=v["no_isolation"],
            keep_together=parse_pairs(v["keep"]),
            led_by_mentors=social and bool(v["led"]),
            days=[DAYS.index(d) for d in v["days"]],
            first_start=v["first_start"].hour * 60 + v["first_start"].minute,
            last_start=v["last_start"].hour * 60 + v["last_start"].minute,
            session_minutes=int(v["minutes"]),
            time_limit=float(time_limit),
        )
    except ValidationError as exc:
        raise ValueError(
            "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
        ) from None


def form_from_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """The form's values from saved GroupSettings (as JSON)."""
    social = settings.get("kind") == "social"
    values: dict[str, Any] = {
        "kind": "social" if social else "study",
        "by": "module" if settings.get("module") else "programme",
        "size": (int(settings.get("min_size", 4)), int(settings.get("max_size", 6))),
        "similar": list(settings.get("similar") or []),
        "diverse": list(settings.get("diverse") or []),
        "no_isolation": list(settings.get("no_isolation") or []),
        "keep": format_pairs(settings.get("keep_together") or []),
        "led": bool(settings.get("led_by_mentors")),
        "minutes": int(settings.get("session_minutes", 60)),
    }
    if social:
        values["social_level"] = settings.get("level")
    elif settings.get("module"):
        values["module"] = settings["module"]
    else:
        values.update(programme=settings.get("programme") or "", level=settings.get("level") or "")
    if "days" in settings:
        values["days"] = [DAYS[i] for i in settings["days"]]
    for key in ("first_start", "last_start"):
        if key in settings:
            values[key] = dt.time(settings[key] // 60, settings[key] % 60)
    return values


# ------------------------------------------------------------------------------ tables


def group_table(groups: pd.DataFrame, group_scores: pd.DataFrame) -> pd.DataFrame:
    """One row per group: group, meeting time, size, score, each score part, mentor, members."""
    members = (
        groups.sort_values("student_id")
        .groupby("group_id")["student_id"]
        .agg(lambda s: ", ".join(map(str, s)))
        if len(groups)
        else pd.Series(dtype=str)
    )
    parts = [
        c
        for c in group_scores.columns
        if c
        not in (
            "group_id",
            "size",
            "day",
            "start",
            "end",
            "slot",
            "mentor_id",
            "shared_slots",
            "score",
        )
    ]
    out = group_scores[["group_id", "slot", "size", "score", *parts]].copy()
    out = out.rename(columns={"slot": "meets"})
    if "mentor_id" in group_scores and group_scores["mentor_id"].notna().any():
        out["mentor"] = group_scores["mentor_id"]
    out["free_times_shared"] = group_scores["shared_slots"]
    out["members"] = out["group_id"].map(members).fillna("")
    return out.reset_index(drop=True)


def part_label(column: str) -> str:
    """A score part's column ("diverse_home_status") in words ("diverse home status")."""
    mode, _, attr = column.partition("_")
    return f"{mode} {attribute_word(attr)}" if mode in ("similar", "diverse") else column


def member_table(cohort: Cohort, groups: pd.DataFrame, attributes: list[str]) -> pd.DataFrame:
    """One row per student in a group, with the attributes the rules use (to see the mix)."""
    keep = [a for a in dict.fromkeys(attributes) if a in cohort.students.columns]
    info = cohort.students[["student_id", *keep]].copy()
    for attr in keep:
        info[attr] = info[attr].map(_cell)
    frame = groups[["group_id", "student_id", "slot"]].merge(info, on="student_id", how="left")
    return frame.sort_values(["group_id", "student_id"]).reset_index(drop=True)


def _cell(value: Any) -> Any:
    if isinstance(value, tuple):
        return ", ".join(value)
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    return value


# ------------------------------------------------------------------------------ charts


def free_by_slot(cohort: Cohort, settings: GroupSettings, student_ids: list[str]) -> pd.DataFrame:
    """How many of these students are free at each meeting time of the grid."""
    slots = settings.slots()
    free = (
        free_matrix(cohort, list(student_ids), slots)
        if student_ids
        else np.zeros((0, len(slots)), dtype=bool)
    )
    return pd.DataFrame(
        {
            "day": [s.day for s in slots],
            "start": [s.start for s in slots],
            "end": [s.end for s in slots],
            "label": [s.label for s in slots],
            "free_students": free.sum(axis=0).astype(int),
        }
    )


def meeting_times_table(free: pd.DataFrame, group_scores: pd.DataFrame) -> pd.DataFrame:
    """One row per meeting time: students free, groups meeting then and which."""
    table = free[["day", "start", "free_students"]].astype(int)
    if len(group_scores):
        meets = group_scores.dropna(subset=["day", "start"]).astype({"day": int, "start": int})
        meets = (
            meets.sort_values(["day", "start", "group_id"])
            .groupby(["day", "start"])
            .agg(groups=("group_id", "size"), which=("group_id", lambda s: ", ".join(map(str, s))))
        )
        table = table.merge(meets.reset_index(), on=["day", "start"], how="outer")
    else:
        table = table.assign(groups=0, which="")
    table["free_students"] = table["free_students"].fillna(0).astype(int)
    table["groups"] = table["groups"].fillna(0).astype(int)
    table["which"] = table["which"].fillna("").astype(str)
    table["marker"] = np.where(table["groups"] > 0, "a group meets", "")
    table["day_name"] = table["day"].map(lambda d: DAY_NAMES[int(d)])
    table["time"] = table["start"].map(format_time)
    return table.sort_values(["day", "start"]).reset_index(drop=True)[
        ["day", "day_name", "start", "time", "free_students", "groups", "which", "marker"]
    ]


def meeting_times_chart(
    free: pd.DataFrame,
    group_scores: pd.DataFrame,
    title: str = "When the students are free, and when groups meet",
) -> alt.TopLevelMixin:
    """Day x time grid coloured by students free; a diamond where a group meets."""
    table = meeting_times_table(free, group_scores)
    if table.empty:
        return empty_chart(title, "No meeting times to show.")
    return slot_grid_chart(
        table,
        title,
        "Colour: students free (darker: more); diamond: a group meets (number: how many)",
        count="groups",
        names="which",
        free_title="Students free",
        count_title="Groups meeting",
        names_title="Groups",
        marker="a group meets",
        events="{total} groups meet at {slots} times",
    )


def group_scores_chart(
    group_scores: pd.DataFrame, title: str = "Group scores"
) -> alt.TopLevelMixin:
    """Each group's score (0-1) as a labelled bar; the weakest group is named in words."""
    if group_scores.empty:
        return empty_chart(title, "No groups to show.")
    table = group_scores[["group_id", "size", "slot", "score"]].copy()
    table["score"] = table["score"].astype(float).round(3)
    worst = float(table["score"].min())
    uneven = float(table["score"].max()) > worst + 1e-9  # "weakest" says nothing when all tie
    table["weakest"] = np.where(uneven & (table["score"] <= worst + 1e-9), "weakest", "")
    table["label"] = table["score"].map(lambda v: f"{v:.2f}") + np.where(
        table["weakest"] == "weakest", " (weakest)", ""
    )
    order = list(table["group_id"])
    y = alt.Y("group_id:N", sort=order, title="Group")
    tooltip = [
        alt.Tooltip("group_id:N", title="Group"),
        alt.Tooltip("slot:N", title="Meets"),
        alt.Tooltip("size:Q", title="Students"),
        alt.Tooltip("score:Q", title="Score", format=".2f"),
    ]
    bars = (
        alt.Chart()
        .mark_bar(color=PALETTE[0])
        .encode(
            x=alt.X("score:Q", title="Score (0-1)", scale=alt.Scale(domain=[0, 1])),
            y=y,
            tooltip=tooltip,
        )
    )
    bars = spoken(bars, "datum.group_id + ' (' + datum.slot + '): score ' + datum.label")
    text = (
        alt.Chart()
        .mark_text(align="left", dx=3, fontSize=10)
        .encode(x="score:Q", y=y, text="label:N")
    )
    weakest = table.loc[table["weakest"] == "weakest", "group_id"].tolist()
    summary = f"{title}: {len(table)} groups, mean score {table['score'].mean():.2f}; " + (
        f"weakest {worst:.2f} ({', '.join(weakest[:6])}{'…' if len(weakest) > 6 else ''})."
        if uneven
        else f"every group scores {worst:.2f}."
    )
    chart = alt.layer(bars, text, data=table).properties(
        title=chart_title(title, "1 = every criterion fully met"),
        description=summary,
        width=360,
        height=alt.Step(22),
    )
    readable = pd.DataFrame(
        {
            "Group": table["group_id"].astype(str),
            "Meets": table["slot"].astype(str),
            "Students": table["size"].astype(int),
            "Score (0-1)": table["label"].astype(str),
        }
    )
    return with_table(chart, readable)
