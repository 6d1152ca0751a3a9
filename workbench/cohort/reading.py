"""Reading untrusted files safely: caps, a capped worker process, workbook and mapping checks.

Every file a coordinator uploads or names (CSV, zip, workbook, mapping) is read in a worker
process (the solves' machinery, :func:`workbench.isolation.run_isolated`) with a
memory cap and a time limit, so nothing a file contains can stop, stall or swell the server: a
file over a cap is refused with a message, and whatever was loaded before stays.

The caps (:class:`ReadCaps`) are settings read from the environment; the defaults fit a whole
university (40,000 students, 135,000 enrolments loads with a few hundred MB). SECURITY.md lists
them. Before a workbook is parsed, :func:`check_workbook` checks each sheet's uncompressed size
and the cells it declares or reaches; a mapping file is read with :func:`parse_mapping_text`
(YAML without anchors or aliases, a size and node cap; JSON with a size cap).
"""

from __future__ import annotations

import gc
import io
import json
import multiprocessing
import os
import re
import resource
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from workbench.cohort.raw import Mapping, Problem
from workbench.isolation import SolveCrashed, SolveError, run_isolated

MB = 2**20
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384  # column XFD
MAX_MAPPING_NODES = 20_000  # keys and values in one mapping file


class ReadRefused(ValueError):
    """A file that was not read: over a cap, too slow, or it ended its reading worker."""


@dataclass(frozen=True)
class Cap:
    """One cap: its environment variable, default and what it bounds (for SECURITY.md)."""

    env: str
    default: int
    unit: str
    what: str


CAPS: dict[str, Cap] = {
    "memory_mb": Cap("WORKBENCH_READ_MEMORY_MB", 1024, "MB", "memory one reading worker may add"),
    "seconds": Cap("WORKBENCH_READ_SECONDS", 60, "s", "time one reading may take"),
    "file_mb": Cap("WORKBENCH_MAX_FILE_MB", 50, "MB", "one table (a CSV file), uncompressed"),
    "upload_mb": Cap(
        "WORKBENCH_MAX_UPLOAD_MB", 200, "MB", "one upload or archive, all of it uncompressed"
    ),
    "sheet_mb": Cap("WORKBENCH_MAX_SHEET_MB", 100, "MB", "one workbook sheet's XML, uncompressed"),
    "sheet_cells": Cap(
        "WORKBENCH_MAX_SHEET_CELLS", 5_000_000, "cells", "rows x columns one sheet declares or uses"
    ),
    "rows": Cap("WORKBENCH_MAX_ROWS", 2_000_000, "rows", "rows in one table"),
    "mapping_kb": Cap("WORKBENCH_MAX_MAPPING_KB", 256, "KB", "one mapping file (YAML or JSON)"),
}


@dataclass(frozen=True)
class ReadCaps:
    """The caps on reading files (see :data:`CAPS`); :meth:`from_env` reads the settings."""

    memory_mb: int = CAPS["memory_mb"].default
    seconds: int = CAPS["seconds"].default
    file_mb: int = CAPS["file_mb"].default
    upload_mb: int = CAPS["upload_mb"].default
    sheet_mb: int = CAPS["sheet_mb"].default
    sheet_cells: int = CAPS["sheet_cells"].default
    rows: int = CAPS["rows"].default
    mapping_kb: int = CAPS["mapping_kb"].default

    @classmethod
    def from_env(cls) -> ReadCaps:
        """The caps as set in the environment (a value that is no positive whole number: the
        default is kept, so a typo never lifts a cap)."""
        values = {}
        for name, cap in CAPS.items():
            text = os.environ.get(cap.env, "").strip().replace("_", "")
            values[name] = int(text) if text.isdigit() and int(text) > 0 else cap.default
        return cls(**values)


def caps() -> ReadCaps:
    """The caps now in force."""
    return ReadCaps.from_env()


# ------------------------------------------------------------------------------ the worker


MEMORY_EXIT = 86  # the exit code of a reading worker that went over its memory cap
ADDRESS_HEADROOM_MB = 3072  # address space (not memory) libraries reserve; a backstop only
WATCH_SECONDS = 0.02


@dataclass
class _Answer:
    value: Any
    peak_mb: float  # the worker's peak resident memory


def _resident_bytes() -> int | None:
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _watch_memory(extra_mb: int) -> int | None:
    """End this worker (exit code MEMORY_EXIT) once its resident memory grows by more than
    ``extra_mb``: memory really used, which the address-space cap cannot measure (libraries
    reserve address space they never touch). Returns the limit in bytes (None off Linux)."""
    start = _resident_bytes()
    if start is None:
        return None  # not Linux: the address-space backstop alone
    limit = start + extra_mb * MB

    def watch() -> None:
        while True:
            now = _resident_bytes()
            if now is not None and now > limit:
                os._exit(MEMORY_EXIT)
            time.sleep(WATCH_SECONDS)

    threading.Thread(target=watch, name="workbench-read-memory", daemon=True).start()
    return limit


def _measured(fn: Callable[..., Any], args: tuple, kwargs: dict, memory_mb: int) -> _Answer:
    """Runs in the worker: watch its memory, then the value and the worker's peak memory."""
    gc.freeze()  # what the worker inherited is never collected here: no copying it page by page
    limit = _watch_memory(memory_mb)
    value = fn(*args, **kwargs)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if limit is not None and peak_kb * 1024 > limit:
        os._exit(MEMORY_EXIT)  # over the cap between two looks of the watcher: refused all the same
    return _Answer(value, peak_kb / 1024)


@dataclass
class Read:
    """What a capped read gave back, and the peak memory of the worker that read it."""

    value: Any
    peak_mb: float = 0.0
    seconds: float = 0.0


class _TimeUp(Exception):
    pass


def _start_method(fresh: bool) -> str | None:
    """How the reading worker starts: forked from this process when it runs one thread (a
    command line: the worker starts at once with the modules already loaded, instead of
    waiting for a fork server to boot and import the solvers, 0.6-0.9 s); from the clean fork
    server otherwise (a server's threads make forking it unsafe) or when ``fresh``."""
    if fresh or threading.active_count() > 1:
        return None
    return "fork" if "fork" in multiprocessing.get_all_start_methods() else None


def run_capped(
    fn: Callable[..., Any],
    /,
    *args: Any,
    limits: ReadCaps | None = None,
    fresh: bool = False,
    **kw: Any,
) -> Read:
    """``fn(*args, **kw)`` in a worker process under the memory cap and the time limit
    (``fresh``: a worker that holds nothing of this process, so its peak is the read's own).

    Raises :class:`ReadRefused` (with the coordinator's message) when the worker runs out of
    memory, runs out of time or dies; any other exception from ``fn`` is raised here.
    """
    limits = limits or caps()
    started = time.monotonic()
    if multiprocessing.current_process().daemon:  # already in a worker (which may have no
        return Read(fn(*args, **kw), 0.0, 0.0)  # children): its own caps hold

    def tick(seconds: float) -> None:
        if seconds > limits.seconds:
            raise _TimeUp

    try:
        answer = run_isolated(
            _measured,
            fn,
            args,
            kw,
            limits.memory_mb,
            memory_mb=limits.memory_mb + ADDRESS_HEADROOM_MB,
            on_tick=tick,
            poll=0.05,
            start_method=_start_method(fresh),
        )
    except _TimeUp:
        raise ReadRefused(
            f"this file takes more than {limits.seconds} s to read; it was not used"
        ) from None
    except (SolveCrashed, MemoryError) as exc:
        code = getattr(exc, "exitcode", None)
        if code is not None and code not in (MEMORY_EXIT, 137) and code >= 0:  # no memory
            raise ReadRefused(
                f"this file could not be read (the reading process stopped with code {code}); "
                "it was not used"
            ) from None
        raise ReadRefused(
            f"this file needs more than {limits.memory_mb:,} MB to read; it was not used"
        ) from None
    except ReadRefused:
        raise
    except SolveError as exc:  # the worker could not start or answer
        raise ReadRefused(f"this file could not be read safely ({exc}); it was not used") from None
    except ValueError as exc:  # a file's own problem, said in words: no worker traceback
        if hasattr(exc, "__notes__"):
            del exc.__notes__
        raise
    return Read(answer.value, answer.peak_mb, time.monotonic() - started)


# ------------------------------------------------------------------------------ workbooks


@dataclass
class SheetScan:
    """What a sheet's XML says about its size, found before anything parses it."""

    name: str
    part: str  # its path inside the workbook
    size: int = 0  # bytes of XML, uncompressed
    rows: int = 0  # the last row it declares or uses
    columns: int = 0  # the last column it declares or uses
    cells: int = 0  # cells written
    merged: list[str] = field(default_factory=list)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, column): #N/A ...


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Za-z]*)[0-9]*:?([A-Za-z]*)([0-9]*)"')
_COLUMN = re.compile(rb' r="\$?([A-Za-z]{1,12})')  # a cell's column
_ROW_NUMBER = re.compile(rb' r="\$?[A-Za-z]*\$?([0-9]{1,12})')  # a row's or a cell's row
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"')
_ERROR_CELL = re.compile(
    rb'<(?:\w+:)?c\s+r="([A-Z]{1,3})([0-9]{1,7})"[^>]*?\st="e"[^>]*>(?:(?!</(?:\w+:)?c>).)*?'
    rb"<(?:\w+:)?v>([^<]{1,20})</",
    re.S,
)
MAX_ERROR_CELLS = 200


def column_number(letters: str) -> int:
    """1 for A, 26 for Z, 27 for AA ... (no upper bound: a hostile reference can be long)."""
    number = 0
    for letter in letters.upper()[:12]:
        number = number * 26 + ord(letter) - 64
    return number if len(letters) <= 12 else 26**12


def _xml_unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its XML part inside the workbook."""
    try:
        book = archive.read("xl/workbook.xml")[: 4 * MB].decode("utf-8", "replace")
        rels = archive.read("xl/_rels/workbook.xml.rels")[: 4 * MB].decode("utf-8", "replace")
    except (KeyError, zipfile.BadZipFile, OSError, RuntimeError, ValueError):
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


def _chunks(archive: zipfile.ZipFile, part: str, limit: int) -> Iterator[bytes]:
    """A member's bytes in pieces, never more than ``limit`` + one piece (sizes can lie)."""
    read = 0
    with archive.open(part) as handle:
        while read <= limit:
            chunk = handle.read(MB)
            if not chunk:
                return
            read += len(chunk)
            yield chunk


def _scan_xml(scan: SheetScan, chunks: Iterator[bytes]) -> None:
    """Size, last row and column (declared or used), cells and merged ranges of a sheet."""
    tail = b""
    rows_seen = 0
    for chunk in chunks:
        text = tail + chunk
        if not scan.size:
            for first, last, row in _DIMENSION.findall(text[:8192]):
                scan.columns = max(scan.columns, column_number((last or first).decode()))
                scan.rows = max(scan.rows, int(row[:12] or 0))
        scan.size += len(chunk)
        letters = set(_COLUMN.findall(text))
        if letters:
            scan.columns = max(scan.columns, *(column_number(c.decode()) for c in letters))
        scan.rows = max(scan.rows, max(map(int, _ROW_NUMBER.findall(text)), default=0))
        if b't="e"' in text and len(scan.errors) < MAX_ERROR_CELLS:
            for letters, row, value in _ERROR_CELL.findall(text):
                where = (int(row), column_number(letters.decode()))
                scan.errors[where] = value.decode("utf-8", "replace")
        if b"mergeCell" in text:
            scan.merged += [m.decode() for m in _MERGE.findall(text)]
        scan.cells += chunk.count(b"<c ") + chunk.count(b"<c>")
        rows_seen += chunk.count(b"<row")
        tail = chunk[-64:]
    scan.rows = max(scan.rows, rows_seen)
    scan.merged = list(dict.fromkeys(scan.merged))


def scan_sheet(archive: zipfile.ZipFile, name: str, part: str, limits: ReadCaps) -> SheetScan:
    """The sheet's size, extent and merged ranges, streamed from the archive (never held)."""
    scan = SheetScan(name, part)
    declared = archive.getinfo(part).file_size
    if declared > limits.sheet_mb * MB:  # refused unread (a size that lies is caught below)
        scan.size = declared
        return scan
    _scan_xml(scan, _chunks(archive, part, limits.sheet_mb * MB))
    return scan


def sheet_refusal(scan: SheetScan, limits: ReadCaps) -> str | None:
    """Why a sheet is refused before it is parsed, in the coordinator's words (None: fine)."""
    if scan.size > limits.sheet_mb * MB:
        return (
            f"refused: this sheet is more than {limits.sheet_mb:,} MB of data once unpacked "
            "(the limit for one sheet); it was not read"
        )
    if scan.columns > EXCEL_MAX_COLUMNS or scan.rows > EXCEL_MAX_ROWS:
        return (
            "refused: this sheet refers to cells beyond the last row or column a spreadsheet "
            "can have; the file is damaged or was not made by a spreadsheet program"
        )
    if scan.rows > limits.rows:
        return f"refused: this sheet has {scan.rows:,} rows; the limit is {limits.rows:,}"
    reach = scan.rows * max(1, scan.columns)
    if max(reach, scan.cells) > limits.sheet_cells:
        last = f"{_letters(scan.columns)}{scan.rows}"
        return (
            f"refused: this sheet reaches cell {last} ({reach:,} cells; the limit is "
            f"{limits.sheet_cells:,}): delete the rows and columns below and right of the "
            "data, or copy the data into a new sheet"
        )
    return None


def _letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters or "A"


def check_workbook(
    data: bytes, label: str, wanted: Callable[[str], bool], limits: ReadCaps
) -> tuple[dict[str, SheetScan], list[Problem]]:
    """Scan each sheet ``wanted(name)`` accepts, before any parser sees the workbook.

    Returns the scans of the sheets that may be read, and one problem per refused sheet (or for
    the whole file when its parts are over the caps). A file that is no zip gives no problem
    here: the parser says what is wrong with it.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        return {}, []
    scans: dict[str, SheetScan] = {}
    problems: list[Problem] = []
    with archive:
        total = sum(m.file_size for m in archive.infolist())
        if total > limits.upload_mb * MB:
            return {}, [
                Problem(
                    label,
                    None,
                    None,
                    f"refused: it expands to {total // MB:,} MB, beyond the limit",
                )
            ]
        for name, part in sheet_parts(archive).items():
            if not wanted(name):
                continue
            try:
                scan = scan_sheet(archive, name, part, limits)
            except (KeyError, zipfile.BadZipFile, OSError, RuntimeError, ValueError, EOFError):
                continue  # the parser reports a damaged part
            why = sheet_refusal(scan, limits)
            if why:
                problems.append(Problem(f"{label}[{name}]", None, None, why))
            else:
                scans[name] = scan
    return scans, problems


# ------------------------------------------------------------------------------ mapping files


class _NoAliasLoader(yaml.SafeLoader):
    """YAML's safe loader without anchors and aliases (a 'billion laughs' file has nothing to
    expand) and with a cap on nodes."""

    nodes = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise ReadRefused(
                "uses YAML anchors or aliases (& or *), which a mapping file may not; "
                "write each value out"
            )
        self.nodes += 1
        if self.nodes > MAX_MAPPING_NODES:
            raise ReadRefused(f"has more than {MAX_MAPPING_NODES:,} entries; it was not read")
        return super().compose_node(parent, index)


def parse_mapping_text(text: str, kind: str, limits: ReadCaps | None = None) -> Any:
    """A mapping file's data (``kind`` 'yaml' or 'json'; JSON is read as YAML too when 'yaml').

    Raises :class:`ReadRefused` for a file over the size or node cap or one using aliases, and
    ValueError for a file that is not valid YAML or JSON.
    """
    limits = limits or caps()
    if len(text) > limits.mapping_kb * 1024:
        raise ReadRefused(
            f"is more than {limits.mapping_kb:,} KB; a mapping file is a few lines, "
            "so it was not read"
        )
    try:
        if kind == "json":
            return json.loads(text)
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 (a safe loader, no aliases)
    except ReadRefused:
        raise
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        what = "valid JSON" if kind == "json" else "a JSON or YAML mapping file"
        raise ValueError(f"not {what} ({str(exc)[:200]})") from None


def mapping_from_text(text: str, kind: str, label: str, limits: ReadCaps | None = None) -> Mapping:
    """A mapping from a file's text (``kind`` 'yaml' or 'json'); ValueError says what is wrong.
    Runs in this process (its caps make that safe); :func:`load_mapping` uses a worker too."""
    try:
        data = parse_mapping_text(text, kind, limits)
    except ValueError as exc:
        raise ValueError(f"{label}: {exc}") from None
    if data is None:
        raise ValueError(f"{label}: the mapping file is empty")
    try:
        return Mapping.from_dict(data)
    except ValueError as exc:
        raise ValueError(f"{label}: {exc}") from None


def _mapping_file(path: Path, limits: ReadCaps) -> Mapping:
    try:
        if path.stat().st_size > limits.mapping_kb * 1024:
            raise ValueError(f"{path}: is more than {limits.mapping_kb:,} KB; it was not read")
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot read the mapping file ({exc})") from exc
    kind = "yaml" if path.suffix.lower() in (".yaml", ".yml") else "json"
    return mapping_from_text(text, kind, str(path), limits)


def load_mapping(path: str | Path) -> Mapping:
    """A column and value mapping from a JSON or YAML file, read in a capped worker process
    (raises ValueError when malformed, too large or refused)."""
    path = Path(path)
    try:
        limits = caps()  # read here: a worker sees the environment its fork server started with
        return run_capped(_mapping_file, path, limits, limits=limits).value
    except ReadRefused as why:
        raise ValueError(f"{path}: {why}") from None


__all__ = [
    "CAPS",
    "ReadCaps",
    "ReadRefused",
    "check_workbook",
    "load_mapping",
    "mapping_from_text",
    "parse_mapping_text",
    "run_capped",
]
