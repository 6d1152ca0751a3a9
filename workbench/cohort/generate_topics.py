"""Plausible lecture topics and a term calendar for generated cohorts (synthetic).

The term: 13 weeks from Monday 2026-09-28; week 7 is a reading week (a break) and week 13 is
for revision, so sessions run in 12 weeks. Topics are lectured in the 11 teaching weeks, one a
week (two when a syllabus is longer), each with a difficulty 1-5; a class test falls in week 8
and a coursework deadline in week 11 (kind ``assessment``). Topics come for every module with
PASS leaders and the five modules with the highest fail rates. No random numbers are drawn, so
adding them changes no other generated table.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

TERM_START = dt.date(2026, 9, 28)
TERM_KINDS = ["teaching"] * 6 + ["break"] + ["teaching"] * 5 + ["revision"]
TEACHING_WEEKS = [w for w, kind in enumerate(TERM_KINDS, start=1) if kind == "teaching"]
ASSESSMENTS = ((8, "Class test"), (11, "Coursework deadline"))

# stem (level 1 or both) | topic:difficulty; ...
_SYLLABI = """
Mathematics for Chemists 1|Algebra and units:2;Functions and graphs:2;Logarithms and exponentials:3;Differentiation:3;Rules of differentiation:4;Integration:4;Integration by parts:5;Complex numbers:4;Vectors:3;Matrices and determinants:4;First-order differential equations:5
Mathematics for Chemists 2|Partial differentiation:4;Multiple integrals:5;Second-order differential equations:5;Series expansions:4;Fourier series:5;Eigenvalues and eigenvectors:4;Symmetry and group theory:4;Probability distributions:3;Vector calculus:5;Least-squares fitting:3;Error propagation:3
Practical Chemistry|Laboratory safety:1;Titration:2;Recrystallisation:2;Melting points:2;Spectrophotometry:3;Error analysis:4;Thin-layer chromatography:3;Writing a lab report:3;Kinetics experiment:4;Calorimetry:3;Distillation:2
Real Analysis 1|Real numbers and completeness:4;Sequences and limits:4;Monotone sequences:3;Cauchy sequences:5;Series and convergence tests:4;Absolute convergence:4;Continuity:4;Intermediate value theorem:3;Differentiability:4;Mean value theorem:4;Taylor's theorem:5
Real Analysis 2|Riemann integral:5;Fundamental theorem of calculus:4;Improper integrals:4;Pointwise convergence:4;Uniform convergence:5;Power series:4;Metric spaces:5;Open and closed sets:4;Compactness:5;Completeness of metric spaces:5;Contraction mapping theorem:5
Quantum Mechanics|Wave-particle duality:2;The Schrodinger equation:4;Particle in a box:3;Operators and observables:5;Uncertainty principle:3;Harmonic oscillator:4;Tunnelling:4;Angular momentum:5;Hydrogen atom:5;Spin:4;Perturbation theory:5
Electromagnetism|Coulomb's law:2;Electric fields:3;Gauss's law:4;Electric potential:3;Capacitance:3;Current and resistance:2;Magnetic fields:3;Ampere's law:4;Faraday's law:4;Inductance:4;Maxwell's equations:5
Mathematical Methods|Vectors and coordinates:2;Complex numbers:3;Differentiation:3;Integration techniques:4;Series and approximations:4;Ordinary differential equations:5;Matrices:3;Eigenvalues:4;Partial derivatives:4;Multiple integrals:5;Fourier series:5
Mathematics for Scientists|Algebra and units:2;Functions and graphs:2;Exponentials and logarithms:3;Differentiation:3;Integration:4;Vectors:3;Complex numbers:4;Matrices:3;Differential equations:5;Probability:3;Statistics for experiments:3
Chemistry for Biochemists 1|Atomic structure:2;Chemical bonding:3;Intermolecular forces:3;Thermodynamics:4;Chemical equilibria:3;Acids, bases and buffers:4;Reaction kinetics:4;Redox reactions:3;Functional groups:3;Stereochemistry:4;Reaction mechanisms:5
Chemistry for Biochemists 2|Spectroscopy of biomolecules:4;Free energy in biology:4;Enzyme kinetics:5;Coordination chemistry:4;Carbonyl chemistry:4;Heterocycles:3;Biological redox:4;Electrochemistry:5;NMR interpretation:5;Mass spectrometry:4;Chirality in drugs:3
Statistics for Biologists|Describing data:1;Probability:3;Normal distribution:3;Sampling and standard error:4;Confidence intervals:4;Hypothesis tests:4;t-tests:3;Chi-squared tests:4;Correlation:3;Linear regression:4;Analysis of variance:5
Algorithms and Data Structures 1|Complexity and big-O:4;Arrays and linked lists:2;Stacks and queues:2;Recursion:4;Sorting algorithms:3;Binary search:3;Hash tables:4;Binary trees:4;Heaps and priority queues:4;Graph traversal:5;Proof of correctness:5
Algorithms and Data Structures 2|Balanced search trees:5;Shortest paths:4;Minimum spanning trees:4;Greedy algorithms:4;Divide and conquer:4;Dynamic programming:5;Amortised analysis:5;String matching:4;Network flow:5;NP-completeness:5;Approximation algorithms:4
Computer Systems|Binary and hexadecimal:2;Logic gates:2;Boolean algebra:3;CPU architecture:3;Assembly language:4;Memory hierarchy:4;Caches:5;Processes and threads:4;Virtual memory:5;Concurrency:5;Input and output:3
Databases|Relational model:2;SQL queries:3;Joins:4;Aggregation and grouping:3;Entity-relationship modelling:3;Normalisation:5;Transactions:4;Indexes:4;Relational algebra:5;Query optimisation:4;Database security:3
Statistical Inference|Random variables:3;Expectation and variance:3;Common distributions:3;Law of large numbers:4;Central limit theorem:5;Maximum likelihood:5;Confidence intervals:4;Hypothesis testing:4;Likelihood ratio tests:5;Bayesian inference:5;Bootstrap:4
Environmental Data Analysis|Sampling design:2;Descriptive statistics:2;Data in R:3;Time series:4;Spatial data and GIS:3;Regression:4;Uncertainty:4;Climate records:3;Mapping:2;Trend detection:5;Writing up results:2
Earth Systems|Atmospheric circulation:4;Ocean circulation:4;The carbon cycle:4;The water cycle:3;Plate tectonics:3;Feedbacks:5;Palaeoclimate:4;Biogeochemistry:5;Ice sheets:3;Earth system models:5;Tipping points:4
Mineralogy 1|Crystal symmetry:4;Miller indices:5;Optical mineralogy:5;Silicate structures:4;Hand specimen identification:3;Mineral chemistry:4;Feldspars:3;Pyroxenes and amphiboles:4;Carbonates:2;Ore minerals:3;Clay minerals:4
Mineralogy 2|Phase diagrams:5;X-ray diffraction:4;Solid solutions:5;Thin section petrography:5;Metamorphic minerals:4;Igneous textures:4;Exsolution:5;Mineral stability:4;Electron microprobe:3;Geothermometry:5;Mineral resources:2
Sedimentology|Grain size analysis:3;Fluid flow and transport:5;Bedforms:4;Sedimentary structures:3;Facies analysis:4;Fluvial systems:3;Deltas:3;Carbonate platforms:4;Diagenesis:5;Sequence stratigraphy:5;Core logging:3
Life Sciences|Cell structure:2;Membrane transport:3;Protein structure:3;Gene expression:4;Cell signalling:4;Metabolism:5;Cell cycle:4;Inheritance:3;Immunology:4;Evolution:2;Ecology:2
"""


def _syllabi() -> dict[str, list[tuple[str, int]]]:
    out = {}
    for line in _SYLLABI.strip().splitlines():
        stem, items = line.split("|")
        out[stem] = [(t, int(d)) for t, d in (item.rsplit(":", 1) for item in items.split(";"))]
    return out


SYLLABI = _syllabi()


def _generic(stem: str) -> list[tuple[str, int]]:
    parts = (
        ("Key ideas and definitions", 2), ("Core methods", 3), ("Worked problems", 3),
        ("Models and assumptions", 4), ("Quantitative methods", 4), ("Data and evidence", 3),
        ("Advanced methods", 5), ("Applications", 3), ("Case studies", 2),
        ("Critical evaluation", 4), ("Synthesis", 5),
    )  # fmt: skip
    return [(f"{stem}: {name.lower()}", d) for name, d in parts]


def syllabus(module_name: str) -> list[tuple[str, int]]:
    """The topics of a module by its name ("Real Analysis 2"), a generic list otherwise."""
    if module_name in SYLLABI:
        return SYLLABI[module_name]
    stem = re.sub(r"\s+\d+$", "", module_name)
    return SYLLABI.get(stem) or SYLLABI.get(f"{stem} 1") or _generic(stem)


def term_weeks_table() -> pd.DataFrame:
    """The generated term: week, starts (its Monday), kind."""
    return pd.DataFrame(
        {
            "week": range(1, len(TERM_KINDS) + 1),
            "starts": [
                (TERM_START + dt.timedelta(weeks=i)).isoformat() for i in range(len(TERM_KINDS))
            ],
            "kind": TERM_KINDS,
        }
    )


def topic_modules(modules: pd.DataFrame, leaders: pd.DataFrame, top: int = 5) -> list[str]:
    """Modules with leaders, and the ``top`` modules by fail rate."""
    rates = pd.to_numeric(modules["fail_rate"], errors="coerce").fillna(0)
    highest = modules.assign(_r=rates).sort_values(["_r", "module_code"], ascending=[False, True])
    return sorted(set(leaders["module_code"]) | set(highest["module_code"].head(top)))


def topics_table(modules: pd.DataFrame, leaders: pd.DataFrame) -> pd.DataFrame:
    """module_code, week, topic, difficulty, kind for the PASS modules."""
    names = dict(zip(modules["module_code"], modules["module_name"], strict=True))
    rows = []
    for code in topic_modules(modules, leaders):
        items = syllabus(str(names.get(code) or code))
        weeks = [TEACHING_WEEKS[i * len(TEACHING_WEEKS) // len(items)] for i in range(len(items))]
        for week, (topic, difficulty) in zip(weeks, items, strict=True):
            rows.append((code, week, topic, difficulty, "lecture"))
        rows += [(code, week, name, 3, "assessment") for week, name in ASSESSMENTS]
    frame = pd.DataFrame(rows, columns=["module_code", "week", "topic", "difficulty", "kind"])
    return frame.sort_values(["module_code", "week"], kind="stable")
