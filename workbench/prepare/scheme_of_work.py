"""The PASS scheme of work week by week, chosen with PuLP, edited by hand, explained in words.

For each PASS module, topics go to session weeks (``first_visit[topic][week]``) and difficult
topics come back a few weeks later (``revisit[topic][week]``), under the rules of
:mod:`workbench.prepare.sow_rules`. The plan is worth the most when every topic is worked on
soon after its lecture, weighted by its difficulty, and difficult topics are revisited with
their practice spaced out (:func:`workbench.prepare.sow_instance.visit_value`). Every topic left
out, and every difficult topic not revisited, gets its reason in words.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import pulp

from workbench.cohort.domain import Cohort, SolveStatus
from workbench.prepare.sow_instance import (
    FIRST,
    REVISIT,
    ModuleTerm,
    SchemeInstance,
    SchemeSettings,
    Topic,
    build_instance,
    first_window,
    is_difficult,
    visit_value,
)
from workbench.prepare.sow_rules import RULES, SchemeModel, Visit, check_module
from workbench.prepare.term import TermWeek
from workbench.schemes.solving import solve

MARKED_OPEN = "marked open by hand"


@dataclass
class SchemePlan:
    """A scheme of work: the visits of every module's topics, and how it was found."""

    instance: SchemeInstance
    visits: list[Visit]
    status: SolveStatus

    @property
    def settings(self) -> SchemeSettings:
        return self.instance.settings

    def module_visits(self, code: str) -> list[Visit]:
        return [v for v in self.visits if v.module_code == code]


# ------------------------------------------------------------------------------ the model


def build_model(instance: SchemeInstance) -> SchemeModel:
    """The PuLP model of every module's scheme of work, with each rule's constraints."""
    prob = pulp.LpProblem("scheme_of_work", pulp.LpMaximize)
    model = SchemeModel(prob, instance.modules, instance.settings)
    for m, module in enumerate(instance.modules):
        for t, topic in enumerate(module.topics):
            model.topics[topic.key] = topic
            model.first_visit[topic.key] = _week_vars(f"first_visit_m{m}_t{t}", module.weeks)
            if is_difficult(topic, instance.settings):
                model.revisit[topic.key] = _week_vars(f"revisit_m{m}_t{t}", module.weeks)
    for rule in RULES:
        rule(model)
    prob += _objective(model)
    return model


def _week_vars(prefix: str, weeks: list[TermWeek]) -> dict[int, pulp.LpVariable]:
    return {w.week: pulp.LpVariable(f"{prefix}_week{w.week}", cat=pulp.LpBinary) for w in weeks}


def _objective(model: SchemeModel) -> pulp.LpAffineExpression:
    s = model.settings
    terms = []
    for kind, table in ((FIRST, model.first_visit), (REVISIT, model.revisit)):
        for key, weeks in table.items():
            topic = model.topics[key]
            terms += [visit_value(topic, kind, week, s) * var for week, var in weeks.items()]
    return pulp.lpSum(terms)


def _chosen(model: SchemeModel) -> list[Visit]:
    visits = []
    for kind, table in ((FIRST, model.first_visit), (REVISIT, model.revisit)):
        for key, weeks in table.items():
            for week, var in weeks.items():
                if (var.varValue or 0) > 0.5:
                    visits.append(Visit(key[0], key[1], week, kind))
    return sorted(visits, key=lambda v: (v.module_code, v.week, v.visit, v.topic))


def solve_instance(instance: SchemeInstance) -> SchemePlan:
    """The best scheme of work for every module of the instance."""
    model = build_model(instance)
    s = instance.settings
    status = solve(model.prob, s.solver, time_limit=s.time_limit)
    visits = _chosen(model) if status.status in ("optimal", "feasible") else []
    return SchemePlan(instance, visits, status)


def plan_scheme_of_work(
    cohort: Cohort,
    weeks: list[TermWeek],
    module_codes: Sequence[str] | None = None,
    settings: SchemeSettings | None = None,
) -> SchemePlan:
    """Plan the weeks of the PASS modules (every module with topics when none are given)."""
    return solve_instance(build_instance(cohort, weeks, module_codes, settings))


def plan_value(plan: SchemePlan) -> float:
    """What the plan is worth by the objective (to compare a hand edit or a brute force)."""
    s = plan.settings
    total = 0.0
    for v in plan.visits:
        topic = plan.instance.module(v.module_code).topic(v.topic)
        if topic is not None:
            total += visit_value(topic, v.visit, v.week, s)
    return total


# ------------------------------------------------------------------------------ hand edits


def plan_problems(plan: SchemePlan) -> list[str]:
    """Every rule the plan breaks, per module, in words (empty when it keeps them all)."""
    out = []
    for module in plan.instance.modules:
        for problem in check_module(module, plan.visits, plan.settings):
            out.append(f"{module.module_code}: {problem}")
    return out


def move_topic(
    plan: SchemePlan, module_code: str, topic: str, week: int | None, visit: str = FIRST
) -> SchemePlan:
    """The plan with one topic's visit moved to ``week`` (None: left out). Not re-solved: the
    coordinator's choice stands, and :func:`plan_problems` says what it breaks."""
    module = plan.instance.module(module_code)
    if module.topic(topic) is None:
        raise ValueError(f"'{topic}' is not a topic of {module_code}")
    kept = [
        v
        for v in plan.visits
        if not (v.module_code == module_code and v.topic == topic and v.visit == visit)
    ]
    if week is not None:
        kept.append(Visit(module_code, topic, int(week), visit))
    return dataclasses.replace(plan, visits=sorted(kept, key=_order))


def mark_open(plan: SchemePlan, module_code: str, week: int) -> SchemePlan:
    """The plan with a week kept open for students' own questions; its topics are left out."""
    modules = []
    for module in plan.instance.modules:
        if module.module_code == module_code:
            if module.week(week) is None:
                raise ValueError(f"week {week} is not in the term")
            module = dataclasses.replace(
                module, open_weeks={**module.open_weeks, week: MARKED_OPEN}
            )
        modules.append(module)
    instance = dataclasses.replace(plan.instance, modules=modules)
    kept = [v for v in plan.visits if not (v.module_code == module_code and v.week == week)]
    return dataclasses.replace(plan, instance=instance, visits=kept)


def _order(v: Visit) -> tuple:
    return (v.module_code, v.week, v.visit, v.topic)


# ------------------------------------------------------------------------------ left out


def _week_words(module: ModuleTerm, week: int) -> str | None:
    """Why no topic can go in a week, or None when a session could take one."""
    found = module.week(week)
    if found is None:
        return f"week {week} is after the term"
    if not found.has_sessions:
        return f"week {week} is {'a break' if found.kind == 'break' else 'an exam week'}"
    if week in module.open_weeks:
        return f"week {week} is kept for students' own questions ({module.open_weeks[week]})"
    return None


def _closed(module: ModuleTerm, weeks: Sequence[int]) -> list[str]:
    """Why each of ``weeks`` that can hold no topic cannot (after the term: said once)."""
    last = max(w.week for w in module.weeks)
    closed = [w for w in (_week_words(module, week) for week in weeks if week <= last) if w]
    if any(week > last for week in weeks):
        closed.append(f"the term ends in week {last}")
    return closed


def _full_text(full: list[int], most: int) -> str:
    many = len(full) > 1
    return (
        f"the session{'s' if many else ''} in week {', '.join(map(str, full))} already "
        f"hold{'' if many else 's'} {most} topics, worth more there"
    )


def _why(module: ModuleTerm, weeks: Sequence[int], visits: list[Visit], s: SchemeSettings) -> str:
    """Why none of ``weeks`` took a visit: closed weeks, full sessions, or a hand edit."""
    closed = _closed(module, weeks)
    usable = [w for w in weeks if _week_words(module, w) is None]
    if not usable:
        return "; ".join(closed)
    counts = {w: sum(1 for v in visits if v.week == w) for w in usable}
    full = [w for w in usable if counts[w] >= s.max_topics]
    if len(full) < len(usable):
        room = [str(w) for w in usable if w not in full]
        has = f"weeks {', '.join(room)} have" if len(room) > 1 else f"week {room[0]} has"
        return "; ".join([f"taken out by hand ({has} room for it)", *closed])
    text = "; ".join([_full_text(full, s.max_topics), *closed])
    return text + " (allow more topics a session or more catch-up weeks to fit it)"


def why_left_out(plan: SchemePlan, module: ModuleTerm, topic: Topic) -> str:
    """Why a topic has no first visit, in words."""
    s = plan.settings
    window = list(first_window(topic, s))
    return f"lectured in week {topic.week}: " + _why(
        module, window, plan.module_visits(module.module_code), s
    )


def why_not_revisited(plan: SchemePlan, module: ModuleTerm, topic: Topic, first: int) -> str:
    """Why a difficult topic worked on in week ``first`` is not revisited, in words."""
    s = plan.settings
    weeks = list(range(first + s.revisit_after, first + s.revisit_within + 1))
    reason = _why(module, weeks, plan.module_visits(module.module_code), s)
    return f"difficult ({topic.difficulty} of 5), worked on in week {first} but not revisited: " + (
        reason
    )


def left_out(plan: SchemePlan) -> pd.DataFrame:
    """Each topic left out and each difficult topic not revisited: module_code, topic, reason."""
    rows = []
    for module in plan.instance.modules:
        visits = plan.module_visits(module.module_code)
        first = {v.topic: v.week for v in visits if v.visit == FIRST}
        revisited = {v.topic for v in visits if v.visit == REVISIT}
        for topic in module.topics:
            if topic.topic not in first:
                reason = why_left_out(plan, module, topic)
            elif is_difficult(topic, plan.settings) and topic.topic not in revisited:
                reason = why_not_revisited(plan, module, topic, first[topic.topic])
            else:
                continue
            rows.append({"module_code": module.module_code, "topic": topic.topic, "reason": reason})
    return pd.DataFrame(rows, columns=["module_code", "topic", "reason"])


def scheme_verdict(plan: SchemePlan) -> str:
    """The scheme of work in one sentence, the verdict before the detail."""
    if plan.status.status not in ("optimal", "feasible"):
        return "No scheme of work could be planned: " + "; ".join(plan.status.messages)
    total = sum(len(m.topics) for m in plan.instance.modules)
    placed = len({(v.module_code, v.topic) for v in plan.visits if v.visit == FIRST})
    revisits = sum(1 for v in plan.visits if v.visit == REVISIT)
    notes = len(left_out(plan))
    return (
        f"Scheme of work for {len(plan.instance.modules)} PASS module(s): {placed} of {total} "
        f"topics placed, {revisits} difficult topic(s) revisited"
        + (f"; {notes} topic(s) left out or not revisited, each with its reason." if notes else ".")
    )
