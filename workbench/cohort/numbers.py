"""How a cell becomes a number: the one place, for every number column of every table.

A file writes decimals with a point (``1.5``) or a comma (``1,5``, as a European spreadsheet
exports with ``;`` between values). :func:`decimal_mark` finds which from the file's own cells;
:func:`parse_number` then reads each cell by that mark. A value that two conventions would read
as different numbers (``1,500``: fifteen hundred, or one and a half?) is never guessed: it is
an error unless the file shows which mark it uses. Only ASCII digits count (``٣`` is no 3 here).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

POINT, COMMA, UNKNOWN = ".", ",", ""
NOT_A_NUMBER = "is not a number"

_PLAIN = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)
_ONE_SEP = re.compile(r"([+-]?)([0-9]*)([.,])([0-9]+)", re.ASCII)
_GROUPED = {
    POINT: re.compile(r"[+-]?[1-9][0-9]{0,2}(?:,[0-9]{3})+(?:\.[0-9]+)?", re.ASCII),
    COMMA: re.compile(r"[+-]?[1-9][0-9]{0,2}(?:\.[0-9]{3})+(?:,[0-9]+)?", re.ASCII),
}
_DECIMAL = {
    POINT: re.compile(r"[+-]?[0-9]*\.[0-9]+", re.ASCII),
    COMMA: re.compile(r"[+-]?[0-9]*,[0-9]+", re.ASCII),
}
_NAMES = {POINT: "a point", COMMA: "a comma"}


def _shows(mark: str, text: str) -> bool:
    """True when ``text`` can only be a number written with decimal ``mark``."""
    other = COMMA if mark == POINT else POINT
    if _DECIMAL[mark].fullmatch(text) and not _GROUPED[other].fullmatch(text):
        return True  # 1,5 or 0,176 (comma); 2.5 or 0.30 (point)
    return bool(_GROUPED[mark].fullmatch(text)) and other in text and mark in text  # 1.234,5


def decimal_mark(cells: Iterable[object], presume: str = UNKNOWN) -> str:
    """The file's decimal mark from its number cells: POINT or COMMA when they show one,
    UNKNOWN when they show both, ``presume`` when they show neither."""
    seen = {POINT: False, COMMA: False}
    for cell in cells:
        if not isinstance(cell, str) or not cell or len(cell) > 40:
            continue
        text = cell.strip().rstrip("%").strip()
        if not text or not (text[0].isdigit() or text[0] in "+-.,"):
            continue
        for mark in (POINT, COMMA):
            if not seen[mark] and _shows(mark, text):
                seen[mark] = True
        if all(seen.values()):
            return UNKNOWN
    if seen[COMMA]:
        return COMMA
    return POINT if seen[POINT] else presume


def parse_number(cell: str, mark: str = POINT) -> float | str:
    """The number a cell holds (``17%`` is 0.17), or why it is none (a reason, as text).

    ``mark`` is the file's decimal mark (:func:`decimal_mark`); UNKNOWN reads a value only when
    every convention reads it the same.
    """
    text = cell.strip()
    percent = text.endswith("%")
    if percent:
        text = text[:-1].strip()
    value = _read(text, mark)
    if isinstance(value, float) and percent:
        return value / 100.0
    return value


def _read(text: str, mark: str) -> float | str:
    if not text:
        return NOT_A_NUMBER
    if _PLAIN.fullmatch(text) and not _ambiguous(text, mark):
        return float(text)
    one = _ONE_SEP.fullmatch(text)
    if one and one.group(3) == COMMA and not _ambiguous(text, mark):
        return float(text.replace(",", "."))
    for grouping in (POINT, COMMA):
        if _GROUPED[grouping].fullmatch(text) and mark in (grouping, UNKNOWN):
            if mark == UNKNOWN and _ONE_SEP.fullmatch(text):
                break  # 1,500 or 1.500: no way to tell
            thousands, decimal = (",", ".") if grouping == POINT else (".", ",")
            return float(text.replace(thousands, "").replace(decimal, "."))
    if (
        _ONE_SEP.fullmatch(text)
        or _GROUPED[POINT].fullmatch(text)
        or _GROUPED[COMMA].fullmatch(text)
    ):
        return _why_ambiguous(text, mark)
    return NOT_A_NUMBER


def _ambiguous(text: str, mark: str) -> bool:
    """A value with one separator and three digits after it reads two ways (1,500 / 1.500),
    unless the file's mark settles it; a comma where the file uses points (or the reverse) is
    never read."""
    one = _ONE_SEP.fullmatch(text)
    if not one:
        return False
    sep = one.group(3)
    if mark == UNKNOWN:
        return len(one.group(4)) == 3 and one.group(2) not in ("", "0")
    return sep != mark


def _why_ambiguous(text: str, mark: str) -> str:
    if mark == UNKNOWN:
        return (
            "could be read two ways (a thousands separator or a decimal mark): write it without "
            "a thousands separator, e.g. 1500 or 1.5"
        )
    return (
        f"is not a number as this file writes them (its decimals use {_NAMES[mark]}, "
        "with no thousands separator)"
    )


__all__ = ["COMMA", "NOT_A_NUMBER", "POINT", "UNKNOWN", "decimal_mark", "parse_number"]
