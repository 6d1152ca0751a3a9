"""The generator's data and small tools: the programme catalogue, languages, interests,
level weights, the weekly teaching grid (see :mod:`workbench.cohort.generate`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from workbench.cohort.domain import DAYS, LEVELS

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


def _group_label(g: int) -> str:
    return chr(ord("A") + g) if g < 26 else f"{g + 1}"
