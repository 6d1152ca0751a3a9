"""Decomposition by slot, then by size.

*Blocks*: every placeable unit is given a slot at which it is free (a MILP: most students first,
then as few blocks as possible, then each block's make-up close to the pool's), so that each
block can be split into groups on its own and every group of the block meets at its slot. With
mentor-led groups a block also gets the mentors who lead its groups.

*Chunks*: a block larger than :data:`CHUNK` students is dealt into chunks of about that size,
stratified by make-up (students with a no-isolation value are dealt in twos or threes so that
nobody becomes the only one of their value in a chunk), each solved exactly on its own.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pulp

from workbench.schemes.groups.model import GroupModel, ModelClass, Place, no_isolation_rows
from workbench.schemes.groups.prepare import Instance
from workbench.schemes.solving import solve

CHUNK = 64  # students per independently solved chunk
BALANCE_SECONDS = 1.0  # per 100 students: balancing the blocks' make-up is a heuristic aim


@dataclass
class Block:
    slot: int  # grid index
    units: list[int]
    mentors: list[int] = field(default_factory=list)


@dataclass
class BlockOutcome:
    blocks: list[Block]
    placed_bound: int
    proven: bool
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def composition_key(inst: Instance, u: int) -> tuple:
    return (inst.size(u), tuple(sorted(inst.unit_counts[u].items(), key=str)))


def most_in_groups(n: int, lo: int, hi: int) -> int:
    """The most of ``n`` students that groups of ``lo``-``hi`` can hold (7 in groups of 4-6:
    only 6)."""
    for m in range(n, -1, -1):
        if m == 0 or math.ceil(m / hi) * lo <= m:
            return m
    return 0


def model_slots(inst: Instance, units: list[int]) -> list[int]:
    """Grid slots that can host a group, keeping only those whose free students (and mentors)
    are not a subset of another slot's."""
    free = inst.unit_free[units]
    sizes = np.array([inst.size(u) for u in units])
    support = (free * sizes[:, None]).sum(axis=0)
    usable = support >= inst.settings.min_size
    sig = free
    if inst.settings.led_by_mentors:
        mentor_free = np.array([m.free for m in inst.mentors], dtype=bool).reshape(
            len(inst.mentors), len(inst.grid)
        )
        usable &= mentor_free.any(axis=0)
        sig = np.vstack([free, mentor_free])
    cols = [s for s in range(len(inst.grid)) if usable[s]]
    keep = []
    for s in cols:
        dominated = False
        for r in cols:
            if r == s:
                continue
            covers = not (sig[:, s] & ~sig[:, r]).any()
            same = not (sig[:, r] & ~sig[:, s]).any()
            if covers and (not same or r < s):
                dominated = True
                break
        if not dominated:
            keep.append(s)
    return keep


def _cover(inst: Instance, units: list[int], slots: list[int], extra: int = 2) -> list[int]:
    """A few block slots: a greedy cover of the units (most uncovered students first), plus
    the ``extra`` best-attended other slots so that flexible students can move."""
    sizes = np.array([inst.size(u) for u in units])
    free = inst.unit_free[np.ix_(units, slots)]
    left = np.ones(len(units), dtype=bool)
    chosen: list[int] = []
    while left.any():
        gain = (free[left] * sizes[left, None]).sum(axis=0)
        k = int(np.argmax(gain))
        if gain[k] <= 0:
            break
        chosen.append(k)
        left &= ~free[:, k]
    attended = (free * sizes[:, None]).sum(axis=0)
    others = [k for k in np.argsort(-attended, kind="stable").tolist() if k not in chosen]
    chosen += others[:extra]
    return sorted(slots[k] for k in chosen)


def assign_blocks(
    inst: Instance, units: list[int], solver: str, deadline: float, clock: Callable[[], float]
) -> BlockOutcome:
    """Give every unit a block slot (or none): most students placed, then blocks whose
    make-up is close to the pool's, with few blocks."""
    started = clock()
    total = inst.students(units)
    if not units:
        return BlockOutcome([], 0, True)
    if not inst.settings.led_by_mentors:
        everyone = inst.unit_free[units].all(axis=0)
        if everyone.any():
            bound = most_in_groups(total, inst.settings.min_size, inst.settings.max_size)
            return BlockOutcome(
                [Block(int(np.flatnonzero(everyone)[0]), list(units))],
                bound,
                True,
                clock() - started,
            )
    slots = model_slots(inst, units)
    if not slots:
        return BlockOutcome([], 0, True, clock() - started)
    candidates = slots if inst.settings.led_by_mentors else _cover(inst, units, slots)
    outcome = _blocks_milp(inst, units, candidates, solver, deadline, clock, total)
    if outcome.placed_bound < total and candidates != slots and deadline - clock() > 1.0:
        # A few slots could not place everyone: try them all (this also gives a valid bound).
        wider = _blocks_milp(inst, units, slots, solver, deadline, clock, total)
        if wider.blocks and inst.students(
            [u for b in wider.blocks for u in b.units]
        ) >= inst.students([u for b in outcome.blocks for u in b.units]):
            outcome = wider
        else:
            outcome.placed_bound = max(outcome.placed_bound, wider.placed_bound)
            outcome.proven = False
    elif candidates != slots and outcome.placed_bound < total:
        outcome.placed_bound, outcome.proven = total, False
    outcome.seconds = clock() - started
    return outcome


@dataclass
class _BlockModel:
    """The block MILP: how many units of each class take each block slot."""

    inst: Instance
    slots: list[int]
    total: int
    classes: dict[tuple, list[int]]  # (make-up, free slots, unit if on an avoid list) -> units
    keys: list[tuple]
    prob: pulp.LpProblem
    takes: dict[tuple[int, int], pulp.LpVariable]  # (class, slot) -> units of it in the block
    students_at: dict[int, Any]  # slot -> students in its block
    opened: dict[int, pulp.LpVariable]  # slot -> its block is used
    groups_at: dict[int, Any] = field(default_factory=dict)  # slot -> groups in its block
    lead: dict[tuple[int, int], pulp.LpVariable] = field(default_factory=dict)  # (mentor, slot)
    rows: dict[str, Any] = field(default_factory=dict)

    def count_at(self, k: int, attr: str, value: Any) -> list[tuple[pulp.LpVariable, int]]:
        """The block at slot ``k``'s count of students with ``value`` of ``attr``."""
        terms = [
            (self.takes[c, k], dict(key[0][1]).get((attr, value), 0))
            for c, key in enumerate(self.keys)
            if k in key[1]
        ]
        return [(var, w) for var, w in terms if w]


def _unit_classes(
    inst: Instance, units: list[int], slots: list[int]
) -> tuple[dict[tuple, list[int]], list[tuple]]:
    """Units alike in make-up and free slots form a class (units on an avoid list alone)."""
    solo = {u for pair in inst.avoid_units for u in pair}
    classes: dict[tuple, list[int]] = {}
    for u in units:
        free = tuple(k for k, s in enumerate(slots) if inst.unit_free[u, s])
        if not free:
            continue
        key = (composition_key(inst, u), free, u if u in solo else -1)
        classes.setdefault(key, []).append(u)
    return classes, sorted(classes, key=str)


def _most_groups(inst: Instance, units: list[int], s: int) -> int:
    """More groups than the students free at grid slot ``s`` can fill."""
    lo, hi = inst.settings.min_size, inst.settings.max_size
    return int(inst.unit_free[units, s].sum() * hi) // lo + 1


def _block_model(inst: Instance, units: list[int], slots: list[int], total: int) -> _BlockModel:
    """The variables: units of each class per block, blocks opened, groups (or mentors) per
    block."""
    classes, keys = _unit_classes(inst, units, slots)
    prob = pulp.LpProblem("group_blocks", pulp.LpMaximize)
    add = prob.add_variable
    takes: dict[tuple[int, int], pulp.LpVariable] = {}
    for c, key in enumerate(keys):
        n_c = len(classes[key])
        for k in key[1]:
            takes[c, k] = add(
                f"block_{c}_{k}", 0, n_c, pulp.LpBinary if n_c == 1 else pulp.LpInteger
            )
    size_of = [key[0][0] for key in keys]
    students_at = {
        k: pulp.lpSum(takes[c, k] * size_of[c] for c, key in enumerate(keys) if k in key[1])
        for k in range(len(slots))
    }
    opened = {k: add(f"open_{k}", 0, 1, pulp.LpBinary) for k in range(len(slots))}
    bm = _BlockModel(inst, slots, total, classes, keys, prob, takes, students_at, opened)
    if inst.settings.led_by_mentors:
        for j, m in enumerate(inst.mentors):
            for k, s in enumerate(slots):
                if m.free[s]:
                    bm.lead[j, k] = add(f"lead_{j}_{k}", 0, 1, pulp.LpBinary)
        for k in range(len(slots)):
            bm.groups_at[k] = pulp.lpSum(
                bm.lead[j, k] for j in range(len(inst.mentors)) if (j, k) in bm.lead
            )
    else:
        for k, s in enumerate(slots):
            bm.groups_at[k] = add(f"groups_{k}", 0, _most_groups(inst, units, s), pulp.LpInteger)
    return bm


# -- the rules of the block model, one function each -------------------------------------------
def _rule_units_of_class(bm: _BlockModel) -> None:
    """A class's units take at most as many block places as it has units."""
    for c, key in enumerate(bm.keys):
        bm.rows[f"units_of_class_{c}"] = pulp.lpSum(bm.takes[c, k] for k in key[1]) <= len(
            bm.classes[key]
        )


def _rule_one_group_per_mentor(bm: _BlockModel) -> None:
    """A mentor leads one group at most."""
    for j in range(len(bm.inst.mentors)):
        mine = [bm.lead[j, k] for k in range(len(bm.slots)) if (j, k) in bm.lead]
        if mine:
            bm.rows[f"one_group_per_mentor_{j}"] = pulp.lpSum(mine) <= 1


def _mentors_at(bm: _BlockModel, k: int) -> list[tuple[int, pulp.LpVariable]]:
    return [(j, bm.lead[j, k]) for j in range(len(bm.inst.mentors)) if (j, k) in bm.lead]


def _rule_mentor_places(bm: _BlockModel, k: int) -> None:
    """A block's students fit in the groups its mentors can take."""
    mine = _mentors_at(bm, k)
    bm.rows[f"mentor_places_{k}"] = (
        bm.students_at[k] - pulp.lpSum(bm.inst.mentors[j].cap * v for j, v in mine) <= 0
    )


def _rule_mentor_in_open_block(bm: _BlockModel, k: int) -> None:
    """A mentor leads at a slot only if its block is used."""
    for _, v in _mentors_at(bm, k):
        bm.rows[f"mentor_in_open_block_{v.name}"] = v - bm.opened[k] <= 0


def _rule_groups_in_open_block(bm: _BlockModel, units: list[int], k: int) -> None:
    """Groups meet at a slot only if its block is used."""
    most = _most_groups(bm.inst, units, bm.slots[k])
    bm.rows[f"groups_in_open_block_{k}"] = bm.groups_at[k] - most * bm.opened[k] <= 0


def _rule_block_size(bm: _BlockModel, k: int) -> None:
    """A block's students fill its groups: between min and max size each."""
    lo, hi = bm.inst.settings.min_size, bm.inst.settings.max_size
    bm.rows[f"block_size_at_least_{k}"] = bm.students_at[k] - lo * bm.groups_at[k] >= 0
    bm.rows[f"block_size_at_most_{k}"] = bm.students_at[k] - hi * bm.groups_at[k] <= 0


def _rule_block_open(bm: _BlockModel, k: int) -> None:
    """Students take a slot only if its block is used."""
    bm.rows[f"block_open_{k}"] = bm.students_at[k] - bm.total * bm.opened[k] <= 0


def _rule_no_isolation(bm: _BlockModel) -> None:
    """A value under a no-isolation rule appears in a block 0 or at least 2 times."""
    for attr, values in bm.inst.rules.isolation:
        for i, v in enumerate(values):
            for k in range(len(bm.slots)):
                terms = bm.count_at(k, attr, v)
                if not terms:
                    continue
                has = bm.prob.add_variable(f"has_{attr}_{i}_{k}", 0, 1, pulp.LpBinary)
                bm.rows.update(
                    no_isolation_rows(f"no_isolation_{attr}_{i}_{k}", terms, has, bm.total)
                )


def _rule_avoid(bm: _BlockModel) -> None:
    """Two students on the avoid list share a block only if it holds two groups or more."""
    index = {u: c for c, key in enumerate(bm.keys) for u in bm.classes[key]}
    takes, groups_at = bm.takes, bm.groups_at
    for x, y in sorted(bm.inst.avoid_units):
        if x in index and y in index:
            cx, cy = index[x], index[y]
            for k in range(len(bm.slots)):
                if (cx, k) in takes and (cy, k) in takes:
                    bm.rows[f"avoid_{x}_{y}_{k}"] = (
                        groups_at[k] - 2 * takes[cx, k] - 2 * takes[cy, k] >= -2
                    )


def _add_rules(bm: _BlockModel, units: list[int]) -> None:
    _rule_units_of_class(bm)
    if bm.inst.settings.led_by_mentors:
        _rule_one_group_per_mentor(bm)
        for k in range(len(bm.slots)):
            _rule_mentor_places(bm, k)
            _rule_mentor_in_open_block(bm, k)
    else:
        for k in range(len(bm.slots)):
            _rule_groups_in_open_block(bm, units, k)
    for k in range(len(bm.slots)):
        _rule_block_size(bm, k)
        _rule_block_open(bm, k)
    _rule_no_isolation(bm)
    _rule_avoid(bm)
    bm.prob.extend(bm.rows)


def _read_blocks(bm: _BlockModel) -> list[Block]:
    """The blocks of the solved model: each class's units dealt to the slots it takes."""
    blocks: list[Block] = []
    used: set[int] = set()
    for k, s in enumerate(bm.slots):
        members: list[int] = []
        for c, key in enumerate(bm.keys):
            if (c, k) in bm.takes:
                take = int(round(bm.takes[c, k].varValue or 0))
                fresh = [u for u in bm.classes[key] if u not in used][:take]
                members.extend(fresh)
                used.update(fresh)
        mentors = [
            j
            for j in range(len(bm.inst.mentors))
            if (j, k) in bm.lead and (bm.lead[j, k].varValue or 0) > 0.5
        ]
        if members:
            blocks.append(Block(s, sorted(members), mentors))
    return blocks


def _blocks_milp(
    inst: Instance,
    units: list[int],
    slots: list[int],
    solver: str,
    deadline: float,
    clock: Callable[[], float],
    total: int,
) -> BlockOutcome:
    bm = _block_model(inst, units, slots, total)
    _add_rules(bm, units)
    placed = pulp.lpSum(bm.students_at.values())
    bm.prob.setObjective(placed)
    status = solve(bm.prob, solver, max(0.5, 0.4 * (deadline - clock())))
    notes: list[str] = []
    if status.status not in ("optimal", "feasible"):
        notes.append(f"Choosing meeting slots: {status.status}.")
        return BlockOutcome([], total, False, 0.0, notes)
    best = int(round(pulp.value(placed) or 0))
    bound = best if status.status == "optimal" else int(math.floor((status.bound or total) + 1e-6))
    proven = status.status == "optimal"
    if len(slots) > 1:
        _balance(bm, units, placed, best, solver, deadline, clock, notes)
    return BlockOutcome(_read_blocks(bm), bound, proven, 0.0, notes)


def _balance(
    bm: _BlockModel,
    units: list[int],
    placed: Any,
    best: int,
    solver: str,
    deadline: float,
    clock: Callable[[], float],
    notes: list[str],
) -> None:
    """Keep the placed count; make each block's make-up close to the pool's (students out of
    proportion), with one student's worth of penalty per extra block."""
    inst, prob = bm.inst, bm.prob
    prob.extend({"keep_placed": placed >= best})
    shares = _shares(inst, units)
    dev_terms = []
    for (attr, v), share in shares.items():
        for k in range(len(bm.slots)):
            dev = prob.add_variable(f"dev_{len(dev_terms)}", 0, None)
            cnt = pulp.LpAffineExpression(bm.count_at(k, attr, v))
            prob.extend(
                {
                    f"dev_up_{dev.name}": dev - cnt + share * bm.students_at[k] >= 0,
                    f"dev_down_{dev.name}": dev + cnt - share * bm.students_at[k] >= 0,
                }
            )
            dev_terms.append(dev)
    attrs = max(1, len({attr for attr, _ in shares}))
    prob.setObjective(-pulp.lpSum(bm.opened.values()) - pulp.lpSum(dev_terms) * (1.0 / attrs))
    first = {name: var.varValue for name, var in bm.takes.items()}
    first_lead = {name: var.varValue for name, var in bm.lead.items()}
    budget = min(BALANCE_SECONDS * max(1.0, inst.students(units) / 100), 0.5 * (deadline - clock()))
    second = solve(prob, solver, max(0.5, budget), gap=0.1, warm_start=True)
    if second.status not in ("optimal", "feasible"):
        notes.append("Choosing meeting slots: kept the first plan (balancing timed out).")
        for name, var in bm.takes.items():
            var.varValue = first[name]
        for name, var in bm.lead.items():
            var.varValue = first_lead[name]


def _shares(inst: Instance, units: list[int]) -> dict[tuple[str, Any], float]:
    """Pool share of each value of the diverse and no-isolation attributes."""
    attrs = [c.attr for c in inst.rules.criteria if c.mode == "diverse" and not c.is_list]
    attrs += [a for a, _ in inst.rules.isolation]
    total = inst.students(units)
    out: dict[tuple[str, Any], float] = {}
    for attr in dict.fromkeys(attrs):
        counts: dict[Any, int] = {}
        for u in units:
            for (a, v), k in inst.unit_counts[u].items():
                if a == attr and v is not None:
                    counts[v] = counts.get(v, 0) + k
        for v, k in counts.items():
            out[attr, v] = k / max(1, total)
    return out


def split_block(inst: Instance, block: Block, chunk: int = CHUNK) -> list[Block]:
    """Deal a large block into chunks of about ``chunk`` students, stratified by make-up."""
    n = inst.students(block.units)
    parts = max(1, math.ceil(n / chunk))
    if parts == 1:
        return [block]
    if block.mentors:
        parts = min(parts, len(block.mentors))
        if parts == 1:
            return [block]
    iso_attrs = [a for a, _ in inst.rules.isolation]

    def iso_key(u: int) -> tuple:
        return iso_signature(inst, u, iso_attrs)

    packets = make_packets(inst, block.units)
    mentors = sorted(
        block.mentors, key=lambda j: (-inst.mentors[j].cap, inst.mentors[j].student_id)
    )
    chunk_mentors: list[list[int]] = [[] for _ in range(parts)]
    for i, j in enumerate(mentors):
        chunk_mentors[i % parts].append(j)
    if block.mentors:
        caps = np.array([sum(inst.mentors[j].cap for j in ms) for ms in chunk_mentors], float)
        targets = caps / caps.sum() * n
    else:
        targets = np.full(parts, n / parts)
    filled = np.zeros(parts)
    chunks: list[list[int]] = [[] for _ in range(parts)]
    # Rarest make-ups first so that they spread evenly; deal each packet to the emptiest chunk.
    by_rarity = sorted(
        packets,
        key=lambda p: (
            len([q for q in packets if iso_key(q[0]) == iso_key(p[0])]),
            str(iso_key(p[0])),
            p[0],
        ),
    )
    for packet in by_rarity:
        size = inst.students(packet)
        room = (targets - filled) / np.maximum(targets, 1)
        i = int(np.argmax(room))
        chunks[i].extend(packet)
        filled[i] += size
    return [Block(block.slot, sorted(c), chunk_mentors[i]) for i, c in enumerate(chunks) if c]


def iso_signature(inst: Instance, u: int, attrs: list[str]) -> tuple:
    """The unit's values of the no-isolation attributes."""
    return tuple(
        sorted(
            (k for k in inst.unit_counts[u].items() if k[0][0] in attrs and k[0][1] is not None),
            key=str,
        )
    )


def make_packets(inst: Instance, units: list[int]) -> list[list[int]]:
    """Units to deal together: students of the same no-isolation make-up two (or three) at a
    time, so that dealing never leaves one of them alone; everyone else one by one."""
    attrs = [a for a, _ in inst.rules.isolation]
    ordered = sorted(
        units, key=lambda u: (str(iso_signature(inst, u, attrs)), str(composition_key(inst, u)), u)
    )
    packets: list[list[int]] = []
    run: list[int] = []
    for u in ordered:
        if run and iso_signature(inst, run[0], attrs) != iso_signature(inst, u, attrs):
            packets.extend(_cut(run, bool(attrs) and bool(iso_signature(inst, run[0], attrs))))
            run = []
        run.append(u)
    if run:
        packets.extend(_cut(run, bool(attrs) and bool(iso_signature(inst, run[0], attrs))))
    return packets


def _cut(run: list[int], pair_up: bool) -> list[list[int]]:
    """Singletons, or (for a no-isolation make-up) packets of two with a last one of three."""
    if not pair_up:
        return [[u] for u in run]
    if len(run) < 4:
        return [run]
    packets = [run[i : i + 2] for i in range(0, len(run) - len(run) % 2, 2)]
    if len(run) % 2:
        packets[-1].append(run[-1])
    return packets


def chunk_model(
    inst: Instance, chunk: Block, name: str, free_slots: bool = False
) -> tuple[GroupModel, list[list[int]]]:
    """The MILP of one chunk (everyone free at the chunk's slot): classes by make-up.

    Returns the model and, per class, its units in a fixed order.
    """
    solo = {u for pair in inst.avoid_units for u in pair}
    solo |= {u for m in (inst.mentors[j] for j in chunk.mentors) for u in m.avoid_units}
    classes: dict[tuple, list[int]] = {}
    for u in chunk.units:
        key = (composition_key(inst, u), u if u in solo else -1)
        classes.setdefault(key, []).append(u)
    keys = sorted(classes, key=str)
    model_classes = [
        ModelClass(
            classes[k],
            inst.size(classes[k][0]),
            dict(inst.unit_counts[classes[k][0]]),
            frozenset({0}),
            k[1] >= 0,
        )
        for k in keys
    ]
    index = {u: c for c, k in enumerate(keys) for u in classes[k]}
    places = chunk_places(inst, chunk, index)
    avoid = [(index[x], index[y]) for x, y in sorted(inst.avoid_units) if x in index and y in index]
    return GroupModel(name, model_classes, places, 1, inst.rules, avoid), [classes[k] for k in keys]


def chunk_places(inst: Instance, chunk: Block, index: dict[int, int]) -> list[Place]:
    lo, hi = inst.settings.min_size, inst.settings.max_size
    if not inst.settings.led_by_mentors:
        return [Place(hi) for _ in range(inst.students(chunk.units) // lo)]
    places = []
    for j in chunk.mentors:
        m = inst.mentors[j]
        forbid = frozenset(index[u] for u in m.avoid_units if u in index)
        places.append(
            (
                0 if not forbid else 1,
                -m.cap,
                m.student_id,
                Place(m.cap, None, m.student_id, forbid, twin=m.cap if not forbid else -1 - j),
            )
        )
    places.sort(key=lambda p: p[:3])
    return [p[3] for p in places]
