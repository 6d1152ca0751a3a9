"""A mentoring plan as the app, the report and the command line read it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from workbench.cohort.domain import SolveStatus
from workbench.outcomes.budget import budget_status
from workbench.outcomes.costs import cost_of_mentors
from workbench.schemes.mentoring.settings import MentoringSettings


@dataclass
class MentoringResult:
    """A mentoring plan with its explanations."""

    status: SolveStatus
    matches: pd.DataFrame
    unmatched: pd.DataFrame
    mentor_load: pd.DataFrame
    fixes: list[str]
    changed_pairs: int | None
    mentees: int
    matched: int
    settings: MentoringSettings
    eligible_pairs: int = 0
    build_seconds: float = 0.0  # eligible pairs and their scores
    model_seconds: float = 0.0  # building the PuLP models
    total_score: float = 0.0
    lowest_score: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def coverage(self) -> float:
        """Matched / mentees (0.0 when there are no mentees)."""
        return self.matched / self.mentees if self.mentees else 0.0

    @property
    def mentors_used(self) -> int:
        """Mentors with at least one mentee (the ones the scheme pays for)."""
        return int((self.mentor_load["assigned"] > 0).sum()) if len(self.mentor_load) else 0

    @property
    def cost(self) -> float:
        """What the plan costs per term by the settings' cost rates."""
        return cost_of_mentors(self.mentors_used, self.settings.cost_rates).total

    @property
    def budget_message(self) -> str:
        """The plan's cost against the budget, in words."""
        return budget_status(
            self.cost, self.settings.budget, self.settings.cost_rates.currency
        ).message

    def summary(self) -> dict[str, Any]:
        """The content of summary.json."""
        objective = (
            self.lowest_score
            if (self.settings.objective == "fairness" and self.settings.stable == "off")
            else self.total_score
        )
        summary = {
            "status": self.status.status,
            "status_label": self.status.label,
            "matched": self.matched,
            "mentees": self.mentees,
            "coverage": round(self.coverage, 6),
            "objective": objective,
            "objective_name": (
                self.settings.stable if self.settings.stable != "off" else self.settings.objective
            ),
            "total_score": self.total_score,
            "lowest_score": self.lowest_score,
            "gap": self.status.gap,
            "seconds": round(self.status.seconds, 3),
            "build_seconds": round(self.build_seconds, 3),
            "model_seconds": round(self.model_seconds, 3),
            "solver": self.status.solver,
            "eligible_pairs": self.eligible_pairs,
            "changed_pairs": self.changed_pairs,
            "unmatched": len(self.unmatched),
            "mentors_used": self.mentors_used,
            "cost": round(self.cost, 2),
            "budget": self.settings.budget,
            "within_budget": (
                None
                if self.settings.budget is None
                else bool(self.cost <= self.settings.budget + 1e-6)
            ),
            "budget_message": self.budget_message,
            "messages": list(self.status.messages),
            "fixes": list(self.fixes),
            "settings": self.settings.model_dump(mode="json"),
        }
        if self.extra.get("by_blocks"):  # large cohorts: how many pairs the models needed
            summary["pairs_in_model"] = self.extra["lp_columns"]
            summary["proven_over_all_eligible_pairs"] = self.status.status == "optimal"
        return summary
