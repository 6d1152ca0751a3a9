"""Quick facts about a validated cohort, for the command line and the app's Cohort page."""

from __future__ import annotations

import pandas as pd

from workbench.cohort.domain import DAYS, LEVELS, TABLES, Cohort, format_time


def students_by_programme_level(cohort: Cohort) -> pd.DataFrame:
    """Students per programme (rows) and level (columns, in level order), with totals."""
    s = cohort.students
    table = pd.crosstab(s["programme"], pd.Categorical(s["level"], categories=LEVELS))
    table = table.loc[:, (table.sum(axis=0) > 0).to_numpy()]
    table.columns = [str(c) for c in table.columns]
    table["total"] = table.sum(axis=1)
    return table.sort_values("total", ascending=False)


def mentor_ratio_by_programme(cohort: Cohort) -> pd.DataFrame:
    """Mentees, mentors and mentor places per programme, with places per mentee."""
    s = cohort.students.set_index("student_id")["programme"]
    mentees = cohort.mentees["student_id"].map(s).value_counts().rename("mentees")
    mentors = cohort.mentors.assign(programme=cohort.mentors["student_id"].map(s))
    places = mentors.groupby("programme")["capacity"].sum().rename("places")
    count = mentors.groupby("programme").size().rename("mentors")
    table = pd.concat([mentees, count, places], axis=1).fillna(0).astype(int)
    table.index.name = "programme"
    table["places_per_mentee"] = (
        table["places"] / table["mentees"].where(table["mentees"] > 0)
    ).round(2)
    return table.sort_values("mentees", ascending=False)


def modules_by_fail_rate(cohort: Cohort, top: int = 10) -> pd.DataFrame:
    """The modules with the highest fail rates, with their enrolment."""
    m = cohort.modules.dropna(subset=["fail_rate"])
    enrolled = cohort.enrolments.groupby("module_code").size().rename("enrolled")
    table = (
        m.set_index("module_code")[["module_name", "fail_rate"]]
        .join(enrolled)
        .fillna({"enrolled": 0})
    )
    table["enrolled"] = table["enrolled"].astype(int)
    return table.sort_values("fail_rate", ascending=False).head(top)


def busiest_hours(cohort: Cohort, top: int = 5) -> pd.DataFrame:
    """Hours of the week in which the most students have a timetabled event."""
    tt = cohort.timetable
    if tt.empty or cohort.enrolments.empty:
        return pd.DataFrame(columns=["day", "hour", "students"])
    enrolled = cohort.enrolments.groupby("module_code").size()
    rows = []
    for row in tt.itertuples(index=False):
        for hour in range(row.start // 60, (row.end + 59) // 60):
            rows.append((row.day, hour, row.module_code))
    events = pd.DataFrame(rows, columns=["day", "hour", "module_code"]).drop_duplicates()
    events["students"] = events["module_code"].map(enrolled).fillna(0).astype(int)
    busy = events.groupby(["day", "hour"])["students"].sum().reset_index()
    busy = busy.sort_values("students", ascending=False).head(top)
    busy["day"] = busy["day"].map(lambda d: DAYS[int(d)])
    busy["hour"] = busy["hour"].map(lambda h: format_time(h * 60))
    return busy.reset_index(drop=True)


def cohort_summary_text(cohort: Cohort) -> str:
    """A short summary of a good cohort: counts per table, levels, programmes."""
    counts = cohort.counts()
    lines = ["The cohort is valid.", "", "Rows per table:"]
    for name in TABLES:
        mark = "" if name in cohort.supplied else "  (not supplied)"
        lines.append(f"  {name:<12} {counts[name]:>8,}{mark}")
    levels = cohort.students["level"].value_counts()
    lines += [
        "",
        "Students per level: "
        + ", ".join(f"{lvl} {int(levels[lvl]):,}" for lvl in LEVELS if lvl in levels),
    ]
    programmes = cohort.students["programme"].value_counts()
    shown = ", ".join(f"{p} {n:,}" for p, n in programmes.head(8).items())
    more = f" and {len(programmes) - 8} more" if len(programmes) > 8 else ""
    lines.append(f"Programmes ({len(programmes)}): {shown}{more}")
    if counts["mentees"]:
        places = int(cohort.mentors["capacity"].sum()) if counts["mentors"] else 0
        lines.append(
            f"Mentoring: {counts['mentees']:,} mentees, {counts['mentors']:,} mentors "
            f"with {places:,} places"
        )
    risky = cohort.modules.dropna(subset=["fail_rate"])
    if len(risky):
        top = risky.sort_values("fail_rate", ascending=False).head(3)
        lines.append(
            "Highest fail rates: "
            + ", ".join(f"{r.module_code} {r.fail_rate:.0%}" for r in top.itertuples())
        )
    return "\n".join(lines)
