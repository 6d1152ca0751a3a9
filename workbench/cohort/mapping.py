"""Help a coordinator map an export onto the data contract: what is unmatched, and the mapping.

The app's mapping step and the command line share one :class:`~workbench.cohort.validation.Mapping`:
this module finds what a set of files still needs (files whose name is no table, required
columns no header gives, values that are not understood) and writes a mapping back out as the
YAML file ``python -m workbench validate DATA --mapping FILE`` reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath

import pandas as pd
import yaml

from workbench.cohort.contract import BOOL, CONTRACT, DAY, LEVEL, header_lookup, normalise_header
from workbench.cohort.loading import NOT_A_TABLE, Upload, mapping_from_text, read_uploads
from workbench.cohort.reading import ReadCaps, ReadRefused, caps, run_capped
from workbench.cohort.validation import ROW, Mapping, parse_day, parse_level

MAX_VALUES = 30  # distinct unrecognised values offered for mapping per column

_PARSERS = {
    LEVEL: parse_level,
    DAY: parse_day,
    BOOL: lambda v: (
        True
        if v.strip().lower() in {"yes", "y", "true", "t", "1", "0", "no", "n", "false", "f"}
        else None
    ),
}


@dataclass
class TableNeeds:
    """One table's headers: contract columns no header gives, and headers matching no column."""

    table: str
    file: str
    missing_required: list[str] = field(default_factory=list)
    missing_optional: list[str] = field(default_factory=list)
    unused_headers: list[str] = field(default_factory=list)


@dataclass
class MappingNeeds:
    """What the files still need before they fit the contract."""

    unknown_files: list[str] = field(default_factory=list)  # names that are no table
    tables: dict[str, TableNeeds] = field(default_factory=dict)
    values: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """True when every table has its required columns and every coded value is understood."""
        return not any(t.missing_required for t in self.tables.values()) and not self.values


def mapping_needs(files: list[Upload], mapping: Mapping | None = None) -> MappingNeeds:
    """What still needs mapping in these files, given the mapping so far."""
    mapping = mapping or Mapping()
    raws, problems = read_uploads(files, mapping)
    needs = MappingNeeds()
    for problem in problems:
        if NOT_A_TABLE not in problem.message:
            continue
        if problem.file.endswith("]"):  # a workbook sheet: "book.xlsx[Sheet name]"
            needs.unknown_files.append(problem.file[problem.file.rfind("[") + 1 : -1])
        else:
            needs.unknown_files.append(PurePosixPath(problem.file).name)
    for name, raw in raws.items():
        spec = CONTRACT[name]
        lookup = header_lookup(spec)
        lookup.update(mapping.columns.get(name, {}))
        given: dict[str, str] = {}
        unused = []
        for header in raw.frame.columns:
            if header == ROW:
                continue
            target = lookup.get(normalise_header(header))
            if target is None or target in given:
                unused.append(str(header))
            else:
                given[target] = str(header)
        table = TableNeeds(
            name,
            raw.file,
            [c for c in spec.required if c not in given],
            [c for c in spec.columns if c not in given and c not in spec.required],
            unused,
        )
        needs.tables[name] = table
        for column, header in given.items():
            kind = spec.columns[column].kind
            if kind not in _PARSERS:
                continue
            known = mapping.values.get(name, {}).get(column, {})
            values = pd.unique(raw.frame[header].dropna().astype(str).str.strip())
            bad = sorted(
                v for v in values if v and v.lower() not in known and _PARSERS[kind](v) is None
            )
            if bad:
                needs.values[(name, column)] = bad[:MAX_VALUES]
    return needs


def extend_mapping(
    mapping: Mapping | None = None,
    tables: dict[str, str] | None = None,
    columns: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, dict[str, str]]] | None = None,
) -> Mapping:
    """The mapping with these choices added (empty choices are left out)."""
    data = mapping_as_dict(mapping or Mapping())
    for file_name, table in (tables or {}).items():
        if table:
            data["tables"][PurePosixPath(file_name).stem] = table
    for table, chosen in (columns or {}).items():
        for contract_column, header in chosen.items():
            if header:
                data["columns"].setdefault(table, {})[header] = contract_column
    for table, per_column in (values or {}).items():
        for column, chosen in per_column.items():
            for theirs, ours in chosen.items():
                if ours:
                    data["values"].setdefault(table, {}).setdefault(column, {})[theirs] = ours
    return Mapping.from_dict(data)


def mapping_as_dict(mapping: Mapping) -> dict:
    """The mapping in the file format (``tables``, ``columns``, ``values``)."""
    return {
        "tables": dict(mapping.tables),
        "columns": {t: dict(c) for t, c in mapping.columns.items()},
        "values": {t: {c: dict(v) for c, v in cols.items()} for t, cols in mapping.values.items()},
    }


def mapping_yaml(mapping: Mapping) -> str:
    """The mapping as a YAML file for ``--mapping`` on the command line."""
    data = {k: v for k, v in mapping_as_dict(mapping).items() if v}
    return yaml.safe_dump(data, sort_keys=True, allow_unicode=True)


def _decoded_mapping(name: str, data: bytes, limits: ReadCaps) -> Mapping:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{name}: not a JSON or YAML mapping file ({exc})") from None
    return mapping_from_text(text, "yaml", name, limits)  # JSON is YAML too


def mapping_from_bytes(name: str, data: bytes) -> Mapping:
    """A mapping from an uploaded JSON or YAML file, read in a capped worker process;
    ValueError says what is wrong (too large, anchors and aliases, or the wrong shape)."""
    try:
        limits = caps()
        return run_capped(_decoded_mapping, name, data, limits, limits=limits).value
    except ReadRefused as why:
        raise ValueError(f"{name}: {why}") from None
