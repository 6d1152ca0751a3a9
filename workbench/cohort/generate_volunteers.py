"""The generator's mentors, mentees, rankings, pairs to keep apart and PASS leaders."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from workbench.cohort.generate_data import (
    _LEVEL_ORDER,
    PGT,
    RISKY,
    TOP_TARGETED,
    UG1,
    UG2,
    UG3,
    _distinct_picks,
)


class VolunteerTables:
    """Methods of the generator's builder (state: ``n``, ``seed``, ``rng``, ``programmes``)."""

    def mentoring(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        rng, n, level, prog = self.rng, self.n, self.level, self.prog
        n_prog = len(self.programmes)
        if self.mentee_share is None:
            signup = rng.uniform(0.35, 0.65, size=n_prog)[prog]
            p = np.where(level == UG1, signup, np.where(level == PGT, 0.08, 0.0))
            mentee = rng.random(n) < p
        else:
            priority = np.array([0, 1, 3, 4, 5, 0, 2, 6])[level] + rng.random(n)
            target = int(round(self.mentee_share * n))
            mentee = np.zeros(n, dtype=bool)
            mentee[np.argsort(priority, kind="stable")[:target]] = True
        enthusiasm = np.exp(rng.normal(0.0, 0.5, size=n_prog))[prog]
        base = np.array([0.0, 0.15, 0.10, 0.05, 0.05, 0.0, 0.05, 0.15])[level]
        propensity = base * enthusiasm * ~mentee
        capacity = rng.choice(np.arange(1, 7), size=n, p=[0.1, 0.25, 0.3, 0.2, 0.1, 0.05])
        if self.mentee_share is not None:
            expected = propensity.sum() * 3.0
            if expected > 0:
                propensity = np.minimum(0.95, propensity * 1.1 * mentee.sum() / expected)
        mentor = rng.random(n) < propensity

        # Some programme is always short of mentor places.
        per_prog_mentees = np.bincount(prog[mentee], minlength=n_prog)
        places = np.bincount(prog[mentor], weights=capacity[mentor], minlength=n_prog)
        if per_prog_mentees.sum() and not (places < per_prog_mentees).any():
            ratio = places / np.maximum(per_prog_mentees, 1)
            ratio[per_prog_mentees == 0] = np.inf
            worst = int(np.argmin(ratio))
            volunteers = rng.permutation(np.flatnonzero(mentor & (prog == worst)))
            drop = places[worst] - np.cumsum(capacity[volunteers]) < per_prog_mentees[worst]
            mentor[volunteers[: int(np.argmax(drop)) + 1]] = False
        self.mentee, self.mentor, self.capacity = mentee, mentor, capacity
        mi, ti = np.flatnonzero(mentor), np.flatnonzero(mentee)
        mi, ti = mi[np.argsort(self.ids[mi])], ti[np.argsort(self.ids[ti])]
        mentors = pd.DataFrame(
            {"student_id": self.ids[mi], "capacity": capacity[mi].astype(str).astype(object)}
        )
        mentees = pd.DataFrame({"student_id": self.ids[ti]})
        return mentors, mentees

    def preferences(self) -> pd.DataFrame:
        rng, level, prog = self.rng, self.level, self.prog
        out_s, out_p, out_r = [], [], []

        def rank(rankers: np.ndarray, pool: np.ndarray) -> None:
            if len(rankers) == 0 or len(pool) == 0:
                return
            k = rng.choice([1, 2, 3], size=len(rankers), p=[0.3, 0.3, 0.4])
            picks = _distinct_picks(rng, k, len(pool))
            for j in range(picks.shape[1]):
                ok = picks[:, j] >= 0
                out_s.append(rankers[ok])
                out_p.append(pool[picks[ok, j]])
                out_r.append(np.full(int(ok.sum()), j + 1))

        mentees = np.flatnonzero(self.mentee)
        mentors = np.flatnonzero(self.mentor)
        for pi in range(len(self.programmes)):
            pm = mentees[prog[mentees] == pi]
            pr = mentors[prog[mentors] == pi]
            for lvl in _LEVEL_ORDER:
                rankers = pm[(level[pm] == lvl) & (rng.random(len(pm)) < 0.3)]
                rank(rankers, pr[level[pr] > lvl])
                rankers = pr[(level[pr] == lvl) & (rng.random(len(pr)) < 0.35)]
                rank(rankers, pm[level[pm] < lvl])
        if not out_s:
            return pd.DataFrame({"student_id": [], "prefers_id": [], "rank": []}, dtype=object)
        s, p, r = np.concatenate(out_s), np.concatenate(out_p), np.concatenate(out_r)
        order = np.lexsort((r, self.ids[s]))
        return pd.DataFrame(
            {
                "student_id": self.ids[s][order],
                "prefers_id": self.ids[p][order],
                "rank": r[order].astype(str).astype(object),
            }
        )

    def avoid(self) -> pd.DataFrame:
        rng, prog, level = self.rng, self.prog, self.level
        want = max(3, round(self.n / 80))
        mentees, mentors = np.flatnonzero(self.mentee), np.flatnonzero(self.mentor)
        pairs: dict[tuple[int, int], None] = {}
        for _ in range(want * 4):
            if len(pairs) >= want:
                break
            if len(mentees) == 0:
                break
            a = int(rng.choice(mentees))
            if rng.random() < 0.7:
                pool = mentors[prog[mentors] == prog[a]]
            else:
                pool = mentees[(prog[mentees] == prog[a]) & (level[mentees] == level[a])]
            pool = pool[pool != a]
            if len(pool) == 0:
                continue
            b = int(rng.choice(pool))
            key = (min(a, b), max(a, b))
            pairs.setdefault(key, None)
        items = [(a, b) if rng.random() < 0.5 else (b, a) for a, b in pairs]
        return pd.DataFrame(
            {
                "student_id_a": [self.ids[a] for a, _ in items],
                "student_id_b": [self.ids[b] for _, b in items],
            },
            dtype=object,
        )

    # ------------------------------------------------------------------ PASS leaders
    def leaders(self) -> pd.DataFrame:
        rng, prog, level = self.rng, self.prog, self.level
        risky = [
            i
            for i, md in enumerate(self.mods)
            if md["fail_rate"] >= RISKY and md["level"] in (UG1, UG2) and md["programme"]
        ]
        prog_index = {p.name: i for i, p in enumerate(self.programmes)}

        def candidates(i: int) -> np.ndarray:
            md = self.mods[i]
            above = (level > md["level"]) & np.isin(level, [UG2, UG3])
            return np.flatnonzero((prog == prog_index[md["programme"]]) & above)

        coverable = [i for i in risky if len(candidates(i))]
        uncovered = int(rng.choice(coverable)) if len(coverable) >= 2 else None
        rows: list[tuple[int, int, int]] = []
        for i in coverable:
            if i == uncovered:
                continue
            cand = candidates(i)
            want = min(len(cand), int(np.clip(math.ceil(self.enrolled[i] / 25), 2, 8)))
            chosen = rng.choice(cand, size=want, replace=False)
            sessions = rng.choice([1, 2, 3], size=want, p=[0.3, 0.5, 0.2])
            rows.extend((int(s), i, int(k)) for s, k in zip(chosen, sessions, strict=True))
        rows = self._uncovered_outside_top(rows, uncovered, candidates)
        rows.sort(key=lambda r: (self.ids[r[0]], self.codes[r[1]]))
        return pd.DataFrame(
            {
                "student_id": [self.ids[s] for s, _, _ in rows],
                "module_code": [self.codes[m] for _, m, _ in rows],
                "max_sessions": [str(k) for _, _, k in rows],
            },
            dtype=object,
        )

    def _uncovered_outside_top(
        self, rows: list[tuple[int, int, int]], uncovered: int | None, candidates
    ) -> list[tuple[int, int, int]]:
        """Keep the module left without leaders out of the top modules by fail rate.

        PASS targets the top modules by default, so a leaderless one among them would leave a
        targeted module without a session. When the drawn one is in the top, it gets leaders
        (from a random stream of its own, so nothing else changes) and the lowest-ranked
        covered risky module outside the top loses its leaders instead. When every risky
        module is a top one, the drawn one stays without leaders (a cohort should show it).
        """
        if uncovered is None:
            return rows
        order = sorted(
            range(len(self.mods)),
            key=lambda i: (-round(self.mods[i]["fail_rate"], 2), self.codes[i]),
        )
        top = set(order[:TOP_TARGETED])
        if uncovered not in top:
            return rows
        covered = {m for _, m, _ in rows}
        outside = [i for i in order if i in covered and i not in top]
        if not outside:  # every risky module is a top one: one stays without leaders
            return rows
        side = np.random.default_rng([self.seed, uncovered])
        cand = candidates(uncovered)
        want = min(len(cand), int(np.clip(math.ceil(self.enrolled[uncovered] / 25), 2, 8)))
        chosen = side.choice(cand, size=want, replace=False)
        sessions = side.choice([1, 2, 3], size=want, p=[0.3, 0.5, 0.2])
        dropped = outside[-1]
        kept = [r for r in rows if r[1] != dropped]
        return kept + [(int(c), uncovered, int(k)) for c, k in zip(chosen, sessions, strict=True)]
