"""Constructing and improving group plans without a solver: a greedy start and a local search.

The greedy deals *packets* of students (those of a no-isolation make-up two or three at a time)
to the group they help most; the local search then moves and swaps students between two groups
whenever that raises the weaker of the two (or, at equal weaker score, their sum), never
breaking a hard rule. Both are fast and deterministic; the MILPs start from their plans.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from workbench.schemes.groups.blocks import Block, composition_key, iso_signature, make_packets
from workbench.schemes.groups.prepare import Instance


@dataclass
class Group:
    units: list[int]
    slot: int  # grid index where every member (and the mentor) is free
    mentor: int | None = None  # index into Instance.mentors


def _greedy_places(inst: Instance, chunk: Block) -> tuple[list[int], list[int | None]]:
    """The groups the greedy fills: each mentor's, or as many as the sizes allow."""
    lo, hi = inst.settings.min_size, inst.settings.max_size
    if inst.settings.led_by_mentors:
        return [inst.mentors[j].cap for j in chunk.mentors], list(chunk.mentors)
    n = inst.students(chunk.units)
    k = max(1, math.ceil(n / hi))
    while k * lo > n and k > 1:
        k -= 1
    return [hi] * k, [None] * k


def _hardest_first(inst: Instance, chunk: Block) -> list[list[int]]:
    """The chunk's packets, rarest no-isolation make-up first, then the largest."""
    attrs = [a for a, _ in inst.rules.isolation]
    packets = make_packets(inst, chunk.units)
    share: dict[tuple, int] = {}
    for p in packets:
        key = iso_signature(inst, p[0], attrs)
        share[key] = share.get(key, 0) + len(p)
    packets.sort(
        key=lambda p: (
            share[iso_signature(inst, p[0], attrs)],
            -len(p),
            str(composition_key(inst, p[0])),
            p[0],
        )
    )
    return packets


@dataclass
class _Filling:
    """The groups the greedy is filling."""

    caps: list[int]
    leaders: list[int | None]
    members: list[list[int]]
    have: list[dict[tuple[str, Any], int]]
    sizes: list[int]

    def may_take(self, inst: Instance, h: int, packet: list[int], need: int) -> bool:
        """Group ``h`` has room for the packet and nobody in it is to be avoided."""
        if self.sizes[h] + need > self.caps[h] or any(
            (min(a, b), max(a, b)) in inst.avoid_units for a in packet for b in self.members[h]
        ):
            return False
        leader = self.leaders[h]
        return not (leader is not None and set(packet) & inst.mentors[leader].avoid_units)

    def best_group(self, inst: Instance, packet: list[int]) -> int | None:
        """Where the packet helps most: every group to the smallest size first, then the
        weakest group that gains."""
        rules, lo = inst.rules, inst.settings.min_size
        need = inst.students(packet)
        add = counts(inst, packet)
        best, best_key = None, None
        for h in range(len(self.caps)):
            if not self.may_take(inst, h, packet, need):
                continue
            merged = dict(self.have[h])
            for key, k in add.items():
                merged[key] = merged.get(key, 0) + k
            now = rules.score(self.have[h]) if self.members[h] else 0
            gain = rules.score(merged) - now if self.members[h] else 0
            key = (self.sizes[h] < lo, gain > 0, -now, gain, -self.sizes[h], -h)
            if best_key is None or key > best_key:
                best, best_key = h, key
        return best

    def put(self, inst: Instance, h: int, packet: list[int]) -> None:
        self.members[h].extend(packet)
        self.sizes[h] += inst.students(packet)
        for key, k in counts(inst, packet).items():
            self.have[h][key] = self.have[h].get(key, 0) + k


def greedy(inst: Instance, chunk: Block) -> list[Group]:
    """A quick plan for one chunk (the solver's warm start and the time-limit fallback).

    Packets of units (students of a no-isolation make-up two or three at a time), hardest
    first, each go to the group where they raise its score most (groups below the smallest
    size first); groups that still break a rule are dissolved and their students re-inserted
    where the rules allow."""
    caps, leaders = _greedy_places(inst, chunk)
    if not caps or inst.students(chunk.units) < inst.settings.min_size:
        return []
    filling = _Filling(caps, leaders, [[] for _ in caps], [{} for _ in caps], [0] * len(caps))
    left: list[int] = []
    for packet in _hardest_first(inst, chunk):
        best = filling.best_group(inst, packet)
        if best is None:
            left.extend(packet)
        else:
            filling.put(inst, best, packet)
    out = [Group(m, chunk.slot, leaders[h]) for h, m in enumerate(filling.members) if m]
    ok = [grp for grp in out if not group_problems(inst, grp)]
    loose = sorted([u for grp in out if group_problems(inst, grp) for u in grp.units] + left)
    for u in loose:
        insert(inst, ok, u)
    return ok


def counts(inst: Instance, units: list[int]) -> dict[tuple[str, Any], int]:
    out: dict[tuple[str, Any], int] = {}
    for u in units:
        for key, k in inst.unit_counts[u].items():
            out[key] = out.get(key, 0) + k
    return out


def group_problems(inst: Instance, grp: Group) -> bool:
    """True when the group breaks a hard rule (size, isolation, avoid, free slot, mentor)."""
    size = inst.students(grp.units)
    cap = inst.mentors[grp.mentor].cap if grp.mentor is not None else inst.settings.max_size
    if size < inst.settings.min_size or size > cap:
        return True
    if inst.rules.isolated(counts(inst, grp.units)):
        return True
    members = set(grp.units)
    if any(a in members and b in members for a, b in inst.avoid_units):
        return True
    if not inst.unit_free[grp.units, grp.slot].all():
        return True
    if grp.mentor is not None:
        m = inst.mentors[grp.mentor]
        if not m.free[grp.slot] or members & m.avoid_units:
            return True
    return False


def insert(inst: Instance, groups: list[Group], u: int) -> bool:
    """Put unit ``u`` into the best group that stays within every rule (at any slot the whole
    group and its mentor share with ``u``)."""
    best: tuple[int, int] | None = None
    best_key: tuple | None = None
    for g, grp in enumerate(groups):
        trial = Group([*grp.units, u], grp.slot, grp.mentor)
        slots = [grp.slot, *np.flatnonzero(inst.unit_free[trial.units].all(axis=0)).tolist()]
        for s in slots:
            trial.slot = s
            if not group_problems(inst, trial):
                score = inst.rules.score(counts(inst, trial.units))
                key = (score, -inst.students(grp.units), -g)
                if best_key is None or key > best_key:
                    best, best_key = (g, s), key
                break
    if best is None:
        return False
    g, s = best
    groups[g].units.append(u)
    groups[g].slot = s
    return True


def repair(inst: Instance, groups: list[Group]) -> None:
    """Place leftover units where the rules allow; then leftovers free together form groups."""
    placed = {u for g in groups for u in g.units}
    left = [u for u in inst.placeable if u not in placed]
    for u in left:
        insert(inst, groups, u)
    placed = {u for g in groups for u in g.units}
    left = [u for u in inst.placeable if u not in placed]
    if inst.students(left) < inst.settings.min_size:
        return
    used_mentors = {g.mentor for g in groups if g.mentor is not None}
    for s in range(len(inst.grid)):
        here = [u for u in left if inst.unit_free[u, s]]
        if inst.students(here) < inst.settings.min_size:
            continue
        mentors = [j for j, m in enumerate(inst.mentors) if j not in used_mentors and m.free[s]]
        if inst.settings.led_by_mentors and not mentors:
            continue
        chunk = Block(s, here, mentors[:1] if inst.settings.led_by_mentors else [])
        new = greedy(inst, chunk)
        if new:
            groups.extend(new)
            used_mentors |= {g.mentor for g in new if g.mentor is not None}
            taken = {u for g in new for u in g.units}
            left = [u for u in left if u not in taken]


def local_search(
    inst: Instance, groups: list[Group], until: float, clock: Callable[[], float]
) -> int:
    """Improve ``groups`` in place by moves and swaps of units between two groups.

    A change is kept when it raises the weaker score of the two groups, or keeps it and raises
    their total over students, and breaks no hard rule (the groups keep a shared free slot).
    Returns the number of changes."""
    rules = inst.rules
    lo = inst.settings.min_size
    cnt = [counts(inst, g.units) for g in groups]
    score = [rules.score(c) for c in cnt]
    size = [inst.students(g.units) for g in groups]
    cap = [
        inst.mentors[g.mentor].cap if g.mentor is not None else inst.settings.max_size
        for g in groups
    ]
    stuck: set[int] = set()
    changes = 0
    while clock() < until:
        order = sorted(range(len(groups)), key=lambda g: (score[g], g))
        target = next((g for g in order if g not in stuck), None)
        if target is None:
            break
        best = _best_change(inst, groups, cnt, score, size, cap, target, lo, until, clock)
        if best is None:
            stuck.add(target)
            continue
        (_, h, out_g, out_h, new_g, new_h, slot_g, slot_h) = best
        for g, out, new, slot in ((target, out_g, new_g, slot_g), (h, out_h, new_h, slot_h)):
            groups[g].units = sorted(new)
            groups[g].slot = slot
            cnt[g] = out
            score[g] = rules.score(out)
            size[g] = inst.students(groups[g].units)
        stuck.clear()
        changes += 1
    return changes


def _shared_slot(inst: Instance, units: list[int], mentor: int | None, prefer: int) -> int | None:
    free = inst.unit_free[units].all(axis=0)
    if mentor is not None:
        free = free & inst.mentors[mentor].free
    if free[prefer]:
        return prefer
    where = np.flatnonzero(free)
    return int(where[0]) if len(where) else None


def _fits(inst: Instance, units: list[int], mentor: int | None) -> bool:
    members = set(units)
    if any(a in members and b in members for a, b in inst.avoid_units):
        return False
    return mentor is None or not (members & inst.mentors[mentor].avoid_units)


def _best_change(
    inst: Instance,
    groups: list[Group],
    cnt: list[dict],
    score: list[int],
    size: list[int],
    cap: list[int],
    g: int,
    lo: int,
    until: float,
    clock: Callable[[], float],
) -> tuple | None:
    """The best improving move or swap between group ``g`` and another group."""
    rules = inst.rules
    best = None
    best_key: tuple[int, int] = (0, 0)
    mine = groups[g].units
    for h in range(len(groups)):
        if h == g:
            continue
        if clock() > until:
            break
        theirs = groups[h].units
        base = (min(score[g], score[h]), score[g] * size[g] + score[h] * size[h])
        options: list[tuple[list[int], list[int]]] = []
        options += [([a], []) for a in mine]
        options += [([], [b]) for b in theirs]
        options += [([a], [b]) for a in mine for b in theirs]
        for out_of_g, out_of_h in options:
            moved_g = inst.students(out_of_g)
            moved_h = inst.students(out_of_h)
            new_size_g = size[g] - moved_g + moved_h
            new_size_h = size[h] - moved_h + moved_g
            if not (lo <= new_size_g <= cap[g] and lo <= new_size_h <= cap[h]):
                continue
            cg = dict(cnt[g])
            ch = dict(cnt[h])
            for u in out_of_g:
                for key, k in inst.unit_counts[u].items():
                    cg[key] -= k
                    ch[key] = ch.get(key, 0) + k
            for u in out_of_h:
                for key, k in inst.unit_counts[u].items():
                    ch[key] -= k
                    cg[key] = cg.get(key, 0) + k
            sg, sh = rules.score(cg), rules.score(ch)
            key = (min(sg, sh), sg * new_size_g + sh * new_size_h)
            if key <= base or (best is not None and key <= best_key):
                continue
            if rules.isolated(cg) or rules.isolated(ch):
                continue
            new_g = [u for u in mine if u not in out_of_g] + out_of_h
            new_h = [u for u in theirs if u not in out_of_h] + out_of_g
            if not (_fits(inst, new_g, groups[g].mentor) and _fits(inst, new_h, groups[h].mentor)):
                continue
            slot_g = _shared_slot(inst, new_g, groups[g].mentor, groups[g].slot)
            slot_h = _shared_slot(inst, new_h, groups[h].mentor, groups[h].slot)
            if slot_g is None or slot_h is None:
                continue
            best_key = key
            best = (key, h, cg, ch, new_g, new_h, slot_g, slot_h)
    return best
