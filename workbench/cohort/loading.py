"""Read a cohort from a folder of CSV files, a ``.zip`` of them or an ``.xlsx`` workbook.

Reading never raises on bad input: whatever cannot be read becomes a
:class:`~workbench.cohort.validation.Problem`, and :func:`load_cohort` returns the validation report.
The same functions serve the app's uploads (:func:`load_uploads`) and the command line.

Every file is read in a worker process under the reading caps
(:mod:`workbench.cohort.reading`): a file that needs more memory or time than they allow is
refused with a message, and nothing it contains can stop or swell the process that asked.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pandas as pd

from workbench.cohort.contract import CONTRACT, normalise_header, table_lookup
from workbench.cohort.domain import DAYS, LEVELS, TABLES, Cohort, format_time
from workbench.cohort.reading import (
    MB,
    ReadCaps,
    ReadRefused,
    caps,
    load_mapping,
    mapping_from_text,
    run_capped,
)
from workbench.cohort.validation import (
    ROW,
    Mapping,
    Problem,
    RawTable,
    ValidationReport,
    ValidationResult,
    validate_tables,
)
from workbench.cohort.workbook import (
    NOT_A_TABLE,
    excel_errors,
    not_a_table,
    read_workbook_bytes,
    unique_headers,
)

MAX_ZIP_RATIO = 200  # a member that claims to expand more than this is refused (zip bomb)
FIELD_LIMIT = csv.field_size_limit()  # characters in one CSV value


@dataclass
class Upload:
    """A file as the app receives it: a name and its bytes."""

    name: str
    data: bytes


_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def _decode(data: bytes, label: str) -> tuple[str | None, Problem | None]:
    if not data.strip():
        return None, Problem(label, None, None, "the file is empty")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), None
            except UnicodeDecodeError:
                return None, Problem(
                    label,
                    None,
                    None,
                    f"starts as {encoding.upper()} text but is not; save it as CSV UTF-8",
                )
    if b"\x00" in data[:4096] or data[:4] in (b"PK\x03\x04", b"%PDF"):
        return None, Problem(
            label, None, None, "is not a text file (it looks binary: save it as CSV, UTF-8)"
        )
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        return None, Problem(
            label,
            line,
            None,
            "has a NUL character (an invisible zero byte) on this line: it is not a plain text "
            "file; save it again as CSV UTF-8",
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


def _delimiter(text: str) -> str:
    first_line = text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    if "\t" in first_line and first_line.count("\t") > first_line.count(delimiter):
        delimiter = "\t"
    return delimiter


def _unreadable(table: str, label: str, problems: list[Problem]) -> RawTable:
    return RawTable(table, label, pd.DataFrame({ROW: []}), problems)


def read_csv_bytes(data: bytes, label: str, table: str, limits: ReadCaps | None = None) -> RawTable:
    """Parse one CSV (``,``, ``;`` or tab delimited; BOM, CRLF and ragged rows handled)."""
    limits = limits or caps()
    if len(data) > limits.file_mb * MB:
        too_big = f"is too large ({len(data) // MB} MB; the limit is {limits.file_mb} MB)"
        return _unreadable(table, label, [Problem(label, None, None, too_big)])
    text, problem = _decode(data, label)
    problems = [problem] if problem else []
    if text is None:
        return _unreadable(table, label, problems)
    delimiter = _delimiter(text)
    long_line = len(text) > FIELD_LIMIT and max(map(len, text.split("\n"))) > FIELD_LIMIT
    fast = None if long_line else _parse_simple_csv(text, delimiter)  # the careful one says why
    read = fast if fast is not None else _parse_careful_csv(text, delimiter, label)
    if isinstance(read, Problem):
        return _unreadable(table, label, [*problems, read])
    frame, written, more = read
    problems.extend(more)
    if len(frame) > limits.rows:
        problems.append(
            Problem(label, None, None, f"has more than {limits.rows:,} rows; split it or trim it")
        )
        return _unreadable(table, label, problems)
    raw = RawTable(table, label, frame, problems, clean=fast is not None, delimiter=delimiter)
    raw.headers = written
    raw.problems.extend(excel_errors(raw))
    return raw


def _parse_careful_csv(
    text: str, delimiter: str, label: str
) -> tuple[pd.DataFrame, dict[str, str], list[Problem]] | Problem:
    """Record by record (quoted values may span lines); rows numbered as a spreadsheet shows
    them (one per record, blank ones included), whatever the line breaks inside values."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[list[str]] = []
    numbers: list[int] = []
    problems: list[Problem] = []
    row = 0
    try:
        for row, fields in enumerate(reader, start=1):
            if not any(f.strip() for f in fields):
                continue  # a blank row
            if header is None:
                header = [f.replace("\ufeff", "").strip() for f in fields]
                continue
            if len(fields) > len(header) and any(f.strip() for f in fields[len(header) :]):
                problems.append(
                    Problem(
                        label,
                        row,
                        None,
                        f"has {len(fields)} values but the header has {len(header)} columns",
                    )
                )
                continue
            rows.append((fields + [""] * len(header))[: len(header)])
            numbers.append(row)
    except csv.Error as exc:
        return Problem(label, row + 1, None, f"cannot be read as CSV: {_csv_error(exc, text)}")
    if header is None:
        return Problem(label, None, None, "the file is empty")
    names = unique_headers(header)
    frame = pd.DataFrame(rows, columns=pd.Index(names, dtype=object), dtype=object)
    frame[ROW] = numbers
    return frame, _renamed(names, header), problems


def _csv_error(exc: csv.Error, text: str) -> str:
    if "field limit" not in str(exc):
        return str(exc)
    if text.count('"') % 2:
        return 'a quoted value never ends: look for an unclosed " at or before this row'
    return (
        f"a value on this row is longer than {FIELD_LIMIT:,} characters; a cohort value is a "
        "few words (is this the right file?)"
    )


def _renamed(names: list[str], header: list[str]) -> dict[str, str]:
    """Column name -> header as written, for the headers the reader had to rename."""
    written = [h.replace("\ufeff", "").strip() for h in header]
    return {n: w for n, w in zip(names, written, strict=False) if n != w and w}


# A cell that starts or ends with a space or tab: after a line start or delimiter, or before a
# line end, delimiter or CR. Written to start at the space (the engine then skips ahead to
# spaces and tabs; starting with "^ or a delimiter" tried every position: 0.4 s on 40,000
# students' files); a space at the very start of the text is checked apart.
_PADDED = re.compile(r"[ \t](?:(?<=[\n,;\t].)|$|[,;\t\r])", re.M)


def _padded(text: str) -> bool:
    """Whether any cell of the file starts or ends with a space or tab."""
    return text[:1] in (" ", "\t") or _PADDED.search(text) is not None


def _stripped_or_none(values: pd.Series, padded: bool) -> pd.Series:
    """Text cells stripped (only when the file has padded cells at all), empty ones None."""
    if padded:
        values = values.str.strip()
    array = values.to_numpy(dtype=object, copy=True)
    array[array == ""] = None
    return pd.Series(array, dtype=object)


def _parse_simple_csv(
    text: str, delimiter: str
) -> tuple[pd.DataFrame, dict[str, str], list[Problem]] | None:
    """The fast path: pandas' C parser, for the common file whose rows are its lines.

    Returns None (use the careful record-by-record reader) when the header is not on line 1, a
    row has more values than the header, or a quoted value spans lines.
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
    names = unique_headers(header)
    padded = _padded(text)
    out = pd.DataFrame(
        {h: _stripped_or_none(body[i], padded) for h, i in zip(names, body.columns, strict=True)}
    )
    out[ROW] = (body.index.to_numpy() + 1).astype("int64")
    return out, _renamed(names, header), []


def _member_table(name: str, mapping: Mapping) -> str | None:
    stem = normalise_header(PurePosixPath(name).stem)
    return mapping.tables.get(stem) or table_lookup().get(stem)


def _escapes(name: str) -> bool:
    """A member whose path points outside the archive (``../x``, ``/etc/x``)."""
    return name.startswith(("/", "\\")) or ".." in PurePosixPath(name.replace("\\", "/")).parts


def _member_refusal(member: zipfile.ZipInfo, total: int, limits: ReadCaps) -> str | None:
    ratio = member.file_size / max(1, member.compress_size)
    if (
        member.file_size > limits.file_mb * MB
        or total > limits.upload_mb * MB
        or (ratio > MAX_ZIP_RATIO and member.file_size > 10 * MB)
    ):
        return f"refused: it expands to {member.file_size // MB:,} MB, beyond the limit"
    return None


def _skipped(name: str) -> bool:
    return PurePosixPath(name).name.startswith(("._", "~$")) or "__MACOSX" in name


def read_zip_bytes(
    data: bytes, label: str, mapping: Mapping, limits: ReadCaps | None = None
) -> tuple[dict[str, RawTable], list[Problem]]:
    """CSV members (in any folder of the archive) become tables; nothing is extracted to disk."""
    limits = limits or caps()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        return {}, [Problem(label, None, None, f"is not a readable zip archive ({exc})")]
    tables: dict[str, RawTable] = {}
    problems: list[Problem] = []
    total = 0
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if not members:
            return {}, [Problem(label, None, None, "the zip archive is empty")]
        for member in members:
            member_label = f"{label}/{member.filename}"
            suffix = PurePosixPath(member.filename).suffix.lower()
            if _escapes(member.filename):
                why = "refused: the path points outside the archive"
                problems.append(Problem(member_label, None, None, why))
                continue
            if _skipped(member.filename):
                continue
            if suffix not in (".csv", ".txt", ".xlsx"):
                problems.append(
                    Problem(member_label, None, None, "ignored: not a CSV file", "warning")
                )
                continue
            total += member.file_size
            refusal = _member_refusal(member, total, limits)
            if refusal:
                problems.append(Problem(member_label, None, None, refusal))
                continue
            try:
                with archive.open(member) as handle:
                    content = handle.read(limits.file_mb * MB + 1)
            except (
                zipfile.BadZipFile,
                RuntimeError,
                OSError,
                NotImplementedError,
                ValueError,
                EOFError,
                zlib.error,
            ) as exc:  # a damaged archive
                problems.append(Problem(member_label, None, None, f"cannot be read ({exc})"))
                continue
            if suffix == ".xlsx":
                found, more = read_workbook_bytes(content, member_label, mapping, limits)
            else:
                found, more = _one_csv(member.filename, member_label, content, mapping, limits)
            problems.extend(more)
            _add_tables(tables, found, problems)
    return tables, problems


def _one_csv(
    name: str, label: str, data: bytes, mapping: Mapping, limits: ReadCaps
) -> tuple[dict[str, RawTable], list[Problem]]:
    table = _member_table(name, mapping)
    if table is None:
        return {}, [not_a_table(label, "ignored", "warning")]
    return {table: read_csv_bytes(data, label, table, limits)}, []


def _add_tables(
    tables: dict[str, RawTable], found: dict[str, RawTable], problems: list[Problem]
) -> None:
    """Add what a file gave; a second file for a table is reported, the first one kept."""
    for table, raw in found.items():
        if table in tables:
            problems.append(
                Problem(
                    raw.file,
                    None,
                    None,
                    f"a second file for the {table} table; only {tables[table].file} is used",
                )
            )
        else:
            tables[table] = raw


def _read_files(
    files: list[Upload], mapping: Mapping, limits: ReadCaps
) -> tuple[dict[str, RawTable], list[Problem]]:
    """Raw tables from files, read in this process (the worker's side of :func:`read_uploads`)."""
    tables: dict[str, RawTable] = {}
    problems: list[Problem] = []
    for upload in files:
        suffix = PurePosixPath(upload.name).suffix.lower()
        if suffix == ".zip":
            found, more = read_zip_bytes(upload.data, upload.name, mapping, limits)
        elif suffix in (".xlsx", ".xlsm"):
            found, more = read_workbook_bytes(upload.data, upload.name, mapping, limits)
        elif suffix in (".csv", ".txt", ".tsv"):
            found, more = _one_csv(upload.name, upload.name, upload.data, mapping, limits)
            more = [not_a_table(upload.name, "ignored", "error")] if more else []
        else:
            found, more = (
                {},
                [Problem(upload.name, None, None, "not a cohort file (use .csv, .zip or .xlsx)")],
            )
        problems.extend(more)
        _add_tables(tables, found, problems)
    return tables, problems


def _load_files(files: list[Upload], mapping: Mapping | None, limits: ReadCaps) -> ValidationResult:
    """Read and validate, in this process (the worker's side of :func:`load_uploads`)."""
    tables, problems = _read_files(files, mapping or Mapping(), limits)
    if not tables and not any(p.severity == "error" for p in problems):
        problems.append(Problem("upload", None, None, "no cohort tables were found"))
    return validate_tables(tables, mapping, problems)


def _refused(files: list[Upload] | str, why: ReadRefused) -> Problem:
    label = files if isinstance(files, str) else ", ".join(f.name for f in files) or "upload"
    return Problem(label, None, None, str(why))


def _not_used(files: list[Upload] | str, why: ReadRefused) -> ValidationResult:
    """The result of a read that was refused: that one problem, and no cohort."""
    return ValidationResult(None, ValidationReport([_refused(files, why)]))


def read_uploads(
    files: list[Upload], mapping: Mapping | None = None
) -> tuple[dict[str, RawTable], list[Problem]]:
    """Raw tables from uploaded files (CSVs, zips and workbooks in any mix), read in a capped
    worker process: a file over the caps gives a problem, never a crash."""
    limits = caps()
    try:
        return run_capped(_read_files, files, mapping or Mapping(), limits, limits=limits).value
    except ReadRefused as why:
        return {}, [_refused(files, why)]


def load_uploads(files: list[Upload], mapping: Mapping | None = None) -> ValidationResult:
    """Read and validate uploaded files in a capped worker process; never raises on bad input."""
    limits = caps()
    try:
        return run_capped(_load_files, files, mapping, limits, limits=limits).value
    except ReadRefused as why:
        return _not_used(files, why)


def _folder_files(path: Path, mapping: Mapping) -> list[Upload]:
    return [
        Upload(p.name, p.read_bytes())
        for p in sorted(path.iterdir())
        if p.is_file()
        and p.suffix.lower() in (".csv", ".txt", ".tsv")
        and _member_table(p.name, mapping) is not None
    ]


def _load_path(path: Path, mapping: Mapping | None, limits: ReadCaps) -> ValidationResult:
    """Read and validate a folder or file, in this process (the worker's side of load_cohort)."""
    if path.is_dir():
        files = _folder_files(path, mapping or Mapping())
        if not files:
            names = ", ".join(t + ".csv" for t in TABLES)
            why = f"the folder has no cohort CSV files ({names})"
            return validate_tables({}, mapping, [Problem(str(path), None, None, why)])
    elif path.stat().st_size > limits.upload_mb * MB:
        return validate_tables(
            {}, mapping, [Problem(path.name, None, None, "is too large to be a cohort")]
        )
    else:
        files = [Upload(path.name, path.read_bytes())]
    result = _load_files(files, mapping, limits)
    result.cohort = result.cohort.model_copy(update={"name": path.stem}) if result.cohort else None
    return result


def load_cohort(path: str | Path, mapping: Mapping | None = None) -> ValidationResult:
    """Read and validate a cohort folder, ``.zip`` or ``.xlsx`` in a capped worker process;
    never raises on bad input."""
    path = Path(path)
    if not path.exists():
        return validate_tables(
            {}, mapping, [Problem(str(path), None, None, "no such file or folder")]
        )
    limits = caps()
    try:
        return run_capped(_load_path, path, mapping, limits, limits=limits).value
    except ReadRefused as why:
        return _not_used(path.name, why)


def load_cohort_measured(
    path: str | Path, mapping: Mapping | None = None
) -> tuple[ValidationResult, float]:
    """:func:`load_cohort` and the peak memory (MB) of the worker that read it (benchmarks)."""
    limits = caps()
    read = run_capped(_load_path, Path(path), mapping, limits, limits=limits, fresh=True)
    return read.value, read.peak_mb


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
    "NOT_A_TABLE",
    "Upload",
    "cohort_to_tables",
    "load_cohort",
    "load_cohort_measured",
    "load_mapping",
    "load_uploads",
    "mapping_from_text",
    "read_csv_bytes",
    "read_uploads",
    "read_workbook_bytes",
    "read_zip_bytes",
    "template_tables",
    "write_tables",
]
