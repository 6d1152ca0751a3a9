"""The group-formation MILP: group places x classes of interchangeable students.

Students (or keep-together units of students) with the same values on every attribute the rules
look at, and free at the same candidate slots, are interchangeable: they form a *class*, and the
model counts how many units of each class join each group (``n[g, c]``, integer). This keeps the
model small (a 63-student module with three programmes and two fee statuses has about a dozen
classes) and removes the symmetry between identical students.

A *place* is a group that may be opened: a generic one, or one led by a given mentor (its size is
then at most the mentor's capacity and it meets when the mentor is free). Places of the same kind
are interchangeable, so they are ordered by size.

Group quality is exact integer arithmetic: each criterion contributes an integer part between 0
and ``cap - 1`` (see :mod:`workbench.schemes.groups.rules`), scaled so that every criterion weighs the
same; the worst group's score ``t`` is an integer variable, so the LP bound is rounded down to
the next reachable score for free.

The solve is lexicographic, one phase per level: most students placed, then the best worst
group, then the best total; each phase keeps the previous optimum as a constraint and starts
from the previous phase's plan.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pulp

from workbench.schemes.groups.rules import Rules
from workbench.schemes.solving import solve

Plan = list[tuple[int, int, dict[int, int]]]  # (place, model slot, {class: units})


@dataclass
class ModelClass:
    """Interchangeable units: ``len(units)`` units of ``size`` students each."""

    units: list[int]
    size: int
    counts: dict[tuple[str, Any], int]  # (attribute, value) -> members of one unit with it
    free: frozenset[int]  # model slots where every member is free
    solo: bool = False  # a single unit kept apart because it is on the avoid list


@dataclass
class Place:
    """A group that may be opened, possibly led by a mentor."""

    cap: int
    free: frozenset[int] | None = None  # model slots the group may meet at (None: any)
    mentor: str | None = None
    forbid: frozenset[int] = frozenset()  # classes that may not join (avoid the mentor)
    twin: int = 0  # places with the same twin key are interchangeable


@dataclass
class PhaseOutcome:
    """One lexicographic level: value reached and proven upper bound."""

    value: float
    bound: float
    status: str
    seconds: float

    @property
    def proven(self) -> bool:
        return self.bound <= self.value + 1e-6


def _expr(
    pairs: list[tuple[pulp.LpVariable, float]], const: float = 0.0
) -> pulp.LpAffineExpression:
    return pulp.LpAffineExpression(pairs, constant=const)


def no_isolation_rows(
    name: str, terms: list[tuple[pulp.LpVariable, float]], has: pulp.LpVariable, cap: float
) -> dict[str, pulp.LpConstraint]:
    """The no-isolation rule on one value in one group (or block of groups): ``terms`` count
    its students, 0 or at least 2; ``has`` says whether it has any, ``cap`` bounds the count."""
    return {
        f"{name}_two": _expr(terms + [(has, -2)]) >= 0,
        f"{name}_cap": _expr(terms + [(has, -cap)]) <= 0,
    }


class GroupModel:
    """The MILP over places and classes; phases are run with :meth:`run_phase`."""

    def __init__(
        self,
        name: str,
        classes: list[ModelClass],
        places: list[Place],
        n_slots: int,
        rules: Rules,
        avoid: list[tuple[int, int]],
    ) -> None:
        self.name = name
        self.classes = classes
        self.places = places
        self.n_slots = n_slots
        self.rules = rules
        self.prob = pulp.LpProblem(name, pulp.LpMaximize)
        self.rows: dict[str, pulp.LpConstraint] = {}
        self.n: dict[tuple[int, int], pulp.LpVariable] = {}
        self.u: list[pulp.LpVariable] = []
        self.w: dict[tuple[int, int], pulp.LpVariable] = {}
        self.aux_iso: dict[tuple[int, str, Any], pulp.LpVariable] = {}
        self.aux_y: dict[tuple[int, int, Any], pulp.LpVariable] = {}
        self.aux_y0: dict[tuple[int, int], pulp.LpVariable] = {}
        self.aux_z: dict[tuple[int, int, Any], pulp.LpVariable] = {}
        self.aux_ch: dict[tuple[int, int, Any], pulp.LpVariable] = {}
        self.aux_ch0: dict[tuple[int, int], pulp.LpVariable] = {}
        self.aux_m: dict[tuple[int, int], pulp.LpVariable] = {}
        self.part: dict[tuple[int, int], pulp.LpVariable] = {}
        self.t: pulp.LpVariable | None = None
        self._build(avoid)

    # -- building ------------------------------------------------------------------------------
    def _ub(self, p: int, c: int) -> int:
        cls = self.classes[c]
        return min(len(cls.units), self.places[p].cap // cls.size)

    def _build(self, avoid: list[tuple[int, int]]) -> None:
        prob, rows = self.prob, self.rows
        add = prob.add_variable
        for p, place in enumerate(self.places):
            self.u.append(add(f"open_{p}", 0, 1, pulp.LpBinary))
            for c, cls in enumerate(self.classes):
                if c in place.forbid:
                    continue
                if place.free is not None and not (place.free & cls.free):
                    continue
                ub = self._ub(p, c)
                if ub < 1:
                    continue
                cat = pulp.LpBinary if ub == 1 else pulp.LpInteger
                self.n[p, c] = add(f"n_{p}_{c}", 0, ub, cat)
        self.by_place: list[list[int]] = [[] for _ in self.places]
        self.by_class: list[list[int]] = [[] for _ in self.classes]
        for p, c in self.n:
            self.by_place[p].append(c)
            self.by_class[c].append(p)
        self._rule_units_of_class()
        self._rule_group_size()
        self._rule_order_places()
        self._rule_meeting_slot()
        self._rule_no_isolation()
        self._rule_avoid(avoid)
        self.scores = [self._build_score(p) for p in range(len(self.places))]
        self.placed = _expr([(v, self.classes[c].size) for (_, c), v in self.n.items()])
        self.total = self._build_total()
        prob.extend(rows)
        self.rows = {}
        self._worst_var()

    def _rule_units_of_class(self) -> None:
        """Each class has only so many units."""
        for c, cls in enumerate(self.classes):
            if self.by_class[c]:
                self.rows[f"units_of_class_{c}"] = _expr(
                    [(self.n[p, c], 1) for p in self.by_class[c]]
                ) <= len(cls.units)

    def _rule_group_size(self) -> None:
        """An open group has min-max students (at most its mentor's capacity); ``self.size``
        is each group's size."""
        rows, rules = self.rows, self.rules
        self.size: list[pulp.LpAffineExpression] = []
        for p, place in enumerate(self.places):
            size = _expr([(self.n[p, c], self.classes[c].size) for c in self.by_place[p]])
            self.size.append(size)
            rows[f"group_size_at_least_{p}"] = size - rules.min_size * self.u[p] >= 0
            rows[f"group_size_at_most_{p}"] = size - min(place.cap, rules.max_size) * self.u[p] <= 0

    def _rule_order_places(self) -> None:
        """Interchangeable places are ordered by size (no symmetric plans)."""
        for p in range(len(self.places) - 1):
            if self.places[p].twin == self.places[p + 1].twin:
                self.rows[f"order_places_{p}"] = self.size[p] - self.size[p + 1] >= 0

    def _rule_avoid(self, avoid: list[tuple[int, int]]) -> None:
        """Two classes (single units) on the avoid list never share a group."""
        for a, b in avoid:
            for p in range(len(self.places)):
                if (p, a) in self.n and (p, b) in self.n:
                    self.rows[f"avoid_{a}_{b}_in_{p}"] = self.n[p, a] + self.n[p, b] <= 1

    def _rule_meeting_slot(self) -> None:
        """A group meets at one slot, where every member is free."""
        if self.n_slots <= 1:
            return
        rows, add = self.rows, self.prob.add_variable
        for p, place in enumerate(self.places):
            cs = self.by_place[p]
            slots = set().union(*(self.classes[c].free for c in cs)) if cs else set()
            if place.free is not None:
                slots &= place.free
            slots = sorted(slots)
            for t in slots:
                self.w[p, t] = add(f"meet_{p}_{t}", 0, 1, pulp.LpBinary)
            rows[f"one_meeting_slot_{p}"] = (
                _expr([(self.w[p, t], 1) for t in slots]) - self.u[p] == 0
            )
            cap = min(place.cap, self.rules.max_size)
            for t in slots:
                away = [
                    (self.n[p, c], self.classes[c].size)
                    for c in cs
                    if t not in self.classes[c].free
                ]
                if away:
                    rows[f"all_free_at_slot_{p}_{t}"] = _expr(away + [(self.w[p, t], cap)]) <= cap
            for c in cs:
                mine = [(self.w[p, t], -self._ub(p, c)) for t in slots if t in self.classes[c].free]
                if len(mine) < len(slots):
                    rows[f"free_at_meeting_{p}_{c}"] = _expr(mine + [(self.n[p, c], 1)]) <= 0

    def _build_total(self) -> pulp.LpAffineExpression:
        """Sum over placed students of their group's score: size x score, linearised with one
        binary per (group, size) (``q[g, k]`` carries the score when the group has k members),
        so that splitting a good group into two adds nothing."""
        rows, add, top = self.rows, self.prob.add_variable, self.rules.top
        terms = []
        self.size_is: dict[tuple[int, int], pulp.LpVariable] = {}
        self.size_score: dict[tuple[int, int], pulp.LpVariable] = {}
        for p, place in enumerate(self.places):
            sizes = range(self.rules.min_size, min(place.cap, self.rules.max_size) + 1)
            for k in sizes:
                self.size_is[p, k] = add(f"size_is_{p}_{k}", 0, 1, pulp.LpBinary)
                self.size_score[p, k] = add(f"score_at_size_{p}_{k}", 0, top)
                rows[f"score_at_size_{p}_{k}"] = (
                    self.size_score[p, k] - top * self.size_is[p, k] <= 0
                )
                terms.append((self.size_score[p, k], k))
            rows[f"one_size_{p}"] = (
                _expr([(self.size_is[p, k], 1) for k in sizes] + [(self.u[p], -1)]) == 0
            )
            rows[f"size_is_size_{p}"] = (
                _expr([(self.size_is[p, k], k) for k in sizes]) - self.size[p] == 0
            )
            rows[f"score_of_size_{p}"] = (
                _expr([(self.size_score[p, k], 1) for k in sizes]) - self.scores[p] <= 0
            )
        return _expr(terms)

    def _counts(self, p: int, attr: str, value: Any) -> list[tuple[pulp.LpVariable, int]]:
        return [
            (self.n[p, c], self.classes[c].counts.get((attr, value), 0))
            for c in self.by_place[p]
            if self.classes[c].counts.get((attr, value), 0)
        ]

    def _rule_no_isolation(self) -> None:
        """Nobody is the only member of their group with a value under a no-isolation rule."""
        rows, add = self.rows, self.prob.add_variable
        for attr, values in self.rules.isolation:
            for p, place in enumerate(self.places):
                cap = min(place.cap, self.rules.max_size)
                for k, value in enumerate(values):
                    terms = self._counts(p, attr, value)
                    if not terms:
                        continue
                    z = add(f"has_{attr}_{k}_{p}", 0, 1, pulp.LpBinary)
                    self.aux_iso[p, attr, value] = z
                    rows.update(no_isolation_rows(f"no_isolation_{attr}_{k}_{p}", terms, z, cap))
                    for var, _ in terms:
                        ub = var.upBound
                        if ub and ub > 1:
                            rows[f"no_isolation_{attr}_{k}_{p}_{var.name}"] = var - ub * z <= 0
                        else:
                            rows[f"no_isolation_{attr}_{k}_{p}_{var.name}"] = var - z <= 0

    def _build_score(self, p: int) -> pulp.LpAffineExpression:
        rows, add, rules = self.rows, self.prob.add_variable, self.rules
        place = self.places[p]
        u = self.u[p]
        cap_p = min(place.cap, rules.max_size)
        score = []
        for a, crit in enumerate(rules.criteria):
            part = add(f"part_{a}_{p}", 0, crit.cap - 1)
            self.part[p, a] = part
            score.append((part, crit.weight))
            rows[f"part_when_open_{a}_{p}"] = part - (crit.cap - 1) * u <= 0
            present = [(k, v, self._counts(p, crit.attr, v)) for k, v in enumerate(crit.values)]
            present = [(k, v, terms) for k, v, terms in present if terms]
            if crit.mode == "diverse":
                ys = []
                for k, v, terms in present:
                    y = add(f"div_{a}_{k}_{p}", 0, 1)
                    self.aux_y[p, a, v] = y
                    ys.append(y)
                    rows[f"div_present_{a}_{k}_{p}"] = _expr(terms + [(y, -1)]) >= 0
                expr = [(y, 1) for y in ys] + [(part, -1), (u, -1)]
                if self._missing(p, crit.attr) >= rules.min_size:
                    y0 = add(f"div_none_{a}_{p}", 0, 1)
                    self.aux_y0[p, a] = y0
                    expr.append((y0, 1))
                    for k, y in enumerate(ys):
                        rows[f"div_none_{a}_{k}_{p}"] = y0 + y <= 1
                rows[f"div_part_{a}_{p}"] = _expr(expr) >= 0
            elif not crit.is_list:
                zs = []
                for k, v, terms in present:
                    z = add(f"sim_{a}_{k}_{p}", 0, 1, pulp.LpBinary)
                    self.aux_z[p, a, v] = z
                    zs.append((z, 1))
                    for var, _ in terms:
                        rows[f"sim_present_{a}_{k}_{p}_{var.name}"] = (
                            var - (var.upBound or 1) * z <= 0
                        )
                rows[f"sim_part_{a}_{p}"] = _expr(zs + [(part, 1), (u, -crit.cap)]) <= 0
            else:
                m = add(f"shared_{a}_{p}", 0, cap_p)
                self.aux_m[p, a] = m
                ch0 = add(f"shared_none_{a}_{p}", 0, 1, pulp.LpBinary)
                self.aux_ch0[p, a] = ch0
                chs = [(ch0, 1)]
                for k, v, terms in present:
                    ch = add(f"shared_pick_{a}_{k}_{p}", 0, 1, pulp.LpBinary)
                    self.aux_ch[p, a, v] = ch
                    chs.append((ch, 1))
                    rows[f"shared_count_{a}_{k}_{p}"] = (
                        _expr(terms + [(m, -1), (ch, -cap_p)]) >= -cap_p
                    )
                rows[f"shared_none_{a}_{p}"] = m + cap_p * ch0 <= cap_p + 1
                rows[f"shared_pick_one_{a}_{p}"] = _expr(chs + [(u, -1)]) == 0
                rows[f"shared_part_{a}_{p}"] = part - m + u <= 0
        if not score:
            return _expr([(u, rules.top)])
        return _expr(score)

    def _missing(self, p: int, attr: str) -> int:
        """How many students with no value of ``attr`` could join place ``p``."""
        return sum(
            len(self.classes[c].units) * self.classes[c].counts.get((attr, None), 0)
            for c in self.by_place[p]
        )

    # -- phases --------------------------------------------------------------------------------
    def _worst_var(self) -> pulp.LpVariable:
        if self.t is None:
            top = self.rules.top
            self.t = self.prob.add_variable("worst_group_score", 0, top, pulp.LpInteger)
            rows = {
                f"worst_group_{p}": _expr([(self.t, 1), (self.u[p], top)]) - self.scores[p] <= top
                for p in range(len(self.places))
            }
            self.prob.extend(rows)
        return self.t

    def require_placed(self, placed: int) -> None:
        self.prob.extend({"keep_placed": self.placed >= placed})

    def require_worst(self, worst: int) -> None:
        t = self._worst_var()
        self.prob.extend({"keep_worst": _expr([(t, 1)]) >= worst})

    def run_phase(
        self, level: str, solver: str, time_limit: float, warm: bool = True
    ) -> PhaseOutcome:
        """Maximise one level (``placed``, ``placed+worst``, ``worst`` or ``total``).

        The value is that of the plan read back, scored in Python; the bound is the solver's
        proven dual bound (rounded down: every level is an integer)."""
        scale = self.rules.top + 1
        students = sum(len(c.units) * c.size for c in self.classes)
        if level == "placed":
            objective, top = self.placed, float(students)
        elif level == "placed+worst":
            objective = self.placed * scale + self._worst_var()
            top = float(students * scale + scale - 1)
        elif level == "worst":
            objective, top = _expr([(self._worst_var(), 1)]), float(self.rules.top)
        else:
            objective, top = self.total, float(self.rules.top * students)
        self.prob.setObjective(objective)
        status = solve(self.prob, solver, max(0.5, time_limit), mip=True, gap=1e-9, warm_start=warm)
        if status.status not in ("optimal", "feasible"):
            return PhaseOutcome(float("nan"), top, status.status, status.seconds)
        value = float(self.evaluate(level))
        bound = self._dual_bound(solver)
        if bound is None:
            bound = value if status.status == "optimal" else (status.bound or top)
        bound = min(top, float(int(bound + 1e-6)))
        state = "optimal" if bound <= value + 1e-9 else "feasible"
        return PhaseOutcome(value, max(bound, value), state, status.seconds)

    def lp_bound(self, level: str, solver: str, time_limit: float) -> float | None:
        """An upper bound on ``worst`` or ``total`` from the LP relaxation (cheap, weaker)."""
        objective = _expr([(self._worst_var(), 1)]) if level == "worst" else self.total
        self.prob.setObjective(objective)
        status = solve(self.prob, solver, max(0.5, time_limit), mip=False)
        # Only a finished LP is a bound (an interrupted one reports its current point).
        if self.prob.sol_status != pulp.LpSolutionOptimal or status.objective is None:
            return None
        return float(int(status.objective + 1e-6))

    def _dual_bound(self, solver: str) -> float | None:
        model = getattr(self.prob, "solverModel", None)
        if solver != "highs" or model is None:
            return None
        try:
            bound = float(model.getInfo().mip_dual_bound)
        except Exception:  # noqa: BLE001 (no MIP bound available)
            return None
        if math.isinf(bound) or math.isnan(bound):
            return None
        return -bound  # PuLP hands HiGHS the maximisation as a minimisation of -objective

    def evaluate(self, level: str) -> int:
        """The current plan's value on ``level``, scored by the rules (not read off ``t``)."""
        plan = self.plan()
        placed = sum(self.classes[c].size * k for _, _, counts in plan for c, k in counts.items())
        scores = [self.rules.score(self._members(counts)) for _, _, counts in plan]
        worst = min(scores) if scores else self.rules.top
        if level == "placed":
            return placed
        if level == "placed+worst":
            return placed * (self.rules.top + 1) + worst
        if level == "worst":
            return worst
        sizes = [sum(self.classes[c].size * k for c, k in counts.items()) for _, _, counts in plan]
        return sum(size * score for size, score in zip(sizes, scores, strict=True))

    # -- plans ---------------------------------------------------------------------------------
    def plan(self) -> Plan:
        """The current solution as (place, slot, {class: units}) for every open group."""
        out: Plan = []
        for p in range(len(self.places)):
            counts = {c: int(round(self.n[p, c].varValue or 0)) for c in self.by_place[p]}
            counts = {c: k for c, k in counts.items() if k}
            if not counts:
                continue
            slot = 0
            if self.n_slots > 1:
                slot = max(
                    (t for (q, t) in self.w if q == p),
                    key=lambda t: (self.w[p, t].varValue or 0.0, -t),
                )
            out.append((p, slot, counts))
        return out

    def load(self, plan: Plan) -> None:
        """Set every variable from ``plan`` (a consistent warm start)."""
        for var in self.prob.variables():
            var.setInitialValue(0.0)
        open_places = {p: (slot, counts) for p, slot, counts in plan}
        scores = []
        for p in range(len(self.places)):
            if p not in open_places:
                continue
            slot, counts = open_places[p]
            self.u[p].setInitialValue(1.0)
            for c, k in counts.items():
                self.n[p, c].setInitialValue(float(k))
            if (p, slot) in self.w:
                self.w[p, slot].setInitialValue(1.0)
            members = self._members(counts)
            for (q, attr, value), z in self.aux_iso.items():
                if q == p:
                    z.setInitialValue(1.0 if members.get((attr, value), 0) else 0.0)
            score = 0
            for a, crit in enumerate(self.rules.criteria):
                cnt = {v: members.get((crit.attr, v), 0) for v in crit.values}
                part = crit.part_from_counts(cnt)
                self.part[p, a].setInitialValue(float(part))
                score += part * crit.weight
                if crit.mode == "diverse":
                    for v in crit.values:
                        if (p, a, v) in self.aux_y:
                            self.aux_y[p, a, v].setInitialValue(1.0 if cnt[v] else 0.0)
                    if (p, a) in self.aux_y0:
                        self.aux_y0[p, a].setInitialValue(0.0 if any(cnt.values()) else 1.0)
                elif not crit.is_list:
                    for v in crit.values:
                        if (p, a, v) in self.aux_z:
                            self.aux_z[p, a, v].setInitialValue(1.0 if cnt[v] else 0.0)
                else:
                    best = max(crit.values, key=lambda v: (cnt[v], -crit.values.index(v)))
                    if cnt[best] > 0 and (p, a, best) in self.aux_ch:
                        self.aux_ch[p, a, best].setInitialValue(1.0)
                        self.aux_m[p, a].setInitialValue(float(cnt[best]))
                    else:
                        self.aux_ch0[p, a].setInitialValue(1.0)
                        self.aux_m[p, a].setInitialValue(1.0)
            score = score if self.rules.criteria else self.rules.top
            scores.append(score)
            size = sum(self.classes[c].size * k for c, k in counts.items())
            if (p, size) in self.size_is:
                self.size_is[p, size].setInitialValue(1.0)
                self.size_score[p, size].setInitialValue(float(score))
        if self.t is not None:
            self.t.setInitialValue(float(min(scores)) if scores else float(self.rules.top))

    def _members(self, counts: dict[int, int]) -> dict[tuple[str, Any], int]:
        members: dict[tuple[str, Any], int] = {}
        for c, k in counts.items():
            for key, per_unit in self.classes[c].counts.items():
                members[key] = members.get(key, 0) + per_unit * k
        return members
