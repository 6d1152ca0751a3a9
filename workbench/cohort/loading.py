"""Read a cohort from a folder of CSV files, a ``.zip`` of them or an ``.xlsx`` workbook.

Reading never raises on bad input: whatever cannot be read becomes a
:class:`~workbench.cohort.validation.Problem`, and :func:`load_cohort` returns the validation report.
The same functions serve the app's uploads (:func:`load_uploads`) and the command line.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd

from workbench.cohort.contract import CONTRACT, normalise_header, table_lookup
from workbench.cohort.domain import DAYS, LEVELS, TABLES, Cohort, format_time
from workbench.cohort.validation import (
    ROW,
    Mapping,
    Problem,
    RawTable,
    ValidationResult,
    validate_tables,
)

MAX_FILE_BYTES = 50 * 1024 * 1024  # one table, uncompressed (a 40,000-student faculty is ~10 MB)
MAX_ZIP_TOTAL = 200 * 1024 * 1024  # everything in one archive, uncompressed
MAX_ZIP_RATIO = 200  # a member that claims to expand more than this is refused (zip bomb)
MAX_ROWS = 2_000_000


NOT_A_TABLE = "its name is not a cohort table"


def not_a_table(label: str, what: str, severity: str) -> Problem:
    """A file or sheet whose name is no table (the mapping step offers to name it)."""
    return Problem(label, None, None, f"{what}: {NOT_A_TABLE} ({', '.join(TABLES)})", severity)


@dataclass
class Upload:
    """A file as the app receives it: a name and its bytes."""

    name: str
    data: bytes


def _decode(data: bytes, label: str) -> tuple[str | None, Problem | None]:
    if not data.strip():
        return None, Problem(label, None, None, "the file is empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError:
            pass
    head = data[:4096]
    if b"\x00" in head or data[:4] in (b"PK\x03\x04", b"%PDF"):
        return None, Problem(
            label, None, None, "is not a text file (it looks binary: save it as CSV, UTF-8)"
        )
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text, Problem(
        label,
        None,
        None,
        "is not UTF-8; read it as Windows/Latin-1 text (check names with "
        "accents), or save it as 'CSV UTF-8' next time",
        "warning",
    )


def read_csv_bytes(data: bytes, label: str, table: str) -> RawTable:
    """Parse one CSV (``,`` or ``;`` delimited; BOM, CRLF and ragged rows handled)."""
    problems: list[Problem] = []
    if len(data) > MAX_FILE_BYTES:
        return RawTable(
            table,
            label,
            pd.DataFrame({ROW: []}),
            [
                Problem(
                    label,
                    None,
                    None,
                    f"is too large ({len(data) // 2**20} MB; "
                    f"the limit is {MAX_FILE_BYTES // 2**20} MB)",
                )
            ],
        )
    text, problem = _decode(data, label)
    if problem:
        problems.append(problem)
    if text is None:
        return RawTable(table, label, pd.DataFrame({ROW: []}), problems)
    first_line = text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    if "\t" in first_line and first_line.count("\t") > first_line.count(delimiter):
        delimiter = "\t"
    fast = _parse_simple_csv(text, delimiter)
    if fast is not None:
        header, frame = fast
        if len(frame) > MAX_ROWS:
            problems.append(
                Problem(label, None, None, f"has more than {MAX_ROWS:,} rows; split it or trim it")
            )
            return RawTable(table, label, pd.DataFrame({ROW: []}), problems)
        return RawTable(table, label, frame, problems, clean=True)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[list[str]] = []
    numbers: list[int] = []
    try:
        for fields in reader:
            line = reader.line_num
            if header is None:
                if not any(f.strip() for f in fields):
                    continue
                header = [f.replace("\ufeff", "").strip() for f in fields]
                continue
            if not any(f.strip() for f in fields):
                continue  # blank line
            if len(fields) > len(header) and any(f.strip() for f in fields[len(header) :]):
                problems.append(
                    Problem(
                        label,
                        line,
                        None,
                        f"has {len(fields)} values but the header has {len(header)} columns",
                    )
                )
                continue
            fields = (fields + [""] * len(header))[: len(header)]
            rows.append(fields)
            numbers.append(line)
            if len(rows) > MAX_ROWS:
                problems.append(
                    Problem(
                        label, None, None, f"has more than {MAX_ROWS:,} rows; split it or trim it"
                    )
                )
                return RawTable(table, label, pd.DataFrame({ROW: []}), problems)
    except csv.Error as exc:
        why = (
            'a quoted value never ends: look for an unclosed " at or before this row'
            if "field limit" in str(exc)
            else str(exc)
        )
        problems.append(Problem(label, reader.line_num, None, f"cannot be read as CSV: {why}"))
        return RawTable(table, label, pd.DataFrame({ROW: []}), problems)
    if header is None:
        problems.append(Problem(label, None, None, "the file is empty"))
        return RawTable(table, label, pd.DataFrame({ROW: []}), problems)
    header = [h or f"column {i + 1}" for i, h in enumerate(header)]
    frame = pd.DataFrame(rows, columns=pd.Index(header, dtype=object), dtype=object)
    frame[ROW] = numbers
    return RawTable(table, label, frame, problems)


_PADDED = re.compile(r"(?:^|[,;\t])[ \t]|[ \t](?:$|[,;\t\r])", re.M)


def _stripped_or_none(values: pd.Series, padded: bool) -> pd.Series:
    """Text cells stripped (only when the file has padded cells at all), empty ones None."""
    if padded:
        values = values.str.strip()
    array = values.to_numpy(dtype=object, copy=True)
    array[array == ""] = None
    return pd.Series(array, dtype=object)


def _parse_simple_csv(text: str, delimiter: str) -> tuple[list[str], pd.DataFrame] | None:
    """The fast path: pandas' C parser, for the common file whose rows are its lines.

    Returns None (use the careful line-by-line reader) when the header is not on line 1, a row
    has more values than the header, or a quoted value spans lines (row numbers would drift).
    """
    if not text or text[0] in "\r\n" or "\r" in text.replace("\r\n", ""):
        return None
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            header=None,
            dtype=object,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, csv.Error):
        return None
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if len(frame) != lines or frame.empty:
        return None
    header = [str(h).replace("\ufeff", "").strip() for h in frame.iloc[0].tolist()]
    if not any(header):
        return None
    body = frame.iloc[1:]
    rest_empty = (
        (body.iloc[:, 1:] == "").all(axis=1)
        if body.shape[1] > 1
        else pd.Series(True, index=body.index)
    )
    blank = rest_empty.copy()
    blank[rest_empty] = body.loc[rest_empty, body.columns[0]].str.strip().eq("")
    body = body.loc[~blank]
    header = [h or f"column {i + 1}" for i, h in enumerate(header)]
    if len(set(header)) != len(header):
        return None  # the careful reader reports doubled headers by name
    padded = _PADDED.search(text) is not None
    out = pd.DataFrame(
        {h: _stripped_or_none(body[i], padded) for h, i in zip(header, body.columns, strict=True)}
    )
    out[ROW] = (body.index.to_numpy() + 1).astype("int64")
    return header, out


def _cell_text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0) and value.date() <= dt.date(1900, 1, 1):
            return format_time(value.hour * 60 + value.minute)
        return value.isoformat(sep=" ")
    if isinstance(value, dt.time):
        return format_time(value.hour * 60 + value.minute) + (
            f":{value.second:02d}" if value.second else ""
        )
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _archive_too_large(data: bytes, label: str) -> Problem | None:
    """A workbook is a zip too: refuse one that would expand beyond the limits, unopened."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            total = sum(m.file_size for m in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None  # not a zip at all: openpyxl says what is wrong
    if total > MAX_ZIP_TOTAL:
        return Problem(
            label, None, None, f"refused: it expands to {total // 2**20:,} MB, beyond the limit"
        )
    return None


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"')


def _merged_ranges(data: bytes, worksheet_path: str) -> list[str]:
    """Merged cell ranges of one sheet, read from its XML (streamed sheets do not expose them)."""
    if not worksheet_path:
        return []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            xml = archive.read(worksheet_path.lstrip("/"))
    except (KeyError, zipfile.BadZipFile, OSError):
        return []
    return [m.decode() for m in _MERGE.findall(xml)]


def _sheet_paths(data: bytes) -> dict[str, str]:
    """Sheet name -> its XML part inside the workbook (for reading merged ranges)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            book = archive.read("xl/workbook.xml").decode("utf-8", "replace")
            rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except (KeyError, zipfile.BadZipFile, OSError):
        return {}
    targets = dict(re.findall(r'<Relationship\b[^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"', rels))
    targets.update(
        {
            k: v
            for v, k in re.findall(r'<Relationship\b[^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)
        }
    )
    paths = {}
    for tag in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", book):
        name = re.search(r'\bname="([^"]*)"', tag)
        rid = re.search(r'\br:id="([^"]*)"', tag) or re.search(r'\bid="([^"]*)"', tag)
        if name and rid and rid.group(1) in targets:
            target = targets[rid.group(1)].lstrip("/")
            paths[_xml_unescape(name.group(1))] = (
                target if target.startswith("xl/") else f"xl/{target}"
            )
    return paths


def _xml_unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


def read_workbook_bytes(
    data: bytes, label: str, mapping: Mapping | None = None
) -> tuple[dict[str, RawTable], list[Problem]]:
    """Every sheet named after a contract table (or an alias, or as mapped) becomes that table.

    Read with calamine (fast, values as Excel last computed them; formulas never run).
    """
    import python_calamine

    mapping = mapping or Mapping()
    problems: list[Problem] = []
    refused = _archive_too_large(data, label)
    if refused:
        return {}, [refused]
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = [(m.name, str(m.visible).rsplit(".", 1)[-1].lower()) for m in book.sheets_metadata]
    except Exception as exc:  # noqa: BLE001 (calamine raises its own kinds)
        return {}, [Problem(label, None, None, f"cannot be opened as an Excel workbook ({exc})")]
    names = table_lookup()
    paths = _sheet_paths(data)
    tables: dict[str, RawTable] = {}
    for title, visible in sheets:
        key = normalise_header(title)
        table = mapping.tables.get(key) or names.get(key)
        sheet_label = f"{label}[{title}]"
        if table is None:
            problems.append(not_a_table(sheet_label, "sheet ignored", "warning"))
            continue
        if table in tables:
            problems.append(
                Problem(
                    sheet_label,
                    None,
                    None,
                    f"a second sheet for the {table} table; only the first is used",
                )
            )
            continue
        if visible != "visible":
            problems.append(
                Problem(
                    sheet_label,
                    None,
                    None,
                    "this sheet is hidden in the workbook; it was read anyway",
                    "warning",
                )
            )
        for cells in _merged_ranges(data, paths.get(title, "")):
            problems.append(
                Problem(
                    sheet_label,
                    None,
                    None,
                    f"cells {cells} are merged: unmerge them and give each row its own value",
                )
            )
        try:
            values = book.get_sheet_by_name(title).to_python(skip_empty_area=False)
        except Exception as exc:  # noqa: BLE001
            problems.append(Problem(sheet_label, None, None, f"cannot be read ({exc})"))
            continue
        header: list[str] | None = None
        rows: list[list[str | None]] = []
        numbers: list[int] = []
        for number, row in enumerate(values, start=1):
            cells = [_cell_text(v) for v in row]
            if not any(c is not None and c.strip() for c in cells):
                continue
            if header is None:
                header = [(c or "").strip() or f"column {i + 1}" for i, c in enumerate(cells)]
                continue
            rows.append((cells + [None] * len(header))[: len(header)])
            numbers.append(number)
            if len(rows) > MAX_ROWS:
                problems.append(
                    Problem(sheet_label, None, None, f"has more than {MAX_ROWS:,} rows")
                )
                break
        if header is None:
            frame = pd.DataFrame({ROW: []})
        else:
            frame = pd.DataFrame(rows, columns=pd.Index(header, dtype=object), dtype=object)
            frame[ROW] = numbers
        tables[table] = RawTable(table, sheet_label, frame)
    return tables, problems


def _member_table(name: str, mapping: Mapping) -> str | None:
    stem = normalise_header(PurePosixPath(name).stem)
    return mapping.tables.get(stem) or table_lookup().get(stem)


def read_zip_bytes(
    data: bytes, label: str, mapping: Mapping
) -> tuple[dict[str, RawTable], list[Problem]]:
    """CSV members (in any folder of the archive) become tables; nothing is extracted to disk."""
    problems: list[Problem] = []
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        return {}, [Problem(label, None, None, f"is not a readable zip archive ({exc})")]
    tables: dict[str, RawTable] = {}
    total = 0
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if not members:
            return {}, [Problem(label, None, None, "the zip archive is empty")]
        for member in members:
            name = member.filename
            member_label = f"{label}/{name}"
            if name.startswith(("/", "\\")) or ".." in PurePosixPath(name.replace("\\", "/")).parts:
                problems.append(
                    Problem(
                        member_label, None, None, "refused: the path points outside the archive"
                    )
                )
                continue
            if PurePosixPath(name).name.startswith(("._", "~$")) or "__MACOSX" in name:
                continue
            suffix = PurePosixPath(name).suffix.lower()
            if suffix not in (".csv", ".txt", ".xlsx"):
                problems.append(
                    Problem(member_label, None, None, "ignored: not a CSV file", "warning")
                )
                continue
            total += member.file_size
            ratio = member.file_size / max(1, member.compress_size)
            if (
                member.file_size > MAX_FILE_BYTES
                or total > MAX_ZIP_TOTAL
                or (ratio > MAX_ZIP_RATIO and member.file_size > 10 * 2**20)
            ):
                problems.append(
                    Problem(
                        member_label,
                        None,
                        None,
                        "refused: it expands to "
                        f"{member.file_size // 2**20:,} MB, beyond the limit",
                    )
                )
                continue
            try:
                with archive.open(member) as handle:
                    content = handle.read(MAX_FILE_BYTES + 1)
            except (zipfile.BadZipFile, RuntimeError, OSError, NotImplementedError) as exc:
                problems.append(Problem(member_label, None, None, f"cannot be read ({exc})"))
                continue
            if suffix == ".xlsx":
                sheets, sheet_problems = read_workbook_bytes(content, member_label, mapping)
                problems.extend(sheet_problems)
                for table, raw in sheets.items():
                    tables.setdefault(table, raw)
                continue
            table = _member_table(name, mapping)
            if table is None:
                problems.append(not_a_table(member_label, "ignored", "warning"))
                continue
            if table in tables:
                problems.append(
                    Problem(
                        member_label,
                        None,
                        None,
                        f"a second file for the {table} table; only {tables[table].file} is used",
                    )
                )
                continue
            tables[table] = read_csv_bytes(content, member_label, table)
    return tables, problems


def read_uploads(
    files: list[Upload], mapping: Mapping | None = None
) -> tuple[dict[str, RawTable], list[Problem]]:
    """Raw tables from uploaded files: CSVs, zips and workbooks in any mix."""
    mapping = mapping or Mapping()
    tables: dict[str, RawTable] = {}
    problems: list[Problem] = []
    for upload in files:
        suffix = PurePosixPath(upload.name).suffix.lower()
        if suffix == ".zip":
            found, more = read_zip_bytes(upload.data, upload.name, mapping)
        elif suffix in (".xlsx", ".xlsm"):
            found, more = read_workbook_bytes(upload.data, upload.name, mapping)
        elif suffix in (".csv", ".txt", ".tsv"):
            table = _member_table(upload.name, mapping)
            if table is None:
                problems.append(not_a_table(upload.name, "ignored", "error"))
                continue
            found, more = {table: read_csv_bytes(upload.data, upload.name, table)}, []
        else:
            problems.append(
                Problem(upload.name, None, None, "not a cohort file (use .csv, .zip or .xlsx)")
            )
            continue
        problems.extend(more)
        for table, raw in found.items():
            if table in tables:
                problems.append(
                    Problem(
                        raw.file,
                        None,
                        None,
                        f"a second {table} table; only {tables[table].file} is used",
                    )
                )
            else:
                tables[table] = raw
    return tables, problems


def load_uploads(files: list[Upload], mapping: Mapping | None = None) -> ValidationResult:
    """Read and validate uploaded files; never raises on bad input."""
    tables, problems = read_uploads(files, mapping)
    if not tables and not any(p.severity == "error" for p in problems):
        problems.append(Problem("upload", None, None, "no cohort tables were found"))
    return validate_tables(tables, mapping, problems)


def load_cohort(path: str | Path, mapping: Mapping | None = None) -> ValidationResult:
    """Read and validate a cohort folder, ``.zip`` or ``.xlsx``; never raises on bad input."""
    path = Path(path)
    if not path.exists():
        return validate_tables(
            {}, mapping, [Problem(str(path), None, None, "no such file or folder")]
        )
    if path.is_dir():
        files = [
            Upload(p.name, p.read_bytes())
            for p in sorted(path.iterdir())
            if p.is_file()
            and p.suffix.lower() in (".csv", ".txt", ".tsv")
            and _member_table(p.name, mapping or Mapping()) is not None
        ]
        if not files:
            return validate_tables(
                {},
                mapping,
                [
                    Problem(
                        str(path),
                        None,
                        None,
                        "the folder has no cohort CSV files "
                        f"({', '.join(t + '.csv' for t in TABLES)})",
                    )
                ],
            )
        result = load_uploads(files, mapping)
    else:
        if path.stat().st_size > MAX_ZIP_TOTAL:
            return validate_tables(
                {}, mapping, [Problem(path.name, None, None, "is too large to be a cohort")]
            )
        result = load_uploads([Upload(path.name, path.read_bytes())], mapping)
    result.cohort = result.cohort.model_copy(update={"name": path.stem}) if result.cohort else None
    return result


def load_mapping(path: str | Path) -> Mapping:
    """A column and value mapping from a JSON or YAML file (raises ValueError when malformed)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot read the mapping file ({exc})") from exc
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except Exception as exc:  # noqa: BLE001 (yaml and json raise different errors)
        raise ValueError(f"{path}: not valid {path.suffix.lstrip('.').upper()} ({exc})") from exc
    try:
        return Mapping.from_dict(data)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from exc


# ------------------------------------------------------------------------------ writing


def cohort_to_tables(cohort: Cohort) -> dict[str, pd.DataFrame]:
    """The cohort back in contract form (strings as a coordinator would write them)."""
    out: dict[str, pd.DataFrame] = {}
    for name in TABLES:
        if name not in cohort.supplied:
            continue
        frame = cohort.table(name).copy()
        spec = CONTRACT[name]
        for col in spec.columns_list:
            if col.name not in frame.columns:
                continue
            s = frame[col.name]
            if col.kind == "day":
                frame[col.name] = s.map(lambda d: DAYS[int(d)], na_action="ignore")
            elif col.kind == "time":  # an optional day or time may be blank
                frame[col.name] = s.map(format_time, na_action="ignore")
            elif col.kind == "bool":
                frame[col.name] = s.map(
                    lambda v: "" if v is pd.NA or v is None else ("yes" if v else "no")
                )
            elif col.kind == "list":
                frame[col.name] = s.map(lambda v: ";".join(v) if v else "")
            elif col.kind == "fraction":
                frame[col.name] = s.map(lambda v: "" if pd.isna(v) else repr(float(v)))
        out[name] = frame.astype(object).where(frame.notna(), "").astype(str)
    return out


def write_tables(tables: dict[str, pd.DataFrame], out: str | Path, fmt: str = "csv") -> Path:
    """Write contract tables as a CSV folder, a ``.zip`` of CSVs or an ``.xlsx`` workbook."""
    out = Path(out)
    if fmt == "csv":
        out.mkdir(parents=True, exist_ok=True)
        for name, frame in tables.items():
            frame.to_csv(out / f"{name}.csv", index=False, lineterminator="\n")
        return out
    if fmt in ("zip", "xlsx"):
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(tables_to_bytes(tables, fmt))
        return out
    raise ValueError(f"unknown format '{fmt}' (use csv, zip or xlsx)")


def tables_to_bytes(tables: dict[str, pd.DataFrame], fmt: str) -> bytes:
    """Contract tables as one file's bytes: a ``zip`` of CSVs or an ``xlsx`` workbook."""
    buffer = io.BytesIO()
    if fmt == "zip":
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, frame in tables.items():
                archive.writestr(f"{name}.csv", frame.to_csv(index=False, lineterminator="\n"))
    elif fmt == "xlsx":
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            for name, frame in tables.items():
                frame.to_excel(writer, sheet_name=name, index=False)
    else:
        raise ValueError(f"unknown format '{fmt}' (use zip or xlsx)")
    return buffer.getvalue()


def template_tables() -> dict[str, pd.DataFrame]:
    """One empty table per contract table, with every column as its header."""
    return {name: pd.DataFrame(columns=list(spec.columns)) for name, spec in CONTRACT.items()}


__all__ = [
    "LEVELS",
    "Upload",
    "cohort_to_tables",
    "load_cohort",
    "load_mapping",
    "load_uploads",
    "read_csv_bytes",
    "read_uploads",
    "template_tables",
    "write_tables",
]
