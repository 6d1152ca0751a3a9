"""Reading a plan folder a solve wrote: PASS ``sessions.csv``, mentoring ``matches.csv``,
training ``training_sessions.csv`` and ``training_assignments.csv`` (each optional).

Days and times come back as numbers (0 = Mon, minutes after midnight), ids as text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from workbench.cohort.validation import parse_day, parse_time

PLAN_FILES = ("sessions.csv", "matches.csv", "training_sessions.csv", "training_assignments.csv")


@dataclass
class PlanFiles:
    sessions: pd.DataFrame = field(default_factory=pd.DataFrame)  # PASS
    matches: pd.DataFrame = field(default_factory=pd.DataFrame)  # mentoring
    training_sessions: pd.DataFrame = field(default_factory=pd.DataFrame)
    training_assignments: pd.DataFrame = field(default_factory=pd.DataFrame)


def read_table(path: Path) -> pd.DataFrame:
    """A plan CSV as text (empty when the file is not there); ValueError in words."""
    if not path.is_file():
        return pd.DataFrame()
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise ValueError(f"{path}: cannot be read ({exc})") from exc
    frame.columns = [str(c).strip().lower().replace(" ", "_") for c in frame.columns]
    return frame


def clock_columns(frame: pd.DataFrame, where: str) -> pd.DataFrame:
    """day / start / end as numbers (ValueError naming the row when one cannot be read)."""
    out = frame.copy()
    for col, parse in (("day", parse_day), ("start", parse_time), ("end", parse_time)):
        if col not in out.columns:
            raise ValueError(f"{where}: needs a {col} column")
        if pd.api.types.is_integer_dtype(out[col]):
            continue
        values = out[col].map(lambda v, p=parse: p(str(v).strip()))
        if values.isna().any():
            raise ValueError(f"{where}: row {int(values.isna().to_numpy().argmax()) + 2}: {col}")
        out[col] = values.astype("int64")
    return out


def read_plan(plan_dir: str | Path) -> PlanFiles:
    """Whatever plan files the folder holds (ValueError when it holds none)."""
    folder = Path(plan_dir)
    if not folder.is_dir():
        raise ValueError(f"{plan_dir}: not a folder of plan files")
    plan = PlanFiles(
        sessions=read_table(folder / "sessions.csv"),
        matches=read_table(folder / "matches.csv"),
        training_sessions=read_table(folder / "training_sessions.csv"),
        training_assignments=read_table(folder / "training_assignments.csv"),
    )
    if len(plan.sessions):
        plan.sessions = clock_columns(plan.sessions, str(folder / "sessions.csv"))
    if len(plan.training_sessions):
        where = str(folder / "training_sessions.csv")
        plan.training_sessions = clock_columns(plan.training_sessions, where)
    if not any(len(getattr(plan, f.removesuffix(".csv"))) for f in PLAN_FILES):
        raise ValueError(f"{plan_dir}: holds none of {', '.join(PLAN_FILES)}")
    return plan
