"""The settings of a mentoring solve."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from workbench.outcomes.costs import CostRates
from workbench.schemes.mentoring.scoring import CRITERIA, DEFAULT_WEIGHTS


class MentoringSettings(BaseModel):
    """Everything the coordinator chooses for one mentoring solve (JSON-serialisable)."""

    model_config = ConfigDict(extra="forbid")

    rule: Literal["programme", "faculty", "any"] = "programme"
    min_level_gap: int = Field(1, ge=0, le=7)
    objective: Literal["coverage", "quality", "fairness"] = "coverage"
    min_score: float = Field(0.0, ge=0.0, description="quality: pairs below this are not made")
    weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    stable: Literal["off", "mentee_optimal", "best_score"] = "off"
    locked_pairs: list[tuple[str, str]] = Field(default_factory=list)
    previous_pairs: list[tuple[str, str]] = Field(default_factory=list)
    time_limit: float = Field(60.0, gt=0)
    solver: Literal["highs", "cbc"] = "highs"
    budget: float | None = Field(
        None, ge=0.0, allow_inf_nan=False, description="money per term; None = no cap"
    )
    cost_rates: CostRates = Field(default_factory=CostRates)

    @field_validator("weights")
    @classmethod
    def _weights(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(CRITERIA))
        if unknown:
            raise ValueError(f"unknown criteria {unknown} (use: {', '.join(CRITERIA)})")
        bad = sorted(k for k, v in value.items() if not (v >= 0 and math.isfinite(v)))
        if bad:
            raise ValueError(f"weights must be 0 or more: {bad}")
        return {**DEFAULT_WEIGHTS, **{k: float(v) for k, v in value.items()}}

    @property
    def best_possible_score(self) -> float:
        """The score of a pair that meets every criterion in full: the sum of the weights."""
        return float(sum(self.weights.values()))

    @model_validator(mode="after")
    def _stable_locks(self) -> MentoringSettings:
        if self.stable == "mentee_optimal" and (self.locked_pairs or self.previous_pairs):
            raise ValueError(
                "the mentee-optimal stable matching cannot keep locked or previous "
                "pairs: use stable='best_score' for that"
            )
        if self.stable != "off" and self.budget is not None:
            raise ValueError(
                "a budget cannot be combined with a stable matching (a mentor left "
                "out for the budget would form blocking pairs): use the coverage, "
                "quality or fairness objective"
            )
        return self
