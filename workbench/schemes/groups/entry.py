"""Study and social groups' part of the registry: what a plan counts and how the report prints
it. ``workbench/schemes/registry.py`` assembles the entry."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from workbench.cohort.domain import Cohort
from workbench.schemes.groups.edit import check_edited, edited_result
from workbench.schemes.groups.view import group_table
from workbench.schemes.scheme_parts import PlanPart


def groups_formed(cohort: Cohort, result: Any, reach: pd.DataFrame) -> dict[str, Any]:
    groups = result.groups
    return {"groups": int(groups["group_id"].nunique()) if len(groups) else 0}


def edited_plan(
    cohort: Cohort,
    settings: Any,
    results: Mapping[str, pd.DataFrame],
    summary: Mapping[str, Any],
    groups: pd.DataFrame,
) -> Any:
    """A solved plan's groups as moved by hand: re-checked against every rule, re-scored and
    with its honest status (:mod:`workbench.schemes.groups.edit`)."""
    plan = check_edited(cohort, settings, results["groups"], results["unplaced"], groups)
    return edited_result(plan, settings, dict(summary), str(summary.get("pool", "")))


def plan_view(
    results: dict[str, pd.DataFrame], plan_columns: Mapping[str, list[str]]
) -> list[PlanPart]:
    """Groups: each with its meeting time, score, parts and members; who is left out, why."""
    parts = []
    if "group_scores" in results and "groups" in results:
        table = group_table(results["groups"], results["group_scores"])
        parts.append(
            PlanPart(
                table,
                "Groups: weekly meeting time, score (0-1) and its parts",
                formats={
                    c: ".2f"
                    for c in table.columns
                    if c == "score" or c.startswith(("similar_", "diverse_"))
                },
            )
        )
    elif "groups" in results:
        parts.append(PlanPart(results["groups"], "Groups"))
    if "unplaced" in results and len(results["unplaced"]):
        parts.append(PlanPart(results["unplaced"], "Students not placed, and why"))
    return parts
