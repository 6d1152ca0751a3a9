"""The parts of a registry entry that each scheme's ``entry.py`` fills in (no scheme imported).

:mod:`workbench.schemes.registry` assembles one :class:`~workbench.schemes.registry.Scheme`
per scheme from these; callers ask the entry instead of testing the scheme's name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import pandas as pd

from workbench.cohort.domain import Cohort


@dataclass(frozen=True)
class Evaluation:
    """How the term's data says whether taking part made a difference (``term/evaluation.py``).

    ``outcome`` is ``"mark"`` (a module's final mark; DFW is D, fail or withdrawn) or a 0/1
    outcome named ``outcome`` (continuation) whose opposite is the DFW-like rate.
    """

    name: str  # the Evaluation page's choice ("PASS")
    subject: str  # "evaluating PASS needs ..."
    needs: tuple[str, ...]  # the cohort's tables an evaluation needs
    upload: str  # what to upload on the Attendance page, in words
    cluster: str  # errors clustered by this column
    outcome: str  # "mark" or "continued"
    outcome_word: str  # "mark", "continuation"
    rate_word: str  # the DFW-like rate: "DFW", "non-continuation"
    attenders: str  # who attended, in words
    measure: str  # the band chart's measure
    band_columns: Mapping[str, str] = field(default_factory=dict)  # rename in the band table


class PlanPart(NamedTuple):
    """One table of a plan as the report prints it."""

    frame: pd.DataFrame
    title: str
    columns: list[str] | None = None
    formats: dict[str, str] | None = None


PlanView = Callable[[dict[str, pd.DataFrame], Mapping[str, list[str]]], list[PlanPart]]
Chart = tuple[str, Callable[[], Any]]  # a chart's name and how to draw it


@dataclass(frozen=True)
class SchemeForm:
    """The app's controls of a scheme as plain values (``schemes/form_values.py``)."""

    widget_keys: str  # the app keeps each control's value under this prefix ("keep_m_rule")
    default_budget: float  # the amount a budget control starts at (money per term)
    budget_volunteers: str  # what a budget cap cuts, in words ("mentors")
    defaults: Callable[[], dict[str, Any]]  # one value per control
    to_settings: Callable[..., Any]  # (values, extra, locks ...) -> settings model
    from_settings: Callable[[dict[str, Any]], dict[str, Any]]  # saved settings -> values
    capacity_text: Callable[[float, Any, int], str]  # what a budget pays for, in words
    presets: Callable[[Cohort | None], dict[str, dict[str, Any]]]
    budget_refused: Callable[[dict[str, Any]], bool] = lambda values: False
    observed_uptake: bool = False  # takes up the take-up observed last term


def count(n: int, noun: str) -> str:
    """``3 mentors``, ``1 mentor``."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def no_charts(*args: Any) -> list[Chart]:
    return []
