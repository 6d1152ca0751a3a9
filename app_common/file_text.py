"""The one place that shows text from a file (or typed by someone else) in the app: as text.

Streamlit reads Markdown (and its own extras: colours, icons, emoji, maths) in every title,
caption, alert, toast, label and help text. A module code such as
``![x](http://127.0.0.1:9999/leak.png)`` would become an image the browser fetches, ``<img>``
would be dropped, ``**bold**`` would turn bold. Every value from a cohort, a mapping, a
scenario file or a name goes through :func:`plain` (or the helpers built on it) before it is
put into such a string. Tables (``st.dataframe``) already show their cells as text.

The escaping is CommonMark's own: a backslash before a punctuation character makes it literal.
Every character that can start something inline is escaped wherever it is (links, images,
emphasis, code, HTML, entities, strikethrough, maths, Streamlit's ``:red[...]`` directives,
``:material/...:`` icons and emoji short codes); bare ``http://``, ``www.`` and e-mail
addresses get an invisible word joiner so they do not become links; the characters
that only mean something at the start of a line (lists, headings, quotes, rules) are escaped
when the value starts with them. Line breaks become spaces (a value is one line of text, never
a list or a heading), control characters are dropped. Other punctuation (``-`` inside a word,
``.``, ``,``) is left as it is, so the app's own sentences read the same in its source.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# Characters that mean something anywhere in a line ("/" keeps ":material/" from being rewritten).
_INLINE = re.compile(r"([\\`*_\[\]<>&~$:|@!#{}/])")
_WWW = re.compile(r"(?i)(?<=www)\.")
# GFM finds bare addresses in the text after escapes are read: a word joiner (U+2060, invisible)
# after "http", "https" or "www" and before "@" keeps them from becoming links.
_ADDRESS = re.compile(r"(?i)(https?|www)(?=[:.])|(?=@)")
JOINER = "\u2060"
# At the start of a value: list bullets, headings, quotes, rules, "1." and "1)" list numbers.
_LEADING = re.compile(r"^(\s*)([-+=>]|\d+(?=[.)]))")
_BREAKS = re.compile(r"[\r\n\t\f\v\u2028\u2029\x85]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def plain(value: Any) -> str:
    """``value`` as literal text inside Streamlit Markdown (see the module docstring)."""
    text = _CONTROL.sub("", _BREAKS.sub(" ", str(value)))
    text = _ADDRESS.sub(lambda m: (m.group(1) or "") + JOINER, text)
    text = _WWW.sub("\\.", _INLINE.sub(r"\\\1", text))
    return _LEADING.sub(_escape_leading, text, count=1)


def _escape_leading(match: re.Match[str]) -> str:
    spaces, marker = match.group(1), match.group(2)
    if marker[0].isdigit():  # "1." -> "1\." is not a list item
        return spaces + marker + "\\"
    return spaces + "\\" + marker


def plain_join(values: Iterable[Any], sep: str = ", ") -> str:
    """Several values, each as text, joined by ``sep`` (which is the app's own text)."""
    return sep.join(plain(v) for v in values)


def bullets(items: Iterable[Any]) -> str:
    """A Markdown list whose items are shown as text."""
    return "\n".join(f"- {plain(item)}" for item in items)
