"""``generate --term``: a term of registers, meetings and results with a known, planted effect.

The generative model (documented so that the evaluation can be checked against it):

* **Prior attainment.** Every student gets an entry tariff ``prior = round(112 + 24 z)`` with
  ``z`` standard normal (``students.prior_attainment``).
* **The term.** 13 weeks from Monday 2026-09-28; week 7 is a break, so 12 weeks have sessions.
* **PASS attendance (selection).** PASS runs for the ``pass_modules`` modules with the highest
  fail rates (default 5, PASS's default target). A student of such a module comes at least once
  with probability ``logistic(a + 0.045 (prior - 112) - 0.5 commuter)``: stronger students and
  students living on campus come more. An attender comes to ``1 + Binomial(W - 1, q)`` of the
  ``W`` session weeks, ``q = logistic(-0.6 + 0.03 (prior - 112))``. Registers carry no day or
  time (a module-level sign-in).
* **Marks (the planted effect).** Every enrolment gets
  ``mark = 57 + 0.3 (prior - 112) + module shift - 3 commuter + EFFECT x attended + N(0, 10)``
  with ``EFFECT = 4.0`` marks for attending at least once, the module shift ``-40 (fail rate -
  0.2)``, clipped to 0-100; 3% withdraw (result ``withdrawn``, no mark), otherwise ``pass`` at
  40 or more and ``fail`` below.
* **Mentoring.** Each mentee is paired with a mentor of their programme (any mentor when their
  programme has none) and meets them at least once with probability ``logistic(0.3 + 0.04
  (prior - 112))``, then ``1 + Binomial(W - 1, 0.4)`` times. Every student who is not a mentor
  continues with probability ``logistic(1.6 + 0.03 (prior - 112) + 0.6 met)``.

Because attendance depends only on recorded attributes (prior attainment, commuter), the
adjusted estimate recovers ``EFFECT`` while the raw attender - non-attender difference is
biased upwards (about 3-4 marks). Real selection also runs through what no table records.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from workbench.cohort.domain import Cohort
from workbench.cohort.generate import generate_tables
from workbench.cohort.validation import validate_tables

PLANTED_EFFECT = 4.0  # marks, for attending PASS at least once
MENTORING_LOGIT = 0.6  # continuation, on the log-odds scale, for meeting a mentor
TERM_START = dt.date(2026, 9, 28)
TERM_WEEKS = 13
BREAK_WEEKS = (7,)
DEFAULT_PASS_MODULES = 5


def _logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _yes(values: pd.Series) -> np.ndarray:
    return values.astype(str).str.strip().str.lower().isin(["yes", "y", "true", "1"]).to_numpy()


def term_weeks_table(
    start: dt.date = TERM_START, weeks: int = TERM_WEEKS, breaks: tuple[int, ...] = BREAK_WEEKS
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "week": [str(w) for w in range(1, weeks + 1)],
            "starts": [
                (start + dt.timedelta(weeks=w - 1)).isoformat() for w in range(1, weeks + 1)
            ],
            "kind": ["break" if w in breaks else "teaching" for w in range(1, weeks + 1)],
        }
    )


def _pick_weeks(
    rng: np.random.Generator, counts: np.ndarray, session_weeks: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(row index, week) for each of ``counts[i]`` distinct random session weeks of row i."""
    order = np.argsort(rng.random((len(counts), len(session_weeks))), axis=1)
    take = np.arange(len(session_weeks))[None, :] < counts[:, None]
    rows, cols = np.nonzero(take)
    return rows, session_weeks[order[rows, cols]]


def pass_modules_of(modules: pd.DataFrame, count: int) -> list[str]:
    """The ``count`` modules with the highest fail rates (ties by code)."""
    rates = pd.to_numeric(modules["fail_rate"], errors="coerce").fillna(0.0)
    order = modules.assign(_r=rates).sort_values(["_r", "module_code"], ascending=[False, True])
    return order["module_code"].head(count).tolist()


def _attendance(
    rng: np.random.Generator,
    enrol: pd.DataFrame,
    session_weeks: np.ndarray,
    base: float,
    session_base: float = -0.6,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Attendance rows for PASS enrolments and whether each enrolment attended."""
    centred = enrol["prior"].to_numpy() - 112.0
    p_attend = _logistic(base + 0.045 * centred - 0.5 * enrol["commuter"].to_numpy())
    attended = rng.random(len(enrol)) < p_attend
    q = _logistic(session_base + 0.03 * centred[attended])
    counts = 1 + rng.binomial(len(session_weeks) - 1, q)
    rows, weeks = _pick_weeks(rng, counts, session_weeks)
    picked = enrol.loc[attended].iloc[rows]
    frame = pd.DataFrame(
        {
            "student_id": picked["student_id"].to_numpy(),
            "module_code": picked["module_code"].to_numpy(),
            "week": weeks.astype(str),
        }
    )
    return frame, attended


def _outcomes(
    rng: np.random.Generator, enrol: pd.DataFrame, attended: np.ndarray, effect: float
) -> pd.DataFrame:
    shift = -40.0 * (enrol["fail_rate"].to_numpy() - 0.2)
    mark = (
        57.0
        + 0.3 * (enrol["prior"].to_numpy() - 112.0)
        + shift
        - 3.0 * enrol["commuter"].to_numpy()
        + effect * attended
        + rng.normal(0.0, 10.0, len(enrol))
    )
    mark = np.clip(np.round(mark, 1), 0.0, 100.0)
    withdrawn = rng.random(len(enrol)) < 0.03
    result = np.where(withdrawn, "withdrawn", np.where(mark >= 40.0, "pass", "fail"))
    return pd.DataFrame(
        {
            "student_id": enrol["student_id"].to_numpy(),
            "module_code": enrol["module_code"].to_numpy(),
            "mark": np.where(withdrawn, "", mark.astype(str)),
            "result": result,
        }
    )


def _mentoring(
    rng: np.random.Generator, tables: dict[str, pd.DataFrame], prior: pd.Series, weeks: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame]:
    students = tables["students"]
    programme = students.set_index("student_id")["programme"]
    mentors = tables["mentors"]["student_id"].to_numpy()
    mentees = tables["mentees"]["student_id"].to_numpy()
    pairs_mentee, pairs_mentor = [], []
    if len(mentors):
        by_prog = pd.Series(mentors).groupby(programme.reindex(mentors).to_numpy()).agg(list)
        for mentee in mentees:
            pool = by_prog.get(programme[mentee], list(mentors))
            pairs_mentee.append(mentee)
            pairs_mentor.append(pool[int(rng.integers(len(pool)))])
    pairs_mentee = np.array(pairs_mentee, dtype=object)
    pairs_mentor = np.array(pairs_mentor, dtype=object)
    centred = prior.reindex(pairs_mentee).to_numpy() - 112.0
    met = rng.random(len(pairs_mentee)) < _logistic(0.3 + 0.04 * centred)
    counts = 1 + rng.binomial(len(weeks) - 1, 0.4, size=int(met.sum()))
    rows, picked = _pick_weeks(rng, counts, weeks)
    meetings = pd.DataFrame(
        {
            "mentee_id": pairs_mentee[met][rows],
            "mentor_id": pairs_mentor[met][rows],
            "week": picked.astype(str),
            "minutes": rng.choice(["30", "45", "60"], size=len(rows)),
        }
    )
    who = students.loc[~students["student_id"].isin(set(mentors)), "student_id"].to_numpy()
    met_any = pd.Series(False, index=who)
    met_any[pd.Index(pairs_mentee[met]).intersection(met_any.index)] = True
    logit = 1.6 + 0.03 * (prior.reindex(who).to_numpy() - 112.0) + MENTORING_LOGIT * met_any
    continued = rng.random(len(who)) < _logistic(logit.to_numpy())
    progression = pd.DataFrame({"student_id": who, "continued": np.where(continued, "yes", "no")})
    return meetings, progression


def add_term(
    tables: dict[str, pd.DataFrame],
    seed: int = 1,
    *,
    pass_modules: int = DEFAULT_PASS_MODULES,
    effect: float = PLANTED_EFFECT,
    attend_base: float = -0.3,
    session_base: float = -0.6,
    start: dt.date = TERM_START,
    weeks: int = TERM_WEEKS,
    breaks: tuple[int, ...] = BREAK_WEEKS,
) -> dict[str, pd.DataFrame]:
    """The generated tables plus a term: prior attainment, term_weeks, attendance, meetings,
    outcomes and progression (contract-format strings), the same for the same seed."""
    rng = np.random.default_rng([int(seed), 15])
    out = dict(tables)
    students = tables["students"].copy()
    prior = np.round(112.0 + 24.0 * rng.standard_normal(len(students)))
    students["prior_attainment"] = prior.astype(int).astype(str)
    out["students"] = students
    prior_of = pd.Series(prior, index=students["student_id"].to_numpy())
    commuter_of = pd.Series(_yes(students["commuter"]), index=prior_of.index)
    session_weeks = np.array([w for w in range(1, weeks + 1) if w not in breaks])

    modules = tables["modules"]
    rates = pd.to_numeric(modules["fail_rate"], errors="coerce").fillna(0.2)
    enrol = tables["enrolments"].copy()
    enrol["prior"] = prior_of.reindex(enrol["student_id"]).to_numpy()
    enrol["commuter"] = commuter_of.reindex(enrol["student_id"]).to_numpy().astype(float)
    enrol["fail_rate"] = (
        rates.set_axis(modules["module_code"]).reindex(enrol["module_code"]).to_numpy()
    )
    on_pass = enrol["module_code"].isin(pass_modules_of(modules, pass_modules)).to_numpy()
    attendance, attended_pass = _attendance(
        rng, enrol.loc[on_pass], session_weeks, attend_base, session_base
    )
    attended = np.zeros(len(enrol), dtype=float)
    attended[on_pass] = attended_pass
    out["term_weeks"] = term_weeks_table(start, weeks, breaks)
    out["attendance"] = attendance
    out["meetings"], out["progression"] = _mentoring(rng, tables, prior_of, session_weeks)
    out["outcomes"] = _outcomes(rng, enrol, attended, effect)
    return {name: frame.astype(str).reset_index(drop=True) for name, frame in out.items()}


def generate_term_cohort(n_students: int, seed: int = 1, **options) -> Cohort:
    """A validated cohort with a generated term (raises if it ever fails to validate)."""
    result = validate_tables(add_term(generate_tables(n_students, seed), seed, **options))
    if result.cohort is None:
        raise RuntimeError("the generated term does not validate:\n" + result.report.format_text())
    return result.cohort
