"""What the access tests share: three people, a clock the test moves, a small plan."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from workbench.scenarios.scenario import Scenario

BOSS = "boss@uni.ac.uk"
HEAD = "head@uni.ac.uk"
OTHER = "other@uni.ac.uk"


class Clock:
    """ISO UTC times that move only when the test says."""

    def __init__(self, start: str = "2026-01-01T09:00:00+00:00") -> None:
        self.now = dt.datetime.fromisoformat(start)

    def __call__(self) -> str:
        return self.now.isoformat()

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def small_scenario(name: str) -> Scenario:
    students = pd.DataFrame(
        {"student_id": ["s1", "s2"], "programme": ["Maths", "Maths"], "level": ["UG1", "UG2"]}
    )
    return Scenario(name=name, scheme="mentoring", cohort_tables={"students": students})
