"""One-page certificates for volunteers: printable HTML, no external fonts or images.

Every value that comes from a file (names, ids, roles, skills, the coordinator's name) is
HTML-escaped; file names are made from the student id with anything but letters, digits,
dashes and underscores replaced, plus a short hash so two ids never share a file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import io
import re
import zipfile
from pathlib import Path

import pandas as pd

from workbench.volunteers.hours import DEFAULT_SKILLS, HoursSettings

_STYLE = """
@page { size: A4; margin: 18mm; }
body { font-family: Georgia, 'Times New Roman', serif; color: #1a1a1a; background: #fff;
       margin: 0; }
main { border: 3px double #1f3a5f; padding: 28mm 18mm; text-align: center; min-height: 220mm;
       box-sizing: border-box; }
h1 { font-size: 28pt; color: #1f3a5f; margin: 0 0 10mm; }
.name { font-size: 24pt; font-weight: bold; margin: 6mm 0; }
p { font-size: 13pt; line-height: 1.5; margin: 3mm 0; }
table { margin: 8mm auto; border-collapse: collapse; font-size: 12pt; }
th, td { border-bottom: 1px solid #767676; padding: 2mm 5mm; text-align: left; }
td.hours { text-align: right; }
.sign { margin-top: 18mm; font-size: 12pt; }
@media print { main { border-color: #000; } }
"""


def esc(value: object) -> str:
    """A value as HTML text: escaped, quotes too."""
    return html.escape("" if value is None else str(value), quote=True)


def _hours_rows(row: dict) -> str:
    parts = [
        ("Training", row.get("training_hours", 0.0)),
        ("Sessions led", row.get("session_hours", 0.0)),
        ("Preparing sessions", row.get("prep_hours", 0.0)),
        ("Mentoring meetings", row.get("meeting_hours", 0.0)),
    ]
    cells = [
        f"<tr><td>{label}</td><td class='hours'>{float(hours):.1f}</td></tr>"
        for label, hours in parts
        if float(hours or 0) > 0
    ]
    total = float(row.get("total_hours", 0.0))
    cells.append(f"<tr><th>Total</th><th class='hours'>{total:.1f}</th></tr>")
    return "".join(cells)


def certificate_html(row: dict, settings: HoursSettings, issued: dt.date | None = None) -> str:
    """One volunteer's certificate (a row of hours.csv) as a printable HTML page."""
    issued = issued or dt.date.today()
    roles = str(row["role"]).split(" and ")
    skills = "; ".join(settings.skills.get(r, DEFAULT_SKILLS.get(r, "")) for r in roles)
    coordinator = settings.coordinator.strip() or "The scheme coordinator"
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>Certificate: {esc(row['name'])}</title><style>{_STYLE}</style></head><body>"
        "<main>"
        f"<h1>Certificate of volunteering</h1>"
        f"<p>{esc(settings.scheme_name)} certifies that</p>"
        f"<p class='name'>{esc(row['name'])}</p>"
        f"<p>(student {esc(row['student_id'])}) served as {esc(row['role'])} and gave</p>"
        f"<p><strong>{float(row['total_hours']):.1f} hours</strong> of voluntary work:</p>"
        f"<table aria-label='Hours'>{_hours_rows(row)}</table>"
        f"<p>Skills this role builds: {esc(skills)}.</p>"
        f"<p class='sign'>{esc(coordinator)}<br>Scheme coordinator<br>{issued.isoformat()}</p>"
        "</main></body></html>\n"
    )


def certificate_file_name(student_id: object) -> str:
    """A safe file name for a student's certificate (no path parts, no odd characters)."""
    text = str(student_id)
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_")[:40] or "volunteer"
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]
    return f"certificate-{stem}-{digest}.html"


def write_certificates(
    hours: pd.DataFrame, folder: str | Path, settings: HoursSettings, issued: dt.date | None = None
) -> list[Path]:
    """Write one certificate per volunteer into ``folder``; the paths written."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for row in hours.to_dict("records"):
        path = out / certificate_file_name(row["student_id"])
        path.write_text(certificate_html(row, settings, issued), encoding="utf-8")
        written.append(path)
    return written


def certificates_zip(
    hours: pd.DataFrame, settings: HoursSettings, issued: dt.date | None = None
) -> bytes:
    """Every volunteer's certificate in one zip (the same safe file names)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for row in hours.to_dict("records"):
            archive.writestr(
                certificate_file_name(row["student_id"]), certificate_html(row, settings, issued)
            )
    return buffer.getvalue()
