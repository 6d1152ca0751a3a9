"""What the scheme of work plans from: each PASS module's topics and its term weeks.

A *visit* is one session week working on one topic: its ``first`` visit (after the lecture)
or, for a difficult topic, its ``revisit`` a few weeks later. A week is *open* ("bring your
own questions") when it comes just before an assessment or exams, when it is a revision week,
or when the coordinator marks it so.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from workbench.cohort.domain import Cohort
from workbench.prepare.term import TermWeek

FIRST, REVISIT = "first", "revisit"
LECTURE, ASSESSMENT = "lecture", "assessment"


class SchemeSettings(BaseModel):
    """The scheme of work's rules, each a setting the coordinator can change."""

    model_config = ConfigDict(extra="forbid")

    lag: int = Field(1, ge=0, le=4)  # a session works on what was lectured `lag` weeks before
    catch_up: int = Field(2, ge=0, le=6)  # weeks a topic may wait after that, when the week is full
    difficult_from: int = Field(4, ge=1, le=5)  # difficulty from which a topic is revisited
    revisit_after: int = Field(2, ge=1, le=10)  # fewest weeks between first visit and revisit
    revisit_within: int = Field(5, ge=1, le=12)  # most weeks between them
    open_before: int = Field(1, ge=0, le=3)  # session weeks kept open before an assessment/exams
    max_topics: int = Field(3, ge=1, le=10)  # topics a session holds at most (visits and revisits)
    time_limit: float = Field(30.0, gt=0)
    solver: str = "highs"


@dataclass(frozen=True)
class Topic:
    module_code: str
    week: int
    topic: str
    difficulty: int = 3

    @property
    def key(self) -> tuple[str, str]:
        return (self.module_code, self.topic)


@dataclass
class ModuleTerm:
    """One PASS module's term: its topics, assessments and weeks, and which weeks are open."""

    module_code: str
    module_name: str
    topics: list[Topic]
    weeks: list[TermWeek]
    assessments: list[Topic] = field(default_factory=list)
    open_weeks: dict[int, str] = field(default_factory=dict)  # week -> why it is open

    def week(self, number: int) -> TermWeek | None:
        return next((w for w in self.weeks if w.week == number), None)

    @property
    def session_weeks(self) -> list[int]:
        return [w.week for w in self.weeks if w.has_sessions]

    def topic(self, name: str) -> Topic | None:
        return next((t for t in self.topics if t.topic == name), None)


@dataclass
class SchemeInstance:
    modules: list[ModuleTerm]
    settings: SchemeSettings
    problems: list[str] = field(default_factory=list)  # what the topics table could not give

    def module(self, code: str) -> ModuleTerm:
        return next(m for m in self.modules if m.module_code == code)


def topic_kind(value: object) -> str | None:
    """lecture / assessment from the table's kind (empty: lecture; anything else: None)."""
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    text = text.strip().lower()
    if text in ("", LECTURE, "lectures", "topic", "teaching"):
        return LECTURE
    if text in (ASSESSMENT, "assessments", "test", "exam", "coursework", "deadline"):
        return ASSESSMENT
    return None


def open_weeks_for(
    weeks: Sequence[TermWeek], assessments: Iterable[Topic], open_before: int
) -> dict[int, str]:
    """Session weeks kept open: revision weeks and the weeks just before assessments and exams."""
    session = [w.week for w in weeks if w.has_sessions]
    found: dict[int, str] = {w.week: "revision week" for w in weeks if w.kind == "revision"}
    deadlines = [(a.week, f"before {a.topic} (week {a.week})") for a in assessments]
    exams = [w.week for w in weeks if w.kind == "exams"]
    if exams:
        deadlines.append((min(exams), f"before the exams (week {min(exams)})"))
    for week, why in deadlines:
        before = [s for s in session if s < week][-open_before:] if open_before else []
        for s in before:
            found.setdefault(s, why)
    return found


def _module_names(cohort: Cohort) -> dict[str, str]:
    mods = cohort.modules
    if "module_name" not in mods.columns:
        return {}
    return {
        str(c): str(n) for c, n in zip(mods["module_code"], mods["module_name"], strict=True) if n
    }


def build_instance(
    cohort: Cohort,
    weeks: list[TermWeek],
    module_codes: Sequence[str] | None = None,
    settings: SchemeSettings | None = None,
) -> SchemeInstance:
    """Each module's term from the cohort's topics (every module with topics when none given)."""
    settings = settings or SchemeSettings()
    topics = cohort.topics
    codes = list(dict.fromkeys(module_codes or sorted(set(topics["module_code"]))))
    names = _module_names(cohort)
    problems: list[str] = []
    last = max((w.week for w in weeks), default=0)
    modules = []
    for code in codes:
        rows = topics[topics["module_code"] == code].sort_values(["week", "topic"])
        lectures, assessments = [], []
        for row in rows.to_dict("records"):
            kind = topic_kind(row.get("kind"))
            topic = Topic(code, int(row["week"]), str(row["topic"]), int(row["difficulty"]))
            if kind is None:
                problems.append(
                    f"{code} '{topic.topic}': kind '{row.get('kind')}' is neither lecture nor "
                    "assessment; it is planned as a lecture"
                )
            if topic.week > last:
                problems.append(
                    f"{code} '{topic.topic}' is in week {topic.week}, after the term's last "
                    f"week ({last})"
                )
            (assessments if kind == ASSESSMENT else lectures).append(topic)
        if not lectures:
            problems.append(f"{code} has no topics in the topics table")
        opened = open_weeks_for(weeks, assessments, settings.open_before)
        modules.append(
            ModuleTerm(code, names.get(code, code), lectures, list(weeks), assessments, opened)
        )
    return SchemeInstance(modules, settings, problems)


def is_difficult(topic: Topic, settings: SchemeSettings) -> bool:
    return topic.difficulty >= settings.difficult_from


def first_window(topic: Topic, settings: SchemeSettings) -> range:
    """Weeks a topic's first visit may fall in: the lag after its lecture, plus catch-up."""
    start = topic.week + settings.lag
    return range(start, start + settings.catch_up + 1)


def visit_value(topic: Topic, visit: str, week: int, settings: SchemeSettings) -> float:
    """How much a visit is worth: its difficulty, a little less for each week it waits, and for
    a revisit more the further it is spaced (spaced practice), capped by the revisit window."""
    if visit == FIRST:
        wait = week - (topic.week + settings.lag)
        return topic.difficulty * (1.0 - 0.1 * wait)
    spacing = week - topic.week - settings.lag
    return 0.6 * topic.difficulty + 0.05 * topic.difficulty * min(spacing, settings.revisit_within)
