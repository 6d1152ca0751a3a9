"""Realistic synthetic cohorts of any size, the same for the same seed.

:func:`generate_tables` returns every contract table as strings, exactly as a coordinator's CSV
files would hold them; :func:`generate_cohort` validates them into a :class:`Cohort`.

Where the realism comes from:

* **Programmes and faculties.** A fixed catalogue of 35 programmes in six faculties; a cohort of
  ``n`` students uses the first ``round(sqrt(n) / 5.5)`` of them (at least 2), so ~300 students
  are a department (Chemistry, Physics, Mathematics), ~3,000 the Faculty of Science and
  ~40,000 a whole university. Programmes differ in size, gender balance, international share,
  and whether they are lab-based or have an integrated-masters fourth year (Medicine: five).
* **Levels.** About 30% UG1, 25% UG2, 22% UG3, some UG4 (integrated masters), ~13% PGT and ~5%
  PGR. Student ids start with the two-digit year of entry.
* **Students.** Home / international (more international at PGT), first-generation (~35%),
  commuters (~25%), gender, languages (English plus others), a few interests. A few yes/no
  values are blank, as in real exports. Plausible names and university-style e-mails
  (``workbench/cohort/generate_names.py``, a random stream of their own).
* **Modules.** Six per programme and level (five at UG4/UG5, a project at UG3+, a dissertation at
  PGT), plus faculty-wide skills modules (UG1, UG2, PGR) and a university language elective.
  Each student takes 4-6 modules of their programme and level (the first three are core).
  Fail rates are mostly 5-15%; each programme's first-year "hard" module (the maths or methods
  one) usually stands out at 25-40%.
* **Timetable.** Lectures, tutorials, labs, workshops and seminars on Mon-Fri 09:00-18:00,
  clash-free within a programme and level, lunch hours and Wednesday afternoons kept light.
* **Own commitments** (``busy``): seminar groups (run as parallel groups at a few times),
  part-time jobs, caring, sports training, commuters' last trains, PGR lab demonstrating.
  Every student keeps at least :data:`MIN_FREE_HOURS` free hours in the Mon-Fri 09:00-18:00 grid.
* **Rooms.** Seminar rooms (12-30), classrooms (40-60) and lecture theatres (120-400) in faculty
  buildings, the library and a teaching hub, booked 25-75% of the week (``room_busy``).
* **Mentoring.** Mentees are UG1 sign-ups (about half of each programme's UG1) and a few PGT;
  mentors are UG2+/PGT/PGR volunteers with capacity 1-6 whose enthusiasm differs by programme,
  so some programmes have fewer mentor places than mentees (at least one always does).
* **PASS.** Leaders are UG2/UG3 students of the same programme, 1-3 sessions a week, for the
  risky (fail rate >= 0.25) UG1/UG2 modules, except one risky module left without a leader
  (never one of the five with the highest fail rates, which PASS targets by default).
* **Preferences and avoid pairs.** About 30% of mentees rank 1-3 mentors of their programme (at
  a higher level) and about 35% of mentors rank 1-3 mentees; a handful of avoid pairs.

``mentee_share`` (a fraction of all students, at most 0.8) asks for more sign-ups, e.g. for
benchmarks: the sign-ups are filled by level (UG1 first, then UG2, PGT, UG3, ...) and mentor
volunteering is scaled so that mentor places are about 1.1 times the mentees overall (while
candidates last). ``generate_tables(70_000, mentee_share=0.58)`` gives ~40,000 mentees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.cohort.domain import DAYS, LEVELS, Cohort
from workbench.cohort.generate_names import student_names
from workbench.cohort.generate_topics import term_weeks_table, topics_table

MIN_FREE_HOURS = 10  # free hours every student keeps in the Mon-Fri 09:00-18:00 grid
RISKY = 0.25  # fail rate from which a module counts as risky
TOP_TARGETED = 5  # PASS's default target: the modules with the highest fail rates

_N_DAYS, _N_HOURS, _FIRST_HOUR = 5, 9, 9  # the teaching grid: Mon-Fri, 09:00-18:00
_CELLS = _N_DAYS * _N_HOURS
_TIME = np.array([f"{m // 60:02d}:{m % 60:02d}" for m in range(24 * 60 + 1)], dtype=object)
_DAY = np.array(DAYS, dtype=object)
_L = {level: i for i, level in enumerate(LEVELS)}
UG1, UG2, UG3, UG4, UG5, PGT, PGR = (
    _L[x] for x in ("UG1", "UG2", "UG3", "UG4", "UG5", "PGT", "PGR")
)
_LEVEL_DIGIT = {UG1: 1, UG2: 2, UG3: 3, UG4: 4, UG5: 5, PGT: 7, PGR: 8}
_ENTRY_YEAR = {UG1: 25, UG2: 24, UG3: 23, UG4: 22, UG5: 21, PGT: 25, PGR: 23}

# Faculty code -> (name, building name, building code, seminar-group likelihood per module)
_FACULTIES = {
    "SCI": ("Faculty of Science", "Hooke Building", "HKB", 0.25),
    "ENG": ("Faculty of Engineering", "Brunel Building", "BRB", 0.2),
    "AH": ("Faculty of Arts and Humanities", "Austen Building", "AUB", 0.7),
    "SOC": ("Faculty of Social Sciences", "Keynes Building", "KYB", 0.6),
    "MED": ("Faculty of Medicine and Health", "Nightingale Building", "NGB", 0.45),
    "BUS": ("Business School", "Smith Building", "SMB", 0.5),
}

# name | code | size weight | female share | flags | module stems (first = the hard one;
# a leading * marks the practical / lab module)
_CATALOGUE = """
SCI
Chemistry|CH|1.0|0.45|lab,ug4|Mathematics for Chemists;Organic Chemistry;Inorganic Chemistry;*Practical Chemistry;Physical Chemistry;Analytical Chemistry;Spectroscopy
Physics|PH|1.0|0.25|lab,ug4|Quantum Mechanics;Classical Mechanics;Electromagnetism;*Laboratory Physics;Mathematical Methods;Thermodynamics;Astrophysics
Mathematics|MA|1.2|0.40|ug4|Real Analysis;Linear Algebra;Calculus;Probability;Differential Equations;Numerical Methods;Group Theory
Computer Science|CS|1.5|0.20|ug4|Algorithms and Data Structures;Programming;Computer Systems;Discrete Mathematics;Software Engineering;Databases;Networks
Biology|BL|1.2|0.60|lab|Statistics for Biologists;Cell Biology;Genetics;*Practical Biology;Ecology;Evolution;Microbiology
Biochemistry|BC|0.7|0.60|lab|Chemistry for Biochemists;Molecular Biology;Metabolism;*Laboratory Biochemistry;Protein Structure;Enzymology;Cell Signalling
Geology|GE|0.5|0.40|lab,ug4|Mineralogy;Earth Materials;Sedimentology;*Field Geology;Structural Geology;Palaeontology;Geophysics
Environmental Science|EV|0.6|0.55|lab|Environmental Data Analysis;Earth Systems;Climate Science;*Field and Lab Methods;Pollution;Ecosystems;Environmental Policy
Natural Sciences|NS|0.4|0.50|lab,ug4|Mathematics for Scientists;Physical Sciences;Life Sciences;*Integrated Laboratory;Earth Sciences;Scientific Computing;Research Methods
Data Science|DS|0.6|0.30||Statistical Inference;Programming for Data Science;Linear Models;Machine Learning;Data Visualisation;Databases for Analytics;Optimisation
ENG
Mechanical Engineering|ME|1.3|0.15|lab,ug4|Engineering Mathematics;Statics and Dynamics;Materials;*Engineering Laboratory;Thermofluids;Design;Manufacturing
Civil Engineering|CE|0.9|0.25|lab,ug4|Structural Analysis;Engineering Mathematics for Civil Engineers;Geotechnics;*Surveying and Laboratory;Hydraulics;Construction Management;Transport Engineering
Electrical and Electronic Engineering|EE|0.8|0.15|lab,ug4|Circuit Theory;Digital Electronics;Signals and Systems;*Electronics Laboratory;Power Systems;Control;Communications
Chemical Engineering|CN|0.7|0.30|lab,ug4|Mass and Energy Balances;Fluid Mechanics;Reaction Engineering;*Process Laboratory;Separation Processes;Process Design;Safety
Aerospace Engineering|AE|0.6|0.15|lab,ug4|Aerodynamics;Flight Mechanics;Aerospace Structures;*Wind Tunnel Laboratory;Propulsion;Avionics;Aircraft Design
AH
History|HI|1.0|0.55||Historical Methods;Medieval Europe;Early Modern Britain;Modern World History;Empire and Colonialism;Public History;Historiography
English Literature|EN|1.0|0.75||Literary Theory;Shakespeare;Romantic Poetry;The Victorian Novel;Modernism;Creative Writing;Postcolonial Literature
Philosophy|PL|0.5|0.40||Logic;Ethics;Metaphysics;Philosophy of Mind;Epistemology;Political Philosophy;History of Philosophy
Modern Languages|ML|0.7|0.70|ug4|Language Structure;French Language;Spanish Language;Translation;European Cultures;German Language;Film Studies
Music|MU|0.4|0.50||Music Theory;Music History;Composition;Performance;Ethnomusicology;Music Technology;Analysis
Archaeology|AR|0.4|0.60||Archaeological Science;Prehistory;Roman Britain;*Field Archaeology;Material Culture;Heritage;Bioarchaeology
SOC
Economics|EC|1.3|0.35||Quantitative Methods for Economists;Microeconomics;Macroeconomics;Econometrics;Economic History;Development Economics;Public Economics
Psychology|PS|1.4|0.80|lab|Research Methods and Statistics;Cognitive Psychology;Social Psychology;*Psychology Practicals;Developmental Psychology;Biological Psychology;Clinical Psychology
Sociology|SO|0.7|0.70||Social Research Methods;Social Theory;Inequality;Gender and Society;Crime and Deviance;Urban Sociology;Media and Society
Politics|PO|0.8|0.45||Political Analysis;Comparative Politics;International Relations;Political Theory;British Politics;Public Policy;Security Studies
Law|LA|1.3|0.65||Contract Law;Criminal Law;Public Law;Tort Law;Land Law;Equity and Trusts;EU Law
Geography|GG|0.7|0.55||Quantitative Geography;Human Geography;Physical Geography;*Fieldwork;Geographical Information Systems;Urban Geography;Climate and Society
MED
Medicine|MD|1.0|0.58|lab,med|Biochemistry for Medicine;Anatomy;Physiology;*Clinical Skills;Pharmacology;Pathology;Public Health
Nursing|NU|1.2|0.90||Pharmacology for Nurses;Foundations of Nursing;Health and Wellbeing;*Clinical Practice;Mental Health Nursing;Evidence-Based Practice;Leadership in Care
Pharmacy|PY|0.7|0.65|lab,ug4|Pharmaceutical Chemistry;Pharmacology;Pharmaceutics;*Pharmacy Practice Laboratory;Therapeutics;Clinical Pharmacy;Pharmacy Law and Ethics
Biomedical Science|BM|0.8|0.65|lab|Biochemistry;Human Physiology;Immunology;*Biomedical Laboratory;Haematology;Medical Microbiology;Clinical Chemistry
Physiotherapy|PT|0.4|0.60||Biomechanics;Anatomy for Physiotherapists;Rehabilitation;*Practice Skills;Musculoskeletal Physiotherapy;Neurological Physiotherapy;Cardiorespiratory Care
BUS
Accounting and Finance|AF|1.0|0.45||Financial Mathematics;Financial Accounting;Management Accounting;Corporate Finance;Auditing;Taxation;Financial Markets
Management|MN|1.3|0.50||Business Statistics;Organisational Behaviour;Strategy;Operations Management;Human Resource Management;Entrepreneurship;Business Ethics
Marketing|MK|0.6|0.65||Marketing Analytics;Consumer Behaviour;Brand Management;Digital Marketing;Marketing Research;Services Marketing;Global Marketing
"""


@dataclass(frozen=True)
class _Programme:
    name: str
    code: str
    faculty: str  # faculty code
    weight: float
    female: float
    lab: bool
    ug4: bool
    med: bool
    stems: tuple[str, ...]


def _catalogue() -> list[_Programme]:
    out, faculty = [], ""
    for line in _CATALOGUE.strip().splitlines():
        if "|" not in line:
            faculty = line.strip()
            continue
        name, code, weight, female, flags, stems = line.split("|")
        flag = set(flags.split(","))
        out.append(
            _Programme(
                name,
                code,
                faculty,
                float(weight),
                float(female),
                "lab" in flag,
                "ug4" in flag or "med" in flag,
                "med" in flag,
                tuple(stems.split(";")),
            )
        )
    return out


CATALOGUE: tuple[_Programme, ...] = tuple(_catalogue())

_LANG_INTERNATIONAL = (
    ("Mandarin", 30),
    ("Hindi", 9),
    ("Arabic", 7),
    ("Cantonese", 5),
    ("Malay", 4),
    ("Spanish", 6),
    ("French", 5),
    ("German", 4),
    ("Urdu", 4),
    ("Korean", 3),
    ("Japanese", 2),
    ("Italian", 3),
    ("Greek", 2),
    ("Portuguese", 3),
    ("Turkish", 2),
    ("Thai", 2),
    ("Yoruba", 2),
    ("Vietnamese", 2),
    ("Bengali", 2),
    ("Tamil", 3),
)
_LANG_HOME = (
    ("Welsh", 14),
    ("Polish", 10),
    ("Punjabi", 9),
    ("Urdu", 9),
    ("Bengali", 7),
    ("Gujarati", 5),
    ("French", 10),
    ("Spanish", 8),
    ("Arabic", 6),
    ("Somali", 3),
    ("Romanian", 5),
    ("Tamil", 3),
    ("Cantonese", 3),
    ("Portuguese", 3),
    ("Irish", 2),
)
_LANG_THIRD = (("French", 5), ("Spanish", 4), ("German", 3), ("Italian", 1), ("Japanese", 1))
_INTERESTS = (
    ("music", 10),
    ("football", 8),
    ("gaming", 8),
    ("hiking", 6),
    ("cooking", 7),
    ("photography", 4),
    ("volunteering", 5),
    ("chess", 2),
    ("dance", 4),
    ("film", 7),
    ("reading", 8),
    ("climbing", 3),
    ("running", 6),
    ("coding", 4),
    ("art", 4),
    ("theatre", 3),
    ("debating", 2),
    ("yoga", 3),
    ("travel", 6),
    ("board games", 3),
    ("netball", 2),
    ("rugby", 2),
    ("swimming", 3),
)

# Base weights of each level (UG1..UG5, PGT, PGR); UG4 only with an integrated masters.
_LEVEL_WEIGHTS = np.array([0.30, 0.25, 0.22, 0.10, 0.0, 0.0, 0.13, 0.05])
_MED_LEVEL_WEIGHTS = np.array([0.21, 0.19, 0.18, 0.17, 0.16, 0.0, 0.05, 0.04])
_LEVEL_ORDER = (UG1, UG2, UG3, UG4, UG5, PGT, PGR)


def _programme_count(n: int) -> int:
    return int(min(len(CATALOGUE), max(2, round(math.sqrt(n) / 5.5))))


def _quota(n: int, weights: np.ndarray) -> np.ndarray:
    """Split ``n`` in proportion to ``weights`` (largest remainders)."""
    share = n * weights / weights.sum()
    counts = np.floor(share).astype(np.int64)
    rest = np.argsort(-(share - counts), kind="stable")[: n - int(counts.sum())]
    counts[rest] += 1
    return counts


def _weighted_pick(
    rng: np.random.Generator, options: tuple[tuple[str, int], ...], size: int
) -> np.ndarray:
    names = np.array([o[0] for o in options], dtype=object)
    w = np.array([o[1] for o in options], dtype=float)
    return names[rng.choice(len(options), size=size, p=w / w.sum())]


def _yes_no(flags: np.ndarray, blank: np.ndarray) -> np.ndarray:
    out = np.where(flags, "yes", "no").astype(object)
    out[blank] = ""
    return out


def _bits(day: int, start_min: int, end_min: int) -> int:
    """Grid cells (one bit per weekday hour 09:00-18:00) that an interval overlaps."""
    if day >= _N_DAYS:
        return 0
    mask = 0
    for h in range(_N_HOURS):
        cell_start = (_FIRST_HOUR + h) * 60
        if start_min < cell_start + 60 and end_min > cell_start:
            mask |= 1 << (day * _N_HOURS + h)
    return mask


def _popcount(x: np.ndarray) -> np.ndarray:
    """Set bits per int64 (``np.bitwise_count`` needs numpy 2)."""
    as_bytes = np.ascontiguousarray(x, dtype="<i8").view(np.uint8).reshape(-1, 8)
    return np.unpackbits(as_bytes, axis=1).sum(axis=1)


def _distinct_picks(rng: np.random.Generator, k: np.ndarray, m: int) -> np.ndarray:
    """Row i: k[i] distinct indices in range(m) in random order (-1 pads); vectorised."""
    r = len(k)
    width = int(min(k.max(initial=0), m))
    out = np.full((r, width), -1, dtype=np.int64)
    chosen = np.empty((r, 0), dtype=np.int64)
    for j in range(width):
        x = rng.integers(0, m - j, size=r)
        for c in range(j):  # the x-th index not yet chosen (chosen is sorted per row)
            x = x + (x >= chosen[:, c])
        out[:, j] = x
        chosen = np.sort(np.concatenate([chosen, x[:, None]], axis=1), axis=1)
    out[np.arange(width)[None, :] >= np.minimum(k, m)[:, None]] = -1
    return out


class _Grid:
    """A weekly Mon-Fri 09:00-18:00 grid of hours and the events placed on it."""

    def __init__(self, rng: np.random.Generator, taken: np.ndarray | None = None) -> None:
        self.rng = rng
        self.taken = np.zeros((_N_DAYS, _N_HOURS), dtype=bool) if taken is None else taken.copy()

    def place(
        self, hours: int, avoid_days: set[int] | None = None, seminar: np.ndarray | None = None
    ) -> tuple[int, int]:
        """A (day, hour index) where ``hours`` consecutive hours are free; mark them taken."""
        blocked = self.taken if seminar is None else (self.taken | seminar)
        windows = np.lib.stride_tricks.sliding_window_view(blocked, hours, axis=1).any(axis=2)
        weight = (~windows).astype(float)
        if not weight.any():  # a full grid: an option clash, as real timetables have
            weight = np.ones_like(weight)
        starts = np.arange(weight.shape[1])
        lunch = (starts <= 4) & (starts + hours > 4)  # overlaps 13:00-14:00
        weight[:, lunch] *= 0.3
        weight[2, starts + hours > 4] *= 0.05  # Wednesday afternoons are for sport
        for d in avoid_days or ():
            weight[d] *= 0.2
        flat = weight.ravel() / weight.sum()
        pick = int(self.rng.choice(flat.size, p=flat))
        day, start = divmod(pick, weight.shape[1])
        if seminar is None:
            self.taken[day, start : start + hours] = True
        return day, start


class _Builder:
    def __init__(self, n: int, seed: int, mentee_share: float | None) -> None:
        self.n = n
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.mentee_share = mentee_share
        self.programmes = list(CATALOGUE[: _programme_count(n)])

    # ------------------------------------------------------------------ students
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
        covered risky module outside the top, if there is one, loses its leaders instead.
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
        side = np.random.default_rng([self.seed, uncovered])
        cand = candidates(uncovered)
        want = min(len(cand), int(np.clip(math.ceil(self.enrolled[uncovered] / 25), 2, 8)))
        chosen = side.choice(cand, size=want, replace=False)
        sessions = side.choice([1, 2, 3], size=want, p=[0.3, 0.5, 0.2])
        dropped = outside[-1] if outside else None  # none: every risky module has leaders
        kept = [r for r in rows if r[1] != dropped]
        return kept + [(int(c), uncovered, int(k)) for c, k in zip(chosen, sessions, strict=True)]


def _group_label(g: int) -> str:
    return chr(ord("A") + g) if g < 26 else f"{g + 1}"


def generate_tables(
    n_students: int, seed: int = 1, *, mentee_share: float | None = None, names: bool = True
) -> dict[str, pd.DataFrame]:
    """Every contract table of a realistic cohort of ``n_students``, as contract-format strings.

    The same ``seed`` gives the same tables. ``mentee_share`` (0-0.8) makes that fraction of all
    students mentees instead of the usual ~half of UG1 (see the module docstring). ``names=False``
    leaves out the students' names and e-mails (ids only); every other table is the same.
    """
    if n_students < 10:
        raise ValueError("a generated cohort needs at least 10 students")
    if mentee_share is not None and not 0.0 < mentee_share <= 0.8:
        raise ValueError("mentee_share must be above 0 and at most 0.8")
    b = _Builder(int(n_students), int(seed), mentee_share)
    students = b.students()
    if not names:
        students = students.drop(columns=["name", "email"])
    modules, enrolments = b.modules_and_enrolments()
    timetable = b.timetable()
    busy = b.busy()
    rooms, room_busy = b.rooms()
    mentors, mentees = b.mentoring()
    leaders = b.leaders()
    preferences = b.preferences()
    avoid = b.avoid()
    tables = {
        "students": students,
        "modules": modules,
        "enrolments": enrolments,
        "timetable": timetable,
        "busy": busy,
        "rooms": rooms,
        "room_busy": room_busy,
        "mentors": mentors,
        "mentees": mentees,
        "leaders": leaders,
        "preferences": preferences,
        "avoid": avoid,
        "topics": topics_table(modules, leaders),
        "term_weeks": term_weeks_table(),
    }
    return {name: frame.astype(str).reset_index(drop=True) for name, frame in tables.items()}


def generate_cohort(n_students: int, seed: int = 1, *, mentee_share: float | None = None) -> Cohort:
    """A validated :class:`Cohort` from :func:`generate_tables` (raises if it ever fails)."""
    from workbench.cohort.validation import validate_tables

    result = validate_tables(generate_tables(n_students, seed, mentee_share=mentee_share))
    if result.cohort is None:
        raise RuntimeError(
            "the generated cohort does not validate (a generator bug):\n"
            + result.report.format_text()
        )
    return result.cohort.model_copy(update={"name": f"generated-{n_students}-seed{seed}"})


__all__ = ["CATALOGUE", "MIN_FREE_HOURS", "RISKY", "generate_cohort", "generate_tables"]
