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

import numpy as np
import pandas as pd

from workbench.cohort.domain import Cohort
from workbench.cohort.generate_data import CATALOGUE, MIN_FREE_HOURS, RISKY, _programme_count
from workbench.cohort.generate_people import PeopleTables
from workbench.cohort.generate_times import TimeTables
from workbench.cohort.generate_topics import term_weeks_table, topics_table
from workbench.cohort.generate_volunteers import VolunteerTables
from workbench.cohort.validation import validate_tables


class _Builder(PeopleTables, TimeTables, VolunteerTables):
    """Builds every table of one generated cohort from one random stream, in a fixed order."""

    def __init__(self, n: int, seed: int, mentee_share: float | None) -> None:
        self.n = n
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.mentee_share = mentee_share
        self.programmes = list(CATALOGUE[: _programme_count(n)])

    # ------------------------------------------------------------------ students


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
    result = validate_tables(generate_tables(n_students, seed, mentee_share=mentee_share))
    if result.cohort is None:
        raise RuntimeError(
            "the generated cohort does not validate (a generator bug):\n"
            + result.report.format_text()
        )
    return result.cohort.model_copy(update={"name": f"generated-{n_students}-seed{seed}"})


__all__ = ["CATALOGUE", "MIN_FREE_HOURS", "RISKY", "generate_cohort", "generate_tables"]
