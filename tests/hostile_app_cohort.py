"""The sample department with Markdown and HTML in its module codes, programmes and file name.

Used by the app tests (AppTest and the browser) to check that every value from a file is shown
as text: nothing in it may become an image, a link, bold text or HTML, and the browser must
fetch nothing a file names. Every address points at ``127.0.0.1:9999`` (nothing listens there;
a request to it is a leak the browser test sees).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "department"
LEAK = "http://127.0.0.1:9999"

# The four modules with the highest fail rates (the ones PASS targets by default).
MODULES = {
    "MA2001": f"![x]({LEAK}/leak.png)",
    "CH1001": f'<img src="{LEAK}/img.png">',
    "CH2001": "**bold**",
    "CH1004": f"[link]({LEAK}/link)",
}
PROGRAMMES = {"Chemistry": f"![p]({LEAK}/programme.png) :red[Chem] <b>istry</b>"}
FILE_NAME = "**cohort** <b>one</b> [x](y).zip"

# What must never be interpreted: Markdown/HTML sources that would render differently.
RAW = ("![x](", "![p](", "<img", "**bold**", "[link](", ":red[", "<b>", "**cohort**")
# What the coordinator must see, literally, somewhere on the pages.
SHOWN = ("**bold**", "![x](http://127.0.0.1:9999/leak.png)")


def hostile_tables() -> dict[str, pd.DataFrame]:
    """The sample department's tables, with the hostile values in place."""
    tables = {
        path.stem: pd.read_csv(path, dtype=str, keep_default_na=False)
        for path in sorted(SAMPLE.glob("*.csv"))
    }
    for frame in tables.values():  # every table that names a module or a programme
        if "module_code" in frame.columns:
            frame["module_code"] = frame["module_code"].replace(MODULES)
        if "programme" in frame.columns:
            frame["programme"] = frame["programme"].replace(PROGRAMMES)
    return tables


def hostile_zip() -> bytes:
    """The hostile cohort as one zip of CSV files (what a coordinator uploads)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, frame in hostile_tables().items():
            archive.writestr(f"{name}.csv", frame.to_csv(index=False))
    return buffer.getvalue()
