"""Every value from a file is shown as text on every page (issue 11, item 5).

A cohort whose module codes, programmes and file name hold Markdown and HTML is uploaded, solved
as peer mentoring and as PASS, and every page is opened. Every string Streamlit reads as
Markdown (titles, captions, alerts, toasts, labels, help texts, expander and tab labels) must
hold those values escaped: the raw source of an image, a link, bold text or a tag never appears.
The browser side (nothing fetched, nothing rendered) is in tests/e2e/test_file_text_browser.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from hostile_app_cohort import FILE_NAME, MODULES, RAW, SAMPLE, hostile_zip
from streamlit.testing.v1 import AppTest
from test_app import button, new_app, no_errors, page

from app_common.file_text import JOINER, bullets, plain, plain_join

needs_sample = pytest.mark.skipif(not SAMPLE.is_dir(), reason="sample department not installed")

PAGES = ["home", "cohort", "scheme", "solve", "coverage", "whatif", "report"]
# Proto fields Streamlit renders as Markdown; tables, charts and option lists show text as text.
MARKDOWN_FIELDS = {"body", "label", "help", "placeholder", "caption"}
LITERAL_ELEMENTS = {"text", "code", "arrow_data_frame", "vega_lite_chart", "json"}
ESCAPED = re.compile(r"\\.", re.S)  # a backslash and the character it makes literal


@pytest.fixture(autouse=True)
def _own_store(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "data"))


def _strings(message: Any, field: str = "") -> Iterator[tuple[str, str]]:
    """(field, text) of every Markdown-read string in a proto message, nested ones too."""
    for descriptor, value in message.ListFields():
        name = descriptor.name
        if descriptor.message_type is not None:
            items = value if descriptor.is_repeated else [value]
            for item in items:
                if hasattr(item, "ListFields"):
                    yield from _strings(item, name)
        elif isinstance(value, str) and name in MARKDOWN_FIELDS:
            yield f"{field}.{name}", value


def markdown_strings(at: AppTest) -> list[tuple[str, str]]:
    """Every Markdown-read string on the page just run (main area and sidebar)."""
    found: list[tuple[str, str]] = []

    def walk(node: Any) -> None:
        proto = getattr(node, "proto", None)
        kind = getattr(node, "type", "")
        if proto is not None and kind not in LITERAL_ELEMENTS and hasattr(proto, "ListFields"):
            found.extend((f"{kind}{where}", text) for where, text in _strings(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return found


def assert_all_plain(at: AppTest, where: str) -> int:
    """No raw hostile source in any Markdown string; returns how many hostile values were seen."""
    seen = 0
    for field, text in markdown_strings(at):
        live = ESCAPED.sub("\x01", text)  # only what Markdown would still read
        for raw in RAW:
            assert raw not in live, f"{where}: {field} interprets {raw!r}: {text[:300]!r}"
        seen += sum(plain(code) in text for code in MODULES.values())
        seen += plain(FILE_NAME) in text
    return seen


# ------------------------------------------------------------------------------ the escaping


@pytest.mark.parametrize(
    "value",
    [
        *MODULES.values(),
        "&amp; &#60;b&#62;",
        ":material/warning: :smile: :red[x]",
        "$x^2$ and $$y$$",
        "# heading\n- item\n1. one\n> quote",
        "a\\*b\\*",
        "`code` ~~gone~~ www.example.com a@b.org",
        "line\r\nbreak\x00\x1b[31m",
        "- item",
        "12) twelve",
        "  === rule",
    ],
)
def test_plain_escapes_every_markdown_character(value: str) -> None:
    text = plain(value)
    assert "\n" not in text and "\r" not in text and "\x00" not in text and "\x1b" not in text
    # What Markdown still reads (escaped pairs removed) holds no character that starts anything
    # inline, and does not start like a list, heading, quote or rule.
    live = ESCAPED.sub("", text)
    assert not set(live) & set("\\`*_[]<>&~$:|@!#{}/"), (value, text)
    assert not re.match(r"\s*([-+=>]|\d+[.)])", text), (value, text)
    assert "www." not in live.lower()
    # Unescaping gives back the value (line breaks as spaces, control characters dropped).
    expected = "".join(c for c in value.replace("\r\n", " ").replace("\n", " ") if c >= " ")
    assert re.sub(r"\\(.)", r"\1", text).replace(JOINER, "") == expected
    # Bare addresses are broken up so GFM does not make them links.
    assert not re.search(r"(?i)https?:|www\.|\w@", re.sub(r"\\(.)", r"\1", text))


def test_bullets_and_joins_escape_each_item() -> None:
    assert bullets(["**a**", "- b"]) == "- \\*\\*a\\*\\*\n- \\- b"
    assert plain_join(["<i>", "[x](y)"]) == "\\<i\\>, \\[x\\](y)"


# ------------------------------------------------------------------------------ every page


def _visit_all(at: AppTest, label: str) -> int:
    seen = 0
    for name in PAGES:
        at = page(at, name)
        no_errors(at)
        seen += assert_all_plain(at, f"{label}/{name}")
    return seen


@needs_sample
def test_hostile_cohort_is_text_on_every_page_after_a_solve() -> None:
    at = new_app().run()
    at = page(at, "cohort")
    at.file_uploader[0].set_value((FILE_NAME, hostile_zip(), "application/zip")).run()
    no_errors(at)
    assert at.session_state["cohort"] is not None, [e.value for e in at.error]
    assert set(MODULES.values()) <= set(at.session_state["cohort"].modules["module_code"])
    seen = assert_all_plain(at, "cohort after upload")

    at.session_state["keep_time_limit"] = 10
    for scheme in ("mentoring", "pass"):
        at.session_state["keep_scheme"] = scheme
        at = page(at, "scheme")
        no_errors(at)
        seen += assert_all_plain(at, f"{scheme}/scheme")
        at = page(at, "solve")
        button(at, "Solve").click().run()
        no_errors(at)
        assert at.session_state["scenario"].scheme == scheme
        seen += _visit_all(at, scheme)
    # The values were on the pages (escaped), not merely absent.
    assert seen >= 5, seen
