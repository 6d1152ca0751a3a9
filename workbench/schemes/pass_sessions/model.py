"""The PASS optimisation models: *compact* (one variable per module and slot) and *patterns*.

Both share the leader and room rules; they differ in how a module's sessions are chosen.

* **compact**: ``session[m, s]`` binary per candidate slot; reach through group variables
  ``reach[m, g] <= sum of session[m, s]`` over the slots group ``g`` is free at. Works for any
  number of sessions per module, but its LP relaxation is weak (a coverage LP spreads fractional
  sessions everywhere).
* **patterns**: every set of ``sessions_per_module`` candidate slots of a module (a *plan* of
  the module) is enumerated with its exact reach and slot preferences; ``plan[m, c]`` binary,
  one per module. Plans that cannot be in an optimal solution are pruned exactly: a plan ``c``
  of ``m`` is kept only if ``value(c) + sum of the other modules' best values`` reaches the
  greedy plan's objective. The LP relaxation is then exact within each module and only the
  shared leaders and rooms are relaxed, so it proves optimality fast. Used when the plans are
  few enough (``formulation="auto"``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pulp

from workbench.schemes.pass_sessions.instance import ModuleData, PassInstance, PlannedSession

MAX_PLANS_PER_MODULE = 25_000  # enumerated before pruning, one module
MAX_PLANS_ENUMERATED = 150_000  # enumerated before pruning, all modules together
MAX_PLANS_KEPT = 20_000  # kept after pruning, all modules together

Terms = list[tuple[pulp.LpVariable, float]]


@dataclass
class PassModel:
    prob: pulp.LpProblem
    kind: str  # "compact" | "patterns"
    sessions: dict[tuple[int, int], Terms]  # (module, slot) -> the expression "session held"
    x: dict[tuple[int, int, str], pulp.LpVariable] = field(default_factory=dict)
    no_leader: dict[tuple[int, int], pulp.LpVariable] = field(default_factory=dict)
    w: dict[tuple[int, str], pulp.LpVariable] = field(default_factory=dict)
    # compact
    y: dict[tuple[int, int], pulp.LpVariable] = field(default_factory=dict)
    z: dict[tuple[int, int], pulp.LpVariable] = field(default_factory=dict)
    short: dict[int, pulp.LpVariable] = field(default_factory=dict)
    d: dict[tuple[int, int], pulp.LpVariable] = field(default_factory=dict)
    # patterns
    plans: dict[int, list[tuple[tuple[int, ...], pulp.LpVariable]]] = field(default_factory=dict)
    plans_enumerated: int = 0
    # budget
    used: dict[str, pulp.LpVariable] = field(default_factory=dict)  # leader -> leader used

    def held(self, mi: int, si: int) -> bool:
        terms = self.sessions.get((mi, si), [])
        return sum((v.varValue or 0.0) * c for v, c in terms) > 0.5


def big_penalty(inst: PassInstance) -> float:
    """Weight of a locked session without a leader, and of a missing session without a budget:
    more than every student the plan could reach."""
    return float(inst.targeted_pairs + 1)


def missing_penalty(inst: PassInstance) -> float:
    """Weight of a missing session: above all reach without a budget (place every session the
    rules allow, then reach the most); with a budget, below one student (reach the most within
    the budget, then place the sessions it still pays for)."""
    if inst.missing_weight is not None:
        return inst.missing_weight
    return big_penalty(inst)


def plan_value(
    inst: PassInstance, mi: int, slots: tuple[int, ...] | list[int], reach: int | None = None
) -> float:
    """A module's share of the objective for these session slots (leaders aside)."""
    mod = inst.modules[mi]
    settings = inst.settings
    if reach is None:
        reach = int(mod.free[:, list(slots)].any(axis=1).sum()) if slots and mod.enrolled else 0
    pos = {s: j for j, s in enumerate(mod.candidates)}
    pen = sum(float(mod.penalty[pos[s]]) for s in slots)
    days = [inst.slots[s].day for s in slots]
    extra = sum(days.count(day) - 1 for day in set(days))
    if settings.penalties.same_day <= 0 or mod.sessions < 2:
        extra = 0
    return (
        reach
        - missing_penalty(inst) * max(0, mod.placeable - len(slots))
        - inst.pref_scale * (pen + settings.penalties.same_day * extra)
    )


def plan_objective(inst: PassInstance, plan: list[PlannedSession]) -> tuple[int, float]:
    """(reach, objective) of any plan, by the models' objective."""
    big = big_penalty(inst)
    reach = 0
    value = 0.0
    for mi, mod in enumerate(inst.modules):
        mine = [ps for ps in plan if ps.module == mi]
        slots = [ps.slot for ps in mine]
        r = int(mod.free[:, slots].any(axis=1).sum()) if slots and mod.enrolled else 0
        reach += r
        value += plan_value(inst, mi, slots, r)
        value -= big * sum(1 for ps in mine if ps.leader_id is None and ps.locked)
        leaders = {ps.leader_id for ps in mine if ps.leader_id is not None}
        value -= inst.pref_scale * inst.settings.fewer_leaders_weight * len(leaders)
    return reach, value


# --------------------------------------------------------------------------------------------
# Plans of one module (patterns formulation)


def _plan_count(inst: PassInstance, mi: int) -> int:
    mod = inst.modules[mi]
    n_free = len(mod.candidates) - len(mod.locked)
    return sum(
        math.comb(n_free, n - len(mod.locked))
        for n in range(len(mod.locked), max(mod.placeable, len(mod.locked)) + 1)
    )


def _module_plans(inst: PassInstance, mi: int) -> tuple[list[tuple[int, ...]], np.ndarray]:
    """Every set of candidate slots the module may hold (all sizes from its locked sessions up
    to the sessions it can place) with its value, by the same rule as :func:`plan_value`."""
    mod = inst.modules[mi]
    settings = inst.settings
    pos = {s: j for j, s in enumerate(mod.candidates)}
    locked = [pos[s] for s in sorted(mod.locked)]
    free_pos = [pos[s] for s in mod.candidates if s not in mod.locked]
    days = np.array([inst.slots[s].day for s in mod.candidates], dtype=np.int64)
    big = missing_penalty(inst)
    same_day = settings.penalties.same_day if mod.sessions >= 2 else 0.0
    plans: list[tuple[int, ...]] = []
    values: list[np.ndarray] = []
    for n in range(len(locked), max(mod.placeable, len(locked)) + 1):
        r = n - len(locked)
        picks = list(combinations(free_pos, r))
        extra = np.array(picks, dtype=np.int64).reshape(len(picks), r)
        cols = np.hstack([np.tile(np.array(locked, dtype=np.int64), (len(extra), 1)), extra])
        reach = _plan_reach(mod, cols)
        pen = mod.penalty[cols].sum(axis=1) if n else np.zeros(len(cols))
        if n >= 2:
            d = np.sort(days[cols], axis=1)
            repeats = (d[:, 1:] == d[:, :-1]).sum(axis=1)
        else:
            repeats = np.zeros(len(cols))
        values.append(
            reach - big * max(0, mod.placeable - n) - inst.pref_scale * (pen + same_day * repeats)
        )
        cand = np.array(mod.candidates, dtype=np.int64)
        plans.extend(tuple(sorted(row)) for row in cand[cols].tolist())
    return plans, np.concatenate(values) if values else np.zeros(0)


def _plan_reach(mod: ModuleData, cols: np.ndarray) -> np.ndarray:
    """Exact reach of each plan (rows of candidate positions): students minus those busy at
    every slot of the plan."""
    if not mod.enrolled or not len(mod.weights) or cols.shape[1] == 0:
        return np.zeros(len(cols), dtype=np.int64)
    busy = ~mod.patterns  # (groups, candidates)
    total = int(mod.weights.sum())
    out = np.zeros(len(cols), dtype=np.int64)
    for lo in range(0, len(cols), 2048):
        missed = busy[:, cols[lo : lo + 2048]].all(axis=2)  # (groups, chunk)
        out[lo : lo + 2048] = total - mod.weights @ missed
    return out


def pruned_plans(
    inst: PassInstance, floor: float
) -> dict[int, tuple[list[tuple[int, ...]], np.ndarray]] | None:
    """Every module's plans that can be in a plan at least as good as ``floor``; None when
    enumeration is too large (use the compact model)."""
    counts = [_plan_count(inst, mi) for mi in range(len(inst.modules))]
    if max(counts, default=0) > MAX_PLANS_PER_MODULE or sum(counts) > MAX_PLANS_ENUMERATED:
        return None
    plans = {mi: _module_plans(inst, mi) for mi in range(len(inst.modules))}
    best = {mi: float(v.max()) for mi, (_, v) in plans.items()}
    ceiling = sum(best.values())
    kept: dict[int, tuple[list[tuple[int, ...]], np.ndarray]] = {}
    for mi, (ps, values) in plans.items():
        keep = values + (ceiling - best[mi]) >= floor - 1e-6
        kept[mi] = ([p for p, k in zip(ps, keep, strict=True) if k], values[keep])
    if sum(len(ps) for ps, _ in kept.values()) > MAX_PLANS_KEPT:
        return None
    return kept


# --------------------------------------------------------------------------------------------
# Building the models


def build_model(inst: PassInstance, greedy: list[PlannedSession], kind: str = "auto") -> PassModel:
    """The model of ``kind`` ("auto": patterns when they are few enough, else compact)."""
    if kind not in ("auto", "patterns", "compact"):
        raise ValueError(f"unknown formulation {kind!r}")
    if kind in ("auto", "patterns") and inst.settings.sessions_per_module <= 4:
        _, floor = plan_objective(inst, greedy)
        plans = pruned_plans(inst, floor)
        if plans is not None:
            return _build_patterns(inst, plans)
    return _build_compact(inst)


def _build_compact(inst: PassInstance) -> PassModel:
    prob = pulp.LpProblem("pass_sessions", pulp.LpMaximize)
    add = prob.add_variable
    scale = inst.pref_scale
    settings = inst.settings
    obj: Terms = []
    cons: dict[str, pulp.LpConstraint] = {}
    model = PassModel(prob, "compact", {})
    missing = missing_penalty(inst)
    for mi, mod in enumerate(inst.modules):
        cands = mod.candidates
        for j, si in enumerate(cands):
            v = add(f"session_m{mi}_s{si}", 1 if si in mod.locked else 0, 1, pulp.LpInteger)
            model.y[mi, si] = v
            model.sessions[mi, si] = [(v, 1.0)]
            if scale:
                obj.append((v, -scale * float(mod.penalty[j])))
        s_var = add(f"missing_sessions_m{mi}", 0, mod.placeable)
        model.short[mi] = s_var
        obj.append((s_var, -missing))
        cons[f"sessions_per_module_m{mi}"] = (
            pulp.LpAffineExpression([(model.y[mi, si], 1.0) for si in cands] + [(s_var, 1.0)])
            == mod.placeable
        )
        for g in range(len(mod.weights)):
            zv = add(f"reach_m{mi}_g{g}", 0, 1)
            model.z[mi, g] = zv
            obj.append((zv, float(mod.weights[g])))
            pattern = mod.patterns[g]
            free_idx = np.flatnonzero(pattern)
            busy_idx = np.flatnonzero(~pattern)
            if len(free_idx) <= len(busy_idx) + 1:
                expr = [(zv, 1.0)] + [(model.y[mi, cands[j]], -1.0) for j in free_idx]
                cons[f"reach_needs_a_free_session_m{mi}_g{g}"] = pulp.LpAffineExpression(expr) <= 0
            else:  # the same rule in fewer terms: sessions held = wanted - missing
                expr = [(zv, 1.0), (s_var, 1.0)] + [(model.y[mi, cands[j]], 1.0) for j in busy_idx]
                cons[f"reach_needs_a_free_session_m{mi}_g{g}"] = (
                    pulp.LpAffineExpression(expr) <= mod.placeable
                )
        same_day = settings.penalties.same_day
        if same_day > 0 and scale and mod.sessions >= 2:
            days: dict[int, list[pulp.LpVariable]] = {}
            for si in cands:
                days.setdefault(inst.slots[si].day, []).append(model.y[mi, si])
            for day, ys in days.items():
                if len(ys) < 2:
                    continue
                dv = add(f"same_day_extra_m{mi}_d{day}", 0, None)
                model.d[mi, day] = dv
                obj.append((dv, -scale * same_day))
                cons[f"same_day_sessions_m{mi}_d{day}"] = (
                    pulp.LpAffineExpression([(v, 1.0) for v in ys] + [(dv, -1.0)]) <= 1
                )
    _shared_rules(inst, model, obj, cons)
    _budget_rule(inst, model, cons)
    prob.setObjective(pulp.LpAffineExpression(obj))
    prob.extend(cons)
    return model


def _build_patterns(
    inst: PassInstance, plans: dict[int, tuple[list[tuple[int, ...]], np.ndarray]]
) -> PassModel:
    prob = pulp.LpProblem("pass_sessions", pulp.LpMaximize)
    add = prob.add_variable
    obj: Terms = []
    cons: dict[str, pulp.LpConstraint] = {}
    model = PassModel(prob, "patterns", {})
    for mi, (ps, values) in plans.items():
        model.plans[mi] = []
        model.plans_enumerated += len(ps)
        terms: Terms = []
        for c, (slots, value) in enumerate(zip(ps, values, strict=True)):
            v = add(f"plan_m{mi}_c{c}", 0, 1, pulp.LpInteger)
            model.plans[mi].append((slots, v))
            obj.append((v, float(value)))
            terms.append((v, 1.0))
            for si in slots:
                model.sessions.setdefault((mi, si), []).append((v, 1.0))
        cons[f"one_plan_per_module_m{mi}"] = pulp.LpAffineExpression(terms) == 1
    _shared_rules(inst, model, obj, cons)
    _budget_rule(inst, model, cons)
    prob.setObjective(pulp.LpAffineExpression(obj))
    prob.extend(cons)
    return model


def _shared_rules(
    inst: PassInstance, model: PassModel, obj: Terms, cons: dict[str, pulp.LpConstraint]
) -> None:
    """The rules both formulations share, each its own function: leaders (one per session, a
    module's leader limit, a weekly maximum, one place at a time) and rooms (enough free rooms
    that seat each session at each slot)."""
    leader_no = {lid: i for i, lid in enumerate(sorted(inst.leader_free))}
    lead_by_leader: dict[str, list[tuple[int, pulp.LpVariable]]] = {}
    for mi, mod in enumerate(inst.modules):
        per_leader = rule_one_leader_per_session(
            inst, model, mi, mod, leader_no, obj, cons, lead_by_leader
        )
        rule_leader_module_max(inst, model, mi, mod, per_leader, leader_no, obj, cons)
    for lid, items in lead_by_leader.items():
        rule_leader_weekly_max(inst, lid, items, leader_no[lid], cons)
        rule_leader_one_place_at_a_time(inst, items, leader_no[lid], cons)
    rule_rooms_seating(inst, model, cons)


def _leaders_for(inst: PassInstance, mod: ModuleData, si: int) -> list[str]:
    """Who may lead module ``mod``'s session at slot ``si``: its locked leader, or every leader
    of the module free then with sessions left to give."""
    named = mod.locked.get(si)
    if named is not None:
        return [named]
    return [
        lid
        for lid in mod.leaders
        if inst.leader_free[lid][si]
        and mod.leader_cap.get(lid, 0) > 0
        and inst.leader_max.get(lid, 0) > 0
    ]


def rule_one_leader_per_session(
    inst: PassInstance,
    model: PassModel,
    mi: int,
    mod: ModuleData,
    leader_no: dict[str, int],
    obj: Terms,
    cons: dict[str, pulp.LpConstraint],
    lead_by_leader: dict[str, list[tuple[int, pulp.LpVariable]]],
) -> dict[str, list[pulp.LpVariable]]:
    """Every session held has exactly one leader (``lead`` variables); a locked session whose
    leader cannot come is held leaderless at a large penalty. Returns the lead variables of the
    module by leader."""
    add = model.prob.add_variable
    per_leader: dict[str, list[pulp.LpVariable]] = {}
    for si in mod.candidates:
        held = model.sessions.get((mi, si))
        if not held:
            continue
        named = mod.locked.get(si)
        terms: Terms = []
        for lid in _leaders_for(inst, mod, si):
            lead = add(f"lead_m{mi}_s{si}_l{leader_no[lid]}", 1 if named else 0, 1, pulp.LpInteger)
            model.x[mi, si, lid] = lead
            terms.append((lead, 1.0))
            per_leader.setdefault(lid, []).append(lead)
            lead_by_leader.setdefault(lid, []).append((si, lead))
        if si in mod.locked and named is None:
            no_leader = add(f"locked_session_without_leader_m{mi}_s{si}", 0, 1)
            model.no_leader[mi, si] = no_leader
            obj.append((no_leader, -big_penalty(inst)))
            terms.append((no_leader, 1.0))
        terms.extend((v, -c) for v, c in held)
        cons[f"one_leader_per_session_m{mi}_s{si}"] = pulp.LpAffineExpression(terms) == 0
    return per_leader


def rule_leader_module_max(
    inst: PassInstance,
    model: PassModel,
    mi: int,
    mod: ModuleData,
    per_leader: dict[str, list[pulp.LpVariable]],
    leader_no: dict[str, int],
    obj: Terms,
    cons: dict[str, pulp.LpConstraint],
) -> None:
    """A leader leads at most their limit of a module's sessions; with the "fewer leaders"
    preference, ``leads_module`` marks each leader a module uses (a small reward for fewer)."""
    weight = inst.settings.fewer_leaders_weight
    for lid, leads in per_leader.items():
        cap = min(mod.leader_cap.get(lid, 0), mod.sessions)
        li = leader_no[lid]
        if weight > 0 and inst.pref_scale:
            leads_module = model.prob.add_variable(
                f"leads_module_m{mi}_l{li}", 0, 1, pulp.LpInteger
            )
            model.w[mi, lid] = leads_module
            obj.append((leads_module, -inst.pref_scale * weight))
            cons[f"leader_module_max_m{mi}_l{li}"] = (
                pulp.LpAffineExpression([(v, 1.0) for v in leads] + [(leads_module, -float(cap))])
                <= 0
            )
        elif len(leads) > cap:
            cons[f"leader_module_max_m{mi}_l{li}"] = (
                pulp.LpAffineExpression([(v, 1.0) for v in leads]) <= cap
            )


def rule_leader_weekly_max(
    inst: PassInstance,
    lid: str,
    items: list[tuple[int, pulp.LpVariable]],
    li: int,
    cons: dict[str, pulp.LpConstraint],
) -> None:
    """A leader leads at most their weekly maximum of sessions, over every module."""
    limit = inst.leader_max.get(lid, 0)
    if len(items) > limit:
        cons[f"leader_weekly_max_l{li}"] = (
            pulp.LpAffineExpression([(v, 1.0) for _, v in items]) <= limit
        )


def rule_leader_one_place_at_a_time(
    inst: PassInstance,
    items: list[tuple[int, pulp.LpVariable]],
    li: int,
    cons: dict[str, pulp.LpConstraint],
) -> None:
    """A leader is in one place at a time: at each session start, at most one of the sessions
    running then is theirs."""
    for si in sorted({si for si, _ in items}):
        here = inst.slots[si]
        at = [
            v
            for t, v in items
            if inst.slots[t].day == here.day
            and inst.slots[t].start <= here.start < inst.slots[t].end
        ]
        if len(at) > 1:
            cons[f"leader_one_place_at_a_time_l{li}_s{si}"] = (
                pulp.LpAffineExpression([(v, 1.0) for v in at]) <= 1
            )


def rule_rooms_seating(
    inst: PassInstance, model: PassModel, cons: dict[str, pulp.LpConstraint]
) -> None:
    """At every slot, the sessions needing at least ``t`` seats are no more than the free rooms
    seating ``t`` (for each seat count ``t`` in use): rooms assigned by counting, exactly."""
    for si in range(len(inst.slots)):
        here = [
            (inst.modules[mi].need, model.sessions[mi, si])
            for mi, mod in enumerate(inst.modules)
            if (mi, si) in model.sessions and si not in mod.locked
        ]
        if not here:
            continue
        free_caps = inst.room_cap[inst.room_free[:, si]]
        for t in sorted({n for n, _ in here}, reverse=True):
            terms = [tc for n, held in here if n >= t for tc in held]
            rooms = int((free_caps >= t).sum())
            if sum(1 for n, _ in here if n >= t) > rooms:
                cons[f"rooms_seating_{t}_s{si}"] = pulp.LpAffineExpression(terms) <= rooms


def _budget_rule(inst: PassInstance, model: PassModel, cons: dict[str, pulp.LpConstraint]) -> None:
    """``budget``: cost per session x sessions held + cost per leader x leaders used <= the
    budget less the fixed staff time; ``leader_used[l] >= lead[m, s, l]`` for every session
    leader ``l`` may lead."""
    if not inst.budget_active:
        return
    cost = inst.cost_model
    coef: dict[str, float] = {}  # by variable name: a plan holds several sessions
    variables: dict[str, pulp.LpVariable] = {}
    if cost.per_session > 0:
        for held in model.sessions.values():
            for v, c in held:
                coef[v.name] = coef.get(v.name, 0.0) + cost.per_session * c
                variables[v.name] = v
    terms: Terms = [(variables[name], c) for name, c in coef.items()]
    if cost.per_leader > 0:
        leader_no = {lid: i for i, lid in enumerate(sorted(inst.leader_free))}
        for (mi, si, lid), xv in model.x.items():
            uv = model.used.get(lid)
            if uv is None:
                li = leader_no[lid]
                uv = model.prob.add_variable(f"leader_used_l{li}", 0, 1, pulp.LpInteger)
                model.used[lid] = uv
                terms.append((uv, cost.per_leader))
            cons[f"leader_used_l{leader_no[lid]}_m{mi}_s{si}"] = (
                pulp.LpAffineExpression([(xv, 1.0), (uv, -1.0)]) <= 0
            )
        # The same rule summed over a leader's week (tightens the LP: a leader leading k
        # sessions counts at least k / weekly maximum of a leader).
        by_leader: dict[str, Terms] = {}
        for (_, _, lid), xv in model.x.items():
            by_leader.setdefault(lid, []).append((xv, 1.0))
        for lid, xs in by_leader.items():
            most = max(1, min(len(xs), inst.leader_max.get(lid, 0)))
            cons[f"leader_used_weekly_l{leader_no[lid]}"] = (
                pulp.LpAffineExpression([*xs, (model.used[lid], -float(most))]) <= 0
            )
    cons["budget"] = pulp.LpAffineExpression(terms) <= inst.budget_left


# --------------------------------------------------------------------------------------------
# Warm start and reading the plan back


def warm_start(inst: PassInstance, model: PassModel, plan: list[PlannedSession]) -> None:
    """Set every variable to the plan's value (a complete, feasible start)."""
    for v in model.prob.variables():
        v.setInitialValue(v.lowBound or 0)
    chosen: dict[int, list[int]] = {}
    for ps in plan:
        chosen.setdefault(ps.module, []).append(ps.slot)
        if ps.leader_id is not None and (ps.module, ps.slot, ps.leader_id) in model.x:
            model.x[ps.module, ps.slot, ps.leader_id].setInitialValue(1)
            if ps.leader_id in model.used:
                model.used[ps.leader_id].setInitialValue(1)
            if (ps.module, ps.leader_id) in model.w:
                model.w[ps.module, ps.leader_id].setInitialValue(1)
        elif (ps.module, ps.slot) in model.no_leader:
            model.no_leader[ps.module, ps.slot].setInitialValue(1)
    for mi, mod in enumerate(inst.modules):
        slots = sorted(chosen.get(mi, []))
        if model.kind == "patterns":
            for combo, v in model.plans.get(mi, []):
                if combo == tuple(slots):
                    v.setInitialValue(1)
            continue
        for si in slots:
            model.y[mi, si].setInitialValue(1)
        model.short[mi].setInitialValue(mod.placeable - len(slots))
        idx = [mod.candidates.index(s) for s in slots]
        if len(mod.weights):
            hit = mod.patterns[:, idx].any(axis=1) if idx else np.zeros(len(mod.weights), bool)
            for g in np.flatnonzero(hit):
                model.z[mi, int(g)].setInitialValue(1)
        per_day: dict[int, int] = {}
        for s in slots:
            per_day[inst.slots[s].day] = per_day.get(inst.slots[s].day, 0) + 1
        for day, n in per_day.items():
            if (mi, day) in model.d:
                model.d[mi, day].setInitialValue(max(0, n - 1))


def plan_from_model(inst: PassInstance, model: PassModel) -> list[PlannedSession]:
    """The sessions and leaders of the solved model (rooms are given out afterwards)."""
    leader_of: dict[tuple[int, int], str] = {}
    for (mi, si, lid), xv in model.x.items():
        if (xv.varValue or 0.0) > 0.5:
            leader_of[mi, si] = lid
    plan = []
    for mi, si in sorted(model.sessions):
        if model.held(mi, si):
            plan.append(
                PlannedSession(
                    mi,
                    si,
                    leader_of.get((mi, si)),
                    inst.locked_rooms.get((mi, si)),
                    si in inst.modules[mi].locked,
                )
            )
    return plan
