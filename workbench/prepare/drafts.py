"""Messages as drafts: a mail-merge CSV (to, subject, body; formulas made inert by
:mod:`workbench.safe_tables`) and a zip of ``.eml`` files a mail client opens as drafts.

Nothing is sent. Each ``.eml`` is built with the standard library's :mod:`email` package
(``EmailMessage`` with the default policy): names and subjects are one line of text before they
reach a header, an address that is not a plain ``name@domain`` is left out (its person is listed
as without an address), and the policy refuses any header value with a line break.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import default as default_policy

import pandas as pd

from workbench.cohort.domain import Cohort
from workbench.prepare import messages as msg
from workbench.prepare.plans import PlanFiles
from workbench.safe_tables import to_csv_bytes

DEFAULT_COORDINATOR = "The peer support team"
# Headers are not folded below the RFC 5322 line limit: Python's folding of an address list with
# non-ASCII names can encode the separating comma (both addresses then read as one).
HEADERS = default_policy.clone(max_line_length=998)
NAME_CHARS = 120  # a display name in a header is cut to this, so a header never needs folding
_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


@dataclass
class Drafts:
    """The filled messages, and the people they could not go to (no usable address)."""

    kind: str
    messages: list[msg.Message]
    without_address: list[str] = field(default_factory=list)  # names, for the coordinator


def plan_needs(kind: str) -> str:
    return {
        "introductions": "a mentoring plan (matches.csv)",
        "pass-timetable": "a PASS plan (sessions.csv)",
        "leaders": "a PASS plan (sessions.csv)",
        "training": "a training plan (training_sessions.csv and training_assignments.csv)",
    }[kind]


def raw_messages(
    kind: str,
    cohort: Cohort,
    plan: PlanFiles,
    handbooks: Mapping[str, tuple[str, bytes]] | None = None,
) -> list[msg.Message]:
    """The messages of one kind from a plan (ValueError in words when the plan lacks them)."""
    if kind not in msg.KINDS:
        raise ValueError(f"'{kind}' is not a kind of message (use {', '.join(msg.KINDS)})")
    if kind == "introductions" and len(plan.matches):
        return msg.introductions(cohort, plan.matches)
    if kind == "pass-timetable" and len(plan.sessions):
        return msg.pass_timetable(cohort, plan.sessions)
    if kind == "leaders" and len(plan.sessions):
        return msg.leaders(cohort, plan.sessions, dict(handbooks or {}))
    if kind == "training" and len(plan.training_sessions) and len(plan.training_assignments):
        return msg.training(cohort, plan.training_sessions, plan.training_assignments)
    raise ValueError(f"{msg.KIND_WORDS[kind]} needs {plan_needs(kind)}")


def usable_address(email: str) -> bool:
    return bool(_ADDRESS.match(email or "")) and len(email) <= 254


def make_drafts(
    kind: str,
    cohort: Cohort,
    plan: PlanFiles,
    template: msg.Template | None = None,
    coordinator: str = DEFAULT_COORDINATOR,
    handbooks: Mapping[str, tuple[str, bytes]] | None = None,
) -> Drafts:
    """Every message of a kind, filled from the template (TemplateError when it is not valid)."""
    template = template or msg.DEFAULT_TEMPLATES[kind]
    messages = raw_messages(kind, cohort, plan, handbooks)
    coordinator = msg.one_line(coordinator) or DEFAULT_COORDINATOR
    for message in messages:
        message.values["coordinator_name"] = coordinator
    missing: list[str] = []
    kept = []
    for message in messages:
        lost = [r for r in message.to if not usable_address(r.email)]
        missing += [r.name for r in lost]
        message.to = [r for r in message.to if usable_address(r.email)]
        if message.to:
            kept.append(message)
    return Drafts(kind, msg.render(kept, template), sorted(set(missing)))


def _to_text(message: msg.Message) -> str:
    return ", ".join(str(Address(display_name=r.name, addr_spec=r.email)) for r in message.to)


def messages_table(drafts: Drafts) -> pd.DataFrame:
    """One row per message: to, subject, body (the mail-merge table)."""
    rows = [{"to": _to_text(m), "subject": m.subject, "body": m.body} for m in drafts.messages]
    return pd.DataFrame(rows, columns=["to", "subject", "body"])


def messages_csv(drafts: Drafts) -> bytes:
    """The mail-merge CSV, every cell neutralised for spreadsheets."""
    return to_csv_bytes(messages_table(drafts))


def eml(message: msg.Message, sender: str = "") -> EmailMessage:
    """One message as an unsent draft (``X-Unsent: 1`` opens it for editing in Outlook)."""
    draft = EmailMessage(policy=HEADERS)
    draft["To"] = [Address(display_name=r.name[:NAME_CHARS], addr_spec=r.email) for r in message.to]
    if sender and usable_address(sender):
        draft["From"] = Address(addr_spec=sender)
    draft["Subject"] = msg.one_line(message.subject)[:300]
    draft["X-Unsent"] = "1"
    draft.set_content(message.body)
    for name, content in message.attachments:
        draft.add_attachment(content, maintype="text", subtype="html", filename=name)
    return draft


def eml_file_name(index: int, message: msg.Message) -> str:
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", message.to[0].name if message.to else "draft")
    return f"{index:04d}_{stem[:40].strip('_') or 'draft'}.eml"


def eml_zip(drafts: Drafts, sender: str = "") -> bytes:
    """Every message as an ``.eml`` draft in one zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for i, message in enumerate(drafts.messages, start=1):
            archive.writestr(eml_file_name(i, message), eml(message, sender).as_bytes())
    return buffer.getvalue()


def preview(drafts: Drafts, count: int = 3) -> list[dict[str, str]]:
    """The first few messages as to / subject / body, for the app's preview."""
    return messages_table(drafts).head(count).to_dict("records")
