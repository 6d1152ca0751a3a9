"""Exact models over a whole cohort (or a few groups of it): the bound, the improvement, the
full model.

:func:`whole_model` builds the group model over some units, without meeting slots (everyone
free together: an upper bound on every level) or with the slot choice (exact).
:func:`relaxation_bounds` proves bounds with it, :func:`improve` re-forms the weakest groups
exactly (large-neighbourhood search) and :func:`full_model` solves a small cohort in one model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from workbench.schemes.groups.blocks import composition_key, model_slots
from workbench.schemes.groups.model import GroupModel, ModelClass, Place, Plan
from workbench.schemes.groups.prepare import Instance
from workbench.schemes.groups.rules import Rules
from workbench.schemes.groups.search import Group
from workbench.schemes.groups.search import counts as _counts
from workbench.schemes.groups.search import group_problems as _group_problems

LARGE_MODEL = 6000  # group-class pairs above which the bound comes from the LP relaxation
HUGE_MODEL = 40000  # ... and above which only the trivial bound (all groups perfect) is given


@dataclass
class Levels:
    """Values and proven upper bounds of the three levels (integer score units)."""

    placed: int = 0
    worst: int = 0
    total: int = 0
    placed_bound: int = 0
    worst_bound: int | None = None
    total_bound: int | None = None


# -- plans <-> model --------------------------------------------------------------------------
def to_plan(
    inst: Instance,
    model: GroupModel,
    class_units: list[list[int]],
    groups: list[Group],
    slots: list[int],
) -> Plan:
    """Groups as a model plan (generic places in order of size, mentors at their place)."""
    cls = {u: c for c, us in enumerate(class_units) for u in us}
    by_mentor = {pl.mentor: p for p, pl in enumerate(model.places) if pl.mentor is not None}
    generic = [p for p, pl in enumerate(model.places) if pl.mentor is None]
    plan: Plan = []
    ordered = sorted(groups, key=lambda g: -inst.students(g.units))
    for grp in ordered:
        if grp.mentor is not None:
            p = by_mentor[inst.mentors[grp.mentor].student_id]
        else:
            p = generic.pop(0)
        counts: dict[int, int] = {}
        for u in grp.units:
            counts[cls[u]] = counts.get(cls[u], 0) + 1
        k = next(
            (
                k
                for k, s in enumerate(slots)
                if inst.unit_free[grp.units, s].all()
                and (grp.mentor is None or inst.mentors[grp.mentor].free[s])
            ),
            0,
        )
        plan.append((p, k, counts))
    return plan


def from_plan(
    inst: Instance, model: GroupModel, class_units: list[list[int]], plan: Plan, slots: list[int]
) -> list[Group]:
    mentor_index = {m.student_id: j for j, m in enumerate(inst.mentors)}
    pointer = [0] * len(class_units)
    out = []
    for p, k, counts in plan:
        members: list[int] = []
        for c, take in sorted(counts.items()):
            members.extend(class_units[c][pointer[c] : pointer[c] + take])
            pointer[c] += take
        mentor = model.places[p].mentor
        out.append(
            Group(sorted(members), slots[k], None if mentor is None else mentor_index[mentor])
        )
    return out


# -- bounds -----------------------------------------------------------------------------------
def plan_value(inst: Instance, groups: list[Group]) -> tuple[int, int, int]:
    """(placed, worst group score, total over students) in integer score units."""
    scores = [inst.rules.score(_counts(inst, g.units)) for g in groups]
    sizes = [inst.students(g.units) for g in groups]
    return (
        sum(sizes),
        min(scores, default=0),
        sum(k * v for k, v in zip(sizes, scores, strict=True)),
    )


def measure(inst: Instance, groups: list[Group], levels: Levels) -> None:
    levels.placed, levels.worst, levels.total = plan_value(inst, groups)


def proven(levels: Levels) -> bool:
    return (
        levels.placed >= levels.placed_bound
        and levels.worst_bound is not None
        and levels.worst >= levels.worst_bound
        and levels.total_bound is not None
        and levels.total >= levels.total_bound
    )


def _whole_classes(
    inst: Instance, units: list[int], slots: list[int], with_slots: bool, mentors: list[int]
) -> tuple[list[tuple], dict[tuple, list[int]]]:
    """Units alike in make-up (and free slots, with the slot choice) form a class; units on an
    avoid list (with another unit or with one of the ``mentors``) are a class alone."""
    solo = {u for pair in inst.avoid_units for u in pair}
    solo |= {u for j in mentors for u in inst.mentors[j].avoid_units}
    classes: dict[tuple, list[int]] = {}
    for u in units:
        free = tuple(k for k, s in enumerate(slots) if inst.unit_free[u, s]) if with_slots else (0,)
        classes.setdefault((composition_key(inst, u), free, u if u in solo else -1), []).append(u)
    return sorted(classes, key=str), classes


def _mentor_places(
    inst: Instance, slots: list[int], with_slots: bool, mentors: list[int], index: dict[int, int]
) -> list[Place]:
    """One place per mentor free at some slot: alike mentors (same capacity and free slots, no
    one to avoid) are twins, in a fixed order."""
    entries = []
    for j in mentors:
        m = inst.mentors[j]
        forbid = frozenset(index[u] for u in m.avoid_units if u in index)
        free = frozenset(k for k, s in enumerate(slots) if m.free[s]) if with_slots else None
        twin_key = (m.cap, tuple(sorted(free)) if free is not None else ())
        entries.append(
            (
                bool(forbid),
                str(twin_key),
                m.student_id,
                Place(m.cap, free, m.student_id, forbid, hash(twin_key) if not forbid else -1 - j),
            )
        )
    entries.sort(key=lambda e: e[:3])
    return [e[3] for e in entries if e[3].free is None or e[3].free]


def whole_model(
    inst: Instance, units: list[int], with_slots: bool, mentors: list[int] | None = None
) -> tuple[GroupModel, list[list[int]], list[int]]:
    """One model over ``units``: without slots (everyone free together: a bound) or with the
    slot choice (exact). Mentor-led: the ``mentors`` given (default: all) lead the groups."""
    rules: Rules = inst.rules
    slots = model_slots(inst, units) if with_slots else [0]
    if with_slots and not slots:
        slots = [0]
        with_slots = False
    mentors = list(range(len(inst.mentors))) if mentors is None else mentors
    keys, classes = _whole_classes(inst, units, slots, with_slots, mentors)
    model_classes = [
        ModelClass(
            classes[k],
            inst.size(classes[k][0]),
            dict(inst.unit_counts[classes[k][0]]),
            frozenset(k[1]),
            k[2] >= 0,
        )
        for k in keys
    ]
    index = {u: c for c, k in enumerate(keys) for u in classes[k]}
    if inst.settings.led_by_mentors:
        places = _mentor_places(inst, slots, with_slots, mentors, index)
    else:
        places = [
            Place(inst.settings.max_size)
            for _ in range(inst.students(units) // inst.settings.min_size)
        ]
    avoid = [(index[x], index[y]) for x, y in sorted(inst.avoid_units) if x in index and y in index]
    name = "groups_exact" if with_slots else "groups_bound_everyone_free"
    model = GroupModel(name, model_classes, places, len(slots), rules, avoid)
    return model, [classes[k] for k in keys], slots


# -- improvement ------------------------------------------------------------------------------
HOOD_GROUPS = 4  # groups re-formed together in one improvement step
HOOD_SECONDS = 2.0  # time for one improvement step


def improve(
    inst: Instance,
    groups: list[Group],
    levels: Levels,
    solver: str,
    until: float,
    clock: Callable[[], float],
) -> None:
    """Large-neighbourhood search: re-form the weakest group together with the groups whose
    members can meet with it (exactly, slot choice included), keeping every change that
    improves (placed, worst, total) of the groups involved."""
    top = inst.rules.top
    tried: set[tuple] = set()
    while clock() < until - 0.5 and groups:
        measure(inst, groups, levels)
        if proven(levels):
            break
        scores = [inst.rules.score(_counts(inst, g.units)) for g in groups]
        order = sorted(range(len(groups)), key=lambda g: (scores[g], _sig(inst, groups[g])))
        target = next(
            (g for g in order if scores[g] < top and _sig(inst, groups[g]) not in tried), None
        )
        if target is None:
            break
        hood = _neighbourhood(inst, groups, target, scores)
        before = [groups[g] for g in hood]
        after = _reform(inst, before, solver, min(until - clock(), HOOD_SECONDS), clock)
        if after is None:
            tried.add(_sig(inst, groups[target]))
            continue
        for g in sorted(hood, reverse=True):
            groups.pop(g)
        groups.extend(after)


def _sig(inst: Instance, grp: Group) -> tuple:
    return tuple(sorted(inst.units[u][0] for u in grp.units))


def _neighbourhood(
    inst: Instance, groups: list[Group], target: int, scores: list[int]
) -> list[int]:
    """The target group and the groups most able to meet with it, strongest first."""
    mine = inst.unit_free[groups[target].units].sum(axis=0)
    size = inst.students(groups[target].units)
    ranked = []
    for g, grp in enumerate(groups):
        if g == target:
            continue
        theirs = inst.unit_free[grp.units].sum(axis=0)
        if grp.mentor is not None:
            theirs = theirs * inst.mentors[grp.mentor].free
        together = float(((mine + theirs) / (size + len(grp.units))).max())
        ranked.append((-round(together, 2), -scores[g], _sig(inst, grp), g))
    ranked.sort()
    return sorted([target, *(g for *_, g in ranked[: HOOD_GROUPS - 1])])


def _reform(
    inst: Instance, before: list[Group], solver: str, budget: float, clock: Callable[[], float]
) -> list[Group] | None:
    units = sorted(u for g in before for u in g.units)
    mentors = sorted(g.mentor for g in before if g.mentor is not None)
    model, class_units, slots = whole_model(inst, units, with_slots=True, mentors=mentors)
    model.load(to_plan(inst, model, class_units, before, slots))
    end = clock() + budget
    out = model.run_phase("placed+worst", solver, max(0.3, 0.6 * budget))
    if out.status not in ("optimal", "feasible"):
        return None
    scale = inst.rules.top + 1
    placed, worst = divmod(int(out.value), scale)
    model.require_placed(placed)
    model.require_worst(worst)
    out = model.run_phase("total", solver, max(0.3, end - clock()))
    after = from_plan(inst, model, class_units, model.plan(), slots)

    if any(_group_problems(inst, g) for g in after) or plan_value(inst, after) <= plan_value(
        inst, before
    ):
        return None
    return after


def relaxation_bounds(
    inst: Instance,
    units: list[int],
    groups: list[Group],
    levels: Levels,
    solver: str,
    until: float,
    clock: Callable[[], float],
) -> None:
    """Bounds from the model where everyone is free together (no slots, no chunks): its MILP
    dual bound, or for a large cohort its LP bound (cheaper, weaker)."""
    classes = {
        (composition_key(inst, u), u)
        if any(u in p for p in inst.avoid_units)
        else composition_key(inst, u)
        for u in units
    }
    places = (
        len(inst.mentors)
        if inst.settings.led_by_mentors
        else inst.students(units) // inst.settings.min_size
    )
    if len(classes) * places > HUGE_MODEL:
        # Too large to build in time: the trivial bounds (every group perfect), said as such.
        levels.worst_bound = inst.rules.top
        levels.total_bound = inst.rules.top * inst.students(units)
        return
    model, class_units, slots = whole_model(inst, units, with_slots=False)
    if len(model.n) > LARGE_MODEL:
        # Without the placed count (still a valid bound): that LP is far quicker.
        worst = model.lp_bound("worst", solver, max(0.5, until - clock()))
        if worst is None:
            return
        levels.worst_bound = max(levels.worst, int(worst))
        levels.total_bound = max(levels.total, inst.rules.top * inst.students(units))
        return
    model.require_placed(levels.placed)
    model.load(to_plan(inst, model, class_units, groups, slots))
    out = model.run_phase("worst", solver, max(0.5, 0.6 * (until - clock())))
    if out.status not in ("optimal", "feasible"):
        return
    levels.worst_bound = max(levels.worst, int(out.bound))
    model.require_worst(levels.worst)
    out = model.run_phase("total", solver, max(0.5, until - clock()))
    if out.status in ("optimal", "feasible"):
        levels.total_bound = max(levels.total, int(out.bound))


def full_model(
    inst: Instance,
    units: list[int],
    groups: list[Group],
    levels: Levels,
    solver: str,
    deadline: float,
    clock: Callable[[], float],
) -> list[Group] | None:
    """Solve the whole cohort as one exact model with slot choice (small cohorts only)."""
    model, class_units, slots = whole_model(inst, units, with_slots=True)
    if groups:
        model.load(to_plan(inst, model, class_units, groups, slots))
    scale = inst.rules.top + 1
    out = model.run_phase(
        "placed+worst", solver, max(0.5, 0.6 * (deadline - clock())), warm=bool(groups)
    )
    if out.status not in ("optimal", "feasible"):
        return None
    placed, worst = divmod(int(out.value), scale)
    ub = int(out.bound)
    levels.placed_bound = min(levels.placed_bound, ub // scale)
    if ub // scale == placed:
        wb = ub - placed * scale
        levels.worst_bound = wb if levels.worst_bound is None else min(levels.worst_bound, wb)
    found = from_plan(inst, model, class_units, model.plan(), slots)
    model.require_placed(placed)
    model.require_worst(worst)
    out = model.run_phase("total", solver, max(0.5, deadline - clock()))
    if out.status in ("optimal", "feasible"):
        found = from_plan(inst, model, class_units, model.plan(), slots)
        if levels.worst_bound is not None and worst >= levels.worst_bound:
            tb = int(out.bound)
            levels.total_bound = (
                tb
                if levels.total_bound is None or levels.worst < worst
                else min(levels.total_bound, tb)
            )
    mine = (levels.placed, levels.worst, levels.total)
    return found if plan_value(inst, found) > mine else None
