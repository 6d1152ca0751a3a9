"""Whole-university mentoring: the assignment LP priced a block at a time.

Eligible pairs grow with the square of a programme's size, yet a mentee's best mentors are a
handful. So for large cohorts the pairs are never all listed: each scope (a programme, a
faculty, or everyone under the rule ``any``) is a block (:mod:`workbench.schemes.mentoring.blocks`)
whose pairs are scored as dense slices, and its LP is solved by pricing:

1. a survey of the block's slices keeps each mentee's best few mentors, each mentor's best
   (capacity + a few) mentees, locked and previous pairs, and the per-mentee counts the
   reasons need (mentors in scope, eligible, passing the minimum score, best score);
2. the LP on those pairs is solved and its duals price every other pair of the block, slice by
   slice: a pair whose reduced cost is positive could improve the plan and is added;
3. repeat until no pair can improve it. The matrix is totally unimodular and the objective
   integral, so the simplex duals are integral and "no positive reduced cost" (with dual
   objective = plan value, checked) proves the plan optimal over every eligible pair.

Objectives: coverage then score, quality (score first, a minimum score), previous pairs kept
and locked pairs, and fairness (a bisection over score thresholds, block by block, since the
best lowest score of the whole plan is the lowest of the blocks' best). A budget links the
blocks (the mentors it pays for are shared) and stable matching needs both sides' rankings,
so those two use the whole model (see docs/mentoring.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from workbench.cohort.domain import SolveStatus
from workbench.schemes.mentoring.blocks import Block, BlockScorer, Slice, positions
from workbench.schemes.mentoring.highs_lp import BlockLP
from workbench.schemes.mentoring.model import (
    MAX_PRICING_ROUNDS,
    REDUCED_COST_TOL,
    Context,
    Pairs,
    RowsByPerson,
    assignment_model,
    certified_duals,
    greedy_plan,
    integral_plan,
    plan_values,
)
from workbench.schemes.mentoring.scoring import pair_code
from workbench.schemes.solving import solve

CACHE_PAIRS = 4_000_000  # a block with up to this many pairs keeps its slices while solved
ADD_PER_MENTEE = 4  # pricing adds at most this many improving pairs per mentee per round
START_PER_MENTEE = 2  # the start: each mentee's best few mentors ...
START_PER_MENTOR = 12  # ... and each mentor's best (capacity + this) mentees
TIE_STRIDE = 7  # ties: row i starts at column 7 i (see _top_per_row)


@dataclass
class BlockFacts:
    """Per-mentee counts over every eligible pair, gathered block by block."""

    in_scope: np.ndarray
    self_blocked: np.ndarray
    avoid_blocked: np.ndarray
    passing: np.ndarray
    best: np.ndarray  # best eligible score (milli-points), -1 when none
    full_of_passing: np.ndarray
    eligible: int = 0  # eligible pairs in all

    @classmethod
    def empty(cls, n: int) -> BlockFacts:
        z = np.zeros(n, dtype=np.int64)
        return cls(z, z.copy(), z.copy(), z.copy(), np.full(n, -1, dtype=np.int64), z.copy())


@dataclass
class _Part:
    """One slice with its masks: usable (passes the objective's filter), locked, kept."""

    sl: Slice
    usable: np.ndarray
    locked: np.ndarray
    kept: np.ndarray


@dataclass
class Terms:
    """Pair codes the plan must or should keep, sorted."""

    locked: np.ndarray
    kept: np.ndarray
    min_milli: int | None = None  # quality: pairs below this (not locked) are not made


@dataclass
class _Tiers:
    """The folded objective of one block: coverage, kept pairs, score (or score first)."""

    span: int = 1
    mentees: int = 0
    kept: int = 0
    score_first: bool = False

    def coefs(self, score: np.ndarray, kept: np.ndarray) -> np.ndarray:
        if self.score_first and not self.kept:
            return score * (self.mentees + 1) + 1
        cover = (self.kept + 1) * self.span
        return cover + kept.astype(np.int64) * self.span + score


@dataclass
class BlockPlan:
    """A block's chosen pairs (or None) and how the solve ended."""

    pairs: Pairs | None
    status: SolveStatus
    columns: int = 0


@dataclass
class _Pool:
    """The pairs in a block's LP, by pair code."""

    codes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    score: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def add(self, codes: np.ndarray, score: np.ndarray) -> None:
        all_codes = np.concatenate([self.codes, codes])
        all_score = np.concatenate([self.score, score])
        self.codes, first = np.unique(all_codes, return_index=True)
        self.score = all_score[first]


class BlockSolver:
    """Solve one block's LP by pricing over its slices."""

    def __init__(
        self,
        scorer: BlockScorer,
        block: Block,
        ctx: Context,
        terms: Terms,
        score_first: bool,
        threshold: int | None = None,
    ) -> None:
        self.scorer, self.block, self.ctx, self.terms = scorer, block, ctx, terms
        self.n_m = len(ctx.mentors)
        self.threshold = threshold  # fairness: pairs below it (not locked) are left out
        self.tiers = _Tiers(score_first=score_first)
        self._cache = (
            [self._part(sl) for sl in scorer.slices(block)]
            if (block.pairs <= CACHE_PAIRS)
            else None
        )

    def parts(self):
        """The block's slices with their masks (kept in memory for small blocks)."""
        if self._cache is not None:
            yield from self._cache
            return
        for sl in self.scorer.slices(self.block):
            yield self._part(sl)

    def _part(self, sl: Slice) -> _Part:
        locked = np.zeros(sl.score.shape, dtype=bool)
        kept = np.zeros(sl.score.shape, dtype=bool)
        for codes, mask in ((self.terms.locked, locked), (self.terms.kept, kept)):
            i, j = positions(codes, sl.rows, sl.cols, self.n_m)
            mask[i, j] = True
        usable = sl.eligible.copy()
        if self.terms.min_milli is not None:
            usable &= (sl.score >= self.terms.min_milli) | locked
        locked &= sl.eligible
        kept &= usable
        return _Part(sl, usable, locked, kept)

    def _usable(self, part: _Part) -> np.ndarray:
        if self.threshold is None:
            return part.usable
        return part.usable & ((part.sl.score >= self.threshold) | part.locked)

    def survey(self, facts: BlockFacts | None) -> _Pool:
        """The start pool and the folded objective (and, with ``facts``, the counts)."""
        pool = _Pool()
        self.tiers = _Tiers(score_first=self.tiers.score_first)
        best_usable = np.full(len(self.ctx.mentees), -1, dtype=np.int64)
        per_mentor: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for part in self.parts():
            sl, usable = part.sl, self._usable(part)
            if facts is not None:
                _count(facts, sl, part.usable, self.scorer)
            masked = np.where(usable, sl.score, -1)
            best_usable[sl.rows] = masked.max(axis=1, initial=-1)
            self.tiers.kept += int((part.kept & usable).sum())
            pool.add(*self._codes(sl, *_top_per_row(masked, START_PER_MENTEE)))
            pool.add(*self._codes(sl, *np.nonzero(part.locked | (part.kept & usable))))
            per_mentor.append(self._top_per_mentor(sl, masked))
        self._merge_per_mentor(pool, per_mentor)
        rows = self.block.mentees
        self.tiers.span = int(best_usable[rows][best_usable[rows] > 0].sum()) + 1
        self.tiers.mentees = int((best_usable[rows] >= 0).sum())
        return pool

    def _codes(self, sl: Slice, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return pair_code(sl.rows[i], sl.cols[j], self.n_m), sl.score[i, j]

    def _top_per_mentor(self, sl: Slice, masked: np.ndarray) -> tuple:
        keep = START_PER_MENTOR + int(self.ctx.mentors.capacity[sl.cols].max(initial=0))
        i, j = _top_per_row(masked.T, keep)
        return sl.rows[j], sl.cols[i], masked.T[i, j]

    def _merge_per_mentor(self, pool: _Pool, found: list[tuple]) -> None:
        if not found:
            return
        e, m, score = (np.concatenate(x) for x in zip(*found, strict=True))
        order = np.lexsort((e, -score, m))
        e, m, score = e[order], m[order], score[order]
        starts = np.flatnonzero(np.r_[True, m[1:] != m[:-1]]) if len(m) else np.zeros(0, int)
        rank = np.arange(len(m)) - np.repeat(starts, np.diff(np.r_[starts, len(m)]))
        take = rank < self.ctx.mentors.capacity[m] + START_PER_MENTOR
        pool.add(pair_code(e[take], m[take], self.n_m), score[take])

    def _pairs(self, pool: _Pool) -> Pairs:
        e, m = pool.codes // self.n_m, pool.codes % self.n_m
        locked = _member(pool.codes, self.terms.locked)
        kept = _member(pool.codes, self.terms.kept)
        return Pairs(e, m, pool.score, locked, kept)

    def price(self, u: np.ndarray, v: np.ndarray, pool: _Pool) -> _Pool:
        """Pairs outside the pool whose reduced cost is positive (at most a few per mentee)."""
        new = _Pool()
        for part in self.parts():
            sl = part.sl
            coefs = self.tiers.coefs(sl.score, part.kept).astype(float)
            reduced = coefs - u[sl.rows][:, None] - v[sl.cols][None, :]
            better = self._usable(part) & (reduced > REDUCED_COST_TOL)
            i, j = positions(pool.codes, sl.rows, sl.cols, self.n_m)
            better[i, j] = False
            if not better.any():
                continue
            masked = np.where(better, reduced, -np.inf)
            i, j = _top_per_row(masked, ADD_PER_MENTEE)
            ok = better[i, j]
            new.add(*self._codes(sl, i[ok], j[ok]))
        return new

    def everything(self) -> _Pool:
        """Every usable pair of the block (the fallback when the duals cannot certify)."""
        pool = _Pool()
        for part in self.parts():
            pool.add(*self._codes(part.sl, *np.nonzero(self._usable(part))))
        return pool

    def solve(self, name: str, facts: BlockFacts | None = None) -> BlockPlan:
        """The block's optimal plan by pricing (``facts`` gathered on the way)."""
        pool = self.survey(facts)
        if not len(pool.codes):
            return BlockPlan(_concat([]), SolveStatus("optimal"))
        if self.ctx.settings.solver == "highs":
            return self._solve_highs(pool)
        return self._solve_pulp(name, pool)

    def _rest(self, pool: _Pool) -> _Pool:
        """Every usable pair not yet in the pool."""
        rest = self.everything()
        keep = ~_member(rest.codes, pool.codes)
        return _Pool(rest.codes[keep], rest.score[keep])

    def _solve_highs(self, pool: _Pool) -> BlockPlan:
        """Pricing with the model kept in HiGHS: new pairs are added as columns."""
        lp = BlockLP(self.block.mentees, self.block.mentors, self.ctx)
        added = [self._pairs(pool)]
        lp.add(
            added[0].e, added[0].m, self.tiers.coefs(added[0].score, added[0].kept), added[0].locked
        )
        whole = False
        for round_ in range(MAX_PRICING_ROUNDS + 1):
            status = lp.run()
            if status.status != "optimal":
                return BlockPlan(None, status, len(lp.e))
            if whole:
                break
            duals = lp.duals(float(lp.coefs @ lp.values()))
            new = self.price(*duals, pool) if duals is not None else None
            if new is not None and not len(new.codes):
                break
            if new is None or round_ == MAX_PRICING_ROUNDS - 1:
                new, whole = self._rest(pool), True
            pool.add(new.codes, new.score)
            pairs = self._pairs(new)
            added.append(pairs)
            lp.add(pairs.e, pairs.m, self.tiers.coefs(pairs.score, pairs.kept), pairs.locked)
        plan = lp.integral()
        if plan is None:
            return BlockPlan(None, self.ctx.stages[-1], len(lp.e))
        columns = _concat(added, order=False)
        return BlockPlan(_concat([columns.subset(np.flatnonzero(plan))]), status, len(lp.e))

    def _solve_pulp(self, name: str, pool: _Pool) -> BlockPlan:
        """Pricing with a PuLP model rebuilt each round (any solver PuLP drives)."""
        columns, whole = 0, False
        for round_ in range(MAX_PRICING_ROUNDS + 1):
            pairs = self._pairs(pool)
            coefs = self.tiers.coefs(pairs.score, pairs.kept)
            columns += len(pairs)
            rows = RowsByPerson({}, {})
            prob, xs = assignment_model(name, pairs, self.ctx, coefs, rows)
            status = solve(prob, self.ctx.settings.solver, self.ctx.remaining(), mip=False)
            self.ctx.stages.append(status)
            if status.status != "optimal":
                return BlockPlan(None, status, columns)
            if whole:
                break
            primal = float(coefs @ plan_values(xs))
            duals = certified_duals(rows, self.ctx, pairs.e, pairs.m, coefs.astype(float), primal)
            new = self.price(*duals, pool) if duals is not None else None
            if new is not None and not len(new.codes):
                break
            if new is None or round_ == MAX_PRICING_ROUNDS - 1:
                pool, whole = self.everything(), True
            else:
                pool.add(new.codes, new.score)
        plan, status = integral_plan(prob, xs, status, self.ctx)
        if plan is None:
            return BlockPlan(None, status, columns)
        return BlockPlan(pairs.subset(np.flatnonzero(plan)), status, columns)

    def count_full(self, facts: BlockFacts, chosen: Pairs) -> None:
        """How many of each mentee's passing mentors are full in the plan."""
        assigned = np.bincount(chosen.m, minlength=self.n_m)
        full = assigned >= self.ctx.mentors.capacity
        for part in self.parts():
            sl = part.sl
            facts.full_of_passing[sl.rows] = (part.usable & full[sl.cols][None, :]).sum(axis=1)


def _member(codes: np.ndarray, table: np.ndarray) -> np.ndarray:
    if not len(table) or not len(codes):
        return np.zeros(len(codes), dtype=bool)
    pos = np.minimum(np.searchsorted(table, codes), len(table) - 1)
    return table[pos] == codes


def _top_per_row(masked: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, column) of each row's best ``k`` entries above -1. Values are whole numbers (scores
    in milli-points, reduced costs from integral duals), so a fraction below one half orders
    only ties: each row starts its ties at another column, so that equally good mentors (new
    recruits are copies of one student) are spread over the mentees instead of every mentee
    taking the same first few (one programme's recruits took 25 pricing rounds)."""
    if masked.size == 0 or k <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    n_rows, n_cols = masked.shape
    k = min(k, n_cols)
    turn = (np.arange(n_cols)[None, :] - np.arange(n_rows)[:, None] * TIE_STRIDE) % n_cols
    cols = np.argsort(-(masked - turn * (0.4 / n_cols)), axis=1, kind="stable")[:, :k]
    rows = np.repeat(np.arange(masked.shape[0]), k)
    cols = cols.reshape(-1)
    ok = masked[rows, cols] > -1
    return rows[ok], cols[ok]


def _count(facts: BlockFacts, sl: Slice, usable: np.ndarray, scorer: BlockScorer) -> None:
    """The per-mentee counts of one slice."""
    in_scope = sl.in_scope.sum(axis=1)
    eligible = sl.eligible.sum(axis=1)
    own = scorer.self_mentor[sl.rows]
    j = np.minimum(np.searchsorted(sl.cols, own), len(sl.cols) - 1)
    is_self = (sl.cols[j] == own) & sl.in_scope[np.arange(len(sl.rows)), j]
    facts.in_scope[sl.rows] = in_scope
    facts.self_blocked[sl.rows] = is_self
    facts.avoid_blocked[sl.rows] = in_scope - is_self - eligible
    facts.passing[sl.rows] = usable.sum(axis=1)
    facts.best[sl.rows] = np.where(sl.eligible, sl.score, -1).max(axis=1, initial=-1)
    facts.eligible += int(eligible.sum())


@dataclass
class LargePlan:
    """The block path's plan: chosen pairs, status, per-mentee facts, pairs the LPs needed."""

    pairs: Pairs
    status: SolveStatus
    facts: BlockFacts
    columns: int = 0
    messages: list[str] = field(default_factory=list)


def _concat(plans: list[Pairs], order: bool = True) -> Pairs:
    """The pairs of several plans in one (sorted by mentee, then mentor, unless not ``order``)."""
    if not plans:
        z = np.zeros(0, dtype=np.int64)
        return Pairs(z, z.copy(), z.copy(), np.zeros(0, bool), np.zeros(0, bool))
    e, m, score, locked, kept = (
        np.concatenate([getattr(p, f) for p in plans])
        for f in ("e", "m", "score", "locked", "kept")
    )
    if not order:
        return Pairs(e, m, score, locked, kept)
    order = np.lexsort((m, e))
    return Pairs(e[order], m[order], score[order], locked[order], kept[order])


def _fallback(solver: BlockSolver, status: SolveStatus) -> tuple[Pairs, str]:
    """A greedy plan over the block's start pairs when the solver stopped without one."""
    from_pool = solver._pairs(solver.survey(None))
    chosen = greedy_plan(from_pool, solver.ctx)
    return from_pool.subset(np.flatnonzero(chosen)), (
        f"the solver stopped ({status.status}) before proving a plan: "
        "this is a greedy plan, not proven optimal"
    )


def solve_by_blocks(
    scorer: BlockScorer, blocks: list[Block], ctx: Context, terms: Terms
) -> LargePlan:
    """Every block's plan by pricing; fairness by a bisection per block."""
    settings = ctx.settings
    facts = BlockFacts.empty(len(ctx.mentees))
    if settings.objective == "fairness":
        return _fairness(scorer, blocks, ctx, terms, facts)
    score_first = settings.objective == "quality"
    name = f"mentoring_{settings.objective}"
    chosen, messages, proven, columns = [], [], True, 0
    for block in blocks:
        solver = BlockSolver(scorer, block, ctx, terms, score_first)
        plan = solver.solve(name, facts)
        columns += plan.columns
        pairs = plan.pairs
        if pairs is None:
            pairs, note = _fallback(solver, plan.status)
            messages.append(note)
            proven = False
        solver.count_full(facts, pairs)
        chosen.append(pairs)
    status = SolveStatus("optimal" if proven else "feasible", solver=settings.solver)
    return LargePlan(_concat(chosen), status, facts, columns, list(dict.fromkeys(messages)))


def _block_threshold(solver: BlockSolver, plan: Pairs, name: str) -> tuple[int | None, Pairs, int]:
    """The block's best lowest score at its full coverage (and kept pairs): a bisection over
    its distinct usable scores, each step the block's exact LP. None when the block's plan
    has only locked pairs."""
    free = ~plan.locked
    if not free.any():
        return None, plan, 0
    target = (len(plan), int(plan.kept.sum()))
    scores = np.unique(np.concatenate([p.sl.score[p.usable] for p in solver.parts()]))
    lo = int(np.searchsorted(scores, plan.score[free].min()))
    hi, best, columns = len(scores) - 1, plan, 0
    while lo < hi:
        mid = (lo + hi + 1) // 2
        solver.threshold = int(scores[mid])
        step = solver.solve(name)
        columns += step.columns
        if step.pairs is None:
            raise _Stopped(step.status)
        if (len(step.pairs), int(step.pairs.kept.sum())) == target:
            lo, best = mid, step.pairs
        else:
            hi = mid - 1
    return int(scores[lo]), best, columns


class _Stopped(Exception):
    def __init__(self, status: SolveStatus) -> None:
        self.status = status


def _fairness(
    scorer: BlockScorer, blocks: list[Block], ctx: Context, terms: Terms, facts: BlockFacts
) -> LargePlan:
    """Coverage, then the best lowest score (the lowest of the blocks' best), then score."""
    name = "mentoring_fairness_lowest_score"
    found, columns = [], 0
    try:
        for block in blocks:
            solver = BlockSolver(scorer, block, ctx, terms, False)
            plan = solver.solve("mentoring_fairness_coverage", facts)
            if plan.pairs is None:
                raise _Stopped(plan.status)
            solver.count_full(facts, plan.pairs)
            threshold, best, more = _block_threshold(solver, plan.pairs, name)
            found.append((block, threshold, best))
            columns += plan.columns + more
    except _Stopped as stop:
        status = SolveStatus("feasible", solver=ctx.settings.solver)
        note = f"the solver stopped ({stop.status.status}) before proving the best lowest score"
        return LargePlan(_concat([b for _, _, b in found]), status, facts, columns, [note])
    lowest = min((t for _, t, _ in found if t is not None), default=None)
    chosen = []
    for block, threshold, best in found:
        if threshold is None or threshold == lowest:
            chosen.append(best)
            continue
        solver = BlockSolver(scorer, block, ctx, terms, False, threshold=lowest)
        plan = solver.solve(name)
        columns += plan.columns
        chosen.append(plan.pairs if plan.pairs is not None else best)
    messages = []
    if lowest is not None:
        messages.append(
            f"the lowest matched score {lowest / 1000:g} is the best possible at full "
            "coverage (bisection over scores, each step an exact LP)"
        )
    status = SolveStatus("optimal", solver=ctx.settings.solver, messages=messages)
    return LargePlan(_concat(chosen), status, facts, columns)
