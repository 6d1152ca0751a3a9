"""A scenario: a cohort, a scheme's settings, the assumptions and the plan, with a name and notes.

A :class:`Scenario` is self-contained: it keeps the cohort in contract form (the tables as a
coordinator would write them), the settings as JSON, the uptake assumptions and cost rates, and
the result tables. It travels as one ``.wbscenario`` file (a zip of CSVs and JSON with a manifest
holding a schema version and a checksum per file), so a coordinator can send a plan to a
colleague; :func:`read_scenario` refuses a damaged or foreign file with a plain message.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import io
import json
import math
import uuid
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd

from workbench import __version__
from workbench.cohort.domain import TABLES, Cohort, SolveStatus
from workbench.cohort.loading import cohort_to_tables
from workbench.cohort.validation import validate_tables
from workbench.outcomes.costs import CostRates
from workbench.outcomes.coverage import Assumptions
from workbench.schemes import registry

SCHEMES: tuple[str, ...] = registry.KEYS
FILE_FORMAT = "peer-support-workbench scenario"
FILE_SCHEMA_VERSION = 1
SUFFIX = ".wbscenario"
MAX_FILE_BYTES = 300 * 1024 * 1024  # a scenario file, compressed
MAX_MEMBER_BYTES = 400 * 1024 * 1024  # one member, uncompressed


class ScenarioFileError(ValueError):
    """A scenario file that cannot be read: the message says why, in plain words."""


def now_iso() -> str:
    """The current time in UTC, ISO 8601 to the second."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


@dataclass
class Scenario:
    """A cohort + scheme settings + assumptions + result, with a name and notes."""

    name: str
    scheme: str
    cohort_tables: dict[str, pd.DataFrame]
    settings: dict[str, Any] = field(default_factory=dict)
    notes: str = ""
    assumptions: dict[str, Any] = field(default_factory=dict)
    cost_rates: dict[str, Any] = field(default_factory=dict)
    results: dict[str, pd.DataFrame] = field(default_factory=dict)
    status: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    summary_text: str = ""
    created: str = field(default_factory=now_iso)
    updated: str = ""
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    cohort_name: str = "cohort"
    _cohort: Cohort | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.scheme not in SCHEMES:
            raise ValueError(f"unknown scheme '{self.scheme}' (use one of: {', '.join(SCHEMES)})")
        if not self.updated:
            self.updated = self.created

    # -- the objects behind the JSON

    def cohort(self) -> Cohort:
        """The cohort, validated again from its contract tables (kept after the first call)."""
        if self._cohort is None:
            result = validate_tables({k: v.copy() for k, v in self.cohort_tables.items()})
            if result.cohort is None:
                raise ScenarioFileError(
                    "the scenario's cohort does not validate:\n" + result.report.format_text()
                )
            self._cohort = result.cohort.model_copy(update={"name": self.cohort_name})
        return self._cohort

    def settings_model(self) -> Any:
        """The scheme's settings as its pydantic model."""
        return registry.get(self.scheme).settings_class.model_validate(self.settings)

    @property
    def status_label(self) -> str:
        status = self.status.get("status", "not solved")
        gap = self.status.get("gap")
        if status == "feasible" and gap is not None:
            return f"feasible, within {gap:.2%} of optimal (proven)"
        return str(status)

    def touch(self, when: str | None = None) -> None:
        """Mark the scenario as updated ``when`` (ISO 8601), or now."""
        self.updated = when or now_iso()

    def with_changes(self, **changes: Any) -> Scenario:
        """A copy with some fields replaced (a new id unless one is given)."""
        changes.setdefault("id", uuid.uuid4().hex)
        changes.setdefault("_cohort", self._cohort)
        return dataclasses.replace(self, **changes)

    # -- the file

    def to_bytes(self) -> bytes:
        """The scenario as one ``.wbscenario`` zip."""
        return write_scenario_bytes(self)

    def save(self, path: str | Path) -> Path:
        """Write the scenario file (atomically: a temporary file renamed into place)."""
        path = Path(path)
        if path.suffix != SUFFIX:
            path = path.with_name(path.name + SUFFIX)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            with open(tmp, "wb") as handle:
                handle.write(self.to_bytes())
                handle.flush()
                import os

                os.fsync(handle.fileno())
            tmp.replace(path)
        finally:
            tmp.unlink(missing_ok=True)
        return path


# ------------------------------------------------------------------------------ solving


def result_tables(result: Any) -> dict[str, pd.DataFrame]:
    """Every table of a scheme result (the DataFrame attributes, by name)."""
    tables: dict[str, pd.DataFrame] = {}
    fields = (
        getattr(type(result), "model_fields", None)
        or getattr(result, "__dataclass_fields__", None)
        or vars(result)
    )
    for name in fields:
        if name.startswith("_"):
            continue
        value = getattr(result, name, None)
        if isinstance(value, pd.DataFrame):
            tables[name] = value.reset_index(drop=not _named_index(value))
    return tables


def _named_index(frame: pd.DataFrame) -> bool:
    return any(n is not None for n in frame.index.names)


def status_dict(status: Any) -> dict[str, Any]:
    """A SolveStatus (or anything like it) as plain JSON."""
    if status is None:
        return {"status": "not solved"}
    if isinstance(status, SolveStatus) or dataclasses.is_dataclass(status):
        return _jsonable(dataclasses.asdict(status))
    if isinstance(status, dict):
        return _jsonable(status)
    return {"status": str(status)}


def _summary_parts(result: Any) -> tuple[dict[str, Any], str]:
    method = getattr(result, "summary", None)
    if method is None:
        return {}, ""
    value = method() if callable(method) else method
    if isinstance(value, dict):
        return _jsonable(value), ""
    if isinstance(value, str):
        return {}, value
    if isinstance(value, pd.DataFrame):
        return {}, value.to_string()
    return {}, str(value)


def solve_scenario(
    cohort: Cohort,
    scheme: str,
    settings: Any = None,
    *,
    name: str = "",
    notes: str = "",
    assumptions: Any = None,
    cost_rates: Any = None,
    result: Any = None,
    budget: float | None = None,
) -> Scenario:
    """Solve ``scheme`` for ``cohort`` and return the whole scenario (plan and headline figures).

    ``assumptions`` / ``cost_rates`` are the coverage and cost parameters (defaults when None);
    ``budget`` (money per term) is checked against the plan's cost. Pass ``result`` to wrap a
    result already solved with these settings.
    """
    entry = registry.get(scheme)
    settings = entry.coerce_settings(settings)
    if result is None:
        result = entry.solve(cohort, settings)
    assumptions_json = _model_json(assumptions, "assumptions", scheme)
    rates_json = _model_json(cost_rates, "rates", scheme)
    tables = result_tables(result)
    if entry.extra_tables is not None:
        tables = {**entry.extra_tables(cohort, settings), **tables}
    summary, text = _summary_parts(result)
    figures = registry.plan_summary(
        cohort, scheme, settings, result, assumptions, cost_rates, budget
    )
    summary.pop("settings", None)  # kept once, in settings.json
    summary = {**summary, **figures}
    return Scenario(
        name=name or f"{entry.plan_name} plan for {cohort.name}",
        scheme=scheme,
        cohort_tables=cohort_to_tables(cohort),
        settings=settings.model_dump(mode="json"),
        notes=notes,
        assumptions=assumptions_json,
        cost_rates=rates_json,
        results=tables,
        status=status_dict(getattr(result, "status", None)),
        summary=summary,
        summary_text=text,
        cohort_name=cohort.name,
        _cohort=cohort,
    )


def _model_json(value: Any, kind: str, scheme: str) -> dict[str, Any]:
    if value is None:
        value = _default_parameters(kind, scheme)
    if value is None:
        return {}
    if hasattr(value, "model_dump"):
        return _jsonable(value.model_dump(mode="json"))
    if dataclasses.is_dataclass(value):
        return _jsonable(dataclasses.asdict(value))
    if isinstance(value, dict):
        return _jsonable(value)
    raise TypeError(f"{kind} must be a model, a dataclass or a dict")


def _default_parameters(kind: str, scheme: str) -> Any:
    """The documented defaults: uptake assumptions or cost rates."""
    return Assumptions() if kind == "assumptions" else CostRates()


def _jsonable(value: Any) -> Any:
    """Plain JSON values: numpy scalars, tuples, sets, NaN (as None), timestamps."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return [_jsonable(v) for v in items]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        with contextlib.suppress(ValueError, AttributeError):
            value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if value is pd.NA or value is None:
        return None
    if isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (dt.datetime, dt.date, pd.Timestamp)):
        return value.isoformat()
    if hasattr(value, "model_dump"):
        return _jsonable(value.model_dump(mode="json"))
    if dataclasses.is_dataclass(value):
        return _jsonable(dataclasses.asdict(value))
    return str(value)


# ------------------------------------------------------------------------------ the file

_MANIFEST = "manifest.json"
_DTYPES_OK = {"int64", "float64", "bool", "boolean", "Int64", "Float64"}


def _frame_csv(frame: pd.DataFrame) -> bytes:
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].map(_cell_text)
    return out.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _cell_text(value: Any) -> Any:
    if isinstance(value, (tuple, list, set, frozenset)):
        return ";".join(str(v) for v in value)
    return value


def _blank_is_empty(series: pd.Series) -> bool:
    if _dtype_name(series) != "str" or series.isna().any():
        return False
    return bool((series.astype(str) == "").any())


def _dtype_name(series: pd.Series) -> str:
    name = str(series.dtype)
    return name if name in _DTYPES_OK else "str"


def write_scenario_bytes(scenario: Scenario) -> bytes:
    """Serialise a scenario as a ``.wbscenario`` zip (manifest with checksums last)."""
    members: dict[str, bytes] = {}
    tables_meta: dict[str, dict[str, Any]] = {}
    for kind, tables in (("cohort", scenario.cohort_tables), ("results", scenario.results)):
        for name, frame in tables.items():
            path = f"{kind}/{name}.csv"
            members[path] = _frame_csv(frame)
            tables_meta[path] = {
                "rows": len(frame),
                "columns": [str(c) for c in frame.columns],
                "dtypes": {str(c): _dtype_name(frame[c]) for c in frame.columns},
                # Text columns with empty strings and no missing values: a blank cell is "".
                "blank_is_empty": [str(c) for c in frame.columns if _blank_is_empty(frame[c])],
            }
    members["settings.json"] = _json_bytes(scenario.settings)
    members["assumptions.json"] = _json_bytes(
        {"assumptions": scenario.assumptions, "cost_rates": scenario.cost_rates}
    )
    members["notes.txt"] = scenario.notes.encode("utf-8")
    manifest = {
        "format": FILE_FORMAT,
        "schema_version": FILE_SCHEMA_VERSION,
        "workbench_version": __version__,
        "id": scenario.id,
        "name": scenario.name,
        "scheme": scenario.scheme,
        "cohort_name": scenario.cohort_name,
        "created": scenario.created,
        "updated": scenario.updated,
        "status": _jsonable(scenario.status),
        "summary": _jsonable(scenario.summary),
        "summary_text": scenario.summary_text,
        "tables": tables_meta,
        "sha256": {path: hashlib.sha256(data).hexdigest() for path, data in members.items()},
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        archive.writestr(_MANIFEST, _json_bytes(manifest))
        for path, data in members.items():
            archive.writestr(path, data)
    return buffer.getvalue()


def _json_bytes(value: Any) -> bytes:
    return json.dumps(
        _jsonable(value), indent=2, ensure_ascii=False, sort_keys=True, allow_nan=False
    ).encode("utf-8")


def read_manifest(data: bytes, label: str = "the scenario file") -> dict[str, Any]:
    """Only the manifest of a scenario file (name, scheme, summary...), checked for format."""
    archive = _open_zip(data, label)
    with archive:
        return _manifest(archive, label)


def _open_zip(data: bytes, label: str) -> zipfile.ZipFile:
    if not data:
        raise ScenarioFileError(f"{label} is empty")
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioFileError(f"{label} is too large to be a scenario ({len(data) // 2**20} MB)")
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (
        zipfile.BadZipFile,
        zlib.error,
        ValueError,
        OSError,
        EOFError,
        NotImplementedError,
    ) as exc:
        raise ScenarioFileError(
            f"{label} is not a scenario file (not a readable zip: {exc})"
        ) from exc


def _member(archive: zipfile.ZipFile, path: str, label: str) -> bytes:
    try:
        info = archive.getinfo(path)
    except KeyError:
        raise ScenarioFileError(f"{label} is incomplete: {path} is missing") from None
    if info.file_size > MAX_MEMBER_BYTES:
        raise ScenarioFileError(f"{label}: {path} is too large ({info.file_size // 2**20} MB)")
    try:
        with archive.open(info) as handle:
            return handle.read(MAX_MEMBER_BYTES + 1)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        RuntimeError,
        OSError,
        EOFError,
        ValueError,
        NotImplementedError,
    ) as exc:
        raise ScenarioFileError(f"{label} is damaged: {path} cannot be read ({exc})") from exc


def _manifest(archive: zipfile.ZipFile, label: str) -> dict[str, Any]:
    raw = _member(archive, _MANIFEST, label)
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ScenarioFileError(
            f"{label} is damaged: its manifest is not valid JSON ({exc})"
        ) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FILE_FORMAT:
        raise ScenarioFileError(
            f"{label} is not a workbench scenario (its manifest does not say so)"
        )
    version = manifest.get("schema_version")
    if not isinstance(version, int) or version < 1:
        raise ScenarioFileError(f"{label} has no valid schema version")
    if version > FILE_SCHEMA_VERSION:
        raise ScenarioFileError(
            f"{label} was written by a newer workbench (scenario format {version}; this one "
            f"reads up to {FILE_SCHEMA_VERSION}): update the workbench to open it"
        )
    for key, kind in (("name", str), ("scheme", str), ("sha256", dict), ("tables", dict)):
        if not isinstance(manifest.get(key), kind):
            raise ScenarioFileError(f"{label} is damaged: the manifest has no valid '{key}'")
    if manifest["scheme"] not in SCHEMES:
        raise ScenarioFileError(f"{label} names an unknown scheme '{manifest['scheme']}'")
    return manifest


def _read_table(data: bytes, meta: dict[str, Any], path: str, label: str) -> pd.DataFrame:
    columns = meta.get("columns") or []
    dtypes = meta.get("dtypes") or {}
    try:
        frame = pd.read_csv(
            io.BytesIO(data), dtype=str, keep_default_na=False, na_values=[], encoding="utf-8"
        )
    except pd.errors.EmptyDataError:
        frame = pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise ScenarioFileError(
            f"{label} is damaged: {path} is not a readable CSV ({exc})"
        ) from exc
    if [str(c) for c in frame.columns] != [str(c) for c in columns]:
        raise ScenarioFileError(
            f"{label} is damaged: {path} has other columns than its manifest lists"
        )
    if len(frame) != meta.get("rows"):
        raise ScenarioFileError(
            f"{label} is damaged: {path} has {len(frame)} rows, its "
            f"manifest says {meta.get('rows')}"
        )
    frame = frame.astype(object)
    empty = set(meta.get("blank_is_empty") or [])
    for col in frame.columns:
        kind = dtypes.get(str(col), "str")
        if kind == "str" and str(col) in empty:
            continue  # blanks are empty strings here
        try:
            frame[col] = _restore(frame[col], kind)
        except (ValueError, TypeError) as exc:
            raise ScenarioFileError(
                f"{label} is damaged: {path} column {col} is not {kind} ({exc})"
            ) from exc
    return frame


def _restore(series: pd.Series, kind: str) -> pd.Series:
    blank = series == ""
    if kind == "str":
        return series.where(~blank, None).astype(object)
    if kind in ("int64", "Int64"):
        numbers = pd.to_numeric(series.where(~blank, None), errors="raise")
        return numbers.astype("Int64" if kind == "Int64" or blank.any() else "int64")
    if kind in ("float64", "Float64"):
        return pd.to_numeric(series.where(~blank, None), errors="raise").astype(kind)
    truth = {"True": True, "False": False, "true": True, "false": False}
    if kind in ("bool", "boolean"):
        bad = ~blank & ~series.isin(list(truth))
        if bad.any():
            raise ValueError(f"'{series[bad].iloc[0]}' is not true/false")
        values = series.map(lambda v: truth.get(v))
        return values.astype("boolean" if kind == "boolean" or blank.any() else "bool")
    return series


def _json_member(archive: zipfile.ZipFile, path: str, label: str, digests: dict[str, str]) -> Any:
    data = _checked(archive, path, label, digests)
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ScenarioFileError(f"{label} is damaged: {path} is not valid JSON ({exc})") from exc


def _checked(archive: zipfile.ZipFile, path: str, label: str, digests: dict[str, str]) -> bytes:
    data = _member(archive, path, label)
    expected = digests.get(path)
    if expected is None:
        raise ScenarioFileError(f"{label} is damaged: {path} has no checksum in the manifest")
    if hashlib.sha256(data).hexdigest() != expected:
        raise ScenarioFileError(
            f"{label} is damaged: {path} does not match its checksum "
            "(the file was changed or cut short)"
        )
    return data


def read_scenario_bytes(data: bytes, label: str = "the scenario file") -> Scenario:
    """Read and check a ``.wbscenario``; raises :class:`ScenarioFileError` with a plain message."""
    archive = _open_zip(data, label)
    with archive:
        manifest = _manifest(archive, label)
        digests = manifest["sha256"]
        for path in digests:
            p = PurePosixPath(path)
            if p.is_absolute() or ".." in p.parts:
                raise ScenarioFileError(f"{label} is refused: {path} points outside the file")
        tables: dict[str, dict[str, pd.DataFrame]] = {"cohort": {}, "results": {}}
        for path, meta in manifest["tables"].items():
            p = PurePosixPath(path)
            if len(p.parts) != 2 or p.parts[0] not in tables or p.suffix != ".csv":
                raise ScenarioFileError(f"{label} is damaged: unexpected table {path}")
            if not isinstance(meta, dict):
                raise ScenarioFileError(f"{label} is damaged: no description of {path}")
            if p.parts[0] == "cohort" and p.stem not in TABLES:
                raise ScenarioFileError(f"{label}: {path} is not a cohort table")
            tables[p.parts[0]][p.stem] = _read_table(
                _checked(archive, path, label, digests), meta, path, label
            )
        if "students" not in tables["cohort"]:
            raise ScenarioFileError(f"{label} is incomplete: it has no students table")
        settings = _json_member(archive, "settings.json", label, digests)
        params = _json_member(archive, "assumptions.json", label, digests)
        try:
            notes = _checked(archive, "notes.txt", label, digests).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ScenarioFileError(f"{label} is damaged: notes.txt is not UTF-8") from exc
    if not isinstance(settings, dict) or not isinstance(params, dict):
        raise ScenarioFileError(f"{label} is damaged: settings are not a JSON object")
    try:
        return Scenario(
            name=str(manifest["name"]),
            scheme=manifest["scheme"],
            cohort_tables=tables["cohort"],
            settings=settings,
            notes=notes,
            assumptions=dict(params.get("assumptions") or {}),
            cost_rates=dict(params.get("cost_rates") or {}),
            results=tables["results"],
            status=dict(manifest.get("status") or {}),
            summary=dict(manifest.get("summary") or {}),
            summary_text=str(manifest.get("summary_text") or ""),
            created=str(manifest.get("created") or now_iso()),
            updated=str(manifest.get("updated") or ""),
            id=str(manifest.get("id") or uuid.uuid4().hex),
            cohort_name=str(manifest.get("cohort_name") or "cohort"),
        )
    except (TypeError, ValueError) as exc:
        raise ScenarioFileError(f"{label} is damaged: {exc}") from exc


def read_scenario(path: str | Path) -> Scenario:
    """Read a ``.wbscenario`` file; raises :class:`ScenarioFileError` with a plain message."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioFileError(f"{path.name} is too large to be a scenario")
        data = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ScenarioFileError(f"{path} is a folder, not a scenario file") from None
    except OSError as exc:
        raise ScenarioFileError(f"{path}: cannot be read ({exc.strerror})") from exc
    return read_scenario_bytes(data, path.name)
