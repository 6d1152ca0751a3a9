"""The generator's timetable, students' own commitments and rooms."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from workbench.cohort.generate_data import (
    _CELLS,
    _DAY,
    _FACULTIES,
    _FIRST_HOUR,
    _N_DAYS,
    _N_HOURS,
    _TIME,
    MIN_FREE_HOURS,
    PGR,
    PGT,
    UG1,
    UG5,
    _bits,
    _Grid,
    _group_label,
    _popcount,
)


class TimeTables:
    """Methods of the generator's builder (state: ``n``, ``seed``, ``rng``, ``programmes``)."""

    def timetable(self) -> pd.DataFrame:
        rng = self.rng
        rows: list[tuple[int, int, int, int, str]] = []  # module, day, start, end, activity
        self.module_bits = np.zeros(len(self.mods), dtype=np.int64)
        by_group: dict[object, list[int]] = {}
        for i, md in enumerate(self.mods):
            by_group.setdefault(md["group"], []).append(i)
        uni = _Grid(rng)
        faculty_grids: dict[object, _Grid] = {}
        group_grids: dict[object, _Grid] = {}

        def place(grid: _Grid, i: int, events: list[tuple[str, int]]) -> None:
            used: set[int] = set()
            for activity, hours in events:
                day, h = grid.place(hours, used)
                used.add(day)
                start = (_FIRST_HOUR + h) * 60
                rows.append((i, day, start, start + hours * 60, activity))
                self.module_bits[i] |= _bits(day, start, start + hours * 60)

        for i in by_group.get("uni", []):
            place(uni, i, [("class", 2)])
        # Faculty-wide modules first, so programme timetables are built around them.
        for key, idx in by_group.items():
            if isinstance(key, tuple) and isinstance(key[0], str):
                grid = faculty_grids.setdefault(key, _Grid(rng, uni.taken))
                for i in idx:
                    kind = self.mods[i]["kind"]
                    place(
                        grid,
                        i,
                        [("lecture", 1), ("workshop", 2)]
                        if kind == "skills" and key[1] == UG1
                        else [("lecture", 1)]
                        if kind == "skills"
                        else [("workshop", 2)],
                    )
        self.seminars: list[tuple[int, list[tuple[int, int]]]] = []
        for key, idx in by_group.items():
            if not (isinstance(key, tuple) and isinstance(key[0], int | np.integer)):
                continue
            pi, lvl = key
            p = self.programmes[pi]
            base = faculty_grids.get((p.faculty, lvl))
            grid = _Grid(rng, (base or uni).taken)
            group_grids[key] = grid
            group_p = _FACULTIES[p.faculty][3]
            tutorial = "seminar" if p.faculty in ("AH", "SOC", "BUS") else "tutorial"
            with_groups = []
            for i in idx:
                kind = self.mods[i]["kind"]
                if kind == "practical":
                    events = [("lecture", 1), ("lab" if p.lab else "practical", 3)]
                elif kind == "project":
                    events = [("project seminar", 1)]
                elif kind in ("advanced", "pgt"):
                    events = [("lecture", 2)] + ([(tutorial, 1)] if kind == "pgt" else [])
                else:
                    events = [("lecture", 1), ("lecture", 1)]
                    if p.code in ("CS", "DS") and rng.random() < 0.5:
                        events.append(("workshop", 2))
                    elif rng.random() < (0.6 if lvl == UG1 else 0.4):
                        events.append((tutorial, 1))
                place(grid, i, events)
                if kind in ("hard", "taught", "advanced") and rng.random() < group_p:
                    with_groups.append(i)
            # Seminar groups: a few parallel times per module, clear of the main timetable.
            used = np.zeros((_N_DAYS, _N_HOURS), dtype=bool)
            for i in with_groups:
                n_groups = max(1, math.ceil(self.enrolled[i] / 15))
                times = []
                for _ in range(min(n_groups, 3)):
                    day, h = grid.place(1, None, seminar=used)
                    used[day, h] = True
                    times.append((day, (_FIRST_HOUR + h) * 60))
                self.seminars.append((i, times))

        tt = np.array(rows, dtype=object).reshape(-1, 5)
        frame = pd.DataFrame(
            {
                "module_code": self.codes[tt[:, 0].astype(np.int64)],
                "day": _DAY[tt[:, 1].astype(np.int64)],
                "start": _TIME[tt[:, 2].astype(np.int64)],
                "end": _TIME[tt[:, 3].astype(np.int64)],
                "activity": tt[:, 4],
                "_d": tt[:, 1].astype(np.int64),
                "_s": tt[:, 2].astype(np.int64),
            }
        )
        return (
            frame.sort_values(["module_code", "_d", "_s"], kind="stable")
            .drop(columns=["_d", "_s"])
            .reset_index(drop=True)
        )

    # ------------------------------------------------------------------ own commitments
    def busy(self) -> pd.DataFrame:
        rng, n, level = self.rng, self.n, self.level
        # Each student's busy hours in the grid, as bits: their modules' events to start with.
        order = np.argsort(self.es, kind="stable")
        bits = np.zeros(n, dtype=np.int64)
        np.bitwise_or.at(bits, self.es[order], self.module_bits[self.em[order]])
        s_parts: list[np.ndarray] = []
        d_parts: list[np.ndarray] = []
        a_parts: list[np.ndarray] = []
        b_parts: list[np.ndarray] = []
        r_parts: list[np.ndarray] = []

        def add(students, days, starts, ends, reasons) -> None:
            s_parts.append(np.asarray(students, dtype=np.int64))
            d_parts.append(np.asarray(days, dtype=np.int64))
            a_parts.append(np.asarray(starts, dtype=np.int64))
            b_parts.append(np.asarray(ends, dtype=np.int64))
            r_parts.append(np.asarray(reasons, dtype=object))

        # Seminar groups are part of the students' own timetable (always kept).
        if self.seminars:
            em_sorted = np.argsort(self.em, kind="stable")
            bounds = np.searchsorted(self.em[em_sorted], np.arange(len(self.mods) + 1))
            for i, times in self.seminars:
                members = self.es[em_sorted[bounds[i] : bounds[i + 1]]]
                n_groups = max(1, math.ceil(len(members) / 15))
                group = np.arange(len(members)) % n_groups
                members = rng.permutation(members)
                t = np.array(times)[group % len(times)]
                letters = np.array([_group_label(g) for g in range(n_groups)], dtype=object)
                add(
                    members,
                    t[:, 0],
                    t[:, 1],
                    t[:, 1] + 60,
                    "seminar group " + letters[group] + f" ({self.codes[i]})",
                )
                cell = t[:, 0] * _N_HOURS + t[:, 1] // 60 - _FIRST_HOUR
                np.bitwise_or.at(bits, members, np.left_shift(1, cell).astype(np.int64))

        limit = _CELLS - MIN_FREE_HOURS

        def offer(students: np.ndarray, pattern: list[tuple[int, int, int]], reason: str) -> None:
            """Give ``students`` this weekly pattern where they keep enough free hours."""
            if len(students) == 0:
                return
            pbits = 0
            for d, a, b in pattern:
                pbits |= _bits(d, a, b)
            ok = students[_popcount(bits[students] | pbits) <= limit]
            bits[ok] |= pbits
            for d, a, b in pattern:
                add(
                    ok,
                    np.full(len(ok), d),
                    np.full(len(ok), a),
                    np.full(len(ok), b),
                    np.full(len(ok), reason, dtype=object),
                )

        everyone = np.arange(n)
        ug = level <= UG5
        # Caring: the school run every weekday, or a whole day.
        carer = everyone[rng.random(n) < np.where(level >= PGT, 0.08, 0.03)]
        school = rng.random(len(carer)) < 0.6
        offer(
            carer[school],
            [(d, 15 * 60, 16 * 60 + 30) for d in range(5)],
            "caring responsibilities (school run)",
        )
        for d in range(5):
            who = carer[~school][rng.integers(0, 5, size=int((~school).sum())) == d]
            offer(who, [(d, 9 * 60, 17 * 60)], "caring responsibilities")
        # Part-time jobs: 1-3 shifts, mostly evenings and weekends.
        shifts = (
            [(d, 17 * 60, 21 * 60) for d in range(5)]
            + [(d, 18 * 60, 22 * 60) for d in range(5)]
            + [(5, 9 * 60, 17 * 60), (6, 10 * 60, 16 * 60), (5, 12 * 60, 20 * 60)]
            + [(d, 9 * 60, 13 * 60) for d in range(5)]
            + [(d, 13 * 60, 17 * 60) for d in range(5)]
        )
        sw = np.array([3.0] * 10 + [6.0] * 3 + [1.0] * 10)
        p_job = np.where(self.intl, 0.12, np.where(self.first_gen, 0.38, 0.26))
        workers = everyone[(rng.random(n) < p_job) & (level != PGR)]
        n_shifts = rng.choice([1, 2, 3], size=len(workers), p=[0.4, 0.4, 0.2])
        keys = rng.random((len(workers), len(shifts))) ** (1.0 / sw)
        picks = np.argsort(-keys, axis=1)
        for j in range(3):
            has = n_shifts > j
            for t, (d, a, b) in enumerate(shifts):
                offer(workers[has & (picks[:, j] == t)], [(d, a, b)], "part-time job")
        # Sports club training on Wednesday afternoons.
        offer(
            everyone[ug & (rng.random(n) < 0.10)], [(2, 13 * 60, 17 * 60)], "sports club training"
        )
        # Commuters who must catch a train home.
        train = everyone[self.commuter & (rng.random(n) < 0.3)]
        offer(
            train,
            [(d, 16 * 60 + 30, 18 * 60) for d in range(5)],
            "commuting (last direct train home)",
        )
        # PGR students demonstrate in teaching labs.
        pgr = everyone[(level == PGR) & (rng.random(n) < 0.5)]
        day = rng.integers(0, 5, size=len(pgr))
        for d in range(5):
            offer(pgr[day == d], [(d, 14 * 60, 17 * 60)], "teaching assistant (lab demonstrating)")
        self.bits = bits

        s = np.concatenate(s_parts) if s_parts else np.zeros(0, dtype=np.int64)
        d = np.concatenate(d_parts) if d_parts else np.zeros(0, dtype=np.int64)
        a = np.concatenate(a_parts) if a_parts else np.zeros(0, dtype=np.int64)
        b = np.concatenate(b_parts) if b_parts else np.zeros(0, dtype=np.int64)
        r = np.concatenate(r_parts) if r_parts else np.zeros(0, dtype=object)
        order = np.lexsort((a, d, self.ids[s]))
        return pd.DataFrame(
            {
                "student_id": self.ids[s][order],
                "day": _DAY[d[order]],
                "start": _TIME[a[order]],
                "end": _TIME[b[order]],
                "reason": r[order],
            }
        )

    # ------------------------------------------------------------------ rooms
    def rooms(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        rng, n = self.rng, self.n
        faculties = list(dict.fromkeys(p.faculty for p in self.programmes))
        buildings = [(_FACULTIES[f][1], _FACULTIES[f][2], True) for f in faculties]
        buildings += [("Library", "LIB", False), ("Teaching Hub", "THB", False)]
        counts = {
            "seminar": max(6, round(n / 80)),
            "classroom": max(2, round(n / 300)),
            "theatre": max(1, round(n / 1500)),
        }
        sizes = {
            "seminar": [12, 16, 18, 20, 24, 25, 30],
            "classroom": [40, 45, 50, 60],
            "theatre": [120, 150, 200, 250, 300, 400],
        }
        counter = [0] * len(buildings)
        ids, caps, blds, access, occ = [], [], [], [], []
        for kind, count in counts.items():
            for _ in range(count):
                if kind == "seminar":
                    bi = int(rng.integers(0, len(buildings)))
                elif kind == "classroom":
                    bi = int(rng.choice([i for i, b in enumerate(buildings) if b[1] != "LIB"]))
                else:
                    bi = int(rng.choice([i for i, b in enumerate(buildings) if b[1] != "LIB"]))
                name, code, old = buildings[bi]
                counter[bi] += 1
                floor = int(rng.integers(0, 4))
                ids.append(f"{code}-{'G' if floor == 0 else floor}.{counter[bi]:02d}")
                caps.append(int(rng.choice(sizes[kind])))
                blds.append(name)
                access.append(not (old and floor > 0 and rng.random() < 0.35))
                occ.append(rng.uniform(0.2, 0.5) if code == "LIB" else rng.uniform(0.3, 0.75))
        rooms = pd.DataFrame(
            {
                "room_id": ids,
                "capacity": [str(c) for c in caps],
                "building": blds,
                "accessible": ["yes" if a else "no" for a in access],
            }
        )
        # Bookings: hours booked at the room's occupancy, merged into blocks of up to 3 hours.
        mask = rng.random((len(ids), _N_DAYS, _N_HOURS)) < np.array(occ)[:, None, None]
        rr, dd, ss, ee = [], [], [], []
        run_start = np.full((len(ids), _N_DAYS), -1)
        for h in range(_N_HOURS + 1):
            on = mask[:, :, h] if h < _N_HOURS else np.zeros((len(ids), _N_DAYS), dtype=bool)
            # close runs that stop here or reach 3 hours
            close = (run_start >= 0) & (~on | (h - run_start >= 3))
            r_idx, d_idx = np.nonzero(close)
            rr.append(r_idx)
            dd.append(d_idx)
            ss.append(run_start[r_idx, d_idx])
            ee.append(np.full(len(r_idx), h))
            run_start[close] = -1
            run_start[on & (run_start < 0)] = h
        r_all, d_all = np.concatenate(rr), np.concatenate(dd)
        s_all, e_all = np.concatenate(ss), np.concatenate(ee)
        order = np.lexsort((s_all, d_all, r_all))
        room_ids = np.array(ids, dtype=object)
        room_busy = pd.DataFrame(
            {
                "room_id": room_ids[r_all[order]],
                "day": _DAY[d_all[order]],
                "start": _TIME[(_FIRST_HOUR + s_all[order]) * 60],
                "end": _TIME[(_FIRST_HOUR + e_all[order]) * 60],
            }
        )
        return rooms, room_busy

    # ------------------------------------------------------------------ mentoring
