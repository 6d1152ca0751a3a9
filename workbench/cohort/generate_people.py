"""The generator's students, modules and enrolments."""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.cohort.domain import LEVELS
from workbench.cohort.generate_data import (
    _ENTRY_YEAR,
    _FACULTIES,
    _INTERESTS,
    _LANG_HOME,
    _LANG_INTERNATIONAL,
    _LANG_THIRD,
    _LEVEL_DIGIT,
    _LEVEL_ORDER,
    _LEVEL_WEIGHTS,
    _MED_LEVEL_WEIGHTS,
    PGR,
    PGT,
    RISKY,
    UG1,
    UG2,
    UG3,
    UG4,
    UG5,
    _Programme,
    _quota,
    _weighted_pick,
    _yes_no,
)
from workbench.cohort.generate_names import student_names


class PeopleTables:
    """Methods of the generator's builder (state: ``n``, ``seed``, ``rng``, ``programmes``)."""

    def students(self) -> pd.DataFrame:
        rng, n, progs = self.rng, self.n, self.programmes
        # Programme sizes and each programme's levels follow their weights (slightly varied
        # by seed) by quota, so proportions hold even in a small department.
        w = np.array([p.weight for p in progs]) * np.exp(rng.normal(0.0, 0.15, len(progs)))
        sizes = _quota(n, w)
        weights = np.array(
            [
                _MED_LEVEL_WEIGHTS
                if p.med
                else _LEVEL_WEIGHTS * np.where(np.arange(8) == UG4, p.ug4, 1)
                for p in progs
            ]
        ) * np.exp(rng.normal(0.0, 0.04, (len(progs), 8)))
        prog = np.repeat(np.arange(len(progs)), sizes)
        level = np.concatenate(
            [
                np.repeat(np.arange(8), _quota(int(size), weights[pi]))
                for pi, size in enumerate(sizes)
            ]
        )
        perm = rng.permutation(n)
        prog, level = prog[perm], level[perm]
        self.prog, self.level = prog, level

        fac = np.array([p.faculty for p in progs], dtype=object)[prog]
        intl_base = np.where(level == PGT, 0.55, np.where(level == PGR, 0.40, 0.17))
        intl_base = intl_base * np.where(np.isin(fac, ["BUS", "ENG"]), 1.4, 1.0)
        intl = rng.random(n) < intl_base
        pg = level >= PGT
        first_gen = rng.random(n) < np.where(intl, 0.18, np.where(pg, 0.28, 0.42))
        commuter = rng.random(n) < np.where(intl, 0.06, np.where(first_gen, 0.38, 0.24)) * np.where(
            level == PGR, 0.6, 1.0
        )
        self.intl, self.first_gen, self.commuter = intl, first_gen, commuter
        female_share = np.array([p.female for p in progs])[prog]
        u = rng.random(n)
        gender = np.where(
            u < 0.015,
            "non-binary",
            np.where(u < 0.03, "", np.where(u < 0.03 + 0.97 * female_share, "female", "male")),
        ).astype(object)

        # Languages: English for all, another for international and some home students.
        second = np.where(
            intl, _weighted_pick(rng, _LANG_INTERNATIONAL, n), _weighted_pick(rng, _LANG_HOME, n)
        )
        has_second = intl | (rng.random(n) < 0.17)
        third = _weighted_pick(rng, _LANG_THIRD, n)
        has_third = has_second & (rng.random(n) < 0.10) & (third != second)
        no_record = rng.random(n) < 0.03
        languages = [
            "" if nr else ("English;" + s + (";" + t if ht else "") if hs else "English")
            for nr, s, hs, t, ht in zip(
                no_record.tolist(),
                second.tolist(),
                has_second.tolist(),
                third.tolist(),
                has_third.tolist(),
                strict=True,
            )
        ]
        # Interests: 0-3, weighted sampling without replacement (Efraimidis-Spirakis keys).
        names = np.array([i[0] for i in _INTERESTS], dtype=object)
        iw = np.array([i[1] for i in _INTERESTS], dtype=float)
        keys = rng.random((n, len(names))) ** (1.0 / iw)
        order = np.argsort(-keys, axis=1)[:, :3]
        count = rng.choice(4, size=n, p=[0.1, 0.3, 0.35, 0.25])
        top = names[order].tolist()
        interests = [";".join(row[:c]) for row, c in zip(top, count.tolist(), strict=True)]

        # Ids: two-digit year of entry then a serial, shuffled so ids do not follow programmes.
        year = np.vectorize(_ENTRY_YEAR.get)(level)
        serial = np.zeros(n, dtype=np.int64)
        for y in np.unique(year):
            idx = np.flatnonzero(year == y)
            serial[idx] = rng.permutation(len(idx)) + 1 + rng.integers(0, 500)
        width = max(5, len(str(int(serial.max()))))
        ids = np.array(
            [f"{y}{s:0{width}d}" for y, s in zip(year.tolist(), serial.tolist(), strict=True)],
            dtype=object,
        )
        self.ids = ids
        names, emails = student_names(self.seed, ids, gender, intl)
        frame = pd.DataFrame(
            {
                "student_id": ids,
                "programme": np.array([p.name for p in progs], dtype=object)[prog],
                "level": np.array(LEVELS, dtype=object)[level],
                "faculty": np.array([_FACULTIES[p.faculty][0] for p in progs], dtype=object)[prog],
                "home_status": np.where(intl, "international", "home"),
                "first_generation": _yes_no(first_gen, rng.random(n) < 0.02),
                "commuter": _yes_no(commuter, rng.random(n) < 0.02),
                "gender": gender,
                "languages": np.array(languages, dtype=object),
                "interests": np.array(interests, dtype=object),
                "name": names,
                "email": emails,
            }
        )
        self.order = np.argsort(ids, kind="stable")
        return frame.iloc[self.order].reset_index(drop=True)

    # ------------------------------------------------------------------ modules & enrolments
    def modules_and_enrolments(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        rng, progs, prog, level = self.rng, self.programmes, self.prog, self.level
        mods: list[dict] = []  # code, name, programme, level, kind, faculty, group key
        enrol_s: list[np.ndarray] = []
        enrol_m: list[np.ndarray] = []

        def add_module(code, name, programme, lvl, kind, faculty, group) -> int:
            mods.append(
                dict(
                    code=code,
                    name=name,
                    programme=programme,
                    level=lvl,
                    kind=kind,
                    faculty=faculty,
                    group=group,
                )
            )
            return len(mods) - 1

        # University-wide language elective for a few undergraduates.
        ug = np.flatnonzero(level <= UG5)
        takers = ug[rng.random(len(ug)) < 0.04]
        m = add_module("LAN1001", "Languages for All: Spanish", "", None, "elective", "", "uni")
        enrol_s.append(takers)
        enrol_m.append(np.full(len(takers), m))
        # Faculty-wide skills modules.
        fac_of = np.array([p.faculty for p in progs], dtype=object)[prog]
        for fac in dict.fromkeys(p.faculty for p in progs):
            short = fac
            for lvl, name, share in (
                (UG1, "Academic Skills", 0.75),
                (UG2, "Professional Skills", 0.4),
                (PGR, "Research Skills and Training", 0.6),
            ):
                who = np.flatnonzero((fac_of == fac) & (level == lvl))
                if len(who) == 0:
                    continue
                m = add_module(
                    f"{short}{_LEVEL_DIGIT[lvl]}000",
                    f"{name} ({_FACULTIES[fac][0]})",
                    "",
                    lvl,
                    "skills" if lvl != PGR else "training",
                    fac,
                    (fac, lvl),
                )
                t = who[rng.random(len(who)) < share]
                enrol_s.append(t)
                enrol_m.append(np.full(len(t), m))
        # Programme modules: 4-6 of the programme and level's list, the first three core.
        for pi, p in enumerate(progs):
            for lvl in _LEVEL_ORDER:
                if lvl == PGR:
                    continue
                who = np.flatnonzero((prog == pi) & (level == lvl))
                if len(who) == 0:
                    continue
                specs = self._module_specs(p, lvl)
                ids = [
                    add_module(
                        f"{p.code}{_LEVEL_DIGIT[lvl]}{i + 1:03d}",
                        name,
                        p.name,
                        lvl,
                        kind,
                        p.faculty,
                        (pi, lvl),
                    )
                    for i, (name, kind) in enumerate(specs)
                ]
                mcount = len(ids)
                core = min(3, mcount)
                k = np.minimum(rng.choice([4, 5, 6], size=len(who), p=[0.25, 0.5, 0.25]), mcount)
                take = np.zeros((len(who), mcount), dtype=bool)
                take[:, :core] = True
                if mcount > core:
                    ranks = np.argsort(
                        np.argsort(rng.random((len(who), mcount - core)), axis=1), axis=1
                    )
                    take[:, core:] = ranks < (k - core)[:, None]
                rows, cols = np.nonzero(take)
                enrol_s.append(who[rows])
                enrol_m.append(np.array(ids)[cols])

        es = np.concatenate(enrol_s).astype(np.int64)
        em = np.concatenate(enrol_m).astype(np.int64)
        enrolled = np.bincount(em, minlength=len(mods))
        keep = np.flatnonzero(enrolled > 0)  # a module nobody takes is not running this year
        self.mods = [mods[i] for i in keep]
        remap = np.full(len(mods), -1)
        remap[keep] = np.arange(len(keep))
        self.es, self.em = es, remap[em]
        self.enrolled = enrolled[keep]
        for i, md in enumerate(self.mods):
            md["fail_rate"] = self._fail_rate(md, i)
        self.codes = np.array([md["code"] for md in self.mods], dtype=object)

        modules = (
            pd.DataFrame(
                {
                    "module_code": self.codes,
                    "module_name": [md["name"] for md in self.mods],
                    "programme": [md["programme"] for md in self.mods],
                    "level": [
                        "" if md["level"] is None else LEVELS[md["level"]] for md in self.mods
                    ],
                    "fail_rate": [f"{md['fail_rate']:.2f}" for md in self.mods],
                }
            )
            .sort_values("module_code", kind="stable")
            .reset_index(drop=True)
        )
        order = np.lexsort((self.codes[self.em], self.ids[self.es]))
        enrolments = pd.DataFrame(
            {"student_id": self.ids[self.es][order], "module_code": self.codes[self.em][order]}
        )
        return modules, enrolments

    @staticmethod
    def _module_specs(p: _Programme, lvl: int) -> list[tuple[str, str]]:
        stems = [s.lstrip("*") for s in p.stems]
        kinds = ["practical" if s.startswith("*") else "taught" for s in p.stems]
        kinds[0] = "hard" if kinds[0] == "taught" else kinds[0]
        if lvl in (UG1, UG2):
            return [(f"{stems[i]} {lvl + 1}", kinds[i]) for i in range(6)]
        if lvl == UG3:
            return [
                (f"{stems[i]} 3", kinds[i] if kinds[i] != "hard" else "taught") for i in range(1, 6)
            ] + [("Final Year Project", "project")]
        if lvl in (UG4, UG5):
            prefix = "Advanced" if lvl == UG4 else "Clinical Practice in"
            return [(f"{prefix} {stems[i]}", "advanced") for i in range(1, 5)] + [
                ("Research Project" if lvl == UG4 else "Elective Placement", "project")
            ]
        return [(f"Topics in {stems[i]}", "pgt") for i in range(1, 6)] + [
            ("Dissertation", "project")
        ]

    def _fail_rate(self, md: dict, i: int) -> float:
        rng, lvl, kind = self.rng, md["level"], md["kind"]
        u = rng.random()
        risky = (kind == "hard" and (lvl == UG1 or (lvl == UG2 and u < 0.5))) or (
            kind in ("taught", "practical") and lvl in (UG1, UG2) and u < 0.03
        )
        if risky:
            return float(rng.uniform(RISKY, 0.40))
        low, high = {UG1: (0.06, 0.16), UG2: (0.05, 0.15), UG3: (0.04, 0.12)}.get(lvl, (0.03, 0.10))
        if kind in ("skills", "elective", "training"):
            low, high = 0.03, 0.10
        return float(rng.uniform(low, high))

    # ------------------------------------------------------------------ timetable
