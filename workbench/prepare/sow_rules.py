"""The scheme of work's rules: each a named function that adds its constraints to the model,
and each with a check in words for a plan edited by hand.

1. **Once each**: a topic has at most one first visit and at most one revisit.
2. **No session in a break**: nothing is planned in a break or exam week.
3. **Open weeks stay open**: the weeks kept for students' own questions (before an assessment
   or exams, revision weeks, weeks the coordinator marked) hold no topic.
4. **After the lecture**: a topic's first visit is ``lag`` weeks after its lecture, or up to
   ``catch_up`` weeks later when that week is full.
5. **Revisit the difficult, spaced**: only a difficult topic is revisited, and only
   ``revisit_after`` to ``revisit_within`` weeks after its first visit.
6. **Topics per session**: a session holds at most ``max_topics`` topics (visits and revisits).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pulp

from workbench.prepare.sow_instance import (
    FIRST,
    REVISIT,
    ModuleTerm,
    SchemeSettings,
    Topic,
    first_window,
    is_difficult,
)


@dataclass
class SchemeModel:
    """The PuLP model: ``first_visit[topic][week]`` and ``revisit[topic][week]`` (binary)."""

    prob: pulp.LpProblem
    modules: list[ModuleTerm]
    settings: SchemeSettings
    first_visit: dict[tuple[str, str], dict[int, pulp.LpVariable]] = field(default_factory=dict)
    revisit: dict[tuple[str, str], dict[int, pulp.LpVariable]] = field(default_factory=dict)
    topics: dict[tuple[str, str], Topic] = field(default_factory=dict)

    def add(self, constraint: pulp.LpConstraint, rule: str) -> None:
        self.prob += constraint, f"{rule}_{len(self.prob.constraints)}"

    def visits_in(self, module: ModuleTerm, week: int) -> list[pulp.LpVariable]:
        out = []
        for topic in module.topics:
            out.append(self.first_visit[topic.key][week])
            if topic.key in self.revisit:
                out.append(self.revisit[topic.key][week])
        return out


def rule_once_each(model: SchemeModel) -> None:
    for key, weeks in model.first_visit.items():
        model.add(pulp.lpSum(weeks.values()) <= 1, "once_each")
        if key in model.revisit:
            model.add(pulp.lpSum(model.revisit[key].values()) <= 1, "once_each_revisit")


def rule_no_session_in_break(model: SchemeModel) -> None:
    for module in model.modules:
        for week in module.weeks:
            if not week.has_sessions:
                model.add(
                    pulp.lpSum(model.visits_in(module, week.week)) <= 0, "no_session_in_break"
                )


def rule_open_weeks_stay_open(model: SchemeModel) -> None:
    for module in model.modules:
        for week in module.open_weeks:
            if module.week(week) is not None:
                model.add(pulp.lpSum(model.visits_in(module, week)) <= 0, "open_week")


def rule_after_the_lecture(model: SchemeModel) -> None:
    for key, weeks in model.first_visit.items():
        window = first_window(model.topics[key], model.settings)
        outside = [v for w, v in weeks.items() if w not in window]
        if outside:
            model.add(pulp.lpSum(outside) <= 0, "after_the_lecture")


def rule_revisit_difficult_spaced(model: SchemeModel) -> None:
    s = model.settings
    for key, weeks in model.revisit.items():
        first = model.first_visit[key]
        for week, var in weeks.items():
            earlier = [first[w] for w in first if s.revisit_after <= week - w <= s.revisit_within]
            model.add(var <= pulp.lpSum(earlier), "revisit_spaced")


def rule_topics_per_session(model: SchemeModel) -> None:
    for module in model.modules:
        for week in module.session_weeks:
            visits = model.visits_in(module, week)
            if len(visits) > model.settings.max_topics:
                model.add(pulp.lpSum(visits) <= model.settings.max_topics, "topics_per_session")


RULES = (
    rule_once_each,
    rule_no_session_in_break,
    rule_open_weeks_stay_open,
    rule_after_the_lecture,
    rule_revisit_difficult_spaced,
    rule_topics_per_session,
)


# ------------------------------------------------------------------ checks of an edited plan


@dataclass(frozen=True)
class Visit:
    module_code: str
    topic: str
    week: int
    visit: str = FIRST


def check_once_each(module: ModuleTerm, visits: list[Visit], s: SchemeSettings) -> list[str]:
    seen: dict[tuple[str, str], int] = {}
    for v in visits:
        seen[(v.topic, v.visit)] = seen.get((v.topic, v.visit), 0) + 1
    return [
        f"'{topic}' has {n} {'revisits' if kind == REVISIT else 'first visits'}; keep one"
        for (topic, kind), n in seen.items()
        if n > 1
    ]


def check_no_session_in_break(
    module: ModuleTerm, visits: list[Visit], s: SchemeSettings
) -> list[str]:
    out = []
    for v in visits:
        week = module.week(v.week)
        if week is None:
            out.append(f"'{v.topic}' is in week {v.week}, which is not in the term")
        elif not week.has_sessions:
            out.append(f"'{v.topic}' is in week {v.week}, a {week.kind} week with no session")
    return out


def check_open_weeks(module: ModuleTerm, visits: list[Visit], s: SchemeSettings) -> list[str]:
    return [
        f"'{v.topic}' is in week {v.week}, kept open for students' own questions "
        f"({module.open_weeks[v.week]})"
        for v in visits
        if v.week in module.open_weeks
    ]


def check_after_the_lecture(
    module: ModuleTerm, visits: list[Visit], s: SchemeSettings
) -> list[str]:
    out = []
    for v in visits:
        topic = module.topic(v.topic)
        if topic is None:
            out.append(f"'{v.topic}' is not one of this module's topics")
        elif v.visit == FIRST and v.week not in first_window(topic, s):
            window = first_window(topic, s)
            out.append(
                f"'{v.topic}' (lectured in week {topic.week}) is first worked on in week "
                f"{v.week}; it belongs in weeks {window.start}-{window.stop - 1}"
            )
    return out


def check_revisits(module: ModuleTerm, visits: list[Visit], s: SchemeSettings) -> list[str]:
    firsts = {v.topic: v.week for v in visits if v.visit == FIRST}
    out = []
    for v in (v for v in visits if v.visit == REVISIT):
        topic = module.topic(v.topic)
        if topic is not None and not is_difficult(topic, s):
            out.append(f"'{v.topic}' is revisited but is not difficult ({topic.difficulty} of 5)")
        elif v.topic not in firsts:
            out.append(f"'{v.topic}' is revisited in week {v.week} but never first worked on")
        elif not s.revisit_after <= v.week - firsts[v.topic] <= s.revisit_within:
            out.append(
                f"'{v.topic}' is revisited {v.week - firsts[v.topic]} week(s) after its first "
                f"visit; revisit it {s.revisit_after}-{s.revisit_within} weeks after"
            )
    return out


def check_topics_per_session(
    module: ModuleTerm, visits: list[Visit], s: SchemeSettings
) -> list[str]:
    per_week: dict[int, int] = {}
    for v in visits:
        per_week[v.week] = per_week.get(v.week, 0) + 1
    return [
        f"week {week} holds {n} topics; a session holds at most {s.max_topics}"
        for week, n in sorted(per_week.items())
        if n > s.max_topics
    ]


CHECKS = (
    check_once_each,
    check_no_session_in_break,
    check_open_weeks,
    check_after_the_lecture,
    check_revisits,
    check_topics_per_session,
)


def check_module(
    module: ModuleTerm, visits: Iterable[Visit], settings: SchemeSettings
) -> list[str]:
    """Every rule a module's visits break, in words (empty when the plan keeps them all)."""
    mine = [v for v in visits if v.module_code == module.module_code]
    return [problem for check in CHECKS for problem in check(module, mine, settings)]
